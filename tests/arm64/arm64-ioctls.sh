# L2: the PTP ioctls ours serves on arm64: PTP_SYS_OFFSET (testptp -k 5),
# PTP_SYS_OFFSET_EXTENDED (-x 5), which C ptp_kvm does not serve (no gettimex64:
# EOPNOTSUPP, recorded below as a fact, not judged), and PTP_SYS_OFFSET_PRECISE (-X), a
# cross timestamp on the arch counter (status/crosststamp names it).
# timeout: 120
. "$T/lib.sh"
ktap_header
ktap_plan 6
load_both
check "ours: testptp -c (capabilities)" ptp_ok "$ours" -c
check "ours: testptp -k 5 (PTP_SYS_OFFSET)" ptp_ok "$ours" -k 5
check "ours: testptp -x 5 (PTP_SYS_OFFSET_EXTENDED)" ptp_ok "$ours" -x 5
check "ours: testptp -X (PTP_SYS_OFFSET_PRECISE)" ptp_ok "$ours" -X
cs=$(cat "$STATUS/crosststamp" 2>/dev/null)
case "$cs" in *arch_sys_counter*) r=0 ;; *) r=1 ;; esac
result $r "status/crosststamp names the counter arch_sys_counter (got '${cs:-no file}')"
# EXTENDED windows: each sample's system times bracket the PHC read: pre <= post.
w=$(ptptool ext "$ours" 25 2>&1 | awk 'NF == 3 { n++; d = $3 - $1; if (d < 0) bad++; if (d > m) m = d }
	END { printf "%d %d %d\n", n, bad, m }')
set -- $w
note "ours: 25 EXTENDED samples: $1 read, $2 reversed, widest window ${3:-?} ns"
result "$([ "${1:-0}" = 25 ] && [ "${2:-1}" = 0 ] && echo 0)" \
	"ours: 25 EXTENDED samples (ptptool ext), no window reversed (pre <= post)"
note "ptp_kvm (recorded, not judged): testptp -x 5: $(testptp -d "$kvm" -x 5 2>&1 | tail -n1)"
note "ptp_kvm (recorded, not judged): testptp -X: $(testptp -d "$kvm" -X 2>&1 | head -n1)"
finish

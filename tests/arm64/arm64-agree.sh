# L2: ours and C ptp_kvm read the same host clock through the same SMCCC service: they
# must agree within what each reading can tell apart.
#  1. PTP_SYS_OFFSET, as the x86 group's module-agree: 100 paired rounds (ptptool
#     compare); each offset (PHC - CLOCK_REALTIME at the middle of the narrowest of 5
#     brackets) is uncertain by half its bracket, so the median |ours - ptp_kvm| must be
#     within (median width ours + median width ptp_kvm) / 2.
#  2. PTP_SYS_OFFSET_PRECISE: for 3 s, rounds of ptp_kvm, ours, ptp_kvm (ptptool track),
#     each offset (CLOCK_REALTIME - PHC at one arch counter value). Ours must lie
#     between its two ptp_kvm neighbours: |ours - (kvm1 + kvm2) / 2| within
#     |kvm2 - kvm1| / 2 (how far the two clocks moved apart during the round) plus 2 ns
#     (each offset is a difference of two values truncated to whole ns: within 1 ns of
#     the true one, so two offsets within 2 ns). Judged on the medians, as 1.
# timeout: 120
. "$T/lib.sh"
ktap_header
ktap_plan 4
load_both
out=$(ptptool compare "$ours" "$kvm" 100 2>&1)
rc=$?
printf '%s\n' "$out" | grep . | indent
result $rc "100 paired PTP_SYS_OFFSET rounds of ours and ptp_kvm"
md=$(printf '%s\n' "$out" | awk '$1 == "median_abs_diff_ns" { print $2 }')
wa=$(printf '%s\n' "$out" | awk '$1 == "median_width_a_ns" { print $2 }')
wb=$(printf '%s\n' "$out" | awk '$1 == "median_width_b_ns" { print $2 }')
bound=$(((${wa:-0} + ${wb:-0}) / 2))
note "agreement (PTP_SYS_OFFSET): median |ours - ptp_kvm| ${md:-?} ns, bound $bound ns"
result "$([ -n "$md" ] && [ "$md" -le "$bound" ] && echo 0)" \
	"PTP_SYS_OFFSET: median |ours - ptp_kvm| = ${md:-?} ns <= (width_ours + width_kvm) / 2 = $bound ns"
ptptool track "$ours" "$kvm" 3 >/tmp/track.out 2>/tmp/track.err
rc=$?
head -n 3 /tmp/track.err | indent
s=$(awk '$1 == "r" { n++; m = ($3 + $5) / 2; e = $4 - m; if (e < 0) e = -e; a = ($5 - $3) / 2; if (a < 0) a = -a
		print "R", e, a }
	$1 == "e" { bad++ } END { print "N", n + 0, bad + 0 }' /tmp/track.out)
n=$(printf '%s\n' "$s" | awk '$1 == "N" { print $2 }')
bad=$(printf '%s\n' "$s" | awk '$1 == "N" { print $3 }')
me=$(printf '%s\n' "$s" | awk '$1 == "R" { print $2 }' | median)
ma=$(printf '%s\n' "$s" | awk '$1 == "R" { print $3 }' | median)
mx=$(printf '%s\n' "$s" | awk '$1 == "R" { if ($2 > m) m = $2 } END { print m + 0 }')
result "$([ "$rc" = 0 ] && [ "${n:-0}" -ge 100 ] && [ "${bad:-1}" = 0 ] && echo 0)" \
	"PTP_SYS_OFFSET_PRECISE rounds kvm/ours/kvm for 3 s: ${n:-0} rounds, ${bad:-?} failed on ours"
pb=$(awk -v a="${ma:-0}" 'BEGIN { print a + 2 }')
note "agreement (PTP_SYS_OFFSET_PRECISE): median |ours - ptp_kvm| ${me:-?} ns (max $mx), bound $pb ns (median |kvm2 - kvm1| / 2 = ${ma:-?} ns, + 2 ns)"
result "$([ -n "$me" ] && awk -v e="$me" -v b="$pb" 'BEGIN { exit !(e <= b) }' && echo 0)" \
	"PTP_SYS_OFFSET_PRECISE: median |ours - ptp_kvm| = ${me:-?} ns <= median |kvm2 - kvm1| / 2 + 2 ns = $pb ns"
finish

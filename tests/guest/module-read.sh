# Reads: PTP_SYS_OFFSET, _EXTENDED and _PRECISE on ours in the nested guest.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 7
module_loaded || load_ours
dev=$(ptp_by_name "$OUR_NAME")
st=/sys/module/$MOD/status
r0=$(cat $st/reads 2>/dev/null || echo 0)
check "testptp -k 25 (PTP_SYS_OFFSET)" ptp_ok "$dev" -k 25
check "testptp -x 25 (PTP_SYS_OFFSET_EXTENDED)" ptp_ok "$dev" -x 25
check "testptp -X (PTP_SYS_OFFSET_PRECISE)" ptp_ok "$dev" -X
# EXTENDED samples: pre <= post, brackets narrow, PHC advancing with the system clock.
ext=$(ptptool ext "$dev" 25)
check "EXTENDED: 25 samples, pre <= post, PHC strictly increasing" awk '
	{ if ($1 > $3 || (NR > 1 && $2 <= p)) bad = 1; p = $2 } END { exit bad || NR != 25 }' <<<"$ext"
w=$(awk '{ print $3 - $1 }' <<<"$ext" | median)
note "EXTENDED median bracket width: $w ns"
# A VM exit under nested TCG costs tens of microseconds; a bracket of 1 ms would mean
# the timestamps are not taken around the single hypercall.
check "EXTENDED: median bracket width $w ns < 1 ms" test "$w" -lt 1000000
p=$(ptptool precise "$dev")
off=$(ptptool offset "$dev" 5 | awk '{ print $1 }' | median)
note "PRECISE: $p; PTP_SYS_OFFSET offset: $off ns"
# PRECISE pairs device time with system time at one instant: its offset must match the
# bracketed offset within the bracket's uncertainty (well under 1 ms here).
check "PRECISE: device - system time matches the PHC's bracketed offset (< 1 ms)" \
	awk -v o="$off" '{ d = ($1 - $2) - o; if (d < 0) d = -d; exit !(d < 1000000) }' <<<"$p"
r1=$(cat $st/reads 2>/dev/null || echo 0)
note "status reads: $r0 -> $r1, errors: $(cat $st/errors 2>/dev/null)"
check "sysfs status counts the reads and no errors" \
	bash -c "[ $r1 -gt $r0 ] && [ \"\$(cat $st/errors)\" = 0 ]"
ktap_finished

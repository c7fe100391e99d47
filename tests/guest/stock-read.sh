# Reads on the distribution's unmodified kernel: PTP_SYS_OFFSET, _EXTENDED and _PRECISE
# on ours, and ours against the distribution's own C ptp_kvm (scripts/stock-test).
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 10
module_loaded || insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
st=/sys/module/$MOD/status
r0=$(cat $st/reads 2>/dev/null || echo 0)
out=$(ptp_ok "$dev" -k 5); rc=$?; printf '%s\n' "$out" | tail -n 3 | sed 's/^/# /'
check "testptp -k 5 (PTP_SYS_OFFSET)" test $rc = 0
out=$(ptp_ok "$dev" -x 5); rc=$?; printf '%s\n' "$out" | tail -n 3 | sed 's/^/# /'
check "testptp -x 5 (PTP_SYS_OFFSET_EXTENDED)" test $rc = 0
out=$(ptp_ok "$dev" -X); rc=$?; printf '%s\n' "$out" | tail -n 3 | sed 's/^/# /'
check "testptp -X (PTP_SYS_OFFSET_PRECISE) under $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" test $rc = 0
r1=$(cat $st/reads 2>/dev/null || echo 0)
note "status reads: $r0 -> $r1, errors: $(cat $st/errors 2>/dev/null)"
check "sysfs status counts the reads and no errors" \
	bash -c "[ $r1 -gt $r0 ] && [ \"\$(cat $st/errors)\" = 0 ]"
note "ptp_kvm: $(modinfo -n ptp_kvm 2>&1)"
check "modprobe ptp_kvm (the distribution's own module)" modprobe ptp_kvm
kvm=$(ptp_by_name "$KVM_NAME")
check "ptp_kvm: testptp -k 5" ptp_ok "${kvm:-/dev/null}" -k 5
# ptptool is the rig's (scripts/test-tools builds it) and ptp_kvm is Debian's, loaded
# above: without either the comparison fails, naming what is missing.
if ! command -v ptptool >/dev/null || [ -z "$kvm" ]; then
	why=$(command -v ptptool >/dev/null || echo "no ptptool on PATH (scripts/test-tools builds tests/tools/ptptool)")
	[ -n "$kvm" ] || why="${why:+$why; }no PHC named '$KVM_NAME' (ptp_kvm)"
	ktap_test_fail "ptptool compare of ours and ptp_kvm: $why"
	ktap_test_fail "median |ours - ptp_kvm|: not measured ($why)"
else
	out=$(ptptool compare "$dev" "$kvm" 100)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	check "ptptool compare: 100 paired reads of ours and ptp_kvm" test $rc = 0
	eval "$(awk '{ printf "%s=%s\n", $1, $2 }' <<<"$out")"
	bound=$(((${median_width_a_ns:-0} + ${median_width_b_ns:-0}) / 2))
	check "median |ours - ptp_kvm| = ${median_abs_diff_ns:-?} ns <= (width_ours + width_kvm) / 2 = $bound ns" \
		test "${median_abs_diff_ns:-999999999}" -le "$bound"
fi
rmmod ptp_kvm 2>/dev/null
check "rmmod ptp_vmclock_rs" rmmod "$MOD"
check "its PHC is gone" bash -c "! grep -qsx '$OUR_NAME' /sys/class/ptp/*/clock_name"
ktap_finished

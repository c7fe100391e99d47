# Guest booted with clocksource=tsc: our PTP_SYS_OFFSET_PRECISE works; C ptp_kvm's
# fails there (ENODEV) - shown as the contrast, not as a failure of ours.
# timeout: 240
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 6
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
check "guest clocksource is tsc" test "$cs" = tsc
insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
check "ours: testptp -X (PRECISE) under clocksource tsc" ptp_ok "$dev" -X
check "ours: testptp -k 5 and -x 5 under clocksource tsc" bash -c ". tests/lib.sh; ptp_ok '$dev' -k 5 && ptp_ok '$dev' -x 5"
w=$(ext_windows "$dev" 25)
check "ours ($(cat /sys/module/$MOD/status/transport)): EXTENDED windows under tsc as narrow as $(uname -r) allows ($w; 7.x: all zero wide, 6.x: none reversed)" \
	bash -c ". tests/lib.sh; ext_expect '$dev' 25"
modprobe ptp_kvm
kvm=$(ptp_by_name "$KVM_NAME")
note "ptp_kvm device: ${kvm:-none}"
if [ -z "$kvm" ]; then
	ktap_test_fail "ptp_kvm: loaded for the contrast"
elif out=$(ptp_ok "$kvm" -X); then
	ktap_test_pass "ptp_kvm: PRECISE unexpectedly works under tsc"
else
	printf '%s\n' "$out" | sed 's/^/# ptp_kvm -X: /'
	ktap_test_xfail "ptp_kvm: PRECISE fails under clocksource tsc (the known ptp_kvm limit)"
fi
run_for 20 phc2sys -s "$dev" -c CLOCK_REALTIME -O 0 -R 4 -m -q >/tmp/p.log 2>&1
offs=$(awk '/phc offset/ { for (i = 1; i <= NF; i++) if ($i == "offset") print $(i + 1) }' /tmp/p.log | tail -n 30)
max=$(awk '{ a = $1 < 0 ? -$1 : $1; if (a > m) m = a } END { print m + 0 }' <<<"$offs")
note "phc2sys under tsc, last 7.5 s: max |offset| $max ns"
check "phc2sys on ours under tsc holds |offset| <= 1000 ns (last 7.5 s: $max ns)" \
	bash -c "[ -n '$offs' ] && [ $max -le 1000 ]"
ktap_finished

# Single-level guest (QEMU TCG, no KVM). QEMU's vmport device answers the backdoor's
# GETVERSION but not its time commands (GETTIME 23, GETTIMEFULL 46 answer 0xffffffff;
# the QEMU it was read from: Documentation/testing.rst, "The groups"), so the vmport
# transport must refuse cleanly here: ENODEV and one log line that says exactly that;
# auto likewise, naming both transports.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" transport=vmport 2>&1)
log_since | sed 's/^/# /'
check "transport=vmport on QEMU: insmod fails with ENODEV" grep -q 'No such device' <<<"$out"
check "... in one log line saying the port lacks GETTIMEFULL" \
	bash -c ". tests/lib.sh; [ \$(module_log_lines) = 1 ] && log_since | grep -q 'does not serve GETTIMEFULL'"
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" 2>&1)
log_since | sed 's/^/# /'
check "transport=auto without KVM: ENODEV" grep -q 'No such device' <<<"$out"
check "... in one log line naming both transports' reasons" \
	bash -c ". tests/lib.sh; [ \$(module_log_lines) = 1 ] && log_since | grep '$MOD' | grep -q 'kvm: .*vmport: '"
check "no module left loaded and no PHC registered" bash -c "! test -d /sys/module/$MOD && ! ls /sys/class/ptp/ 2>/dev/null | grep -q ."
ktap_finished

# Single-level guest (QEMU TCG, no KVM, QEMU's vmport device present). The vmport
# transport speaks to VMware hypervisors only, where the kernel identified one
# (x86_hyper_type); QEMU's device is no VMware hypervisor (nor does it serve the time
# commands), so the transport must refuse without touching the port: ENODEV and one log
# line that says so; auto likewise, naming both transports.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" transport=vmport 2>&1)
log_since | sed 's/^/# /'
check "transport=vmport on QEMU: insmod fails with ENODEV" grep -q 'No such device' <<<"$out"
check "... in one log line saying the kernel identified no VMware hypervisor" \
	bash -c ". tests/lib.sh; [ \$(module_log_lines) = 1 ] && log_since | grep -q 'did not identify a VMware hypervisor'"
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" 2>&1)
log_since | sed 's/^/# /'
check "transport=auto without KVM: ENODEV" grep -q 'No such device' <<<"$out"
check "... in one log line naming both transports' reasons" \
	bash -c ". tests/lib.sh; [ \$(module_log_lines) = 1 ] && log_since | grep '$MOD' | grep -q 'kvm: .*vmport: '"
check "no module left loaded and no PHC registered" bash -c "! test -d /sys/module/$MOD && ! ls /sys/class/ptp/ 2>/dev/null | grep -q ."
ktap_finished

# A guest with neither KVM nor a vmport device (-machine vmport=off): insmod refuses
# with ENODEV and one log line, without touching anything else (the vmport transport
# needs a VMware hypervisor the kernel identified).
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 4
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" 2>&1)
log_since | sed 's/^/# /'
check "transport=auto without KVM and vmport: ENODEV" grep -q 'No such device' <<<"$out"
check "... in exactly one log line" test "$(module_log_lines)" = 1
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" transport=vmport 2>&1)
log_since | sed 's/^/# /'
check "transport=vmport without the port: ENODEV" grep -q 'No such device' <<<"$out"
check "... in exactly one log line, saying the kernel identified no VMware hypervisor" \
	bash -c ". tests/lib.sh; [ \$(module_log_lines) = 1 ] && log_since | grep -q 'did not identify a VMware hypervisor'"
ktap_finished

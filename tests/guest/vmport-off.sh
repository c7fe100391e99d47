# A guest with neither KVM nor a vmport device (-machine vmport=off): insmod refuses
# with ENODEV and one log line, without touching anything else.
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
check "... in exactly one log line" test "$(module_log_lines)" = 1
ktap_finished

# Without KVM (single-level TCG guest): the kvm transport refuses cleanly; bad
# parameters are refused.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 4
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" transport=kvm 2>&1)
note "insmod transport=kvm: $out"
log_since | sed 's/^/# /'
check "transport=kvm without KVM: insmod fails with ENODEV" grep -q 'No such device' <<<"$out"
check "... and says so in exactly one log line" test "$(module_log_lines)" = 1
log_mark
out=$(insmod "$PTP_VMCLOCK_KO" transport=bogus 2>&1)
note "insmod transport=bogus: $out"
log_since | sed 's/^/# /'
check "transport=bogus: insmod fails with EINVAL" grep -qE 'Invalid (argument|parameters)' <<<"$out"
check "... and says so in exactly one log line" test "$(module_log_lines)" = 1
ktap_finished

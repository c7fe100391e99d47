# L2 runs with kvm.vmclock_page=0 (host/0009), so it answers clock type 2 as a host
# without the vmclock page does: the module falls back to the hypercall by itself, says
# why in one log line and serves as before; transport=vmclock alone is refused.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 6
st=/sys/module/$MOD/status
p=$(host-cmd 'cat /sys/module/kvm/parameters/vmclock_page')
check "L2 has the vmclock page turned off (kvm.vmclock_page: $p)" test "$p" = N
rmmod "$MOD" 2>/dev/null
log_mark
check "insmod (transport=auto)" insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
log_since | grep "$MOD" | sed 's/^/# /'
check "auto falls back to transport kvm ($(cat $st/transport))" test "$(cat $st/transport)" = kvm
check "one log line says why there is no page" bash -c \
	". tests/lib.sh; [ \$(log_since | grep -c 'vmclock page unavailable (the host does not offer it') = 1 ]"
check "PTP_SYS_OFFSET_PRECISE and _EXTENDED through the hypercall" \
	bash -c "ptptool precise '$dev' && ptptool ext '$dev' 5"
rmmod "$MOD"
out=$(insmod "$PTP_VMCLOCK_KO" transport=vmclock 2>&1)
rc=$?
note "insmod transport=vmclock: exit $rc: $out"
check "transport=vmclock alone is refused with ENODEV and a logged reason" bash -c "
	[ $rc != 0 ] && grep -q 'No such device' <<<'$out' && . tests/lib.sh &&
	log_since | grep -q 'transport=vmclock unavailable: the host does not offer it'"
ktap_finished

# The nested guest (L3 under KVM in L2 under TCG) boots with 2 vCPUs and reaches L2.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
check "nested guest runs the kernel vm-run selected ($(uname -r))" test "$(uname -r)" = "$(cat "$KDIR/include/config/kernel.release")"
check "guest has 2 vCPUs" test "$(nproc)" = 2
check "guest runs under KVM (kvm-clock is its clocksource)" \
	grep -qx kvm-clock /sys/devices/system/clocksource/clocksource0/current_clocksource
check "host-cmd runs commands on the KVM host (L2)" test "$(host-cmd hostname)" = l2
check "the KVM host's clocksource is tsc (KVM_HC_CLOCK_PAIRING needs it)" \
	test "$(host-cmd cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" = tsc
ktap_finished

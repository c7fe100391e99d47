# The single-level guest (QEMU TCG, no KVM) boots and runs commands.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 3
check "single-level guest runs the reference kernel" test "$(uname -r)" = "$(cat "$KDIR/include/config/kernel.release")"
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
note "clocksource: $cs"
check "no kvm-clock under TCG (clocksource $cs)" test "$cs" != kvm-clock
check "host-cmd refuses outside a nested guest" bash -c '! host-cmd true'
ktap_finished

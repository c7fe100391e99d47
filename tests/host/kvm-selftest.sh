#!/bin/bash
# Runs on the KVM host (L2) before the test guest boots (tests/groups: --host-cmd):
# the host/ series' KVM selftest, with -s (it also sets the host's NTP status through
# adjtimex and checks what a vCPU sees). Its output and status are left in the run
# directory for tests/guest/host-selftest.sh, which turns them into results.
t=$(dirname "$KDIR")/tools/kvm_clock_pairing_test
[ -x "$t" ] || exit 0
"$t" -s >"$RUN/kvm-selftest.out" 2>&1
echo $? >"$RUN/kvm-selftest.rc"
exit 0

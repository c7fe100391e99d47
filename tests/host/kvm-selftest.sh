#!/bin/bash
# Runs on the KVM host (L2) before the test guest boots (tests/groups: --host-cmd):
# the host/ series' KVM selftest, with -s (it also sets the host's NTP status through
# adjtimex and checks what a vCPU sees). Its output and status are left in the run
# directory for tests/guest/host-selftest.sh, which turns them into results.
# On an L2 kernel with kmemleak (vm-run --host-variant debug): a baseline scan before
# the selftest and two scans after it; the count of objects kmemleak then suspects goes
# to the run directory as well (the test guest checks it is 0).
. "$REPO/tests/kmemleak.sh"
t=$(dirname "$KDIR")/tools/kvm_clock_pairing_test
[ -x "$t" ] || exit 0
[ ! -w $KMEMLEAK ] || kmemleak_baseline
"$t" -s >"$RUN/kvm-selftest.out" 2>&1
echo $? >"$RUN/kvm-selftest.rc"
if [ -w $KMEMLEAK ]; then
	kmemleak_suspects >"$RUN/kvm-selftest.kmemleak"
	head -n 60 $KMEMLEAK >"$RUN/kvm-selftest.kmemleak-report"
fi
exit 0

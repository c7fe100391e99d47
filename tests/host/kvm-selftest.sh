#!/bin/bash
# Runs on the KVM host (L2) before the test guest boots (tests/groups: --host-cmd):
# the host/ series' KVM selftest, with -s (it also sets the host's NTP status through
# adjtimex and checks what a vCPU sees). Its output and status are left in the run
# directory for tests/guest/host-selftest.sh, which turns them into results.
# On an L2 kernel with kmemleak (vm-run --host-variant debug): a baseline scan before
# the selftest and two scans after it; the count of objects kmemleak then suspects goes
# to the run directory as well (the test guest checks it is 0).
# Something the rig should have provided and did not (the selftest binary, which
# scripts/setup builds from host/; kmemleak on an L2 whose config has it) is written to
# $RUN/kvm-selftest.missing: the test guest reports it as a failure. This script exits 0
# all the same, so that the guest boots and says so (a failing --host-cmd would abort
# the VM run, and tests/run would retry it in vain).
. "$REPO/tests/kmemleak.sh"
t=$(dirname "$KDIR")/tools/kvm_clock_pairing_test
if [ ! -x "$t" ]; then
	echo "no executable $t on L2 (scripts/setup builds it from the host/ series)" >"$RUN/kvm-selftest.missing"
	exit 0
fi
if grep -qs '^CONFIG_DEBUG_KMEMLEAK=y' "$KDIR/.config" && [ ! -w $KMEMLEAK ]; then
	echo "L2's kernel has CONFIG_DEBUG_KMEMLEAK but no writable $KMEMLEAK (debugfs not mounted, or kmemleak off)" >"$RUN/kvm-selftest.missing"
fi
[ ! -w $KMEMLEAK ] || kmemleak_baseline
"$t" -s >"$RUN/kvm-selftest.out" 2>&1
echo $? >"$RUN/kvm-selftest.rc"
if [ -w $KMEMLEAK ]; then
	kmemleak_suspects >"$RUN/kvm-selftest.kmemleak"
	head -n 60 $KMEMLEAK >"$RUN/kvm-selftest.kmemleak-report"
fi
exit 0

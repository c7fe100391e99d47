#!/bin/bash
# Runs on the KVM host (L2) before the test guest boots (tests/groups: --host-cmd):
# the host/ series' KVM selftest, with -s (it also sets the host's NTP status through
# adjtimex and checks what a vCPU sees). Its output and status are left in the run
# directory for tests/guest/host-selftest.sh, which turns them into results.
# On an L2 kernel with kmemleak (vm-run --host-variant debug): a baseline scan before
# the selftest and two scans after it; the count of objects kmemleak then suspects goes
# to the run directory as well (the test guest checks it is 0).
t=$(dirname "$KDIR")/tools/kvm_clock_pairing_test
[ -x "$t" ] || exit 0
kl=/sys/kernel/debug/kmemleak
[ ! -w $kl ] || { echo scan >$kl && echo clear >$kl; }
"$t" -s >"$RUN/kvm-selftest.out" 2>&1
echo $? >"$RUN/kvm-selftest.rc"
if [ -w $kl ]; then
	# kmemleak reports an object once it has been unreferenced for 5 s and seen so in
	# two scans (tests/lib.sh, kmemleak_suspects).
	sleep 6
	echo scan >$kl
	sleep 1
	echo scan >$kl
	grep -c '^unreferenced object' $kl >"$RUN/kvm-selftest.kmemleak"
	head -n 60 $kl >"$RUN/kvm-selftest.kmemleak-report"
fi
exit 0

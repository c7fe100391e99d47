#!/bin/bash
# The last script of every group on a kernel with kmemleak (tests/run adds it under
# KERNEL_VARIANT=debug): an explicit scan, since the automatic ones are off
# (scripts/guest/init). tests/guest-run took a baseline when the group started, so any
# object reported here leaked while the group's scripts ran. kmemleak reports an object
# only once it has been unreferenced for 5 s and seen so in a scan: wait, scan twice.
# timeout: 900
. "$REPO/tests/lib.sh"
kl=/sys/kernel/debug/kmemleak
ktap_print_header
ktap_set_plan 1
if [ ! -e $kl ]; then
	ktap_test_skip "kmemleak scan at the group's end (no CONFIG_DEBUG_KMEMLEAK in this kernel)"
	ktap_finished
fi
sleep 6
t0=$SECONDS
echo scan >$kl
echo scan >$kl
n=$(grep -c '^unreferenced object' $kl)
note "two scans took $((SECONDS - t0)) s"
head -n 60 $kl | sed 's/^/# /'
check "kmemleak: no object leaked while the group's scripts ran ($n suspected)" test "$n" = 0
ktap_finished

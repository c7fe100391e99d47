#!/bin/bash
# The last script of every group on a kernel with kmemleak (tests/run adds it under
# KERNEL_VARIANT=debug): an explicit scan, since the automatic ones are off
# (scripts/guest/init). tests/guest-run took a baseline when the group started, so any
# object reported here leaked while the group's scripts ran.
# timeout: 900
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 1
# tests/run adds this script only on a kernel that has kmemleak (the debug variant,
# config/debug): without it the scan cannot run, and that is a failure of the rig.
if [ ! -e $KMEMLEAK ]; then
	if grep -qs '^CONFIG_DEBUG_KMEMLEAK=y' "$KDIR/.config"; then
		why="the kernel has CONFIG_DEBUG_KMEMLEAK but no $KMEMLEAK (debugfs not mounted, or kmemleak off)"
	else
		why="no CONFIG_DEBUG_KMEMLEAK in $KDIR/.config, which config/debug should enable"
	fi
	ktap_test_fail "kmemleak scan at the group's end: $why"
	ktap_finished
fi
t0=$SECONDS
n=$(kmemleak_suspects)
note "waiting and two scans took $((SECONDS - t0)) s"
head -n 60 $KMEMLEAK | sed 's/^/# /'
check "kmemleak: no object leaked while the group's scripts ran ($n suspected)" test "$n" = 0
ktap_finished

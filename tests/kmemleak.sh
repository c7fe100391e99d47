# shellcheck shell=bash
# kmemleak helpers, for kernels with CONFIG_DEBUG_KMEMLEAK (the debug variant, whose
# automatic scans are off: scripts/guest/init). Sourced by tests/lib.sh (the guest test
# scripts), tests/guest-run and tests/host/kvm-selftest.sh (on L2), which need no more.
KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_baseline: a scan, then "clear": what exists now (boot, earlier work) is never
# reported later, so a later kmemleak_suspects sees only what leaked after this.
kmemleak_baseline() { echo scan >$KMEMLEAK && echo clear >$KMEMLEAK; }

# kmemleak_suspects: scan for leaks and print how many objects kmemleak suspects. It
# reports an object only once it has been unreferenced for 5 s and seen so in two scans:
# wait, then scan twice.
kmemleak_suspects() {
	sleep 6
	echo scan >$KMEMLEAK
	sleep 1
	echo scan >$KMEMLEAK
	grep -c '^unreferenced object' $KMEMLEAK
}

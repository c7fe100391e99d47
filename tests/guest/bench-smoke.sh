# The bench's 30-second smoke version (make bench with tiny sizes), so its code cannot
# rot: bench/guest.sh must measure every phase; tests/run then runs bench/analyze.py
# --smoke on the data on the machine (reported as "bench: ...").
# timeout: 420
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 3
for m in ptp_vmclock_rs ptp_kvm; do rmmod $m 2>/dev/null; done
d=${TEST_OUT:?TEST_OUT, the log directory of the runner, is not set}/bench-smoke
rm -rf "$d"
BENCH_DATA=$d BENCH_SMOKE=1 BENCH_UNPINNED=0 bash "$REPO/bench/guest.sh" >/tmp/bench.out 2>&1
rc=$?
sed 's/^/# /' /tmp/bench.out
check "bench/guest.sh --smoke ran every phase (exit $rc)" test $rc = 0 -a -e "$d/complete"
check "bench: read cost, widths and scaling data are there, and the floor's (transport=mock)" bash -c "
	test -s '$d/cost.tsv' && test -s '$d/width.tsv' && test \$(wc -l <'$d/scaling.tsv') = 6 &&
	test -s '$d/floor-cost.tsv' && test -s '$d/floor-width.tsv' &&
	test \$(grep -c ' mock ' '$d/scaling.tsv') = 2"
check "bench: accuracy data for all six methods (incl. NTP over the L2 link, phc2sys on both PHCs with the guest on tsc)" bash -c "
	for m in phc2sys_ours phc2sys_kvm chrony_phc_ours chrony_ntp phc2sys_ours_tsc phc2sys_kvm_tsc; do
		test -s '$d/accuracy-'\$m.tsv || exit 1; done"
for m in ptp_vmclock_rs ptp_kvm; do rmmod $m 2>/dev/null; done
ktap_finished

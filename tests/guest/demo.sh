# The guest half of `make run` (scripts/demo-guest.sh) with 8-s phc2sys runs: it must exit
# 0, print every figure (offsets before and after, reads per second of both PHCs, the RMS
# of both under tsc, each a number) and nothing like "command not found" (the demo broke
# that way on a fresh machine while the tests stayed green).
# In the nested-tsc group: booted on tsc (tsc=reliable), so the demo can switch between
# kvm-clock and tsc as `make run` does.
# timeout: 240
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
rmmod ptp_kvm "$MOD" 2>/dev/null
rc=0
DEMO_SECONDS=8 bash scripts/demo-guest.sh >/tmp/demo.out 2>&1 || rc=$?
sed 's/^/# /' /tmp/demo.out
o=/tmp/demo.out
num='-?[0-9]+(\.[0-9]+)?'
check "the demo exits 0 ($rc) and says done" bash -c "[ $rc = 0 ] && grep -qx 'demo: done' $o"
check "no line but the demo's own (no 'command not found', no shell or tool error)" \
	bash -c "! grep -v '^demo: ' $o | grep -q ."
check "offsets before and after are numbers, the one after within 100 us" bash -c "
	grep -Eq '^demo: guest clock before: PHC - CLOCK_REALTIME = $num ns' $o &&
	a=\$(sed -En 's/^demo: guest clock after: +PHC - CLOCK_REALTIME = (-?[0-9]+) ns \(error RMS $num ns, max [0-9]+ ns.*/\1/p' $o) &&
	[ -n \"\$a\" ] && [ \${a#-} -lt 100000 ]"
check "reads per second of ours and ptp_kvm are numbers" \
	bash -c "grep -Eq '^demo: reads/s: ours [0-9]+, ptp_kvm [0-9]+ \(' $o"
check "under tsc: ours with PRECISE, the RMS of both runs are numbers" bash -c "
	grep -q 'ours cross-timestamps with PRECISE' $o &&
	grep -Eq '^demo: guest on tsc, clock error RMS .*: phc2sys on ours $num ns \(max [0-9]+\), on ptp_kvm $num ns' $o"
ktap_finished

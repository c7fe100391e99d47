# A VM paused and resumed (QEMU's `stop`, 10 s, `cont`, on L2's monitor of this guest)
# while the PHC is read and phc2sys disciplines the guest clock from it, for the page
# (transport=vmclock) and the hypercall (transport=kvm). QEMU freezes kvm-clock while
# the VM is stopped, so the guest's clock falls 10 s behind the host's; the PHC must
# not: every read, the first after the resume included, must give the host's time.
# Judged per round by C ptp_kvm's PTP_SYS_OFFSET_PRECISE right before and right after
# ours (ptptool track: the host's time at the guest's own clock, exact). phc2sys runs
# with the options of the shipped unit (scripts/integration/phc2sys-ptp_vmclock.service,
# -m: to stdout); its largest offset and its recovery after the event are reported, and it
# must recover within 10 s (the unit's -S 1 steps the 10 s; without it phc2sys slews at
# its largest rate, 10 %, for ~100 s). Then chronyd with the shipped snippet (refclock
# PHC; makestep 1 -1) and the same event: it must step back within 60 s (with poll 2 it
# needs several polls before it logs "System clock wrong" and steps; slewing 10 s would
# take it minutes); when it is within 1 us again is reported.
# timeout: 800
. "$REPO/tests/lib.sh"
. "$REPO/tests/lifecycle.sh"
ktap_print_header
ktap_set_plan 14
PAUSE=10 BOUND=10000
oracle_load 14
# pause_after SECS: on L2, detached, SECS s from now QEMU stops this guest, and PAUSE s
# later continues it (its monitor: scripts/guest/stage), while this guest reads on.
pause_after() {
	host-cmd "setsid bash -c 'sleep $1; printf \"stop\\n\" | socat -t2 - UNIX-CONNECT:/run/l3mon.sock;
		sleep $PAUSE; printf \"cont\\n\" | socat -t2 - UNIX-CONNECT:/run/l3mon.sock' \
		</dev/null >/dev/null 2>&1 &" >/dev/null
}
note "phc2sys options of the shipped unit: $P2S_OPTS"
for t in vmclock kvm; do
	rmmod "$MOD" 2>/dev/null
	if ! insmod "$PTP_VMCLOCK_KO" transport=$t || ! dev=$(ptp_by_name "$OUR_NAME"); then
		for i in 1 2 3 4 5 6 7; do ktap_test_fail "transport=$t: the module did not load"; done
		continue
	fi
	phc2sys_start "$dev" /tmp/phc2sys-$t.log
	sleep 5
	ptptool track "$dev" "$kvm" 40 >/tmp/track-$t.log 2>/tmp/track-$t.err &
	tr=$!
	sleep 5
	# Detached on L2: the stop lands while this guest reads.
	pause_after 1
	wait $tr
	trc=$?
	sleep 20
	kill $P2S_PID 2>/dev/null
	wait $P2S_PID 2>/dev/null
	read -r tev step first rounds maxerr errs wide <<<"$(track_summary /tmp/track-$t.log)"
	note "transport=$t: ptptool track exit $trc, $rounds rounds, $errs failed reads; the event: a step of $step s in the host's time against the guest's; first read after it: error $first ns; largest |error| beyond the oracle's bracket $maxerr ns ($wide rounds with a bracket over 2 us) $(head -c 300 /tmp/track-$t.err)"
	check "transport=$t: the pause was seen (the host's time stepped $step s against the guest's, ~$PAUSE s)" \
		awk -v n="$step" -v p=$PAUSE 'BEGIN { exit !(n > p - 2 && n < p + 5) }'
	check "transport=$t: the first read after the resume gives the host's time (|$first| <= $BOUND ns)" \
		awk -v e="$first" -v b=$BOUND 'BEGIN { exit !(e != "none" && e <= b && -e <= b) }'
	check "transport=$t: no read gives another time ($rounds rounds, largest |error| beyond the bracket $maxerr <= $BOUND ns)" \
		test "$rounds" -gt 1000 -a "$maxerr" -le $BOUND
	check "transport=$t: no read failed ($errs)" test "$errs" = 0
	read -r p2max p2rec p2n <<<"$(phc2sys_summary /tmp/phc2sys-$t.log "$tev")"
	note "transport=$t: phc2sys after the event: largest |offset| $p2max ns, last |offset| > 1 us at +$p2rec s after it ($p2n samples); tail: $(tail -n 2 /tmp/phc2sys-$t.log | paste -sd'|')"
	check "transport=$t: phc2sys recovered: |offset| <= 1 us from +$p2rec s after the event on ($p2n samples; within 10 s)" \
		awk -v r="$p2rec" -v n="$p2n" 'BEGIN { exit !(n > 100 && r <= 10) }'
	# chronyd with the shipped snippet, judged by ptp_kvm's PRECISE (ptptool monitor:
	# guest realtime - host time, 10 times a second, from before chronyd starts).
	chrony_conf "$dev"
	pause_after 30
	ptptool monitor "$kvm" 120 10 --run /tmp/chronyd-$t.log chronyd -d -u root -f /tmp/chrony/chrony.conf \
		>/tmp/chrony-$t.tsv 2>/tmp/chrony-$t.err
	mrc=$?
	# Back within 100 us (the step is done) and within 1 us (converged again, reported).
	read -r cev cstep cmax crec cn <<<"$(chrony_summary /tmp/chrony-$t.tsv 100000)"
	read -r _ _ _ crec1 _ <<<"$(chrony_summary /tmp/chrony-$t.tsv 1000)"
	note "transport=$t: chronyd (monitor exit $mrc): the event at +$cev s (a $cstep s step); largest |offset| after it $cmax ns; within 100 us for 10 s from +$crec s after it on, within 1 us from +$crec1 s (999: not in the $cn readings after it); $(grep -m2 -iE 'step|System clock wrong' /tmp/chronyd-$t.log | paste -sd'|' | cut -c1-200)"
	check "transport=$t: chronyd with the shipped snippet stepped back: |offset| <= 100 us for 10 s from +$crec s after the event (within 60 s; event seen: $cstep s step)" \
		awk -v r="$crec" -v s="$cstep" -v n="$cn" -v p=$PAUSE 'BEGIN { exit !(s > p - 2 && n > 100 && r <= 60) }'
	[ $t != vmclock ] || note "transport=vmclock: page fallbacks $(status page_fallbacks) (last: $(status page_fallback_last)), registrations $(status page_registrations), page updates seen $(status page_updates)"
	check "transport=$t: sysfs counts no read error ($(status errors))" \
		test "$(status errors)" = 0
done
rmmod "$MOD" ptp_kvm 2>/dev/null
ktap_finished

# A leap second inserted on the KVM host (L2: its clock set S s before midnight UTC,
# adjtimex STA_INS, TAI - UTC 37 s) while the PHC is read, for the hypercall
# (transport=kvm) and the page (transport=vmclock). The host's CLOCK_REALTIME repeats
# 23:59:59 (Linux applies the leap at the first tick after midnight); its CLOCK_TAI goes
# on. Judged per round, about every ms, by C ptp_kvm's PTP_SYS_OFFSET_PRECISE right
# before and right after ours (ptptool track): ptp_kvm serves the host's CLOCK_REALTIME,
# so the oracle's offset from the guest's clock steps by +1 s at the leap, and the host's
# TAI is the oracle plus 37 s before that step, 38 s after it.
# - timescale=tai, the guest's clock undisciplined: the PHC neither repeats nor skips a
#   second against the guest's clock (its offset from it moves by less than a ms from
#   one round to the next), and every read is the oracle plus 37 s, then 38 s;
#   status/host_leap says "ins" before midnight and "none" after, tai_offset 37 then 38.
# - timescale=utc (the default), phc2sys with the shipped unit's options disciplining
#   the guest clock: every read is the host's UTC (the oracle), the repeated second
#   included; the status as above. phc2sys gets no leap warning from the PHC, so to it
#   the leap is its source stepping back 1 s, exactly its step threshold (-S 1 steps
#   only over 1 s): its largest offset, whether it stepped and its recovery are
#   reported; it must be within 1 us within 45 s (slewing 1 s at its largest rate, 10 %,
#   takes ~10 s, converging to 1 us some 30 s more).
# - timescale=utc, chronyd with the shipped snippet (makestep 1 -1) under a Debian-like
#   chrony.conf, running 20 s before the leap, judged by ptp_kvm's PRECISE (ptptool
#   monitor): to it too the leap is a 1 s step of its source, which it may slew or
#   step; it must be within 100 us for 10 s within 45 s of the leap.
# Whether the guest's own kernel was told of the leap (its adjtimex status, as phc2sys or
# chronyd set it) is reported. L2's clock and NTP status are restored on every exit
# path (trap).
# timeout: 600
. "$REPO/tests/lib.sh"
. "$REPO/tests/lifecycle.sh"
ktap_print_header
PLAN_T=12
ktap_set_plan $((2 * PLAN_T))
st=/sys/module/$MOD/status
BOUND=10000
# The leap comes S s after L2's clock was set (track and phc2sys), SC s for chronyd
# (which needs time to settle after its first step); AFTER s of reads follow it, and
# phc2sys runs until P2AFTER s after it. P2REC and CREC: the recovery bounds above.
S=8 SC=20 AFTER=4 P2AFTER=50 P2REC=45 CREC=45
fail_all() { for _ in $(seq "$1"); do ktap_test_fail "$2"; done; }
rmmod "$MOD" 2>/dev/null
modprobe ptp_kvm && kvm=$(ptp_by_name "$KVM_NAME") || {
	fail_all $((2 * PLAN_T)) "C ptp_kvm (the judge) did not load"
	ktap_finished
}
ntp0=$(host-cmd "$REPO/tests/tools/ntpstatus get")
stepped=0 leaps=0 p2s="" chr="" restored=""
restore() {
	[ -z "$restored" ] || return 0
	restored=1
	[ -z "$p2s" ] || kill "$p2s" 2>/dev/null
	[ -z "$chr" ] || kill "$chr" 2>/dev/null
	# Back by the steps, and forward by the seconds the leaps inserted into UTC.
	host-cmd "python3 -c 'import time; c = time.CLOCK_REALTIME; time.clock_settime(c, time.clock_gettime(c) + $leaps - ($stepped))'" >/dev/null
	host-cmd "$REPO/tests/tools/ntpstatus set $(sed -E 's/sync=1/sync/; s/sync=0/unsync/;
		s/leap=none/noleap/; s/leap=//; s/_us=/=/g' <<<"$ntp0")" >/dev/null
	# The guest's clock back to the host's (phc2sys' first update steps).
	timeout 3 phc2sys -s "$kvm" -c CLOCK_REALTIME -O 0 -q >/dev/null 2>&1
}
trap restore EXIT
trap 'exit 143' TERM INT
uptime_s() { read -r u _ </proc/uptime && echo "$u"; }
# arm SECS: L2's clock to SECS s before the coming midnight UTC (or, right after a leap,
# the midnight just passed) and an inserted leap second armed. A step clears the kernel's
# leap state (ntp_clear()), and a leap just inserted leaves it waiting until STA_INS is
# cleared (second_overflow(): TIME_WAIT): clear it, let a second pass, step, then set it.
arm() {
	local d
	host-cmd "$REPO/tests/tools/ntpstatus set sync noleap tai=37" >/dev/null
	sleep 1.1
	d=$(host-cmd "python3 -c 'import time; c = time.CLOCK_REALTIME; t = time.clock_gettime(c)
d = (int(t - 120) // 86400 + 1) * 86400 - $1 - t; time.clock_settime(c, t + d); print(d)'") || return 1
	t_arm=$(uptime_s)
	stepped=$(awk -v a="$stepped" -v b="$d" 'BEGIN { printf "%.9f", a + b }')
	host-cmd "$REPO/tests/tools/ntpstatus set sync ins tai=37" >/dev/null
}
# left SECS: the seconds from now until SECS s after the arm.
left() { awk -v a="$t_arm" -v s="$1" -v n="$(uptime_s)" 'BEGIN { l = a + s - n; printf "%.1f", (l > 0.1 ? l : 0.1) }'; }
# after_leap: L2's status and the module's, once the leap is past; counts the leap.
after_leap() {
	h=$(host-cmd "date -u +%T; $REPO/tests/tools/ntpstatus get" | paste -sd' ')
	[[ $h != *tai=38* ]] || leaps=$((leaps + 1))
	leap1=$(cat $st/host_leap) tai1=$(cat $st/tai_offset)
}
# judge FILE TAI: the rounds of ptptool track across the leap. The leap is the first
# step of the oracle's offset by +0.5..1.5 s (ev: the host's UTC going back; phc2sys'
# step of the guest clock after the arm, if the track sees it, is of the arm's size);
# rounds whose oracle reads straddle any step over 0.5 s are left out (which side ours
# read is unknown). With TAI=1 a round's error is
# OURS - oracle + TAI - UTC (37 s before the leap, 38 s after it), with TAI=0 OURS -
# oracle; what must stay within the bound is the error beyond half the oracle's bracket.
# Also the largest change of ours from one round to the next (jump: over 1 ms).
# Prints: leap step (s), first error after it (ns), rounds, largest error beyond the
# bracket, failed reads, straddling rounds, largest change of ours, its changes over 1 ms,
# the leap's round's time (guest CLOCK_MONOTONIC, ns).
judge() {
	awk -v tai="$2" '
		function abs(x) { return x < 0 ? -x : x }
		function leap(d) { return d > 5e8 && d < 1.5e9 }
		$1 == "r" || $1 == "e" {
			o1 = ($1 == "r") ? $3 : $4
			if (n++ && !ev && leap(o1 - prev)) { ev = n; step = o1 - prev; tev = $2 }
			if (!ev && leap($5 - o1)) { ev = n; step = $5 - o1; tev = $2 }
			prev = $5
			if ($1 == "e") { bad++; next }
			if (abs($5 - $3) > 5e8) { straddle++; havep = 0; next }
			off = tai ? (ev ? 38e9 : 37e9) : 0
			e = $4 - ($3 + $5) / 2 + off; a = abs(e) - abs($5 - $3) / 2
			if (a > m) m = a
			if (ev && first == "") first = sprintf("%d", e)
			if (havep) { d = abs($4 - pours); if (d > dmax) dmax = d; if (d > 1e6) jumps++ }
			pours = $4; havep = 1; r++
		}
		END {
			printf "%.3f %s %d %d %d %d %d %d %d\n", step / 1e9, first == "" ? "none" : first,
				r, m, bad, straddle, dmax, jumps, tev
		}' "$1"
}
note "phc2sys options of the shipped unit: $P2S_OPTS"
for t in kvm vmclock; do
	# --- timescale=tai ------------------------------------------------------------------
	rmmod "$MOD" 2>/dev/null
	if ! insmod "$PTP_VMCLOCK_KO" transport=$t timescale=tai || ! dev=$(ptp_by_name "$OUR_NAME"); then
		fail_all $PLAN_T "transport=$t: the module did not load"
		continue
	fi
	arm $S
	ptptool track "$dev" "$kvm" "$(left $((S + AFTER)))" >/tmp/leap-tai-$t.log 2>/tmp/leap-tai-$t.err &
	tr=$!
	sleep "$(left $((S - 2)))"
	leap0=$(cat $st/host_leap) tai0=$(cat $st/tai_offset)
	wait $tr
	trc=$?
	after_leap
	read -r step first rounds maxerr errs strad dmax jumps tev <<<"$(judge /tmp/leap-tai-$t.log 1)"
	note "transport=$t timescale=tai: track exit $trc, $rounds rounds ($strad straddling the leap left out), $errs failed reads; the oracle stepped $step s; first read after it: error $first ns; largest |error| beyond the bracket $maxerr ns; ours against the guest clock: largest change between rounds $dmax ns, $jumps over 1 ms; sysfs before midnight host_leap $leap0 tai_offset $tai0, after $leap1 $tai1; L2 after: $h $(head -c 300 /tmp/leap-tai-$t.err)"
	check "transport=$t timescale=tai: L2 inserted the leap second (the oracle's UTC stepped back $step s: 1 +- 0.1)" \
		awk -v s="$step" 'BEGIN { exit !(s > 0.9 && s < 1.1) }'
	check "transport=$t timescale=tai: the PHC neither repeats nor skips a second against the guest's clock (largest change between rounds $dmax ns < 1 ms, $rounds rounds)" \
		test "$rounds" -gt 1000 -a "$jumps" = 0 -a "$dmax" -lt 1000000
	check "transport=$t timescale=tai: every read is the host's TAI, the oracle + 37 s, then + 38 s (largest |error| beyond the bracket $maxerr <= $BOUND ns; first after the leap $first ns)" \
		test "$rounds" -gt 1000 -a "$maxerr" -le $BOUND -a "$first" != none
	check "transport=$t timescale=tai: no read failed ($errs; $rounds rounds)" test "$errs" = 0 -a "$rounds" -gt 0
	check "transport=$t timescale=tai: sysfs before midnight host_leap ins, tai_offset 37 ($leap0, $tai0); after none, 38 ($leap1, $tai1)" \
		test "$leap0 $tai0 $leap1 $tai1" = "ins 37 none 38"

	# --- timescale=utc, phc2sys ---------------------------------------------------------
	rmmod "$MOD"
	if ! insmod "$PTP_VMCLOCK_KO" transport=$t || ! dev=$(ptp_by_name "$OUR_NAME"); then
		fail_all $((PLAN_T - 5)) "transport=$t timescale=utc: the module did not load"
		continue
	fi
	phc2sys_start "$dev" /tmp/leap-phc2sys-$t.log
	p2s=$P2S_PID
	sleep 2
	arm $S
	ptptool track "$dev" "$kvm" "$(left $((S + AFTER)))" >/tmp/leap-utc-$t.log 2>/tmp/leap-utc-$t.err &
	tr=$!
	sleep "$(left $((S - 2)))"
	leap0=$(cat $st/host_leap) tai0=$(cat $st/tai_offset) g0=$(ntpstatus get)
	wait $tr
	trc=$?
	after_leap
	sleep "$(left $((S + P2AFTER)))"
	kill $p2s 2>/dev/null
	wait $p2s 2>/dev/null
	p2s=""
	read -r step first rounds maxerr errs strad dmax jumps tev <<<"$(judge /tmp/leap-utc-$t.log 0)"
	note "transport=$t timescale=utc: track exit $trc, $rounds rounds ($strad straddling a step left out), $errs failed reads; the oracle stepped $step s; first read after it: error $first ns; largest |error| beyond the bracket $maxerr ns; ours: $jumps changes over 1 ms between rounds; sysfs before midnight host_leap $leap0 tai_offset $tai0, after $leap1 $tai1; guest adjtimex before midnight: $g0; L2 after: $h $(head -c 300 /tmp/leap-utc-$t.err)"
	check "transport=$t timescale=utc: L2 inserted the leap second (the oracle's UTC stepped back $step s: 1 +- 0.1)" \
		awk -v s="$step" 'BEGIN { exit !(s > 0.9 && s < 1.1) }'
	check "transport=$t timescale=utc: every read is the host's UTC, the repeated second included (largest |error| beyond the bracket $maxerr <= $BOUND ns; first after the leap $first ns; $rounds rounds)" \
		test "$rounds" -gt 1000 -a "$maxerr" -le $BOUND -a "$first" != none
	check "transport=$t timescale=utc: no read failed ($errs; $rounds rounds)" test "$errs" = 0 -a "$rounds" -gt 0
	check "transport=$t timescale=utc: sysfs before midnight host_leap ins, tai_offset 37 ($leap0, $tai0); after none, 38 ($leap1, $tai1)" \
		test "$leap0 $tai0 $leap1 $tai1" = "ins 37 none 38"
	# phc2sys: "phc2sys[MONO]: CLOCK_REALTIME phc offset OFF STATE freq ..." lines; s1: a step.
	# The largest |offset| per 5 s after the leap shows how it got back.
	read -r p2max p2rec p2n p2steps p2end p2w <<<"$(awk -v te="${tev:-0}" '/phc offset/ {
			t = substr($1, 9) + 0; o = $5 + 0; a = o < 0 ? -o : o
			if (t * 1e9 > te) {
				if (a > m) m = a; if (a > 1000) last = t; n++; if ($6 == "s1") s++
				end = t; i = int((t - te / 1e9) / 5); if (a > w[i]) w[i] = a; if (i > iw) iw = i
			}
		} END {
			for (i = 0; i <= iw; i++) ws = ws (i ? "," : "") w[i]
			printf "%d %.1f %d %d %.1f %s", m, last ? last - te / 1e9 : 0, n, s, end - te / 1e9, ws
		}' /tmp/leap-phc2sys-$t.log)"
	note "transport=$t: phc2sys after the leap: largest |offset| $p2max ns, $p2steps steps (s1), last |offset| > 1 us at +$p2rec s after it ($p2n samples up to +$p2end s); largest |offset| per 5 s: $p2w ns; first: $(awk -v te="${tev:-0}" '/phc offset/ && substr($1, 9) * 1e9 > te' /tmp/leap-phc2sys-$t.log | head -n 2 | cut -c1-90 | paste -sd'|')"
	check "transport=$t: phc2sys recovered from the leap: |offset| <= 1 us from +$p2rec s after it on (within $P2REC s; $p2n samples up to +$p2end s)" \
		awk -v r="$p2rec" -v n="$p2n" -v e="$p2end" -v b=$P2REC 'BEGIN { exit !(n > 100 && r <= b && e - r >= 5) }'

	# --- timescale=utc, chronyd ---------------------------------------------------------
	# chronyd with the shipped snippet under a chrony.conf like Debian's (makestep 1 3
	# before the confdir; no leapsectz), judged by ptp_kvm's PRECISE (ptptool monitor:
	# guest realtime - host time, 10 times a second, from before chronyd starts).
	chrony_conf "$dev"
	arm $SC
	ptptool monitor "$kvm" "$(left $((SC + CREC + 10)))" 10 --run /tmp/leap-chronyd-$t.log chronyd -d -u root -f /tmp/chrony/chrony.conf \
		>/tmp/leap-chrony-$t.tsv 2>/tmp/leap-chrony-$t.err &
	chr=$!
	sleep "$(left $((SC - 2)))"
	g0=$(ntpstatus get)
	wait $chr
	mrc=$?
	chr=""
	after_leap
	# "t_s err_ns": the leap is the first step of +0.5..1.5 s between readings (the
	# host's UTC going back; chronyd's first step, of the arm's size, comes before it and
	# its steps back have the other sign). Back within B: from the first reading on
	# after which 10 s of readings (100) stay within B.
	rec_awk='
		{ t[NR] = $1; e[NR] = $2; a[NR] = $2 < 0 ? -$2 : $2
		  if (NR > 1) { d = $2 - e[NR - 1]
		    if (!ev && d > 5e8 && d < 1.5e9) { s = d; ev = NR } else if (ev && (d > 5e8 || d < -5e8)) steps++ } }
		END {
			if (!ev) { print "0 0 0 999 0 0 -"; exit }
			for (i = ev; i <= NR; i++) {
				if (a[i] > m) m = a[i]
				k = int((t[i] - t[ev]) / 5); if (a[i] > w[k]) w[k] = a[i]; if (k > kw) kw = k
			}
			for (k = 0; k <= kw; k++) ws = ws (k ? "," : "") sprintf("%.0f", w[k])
			for (i = ev; i + 99 <= NR && !rec; i++) {
				ok = 1; for (j = i; j < i + 100; j++) if (a[j] > b) { ok = 0; i = j; break }
				if (ok) rec = i
			}
			printf "%.1f %.3f %.0f %.1f %d %d %s\n", t[ev], s / 1e9, m, rec ? t[rec] - t[ev] : 999, NR - ev + 1, steps, ws
		}'
	read -r cev cstep cmax crec cn csteps cw <<<"$(awk -v b=100000 "$rec_awk" /tmp/leap-chrony-$t.tsv)"
	read -r _ _ _ crec1 _ <<<"$(awk -v b=1000 "$rec_awk" /tmp/leap-chrony-$t.tsv)"
	note "transport=$t: chronyd (monitor exit $mrc): the leap at +$cev s (a $cstep s step); largest |offset| after it $cmax ns, per 5 s: $cw ns; steps of the guest clock after it: $csteps; within 100 us for 10 s from +$crec s after it on, within 1 us from +$crec1 s (999: not in the $cn readings after it); guest adjtimex before midnight: $g0; L2 after: $h; chronyd: $(grep -iE 'step|System clock wrong|leap' /tmp/leap-chronyd-$t.log | tail -n 3 | paste -sd'|' | cut -c1-300)"
	check "transport=$t: chronyd with the shipped snippet recovered from the leap: |offset| <= 100 us for 10 s from +$crec s after it (within $CREC s; leap seen: $cstep s step)" \
		awk -v r="$crec" -v s="$cstep" -v n="$cn" -v b=$CREC 'BEGIN { exit !(s > 0.9 && s < 1.1 && n > 100 && r <= b) }'
	check "transport=$t: sysfs counts no read error ($(cat $st/errors))" test "$(cat $st/errors)" = 0
done
restore
rmmod "$MOD" ptp_kvm 2>/dev/null
ktap_finished

# shellcheck shell=bash
# Guest-side helpers of the VM-lifecycle tests (tests/guest/lifecycle-*.sh): an event
# (pause, save and restore, live migration) happens to the test guest while ptptool track
# reads the PHC under test between two reads of C ptp_kvm's PTP_SYS_OFFSET_PRECISE (the
# oracle: the host's time at the guest's own clock), while phc2sys or chronyd disciplines
# the guest clock with the shipped integration files. Sourced after tests/lib.sh.

# oracle_load PLAN: C ptp_kvm loaded as the judge, its PHC in $kvm (and our module
# unloaded); without it every one of the PLAN results fails and the script ends.
oracle_load() {
	rmmod "$MOD" 2>/dev/null
	modprobe ptp_kvm && kvm=$(ptp_by_name "$KVM_NAME") && return 0
	for _ in $(seq "$1"); do ktap_test_fail "C ptp_kvm (the judge) did not load"; done
	ktap_finished
}

# The phc2sys options of the shipped unit.
P2S_OPTS=$(sed -n 's/^ExecStart=[^ ]*phc2sys //p' "$REPO/scripts/integration/phc2sys-ptp_vmclock.service")

# phc2sys_start DEV LOG: phc2sys with the unit's options on DEV (the unit names
# /dev/ptp_vmclock, which udev makes), in the background; its pid in P2S_PID.
phc2sys_start() {
	# shellcheck disable=SC2086 # the options are words
	phc2sys ${P2S_OPTS//\/dev\/ptp_vmclock/$1} >"$2" 2>&1 &
	P2S_PID=$!
}

# track_summary FILE: of ptptool track's output, "TEV STEP FIRST ROUNDS MAXERR ERRS WIDE":
# the event (the largest step of the oracle's offset from one of its reads to the next:
# the host's time against the guest's) at guest CLOCK_MONOTONIC TEV ns, its size STEP s,
# the error of the first round surely after it (FIRST ns, "none" when that round failed
# or there is none), the rounds, the largest |error| beyond half the oracle's bracket (a
# round's error is uncertain by that much: the guest clock moves between the oracle's
# reads, fast while phc2sys slews), failed rounds, and rounds with a bracket over 2 us.
# The event can fall between two rounds (the first after it is the later round) or
# inside a round, between its two oracle reads: that round's bracket holds the event,
# ours in it may have been read on either side, and it judges nothing (its bracket is the
# step); the first round surely after the event is the next one.
track_summary() {
	awk '
		function abs(x) { return x < 0 ? -x : x }
		$1 == "r" || $1 == "e" {
			o1 = ($1 == "r") ? $3 : $4; o2 = $5
			n++; kind[n] = $1; tt[n] = $2
			if (n > 1 && abs(o1 - prev) > step) { step = abs(o1 - prev); ev = n; after = n }
			if (abs(o2 - o1) > step) { step = abs(o2 - o1); ev = n; after = n + 1 }
			prev = o2
			if ($1 == "r") {
				e = $4 - ($3 + $5) / 2; w = abs($5 - $3)
				err[n] = e; a = abs(e) - w / 2; if (a > m) m = a; r++
				if (w > 2000) wide++
			}
			else bad++
		}
		END {
			# %.0f, not %d: an awk may stop %d at 2^31 - 1 (mawk 1.3.4 20200120 does)
			first = (after && kind[after] == "r") ? sprintf("%.0f", err[after]) : "none"
			printf "%.0f %.6f %s %d %.0f %d %d\n", tt[ev], step / 1e9, first, r, m, bad, wide
		}' "$1"
}

# track_rate FILE: rounds per second of guest CLOCK_MONOTONIC in ptptool track's output.
track_rate() {
	awk '$1 == "r" || $1 == "e" { if (!n++) t0 = $2; t1 = $2 }
		END { printf "%d\n", (t1 > t0) ? (n - 1) / ((t1 - t0) / 1e9) : 0 }' "$1"
}

# phc2sys_summary LOG TEV: "MAX REC N" of phc2sys' -m lines ("phc2sys[MONO]: CLOCK_REALTIME
# phc offset OFF s2 freq ...") after guest CLOCK_MONOTONIC TEV ns: the largest |offset|
# (ns), the last time it was over 1 us (s after TEV; 0: never), the samples.
phc2sys_summary() {
	awk -v te="$2" '/phc offset/ {
			t = substr($1, 9) + 0; o = $5 + 0; a = o < 0 ? -o : o
			if (t * 1e9 > te) { if (a > m) m = a; if (a > 1000) last = t; n++ }
		} END { printf "%.0f %.1f %d", m, last ? last - te / 1e9 : 0, n }' "$1"
}

# chrony_conf DEV: /tmp/chrony/chrony.conf like Debian's (makestep 1 3 before the confdir)
# with the shipped snippet for DEV in its confdir.
chrony_conf() {
	mkdir -p /tmp/chrony/conf.d /run/chrony
	cp "$REPO/scripts/integration/chrony-ptp_vmclock.conf" /tmp/chrony/conf.d/ptp_vmclock.conf
	sed -i "s|/dev/ptp_vmclock|$1|" /tmp/chrony/conf.d/ptp_vmclock.conf
	printf '%s\n' "driftfile /tmp/chrony/drift" "makestep 1 3" "cmdport 0" \
		"pidfile /run/chrony/lifecycle.pid" "confdir /tmp/chrony/conf.d" >/tmp/chrony/chrony.conf
	rm -f /tmp/chrony/drift
}

# chrony_summary TSV B [STEP]: of ptptool monitor's "t_s err_ns" lines (guest realtime -
# host time), "TEV STEP MAX REC N": the event (the first step over STEP ns, default 1 s,
# between readings) at TEV
# s, its size STEP s, the largest |offset| after it (ns), REC: from how many s after it on
# 100 readings in a row (10 s) stay within B ns (999: never), readings after it.
chrony_summary() {
	awk -v b="$2" -v th="${3:-1000000000}" '
		{ t[NR] = $1; e[NR] = $2; a[NR] = $2 < 0 ? -$2 : $2
		  if (NR > 1 && !ev) { d = $2 - e[NR - 1]; if (d < 0) d = -d; if (d > th) { s = d; ev = NR } } }
		END {
			for (i = ev; i <= NR; i++) if (a[i] > m) m = a[i]
			for (i = ev; i + 99 <= NR && !rec; i++) {
				ok = 1; for (j = i; j < i + 100; j++) if (a[j] > b) { ok = 0; i = j; break }
				if (ok) rec = i
			}
			printf "%.1f %.3f %.0f %.1f %d\n", t[ev], s / 1e9, m, rec ? t[rec] - t[ev] : 999, NR - ev + 1
		}' "$1"
}

# status NAME: our module's sysfs status file NAME.
status() { cat "/sys/module/$MOD/status/$1"; }

# move_after SECS EVENT: on L2, detached, SECS s from now, scripts/guest/l3-move moves
# this guest (EVENT: save, restored $SAVE s later; live), while it reads on. Only in a
# guest of vm-run --ram-root.
move_after() {
	local how=live
	[ "$2" = live ] || how="save $SAVE"
	host-cmd "setsid bash -c 'sleep $1; $REPO/scripts/guest/l3-move $how' </dev/null >/dev/null 2>&1 &" >/dev/null
}
# moved: waits until L2 says the move is over; prints its log (and starts a new one).
# A request in flight when the guest moves is lost with the old QEMU (host-cmd -w).
moved() {
	local out rc i
	for i in $(seq 300); do
		out=$(host-cmd -w 30 "[ ! -e /run/l3.moving ] || exit 75; cat \$RUN/l3-move.log; rm -f \$RUN/l3-move.log")
		rc=$?
		[ $rc != 0 ] || { printf '%s\n' "$out"; return 0; }
		[ $rc = 75 ] || [ $rc = 124 ] || { printf '%s\n' "$out"; return 1; }
		sleep 2
	done
	return 1
}

# progress TEXT / progress_end: a line "# TEXT: still running" every 50 s of guest time
# meanwhile: the runner takes a guest that prints nothing for 240 s as hung, and a saved
# guest prints nothing while it does not run.
progress() {
	(while sleep 50; do echo "# $1: still running"; done) &
	PROGRESS_PID=$!
}
progress_end() { kill "$PROGRESS_PID" 2>/dev/null; wait "$PROGRESS_PID" 2>/dev/null; }

# L2: phc2sys disciplines CLOCK_REALTIME from ours, then from C ptp_kvm, each after a
# real disturbance, and removes it. Undisturbed it would prove nothing: L1 and L2 run
# their realtime clocks on the same 1 GHz arch counter, neither steered, and phc2sys
# shows 0 ns offsets from its first samples (Documentation/arm64-rig.rst). So before each
# run: CLOCK_REALTIME stepped by +50 ms (phc_ctl CLOCK_REALTIME adj 0.05) and set 100 ppm
# fast (busybox adjtimex -f 6553600, in 2^-16 ppm). The run on one PHC is judged by the
# other PHC (PTP_SYS_OFFSET_PRECISE: CLOCK_REALTIME - host time at one counter value),
# which phc2sys does not read:
#  - the disturbance is there: the oracle sees the clock >= 40 ms ahead before phc2sys;
#  - phc2sys ran (samples) and ended with its frequency back within FREQ_PPB of 0 (the
#    undisturbed clock needs none: same counter, no NTP): it removed the 100 ppm;
#  - after it, the oracle sees the clock within ORACLE_NS of the host, and the second
#    half of phc2sys's own offsets has an RMS within RMS_NS.
# The bounds, from what was measured (2026-12-07, set after four runs; fourteen runs now,
# six on ours and eight on ptp_kvm, alike: second-half RMS 13.7-19.7 ns, max 31-39 ns, last
# frequency -22..+26 ppb, the servo swinging by up to 31 ppb; the oracle afterwards 0 ns):
#  - FREQ_PPB 300: 10x that swing; 0.3% of the 100 ppm put in. A PHC whose rate is off
#    the host's by more than 0.3 ppm leaves phc2sys there and fails.
#  - RMS_NS 100: 5x the worst RMS measured; an uncorrected 100 ppm moves the clock
#    25 us between two updates (-R 4), a wrong PHC offset shows as phc2sys's steps.
#  - ORACLE_NS 1000: the clock may drift at up to FREQ_PPB for the ~3 s between
#    phc2sys's end and the last oracle read (900 ns); a PHC off the host's time by
#    more (phc2sys follows whatever the PHC says) fails here.
# ARM64_FREQ_PPB, ARM64_RMS_NS, ARM64_ORACLE_NS override them (experiments only).
# timeout: 240
. "$T/lib.sh"
S=${PHC2SYS_S:-20}
# Bounds (see the header): a 100 ppm error left uncorrected moves the clock 25 us between
# two of phc2sys's updates (-R 4) and 100 us a second.
FREQ_PPB=${ARM64_FREQ_PPB:-300}
ORACLE_NS=${ARM64_ORACLE_NS:-1000}
RMS_NS=${ARM64_RMS_NS:-100}
ktap_header
ktap_plan 10
load_both
# oracle DEV: median of 9 PTP_SYS_OFFSET_PRECISE offsets CLOCK_REALTIME - DEV's time (ns).
oracle() {
	for _ in 1 2 3 4 5 6 7 8 9; do ptptool precise "$1" 2>/dev/null | awk '{ print $2 - $1 }'; done | median
}
# sqrt in awk: busybox awk here may lack libm; Newton's method.
rms_awk='function sq(x,  r, i) { if (x <= 0) return 0; r = x; for (i = 0; i < 100; i++) r = (r + x / r) / 2; return r }'
for which in ours ptp_kvm; do
	if [ $which = ours ]; then dev=$ours orc=$kvm; else dev=$kvm orc=$ours; fi
	adjtimex -f 0 >/dev/null
	o0=$(oracle "$orc")
	phc_ctl CLOCK_REALTIME adj 0.05 >/tmp/phc_ctl.out 2>&1 || cat /tmp/phc_ctl.out | indent
	adjtimex -f 6553600 >/dev/null
	sleep 2
	o1=$(oracle "$orc")
	note "$which: oracle ($orc) before the disturbance ${o0:-?} ns, after it (2 s at +100 ppm) ${o1:-?} ns"
	result "$([ -n "$o1" ] && [ -n "$o0" ] && [ $((o1 - o0)) -ge 40000000 ] && echo 0)" \
		"$which: disturbance made: CLOCK_REALTIME >= 40 ms ahead of the host before phc2sys ($((${o1:-0} - ${o0:-0})) ns)"
	phc2sys -s "$dev" -c CLOCK_REALTIME -O 0 -R 4 -m -q >/tmp/p2s.log 2>&1 &
	pid=$!
	sleep "$S"
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	o2=$(oracle "$orc")
	grep offset /tmp/p2s.log | head -n 4 | indent
	grep offset /tmp/p2s.log | tail -n 3 | indent
	st=$(awk "$rms_awk"'
		/ offset / { for (i = 1; i <= NF; i++) { if ($i == "offset") v[n] = $(i + 1); if ($i == "freq") f[n] = $(i + 1) } n++ }
		END { h = int(n / 2); for (i = h; i < n; i++) { s += v[i] * v[i]; a = v[i] < 0 ? -v[i] : v[i]; if (a > m) m = a
				a = f[i] < 0 ? -f[i] : f[i]; if (a > fm) fm = a; c++ }
			printf "%d %d %.1f %d %s %d\n", n, c, c ? sq(s / c) : -1, m, n ? f[n - 1] : "none", fm }' /tmp/p2s.log)
	set -- $st
	n=${1:-0} rms=${3:--1} max=${4:-0} fq=${5:-none} fmax=${6:-0}
	note "phc2sys $which: $n samples in $S s; second half: RMS $rms ns, max $max ns, |freq| up to $fmax ppb; last freq $fq ppb; oracle after ${o2:-?} ns"
	result "$([ "$n" -ge $((S * 2)) ] && echo 0)" "$which: phc2sys ran and reported ($n samples in $S s at -R 4)"
	result "$([ "$fq" != none ] && [ "${fq#[-+]}" -le "$FREQ_PPB" ] && echo 0)" \
		"$which: phc2sys removed the +100 ppm: its frequency ended at $fq ppb, within $FREQ_PPB ppb of 0"
	result "$([ -n "$o2" ] && [ "${o2#-}" -le "$ORACLE_NS" ] && echo 0)" \
		"$which: afterwards the oracle sees CLOCK_REALTIME within $ORACLE_NS ns of the host (${o2:-?} ns)"
	result "$(awk -v r="$rms" -v b="$RMS_NS" 'BEGIN { exit !(r >= 0 && r <= b) }' && echo 0)" \
		"$which: phc2sys offsets, second half: RMS $rms ns <= $RMS_NS ns (max $max ns)"
done
adjtimex -f 0 >/dev/null
finish

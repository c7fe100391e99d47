# The vmclock page (host/0007): with the page the module reads the host's time without a
# VM exit; the host keeps it current through host clock steps and frequency changes.
# (a) auto picks transport vmclock, the host rewrites the page, sysfs shows it;
# (b) exits of the test VM on L2 (KVM's debugfs stats) over 1000000 PHC reads through
#     the page: < 0.01 per read (the host-cmd round trips that read the counter cost
#     ~400 exits of their own); over 10000 through the hypercall (transport=kvm): >= 1
#     per read; the cost of a read, page / hypercall, in the same boot;
# (c) PTP_SYS_OFFSET_PRECISE and _EXTENDED from the page, no fallback to the hypercall;
# (d) L2 steps its clock by +1000 s and back: the PHC follows within a second;
# (e) L2's clock frequency +100 ppm (adjtimex): the PHC's rate against the guest's
#     CLOCK_MONOTONIC_RAW (kvm-clock, which host NTP does not steer) follows;
# (f) a leap second inserted on L2 (its clock set to 23:59:52 UTC, STA_INS, TAI - UTC
#     37 s): before it status/host_leap says "ins"; across it the PHC in TAI
#     (timescale=tai) neither repeats nor skips a second against the guest's own
#     undisciplined clock; after it status/tai_offset is 38.
# L2's clock, frequency and NTP status are restored on every exit path (trap).
# timeout: 300
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 21
st=/sys/module/$MOD/status
N=10000 NP=1000000
load() {
	rmmod "$MOD" 2>/dev/null
	insmod "$PTP_VMCLOCK_KO" "$@" && dev=$(ptp_by_name "$OUR_NAME")
}
# exits: the test VM's exits so far (the sum over its vCPUs; L2 runs no other VM).
exits() {
	host-cmd 'mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
		cat /sys/kernel/debug/kvm/*-*/exits' | awk '{ s += $1 } END { print s + 0 }'
}
# steps SECONDS: steps L2's CLOCK_REALTIME by SECONDS (float arithmetic: ~0.2 us).
step() {
	host-cmd "python3 -c 'import time; c = time.CLOCK_REALTIME; time.clock_settime(c, time.clock_gettime(c) + ($1))'"
}
# within D LO HI: LO < D < HI.
within() { [ "$1" -gt "$2" ] && [ "$1" -lt "$3" ]; }
# offset: PHC - guest CLOCK_REALTIME in ns (PTP_SYS_OFFSET, narrowest of 5 samples).
offset() { ptptool offset "$dev" 1 | awk '{ print $1 }'; }
# rate: PHC rate against CLOCK_MONOTONIC_RAW over 2 s, in ppb (two PRECISE readings).
rate() {
	local a b
	a=$(ptptool precise "$dev") && sleep 2 && b=$(ptptool precise "$dev") || return 1
	awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y)
		printf "%d\n", ((y[1] - x[1]) - (y[3] - x[3])) * 1e9 / (y[3] - x[3]) }'
}
freq0=$(host-cmd "busybox adjtimex | sed -n 's/^ *frequency: *//p'")
ntp0=$(host-cmd "$REPO/tests/tools/ntpstatus get")
stepped=0
restore() {
	[ "$stepped" = 0 ] || step "-($stepped)" >/dev/null
	host-cmd "busybox adjtimex -f ${freq0:-0}" >/dev/null
	# The NTP status as found (the step above marked the clock unsynchronised again).
	host-cmd "$REPO/tests/tools/ntpstatus set $(sed -E 's/sync=1/sync/; s/sync=0/unsync/;
		s/leap=none/noleap/; s/leap=//; s/_us=/=/g' <<<"$ntp0")" >/dev/null
}
trap restore EXIT
trap 'exit 143' TERM INT

# --- (a) ---------------------------------------------------------------------------------
log_mark
check "insmod (transport=auto) picks the vmclock page" \
	bash -c "rmmod $MOD 2>/dev/null; insmod '$PTP_VMCLOCK_KO' && [ \$(cat $st/transport) = vmclock ]"
dev=$(ptp_by_name "$OUR_NAME")
log_since | grep "$MOD" | sed 's/^/# /'
check "one load line names the vmclock transport and the device" \
	bash -c ". tests/lib.sh; [ \$(log_since | grep '$MOD' | grep -c 'transport vmclock .*/dev/${dev#/dev/}') = 1 ]"
ptptool offset "$dev" 1 >/dev/null
u0=$(cat $st/page_updates) g0=$(cat $st/page_generation) r0=$(cat $st/page_registrations)
sleep 1
ptptool offset "$dev" 1 >/dev/null
# page_age_us is computed when the file is read: take off the time since the read (bash's
# own clock, no exec), however slow the execs in between are.
t_read=${EPOCHREALTIME/./}
u1=$(cat $st/page_updates) g1=$(cat $st/page_generation)
t_cat=${EPOCHREALTIME/./}
age_now=$(cat $st/page_age_us)
age=$((age_now - (t_cat - t_read)))
note "page: updates $u0 -> $u1, generation $g0 -> $g1, age $age_now us when read, at most $age us at the last PHC read, registrations $r0"
check "the host rewrote the page within 1 s (updates $u0 -> $u1, generation $g0 -> $g1)" \
	bash -c "[ $u1 -gt $u0 ] && [ $g1 -gt $g0 ] && [ $g0 -gt 0 ]"
check "page age at the last PHC read at most $age us < 500000, one registration ($r0)" \
	bash -c "[ $age -lt 500000 ] && [ $r0 = 1 ]"
# Without reads the newest version seen stays the same and its age (computed when the file
# is read) grows with the time.
a0=$(cat $st/page_age_us) u2=$(cat $st/page_updates)
sleep 1
a1=$(cat $st/page_age_us) u3=$(cat $st/page_updates)
check "without reads page_age_us grows with the time ($a0 -> $a1 us over 1 s) and page_updates stays ($u2 -> $u3)" \
	bash -c "[ $((a1 - a0)) -ge 900000 ] && [ $((a1 - a0)) -le 3000000 ] && [ $u3 = $u2 ]"

# --- (b) ---------------------------------------------------------------------------------
f0=$(cat $st/page_fallbacks)
e0=$(exits)
out_page=$(ptptool reads "$dev" $NP)
e1=$(exits)
f1=$(cat $st/page_fallbacks)
note "vmclock: $out_page; VM exits $e0 -> $e1; fallbacks $f0 -> $f1"
check "vmclock: $NP reads without an error" grep -q ' errors 0 backwards 0 ' <<<"$out_page"
check "vmclock: $NP reads, $((e1 - e0)) VM exits (< $((NP / 100)): timer and housekeeping only)" \
	test $((e1 - e0)) -lt $((NP / 100))
check "vmclock: no read fell back to the hypercall ($f0 -> $f1)" test "$f1" = "$f0"
load transport=kvm
e2=$(exits)
out_kvm=$(ptptool reads "$dev" $N)
e3=$(exits)
note "kvm: $out_kvm; VM exits $e2 -> $e3"
check "kvm: $N reads, $((e3 - e2)) VM exits (>= $N: one per read)" test $((e3 - e2)) -ge $N
cp=$(sed -n 's/.*ns_per_read \([0-9]*\).*/\1/p' <<<"$out_page")
ck=$(sed -n 's/.*ns_per_read \([0-9]*\).*/\1/p' <<<"$out_kvm")
note "read cost: vmclock $cp ns, kvm $ck ns, ratio $(awk -v a="$cp" -v b="$ck" 'BEGIN { printf "%.4f", a / b }')"
note "exits per read: vmclock $(awk -v d=$((e1 - e0)) -v n=$NP 'BEGIN { printf "%.4f", d / n }'), kvm $(awk -v d=$((e3 - e2)) -v n=$N 'BEGIN { printf "%.4f", d / n }')"

# --- (c) ---------------------------------------------------------------------------------
load
f0=$(cat $st/page_fallbacks)
check "PTP_SYS_OFFSET_PRECISE from the page" ptptool precise "$dev"
check "PTP_SYS_OFFSET_EXTENDED from the page" ptptool ext "$dev" 5
w=$(ext_windows "$dev" 25)
check "EXTENDED windows as narrow as $(uname -r) allows ($w; 7.x: all zero wide, 6.x: none reversed)" ext_expect "$dev" 25
f1=$(cat $st/page_fallbacks)
check "PRECISE and EXTENDED: no fallback ($f0 -> $f1), cross timestamp via $(cat $st/crosststamp)" \
	bash -c "[ $f1 = $f0 ] && [ \$(cat $st/crosststamp) != none ]"

# --- (d) ---------------------------------------------------------------------------------
o0=$(offset)
step 1000 >/dev/null && stepped=1000
sleep 1
o1=$(offset)
step -1000 >/dev/null && stepped=0
sleep 1
o2=$(offset)
note "PHC - CLOCK_REALTIME: $o0 ns; L2 +1000 s: $o1 ns; back: $o2 ns"
check "L2 +1000 s: the PHC is 1000 s ahead of before (+-50 ms)" \
	within $((o1 - o0)) 999950000000 1000050000000
check "L2 back by -1000 s: the PHC is back (+-50 ms)" \
	within $((o2 - o0)) -50000000 50000000

# --- (e) ---------------------------------------------------------------------------------
r0=$(rate)
host-cmd "busybox adjtimex -f $((${freq0:-0} + 100 * 65536))" >/dev/null
sleep 1
r1=$(rate)
host-cmd "busybox adjtimex -f ${freq0:-0}" >/dev/null
sleep 1
r2=$(rate)
note "L2 frequency ${freq0:-0} (2^-16 ppm); PHC rate vs CLOCK_MONOTONIC_RAW: $r0 ppb, +100 ppm: $r1 ppb, restored: $r2 ppb"
check "L2 frequency +100 ppm: the PHC's rate follows (+100 ppm +- 10 ppm: $((r1 - r0)) ppb)" \
	within $((r1 - r0)) 90000 110000
check "L2 frequency restored: the PHC's rate returns (+-10 ppm: $((r2 - r0)) ppb)" \
	within $((r2 - r0)) -10000 10000

# --- (f) ---------------------------------------------------------------------------------
load timescale=tai
# L2 to 23:59:52 UTC of its day (the kernel inserts a leap second at the end of any day
# while STA_INS is set); then the status, as a step clears it.
stepped=$(host-cmd "python3 -c 'import time; c = time.CLOCK_REALTIME; t = time.clock_gettime(c)
d = (int(t) // 86400 + 1) * 86400 - 8 - t; time.clock_settime(c, t + d); print(d)'")
host-cmd "$REPO/tests/tools/ntpstatus set sync ins tai=37" >/dev/null
ptptool monitor "$dev" 12 10 >/tmp/leap.out 2>/tmp/leap.err &
mpid=$!
sleep 0.5
leap=$(cat $st/host_leap) tai0=$(cat $st/tai_offset)
wait $mpid
mrc=$?
tai1=$(cat $st/tai_offset)
after=$(host-cmd "date -u +%T; $REPO/tests/tools/ntpstatus get")
note "L2 stepped by $stepped s; before midnight: host_leap $leap, tai_offset $tai0; after: tai_offset $tai1; L2 now: ${after//$'\n'/, }"
range=$(awk '{ if (NR == 1 || $2 < lo) lo = $2; if (NR == 1 || $2 > hi) hi = $2 } END { print NR, hi - lo }' /tmp/leap.out)
note "guest CLOCK_REALTIME - PHC (TAI) over 12 s across the leap: readings, range (ns): $range"
check "before the leap second: status/host_leap ins, tai_offset 37 ($leap, $tai0)" \
	bash -c "[ '$leap' = ins ] && [ '$tai0' = 37 ]"
check "across the leap second the TAI PHC neither repeats nor skips a second (range < 1 ms)" \
	awk -v n="${range% *}" -v r="${range#* }" -v rc=$mrc 'BEGIN { exit !(rc == 0 && n >= 30 && r < 1000000) }'
check "after the leap second: status/tai_offset 38 ($tai1)" test "$tai1" = 38
# Back by the step, and forward by the second the leap inserted into UTC.
step "1 - ($stepped)" >/dev/null && stepped=0
sleep 1
o3=$(offset)
check "L2's clock back after the leap test: PHC (TAI) - CLOCK_REALTIME = $o3 ns, 38 s +- 50 ms from before" \
	within $((o3 - o0)) 37950000000 38050000000
rmmod "$MOD"
ktap_finished

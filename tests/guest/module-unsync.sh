# The host's clock not trustworthy (issue 30): with host_unsync=fail (host_maxerror_us=N)
# the module refuses PHC reads with EBUSY while the KVM host (L2) says its clock is
# unsynchronised (its maximum error exceeds N), so that chronyd and phc2sys act on it
# without reading sysfs. L2's status is set with tests/tools/ntpstatus (adjtimex) through
# host-cmd.
# (a) For transport=kvm and transport=vmclock: L2 synchronised, every read path serves;
#     L2 unsynchronised, PTP_SYS_OFFSET_PRECISE, _EXTENDED, PTP_SYS_OFFSET and
#     clock_gettime() each fail with EBUSY, status/refused_reads grows by one per call
#     (status/errors does not), one log line; L2 synchronised again, they serve again.
#     host_maxerror_us=B: serves while L2's maximum error is below B, refuses once the
#     kernel's own growth of it (500 us/s while synchronised) took it past B. The default
#     (no parameter) serves while L2 is unsynchronised.
# (b) phc2sys with the shipped unit's options keeps running through the refusals (EBUSY
#     is the error it skips; any other makes it exit) and disciplines again after.
# (c) chronyd with two sources: ours with the shipped snippet's line (refid OURS) and C
#     ptp_kvm's PHC (refid KVM). L2 unsynchronised: chronyd stops selecting ours and
#     selects KVM, the guest clock stays within a bound (judged by ptp_kvm's
#     PTP_SYS_OFFSET_PRECISE); L2 synchronised again: ours is selected again.
# timeout: 600
. "$REPO/tests/lib.sh"
ktap_print_header
# The host status comes with clock type 1 and the page (host/ series); 6.12's headers
# lack that ABI (module-hoststatus.sh says why), so the module never refuses there.
if ! grep -qs KVM_CLOCK_PAIRING_TAI "$KDIR/arch/x86/include/uapi/asm/kvm_para.h"; then
	case "$(uname -r)" in
	6.12.*)
		ktap_skip_all "the guest kernel's headers ($(uname -r)) have no host/ ABI: no host status to act on"
		exit 0 ;;
	esac
fi
ktap_set_plan 29
S=/sys/module/$MOD/status
NTPSTATUS=$REPO/tests/tools/ntpstatus
BUSY="Device or resource busy"
st() { cat "$S/$1" 2>&1; }
# l2 ARGS: set L2's status; KVM rewrites the vmclock page at least every 100 ms, so wait
# that long for the page to state it (the hypercall reads it at each call).
l2() { host-cmd "$NTPSTATUS set $*" 2>&1; sleep 0.2; }
restore() { host-cmd "$NTPSTATUS set unsync" >/dev/null 2>&1; }
trap restore EXIT
trap 'exit 143' TERM INT
unload() { rmmod "$MOD" 2>/dev/null || true; }
mark() { echo "ptp_vmclock-unsync-mark-$1" >/dev/kmsg; }
since() { dmesg | sed -n "/ptp_vmclock-unsync-mark-$1\$/,\$p"; }

# The four ways a reader reaches the module: PTP_SYS_OFFSET_PRECISE (getcrosststamp),
# _EXTENDED, PTP_SYS_OFFSET and clock_gettime() (gettimex64).
reads_serve() {
	ptptool precise "$1" && ptptool ext "$1" 3 && ptptool offset "$1" 1 && ptp_ok "$1" -g
}
# busy CMD...: CMD fails and says EBUSY's message.
busy() {
	local out
	out=$("$@" 2>&1) && { echo "worked: $out"; return 1; }
	echo "$out"
	grep -q "$BUSY" <<<"$out"
}
gettime_busy() {
	local out
	out=$(testptp -d "$1" -g 2>&1)
	echo "$out"
	grep -q "clock_gettime: $BUSY" <<<"$out"
}

unload
modprobe ptp_kvm && kdev=$(ptp_by_name "$KVM_NAME") || note "C ptp_kvm did not load"
mark load
for t in kvm vmclock; do
	unload
	l2 sync maxerror=1000 esterror=100 >/dev/null
	if ! insmod "$PTP_VMCLOCK_KO" transport=$t host_unsync=fail || ! dev=$(ptp_by_name "$OUR_NAME"); then
		for i in $(seq 10); do ktap_test_fail "transport=$t host_unsync=fail: the module did not load"; done
		continue
	fi
	check "transport=$t host_unsync=fail, L2 synchronised: PRECISE, EXTENDED, PTP_SYS_OFFSET, clock_gettime serve; refused_reads 0" \
		bash -c "$(declare -f reads_serve ptp_ok); reads_serve $dev && test \"\$(cat $S/refused_reads)\" = 0 && test \"\$(cat $S/host_sync)\" = 1"
	r0=$(st refused_reads) e0=$(st errors)
	mark "off-$t"
	note "L2: $(l2 unsync)"
	check "transport=$t: L2 unsynchronised: PTP_SYS_OFFSET_PRECISE fails with EBUSY" busy ptptool precise "$dev"
	check "transport=$t: PTP_SYS_OFFSET_EXTENDED fails with EBUSY" busy ptptool ext "$dev" 3
	check "transport=$t: PTP_SYS_OFFSET fails with EBUSY" busy ptptool offset "$dev" 1
	check "transport=$t: clock_gettime() fails with EBUSY (testptp -g)" gettime_busy "$dev"
	r1=$(st refused_reads) e1=$(st errors) hs=$(st host_sync)
	check "transport=$t: refused_reads $r0 -> $r1 (one per call: +4), errors $e0 -> $e1 (unchanged), host_sync $hs" \
		test "$((r1 - r0))" = 4 -a "$e1" = "$e0" -a "$hs" = 0
	note "L2: $(l2 sync maxerror=1000)"
	check "transport=$t: L2 synchronised again: all four serve, refused_reads stays $r1" \
		bash -c "$(declare -f reads_serve ptp_ok); reads_serve $dev && test \"\$(cat $S/refused_reads)\" = $r1"
	logs=$(since "off-$t" | grep "$MOD")
	printf '%s\n' "$logs" | sed 's/^/# log: /'
	check "transport=$t: one log line when the refusals began, one when they ended" \
		test "$(grep -c 'reads fail with EBUSY' <<<"$logs")" = 1 -a "$(grep -c 'synchronised again' <<<"$logs")" = 1
	# host_maxerror_us: the kernel adds 500 us a second to L2's maximum error while it
	# is synchronised (second_overflow()); set 1 ms below the bound, it is past it 3 s
	# later.
	unload
	B=200000
	insmod "$PTP_VMCLOCK_KO" transport=$t host_maxerror_us=$B && dev=$(ptp_by_name "$OUR_NAME")
	out=$(l2 sync maxerror=$((B - 1000)))
	a=$(ptptool precise "$dev" 2>&1) && ma=$(st host_maxerror_us)
	sleep 3
	b=$(ptptool precise "$dev" 2>&1)
	mb=$(st host_maxerror_us)
	note "L2: $out; read at host_maxerror_us ${ma:-?}: ${a:0:60}; 3 s later at $mb: ${b:0:60}"
	check "transport=$t host_maxerror_us=$B: serves at ${ma:-?} us, EBUSY at $mb us (L2's error grew past the bound)" \
		test -n "$ma" -a "${ma:-0}" -le $B -a "$mb" -gt $B -a -z "${b##*"$BUSY"*}"
	# The default: today's behaviour, serve whatever the host says.
	unload
	insmod "$PTP_VMCLOCK_KO" transport=$t && dev=$(ptp_by_name "$OUR_NAME")
	l2 unsync >/dev/null
	check "transport=$t, no parameter: L2 unsynchronised (host_sync 0), all four serve, refused_reads 0" \
		bash -c "$(declare -f reads_serve ptp_ok); reads_serve $dev && test \"\$(cat $S/refused_reads)\" = 0 && test \"\$(cat $S/host_sync)\" = 0"
done

# KUnit cases of the policy ran at the first load (since the mark "load"; every load
# runs them again).
kunit=$(since load | grep -E ' (not )?ok [0-9]+ (host_policy_parameters|host_policy_decision)$' | head -n 2)
printf '%s\n' "$kunit" | sed 's/^/# kunit: /'
check "KUnit: host_policy_parameters and host_policy_decision passed" \
	bash -c "[ \$(grep -c ' ok ' <<<'$kunit') -eq 2 ] && ! grep -q 'not ok' <<<'$kunit'"

# (b) phc2sys with the shipped unit's options, transport=vmclock, host_unsync=fail.
unload
l2 sync maxerror=1000 >/dev/null
insmod "$PTP_VMCLOCK_KO" transport=vmclock host_unsync=fail && dev=$(ptp_by_name "$OUR_NAME")
opts=$(sed -n 's/^ExecStart=[^ ]*phc2sys //p' "$REPO/scripts/integration/phc2sys-ptp_vmclock.service")
# Appending (O_APPEND), so that the phase markers below land between its lines.
: >/tmp/unsync-phc2sys.log
# shellcheck disable=SC2086
phc2sys ${opts//\/dev\/ptp_vmclock/$dev} >>/tmp/unsync-phc2sys.log 2>&1 &
p2s=$!
sleep 8
echo "=== unsync" >>/tmp/unsync-phc2sys.log
l2 unsync >/dev/null
sleep 5
echo "=== sync" >>/tmp/unsync-phc2sys.log
l2 sync maxerror=1000 >/dev/null
sleep 8
alive=0
kill -0 $p2s 2>/dev/null && alive=1
kill $p2s 2>/dev/null
wait $p2s 2>/dev/null
nb=$(sed -n '/=== unsync/,/=== sync/p' /tmp/unsync-phc2sys.log | grep -c "$BUSY")
after=$(sed -n '/=== sync/,$p' /tmp/unsync-phc2sys.log | awk '/phc offset/ { o = $5 < 0 ? -$5 : $5; n++; if (n > 16 && o > m) m = o } END { printf "%d %d", n, m }')
read -r na maxa <<<"$after"
grep -m2 "$BUSY" /tmp/unsync-phc2sys.log | sed 's/^/# phc2sys: /'
tail -n 2 /tmp/unsync-phc2sys.log | sed 's/^/# phc2sys: /'
check "phc2sys kept running through $nb EBUSY refusals (alive: $alive)" test "$alive" = 1 -a "$nb" -gt 0
check "phc2sys disciplines again after: $na samples in 8 s, |offset| <= 1000 ns after the first 2 s (max $maxa)" \
	test "$na" -ge 40 -a "$maxa" -le 1000

# (c) chronyd with two sources: ours (the snippet's line, refid OURS) and ptp_kvm (KVM).
mkdir -p /tmp/chrony/conf.d /run/chrony
chmod 750 /run/chrony
ip link set lo up 2>/dev/null
cp "$REPO/scripts/integration/chrony-ptp_vmclock.conf" /tmp/chrony/conf.d/ptp_vmclock.conf
sed -i "s|^refclock PHC /dev/ptp_vmclock \(.*\)|refclock PHC $dev \1 refid OURS|" /tmp/chrony/conf.d/ptp_vmclock.conf
# The other source as the snippet advises for other sources (maxsamples: chronyd keeps
# a silent preferred source until its newest sample is older than the others' oldest).
printf '%s\n' "refclock PHC $kdev poll 2 dpoll -2 offset 0 maxsamples 8 refid KVM" "driftfile /tmp/chrony/drift" \
	"cmdport 0" "pidfile /run/chrony/unsync.pid" "confdir /tmp/chrony/conf.d" >/tmp/chrony/chrony.conf
grep -h '^refclock' /tmp/chrony/chrony.conf /tmp/chrony/conf.d/ptp_vmclock.conf | sed 's/^/# chrony.conf: /'
rm -f /tmp/chrony/drift
# The oracle: guest realtime - host time (ptp_kvm PRECISE), twice a second.
ptptool monitor "$kdev" 400 2 >/tmp/unsync-mon.tsv 2>/tmp/unsync-mon.err &
mon=$!
chronyd -d -u root -f /tmp/chrony/chrony.conf >/tmp/unsync-chronyd.log 2>&1 &
cpid=$!
selected() { chronyc -n sources 2>/dev/null | grep -q "^#\* $1 "; }
# until_selected NAME SECONDS: wait until chronyd selects NAME, showing every 8 s where
# its sources are (state, reach; sourcestats: samples NP and their span).
until_selected() {
	local end=$((SECONDS + $2)) next=$SECONDS
	until selected "$1"; do
		[ $SECONDS -lt $end ] || return 1
		if [ $SECONDS -ge $next ]; then
			note "+$((SECONDS - end + $2)) s: $(chronyc -n sources 2>/dev/null | awk '$2 == "OURS" || $2 == "KVM" { printf "%s %s reach %s, ", $1, $2, $5 }')$(chronyc -n sourcestats 2>/dev/null | awk '$1 == "OURS" || $1 == "KVM" { printf "%s NP %s span %s, ", $1, $2, $4 }')"
			next=$((SECONDS + 8))
		fi
		sleep 1
	done
}
# now_s: seconds since the monitor's start (its t_s): CLOCK_BOOTTIME via /proc/uptime.
now_s() { awk -v s="$mstart" '{ printf "%.1f", $1 - s }' /proc/uptime; }
mstart=$(awk '{ print $1 }' /proc/uptime)
until_selected OURS 90
check "chronyd selects ours (#* OURS) with L2 synchronised" selected OURS
chronyc -n sources 2>&1 | tail -n 2 | sed 's/^/# /'
sleep 16
r0=$(st refused_reads)
tu=$(now_s)
l2 unsync >/dev/null
t0=$SECONDS
until_selected KVM 120
tdrop=$((SECONDS - t0))
chronyc -n sources 2>&1 | tail -n 2 | sed 's/^/# /'
chronyc -n sourcestats 2>&1 | tail -n 2 | sed 's/^/# /'
check "L2 unsynchronised: chronyd stopped selecting ours and selected KVM (#* KVM) after $tdrop s (bound 60 s)" \
	bash -c "$(declare -f selected); selected KVM && ! selected OURS && [ $tdrop -le 60 ]"
reach=$(chronyc -n sources 2>/dev/null | awk '$2 == "OURS" { print $5 }')
sleep 20
r1=$(st refused_reads)
ts=$(now_s)
l2 sync maxerror=1000 >/dev/null
t1=$SECONDS
until_selected OURS 90
tback=$((SECONDS - t1))
chronyc -n sources 2>&1 | tail -n 2 | sed 's/^/# /'
check "refused_reads grew while L2 was unsynchronised ($r0 -> $r1), ours' reach register $reach when KVM was selected" \
	test "$r1" -gt "$r0"
check "L2 synchronised again: chronyd selects ours again (#* OURS) after $tback s (bound 30 s)" \
	bash -c "$(declare -f selected); selected OURS && [ $tback -le 30 ]"
sleep 12
te=$(now_s)
kill $cpid 2>/dev/null
wait $cpid 2>/dev/null
kill $mon 2>/dev/null
wait $mon 2>/dev/null
grep -E 'Selected source|Can.t synchronise|System clock wrong|stepped' /tmp/unsync-chronyd.log | sed 's/^/# chronyd: /'
# The guest clock's error (the oracle) in each phase: before the host went
# unsynchronised (from 16 s after ours was selected), while it was, and after.
phase() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { e = $2 < 0 ? -$2 : $2; if (e > m) m = e; n++ } END { printf "%d %d", n, m }' /tmp/unsync-mon.tsv; }
read -r n1 m1 <<<"$(phase "$(awk -v u="$tu" 'BEGIN { print u - 16 }')" "$tu")"
read -r n2 m2 <<<"$(phase "$tu" "$ts")"
read -r n3 m3 <<<"$(phase "$ts" "$te")"
note "guest clock |error| (ptp_kvm PRECISE): synchronised host, ours selected: max $m1 ns ($n1 readings); host unsynchronised: max $m2 ns ($n2); synchronised again: max $m3 ns ($n3)"
# Bound 10 us: until chronyd drops ours (8 polls, 32 s, and more while the two sources
# disagree: "no majority") it does not update the clock, which runs on at its last
# frequency; 10 us is 0.25 ppm over 40 s. Measured: 15 ns, and 1526 ns in a run with the
# machine loaded by other VMs (its clock was 248 ns off before, with ours selected).
check "the guest clock stayed within 10 us of the host's while L2 was unsynchronised (max $m2 ns, $n2 readings)" \
	test "$n2" -gt 40 -a "$m2" -le 10000
check "and within 10 us after ours came back (max $m3 ns, $n3 readings)" \
	test "$n3" -gt 10 -a "$m3" -le 10000
unload
rmmod ptp_kvm 2>/dev/null
ktap_finished

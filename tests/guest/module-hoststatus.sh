# The host's time status (KVM_CLOCK_PAIRING_TAI, host/*.patch) in sysfs, timescale=tai,
# and the fallback to the upstream clock type 0 (clock_pairing=legacy).
# timeout: 480
. "$REPO/tests/lib.sh"
ktap_print_header
# The module uses clock type 1 only when the headers it was built against have the
# host/ series' ABI (Kbuild's ptp_vmclock_host_status): the reference kernel's do,
# 6.12's do not (KERNEL=6.12), by design: the series targets the reference kernel only.
# A reference kernel without it was built without host/ applied: a failure of the rig.
if ! grep -qs KVM_CLOCK_PAIRING_TAI "$KDIR/arch/x86/include/uapi/asm/kvm_para.h"; then
	case "$(uname -r)" in
	6.12.*)
		ktap_skip_all "the guest kernel's headers ($(uname -r)) have no host/ ABI (KVM_CLOCK_PAIRING_TAI): the series targets the reference kernel only"
		exit 0 ;;
	esac
	ktap_set_plan 1
	ktap_test_fail "the guest kernel's headers ($KDIR, $(uname -r)) have no host/ ABI (KVM_CLOCK_PAIRING_TAI), though scripts/setup applies host/ to the reference kernel"
	ktap_finished
fi
ktap_set_plan 18
S=/sys/module/$MOD/status
NTPSTATUS=$REPO/tests/tools/ntpstatus
st() { cat "$S/$1" 2>&1; }
is() { # is FILE VALUE: status/FILE reads VALUE
	local v
	v=$(st "$1")
	echo "status/$1: $v (want $2)"
	test "$v" = "$2"
}
unload() { rmmod "$MOD" 2>/dev/null || true; }
# The host's maxerror_us as L2 reports it now.
host_maxerror() { host-cmd "$NTPSTATUS get" | sed -n 's/.*maxerror_us=\([0-9]*\).*/\1/p'; }
# compare_median A B: median |offset(A) - offset(B)| in ns over 20 rounds.
compare_median() { ptptool compare "$1" "$2" 20 | awk '$1 == "median_abs_diff_ns" { print $2 }'; }
# dmesg lines since the marker written by mark.
mark() { echo "ptp_vmclock-hoststatus-mark-$1" >/dev/kmsg; }
since() { dmesg | sed -n "/ptp_vmclock-hoststatus-mark-$1/,\$p"; }

unload
mark load
# (a) Default load on the patched host: clock type 1 with status, UTC served.
check "insmod (defaults)" insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
check "status/clock_pairing is tai-status and status/timescale utc" \
	bash -c "$(declare -f st is); S=$S; is clock_pairing tai-status && is timescale utc"

# (b) A known status on L2, then one PHC read, then the guest's sysfs.
out=$(host-cmd "$NTPSTATUS set sync ins maxerror=1234 esterror=56 tai=37" 2>&1)
note "L2 ntpstatus set: $out"
check "L2: ntpstatus set sync ins maxerror=1234 esterror=56 tai=37" \
	grep -q 'sync=1 leap=ins .*esterror_us=56 tai=37' <<<"$out"
# ntpstatus set prints the status it leaves: L2's maxerror just before the read.
m0=$(sed -n 's/.*maxerror_us=\([0-9]*\).*/\1/p' <<<"$out")
ptptool offset "$dev" 1 >/dev/null
m1=$(host_maxerror)
for f in host_sync host_leap tai_offset host_esterror_us host_maxerror_us; do
	note "$f: $(st $f)"
done
check "status/host_sync is 1" is host_sync 1
check "status/host_leap is ins" is host_leap ins
check "status/tai_offset is 37" is tai_offset 37
check "status/host_esterror_us is 56" is host_esterror_us 56
mx=$(st host_maxerror_us)
check "status/host_maxerror_us $mx within L2's [$m0, $m1] around the read" \
	test "$m0" -le "$mx" -a "$mx" -le "$m1"

# (c) Against C ptp_kvm (host UTC): UTC from TAI - tai_offset agrees; TAI is 37 s ahead.
check "modprobe ptp_kvm" modprobe ptp_kvm
kdev=$(ptp_by_name "$KVM_NAME")
d=$(compare_median "$dev" "$kdev")
note "timescale=utc: median |ours - ptp_kvm| = $d ns"
check "timescale=utc agrees with ptp_kvm (median |diff| $d ns < 1 ms)" test "${d:-999999999}" -lt 1000000
unload
check "insmod timescale=tai; status/timescale is tai" \
	bash -c "insmod '$PTP_VMCLOCK_KO' timescale=tai && $(declare -f st is); S=$S; is timescale tai"
dev=$(ptp_by_name "$OUR_NAME")
d=$(compare_median "$dev" "$kdev")
e=$((${d:-0} - 37000000000)); e=${e#-}
note "timescale=tai: median |ours - ptp_kvm| = $d ns (37 s off by $e ns)"
check "timescale=tai is 37 s ahead of ptp_kvm's UTC (|median - 37 s| = $e ns < 1 ms)" \
	test -n "$d" -a "$e" -lt 1000000
rmmod ptp_kvm

# (d) The upstream interface, forced: no status; TAI cannot be served then.
unload
check "insmod clock_pairing=legacy: status/clock_pairing legacy, status/host_sync unknown" \
	bash -c "insmod '$PTP_VMCLOCK_KO' clock_pairing=legacy && $(declare -f st is); S=$S;
		is clock_pairing legacy && is host_sync unknown && is host_leap unknown"
dev=$(ptp_by_name "$OUR_NAME")
check "clock_pairing=legacy: testptp -k 5 (PTP_SYS_OFFSET)" ptp_ok "$dev" -k 5
unload
mark tai
out=$(insmod "$PTP_VMCLOCK_KO" timescale=tai clock_pairing=legacy 2>&1)
rc=$?
note "insmod: ${out//$'\n'/ }"
msg=$(since tai | grep -c 'timescale=tai')
note "insmod timescale=tai clock_pairing=legacy: exit $rc; log: $(since tai | grep ptp_vmclock_rs | tail -n 1)"
check "timescale=tai with clock_pairing=legacy is refused with one log line" \
	test "$rc" -ne 0 -a "$msg" -eq 1 -a ! -d "/sys/module/$MOD"
mark bad
out=$(insmod "$PTP_VMCLOCK_KO" timescale=gps 2>&1)
rc=$?
note "insmod: ${out//$'\n'/ }"
check "timescale=gps is refused (exit $rc) with one 'invalid timescale' line" \
	test "$rc" -ne 0 -a "$(since bad | grep -c 'invalid timescale=gps')" -eq 1

# KUnit cases of this feature ran at the first load above (since the mark "load").
kunit=$(since load | grep -E ' (not )?ok [0-9]+ (timescale_and_clock_pairing_parameters|host_status_decoding|utc_from_tai_is_checked)$')
printf '%s\n' "$kunit" | sed 's/^/# kunit: /'
check "KUnit: parameter parsing, status decoding, utc_from_tai cases passed" \
	bash -c "[ \$(grep -c ' ok ' <<<'$kunit') -ge 3 ] && ! grep -q 'not ok' <<<'$kunit'"

# (e) Restore L2.
out=$(host-cmd "$NTPSTATUS set unsync noleap tai=0" 2>&1)
note "L2 ntpstatus restored: $out"
check "L2: ntpstatus set unsync noleap tai=0" grep -q 'sync=0 leap=none .*tai=0' <<<"$out"
ktap_finished

# The clock is read-only: set, step and frequency changes are refused and change nothing.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
module_loaded || insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
off0=$(ptptool offset "$dev" 5 | awk '{ print $1 }' | median)
# phc_ctl and testptp exit 0 even when the kernel refuses: judge by what they print.
refused() { # refused PATTERN CMD...: CMD prints PATTERN (the kernel's refusal)
	local pat=$1 out
	shift
	out=$("$@" 2>&1)
	printf '%s\n' "$out"
	grep -q "$pat" <<<"$out"
}
check "phc_ctl set is refused (EOPNOTSUPP)" refused 'Operation not supported' phc_ctl "$dev" set 0
check "phc_ctl adj (step) is refused (EOPNOTSUPP)" refused 'Operation not supported' phc_ctl "$dev" adj 10
# With max_adj 0 the PTP core itself rejects any non-zero frequency (ERANGE); a zero
# one reaches the driver, which refuses it.
check "phc_ctl freq is refused (ERANGE by max_adj 0, EOPNOTSUPP for 0)" bash -c "
	phc_ctl '$dev' freq 100000 2>&1 | grep -q 'out of range' &&
	phc_ctl '$dev' freq 0 2>&1 | grep -q 'Operation not supported'"
check "testptp -s (set from the system clock) is refused" refused 'Operation not supported' testptp -d "$dev" -s
off1=$(ptptool offset "$dev" 5 | awk '{ print $1 }' | median)
d=$((off1 - off0)); d=${d#-}
note "PHC - CLOCK_REALTIME before $off0 ns, after $off1 ns"
# The refused calls would have moved the PHC by 10 s or to 1970; the unsynchronised
# guest clock drifts against the host by far less than 1 ms over this script.
check "the PHC is unchanged (offset moved $d ns < 1 ms)" test "$d" -lt 1000000
ktap_finished

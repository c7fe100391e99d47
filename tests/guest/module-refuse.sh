# The clock is read-only: set, step and frequency changes are refused and change nothing.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
module_loaded || insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
off0=$(ptptool offset "$dev" 5 | awk '{ print $1 }' | median)
check "phc_ctl set is refused" bash -c "! phc_ctl '$dev' set 0"
check "phc_ctl adj (step) is refused" bash -c "! phc_ctl '$dev' adj 10"
check "phc_ctl freq is refused" bash -c "! phc_ctl '$dev' freq 100000"
check "testptp -f (frequency) and -s (set) are refused" bash -c "! testptp -d '$dev' -f 1000 && ! testptp -d '$dev' -s"
off1=$(ptptool offset "$dev" 5 | awk '{ print $1 }' | median)
d=$((off1 - off0)); d=${d#-}
note "PHC - CLOCK_REALTIME before $off0 ns, after $off1 ns"
# The refused calls would have moved the PHC by 10 s or to 1970; the unsynchronised
# guest clock drifts against the host by far less than 1 ms over this script.
check "the PHC is unchanged (offset moved $d ns < 1 ms)" test "$d" -lt 1000000
ktap_finished

# The KVM host's clock stepped by +1000 s and back is seen by the next PHC read.
# timeout: 300
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 4
module_loaded || insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
off() { ptptool offset "$dev" 3 | awk '{ print $1 }' | median; }
o0=$(off)
check "step the host (L2) clock by +1000 s" host-cmd phc_ctl -- CLOCK_REALTIME adj 1000
o1=$(off)
check "step the host clock back by -1000 s" host-cmd phc_ctl -- CLOCK_REALTIME adj -1000
o2=$(off)
d1=$((o1 - o0 - 1000000000000)); d1=${d1#-}
d2=$((o2 - o0)); d2=${d2#-}
note "PHC - CLOCK_REALTIME: $o0, after +1000 s: $o1, after -1000 s: $o2 (ns)"
# Between reads only the free-running guest clock drifts against the host: well under
# 5 ms over the few seconds this takes (kvm-clock follows the host TSC).
check "next read after +1000 s shows it (error $d1 ns < 5 ms)" test "$d1" -lt 5000000
check "next read after -1000 s shows it (error $d2 ns < 5 ms)" test "$d2" -lt 5000000
ktap_finished

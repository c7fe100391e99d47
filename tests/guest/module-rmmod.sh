# rmmod while readers keep the PHC open and keep reading, then 100 load/unload cycles.
# Behaviour (7.3: an open /dev/ptpN does not pin the module): rmmod succeeds at once,
# the clock is unregistered before anything its callbacks use is freed, and the
# readers get a clean ENODEV; no oops.
# timeout: 180
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
module_loaded || insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
ptptool readers "$dev" 6 2 >/tmp/readers.out 2>&1 &
pid=$!
sleep 2
t0=$(date +%s%N)
check "rmmod while 2 readers read succeeds" rmmod "$MOD"
t1=$(date +%s%N)
note "rmmod took $(((t1 - t0) / 1000000)) ms"
wait $pid
sed 's/^/# /' /tmp/readers.out
check "readers read before and then got a clean 'No such device'" bash -c '
	[ $(grep -c "first_error No such device" /tmp/readers.out) = 2 ] &&
	! grep -q " reads 0 " /tmp/readers.out'
check "module is gone" bash -c '! test -d /sys/module/'"$MOD"
check "insmod again gives the PHC back" bash -c "insmod '$PTP_VMCLOCK_KO' && test -n \"\$(ptp_by_name $OUR_NAME)\""
cycles() {
	local i
	for i in $(seq 1 100); do
		rmmod "$MOD" || { echo "rmmod failed at cycle $i"; return 1; }
		insmod "$PTP_VMCLOCK_KO" || { echo "insmod failed at cycle $i"; return 1; }
	done
}
export -f ptp_by_name
t0=$(date +%s)
check "100 rmmod/insmod cycles" cycles
note "100 cycles in $(($(date +%s) - t0)) s"
ktap_finished

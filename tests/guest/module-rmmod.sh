# rmmod while readers keep the PHC open and keep reading (the load/unload rounds are
# module-cycles).
# Behaviour (7.3: an open /dev/ptpN does not pin the module): rmmod succeeds while the
# readers run; the clock is unregistered (the posix-clock core waits for reads in
# progress) before anything its callbacks use is freed; a reader either finishes its
# loop first or gets ENODEV, never another error; no oops.
# timeout: 400
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 4
module_loaded || load_ours
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
check "both readers read, and their only errors (if any) are ENODEV" bash -c '
	[ $(grep -c "^thread .* reads [1-9]" /tmp/readers.out) = 2 ] &&
	! grep "^thread" /tmp/readers.out | grep -v " errors 0 " | grep -vq "first_error No such device"'
check "module is gone" bash -c '! test -d /sys/module/'"$MOD"
load_ours
check "insmod again gives the PHC back" test -n "$(ptp_by_name "$OUR_NAME")"
ktap_finished

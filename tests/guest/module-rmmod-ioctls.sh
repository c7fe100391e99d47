# rmmod while 2 threads, pinned to the 2 vCPUs, issue every PTP request with valid
# arguments in a loop (tests/tools/ptpstress.c hammer: GETCAPS(2), SYS_OFFSET(2),
# _EXTENDED(2), _PRECISE(2), clock_gettime/getres, the refused clock_settime and
# clock_adjtime, the adjtime read, ENABLE_PPS, MASK_*, EXTTS, PIN_GETFUNC). In 7.3 an
# open /dev/ptpN does not pin the module: delete_module (what rmmod calls) succeeds, no
# call gets ENODEV before it starts, every call after it returns gets ENODEV and nothing
# else, no splat; the module is gone and insmod gives the clock back.
# timeout: 200
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 5
module_loaded || load_ours
dev=$(ptp_by_name "$OUR_NAME")
# 8 s of hammering, delete_module after 3 s (timed inside the tool: an exec of rmmod
# costs about a second in this guest).
ptpstress hammer "$dev" 8 2 3 "$MOD" >/tmp/hammer.out 2>&1
rc=$?
sed 's/^/# /' /tmp/hammer.out
check "delete_module($MOD) succeeds while 2 threads issue every PTP request" \
	grep -q '^rmmod: .*: ok, took' /tmp/hammer.out
check "both threads worked before, and afterwards saw only ENODEV (no other result)" \
	bash -c "test $rc = 0 && [ \$(grep -c '^thread .* live [1-9][0-9]* enodev [1-9][0-9]* wrong 0 ' /tmp/hammer.out) = 2 ]"
check "module is gone" bash -c '! test -d /sys/module/'"$MOD"
load_ours
dev=$(ptp_by_name "$OUR_NAME")
check "insmod again gives the PHC back" test -c "$dev"
check "the new PHC reads (PTP_SYS_OFFSET)" ptptool offset "$dev" 1
ktap_finished

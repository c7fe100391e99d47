# L2: rmmod of ours while readers hammer its PHC (ptptool readers, one thread pinned to
# each CPU, clock_gettime in a loop): rmmod returns (within 10 s) with status 0, the
# readers end with an error (ENODEV), not a hang, and nothing reads back afterwards;
# the runner scans this script's part of the kernel log for oopses and warnings.
# timeout: 120
. "$T/lib.sh"
ktap_header
ktap_plan 4
load_ours >/dev/null 2>&1
ours=$(ptp_by_name "$OUR_NAME") || ours=""
if [ -z "$ours" ] || ! ours_loaded; then
	for d in "rmmod $MOD under readers returns 0" "$MOD is gone" "the readers end with ENODEV, not a hang" \
		"every reader had read before the rmmod"; do
		not_ok "$d: ours is not loaded, no PHC named $OUR_NAME"
	done
	finish
fi
ncpu=$(nproc)
ptptool readers "$ours" 8 "$ncpu" >/tmp/readers.out 2>&1 &
rp=$!
sleep 2
t0=$(up)
rmmod $MOD >/tmp/rmmod.out 2>&1 &
mp=$!
if wait_gone $mp 10; then
	wait $mp
	rc=$?
	cat /tmp/rmmod.out | indent
	result $rc "rmmod $MOD under $ncpu readers returns 0 ($(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.2f", b - a }') s)"
else
	not_ok "rmmod $MOD under $ncpu readers returns within 10 s (still running)"
fi
result "$(ours_loaded && echo 1 || echo 0)" "$MOD is gone (/sys/module/$MOD)"
# The readers run 8 s from their start: they must end by then plus a margin, each
# having read and then failed.
if wait_gone $rp 20; then
	wait $rp
	rc=$?
	indent </tmp/readers.out
	result "$([ $rc != 0 ] && grep -q 'first_error No such device' /tmp/readers.out && echo 0)" \
		"the readers end with ENODEV (exit $rc), not a hang"
else
	kill -9 $rp
	not_ok "the readers end within 20 s (hung)"
fi
r=$(grep -c 'reads [1-9]' /tmp/readers.out)
result "$([ "$r" = "$ncpu" ] && echo 0)" "every reader had read before the rmmod ($r of $ncpu)"
finish

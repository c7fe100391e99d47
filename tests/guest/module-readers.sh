# Two readers on two vCPUs for 10 s: no errors, each sees non-decreasing time.
# timeout: 180
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 1
module_loaded || load_ours
dev=$(ptp_by_name "$OUR_NAME")
out=$(ptptool readers "$dev" 10 2)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "2 readers pinned to 2 vCPUs, 10 s: reads on both, 0 errors, never backwards" test $rc = 0
ktap_finished

# The KVM selftest of the host/ patch series (x86/kvm_clock_pairing_test) as run on the
# KVM host (L2) by tests/host/kvm-selftest.sh before this guest booted; each of its TAP
# results becomes one of ours.
# The rig provides everything the selftest needs: scripts/setup builds it (the host/
# series is always applied), the group runs it on L2 (--host-cmd), L2 runs on tsc as
# root, offers the vmclock page and the selftest gets -s. So a missing selftest, a
# missing kmemleak on a kmemleak L2, or a case the selftest skips (it skips what an
# arbitrary host may lack: a usable TSC, CAP_SYS_TIME, -s, the page) is a failure here.
. "$REPO/tests/lib.sh"
ktap_print_header
missing=""
[ ! -e "$RUN/kvm-selftest.missing" ] || missing=$(cat "$RUN/kvm-selftest.missing")
if [ ! -e "$RUN/kvm-selftest.rc" ]; then
	ktap_set_plan 1
	[ -n "$missing" ] || missing="tests/host/kvm-selftest.sh left no result (not run as the group's --host-cmd?)"
	ktap_test_fail "the host/ series' KVM selftest ran on L2: $missing"
	ktap_finished
fi
out=$(cat "$RUN/kvm-selftest.out")
rc=$(cat "$RUN/kvm-selftest.rc")
grep -v -E '^(not )?ok ' <<<"$out" | sed 's/^#* */# /'
results=$(grep -E '^(not )?ok ' <<<"$out")
kl=""
[ ! -e "$RUN/kvm-selftest.kmemleak" ] || kl=$(cat "$RUN/kvm-selftest.kmemleak")
n=$(($(grep -c . <<<"$results") + 1))
[ -z "$kl" ] || n=$((n + 1))
[ -z "$missing" ] || n=$((n + 1))
ktap_set_plan $n
while IFS= read -r line; do
	[ -n "$line" ] || continue
	desc=$(sed -E 's/^(not )?ok [0-9]+ //; s/ *#.*//' <<<"$line")
	case "$line" in
	"not ok"*) ktap_test_fail "selftest: $desc" ;;
	# kselftest prints a skip as "ok N # SKIP REASON": the description is the reason.
	*"# SKIP"*) ktap_test_fail "selftest: skipped,${line##*# SKIP} (the rig's L2 should provide it)" ;;
	*) ktap_test_pass "selftest: $desc" ;;
	esac
done <<<"$results"
[ -z "$missing" ] || ktap_test_fail "kmemleak on L2: $missing"
check "kvm_clock_pairing_test -s exits 0 on L2 (exit $rc)" test "$rc" = 0
if [ -n "$kl" ]; then
	# L2 runs a kernel with kmemleak (vm-run --host-variant debug).
	sed 's/^/# /' "$RUN/kvm-selftest.kmemleak-report"
	check "kmemleak on L2: no object leaked while the selftest ran ($kl suspected)" test "$kl" = 0
fi
ktap_finished

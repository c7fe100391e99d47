# The KVM selftest of the host/ patch series (x86/kvm_clock_pairing_test) as run on the
# KVM host (L2) by tests/host/kvm-selftest.sh before this guest booted; each of its TAP
# results becomes one of ours.
. "$REPO/tests/lib.sh"
ktap_print_header
if [ ! -e "$RUN/kvm-selftest.rc" ]; then
	ktap_skip_all "no kvm_clock_pairing_test: the host/ series is not applied"
	exit 0
fi
out=$(cat "$RUN/kvm-selftest.out")
rc=$(cat "$RUN/kvm-selftest.rc")
grep -v -E '^(not )?ok ' <<<"$out" | sed 's/^#* */# /'
results=$(grep -E '^(not )?ok ' <<<"$out")
kl=""
[ ! -e "$RUN/kvm-selftest.kmemleak" ] || kl=$(cat "$RUN/kvm-selftest.kmemleak")
n=$(($(grep -c . <<<"$results") + 1))
[ -z "$kl" ] || n=$((n + 1))
ktap_set_plan $n
while IFS= read -r line; do
	[ -n "$line" ] || continue
	desc=$(sed -E 's/^(not )?ok [0-9]+ //; s/ *#.*//' <<<"$line")
	case "$line" in
	"not ok"*) ktap_test_fail "selftest: $desc" ;;
	*"# SKIP"*) ktap_test_skip "selftest: $desc" ;;
	*) ktap_test_pass "selftest: $desc" ;;
	esac
done <<<"$results"
check "kvm_clock_pairing_test -s exits 0 on L2 (exit $rc)" test "$rc" = 0
if [ -n "$kl" ]; then
	# L2 runs a kernel with kmemleak (vm-run --host-variant debug).
	sed 's/^/# /' "$RUN/kvm-selftest.kmemleak-report"
	check "kmemleak on L2: no object leaked while the selftest ran ($kl suspected)" test "$kl" = 0
fi
ktap_finished

# A bounded random fuzzer of our PHC's ioctls and posix clock (tests/tools/ptpfuzz.c):
# one fixed seed and one from the time (printed, so a failure reproduces with
# `ptpfuzz DEV SEED N`). Nothing that must not succeed succeeds (sets, adjustments,
# EXTTS/PEROUT/PPS/PIN on a pinless clock, bad pointers, bad n_samples/clockid/rsv),
# every reading has 0 <= nsec < 1e9, no unexpected errno, and the clock reads right
# (offset to CLOCK_REALTIME unchanged) at the end; the module counted no failed host read.
# Shell builtins only around the two runs: every exec costs 1-2 s in this guest.
# timeout: 150
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 3
module_loaded || load_ours
dev=$(ptp_by_name "$OUR_NAME")
st=/sys/module/$MOD/status
read -r err0 <$st/errors
fixed=20261201
tseed=${EPOCHREALTIME/./}
tseed=$((tseed % 4294967296))
note "seeds: fixed $fixed, from the time $tseed (reproduce: ptpfuzz $dev SEED N)"
# Sized for the nested rig: 120000 requests take ~16 s there (about half of them reach
# the host); the 18 s cap keeps a slow run bounded, and a capped run is a prefix of the
# same sequence.
n=120000
# fuzz SEED: run ptpfuzz, show its output as diagnostics, set rc and calls.
fuzz() {
	local line out
	out=$(ptpfuzz "$dev" "$1" $n 18 2>&1)
	rc=$?
	calls=?
	while IFS= read -r line; do
		echo "# $line"
		[[ $line =~ :\ ([0-9]+)\ calls\ fuzzed ]] && calls=${BASH_REMATCH[1]}
	done <<<"$out"
}
fuzz $fixed
c1=$calls
check "fuzz seed $fixed: $c1 calls, no violation, clock reads right afterwards" test $rc = 0
fuzz $tseed
c2=$calls
check "fuzz seed $tseed: $c2 calls, no violation, clock reads right afterwards" test $rc = 0
read -r err1 <$st/errors
check "no host read failed while fuzzing (status/errors $err0 -> $err1)" test "$err1" = "$err0"
note "ioctls fuzzed: $((${c1//\?/0} + ${c2//\?/0})) (seed $fixed: $c1, seed $tseed: $c2)"
ktap_finished

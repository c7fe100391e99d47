# Runner self-test of the arm64 group (group arm64-selftest, expected to fail): a module
# that WARNs at load (tests/modules/warn_test, built for arm64 by scripts/arm64/vm-run)
# in L2; the runner must fail this script because of L2's kernel log, although its own
# result passes. tests/run --arm64 runs it and checks exactly that.
# timeout: 60
. "$T/lib.sh"
ktap_header
ktap_plan 1
check "load the WARN test module" insmod /vmclock_warn_test.ko
finish

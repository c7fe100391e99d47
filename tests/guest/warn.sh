# Runner self-test: a module that WARNs at load; the runner must fail this script
# because of the kernel log, although its own result passes.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 1
check "load the WARN test module" insmod "$REPO/tests/modules/warn_test/vmclock_warn_test.ko"
ktap_finished

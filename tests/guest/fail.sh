# Runner self-test: one deliberately failing result.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 1
ktap_test_fail "this result is a deliberate failure"
ktap_finished

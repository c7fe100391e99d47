# shellcheck shell=bash
# Guest-side helpers for ptp_vmclock's KTAP tests. Sourced by tests/guest/*.sh.
# KTAP output comes from the kernel's own tools/testing/selftests/kselftest/ktap_helpers.sh
# (of the test guest's kernel tree, $KDIR).
# shellcheck disable=SC1091
. "$KDIR/tools/testing/selftests/kselftest/ktap_helpers.sh"
# 6.12's helpers have no ktap_test_xfail (7.3's do): the same, an "ok" with XFAIL,
# counted as 7.3's ktap_finished counts it.
if ! declare -F ktap_test_xfail >/dev/null; then
	KTAP_CNT_XFAIL=0
	ktap_test_xfail() {
		__ktap_test ok "$1" XFAIL
		KTAP_CNT_XFAIL=$((KTAP_CNT_XFAIL + 1))
	}
	ktap_print_totals() {
		echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:$KTAP_CNT_XFAIL xpass:0 skip:$KTAP_CNT_SKIP error:0"
	}
	ktap_finished() {
		ktap_print_totals
		if [ $((KTAP_CNT_PASS + KTAP_CNT_SKIP + KTAP_CNT_XFAIL)) -eq "$KSFT_NUM_TESTS" ]; then
			exit "$KSFT_PASS"
		else
			exit "$KSFT_FAIL"
		fi
	}
fi
export PATH=$REPO/tests/tools:$PATH

OUR_NAME=ptp_vmclock
KVM_NAME="KVM virtual PTP"
MOD=ptp_vmclock_rs

# ptp_by_name NAME: print /dev/ptpN of the PHC whose clock_name is NAME (first match).
ptp_by_name() {
	local c
	for c in /sys/class/ptp/ptp*; do
		[ -e "$c/clock_name" ] || continue
		if [ "$(cat "$c/clock_name")" = "$1" ]; then
			echo "/dev/$(basename "$c")"
			return 0
		fi
	done
	return 1
}

# wait_for SECONDS CMD...: retry CMD until it succeeds or SECONDS pass.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# check DESCRIPTION CMD...: one KTAP result; on failure the command's output is shown
# as diagnostics.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
		printf '%s\n' "$out" | sed 's/^/# /' | tail -n 20
	fi
	[ -z "${VERBOSE:-}" ] || printf '%s\n' "$out" | sed 's/^/#   /'
}

# note TEXT: a diagnostic line (KTAP "# ..."), shown by the runner with -v.
note() { echo "# $*"; }

# median: median of the numbers on stdin (one per line).
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

module_loaded() { [ -d "/sys/module/$MOD" ]; }

# load_ours [PARAMS...]: insmod our module with the run's parameters (vm-run
# --module-args, e.g. transport=mock in the single-level groups) and PARAMS.
# shellcheck disable=SC2086 # the parameters are words
load_ours() { insmod "$PTP_VMCLOCK_KO" ${PTP_VMCLOCK_ARGS:-} "$@"; }

# mock_transport: whether this run loads our module with transport=mock (no hypervisor:
# the clock serves the guest's own time; C ptp_kvm cannot load).
mock_transport() { [[ " ${PTP_VMCLOCK_ARGS:-} " == *" transport=mock "* ]]; }

# KMEMLEAK, kmemleak_baseline, kmemleak_suspects.
. "$REPO/tests/kmemleak.sh"

# log_mark: mark the kernel log's current end; log_since: its lines after the last mark
# (all of it before any). Never `dmesg -C`: the test runner scans each script's part of
# the log between its markers, and a cleared log had lost them (those scripts were not
# scanned). Exported, so `bash -c` checks see the mark too.
export LOG_MARK=${LOG_MARK:-}
log_mark() {
	LOG_MARK="vmrun-mark $$ $SECONDS $RANDOM"
	echo "$LOG_MARK" >/dev/kmsg
}
log_since() {
	if [ -n "$LOG_MARK" ]; then dmesg | sed "0,/$LOG_MARK\$/d"; else dmesg; fi
}

# module_log_lines: how many kernel log lines the module wrote since the last log_mark
# (the kernel's one-time "loading out-of-tree module taints kernel" notice is not the
# module's).
module_log_lines() { log_since | grep "$MOD" | grep -vc 'taints kernel'; }

# run_for SECONDS CMD...: run CMD for SECONDS, then stop it (SIGTERM). Timed with sleep
# (CLOCK_MONOTONIC): coreutils timeout's CLOCK_REALTIME timer is moved by the very clock
# steps phc2sys makes.
run_for() {
	local secs=$1 pid
	shift
	"$@" &
	pid=$!
	sleep "$secs"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ptp_ok DEV OPTION...: run testptp on DEV and succeed only if the request worked.
# testptp exits 0 even when its ioctl fails, so judge by what it prints.
ptp_ok() {
	local dev=$1 out pat
	shift
	case "$1" in
	-k) pat='clock time offset request okay' ;;
	-x) pat="extended timestamp request returned ${2:-} samples" ;;
	-X) pat='crosstimestamping request okay' ;;
	-g) pat='clock time: ' ;;
	*) pat='capabilities:' ;;
	esac
	out=$(testptp -d "$dev" "$@" 2>&1)
	printf '%s\n' "$out"
	grep -q "$pat" <<<"$out" && ! grep -qiE 'error|not supported|no such device|invalid' <<<"$out"
}

# ext_windows DEV N: PTP_SYS_OFFSET_EXTENDED with N samples on DEV; prints how many
# samples have a zero-wide window (pre == post), how many an ordered one (pre < post) and
# how many neither, as "zero Z ordered O bad B". Status 1 when the ioctl failed.
ext_windows() {
	local out
	out=$(ptptool ext "$1" "$2") || return 1
	awk '{ if ($1 == $3) z++; else if ($1 < $3) o++; else b++ }
		END { printf "zero %d ordered %d bad %d\n", z, o, b }' <<<"$out"
}

# ext_expect DEV N: EXTENDED windows as this kernel allows them for a page read: on 7.x
# the system time snapshot carries the TSC it was computed from, and the page is read at
# that TSC, so all N windows are zero wide; 6.x's snapshots carry no counter value, so
# the windows bracket the TSC read: never reversed (pre <= post), and some may show no
# width at all (a window under the clock's nanosecond; Documentation/testing.rst,
# "Timings", has how many did). Prints the counts.
ext_expect() {
	local w
	w=$(ext_windows "$1" "$2") || return 1
	echo "$w"
	if [ "$(uname -r | cut -d. -f1)" -ge 7 ]; then
		[ "$w" = "zero $2 ordered 0 bad 0" ]
	else
		[[ "$w" == *" bad 0" ]]
	fi
}

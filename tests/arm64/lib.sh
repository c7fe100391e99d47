# shellcheck shell=sh
# Helpers for the arm64 group's KTAP scripts (tests/arm64/*.sh). Sourced by them in the
# arm64 rig's VMs (scripts/arm64/vm-run), which have busybox only: no bash, so these are
# POSIX sh (busybox ash), not tests/lib.sh. The KTAP they print is what tests/run parses
# for every group: "TAP version 13", "1..N", "ok N DESC" / "not ok N DESC", "# " lines.
#
# Environment (set by tests/arm64/guest-run from the rig):
#   OUR_KO   ptp_vmclock_rs.ko built for arm64 (scripts/module-for arm64); may be absent
#   KVM_KO   C ptp_kvm.ko of the arm64 reference kernel
#   RIG_LEVEL l1 (the KVM host under TCG, no KVM PTP service) or l2 (the guest under KVM)
OUR_NAME=ptp_vmclock
KVM_NAME="KVM virtual PTP"
MOD=ptp_vmclock_rs
STATUS=/sys/module/$MOD/status
# modload FILE [PARAMS]: one finit_module() (tests/arm64/modload.c): busybox insmod tries
# init_module() after a failed finit_module(), running a refusing init twice.
MODLOAD=${MODLOAD:-modload}

KTAP_N=0
KTAP_FAILS=0
ktap_header() { echo "TAP version 13"; }
ktap_plan() { echo "1..$1"; }
ok() { KTAP_N=$((KTAP_N + 1)); echo "ok $KTAP_N $*"; }
not_ok() { KTAP_N=$((KTAP_N + 1)); KTAP_FAILS=$((KTAP_FAILS + 1)); echo "not ok $KTAP_N $*"; }
# result COND_STATUS DESC: ok or not ok by a status (0: ok).
result() { if [ "$1" = 0 ]; then shift; ok "$*"; else shift; not_ok "$*"; fi; }
# finish: the script's exit status: 1 if any result failed.
finish() { [ "$KTAP_FAILS" = 0 ]; exit $?; }
note() { echo "# $*"; }
# indent: every line of stdin as a "# " diagnostic.
indent() { sed 's/^/# /'; }

# check DESC CMD...: one result; on failure the command's output (last 20 lines) as
# diagnostics.
check() {
	_d=$1
	shift
	if _o=$("$@" 2>&1); then
		ok "$_d"
	else
		not_ok "$_d"
		printf '%s\n' "$_o" | tail -n 20 | indent
	fi
}

# ptp_by_name NAME: /dev/ptpN of the PHC whose clock_name is NAME.
ptp_by_name() {
	for _c in /sys/class/ptp/ptp*; do
		[ -e "$_c/clock_name" ] || continue
		if [ "$(cat "$_c/clock_name")" = "$1" ]; then
			echo "/dev/${_c##*/}"
			return 0
		fi
	done
	return 1
}

ours_loaded() { [ -d "/sys/module/$MOD" ]; }
kvm_loaded() { [ -d /sys/module/ptp_kvm ]; }
# load_ours [PARAMS]: insmod ours unless loaded; load_kvm: the same for C ptp_kvm.
# shellcheck disable=SC2086
load_ours() { ours_loaded || insmod "$OUR_KO" "$@"; }
load_kvm() { kvm_loaded || insmod "$KVM_KO"; }
# load_both: both loaded (failures show in the checks that use them); sets $ours and
# $kvm to their /dev/ptpN, or a path that does not exist for a missing one.
load_both() {
	load_ours >/dev/null 2>&1
	load_kvm >/dev/null 2>&1
	ours=$(ptp_by_name "$OUR_NAME") || ours=/dev/no-ptp_vmclock
	kvm=$(ptp_by_name "$KVM_NAME") || kvm=/dev/no-ptp_kvm
}
# have_ours: the module under test was given to the rig.
have_ours() { [ -n "${OUR_KO:-}" ] && [ -f "$OUR_KO" ]; }

# median / max_abs: of the numbers on stdin, one a line.
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

# Kernel log marks, as tests/lib.sh: never `dmesg -C` (the runner scans each script's
# part of the log between its markers).
LOG_MARK=""
log_mark() {
	LOG_MARK="vmrun-mark $$ $(cut -d' ' -f1 /proc/uptime) $RANDOM"
	echo "$LOG_MARK" >/dev/kmsg
}
log_since() {
	if [ -n "$LOG_MARK" ]; then dmesg | sed "1,/$LOG_MARK\$/d"; else dmesg; fi
}
# module_log_lines: the module's kernel log lines since the last log_mark (not the
# kernel's one-time "loading out-of-tree module taints kernel").
module_lines() { log_since | grep "$MOD" | grep -v 'taints kernel'; }

# ptp_ok DEV OPTION...: testptp on DEV; succeeds only if the request worked (testptp
# exits 0 even when its ioctl fails: judge by what it prints). Prints its output.
ptp_ok() {
	_dev=$1
	shift
	case "$1" in
	-k) _pat='clock time offset request okay' ;;
	-x) _pat="extended timestamp request returned ${2:-} samples" ;;
	-X) _pat='crosstimestamping request okay' ;;
	-g) _pat='clock time: ' ;;
	*) _pat='capabilities:' ;;
	esac
	_out=$(testptp -d "$_dev" "$@" 2>&1)
	printf '%s\n' "$_out"
	printf '%s\n' "$_out" | grep -q "$_pat" &&
		! printf '%s\n' "$_out" | grep -qiE 'error|not supported|no such device|invalid'
}

# up: this kernel's uptime in s (10 ms steps).
up() { cut -d' ' -f1 /proc/uptime; }
# wait_gone PID SECONDS: wait up to SECONDS for PID to end; status 1 if it still runs.
wait_gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_i -lt $(($2 * 10)) ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

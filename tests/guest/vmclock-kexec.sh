# Reboot and kexec unregister the vmclock page before the next kernel owns its memory
# (issue #26; rmmod is module-cycles' part). Several kernels in one boot of the test
# guest (scripts/guest/bin/vmrun-kexec: the run's own kernel and initramfs, loaded with
# kexec_file_load): a kernel loads the module (transport vmclock, a test build) and
# kexecs into the next with the page reserved there (memmap=4K$GPA: the next kernel
# neither uses nor clears it). The module's reboot notifier unregisters the page, then
# (test builds) fills it with a pattern and logs its address. The next kernel reads the
# page through /dev/mem twice, 300 ms apart (three of KVM's 100 ms refresh periods): the
# pattern must be intact both times, i.e. the host stopped writing the page. Negative
# control: that kernel loads the module with test_reboot_keep=1 (the notifier fills the
# page but leaves it registered) and kexecs into a third, which must find the host's
# page there (the vmclock magic, the seq_count moving between the reads): the check
# above does see host writes. Last, no kernel's log (the saved logs, the console after
# them, the last kernel's) reports trouble.
# The kexec copies the next kernel's segments (kernel, initramfs: ~80 MB at the top of
# RAM, placed top-down by kexec_file_load) over whatever was there: a page that lies in
# them would be overwritten by the kexec itself. Such a page (it happens: see
# Documentation/testing.rst, "The groups", nested-kexec) is no result: the module is
# unloaded and the step tried again in a fresh kernel (at most 3 times in a run; then
# the overlap is reported as a failure).
# A crash kexec runs no reboot notifiers (__crash_kexec()): not covered here.
# timeout: 300
. "$REPO/tests/lib.sh"
st=/sys/module/$MOD/status
# REBOOT_PATTERN (ptp_vmclock/vmclock.rs) and VMCLOCK_MAGIC.
PATTERN=0x6b657865635f7067 MAGIC=0x4b4c4356
kernel=$(sed -n 's/.*vmrun\.kexec=\([0-9]*\).*/\1/p' /proc/cmdline)
kernel=${kernel:-1}
# What the previous kernel left for this one: the KTAP counters, the step to do here,
# the retries so far, the pages' addresses.
state=$RUN/vmclock-kexec.state
# The test guest's console log (nested: L2's QEMU writes it; single-level: L1's).
con=$RUN/console-guest.log
[ -e "$RUN/guest-append" ] || con=$RUN/console-l1.log

# result OK DESCRIPTION [DIAGNOSTICS]: one KTAP result (OK: 0 passes).
result() {
	if [ "$1" = 0 ]; then
		ktap_test_pass "$2"
	else
		ktap_test_fail "$2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /' | tail -n 20
	fi
}

# prepare PARAMS...: (re)load the module with PARAMS and load the next kernel with the
# page reserved (memmap=4K$gpa). Sets gpa, hit (the segments that cover the page) and
# the results' statuses and texts, which report prints.
prepare() {
	local segs s="" mem size
	params=$*
	rmmod "$MOD" 2>/dev/null
	load_out=$(load_ours "$@" 2>&1) && [ "$(cat $st/transport 2>/dev/null)" = vmclock ]
	ok_load=$?
	gpa=$(cat $st/page_gpa 2>/dev/null)
	[[ $gpa == 0x* ]] && (( gpa > 0 && gpa % 4096 == 0 ))
	ok_gpa=$?
	log_mark
	kexec_out=$(vmrun-kexec load "memmap=4K\$$gpa" 2>&1)
	ok_kexec=$?
	segs=$(log_since | sed -n 's/.*segment\[[0-9]*\]: .* mem=\(0x[0-9a-f]*\) memsz=\(0x[0-9a-f]*\)$/\1 \2/p')
	hit=""
	while read -r mem size; do
		[ -n "$mem" ] || continue
		s="$s $mem+$size"
		if (( gpa >= mem && gpa < mem + size )); then hit="$hit $mem+$size"; fi
	done <<<"$segs"
	[ -n "$segs" ] || ok_kexec=1
	note "$kexec_out"
	note "next kernel's segments (mem+memsz):${s:- none logged}"
}

# report: prepare's three results.
report() {
	result $ok_load "kernel $kernel: insmod${params:+ $params} picks transport vmclock" "$load_out"
	result $ok_gpa "kernel $kernel: status/page_gpa is a page address ($gpa)"
	result $((ok_kexec || ${#hit})) \
		"kernel $kernel: kexec_file_load with memmap=4K\$$gpa; no segment covers the page${hit:+ (covered by$hit)}"
}

# jump STEP: save the state for the next kernel (which does STEP) and kexec into it.
jump() {
	step=$1
	declare -p KTAP_TESTNO KTAP_CNT_PASS KTAP_CNT_FAIL KTAP_CNT_XFAIL KTAP_CNT_SKIP \
		KSFT_NUM_TESTS step tries gpa1 gpa2 >"$state"
	vmrun-kexec exec
	ktap_test_fail "kernel $kernel: kexec into kernel $((kernel + 1)) (vmrun-kexec exec returned)"
	ktap_finished
}

# attempt STEP PARAMS...: prepare; a page in the next kernel's segments is tried again
# in a fresh kernel (STEP there), up to 3 times in the run; else report.
attempt() {
	local again=$1
	shift
	prepare "$@"
	if [ -n "$hit" ] && [ "$tries" -lt 3 ]; then
		tries=$((tries + 1))
		note "kernel $kernel: the page ($gpa) lies in the next kernel's segment$hit: the kexec itself would overwrite it; unloading the module and trying again in a fresh kernel ($tries of 3)"
		rmmod "$MOD"
		jump "$again"
	fi
	report
}

# reserved GPA: this kernel was booted with memmap=4K$GPA and /proc/iomem has a
# Reserved range covering the page at GPA (top level: not System RAM).
reserved() {
	grep -qF "memmap=4K\$$1" /proc/cmdline || { echo "no memmap=4K\$$1 in /proc/cmdline"; return 1; }
	local line range name lo hi
	while IFS= read -r line; do
		[[ $line == [0-9a-f]* ]] || continue
		range=${line%% : *} name=${line#* : }
		lo=$((16#${range%-*})) hi=$((16#${range#*-}))
		if (( lo <= $1 && $1 + 4095 <= hi )); then
			echo "$line"
			[ "$name" = Reserved ]
			return
		fi
	done </proc/iomem
	return 1
}

# page GPA: physpage's two reads of GPA, 300 ms apart; sets w1 w2 (pattern words),
# m1 m2 (magic), s1 s2 (seq_count), t2 (ms from the first read to the second).
page() {
	local out
	out=$(physpage "$1" 300 $PATTERN 2>&1)
	note "physpage $1: ${out//$'\n'/; }"
	read -r _ _ _ _ _ w1 _ m1 _ s1 <<<"$(sed -n 1p <<<"$out")"
	read -r _ _ _ t2 _ w2 _ m2 _ s2 <<<"$(sed -n 2p <<<"$out")"
}

# notified GPA WHAT: the console log has the reboot notifier's line for GPA.
notified() { tr -d '\r' <"$con" | grep -qF "vmclock page at gpa $1 $2 at reboot, filled with $PATTERN"; }

if [ -e "$state" ]; then
	. "$state"
else
	ktap_print_header
	ktap_set_plan 13
	step=unregister tries=0 gpa1="" gpa2=""
fi
case $step in
unregister)
	attempt unregister
	gpa1=$gpa
	jump check-unregistered
	;;
check-unregistered)
	check "kernel $kernel: booted with memmap=4K\$$gpa1; /proc/iomem: the page is Reserved" reserved "$gpa1"
	page "$gpa1"
	check "kernel $kernel: the page the previous kernel unregistered at kexec still holds the pattern ($w1, then $w2 of 512 words, ${t2:-?} ms apart)" \
		bash -c "[ '$w1' = 512 ] && [ '$w2' = 512 ] && [ '${t2%.*}' -ge 300 ]"
	check "kernel $kernel: the previous kernel's reboot notifier logged it (console): gpa $gpa1 unregistered" \
		notified "$gpa1" unregistered
	# The negative control.
	attempt keep test_reboot_keep=1
	gpa2=$gpa
	jump check-kept
	;;
keep)
	attempt keep test_reboot_keep=1
	gpa2=$gpa
	jump check-kept
	;;
check-kept)
	check "kernel $kernel: booted with memmap=4K\$$gpa2; /proc/iomem: the page is Reserved" reserved "$gpa2"
	page "$gpa2"
	check "negative control (test_reboot_keep=1): the host still writes the page (magic $m1, $m2; seq_count $s1 -> $s2; pattern words $w1, $w2)" \
		bash -c "[ '$m1' = $MAGIC ] && [ '$m2' = $MAGIC ] && [ -n '$s1' ] && [ '$s1' != '$s2' ] && [ '$w2' != 512 ]"
	check "kernel $kernel: the previous kernel's reboot notifier logged it (console): gpa $gpa2 left registered" \
		notified "$gpa2" "left registered (test_reboot_keep=1)"
	reports=$(cat "$RUN"/dmesg-guest.k* <(tr -d '\r' <"$con") <(dmesg) |
		grep -aE 'BUG:|WARNING:|Oops|KASAN|UBSAN|general protection fault|Kernel panic|Call Trace|RIP: ' | head -n 8)
	check "no report (BUG, WARNING, Oops, call trace) in the log of any of the $kernel kernels${reports:+: $reports}" test -z "$reports"
	ktap_finished
	;;
esac

# Reboot and kexec unregister the vmclock page before the next kernel owns its memory
# (issue #26; rmmod is module-cycles' part). Three kernels in one boot of the test guest
# (scripts/guest/bin/vmrun-kexec: the run's own kernel and initramfs, kexec_file_load):
# kernel 1 loads the module (transport vmclock, a test build) and kexecs into kernel 2
# with the page reserved there (memmap=4K$GPA: the next kernel neither uses nor clears
# it). The module's reboot notifier unregisters the page, then (test builds) fills it
# with a pattern and logs its address. Kernel 2 reads the page through /dev/mem twice,
# 300 ms apart (three of KVM's 100 ms refresh periods): the pattern must be intact both
# times, i.e. the host stopped writing the page. Negative control: kernel 2 loads the
# module with test_reboot_keep=1 (the notifier fills the page but leaves it registered)
# and kexecs into kernel 3, which must find the host's page there (the vmclock magic, the
# seq_count moving between the reads): the check above does see host writes. Last, no
# kernel's log (the saved logs, the console after them, kernel 3's) reports trouble.
# A crash kexec runs no reboot notifiers (__crash_kexec()): not covered here.
# timeout: 300
. "$REPO/tests/lib.sh"
st=/sys/module/$MOD/status
# REBOOT_PATTERN (ptp_vmclock/vmclock.rs) and VMCLOCK_MAGIC.
PATTERN=0x6b657865635f7067 MAGIC=0x4b4c4356
kernel=$(sed -n 's/.*vmrun\.kexec=\([0-9]*\).*/\1/p' /proc/cmdline)
kernel=${kernel:-1}
state=$RUN/vmclock-kexec.state
# The test guest's console log (nested: L2's QEMU writes it; single-level: L1's).
con=$RUN/console-guest.log
[ -e "$RUN/guest-append" ] || con=$RUN/console-l1.log

# load_page [PARAMS...]: (re)load the module; sets $gpa, the page's address.
load_page() {
	rmmod "$MOD" 2>/dev/null
	check "kernel $kernel: insmod $* picks transport vmclock" \
		bash -c ". tests/lib.sh; load_ours $* && [ \$(cat $st/transport) = vmclock ]"
	gpa=$(cat $st/page_gpa 2>/dev/null)
	check "kernel $kernel: status/page_gpa is a page address ($gpa)" \
		bash -c "[[ '$gpa' == 0x* ]] && (( $gpa > 0 && $gpa % 4096 == 0 ))"
}

# jump VARS...: load this kernel again with the page at $gpa reserved (memmap=4K$gpa), check
# that no segment of the next kernel covers the page (the kexec would overwrite it
# itself), save the KTAP counters and VARS, and jump to the next kernel.
jump() {
	local out segs s mem size hit=""
	log_mark
	out=$(vmrun-kexec load "memmap=4K\$$gpa" 2>&1)
	segs=$(log_since | sed -n 's/.*segment\[[0-9]*\]: .* mem=\(0x[0-9a-f]*\) memsz=\(0x[0-9a-f]*\)$/\1 \2/p')
	while read -r mem size; do
		[ -n "$mem" ] || continue
		s="$s $mem+$size"
		(( gpa >= mem && gpa < mem + size )) && hit="$hit $mem+$size"
	done <<<"$segs"
	note "$out"
	note "next kernel's segments (mem+memsz):${s:- none logged}"
	check "kernel $kernel: kexec_file_load with memmap=4K\$$gpa; no segment covers the page${hit:+ (covered by$hit)}" \
		bash -c "[ -n '$segs' ] && [ -z '$hit' ] && grep -q '^kexec-self: loaded' <<<'$out'"
	declare -p KTAP_TESTNO KTAP_CNT_PASS KTAP_CNT_FAIL KTAP_CNT_XFAIL KTAP_CNT_SKIP KSFT_NUM_TESTS "$@" >"$state"
	vmrun-kexec exec
	ktap_test_fail "kernel $kernel: kexec into kernel $((kernel + 1)) (vmrun-kexec exec returned)"
	ktap_finished
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
# m1 m2 (magic), s1 s2 (seq_count), t2 (ms between the reads).
page() {
	local out
	out=$(physpage "$1" 300 $PATTERN 2>&1)
	note "physpage $1: ${out//$'\n'/; }"
	read -r _ _ _ _ _ w1 _ m1 _ s1 <<<"$(sed -n 1p <<<"$out")"
	read -r _ _ _ t2 _ w2 _ m2 _ s2 <<<"$(sed -n 2p <<<"$out")"
}

# notified GPA WHAT: the console log has the reboot notifier's line for GPA.
notified() { tr -d '\r' <"$con" | grep -qF "vmclock page at gpa $1 $2 at reboot, filled with $PATTERN"; }

case $kernel in
1)
	ktap_print_header
	ktap_set_plan 13
	load_page
	jump gpa
	;;
2)
	. "$state"
	gpa1=$gpa
	check "kernel 2: booted with memmap=4K\$$gpa1; /proc/iomem: the page is Reserved" reserved "$gpa1"
	page "$gpa1"
	check "kernel 2: the page kernel 1 unregistered at kexec still holds the pattern ($w1, then $w2 of 512 words, ${t2:-?} ms apart)" \
		bash -c "[ '$w1' = 512 ] && [ '$w2' = 512 ] && [ '${t2%.*}' -ge 300 ]"
	check "kernel 2: kernel 1's reboot notifier logged it (console): gpa $gpa1 unregistered" notified "$gpa1" unregistered
	# The negative control.
	load_page test_reboot_keep=1
	jump gpa gpa1
	;;
3)
	. "$state"
	gpa2=$gpa
	check "kernel 3: booted with memmap=4K\$$gpa2; /proc/iomem: the page is Reserved" reserved "$gpa2"
	page "$gpa2"
	check "negative control (test_reboot_keep=1): the host still writes the page (magic $m1, $m2; seq_count $s1 -> $s2; pattern words $w1, $w2)" \
		bash -c "[ '$m1' = $MAGIC ] && [ '$m2' = $MAGIC ] && [ -n '$s1' ] && [ '$s1' != '$s2' ] && [ '$w2' != 512 ]"
	check "kernel 3: kernel 2's reboot notifier logged it (console): gpa $gpa2 left registered" \
		notified "$gpa2" "left registered (test_reboot_keep=1)"
	reports=$(cat "$RUN"/dmesg-guest.k[12] <(tr -d '\r' <"$con") <(dmesg) |
		grep -aE 'BUG:|WARNING:|Oops|KASAN|UBSAN|general protection fault|Kernel panic|Call Trace|RIP: ' | head -n 8)
	check "no report (BUG, WARNING, Oops, call trace) in the log of any of the 3 kernels${reports:+: $reports}" test -z "$reports"
	ktap_finished
	;;
esac

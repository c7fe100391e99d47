# Hostile vmclock pages through the mock transport (a test build's mock_page=KIND): every
# read first takes the whole page path (seqcount section, decoding, status) over a page
# holding one hostile value, which must fail cleanly with the expected reason
# (status/page_fallback_last) while the clock keeps serving from the guest's own clock;
# no BUG, WARNING or overflow panic (the runner scans the log; the debug kernel's run adds
# KASAN and UBSAN). PTP_SYS_OFFSET_PRECISE runs too (it may be refused under a
# clocksource other than tsc; it must not crash). All bytes 0xff (garbage) make the
# seqcount odd: the reader gives up as on a writer that never finishes.
# timeout: 300
. "$REPO/tests/lib.sh"
ktap_print_header
kinds="shift64:invalid period0:invalid future:future stale:stale seq-odd:unsettled
	magic:invalid unusable:unusable huge-sec:invalid garbage:unsettled"
ktap_set_plan 9
st=/sys/module/$MOD/status
rmmod "$MOD" 2>/dev/null
for kv in $kinds; do
	k=${kv%:*} want=${kv#*:}
	out=$(insmod "$PTP_VMCLOCK_KO" transport=mock mock_page="$k" 2>&1 && {
		dev=$(ptp_by_name "$OUR_NAME")
		ptptool reads "$dev" 200 && testptp -d "$dev" -k 3 >/dev/null &&
			ptptool ext "$dev" 3 >/dev/null &&
			echo "fallbacks $(cat $st/page_fallbacks) last $(cat $st/page_fallback_last) errors $(cat $st/errors) reads $(cat $st/reads)"
		ptptool precise "$dev" >/dev/null 2>&1
	} 2>&1)
	rmmod "$MOD" 2>/dev/null
	printf '%s\n' "$out" | sed 's/^/# /'
	check "mock_page=$k: every read fell back ('$want'), the clock served all of them" bash -c "
		grep -q 'errors 0 backwards 0 ' <<<'$out' &&
		grep -qE '^fallbacks ([0-9]+) last $want errors 0 reads \\1$' <<<'$out'"
done
ktap_finished

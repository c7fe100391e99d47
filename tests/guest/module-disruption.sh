# The disruption path of an ACPI vmclock device's page (device.rs), which a real device
# takes only on a live migration or snapshot restore, through the mock transport of a
# test build: mock_page=disruption is a page like QEMU's (time unknown, counter invalid)
# with a VM generation counter, whose disruption marker the module moves before every
# read and whose generation every tenth. Each read must notice the change through the
# seqcount (counted in status/device_marker_changes, device_generation_changes), log at
# most one line a second, and still serve the clock (the page itself never serves: its
# counter id 0xff makes every read a page fallback, reason 'invalid').
# timeout: 180
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 6
st=/sys/module/$MOD/status
N=2000
rmmod "$MOD" 2>/dev/null
log_mark
check "insmod transport=mock mock_page=disruption" \
	insmod "$PTP_VMCLOCK_KO" transport=mock mock_page=disruption
dev=$(ptp_by_name "$OUR_NAME")
m0=$(cat $st/device_marker_changes) g0=$(cat $st/device_generation_changes) f0=$(cat $st/page_fallbacks)
t0=$SECONDS
out=$(ptptool reads "$dev" $N)
t1=$SECONDS
m1=$(cat $st/device_marker_changes) g1=$(cat $st/device_generation_changes) f1=$(cat $st/page_fallbacks)
note "$out"
note "over $N reads in $((t1 - t0)) s: marker changes $m0 -> $m1, generation changes $g0 -> $g1, fallbacks $f0 -> $f1, last $(cat $st/page_fallback_last)"
check "$N reads served without an error" grep -q ' errors 0 backwards 0 ' <<<"$out"
check "every read noticed its marker change (marker changes $((m1 - m0)) = page reads $((f1 - f0)) >= $N)" \
	bash -c "[ $((m1 - m0)) = $((f1 - f0)) ] && [ $((m1 - m0)) -ge $N ]"
check "every tenth read noticed a generation change ($((g1 - g0)) of $((m1 - m0)))" \
	bash -c "d=$((m1 - m0)) g=$((g1 - g0)); [ \$g -ge \$((d / 10)) ] && [ \$g -le \$((d / 10 + 1)) ]"
lines=$(log_since | grep "$MOD" | grep -c 'disruption (live migration or snapshot restore)')
log_since | grep "$MOD" | grep 'disruption' | head -n 3 | sed 's/^/# /'
check "the changes were logged, at most one line a second ($lines lines in $((t1 - t0 + 1)) s)" \
	bash -c "[ $lines -ge 1 ] && [ $lines -le $((t1 - t0 + 2)) ]"
check "rmmod" rmmod "$MOD"
ktap_finished

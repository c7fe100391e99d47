# The vmclock page after its host forgot it (as the KVM of a live migration's destination
# or of a restored snapshot never heard of the registration, which is KVM state, not
# QEMU's): a test build with test_forget_page=N unregisters the page behind the
# transport's back after N reads. Nobody updates the page any more, but it still looks
# valid: the reads must find it stale (older than 0.5 s), serve those reads from the
# hypercall, register the page again (at most once a second) and read from it after.
# L2 is the host; what the host writes is judged by the page's own update count.
# timeout: 240
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 7
st=/sys/module/$MOD/status
N=2000
rmmod "$MOD" 2>/dev/null
log_mark
if ! insmod "$PTP_VMCLOCK_KO" test_forget_page=$N || [ "$(cat $st/transport)" != vmclock ]; then
	ktap_test_fail "insmod test_forget_page=$N with the vmclock transport"
	for i in 2 3 4 5 6 7; do ktap_test_fail "not run: the module did not load with the page"; done
	ktap_finished
fi
ktap_test_pass "insmod test_forget_page=$N with the vmclock transport"
dev=$(ptp_by_name "$OUR_NAME")
# 1. N reads from the page; the N-th one unregisters it.
out1=$(ptptool reads "$dev" $N)
u1=$(cat $st/page_updates) f1=$(cat $st/page_fallbacks) r1=$(cat $st/page_registrations)
note "first $N reads: $out1; updates $u1, fallbacks $f1, registrations $r1"
check "the $N-th page read unregistered the page (one log line) and no read fell back ($f1)" \
	bash -c ". tests/lib.sh; [ \$(log_since | grep -c 'unregistered behind the transport after $N reads (0)') = 1 ] && [ $f1 = 0 ]"
# 2. Past the bound with no host writing: the next reads find the page stale.
sleep 1.5
out2=$(ptptool reads "$dev" 200)
u2=$(cat $st/page_updates) f2=$(cat $st/page_fallbacks) r2=$(cat $st/page_registrations)
why=$(cat $st/page_fallback_last)
note "200 reads after 1.5 s: $out2; updates $u2, fallbacks $f2 ($why), registrations $r2"
check "reads of the forgotten page fell back as stale ($f1 -> $f2, last: $why), without an error" \
	bash -c "[ $f2 -gt $f1 ] && [ '$why' = stale ] && [[ '$out2' == *'errors 0 backwards 0'* ]]"
check "the page was registered again, once ($r1 -> $r2)" test "$r2" = $((r1 + 1))
# 3. The host writes the page again and the reads come from it.
sleep 0.5
out3=$(ptptool reads "$dev" 2000)
u3=$(cat $st/page_updates) f3=$(cat $st/page_fallbacks) r3=$(cat $st/page_registrations)
note "2000 reads 0.5 s later: $out3; updates $u3, fallbacks $f3, registrations $r3"
check "after the registration the host updates the page again ($u2 -> $u3 updates)" \
	test "$u3" -gt "$u2"
check "and every read comes from the page again (fallbacks $f2 -> $f3), without an error" \
	bash -c "[ $f3 = $f2 ] && [ $r3 = $r2 ] && [[ '$out3' == *'errors 0 backwards 0'* ]]"
# The PHC agrees with the guest's clock as before (both follow L2; the guest clock is not
# disciplined here, so only a gross error shows: a page nobody updates would drift or
# stand still, not this).
o=$(ptptool offset "$dev" 1 | awk '{ print $1 }')
sleep 1
o2=$(ptptool offset "$dev" 1 | awk '{ print $1 }')
check "PHC - CLOCK_REALTIME steady over 1 s after the re-registration ($o -> $o2 ns, within 100 us)" \
	bash -c "d=\$(( $o2 - $o )); [ \${d#-} -lt 100000 ]"
rmmod "$MOD"
ktap_finished

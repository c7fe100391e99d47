# The ACPI vmclock device (QEMU -device vmclock) through a live migration and a save and
# restore (scripts/guest/l3-move on L2): QEMU moves the device's disruption marker when
# it loads a VM's state (a restore, a migration's destination), and keeps a VM generation
# counter only if its page says so. The module must see the change on the next read,
# count it in sysfs, log it once per move, and register its KVM page again at once on
# the device's word, before any read finds the page moved (no "moved" fallback); every
# read, the first after the move included, gives the host's time (ptptool track against
# C ptp_kvm's PRECISE).
# timeout: 900
. "$REPO/tests/lib.sh"
. "$REPO/tests/lifecycle.sh"
ktap_print_header
ktap_set_plan 12
SAVE=10 BOUND=10000
rmmod "$MOD" 2>/dev/null
if ! modprobe ptp_kvm || ! kvm=$(ptp_by_name "$KVM_NAME") ||
	! insmod "$PTP_VMCLOCK_KO" transport=vmclock || ! dev=$(ptp_by_name "$OUR_NAME"); then
	for i in $(seq 12); do ktap_test_fail "C ptp_kvm (the judge) or the module did not load"; done
	ktap_finished
fi
note "device page: $(status device_page), marker $(status device_marker), generation $(status device_generation)"
for ev in live save; do
	m0=$(status device_marker) g0=$(status device_generation)
	mc0=$(status device_marker_changes) gc0=$(status device_generation_changes)
	regs0=$(status page_registrations) fb0=$(status page_fallbacks)
	log_mark
	progress "$ev"
	ptptool track "$dev" "$kvm" 45 --raw >/tmp/track-$ev.log 2>/tmp/track-$ev.err &
	tr=$!
	move_after 3 $ev
	wait $tr
	mlog=$(moved)
	mrc=$?
	progress_end
	note "$ev: l3-move (exit $mrc): $(printf '%s\n' "$mlog" | sed 's/^l3-move: //' | paste -sd'|')"
	m1=$(status device_marker) g1=$(status device_generation)
	mc=$(($(status device_marker_changes) - mc0)) gc=$(($(status device_generation_changes) - gc0))
	regs=$(($(status page_registrations) - regs0)) fbs=$(($(status page_fallbacks) - fb0))
	logged=$(log_since | grep -c 'ACPI vmclock device: disruption')
	read -r _ step first rounds maxerr errs _ <<<"$(track_summary /tmp/track-$ev.log)"
	note "$ev: marker $m0 -> $m1 ($mc changes), generation $g0 -> $g1 ($gc changes), $logged log lines, $regs page registrations, $fbs fallbacks (last: $(status page_fallback_last)); track: $rounds rounds, step $step s, first read's error $first ns, largest |error| beyond the bracket $maxerr ns, $errs failed; $(log_since | grep -m1 'ACPI vmclock device: disruption')"
	check "$ev: the guest moved to a new QEMU" grep -q 'the guest runs in QEMU' <<<"$mlog"
	check "$ev: the module saw the disruption marker change once ($m0 -> $m1; $mc counted in sysfs)" \
		test "$mc" = 1 -a "$m0" != "$m1"
	# QEMU's device keeps no VM generation counter: then the file says "none" and no
	# change is counted; with one, it must have changed with the marker.
	check "$ev: the VM generation counter is shown as the device keeps it ($g0 -> $g1, $gc changes)" \
		bash -c '[ "$1" = none ] && [ "$2" = none ] && [ "$3" = 0 ] || { [ "$1" != "$2" ] && [ "$3" = 1 ]; }' _ "$g0" "$g1" "$gc"
	check "$ev: logged once ($logged lines)" test "$logged" = 1
	check "$ev: the page was registered again on the device's word, no read found it moved ($regs registrations, $fbs fallbacks)" \
		test "$regs" = 1 -a "$fbs" = 0
	check "$ev: every read gave the host's time (first after the move $first ns; $rounds rounds, largest |error| beyond the bracket $maxerr <= $BOUND ns, $errs failed)" \
		awk -v e="$first" -v b=$BOUND -v r="$rounds" -v m="$maxerr" -v x="$errs" \
		'BEGIN { exit !(e != "none" && e <= b && -e <= b && r > 1000 && m <= b && x == 0) }'
done
rmmod "$MOD" ptp_kvm 2>/dev/null
ktap_finished

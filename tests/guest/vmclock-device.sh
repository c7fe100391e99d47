# The test guest has QEMU's ACPI vmclock device (-device vmclock: _HID AMZNC10C, _CID
# VMCLOCK, one page whose time QEMU leaves unknown and whose disruption marker it moves on
# snapshot restore). Ours maps the device's page without binding it; upstream's C
# ptp_vmclock binds it and offers the same page as /dev/vmclock0. Checked:
# (a) ours loads with transport vmclock, the KVM-filled page still serving the time (the
#     device's has none), and sysfs shows the device page found;
# (b) its disruption marker and VM generation counter in our sysfs equal what the C driver
#     exposes of the same page (read() and mmap() of /dev/vmclock0);
# (c) both modules loaded together in both orders and unloaded in both orders, PHC reads
#     working throughout, no change of marker or generation noticed (no migration), and
#     no kernel splat.
# timeout: 240
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 19
st=/sys/module/$MOD/status
CMOD=ptp_vmclock
# reads_ok: 2000 PHC reads through ours without an error or a step back.
reads_ok() {
	local dev out
	dev=$(ptp_by_name "$OUR_NAME") || return 1
	out=$(ptptool reads "$dev" 2000) || return 1
	echo "$out"
	grep -q ' errors 0 backwards 0 ' <<<"$out"
}
# field NAME: NAME=VALUE of vmclockpage's output in $page.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$page" | head -n 1; }
# c_loaded: whether C ptp_vmclock is loaded.
c_loaded() { [ -d /sys/module/$CMOD ]; }
export -f reads_ok c_loaded ptp_by_name
export OUR_NAME CMOD
splats() { log_since | grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|RIP: ' || true; }

rmmod "$MOD" 2>/dev/null
rmmod $CMOD 2>/dev/null
log_mark
adev=$(grep -l -E '^(AMZNC10C|VMCLOCK)$' /sys/bus/acpi/devices/*/hid 2>/dev/null | head -n 1)
note "ACPI device: ${adev%/hid}"
check "QEMU's vmclock device is in the ACPI namespace (_HID AMZNC10C)" test -n "$adev"

# --- (a) ---------------------------------------------------------------------------------
check "insmod ours (transport=auto) picks transport vmclock" \
	bash -c "insmod '$PTP_VMCLOCK_KO' && [ \$(cat $st/transport) = vmclock ]"
log_since | grep "$MOD" | sed 's/^/# /'
check "one load line: the device page found, its time unknown" bash -c \
	". tests/lib.sh; [ \$(log_since | grep '$MOD' | grep -c 'ACPI vmclock device page at 0x.*time unknown') = 1 ]"
check "the KVM-filled page serves the time (load line), registered once ($(cat $st/page_registrations))" \
	bash -c ". tests/lib.sh; log_since | grep '$MOD' | grep -q 'transport vmclock (KVM-filled vmclock page' &&
		[ \$(cat $st/page_registrations) = 1 ]"
check "sysfs device_page: found" test "$(cat $st/device_page)" = found
for f in device_page device_marker device_generation device_marker_changes device_generation_changes; do
	note "$f: $(cat $st/$f)"
done
check "PHC reads through ours alone (C ptp_vmclock not loaded)" reads_ok

# --- (b), and (c) in the order ours, then C --------------------------------------------------
check "modprobe C $CMOD beside ours: /dev/vmclock0 appears" \
	bash -c "modprobe $CMOD && for i in \$(seq 50); do [ -c /dev/vmclock0 ] && exit 0; sleep 0.1; done; exit 1"
log_since | grep -E 'AMZNC10C|vmclock[0-9]' | grep -v "$MOD" | sed 's/^/# /'
names=$(cat /sys/class/ptp/ptp*/clock_name | paste -sd, -)
note "PHC names: $names; misc devices: $(ls /sys/class/misc | grep vmclock | paste -sd, -)"
check "no name collides: one PHC named ptp_vmclock (ours), none named vmclock* (C's PHC needs a known time)" \
	bash -c "[ \$(cat /sys/class/ptp/ptp*/clock_name | grep -cx ptp_vmclock) = 1 ] &&
		! cat /sys/class/ptp/ptp*/clock_name | grep -q '^vmclock' && [ -e /sys/class/misc/vmclock0 ]"
page=$(vmclockpage read /dev/vmclock0)
note "/dev/vmclock0 (read): $page"
mpage=$(vmclockpage mmap /dev/vmclock0)
note "/dev/vmclock0 (mmap): $mpage"
flags=$(field flags)
gen_present=$(( ${flags:-0} >> 8 & 1 ))
if [ "$gen_present" = 1 ]; then want_gen=$(field generation); else want_gen=none; fi
check "disruption marker: ours $(cat $st/device_marker), C driver's page $(field marker)" \
	test "$(cat $st/device_marker)" = "$(field marker)"
check "VM generation counter: ours $(cat $st/device_generation), C driver's page $want_gen (flags $flags)" \
	test "$(cat $st/device_generation)" = "$want_gen"
check "mmap of /dev/vmclock0 shows the same page (marker, magic, size)" bash -c "
	grep -q ' marker=$(field marker) ' <<<'$mpage' && grep -q '^magic=$(field magic) size=$(field size) ' <<<'$mpage'"
note "QEMU's page: clock_status $(field clock_status), counter_id $(field counter_id), flags $flags, marker $(field marker), generation field $(field generation), seq $(field seq), size $(field size)"
check "PHC reads through ours with both loaded (ours first)" reads_ok
check "rmmod ours while C is loaded; /dev/vmclock0 still reads" \
	bash -c "rmmod $MOD && vmclockpage read /dev/vmclock0 >/dev/null"

# --- (c) in the order C, then ours; C unloaded first --------------------------------------
check "insmod ours while C is loaded: device page found, same marker" \
	bash -c "insmod '$PTP_VMCLOCK_KO' && [ \$(cat $st/device_page) = found ] &&
		[ \$(cat $st/device_marker) = '$(field marker)' ]"
check "PHC reads through ours with both loaded (C first)" reads_ok
check "rmmod C while ours is loaded: ours still reads the device page and the PHC" \
	bash -c "rmmod $CMOD && ! [ -e /dev/vmclock0 ] && [ \$(cat $st/device_marker) = '$(field marker)' ] &&
		reads_ok"
changes="$(cat $st/device_marker_changes) $(cat $st/device_generation_changes)"
check "no disruption noticed without a migration (marker, generation changes: $changes)" \
	test "$changes" = "0 0"
check "rmmod ours (both unloaded)" bash -c "rmmod $MOD && ! c_loaded && ! [ -d /sys/module/$MOD ]"
s=$(splats)
[ -z "$s" ] || printf '%s\n' "$s" | sed 's/^/# splat: /'
check "no kernel splat in the whole test" test -z "$s"
ktap_finished

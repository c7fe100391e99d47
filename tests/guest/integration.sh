# The integration files in scripts/integration/, used the way a sysadmin installs them:
# the module installed by `make install` (tests/run does it before the VMs, into the
# reference kernel's module tree that guests see as /usr/lib/modules), loaded at boot by
# systemd-modules-load from the modules-load.d file, /dev/ptp_vmclock from the udev rule
# through a real systemd-udevd, then phc2sys as the systemd unit runs it, then chronyd
# with the chrony snippet.
# timeout: 420
. "$REPO/tests/lib.sh"
I=$REPO/scripts/integration
ktap_print_header
ktap_set_plan 8

kver=$(uname -r)
inst=/usr/lib/modules/$kver/updates/$MOD.ko
check "make install put $MOD.ko into /usr/lib/modules/$kver/updates, identical to the build" \
	cmp "$inst" "$PTP_VMCLOCK_KO"
modinfo_ok() {
	local out
	out=$(modinfo "$MOD") || return 1
	printf '%s\n' "$out"
	for f in description author license; do
		grep -q "^$f: *[^ ]" <<<"$out" || { echo "no $f"; return 1; }
	done
	for p in transport timescale clock_pairing; do
		grep -q "^parm: *$p:[^(]*[a-z].*(charp)" <<<"$out" || { echo "no description for $p"; return 1; }
	done
}
check "modinfo $MOD (installed): description, author, license and every parameter described" modinfo_ok

# Boot-time loading, the way systemd does it.
rmmod "$MOD" 2>/dev/null
mkdir -p /run/modules-load.d
cp "$I/modules-load-ptp_vmclock.conf" /run/modules-load.d/ptp_vmclock.conf
check "systemd-modules-load with modules-load.d/ptp_vmclock.conf loads $MOD" \
	sh -c "/usr/lib/systemd/systemd-modules-load && test -d /sys/module/$MOD"
dev=$(ptp_by_name "$OUR_NAME")
note "our PHC: $dev"

# udev: a real systemd-udevd with the rule, then a coldplug of the ptp subsystem.
cp "$I/60-ptp_vmclock.rules" /run/udev/rules.d/
udevd_ok() {
	/usr/lib/systemd/systemd-udevd --daemon || return 1
	udevadm trigger --action=add --subsystem-match=ptp || return 1
	udevadm settle --timeout=30 || return 1
	ls -l /dev/ptp* 2>&1
	test "$(readlink -f /dev/ptp_vmclock)" = "$dev" || return 1
	udevadm info --query=property --name="$dev" | grep -E '^(DEVLINKS|TAGS|CURRENT_TAGS)='
	udevadm info --query=property --name="$dev" | grep -q '^TAGS=.*:systemd:'
}
check "udev rule: /dev/ptp_vmclock -> $dev, tagged for systemd (dev-ptp_vmclock.device)" udevd_ok
# A second PHC (C ptp_kvm) must not take the name.
modprobe ptp_kvm 2>/dev/null && udevadm settle --timeout=30
kvmdev=$(ptp_by_name "$KVM_NAME")
check "with ptp_kvm's PHC (${kvmdev:-none}) also present, /dev/ptp_vmclock is still ours" \
	test "$(readlink -f /dev/ptp_vmclock)" = "$dev" -a -n "$kvmdev"

# The systemd unit: it must parse, and its ExecStart must discipline the clock.
unit=$I/phc2sys-ptp_vmclock.service
check "phc2sys-ptp_vmclock.service: systemd-analyze verify finds no error" \
	sh -c "systemd-analyze verify --man=no '$unit' 2>&1 | grep -v 'dev-ptp_vmclock.device' | { ! grep -iE 'error|invalid|unknown|failed'; }"
execstart=$(sed -n 's/^ExecStart=//p' "$unit")
note "ExecStart: $execstart"
# shellcheck disable=SC2086
run_for 30 $execstart >/tmp/unit-phc2sys.log 2>&1
offs=$(awk '/phc offset/ { for (i = 1; i <= NF; i++) if ($i == "offset") print $(i + 1) }' /tmp/unit-phc2sys.log)
last=$(tail -n 80 <<<"$offs")
stats=$(awk '{ a = $1 < 0 ? -$1 : $1; s += $1 * $1; if (a > m) m = a } END { if (NR) printf "n=%d rms=%.0f max=%d", NR, sqrt(s / NR), m; else print "n=0 max=-1" }' <<<"$last")
tail -n 3 /tmp/unit-phc2sys.log | sed 's/^/# /'
max=${stats##*max=}
# Same bound as module-phc2sys (and why): 1 us after 20 s of convergence.
check "the unit's ExecStart holds |offset| <= 1000 ns over its last 10 s ($stats ns)" \
	test "$max" -ge 0 -a "$max" -le 1000 -a "$(wc -l <<<"$offs")" -ge 200

# chronyd with the snippet, in a config of its own (no other source).
mkdir -p /tmp/chrony/conf.d
cp "$I/chrony-ptp_vmclock.conf" /tmp/chrony/conf.d/ptp_vmclock.conf
cat >/tmp/chrony/chrony.conf <<EOF
confdir /tmp/chrony/conf.d
driftfile /tmp/chrony/drift
makestep 1 3
cmdport 0

pidfile /run/chrony/chronyd.pid
EOF
chronyd -f /tmp/chrony/chrony.conf -u root
t0=$SECONDS
selected() { chronyc -n sources 2>/dev/null | grep -q '^#\* PHC0'; }
# Bound: 60 s. With poll 2 the refclock delivers a filtered sample every 4 s and chronyd
# selects a source after a few; the result says how long it took.
if wait_for 60 selected; then
	ktap_test_pass "chronyd with chrony-ptp_vmclock.conf selects the PHC (#* PHC0) within 60 s ($((SECONDS - t0)) s)"
else
	ktap_test_fail "chronyd with chrony-ptp_vmclock.conf selects the PHC (#* PHC0) within 60 s"
fi
chronyc -n sources 2>&1 | sed 's/^/# /'
chronyc -n tracking 2>&1 | grep -E 'Reference ID|System time|RMS offset' | sed 's/^/# /'
kill "$(cat /run/chrony/chronyd.pid 2>/dev/null)" 2>/dev/null
udevadm control --exit 2>/dev/null
ktap_finished

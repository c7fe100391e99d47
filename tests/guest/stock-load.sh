# ptp_vmclock_rs built against scripts/prepare-kdir's KDIR loads into the distribution's
# unmodified kernel (scripts/stock-test; vm-run --guest-kernel), registers its PHC and
# reads the host's time from the vmclock page KVM fills (host/0007).
# Environment: PTP_VMCLOCK_KO (the module built for that kernel), STOCK_KREL (its release).
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 8
log_mark
note "kernel: $(cat /proc/version)"
check "the guest runs the distribution's kernel $STOCK_KREL" test "$(uname -r)" = "$STOCK_KREL"
ours_vm=$(modinfo -F vermagic "$PTP_VMCLOCK_KO" 2>&1)
theirs_vm=$(modinfo -F vermagic ptp_kvm 2>&1)
note "vermagic: ours '$ours_vm', the distribution's ptp_kvm '$theirs_vm'"
check "the module's vermagic equals the distribution's own modules'" test "$ours_vm" = "$theirs_vm"
check "insmod ptp_vmclock_rs.ko" insmod "$PTP_VMCLOCK_KO"
log_since | grep -iE "$MOD|taint" | sed 's/^/# /'
dev=$(ptp_by_name "$OUR_NAME")
check "a PHC named '$OUR_NAME' appears" test -c "$dev"
note "device: $dev, clock_name: $(cat /sys/class/ptp/"${dev#/dev/}"/clock_name 2>&1)"
check "one info line at load names the vmclock transport (KVM's page) and the device" \
	bash -c ". tests/lib.sh; log_since | grep '$MOD' | grep 'transport vmclock' | grep -q '${dev#/dev/}'"
caps=$(testptp -d "$dev" -c)
printf '%s\n' "$caps" | sed 's/^/# /'
check "testptp -c: read-only clock (max adj 0) with cross timestamping" bash -c "
	grep -q '0 maximum frequency adjustment' <<<'$caps' && grep -q '1 cross timestamping' <<<'$caps'"
# L2 runs the host/ series, which offers the vmclock page: auto picks it.
check "sysfs status names the transport in use (vmclock)" \
	test "$(cat /sys/module/$MOD/status/transport 2>&1)" = vmclock
for f in /sys/module/$MOD/status/*; do note "$(basename "$f"): $(cat "$f")"; done
note "tainted: $(cat /proc/sys/kernel/tainted) (O = out-of-tree 4096, E = unsigned 8192)"
splat=$(log_since | grep -E 'BUG:|WARNING:|Oops|Call Trace|general protection|RIP: ' | grep -v 'vmrun-test:' || true)
check "no BUG/WARNING/Oops in the kernel log" test -z "$splat"
printf '%s\n' "$splat" | sed '/^$/d; s/^/# /'
ktap_finished

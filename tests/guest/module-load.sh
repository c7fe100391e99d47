# ptp_vmclock_rs loads in the nested guest, registers its PHC and says what it uses.
. "$REPO/tests/lib.sh"
ktap_print_header
# 7.x: one result per KUnit suite too (6.12 has none: one skip).
case "$(uname -r)" in 6.12.*) ktap_set_plan 8 ;; *) ktap_set_plan 16 ;; esac
log_mark
check "insmod ptp_vmclock_rs.ko" insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
check "a PHC named '$OUR_NAME' appears" test -c "$dev"
note "device: $dev"
check "one info line at load names the vmclock transport (KVM's page) and the device" \
	bash -c ". tests/lib.sh; log_since | grep '$MOD' | grep 'transport vmclock' | grep -q '${dev#/dev/}'"
log_since | grep "$MOD" | sed 's/^/# /'
caps=$(testptp -d "$dev" -c)
printf '%s\n' "$caps" | sed 's/^/# /'
check "testptp -c: read-only clock (max adj 0), no alarms, pins or outputs" bash -c "
	grep -q '0 maximum frequency adjustment' <<<'$caps' &&
	grep -q '0 programmable alarms' <<<'$caps' && grep -q '0 programmable pins' <<<'$caps' &&
	grep -q '0 programmable periodic signals' <<<'$caps' && grep -q '0 pulse per second' <<<'$caps'"
check "testptp -c: cross timestamping supported" grep -q '1 cross timestamping' <<<"$caps"
# L2 runs the host/ series, which offers the vmclock page: auto picks it.
check "sysfs status names the transport in use (vmclock)" \
	test "$(cat /sys/module/$MOD/status/transport 2>&1)" = vmclock
for f in /sys/module/$MOD/status/*; do note "$(basename "$f"): $(cat "$f")"; done
# No ACPI vmclock device in this guest (group nested-vmclockdev has one).
check "sysfs: no ACPI vmclock device page (device_page, device_marker, device_generation: none)" \
	test "$(cat /sys/module/$MOD/status/device_page /sys/module/$MOD/status/device_marker \
		/sys/module/$MOD/status/device_generation 2>&1 | paste -sd' ')" = "none none none"
# The KUnit suites of a test build (one per file tested) run at load; their KTAP goes to
# the kernel log.
kunit=$(log_since | grep -E '^\[[^]]*\] +(not )?ok [0-9]+ ' | grep -v '# SKIP')
printf '%s\n' "$kunit" | sed 's/^/# kunit: /'
case "$(uname -r)" in
6.12.*)
	# 6.12's kernel crate has no #[kunit_tests]: the module carries no suite there.
	ktap_test_skip "KUnit suites in the module (none on 6.12: no #[kunit_tests] in its kernel crate)" ;;
*)
	check "KUnit suites in the module ran at load and all passed" \
		bash -c "grep -q ' ok ' <<<'$kunit' && ! grep -q 'not ok' <<<'$kunit'"
	for s in clock hypercall kvm ptp time transport vmclock vmport; do
		check "KUnit suite ptp_vmclock_rs_$s ran and passed" \
			grep -qE " ok [0-9]+ ptp_vmclock_rs_$s\$" <<<"$kunit"
	done ;;
esac
ktap_finished

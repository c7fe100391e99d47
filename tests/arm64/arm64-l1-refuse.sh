# L1, the arm64 KVM host under TCG (scripts/arm64/vm-run): no hypervisor above it
# offers the SMCCC KVM PTP service (QEMU's EL3 firmware answers SMCCC), so ours must
# refuse to load with ENODEV and say why in exactly one kernel log line, and C ptp_kvm
# refuses too (EOPNOTSUPP: ptp_kvm_arm.c, kvm_arm_hyp_service_available() false).
# One load attempt each (modload: busybox insmod would run a refusing init twice).
# timeout: 60
. "$T/lib.sh"
ktap_header
ktap_plan 5
note "boot: L1 kernel uptime at userspace $(cat /tmp/rig-userspace 2>/dev/null || echo '?') s (TCG, -cpu max, EL2)"
if have_ours; then
	log_mark
	out=$($MODLOAD "$OUR_KO" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep . | indent
	result "$([ $rc != 0 ] && echo 0)" "loading ptp_vmclock_rs fails without the KVM PTP service (rc=$rc)"
	case "$out" in *"No such device"*) r=0 ;; *) r=1 ;; esac
	result $r "... with ENODEV (\"No such device\")"
	lines=$(module_lines)
	printf '%s\n' "$lines" | indent
	n=$(printf '%s\n' "$lines" | grep -c .)
	result "$([ "$n" = 1 ] && echo 0)" "... and exactly one $MOD kernel log line saying why (got $n)"
	result "$(ours_loaded && echo 1 || echo 0)" "... and is not loaded afterwards"
else
	for d in "loading ptp_vmclock_rs fails without the KVM PTP service" "... with ENODEV" \
		"... and exactly one $MOD kernel log line saying why" "... and is not loaded afterwards"; do
		not_ok "$d: no arm64 build of $MOD given to the rig (OUR_KO='${OUR_KO:-}')"
	done
fi
out=$($MODLOAD "$KVM_KO" 2>&1)
rc=$?
printf '%s\n' "$out" | grep . | indent
kvm_loaded && rmmod ptp_kvm
case "$out" in *"Operation not supported"*) r=$rc ;; *) r=0 ;; esac
result "$([ "$r" != 0 ] && echo 0)" "C ptp_kvm refuses too, with EOPNOTSUPP (rc=$rc)"
finish

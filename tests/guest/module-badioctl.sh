# Every PTP ioctl and posix-clock call with invalid (and boundary-valid) arguments gives
# the exact errno the 7.3.4 kernel's code gives, on our PHC and on C ptp_kvm, and a
# valid PTP_SYS_OFFSET still works afterwards; the sysfs files whose writes reach the
# driver's enable callback are hidden. The expectations and where they come
# from are in tests/tools/ptpbad.c; they are the PTP core's, so the same for both
# drivers except one: ptp_kvm has no gettimex64, so PTP_SYS_OFFSET_EXTENDED(2) fail
# with EOPNOTSUPP before their argument is looked at (ptpbad -E).
# timeout: 240
. "$REPO/tests/lib.sh"
module_loaded || load_ours >&2
dev=$(ptp_by_name "$OUR_NAME")
# One KTAP document for both clocks (prefixes "ptp_vmclock: ", "KVM virtual PTP: ");
# a clock that is missing fails all of its cases. With transport=mock (a guest without
# KVM, e.g. the debug kernel under TCG) there is no C ptp_kvm to compare with.
kvm=()
if ! mock_transport; then
	kdev=ptp_kvm-did-not-load
	if modprobe ptp_kvm >&2; then
		kdev=$(ptp_by_name "$KVM_NAME") || kdev=ptp_kvm-has-no-phc
	fi
	kvm=(-E "$kdev")
fi
ptpbad "${dev:-ptp_vmclock-has-no-phc}" "${kvm[@]}"
rc=$?
rmmod ptp_kvm 2>/dev/null
exit $rc

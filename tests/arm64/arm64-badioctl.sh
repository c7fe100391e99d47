# L2: every PTP ioctl and posix-clock call with invalid (and boundary-valid) arguments
# gives the exact errno of the 7.3.4 kernel's code, on ours and on C ptp_kvm
# (tests/tools/ptpbad.c says where each expectation comes from; the x86 group's
# module-badioctl runs the same). Ours serves PTP_SYS_OFFSET_EXTENDED; ptp_kvm has no
# gettimex64, so its EXTENDED cases expect EOPNOTSUPP (-E). One KTAP document, ptpbad's.
# timeout: 120
. "$T/lib.sh"
load_ours >/dev/null 2>&1
load_kvm >/dev/null 2>&1
ours=$(ptp_by_name "$OUR_NAME") || ours=ptp_vmclock-has-no-phc
kvm=$(ptp_by_name "$KVM_NAME") || kvm=ptp_kvm-has-no-phc
ptpbad "$ours" -E "$kvm"

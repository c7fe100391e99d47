# The C anchor: upstream ptp_kvm in the nested guest.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 4
check "modprobe ptp_kvm" modprobe ptp_kvm
dev=$(ptp_by_name "$KVM_NAME")
check "ptp_kvm registers a PHC named '$KVM_NAME'" test -c "$dev"
check "ptp_kvm: testptp -k 5 (PTP_SYS_OFFSET)" ptp_ok "$dev" -k 5
check "ptp_kvm: testptp -X (PTP_SYS_OFFSET_PRECISE)" ptp_ok "$dev" -X
rmmod ptp_kvm
ktap_finished

# Ours and C ptp_kvm read the same host clock: they must agree.
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 2
module_loaded || insmod "$PTP_VMCLOCK_KO"
modprobe ptp_kvm
ours=$(ptp_by_name "$OUR_NAME") kvm=$(ptp_by_name "$KVM_NAME")
out=$(ptptool compare "$ours" "$kvm" 100)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "100 paired reads of both PHCs" test $rc = 0
# Each offset (PHC - CLOCK_REALTIME at the middle of its bracket) is uncertain by half
# its bracket width, so two readings of one clock differ by at most (wa + wb) / 2 per
# pair; the median |difference| must be within the median of that bound.
eval "$(awk '{ printf "%s=%s\n", $1, $2 }' <<<"$out")"
bound=$(((median_width_a_ns + median_width_b_ns) / 2))
check "median |ours - ptp_kvm| = ${median_abs_diff_ns:-?} ns <= (width_ours + width_kvm) / 2 = $bound ns" \
	test "${median_abs_diff_ns:-999999999}" -le "$bound"
rmmod ptp_kvm
ktap_finished

# L2, the arm64 guest under KVM: ours loads (transport=auto finds the SMCCC KVM PTP
# service) beside C ptp_kvm, names its PHC and transport, and reads the host's time: a
# PHC read within a sane distance of the guest's CLOCK_REALTIME, every read working and
# never going backwards; reads per second through ours and through ptp_kvm.
# timeout: 120
. "$T/lib.sh"
ktap_header
ktap_plan 9
u0=$(cat /tmp/rig-userspace 2>/dev/null)
note "boot: L2 kernel uptime at userspace ${u0:-?} s; L1 uptime when it started L2's QEMU $(sed -n 's/.*rig\.l1qemu=\([^ ]*\).*/\1/p' /proc/cmdline) s"
note "L2: $(nproc) CPUs, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource), $(dmesg | grep -m1 'hypervisor services detected' | sed 's/^\[[^]]*\] //')"
log_mark
out=$(load_ours 2>&1)
rc=$?
printf '%s\n' "$out" | grep . | indent
result "$rc" "insmod ptp_vmclock_rs (transport=auto)"
module_lines | indent
check "C ptp_kvm loads beside it" load_kvm
ours=$(ptp_by_name "$OUR_NAME")
kvm=$(ptp_by_name "$KVM_NAME")
# L2's boot on L1's clock: L1's realtime when it started L2's QEMU (rig.l1qemu_us), and
# now through ptp_kvm's PHC (L1's CLOCK_REALTIME) less the L2 uptime since userspace.
q_us=$(sed -n 's/.*rig\.l1qemu_us=\([0-9]*\).*/\1/p' /proc/cmdline)
p=$(ptptool precise "${kvm:-/dev/none}" 2>/dev/null | awk '{ print $1 }')
u=$(up)
[ -z "$q_us" ] || [ -z "$p" ] || [ -z "$u0" ] ||
	note "boot: L2 userspace $(awk -v p="$p" -v u="$u" -v u0="$u0" -v q="$q_us" 'BEGIN { printf "%.2f", (p / 1000 - (u - u0) * 1e6 - q) / 1e6 }') s after L1 started L2's QEMU (L1's clock, via ptp_kvm; 10 ms uptime steps)"
note "ours ${ours:-none}, ptp_kvm ${kvm:-none}"
result "$([ -n "$ours" ] && [ -n "$kvm" ] && [ "$ours" != "$kvm" ] && echo 0)" \
	"two PHCs: clock_name '$OUR_NAME' (${ours:-none}) and '$KVM_NAME' (${kvm:-none})"
tr=$(cat "$STATUS/transport" 2>/dev/null)
result "$([ "$tr" = kvm ] && echo 0)" "status/transport is kvm (got '${tr:-no file}')"
for f in "$STATUS"/*; do [ -f "$f" ] && note "status/${f##*/}: $(head -c 200 "$f" | tr '\n' ' ')"; done
check "testptp -g on ours" ptp_ok "${ours:-/dev/none}" -g
# offset = PHC - CLOCK_REALTIME at the middle of the narrowest of 5 PTP_SYS_OFFSET
# brackets (ptptool offset). L2's CLOCK_REALTIME was set at boot from the PL031 RTC,
# which QEMU starts from L1's clock and which counts whole seconds: up to 1 s lost to
# the truncation plus L2's boot before hctosys (well under 1 s): |offset| < 2 s. The
# agreement with ptp_kvm (arm64-agree) is the tight check.
for d in "$ours" "$kvm"; do
	o=$(ptptool offset "${d:-/dev/none}" 5 2>&1 | awk '{ if ($2 < w || !w) { w = $2; o = $1 } } END { print o }')
	name=ours
	[ "$d" = "$ours" ] || name=ptp_kvm
	note "$name: PHC - CLOCK_REALTIME = ${o:-?} ns"
	result "$([ -n "$o" ] && [ "${o#-}" -lt 2000000000 ] && echo 0)" "$name: |PHC - CLOCK_REALTIME| < 2 s (${o:-?} ns)"
done
# reads: N clock_gettime() on each PHC; ptptool fails on any error or backwards step.
r0=$(cat "$STATUS/reads" 2>/dev/null)
for d in "$ours" "$kvm"; do
	name=ours
	[ "$d" = "$ours" ] || name=ptp_kvm
	out=$(ptptool reads "${d:-/dev/none}" 20000 2>&1)
	rc=$?
	ns=$(printf '%s\n' "$out" | sed -n 's/.*ns_per_read \([0-9]*\).*/\1/p')
	note "reads/s $name: $([ -n "$ns" ] && [ "$ns" -gt 0 ] && echo $((1000000000 / ns)) || echo '?') ($out)"
	[ "$name" = ptp_kvm ] && continue
	result $rc "ours: 20000 clock_gettime reads, no error, never backwards"
done
r1=$(cat "$STATUS/reads" 2>/dev/null)
result "$([ -n "$r0" ] && [ -n "$r1" ] && [ $((r1 - r0)) -ge 20000 ] && echo 0)" \
	"status/reads counted them (${r0:-?} -> ${r1:-?})"
finish

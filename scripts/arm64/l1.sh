# L1 (the arm64 KVM host under TCG) part of an arm64 rig run; /rig is the run directory
# (scripts/arm64/vm-run writes the variables at the top: L1_SCRIPTS, L2_SCRIPTS, L2_CPUS,
# L2_MEM, TEST_SLOWDOWN). First the scripts that run in L1 itself (no KVM PTP service
# above it), then L2 under KVM, which runs the rest; L2's console comes out on L1's
# prefixed "L2| " (vm-run separates the two). At the end L1's kernel log goes to
# /rig/dmesg-l1.
up() { cut -d' ' -f1 /proc/uptime; }
echo "rig: l1: $(nproc) CPUs, MemTotal $(sed -n 's/MemTotal: *//p' /proc/meminfo), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
if [ -n "$L1_SCRIPTS" ]; then
	# shellcheck disable=SC2086 # a list of names
	T=/rig/t MODLOAD=/rig/modload OUR_KO=$(ls /rig/ptp_vmclock_rs.ko 2>/dev/null) KVM_KO=/rig/ptp_kvm.ko RIG_LEVEL=l1 \
		TEST_SLOWDOWN=$TEST_SLOWDOWN sh /rig/t/guest-run $L1_SCRIPTS
fi
if [ -n "$L2_SCRIPTS" ]; then
	if [ -e /dev/kvm ]; then
		echo "rig: l1: starting L2 at uptime $(up) s"
		# L1's CLOCK_REALTIME in us now (busybox date has no %N): L2 reads L1's clock
		# through the PHC and so times its own boot from here (arm64-load).
		now_us=$(adjtimex | awk '/time.tv_sec/ { s = $2 } /time.tv_usec/ { u = $2 } END { printf "%d%06d", s, u }')
		# L2: the same kernel under KVM, one QEMU in the arm64 root; no NIC.
		chroot /r /usr/bin/qemu-system-aarch64 -nodefaults -no-reboot -display none \
			-accel kvm -M virt,gic-version=3 -cpu host -smp "$L2_CPUS" -m "$L2_MEM" \
			-kernel /mnt/rig/Image -initrd /mnt/rig/l2.cpio \
			-append "console=ttyAMA0 loglevel=1 log_buf_len=4M panic=-1 rig.role=l2 kunit.filter_glob=ptp_vmclock* rig.l1qemu=$(up) rig.l1qemu_us=$now_us" \
			-serial stdio </dev/null 2>&1 | sed 's/^/L2| /'
		echo "rig: l1: L2 QEMU ended at uptime $(up) s"
	else
		echo "rig: l1: no /dev/kvm: no L2"
	fi
fi
dmesg >/rig/dmesg-l1
echo "rig: l1: all done"

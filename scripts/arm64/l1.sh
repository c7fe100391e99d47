# L1 (KVM host under TCG) part of an arm64 rig run; /rig is the run directory.
up() { cut -d' ' -f1 /proc/uptime; }
echo "rig: l1: $(nproc) CPUs, MemTotal $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
dmesg | grep -iE 'kvm|hyp|EL2|psci|smccc|arch_timer|clocksource' | head -n 30 | sed 's/^/rig: l1 dmesg: /'
ls -l /dev/kvm 2>&1 | sed 's/^/rig: l1: /'
echo "rig: l1: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# The TCG-only case: L1 itself has no KVM PTP service above it (QEMU's EL3 firmware
# answers SMCCC), so ptp_kvm must refuse to load.
if insmod /rig/ptp_kvm.ko 2>/tmp/insmod.err; then
	echo "rig: l1: ptp_kvm LOADED under TCG (unexpected)"; rmmod ptp_kvm
else
	echo "rig: l1: ptp_kvm refused under TCG: $(cat /tmp/insmod.err)"
fi
# A Rust module (vm-run RUST_KO=): does this kernel load one?
for k in /rig/rust/*.ko; do
	[ -e "$k" ] || continue
	insmod "$k" && rmmod "$(basename "$k" .ko)"
	echo "rig: l1: Rust module insmod+rmmod rc=$?"; dmesg | tail -n 3 | sed 's/^/rig: l1 dmesg: /'
done
[ -e /dev/kvm ] || { echo "rig: l1: no /dev/kvm, no L2"; exit 1; }
free -m | sed 's/^/rig: l1 free: /'
echo "rig: l1: starting L2 at uptime $(up) s"
# L2: the same kernel under KVM, one QEMU in the arm64 root.
chroot /r /usr/bin/qemu-system-aarch64 -nodefaults -no-reboot -display none \
	-accel kvm -M virt,gic-version=3 -cpu host -smp "${L2_CPUS:-1}" -m "${L2_MEM:-256}" \
	-kernel /mnt/rig/Image -initrd /mnt/rig/l2.cpio \
	-append "console=ttyAMA0 loglevel=5 panic=-1 rig.role=l2" \
	-serial stdio </dev/null &
qpid=$!
( while kill -0 $qpid 2>/dev/null; do
	echo "rig: l1 mem: $(awk '/MemAvailable/ {print $2}' /proc/meminfo) kB available, qemu rss $(awk '/VmRSS/ {print $2}' /proc/$qpid/status 2>/dev/null) kB at $(up) s"
	sleep 10; done ) &
wait $qpid
echo "rig: l1: L2 QEMU exit $? at uptime $(up) s"

# L2 (test guest under KVM) part of an arm64 rig run: C ptp_kvm over the SMCCC KVM PTP
# service, the measurements issue 28 sizes its tests by. Tools are static in /bin.
up() { cut -d' ' -f1 /proc/uptime; }
# Elapsed times from /proc/uptime (10 ms steps; busybox date has no %N here).
t() { cut -d' ' -f1 /proc/uptime; }
el() { awk -v a="$1" -v b="$(t)" 'BEGIN { printf "%.2f", b - a }'; }
echo "rig: l2: $(nproc) CPUs, MemTotal $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
dmesg | grep -iE 'smccc|hypervisor|arch_timer|clocksource|ptp' | sed 's/^/rig: l2 dmesg: /'
echo "rig: l2: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
s=$(t)
insmod /ptp_kvm.ko || { echo "rig: l2: insmod ptp_kvm FAILED"; exit 1; }
echo "rig: l2: insmod ptp_kvm $(el "$s") s; $(cat /sys/class/ptp/ptp0/clock_name)"
s=$(t); testptp -d /dev/ptp0 -c | sed 's/^/rig: l2 testptp -c: /'; echo "rig: l2: testptp -c $(el "$s") s"
s=$(t); testptp -d /dev/ptp0 -g | sed 's/^/rig: l2 testptp -g: /'; echo "rig: l2: testptp -g $(el "$s") s"
s=$(t); testptp -d /dev/ptp0 -k 5 | sed 's/^/rig: l2 testptp -k 5: /'; echo "rig: l2: testptp -k 5 rc=$? $(el "$s") s"
s=$(t); testptp -d /dev/ptp0 -X | sed 's/^/rig: l2 testptp -X: /'; echo "rig: l2: testptp -X $(el "$s") s"
s=$(t); testptp -d /dev/ptp0 -x 5 | sed 's/^/rig: l2 testptp -x 5: /'; echo "rig: l2: testptp -x 5 $(el "$s") s"
s=$(t); ptptool precise /dev/ptp0 | sed 's/^/rig: l2 ptptool precise: /'; echo "rig: l2: ptptool precise $(el "$s") s"
s=$(t); ptptool offset /dev/ptp0 5 | sed 's/^/rig: l2 ptptool offset: /'; echo "rig: l2: ptptool offset x5 $(el "$s") s"
for n in 2000 20000; do
	s=$(t); ptptool reads /dev/ptp0 $n | sed 's/^/rig: l2 ptptool reads: /'; echo "rig: l2: $n reads in $(el "$s") s"
done
s=$(t); ptpbad -E /dev/ptp0 >/tmp/bad.out 2>&1; rc=$?
echo "rig: l2: ptpbad rc=$rc $(el "$s") s, $(grep -c . /tmp/bad.out) lines; last: $(tail -n1 /tmp/bad.out)"
# -E: C ptp_kvm has no gettimex64 (EXTENDED fails EOPNOTSUPP first). Any case that fails:
grep -iE '^(not ok|fail)' /tmp/bad.out | head -n 50 | sed 's/^/rig: l2 ptpbad: /'
if command -v phc2sys >/dev/null; then
	s=$(t)
	timeout "${PHC2SYS_S:-20}" phc2sys -s /dev/ptp0 -c CLOCK_REALTIME -O 0 -R 4 -m -q >/tmp/p.log 2>&1
	echo "rig: l2: phc2sys ran $(el "$s") s, $(grep -c offset /tmp/p.log) samples"
	grep offset /tmp/p.log | tail -n 6 | sed 's/^/rig: l2 phc2sys: /'
	# busybox awk here has no sqrt: the sum of squares, max and count; the host takes the root.
	awk '/offset/ { for (i = 1; i <= NF; i++) if ($i == "offset") v[n++] = $(i + 1) }
		END { h = int(n / 2); for (i = h; i < n; i++) { s += v[i] * v[i]; a = v[i] < 0 ? -v[i] : v[i]; if (a > m) m = a; c++ }
		if (c) printf "rig: l2: phc2sys second half: n %d sumsq %d max %d ns\n", c, s, m }' /tmp/p.log
else
	echo "rig: l2: no phc2sys in this initramfs"
fi
# rmmod under a reader: a reader running while the module goes.
ptptool readers /dev/ptp0 3 1 >/tmp/r.out 2>&1 &
rp=$!
sleep 1
s=$(t); rmmod ptp_kvm; echo "rig: l2: rmmod under a reader rc=$? $(el "$s") s"
wait $rp; echo "rig: l2: reader exit $? ($(tail -n1 /tmp/r.out))"
dmesg | grep -iE 'oops|bug|warn' | head -n 5 | sed 's/^/rig: l2 dmesg: /'
free -m | sed 's/^/rig: l2 free: /'
echo "rig: l2: tests done at uptime $(up) s"

# phc2sys disciplines CLOCK_REALTIME from ours: converges, then holds the offset.
# timeout: 240
. "$REPO/tests/lib.sh"
ktap_print_header
ktap_set_plan 2
module_loaded || insmod "$PTP_VMCLOCK_KO"
dev=$(ptp_by_name "$OUR_NAME")
# 4 updates/s for 30 s; the first 15 s are for convergence (the guest clock starts
# seconds off: phc2sys steps it, then the servo locks), the last 15 s are judged.
run_for 30 phc2sys -s "$dev" -c CLOCK_REALTIME -O 0 -R 4 -m -q >/tmp/phc2sys.log 2>&1
offs=$(awk '/phc offset/ { for (i = 1; i <= NF; i++) if ($i == "offset") print $(i + 1) }' /tmp/phc2sys.log)
n=$(wc -l <<<"$offs")
tail -n 5 /tmp/phc2sys.log | sed 's/^/# /'
check "phc2sys ran and reported offsets ($n samples)" test "$n" -ge 100
last=$(tail -n 60 <<<"$offs")
stats=$(awk '{ a = $1 < 0 ? -$1 : $1; s += $1 * $1; if (a > m) m = a } END { printf "rms=%.0f max=%d", sqrt(s / NR), m }' <<<"$last")
note "last 15 s: $stats ns"
max=${stats##*max=}
# Bound: 1 us: far above what phc2sys on ours holds in this rig, spikes included
# (Documentation/testing.rst, "The groups", has the figures), far below NTP's level
# (100s of us).
check "after convergence |offset| <= 1000 ns for 15 s ($stats ns)" test "$max" -le 1000
ktap_finished

# chrony-failover-sim.sh DIR STOP RESUME END [OURS_OPTS] [OTHER_OPTS]: how chronyd
# (the tree's, run with scripts/intree; no VM) treats a preferred refclock that stops
# giving samples, as a PHC under host_unsync=fail does (Documentation/ptp_vmclock.rst,
# "The host's clock status"). Two simulated refclocks (refclock SOCK, poll 2), OURS and
# ALT, get a sample every 0.25 s with 50 ns of Gaussian noise; OURS gets none from STOP
# to RESUME seconds after the start; the run ends at END. chronyd runs with -x (it does
# not touch the system clock). Every 5 s one line: each source's state and reach
# (chronyc sources) and its samples and their span (sourcestats); at the end chronyd's
# "Selected source" lines (DIR/chronyd.log).
#   scripts/intree bash tests/host/chrony-failover-sim.sh $CACHE/sim 60 240 330 \
#       "prefer" "maxsamples 8"
# DIR: a fresh directory, not world-accessible (chronyd's command socket lives there).
set -u
D=$1 STOP=$2 RESUME=$3 END=$4 OURS_OPTS=${5:-prefer} OTHER_OPTS=${6:-}
mkdir -p "$D" && chmod 750 "$D" && cd "$D" || exit 2
rm -f ./*.sock chronyd.pid
cat >chrony.conf <<EOF
refclock SOCK $D/ours.sock poll 2 offset 0 $OURS_OPTS refid OURS
refclock SOCK $D/other.sock poll 2 offset 0 $OTHER_OPTS refid ALT
cmdport 0
bindcmdaddress $D/chronyd.sock
pidfile $D/chronyd.pid
EOF
chronyd -x -d -u root -f "$D/chrony.conf" >chronyd.log 2>&1 &
c=$!
sleep 1
kill -0 $c 2>/dev/null || { cat chronyd.log; exit 1; }
python3 - "$D" "$STOP" "$RESUME" "$END" <<'EOF' &
import random, socket, struct, sys, time
d, stop, resume, end = sys.argv[1], *map(float, sys.argv[2:5])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
t0 = time.time()
while time.time() - t0 < end:
    now = time.time()
    for name in ("other", "ours"):
        if name == "ours" and stop <= now - t0 < resume:
            continue
        # struct sock_sample: timeval, offset, pulse, leap, padding, magic "SOCK".
        pkt = struct.pack("qqdiiii", int(now), int((now % 1) * 1e6),
                          random.gauss(0, 50e-9), 0, 0, 0, 0x534f434b)
        try:
            s.sendto(pkt, "%s/%s.sock" % (d, name))
        except OSError:
            pass
    time.sleep(0.25)
EOF
f=$!
t0=$SECONDS
while kill -0 $f 2>/dev/null; do
	echo "t=$((SECONDS - t0)) $(chronyc -h "$D/chronyd.sock" -n sources 2>/dev/null |
		awk '$2 == "OURS" || $2 == "ALT" { printf "%s %s reach %s, ", $1, $2, $5 }')$(
		chronyc -h "$D/chronyd.sock" -n sourcestats 2>/dev/null |
		awk '$1 == "OURS" || $1 == "ALT" { printf "%s NP %s span %s, ", $1, $2, $4 }')"
	sleep 5
done
kill $c
wait $c 2>/dev/null
grep 'Selected source' chronyd.log

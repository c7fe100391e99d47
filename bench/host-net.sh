#!/bin/bash
# bench/host-net.sh: runs on the KVM host (L2) before the test guest boots (vm-run
# --host-cmd). Gives the bench its NTP baseline: a tap device bench0 that exists only
# inside the L1 VM (the guest's QEMU attaches its virtio-net NIC to it; no route leads
# anywhere else) and a chronyd NTP server on it serving L2's own clock (-x: it never
# adjusts L2's clock). Link-local addresses: L2 169.254.77.1, the guest 169.254.77.2.
set -eu
ip tuntap add dev bench0 mode tap
ip addr add 169.254.77.1/24 dev bench0
ip link set bench0 up
mkdir -p /run/chrony /var/lib/chrony
cat >/run/chrony-server.conf <<CONF
# No source: serve the local clock (the host's time) at stratum 1, to the bench link only.
local stratum 1
allow 169.254.77.0/24
bindaddress 169.254.77.1
cmdport 0
pidfile /run/chrony/chronyd-server.pid
CONF
chronyd -x -u root -f /run/chrony-server.conf
echo "bench: L2 tap bench0 169.254.77.1/24 up, chronyd (NTP server, -x) pid $(cat /run/chrony/chronyd-server.pid 2>/dev/null)"

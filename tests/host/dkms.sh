#!/bin/bash
# tests/host/dkms.sh KDIR WORKDIR: DKMS builds and installs the module from
# scripts/integration/dkms.conf for the kernel in KDIR (run inside the tree by
# tests/run). WORKDIR/src/ptp_vmclock-<version>/ holds a copy of the source tree with
# dkms.conf beside it, as the file's own instructions say (/usr/src/... on a real
# system); DKMS's own trees and the installed module are kept in WORKDIR too.
set -euo pipefail
KDIR=$1 w=$2
conf=$(ls "$w"/src/*/dkms.conf)
v=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$conf")
kver=$(cat "$KDIR/include/config/kernel.release")
# The kernel's module directory, as the kernel package would have installed it.
mkdir -p "$w/tree" "$w/inst/$kver"
cp -a "$(dirname "$KDIR")/modroot/lib/modules/$kver/." "$w/inst/$kver/"
# DKMS runs depmod on /lib/modules/<version> whatever its --installtree: give it
# WORKDIR/inst there. tests/run runs this in the tree's private mount namespace
# (scripts/intree), so the bind mount ends with it and the system sees no change.
mount --bind "$w/inst" /usr/lib/modules
o=(--dkmstree "$w/tree" --sourcetree "$w/src")
echo "dkms $(dkms --version 2>&1 | head -n1); module ptp_vmclock/$v; kernel $kver ($KDIR)"
dkms add -m ptp_vmclock -v "$v" "${o[@]}"
dkms build -m ptp_vmclock -v "$v" -k "$kver" --kernelsourcedir "$KDIR" "${o[@]}"
dkms install -m ptp_vmclock -v "$v" -k "$kver" --kernelsourcedir "$KDIR" "${o[@]}" --force
ko=$(find "$w/inst/$kver" -name 'ptp_vmclock_rs.ko*' | head -n1)
[ -n "$ko" ] || { echo "no ptp_vmclock_rs.ko under $w/inst/$kver"; exit 1; }
echo "installed: ${ko#"$w/inst/"}"
vm=$(modinfo -F vermagic "$ko")
echo "vermagic: $vm"
[ "${vm%% *}" = "$kver" ] || { echo "vermagic does not match kernel $kver"; exit 1; }
st=$(dkms status "${o[@]}" -m ptp_vmclock -v "$v" -k "$kver")
echo "status: $st"
grep -q "installed" <<<"$st"
grep -q "^updates/dkms/ptp_vmclock_rs.ko:" "$w/inst/$kver/modules.dep" || { echo "depmod did not list the module"; exit 1; }
echo "modules.dep: $(grep "^updates/dkms/ptp_vmclock_rs.ko:" "$w/inst/$kver/modules.dep")"

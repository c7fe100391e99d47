# shellcheck shell=bash
# Common paths and helpers for ptp_vmclock's scripts. Source it; do not run it.
#
# Everything big lives in the cache, outside the repo:
#   $PTP_VMCLOCK_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/ptp_vmclock)
#     tree-<hash>/      the hermetic Debian trixie tree (toolchain, QEMU, linuxptp, ...)
#     kernel-<hash>/    the reference kernel source, patched, configured and built
#     runs/             per-run scratch directories of scripts/vm-run
# Each <hash> is computed from the repo files that define that artifact, so a change
# to them builds a new one and an unchanged repo reuses the old one.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PTP_VMCLOCK_CACHE=${PTP_VMCLOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ptp_vmclock}
CACHE=$PTP_VMCLOCK_CACHE
# Bumped when the recipe in scripts/setup changes in a way the inputs do not show.
TREE_RECIPE=3
KERNEL_RECIPE=1
# KERNEL: the kernel the module is built for and the test guest runs. The reference,
# 7.3, comes with the tree and is also the nested KVM host (L2) for every KERNEL; others
# (6.12) are source packages pinned in scripts/kernel-sources, built the same way.
KERNEL_REF=7.3
KERNEL=${KERNEL:-$KERNEL_REF}
# KERNEL_VARIANT=debug: the reference kernel plus config/debug/*.config (KASAN, lockdep,
# kmemleak, UBSAN, ...), cached apart from the plain one (make check-debug).
KERNEL_VARIANT=${KERNEL_VARIANT:-}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

hash_of() { cat "$@" | sha256sum | cut -c1-12; }

tree_key() {
	{ echo "recipe $TREE_RECIPE"; grep -v '^#' "$REPO/scripts/tree-packages"; } | sha256sum | cut -c1-12
}
TREE=$CACHE/tree-$(tree_key)/root

# The kernel build depends on the toolchain and source versions recorded in the lock
# file, the config fragments (and the variant's) and the host/ patch series.
kernel_key() {
	{
		echo "recipe $KERNEL_RECIPE kernel $KERNEL"
		grep -E '^(rustc|rust-src|bindgen|clang-19|llvm-19|lld-19|gcc-14|linux-source-[0-9.]+) ' \
			"$REPO/scripts/packages.lock" 2>/dev/null || true
		if [ "$KERNEL" = "$KERNEL_REF" ]; then
			for f in "$REPO"/config/*.config "$REPO"/host/*.patch; do
				[ ! -e "$f" ] || cat "$f"
			done
		else
			# Another kernel (KERNEL=6.12): its pinned source package, the common
			# fragments and its own; the host/ series targets the reference only.
			echo "source $(kernel_source)"
			for f in "$REPO"/config/*.config "$REPO/config/$KERNEL"/*.config; do
				[ ! -e "$f" ] || cat "$f"
			done
		fi
		if [ -n "$KERNEL_VARIANT" ]; then
			echo "variant $KERNEL_VARIANT"
			cat "$REPO/config/$KERNEL_VARIANT"/*.config
		fi
	} | sha256sum | cut -c1-12
}
# "PACKAGE VERSION" of a KERNEL other than the reference (scripts/kernel-sources).
kernel_source() {
	awk -v k="$KERNEL" '!/^#/ && $1 == k { print $2, $3 }' "$REPO/scripts/kernel-sources"
}
if [ "$KERNEL" != "$KERNEL_REF" ] && [ -z "$(kernel_source)" ]; then
	echo "KERNEL=$KERNEL: not the reference ($KERNEL_REF) nor in scripts/kernel-sources" >&2
	exit 2
fi
KDIR_REF=$CACHE/kernel-$(kernel_key)/linux
TOOLS=$CACHE/kernel-$(kernel_key)/tools
# copy_module_sources DIR: the module's sources (Kbuild, crate root, ptp_vmclock/) into
# DIR, for out-of-repo builds that leave the repo's in-place build alone.
copy_module_sources() {
	mkdir -p "$1/ptp_vmclock"
	cp "$REPO/Kbuild" "$REPO/ptp_vmclock.rs" "$1/"
	cp "$REPO"/ptp_vmclock/*.rs "$REPO"/ptp_vmclock/*.[ch] "$1/ptp_vmclock/"
}
# The nested KVM host (L2) runs the reference kernel: the plain one, or the variant
# HOST_VARIANT names (vm-run --host-variant debug: make check-debug's group host-debug).
HOST_VARIANT=${HOST_VARIANT:-}
host_kdir() { KERNEL=$KERNEL_REF KERNEL_VARIANT=$HOST_VARIANT kernel_key; }
KDIR_HOST=$CACHE/kernel-$(host_kdir)/linux

# The machine's TSC frequency in kHz: a nested KVM host needs it as tsc_early_khz=
# (see shared notes: under TCG the guest TSC runs at the machine's rate).
host_tsc_khz() {
	local mhz
	mhz=$(dmesg 2>/dev/null | sed -n 's/.*Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n1)
	[ -n "$mhz" ] || mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n1)
	[ -n "$mhz" ] || mhz=$(awk -F: '/^cpu MHz/ {gsub(/ /, "", $2); print $2; exit}' /proc/cpuinfo)
	awk -v m="$mhz" 'BEGIN { printf "%d\n", m * 1000 + 0.5 }'
}

# intree CMD...: run CMD inside the hermetic tree (a chroot in a private mount
# namespace) with the repo and the cache bind-mounted at their own paths, so every path
# means the same inside and outside.
intree() {
	[ -x "$TREE/usr/bin/rustc" ] || die "no tree at $TREE: run scripts/setup"
	unshare --mount --propagation private -- /bin/bash -c '
		set -e
		T=$1 R=$2 C=$3; shift 3
		mount -t proc proc "$T/proc"
		mount --rbind /sys "$T/sys"
		mount --rbind /dev "$T/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$T/tmp"
		mkdir -p "$T$R" "$T$C"
		mount --bind "$C" "$T$C"
		mount --bind "$R" "$T$R"
		cd "$PWD" 2>/dev/null || cd /
		exec chroot "$T" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
			LIBCLANG_PATH=/usr/lib/llvm-19/lib PTP_VMCLOCK_CACHE="$C" \
			${CI:+CI=$CI} ${V:+V=$V} \
			/bin/bash -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$PWD" "$@"
	' _ "$TREE" "$REPO" "$CACHE" "$@"
}

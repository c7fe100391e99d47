# SPDX-License-Identifier: GPL-2.0
#
# ptp_vmclock: out-of-tree build and project targets.
#
#   make                 build ptp_vmclock_rs.ko against KDIR
#   make KDIR=/path      ... against another Rust-enabled kernel build tree
#   make CLIPPY=1        ... with clippy lints (as the kernel does)
#   make clean | install
#   make install         modules_install: with the reference kernel into its module
#                        tree (the one every test VM uses as /usr/lib/modules), else
#                        into /lib/modules/<KDIR's release>/updates (INSTALL_MOD_PATH=
#                        and INSTALL_MOD_DIR= as for any out-of-tree module)
#   make setup           toolchain tree + reference kernel (cached; see scripts/setup)
#   make check           set-up + the whole test suite (tests/run)
#   make check-debug     the same on the debug kernel (KASAN, lockdep, kmemleak, UBSAN;
#                        config/debug/, cached apart: KERNEL_VARIANT=debug); the nested
#                        groups are skipped there, host-debug runs the host/ series'
#                        KVM selftest on a debug L2 (Documentation/testing.rst, "The debug kernel")
#   make check-debug-mock  only the group mock on the debug kernel (what CI adds)
#   make check-lifecycle   set-up + the test guest saved, restored and live-migrated, and
#                        a host leap second (tests/run --lifecycle; CI adds it when time allows)
#   make run             set-up + demo: phc2sys disciplining the guest clock from ours
#   make bench           set-up + benchmarks against C ptp_kvm and NTP (bench/results.md)
#   make check-stock     set-up + build for and run on Debian's unmodified 7.3 kernel
#                        (scripts/prepare-kdir, scripts/stock-test)
#   make check-arm64     the arm64 set-up (scripts/setup-arm64: its own tree packages,
#                        kernel and L1 root) + the module built for arm64 + the group
#                        arm64 in the arm64 nested rig (tests/run --arm64; issue 28)
#
# KDIR defaults to the cached reference kernel when it exists, else the running
# kernel's build directory. With the cached kernel every tool runs inside the hermetic
# tree (scripts/intree) with LLVM=-19, exactly as the kernel was built.

REF_KDIR := $(shell scripts/kdir 2>/dev/null)
KDIR ?= $(if $(REF_KDIR),$(REF_KDIR),/lib/modules/$(shell uname -r)/build)

ifeq ($(KDIR),$(REF_KDIR))
  INSTALL_MOD_PATH ?= $(dir $(KDIR))modroot
  # Already inside the tree (e.g. in a guest or a nested make)? Then no wrapper.
  INTREE := $(if $(wildcard /usr/lib/llvm-19/bin/clang),,scripts/intree)
  LLVM ?= -19
else
  INTREE :=
  # A clang-built kernel needs the same LLVM= for modules; gcc-built ones need none.
  LLVM ?= $(if $(shell grep -s '^CONFIG_CC_IS_CLANG=y' $(KDIR)/.config),1,)
endif

# PTP_VMCLOCK_TEST_BUILD goes on the command line: scripts/intree passes no environment.
KMAKE = $(INTREE) $(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(LLVM),LLVM=$(LLVM)) \
	$(if $(CLIPPY),CLIPPY=$(CLIPPY)) \
	$(if $(PTP_VMCLOCK_TEST_BUILD),PTP_VMCLOCK_TEST_BUILD=$(PTP_VMCLOCK_TEST_BUILD))

.PHONY: all modules clean install setup check check-arm64 check-debug check-debug-mock check-lifecycle check-quick check-stock run bench

all: modules

modules:
	$(KMAKE) modules

clean:
	$(KMAKE) clean

install:
	$(KMAKE) $(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install

setup:
	scripts/setup

# The test targets build the module as a test build (Kbuild: PTP_VMCLOCK_TEST_BUILD).
check check-quick check-debug check-debug-mock check-lifecycle check-arm64: export PTP_VMCLOCK_TEST_BUILD = 1

check: setup
	$(MAKE) modules
	tests/run

check-debug:
	KERNEL_VARIANT=debug $(MAKE) check

check-lifecycle: setup
	$(MAKE) modules
	tests/run --lifecycle

check-debug-mock:
	KERNEL_VARIANT=debug scripts/setup
	KERNEL_VARIANT=debug tests/run --only mock

# -v: the group's "# " lines carry the figures (boot times, reads/s, agreement,
# phc2sys) whether its tests pass or fail. tests/run builds the module for arm64.
check-arm64:
	scripts/setup-arm64
	tests/run --arm64 -v

check-stock: setup
	scripts/stock-test

check-quick: setup
	$(MAKE) modules
	tests/run --quick

run: setup
	$(MAKE) modules
	scripts/demo

bench: setup
	$(MAKE) modules
	scripts/bench

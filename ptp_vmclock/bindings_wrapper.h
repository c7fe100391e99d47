/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers for the bindings ptp_vmclock generates at build time (see Kbuild).
 *
 * Only the allowlisted items are generated; everything they refer to comes from the
 * kernel crate's own bindings. Never copy a struct layout by hand: include its header.
 */

#include <linux/cc_platform.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/reboot.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#ifdef CONFIG_X86
#include <uapi/linux/kvm_para.h>

#include <asm/kvm_para.h>
#include <asm/pgtable_types.h>
#include <asm/processor.h>
#include <asm/pvclock.h>
/* After asm/pvclock.h, which defines the struct this header dereferences. */
#include <asm/kvmclock.h>

#if __has_include("uapi/linux/vmclock-abi.h")
#include <uapi/linux/vmclock-abi.h>
#endif
#endif /* CONFIG_X86 */

#ifdef CONFIG_ARM64
/* The KVM PTP service: its discovery and the arch timer's cross timestamp. */
#include <linux/arm-smccc.h>
#include <linux/ptp_kvm.h>
#include <asm/hypervisor.h>
#endif

/* The module's own C helpers (helpers.c; compat_6_12.c on 6.12 only). */
#include "compat_6_12.h"
#include "helpers.h"

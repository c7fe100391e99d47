// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for the 6.12 kernel crate (see compat_6_12.h and compat.rs): what 7.x's
 * kernel crate wraps itself (kernel::cpu::CpuId::current()), the PTP
 * system timestamps, whose struct and inline readers differ between 6.12 and 7.x, and
 * the root device that stands in for 7.x's faux device (root_device_register(), a
 * macro).
 */
#include <linux/device.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/smp.h>

#include "compat_6_12.h"

unsigned int ptp_vmclock_raw_smp_processor_id(void)
{
	return raw_smp_processor_id();
}

void ptp_vmclock_read_system_prets(struct ptp_system_timestamp *sts)
{
	ptp_read_system_prets(sts);
}

void ptp_vmclock_read_system_postts(struct ptp_system_timestamp *sts)
{
	ptp_read_system_postts(sts);
}

struct device *ptp_vmclock_root_device_register(const char *name)
{
	return root_device_register(name);
}

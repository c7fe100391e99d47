// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for static inline kernel primitives (see helpers.h): the ordered TSC read
 * (rdtsc_ordered(): LFENCE/RDTSCP as the CPU needs), KVM detection and the KVM
 * hypercall, whose instruction (VMCALL or VMMCALL, patched by alternatives) and TDX
 * path the kernel chooses itself; and saving/restoring the interrupt state
 * (local_irq_save(), a macro).
 */
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <linux/irqflags.h>
#include <linux/kvm_para.h>

#include "helpers.h"

u64 ptp_vmclock_rdtsc_ordered(void)
{
	return rdtsc_ordered();
}

bool ptp_vmclock_kvm_para_available(void)
{
	return kvm_para_available();
}

long ptp_vmclock_kvm_hypercall2(unsigned int nr, unsigned long p1,
				unsigned long p2)
{
	return kvm_hypercall2(nr, p1, p2);
}

unsigned long ptp_vmclock_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void ptp_vmclock_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

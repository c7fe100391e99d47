// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for static inline kernel primitives (see helpers.h): the ordered TSC read
 * (rdtsc_ordered(): LFENCE/RDTSCP as the CPU needs), KVM detection and the KVM
 * hypercall, whose instruction (VMCALL or VMMCALL, patched by alternatives) and TDX
 * path the kernel chooses itself; saving/restoring the interrupt state
 * (local_irq_save(), a macro); and the per-CPU count of successful reads
 * (this_cpu_inc(), a macro), so that readers on different CPUs do not write one
 * shared cache line on every read.
 */
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <linux/irqflags.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>

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

static DEFINE_PER_CPU(u64, ptp_vmclock_reads);

void ptp_vmclock_reads_inc(void)
{
	this_cpu_inc(ptp_vmclock_reads);
}

u64 ptp_vmclock_reads_sum(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ptp_vmclock_reads, cpu);
	return sum;
}

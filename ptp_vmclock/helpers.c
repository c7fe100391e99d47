// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for static inline kernel primitives (see helpers.h): the ordered TSC read
 * (rdtsc_ordered(): LFENCE/RDTSCP as the CPU needs), KVM detection and the KVM
 * hypercall, whose instruction (VMCALL or VMMCALL, patched by alternatives) and TDX
 * path the kernel chooses itself; this CPU's kvm-clock pvclock page and the pvclock
 * read helpers (version section, TSC to kvm-clock conversion); saving/restoring the interrupt state
 * (local_irq_save(), a macro); and the per-CPU count of successful reads
 * (this_cpu_inc(), a macro), so that readers on different CPUs do not write one
 * shared cache line on every read.
 */
#include <asm/cpufeature.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/pvclock.h>
#include <asm/kvmclock.h>	/* after pvclock.h, which it needs */
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

bool ptp_vmclock_hypercall_is_vmmcall(void)
{
	/* The alternative kvm_hypercall*() patch in: VMMCALL where the CPU has it. */
	return cpu_feature_enabled(X86_FEATURE_VMMCALL);
}

struct pvclock_vcpu_time_info *ptp_vmclock_this_cpu_pvti(void)
{
	struct pvclock_vsyscall_time_info *p = this_cpu_hvclock();

	return p ? &p->pvti : NULL;
}

unsigned int ptp_vmclock_pvclock_read_begin(const struct pvclock_vcpu_time_info *src)
{
	return pvclock_read_begin(src);
}

bool ptp_vmclock_pvclock_read_retry(const struct pvclock_vcpu_time_info *src,
				    unsigned int version)
{
	return pvclock_read_retry(src, version);
}

u64 ptp_vmclock_pvclock_read_cycles(const struct pvclock_vcpu_time_info *src, u64 tsc)
{
	return __pvclock_read_cycles(src, tsc);
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

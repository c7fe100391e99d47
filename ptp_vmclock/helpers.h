/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers for kernel primitives that are static inlines (or asm alternatives) and so
 * cannot be called from Rust directly, in the manner of the files in rust/helpers/. Built into
 * the module for every supported kernel (see Kbuild).
 */
#ifndef PTP_VMCLOCK_HELPERS_H
#define PTP_VMCLOCK_HELPERS_H

#include <linux/compiler_types.h>
#include <linux/types.h>

unsigned long ptp_vmclock_local_irq_save(void);
void ptp_vmclock_local_irq_restore(unsigned long flags);
u64 __percpu *ptp_vmclock_percpu_u64_alloc(void);
void ptp_vmclock_percpu_u64_inc(u64 __percpu *counter);
u64 ptp_vmclock_percpu_u64_sum(u64 __percpu *counter);
struct device;
void ptp_vmclock_dev_set_drvdata(struct device *dev, void *data);
struct kobject;
void *ptp_vmclock_kobj_parent_drvdata(struct kobject *kobj);
int ptp_vmclock_dev_claim_drvdata(struct device *dev, void *data);

#ifdef CONFIG_X86
u64 ptp_vmclock_rdtsc_ordered(void);
bool ptp_vmclock_kvm_para_available(void);
long ptp_vmclock_kvm_hypercall2(unsigned int nr, unsigned long p1, unsigned long p2);
bool ptp_vmclock_hypercall_is_vmmcall(void);
struct pvclock_vcpu_time_info;
struct pvclock_vcpu_time_info *ptp_vmclock_this_cpu_pvti(void);
unsigned int ptp_vmclock_pvclock_read_begin(const struct pvclock_vcpu_time_info *src);
bool ptp_vmclock_pvclock_read_retry(const struct pvclock_vcpu_time_info *src,
				    unsigned int version);
u64 ptp_vmclock_pvclock_read_cycles(const struct pvclock_vcpu_time_info *src, u64 tsc);
bool ptp_vmclock_kvmclock_epoch(u64 *tsc_timestamp, u64 *system_time);
int ptp_vmclock_acpi_vmclock_resource(u64 *start, u64 *len);
void *ptp_vmclock_memremap_wb_dec(u64 start, u64 len);
bool ptp_vmclock_hypervisor_is_vmware(void);
unsigned long ptp_vmclock_vmware_pclk_gettime(u32 *nsec_hi, u32 *nsec_lo);
unsigned long ptp_vmclock_vmware_gettimefull(u32 *usec, u32 *max_lag, u32 *sec_lo);
#endif

#endif

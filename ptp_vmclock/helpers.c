// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for static inline kernel primitives (see helpers.h): the ordered TSC read
 * (rdtsc_ordered(): LFENCE/RDTSCP as the CPU needs), KVM detection and the KVM
 * hypercall, whose instruction (VMCALL or VMMCALL, patched by alternatives) and TDX
 * path the kernel chooses itself; this CPU's kvm-clock pvclock page and the pvclock
 * read helpers (version section, TSC to kvm-clock conversion); saving/restoring the
 * interrupt state (local_irq_save(), a macro); a per-CPU counter (alloc_percpu(),
 * this_cpu_inc(), macros), so that readers on different CPUs do not write one shared
 * cache line on every read; a device's driver data (inline accessors); and the ACPI vmclock device's page (upstream's
 * drivers/ptp/ptp_vmclock.c binds that device; this finds its memory resource without
 * binding it, so both modules load together) and its mapping with the flags upstream
 * uses; the VMware hypervisor's identification (x86_hyper_type) and its hypercalls,
 * issued as the kernel's vmware_hypercall*() issue them (port, VMCALL or VMMCALL as
 * the kernel detected, TDX through vmware_tdx_hypercall()). Everything hypervisor- or
 * TSC-specific is x86 only; arm64 needs none of it (its transport calls exported
 * functions: ptp_vmclock/kvm_arm64.rs).
 */
#ifdef CONFIG_X86
#include <asm/cpufeature.h>
#include <asm/hypervisor.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/pvclock.h>
#include <asm/kvmclock.h>	/* after pvclock.h, which it needs */
#include <asm/tsc.h>
#include <asm/vmware.h>
#include <linux/acpi.h>
#endif
#include <linux/device.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>
#include <linux/preempt.h>

#include "helpers.h"

#ifdef CONFIG_X86
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

/*
 * The kvm-clock epoch of the CPU this runs on: its pvclock page's tsc_timestamp and
 * system_time, read in one version section with preemption off (the page is this CPU's
 * from the first load to the last). Under KVM's master clock every vCPU's page holds the
 * same pair, and KVM rewrites it only when the VM's clock is set (KVM_SET_CLOCK: a
 * resume, a restore, a migration's destination) or the master clock is updated; a vCPU
 * never runs guest code with a page older than such an update. False without kvm-clock.
 */
bool ptp_vmclock_kvmclock_epoch(u64 *tsc_timestamp, u64 *system_time)
{
	struct pvclock_vsyscall_time_info *p;
	unsigned int version;
	bool ok = false;

	preempt_disable_notrace();
	p = this_cpu_hvclock();
	if (p) {
		do {
			version = pvclock_read_begin(&p->pvti);
			*tsc_timestamp = p->pvti.tsc_timestamp;
			*system_time = p->pvti.system_time;
		} while (pvclock_read_retry(&p->pvti, version));
		ok = true;
	}
	preempt_enable_notrace();
	return ok;
}
#endif /* CONFIG_X86 */

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

/* A per-CPU u64 counter (alloc_percpu(), a macro); freed with free_percpu(). */
u64 __percpu *ptp_vmclock_percpu_u64_alloc(void)
{
	return alloc_percpu(u64);
}

void ptp_vmclock_percpu_u64_inc(u64 __percpu *counter)
{
	this_cpu_inc(*counter);
}

u64 ptp_vmclock_percpu_u64_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

void ptp_vmclock_dev_set_drvdata(struct device *dev, void *data)
{
	dev_set_drvdata(dev, data);
}

/* The driver data of the device whose child kobject @kobj is (the status directory). */
void *ptp_vmclock_kobj_parent_drvdata(struct kobject *kobj)
{
	return dev_get_drvdata(kobj_to_dev(kobj->parent));
}

#ifdef CONFIG_X86
#if IS_ENABLED(CONFIG_ACPI)
/*
 * acpi_walk_resources() callback: the one memory resource of the vmclock device, as
 * upstream's vmclock_acpi_resources() accepts it (a second resource is an error).
 */
static acpi_status ptp_vmclock_acpi_res(struct acpi_resource *ares, void *data)
{
	struct resource *found = data;
	struct resource_win win;
	struct resource *res = &win.res;

	if (ares->type == ACPI_RESOURCE_TYPE_END_TAG)
		return AE_OK;

	if (resource_type(found) == IORESOURCE_MEM)
		return AE_ERROR;

	if (acpi_dev_resource_memory(ares, res) ||
	    acpi_dev_resource_address_space(ares, &win)) {
		if (resource_type(res) != IORESOURCE_MEM)
			return AE_ERROR;
		*found = *res;
		return AE_OK;
	}

	return AE_ERROR;
}
#endif

/*
 * The memory resource (_CRS) of the first ACPI device matching upstream's vmclock ids
 * (_HID or _CID "AMZNC10C" or "VMCLOCK", as its vmclock_acpi_ids[]). The device is only
 * looked at, never bound: upstream's driver may own it. Returns 0 and the resource, or
 * -ENODEV (no ACPI, no such device) or -EINVAL (no single memory resource).
 */
int ptp_vmclock_acpi_vmclock_resource(u64 *start, u64 *len)
{
#if IS_ENABLED(CONFIG_ACPI)
	static const char * const ids[] = { "AMZNC10C", "VMCLOCK" };
	struct acpi_device *adev = NULL;
	struct resource res = {};
	acpi_status status;
	int i;

	if (acpi_disabled)
		return -ENODEV;

	for (i = 0; i < ARRAY_SIZE(ids) && !adev; i++)
		adev = acpi_dev_get_first_match_dev(ids[i], NULL, -1);
	if (!adev)
		return -ENODEV;

	status = acpi_walk_resources(adev->handle, METHOD_NAME__CRS,
				     ptp_vmclock_acpi_res, &res);
	acpi_dev_put(adev);
	if (ACPI_FAILURE(status) || resource_type(&res) != IORESOURCE_MEM)
		return -EINVAL;

	*start = res.start;
	*len = resource_size(&res);
	return 0;
#else
	return -ENODEV;
#endif
}

/*
 * memremap() with upstream's flags for the page (write-back, decrypted under memory
 * encryption: the hypervisor writes it). NULL on failure; undone by memunmap().
 */
void *ptp_vmclock_memremap_wb_dec(u64 start, u64 len)
{
	return memremap(start, len, MEMREMAP_WB | MEMREMAP_DEC);
}

bool ptp_vmclock_hypervisor_is_vmware(void)
{
	return hypervisor_is_type(X86_HYPER_VMWARE);
}

/* The precision clock command upstream's ptp_vmw uses: 0 and the host's nanoseconds. */
#define PTP_VMCLOCK_VMWARE_CMD_PCLK_GETTIME	((0 << 16) | 97)

unsigned long ptp_vmclock_vmware_pclk_gettime(u32 *nsec_hi, u32 *nsec_lo)
{
	return vmware_hypercall3(PTP_VMCLOCK_VMWARE_CMD_PCLK_GETTIME, 0,
				 nsec_hi, nsec_lo);
}

#define PTP_VMCLOCK_VMWARE_CMD_GETTIMEFULL	46

/*
 * GETTIMEFULL: EAX the magic, EBX microseconds, ECX the maximum lag, EDX the seconds'
 * low word. Its ESI (the seconds' high word, zero until 2106) is clobbered but not
 * returned by vmware_hypercall4(), and no helper of the header returns EBX and ESI
 * together.
 */
unsigned long ptp_vmclock_vmware_gettimefull(u32 *usec, u32 *max_lag, u32 *sec_lo)
{
	return vmware_hypercall4(PTP_VMCLOCK_VMWARE_CMD_GETTIMEFULL, 0, usec, max_lag,
				 sec_lo);
}
#endif /* CONFIG_X86 */

/*
 * Makes @data the driver data of @dev unless the device holds some already (-EBUSY),
 * under the device lock, which the driver core holds while a driver binds or unbinds: a
 * device no driver's data claims (faux, root) goes to the first caller (sysfs.rs).
 */
int ptp_vmclock_dev_claim_drvdata(struct device *dev, void *data)
{
	int ret = 0;

	device_lock(dev);
	if (dev_get_drvdata(dev))
		ret = -EBUSY;
	else
		dev_set_drvdata(dev, data);
	device_unlock(dev);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers for the 6.12 kernel crate, which has no Rust wrappers for these static
 * inline functions and macros (used by ptp_vmclock/compat.rs; built only for 6.12).
 */
#ifndef PTP_VMCLOCK_COMPAT_6_12_H
#define PTP_VMCLOCK_COMPAT_6_12_H

unsigned int ptp_vmclock_raw_smp_processor_id(void);
struct ptp_system_timestamp;
void ptp_vmclock_read_system_prets(struct ptp_system_timestamp *sts);
void ptp_vmclock_read_system_postts(struct ptp_system_timestamp *sts);
struct device;
struct device *ptp_vmclock_root_device_register(const char *name);

#endif

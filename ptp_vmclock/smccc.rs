// SPDX-License-Identifier: GPL-2.0

//! arm64: KVM's PTP service over SMCCC, behind a safe type.
//!
//! KVM on arm64 offers the vendor hypervisor service `ARM_SMCCC_KVM_FUNC_PTP`
//! (arch/arm64/kvm/hypercalls.c): one HVC returns the host's `CLOCK_REALTIME` in
//! nanoseconds and the guest's arch counter, captured by the host at the same instant.
//! The guest kernel discovers the service at boot (drivers/firmware/smccc/kvm_guest.c,
//! `kvm_arm_hyp_service_available()`), and its arch timer driver makes the call
//! (drivers/clocksource/arm_arch_timer.c, `kvm_arch_ptp_get_crosststamp()`): it asks for
//! the virtual or the physical counter, whichever the guest's clocksource reads, and
//! names the clocksource the counter value belongs to. C `ptp_kvm` reads the service
//! through the same function; so does this module, rather than issuing the SMCCC call
//! with a counter choice of its own that could differ from the timer driver's.
//!
//! The arch timer exports that function only when the kernel has
//! `CONFIG_PTP_1588_CLOCK_KVM` (y or m): Kbuild refuses to build for arm64 otherwise.

use crate::bindings;
use crate::ptp::ClockSourceId;
use crate::time::Timespec;
use kernel::prelude::*;

/// Proof that the hypervisor offers KVM's PTP service: only [`KvmPtpService::discover`]
/// makes one, when the kernel's SMCCC discovery found the service.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KvmPtpService(());

/// One answer of the service: host time and the guest's counter at the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ServiceReading {
    /// The host's `CLOCK_REALTIME`.
    pub(crate) time: Timespec,
    /// The guest counter value (virtual or physical, as the arch timer reads it).
    pub(crate) cycles: u64,
    /// The clocksource the counter value belongs to (`CSID_ARM_ARCH_COUNTER`).
    pub(crate) cs_id: ClockSourceId,
}

impl KvmPtpService {
    /// The service, if the kernel's discovery at boot found it (a KVM guest whose host
    /// offers `ARM_SMCCC_KVM_FUNC_PTP`); `None` otherwise: no call is made.
    pub(crate) fn discover() -> Option<Self> {
        // SAFETY: No requirements: reads the service bitmap the SMCCC driver filled at
        // boot (`kvm_init_hyp_services()`); callable from any context.
        let found =
            unsafe { bindings::kvm_arm_hyp_service_available(bindings::ARM_SMCCC_KVM_FUNC_PTP) };
        found.then_some(Self(()))
    }

    /// Calls the service once (one HVC, no lock, no sleep: any context).
    ///
    /// Fails with `EOPNOTSUPP` when the host refuses the call (a negative first return
    /// register) and with `EIO` when it returns a time a `ktime_t` cannot hold.
    pub(crate) fn read(self) -> Result<ServiceReading> {
        let mut cycles = 0u64;
        let mut ts = bindings::timespec64::default();
        let mut cs_id: bindings::clocksource_ids = bindings::clocksource_ids_CSID_GENERIC;
        let (c, t, id) = (&raw mut cycles, &raw mut ts, &raw mut cs_id);
        // SAFETY: `c`, `t`, `id` are valid for writes during the call, the only memory it
        // writes (one SMCCC call, `arm_smccc_1_1_invoke()`, any context); `self` proves the
        // service was discovered, as the one caller upstream (C `ptp_kvm`) ensures.
        let ret = unsafe { bindings::kvm_arch_ptp_get_crosststamp(c, t, id) };
        kernel::error::to_result(ret)?;
        let nsec = i64::try_from(ts.tv_nsec).map_err(|_| EIO)?;
        let time = Timespec::new(ts.tv_sec, nsec).ok_or(EIO)?;
        Ok(ServiceReading {
            time,
            cycles,
            cs_id: ClockSourceId::from_raw(cs_id),
        })
    }
}

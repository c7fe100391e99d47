// SPDX-License-Identifier: GPL-2.0

//! The KVM transport on arm64: KVM's PTP service over SMCCC (smccc.rs).
//!
//! One HVC per read returns the host's `CLOCK_REALTIME` and the guest's arch counter
//! captured at the same instant, as C `ptp_kvm` reads it on arm64. Unlike C `ptp_kvm`,
//! which serializes every read of every CPU behind one spinlock and has no
//! `PTP_SYS_OFFSET_EXTENDED` on arm64, a read here takes no lock (the call has no buffer:
//! the answer comes back in registers) and serves the extended offsets: the system
//! timestamps bracket the one HVC with interrupts off, so no interrupt handler runs inside
//! the bracket. `PTP_SYS_OFFSET_PRECISE` pairs the host time with the arch counter
//! (clocksource `arch_sys_counter`). The service states no host clock status and serves
//! UTC only.

use crate::compat;
use crate::params::Config;
use crate::smccc::{KvmPtpService, ServiceReading};
use crate::time::Timespec;
use crate::transport::{Bracket, Counter, PairedReading, ProbeError, Report, Transport};
use kernel::prelude::*;

/// The KVM PTP service, found and answering.
pub(crate) struct Kvm {
    service: KvmPtpService,
}

impl Kvm {
    /// What the probe learned: nothing beyond the time (the service states no status).
    pub(crate) fn probe_report(&self) -> Report {
        Report::default()
    }
}

impl Transport for Kvm {
    const NAME: &'static str = "kvm";

    fn probe(_config: &Config) -> Result<Self, ProbeError> {
        let Some(service) = KvmPtpService::discover() else {
            return Err(ProbeError::unavailable(
                "no KVM PTP service (not a KVM guest, or the host does not offer ARM_SMCCC_KVM_FUNC_PTP)",
            ));
        };
        // One call, as ptp_kvm's probe read: a service that is listed but refuses to
        // answer is not served from.
        match service.read() {
            Ok(_) => Ok(Self { service }),
            Err(e) => Err(ProbeError {
                err: ENODEV,
                reason: if e == EOPNOTSUPP {
                    "the KVM PTP service refused the call"
                } else {
                    "the KVM PTP service returned a time out of range"
                },
            }),
        }
    }

    fn read(&self, bracket: &mut impl Bracket, _report: &mut Report) -> Result<Timespec> {
        let service = self.service;
        let reading = compat::with_irqs_off(|| {
            bracket.before();
            let r = service.read();
            bracket.after();
            r
        })?;
        Ok(reading.time)
    }

    fn has_counter(&self) -> bool {
        true
    }

    fn read_paired(&self, counter: Counter, _report: &mut Report) -> Result<PairedReading> {
        let ServiceReading {
            time,
            cycles,
            cs_id,
        } = self.service.read()?;
        // The arch timer names the clocksource its counter value belongs to; a value of
        // another clocksource cannot be paired with `counter`.
        if cs_id != crate::clock::counter_cs_id(counter) {
            return Err(ENODEV);
        }
        Ok(PairedReading { time, cycles })
    }
}

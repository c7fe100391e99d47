// SPDX-License-Identifier: GPL-2.0

//! The `vmport` transport: the VMware hypervisor's backdoor, as upstream's `ptp_vmw`
//! speaks it.
//!
//! It is used only where the kernel identified a VMware hypervisor (`x86_hyper_type`):
//! elsewhere, including QEMU's `vmport` device under KVM or TCG, nothing is touched. The
//! commands go through the kernel's VMware hypercall code (helpers.c: I/O port, VMCALL or
//! VMMCALL as the kernel detected, TDX through `vmware_tdx_hypercall()`). The time comes
//! from the precision clock command `ptp_vmw` uses (97, `PCLK_GETTIME`: EAX 0 and the
//! host's nanoseconds in EBX:ECX); where the host lacks it, from `GETTIMEFULL` (46: EAX =
//! magic, ESI:EDX = the host's `gettimeofday()` seconds, EBX = microseconds, ECX = the
//! maximum time lag in microseconds; the kernel's helper does not return ESI, the
//! seconds' high word, which is zero until 2106). Neither pairs the time with a guest counter: no
//! `PTP_SYS_OFFSET_PRECISE`, only brackets around the hypercall.

use crate::hypercall::VmwareGuest;
use crate::params::Config;
use crate::time::{Timespec, NSEC_PER_SEC};
use crate::transport::{Bracket, NoBracket, ProbeError, Report, Transport};
use kernel::ffi::c_ulong;
use kernel::prelude::*;

/// The backdoor's magic number (`'VMXh'`), which `GETTIMEFULL` answers in EAX.
pub(crate) const MAGIC: u32 = 0x564D_5868;

/// The registers a `GETTIMEFULL` answers in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Regs {
    /// EAX.
    pub(crate) eax: u32,
    /// EBX.
    pub(crate) ebx: u32,
    /// ECX.
    pub(crate) ecx: u32,
    /// EDX.
    pub(crate) edx: u32,
    /// ESI.
    pub(crate) esi: u32,
}

/// Decodes a `GETTIMEFULL` answer into host time and the host's maximum time lag (us).
///
/// Fails with `EIO` when the command failed or the host's values are out of range.
pub(crate) fn decode_time_full(r: &Regs) -> Result<(Timespec, u32)> {
    if r.eax != MAGIC {
        return Err(EIO);
    }
    let sec = (u64::from(r.esi) << 32) | u64::from(r.edx);
    let sec = i64::try_from(sec).map_err(|_| EIO)?;
    if r.ebx >= 1_000_000 {
        return Err(EIO);
    }
    let nsec = i64::from(r.ebx) * 1000;
    let t = Timespec::new(sec, nsec).ok_or(EIO)?;
    Ok((t, r.ecx))
}

/// Decodes a `PCLK_GETTIME` answer: EAX 0, the host's nanoseconds in `hi`:`lo`.
///
/// Fails with `EIO` when the command failed or the time is beyond `ktime_t`.
pub(crate) fn decode_pclk(eax: c_ulong, hi: u32, lo: u32) -> Result<Timespec> {
    if eax != 0 {
        return Err(EIO);
    }
    let ns = i64::try_from((u64::from(hi) << 32) | u64::from(lo)).map_err(|_| EIO)?;
    Timespec::new(ns / NSEC_PER_SEC, ns % NSEC_PER_SEC).ok_or(EIO)
}

/// The command that serves the time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `PCLK_GETTIME` (97): nanoseconds.
    Pclk,
    /// `GETTIMEFULL` (46): microseconds.
    TimeFull,
}

/// The vmport transport. Each read is one hypercall and no shared state but the lag, so
/// concurrent readers on different CPUs never wait on each other.
pub(crate) struct Vmport {
    vmware: VmwareGuest,
    cmd: Command,
    /// The host's maximum time lag the probe's `GETTIMEFULL` answered.
    probe_lag_us: Option<u32>,
}

impl Vmport {
    /// Issues `cmd`; the host time it answers (`GETTIMEFULL`'s maximum time lag goes to
    /// `report`).
    fn get(
        vmware: VmwareGuest,
        cmd: Command,
        bracket: &mut impl Bracket,
        report: &mut Report,
    ) -> Result<Timespec> {
        match cmd {
            Command::Pclk => {
                bracket.before();
                let (eax, hi, lo) = vmware.pclk_gettime();
                bracket.after();
                decode_pclk(eax, hi, lo)
            }
            Command::TimeFull => {
                bracket.before();
                let (eax, ebx, ecx, edx) = vmware.gettimefull();
                bracket.after();
                // The command answers in EAX, the low half of the register returned.
                let r = Regs {
                    eax: eax as u32,
                    ebx,
                    ecx,
                    edx,
                    esi: 0,
                };
                let (t, lag) = decode_time_full(&r)?;
                report.max_lag_us = Some(lag);
                Ok(t)
            }
        }
    }
}

impl Transport for Vmport {
    const NAME: &'static str = "vmport";

    fn probe(_config: &Config) -> Result<Self, ProbeError> {
        let Some(vmware) = VmwareGuest::detect() else {
            return Err(ProbeError::unavailable(
                "the kernel did not identify a VMware hypervisor (x86_hyper_type): backdoor not touched",
            ));
        };
        for cmd in [Command::Pclk, Command::TimeFull] {
            let mut report = Report::default();
            if Self::get(vmware, cmd, &mut NoBracket, &mut report).is_ok() {
                return Ok(Self {
                    vmware,
                    cmd,
                    probe_lag_us: report.max_lag_us,
                });
            }
        }
        Err(ProbeError::unavailable(
            "the VMware hypervisor serves neither PCLK_GETTIME (97) nor GETTIMEFULL (46)",
        ))
    }

    fn read(&self, bracket: &mut impl Bracket, report: &mut Report) -> Result<Timespec> {
        Self::get(self.vmware, self.cmd, bracket, report)
    }
}

impl Vmport {
    /// What the probe learned: the host's maximum time lag.
    pub(crate) fn probe_report(&self) -> Report {
        Report {
            max_lag_us: self.probe_lag_us,
            ..Report::default()
        }
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_vmport)]
mod tests {
    use super::*;

    #[test]
    fn vmport_answers() {
        // GETTIMEFULL: ESI:EDX seconds, EBX microseconds, ECX max lag.
        let ok = Regs {
            eax: MAGIC,
            ebx: 123_456,
            ecx: 1_000_000,
            edx: 0x6ae3_2c00,
            esi: 0,
        };
        let (t, lag) = decode_time_full(&ok).unwrap();
        assert_eq!(
            (t.sec(), t.nsec(), lag),
            (0x6ae3_2c00, 123_456_000, 1_000_000)
        );
        let high = Regs { esi: 1, ..ok };
        assert_eq!(decode_time_full(&high).unwrap().0.sec(), 0x1_6ae3_2c00);
        // Failure answer, microseconds out of range, seconds beyond ktime_t: EIO.
        assert_eq!(
            decode_time_full(&Regs {
                eax: u32::MAX,
                ..ok
            }),
            Err(EIO)
        );
        assert_eq!(
            decode_time_full(&Regs {
                ebx: 1_000_000,
                ..ok
            }),
            Err(EIO)
        );
        assert_eq!(
            decode_time_full(&Regs {
                esi: 0x8000_0000,
                ..ok
            }),
            Err(EIO)
        );
        assert_eq!(
            decode_time_full(&Regs {
                esi: 0x4000_0000,
                ..ok
            }),
            Err(EIO)
        );
    }

    #[test]
    fn pclk_answers() {
        // EAX 0, nanoseconds in EBX:ECX (high:low), as upstream's ptp_vmw decodes them.
        let t = decode_pclk(0, 0x17a2, 0xb3c4_d5e6).unwrap();
        let ns = (0x17a2i64 << 32) | 0xb3c4_d5e6;
        assert_eq!(
            (t.sec(), t.nsec()),
            (ns / 1_000_000_000, ns % 1_000_000_000)
        );
        assert_eq!(decode_pclk(0, 0, 0).map(|t| t.as_nanos()), Ok(0));
        // A failed command, a time beyond i64 nanoseconds: EIO.
        assert_eq!(decode_pclk(1, 0, 5), Err(EIO));
        assert_eq!(decode_pclk(c_ulong::MAX, 0, 5), Err(EIO));
        assert_eq!(decode_pclk(0, u32::MAX, 0), Err(EIO));
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The `vmport` transport: the VMware backdoor I/O port, which VMware hypervisors implement
//! natively and QEMU implements in its `vmport` device (under TCG and under KVM alike).
//!
//! A command is an `in eax, dx` with EAX = the magic `0x564D5868`, ECX = the command and
//! DX = port `0x5658`; the hypervisor answers in the registers. `GETVERSION` (10) answers the
//! magic in EBX when the port is there; `GETTIMEFULL` (46) answers EAX = magic, ESI:EDX = the
//! host's `gettimeofday()` seconds (high:low), EBX = microseconds and ECX = the maximum time
//! lag in microseconds. The host time has microsecond resolution and is not paired with a
//! guest counter: no `PTP_SYS_OFFSET_PRECISE`, only brackets around the port access.
//!
//! The port is only touched when CPUID says a hypervisor is present: on bare metal the
//! port may belong to real hardware.

use crate::compat::{Atomic, Relaxed};
use crate::params::Config;
use crate::time::Timespec;
use crate::transport::{Bracket, ProbeError, Transport};
use core::arch::asm;
use kernel::prelude::*;

/// The host's maximum time lag (us) from the latest `GETTIMEFULL` answer, for sysfs.
static MAX_LAG_US: Atomic<u32> = Atomic::new(0);

/// The host's maximum time lag in microseconds, as the latest read reported it.
pub(crate) fn max_lag_us() -> u32 {
    MAX_LAG_US.load(Relaxed)
}

/// The backdoor's magic number (`'VMXh'`).
pub(crate) const MAGIC: u32 = 0x564D_5868;
/// The backdoor's I/O port (`'VX'`).
pub(crate) const PORT: u16 = 0x5658;
/// Command: get the backdoor version; EBX answers [`MAGIC`] when present.
pub(crate) const CMD_GETVERSION: u32 = 10;
/// Command: get the host time with 64-bit seconds.
pub(crate) const CMD_GETTIMEFULL: u32 = 46;

/// The registers a backdoor command answers in.
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

/// Issues backdoor command `cmd` and returns the registers it answered in.
///
/// # Safety
///
/// Must only be called under a hypervisor (CPUID hypervisor bit set): on bare metal the
/// port may belong to a real device.
unsafe fn backdoor(cmd: u32) -> Regs {
    let (eax, ebx, ecx, edx, esi): (u32, u64, u32, u32, u32);
    // Rust reserves RBX for LLVM, so the EBX input and output travel in a scratch register
    // swapped with RBX around the `in`; RBX holds its original value again when the block
    // ends. An absent port reads as all ones in EAX and leaves the other registers as they
    // were, which the callers check.
    // SAFETY: `in` from the backdoor port is a plain VM exit under a hypervisor (caller's
    // contract) and changes only the registers declared here (RBX restored, see above).
    unsafe {
        asm!(
            "xchg {bx}, rbx",
            "in eax, dx",
            "xchg {bx}, rbx",
            bx = inout(reg) u64::from(!MAGIC) => ebx,
            inout("eax") MAGIC => eax,
            inout("ecx") cmd => ecx,
            inout("edx") u32::from(PORT) => edx,
            inout("esi") 0u32 => esi,
            inout("edi") 0u32 => _,
            options(nostack, preserves_flags),
        );
    }
    Regs {
        eax,
        // Only the low half carries EBX; the upper half is what `xchg` found in RBX.
        ebx: ebx as u32,
        ecx,
        edx,
        esi,
    }
}

/// Whether CPUID says this CPU runs under a hypervisor (CPUID.1:ECX bit 31).
fn hypervisor_present() -> bool {
    // SAFETY: `cpuid` exists on every x86-64 CPU and has no side effects.
    let leaf1 = unsafe { core::arch::x86_64::__cpuid(1) };
    leaf1.ecx & (1 << 31) != 0
}

/// Whether a `GETVERSION` answer shows a backdoor.
pub(crate) fn version_ok(r: &Regs) -> bool {
    r.ebx == MAGIC && r.eax != u32::MAX
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

/// The vmport transport. Stateless: each read is one port access, so concurrent readers
/// on different CPUs never wait on each other.
pub(crate) struct Vmport;

impl Transport for Vmport {
    const NAME: &'static str = "vmport";

    fn probe(_config: &Config) -> Result<Self, ProbeError> {
        if !hypervisor_present() {
            return Err(ProbeError::unavailable(
                "no hypervisor (CPUID hypervisor bit clear): port 0x5658 not touched",
            ));
        }
        // SAFETY: A hypervisor is present (checked above).
        let v = unsafe { backdoor(CMD_GETVERSION) };
        if !version_ok(&v) {
            return Err(ProbeError::unavailable(
                "no VMware backdoor at port 0x5658 (GETVERSION did not answer the magic)",
            ));
        }
        let t = Vmport;
        t.read(&mut crate::transport::NoBracket)
            .map_err(|_| ProbeError::unavailable("the backdoor does not serve GETTIMEFULL (46)"))?;
        Ok(t)
    }

    fn read(&self, bracket: &mut impl Bracket) -> Result<Timespec> {
        bracket.before();
        // SAFETY: `probe` succeeded, so a hypervisor with the backdoor is present.
        let r = unsafe { backdoor(CMD_GETTIMEFULL) };
        bracket.after();
        let (t, lag) = decode_time_full(&r)?;
        MAX_LAG_US.store(lag, Relaxed);
        Ok(t)
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_vmport)]
mod tests {
    use super::*;

    #[test]
    fn vmport_answers() {
        let absent = Regs {
            eax: u32::MAX,
            ebx: !MAGIC,
            ..Regs::default()
        };
        assert!(!version_ok(&absent));
        assert!(version_ok(&Regs {
            eax: 6,
            ebx: MAGIC,
            ..Regs::default()
        }));
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
}

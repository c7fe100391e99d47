// SPDX-License-Identifier: GPL-2.0

//! The KVM transport: the `KVM_HC_CLOCK_PAIRING` hypercall.
//!
//! The host writes its `CLOCK_REALTIME` and the guest's TSC at the same instant into a
//! `struct kvm_clock_pairing` whose guest physical address the hypercall passes. Unlike C
//! `ptp_kvm`, which shares one buffer behind a global spinlock, every possible CPU has its
//! own buffer, each behind its own lock: a reader locks the buffer of the CPU it runs on, so
//! readers on different CPUs never wait for each other (the lock only matters if a reader
//! migrates between choosing and locking its slot). The lock also disables interrupts, which
//! pins the reader to its CPU (needed for the per-CPU pvclock page) and keeps interrupts out
//! of the window between the system timestamps that bracket the hypercall.

use crate::bindings;
use crate::compat::{eopnotsupp, new_spinlock_irq, nr_cpu_ids, CpuId, SpinLockIrq};
use crate::hypercall::{KvmGuest, PairingBuffer, ReplyClock};
use crate::params::Config;
use crate::sys::{self, PvclockSection};
use crate::time::Timespec;
use crate::transport::{
    Bracket, Counter, HostStatus, Leap, NoBracket, PairedReading, ProbeError, Report, Transport,
};
use kernel::prelude::*;

// --- Clock types and host status (host/*.patch ABI) ---------------------------------------
//
// A patched host (host/*.patch) serves clock type `KVM_CLOCK_PAIRING_TAI` (1, `ReplyClock`
// in hypercall.rs) and fills the host's time status in the former padding, flagged by
// `KVM_CLOCK_PAIRING_F_STATUS`; an old host answers type 1 with -KVM_EOPNOTSUPP. The flag
// and status bits are mirrored here so the pure decoding below builds (and is tested)
// against any tree; when the target header has the ABI (cfg `ptp_vmclock_host_status`, set
// by Kbuild) they are checked against it.

/// `kvm_clock_pairing.flags`: the status fields are valid.
pub(crate) const F_STATUS: u32 = 1 << 0;
/// `kvm_clock_pairing.flags`: `tsc` is not valid (host clocksource not TSC-based).
pub(crate) const F_TSC_INVALID: u32 = 1 << 1;
/// `kvm_clock_pairing.status`: the host clock is synchronised (no `STA_UNSYNC`).
pub(crate) const STATUS_SYNC: u32 = 1 << 0;
/// `kvm_clock_pairing.status`: a leap second will be inserted at the end of the UTC day.
pub(crate) const STATUS_LEAP_INS: u32 = 1 << 1;
/// `kvm_clock_pairing.status`: a leap second will be deleted at the end of the UTC day.
pub(crate) const STATUS_LEAP_DEL: u32 = 1 << 2;

#[cfg(ptp_vmclock_host_status)]
const _: () = {
    assert!(F_STATUS == bindings::KVM_CLOCK_PAIRING_F_STATUS);
    assert!(F_TSC_INVALID == bindings::KVM_CLOCK_PAIRING_F_TSC_INVALID);
    assert!(STATUS_SYNC == bindings::KVM_CLOCK_PAIRING_STATUS_SYNC);
    assert!(STATUS_LEAP_INS == bindings::KVM_CLOCK_PAIRING_STATUS_LEAP_INS);
    assert!(STATUS_LEAP_DEL == bindings::KVM_CLOCK_PAIRING_STATUS_LEAP_DEL);
};

pub(crate) use crate::params::Timescale;

/// Which clock-pairing interface to use (`clock_pairing=` parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PairingChoice {
    /// Clock type 1 with status when the host serves it, else type 0 (the default).
    Auto,
    /// Only the upstream clock type 0 (UTC, no status), e.g. to test the fallback.
    Legacy,
}

impl PairingChoice {
    /// The accepted values, for messages.
    pub(crate) const VALID: &'static str = "auto|legacy";

    /// Parses the parameter value; an absent or empty value means [`PairingChoice::Auto`].
    pub(crate) fn parse(value: &[u8]) -> Result<Self> {
        match value {
            b"" | b"auto" => Ok(PairingChoice::Auto),
            b"legacy" => Ok(PairingChoice::Legacy),
            _ => Err(EINVAL),
        }
    }
}

/// Decodes the host status of a reply, or `None` when `flags` lacks `F_STATUS`.
///
/// A reply that announces both an inserted and a deleted leap second is contradictory; it
/// is reported as no pending leap.
#[cfg_attr(not(ptp_vmclock_host_status), allow(dead_code))]
pub(crate) fn decode_status(
    flags: u32,
    status: u32,
    maxerror_us: u32,
    esterror_us: u32,
    tai_offset: i32,
) -> Option<HostStatus> {
    if flags & F_STATUS == 0 {
        return None;
    }
    let leap = match (status & STATUS_LEAP_INS != 0, status & STATUS_LEAP_DEL != 0) {
        (true, false) => Leap::Ins,
        (false, true) => Leap::Del,
        _ => Leap::None,
    };
    Some(HostStatus {
        sync: status & STATUS_SYNC != 0,
        leap,
        maxerror_us,
        esterror_us,
        tai_offset,
    })
}

/// UTC from a TAI time and the TAI - UTC offset the host read with it, or `None` when the
/// (untrusted) offset takes the result out of range.
pub(crate) fn utc_from_tai(tai: Timespec, tai_offset: i32) -> Option<Timespec> {
    Timespec::new(tai.sec().checked_sub(i64::from(tai_offset))?, tai.nsec())
}

/// The instruction that enters the hypervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insn {
    /// Intel VMX (and most others).
    Vmcall,
    /// AMD SVM (AMD and Hygon CPUs).
    Vmmcall,
}

impl Insn {
    /// The mnemonic, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Insn::Vmcall => "vmcall",
            Insn::Vmmcall => "vmmcall",
        }
    }
}

/// The instruction the kernel's KVM hypercalls use on this CPU (for messages): VMMCALL
/// where the CPU has it (AMD, Hygon), else VMCALL, as `kvm_hypercall*()` pick it.
fn hypercall_insn() -> Insn {
    if sys::hypercall_is_vmmcall() {
        Insn::Vmmcall
    } else {
        Insn::Vmcall
    }
}

/// Maps the return value of `KVM_HC_CLOCK_PAIRING` to a Linux error.
pub(crate) fn map_hypercall_ret(ret: i64) -> Result {
    const EOPNOTSUPP_RET: i64 = -(bindings::KVM_EOPNOTSUPP as i64);
    const ENOSYS_RET: i64 = -(bindings::KVM_ENOSYS as i64);
    match ret {
        0 => Ok(()),
        // The host cannot pair clocks right now (not TSC-based, TSC catch-up, ...).
        EOPNOTSUPP_RET => Err(eopnotsupp()),
        // The host does not know the hypercall.
        ENOSYS_RET => Err(ENODEV),
        // -KVM_EFAULT or anything unexpected.
        _ => Err(EIO),
    }
}

/// The reply of one hypercall.
type Reply = bindings::kvm_clock_pairing;

/// One CPU's hypercall buffer behind its own lock, which disables interrupts while held.
type Slot = Pin<KBox<SpinLockIrq<PairingBuffer>>>;

/// Allocates a slot.
fn new_slot() -> Result<Slot> {
    KBox::pin_init(
        new_spinlock_irq!(PairingBuffer::new()?, "ptp_vmclock_kvm_slot"),
        GFP_KERNEL,
    )
}

/// The KVM transport.
pub(crate) struct Kvm {
    guest: KvmGuest,
    insn: Insn,
    slots: KVec<Slot>,
    /// Whether the per-CPU pvclock pages can be used (kvm-clock cross timestamps).
    pvclock_ok: bool,
    /// The clock type every hypercall asks for.
    clock_type: ReplyClock,
    /// The time scale served (TAI only with clock type 1).
    timescale: Timescale,
    /// Whether the host's TSC values are valid (false: no cross timestamps).
    tsc_valid: bool,
    /// `clock_pairing=legacy`: clock type 0 and nothing newer.
    legacy_only: bool,
    /// The host status of the probe's read (clock type 1).
    probe_host: Option<HostStatus>,
}

/// How often a kvm-clock paired read retries when the pvclock page changes under it.
pub(crate) const PVCLOCK_RETRIES: usize = 16;

impl Kvm {
    /// The hypercall instruction in use.
    pub(crate) fn insn(&self) -> Insn {
        self.insn
    }

    /// The proof that this is a KVM guest.
    pub(crate) fn guest(&self) -> KvmGuest {
        self.guest
    }

    /// The time scale served.
    pub(crate) fn timescale(&self) -> Timescale {
        self.timescale
    }

    /// Whether the per-CPU pvclock pages can be used (kvm-clock cross timestamps).
    pub(crate) fn pvclock_ok(&self) -> bool {
        self.pvclock_ok
    }

    fn new(guest: KvmGuest, insn: Insn) -> Result<Self> {
        let cpus = usize::try_from(nr_cpu_ids()).map_err(|_| EINVAL)?;
        let mut slots = KVec::with_capacity(cpus, GFP_KERNEL)?;
        for _ in 0..cpus {
            slots.push(new_slot()?, GFP_KERNEL)?;
        }
        Ok(Self {
            guest,
            insn,
            slots,
            pvclock_ok: sys::pvclock_available(),
            clock_type: ReplyClock::Wallclock,
            timescale: Timescale::Utc,
            tsc_valid: true,
            legacy_only: false,
            probe_host: None,
        })
    }

    /// Whether `clock_pairing=legacy` asked for upstream's clock type 0 alone.
    pub(crate) fn legacy_only(&self) -> bool {
        self.legacy_only
    }

    /// Whether replies carry the host status (clock type 1).
    fn has_status(&self) -> bool {
        self.clock_type != ReplyClock::Wallclock
    }

    /// The clock-pairing interface in use, as `status/clock_pairing` shows it.
    pub(crate) fn clock_pairing(&self) -> &'static str {
        if self.has_status() {
            "tai-status"
        } else {
            "legacy"
        }
    }

    /// What the probe learned: the host status of its read.
    pub(crate) fn probe_report(&self) -> Report {
        Report {
            host: self.probe_host,
            ..Report::default()
        }
    }

    /// One hypercall on this CPU's slot, for probing.
    #[cfg(ptp_vmclock_host_status)]
    fn read_buf(&self) -> Result<Reply> {
        let slot = self.slot()?;
        let mut guard = slot.lock();
        self.hypercall(&mut guard, &mut NoBracket)
    }

    /// Tries clock type 1; on success switches to it (returns whether it did).
    #[cfg(ptp_vmclock_host_status)]
    fn try_tai(&mut self) -> bool {
        self.clock_type = ReplyClock::Tai;
        let ok = self.read_buf().and_then(|buf| {
            self.host_time(&buf, &mut Report::default())
                .map(|_| buf.flags)
        });
        match ok {
            Ok(flags) => {
                self.tsc_valid = flags & F_TSC_INVALID == 0;
                true
            }
            // An old host refuses type 1 (-KVM_EOPNOTSUPP): fall back silently to type 0.
            Err(_) => {
                self.clock_type = ReplyClock::Wallclock;
                false
            }
        }
    }

    /// Without the ABI in the target headers only clock type 0 exists.
    #[cfg(not(ptp_vmclock_host_status))]
    fn try_tai(&mut self) -> bool {
        false
    }

    /// Host time from a filled buffer, validated, in the configured time scale; the host
    /// status carried by clock type 1 goes to `report`.
    fn host_time(&self, buf: &Reply, report: &mut Report) -> Result<Timespec> {
        let t = Timespec::new(buf.sec, buf.nsec).ok_or(EIO)?;
        if !self.has_status() {
            return Ok(t);
        }
        let st = buf_status(buf).ok_or(EIO)?;
        report.host = Some(st);
        match self.timescale {
            Timescale::Tai => Ok(t),
            Timescale::Utc => utc_from_tai(t, st.tai_offset).ok_or(EIO),
        }
    }

    /// The slot of the CPU this runs on (or slot 0 should the id be out of range).
    fn slot(&self) -> Result<&Slot> {
        let cpu = CpuId::current().as_u32() as usize;
        self.slots
            .get(cpu)
            .or_else(|| self.slots.first())
            .ok_or(EIO)
    }

    /// Runs one hypercall with the locked slot `buf` and returns its reply.
    ///
    /// `bracket` runs immediately around the hypercall. The caller holds the slot's lock, so
    /// interrupts are off and the CPU cannot change.
    fn hypercall(&self, buf: &mut PairingBuffer, bracket: &mut impl Bracket) -> Result<Reply> {
        bracket.before();
        let ret = buf.call(self.guest, self.clock_type);
        bracket.after();
        map_hypercall_ret(ret)?;
        Ok(buf.reply())
    }
}

/// The host status of a filled buffer, if it carries one.
#[cfg(ptp_vmclock_host_status)]
fn buf_status(b: &Reply) -> Option<HostStatus> {
    decode_status(
        b.flags,
        b.status,
        b.maxerror_us,
        b.esterror_us,
        b.tai_offset,
    )
}

/// Without the ABI in the target headers a buffer never carries a status.
#[cfg(not(ptp_vmclock_host_status))]
fn buf_status(_buf: &Reply) -> Option<HostStatus> {
    None
}

impl Transport for Kvm {
    const NAME: &'static str = "kvm";
    const MAY_SERVE_TAI: bool = true;

    fn probe(config: &Config) -> Result<Self, ProbeError> {
        let Some(guest) = KvmGuest::detect() else {
            return Err(ProbeError::unavailable(
                "not a KVM guest (no KVMKVMKVM signature in CPUID 0x40000000..0x4000ff00)",
            ));
        };
        if sys::guest_mem_encrypted() {
            return Err(ProbeError::unavailable(
                "guest memory is encrypted (SEV/TDX): shared hypercall buffers not implemented",
            ));
        }
        let mut kvm = Self::new(guest, hypercall_insn()).map_err(|err| ProbeError {
            err,
            reason: "cannot allocate the per-CPU hypercall buffers",
        })?;
        kvm.timescale = config.timescale;
        kvm.legacy_only = config.pairing == PairingChoice::Legacy;
        if !kvm.legacy_only {
            kvm.try_tai();
        }
        let mut report = Report::default();
        match kvm.read(&mut NoBracket, &mut report) {
            Ok(_) => {
                kvm.probe_host = report.host;
                Ok(kvm)
            }
            Err(e) if e == eopnotsupp() => Err(ProbeError::unavailable(
                "host refuses KVM_HC_CLOCK_PAIRING (host clocksource not TSC-based, or TSC catch-up)",
            )),
            Err(e) if e == ENODEV => Err(ProbeError::unavailable(
                "host does not implement KVM_HC_CLOCK_PAIRING",
            )),
            Err(_) => Err(ProbeError::unavailable(
                "KVM_HC_CLOCK_PAIRING probe returned an error or an invalid time",
            )),
        }
    }

    fn read(&self, bracket: &mut impl Bracket, report: &mut Report) -> Result<Timespec> {
        let slot = self.slot()?;
        let mut guard = slot.lock();
        let buf = self.hypercall(&mut guard, bracket)?;
        drop(guard);
        self.host_time(&buf, report)
    }

    /// Clock type 1 states TAI and its offset.
    fn serves_tai(&self) -> bool {
        self.has_status()
    }

    fn has_counter(&self) -> bool {
        self.tsc_valid
    }

    fn read_paired(&self, counter: Counter, report: &mut Report) -> Result<PairedReading> {
        let slot = self.slot()?;
        let mut guard = slot.lock();
        match counter {
            Counter::Tsc => {
                let buf = self.hypercall(&mut guard, &mut NoBracket)?;
                drop(guard);
                if buf.flags & F_TSC_INVALID != 0 {
                    return Err(eopnotsupp());
                }
                Ok(PairedReading {
                    time: self.host_time(&buf, report)?,
                    cycles: buf.tsc,
                })
            }
            Counter::KvmClock => {
                if !self.pvclock_ok {
                    return Err(ENODEV);
                }
                // Interrupts are off (slot lock): this is the CPU that makes the hypercall,
                // and the TSC the host returns is this vCPU's.
                for _ in 0..PVCLOCK_RETRIES {
                    let section = PvclockSection::begin().ok_or(ENODEV)?;
                    let buf = self.hypercall(&mut guard, &mut NoBracket)?;
                    let Some(cycles) = section.end(buf.tsc) else {
                        continue;
                    };
                    drop(guard);
                    if buf.flags & F_TSC_INVALID != 0 {
                        return Err(eopnotsupp());
                    }
                    return Ok(PairedReading {
                        time: self.host_time(&buf, report)?,
                        cycles,
                    });
                }
                Err(EAGAIN)
            }
        }
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_kvm)]
mod tests {
    use super::*;

    #[test]
    fn hypercall_instruction_names() {
        assert_eq!(Insn::Vmcall.name(), "vmcall");
        assert_eq!(Insn::Vmmcall.name(), "vmmcall");
    }

    #[test]
    fn hypercall_errors_map_to_linux_errnos() {
        assert_eq!(map_hypercall_ret(0), Ok(()));
        assert_eq!(map_hypercall_ret(-95), Err(eopnotsupp()));
        assert_eq!(map_hypercall_ret(-1000), Err(ENODEV));
        assert_eq!(map_hypercall_ret(-14), Err(EIO));
        assert_eq!(map_hypercall_ret(1), Err(EIO));
        assert_eq!(map_hypercall_ret(i64::MIN), Err(EIO));
    }

    #[test]
    fn timescale_and_clock_pairing_parameters() {
        assert_eq!(Timescale::parse(b""), Ok(Timescale::Utc));
        assert_eq!(Timescale::parse(b"utc"), Ok(Timescale::Utc));
        assert_eq!(Timescale::parse(b"tai"), Ok(Timescale::Tai));
        assert_eq!(Timescale::parse(b"TAI"), Err(EINVAL));
        assert_eq!(Timescale::parse(b"tai\n"), Err(EINVAL));
        assert_eq!(Timescale::parse(b"gps"), Err(EINVAL));
        assert_eq!(Timescale::Tai.name(), "tai");
        assert_eq!(Timescale::Utc.name(), "utc");
        assert_eq!(PairingChoice::parse(b""), Ok(PairingChoice::Auto));
        assert_eq!(PairingChoice::parse(b"auto"), Ok(PairingChoice::Auto));
        assert_eq!(PairingChoice::parse(b"legacy"), Ok(PairingChoice::Legacy));
        assert_eq!(PairingChoice::parse(b"tai-status"), Err(EINVAL));
    }

    #[test]
    fn host_status_decoding() {
        // Type 0 replies (flags 0) carry no status, whatever the padding holds.
        assert_eq!(decode_status(0, STATUS_SYNC, 1, 2, 37), None);
        assert_eq!(decode_status(F_TSC_INVALID, STATUS_SYNC, 1, 2, 37), None);
        assert_eq!(
            decode_status(F_STATUS, STATUS_SYNC | STATUS_LEAP_INS, 1234, 56, 37),
            Some(HostStatus {
                sync: true,
                leap: Leap::Ins,
                maxerror_us: 1234,
                esterror_us: 56,
                tai_offset: 37,
            })
        );
        let st = decode_status(F_STATUS | F_TSC_INVALID, STATUS_LEAP_DEL, u32::MAX, 0, -5);
        assert_eq!(st.map(|s| (s.sync, s.leap)), Some((false, Leap::Del)));
        assert_eq!(
            st.map(|s| (s.maxerror_us, s.tai_offset)),
            Some((u32::MAX, -5))
        );
        // Contradictory leap bits: no pending leap; unknown bits are ignored.
        let st = decode_status(F_STATUS, STATUS_LEAP_INS | STATUS_LEAP_DEL | 0xf0, 0, 0, 0);
        assert_eq!(st.map(|s| (s.sync, s.leap)), Some((false, Leap::None)));
        assert_eq!(Leap::None.name(), "none");
        assert_eq!(Leap::Ins.name(), "ins");
        assert_eq!(Leap::Del.name(), "del");
    }

    #[test]
    fn utc_from_tai_is_checked() {
        use crate::time::KTIME_SEC_MAX;
        let tai = Timespec::new(1_700_000_037, 123_456_789).unwrap();
        let utc = utc_from_tai(tai, 37).map(|t| (t.sec(), t.nsec()));
        assert_eq!(utc, Some((1_700_000_000, 123_456_789)));
        assert_eq!(utc_from_tai(tai, 0).map(|t| t.sec()), Some(1_700_000_037));
        // A negative offset moves forward; results outside 0..=KTIME_SEC_MAX are refused
        // instead of overflowing (the offset comes from the host).
        assert_eq!(utc_from_tai(tai, -3).map(|t| t.sec()), Some(1_700_000_040));
        let small = Timespec::new(10, 0).unwrap();
        assert!(utc_from_tai(small, 11).is_none());
        assert!(utc_from_tai(small, i32::MAX).is_none());
        let top = Timespec::new(KTIME_SEC_MAX, 0).unwrap();
        assert!(utc_from_tai(top, -1).is_none());
        assert!(utc_from_tai(top, i32::MIN).is_none());
        let zero = Timespec::new(0, 0).unwrap();
        assert_eq!(utc_from_tai(zero, i32::MIN).map(|t| t.sec()), Some(1 << 31));
        assert_eq!(utc_from_tai(zero, 0).map(|t| t.sec()), Some(0));
    }
}

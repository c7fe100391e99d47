// SPDX-License-Identifier: GPL-2.0

//! The `vmclock` transport: host time from a page in the vmclock ABI
//! (`include/uapi/linux/vmclock-abi.h`), read with one ordered TSC read and no VM exit.
//!
//! The guest hands KVM a page of its own (clock type `KVM_CLOCK_PAIRING_VMCLOCK` of
//! `KVM_HC_CLOCK_PAIRING`, host/0007). KVM keeps it in the vmclock ABI with TAI as the
//! time type, rewrites it on every host timekeeper update and at least every
//! `KVM_VMCLOCK_REFRESH_MS`, and marks it unusable when it cannot pair its time with the
//! guest TSC. A read is a seqcount section around one TSC read; the time at that TSC is
//! `time_sec + time_frac_sec + ((tsc - counter_value) * period >> shift)` in units of
//! 2^-64 s, exactly as upstream's C `ptp_vmclock` computes it, so a hypervisor-filled page
//! reads the same way.
//!
//! A read falls back to the hypercall (the `kvm` transport wrapped here) when the page is
//! marked unusable, its seqcount does not settle within [`SEQ_ATTEMPTS`], it is older than
//! [`MAX_AGE_FRAC`] or holds values no valid page can hold. A stale page (its host stopped
//! updating it: after a live migration the destination's KVM knows nothing of the
//! registration) is registered again, at most once per [`REREGISTER_INTERVAL_NS`].
//! Unloading the module, reboot and kexec unregister the page before it is freed.
//!
//! An ACPI vmclock device's page (device.rs: AWS Nitro, QEMU, Firecracker) is read by the
//! same reader ([`PageSource`]) and decoder; when it knows the time and its counter is the
//! TSC it serves instead of a registered page ([`Vmclock::with_kvm`]). Its disruption
//! marker and VM generation counter have the registered page registered again at once
//! ([`Vmclock::disrupted`]).

use crate::bindings;
use crate::compat::{self, smp_mb, Atomic, Read, Relaxed};
use crate::device::DevicePage;
#[cfg(ptp_vmclock_test_build)]
use crate::device::DisruptionWatch;
use crate::hypercall::{KvmGuest, VmclockPage};
use crate::kvm::{self, Kvm, Timescale};
use crate::params::Config;
use crate::sys::{self, rdtsc_ordered, PvclockSection, RebootHandler, RebootNotifier};
use crate::time::{Timespec, NSEC_PER_SEC};
pub(crate) use crate::transport::Fallback;
use crate::transport::{
    Bracket, Counter, HostStatus, Leap, NoBracket, PageVersion, PairedReading, ProbeError, Report,
    Transport,
};
use kernel::prelude::*;
use kernel::sync::Arc;

// --- The page layout ---------------------------------------------------------------------
//
// Offsets of the fields of `struct vmclock_abi` (all little-endian) and of the KVM extras
// after it. 6.12's headers lack the ABI, so the offsets are spelled out here; wherever the
// target tree has the headers they are checked against them at build time.

const OFF_MAGIC: usize = 0;
pub(crate) const OFF_SIZE: usize = 4;
pub(crate) const OFF_VERSION: usize = 8;
const OFF_COUNTER_ID: usize = 10;
const OFF_TIME_TYPE: usize = 11;
const OFF_SEQ_COUNT: usize = 12;
const OFF_DISRUPTION_MARKER: usize = 16;
pub(crate) const OFF_FLAGS: usize = 24;
const OFF_CLOCK_STATUS: usize = 34;
const OFF_TAI_OFFSET_SEC: usize = 36;
const OFF_LEAP_INDICATOR: usize = 38;
const OFF_COUNTER_PERIOD_SHIFT: usize = 39;
const OFF_COUNTER_VALUE: usize = 40;
const OFF_COUNTER_PERIOD_FRAC_SEC: usize = 48;
const OFF_TIME_SEC: usize = 72;
const OFF_TIME_FRAC_SEC: usize = 80;
const OFF_TIME_ESTERROR_NANOSEC: usize = 88;
const OFF_TIME_MAXERROR_NANOSEC: usize = 96;
const OFF_VM_GENERATION_COUNTER: usize = 104;
/// `sizeof(struct vmclock_abi)`, where the KVM extras start.
pub(crate) const ABI_SIZE: usize = 112;
/// `struct kvm_vmclock_extra.generation`: host timekeeper updates KVM had seen.
const OFF_KVM_GENERATION: usize = 112;
/// `struct kvm_vmclock_extra.unusable`: why KVM marked the page unusable.
const OFF_KVM_UNUSABLE: usize = 120;

pub(crate) const VMCLOCK_MAGIC: u32 = 0x4b4c_4356;
const COUNTER_X86_TSC: u8 = 1;
#[cfg(ptp_vmclock_test_build)]
const COUNTER_INVALID: u8 = 0xff;
const TIME_UTC: u8 = 0;
const TIME_TAI: u8 = 1;
const FLAG_TAI_OFFSET_VALID: u64 = 1 << 0;
const FLAG_TIME_ESTERROR_VALID: u64 = 1 << 5;
const FLAG_TIME_MAXERROR_VALID: u64 = 1 << 6;
const FLAG_VM_GEN_COUNTER_PRESENT: u64 = 1 << 8;
#[cfg(ptp_vmclock_test_build)]
const STATUS_UNKNOWN: u8 = 0;
const STATUS_SYNCHRONIZED: u8 = 2;
const STATUS_FREERUNNING: u8 = 3;
const STATUS_UNRELIABLE: u8 = 4;
const LEAP_PRE_POS: u8 = 1;
const LEAP_PRE_NEG: u8 = 2;

#[cfg(ptp_vmclock_vmclock_abi)]
const _: () = {
    use bindings::vmclock_abi as A;
    use core::mem::{offset_of, size_of};
    assert!(offset_of!(A, magic) == OFF_MAGIC);
    assert!(offset_of!(A, size) == OFF_SIZE);
    assert!(offset_of!(A, version) == OFF_VERSION);
    assert!(offset_of!(A, counter_id) == OFF_COUNTER_ID);
    assert!(offset_of!(A, time_type) == OFF_TIME_TYPE);
    assert!(offset_of!(A, seq_count) == OFF_SEQ_COUNT);
    assert!(offset_of!(A, disruption_marker) == OFF_DISRUPTION_MARKER);
    assert!(offset_of!(A, flags) == OFF_FLAGS);
    assert!(offset_of!(A, clock_status) == OFF_CLOCK_STATUS);
    assert!(offset_of!(A, tai_offset_sec) == OFF_TAI_OFFSET_SEC);
    assert!(offset_of!(A, leap_indicator) == OFF_LEAP_INDICATOR);
    assert!(offset_of!(A, counter_period_shift) == OFF_COUNTER_PERIOD_SHIFT);
    assert!(offset_of!(A, counter_value) == OFF_COUNTER_VALUE);
    assert!(offset_of!(A, counter_period_frac_sec) == OFF_COUNTER_PERIOD_FRAC_SEC);
    assert!(offset_of!(A, time_sec) == OFF_TIME_SEC);
    assert!(offset_of!(A, time_frac_sec) == OFF_TIME_FRAC_SEC);
    assert!(offset_of!(A, time_esterror_nanosec) == OFF_TIME_ESTERROR_NANOSEC);
    assert!(offset_of!(A, time_maxerror_nanosec) == OFF_TIME_MAXERROR_NANOSEC);
    assert!(offset_of!(A, vm_generation_counter) == OFF_VM_GENERATION_COUNTER);
    assert!(size_of::<A>() == ABI_SIZE);
    assert!(bindings::VMCLOCK_MAGIC == VMCLOCK_MAGIC);
    assert!(bindings::VMCLOCK_COUNTER_X86_TSC as u8 == COUNTER_X86_TSC);
    assert!(bindings::VMCLOCK_TIME_UTC as u8 == TIME_UTC);
    assert!(bindings::VMCLOCK_TIME_TAI as u8 == TIME_TAI);
    assert!(bindings::VMCLOCK_FLAG_TAI_OFFSET_VALID as u64 == FLAG_TAI_OFFSET_VALID);
    assert!(bindings::VMCLOCK_FLAG_TIME_ESTERROR_VALID as u64 == FLAG_TIME_ESTERROR_VALID);
    assert!(bindings::VMCLOCK_FLAG_TIME_MAXERROR_VALID as u64 == FLAG_TIME_MAXERROR_VALID);
    assert!(bindings::VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT as u64 == FLAG_VM_GEN_COUNTER_PRESENT);
    assert!(bindings::VMCLOCK_STATUS_SYNCHRONIZED as u8 == STATUS_SYNCHRONIZED);
    #[cfg(ptp_vmclock_test_build)]
    assert!(bindings::VMCLOCK_STATUS_UNKNOWN as u8 == STATUS_UNKNOWN);
    #[cfg(ptp_vmclock_test_build)]
    assert!(bindings::VMCLOCK_COUNTER_INVALID as u8 == COUNTER_INVALID);
    assert!(bindings::VMCLOCK_STATUS_FREERUNNING as u8 == STATUS_FREERUNNING);
    assert!(bindings::VMCLOCK_STATUS_UNRELIABLE as u8 == STATUS_UNRELIABLE);
    assert!(bindings::VMCLOCK_LEAP_PRE_POS as u8 == LEAP_PRE_POS);
    assert!(bindings::VMCLOCK_LEAP_PRE_NEG as u8 == LEAP_PRE_NEG);
};

#[cfg(ptp_vmclock_host_vmclock)]
const _: () = {
    use bindings::kvm_vmclock_extra as E;
    use core::mem::{offset_of, size_of};
    assert!(ABI_SIZE + offset_of!(E, generation) == OFF_KVM_GENERATION);
    assert!(ABI_SIZE + offset_of!(E, unusable) == OFF_KVM_UNUSABLE);
    // The bytes KVM maintains: the ABI and its extras.
    assert!(ABI_SIZE + size_of::<E>() == 128);
};

// --- Bounds ------------------------------------------------------------------------------

/// How often a reader tries to find the seqcount even and unchanged around its read. The
/// host rewrites 16 words between the two seqcount updates, so a reader that finds it odd
/// waits well under a microsecond unless the writer was preempted mid-update; then the
/// hypercall serves the read rather than spinning on.
pub(crate) const SEQ_ATTEMPTS: usize = 256;

/// The oldest page a read trusts: 0.5 s, in 2^-64 s (the unit of the page's arithmetic).
///
/// KVM rewrites the page on every timekeeper update and at least every 100 ms
/// (`KVM_VMCLOCK_REFRESH_MS`), so a page five refresh periods old has a host that stopped
/// writing it (a live migration or restore) or is badly overloaded; either way the
/// hypercall is the better source. It also bounds the extrapolation: the page's rounding
/// is exact for deltas of seconds (host/0007), far beyond this.
pub(crate) const MAX_AGE_FRAC: u128 = 1 << 63;

/// The oldest page of an ACPI vmclock device (device.rs) a read trusts: one day, in
/// 2^-64 s.
///
/// The hypervisor maintains that page on its own schedule (upstream's C driver trusts it
/// at any age while its status says the time is known), so [`MAX_AGE_FRAC`], made for
/// KVM's 100 ms refresh, does not apply. A day bounds the extrapolation (and the
/// arithmetic) for a host that stopped maintaining it without saying so.
pub(crate) const DEVICE_MAX_AGE_FRAC: u128 = 86_400 << 64;

/// The least time between two registrations of a stale page, in nanoseconds.
pub(crate) const REREGISTER_INTERVAL_NS: u64 = 1_000_000_000;

// --- Pure decoding -------------------------------------------------------------------------

/// The fields of a page as one seqcount section read them, and the TSC read inside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) magic: u32,
    pub(crate) size: u32,
    pub(crate) version: u16,
    pub(crate) counter_id: u8,
    pub(crate) time_type: u8,
    pub(crate) seq: u32,
    pub(crate) disruption_marker: u64,
    pub(crate) flags: u64,
    pub(crate) clock_status: u8,
    pub(crate) tai_offset_sec: i16,
    pub(crate) leap_indicator: u8,
    pub(crate) shift: u8,
    pub(crate) counter_value: u64,
    pub(crate) period: u64,
    pub(crate) time_sec: u64,
    pub(crate) time_frac_sec: u64,
    pub(crate) esterror_ns: u64,
    pub(crate) maxerror_ns: u64,
    pub(crate) vm_generation: u64,
    /// KVM extra: host timekeeper generation (0 in a page KVM did not write).
    pub(crate) kvm_generation: u64,
    /// KVM extra: why KVM marked the page unusable.
    pub(crate) kvm_unusable: u32,
    /// The guest TSC read inside the section.
    pub(crate) tsc: u64,
}

/// What a valid page says at the TSC of its snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageReading {
    /// The time in the page's time type.
    pub(crate) time: Timespec,
    /// Whether `time` is TAI (else UTC).
    pub(crate) is_tai: bool,
    /// TAI - UTC, if the page says.
    pub(crate) tai_offset: Option<i32>,
    /// The host's time status as the page states it.
    pub(crate) status: HostStatus,
}

impl PageReading {
    /// The time in `timescale`, or `None` when the page lacks the TAI offset to convert.
    pub(crate) fn in_timescale(&self, timescale: Timescale) -> Option<Timespec> {
        match (timescale, self.is_tai) {
            (Timescale::Tai, true) | (Timescale::Utc, false) => Some(self.time),
            (Timescale::Utc, true) => kvm::utc_from_tai(self.time, self.tai_offset?),
            (Timescale::Tai, false) => {
                let sec = self.time.sec().checked_add(i64::from(self.tai_offset?))?;
                Timespec::new(sec, self.time.nsec())
            }
        }
    }
}

/// The age in microseconds at TSC value `tsc` of a page whose time belongs to TSC value
/// `counter_value`, with counter period `period` 2^-(64 + `shift`) s: 0 for a page from the
/// future, saturated at `u64::MAX`.
pub(crate) fn age_us(tsc: u64, counter_value: u64, period: u64, shift: u8) -> u64 {
    if shift >= 64 {
        return u64::MAX;
    }
    let delta = tsc.saturating_sub(counter_value);
    // Below 2^128: one 64 x 64 bit multiply.
    let age = (u128::from(delta) * u128::from(period)) >> shift;
    let secs = u64::try_from(age >> 64).unwrap_or(u64::MAX);
    let us = frac_to_nanos(age as u64) / 1000;
    secs.saturating_mul(1_000_000).saturating_add(us)
}

/// Nanoseconds in a fraction of a second given in 2^-64 s, rounded down.
pub(crate) fn frac_to_nanos(frac: u64) -> u64 {
    // The product is below 2^64 * 10^9, so the result is below 10^9.
    ((u128::from(frac) * NSEC_PER_SEC as u128) >> 64) as u64
}

/// Clamps a page error bound in nanoseconds to whole microseconds in a `u32`.
fn ns_to_us_u32(ns: u64) -> u32 {
    u32::try_from(ns / 1000).unwrap_or(u32::MAX)
}

/// Decodes a snapshot: validates every field the time depends on and computes the time at
/// the snapshot's TSC; a page older than `max_age` ([`MAX_AGE_FRAC`] for the KVM-filled
/// page, at most [`DEVICE_MAX_AGE_FRAC`]) is [`Fallback::Stale`]. Values come from the host: nothing here can overflow or panic.
pub(crate) fn decode_aged(s: &Snapshot, max_age: u128) -> Result<PageReading, Fallback> {
    if s.magic != VMCLOCK_MAGIC || s.version != 1 || (s.size as usize) < ABI_SIZE {
        return Err(Fallback::Invalid);
    }
    if s.counter_id != COUNTER_X86_TSC || (s.time_type != TIME_TAI && s.time_type != TIME_UTC) {
        return Err(Fallback::Invalid);
    }
    match s.clock_status {
        STATUS_SYNCHRONIZED | STATUS_FREERUNNING => {}
        // KVM's mark for a page it cannot pair with the TSC (and the host's word).
        STATUS_UNRELIABLE => return Err(Fallback::Unusable),
        // The time is not known (yet), as on QEMU's and Firecracker's devices.
        _ => return Err(Fallback::Unusable),
    }
    if s.shift >= 64 || s.period == 0 {
        return Err(Fallback::Invalid);
    }
    let delta = s.tsc.checked_sub(s.counter_value).ok_or(Fallback::Future)?;
    // 64 x 64 bits into 128: one MUL, no library call.
    let age = (u128::from(delta) * u128::from(s.period)) >> s.shift;
    if age >= max_age.min(DEVICE_MAX_AGE_FRAC) {
        return Err(Fallback::Stale);
    }
    // Below 2^81 + 2^64: the carry into the seconds fits a u64 with room to spare.
    let total = age + u128::from(s.time_frac_sec);
    let carry = (total >> 64) as u64;
    let sec = s.time_sec.checked_add(carry).ok_or(Fallback::Invalid)?;
    let sec = i64::try_from(sec).map_err(|_| Fallback::Invalid)?;
    let nsec = frac_to_nanos(total as u64) as i64;
    let time = Timespec::new(sec, nsec).ok_or(Fallback::Invalid)?;
    let tai_offset = (s.flags & FLAG_TAI_OFFSET_VALID != 0).then_some(i32::from(s.tai_offset_sec));
    let leap = match s.leap_indicator {
        LEAP_PRE_POS => Leap::Ins,
        LEAP_PRE_NEG => Leap::Del,
        _ => Leap::None,
    };
    let bound = |flag: u64, ns: u64| {
        if s.flags & flag != 0 {
            ns_to_us_u32(ns)
        } else {
            u32::MAX
        }
    };
    Ok(PageReading {
        time,
        is_tai: s.time_type == TIME_TAI,
        tai_offset,
        status: HostStatus {
            sync: s.clock_status == STATUS_SYNCHRONIZED,
            leap,
            maxerror_us: bound(FLAG_TIME_MAXERROR_VALID, s.maxerror_ns),
            esterror_us: bound(FLAG_TIME_ESTERROR_VALID, s.esterror_ns),
            tai_offset: tai_offset.unwrap_or(0),
        },
    })
}

/// The disruption marker and VM generation counter of a snapshot: what tells the guest
/// that its counter or its whole state was disrupted (a live migration, a snapshot
/// restore). The generation is `None` unless the page says it keeps one (the flag
/// `VM_GEN_COUNTER_PRESENT`, and a `size` that covers the field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Disruption {
    pub(crate) marker: u64,
    pub(crate) generation: Option<u64>,
}

impl Disruption {
    /// The marker and generation `s` holds.
    pub(crate) fn of(s: &Snapshot) -> Self {
        let present = s.flags & FLAG_VM_GEN_COUNTER_PRESENT != 0 && s.size as usize >= ABI_SIZE;
        Self {
            marker: s.disruption_marker,
            generation: present.then_some(s.vm_generation),
        }
    }

    /// Which of the two changed from `old` to `self`: (marker, generation). A generation
    /// that appears or disappears (the flag changed) counts as a change.
    pub(crate) fn changes(&self, old: &Self) -> (bool, bool) {
        (self.marker != old.marker, self.generation != old.generation)
    }
}

// --- Reading a page ------------------------------------------------------------------------

/// A mapped page in the vmclock ABI that the host may write at any time: the page this
/// module registers with KVM ([`Registration`]) or an ACPI vmclock device's page
/// (`crate::device::DevicePage`). One reader ([`PageSource::snapshot`]) serves both.
pub(crate) trait PageSource {
    /// Whether the KVM extras after the ABI (`struct kvm_vmclock_extra`) are KVM's: only
    /// in a page KVM fills.
    const KVM_EXTRAS: bool;

    /// The little-endian 64-bit word at byte offset `off` (a multiple of 8); 0 for words
    /// the page does not have. One access: the host's concurrent writes never tear it
    /// (the seqcount tells whether the words belong together).
    fn word(&self, off: usize) -> u64;

    /// The `bytes`-byte field at byte offset `off` (within one word).
    fn bits(&self, off: usize, bytes: usize) -> u64 {
        let v = self.word(off & !7) >> ((off & 7) * 8);
        if bytes >= 8 {
            v
        } else {
            v & ((1u64 << (bytes * 8)) - 1)
        }
    }

    /// Whether the host that filled the page is still the one that serves this VM; asked
    /// after a snapshot, so that a move before its TSC read is seen. A device page moves
    /// with the VM (the VMM keeps it).
    fn still_current(&self) -> bool {
        true
    }

    /// The seqcount.
    fn seq(&self) -> u32 {
        self.bits(OFF_SEQ_COUNT, 4) as u32
    }

    /// Reads every field and, inside the same seqcount section, the TSC: the one the
    /// bracket's system time snapshot read where there is one (a zero-wide
    /// `PTP_SYS_OFFSET_EXTENDED` window), else one read right inside the bracket. `None` if
    /// the seqcount did not settle.
    fn snapshot(&self, bracket: &mut impl Bracket) -> Option<Snapshot> {
        for _ in 0..SEQ_ATTEMPTS {
            let seq = self.seq();
            if seq & 1 != 0 {
                core::hint::spin_loop();
                continue;
            }
            smp_mb(Read);
            let mut s = Snapshot {
                magic: self.bits(OFF_MAGIC, 4) as u32,
                size: self.bits(OFF_SIZE, 4) as u32,
                version: self.bits(OFF_VERSION, 2) as u16,
                counter_id: self.bits(OFF_COUNTER_ID, 1) as u8,
                time_type: self.bits(OFF_TIME_TYPE, 1) as u8,
                seq,
                disruption_marker: self.word(OFF_DISRUPTION_MARKER),
                flags: self.word(OFF_FLAGS),
                clock_status: self.bits(OFF_CLOCK_STATUS, 1) as u8,
                tai_offset_sec: self.bits(OFF_TAI_OFFSET_SEC, 2) as u16 as i16,
                leap_indicator: self.bits(OFF_LEAP_INDICATOR, 1) as u8,
                shift: self.bits(OFF_COUNTER_PERIOD_SHIFT, 1) as u8,
                counter_value: self.word(OFF_COUNTER_VALUE),
                period: self.word(OFF_COUNTER_PERIOD_FRAC_SEC),
                time_sec: self.word(OFF_TIME_SEC),
                time_frac_sec: self.word(OFF_TIME_FRAC_SEC),
                esterror_ns: self.word(OFF_TIME_ESTERROR_NANOSEC),
                maxerror_ns: self.word(OFF_TIME_MAXERROR_NANOSEC),
                vm_generation: self.word(OFF_VM_GENERATION_COUNTER),
                kvm_generation: if Self::KVM_EXTRAS {
                    self.word(OFF_KVM_GENERATION)
                } else {
                    0
                },
                kvm_unusable: if Self::KVM_EXTRAS {
                    self.bits(OFF_KVM_UNUSABLE, 4) as u32
                } else {
                    0
                },
                tsc: 0,
            };
            s.tsc = match bracket.before_sharing_tsc() {
                Some(tsc) => tsc,
                None => {
                    let tsc = rdtsc_ordered();
                    bracket.after();
                    tsc
                }
            };
            smp_mb(Read);
            if self.seq() == seq {
                return Some(s);
            }
        }
        None
    }
}

// --- The registered page --------------------------------------------------------------------

/// The page KVM fills, registered with it, and what re-registering it needs: the rate
/// limit and the kvm-clock epoch of the last registration. At reboot and kexec
/// ([`RebootHandler`], through the [`RebootNotifier`] that holds it) it is unregistered, so
/// that neither firmware nor the next kernel finds the host writing into memory it now
/// owns.
struct Registration {
    /// The page ([`VmclockPage`] unregisters it when dropped, and leaks it if the host
    /// refuses).
    page: VmclockPage,
    /// Set at reboot: never register again.
    shut_down: Atomic<bool>,
    /// `ktime_get_mono_fast_ns()` of the last registration attempt.
    last_attempt_ns: Atomic<u64>,
    /// The kvm-clock epoch ([`sys::kvmclock_epoch`]) read right before the last
    /// registration attempt; (0, 0) without kvm-clock.
    epoch_tsc: Atomic<u64>,
    epoch_ns: Atomic<u64>,
    /// `test_reboot_keep=1` (test builds; always false otherwise, see
    /// [`Config::test_reboot_keep`]): the reboot notifier leaves the page registered.
    reboot_keep: bool,
}

/// Why a page could not be registered.
enum RegisterError {
    /// Allocation failed.
    Alloc(Error),
    /// The hypercall's (negative KVM error) result.
    Refused(i64),
}

impl Registration {
    /// Allocates a zeroed page and registers it with `kvm`'s host, with the reboot notifier
    /// that unregisters it; the host has written it once when this returns.
    fn new(
        kvm: KvmGuest,
        config: &Config,
    ) -> Result<Pin<KBox<RebootNotifier<Self>>>, RegisterError> {
        let reg = Self::alloc(Some(kvm), config.test_reboot_keep())
            .and_then(RebootNotifier::new)
            .map_err(RegisterError::Alloc)?;
        reg.record_epoch();
        let ret = reg.page.register();
        if ret != 0 {
            return Err(RegisterError::Refused(ret));
        }
        Ok(reg)
    }

    /// A zeroed page that no host knows of yet, which may be registered with `kvm`.
    fn alloc(kvm: Option<KvmGuest>, reboot_keep: bool) -> Result<Self> {
        Ok(Self {
            page: VmclockPage::new(kvm)?,
            shut_down: Atomic::new(false),
            last_attempt_ns: Atomic::new(now_ns()),
            epoch_tsc: Atomic::new(0),
            epoch_ns: Atomic::new(0),
            reboot_keep,
        })
    }

    /// Unregisters the page; returns whether the host has stopped writing it.
    fn unregister(&self) -> bool {
        self.page.unregister()
    }

    /// Registers the page again if the last attempt was long enough ago; returns whether
    /// that worked, `None` when it did not try.
    fn reregister(&self) -> Option<bool> {
        if self.shut_down.load(Relaxed) {
            return None;
        }
        let now = now_ns();
        if now.wrapping_sub(self.last_attempt_ns.load(Relaxed)) < REREGISTER_INTERVAL_NS {
            return None;
        }
        // Two readers may both get here; registering the same page twice is harmless.
        self.last_attempt_ns.store(now, Relaxed);
        self.record_epoch();
        Some(self.page.register() == 0)
    }

    /// Registers the page again at once, without [`REREGISTER_INTERVAL_NS`]'s rate limit:
    /// for a disruption the VMM announced (see [`Vmclock::disrupted`]), which happens once
    /// per migration or restore, not once per read. Returns whether that worked, `None`
    /// when it did not try.
    fn reregister_now(&self) -> Option<bool> {
        if self.shut_down.load(Relaxed) || !self.page.registered() {
            return None;
        }
        self.last_attempt_ns.store(now_ns(), Relaxed);
        self.record_epoch();
        Some(self.page.register() == 0)
    }

    /// Records the kvm-clock epoch before a registration: the host that answers it writes
    /// the page at once, so the page is current while the epoch stays. (An epoch that
    /// changes between this and the hypercall costs one more registration, no wrong read.)
    fn record_epoch(&self) {
        let (tsc, ns) = sys::kvmclock_epoch().unwrap_or((0, 0));
        self.epoch_tsc.store(tsc, Relaxed);
        self.epoch_ns.store(ns, Relaxed);
    }

    /// Whether the kvm-clock epoch differs from the one recorded at the last registration.
    /// (A reader racing with [`Registration::record_epoch`] may see half of the new pair:
    /// one needless fallback.) Without kvm-clock only the page's age tells.
    fn epoch_moved(&self) -> bool {
        sys::kvmclock_epoch().is_some_and(|(tsc, ns)| {
            tsc != self.epoch_tsc.load(Relaxed) || ns != self.epoch_ns.load(Relaxed)
        })
    }
}

impl RebootHandler for Registration {
    fn reboot(&self) {
        self.shut_down.store(true, Relaxed);
        if self.reboot_keep {
            // The negative control of the kexec test: the host keeps writing the page.
            mark_after_reboot(self, false);
        } else if !self.unregister() {
            pr_err!("cannot unregister the vmclock page at reboot\n");
        } else if cfg!(ptp_vmclock_test_build) {
            mark_after_reboot(self, true);
        }
    }
}

impl PageSource for Registration {
    const KVM_EXTRAS: bool = true;

    /// A page no host was given (the mock's hostile pages) has no host to move from.
    fn still_current(&self) -> bool {
        !self.page.registered() || !self.epoch_moved()
    }

    fn word(&self, off: usize) -> u64 {
        self.page.word(off)
    }
}

/// Reads a page no older than `max_age`: the time in `timescale` and the TSC it belongs
/// to; the page version that served and its host status go to `report`.
fn read_page(
    page: &impl PageSource,
    max_age: u128,
    timescale: Timescale,
    bracket: &mut impl Bracket,
    report: &mut Report,
) -> Result<(Timespec, u64), Fallback> {
    let s = page.snapshot(bracket).ok_or(Fallback::Unsettled)?;
    // What the page says of itself first (unusable, stale, invalid): a host whose clock
    // left the TSC marks the page unusable, and KVM's master clock, off then, rewrites the
    // kvm-clock epoch at every update.
    let r = decode_aged(&s, max_age)?;
    if !page.still_current() {
        return Err(Fallback::Moved);
    }
    if timescale == Timescale::Utc && r.status.leap != Leap::None {
        return Err(Fallback::Leap);
    }
    let t = r.in_timescale(timescale).ok_or(Fallback::Invalid)?;
    let version = PageVersion {
        seq: s.seq,
        generation: s.kvm_generation,
        counter_value: s.counter_value,
        period: s.period,
        shift: s.shift,
    };
    report.page = Some((version, r.status));
    Ok((t, s.tsc))
}

/// `ktime_get_mono_fast_ns()`: lock-free from any context, fine for a rate limit.
fn now_ns() -> u64 {
    sys::mono_fast_ns()
}

// --- The transport ---------------------------------------------------------------------------

/// The vmclock transport: a vmclock page (an ACPI vmclock device's that knows the time,
/// else the KVM-filled one), with the hypercall behind it.
pub(crate) struct Vmclock {
    kvm: Kvm,
    /// The page KVM fills; `None` when the device page serves (and after `drop` took it).
    reg: Option<Pin<KBox<RebootNotifier<Registration>>>>,
    /// The ACPI vmclock device's page, when it serves the time.
    device: Option<Arc<DevicePage>>,
    timescale: Timescale,
    /// `test_forget_page=` (test builds).
    #[cfg(ptp_vmclock_test_build)]
    forget: forget::Forget,
}

/// Says why the host refused a page registration.
fn refusal(ret: i64) -> &'static str {
    const EOPNOTSUPP_RET: i64 = -(bindings::KVM_EOPNOTSUPP as i64);
    const EINVAL_RET: i64 = -(bindings::KVM_EINVAL as i64);
    const EFAULT_RET: i64 = -(bindings::KVM_EFAULT as i64);
    match ret {
        EOPNOTSUPP_RET => "the host does not offer it (KVM_CLOCK_PAIRING_VMCLOCK refused)",
        EINVAL_RET => "the host refused the page's address (-KVM_EINVAL)",
        EFAULT_RET => "the host cannot map the page (-KVM_EFAULT)",
        _ => "the registration hypercall failed",
    }
}

impl Vmclock {
    /// The page of the host behind `kvm` (a probed KVM transport): the ACPI vmclock
    /// device's page `device` when it can serve the time, else a page registered with KVM.
    /// When neither is there, gives `kvm` back with the reason.
    ///
    /// The device page comes first: the hypervisor itself maintains it (AWS Nitro fills
    /// the time there), it takes no hypercall to set up, and the VMM keeps it across live
    /// migration and snapshot restore, while a KVM registration is KVM state that a
    /// migration leaves behind; and it needs no host/ patches. It serves only when its
    /// counter is the TSC and its status says the time is known (synchronised or free
    /// running): QEMU's and Firecracker's devices leave the time unknown, so there the KVM
    /// page serves as before, and the device page only signals disruptions (device.rs).
    pub(crate) fn with_kvm(
        kvm: Kvm,
        device: Option<&Arc<DevicePage>>,
        config: &Config,
    ) -> Result<Self, (Kvm, ProbeError)> {
        if let Some(d) = device.filter(|d| d.serves_time()) {
            return Ok(Self {
                timescale: kvm.timescale(),
                kvm,
                reg: None,
                device: Some(d.clone()),
                #[cfg(ptp_vmclock_test_build)]
                forget: forget::Forget::new(config.test.forget_page_after),
            });
        }
        // `clock_pairing=legacy` asks for upstream's interface alone. (A module built
        // against headers without clock type 1, e.g. 6.12's, still reads the page: its
        // layout is spelled out here.)
        if kvm.legacy_only() {
            let reason = "clock_pairing=legacy: clock type 0 only";
            return Err((kvm, ProbeError::unavailable(reason)));
        }
        let reg = match Registration::new(kvm.guest(), config) {
            Ok(reg) => reg,
            Err(RegisterError::Alloc(err)) => {
                let reason = "cannot allocate the vmclock page";
                return Err((kvm, ProbeError { err, reason }));
            }
            Err(RegisterError::Refused(ret)) => {
                return Err((kvm, ProbeError::unavailable(refusal(ret))));
            }
        };
        Ok(Self {
            timescale: kvm.timescale(),
            kvm,
            reg: Some(reg),
            device: None,
            #[cfg(ptp_vmclock_test_build)]
            forget: forget::Forget::new(config.test.forget_page_after),
        })
    }

    /// What the probe learned: the hypercall's host status, the page registration.
    pub(crate) fn probe_report(&self) -> Report {
        Report {
            registration: self.reg.as_ref().map(|_| true),
            ..self.kvm.probe_report()
        }
    }

    /// The guest physical address of the registered page, if one is.
    pub(crate) fn page_gpa(&self) -> Option<u64> {
        self.reg.as_ref().map(|reg| reg.page.gpa())
    }

    /// Which page serves: for the load line.
    pub(crate) fn source(&self) -> &'static str {
        if self.device.is_some() {
            "ACPI vmclock device page"
        } else {
            "KVM-filled vmclock page"
        }
    }

    /// The hypercall transport behind the page.
    pub(crate) fn kvm(&self) -> &Kvm {
        &self.kvm
    }

    /// Reads the page: the time in the configured time scale and the TSC it belongs to.
    fn read_page(
        &self,
        bracket: &mut impl Bracket,
        report: &mut Report,
    ) -> Result<(Timespec, u64), Fallback> {
        let ts = self.timescale;
        let r = match (&self.device, &self.reg) {
            (Some(d), _) => read_page(&**d, DEVICE_MAX_AGE_FRAC, ts, bracket, report),
            (None, Some(reg)) => read_page(&***reg, MAX_AGE_FRAC, ts, bracket, report),
            // `reg` is only taken by `drop`.
            (None, None) => Err(Fallback::Unusable),
        };
        #[cfg(ptp_vmclock_test_build)]
        if r.is_ok() && self.device.is_none() {
            if let Some(reg) = &self.reg {
                self.forget.count_page_read(&reg.page);
            }
        }
        r
    }

    /// Reports a fallback; a stale or moved KVM page is registered again (rate-limited).
    fn fall_back(&self, why: Fallback, report: &mut Report) {
        report.fallback = Some(why);
        if why == Fallback::Stale || why == Fallback::Moved {
            if let Some(reg) = &self.reg {
                report.registration = reg.reregister().or(report.registration);
            }
        }
    }

    /// The ACPI vmclock device's disruption marker or VM generation counter changed: the
    /// VM was live-migrated or restored from a snapshot. A page registration is KVM state
    /// that neither QEMU nor any VMM migrates or saves: the destination's (or the restored)
    /// KVM knows nothing of it and never writes the page again, which keeps looking
    /// plausible until it goes stale ([`MAX_AGE_FRAC`], with the hypercall serving every
    /// read meanwhile). The change is the VMM's own signal, so the page is registered again
    /// at once, not after [`REREGISTER_INTERVAL_NS`]. The registration goes to `report`.
    pub(crate) fn disrupted(&self, report: &mut Report) {
        if let Some(reg) = &self.reg {
            report.registration = reg.reregister_now().or(report.registration);
        }
    }
}

impl Drop for Vmclock {
    fn drop(&mut self) {
        let Some(reg) = self.reg.take() else { return };
        // A page the host refuses to unregister is leaked when `reg` is dropped
        // ([`VmclockPage`]), after its reboot notifier is gone.
        if reg.unregister() && cfg!(ptp_vmclock_test_build) {
            check_unwritten(&reg);
        }
    }
}

/// Test builds (make check) prove that the host stopped writing an unregistered page: a
/// pattern must survive 150 ms, more than one refresh period (`KVM_VMCLOCK_REFRESH_MS`,
/// 100 ms) and a dozen host timekeeper updates (a 100 Hz host tick).
fn check_unwritten(reg: &Registration) {
    const PATTERN: u64 = 0x5a5a_c3c3_0f0f_a5a5;
    reg.page.fill(PATTERN);
    // Process context (module unload).
    sys::msleep(150);
    if reg.page.holds(PATTERN) {
        pr_info!("vmclock page intact 150 ms after unregistration\n");
    } else {
        pr_err!("vmclock page written after unregistration\n");
    }
}

/// Test builds (`test_forget_page=N`): after the N-th read the page served, the page is
/// unregistered behind the transport's back, once, as the KVM of a live migration's
/// destination or of a restore never heard of the registration: nobody updates the page
/// any more while the module still takes it as registered. The reads must then find it
/// stale, fall back and register it again.
#[cfg(ptp_vmclock_test_build)]
pub(crate) mod forget {
    use crate::compat::{Atomic, Relaxed};
    use crate::hypercall::VmclockPage;
    use kernel::prelude::*;

    /// The countdown of one transport.
    pub(crate) struct Forget {
        /// N (0: never).
        after: u64,
        /// The reads the page served so far.
        reads: Atomic<u64>,
    }

    /// Accepted values of the parameter.
    pub(crate) const VALID: &str = "a number of reads, 0 for never";

    /// Parses the parameter: a decimal number of reads.
    pub(crate) fn parse(value: &[u8]) -> Result<u64> {
        crate::params::parse_decimal(value)
    }

    impl Forget {
        /// A countdown of `after` reads (0: never).
        pub(crate) fn new(after: u64) -> Self {
            Self {
                after,
                reads: Atomic::new(0),
            }
        }

        /// Counts a read the page served; the N-th unregisters the page.
        pub(super) fn count_page_read(&self, page: &VmclockPage) {
            if self.after != 0 && self.reads.fetch_add(1, Relaxed) + 1 == self.after {
                let ret = page.forget_at_host();
                pr_info!(
                    "test build: vmclock page unregistered behind the transport after {} reads ({})\n",
                    self.after,
                    ret
                );
            }
        }
    }
}

/// What the reboot notifier of a test build fills the page with: the kexec test
/// (tests/guest/vmclock-kexec.sh) looks for it at the page's address in the next kernel.
pub(crate) const REBOOT_PATTERN: u64 = 0x6b65_7865_635f_7067;

/// Test builds, at reboot and kexec: fills the page with [`REBOOT_PATTERN`] and logs its
/// address, so that the next kernel (which the test boots with the page reserved) can
/// check that nobody writes it any more. With `unregistered` false (`test_reboot_keep=1`,
/// the test's negative control) the host still writes the page: the fill races with its
/// writes, word by word (volatile stores to memory this kernel owns), and the next kernel
/// must find the host's page, not the pattern. Either way a reader still running meets a
/// page that does not decode (or a torn seqcount section) and falls back to the
/// hypercall.
fn mark_after_reboot(reg: &Registration, unregistered: bool) {
    reg.page.fill(REBOOT_PATTERN);
    pr_info!(
        "vmclock page at gpa {:#x} {} at reboot, filled with {:#x}\n",
        reg.page.gpa(),
        if unregistered {
            "unregistered"
        } else {
            "left registered (test_reboot_keep=1)"
        },
        REBOOT_PATTERN
    );
}

impl Transport for Vmclock {
    const NAME: &'static str = "vmclock";
    const MAY_SERVE_TAI: bool = true;

    fn probe(config: &Config) -> Result<Self, ProbeError> {
        Self::with_kvm(Kvm::probe(config)?, None, config).map_err(|(_, e)| e)
    }

    /// The page is read in the hypercall's time scale (its TAI offset converts).
    fn serves_tai(&self) -> bool {
        self.kvm.serves_tai()
    }

    fn read(&self, bracket: &mut impl Bracket, report: &mut Report) -> Result<Timespec> {
        match self.read_page(bracket, report) {
            Ok((t, _)) => Ok(t),
            Err(why) => {
                self.fall_back(why, report);
                self.kvm.read(bracket, report)
            }
        }
    }

    fn has_counter(&self) -> bool {
        true
    }

    fn read_paired(&self, counter: Counter, report: &mut Report) -> Result<PairedReading> {
        let page = match counter {
            Counter::Tsc => self
                .read_page(&mut NoBracket, report)
                .map(|(time, cycles)| PairedReading { time, cycles }),
            // The same TSC read converted by this CPU's pvclock page, inside one of its
            // version sections; interrupts off keep the CPU.
            Counter::KvmClock => {
                if !self.kvm.pvclock_ok() {
                    return Err(ENODEV);
                }
                compat::with_irqs_off(|| {
                    let mut section = PvclockSection::begin().ok_or(Fallback::Unusable)?;
                    for _ in 0..kvm::PVCLOCK_RETRIES {
                        let (time, tsc) = self.read_page(&mut NoBracket, report)?;
                        if let Some(cycles) = section.end(tsc) {
                            return Ok(PairedReading { time, cycles });
                        }
                        section = PvclockSection::begin().ok_or(Fallback::Unusable)?;
                    }
                    Err(Fallback::Unsettled)
                })
            }
        };
        page.or_else(|why| {
            self.fall_back(why, report);
            self.kvm.read_paired(counter, report)
        })
    }
}

// --- Hostile pages (test builds) -------------------------------------------------------------

/// What a hostile page holds (the mock transport's `mock_page=` parameter, test builds):
/// each makes every read of the page fail with one known [`Fallback`].
#[cfg(ptp_vmclock_test_build)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hostile {
    /// A counter period shift of 64.
    Shift64,
    /// A counter period of 0.
    Period0,
    /// A counter value 2^40 cycles ahead of the TSC.
    Future,
    /// A page whose age is 2^64 - 1 units (a second) after one cycle.
    Stale,
    /// A seqcount stuck odd (a writer that never finishes).
    SeqOdd,
    /// A wrong magic.
    Magic,
    /// Clock status unreliable.
    Unusable,
    /// `time_sec` of 2^64 - 1.
    HugeSec,
    /// Every byte 0xff (the seqcount odd, too).
    Garbage,
    /// QEMU's ACPI vmclock device page (time unknown, counter invalid) with a VM
    /// generation counter, whose disruption marker the module moves before every read and
    /// whose generation every tenth: the disruption path of device.rs, which a real device
    /// only takes on a live migration or snapshot restore.
    Disruption,
}

#[cfg(ptp_vmclock_test_build)]
impl Hostile {
    /// The accepted values, for messages.
    pub(crate) const VALID: &'static str =
        "none|shift64|period0|future|stale|seq-odd|magic|unusable|huge-sec|garbage|disruption";

    /// Parses the parameter; `none` (the default) is `None`.
    pub(crate) fn parse(value: &[u8]) -> Result<Option<Self>> {
        Ok(Some(match value {
            b"" | b"none" => return Ok(None),
            b"shift64" => Hostile::Shift64,
            b"period0" => Hostile::Period0,
            b"future" => Hostile::Future,
            b"stale" => Hostile::Stale,
            b"seq-odd" => Hostile::SeqOdd,
            b"magic" => Hostile::Magic,
            b"unusable" => Hostile::Unusable,
            b"huge-sec" => Hostile::HugeSec,
            b"garbage" => Hostile::Garbage,
            b"disruption" => Hostile::Disruption,
            _ => return Err(EINVAL),
        }))
    }
}

/// A page the module fills itself with hostile values, for the mock transport (test
/// builds): its reads take the whole page path (seqcount section, decoding, status) and
/// must fail cleanly every time.
#[cfg(ptp_vmclock_test_build)]
pub(crate) struct HostilePage {
    reg: Registration,
    kind: Hostile,
    /// [`Hostile::Disruption`]: what the module saw of the page's marker and generation.
    watch: DisruptionWatch,
    /// [`Hostile::Disruption`]: taken by the one reader that writes the page.
    writing: Atomic<bool>,
    /// [`Hostile::Disruption`]: the marker moves so far.
    moves: Atomic<u64>,
}

#[cfg(ptp_vmclock_test_build)]
impl HostilePage {
    /// A page holding `kind`, otherwise valid (TAI, 37 s offset, synchronised).
    pub(crate) fn new(kind: Hostile) -> Result<Self> {
        // A page no host knows of: no reboot notifier ever leaves it registered.
        let reg = Registration::alloc(None, false)?;
        let tsc = rdtsc_ordered();
        let (mut magic, mut seq, mut status, mut shift) =
            (VMCLOCK_MAGIC, 2u32, STATUS_SYNCHRONIZED, 31u8);
        let (mut counter_id, mut flags) = (COUNTER_X86_TSC, FLAG_TAI_OFFSET_VALID);
        // Period 2^32 at shift 31: two 2^-64 s a cycle, so a valid page never goes stale.
        let (mut counter, mut period, mut sec) = (tsc, 1u64 << 32, 1_700_000_000u64);
        match kind {
            Hostile::Shift64 => shift = 64,
            Hostile::Period0 => period = 0,
            Hostile::Future => counter = tsc.wrapping_add(1 << 40),
            Hostile::Stale => {
                (counter, period, shift) = (tsc.saturating_sub(1), u64::MAX, 0);
            }
            Hostile::SeqOdd => seq = 3,
            Hostile::Magic => magic = 0x1234_5678,
            Hostile::Unusable => status = STATUS_UNRELIABLE,
            Hostile::HugeSec => sec = u64::MAX,
            Hostile::Garbage => {}
            Hostile::Disruption => {
                (counter_id, status) = (COUNTER_INVALID, STATUS_UNKNOWN);
                flags |= FLAG_VM_GEN_COUNTER_PRESENT;
                reg.page.set_word(OFF_DISRUPTION_MARKER, 1);
                reg.page.set_word(OFF_VM_GENERATION_COUNTER, 1);
            }
        }
        let header = u64::from(magic) | (128 << 32);
        let ids = 1 | (u64::from(counter_id) << 16) | (u64::from(TIME_TAI) << 24);
        let status_word = (u64::from(status) << 16) | (37 << 32) | (u64::from(shift) << 56);
        reg.page.set_word(OFF_MAGIC, header);
        reg.page.set_word(OFF_VERSION, ids | (u64::from(seq) << 32));
        reg.page.set_word(OFF_FLAGS, flags);
        reg.page.set_word(OFF_CLOCK_STATUS & !7, status_word);
        reg.page.set_word(OFF_COUNTER_VALUE, counter);
        reg.page.set_word(OFF_COUNTER_PERIOD_FRAC_SEC, period);
        reg.page.set_word(OFF_TIME_SEC, sec);
        if kind == Hostile::Garbage {
            reg.page.fill(u64::MAX);
        }
        let this = Self {
            reg,
            kind,
            watch: DisruptionWatch::new(),
            writing: Atomic::new(false),
            moves: Atomic::new(0),
        };
        this.watch.start(&this.reg);
        Ok(this)
    }

    /// Reads the page like [`Vmclock`] does; the error is why it could not serve. A
    /// [`Hostile::Disruption`] page first has its marker moved and is watched as the
    /// clock watches a device page. What the read saw goes to `report`.
    pub(crate) fn read(
        &self,
        bracket: &mut impl Bracket,
        report: &mut Report,
    ) -> Result<(Timespec, u64), Fallback> {
        if self.kind == Hostile::Disruption {
            self.disrupt();
            report.device_changes = self.watch.poll(&self.reg);
        }
        read_page(&self.reg, MAX_AGE_FRAC, Timescale::Utc, bracket, report)
    }

    /// Moves the marker (and every tenth time the generation) as a VMM does on a restore,
    /// inside a seqcount write section. One writer at a time: a reader that finds another
    /// writing leaves the page alone.
    fn disrupt(&self) {
        if self.writing.xchg(true, Relaxed) {
            return;
        }
        let n = self.moves.load(Relaxed) + 1;
        self.moves.store(n, Relaxed);
        let ids = 1 | (u64::from(COUNTER_INVALID) << 16) | (u64::from(TIME_TAI) << 24);
        let seq = self.reg.seq();
        // Volatile stores keep their order, and x86 does not reorder stores: a reader that
        // sees the even seqcount again sees the new values.
        self.reg
            .page
            .set_word(OFF_VERSION, ids | (u64::from(seq.wrapping_add(1)) << 32));
        self.reg.page.set_word(OFF_DISRUPTION_MARKER, 1 + n);
        if n % 10 == 0 {
            self.reg
                .page
                .set_word(OFF_VM_GENERATION_COUNTER, 1 + n / 10);
        }
        self.reg
            .page
            .set_word(OFF_VERSION, ids | (u64::from(seq.wrapping_add(2)) << 32));
        self.writing.store(false, Relaxed);
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_vmclock)]
mod tests {
    use super::*;

    /// Decodes a KVM-filled page.
    fn decode(s: &Snapshot) -> Result<PageReading, Fallback> {
        decode_aged(s, MAX_AGE_FRAC)
    }

    /// A page as KVM writes it for a host TSC of ~3 GHz (mult 5592405, shift 24) at
    /// xtime_nsec = (123456789 << 24) + 12345, TAI second 1700000000, TAI - UTC = 37 s;
    /// period, shift and fraction by host/0007's rounding rule (computed offline).
    fn kvm_page(tsc: u64) -> Snapshot {
        Snapshot {
            magic: 0x4b4c_4356,
            size: 128,
            version: 1,
            counter_id: 1,
            time_type: 1,
            seq: 42,
            flags: 1 | (1 << 5) | (1 << 6),
            clock_status: 2,
            tai_offset_sec: 37,
            shift: 31,
            counter_value: 1_000_000,
            period: 13_204_692_965_316_309_121,
            time_sec: 1_700_000_000,
            time_frac_sec: 2_277_375_790_858_534_034,
            esterror_ns: 2_500,
            maxerror_ns: 16_000_000,
            kvm_generation: 7,
            tsc,
            ..Snapshot::default()
        }
    }

    #[test]
    fn vmclock_page_time_is_the_hosts_to_the_nanosecond() {
        // (delta, host CLOCK_TAI ns within the second) from the host's own formula,
        // (xtime_nsec + delta * mult) >> shift: the page must give exactly the same.
        for (delta, nsec) in [
            (0u64, 123_456_789i64),
            (1, 123_456_789),
            (3, 123_456_790),
            (1000, 123_457_122),
            (1_000_000_000, 456_790_102),
        ] {
            let r = decode(&kvm_page(1_000_000 + delta));
            let t = r.map(|r| (r.time.sec(), r.time.nsec()));
            assert_eq!(t, Ok((1_700_000_000, nsec)));
        }
        let r = decode(&kvm_page(1_000_000)).map_err(|_| ());
        assert_eq!(r.map(|r| r.is_tai), Ok(true));
        assert_eq!(r.map(|r| r.status.tai_offset), Ok(37));
        assert_eq!(r.map(|r| r.status.sync), Ok(true));
        assert_eq!(
            r.map(|r| (r.status.esterror_us, r.status.maxerror_us)),
            Ok((2, 16_000))
        );
        // UTC is TAI - 37 s; TAI stays as it is.
        let utc = r.map(|r| r.in_timescale(crate::kvm::Timescale::Utc).map(|t| t.sec()));
        assert_eq!(utc, Ok(Some(1_700_000_000 - 37)));
    }

    #[test]
    fn vmclock_page_hostile_values_are_clean_errors() {
        let ok = kvm_page(1_000_000);
        let with = |f: fn(&mut Snapshot)| {
            let mut s = ok;
            f(&mut s);
            decode(&s).map(|_| ())
        };
        assert_eq!(with(|_| {}), Ok(()));
        assert_eq!(with(|s| s.magic = 0), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.version = 2), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.size = 100), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.counter_id = 0xff), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.time_type = 2), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.shift = 64), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.shift = 255), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.period = 0), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.clock_status = 4), Err(Fallback::Unusable));
        assert_eq!(with(|s| s.clock_status = 0), Err(Fallback::Unusable));
        assert_eq!(with(|s| s.clock_status = 200), Err(Fallback::Unusable));
        // A counter value ahead of the TSC read with it.
        assert_eq!(with(|s| s.counter_value = s.tsc + 1), Err(Fallback::Future));
        // 1 s after the page was written (3e9 cycles), and the extremes: stale, no overflow.
        assert_eq!(with(|s| s.tsc += 3_000_000_000), Err(Fallback::Stale));
        assert_eq!(with(|s| s.tsc = u64::MAX), Err(Fallback::Stale));
        assert_eq!(
            with(|s| {
                s.period = u64::MAX;
                s.shift = 0;
                s.tsc = u64::MAX;
                s.counter_value = 0;
            }),
            Err(Fallback::Stale)
        );
        // Seconds out of range, with and without the carry from the fraction.
        assert_eq!(with(|s| s.time_sec = u64::MAX), Err(Fallback::Invalid));
        assert_eq!(
            with(|s| s.time_sec = i64::MAX as u64),
            Err(Fallback::Invalid)
        );
        assert_eq!(
            with(|s| {
                s.time_sec = u64::MAX;
                s.time_frac_sec = u64::MAX;
            }),
            Err(Fallback::Invalid)
        );
        // Without the TAI offset a TAI page has no UTC.
        let mut s = ok;
        s.flags = 0;
        let utc = decode(&s).map(|r| r.in_timescale(crate::kvm::Timescale::Utc));
        assert_eq!(utc.map(|t| t.is_none()), Ok(true));
    }

    #[test]
    fn vmclock_page_age_for_sysfs() {
        // A 3 GHz counter: period 2^64 / 3e9 in 2^-64 s (shift 0), rounded up.
        let period = (1u128 << 64).div_ceil(3_000_000_000) as u64;
        assert_eq!(age_us(3_000_000_000, 0, period, 0), 1_000_000);
        assert_eq!(age_us(1_000 + 3_000, 1_000, period, 0), 1);
        // The same period with a shift of 4: a 48 GHz counter.
        assert_eq!(age_us(48_000, 0, period, 4), 1);
        // A page from the future has age 0; extremes saturate, never overflow.
        assert_eq!(age_us(1, 2, period, 0), 0);
        assert_eq!(age_us(u64::MAX, 0, u64::MAX, 0), u64::MAX);
        assert_eq!(age_us(5, 0, period, 64), u64::MAX);
    }

    #[test]
    fn device_page_age_bound() {
        // 1 s old (3e9 cycles): stale for a KVM page, fine for a device page, which is
        // trusted up to a day; 1.0000000x days is stale for both.
        let mut s = kvm_page(1_000_000 + 3_000_000_000);
        assert_eq!(decode(&s).map(|_| ()), Err(Fallback::Stale));
        let r = decode_aged(&s, DEVICE_MAX_AGE_FRAC);
        assert_eq!(r.map(|r| r.time.sec()), Ok(1_700_000_001));
        s.tsc = 1_000_000 + 3_000_000_000 * 86_401;
        assert_eq!(
            decode_aged(&s, DEVICE_MAX_AGE_FRAC).map(|_| ()),
            Err(Fallback::Stale)
        );
        // No bound beyond a day, whatever the caller asks.
        assert_eq!(decode_aged(&s, u128::MAX).map(|_| ()), Err(Fallback::Stale));
        // QEMU's device page: counter invalid, time unknown.
        let mut q = s;
        (q.counter_id, q.clock_status) = (0xff, 0);
        assert!(decode_aged(&q, DEVICE_MAX_AGE_FRAC).is_err());
    }

    #[test]
    fn device_disruption_marker_and_generation() {
        // QEMU 10.0's page: size 4096, no flags, marker 1 after realize.
        let qemu = Snapshot {
            magic: 0x4b4c_4356,
            size: 4096,
            version: 1,
            counter_id: 0xff,
            disruption_marker: 1,
            vm_generation: 5,
            ..Snapshot::default()
        };
        let d = Disruption::of(&qemu);
        assert_eq!(
            d,
            Disruption {
                marker: 1,
                generation: None
            }
        );
        // With VM_GEN_COUNTER_PRESENT (bit 8) the generation counts, if `size` covers it.
        let mut gen = qemu;
        gen.flags = 1 << 8;
        assert_eq!(Disruption::of(&gen).generation, Some(5));
        gen.size = 104;
        assert_eq!(Disruption::of(&gen).generation, None);
        gen.size = 112;
        assert_eq!(Disruption::of(&gen).generation, Some(5));
        // Changes: marker, generation, both, the generation appearing, none.
        let base = Disruption {
            marker: 1,
            generation: Some(5),
        };
        let with = |marker, generation| Disruption { marker, generation };
        assert_eq!(with(2, Some(5)).changes(&base), (true, false));
        assert_eq!(with(1, Some(6)).changes(&base), (false, true));
        assert_eq!(with(2, Some(6)).changes(&base), (true, true));
        assert_eq!(with(1, None).changes(&base), (false, true));
        assert_eq!(base.changes(&base), (false, false));
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Read-only status in sysfs, under `/sys/module/ptp_vmclock_rs/status/`:
//!
//! - `transport`: the transport in use (e.g. `kvm`);
//! - `clock`: the PTP clock device (e.g. `ptp0`);
//! - `crosststamp`: the counter of the last successful `PTP_SYS_OFFSET_PRECISE`
//!   (`kvm-clock`, `tsc`, or `none` before the first one);
//! - `reads`: successful host time reads;
//! - `errors`: failed host time reads and failed cross timestamps;
//! - `last_error`: the last of those errors as `-errno NAME`, or `0`.
//! - `timescale`: the time scale served, `utc` or `tai`;
//! - `clock_pairing`: the KVM interface in use, `tai-status` (clock type 1 with the host's
//!   status) or `legacy` (upstream clock type 0, no status), `none` for other transports;
//! - `page_updates`, `page_generation`, `page_age_us`: with the `vmclock` transport, the
//!   page's seqcount / 2 (the host's writes), the host timekeeper generation it was
//!   computed from, and how long ago the host wrote it (at the time of the file's read),
//!   all of the newest page version a read has seen (`none` for other transports);
//! - `page_registrations`: successful page registrations (the first one and those after
//!   the page went stale or moved); `page_fallbacks`: reads the hypercall served instead of the
//!   page; `page_fallback_last`: the latest reason (`none`, `unusable`, `unsettled`,
//!   `stale`, `future`, `invalid`, `moved`);
//! - `host_sync` (`0`/`1`), `host_maxerror_us`, `host_esterror_us`, `host_leap`
//!   (`none`/`ins`/`del`), `tai_offset` (TAI - UTC, s): the host's time status as of the
//!   latest successful read, or `unknown` when the interface carries no status;
//! - `refused_reads`: reads the host-status policy refused with `EBUSY` (`host_unsync=fail`,
//!   `host_maxerror_us=`; clock.rs);
//! - `device_page`: `found` when an ACPI vmclock device's page (QEMU `-device vmclock`,
//!   Firecracker, AWS) is mapped (device.rs), else `none`; `device_marker` and
//!   `device_generation`: its disruption marker and VM generation counter, read from the
//!   page when shown (`none` without a device, and for the generation when the page's flag
//!   says it keeps none); `device_marker_changes`, `device_generation_changes`: the changes
//!   of either the module noticed since it loaded.
//! - `page_gpa` (test builds only): the guest physical address of the registered vmclock
//!   page (`0x...`, `none` without one), for the kexec test (tests/guest/vmclock-kexec.sh).
//!
//! The counters are module-wide: atomics updated lock-free, the reads counter per CPU.

use crate::bindings;
use crate::compat::{self, Atomic, Formatter, Relaxed, SetOnce};
use crate::device::DevicePage;
use crate::transport::Counter;
use crate::vmclock::Fallback;
use core::fmt::Write;
use core::ptr::NonNull;
use kernel::{c_str, ffi::c_char, page::PAGE_SIZE, prelude::*, ThisModule};

static TRANSPORT: SetOnce<&'static str> = SetOnce::new();
static CLOCK_INDEX: SetOnce<i32> = SetOnce::new();
/// 0: none yet, 1: kvm-clock, 2: tsc.
static CROSSTSTAMP: Atomic<i32> = Atomic::new(0);
static ERRORS: Atomic<u64> = Atomic::new(0);
static LAST_ERROR: Atomic<i32> = Atomic::new(0);
static TIMESCALE: SetOnce<&'static str> = SetOnce::new();
static CLOCK_PAIRING: SetOnce<&'static str> = SetOnce::new();
/// Whether the `HOST_*` values below hold a status yet.
static HOST_VALID: Atomic<bool> = Atomic::new(false);
static HOST_SYNC: Atomic<bool> = Atomic::new(false);
/// 0: none, 1: ins, 2: del.
static HOST_LEAP: Atomic<i32> = Atomic::new(0);
static HOST_MAXERROR_US: Atomic<i64> = Atomic::new(0);
static HOST_ESTERROR_US: Atomic<i64> = Atomic::new(0);
static HOST_TAI_OFFSET: Atomic<i32> = Atomic::new(0);
static REFUSED_READS: Atomic<u64> = Atomic::new(0);
/// Whether a page was read yet.
static PAGE_VALID: Atomic<bool> = Atomic::new(false);
static PAGE_SEQ: Atomic<i64> = Atomic::new(0);
static PAGE_GENERATION: Atomic<u64> = Atomic::new(0);
static PAGE_COUNTER_VALUE: Atomic<u64> = Atomic::new(0);
static PAGE_PERIOD: Atomic<u64> = Atomic::new(0);
static PAGE_SHIFT: Atomic<i32> = Atomic::new(0);
static PAGE_REGISTRATIONS: Atomic<u64> = Atomic::new(0);
static PAGE_FALLBACKS: Atomic<u64> = Atomic::new(0);
/// The registered page's guest physical address (0: none), test builds.
#[cfg(ptp_vmclock_test_build)]
static PAGE_GPA: Atomic<u64> = Atomic::new(0);
/// 0: none, else 1 + the index of the reason in `Fallback::ALL`.
static PAGE_FALLBACK_LAST: Atomic<i32> = Atomic::new(0);
/// The ACPI vmclock device's page while the status directory may show it (see
/// [`set_device`]).
static DEVICE: Atomic<*const DevicePage> = Atomic::new(core::ptr::null());
static DEVICE_MARKER_CHANGES: Atomic<u64> = Atomic::new(0);
static DEVICE_GENERATION_CHANGES: Atomic<u64> = Atomic::new(0);

/// A leap second the host announces for the end of the UTC day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Leap {
    /// None pending.
    None,
    /// A second will be inserted.
    Ins,
    /// A second will be deleted.
    Del,
}

impl Leap {
    /// The name shown in `host_leap`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Leap::None => "none",
            Leap::Ins => "ins",
            Leap::Del => "del",
        }
    }
}

/// The host's time status as one clock-pairing reply carried it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HostStatus {
    /// The host clock is synchronised (no `STA_UNSYNC`).
    pub(crate) sync: bool,
    /// A pending leap second.
    pub(crate) leap: Leap,
    /// The host's maximum error, in microseconds.
    pub(crate) maxerror_us: u32,
    /// The host's estimated error, in microseconds.
    pub(crate) esterror_us: u32,
    /// TAI - UTC, in seconds.
    pub(crate) tai_offset: i32,
}

/// Records the time scale served (once per load).
pub(crate) fn set_timescale(name: &'static str) {
    TIMESCALE.populate(name);
}

/// Records the KVM clock-pairing interface in use (once per load).
pub(crate) fn set_clock_pairing(name: &'static str) {
    CLOCK_PAIRING.populate(name);
}

/// Records the host status of a successful read.
pub(crate) fn record_host_status(st: &HostStatus) {
    HOST_SYNC.store(st.sync, Relaxed);
    let leap = match st.leap {
        Leap::None => 0,
        Leap::Ins => 1,
        Leap::Del => 2,
    };
    HOST_LEAP.store(leap, Relaxed);
    HOST_MAXERROR_US.store(i64::from(st.maxerror_us), Relaxed);
    HOST_ESTERROR_US.store(i64::from(st.esterror_us), Relaxed);
    HOST_TAI_OFFSET.store(st.tai_offset, Relaxed);
    HOST_VALID.store(true, Relaxed);
}

/// The host status the latest read recorded, `None` before any (or without any status).
pub(crate) fn host_status() -> Option<HostStatus> {
    if !HOST_VALID.load(Relaxed) {
        return None;
    }
    let leap = match HOST_LEAP.load(Relaxed) {
        1 => Leap::Ins,
        2 => Leap::Del,
        _ => Leap::None,
    };
    Some(HostStatus {
        sync: HOST_SYNC.load(Relaxed),
        leap,
        maxerror_us: u32::try_from(HOST_MAXERROR_US.load(Relaxed)).unwrap_or(u32::MAX),
        esterror_us: u32::try_from(HOST_ESTERROR_US.load(Relaxed)).unwrap_or(u32::MAX),
        tai_offset: HOST_TAI_OFFSET.load(Relaxed),
    })
}

/// Counts a read the host-status policy refused.
pub(crate) fn count_refused() {
    REFUSED_READS.add(1u64, Relaxed);
}

/// A version of the vmclock page: what the `page_*` files show of it.
pub(crate) struct PageVersion {
    /// The seqcount.
    pub(crate) seq: u32,
    /// The host timekeeper generation (KVM's extras).
    pub(crate) generation: u64,
    /// The TSC value the page's time belongs to, and the counter period (2^-(64 + shift) s).
    pub(crate) counter_value: u64,
    pub(crate) period: u64,
    pub(crate) shift: u8,
}

/// Records the page version a read saw and the host status it states, when it is not the
/// one recorded already. A version lasts for many reads (the host writes the page about
/// every 100 ms and at its timekeeper updates), so a read normally only loads two words
/// here: readers on other CPUs keep the cache line, where a store per read would bounce it
/// between them.
pub(crate) fn record_page(v: &PageVersion, st: &HostStatus) {
    if PAGE_VALID.load(Relaxed)
        && PAGE_SEQ.load(Relaxed) == i64::from(v.seq)
        && PAGE_GENERATION.load(Relaxed) == v.generation
    {
        return;
    }
    PAGE_COUNTER_VALUE.store(v.counter_value, Relaxed);
    PAGE_PERIOD.store(v.period, Relaxed);
    PAGE_SHIFT.store(i32::from(v.shift), Relaxed);
    PAGE_GENERATION.store(v.generation, Relaxed);
    PAGE_SEQ.store(i64::from(v.seq), Relaxed);
    record_host_status(st);
    PAGE_VALID.store(true, Relaxed);
}

/// Counts a read the hypercall served instead of the page, and why.
pub(crate) fn count_fallback(why: Fallback) {
    PAGE_FALLBACKS.add(1u64, Relaxed);
    PAGE_FALLBACK_LAST.store(why.index() as i32 + 1, Relaxed);
}

/// Counts a page registration that worked; a failed one is logged once.
pub(crate) fn count_page_registration(ok: bool) {
    if ok {
        PAGE_REGISTRATIONS.add(1u64, Relaxed);
    } else {
        compat::pr_warn_once!("registering the vmclock page again failed (reads fall back)\n");
    }
}

/// Records the guest physical address of the registered vmclock page (test builds).
#[cfg(ptp_vmclock_test_build)]
pub(crate) fn set_page_gpa(gpa: u64) {
    PAGE_GPA.store(gpa, Relaxed);
}

/// Publishes the device page to the status files (`None` withdraws it).
///
/// The caller keeps the page mapped from publishing it until it withdraws it, and
/// withdraws it only once the status directory is gone (`device::Published`, dropped after
/// [`Status`]).
pub(crate) fn set_device(page: Option<&DevicePage>) {
    DEVICE.store(page.map_or(core::ptr::null(), core::ptr::from_ref), Relaxed);
}

/// Counts a change of the device page's disruption marker and/or generation.
pub(crate) fn count_device_changes(marker: bool, generation: bool) {
    if marker {
        DEVICE_MARKER_CHANGES.add(1u64, Relaxed);
    }
    if generation {
        DEVICE_GENERATION_CHANGES.add(1u64, Relaxed);
    }
}

/// Records the transport in use (once per load).
pub(crate) fn set_transport(name: &'static str) {
    TRANSPORT.populate(name);
}

/// Records the index of the registered `/dev/ptpN` (once per load).
pub(crate) fn set_clock_index(index: i32) {
    CLOCK_INDEX.populate(index);
}

/// Records the counter of a successful cross timestamp.
pub(crate) fn set_crosststamp(counter: Counter) {
    let v = match counter {
        Counter::KvmClock => 1,
        Counter::Tsc => 2,
    };
    CROSSTSTAMP.store(v, Relaxed);
}

/// Counts a successful host read.
pub(crate) fn count_read() {
    // SAFETY: `this_cpu_inc()` on this CPU's counter: safe against preemption and
    // interrupts by definition (unlike `__this_cpu_inc()`); no other requirement.
    unsafe { bindings::ptp_vmclock_reads_inc() };
}

/// Successful reads since the module was loaded, summed over the CPUs' counters.
fn reads() -> u64 {
    // SAFETY: Reads every CPU's counter; a concurrent increment is missed or counted, no
    // more.
    unsafe { bindings::ptp_vmclock_reads_sum() }
}

/// Counts a failed read or cross timestamp.
pub(crate) fn count_error(err: Error) {
    ERRORS.add(1u64, Relaxed);
    LAST_ERROR.store(err.to_errno(), Relaxed);
}

/// Counts the outcome of a host read; the first failure per load is also logged.
pub(crate) fn count<T>(result: &Result<T>) {
    match result {
        Ok(_) => count_read(),
        Err(e) => {
            compat::pr_warn_once!(
                "host time read failed ({:?}); later failures are only counted in status/\n",
                e
            );
            count_error(*e);
        }
    }
}

/// A `kobj_attribute` in a static.
#[repr(transparent)]
struct Attr(bindings::kobj_attribute);

// SAFETY: The attribute is never written after initialisation; sysfs only reads it.
unsafe impl Sync for Attr {}

impl Attr {
    const fn new(name: &'static CStr) -> Self {
        let mut attr: bindings::kobj_attribute = compat::zeroed();
        attr.attr.name = compat::as_char_ptr_in_const_context(name);
        attr.attr.mode = 0o444;
        // 7.x wraps `show` in a union with a `const` variant; 6.12 has the plain field.
        #[cfg(not(ptp_vmclock_v6_12))]
        {
            attr.__bindgen_anon_1.show = Some(show);
        }
        #[cfg(ptp_vmclock_v6_12)]
        {
            attr.show = Some(show);
        }
        Self(attr)
    }

    const fn as_ptr(&'static self) -> *mut bindings::attribute {
        core::ptr::from_ref(&self.0.attr).cast_mut()
    }
}

static ATTR_TRANSPORT: Attr = Attr::new(c_str!("transport"));
static ATTR_CLOCK: Attr = Attr::new(c_str!("clock"));
static ATTR_CROSSTSTAMP: Attr = Attr::new(c_str!("crosststamp"));
static ATTR_READS: Attr = Attr::new(c_str!("reads"));
static ATTR_ERRORS: Attr = Attr::new(c_str!("errors"));
static ATTR_LAST_ERROR: Attr = Attr::new(c_str!("last_error"));
static ATTR_TIMESCALE: Attr = Attr::new(c_str!("timescale"));
static ATTR_CLOCK_PAIRING: Attr = Attr::new(c_str!("clock_pairing"));
static ATTR_HOST_SYNC: Attr = Attr::new(c_str!("host_sync"));
static ATTR_HOST_MAXERROR: Attr = Attr::new(c_str!("host_maxerror_us"));
static ATTR_HOST_ESTERROR: Attr = Attr::new(c_str!("host_esterror_us"));
static ATTR_HOST_LEAP: Attr = Attr::new(c_str!("host_leap"));
static ATTR_TAI_OFFSET: Attr = Attr::new(c_str!("tai_offset"));
static ATTR_REFUSED_READS: Attr = Attr::new(c_str!("refused_reads"));
static ATTR_MAX_LAG: Attr = Attr::new(c_str!("max_lag_us"));
static ATTR_PAGE_UPDATES: Attr = Attr::new(c_str!("page_updates"));
static ATTR_PAGE_GENERATION: Attr = Attr::new(c_str!("page_generation"));
static ATTR_PAGE_AGE: Attr = Attr::new(c_str!("page_age_us"));
static ATTR_PAGE_REGISTRATIONS: Attr = Attr::new(c_str!("page_registrations"));
static ATTR_PAGE_FALLBACKS: Attr = Attr::new(c_str!("page_fallbacks"));
static ATTR_PAGE_FALLBACK_LAST: Attr = Attr::new(c_str!("page_fallback_last"));
static ATTR_DEVICE_PAGE: Attr = Attr::new(c_str!("device_page"));
static ATTR_DEVICE_MARKER: Attr = Attr::new(c_str!("device_marker"));
static ATTR_DEVICE_GENERATION: Attr = Attr::new(c_str!("device_generation"));
static ATTR_DEVICE_MARKER_CHANGES: Attr = Attr::new(c_str!("device_marker_changes"));
static ATTR_DEVICE_GENERATION_CHANGES: Attr = Attr::new(c_str!("device_generation_changes"));

#[cfg(ptp_vmclock_test_build)]
static ATTR_PAGE_GPA: Attr = Attr::new(c_str!("page_gpa"));

/// The number of attributes: one more in test builds (`page_gpa`).
const NATTRS: usize = 26 + cfg!(ptp_vmclock_test_build) as usize;

/// The NULL-terminated attribute list of the group.
struct AttrList([*mut bindings::attribute; NATTRS + 1]);

// SAFETY: The list is never written; sysfs only reads it.
unsafe impl Sync for AttrList {}

static ATTRS: AttrList = AttrList([
    ATTR_TRANSPORT.as_ptr(),
    ATTR_CLOCK.as_ptr(),
    ATTR_CROSSTSTAMP.as_ptr(),
    ATTR_READS.as_ptr(),
    ATTR_ERRORS.as_ptr(),
    ATTR_LAST_ERROR.as_ptr(),
    ATTR_TIMESCALE.as_ptr(),
    ATTR_CLOCK_PAIRING.as_ptr(),
    ATTR_HOST_SYNC.as_ptr(),
    ATTR_HOST_MAXERROR.as_ptr(),
    ATTR_HOST_ESTERROR.as_ptr(),
    ATTR_HOST_LEAP.as_ptr(),
    ATTR_TAI_OFFSET.as_ptr(),
    ATTR_REFUSED_READS.as_ptr(),
    ATTR_MAX_LAG.as_ptr(),
    ATTR_PAGE_UPDATES.as_ptr(),
    ATTR_PAGE_GENERATION.as_ptr(),
    ATTR_PAGE_AGE.as_ptr(),
    ATTR_PAGE_REGISTRATIONS.as_ptr(),
    ATTR_PAGE_FALLBACKS.as_ptr(),
    ATTR_PAGE_FALLBACK_LAST.as_ptr(),
    ATTR_DEVICE_PAGE.as_ptr(),
    ATTR_DEVICE_MARKER.as_ptr(),
    ATTR_DEVICE_GENERATION.as_ptr(),
    ATTR_DEVICE_MARKER_CHANGES.as_ptr(),
    ATTR_DEVICE_GENERATION_CHANGES.as_ptr(),
    #[cfg(ptp_vmclock_test_build)]
    ATTR_PAGE_GPA.as_ptr(),
    core::ptr::null_mut(),
]);

/// The attribute group of the `status` directory.
struct Group(bindings::attribute_group);

// SAFETY: The group is never written; sysfs only reads it.
unsafe impl Sync for Group {}

static GROUP: Group = Group({
    let mut group: bindings::attribute_group = compat::zeroed();
    // 7.x wraps `attrs` in a union with a `const` variant; 6.12 has the plain field.
    #[cfg(not(ptp_vmclock_v6_12))]
    {
        group.__bindgen_anon_2.attrs = ATTRS.0.as_ptr().cast_mut();
    }
    #[cfg(ptp_vmclock_v6_12)]
    {
        group.attrs = ATTRS.0.as_ptr().cast_mut();
    }
    group
});

/// Formats the value of the attribute `attr`.
fn format(attr: *const bindings::kobj_attribute, f: &mut Formatter<'_>) -> core::fmt::Result {
    let is = |a: &'static Attr| core::ptr::eq(attr, &a.0);
    if let Some(result) = format_test_build(attr, f) {
        return result;
    }
    if is(&ATTR_TRANSPORT) {
        writeln!(f, "{}", TRANSPORT.as_ref().copied().unwrap_or("none"))
    } else if is(&ATTR_CLOCK) {
        match CLOCK_INDEX.copy() {
            Some(i) => writeln!(f, "ptp{}", i),
            None => writeln!(f, "none"),
        }
    } else if is(&ATTR_CROSSTSTAMP) {
        let mode = match CROSSTSTAMP.load(Relaxed) {
            1 => Counter::KvmClock.name(),
            2 => Counter::Tsc.name(),
            _ => "none",
        };
        writeln!(f, "{}", mode)
    } else if is(&ATTR_READS) {
        writeln!(f, "{}", reads())
    } else if is(&ATTR_ERRORS) {
        writeln!(f, "{}", ERRORS.load(Relaxed))
    } else if is(&ATTR_LAST_ERROR) {
        match LAST_ERROR.load(Relaxed) {
            0 => writeln!(f, "0"),
            e => writeln!(f, "{} {:?}", e, Error::from_errno(e)),
        }
    } else if is(&ATTR_TIMESCALE) {
        writeln!(f, "{}", TIMESCALE.as_ref().copied().unwrap_or("utc"))
    } else if is(&ATTR_CLOCK_PAIRING) {
        writeln!(f, "{}", CLOCK_PAIRING.as_ref().copied().unwrap_or("none"))
    } else if is(&ATTR_REFUSED_READS) {
        writeln!(f, "{}", REFUSED_READS.load(Relaxed))
    } else if is(&ATTR_PAGE_REGISTRATIONS) {
        writeln!(f, "{}", PAGE_REGISTRATIONS.load(Relaxed))
    } else if is(&ATTR_PAGE_FALLBACKS) {
        writeln!(f, "{}", PAGE_FALLBACKS.load(Relaxed))
    } else if is(&ATTR_PAGE_FALLBACK_LAST) {
        let last = match PAGE_FALLBACK_LAST.load(Relaxed) {
            0 => "none",
            i => Fallback::ALL
                .get(i as usize - 1)
                .map_or("none", |why| why.name()),
        };
        writeln!(f, "{}", last)
    } else if is(&ATTR_DEVICE_MARKER_CHANGES) {
        writeln!(f, "{}", DEVICE_MARKER_CHANGES.load(Relaxed))
    } else if is(&ATTR_DEVICE_GENERATION_CHANGES) {
        writeln!(f, "{}", DEVICE_GENERATION_CHANGES.load(Relaxed))
    } else if is(&ATTR_DEVICE_PAGE) || is(&ATTR_DEVICE_MARKER) || is(&ATTR_DEVICE_GENERATION) {
        // SAFETY: A published page stays mapped until after the status directory, whose
        // `show` calls this, is gone (`set_device`).
        let page = unsafe { DEVICE.load(Relaxed).as_ref() };
        match page {
            None => writeln!(f, "none"),
            Some(_) if is(&ATTR_DEVICE_PAGE) => writeln!(f, "found"),
            Some(page) => match page.disruption() {
                None => writeln!(f, "unsettled"),
                Some(d) if is(&ATTR_DEVICE_MARKER) => writeln!(f, "{}", d.marker),
                Some(d) => match d.generation {
                    Some(g) => writeln!(f, "{}", g),
                    None => writeln!(f, "none"),
                },
            },
        }
    } else if is(&ATTR_PAGE_UPDATES) || is(&ATTR_PAGE_GENERATION) || is(&ATTR_PAGE_AGE) {
        if !PAGE_VALID.load(Relaxed) {
            writeln!(f, "none")
        } else if is(&ATTR_PAGE_UPDATES) {
            writeln!(f, "{}", PAGE_SEQ.load(Relaxed) / 2)
        } else if is(&ATTR_PAGE_GENERATION) {
            writeln!(f, "{}", PAGE_GENERATION.load(Relaxed))
        } else {
            // The age now, from the TSC and the page's own scale (a racing update may pair
            // one version's counter value with another's period: off by the period's
            // change for one read of this file, no more).
            let age_us = crate::vmclock::age_us(
                crate::vmclock::rdtsc_ordered(),
                PAGE_COUNTER_VALUE.load(Relaxed),
                PAGE_PERIOD.load(Relaxed),
                PAGE_SHIFT.load(Relaxed) as u8,
            );
            writeln!(f, "{}", age_us)
        }
    } else if is(&ATTR_MAX_LAG) {
        // VMware's maximum time lag (GETTIMEFULL), which comes without a host status:
        // 0 with the other transports.
        writeln!(f, "{}", crate::vmport::max_lag_us())
    } else if !HOST_VALID.load(Relaxed) {
        // One of the host status attributes, before (or without) any status.
        writeln!(f, "unknown")
    } else if is(&ATTR_HOST_SYNC) {
        writeln!(f, "{}", u8::from(HOST_SYNC.load(Relaxed)))
    } else if is(&ATTR_HOST_MAXERROR) {
        writeln!(f, "{}", HOST_MAXERROR_US.load(Relaxed))
    } else if is(&ATTR_HOST_ESTERROR) {
        writeln!(f, "{}", HOST_ESTERROR_US.load(Relaxed))
    } else if is(&ATTR_HOST_LEAP) {
        let leap = match HOST_LEAP.load(Relaxed) {
            1 => Leap::Ins,
            2 => Leap::Del,
            _ => Leap::None,
        };
        writeln!(f, "{}", leap.name())
    } else if is(&ATTR_TAI_OFFSET) {
        writeln!(f, "{}", HOST_TAI_OFFSET.load(Relaxed))
    } else {
        Err(core::fmt::Error)
    }
}

/// Formats the attributes only test builds have (`page_gpa`); `None` for the others.
#[cfg(ptp_vmclock_test_build)]
fn format_test_build(
    attr: *const bindings::kobj_attribute,
    f: &mut Formatter<'_>,
) -> Option<core::fmt::Result> {
    if !core::ptr::eq(attr, &ATTR_PAGE_GPA.0) {
        return None;
    }
    Some(match PAGE_GPA.load(Relaxed) {
        0 => writeln!(f, "none"),
        gpa => writeln!(f, "{:#x}", gpa),
    })
}

/// Formats the attributes only test builds have: none here.
#[cfg(not(ptp_vmclock_test_build))]
fn format_test_build(
    _attr: *const bindings::kobj_attribute,
    _f: &mut Formatter<'_>,
) -> Option<core::fmt::Result> {
    None
}

/// The `show` callback of every status attribute.
///
/// # Safety
///
/// Called by sysfs with one of this file's attributes and a buffer of `PAGE_SIZE` bytes.
unsafe extern "C" fn show(
    _kobj: *mut bindings::kobject,
    attr: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: sysfs passes a buffer of `PAGE_SIZE` bytes that is ours during the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
    let mut f = Formatter::new(buf);
    match format(attr, &mut f) {
        // At most `PAGE_SIZE` bytes were written.
        Ok(()) => f.bytes_written() as isize,
        Err(_) => EIO.to_errno() as isize,
    }
}

/// The `status` directory; removed when dropped.
///
/// # Invariants
///
/// `kobj` is a kobject created by `kobject_create_and_add()` whose reference we own.
pub(crate) struct Status {
    kobj: NonNull<bindings::kobject>,
}

// SAFETY: The kobject may be released from any thread.
unsafe impl Send for Status {}
// SAFETY: `Status` has no `&self` methods that touch the kobject.
unsafe impl Sync for Status {}

impl Status {
    /// Creates `/sys/module/<module>/status/`.
    pub(crate) fn register(module: &'static ThisModule) -> Result<Self> {
        let m = module.as_ptr();
        if m.is_null() {
            // Built in: there is no module kobject to hang the directory on.
            return Err(ENODEV);
        }
        // SAFETY: `m` is this module, whose `mkobj` sysfs directory exists before `init` runs
        // and until after `exit` returns.
        let parent = unsafe { &raw mut (*m).mkobj.kobj };
        // SAFETY: The name is a valid C string; `parent` is a live kobject.
        let kobj =
            unsafe { bindings::kobject_create_and_add(c_str!("status").as_char_ptr(), parent) };
        let kobj = NonNull::new(kobj).ok_or(ENOMEM)?;
        // SAFETY: `kobj` is live; the group and its attributes are statics.
        let ret = unsafe { bindings::sysfs_create_group(kobj.as_ptr(), &GROUP.0) };
        if ret != 0 {
            // SAFETY: We own the only reference, created above.
            unsafe { bindings::kobject_put(kobj.as_ptr()) };
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: created above; the reference is ours.
        Ok(Self { kobj })
    }
}

impl Drop for Status {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference; dropping the last one removes the
        // directory and its files, waiting for running `show` calls.
        unsafe { bindings::kobject_put(self.kobj.as_ptr()) };
    }
}

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
//!   `stale`, `future`, `invalid`, `moved`, `leap`);
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
//! The values are the fields of one [`State`], which the clock owns (an `Arc` it shares
//! with the sysfs directory): atomics updated lock-free, the reads counter per CPU. The
//! transports keep none of it: a read reports what it learned ([`Report`]) and the clock
//! records it here ([`State::record`]).
//!
//! The directory belongs to a device: `status/` under the module's device
//! (`/sys/devices/faux/ptp_vmclock_rs/` on 7.x, a faux device that is also the PTP clock's
//! parent; `/sys/devices/ptp_vmclock_rs/` on 6.12, which has no faux bus). The ABI path
//! `/sys/module/ptp_vmclock_rs/status` is a symlink to it.

use crate::bindings;
use crate::compat::{self, faux, Atomic, Formatter, Relaxed};
use crate::device::{DeviceChanges, DevicePage};
use crate::sys::{rdtsc_ordered, PerCpuCounter};
use crate::transport::{Counter, HostStatus, Leap, PageVersion, Report};
use crate::vmclock::Fallback;
use core::fmt::Write;
use core::ptr::NonNull;
use kernel::{c_str, ffi::c_char, page::PAGE_SIZE, prelude::*, sync::Arc, ThisModule};

/// The host's time status as of the latest read that carried one.
struct HostCell {
    /// Whether the values below hold a status yet.
    valid: Atomic<bool>,
    sync: Atomic<bool>,
    /// 0: none, 1: ins, 2: del.
    leap: Atomic<i32>,
    maxerror_us: Atomic<i64>,
    esterror_us: Atomic<i64>,
    tai_offset: Atomic<i32>,
}

/// The newest vmclock page version a read has seen.
struct PageCell {
    /// Whether a page was read yet.
    valid: Atomic<bool>,
    seq: Atomic<i64>,
    generation: Atomic<u64>,
    counter_value: Atomic<u64>,
    period: Atomic<u64>,
    shift: Atomic<i32>,
}

/// What the transport and the clock are at load: the fixed part of the status.
pub(crate) struct Facts {
    /// The transport in use.
    pub(crate) transport: &'static str,
    /// The time scale served.
    pub(crate) timescale: &'static str,
    /// The KVM clock-pairing interface in use, if any.
    pub(crate) clock_pairing: Option<&'static str>,
    /// The guest physical address of the registered vmclock page, if any (shown in test
    /// builds only).
    #[cfg_attr(not(ptp_vmclock_test_build), allow(dead_code))]
    pub(crate) page_gpa: Option<u64>,
    /// The ACPI vmclock device's page, if any, shown while the state lives.
    pub(crate) device: Option<Arc<DevicePage>>,
}

/// The driver's status: what the files of the `status` directory show.
pub(crate) struct State {
    facts: Facts,
    /// The index of the registered `/dev/ptpN`, -1 before the registration.
    clock_index: Atomic<i32>,
    reads: PerCpuCounter,
    /// 0: none yet, 1: kvm-clock, 2: tsc.
    crosststamp: Atomic<i32>,
    errors: Atomic<u64>,
    last_error: Atomic<i32>,
    host: HostCell,
    page: PageCell,
    page_registrations: Atomic<u64>,
    page_fallbacks: Atomic<u64>,
    /// 0: none, else 1 + the index of the reason in `Fallback::ALL`.
    page_fallback_last: Atomic<i32>,
    device_marker_changes: Atomic<u64>,
    device_generation_changes: Atomic<u64>,
    /// VMware's maximum time lag from the latest `GETTIMEFULL`, 0 without one.
    max_lag_us: Atomic<u32>,
    /// Reads the host-status policy refused (clock.rs).
    refused_reads: Atomic<u64>,
}

impl State {
    /// The state of a clock with `facts`, which has learned what `probe` says so far.
    pub(crate) fn new(facts: Facts, probe: &Report) -> Result<Arc<Self>> {
        let state = Arc::new(
            Self {
                facts,
                clock_index: Atomic::new(-1),
                reads: PerCpuCounter::new()?,
                crosststamp: Atomic::new(0),
                errors: Atomic::new(0),
                last_error: Atomic::new(0),
                host: HostCell {
                    valid: Atomic::new(false),
                    sync: Atomic::new(false),
                    leap: Atomic::new(0),
                    maxerror_us: Atomic::new(0),
                    esterror_us: Atomic::new(0),
                    tai_offset: Atomic::new(0),
                },
                page: PageCell {
                    valid: Atomic::new(false),
                    seq: Atomic::new(0),
                    generation: Atomic::new(0),
                    counter_value: Atomic::new(0),
                    period: Atomic::new(0),
                    shift: Atomic::new(0),
                },
                page_registrations: Atomic::new(0),
                page_fallbacks: Atomic::new(0),
                page_fallback_last: Atomic::new(0),
                device_marker_changes: Atomic::new(0),
                device_generation_changes: Atomic::new(0),
                max_lag_us: Atomic::new(0),
                refused_reads: Atomic::new(0),
            },
            GFP_KERNEL,
        )?;
        state.record(probe);
        Ok(state)
    }

    /// Records the index of the registered `/dev/ptpN`.
    pub(crate) fn set_clock_index(&self, index: i32) {
        self.clock_index.store(index, Relaxed);
    }

    /// Records what a read (or the probe) reported: the one place the transports' findings
    /// reach the status.
    pub(crate) fn record(&self, r: &Report) {
        if let Some((version, host)) = &r.page {
            self.record_page(version, host);
        }
        if let Some(host) = &r.host {
            self.record_host_status(host);
        }
        if let Some(why) = r.fallback {
            self.page_fallbacks.add(1u64, Relaxed);
            self.page_fallback_last
                .store(why.index() as i32 + 1, Relaxed);
        }
        match r.registration {
            Some(true) => self.page_registrations.add(1u64, Relaxed),
            Some(false) => compat::pr_warn_once!(
                "registering the vmclock page again failed (reads fall back)\n"
            ),
            None => {}
        }
        if let Some(lag) = r.max_lag_us {
            self.max_lag_us.store(lag, Relaxed);
        }
        self.count_device_changes(r.device_changes);
    }

    /// Records the host status of a successful read.
    fn record_host_status(&self, st: &HostStatus) {
        let h = &self.host;
        h.sync.store(st.sync, Relaxed);
        let leap = match st.leap {
            Leap::None => 0,
            Leap::Ins => 1,
            Leap::Del => 2,
        };
        h.leap.store(leap, Relaxed);
        h.maxerror_us.store(i64::from(st.maxerror_us), Relaxed);
        h.esterror_us.store(i64::from(st.esterror_us), Relaxed);
        h.tai_offset.store(st.tai_offset, Relaxed);
        h.valid.store(true, Relaxed);
    }

    /// Records the page version a read saw and the host status it states, when it is not
    /// the one recorded already. A version lasts for many reads (the host writes the page
    /// about every 100 ms and at its timekeeper updates), so a read normally only loads two
    /// words here: readers on other CPUs keep the cache line, where a store per read would
    /// bounce it between them.
    fn record_page(&self, v: &PageVersion, st: &HostStatus) {
        let p = &self.page;
        if p.valid.load(Relaxed)
            && p.seq.load(Relaxed) == i64::from(v.seq)
            && p.generation.load(Relaxed) == v.generation
        {
            return;
        }
        p.counter_value.store(v.counter_value, Relaxed);
        p.period.store(v.period, Relaxed);
        p.shift.store(i32::from(v.shift), Relaxed);
        p.generation.store(v.generation, Relaxed);
        p.seq.store(i64::from(v.seq), Relaxed);
        self.record_host_status(st);
        p.valid.store(true, Relaxed);
    }

    /// Counts changes of a page's disruption marker and/or generation.
    pub(crate) fn count_device_changes(&self, c: DeviceChanges) {
        if c.marker {
            self.device_marker_changes.add(1u64, Relaxed);
        }
        if c.generation {
            self.device_generation_changes.add(1u64, Relaxed);
        }
    }

    /// The host status the latest read recorded, `None` before any (or without any
    /// status): what the host-status policy (clock.rs) judges.
    pub(crate) fn host_status(&self) -> Option<HostStatus> {
        let h = &self.host;
        if !h.valid.load(Relaxed) {
            return None;
        }
        let leap = match h.leap.load(Relaxed) {
            1 => Leap::Ins,
            2 => Leap::Del,
            _ => Leap::None,
        };
        Some(HostStatus {
            sync: h.sync.load(Relaxed),
            leap,
            maxerror_us: u32::try_from(h.maxerror_us.load(Relaxed)).unwrap_or(u32::MAX),
            esterror_us: u32::try_from(h.esterror_us.load(Relaxed)).unwrap_or(u32::MAX),
            tai_offset: h.tai_offset.load(Relaxed),
        })
    }

    /// Counts a read the host-status policy refused.
    pub(crate) fn count_refused(&self) {
        self.refused_reads.add(1u64, Relaxed);
    }

    /// Records the counter of a successful cross timestamp.
    pub(crate) fn set_crosststamp(&self, counter: Counter) {
        let v = match counter {
            Counter::KvmClock => 1,
            Counter::Tsc => 2,
        };
        self.crosststamp.store(v, Relaxed);
    }

    /// Counts a failed read or cross timestamp.
    pub(crate) fn count_error(&self, err: Error) {
        self.errors.add(1u64, Relaxed);
        self.last_error.store(err.to_errno(), Relaxed);
    }

    /// Counts the outcome of a host read; the first failure per load is also logged.
    pub(crate) fn count<T>(&self, result: &Result<T>) {
        match result {
            Ok(_) => self.reads.inc(),
            Err(e) => {
                compat::pr_warn_once!(
                    "host time read failed ({:?}); later failures are only counted in status/\n",
                    e
                );
                self.count_error(*e);
            }
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

/// Formats the value of the attribute `attr` of `st`.
fn format(
    st: &State,
    attr: *const bindings::kobj_attribute,
    f: &mut Formatter<'_>,
) -> core::fmt::Result {
    let is = |a: &'static Attr| core::ptr::eq(attr, &a.0);
    if let Some(result) = format_test_build(st, attr, f) {
        return result;
    }
    let (host, page) = (&st.host, &st.page);
    if is(&ATTR_TRANSPORT) {
        writeln!(f, "{}", st.facts.transport)
    } else if is(&ATTR_CLOCK) {
        match st.clock_index.load(Relaxed) {
            i if i >= 0 => writeln!(f, "ptp{}", i),
            _ => writeln!(f, "none"),
        }
    } else if is(&ATTR_CROSSTSTAMP) {
        let mode = match st.crosststamp.load(Relaxed) {
            1 => Counter::KvmClock.name(),
            2 => Counter::Tsc.name(),
            _ => "none",
        };
        writeln!(f, "{}", mode)
    } else if is(&ATTR_READS) {
        writeln!(f, "{}", st.reads.sum())
    } else if is(&ATTR_ERRORS) {
        writeln!(f, "{}", st.errors.load(Relaxed))
    } else if is(&ATTR_LAST_ERROR) {
        match st.last_error.load(Relaxed) {
            0 => writeln!(f, "0"),
            e => writeln!(f, "{} {:?}", e, Error::from_errno(e)),
        }
    } else if is(&ATTR_TIMESCALE) {
        writeln!(f, "{}", st.facts.timescale)
    } else if is(&ATTR_CLOCK_PAIRING) {
        writeln!(f, "{}", st.facts.clock_pairing.unwrap_or("none"))
    } else if is(&ATTR_REFUSED_READS) {
        writeln!(f, "{}", st.refused_reads.load(Relaxed))
    } else if is(&ATTR_PAGE_REGISTRATIONS) {
        writeln!(f, "{}", st.page_registrations.load(Relaxed))
    } else if is(&ATTR_PAGE_FALLBACKS) {
        writeln!(f, "{}", st.page_fallbacks.load(Relaxed))
    } else if is(&ATTR_PAGE_FALLBACK_LAST) {
        let last = match st.page_fallback_last.load(Relaxed) {
            0 => "none",
            i => Fallback::ALL
                .get(i as usize - 1)
                .map_or("none", |why| why.name()),
        };
        writeln!(f, "{}", last)
    } else if is(&ATTR_DEVICE_MARKER_CHANGES) {
        writeln!(f, "{}", st.device_marker_changes.load(Relaxed))
    } else if is(&ATTR_DEVICE_GENERATION_CHANGES) {
        writeln!(f, "{}", st.device_generation_changes.load(Relaxed))
    } else if is(&ATTR_DEVICE_PAGE) || is(&ATTR_DEVICE_MARKER) || is(&ATTR_DEVICE_GENERATION) {
        match &st.facts.device {
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
        if !page.valid.load(Relaxed) {
            writeln!(f, "none")
        } else if is(&ATTR_PAGE_UPDATES) {
            writeln!(f, "{}", page.seq.load(Relaxed) / 2)
        } else if is(&ATTR_PAGE_GENERATION) {
            writeln!(f, "{}", page.generation.load(Relaxed))
        } else {
            // The age now, from the TSC and the page's own scale (a racing update may pair
            // one version's counter value with another's period: off by the period's
            // change for one read of this file, no more).
            let age_us = crate::vmclock::age_us(
                rdtsc_ordered(),
                page.counter_value.load(Relaxed),
                page.period.load(Relaxed),
                page.shift.load(Relaxed) as u8,
            );
            writeln!(f, "{}", age_us)
        }
    } else if is(&ATTR_MAX_LAG) {
        // VMware's maximum time lag (GETTIMEFULL), which comes without a host status:
        // 0 with the other transports.
        writeln!(f, "{}", st.max_lag_us.load(Relaxed))
    } else if !host.valid.load(Relaxed) {
        // One of the host status attributes, before (or without) any status.
        writeln!(f, "unknown")
    } else if is(&ATTR_HOST_SYNC) {
        writeln!(f, "{}", u8::from(host.sync.load(Relaxed)))
    } else if is(&ATTR_HOST_MAXERROR) {
        writeln!(f, "{}", host.maxerror_us.load(Relaxed))
    } else if is(&ATTR_HOST_ESTERROR) {
        writeln!(f, "{}", host.esterror_us.load(Relaxed))
    } else if is(&ATTR_HOST_LEAP) {
        let leap = match host.leap.load(Relaxed) {
            1 => Leap::Ins,
            2 => Leap::Del,
            _ => Leap::None,
        };
        writeln!(f, "{}", leap.name())
    } else if is(&ATTR_TAI_OFFSET) {
        writeln!(f, "{}", host.tai_offset.load(Relaxed))
    } else {
        Err(core::fmt::Error)
    }
}

/// Formats the attributes only test builds have (`page_gpa`); `None` for the others.
#[cfg(ptp_vmclock_test_build)]
fn format_test_build(
    st: &State,
    attr: *const bindings::kobj_attribute,
    f: &mut Formatter<'_>,
) -> Option<core::fmt::Result> {
    if !core::ptr::eq(attr, &ATTR_PAGE_GPA.0) {
        return None;
    }
    Some(match st.facts.page_gpa {
        None => writeln!(f, "none"),
        Some(gpa) => writeln!(f, "{:#x}", gpa),
    })
}

/// Formats the attributes only test builds have: none here.
#[cfg(not(ptp_vmclock_test_build))]
fn format_test_build(
    _st: &State,
    _attr: *const bindings::kobj_attribute,
    _f: &mut Formatter<'_>,
) -> Option<core::fmt::Result> {
    None
}

/// The `show` callback of every status attribute.
///
/// # Safety
///
/// Called by sysfs with one of this file's attributes of a [`Status`] directory (`kobj`)
/// and a buffer of `PAGE_SIZE` bytes.
unsafe extern "C" fn show(
    kobj: *mut bindings::kobject,
    attr: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: `kobj` is the directory of a `Status`, whose parent device's driver data is
    // the `State` that `Status` holds a reference to until after the directory is gone
    // (`Status::register`, `drop`): the state is alive during this call.
    let st = unsafe { &*bindings::ptp_vmclock_kobj_parent_drvdata(kobj).cast::<State>() };
    // SAFETY: sysfs passes a buffer of `PAGE_SIZE` bytes that is ours during the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
    let mut f = Formatter::new(buf);
    match format(st, attr, &mut f) {
        // At most `PAGE_SIZE` bytes were written.
        Ok(()) => f.bytes_written() as isize,
        Err(_) => EIO.to_errno() as isize,
    }
}

/// The name of the directory and of the module's link to it.
const STATUS: &CStr = c_str!("status");

/// The `status` directory under the driver's device, and the module's `status` link to
/// it; removed when dropped.
///
/// # Invariants
///
/// `kobj` is a kobject created by `kobject_create_and_add()` under `device`'s kobject,
/// whose reference we own; `device`'s driver data points to `_state` until `drop`;
/// `module`, if not NULL, is this module's kobject, holding a link named [`STATUS`].
pub(crate) struct Status {
    kobj: NonNull<bindings::kobject>,
    device: *mut bindings::device,
    module: *mut bindings::kobject,
    _state: Arc<State>,
}

// SAFETY: The kobject, the device's driver data and the link may be released from any
// thread.
unsafe impl Send for Status {}
// SAFETY: `Status` has no `&self` methods.
unsafe impl Sync for Status {}

impl Status {
    /// Creates `status/` under the device `dev` (which must outlive the returned object)
    /// showing `state`, and the link `/sys/module/<module>/status` to it.
    pub(crate) fn register(
        module: &'static ThisModule,
        dev: &faux::Registration,
        state: Arc<State>,
    ) -> Result<Self> {
        let m = module.as_ptr();
        if m.is_null() {
            // Built in: there is no module kobject to hang the link on.
            return Err(ENODEV);
        }
        let device = compat::device_as_raw(compat::faux_device(dev));
        // The driver data first: `show` may run as soon as the files exist. The faux
        // driver (and the 6.12 root device) keep no data of their own.
        // SAFETY: `device` is a live device; the data stays valid while this object (which
        // holds `state`) lives, and `drop` clears it.
        unsafe {
            bindings::ptp_vmclock_dev_set_drvdata(
                device,
                core::ptr::from_ref::<State>(&state).cast_mut().cast(),
            )
        };
        // SAFETY: The name is a valid C string; the device's kobject is live.
        let kobj = unsafe {
            bindings::kobject_create_and_add(STATUS.as_char_ptr(), &raw mut (*device).kobj)
        };
        let Some(kobj) = NonNull::new(kobj) else {
            // SAFETY: `device` is live; nothing uses the data yet.
            unsafe { bindings::ptp_vmclock_dev_set_drvdata(device, core::ptr::null_mut()) };
            return Err(ENOMEM);
        };
        // INVARIANT: created above; the reference is ours; the link comes next.
        let mut this = Self {
            kobj,
            device,
            module: core::ptr::null_mut(),
            _state: state,
        };
        // SAFETY: `kobj` is live; the group and its attributes are statics.
        let ret = unsafe { bindings::sysfs_create_group(kobj.as_ptr(), &GROUP.0) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // SAFETY: `m` is this module, whose `mkobj` sysfs directory exists before `init`
        // runs and until after `exit` returns.
        let mkobj = unsafe { &raw mut (*m).mkobj.kobj };
        // SAFETY: Both kobjects are live; the name is a valid C string.
        let ret =
            unsafe { bindings::sysfs_create_link(mkobj, kobj.as_ptr(), STATUS.as_char_ptr()) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: the link exists.
        this.module = mkobj;
        Ok(this)
    }
}

impl Drop for Status {
    fn drop(&mut self) {
        if !self.module.is_null() {
            // SAFETY: By the type invariant the module's kobject holds the link.
            unsafe { bindings::sysfs_remove_link(self.module, STATUS.as_char_ptr()) };
        }
        // SAFETY: By the type invariant we own a reference; dropping the last one removes the
        // directory and its files, waiting for running `show` calls.
        unsafe { bindings::kobject_put(self.kobj.as_ptr()) };
        // SAFETY: `device` is live (it outlives this object); no `show` runs any more.
        unsafe { bindings::ptp_vmclock_dev_set_drvdata(self.device, core::ptr::null_mut()) };
        // `_state` is dropped after this.
    }
}

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
//!
//! This file names the files ([`File`]) and formats their values ([`State`]'s
//! [`sysfs::Show`]); the sysfs machinery (the attributes, their `show` callback, the
//! directory, the device's driver data and the module's link) is the abstraction in
//! sysfs.rs.

use crate::compat::{self, faux, Atomic, Formatter, Relaxed};
#[cfg(CONFIG_X86)]
use crate::device::DevicePage;
use crate::sys::PerCpuCounter;
use crate::sysfs::{self, Attribute, AttributeGroup, AttributeList, Directory};
use crate::transport::{Counter, DeviceChanges, Fallback, HostStatus, Leap, PageVersion, Report};
use core::fmt::Write;
use kernel::{c_str, prelude::*, sync::Arc, ThisModule};

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
    /// The ACPI vmclock device's page, if any, shown while the state lives (x86).
    #[cfg(CONFIG_X86)]
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
        self.crosststamp.store(counter.code(), Relaxed);
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

/// The files of the `status` directory: what [`State`] shows.
#[derive(Clone, Copy)]
pub(crate) enum File {
    Transport,
    Clock,
    Crosststamp,
    Reads,
    Errors,
    LastError,
    Timescale,
    ClockPairing,
    HostSync,
    HostMaxerror,
    HostEsterror,
    HostLeap,
    TaiOffset,
    RefusedReads,
    MaxLag,
    PageUpdates,
    PageGeneration,
    PageAge,
    PageRegistrations,
    PageFallbacks,
    PageFallbackLast,
    DevicePage,
    DeviceMarker,
    DeviceGeneration,
    DeviceMarkerChanges,
    DeviceGenerationChanges,
    #[cfg(ptp_vmclock_test_build)]
    PageGpa,
}

/// The number of files: one more in test builds (`page_gpa`).
const NFILES: usize = 26 + cfg!(ptp_vmclock_test_build) as usize;

/// The files, in the order of the attribute group.
static FILES: [Attribute<State>; NFILES] = [
    Attribute::new(c_str!("transport"), File::Transport),
    Attribute::new(c_str!("clock"), File::Clock),
    Attribute::new(c_str!("crosststamp"), File::Crosststamp),
    Attribute::new(c_str!("reads"), File::Reads),
    Attribute::new(c_str!("errors"), File::Errors),
    Attribute::new(c_str!("last_error"), File::LastError),
    Attribute::new(c_str!("timescale"), File::Timescale),
    Attribute::new(c_str!("clock_pairing"), File::ClockPairing),
    Attribute::new(c_str!("host_sync"), File::HostSync),
    Attribute::new(c_str!("host_maxerror_us"), File::HostMaxerror),
    Attribute::new(c_str!("host_esterror_us"), File::HostEsterror),
    Attribute::new(c_str!("host_leap"), File::HostLeap),
    Attribute::new(c_str!("tai_offset"), File::TaiOffset),
    Attribute::new(c_str!("refused_reads"), File::RefusedReads),
    Attribute::new(c_str!("max_lag_us"), File::MaxLag),
    Attribute::new(c_str!("page_updates"), File::PageUpdates),
    Attribute::new(c_str!("page_generation"), File::PageGeneration),
    Attribute::new(c_str!("page_age_us"), File::PageAge),
    Attribute::new(c_str!("page_registrations"), File::PageRegistrations),
    Attribute::new(c_str!("page_fallbacks"), File::PageFallbacks),
    Attribute::new(c_str!("page_fallback_last"), File::PageFallbackLast),
    Attribute::new(c_str!("device_page"), File::DevicePage),
    Attribute::new(c_str!("device_marker"), File::DeviceMarker),
    Attribute::new(c_str!("device_generation"), File::DeviceGeneration),
    Attribute::new(c_str!("device_marker_changes"), File::DeviceMarkerChanges),
    Attribute::new(
        c_str!("device_generation_changes"),
        File::DeviceGenerationChanges,
    ),
    #[cfg(ptp_vmclock_test_build)]
    Attribute::new(c_str!("page_gpa"), File::PageGpa),
];

static ATTRS: AttributeList<State, NFILES> = AttributeList::new(&FILES);

/// The attribute group of the `status` directory.
static GROUP: AttributeGroup<State> = AttributeGroup::new(&ATTRS);

impl sysfs::Show for State {
    type Id = File;

    /// Formats the value of the file `file`.
    fn show(&self, file: File, f: &mut Formatter<'_>) -> core::fmt::Result {
        let (host, page) = (&self.host, &self.page);
        match file {
            File::Transport => writeln!(f, "{}", self.facts.transport),
            File::Clock => match self.clock_index.load(Relaxed) {
                i if i >= 0 => writeln!(f, "ptp{}", i),
                _ => writeln!(f, "none"),
            },
            File::Crosststamp => {
                let mode = Counter::from_code(self.crosststamp.load(Relaxed));
                writeln!(f, "{}", mode.map_or("none", Counter::name))
            }
            File::Reads => writeln!(f, "{}", self.reads.sum()),
            File::Errors => writeln!(f, "{}", self.errors.load(Relaxed)),
            File::LastError => match self.last_error.load(Relaxed) {
                0 => writeln!(f, "0"),
                e => writeln!(f, "{} {:?}", e, Error::from_errno(e)),
            },
            File::Timescale => writeln!(f, "{}", self.facts.timescale),
            File::ClockPairing => writeln!(f, "{}", self.facts.clock_pairing.unwrap_or("none")),
            File::RefusedReads => writeln!(f, "{}", self.refused_reads.load(Relaxed)),
            File::PageRegistrations => writeln!(f, "{}", self.page_registrations.load(Relaxed)),
            File::PageFallbacks => writeln!(f, "{}", self.page_fallbacks.load(Relaxed)),
            File::PageFallbackLast => {
                let last = match self.page_fallback_last.load(Relaxed) {
                    0 => "none",
                    i => Fallback::ALL
                        .get(i as usize - 1)
                        .map_or("none", |why| why.name()),
                };
                writeln!(f, "{}", last)
            }
            File::DeviceMarkerChanges => {
                writeln!(f, "{}", self.device_marker_changes.load(Relaxed))
            }
            File::DeviceGenerationChanges => {
                writeln!(f, "{}", self.device_generation_changes.load(Relaxed))
            }
            #[cfg(not(CONFIG_X86))]
            File::DevicePage | File::DeviceMarker | File::DeviceGeneration => writeln!(f, "none"),
            #[cfg(CONFIG_X86)]
            File::DevicePage | File::DeviceMarker | File::DeviceGeneration => {
                match &self.facts.device {
                    None => writeln!(f, "none"),
                    Some(_) if matches!(file, File::DevicePage) => writeln!(f, "found"),
                    Some(page) => match page.disruption() {
                        None => writeln!(f, "unsettled"),
                        Some(d) if matches!(file, File::DeviceMarker) => {
                            writeln!(f, "{}", d.marker)
                        }
                        Some(d) => match d.generation {
                            Some(g) => writeln!(f, "{}", g),
                            None => writeln!(f, "none"),
                        },
                    },
                }
            }
            File::PageUpdates | File::PageGeneration | File::PageAge
                if !page.valid.load(Relaxed) =>
            {
                writeln!(f, "none")
            }
            File::PageUpdates => writeln!(f, "{}", page.seq.load(Relaxed) / 2),
            File::PageGeneration => writeln!(f, "{}", page.generation.load(Relaxed)),
            // No vmclock page on other architectures: never valid, shown as "none" above.
            #[cfg(not(CONFIG_X86))]
            File::PageAge => writeln!(f, "none"),
            #[cfg(CONFIG_X86)]
            File::PageAge => {
                // The age now, from the TSC and the page's own scale (a racing update may
                // pair one version's counter value with another's period: off by the
                // period's change for one read of this file, no more).
                let age_us = crate::vmclock::age_us(
                    crate::sys::rdtsc_ordered(),
                    page.counter_value.load(Relaxed),
                    page.period.load(Relaxed),
                    page.shift.load(Relaxed) as u8,
                );
                writeln!(f, "{}", age_us)
            }
            // VMware's maximum time lag (GETTIMEFULL), which comes without a host status:
            // 0 with the other transports.
            File::MaxLag => writeln!(f, "{}", self.max_lag_us.load(Relaxed)),
            // The host status, before (or without) any.
            File::HostSync
            | File::HostMaxerror
            | File::HostEsterror
            | File::HostLeap
            | File::TaiOffset
                if !host.valid.load(Relaxed) =>
            {
                writeln!(f, "unknown")
            }
            File::HostSync => writeln!(f, "{}", u8::from(host.sync.load(Relaxed))),
            File::HostMaxerror => writeln!(f, "{}", host.maxerror_us.load(Relaxed)),
            File::HostEsterror => writeln!(f, "{}", host.esterror_us.load(Relaxed)),
            File::HostLeap => {
                let leap = match host.leap.load(Relaxed) {
                    1 => Leap::Ins,
                    2 => Leap::Del,
                    _ => Leap::None,
                };
                writeln!(f, "{}", leap.name())
            }
            File::TaiOffset => writeln!(f, "{}", host.tai_offset.load(Relaxed)),
            #[cfg(ptp_vmclock_test_build)]
            File::PageGpa => match self.facts.page_gpa {
                None => writeln!(f, "none"),
                Some(gpa) => writeln!(f, "{:#x}", gpa),
            },
        }
    }
}

/// The name of the directory and of the module's link to it.
const STATUS: &CStr = c_str!("status");

/// The `status` directory under the driver's device, and the module's `status` link to
/// it; removed when dropped.
pub(crate) struct Status {
    _dir: Directory<State>,
}

impl Status {
    /// Creates `status/` under the device `dev` (drop the returned object before `dev`)
    /// showing `state`, and the link `/sys/module/<module>/status` to it.
    pub(crate) fn register(
        module: &'static ThisModule,
        dev: &faux::Registration,
        state: Arc<State>,
    ) -> Result<Self> {
        Ok(Self {
            _dir: Directory::register(dev, STATUS, &GROUP, state, Some(module))?,
        })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The page of an ACPI vmclock device (QEMU's `-device vmclock`, Firecracker's, AWS
//! Nitro's): found without binding the device, mapped read-only for the module's life.
//!
//! Upstream's C `ptp_vmclock` binds that device (`_HID` `AMZNC10C`, `_CID` `VMCLOCK`) and
//! offers its page as `/dev/vmclockN`. This module only looks the device up in the ACPI
//! namespace, takes its one memory resource (`_CRS`) and maps it as upstream does
//! (`memremap(MEMREMAP_WB | MEMREMAP_DEC)`), so both modules load, serve and unload
//! together in either order: neither claims anything of the other's.
//!
//! The page is read with the same seqcount reader and decoder as the KVM-filled page
//! ([`PageSource`]). When its counter is the TSC and its status says the time is known it
//! serves the `vmclock` transport's time ([`DevicePage::serves_time`]). QEMU's and
//! Firecracker's devices leave the time unknown (`clock_status` 0, counter id 0xff) and
//! use the page to announce disruptions: the disruption marker changes whenever the
//! counter was disrupted (live migration, snapshot restore) and, when the flag
//! `VM_GEN_COUNTER_PRESENT` says so, the VM generation counter whenever the VM was
//! restored from a snapshot. [`DevicePage::poll`] notices either on every PHC read with
//! one load of the seqcount (every write of the page moves it), logs the change and
//! returns it: the clock counts it and registers the KVM page again
//! (`Vmclock::disrupted`).

use crate::compat::{Atomic, Relaxed};
use crate::sys::{self, MemRemap};
use crate::transport::{DeviceChanges, NoBracket};
use crate::vmclock::{
    decode_aged, Disruption, PageSource, ABI_SIZE, DEVICE_MAX_AGE_FRAC, OFF_FLAGS, OFF_SIZE,
    OFF_VERSION, VMCLOCK_MAGIC,
};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The most of the resource that is mapped: one page (the ABI needs 112 bytes).
const MAP_MAX: u64 = 4096;

/// The fewest bytes a device page must have: through `flags` (upstream's
/// `VMCLOCK_MIN_SIZE`), which covers the seqcount and the disruption marker.
const MIN_SIZE: usize = OFF_FLAGS + 8;

/// The least time between two log lines about disruptions, in nanoseconds.
const LOG_INTERVAL_NS: u64 = 1_000_000_000;

/// A mapped ACPI vmclock device page; unmapped when dropped.
pub(crate) struct DevicePage {
    map: MemRemap,
    /// The bytes that are read: the page's `size` at probe time, within the mapping.
    avail: usize,
    /// The resource's physical address, for the log.
    phys: u64,
    watch: DisruptionWatch,
}

impl PageSource for DevicePage {
    const KVM_EXTRAS: bool = false;

    fn word(&self, off: usize) -> u64 {
        if off + 8 > self.avail {
            return 0;
        }
        self.map.read_u64(off).map_or(0, u64::from_le)
    }
}

impl DevicePage {
    /// Finds, maps and checks the device's page; `None` (with a log line saying why when
    /// a device is there) when there is none this module can read.
    pub(crate) fn probe() -> Option<Arc<Self>> {
        let resource = sys::acpi_vmclock_resource();
        if resource == Err(ENODEV) {
            return None;
        }
        let page = Self::map(resource).inspect_err(|why| {
            pr_info!("ACPI vmclock device ignored: {}\n", why);
        });
        let page = page.ok()?;
        let d = page.disruption();
        pr_info!(
            "ACPI vmclock device page at {:#x}: size {}, {}, disruption marker {:?}, \
             generation {:?}\n",
            page.phys,
            page.avail,
            if page.serves_time() {
                "serves the time"
            } else {
                "time unknown: signals disruptions only"
            },
            d.map(|d| d.marker),
            d.and_then(|d| d.generation),
        );
        Arc::new(page, GFP_KERNEL)
            .inspect_err(|_| pr_warn!("ACPI vmclock device ignored: out of memory\n"))
            .ok()
    }

    /// Maps the memory `resource` (start, length) and checks its header before anything
    /// beyond it is read.
    fn map(resource: Result<(u64, u64)>) -> Result<Self, &'static str> {
        let (start, len) = resource.map_err(|_| "no single memory resource")?;
        if (len as usize) < MIN_SIZE || start % 8 != 0 {
            return Err("memory resource too small or misaligned");
        }
        let map = MemRemap::new(start, len.min(MAP_MAX)).ok_or("cannot map its memory")?;
        // For now only the header.
        let mut page = Self {
            map,
            avail: OFF_VERSION + 8,
            phys: start,
            watch: DisruptionWatch::new(),
        };
        // The header: magic and size, version (constant fields).
        let magic = page.bits(0, 4) as u32;
        let size = page.bits(OFF_SIZE, 4) as usize;
        let version = page.bits(OFF_VERSION, 2);
        if magic != VMCLOCK_MAGIC || version != 1 {
            return Err("bad magic or version");
        }
        if size < MIN_SIZE || size as u64 > len {
            return Err("its size field disagrees with the memory resource");
        }
        // At most the mapping, a multiple of 8.
        page.avail = size.min(page.map.len()) & !7;
        page.watch.start(&page);
        Ok(page)
    }

    /// The marker and generation the page holds now; `None` if its seqcount did not
    /// settle.
    pub(crate) fn disruption(&self) -> Option<Disruption> {
        self.snapshot(&mut NoBracket).map(|s| Disruption::of(&s))
    }

    /// Whether the page can serve the time: it decodes (counter TSC, the time known, sane
    /// values, not older than [`DEVICE_MAX_AGE_FRAC`]) and its `size` covers the ABI.
    pub(crate) fn serves_time(&self) -> bool {
        self.avail >= ABI_SIZE
            && self
                .snapshot(&mut NoBracket)
                .is_some_and(|s| decode_aged(&s, DEVICE_MAX_AGE_FRAC).is_ok())
    }

    /// See [`DisruptionWatch::poll`].
    pub(crate) fn poll(&self) -> DeviceChanges {
        self.watch.poll(self)
    }
}

/// What the module last saw of a page's disruption signals, and the check on every read.
///
/// Used for the ACPI device's page and, in test builds, for the mock transport's page
/// whose marker the module moves itself (`mock_page=disruption`).
pub(crate) struct DisruptionWatch {
    /// The seqcount of the page when the module last looked at its marker and generation.
    seen_seq: Atomic<u32>,
    seen_marker: Atomic<u64>,
    /// The generation, and whether the page had one (the flag).
    seen_generation: Atomic<u64>,
    seen_has_generation: Atomic<bool>,
    /// Whether the `seen_*` values are the page's (a first look that found the seqcount
    /// unsettled leaves them unknown: the next settled look takes them as seen).
    seen_valid: Atomic<bool>,
    /// Taken by the one reader that handles a change; the others go on.
    busy: Atomic<bool>,
    /// `ktime_get_mono_fast_ns()` of the last disruption log line.
    last_log_ns: Atomic<u64>,
}

impl DisruptionWatch {
    /// A watch that has seen nothing yet: the first [`DisruptionWatch::poll`] only takes
    /// what the page holds as seen, unless [`DisruptionWatch::start`] did.
    pub(crate) const fn new() -> Self {
        Self {
            // Odd: no settled page has it.
            seen_seq: Atomic::new(1),
            seen_marker: Atomic::new(0),
            seen_generation: Atomic::new(0),
            seen_has_generation: Atomic::new(false),
            seen_valid: Atomic::new(false),
            busy: Atomic::new(false),
            last_log_ns: Atomic::new(0),
        }
    }

    /// Takes what `page` holds now as seen (no change to report).
    pub(crate) fn start(&self, page: &impl PageSource) {
        if let Some(s) = page.snapshot(&mut NoBracket) {
            self.remember(s.seq, &Disruption::of(&s));
        }
    }

    fn remember(&self, seq: u32, d: &Disruption) {
        self.seen_marker.store(d.marker, Relaxed);
        self.seen_generation
            .store(d.generation.unwrap_or(0), Relaxed);
        self.seen_has_generation
            .store(d.generation.is_some(), Relaxed);
        self.seen_valid.store(true, Relaxed);
        self.seen_seq.store(seq, Relaxed);
    }

    fn seen(&self) -> Disruption {
        Disruption {
            marker: self.seen_marker.load(Relaxed),
            generation: self
                .seen_has_generation
                .load(Relaxed)
                .then(|| self.seen_generation.load(Relaxed)),
        }
    }

    /// Called on every PHC read: whether the disruption marker or the VM generation
    /// counter changed since the last call that saw a change (logged here).
    ///
    /// The host moves the seqcount on every write of the page, so one load of it against
    /// the last seqcount seen tells that nothing was written: nothing is stored then, and
    /// the readers of all CPUs share the cache lines read-only. Only after a write does one
    /// reader take a snapshot and compare; on a page that also serves the time that is
    /// once per host update, not per read.
    pub(crate) fn poll(&self, page: &impl PageSource) -> DeviceChanges {
        if page.seq() == self.seen_seq.load(Relaxed) {
            return DeviceChanges::default();
        }
        self.poll_changed(page)
    }

    #[cold]
    fn poll_changed(&self, page: &impl PageSource) -> DeviceChanges {
        if self.busy.xchg(true, Relaxed) {
            return DeviceChanges::default();
        }
        let mut changed = DeviceChanges::default();
        if let Some(s) = page.snapshot(&mut NoBracket) {
            let new = Disruption::of(&s);
            let old = self.seen();
            let (marker, generation) = new.changes(&old);
            if self.seen_valid.load(Relaxed) && (marker || generation) {
                changed = DeviceChanges { marker, generation };
                self.log(&old, &new);
            }
            self.remember(s.seq, &new);
        }
        self.busy.store(false, Relaxed);
        changed
    }

    /// Logs a change, at most once per [`LOG_INTERVAL_NS`] (the counts in sysfs have
    /// them all).
    fn log(&self, old: &Disruption, new: &Disruption) {
        let now = sys::mono_fast_ns();
        let last = self.last_log_ns.load(Relaxed);
        if last != 0 && now.wrapping_sub(last) < LOG_INTERVAL_NS {
            return;
        }
        self.last_log_ns.store(now.max(1), Relaxed);
        pr_info!(
            "ACPI vmclock device: disruption (live migration or snapshot restore): marker \
             {} -> {}, generation {:?} -> {:?}; a KVM vmclock page is registered again\n",
            old.marker,
            new.marker,
            old.generation,
            new.generation,
        );
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Transports: the ways a guest can fetch the host's time, and their selection.
//!
//! A transport detects its hypervisor interface in [`Transport::probe`], then serves
//! [`Transport::read`] (host time, with hooks run immediately around the one host access)
//! and, if it can pair host time with a guest counter, [`Transport::read_paired`].
//!
//! Transports: `vmclock` (a page KVM keeps in the vmclock ABI, read without a VM exit,
//! vmclock.rs), `kvm` (`KVM_HC_CLOCK_PAIRING`, kvm.rs) and `vmport` (the VMware backdoor
//! port that QEMU also implements, vmport.rs); `mock` (mock.rs, test builds only) is a test
//! backend serving the guest's own clock, chosen only by name. Adding one takes a file
//! implementing [`Transport`], a [`Choice`] variant and an [`AnyTransport`] variant; the
//! clock and the rest of the module do not change. Which time scale a transport may serve
//! is decided in one place, [`probe_for`].

use crate::clock::DevicePage;
use crate::compat::eopnotsupp;
#[cfg(CONFIG_X86)]
use crate::kvm::Kvm;
#[cfg(CONFIG_ARM64)]
use crate::kvm_arm64::Kvm;
#[cfg(ptp_vmclock_test_build)]
use crate::mock::Mock;
use crate::params::{Config, Timescale};
use crate::time::Timespec;
#[cfg(CONFIG_X86)]
use crate::vmclock::Vmclock;
#[cfg(CONFIG_X86)]
use crate::vmport::Vmport;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Hooks run immediately before and after the single host access of a read.
///
/// `gettimex64` uses them to take the system timestamps that bracket the PHC reading.
pub(crate) trait Bracket {
    /// Runs right before the host access.
    fn before(&mut self);
    /// Runs right after the host access.
    fn after(&mut self);
    /// Runs right before a host access that needs the TSC: when the bracket's own snapshot
    /// read the TSC, returns that value and closes the bracket (the access uses it and
    /// [`Bracket::after`] is not called); otherwise acts as [`Bracket::before`].
    #[cfg(CONFIG_X86)]
    fn before_sharing_tsc(&mut self) -> Option<u64> {
        self.before();
        None
    }
}

/// A [`Bracket`] that does nothing, for reads nobody brackets (probes, cross timestamps).
#[cfg(CONFIG_X86)]
pub(crate) struct NoBracket;

#[cfg(CONFIG_X86)]
impl Bracket for NoBracket {
    fn before(&mut self) {}
    fn after(&mut self) {}
}

/// A guest counter that a transport can capture together with host time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    /// kvm-clock nanoseconds of the vCPU that made the access (clocksource `kvm-clock`).
    #[cfg(CONFIG_X86)]
    KvmClock,
    /// The raw TSC (clocksource `tsc`).
    #[cfg(CONFIG_X86)]
    Tsc,
    /// The arch counter, virtual or physical as the arch timer reads it (clocksource
    /// `arch_sys_counter`).
    #[cfg(CONFIG_ARM64)]
    Arch,
}

impl Counter {
    /// The other counter: what to try when the current clocksource is not this one (arm64
    /// has one counter only).
    pub(crate) fn other(self) -> Self {
        match self {
            #[cfg(CONFIG_X86)]
            Counter::KvmClock => Counter::Tsc,
            #[cfg(CONFIG_X86)]
            Counter::Tsc => Counter::KvmClock,
            #[cfg(CONFIG_ARM64)]
            Counter::Arch => Counter::Arch,
        }
    }

    /// The name of the clocksource this counter belongs to.
    pub(crate) fn name(self) -> &'static str {
        match self {
            #[cfg(CONFIG_X86)]
            Counter::KvmClock => "kvm-clock",
            #[cfg(CONFIG_X86)]
            Counter::Tsc => "tsc",
            #[cfg(CONFIG_ARM64)]
            Counter::Arch => "arch_sys_counter",
        }
    }

    /// A code for an atomic (0 is kept for "none").
    pub(crate) fn code(self) -> i32 {
        match self {
            #[cfg(CONFIG_X86)]
            Counter::KvmClock => 1,
            #[cfg(CONFIG_X86)]
            Counter::Tsc => 2,
            #[cfg(CONFIG_ARM64)]
            Counter::Arch => 3,
        }
    }

    /// The counter of a [`Counter::code`], `None` for any other value.
    pub(crate) fn from_code(code: i32) -> Option<Self> {
        match code {
            #[cfg(CONFIG_X86)]
            1 => Some(Counter::KvmClock),
            #[cfg(CONFIG_X86)]
            2 => Some(Counter::Tsc),
            #[cfg(CONFIG_ARM64)]
            3 => Some(Counter::Arch),
            _ => None,
        }
    }
}

/// Host time and a guest counter value captured at the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PairedReading {
    /// Host time (`CLOCK_REALTIME` of the host).
    pub(crate) time: Timespec,
    /// The guest counter value.
    pub(crate) cycles: u64,
}

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

/// The host's time status as one reading carried it (a clock-pairing reply, a page).
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

/// A version of the vmclock page that served a reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageVersion {
    /// The seqcount.
    pub(crate) seq: u32,
    /// The host timekeeper generation (KVM's extras).
    pub(crate) generation: u64,
    /// The TSC value the page's time belongs to.
    pub(crate) counter_value: u64,
    /// The counter period, in 2^-(64 + shift) s.
    pub(crate) period: u64,
    /// The period's shift.
    pub(crate) shift: u8,
}

/// Why the vmclock page (x86, vmclock.rs) could not serve a read (and the hypercall did).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// The page says it cannot be used (clock status unreliable or time unknown).
    Unusable,
    /// The seqcount did not settle within `vmclock::SEQ_ATTEMPTS`.
    Unsettled,
    /// Older than `vmclock::MAX_AGE_FRAC`: nobody updates it.
    Stale,
    /// Its counter value lies ahead of the TSC read with it.
    Future,
    /// Values no valid page holds (magic, version, counter, shift, period, range).
    Invalid,
    /// The kvm-clock epoch changed since the page was registered (`sys::kvmclock_epoch`):
    /// the VM's clock was set (a resume, a snapshot restore, a live migration's
    /// destination, whose KVM knows nothing of the registration). The page may look
    /// fresh for `vmclock::MAX_AGE_FRAC` while nobody updates it.
    Moved,
    /// UTC while the host announces a leap second: the page converts its TAI with the
    /// TAI offset of its last refresh, which follows the host's leap only when KVM next
    /// rewrites the page, while the host's `CLOCK_REALTIME` (the hypercall's UTC) steps at
    /// its tick; until the announcement ends the hypercall serves UTC.
    Leap,
}

impl Fallback {
    /// All reasons, in the order of their sysfs counters.
    pub(crate) const ALL: [Fallback; 7] = [
        Fallback::Unusable,
        Fallback::Unsettled,
        Fallback::Stale,
        Fallback::Future,
        Fallback::Invalid,
        Fallback::Moved,
        Fallback::Leap,
    ];

    /// The name shown in sysfs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fallback::Unusable => "unusable",
            Fallback::Unsettled => "unsettled",
            Fallback::Stale => "stale",
            Fallback::Future => "future",
            Fallback::Invalid => "invalid",
            Fallback::Moved => "moved",
            Fallback::Leap => "leap",
        }
    }

    /// The index of this reason in [`Fallback::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Which disruption signals of a vmclock page (x86: device.rs, mock.rs) changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DeviceChanges {
    /// The disruption marker.
    pub(crate) marker: bool,
    /// The VM generation counter.
    pub(crate) generation: bool,
}

impl DeviceChanges {
    /// Whether either changed.
    pub(crate) fn any(self) -> bool {
        self.marker || self.generation
    }
}

/// What a read learned besides the time: the transport fills it in as it reads (also when
/// the read fails), and the clock records it in its status, in one place
/// (`status::State::record`). Transports keep no status of their own.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Report {
    /// The host status the reading carried (clock-pairing type 1).
    pub(crate) host: Option<HostStatus>,
    /// The vmclock page version that served, with the host status it states.
    pub(crate) page: Option<(PageVersion, HostStatus)>,
    /// Why the vmclock page did not serve (the hypercall did, or tried).
    pub(crate) fallback: Option<Fallback>,
    /// A page registration was made: whether it worked.
    pub(crate) registration: Option<bool>,
    /// VMware's maximum time lag (`GETTIMEFULL`), in microseconds.
    pub(crate) max_lag_us: Option<u32>,
    /// Disruption signals a watched page moved (the mock transport's hostile page).
    pub(crate) device_changes: DeviceChanges,
}

/// Why a transport cannot serve this guest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProbeError {
    /// The error `insmod` should fail with.
    pub(crate) err: Error,
    /// One human-readable reason for the log line.
    pub(crate) reason: &'static str,
}

impl ProbeError {
    /// The interface is absent or refuses to serve: `ENODEV` with a reason.
    pub(crate) const fn unavailable(reason: &'static str) -> Self {
        Self {
            err: ENODEV,
            reason,
        }
    }
}

/// A way to fetch the host's time.
pub(crate) trait Transport: Sized + Send + Sync {
    /// The name used by the `transport=` parameter and shown in sysfs.
    const NAME: &'static str;

    /// Whether the transport can ever serve TAI (else it serves UTC alone and is not
    /// probed for `timescale=tai`).
    const MAY_SERVE_TAI: bool = false;

    /// Detects the interface and checks that it works (e.g. with one host access), as
    /// `config` asks; the time scale is checked by [`probe_for`], not here.
    fn probe(config: &Config) -> Result<Self, ProbeError>;

    /// Whether this probed transport serves TAI (the host states TAI and its offset).
    fn serves_tai(&self) -> bool {
        false
    }

    /// Reads the host's time; `bracket.before()` and `bracket.after()` run immediately
    /// around the host access. What else the read learned goes to `report`.
    fn read(&self, bracket: &mut impl Bracket, report: &mut Report) -> Result<Timespec>;

    /// Whether [`Transport::read_paired`] can work at all.
    fn has_counter(&self) -> bool {
        false
    }

    /// Reads the host's time paired with the guest counter `counter`.
    ///
    /// Fails with `ENODEV` when that counter is not available in this guest. What else the
    /// read learned goes to `report`.
    fn read_paired(&self, _counter: Counter, _report: &mut Report) -> Result<PairedReading> {
        Err(eopnotsupp())
    }
}

/// What the `transport=` module parameter asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// The first transport that works, in order of preference.
    Auto,
    /// The vmclock page KVM fills (host/0007), with `KVM_HC_CLOCK_PAIRING` as fallback.
    #[cfg(CONFIG_X86)]
    Vmclock,
    /// KVM's host time: the `KVM_HC_CLOCK_PAIRING` hypercall (x86), the KVM PTP service
    /// over SMCCC (arm64).
    Kvm,
    /// The VMware backdoor port (QEMU's `vmport` device, VMware hypervisors).
    #[cfg(CONFIG_X86)]
    Vmport,
    /// The test backend (the guest's own clock); never chosen by [`Choice::Auto`].
    #[cfg(ptp_vmclock_test_build)]
    Mock,
}

impl Choice {
    /// The accepted values, for messages.
    #[cfg(ptp_vmclock_test_build)]
    pub(crate) const VALID: &'static str = "auto|vmclock|kvm|vmport|mock";
    /// The accepted values, for messages.
    #[cfg(all(CONFIG_X86, not(ptp_vmclock_test_build)))]
    pub(crate) const VALID: &'static str = "auto|vmclock|kvm|vmport";
    /// The accepted values, for messages.
    #[cfg(CONFIG_ARM64)]
    pub(crate) const VALID: &'static str = "auto|kvm";

    /// Parses the parameter value; an absent or empty value means [`Choice::Auto`].
    pub(crate) fn parse(value: &[u8]) -> Result<Self> {
        match value {
            b"" | b"auto" => Ok(Choice::Auto),
            #[cfg(CONFIG_X86)]
            b"vmclock" => Ok(Choice::Vmclock),
            b"kvm" => Ok(Choice::Kvm),
            #[cfg(CONFIG_X86)]
            b"vmport" => Ok(Choice::Vmport),
            #[cfg(ptp_vmclock_test_build)]
            b"mock" => Ok(Choice::Mock),
            _ => Err(EINVAL),
        }
    }
}

/// The transport in use.
pub(crate) enum AnyTransport {
    /// See [`Vmclock`].
    #[cfg(CONFIG_X86)]
    Vmclock(Vmclock),
    /// See [`Kvm`].
    Kvm(Kvm),
    /// See [`Vmport`].
    #[cfg(CONFIG_X86)]
    Vmport(Vmport),
    /// See [`Mock`].
    #[cfg(ptp_vmclock_test_build)]
    Mock(Mock),
}

/// Probes transport `T` for `config`. The time-scale rule lives here alone: with
/// `timescale=tai` a transport that can never serve TAI is not probed (the port is not
/// touched), and one whose host does not state TAI is refused.
fn probe_for<T: Transport>(config: &Config) -> Result<T, ProbeError> {
    let tai = config.timescale == Timescale::Tai;
    if tai && !T::MAY_SERVE_TAI {
        return Err(ProbeError::unavailable("serves UTC only (timescale=tai)"));
    }
    let t = T::probe(config)?;
    if tai && !t.serves_tai() {
        return Err(ProbeError::unavailable(if cfg!(ptp_vmclock_host_status) {
            "timescale=tai needs a host serving KVM_CLOCK_PAIRING_TAI and clock_pairing=auto"
        } else {
            "timescale=tai: module built against headers without KVM_CLOCK_PAIRING_TAI"
        }));
    }
    Ok(t)
}

impl AnyTransport {
    /// Probes the transports `config.transport` allows and returns the first that works.
    ///
    /// When none works, logs exactly one line saying why and returns the probe's error
    /// (`ENODEV` unless something like an allocation failed). `device` is the ACPI vmclock
    /// device's page, if any: the vmclock transport reads the time from it when it can
    /// ([`Vmclock::with_kvm`]).
    #[cfg(CONFIG_X86)]
    pub(crate) fn select(config: &Config, device: Option<&Arc<DevicePage>>) -> Result<Self> {
        match config.transport {
            Choice::Vmclock => probe_for::<Kvm>(config)
                .and_then(|k| Vmclock::with_kvm(k, device, config).map_err(|(_, e)| e))
                .map(AnyTransport::Vmclock)
                .map_err(|e| {
                    pr_err!("transport={} unavailable: {}\n", Vmclock::NAME, e.reason);
                    e.err
                }),
            Choice::Kvm => Self::only(config, AnyTransport::Kvm),
            Choice::Vmport => Self::only(config, AnyTransport::Vmport),
            #[cfg(ptp_vmclock_test_build)]
            Choice::Mock => Self::only(config, AnyTransport::Mock),
            // The page first (no VM exit per read), then the hypercall it falls back on
            // (nanosecond resolution and counter pairing too, one exit per read); the port
            // has microseconds and no pairing.
            Choice::Auto => match probe_for::<Kvm>(config) {
                Ok(k) => Ok(match Vmclock::with_kvm(k, device, config) {
                    Ok(v) => AnyTransport::Vmclock(v),
                    Err((k, why)) => {
                        pr_info!(
                            "vmclock page unavailable ({}): using transport kvm\n",
                            why.reason
                        );
                        AnyTransport::Kvm(k)
                    }
                }),
                Err(k) => probe_for::<Vmport>(config)
                    .map(AnyTransport::Vmport)
                    .map_err(|v| {
                        pr_err!(
                            "no usable host time transport (kvm: {}; vmport: {})\n",
                            k.reason,
                            v.reason
                        );
                        v.err
                    }),
            },
        }
    }

    /// Probes the transport `config.transport` allows (arm64 has one, `kvm`: the KVM PTP
    /// service) and returns it; when it does not work, logs exactly one line saying why and
    /// returns the probe's error. No ACPI vmclock device is looked for (`device` is `None`).
    #[cfg(CONFIG_ARM64)]
    pub(crate) fn select(config: &Config, _device: Option<&Arc<DevicePage>>) -> Result<Self> {
        match config.transport {
            Choice::Kvm => Self::only(config, AnyTransport::Kvm),
            Choice::Auto => probe_for::<Kvm>(config)
                .map(AnyTransport::Kvm)
                .map_err(|e| {
                    pr_err!("no usable host time transport (kvm: {})\n", e.reason);
                    e.err
                }),
        }
    }

    /// Probes transport `T` alone, which the parameter insists on; on failure logs one
    /// line saying why.
    fn only<T: Transport>(config: &Config, wrap: fn(T) -> Self) -> Result<Self> {
        probe_for::<T>(config).map(wrap).map_err(|e| {
            pr_err!("transport={} unavailable: {}\n", T::NAME, e.reason);
            e.err
        })
    }

    /// The name of the transport in use.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmclock(_) => Vmclock::NAME,
            AnyTransport::Kvm(_) => Kvm::NAME,
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmport(_) => Vmport::NAME,
            #[cfg(ptp_vmclock_test_build)]
            AnyTransport::Mock(_) => Mock::NAME,
        }
    }

    /// See [`Transport::read`].
    pub(crate) fn read(&self, bracket: &mut impl Bracket, report: &mut Report) -> Result<Timespec> {
        match self {
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmclock(t) => t.read(bracket, report),
            AnyTransport::Kvm(t) => t.read(bracket, report),
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmport(t) => t.read(bracket, report),
            #[cfg(ptp_vmclock_test_build)]
            AnyTransport::Mock(t) => t.read(bracket, report),
        }
    }

    /// What the probe learned: the host status and VMware lag of its reads, the page
    /// registration it made.
    pub(crate) fn probe_report(&self) -> Report {
        match self {
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmclock(t) => t.probe_report(),
            AnyTransport::Kvm(t) => t.probe_report(),
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmport(t) => t.probe_report(),
            #[cfg(ptp_vmclock_test_build)]
            AnyTransport::Mock(_) => Report::default(),
        }
    }

    /// The KVM clock-pairing interface in use (`tai-status` or `legacy`), `None` for
    /// transports without one.
    pub(crate) fn clock_pairing(&self) -> Option<&'static str> {
        #[cfg(CONFIG_X86)]
        return match self {
            AnyTransport::Vmclock(t) => Some(t.kvm().clock_pairing()),
            AnyTransport::Kvm(t) => Some(t.clock_pairing()),
            _ => None,
        };
        #[cfg(not(CONFIG_X86))]
        None
    }

    /// The guest physical address of the registered vmclock page, if any.
    pub(crate) fn page_gpa(&self) -> Option<u64> {
        #[cfg(CONFIG_X86)]
        return match self {
            AnyTransport::Vmclock(t) => t.page_gpa(),
            _ => None,
        };
        #[cfg(not(CONFIG_X86))]
        None
    }

    /// See [`Transport::has_counter`].
    pub(crate) fn has_counter(&self) -> bool {
        match self {
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmclock(t) => t.has_counter(),
            AnyTransport::Kvm(t) => t.has_counter(),
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmport(t) => t.has_counter(),
            #[cfg(ptp_vmclock_test_build)]
            AnyTransport::Mock(t) => t.has_counter(),
        }
    }

    /// The ACPI vmclock device announced a disruption (live migration, snapshot
    /// restore): see [`Vmclock::disrupted`]. A page registration goes to `report`.
    pub(crate) fn disrupted(&self, report: &mut Report) {
        #[cfg(CONFIG_X86)]
        if let AnyTransport::Vmclock(t) = self {
            t.disrupted(report);
        }
        #[cfg(not(CONFIG_X86))]
        let _ = report;
    }

    /// See [`Transport::read_paired`].
    pub(crate) fn read_paired(
        &self,
        counter: Counter,
        report: &mut Report,
    ) -> Result<PairedReading> {
        match self {
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmclock(t) => t.read_paired(counter, report),
            AnyTransport::Kvm(t) => t.read_paired(counter, report),
            #[cfg(CONFIG_X86)]
            AnyTransport::Vmport(t) => t.read_paired(counter, report),
            #[cfg(ptp_vmclock_test_build)]
            AnyTransport::Mock(t) => t.read_paired(counter, report),
        }
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_transport)]
mod tests {
    use super::*;

    #[test]
    fn transport_parameter_parsing() {
        assert_eq!(Choice::parse(b""), Ok(Choice::Auto));
        assert_eq!(Choice::parse(b"auto"), Ok(Choice::Auto));
        assert_eq!(Choice::parse(b"kvm"), Ok(Choice::Kvm));
        assert_eq!(Choice::parse(b"KVM"), Err(EINVAL));
        assert_eq!(Choice::parse(b"kvm "), Err(EINVAL));
        assert_eq!(Choice::parse(b"vmport"), Ok(Choice::Vmport));
        assert_eq!(Choice::parse(b"vmport\n"), Err(EINVAL));
        assert_eq!(Choice::parse(b"mock"), Ok(Choice::Mock));
        assert_eq!(Choice::parse(b"Mock"), Err(EINVAL));
        assert_eq!(Choice::parse(b"bogus"), Err(EINVAL));
    }
}

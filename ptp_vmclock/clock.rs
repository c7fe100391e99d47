// SPDX-License-Identifier: GPL-2.0

//! The PTP clock: every read fetches the host's time through the selected transport.
//!
//! The host-status policy (`host_unsync=`, `host_maxerror_us=`: [`HostPolicy`]) is applied
//! here alone, after the transport's read and before the time leaves the module, on both
//! read paths ([`ptp::Operations::gettimex64`], which every `PTP_SYS_OFFSET*` but
//! `_PRECISE` and `clock_gettime()` reach, and [`ptp::Operations::getcrosststamp`]).

use crate::compat::{Atomic, Relaxed};
#[cfg(CONFIG_X86)]
pub(crate) use crate::device::DevicePage;
use crate::ptp::{
    self, ClockSourceId, CrossTimestamp, DeviceSnapshot, SystemCounterValue, SystemTimestamps,
};
use crate::status::State;
use crate::time::Timespec;
use crate::transport::{AnyTransport, Bracket, Counter, HostStatus, Report};
use kernel::prelude::*;
use kernel::sync::Arc;

impl Bracket for SystemTimestamps<'_> {
    fn before(&mut self) {
        self.pre();
    }

    fn after(&mut self) {
        self.post();
    }

    #[cfg(CONFIG_X86)]
    fn before_sharing_tsc(&mut self) -> Option<u64> {
        self.pre_sharing_counter(ClockSourceId::X86_TSC)
    }
}

/// The clocksource id a counter's values belong to.
pub(crate) fn counter_cs_id(counter: Counter) -> ClockSourceId {
    match counter {
        #[cfg(CONFIG_X86)]
        Counter::KvmClock => ClockSourceId::X86_KVM_CLK,
        #[cfg(CONFIG_X86)]
        Counter::Tsc => ClockSourceId::X86_TSC,
        #[cfg(CONFIG_ARM64)]
        Counter::Arch => ClockSourceId::ARM_ARCH_COUNTER,
    }
}

/// Off x86 the module maps no ACPI vmclock device page (device.rs reads it with the TSC):
/// a type without values, so a clock's `Option<Arc<DevicePage>>` is always `None`.
#[cfg(not(CONFIG_X86))]
pub(crate) enum DevicePage {}

#[cfg(not(CONFIG_X86))]
impl DevicePage {
    fn poll(&self) -> crate::transport::DeviceChanges {
        match *self {}
    }
}

/// The counter matching the guest's current clocksource: the TSC when that is `tsc`,
/// kvm-clock otherwise (the first guess; cross timestamps switch on `ENODEV`); on arm64
/// the arch counter, the only one.
#[cfg(CONFIG_X86)]
pub(crate) fn counter_for_clocksource(cs: ClockSourceId) -> Counter {
    if cs == ClockSourceId::X86_TSC {
        Counter::Tsc
    } else {
        Counter::KvmClock
    }
}

/// See the x86 version.
#[cfg(CONFIG_ARM64)]
pub(crate) fn counter_for_clocksource(_cs: ClockSourceId) -> Counter {
    Counter::Arch
}

/// What `host_unsync=` asks for while the host says its clock is unsynchronised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostUnsync {
    /// Serve the host's time anyway (the default, the module's behaviour before the
    /// parameter existed).
    Serve,
    /// Refuse the reads with [`REFUSED`].
    Fail,
}

impl HostUnsync {
    /// The accepted values, for messages.
    pub(crate) const VALID: &'static str = "serve|fail";

    /// Parses the parameter value; an absent or empty value means [`HostUnsync::Serve`].
    pub(crate) fn parse(value: &[u8]) -> Result<Self> {
        match value {
            b"" | b"serve" => Ok(HostUnsync::Serve),
            b"fail" => Ok(HostUnsync::Fail),
            _ => Err(EINVAL),
        }
    }
}

/// Accepted values of `host_maxerror_us=`, for messages.
pub(crate) const MAXERROR_VALID: &str = "microseconds, 0 for no bound";

/// Parses `host_maxerror_us=`: decimal microseconds that fit a `u32`; empty is 0 (no bound).
pub(crate) fn parse_maxerror_us(value: &[u8]) -> Result<u32> {
    if value.is_empty() {
        return Ok(0);
    }
    u32::try_from(crate::params::parse_decimal(value)?).map_err(|_| EINVAL)
}

/// The error of a read the host-status policy refuses: `EBUSY`.
///
/// No other path of the module returns it (the transports fail with `EIO`, `ENODEV`,
/// `EOPNOTSUPP`, `EAGAIN`; timekeeping and the PTP core with `ENODEV`, `EINVAL`,
/// `EOPNOTSUPP`, `EFAULT`), and phc2sys (linuxptp 4.0 and later) treats `EBUSY` from a
/// PHC read as passing: it skips that update and keeps running, where any other error
/// makes it exit. chronyd takes any failed read alike (no sample). See
/// Documentation/ptp_vmclock.rst, "The host's clock status".
pub(crate) const REFUSED: Error = EBUSY;

/// The host-status policy the module parameters ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HostPolicy {
    /// `host_unsync=`.
    pub(crate) unsync: HostUnsync,
    /// `host_maxerror_us=`: refuse while the host's maximum error exceeds this (0: no
    /// bound).
    pub(crate) maxerror_us: u32,
}

impl HostPolicy {
    /// The default: every read serves, whatever the host says.
    pub(crate) const SERVE: Self = Self {
        unsync: HostUnsync::Serve,
        maxerror_us: 0,
    };

    /// Whether a read that came with the host status `status` is refused: the host says it
    /// is unsynchronised under `host_unsync=fail`, or its maximum error exceeds a
    /// `host_maxerror_us=` bound (a status that states no maximum error counts as
    /// `u32::MAX`). Without a status (clock type 0, the vmport transport) nothing is
    /// known against the host, and the read serves.
    pub(crate) fn refuses(&self, status: Option<&HostStatus>) -> bool {
        let Some(st) = status else { return false };
        (self.unsync == HostUnsync::Fail && !st.sync)
            || (self.maxerror_us != 0 && st.maxerror_us > self.maxerror_us)
    }
}

/// The host-time PTP clock.
#[pin_data]
pub(crate) struct VmClock {
    transport: AnyTransport,
    /// The host-status policy of the parameters.
    policy: HostPolicy,
    /// Whether the last read the policy judged was refused (for one log line per change).
    refusing: Atomic<bool>,
    /// The counter of the last successful cross timestamp ([`Counter::code`]).
    counter: Atomic<i32>,
    /// The ACPI vmclock device's page, watched for disruptions on every read (x86).
    device: Option<Arc<DevicePage>>,
    /// The status: what the reads found (shared with the sysfs directory).
    state: Arc<State>,
}

impl VmClock {
    /// A clock reading from `transport`, initialised in place (inside its
    /// [`ptp::Registration`]); cross timestamps start with `counter`; every read first looks
    /// whether `device` announced a disruption; what the reads find goes to `state`.
    pub(crate) fn new(
        transport: AnyTransport,
        policy: HostPolicy,
        counter: Counter,
        device: Option<Arc<DevicePage>>,
        state: Arc<State>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            transport,
            policy,
            refusing: Atomic::new(false),
            counter: Atomic::new(counter.code()),
            device,
            state,
        })
    }

    /// Notices a disruption the device page announces (one load when there is none) and
    /// lets the transport act on it before it reads.
    fn watch_device(&self) {
        let Some(device) = &self.device else { return };
        let changes = device.poll();
        if changes.any() {
            let mut report = Report {
                device_changes: changes,
                ..Report::default()
            };
            self.transport.disrupted(&mut report);
            self.state.record(&report);
        }
    }

    /// Applies the host-status policy to a read that worked: fails with [`REFUSED`] when
    /// the host status it recorded (the latest read's, [`State::host_status`]) makes the
    /// policy refuse it, and counts it. A change between serving and refusing is logged
    /// once; otherwise this is one load when the policy is off.
    fn admit(&self) -> Result {
        if self.policy == HostPolicy::SERVE {
            return Ok(());
        }
        let refused = self.policy.refuses(self.state.host_status().as_ref());
        if self.refusing.load(Relaxed) != refused && self.refusing.xchg(refused, Relaxed) != refused
        {
            if refused {
                pr_warn!(
                    "host clock unsynchronised or beyond host_maxerror_us: reads fail with EBUSY\n"
                );
            } else {
                pr_info!("host clock synchronised again: reads serve\n");
            }
        }
        if refused {
            self.state.count_refused();
            return Err(REFUSED);
        }
        Ok(())
    }

    /// Records what a read reported, and its outcome.
    fn record<T>(&self, report: &Report, result: &Result<T>) {
        self.state.record(report);
        self.state.count(result);
    }

    /// The transport in use.
    pub(crate) fn transport(&self) -> &AnyTransport {
        &self.transport
    }

    /// The status.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// The counter cross timestamps use now (the last one that worked).
    pub(crate) fn counter(&self) -> Counter {
        // `counter` only ever holds codes of counters (`new`, `getcrosststamp`).
        Counter::from_code(self.counter.load(Relaxed))
            .unwrap_or_else(|| counter_for_clocksource(ClockSourceId::current()))
    }

    /// One cross timestamp paired with `counter`.
    ///
    /// Returns the result and whether the transport itself succeeded, to tell a clocksource
    /// mismatch (`ENODEV` from timekeeping after a good read) from a transport failure.
    fn capture(&self, cts: &mut CrossTimestamp<'_>, counter: Counter) -> (Result, bool) {
        let mut transport_ok = false;
        let result = cts.capture(|| {
            let mut report = Report::default();
            let reading = self.transport.read_paired(counter, &mut report);
            self.record(&report, &reading);
            let reading = reading?;
            // A refusal is counted by `admit`, not as an error of the transport.
            self.admit()?;
            transport_ok = true;
            Ok(DeviceSnapshot {
                device: reading.time,
                counter: SystemCounterValue {
                    cycles: reading.cycles,
                    cs_id: counter_cs_id(counter),
                },
            })
        });
        (result, transport_ok)
    }
}

#[vtable]
impl ptp::Operations for VmClock {
    fn gettimex64(&self, sts: &mut SystemTimestamps<'_>) -> Result<Timespec> {
        self.watch_device();
        let mut report = Report::default();
        let time = self.transport.read(sts, &mut report);
        self.record(&report, &time);
        let time = time?;
        // A refusal is counted by `admit`, not as an error of the transport.
        self.admit()?;
        Ok(time)
    }

    fn getcrosststamp(&self, cts: &mut CrossTimestamp<'_>) -> Result {
        self.watch_device();
        let first = self.counter();
        let mut used = first;
        let (mut result, mut transport_ok) = self.capture(cts, used);
        if transport_ok && result == Err(ENODEV) && first.other() != first {
            // The clocksource is not the one the counter belongs to (e.g. the guest switched
            // between kvm-clock and tsc): try the other counter, and keep it if it works
            // (arm64 has one counter: nothing else to try).
            used = first.other();
            (result, transport_ok) = self.capture(cts, used);
        }
        match result {
            Ok(()) => {
                if used != first {
                    self.counter.store(used.code(), Relaxed);
                }
                self.state.set_crosststamp(used);
            }
            // Transport errors were counted by `capture`; count timekeeping's refusals.
            Err(e) if transport_ok => self.state.count_error(e),
            Err(_) => {}
        }
        result
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_clock)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_clocksources() {
        assert_eq!(
            counter_for_clocksource(ClockSourceId::X86_TSC),
            Counter::Tsc
        );
        assert_eq!(
            counter_for_clocksource(ClockSourceId::X86_KVM_CLK),
            Counter::KvmClock
        );
        assert_eq!(counter_cs_id(Counter::Tsc), ClockSourceId::X86_TSC);
        assert_eq!(counter_cs_id(Counter::KvmClock), ClockSourceId::X86_KVM_CLK);
        assert_eq!(Counter::Tsc.other(), Counter::KvmClock);
        assert_eq!(Counter::KvmClock.other(), Counter::Tsc);
        assert_eq!(Counter::KvmClock.name(), "kvm-clock");
        for c in [Counter::KvmClock, Counter::Tsc] {
            assert_eq!(Counter::from_code(c.code()), Some(c));
        }
        assert_eq!(Counter::from_code(0), None);
        assert_eq!(Counter::from_code(3), None);
    }

    #[test]
    fn host_policy_parameters() {
        assert_eq!(HostUnsync::parse(b""), Ok(HostUnsync::Serve));
        assert_eq!(HostUnsync::parse(b"serve"), Ok(HostUnsync::Serve));
        assert_eq!(HostUnsync::parse(b"fail"), Ok(HostUnsync::Fail));
        assert_eq!(HostUnsync::parse(b"FAIL"), Err(EINVAL));
        assert_eq!(HostUnsync::parse(b"fail\n"), Err(EINVAL));
        assert_eq!(HostUnsync::parse(b"1"), Err(EINVAL));
        assert_eq!(parse_maxerror_us(b""), Ok(0));
        assert_eq!(parse_maxerror_us(b"0"), Ok(0));
        assert_eq!(parse_maxerror_us(b"1000"), Ok(1000));
        assert_eq!(parse_maxerror_us(b"4294967295"), Ok(u32::MAX));
        assert_eq!(parse_maxerror_us(b"4294967296"), Err(EINVAL));
        assert_eq!(parse_maxerror_us(b"99999999999"), Err(EINVAL));
        assert_eq!(parse_maxerror_us(b"-1"), Err(EINVAL));
        assert_eq!(parse_maxerror_us(b"1e3"), Err(EINVAL));
        assert_eq!(parse_maxerror_us(b" 5"), Err(EINVAL));
        // The errno is distinct from every other the module returns.
        for e in [
            EIO,
            ENODEV,
            EAGAIN,
            EINVAL,
            ENOMEM,
            EFAULT,
            crate::compat::eopnotsupp(),
        ] {
            assert_ne!(REFUSED, e);
        }
    }

    #[test]
    fn host_policy_decision() {
        let st = |sync: bool, maxerror_us: u32| HostStatus {
            sync,
            leap: crate::transport::Leap::None,
            maxerror_us,
            esterror_us: 0,
            tai_offset: 37,
        };
        let fail = HostPolicy {
            unsync: HostUnsync::Fail,
            maxerror_us: 0,
        };
        let bound = HostPolicy {
            unsync: HostUnsync::Serve,
            maxerror_us: 1000,
        };
        let both = HostPolicy {
            unsync: HostUnsync::Fail,
            maxerror_us: 1000,
        };
        // The default serves whatever the host says.
        for s in [st(false, u32::MAX), st(true, 0), st(false, 0)] {
            assert!(!HostPolicy::SERVE.refuses(Some(&s)));
        }
        // No status (clock type 0, vmport): nothing is known against the host: serve.
        for p in [HostPolicy::SERVE, fail, bound, both] {
            assert!(!p.refuses(None));
        }
        // host_unsync=fail: the sync flag alone decides.
        assert!(fail.refuses(Some(&st(false, 0))));
        assert!(!fail.refuses(Some(&st(true, 0))));
        assert!(!fail.refuses(Some(&st(true, u32::MAX))));
        // host_maxerror_us=1000: above the bound refuses, at it serves, sync or not.
        assert!(!bound.refuses(Some(&st(false, 1000))));
        assert!(bound.refuses(Some(&st(true, 1001))));
        assert!(bound.refuses(Some(&st(true, u32::MAX))));
        assert!(!bound.refuses(Some(&st(true, 0))));
        // Both: either refuses.
        assert!(both.refuses(Some(&st(false, 0))));
        assert!(both.refuses(Some(&st(true, 1001))));
        assert!(!both.refuses(Some(&st(true, 1000))));
    }
}

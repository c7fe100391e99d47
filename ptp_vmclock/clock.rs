// SPDX-License-Identifier: GPL-2.0

//! The PTP clock: every read fetches the host's time through the selected transport.

use crate::compat::{Atomic, Relaxed};
use crate::device::DevicePage;
use crate::ptp::{
    self, ClockSourceId, CrossTimestamp, DeviceSnapshot, SystemCounterValue, SystemTimestamps,
};
use crate::status::State;
use crate::time::Timespec;
use crate::transport::{AnyTransport, Bracket, Counter, Report};
use kernel::prelude::*;
use kernel::sync::Arc;

impl Bracket for SystemTimestamps<'_> {
    fn before(&mut self) {
        self.pre();
    }

    fn after(&mut self) {
        self.post();
    }

    fn before_sharing_tsc(&mut self) -> Option<u64> {
        self.pre_sharing_counter(ClockSourceId::X86_TSC)
    }
}

/// The clocksource id a counter's values belong to.
pub(crate) fn counter_cs_id(counter: Counter) -> ClockSourceId {
    match counter {
        Counter::KvmClock => ClockSourceId::X86_KVM_CLK,
        Counter::Tsc => ClockSourceId::X86_TSC,
    }
}

/// The counter matching the guest's current clocksource: the TSC when that is `tsc`,
/// kvm-clock otherwise (the first guess; cross timestamps switch on `ENODEV`).
pub(crate) fn counter_for_clocksource(cs: ClockSourceId) -> Counter {
    if cs == ClockSourceId::X86_TSC {
        Counter::Tsc
    } else {
        Counter::KvmClock
    }
}

/// The host-time PTP clock.
#[pin_data]
pub(crate) struct VmClock {
    transport: AnyTransport,
    /// The counter of the last successful cross timestamp: 0 kvm-clock, 1 TSC.
    counter: Atomic<i32>,
    /// The ACPI vmclock device's page, watched for disruptions on every read.
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
        counter: Counter,
        device: Option<Arc<DevicePage>>,
        state: Arc<State>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            transport,
            counter: Atomic::new(Self::encode(counter)),
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

    fn encode(counter: Counter) -> i32 {
        match counter {
            Counter::KvmClock => 0,
            Counter::Tsc => 1,
        }
    }

    /// The counter cross timestamps use now (the last one that worked).
    pub(crate) fn counter(&self) -> Counter {
        if self.counter.load(Relaxed) == 1 {
            Counter::Tsc
        } else {
            Counter::KvmClock
        }
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
        time
    }

    fn getcrosststamp(&self, cts: &mut CrossTimestamp<'_>) -> Result {
        self.watch_device();
        let first = self.counter();
        let mut used = first;
        let (mut result, mut transport_ok) = self.capture(cts, used);
        if transport_ok && result == Err(ENODEV) {
            // The clocksource is not the one the counter belongs to (e.g. the guest switched
            // between kvm-clock and tsc): try the other counter, and keep it if it works.
            used = first.other();
            (result, transport_ok) = self.capture(cts, used);
        }
        match result {
            Ok(()) => {
                if used != first {
                    self.counter.store(Self::encode(used), Relaxed);
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
    }
}

// SPDX-License-Identifier: GPL-2.0

//! ptp_vmclock: a PTP hardware clock whose every read fetches the host's time.
//!
//! The module registers `/dev/ptpN` (clock name `ptp_vmclock`); each read fetches the
//! host's time through a hypervisor transport: a vmclock page KVM keeps up to date (no VM
//! exit per read), KVM's `KVM_HC_CLOCK_PAIRING` hypercall, or the VMware backdoor port.
//! Beyond C `ptp_kvm` it serves `PTP_SYS_OFFSET_EXTENDED` with tight system timestamps,
//! serves `PTP_SYS_OFFSET_PRECISE` under both the kvm-clock and the tsc clocksource, and
//! uses no global lock. This file is the module glue: parameters are parsed in
//! `ptp_vmclock/params.rs`, the code lives in `ptp_vmclock/`.

use kernel::{c_str, prelude::*};

/// The driver: its files live in `ptp_vmclock/`, beside this crate root.
#[path = "ptp_vmclock"]
pub mod driver {
    pub(crate) mod bindings;
    pub(crate) mod clock;
    pub(crate) mod compat;
    pub(crate) mod device;
    pub(crate) mod kvm;
    #[cfg(ptp_vmclock_test_build)]
    pub(crate) mod mock;
    pub(crate) mod params;
    pub mod ptp;
    pub(crate) mod status;
    pub mod time;
    pub(crate) mod transport;
    pub(crate) mod vmclock;
    pub(crate) mod vmport;
}
use driver::*;

#[cfg(not(ptp_vmclock_v6_12))]
module! {
    type: PtpVmclock,
    name: "ptp_vmclock_rs",
    authors: ["The ptp_vmclock authors"],
    description: "PTP clock serving the host's time through a hypervisor transport",
    license: "GPL",
}

// 6.12: `author` (one string), and a `kernel::Module`, which is moved after `init`: the
// pinned module lives in a box (see `PtpVmclockBox`).
#[cfg(ptp_vmclock_v6_12)]
module! {
    type: PtpVmclockBox,
    name: "ptp_vmclock_rs",
    author: "The ptp_vmclock authors",
    description: "PTP clock serving the host's time through a hypervisor transport",
    license: "GPL",
}

/// The name of the PTP clock, as udev rules match it (`/sys/class/ptp/ptpN/clock_name`).
const CLOCK_NAME: &CStr = c_str!("ptp_vmclock");

// --- The module ---------------------------------------------------------------------------

/// The loaded module: the PTP clock and the sysfs status.
///
/// Fields drop in declaration order: the clock is unregistered (waiting for running
/// callbacks) before anything its callbacks use goes away, and the status directory is
/// removed (waiting for running `show` calls) before the device page it shows is unmapped.
#[pin_data]
struct PtpVmclock {
    #[pin]
    clock: ptp::Registration<clock::VmClock>,
    _status: Option<status::Status>,
    /// The ACPI vmclock device's page, if any (the clock holds it too).
    _device: Option<device::Published>,
}

#[cfg(not(ptp_vmclock_v6_12))]
impl kernel::InPlaceModule for PtpVmclock {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        Self::new(module)
    }
}

/// The module on 6.12, whose `kernel::Module` is moved after `init`: [`PtpVmclock`] pinned
/// in a box.
#[cfg(ptp_vmclock_v6_12)]
struct PtpVmclockBox {
    _module: Pin<KBox<PtpVmclock>>,
}

#[cfg(ptp_vmclock_v6_12)]
impl kernel::Module for PtpVmclockBox {
    fn init(module: &'static ThisModule) -> Result<Self> {
        KBox::try_pin_init(PtpVmclock::new(module), GFP_KERNEL).map(|m| Self { _module: m })
    }
}

impl PtpVmclock {
    /// Parses the parameters, selects the transport and registers the clock and the sysfs
    /// status.
    fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let device = device::DevicePage::probe();
        let clock_device = device.clone();
        try_pin_init!(Self {
            clock <- {
                let config = params::Config::from_params()?;
                status::set_timescale(config.timescale.name());
                let transport = transport::AnyTransport::select(&config, device.as_ref())?;
                let counter = clock::counter_for_clocksource(ptp::ClockSourceId::current());
                let options = ptp::Options {
                    name: CLOCK_NAME,
                    // No device to hang the clock on yet.
                    parent: None,
                    max_adj: 0,
                    cross_timestamping: transport.has_counter(),
                };
                ptp::Registration::register(
                    options,
                    clock::VmClock::new(transport, config.host, counter, clock_device),
                )
            },
            _device: device.map(device::Published::new),
            _status: status::Status::register(module)
                .inspect_err(|e| pr_warn!("no sysfs status directory ({:?})\n", e))
                .ok(),
        })
        .pin_chain(|this| {
            let index = this.clock.index();
            let clock = this.clock.data();
            let transport = clock.transport();
            status::set_transport(transport.name());
            status::set_clock_index(index);
            let precise = if transport.has_counter() {
                clock.counter().name()
            } else {
                "unsupported"
            };
            match transport {
                transport::AnyTransport::Vmclock(v) => pr_info!(
                    "transport vmclock ({}, no VM exit per read; \
                     fallback: {} hypercall), /dev/ptp{}, PTP_SYS_OFFSET_PRECISE via {} \
                     (follows the clocksource: kvm-clock or tsc)\n",
                    v.source(),
                    v.kvm().insn().name(),
                    index,
                    precise
                ),
                transport::AnyTransport::Kvm(kvm) => pr_info!(
                    "transport kvm ({}), /dev/ptp{}, PTP_SYS_OFFSET_PRECISE via {} \
                     (follows the clocksource: kvm-clock or tsc)\n",
                    kvm.insn().name(),
                    index,
                    precise
                ),
                transport::AnyTransport::Vmport(_) => pr_info!(
                    "transport vmport (port 0x5658, microsecond host time), /dev/ptp{}, \
                     PTP_SYS_OFFSET_PRECISE {} (no counter pairing)\n",
                    index,
                    precise
                ),
                #[cfg(ptp_vmclock_test_build)]
                transport::AnyTransport::Mock(_) => pr_warn!(
                    "transport mock: /dev/ptp{} serves this guest's own CLOCK_REALTIME, \
                     not host time (testing only), PTP_SYS_OFFSET_PRECISE via {}\n",
                    index,
                    precise
                ),
            }
            Ok(())
        })
    }
}

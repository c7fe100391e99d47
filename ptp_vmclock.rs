// SPDX-License-Identifier: GPL-2.0

//! ptp_vmclock: a PTP hardware clock whose every read fetches the host's time.
//!
//! The module registers `/dev/ptpN` (clock name `ptp_vmclock`); each read fetches the
//! host's time through a hypervisor transport: on x86-64 a vmclock page KVM keeps up to date
//! (no VM exit per read), KVM's `KVM_HC_CLOCK_PAIRING` hypercall, or the VMware backdoor
//! port; on arm64 KVM's PTP service over SMCCC.
//! Beyond C `ptp_kvm` it serves `PTP_SYS_OFFSET_EXTENDED` with tight system timestamps,
//! serves `PTP_SYS_OFFSET_PRECISE` under both the kvm-clock and the tsc clocksource, and
//! uses no global lock. This file is the module glue: parameters are parsed in
//! `ptp_vmclock/params.rs`, the code lives in `ptp_vmclock/`.

use kernel::{c_str, prelude::*, sync::Arc};

/// The driver: its files live in `ptp_vmclock/`, beside this crate root.
#[path = "ptp_vmclock"]
pub mod driver {
    pub(crate) mod bindings;
    pub(crate) mod clock;
    pub(crate) mod compat;
    #[cfg(CONFIG_X86)]
    pub(crate) mod device;
    #[cfg(CONFIG_X86)]
    pub(crate) mod hypercall;
    #[cfg(CONFIG_X86)]
    pub(crate) mod kvm;
    #[cfg(CONFIG_ARM64)]
    pub(crate) mod kvm_arm64;
    #[cfg(ptp_vmclock_test_build)]
    pub(crate) mod mock;
    pub(crate) mod params;
    pub mod ptp;
    #[cfg(CONFIG_ARM64)]
    pub(crate) mod smccc;
    pub(crate) mod status;
    pub(crate) mod sys;
    pub(crate) mod sysfs;
    pub mod time;
    pub(crate) mod transport;
    #[cfg(CONFIG_X86)]
    pub(crate) mod vmclock;
    #[cfg(CONFIG_X86)]
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

/// The name of the driver's device, the clock's parent (`/sys/devices/faux/<name>/`).
const DEVICE_NAME: &CStr = c_str!("ptp_vmclock_rs");

// --- The module ---------------------------------------------------------------------------

/// The loaded module: the PTP clock, its device and the sysfs status.
///
/// Fields drop in declaration order: the clock is unregistered (waiting for running
/// callbacks) before anything its callbacks use goes away, and the status directory is
/// removed (waiting for running `show` calls) before the state it shows (shared by the
/// clock and the directory) goes; both go before the device they hang on.
#[pin_data]
struct PtpVmclock {
    #[pin]
    clock: ptp::Registration<clock::VmClock>,
    _status: Option<status::Status>,
    /// The driver's device: the clock's parent and the status directory's home.
    _device: Option<compat::faux::Registration>,
}

/// What the module sets up before it registers the clock.
struct Parts {
    transport: transport::AnyTransport,
    /// The host-status policy of the parameters.
    policy: clock::HostPolicy,
    counter: transport::Counter,
    device_page: Option<Arc<clock::DevicePage>>,
    state: Arc<status::State>,
    device: Option<compat::faux::Registration>,
    status: Option<status::Status>,
}

impl Parts {
    /// Parses the parameters, selects the transport, creates the state, the device and the
    /// sysfs status (the last two are optional: the clock works without them).
    fn new(module: &'static ThisModule) -> Result<Self> {
        #[cfg(CONFIG_X86)]
        let device_page = device::DevicePage::probe();
        // Off x86 no ACPI vmclock device is looked for (clock::DevicePage).
        #[cfg(not(CONFIG_X86))]
        let device_page = None;
        let config = params::Config::from_params()?;
        let transport = transport::AnyTransport::select(&config, device_page.as_ref())?;
        let facts = status::Facts {
            transport: transport.name(),
            timescale: config.timescale.name(),
            clock_pairing: transport.clock_pairing(),
            page_gpa: transport.page_gpa(),
            #[cfg(CONFIG_X86)]
            device: device_page.clone(),
        };
        let state = status::State::new(facts, &transport.probe_report())?;
        let device = compat::faux::Registration::new(DEVICE_NAME, None)
            .inspect_err(|e| pr_warn!("no device for the clock and its status ({:?})\n", e))
            .ok();
        let status = device.as_ref().and_then(|dev| {
            status::Status::register(module, dev, state.clone())
                .inspect_err(|e| pr_warn!("no sysfs status directory ({:?})\n", e))
                .ok()
        });
        Ok(Self {
            counter: clock::counter_for_clocksource(ptp::ClockSourceId::current()),
            transport,
            policy: config.host,
            device_page,
            state,
            device,
            status,
        })
    }
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
    /// Sets the module up ([`Parts`]) and registers the clock under its device.
    fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let (parts, device, status) = match Parts::new(module) {
            Ok(mut p) => {
                let (device, status) = (p.device.take(), p.status.take());
                (Ok(p), device, status)
            }
            Err(e) => (Err(e), None, None),
        };
        try_pin_init!(Self {
            clock <- {
                let p = parts?;
                let options = ptp::Options {
                    name: CLOCK_NAME,
                    parent: device.as_ref().map(compat::faux_device),
                    max_adj: 0,
                    cross_timestamping: p.transport.has_counter(),
                };
                ptp::Registration::register(
                    options,
                    clock::VmClock::new(p.transport, p.policy, p.counter, p.device_page, p.state),
                )
            },
            _status: status,
            _device: device,
        })
        .pin_chain(|this| {
            let index = this.clock.index();
            let clock = this.clock.data();
            let transport = clock.transport();
            clock.state().set_clock_index(index);
            let precise = if transport.has_counter() {
                clock.counter().name()
            } else {
                "unsupported"
            };
            match transport {
                #[cfg(CONFIG_X86)]
                transport::AnyTransport::Vmclock(v) => pr_info!(
                    "transport vmclock ({}, no VM exit per read; \
                     fallback: {} hypercall), /dev/ptp{}, PTP_SYS_OFFSET_PRECISE via {} \
                     (follows the clocksource: kvm-clock or tsc)\n",
                    v.source(),
                    v.kvm().insn().name(),
                    index,
                    precise
                ),
                #[cfg(CONFIG_X86)]
                transport::AnyTransport::Kvm(kvm) => pr_info!(
                    "transport kvm ({}), /dev/ptp{}, PTP_SYS_OFFSET_PRECISE via {} \
                     (follows the clocksource: kvm-clock or tsc)\n",
                    kvm.insn().name(),
                    index,
                    precise
                ),
                #[cfg(CONFIG_ARM64)]
                transport::AnyTransport::Kvm(_) => pr_info!(
                    "transport kvm (KVM PTP service over SMCCC), /dev/ptp{}, \
                     PTP_SYS_OFFSET_PRECISE via {}\n",
                    index,
                    precise
                ),
                #[cfg(CONFIG_X86)]
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

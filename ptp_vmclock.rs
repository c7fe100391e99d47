// SPDX-License-Identifier: GPL-2.0

//! ptp_vmclock: a PTP hardware clock whose every read fetches the host's time.
//!
//! The module registers `/dev/ptpN` (clock name `ptp_vmclock`); each read asks the host
//! through a hypervisor transport (today KVM's `KVM_HC_CLOCK_PAIRING` hypercall). Beyond C
//! `ptp_kvm` it serves `PTP_SYS_OFFSET_EXTENDED` with tight system timestamps, serves
//! `PTP_SYS_OFFSET_PRECISE` under both the kvm-clock and the tsc clocksource, and uses no
//! global lock. This file is the module glue; the code lives in `ptp_vmclock/`.

use compat::{as_char_ptr_in_const_context, KernelParam};
use core::cell::UnsafeCell;
#[cfg(not(ptp_vmclock_v6_12))]
use kernel::module::this_module;
use kernel::{c_str, ffi::c_char, prelude::*, str::BStr};

#[path = "ptp_vmclock/bindings.rs"]
mod bindings;
#[path = "ptp_vmclock/clock.rs"]
mod clock;
#[path = "ptp_vmclock/compat.rs"]
mod compat;
#[path = "ptp_vmclock/device.rs"]
mod device;
#[path = "ptp_vmclock/kvm.rs"]
mod kvm;
#[path = "ptp_vmclock/mock.rs"]
mod mock;
#[path = "ptp_vmclock/ptp.rs"]
pub mod ptp;
#[path = "ptp_vmclock/status.rs"]
mod status;
// 6.12's kernel crate has no `#[kunit_tests]`: the unit tests run on 7.x only.
#[cfg(not(ptp_vmclock_v6_12))]
#[path = "ptp_vmclock/tests.rs"]
mod tests;
#[path = "ptp_vmclock/time.rs"]
pub mod time;
#[path = "ptp_vmclock/transport.rs"]
mod transport;
#[path = "ptp_vmclock/vmclock.rs"]
mod vmclock;
#[path = "ptp_vmclock/vmport.rs"]
mod vmport;

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

// --- String module parameters -------------------------------------------------------------
//
// `module!` only supports integer and bool parameters, so the string ones are declared by
// `charp_param!` the way `module_param(name, charp, 0444)` and `MODULE_PARM_DESC()` do in C:
// a `kernel_param` in `__param` using the kernel's `param_ops_charp`, plus its modinfo lines.

/// The storage of a `charp` parameter: the C handler replaces the default with a pointer to
/// a copy of the given string (and frees only copies it made).
#[repr(transparent)]
struct CharpParam(UnsafeCell<*mut c_char>);

// SAFETY: The module loader writes the pointer before `init` runs; the parameters are
// read-only in sysfs (0444), so afterwards they are only read.
unsafe impl Sync for CharpParam {}

impl CharpParam {
    /// The value: the given string, or the default when none was given.
    fn value(&self) -> &[u8] {
        // SAFETY: Written by the module loader before `init`, never afterwards (see the
        // `Sync` implementation).
        let value = unsafe { *self.0.get() };
        if value.is_null() {
            return b"";
        }
        // SAFETY: `param_set_charp()` stores a NUL-terminated copy that lives until the
        // module's parameters are freed, after `exit`; the default is a static C string.
        compat::cstr_bytes(unsafe { CStr::from_char_ptr(value) })
    }
}

/// A `.modinfo` entry as a byte array of exactly the string's length (`s` ends in NUL).
const fn modinfo<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = b[i];
        i += 1;
    }
    out
}

/// Declares a read-only (0444) string module parameter and its description.
///
/// `charp_param!(ACCESSOR, "name", "default", "description")` defines `fn ACCESSOR() ->
/// &'static [u8]`, the parameter's value.
macro_rules! charp_param {
    ($accessor:ident, $name:literal, $default:literal, $desc:literal) => {
        #[doc = concat!("The value of the `", $name, "` parameter (`", $default, "` when not given).")]
        fn $accessor() -> &'static [u8] {
            static PARAM: CharpParam = CharpParam(UnsafeCell::new(
                as_char_ptr_in_const_context(kernel::c_str!($default)).cast_mut(),
            ));

            #[link_section = "__param"]
            #[used(compiler)]
            static KERNEL_PARAM: KernelParam = KernelParam::new(bindings::kernel_param {
                name: as_char_ptr_in_const_context(kernel::c_str!($name)),
                #[cfg(not(ptp_vmclock_v6_12))]
                mod_: this_module::<LocalModule>().as_ptr(),
                #[cfg(ptp_vmclock_v6_12)]
                mod_: compat::THIS_MODULE.as_ptr(),
                ops: &raw const bindings::param_ops_charp,
                perm: 0o444,
                level: -1,
                flags: 0,
                __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
                    arg: PARAM.0.get().cast(),
                },
            });

            const PARMTYPE: &str = concat!("parmtype=", $name, ":charp\0");
            #[cfg(MODULE)]
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static MODINFO_PARMTYPE: [u8; PARMTYPE.len()] = modinfo(PARMTYPE);

            const PARM: &str = concat!("parm=", $name, ":", $desc, "\0");
            #[cfg(MODULE)]
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static MODINFO_PARM: [u8; PARM.len()] = modinfo(PARM);

            PARAM.value()
        }
    };
}

charp_param!(
    transport_param,
    "transport",
    "auto",
    "host time transport: auto (default), vmclock, kvm, vmport, or mock (testing only)"
);
charp_param!(
    timescale_param,
    "timescale",
    "utc",
    "time scale served: utc (default) or tai"
);
charp_param!(
    clock_pairing_param,
    "clock_pairing",
    "auto",
    "auto (default: TAI+status if offered) or legacy (type 0)"
);

#[cfg(ptp_vmclock_test_build)]
charp_param!(
    mock_page_param,
    "mock_page",
    "none",
    "test builds: with transport=mock, read a hostile vmclock page first (shift64, period0, future, stale, seq-odd, magic, unusable, huge-sec, garbage, disruption)"
);

#[cfg(ptp_vmclock_test_build)]
charp_param!(
    test_forget_page_param,
    "test_forget_page",
    "0",
    "test builds: unregister the vmclock page behind the transport after this many page reads (0: never), as a migration's destination host would have it"
);

#[cfg(ptp_vmclock_test_build)]
charp_param!(
    test_reboot_keep_param,
    "test_reboot_keep",
    "0",
    "test builds: 1 = the reboot notifier leaves the vmclock page registered (the kexec test's negative control)"
);

/// Parses `test_reboot_keep` (test builds): `0` (the default) or `1`.
#[cfg(ptp_vmclock_test_build)]
fn parse_bool01(value: &[u8]) -> Result<bool> {
    match value {
        b"" | b"0" => Ok(false),
        b"1" => Ok(true),
        _ => Err(EINVAL),
    }
}

/// Parses a string parameter with `parse`; an invalid value is logged in one line,
/// naming the accepted ones.
fn parse_param<T>(
    name: &str,
    value: &[u8],
    valid: &str,
    parse: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<T> {
    parse(value).inspect_err(|_| {
        pr_err!(
            "invalid {}={} (expected {})\n",
            name,
            BStr::from_bytes(value),
            valid
        );
    })
}

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
                let choice = parse_param(
                    "transport",
                    transport_param(),
                    transport::Choice::VALID,
                    transport::Choice::parse,
                )?;
                let timescale = parse_param(
                    "timescale",
                    timescale_param(),
                    kvm::Timescale::VALID,
                    kvm::Timescale::parse,
                )?;
                let pairing = parse_param(
                    "clock_pairing",
                    clock_pairing_param(),
                    kvm::PairingChoice::VALID,
                    kvm::PairingChoice::parse,
                )?;
                kvm::configure(timescale, pairing);
                #[cfg(ptp_vmclock_test_build)]
                mock::configure(parse_param(
                    "mock_page",
                    mock_page_param(),
                    vmclock::Hostile::VALID,
                    vmclock::Hostile::parse,
                )?);
                #[cfg(ptp_vmclock_test_build)]
                vmclock::forget::configure(parse_param(
                    "test_forget_page",
                    test_forget_page_param(),
                    vmclock::forget::VALID,
                    vmclock::forget::parse,
                )?);
                #[cfg(ptp_vmclock_test_build)]
                vmclock::configure_test_reboot_keep(parse_param(
                    "test_reboot_keep",
                    test_reboot_keep_param(),
                    "0|1",
                    parse_bool01,
                )?);
                status::set_timescale(timescale.name());
                // Only KVM (clock type 1, or its vmclock page) serves TAI: with `auto`, the
                // port is no option then, and the KVM probe's reason is the one to log.
                let port_ok = timescale != kvm::Timescale::Tai;
                let transport =
                    transport::AnyTransport::select(choice, port_ok, device.as_ref())?;
                kvm::require_timescale(timescale, transport.name())?;
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
                    clock::VmClock::new(transport, counter, clock_device),
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

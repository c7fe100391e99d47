// SPDX-License-Identifier: GPL-2.0

//! The module's parameters and the [`Config`] parsed from them.
//!
//! `module!` only supports integer and bool parameters, so the string ones are declared by
//! `charp_param!` the way `module_param(name, charp, 0444)` and `MODULE_PARM_DESC()` do in
//! C: a `kernel_param` in `__param` using the kernel's `param_ops_charp`, plus its modinfo
//! lines. All are read-only (0444): they are parsed once, at load, into a [`Config`] that
//! the transports probe with.

use crate::clock::{self, HostPolicy, HostUnsync};
use crate::compat::{self, as_char_ptr_in_const_context, KernelParam};
#[cfg(CONFIG_X86)]
use crate::kvm::PairingChoice;
use crate::transport::Choice;
#[cfg(ptp_vmclock_test_build)]
use crate::vmclock::{self, Hostile};
use core::cell::UnsafeCell;
#[cfg(not(ptp_vmclock_v6_12))]
use kernel::module::this_module;
use kernel::{ffi::c_char, prelude::*, str::BStr};

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
            static KERNEL_PARAM: KernelParam = KernelParam::new(crate::bindings::kernel_param {
                name: as_char_ptr_in_const_context(kernel::c_str!($name)),
                #[cfg(not(ptp_vmclock_v6_12))]
                mod_: this_module::<crate::LocalModule>().as_ptr(),
                #[cfg(ptp_vmclock_v6_12)]
                mod_: compat::THIS_MODULE.as_ptr(),
                ops: &raw const crate::bindings::param_ops_charp,
                perm: 0o444,
                level: -1,
                flags: 0,
                __bindgen_anon_1: crate::bindings::kernel_param__bindgen_ty_1 {
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

#[cfg(ptp_vmclock_test_build)]
charp_param!(
    transport_param,
    "transport",
    "auto",
    "host time transport: auto (default), vmclock, kvm, vmport, or mock (test builds)"
);
#[cfg(all(CONFIG_X86, not(ptp_vmclock_test_build)))]
charp_param!(
    transport_param,
    "transport",
    "auto",
    "host time transport: auto (default), vmclock, kvm or vmport"
);
#[cfg(CONFIG_ARM64)]
charp_param!(
    transport_param,
    "transport",
    "auto",
    "host time transport: auto (default) or kvm (the KVM PTP service over SMCCC)"
);
charp_param!(
    timescale_param,
    "timescale",
    "utc",
    "time scale served: utc (default) or tai"
);
#[cfg(CONFIG_X86)]
charp_param!(
    clock_pairing_param,
    "clock_pairing",
    "auto",
    "auto (default: TAI+status if offered) or legacy (type 0)"
);
charp_param!(
    host_unsync_param,
    "host_unsync",
    "serve",
    "while the host says its clock is unsynchronised: serve (default) or fail (reads fail with EBUSY)"
);
charp_param!(
    host_maxerror_us_param,
    "host_maxerror_us",
    "0",
    "reads fail with EBUSY while the host's maximum error exceeds this many microseconds (0: no bound, default)"
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

/// Parses a decimal number without sign or spaces, of at most 18 digits (always fits a
/// `u64`); nothing is an error.
pub(crate) fn parse_decimal(value: &[u8]) -> Result<u64> {
    if value.is_empty() || value.len() > 18 {
        return Err(EINVAL);
    }
    value.iter().try_fold(0u64, |n, &c| {
        if c.is_ascii_digit() {
            Ok(n * 10 + u64::from(c - b'0'))
        } else {
            Err(EINVAL)
        }
    })
}

/// Parses `0` (or nothing) and `1`.
#[cfg(ptp_vmclock_test_build)]
fn parse_bool01(value: &[u8]) -> Result<bool> {
    match value {
        b"" | b"0" => Ok(false),
        b"1" => Ok(true),
        _ => Err(EINVAL),
    }
}

/// What the parameters of test builds ask for.
#[cfg(ptp_vmclock_test_build)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct TestConfig {
    /// `mock_page=`: the hostile vmclock page the mock transport reads first.
    pub(crate) mock_page: Option<Hostile>,
    /// `test_forget_page=`: unregister the page behind the transport after this many page
    /// reads (0: never).
    pub(crate) forget_page_after: u64,
    /// `test_reboot_keep=1`: the reboot notifier leaves the page registered.
    pub(crate) reboot_keep: bool,
}

/// The time scale the clock serves (`timescale=` parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timescale {
    /// UTC, like `CLOCK_REALTIME` (the default).
    Utc,
    /// TAI, like `CLOCK_TAI`; needs a host that serves `KVM_CLOCK_PAIRING_TAI`.
    Tai,
}

impl Timescale {
    /// The accepted values, for messages.
    pub(crate) const VALID: &'static str = "utc|tai";

    /// Parses the parameter value; an absent or empty value means [`Timescale::Utc`].
    pub(crate) fn parse(value: &[u8]) -> Result<Self> {
        match value {
            b"" | b"utc" => Ok(Timescale::Utc),
            b"tai" => Ok(Timescale::Tai),
            _ => Err(EINVAL),
        }
    }

    /// The name, as in the parameter and sysfs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Timescale::Utc => "utc",
            Timescale::Tai => "tai",
        }
    }
}

/// The module's configuration: what its parameters ask for, parsed and checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    /// `transport=`.
    pub(crate) transport: Choice,
    /// `timescale=`.
    pub(crate) timescale: Timescale,
    /// `clock_pairing=` (x86: `KVM_HC_CLOCK_PAIRING`'s clock type).
    #[cfg(CONFIG_X86)]
    pub(crate) pairing: PairingChoice,
    /// `host_unsync=` and `host_maxerror_us=`.
    pub(crate) host: HostPolicy,
    /// The parameters only test builds have.
    #[cfg(ptp_vmclock_test_build)]
    pub(crate) test: TestConfig,
}

impl Config {
    /// `test_reboot_keep=1`: the reboot notifier leaves the vmclock page registered (test
    /// builds; always false otherwise).
    #[cfg(CONFIG_X86)]
    pub(crate) fn test_reboot_keep(&self) -> bool {
        #[cfg(ptp_vmclock_test_build)]
        return self.test.reboot_keep;
        #[cfg(not(ptp_vmclock_test_build))]
        false
    }

    /// Parses the module's parameters; an invalid one fails with `EINVAL` and one log line.
    pub(crate) fn from_params() -> Result<Self> {
        Ok(Self {
            transport: parse_param("transport", transport_param(), Choice::VALID, Choice::parse)?,
            timescale: parse_param(
                "timescale",
                timescale_param(),
                Timescale::VALID,
                Timescale::parse,
            )?,
            #[cfg(CONFIG_X86)]
            pairing: parse_param(
                "clock_pairing",
                clock_pairing_param(),
                PairingChoice::VALID,
                PairingChoice::parse,
            )?,
            host: HostPolicy {
                unsync: parse_param(
                    "host_unsync",
                    host_unsync_param(),
                    HostUnsync::VALID,
                    HostUnsync::parse,
                )?,
                maxerror_us: parse_param(
                    "host_maxerror_us",
                    host_maxerror_us_param(),
                    clock::MAXERROR_VALID,
                    clock::parse_maxerror_us,
                )?,
            },
            #[cfg(ptp_vmclock_test_build)]
            test: TestConfig {
                mock_page: parse_param(
                    "mock_page",
                    mock_page_param(),
                    Hostile::VALID,
                    Hostile::parse,
                )?,
                forget_page_after: parse_param(
                    "test_forget_page",
                    test_forget_page_param(),
                    vmclock::forget::VALID,
                    vmclock::forget::parse,
                )?,
                reboot_keep: parse_param(
                    "test_reboot_keep",
                    test_reboot_keep_param(),
                    "0|1",
                    parse_bool01,
                )?,
            },
        })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! PTP hardware clock support.
//!
//! A safe abstraction over the PTP clock API, written as it could go upstream as
//! `rust/kernel/ptp.rs`: a driver implements [`Operations`] and pins a [`Registration`],
//! which registers a `/dev/ptpN` clock with `ptp_clock_register()` and unregisters it when
//! dropped. All unsafe code of the PTP API is confined to this file.
//!
//! C header: [`include/linux/ptp_clock_kernel.h`](srctree/include/linux/ptp_clock_kernel.h)

use super::bindings;
use super::compat::{self, build_error, eopnotsupp, Opaque};
use super::time::Timespec;
use core::marker::PhantomData;
#[cfg(not(ptp_vmclock_v6_12))]
use kernel::module::this_module;
use kernel::{
    device::Device,
    error::{from_err_ptr, from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int, c_long, c_void},
    prelude::*,
};

/// Size of a clock name, including the terminating NUL (`PTP_CLOCK_NAME_LEN`; the build checks
/// it against `ptp_clock_info::name`, which [`clock_name`]'s result is assigned to).
const NAME_LEN: usize = 32;

/// The `name` field of a `ptp_clock_info`: `name` and a terminating NUL.
///
/// Fails with `EINVAL` when `name` is longer than the field holds (`PTP_CLOCK_NAME_LEN - 1`
/// bytes) instead of truncating it: udev rules and tools find the clock by its name.
pub(crate) fn clock_name(name: &CStr) -> Result<[c_char; NAME_LEN]> {
    let name = compat::cstr_bytes(name);
    if name.len() >= NAME_LEN {
        return Err(EINVAL);
    }
    let mut field = [0; NAME_LEN];
    field[..name.len()].copy_from_slice(name);
    Ok(field)
}

/// Identifies the clocksource a system counter value belongs to (`enum clocksource_ids`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSourceId(bindings::clocksource_ids);

impl ClockSourceId {
    /// The x86 TSC (`CSID_X86_TSC`).
    pub const X86_TSC: Self = Self(bindings::clocksource_ids_CSID_X86_TSC);
    /// KVM's paravirtual clock, kvm-clock (`CSID_X86_KVM_CLK`).
    pub const X86_KVM_CLK: Self = Self(bindings::clocksource_ids_CSID_X86_KVM_CLK);
    /// The arm64 arch counter, virtual or physical (`CSID_ARM_ARCH_COUNTER`).
    pub const ARM_ARCH_COUNTER: Self = Self(bindings::clocksource_ids_CSID_ARM_ARCH_COUNTER);

    /// The id C code handed over (e.g. a cross timestamp's `enum clocksource_ids`).
    pub fn from_raw(id: bindings::clocksource_ids) -> Self {
        Self(id)
    }

    /// The clocksource timekeeping uses right now (from a timekeeping snapshot).
    pub fn current() -> Self {
        Self(compat::current_cs_id())
    }
}

/// A system counter value captured at the same instant as a device time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemCounterValue {
    /// The counter value, in the clocksource's own cycles.
    pub cycles: u64,
    /// The clocksource [`SystemCounterValue::cycles`] belongs to.
    pub cs_id: ClockSourceId,
}

/// One synchronised capture of device time and a system counter, for [`CrossTimestamp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceSnapshot {
    /// The device (PHC) time.
    pub device: Timespec,
    /// The system counter value captured at the same instant.
    pub counter: SystemCounterValue,
}

/// The optional pair of system clock snapshots of a `gettimex64` call
/// (`struct ptp_system_timestamp`).
///
/// The PTP core asks for them for `PTP_SYS_OFFSET` and `PTP_SYS_OFFSET_EXTENDED`; a driver
/// calls [`SystemTimestamps::pre`] immediately before and [`SystemTimestamps::post`]
/// immediately after the access that latches the device time. Both are no-ops when the core
/// did not ask for timestamps.
///
/// # Invariants
///
/// `ptr` is either null or valid for reads and writes for `'a`, and nothing else accesses
/// the pointee during `'a`.
pub struct SystemTimestamps<'a> {
    ptr: *mut bindings::ptp_system_timestamp,
    _p: PhantomData<&'a mut bindings::ptp_system_timestamp>,
}

impl SystemTimestamps<'_> {
    /// Wraps the `sts` argument of a `gettimex64` callback.
    ///
    /// # Safety
    ///
    /// `ptr` must be null or valid for reads and writes, and not accessed by anything else, for
    /// the lifetime of the returned object.
    unsafe fn from_raw(ptr: *mut bindings::ptp_system_timestamp) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    /// Whether the caller asked for system timestamps.
    pub fn requested(&self) -> bool {
        !self.ptr.is_null()
    }

    /// Takes the system time snapshot before the device access (`ptp_read_system_prets()`).
    #[inline]
    pub fn pre(&mut self) {
        if let Some(sts) = self.raw() {
            // SAFETY: `sts` points to a valid, exclusively borrowed `ptp_system_timestamp`
            // (type invariant).
            unsafe { compat::ptp_read_system_prets(sts) };
        }
    }

    /// Takes the system time snapshot before the device access and, when the system counter
    /// value behind it belongs to clocksource `cs` (or is the hardware counter under the
    /// current clocksource), returns that value and records the same snapshot as the post
    /// timestamp: the caller then latches the device time with this counter value instead of
    /// reading the counter again, and the window is zero wide. `None` when the caller did
    /// not ask for timestamps or the counter is another one (then only the pre snapshot was
    /// taken: call [`SystemTimestamps::post`] after the access as usual).
    #[inline]
    pub fn pre_sharing_counter(&mut self, cs: ClockSourceId) -> Option<u64> {
        let sts = self.raw()?;
        // SAFETY: `sts` points to a valid, exclusively borrowed `ptp_system_timestamp`
        // (type invariant).
        unsafe { compat::ptp_read_system_prets_shared(sts, cs.0) }
    }

    /// Takes the system time snapshot after the device access (`ptp_read_system_postts()`).
    #[inline]
    pub fn post(&mut self) {
        if let Some(sts) = self.raw() {
            // SAFETY: As in `pre`.
            unsafe { compat::ptp_read_system_postts(sts) };
        }
    }

    fn raw(&mut self) -> Option<*mut bindings::ptp_system_timestamp> {
        (!self.ptr.is_null()).then_some(self.ptr)
    }
}

/// The request of a `getcrosststamp` call (`struct system_device_crosststamp`).
///
/// # Invariants
///
/// `ptr` is valid for reads and writes for `'a`, and nothing else accesses the pointee during
/// `'a`.
pub struct CrossTimestamp<'a> {
    ptr: *mut bindings::system_device_crosststamp,
    _p: PhantomData<&'a mut bindings::system_device_crosststamp>,
}

impl CrossTimestamp<'_> {
    /// Wraps the `cts` argument of a `getcrosststamp` callback.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for reads and writes, and not accessed by anything else, for the
    /// lifetime of the returned object.
    unsafe fn from_raw(ptr: *mut bindings::system_device_crosststamp) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    /// Fills the cross timestamp with `get_device_system_crosststamp()`.
    ///
    /// The timekeeping core calls `get_time` (possibly more than once) inside its sequence
    /// loop; it must capture the device time and a system counter value at the same instant.
    /// Fails with `ENODEV` when the counter does not belong to the current clocksource (nor
    /// to its base clock), and with the error of `get_time` when that fails.
    pub fn capture<F>(&mut self, mut get_time: F) -> Result
    where
        F: FnMut() -> Result<DeviceSnapshot>,
    {
        // SAFETY: `trampoline::<F>` matches the callback type and is only called during this
        // call, with `ctx` pointing to `get_time`, which outlives the call. `self.ptr` is
        // valid (type invariant). No history snapshot is passed (NULL).
        to_result(unsafe {
            bindings::get_device_system_crosststamp(
                Some(trampoline::<F>),
                (&raw mut get_time).cast::<c_void>(),
                core::ptr::null_mut(),
                self.ptr,
            )
        })
    }
}

/// Calls the closure of [`CrossTimestamp::capture`] for `get_device_system_crosststamp()`.
///
/// # Safety
///
/// `ctx` must point to a valid `F` not otherwise borrowed during the call; `device_time` and
/// `counter` must be valid for writes.
unsafe extern "C" fn trampoline<F>(
    device_time: *mut bindings::ktime_t,
    counter: *mut bindings::system_counterval_t,
    ctx: *mut c_void,
) -> c_int
where
    F: FnMut() -> Result<DeviceSnapshot>,
{
    // SAFETY: By the function's safety requirements `ctx` points to an `F` that nothing else
    // borrows during this call.
    let get_time = unsafe { &mut *ctx.cast::<F>() };
    from_result(|| {
        let snap = get_time()?;
        // SAFETY: The pointers are valid for writes (the function's safety requirements).
        unsafe {
            device_time.write(snap.device.as_nanos());
            (*counter).cycles = snap.counter.cycles;
            (*counter).cs_id = snap.counter.cs_id.0;
            (*counter).use_nsecs = false;
        }
        Ok(0)
    })
}

/// What an [`Operations::enable`] call turns on or off (`ptp_clock_request::type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// An external timestamp channel (`PTP_CLK_REQ_EXTTS`).
    ExtTs,
    /// A periodic output (`PTP_CLK_REQ_PEROUT`).
    PerOut,
    /// The PPS event to the kernel's PPS subsystem (`PTP_CLK_REQ_PPS`).
    Pps,
}

impl Request {
    /// The request of C type `kind`; `None` for a type this file does not know.
    pub(crate) fn from_type(kind: bindings::ptp_clock_request__bindgen_ty_1) -> Option<Self> {
        match kind {
            bindings::ptp_clock_request_PTP_CLK_REQ_EXTTS => Some(Self::ExtTs),
            bindings::ptp_clock_request_PTP_CLK_REQ_PEROUT => Some(Self::PerOut),
            bindings::ptp_clock_request_PTP_CLK_REQ_PPS => Some(Self::Pps),
            _ => None,
        }
    }
}

/// Options of a PTP clock registration.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// The clock name shown in `/sys/class/ptp/ptpN/clock_name`: at most 31 bytes
    /// (`PTP_CLOCK_NAME_LEN - 1`); a longer one fails the registration with `EINVAL`.
    pub name: &'a CStr,
    /// The device the clock belongs to, the parent of `/sys/class/ptp/ptpN` (`None`: none).
    /// It is only borrowed during registration: the PTP core takes its own reference.
    pub parent: Option<&'a Device>,
    /// Maximum frequency adjustment in parts per billion; 0 for a clock that cannot be
    /// steered.
    pub max_adj: i32,
    /// Whether to offer `getcrosststamp` (`PTP_SYS_OFFSET_PRECISE`); only effective when the
    /// driver implements [`Operations::getcrosststamp`].
    pub cross_timestamping: bool,
}

/// The operations of a PTP hardware clock (`struct ptp_clock_info`).
///
/// A driver implements [`Operations::gettimex64`], which serves every read; C's older
/// `gettime64` is not offered (the PTP core calls it only when `gettimex64` is NULL). The
/// steering operations default to refusing with `EOPNOTSUPP` (the PTP core calls them
/// unconditionally, so they are never left NULL). Implementations must be callable from any
/// context the PTP core uses (process context, possibly concurrently on several CPUs).
#[vtable]
pub trait Operations: Sized + Send + Sync {
    /// Reads the clock, calling [`SystemTimestamps::pre`] and [`SystemTimestamps::post`]
    /// immediately around the access that latches the time. Serves `clock_gettime()` too,
    /// without timestamps ([`SystemTimestamps::requested`] is false then).
    fn gettimex64(&self, sts: &mut SystemTimestamps<'_>) -> Result<Timespec>;

    /// Captures the device time together with a system counter value, usually with
    /// [`CrossTimestamp::capture`].
    fn getcrosststamp(&self, _cts: &mut CrossTimestamp<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Sets the clock. Refused by default.
    fn settime64(&self, _ts: &Timespec) -> Result {
        Err(eopnotsupp())
    }

    /// Shifts the clock by `delta` nanoseconds. Refused by default.
    fn adjtime(&self, _delta: i64) -> Result {
        Err(eopnotsupp())
    }

    /// Adjusts the frequency by `scaled_ppm` (ppm with a 16-bit fractional part). Refused by
    /// default.
    fn adjfine(&self, _scaled_ppm: c_long) -> Result {
        Err(eopnotsupp())
    }

    /// Turns the ancillary feature `request` on or off. Refused with `EOPNOTSUPP` by default.
    ///
    /// The PTP core passes `PTP_ENABLE_PPS` on to every clock, whether it announced PPS or
    /// not; external timestamp and periodic output requests reach the driver only for
    /// channels it has, and a registration announces none. Called in process context with
    /// the core's pin configuration mutex held.
    fn enable(&self, _request: Request, _on: bool) -> Result {
        Err(eopnotsupp())
    }
}

/// The C part of a registration: the clock description and the registered clock.
#[repr(C)]
struct RawClock {
    info: bindings::ptp_clock_info,
    clock: *mut bindings::ptp_clock,
}

/// A registered PTP hardware clock, `/dev/ptpN`.
///
/// The driver data `T` lives inside the registration (initialised in place, before the clock
/// is registered), so the callbacks reach it without any global state.
///
/// # Invariants
///
/// Once initialised, `raw` holds a `ptp_clock_info` registered with `ptp_clock_register()`
/// (built by [`OpsTable`] for `T`) and the `ptp_clock` it returned; the clock is unregistered
/// exactly once, in `drop`, before `data` is dropped.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Operations> {
    #[pin]
    data: T,
    #[pin]
    raw: Opaque<RawClock>,
}

// SAFETY: The registration can be dropped (`ptp_clock_unregister()`) from any thread, and `T`
// is `Send`.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: `&self` methods only read the immutable clock pointer, and `T` is `Sync`.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Registers a PTP clock served by the driver data `data` initialises.
    ///
    /// `data` is initialised in place first; the clock is registered after it and is live
    /// (its callbacks may run) as soon as the initialiser has run. The clock is unregistered
    /// when the registration is dropped, before the driver data is. Fails with `EINVAL`,
    /// before `data` is initialised, when the name does not fit (see [`Options::name`]).
    pub fn register<'a, E>(
        options: Options<'a>,
        data: impl PinInit<T, E> + 'a,
    ) -> impl PinInit<Self, Error> + 'a
    where
        T: 'a,
        E: 'a,
        Error: From<E>,
    {
        let name = clock_name(options.name);
        try_pin_init!(Self {
            data <- {
                name?;
                data
            },
            raw <- compat::opaque_try_ffi_init(move |slot: *mut RawClock| {
                let info = OpsTable::<T>::build(name?, &options);
                let parent = options
                    .parent
                    .map_or(core::ptr::null_mut(), compat::device_as_raw);
                // SAFETY: `slot` is valid for writes (it is the uninitialised `raw` field).
                unsafe {
                    (&raw mut (*slot).info).write(info);
                    (&raw mut (*slot).clock).write(core::ptr::null_mut());
                }
                // `data` was initialised before this field, so the callbacks, which may run
                // as soon as the clock is registered, find it.
                // SAFETY: `(*slot).info` is initialised and pinned: it stays here until `drop`
                // unregisters the clock. `parent` is NULL or a live device borrowed for `'a`,
                // which outlasts this call; the core takes its own reference (`device_add()`).
                let clock = from_err_ptr(unsafe {
                    bindings::ptp_clock_register(&raw mut (*slot).info, parent)
                })?;
                if clock.is_null() {
                    // PTP support compiled out (`CONFIG_PTP_1588_CLOCK=n`).
                    return Err(ENODEV);
                }
                // SAFETY: `slot` is valid for writes.
                unsafe { (&raw mut (*slot).clock).write(clock) };
                Ok(())
            }),
        })
    }

    /// The driver data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The index `N` of `/dev/ptpN` (`ptp_clock_index()`).
    pub fn index(&self) -> i32 {
        // SAFETY: `clock` is a registered clock until `drop` (type invariant).
        unsafe { bindings::ptp_clock_index((*self.raw.get()).clock) }
    }
}

#[pinned_drop]
impl<T: Operations> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // `ptp_clock_unregister()` waits for running callbacks (the posix clock's rwsem) and
        // makes later file operations fail, so `data` is unused afterwards even if user space
        // still holds `/dev/ptpN` open.
        // SAFETY: `clock` was registered in `register` (type invariant); unregistered only here.
        unsafe { bindings::ptp_clock_unregister((*self.raw.get()).clock) };
    }
}

/// Builds the `ptp_clock_info` of an [`Operations`] implementation.
pub(crate) struct OpsTable<T: Operations>(PhantomData<T>);

impl<T: Operations> OpsTable<T> {
    // No `gettime64`: the core calls it only when `gettimex64` is NULL (`ptp_clock_gettime()`,
    // `PTP_SYS_OFFSET`, and `ptp_getcycles64()`, whose `getcyclesx64` the core sets to
    // `gettimex64`), in 6.12 and 7.3 alike.
    const TEMPLATE: bindings::ptp_clock_info = bindings::ptp_clock_info {
        #[cfg(not(ptp_vmclock_v6_12))]
        owner: this_module::<T::OwnerModule>().as_ptr(),
        // 6.12's `#[vtable]` has no `OwnerModule`: the module this file is built into.
        #[cfg(ptp_vmclock_v6_12)]
        owner: compat::THIS_MODULE.as_ptr(),
        gettimex64: Some(Self::gettimex64),
        settime64: Some(Self::settime64),
        adjtime: Some(Self::adjtime),
        adjfine: Some(Self::adjfine),
        // Set although the core substitutes a refusing one for NULL (`ptp_enable()`), so that
        // no path ever depends on that: no caller of `->enable` checks for NULL.
        enable: Some(Self::enable),
        ..compat::zeroed()
    };

    /// The `ptp_clock_info` of a clock named `name` (from [`clock_name`]) with `options`.
    pub(crate) fn build(
        name: [c_char; NAME_LEN],
        options: &Options<'_>,
    ) -> bindings::ptp_clock_info {
        let mut info = Self::TEMPLATE;
        info.name = name;
        info.max_adj = options.max_adj;
        if T::HAS_GETCROSSTSTAMP && options.cross_timestamping {
            info.getcrosststamp = Some(Self::getcrosststamp);
        }
        info
    }

    /// Returns the driver data of the clock whose `ptp_clock_info` is `info`.
    ///
    /// # Safety
    ///
    /// `info` must be the `info` field of a live, registered [`Registration<T>`].
    unsafe fn data<'a>(info: *mut bindings::ptp_clock_info) -> &'a T {
        // `info` is the first field of the `#[repr(C)]` `RawClock`, which is all of the
        // transparent `Opaque<RawClock>` field `raw`.
        let raw = compat::opaque_cast_from(info.cast::<RawClock>()).cast_mut();
        // SAFETY: By the safety requirements `raw` is the `raw` field of a `Registration<T>`.
        let reg = unsafe { kernel::container_of!(raw, Registration<T>, raw) };
        // SAFETY: The registration is live, and `data` is never mutated after registration.
        unsafe { &(*reg).data }
    }

    /// # Safety
    ///
    /// Called by the PTP core with the `info` of a registered clock, a valid `ts` and a
    /// null or valid `sts`.
    unsafe extern "C" fn gettimex64(
        info: *mut bindings::ptp_clock_info,
        ts: *mut bindings::timespec64,
        sts: *mut bindings::ptp_system_timestamp,
    ) -> c_int {
        // SAFETY: The PTP core passes the `info` of a registered clock.
        let data = unsafe { Self::data(info) };
        // SAFETY: `sts` is null or valid and exclusively ours for this call.
        let mut sts = unsafe { SystemTimestamps::from_raw(sts) };
        from_result(|| {
            let t = T::gettimex64(data, &mut sts)?;
            // SAFETY: `ts` is valid for writes.
            unsafe { write_timespec(ts, &t) };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the PTP core with the `info` of a registered clock and a valid `cts`.
    unsafe extern "C" fn getcrosststamp(
        info: *mut bindings::ptp_clock_info,
        cts: *mut bindings::system_device_crosststamp,
    ) -> c_int {
        // SAFETY: The PTP core passes the `info` of a registered clock.
        let data = unsafe { Self::data(info) };
        // SAFETY: `cts` is valid and exclusively ours for this call.
        let mut cts = unsafe { CrossTimestamp::from_raw(cts) };
        from_result(|| T::getcrosststamp(data, &mut cts).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the PTP core with the `info` of a registered clock and a valid `ts`.
    unsafe extern "C" fn settime64(
        info: *mut bindings::ptp_clock_info,
        ts: *const bindings::timespec64,
    ) -> c_int {
        // SAFETY: The PTP core passes the `info` of a registered clock.
        let data = unsafe { Self::data(info) };
        // SAFETY: `ts` is valid for reads.
        let (sec, nsec) = unsafe { ((*ts).tv_sec, (*ts).tv_nsec) };
        from_result(|| {
            let ts = Timespec::new(sec, i64::try_from(nsec).map_err(|_| EINVAL)?).ok_or(EINVAL)?;
            T::settime64(data, &ts).map(|()| 0)
        })
    }

    /// # Safety
    ///
    /// Called by the PTP core with the `info` of a registered clock.
    unsafe extern "C" fn adjtime(info: *mut bindings::ptp_clock_info, delta: i64) -> c_int {
        // SAFETY: The PTP core passes the `info` of a registered clock.
        let data = unsafe { Self::data(info) };
        from_result(|| T::adjtime(data, delta).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the PTP core with the `info` of a registered clock.
    unsafe extern "C" fn adjfine(info: *mut bindings::ptp_clock_info, scaled_ppm: c_long) -> c_int {
        // SAFETY: The PTP core passes the `info` of a registered clock.
        let data = unsafe { Self::data(info) };
        from_result(|| T::adjfine(data, scaled_ppm).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the PTP core with the `info` of a registered clock and a valid `request`.
    unsafe extern "C" fn enable(
        info: *mut bindings::ptp_clock_info,
        request: *mut bindings::ptp_clock_request,
        on: c_int,
    ) -> c_int {
        // SAFETY: The PTP core passes the `info` of a registered clock.
        let data = unsafe { Self::data(info) };
        // SAFETY: `request` is valid for reads; `type_` is a plain integer outside the union.
        let kind = unsafe { (*request).type_ };
        from_result(|| {
            let request = Request::from_type(kind).ok_or_else(eopnotsupp)?;
            T::enable(data, request, on != 0).map(|()| 0)
        })
    }
}

/// Stores `t` in a C `timespec64`.
///
/// # Safety
///
/// `ts` must be valid for writes.
unsafe fn write_timespec(ts: *mut bindings::timespec64, t: &Timespec) {
    // SAFETY: `ts` is valid for writes (the function's safety requirements).
    unsafe {
        (*ts).tv_sec = t.sec();
        // `nsec` is below one billion, so the conversion is lossless on every target.
        (*ts).tv_nsec = t.nsec() as c_long;
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_ptp)]
mod tests {
    use super::*;
    use crate::compat::eopnotsupp;
    use crate::time::Timespec;

    /// A PTP clock for the abstraction's tests (never registered): it counts how often its
    /// data was initialised.
    #[pin_data]
    struct TestClock {
        _init: u64,
    }

    static TEST_CLOCK_INITS: crate::compat::Atomic<u64> = crate::compat::Atomic::new(0);

    impl TestClock {
        fn new() -> impl PinInit<Self> {
            pin_init!(Self {
                _init: TEST_CLOCK_INITS.fetch_add(1u64, crate::compat::Relaxed),
            })
        }
    }

    #[vtable]
    impl crate::ptp::Operations for TestClock {
        type OwnerModule = crate::LocalModule;

        fn gettimex64(&self, _sts: &mut crate::ptp::SystemTimestamps<'_>) -> Result<Timespec> {
            Err(EIO)
        }
    }

    #[test]
    fn ptp_clock_name_fits_or_is_refused() {
        use crate::ptp::clock_name;
        use kernel::c_str;
        // 31 bytes (PTP_CLOCK_NAME_LEN - 1) fill the field up to its terminating NUL.
        let full = clock_name(c_str!("0123456789abcdef0123456789abcde"));
        assert_eq!(full.map(|n| (n[0], n[30], n[31])), Ok((b'0', b'e', 0)));
        // 32 and more bytes are refused, not truncated.
        let n32 = clock_name(c_str!("0123456789abcdef0123456789abcdef"));
        assert_eq!(n32.map(|_| ()), Err(EINVAL));
        let n33 = clock_name(c_str!("0123456789abcdef0123456789abcdef0"));
        assert_eq!(n33.map(|_| ()), Err(EINVAL));
        // Ours, NUL-padded; the empty name.
        let ours = clock_name(c_str!("ptp_vmclock"))
            .map(|n| n[..12] == *b"ptp_vmclock\0" && n[12..].iter().all(|&b| b == 0));
        assert_eq!(ours, Ok(true));
        assert_eq!(clock_name(c_str!("")).map(|n| n == [0; 32]), Ok(true));
    }

    #[test]
    fn ptp_register_refuses_a_long_name() {
        use crate::ptp::{Options, Registration};
        let before = TEST_CLOCK_INITS.load(crate::compat::Relaxed);
        let options = Options {
            name: kernel::c_str!("0123456789abcdef0123456789abcdef"),
            parent: None,
            max_adj: 0,
            cross_timestamping: false,
        };
        let reg = KBox::pin_init(
            Registration::register(options, TestClock::new()),
            GFP_KERNEL,
        );
        assert_eq!(reg.err(), Some(EINVAL));
        // Refused before the driver's data was initialised.
        assert_eq!(TEST_CLOCK_INITS.load(crate::compat::Relaxed), before);
    }

    #[test]
    fn ptp_clock_info_of_operations() {
        use crate::ptp::{clock_name, OpsTable, Options};
        let name = kernel::c_str!("test");
        let mut options = Options {
            name,
            parent: None,
            max_adj: 0,
            cross_timestamping: true,
        };
        let info = OpsTable::<TestClock>::build(clock_name(name).unwrap(), &options);
        assert_eq!(info.name[..5], *b"test\0");
        // The operations the PTP core calls without a NULL check are all set.
        assert!(info.gettimex64.is_some());
        // gettimex64 serves every read: no gettime64.
        assert!(info.gettime64.is_none());
        assert!(info.settime64.is_some() && info.adjtime.is_some() && info.adjfine.is_some());
        assert!(info.enable.is_some());
        // No cross timestamps without an implementation, whatever the options say; no
        // alarms, channels, pins or PPS.
        assert!(info.getcrosststamp.is_none());
        assert_eq!(
            (
                info.n_alarm,
                info.n_ext_ts,
                info.n_per_out,
                info.n_pins,
                info.pps
            ),
            (0, 0, 0, 0, 0)
        );
        options.max_adj = 7;
        let info = OpsTable::<TestClock>::build(clock_name(name).unwrap(), &options);
        assert_eq!(info.max_adj, 7);
    }

    #[test]
    fn ptp_enable_requests() {
        use crate::bindings::{
            ptp_clock_request_PTP_CLK_REQ_EXTTS, ptp_clock_request_PTP_CLK_REQ_PEROUT,
            ptp_clock_request_PTP_CLK_REQ_PPS,
        };
        use crate::ptp::{Operations, Request};
        assert_eq!(
            Request::from_type(ptp_clock_request_PTP_CLK_REQ_EXTTS),
            Some(Request::ExtTs)
        );
        assert_eq!(
            Request::from_type(ptp_clock_request_PTP_CLK_REQ_PEROUT),
            Some(Request::PerOut)
        );
        assert_eq!(
            Request::from_type(ptp_clock_request_PTP_CLK_REQ_PPS),
            Some(Request::Pps)
        );
        assert_eq!(Request::from_type(3), None);
        assert_eq!(Request::from_type(u32::MAX), None);
        // A driver without `enable` refuses every request, on or off.
        let clock = TestClock { _init: 0 };
        for r in [Request::ExtTs, Request::PerOut, Request::Pps] {
            assert_eq!(clock.enable(r, true), Err(eopnotsupp()));
            assert_eq!(clock.enable(r, false), Err(eopnotsupp()));
        }
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The kernel-crate items the module uses that differ between the kernels it supports.
//!
//! The module targets the 7.x kernel crate (the reference, 7.3) and the 6.12 LTS one. Kbuild
//! sets `--cfg ptp_vmclock_v6_12` from the target tree's version. On 7.x this module only
//! re-exports the kernel crate's items. 6.12's kernel crate lacks them (no `Atomic`,
//! `SpinLockIrq`, `cpu`, `barrier`, `module_param`, `pr_warn_once!`, `this_module`,
//! a public `Formatter`, `Opaque::try_ffi_init`, `pin_init::zeroed`), so this module provides
//! minimal equivalents with the same names and semantics for what the module uses, over the
//! C API (`ptp_vmclock/compat_6_12.c` wraps the static inline functions and macros Rust
//! cannot call). Everything else is the same code on both kernels, except what an out-of-tree
//! module cannot reach on either (`Device::as_raw()` is `pub(crate)`): see [`device_as_raw`].
//! Items that only moved between the two (`ARef`: `kernel::types` on 6.12,
//! `kernel::sync::aref` on 7.x) are re-exported from where each has them.

#[cfg(not(ptp_vmclock_v6_12))]
mod imp {
    pub(crate) use kernel::{
        build_error,
        module_param::KernelParam,
        pr_warn_once,
        str::{as_char_ptr_in_const_context, Formatter},
        sync::{
            aref::ARef,
            atomic::{Atomic, Relaxed},
        },
        types::Opaque,
    };
    // What only the x86 transports use (the per-CPU pairing buffers, the page's reader).
    #[cfg(CONFIG_X86)]
    pub(crate) use kernel::{
        cpu::{nr_cpu_ids, CpuId},
        sync::{
            barrier::{smp_mb, Read},
            new_spinlock_irq, SpinLockIrq,
        },
    };
    pub(crate) use pin_init::zeroed;

    /// The faux bus (7.x): a device for drivers without hardware.
    pub(crate) mod faux {
        pub(crate) use kernel::faux::Registration;

        /// The `struct device` of a registered faux device.
        pub(crate) fn device(reg: &Registration) -> &kernel::device::Device {
            let dev: &kernel::device::Device<kernel::device::Bound> = reg.as_ref().as_ref();
            dev
        }
    }

    /// `EOPNOTSUPP` (a function: 6.12's kernel crate cannot make the constant).
    pub(crate) fn eopnotsupp() -> kernel::error::Error {
        kernel::error::code::EOPNOTSUPP
    }

    /// `Opaque::try_ffi_init`.
    pub(crate) fn opaque_try_ffi_init<T, E>(
        init: impl FnOnce(*mut T) -> Result<(), E>,
    ) -> impl kernel::prelude::PinInit<Opaque<T>, E> {
        Opaque::try_ffi_init(init)
    }

    /// `Opaque::cast_from`: the `Opaque<T>` whose contents `ptr` points to.
    pub(crate) fn opaque_cast_from<T>(ptr: *const T) -> *const Opaque<T> {
        Opaque::cast_from(ptr)
    }

    /// The bytes of a C string, without the NUL.
    pub(crate) fn cstr_bytes(s: &kernel::prelude::CStr) -> &[u8] {
        s.to_bytes()
    }

    /// `ptp_read_system_prets()` (a static inline in C).
    ///
    /// # Safety
    ///
    /// `sts` must point to a valid `ptp_system_timestamp`, writable for the call.
    pub(crate) unsafe fn ptp_read_system_prets(sts: *mut crate::bindings::ptp_system_timestamp) {
        // SAFETY: By the safety requirements; `ktime_get_snapshot_id()` only writes the
        // snapshot.
        unsafe { crate::bindings::ktime_get_snapshot_id((*sts).clockid, &raw mut (*sts).pre_sts) };
    }

    /// `ptp_read_system_postts()` (a static inline in C).
    ///
    /// # Safety
    ///
    /// As for [`ptp_read_system_prets`].
    pub(crate) unsafe fn ptp_read_system_postts(sts: *mut crate::bindings::ptp_system_timestamp) {
        // SAFETY: As in `ptp_read_system_prets`.
        unsafe { crate::bindings::ktime_get_snapshot_id((*sts).clockid, &raw mut (*sts).post_sts) };
    }

    /// `ptp_read_system_prets()`, then, when the counter value the snapshot was computed
    /// from is one of clocksource `cs_id` (the clocksource's own counter, or the hardware
    /// counter under it, as kvm-clock reports the TSC it converted), that value, with the
    /// same snapshot recorded as the post timestamp: a device read made with this value
    /// happened at the snapshot's instant (upstream's C `ptp_vmclock` does the same).
    /// `None` (and only the pre timestamp taken) otherwise.
    ///
    /// # Safety
    ///
    /// As for [`ptp_read_system_prets`].
    pub(crate) unsafe fn ptp_read_system_prets_shared(
        sts: *mut crate::bindings::ptp_system_timestamp,
        cs_id: crate::bindings::clocksource_ids,
    ) -> Option<u64> {
        // SAFETY: By the safety requirements.
        unsafe { ptp_read_system_prets(sts) };
        // SAFETY: `sts` is valid for reads and writes (the safety requirements).
        let sts = unsafe { &mut *sts };
        let pre = &sts.pre_sts;
        let cycles = if pre.valid == 0 {
            None
        } else if pre.cs_id == cs_id {
            Some(pre.cycles)
        } else if pre.hw_csid == cs_id && pre.hw_cycles != 0 {
            Some(pre.hw_cycles)
        } else {
            None
        };
        if cycles.is_some() {
            sts.post_sts = sts.pre_sts;
        }
        cycles
    }

    /// The id of the clocksource timekeeping uses right now.
    pub(crate) fn current_cs_id() -> crate::bindings::clocksource_ids {
        let mut snap = crate::bindings::system_time_snapshot::default();
        let realtime =
            crate::bindings::clockid_t::try_from(crate::bindings::CLOCK_REALTIME).unwrap_or(0);
        // SAFETY: `snap` is valid for writes; any clock id is accepted.
        unsafe { crate::bindings::ktime_get_snapshot_id(realtime, &mut snap) };
        snap.cs_id
    }
}

#[cfg(ptp_vmclock_v6_12)]
mod imp {
    use crate::bindings;
    use core::{
        cell::UnsafeCell,
        mem::{ManuallyDrop, MaybeUninit},
        sync::atomic::{self as core_atomic, Ordering},
    };
    use kernel::{
        ffi::{c_char, c_ulong},
        prelude::*,
        sync::{
            lock::{spinlock::SpinLockBackend, Guard},
            SpinLock,
        },
        ThisModule,
    };

    pub(crate) use kernel::types::{ARef, Opaque};

    // --- atomics -------------------------------------------------------------------------

    /// The only ordering the module uses: `Relaxed` (a plain `READ_ONCE`/`WRITE_ONCE`, or a
    /// locked read-modify-write, on x86).
    pub(crate) struct Relaxed;

    /// An atomic value (`kernel::sync::atomic::Atomic` of 7.x), accessed through `core`'s
    /// atomics, which compile to the same instructions as the kernel's on x86.
    #[repr(transparent)]
    pub(crate) struct Atomic<T: AtomicRepr>(UnsafeCell<T>);

    // SAFETY: Every access goes through an atomic operation.
    unsafe impl<T: AtomicRepr> Sync for Atomic<T> {}

    /// The types an [`Atomic`] can hold.
    ///
    /// # Safety
    ///
    /// `Atom` must have the size and alignment of `Self` (`core`'s atomics of the same
    /// width do on x86-64).
    pub(crate) unsafe trait AtomicRepr: Copy {
        /// The `core::sync::atomic` type of the same width.
        type Atom;
        /// `Atom::from_ptr`.
        ///
        /// # Safety
        ///
        /// As for `core::sync::atomic::AtomicI32::from_ptr`.
        unsafe fn atom<'a>(p: *mut Self) -> &'a Self::Atom;
        /// Relaxed load.
        fn load(a: &Self::Atom) -> Self;
        /// Relaxed store.
        fn store(a: &Self::Atom, v: Self);
    }

    macro_rules! atomic_repr {
        ($t:ty, $atom:ty) => {
            const _: () = assert!(
                core::mem::size_of::<$t>() == core::mem::size_of::<$atom>()
                    && core::mem::align_of::<$t>() == core::mem::align_of::<$atom>()
            );

            // SAFETY: Same size and alignment (checked above).
            unsafe impl AtomicRepr for $t {
                type Atom = $atom;
                unsafe fn atom<'a>(p: *mut Self) -> &'a $atom {
                    // SAFETY: By the safety requirements.
                    unsafe { <$atom>::from_ptr(p) }
                }
                fn load(a: &$atom) -> Self {
                    a.load(Ordering::Relaxed)
                }
                fn store(a: &$atom, v: Self) {
                    a.store(v, Ordering::Relaxed)
                }
            }
        };
    }
    atomic_repr!(bool, core_atomic::AtomicBool);
    atomic_repr!(i32, core_atomic::AtomicI32);
    atomic_repr!(u32, core_atomic::AtomicU32);
    atomic_repr!(i64, core_atomic::AtomicI64);
    atomic_repr!(u64, core_atomic::AtomicU64);

    // SAFETY: `AtomicPtr<T>` has the size and alignment of `*const T` on x86-64.
    unsafe impl<T> AtomicRepr for *const T {
        type Atom = core_atomic::AtomicPtr<T>;
        unsafe fn atom<'a>(p: *mut Self) -> &'a Self::Atom {
            // SAFETY: By the safety requirements; `*mut T` and `*const T` have one layout.
            unsafe { core_atomic::AtomicPtr::from_ptr(p.cast::<*mut T>()) }
        }
        fn load(a: &Self::Atom) -> Self {
            a.load(Ordering::Relaxed).cast_const()
        }
        fn store(a: &Self::Atom, v: Self) {
            a.store(v.cast_mut(), Ordering::Relaxed)
        }
    }

    impl<T: AtomicRepr> Atomic<T> {
        /// A new atomic holding `v`.
        pub(crate) const fn new(v: T) -> Self {
            Self(UnsafeCell::new(v))
        }

        fn atom(&self) -> &T::Atom {
            // SAFETY: The cell is valid and aligned for `T::Atom` (`AtomicRepr`), and only
            // ever accessed atomically.
            unsafe { T::atom(self.0.get()) }
        }

        /// Reads the value.
        pub(crate) fn load(&self, _: Relaxed) -> T {
            T::load(self.atom())
        }

        /// Writes `v`.
        pub(crate) fn store(&self, v: T, _: Relaxed) {
            T::store(self.atom(), v)
        }
    }

    impl Atomic<u64> {
        /// Adds `v` (wrapping).
        pub(crate) fn add(&self, v: u64, _: Relaxed) {
            self.atom().fetch_add(v, Ordering::Relaxed);
        }

        /// Adds `v` (wrapping); returns the value before.
        #[allow(dead_code)] // Used by test builds only.
        pub(crate) fn fetch_add(&self, v: u64, _: Relaxed) -> u64 {
            self.atom().fetch_add(v, Ordering::Relaxed)
        }
    }

    impl Atomic<bool> {
        /// Stores `v` and returns the previous value (one locked `XCHG` on x86).
        pub(crate) fn xchg(&self, v: bool, _: Relaxed) -> bool {
            self.atom().swap(v, Ordering::Relaxed)
        }
    }

    /// The barrier kind `smp_mb(Read)` asks for: `smp_rmb()`.
    pub(crate) struct Read;

    /// `smp_rmb()`: orders earlier loads before later ones (on x86 a compiler barrier, as
    /// the C macro; an acquire fence is exactly that there).
    pub(crate) fn smp_mb(_: Read) {
        core_atomic::fence(Ordering::Acquire);
    }

    // --- SpinLockIrq -----------------------------------------------------------------------

    /// A spinlock that disables interrupts while held (`spin_lock_irqsave()`;
    /// `kernel::sync::SpinLockIrq` of 7.x): 6.12's `SpinLock` with interrupts saved and
    /// disabled around it.
    #[pin_data]
    pub(crate) struct SpinLockIrq<T> {
        #[pin]
        inner: SpinLock<T>,
    }

    impl<T> SpinLockIrq<T> {
        /// Wraps an initialised spinlock (used by [`new_spinlock_irq!`]).
        pub(crate) fn new(inner: impl PinInit<SpinLock<T>>) -> impl PinInit<Self> {
            pin_init!(Self { inner <- inner })
        }

        /// Disables interrupts (saving their state), then takes the lock.
        pub(crate) fn lock(&self) -> IrqGuard<'_, T> {
            // SAFETY: Saving and disabling interrupts is always allowed; the guard restores
            // them after releasing the lock.
            let flags = unsafe { bindings::ptp_vmclock_local_irq_save() };
            IrqGuard {
                guard: ManuallyDrop::new(self.inner.lock()),
                flags,
            }
        }
    }

    /// The guard of a [`SpinLockIrq`]: unlocks, then restores interrupts.
    pub(crate) struct IrqGuard<'a, T> {
        guard: ManuallyDrop<Guard<'a, T, SpinLockBackend>>,
        flags: c_ulong,
    }

    impl<T> Drop for IrqGuard<'_, T> {
        fn drop(&mut self) {
            // SAFETY: `guard` is dropped only here, once.
            unsafe { ManuallyDrop::drop(&mut self.guard) };
            // SAFETY: `flags` came from the matching save in `lock`, on this CPU (the lock
            // kept interrupts and preemption off since).
            unsafe { bindings::ptp_vmclock_local_irq_restore(self.flags) };
        }
    }

    impl<T> core::ops::Deref for IrqGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.guard
        }
    }

    impl<T> core::ops::DerefMut for IrqGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            &mut self.guard
        }
    }

    /// `new_spinlock_irq!(value, "name")`: an initialiser of a [`SpinLockIrq`].
    macro_rules! new_spinlock_irq {
        ($inner:expr $(, $name:literal)? $(,)?) => {
            $crate::compat::SpinLockIrq::new(kernel::new_spinlock!($inner $(, $name)?))
        };
    }
    pub(crate) use new_spinlock_irq;

    // --- CPUs --------------------------------------------------------------------------------

    /// A CPU number (`kernel::cpu::CpuId` of 7.x).
    #[derive(Clone, Copy)]
    pub(crate) struct CpuId(u32);

    impl CpuId {
        /// The CPU this runs on (`raw_smp_processor_id()`): stable only while preemption
        /// is off.
        pub(crate) fn current() -> Self {
            // SAFETY: Reads this CPU's number; no requirements.
            Self(unsafe { bindings::ptp_vmclock_raw_smp_processor_id() })
        }

        /// The number.
        pub(crate) fn as_u32(self) -> u32 {
            self.0
        }
    }

    /// The number of possible CPU ids (`nr_cpu_ids`).
    pub(crate) fn nr_cpu_ids() -> u32 {
        // SAFETY: `nr_cpu_ids` is set during early boot and read-only afterwards.
        unsafe { bindings::nr_cpu_ids }
    }

    // --- modules -----------------------------------------------------------------------------

    #[cfg(MODULE)]
    // Only its address is taken (as 6.12's `module!` does): `struct module` holds an empty
    // `lock_class_key` without lockdep, which the lint flags.
    #[allow(improper_ctypes)]
    extern "C" {
        /// This module's `struct module`, made by modpost and filled in by the loader.
        static __this_module: Opaque<bindings::module>;
    }

    /// This module (`THIS_MODULE`; `kernel::module::this_module()` of 7.x).
    pub(crate) static THIS_MODULE: ThisModule = {
        #[cfg(MODULE)]
        // SAFETY: `__this_module` is this module's `struct module`.
        let m = unsafe { ThisModule::from_ptr(__this_module.get()) };
        #[cfg(not(MODULE))]
        // SAFETY: Built in: `THIS_MODULE` is NULL, as in C.
        let m = unsafe { ThisModule::from_ptr(core::ptr::null_mut()) };
        m
    };

    /// A `kernel_param` in a static (`kernel::module_param::KernelParam` of 7.x).
    #[repr(transparent)]
    pub(crate) struct KernelParam(bindings::kernel_param);

    impl KernelParam {
        /// Wraps `param`.
        pub(crate) const fn new(param: bindings::kernel_param) -> Self {
            Self(param)
        }
    }

    // SAFETY: The module loader reads the parameter before `init`; nothing writes it.
    unsafe impl Sync for KernelParam {}

    /// `build_error!(msg)`: fails the build if reachable (6.12 has only the function).
    macro_rules! build_error {
        ($msg:expr) => {
            kernel::build_error($msg)
        };
    }
    pub(crate) use build_error;

    /// `EOPNOTSUPP`, missing from 6.12's `kernel::error::code`.
    pub(crate) fn eopnotsupp() -> Error {
        Error::from_errno(-(bindings::EOPNOTSUPP as i32))
    }

    /// `pr_warn!` on the first call only.
    macro_rules! pr_warn_once {
        ($($arg:tt)*) => {{
            static DONE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
            if !DONE.swap(true, core::sync::atomic::Ordering::Relaxed) {
                kernel::pr_warn!($($arg)*);
            }
        }};
    }
    pub(crate) use pr_warn_once;

    // --- strings, formatting -----------------------------------------------------------------

    /// The pointer of a C string, in constant context.
    pub(crate) const fn as_char_ptr_in_const_context(s: &CStr) -> *const c_char {
        s.as_char_ptr()
    }

    /// The bytes of a C string, without the NUL.
    pub(crate) fn cstr_bytes(s: &CStr) -> &[u8] {
        s.as_bytes()
    }

    /// Formats into a byte buffer, failing when it is full (`kernel::str::Formatter`).
    pub(crate) struct Formatter<'a> {
        buf: &'a mut [u8],
        pos: usize,
    }

    impl<'a> Formatter<'a> {
        /// A formatter writing into `buf` from its start.
        pub(crate) fn new(buf: &'a mut [u8]) -> Self {
            Self { buf, pos: 0 }
        }

        /// How many bytes were written.
        pub(crate) fn bytes_written(&self) -> usize {
            self.pos
        }
    }

    impl core::fmt::Write for Formatter<'_> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let end = self.pos.checked_add(s.len()).ok_or(core::fmt::Error)?;
            let dst = self.buf.get_mut(self.pos..end).ok_or(core::fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.pos = end;
            Ok(())
        }
    }

    // --- initialisation ----------------------------------------------------------------------

    /// C structs for which all-zero bytes are a valid value (`pin_init::Zeroable`).
    ///
    /// # Safety
    ///
    /// An all-zero bit pattern must be a valid value of the type.
    pub(crate) unsafe trait Zeroable {}

    // SAFETY: C structs of integers, raw pointers and `Option`s of function pointers (the
    // null pointer), for which C's `= {}` is all zeroes.
    unsafe impl Zeroable for bindings::ptp_clock_info {}
    // SAFETY: As above.
    unsafe impl Zeroable for bindings::kobj_attribute {}
    // SAFETY: As above.
    unsafe impl Zeroable for bindings::attribute_group {}
    // SAFETY: As above.
    unsafe impl Zeroable for bindings::notifier_block {}

    /// An all-zero value (`pin_init::zeroed()`).
    pub(crate) const fn zeroed<T: Zeroable>() -> T {
        // SAFETY: `T: Zeroable`.
        unsafe { MaybeUninit::zeroed().assume_init() }
    }

    /// `Opaque::try_ffi_init` of 7.x: initialises the contents through `init`.
    pub(crate) fn opaque_try_ffi_init<T, E>(
        init: impl FnOnce(*mut T) -> Result<(), E>,
    ) -> impl PinInit<Opaque<T>, E> {
        // SAFETY: `init` either initialises the slot (`Opaque` contents may be anything, so
        // on success it is initialised) or fails, and `Opaque` is never moved by it.
        unsafe {
            kernel::init::pin_init_from_closure(move |slot: *mut Opaque<T>| {
                init(Opaque::raw_get(slot))
            })
        }
    }

    /// `Opaque::cast_from` of 7.x: the `Opaque<T>` whose contents `ptr` points to
    /// (`Opaque<T>` is `repr(transparent)`).
    pub(crate) fn opaque_cast_from<T>(ptr: *const T) -> *const Opaque<T> {
        ptr.cast()
    }

    // --- PTP system timestamps, timekeeping ------------------------------------------------

    /// `ptp_read_system_prets()`: 6.12's struct holds plain `timespec64`s and its inline
    /// reader switches on the clock id; the C helper runs the header's own code.
    ///
    /// # Safety
    ///
    /// `sts` must point to a valid `ptp_system_timestamp`, writable for the call.
    pub(crate) unsafe fn ptp_read_system_prets(sts: *mut bindings::ptp_system_timestamp) {
        // SAFETY: By the safety requirements.
        unsafe { bindings::ptp_vmclock_read_system_prets(sts) };
    }

    /// `ptp_read_system_postts()`.
    ///
    /// # Safety
    ///
    /// As for [`ptp_read_system_prets`].
    pub(crate) unsafe fn ptp_read_system_postts(sts: *mut bindings::ptp_system_timestamp) {
        // SAFETY: By the safety requirements.
        unsafe { bindings::ptp_vmclock_read_system_postts(sts) };
    }

    /// `ptp_read_system_prets()`; 6.12's timestamps carry no counter value to share, so
    /// always `None` (see the 7.x version).
    ///
    /// # Safety
    ///
    /// As for [`ptp_read_system_prets`].
    pub(crate) unsafe fn ptp_read_system_prets_shared(
        sts: *mut bindings::ptp_system_timestamp,
        _cs_id: bindings::clocksource_ids,
    ) -> Option<u64> {
        // SAFETY: By the safety requirements.
        unsafe { ptp_read_system_prets(sts) };
        None
    }

    /// The id of the clocksource timekeeping uses right now (`ktime_get_snapshot()`).
    pub(crate) fn current_cs_id() -> bindings::clocksource_ids {
        let mut snap = bindings::system_time_snapshot::default();
        // SAFETY: `snap` is valid for writes.
        unsafe { bindings::ktime_get_snapshot(&mut snap) };
        snap.cs_id
    }
    /// A stand-in for 7.x's `kernel::faux`: 6.12 has no faux bus, so the driver's device is
    /// a root device (`root_device_register()`, `/sys/devices/<name>/`), which no driver
    /// binds and which keeps no driver data of its own.
    pub(crate) mod faux {
        use crate::bindings;
        use core::ptr::NonNull;
        use kernel::{device::Device, error::from_err_ptr, prelude::*};

        /// A registered root device; unregistered when dropped.
        ///
        /// # Invariants
        ///
        /// `dev` is a device registered by `root_device_register()`, unregistered only by
        /// `drop`.
        pub(crate) struct Registration(NonNull<bindings::device>);

        // SAFETY: The device core serialises registration and unregistration; the device
        // may be unregistered from any thread.
        unsafe impl Send for Registration {}
        // SAFETY: `Registration` has no `&self` methods that change anything.
        unsafe impl Sync for Registration {}

        impl Registration {
            /// Creates and registers the device `name`; a root device has no parent, so
            /// `parent` must be `None`.
            pub(crate) fn new(name: &CStr, parent: Option<&Device>) -> Result<Self> {
                if parent.is_some() {
                    return Err(EINVAL);
                }
                // SAFETY: `name` is a valid C string, which the device core copies.
                let dev = from_err_ptr(unsafe {
                    bindings::ptp_vmclock_root_device_register(name.as_char_ptr())
                })?;
                // INVARIANT: registered above.
                Ok(Self(NonNull::new(dev).ok_or(ENODEV)?))
            }
        }

        /// The `struct device` of a registered root device.
        pub(crate) fn device(reg: &Registration) -> &Device {
            // SAFETY: The device stays registered, and so referenced, while `reg` lives
            // (type invariant), which the returned reference cannot outlive.
            unsafe { Device::as_ref(reg.0.as_ptr()) }
        }

        impl Drop for Registration {
            fn drop(&mut self) {
                // SAFETY: Registered by `new`, unregistered only here (type invariant).
                unsafe { bindings::root_device_unregister(self.0.as_ptr()) };
            }
        }
    }
}

pub(crate) use imp::*;

/// The `struct device` of the driver's device (see [`faux`]).
pub(crate) fn faux_device(reg: &faux::Registration) -> &kernel::device::Device {
    faux::device(reg)
}

/// The `struct device` behind `dev`: `Device::as_raw()`, which both kernel crates (6.12 and
/// 7.x) keep `pub(crate)`. `Device` is a `#[repr(transparent)]` wrapper of
/// `Opaque<bindings::device>` on both, so the pointer to it is the pointer to the C struct,
/// and the `Opaque` allows writes through it as C does.
pub(crate) fn device_as_raw(dev: &kernel::device::Device) -> *mut crate::bindings::device {
    core::ptr::from_ref(dev).cast_mut().cast()
}

/// Runs `f` with interrupts disabled on this CPU (`local_irq_save()` /
/// `local_irq_restore()`), which also keeps it on this CPU.
pub(crate) fn with_irqs_off<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Saving and disabling interrupts is always allowed; they are restored below,
    // on the same CPU (nothing in between can migrate with interrupts off).
    let flags = unsafe { crate::bindings::ptp_vmclock_local_irq_save() };
    let r = f();
    // SAFETY: `flags` came from the save above, on this CPU.
    unsafe { crate::bindings::ptp_vmclock_local_irq_restore(flags) };
    r
}

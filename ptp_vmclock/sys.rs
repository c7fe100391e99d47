// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers of the kernel primitives the driver files use: CPU and hypervisor facts,
//! the TSC and the fast monotonic clock, a physical address, the kvm-clock pvclock page, a
//! per-CPU counter, the ACPI vmclock device's memory resource and its mapping, a reboot
//! notifier.
//!
//! Most are static inline functions or macros that Rust cannot call, reached through the
//! module's C helpers (helpers.c), as the kernel crate reaches its own through
//! rust/helpers/. Each `unsafe` call is here, once, with the reason it holds; the driver
//! files (kvm.rs, vmclock.rs, vmport.rs, device.rs, mock.rs) call these, and hypercall.rs's
//! hypercalls, instead.

use crate::bindings;
use crate::compat::Opaque;
use core::ptr::NonNull;
use kernel::prelude::*;

/// The TSC, read in program order (`rdtsc_ordered()`).
#[cfg(CONFIG_X86)]
pub(crate) fn rdtsc_ordered() -> u64 {
    // SAFETY: Reads the time-stamp counter; no requirements.
    unsafe { bindings::ptp_vmclock_rdtsc_ordered() }
}

/// `ktime_get_mono_fast_ns()`: lock-free from any context (NMI included).
#[cfg(CONFIG_X86)]
pub(crate) fn mono_fast_ns() -> u64 {
    // SAFETY: May be called from any context; no requirements.
    unsafe { bindings::ktime_get_mono_fast_ns() }
}

/// Sleeps for at least `ms` milliseconds (`msleep()`); process context only.
#[cfg(CONFIG_X86)]
pub(crate) fn msleep(ms: u32) {
    // SAFETY: No memory requirements; sleeping in atomic context would be a bug the
    // kernel's might_sleep() check reports, not undefined behaviour.
    unsafe { bindings::msleep(ms) };
}

/// Whether this is a KVM guest (`kvm_para_available()`: KVM's CPUID signature).
#[cfg(CONFIG_X86)]
pub(crate) fn kvm_para_available() -> bool {
    // SAFETY: Reads CPUID; no requirements.
    unsafe { bindings::ptp_vmclock_kvm_para_available() }
}

/// Whether the kernel's KVM hypercalls use VMMCALL on this CPU (AMD, Hygon), as the
/// alternative in `kvm_hypercall*()` picks it; else VMCALL.
#[cfg(CONFIG_X86)]
pub(crate) fn hypercall_is_vmmcall() -> bool {
    // SAFETY: Reads a CPU feature bit; no requirements.
    unsafe { bindings::ptp_vmclock_hypercall_is_vmmcall() }
}

/// Whether the guest's memory is encrypted (SEV, TDX: `CC_ATTR_GUEST_MEM_ENCRYPT`).
#[cfg(CONFIG_X86)]
pub(crate) fn guest_mem_encrypted() -> bool {
    #[cfg(CONFIG_ARCH_HAS_CC_PLATFORM)]
    {
        // SAFETY: `cc_platform_has()` may be called from any context.
        unsafe { bindings::cc_platform_has(bindings::cc_attr_CC_ATTR_GUEST_MEM_ENCRYPT) }
    }
    #[cfg(not(CONFIG_ARCH_HAS_CC_PLATFORM))]
    {
        false
    }
}

/// The physical address of `obj` (`slow_virt_to_phys()`), which must live in memory the
/// kernel maps (a kmalloc allocation: the direct map); the address stays right while
/// `obj` does not move (pin it).
#[cfg(CONFIG_X86)]
pub(crate) fn phys_addr<T>(obj: &T) -> u64 {
    // SAFETY: `obj` is a live reference, so its address is mapped; `slow_virt_to_phys()`
    // only walks the page tables for it.
    unsafe { bindings::slow_virt_to_phys(core::ptr::from_ref(obj).cast_mut().cast()) }
}

/// This CPU's pvclock page (`this_cpu_pvti()`), if kvm-clock set one up. kvm-clock never
/// frees the pages.
#[cfg(CONFIG_X86)]
fn this_cpu_pvti() -> Option<NonNull<bindings::pvclock_vcpu_time_info>> {
    // SAFETY: Reads this CPU's `hv_clock_per_cpu`; no requirements.
    NonNull::new(unsafe { bindings::ptp_vmclock_this_cpu_pvti() })
}

/// Whether kvm-clock set up per-CPU pvclock pages (kvm-clock cross timestamps).
#[cfg(CONFIG_X86)]
pub(crate) fn pvclock_available() -> bool {
    this_cpu_pvti().is_some()
}

/// The kvm-clock epoch: this CPU's pvclock `(tsc_timestamp, system_time)`, read in one
/// version section with preemption off (helpers.c); `None` without kvm-clock.
///
/// Under KVM's master clock every vCPU's page holds the same pair, and KVM changes it only
/// when the VM's clock is set (`KVM_SET_CLOCK`: QEMU does it when a VM resumes, is restored
/// or arrives on a live migration's destination) or the master clock is updated; a vCPU
/// runs no guest code before its page has the new pair. A read that finds the pair it
/// recorded knows that none of these happened since.
#[cfg(CONFIG_X86)]
pub(crate) fn kvmclock_epoch() -> Option<(u64, u64)> {
    let (mut tsc, mut ns) = (0u64, 0u64);
    // SAFETY: Both pointers are valid for writes; the helper reads this CPU's pvclock page,
    // which kvm-clock never frees, with preemption disabled.
    let ok = unsafe { bindings::ptp_vmclock_kvmclock_epoch(&mut tsc, &mut ns) };
    ok.then_some((tsc, ns))
}

/// One version section of this CPU's pvclock page: converts a TSC value read inside it
/// into kvm-clock nanoseconds with parameters that held throughout.
///
/// Begin and end on the same CPU (interrupts off); otherwise the conversion uses another
/// vCPU's parameters (still a live page, but the wrong result).
///
/// # Invariants
///
/// `pvti` is a pvclock page kvm-clock set up, which it never frees.
#[cfg(CONFIG_X86)]
pub(crate) struct PvclockSection {
    pvti: NonNull<bindings::pvclock_vcpu_time_info>,
    version: u32,
}

#[cfg(CONFIG_X86)]
impl PvclockSection {
    /// Starts a section on this CPU's page (`pvclock_read_begin()`); `None` if kvm-clock
    /// set up none.
    pub(crate) fn begin() -> Option<Self> {
        let pvti = this_cpu_pvti()?;
        // SAFETY: `pvti` is a live pvclock page (`this_cpu_pvti`).
        let version = unsafe { bindings::ptp_vmclock_pvclock_read_begin(pvti.as_ptr()) };
        // INVARIANT: from `this_cpu_pvti`.
        Some(Self { pvti, version })
    }

    /// Converts `tsc`, read since [`PvclockSection::begin`] (`__pvclock_read_cycles()`);
    /// `None` if the page changed meanwhile (`pvclock_read_retry()`: begin again).
    pub(crate) fn end(&self, tsc: u64) -> Option<u64> {
        let pvti = self.pvti.as_ptr();
        // SAFETY: `pvti` is a live pvclock page (type invariant).
        let ns = unsafe { bindings::ptp_vmclock_pvclock_read_cycles(pvti, tsc) };
        // SAFETY: As above.
        let changed = unsafe { bindings::ptp_vmclock_pvclock_read_retry(pvti, self.version) };
        (!changed).then_some(ns)
    }
}

/// A counter with one slot per CPU (`alloc_percpu()`): an increment writes this CPU's slot
/// only, so readers on different CPUs never share a written cache line.
///
/// # Invariants
///
/// `ptr` is a per-CPU `u64` from `alloc_percpu()`, freed only by `drop`.
pub(crate) struct PerCpuCounter {
    ptr: NonNull<u64>,
}

// SAFETY: The per-CPU slots are only touched through `this_cpu_inc()` and summed with
// plain reads of whole words; any CPU may free the allocation.
unsafe impl Send for PerCpuCounter {}
// SAFETY: As above: `inc` and `sum` are safe to run concurrently from any CPU.
unsafe impl Sync for PerCpuCounter {}

impl PerCpuCounter {
    /// A counter at zero.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No requirements; returns NULL on failure.
        let ptr = unsafe { bindings::ptp_vmclock_percpu_u64_alloc() };
        // INVARIANT: allocated above, freed by `drop`.
        Ok(Self {
            ptr: NonNull::new(ptr).ok_or(ENOMEM)?,
        })
    }

    /// Adds one to this CPU's slot.
    pub(crate) fn inc(&self) {
        // SAFETY: `ptr` is a live per-CPU allocation (type invariant); `this_cpu_inc()` is
        // safe against preemption and interrupts by definition.
        unsafe { bindings::ptp_vmclock_percpu_u64_inc(self.ptr.as_ptr()) };
    }

    /// The sum over the CPUs' slots; a concurrent increment is missed or counted, no more.
    pub(crate) fn sum(&self) -> u64 {
        // SAFETY: `ptr` is a live per-CPU allocation (type invariant).
        unsafe { bindings::ptp_vmclock_percpu_u64_sum(self.ptr.as_ptr()) }
    }
}

impl Drop for PerCpuCounter {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc_percpu()` and is freed only here (type invariant).
        unsafe { bindings::free_percpu(self.ptr.as_ptr().cast()) };
    }
}

/// The one memory resource (start, length) of the ACPI vmclock device, found without
/// binding the device; `Err` with the helper's errno (`ENODEV`: no such device, `EINVAL`:
/// no single memory resource).
#[cfg(CONFIG_X86)]
pub(crate) fn acpi_vmclock_resource() -> Result<(u64, u64)> {
    let (mut start, mut len) = (0u64, 0u64);
    // SAFETY: Both pointers are valid for writes; the helper only looks at the ACPI
    // namespace (it binds nothing).
    let ret = unsafe { bindings::ptp_vmclock_acpi_vmclock_resource(&mut start, &mut len) };
    if ret != 0 {
        return Err(Error::from_errno(ret));
    }
    Ok((start, len))
}

/// A read-only mapping of memory a hypervisor writes (`memremap(MEMREMAP_WB |
/// MEMREMAP_DEC)`, as upstream's ptp_vmclock maps the device page), read in whole aligned
/// words.
///
/// # Invariants
///
/// `base` is a mapping by `memremap()` of `len` bytes, 8-byte aligned, live until `drop`
/// unmaps it.
#[cfg(CONFIG_X86)]
pub(crate) struct MemRemap {
    base: NonNull<u8>,
    len: usize,
}

#[cfg(CONFIG_X86)]
// SAFETY: The mapping is only read, with volatile loads of aligned words; concurrent
// writes by the hypervisor never tear them.
unsafe impl Sync for MemRemap {}
#[cfg(CONFIG_X86)]
// SAFETY: Nothing in it is tied to a thread; `memunmap()` may run on any.
unsafe impl Send for MemRemap {}

#[cfg(CONFIG_X86)]
impl MemRemap {
    /// Maps `len` bytes of memory at the physical address `start` (8-byte aligned), which
    /// firmware describes as memory (not MMIO): reading it has no side effects.
    pub(crate) fn new(start: u64, len: u64) -> Option<Self> {
        if start % 8 != 0 {
            return None;
        }
        let len_usize = usize::try_from(len).ok()?;
        // SAFETY: Maps the range; the mapping is only read, and unmapped in `drop`.
        let base = unsafe { bindings::ptp_vmclock_memremap_wb_dec(start, len) };
        // INVARIANT: mapped above, 8-byte aligned (`start` is, and `memremap()` keeps the
        // offset within the page).
        Some(Self {
            base: NonNull::new(base.cast::<u8>())?,
            len: len_usize,
        })
    }

    /// The mapped length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The native-endian word at byte offset `off`, or `None` when `off` is not a multiple
    /// of 8 or the word is not all in the mapping.
    pub(crate) fn read_u64(&self, off: usize) -> Option<u64> {
        if off % 8 != 0 || off.checked_add(8)? > self.len {
            return None;
        }
        // SAFETY: `off + 8 <= len` and `base` is 8-byte aligned and mapped (type invariant),
        // so the word is in the mapping and aligned; a volatile load of an aligned word is
        // one access.
        Some(unsafe { self.base.as_ptr().add(off).cast::<u64>().read_volatile() })
    }
}

#[cfg(CONFIG_X86)]
impl Drop for MemRemap {
    fn drop(&mut self) {
        // SAFETY: `base` was mapped by `memremap()` and is unmapped only here (type
        // invariant); nothing reads it any more (`&mut self`).
        unsafe { bindings::memunmap(self.base.as_ptr().cast()) };
    }
}

/// What a [`RebootNotifier`] runs at reboot, halt, power-off and kexec (process context,
/// before the devices shut down).
///
/// Only the x86 vmclock page needs one (the arm64 build compiles it unused: 6.12's
/// `#[pinned_drop]` does not take a `cfg` beside it).
pub(crate) trait RebootHandler: Send + Sync {
    /// Runs once per reboot notification.
    #[cfg_attr(not(CONFIG_X86), allow(dead_code))]
    fn reboot(&self);
}

/// A reboot notifier (`register_reboot_notifier()`) holding the data `T` it runs
/// [`RebootHandler::reboot`] on; it is registered by [`RebootNotifier::new`] and
/// unregistered when dropped.
///
/// # Invariants
///
/// `nb` is registered as a reboot notifier from the end of [`RebootNotifier::new`] until
/// `drop`, and only while the object is pinned in its box.
#[pin_data(PinnedDrop)]
pub(crate) struct RebootNotifier<T: RebootHandler> {
    #[pin]
    nb: Opaque<bindings::notifier_block>,
    data: T,
}

// SAFETY: `nb` is only touched by the notifier chain, under its own lock; `data` is `Sync`.
unsafe impl<T: RebootHandler> Sync for RebootNotifier<T> {}
// SAFETY: Nothing in it is tied to a thread; `data` is `Send`.
unsafe impl<T: RebootHandler> Send for RebootNotifier<T> {}

#[cfg_attr(not(CONFIG_X86), allow(dead_code))]
impl<T: RebootHandler> RebootNotifier<T> {
    /// Boxes `data` and registers the notifier.
    pub(crate) fn new(data: T) -> Result<Pin<KBox<Self>>> {
        let this = KBox::pin_init(
            pin_init!(Self {
                nb: Opaque::new(bindings::notifier_block {
                    notifier_call: Some(Self::notify),
                    ..crate::compat::zeroed()
                }),
                data,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: `nb` is initialised and pinned in the box, which unregisters it in `drop`
        // before it goes away.
        unsafe { bindings::register_reboot_notifier(this.nb.get()) };
        // INVARIANT: registered above.
        Ok(this)
    }

    /// The notifier's callback.
    ///
    /// # Safety
    ///
    /// `nb` is the `nb` field of a live `RebootNotifier<T>` (the chain only calls
    /// registered notifiers, and `drop` unregisters it before the object goes away).
    unsafe extern "C" fn notify(
        nb: *mut bindings::notifier_block,
        _action: kernel::ffi::c_ulong,
        _data: *mut kernel::ffi::c_void,
    ) -> kernel::ffi::c_int {
        // `Opaque<T>` is `repr(transparent)`: the field's address is the notifier block's.
        let this = nb
            .cast::<u8>()
            .wrapping_sub(core::mem::offset_of!(Self, nb))
            .cast::<Self>();
        // SAFETY: By the safety requirements `this` is a live `RebootNotifier<T>`.
        let this = unsafe { &*this };
        this.data.reboot();
        bindings::NOTIFY_DONE as kernel::ffi::c_int
    }
}

impl<T: RebootHandler> core::ops::Deref for RebootNotifier<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

#[pinned_drop]
impl<T: RebootHandler> PinnedDrop for RebootNotifier<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `nb` was registered in `new` (type invariant); after this the chain no
        // longer calls it, and a running call has returned.
        unsafe { bindings::unregister_reboot_notifier(self.nb.get()) };
    }
}

/// `ktime_get_real_ts64()`: the current `CLOCK_REALTIME`, from any context (the mock
/// transport's "host time").
#[cfg(ptp_vmclock_test_build)]
pub(crate) fn ktime_get_real_ts64() -> bindings::timespec64 {
    let mut ts = bindings::timespec64::default();
    // SAFETY: `ts` is a valid, writable `timespec64`; the function only writes it.
    unsafe { bindings::ktime_get_real_ts64(&mut ts) };
    ts
}

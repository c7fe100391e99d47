// SPDX-License-Identifier: GPL-2.0

//! The hypervisors' calls, and the memory a host writes in answer, behind safe types.
//!
//! A hypercall may only be issued in a guest of the hypervisor that serves it, and may only
//! hand the host memory it is allowed to write. So the calls are methods of proofs that
//! exist only where the kernel identified that hypervisor ([`KvmGuest`], [`VmwareGuest`]),
//! and the memory a host writes is owned by the types that hand it over: [`PairingBuffer`]
//! (one reply, written during the call) and [`VmclockPage`] (a page the host writes until
//! it is unregistered, never given back to the allocator while the host may still write
//! it). The calls are the kernel's own (`kvm_hypercall2()`, `vmware_hypercall*()`, through
//! helpers.c), which pick VMCALL or VMMCALL, or the TDX path.

use crate::bindings;
use crate::compat::{Atomic, Opaque, Relaxed};
use crate::sys;
use core::mem::ManuallyDrop;
use kernel::prelude::*;

/// `KVM_CLOCK_PAIRING_VMCLOCK`: the clock type that registers a vmclock page (host/ series).
const CLOCK_TYPE_VMCLOCK: u64 = 2;

#[cfg(ptp_vmclock_host_vmclock)]
const _: () = assert!(bindings::KVM_CLOCK_PAIRING_VMCLOCK as u64 == CLOCK_TYPE_VMCLOCK);

/// `-KVM_ENOSYS`: what a host answers for a hypercall it does not know; also the answer
/// of a [`VmclockPage`] that was given no KVM.
const ENOSYS_RET: i64 = -(bindings::KVM_ENOSYS as i64);

/// Proof that this is a KVM guest (`kvm_para_available()`: KVM's CPUID signature).
#[derive(Clone, Copy, Debug)]
pub(crate) struct KvmGuest(());

impl KvmGuest {
    /// The proof, when the kernel runs in a KVM guest.
    pub(crate) fn detect() -> Option<Self> {
        sys::kvm_para_available().then_some(Self(()))
    }

    /// `KVM_HC_CLOCK_PAIRING(gpa, clock_type)`: the hypercall's raw result.
    ///
    /// # Safety
    ///
    /// The host may write what `gpa` points to for `clock_type`: for types 0 and 1 a
    /// `struct kvm_clock_pairing` that nothing else accesses during the call; for type 2 a
    /// page that stays allocated until the host no longer writes it (or 0, which
    /// unregisters).
    unsafe fn clock_pairing_raw(self, gpa: u64, clock_type: u64) -> i64 {
        // SAFETY: `self` proves a KVM guest, where the hypercall exists (an old host
        // answers -KVM_ENOSYS); by the function's safety requirements the host only writes
        // memory it may write.
        let ret = unsafe {
            bindings::ptp_vmclock_kvm_hypercall2(
                bindings::KVM_HC_CLOCK_PAIRING,
                gpa as kernel::ffi::c_ulong,
                clock_type as kernel::ffi::c_ulong,
            )
        };
        ret as i64
    }
}

/// A clock type whose reply is one `struct kvm_clock_pairing` written during the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplyClock {
    /// `KVM_CLOCK_PAIRING_WALLCLOCK` (0): UTC, no status (upstream).
    Wallclock,
    /// `KVM_CLOCK_PAIRING_TAI` (1): TAI, with the host's status (host/ series; only
    /// asked for when the target headers have that ABI).
    #[cfg_attr(not(ptp_vmclock_host_status), allow(dead_code))]
    Tai,
}

impl ReplyClock {
    /// The clock type's number.
    const fn number(self) -> u64 {
        match self {
            Self::Wallclock => 0,
            Self::Tai => 1,
        }
    }
}

#[cfg(ptp_vmclock_host_status)]
const _: () = {
    assert!(ReplyClock::Wallclock.number() == bindings::KVM_CLOCK_PAIRING_WALLCLOCK as u64);
    assert!(ReplyClock::Tai.number() == bindings::KVM_CLOCK_PAIRING_TAI as u64);
};

/// The reply's memory, on its own cache line (one line: the structure is 64 bytes).
#[repr(C, align(64))]
struct ReplyMem(Opaque<bindings::kvm_clock_pairing>);

/// A buffer the host fills with one `KVM_HC_CLOCK_PAIRING` reply.
///
/// # Invariants
///
/// `gpa` is the guest physical address of `*mem`, a kmalloc allocation (the direct map)
/// that stays in place until `drop`. The host writes it only during [`PairingBuffer::call`],
/// which takes `&mut self`.
pub(crate) struct PairingBuffer {
    mem: KBox<ReplyMem>,
    gpa: u64,
}

// SAFETY: Nothing in it is tied to a thread; `call` takes `&mut self`, and `reply` reads a
// buffer the host no longer writes.
unsafe impl Send for PairingBuffer {}

impl PairingBuffer {
    /// A buffer, zeroed.
    pub(crate) fn new() -> Result<Self> {
        let mem = KBox::new(ReplyMem(Opaque::new(Default::default())), GFP_KERNEL)?;
        let gpa = sys::phys_addr(&*mem);
        // INVARIANT: `gpa` is the address of the allocation, which `KBox` never moves.
        Ok(Self { mem, gpa })
    }

    /// Asks `kvm`'s host for the time in `clock` and the TSC it belongs to: the hypercall's
    /// raw result (0 or a negative KVM error); on success [`PairingBuffer::reply`] has the
    /// answer. Nothing but the hypercall runs here, so a caller's timestamps around it
    /// bracket the host's reading.
    pub(crate) fn call(&mut self, kvm: KvmGuest, clock: ReplyClock) -> i64 {
        // SAFETY: Clock types 0 and 1 write one `struct kvm_clock_pairing` at `gpa`, which
        // is `*mem` (type invariant), ours alone during the call (`&mut self`).
        unsafe { kvm.clock_pairing_raw(self.gpa, clock.number()) }
    }

    /// The last reply (zeroes before any).
    pub(crate) fn reply(&self) -> bindings::kvm_clock_pairing {
        // SAFETY: `mem` is live and aligned; the host wrote it behind the compiler's back
        // during the last call and writes it no more (type invariant), so read it afresh.
        unsafe { self.mem.0.get().read_volatile() }
    }
}

/// Words of a page.
pub(crate) const PAGE_WORDS: usize = 4096 / 8;

/// The memory of a [`VmclockPage`]: a page, page-aligned.
#[pin_data]
#[repr(C, align(4096))]
struct PageMem {
    #[pin]
    words: Opaque<[u64; PAGE_WORDS]>,
}

/// A page that KVM writes as a vmclock page while it is registered (`KVM_HC_CLOCK_PAIRING`
/// with `KVM_CLOCK_PAIRING_VMCLOCK`, host/ series), read and written in aligned words.
///
/// Dropping it unregisters it; a page the host refuses to unregister is leaked, never
/// given back to the allocator.
///
/// # Invariants
///
/// `mem` is live until `drop`, which frees it only once `registered` is false, and leaks it
/// otherwise; `gpa` is its guest physical address (the pinned box never moves it). KVM may
/// hold a registration of the page only while `registered` is true, which it is only when
/// `kvm` is `Some`.
pub(crate) struct VmclockPage {
    mem: ManuallyDrop<Pin<KBox<PageMem>>>,
    gpa: u64,
    kvm: Option<KvmGuest>,
    registered: Atomic<bool>,
}

// SAFETY: Nothing in it is tied to a thread; the allocation may be freed on any CPU.
unsafe impl Send for VmclockPage {}
// SAFETY: The page is only accessed with volatile loads and stores of aligned words, each
// one access, whoever else (the host, another CPU) writes it meanwhile: readers validate
// what they load (the host's seqcount, the page's checks); `registered` is atomic.
unsafe impl Sync for VmclockPage {}

impl VmclockPage {
    /// A zeroed page that no host knows of yet; `kvm` is the host it may be registered
    /// with (`None`: a page the module fills itself, never registered).
    pub(crate) fn new(kvm: Option<KvmGuest>) -> Result<Self> {
        let mem = KBox::pin_init(
            pin_init!(PageMem {
                words <- Opaque::ffi_init(|p: *mut [u64; PAGE_WORDS]| {
                    // SAFETY: `p` is valid for writes of the whole array.
                    unsafe { p.write_bytes(0, 1) };
                }),
            }),
            GFP_KERNEL,
        )?;
        let gpa = sys::phys_addr(&*mem);
        // INVARIANT: the page is not registered; `gpa` is its address, which the pinned box
        // never moves.
        Ok(Self {
            mem: ManuallyDrop::new(mem),
            gpa,
            kvm,
            registered: Atomic::new(false),
        })
    }

    /// The page's guest physical address.
    pub(crate) fn gpa(&self) -> u64 {
        self.gpa
    }

    /// Whether KVM may hold a registration of the page.
    pub(crate) fn registered(&self) -> bool {
        self.registered.load(Relaxed)
    }

    /// Registers the page (again): KVM writes it at once and keeps it current. Returns the
    /// hypercall's raw result (0 or a negative KVM error; -KVM_ENOSYS for a page given no
    /// KVM). A failed first registration leaves the page unregistered; a failed one after
    /// that leaves it counted as registered (KVM may still hold the earlier one).
    pub(crate) fn register(&self) -> i64 {
        let Some(kvm) = self.kvm else {
            return ENOSYS_RET;
        };
        // Set first: a reboot racing with this unregisters a page that may be registered.
        let was = self.registered.xchg(true, Relaxed);
        // SAFETY: The page stays allocated while `registered` is true (type invariant), which
        // it is from the line above until an unregistration succeeds.
        let ret = unsafe { kvm.clock_pairing_raw(self.gpa, CLOCK_TYPE_VMCLOCK) };
        if ret != 0 && !was {
            self.registered.store(false, Relaxed);
        }
        ret
    }

    /// Unregisters the page; returns whether the host has stopped writing it.
    pub(crate) fn unregister(&self) -> bool {
        let Some(kvm) = self.kvm.filter(|_| self.registered()) else {
            return true;
        };
        // SAFETY: Address 0 unregisters: the host is given no memory.
        if unsafe { kvm.clock_pairing_raw(0, CLOCK_TYPE_VMCLOCK) } == 0 {
            self.registered.store(false, Relaxed);
            true
        } else {
            false
        }
    }

    /// Test builds: unregisters the page behind its owner's back, as the KVM of a live
    /// migration's destination never heard of the registration; the page still counts as
    /// registered. Returns the hypercall's raw result.
    #[cfg(ptp_vmclock_test_build)]
    pub(crate) fn forget_at_host(&self) -> i64 {
        match self.kvm {
            // SAFETY: Address 0 unregisters: the host is given no memory.
            Some(kvm) => unsafe { kvm.clock_pairing_raw(0, CLOCK_TYPE_VMCLOCK) },
            None => ENOSYS_RET,
        }
    }

    /// The word pointer at byte offset `off` (rounded down to a word, clamped to the page).
    fn word_ptr(&self, off: usize) -> *mut u64 {
        let i = (off / 8).min(PAGE_WORDS - 1);
        self.mem.words.get().cast::<u64>().wrapping_add(i)
    }

    /// The little-endian word at byte offset `off`.
    pub(crate) fn word(&self, off: usize) -> u64 {
        // SAFETY: The page is live and aligned and the word in it (`word_ptr`). A volatile
        // load of an aligned word is one access, so the host's concurrent writes never tear
        // it.
        u64::from_le(unsafe { self.word_ptr(off).read_volatile() })
    }

    /// Writes the little-endian word at byte offset `off`. Meant for a page no host writes
    /// (never registered, or unregistered); should the host write it too (a test's
    /// negative control), the host's words and these interleave word by word, and readers
    /// validate what they load.
    pub(crate) fn set_word(&self, off: usize, v: u64) {
        // SAFETY: The page is live and aligned and the word in it (`word_ptr`): one aligned
        // volatile store into `Opaque` memory, which others may also write.
        unsafe { self.word_ptr(off).write_volatile(v.to_le()) };
    }

    /// Fills the page with `pattern`.
    pub(crate) fn fill(&self, pattern: u64) {
        for i in 0..PAGE_WORDS {
            self.set_word(i * 8, pattern);
        }
    }

    /// Whether every word of the page holds `pattern`.
    pub(crate) fn holds(&self, pattern: u64) -> bool {
        (0..PAGE_WORDS).all(|i| self.word(i * 8) == pattern)
    }
}

impl Drop for VmclockPage {
    fn drop(&mut self) {
        if self.unregister() {
            // SAFETY: Dropped once, here; the host no longer writes the page (`registered`
            // is false) and nothing uses `mem` after this.
            unsafe { ManuallyDrop::drop(&mut self.mem) };
        } else {
            // The host may still write the page: never give it back to the allocator.
            pr_err!("cannot unregister the vmclock page: leaking it\n");
        }
    }
}

/// Proof that the kernel identified a VMware hypervisor (`x86_hyper_type`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmwareGuest(());

impl VmwareGuest {
    /// The proof, when the kernel identified a VMware hypervisor.
    pub(crate) fn detect() -> Option<Self> {
        // SAFETY: Reads `x86_hyper_type`, set once during early boot.
        unsafe { bindings::ptp_vmclock_hypervisor_is_vmware() }.then_some(Self(()))
    }

    /// The precision clock's `PCLK_GETTIME` (97): `(eax, nanoseconds high, low)`.
    pub(crate) fn pclk_gettime(self) -> (kernel::ffi::c_ulong, u32, u32) {
        let (mut hi, mut lo) = (0u32, 0u32);
        // SAFETY: `self` proves a VMware hypervisor, whose hypercall the helper issues as
        // the kernel's vmware_hypercall*() do; it writes the two outputs.
        let eax = unsafe { bindings::ptp_vmclock_vmware_pclk_gettime(&mut hi, &mut lo) };
        (eax, hi, lo)
    }

    /// `GETTIMEFULL` (46): `(eax, ebx, ecx, edx)` (microseconds, maximum lag, seconds'
    /// low half; the high half in EAX's upper bits on success, see vmport.rs).
    pub(crate) fn gettimefull(self) -> (kernel::ffi::c_ulong, u32, u32, u32) {
        let (mut ebx, mut ecx, mut edx) = (0u32, 0u32, 0u32);
        // SAFETY: As in `pclk_gettime`; the helper writes the three outputs.
        let eax = unsafe { bindings::ptp_vmclock_vmware_gettimefull(&mut ebx, &mut ecx, &mut edx) };
        (eax, ebx, ecx, edx)
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_hypercall)]
mod tests {
    use super::*;

    #[test]
    fn page_without_kvm() {
        let page = VmclockPage::new(None).unwrap();
        assert_eq!(page.gpa() % 4096, 0);
        assert!(page.holds(0));
        // A page given no KVM is never registered, and unregisters trivially.
        assert_eq!(page.register(), ENOSYS_RET);
        assert!(!page.registered());
        assert!(page.unregister());
        // Words: little-endian round trip, offsets rounded down to a word, clamped to the
        // page's last word.
        page.set_word(8, 0x1122_3344_5566_7788);
        assert_eq!(page.word(8), 0x1122_3344_5566_7788);
        assert_eq!(page.word(15), 0x1122_3344_5566_7788);
        page.set_word(1 << 20, 5);
        assert_eq!(page.word(4088), 5);
        page.fill(7);
        assert!(page.holds(7));
        assert!(!page.holds(0));
    }

    #[test]
    fn pairing_buffer() {
        let buf = PairingBuffer::new().unwrap();
        // One cache line, in the direct map.
        assert_eq!(buf.gpa % 64, 0);
        assert_eq!(core::mem::size_of::<ReplyMem>(), 64);
        assert_eq!((buf.reply().sec, buf.reply().flags), (0, 0));
        assert_eq!(
            (ReplyClock::Wallclock.number(), ReplyClock::Tai.number()),
            (0, 1)
        );
    }
}

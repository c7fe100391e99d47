// SPDX-License-Identifier: GPL-2.0

//! Read-only sysfs attribute directories.
//!
//! A safe abstraction over a directory of read-only sysfs attributes under a device, written
//! as it could go upstream as `rust/kernel/sysfs.rs`: it knows nothing of the driver that uses
//! it. A type implements [`Show`], which formats the value of each of its attributes; the
//! attributes ([`Attribute`]), their list ([`AttributeList`]) and the group of the directory
//! ([`AttributeGroup`]) are statics built in const context, as C declares them; a
//! [`Directory`] creates the directory with the group's files under a device, and optionally
//! a link to it from the module's sysfs directory (`/sys/module/<module>/<name>`), and removes
//! them when dropped. All unsafe code of the sysfs and kobject calls is confined to this file.
//!
//! The files find the value they show through the driver data of the directory's device, so
//! the device is a faux device, which no driver's data claims (on 6.12, which has no faux
//! bus, the root device of `compat::faux`), and one directory at a time holds it.
//!
//! The items are `pub(crate)` rather than `pub`: they use the module's compatibility layer
//! (`compat.rs`) for what differs between the 6.12 and 7.x kernel crates.
//!
//! C headers: [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h),
//! [`include/linux/kobject.h`](srctree/include/linux/kobject.h)

use super::bindings;
use super::compat::{self, faux, ARef, Formatter};
use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::{device::Device, ffi::c_char, page::PAGE_SIZE, prelude::*, sync::Arc, ThisModule};

/// A type whose values the files of a [`Directory`] show, one value per attribute.
pub(crate) trait Show: Send + Sync {
    /// Identifies an attribute of the type (e.g. an enum with a variant per file).
    type Id: Copy + Sync;

    /// Writes the value of the attribute `id` into `f`, which holds at most `PAGE_SIZE` bytes
    /// (a longer value fails); an error fails the file's read with `EIO`.
    ///
    /// Called in process context at every read of the file, possibly on several CPUs at once.
    fn show(&self, id: Self::Id, f: &mut Formatter<'_>) -> fmt::Result;
}

// `Attribute::as_ptr` and `show` rely on it: a pointer to a `kobj_attribute` is a pointer to
// its `attr`.
const _: () = assert!(core::mem::offset_of!(bindings::kobj_attribute, attr) == 0);

/// A read-only (0444) sysfs attribute of a `T`: the file `name`, whose reads show the value
/// `id` of the `T` of its [`Directory`]. Declared in a static array (see [`AttributeList`]).
///
/// # Invariants
///
/// `attr.show` is `show::<T>`, which no other `kobj_attribute` holds.
#[repr(C)]
pub(crate) struct Attribute<T: Show> {
    /// First (`repr(C)`): a pointer to it is a pointer to the whole `Attribute`.
    attr: bindings::kobj_attribute,
    id: T::Id,
}

// SAFETY: The attribute is never written after initialisation (nothing here hands out a
// mutable reference to it, and sysfs only reads it); `T::Id` is `Sync`.
unsafe impl<T: Show> Sync for Attribute<T> {}

impl<T: Show> Attribute<T> {
    /// The attribute `name` (the file's name), showing the value `id` of a `T`.
    pub(crate) const fn new(name: &'static CStr, id: T::Id) -> Self {
        let mut attr: bindings::kobj_attribute = compat::zeroed();
        attr.attr.name = compat::as_char_ptr_in_const_context(name);
        attr.attr.mode = 0o444;
        // 7.x wraps `show` in a union with a `const` variant; 6.12 has the plain field.
        #[cfg(not(ptp_vmclock_v6_12))]
        {
            attr.__bindgen_anon_1.show = Some(show::<T>);
        }
        #[cfg(ptp_vmclock_v6_12)]
        {
            attr.show = Some(show::<T>);
        }
        // INVARIANT: `show::<T>` is set here only, in an `Attribute<T>`.
        Self { attr, id }
    }

    /// The C `struct attribute`, as a list holds it: at the start of the `kobj_attribute`, and
    /// so of `self`, whose whole extent the pointer covers (`show` reads `id` through it).
    const fn as_ptr(&'static self) -> *mut bindings::attribute {
        core::ptr::from_ref(self).cast_mut().cast()
    }
}

/// The NULL-terminated list of the `N` attributes of an [`AttributeGroup`] (C's
/// `struct attribute *attrs[]`), declared in a static:
///
/// ```ignore
/// static FILES: [Attribute<T>; 2] = [
///     Attribute::new(c_str!("a"), Id::A),
///     Attribute::new(c_str!("b"), Id::B),
/// ];
/// static ATTRS: AttributeList<T, 2> = AttributeList::new(&FILES);
/// static GROUP: AttributeGroup<T> = AttributeGroup::new(&ATTRS);
/// ```
///
/// # Invariants
///
/// `attrs` point to the [`Attribute<T>`]s of a static array; `end` is NULL and follows them
/// in memory (`repr(C)`: an array of pointers then a pointer, with no padding between).
#[repr(C)]
pub(crate) struct AttributeList<T: Show, const N: usize> {
    attrs: [*mut bindings::attribute; N],
    end: *mut bindings::attribute,
    _t: PhantomData<T>,
}

// SAFETY: The list is never written after initialisation; sysfs only reads it.
unsafe impl<T: Show, const N: usize> Sync for AttributeList<T, N> {}

impl<T: Show, const N: usize> AttributeList<T, N> {
    /// The list of the attributes `attrs`, in their order.
    pub(crate) const fn new(attrs: &'static [Attribute<T>; N]) -> Self {
        let mut list = [core::ptr::null_mut(); N];
        let mut i = 0;
        while i < N {
            list[i] = attrs[i].as_ptr();
            i += 1;
        }
        // INVARIANT: the pointers of `attrs`, then NULL.
        Self {
            attrs: list,
            end: core::ptr::null_mut(),
            _t: PhantomData,
        }
    }

    /// The list as C reads it: the `N` pointers, then the NULL.
    const fn as_ptr(&'static self) -> *mut *mut bindings::attribute {
        core::ptr::from_ref(self).cast_mut().cast()
    }
}

/// The attribute group of a [`Directory`] showing a `T` (C's `struct attribute_group`,
/// without a name: the files are the directory's own), declared in a static.
///
/// # Invariants
///
/// `group.attrs` is the list of an [`AttributeList<T, N>`] in a static, for some `N`.
#[repr(transparent)]
pub(crate) struct AttributeGroup<T: Show> {
    group: bindings::attribute_group,
    _t: PhantomData<T>,
}

// SAFETY: The group is never written after initialisation; sysfs only reads it.
unsafe impl<T: Show> Sync for AttributeGroup<T> {}

impl<T: Show> AttributeGroup<T> {
    /// The group of the attributes of `attrs`.
    pub(crate) const fn new<const N: usize>(attrs: &'static AttributeList<T, N>) -> Self {
        let mut group: bindings::attribute_group = compat::zeroed();
        // 7.x wraps `attrs` in a union with a `const` variant; 6.12 has the plain field.
        #[cfg(not(ptp_vmclock_v6_12))]
        {
            group.__bindgen_anon_2.attrs = attrs.as_ptr();
        }
        #[cfg(ptp_vmclock_v6_12)]
        {
            group.attrs = attrs.as_ptr();
        }
        // INVARIANT: the list of `attrs`, a static.
        Self {
            group,
            _t: PhantomData,
        }
    }
}

/// The `show` callback of every [`Attribute<T>`]: formats the value of the attribute of the
/// `T` that the directory's device holds as its driver data.
///
/// # Safety
///
/// Called by sysfs (`kobj_sysfs_ops`) for a file of a [`Directory<T>`]: `kobj` is the
/// directory's kobject, `attr` the `kobj_attribute` of an [`Attribute<T>`] (the only ones
/// with this callback) and `buf` a buffer of `PAGE_SIZE` bytes, ours during the call.
unsafe extern "C" fn show<T: Show>(
    kobj: *mut bindings::kobject,
    attr: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: `kobj` is the directory of a `Directory<T>`, whose parent device's driver data
    // is the `T` that the `Directory` holds a reference to until after the directory is gone
    // (its type invariants): the value is alive during this call.
    let data = unsafe { &*bindings::ptp_vmclock_kobj_parent_drvdata(kobj).cast::<T>() };
    // SAFETY: `attr` is the `kobj_attribute` of an `Attribute<T>`, at its start (`repr(C)`),
    // in a static: it is valid for reads, and never written.
    let id = unsafe { (*attr.cast::<Attribute<T>>()).id };
    // SAFETY: sysfs passes a buffer of `PAGE_SIZE` bytes that is ours during the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
    let mut f = Formatter::new(buf);
    match data.show(id, &mut f) {
        // At most `PAGE_SIZE` bytes were written.
        Ok(()) => f.bytes_written() as isize,
        Err(_) => EIO.to_errno() as isize,
    }
}

/// A faux device's driver data pointing to a `T`, cleared when dropped.
///
/// # Invariants
///
/// `device`'s driver data points to the `T` of `_data` until `drop` clears it.
struct DriverData<T> {
    device: ARef<Device>,
    _data: Arc<T>,
}

impl<T> DriverData<T> {
    /// Makes `data` the driver data of the device of `dev`: the faux bus (and the 6.12 root
    /// device) keep none of their own, so it goes to the first to claim it; `EBUSY` while
    /// another holds it (say a second directory under the same device).
    fn new(dev: &faux::Registration, data: Arc<T>) -> Result<Self> {
        let device: ARef<Device> = compat::faux_device(dev).into();
        // SAFETY: `device` is a live device (we hold a reference); on success the data stays
        // valid while this object (which holds `data`) lives, and `drop` clears it.
        let ret = unsafe {
            bindings::ptp_vmclock_dev_claim_drvdata(
                compat::device_as_raw(&device),
                core::ptr::from_ref::<T>(&data).cast_mut().cast(),
            )
        };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: set above.
        Ok(Self {
            device,
            _data: data,
        })
    }

    /// The device.
    fn device(&self) -> &Device {
        &self.device
    }
}

impl<T> Drop for DriverData<T> {
    fn drop(&mut self) {
        // SAFETY: `device` is live (we hold a reference); nothing uses the data any more (the
        // owner's duty: `Directory` removes its files first).
        unsafe {
            bindings::ptp_vmclock_dev_set_drvdata(
                compat::device_as_raw(&self.device),
                core::ptr::null_mut(),
            )
        };
        // `_data` is dropped after this.
    }
}

/// A read-only sysfs directory under a faux device, whose files (an [`AttributeGroup<T>`])
/// show a `T`, with an optional link to it from the module's sysfs directory; all removed
/// when dropped. The `T` is the device's driver data from before the files exist until after
/// they are gone, and lives at least as long (the directory holds a reference).
///
/// Drop it before the module's exit returns: the files call into the module.
///
/// # Invariants
///
/// `kobj` is a kobject created by `kobject_create_and_add()` under the kobject of
/// `_drvdata`'s device, holding the files of an [`AttributeGroup<T>`], whose reference we own;
/// `module`, if not NULL, is a module's kobject, which exists until after the module's exit,
/// holding a link named `name` to `kobj`.
pub(crate) struct Directory<T: Show> {
    kobj: NonNull<bindings::kobject>,
    name: &'static CStr,
    module: *mut bindings::kobject,
    /// Dropped after `drop` removed the directory: the driver data is cleared, then the
    /// reference to the `T` dropped.
    _drvdata: DriverData<T>,
}

// SAFETY: The kobject, the link and the driver data may be released from any thread; the
// `T` is `Send + Sync` (`Show`).
unsafe impl<T: Show> Send for Directory<T> {}
// SAFETY: `Directory` has no `&self` methods.
unsafe impl<T: Show> Sync for Directory<T> {}

impl<T: Show> Directory<T> {
    /// Creates the directory `name` under the device of `dev` with the files of `group`,
    /// showing `data`, and with `module_link` the link `/sys/module/<module>/<name>` to it
    /// (`ENODEV` when the code is built in: there is no module directory). Fails with
    /// `EBUSY` while another directory holds the device's driver data.
    pub(crate) fn register(
        dev: &faux::Registration,
        name: &'static CStr,
        group: &'static AttributeGroup<T>,
        data: Arc<T>,
        module_link: Option<&'static ThisModule>,
    ) -> Result<Self> {
        let module = module_link.map(|m| m.as_ptr());
        if module.is_some_and(|m| m.is_null()) {
            // Built in: there is no module kobject to hang the link on.
            return Err(ENODEV);
        }
        // The driver data first: `show` may run as soon as the files exist.
        let drvdata = DriverData::new(dev, data)?;
        let parent = compat::device_as_raw(drvdata.device());
        // SAFETY: The name is a valid C string; the device's kobject is live (`drvdata` holds
        // a reference to the device).
        let kobj = unsafe {
            bindings::kobject_create_and_add(name.as_char_ptr(), &raw mut (*parent).kobj)
        };
        // Without the directory, dropping `drvdata` clears the driver data.
        let kobj = NonNull::new(kobj).ok_or(ENOMEM)?;
        // INVARIANT: created above; the reference is ours; the group and the link come next.
        let mut this = Self {
            kobj,
            name,
            module: core::ptr::null_mut(),
            _drvdata: drvdata,
        };
        // SAFETY: `kobj` is live; the group and its attributes are statics.
        let ret = unsafe { bindings::sysfs_create_group(kobj.as_ptr(), &group.group) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        if let Some(m) = module {
            // SAFETY: `m` is a module (not NULL: checked above), whose `mkobj` sysfs directory
            // exists before its `init` runs and until after its `exit` returns.
            let mkobj = unsafe { &raw mut (*m).mkobj.kobj };
            // SAFETY: Both kobjects are live; the name is a valid C string.
            let ret =
                unsafe { bindings::sysfs_create_link(mkobj, kobj.as_ptr(), name.as_char_ptr()) };
            if ret != 0 {
                return Err(Error::from_errno(ret));
            }
            // INVARIANT: the link exists.
            this.module = mkobj;
        }
        Ok(this)
    }
}

impl<T: Show> Drop for Directory<T> {
    fn drop(&mut self) {
        if !self.module.is_null() {
            // SAFETY: By the type invariant the module's kobject holds the link `name`.
            unsafe { bindings::sysfs_remove_link(self.module, self.name.as_char_ptr()) };
        }
        // `kobject_del()` removes the directory and its files now, waiting for running `show`
        // calls, whoever else holds a reference (the last put would do it only when it is the
        // last, and late with `CONFIG_DEBUG_KOBJECT_RELEASE`); the put releases ours.
        // SAFETY: By the type invariant the kobject is live and in sysfs, and we own a
        // reference.
        unsafe {
            bindings::kobject_del(self.kobj.as_ptr());
            bindings::kobject_put(self.kobj.as_ptr());
        }
        // `_drvdata` is dropped after this: the driver data is cleared, then the `T` released.
    }
}

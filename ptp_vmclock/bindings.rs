// SPDX-License-Identifier: GPL-2.0

//! Bindings generated at build time for the target tree.
//!
//! Kbuild runs bindgen over `bindings_wrapper.h` with the tree's own C flags and an
//! allowlist (see `Kbuild`); the result is included here. Every other C item, including the
//! types the generated items refer to, comes from [`kernel::bindings`] through the glob
//! import below, so shared types such as `timespec64` are the kernel crate's own.

#[allow(
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::as_underscore,
    clippy::cast_lossless,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]
mod generated {
    pub use kernel::bindings::*;
    use kernel::ffi;
    #[cfg(not(ptp_vmclock_v6_12))]
    use pin_init::MaybeZeroable;

    include!(env!("PTP_VMCLOCK_BINDINGS_RS"));
}

pub(crate) use generated::*;

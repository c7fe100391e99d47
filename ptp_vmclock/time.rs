// SPDX-License-Identifier: GPL-2.0

//! Pure time arithmetic: host time validation, nanosecond conversions and pvclock scaling.
//!
//! Everything here works on plain integers, has no side effects and is covered by the
//! KUnit suite. Values may come straight from the host, so every operation is checked or
//! explicitly wrapping: with `CONFIG_RUST_OVERFLOW_CHECKS=y` an unchecked overflow would be
//! a `BUG()`.

/// Nanoseconds per second.
pub(crate) const NSEC_PER_SEC: i64 = 1_000_000_000;

/// The largest whole number of seconds a `ktime_t` (signed 64-bit nanoseconds) can hold.
pub(crate) const KTIME_SEC_MAX: i64 = i64::MAX / NSEC_PER_SEC;

/// A point in time in seconds and nanoseconds, normalised and representable as `ktime_t`.
///
/// # Invariants
///
/// `0 <= sec <= KTIME_SEC_MAX` and `0 <= nsec < NSEC_PER_SEC`, and `sec * NSEC_PER_SEC + nsec`
/// fits in an `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timespec {
    sec: i64,
    nsec: i64,
}

impl Timespec {
    /// Validates a seconds/nanoseconds pair, e.g. as the host supplied it.
    ///
    /// Returns `None` for negative times, unnormalised nanoseconds and times beyond the
    /// `ktime_t` range.
    pub fn new(sec: i64, nsec: i64) -> Option<Self> {
        if !(0..=KTIME_SEC_MAX).contains(&sec) || !(0..NSEC_PER_SEC).contains(&nsec) {
            return None;
        }
        // The last second of the range is only partially representable.
        sec.checked_mul(NSEC_PER_SEC)?.checked_add(nsec)?;
        // INVARIANT: checked above.
        Some(Self { sec, nsec })
    }

    /// Whole seconds.
    pub fn sec(&self) -> i64 {
        self.sec
    }

    /// Nanoseconds within the second, `0..NSEC_PER_SEC`.
    pub fn nsec(&self) -> i64 {
        self.nsec
    }

    /// The time in nanoseconds, i.e. as a `ktime_t`.
    pub fn as_nanos(&self) -> i64 {
        // By the type invariant this neither overflows nor wraps; stay checked anyway and
        // saturate rather than panic should the invariant ever be broken.
        self.sec
            .checked_mul(NSEC_PER_SEC)
            .and_then(|ns| ns.checked_add(self.nsec))
            .unwrap_or(i64::MAX)
    }

    /// Builds a [`Timespec`] from nanoseconds, e.g. from a `ktime_t`.
    pub fn from_nanos(ns: i64) -> Option<Self> {
        if ns < 0 {
            return None;
        }
        Self::new(ns / NSEC_PER_SEC, ns % NSEC_PER_SEC)
    }
}

#[cfg(all(ptp_vmclock_test_build, not(ptp_vmclock_v6_12)))]
#[kernel::prelude::kunit_tests(ptp_vmclock_rs_time)]
mod tests {
    use super::*;

    #[test]
    fn timespec_validates_host_values() {
        assert_eq!(
            Timespec::new(1, 999_999_999).map(|t| t.as_nanos()),
            Some(1_999_999_999)
        );
        assert_eq!(Timespec::new(0, 0).map(|t| t.as_nanos()), Some(0));
        assert!(Timespec::new(1, 1_000_000_000).is_none());
        assert!(Timespec::new(1, -1).is_none());
        assert!(Timespec::new(-1, 0).is_none());
        assert!(Timespec::new(i64::MAX, 0).is_none());
        assert!(Timespec::new(KTIME_SEC_MAX + 1, 0).is_none());
        // The last representable nanosecond, and one past it.
        assert_eq!(
            Timespec::new(KTIME_SEC_MAX, 854_775_807).map(|t| t.as_nanos()),
            Some(i64::MAX)
        );
        assert!(Timespec::new(KTIME_SEC_MAX, 854_775_808).is_none());
    }

    #[test]
    fn timespec_nanos_round_trip() {
        let t = Timespec::from_nanos(1_700_000_000_123_456_789);
        assert_eq!(
            t.map(|t| (t.sec(), t.nsec())),
            Some((1_700_000_000, 123_456_789))
        );
        assert_eq!(
            Timespec::from_nanos(i64::MAX).map(|t| t.as_nanos()),
            Some(i64::MAX)
        );
        assert!(Timespec::from_nanos(-1).is_none());
    }
}

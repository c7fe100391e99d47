// SPDX-License-Identifier: GPL-2.0

//! The `mock` transport: a test backend with no hypervisor behind it, in the spirit of the
//! kernel's `ptp_mock` driver.
//!
//! It serves the guest's own `CLOCK_REALTIME` as "host time" and pairs it with the TSC, so
//! every part of the module above the transport (registration, all PTP ioctls including
//! `PTP_SYS_OFFSET_PRECISE`, sysfs, load and unload) runs where no hypervisor interface
//! does: a guest under QEMU TCG, in particular on the debug kernel (KASAN, lockdep,
//! kmemleak, UBSAN), whose nested KVM guests the test rig cannot boot. It exists only in
//! test builds (`PTP_VMCLOCK_TEST_BUILD=1`, what `make check` builds), is only used when
//! asked for by name (`transport=mock`), never by `auto`, and its load line says what it
//! is. A clock disciplined from it follows the guest itself: it is useless for time.

use crate::params::Config;
use crate::sys;
use crate::time::Timespec;
use crate::transport::{Bracket, Counter, NoBracket, PairedReading, ProbeError, Report, Transport};
use crate::vmclock::HostilePage;
use kernel::prelude::*;

/// The guest's `CLOCK_REALTIME`.
fn realtime() -> Result<Timespec> {
    let ts = sys::ktime_get_real_ts64();
    let nsec = i64::try_from(ts.tv_nsec).map_err(|_| EIO)?;
    Timespec::new(ts.tv_sec, nsec).ok_or(EIO)
}

/// The mock transport. Readers never wait on each other.
///
/// With a hostile page (test builds, `mock_page=`), every read first goes through the
/// vmclock page path, which must fail cleanly (counted as a page fallback), then serves
/// the guest's clock as without one.
pub(crate) struct Mock {
    page: Option<HostilePage>,
}

impl Mock {
    /// Reads the hostile page, if any: it must never serve, only report its fallback.
    fn try_page(&self, bracket: &mut impl Bracket, report: &mut Report) {
        if let Some(p) = &self.page {
            match p.read(bracket, report) {
                Ok(_) => pr_err!("mock: a hostile vmclock page served a read\n"),
                Err(why) => report.fallback = Some(why),
            }
        }
    }
}

impl Transport for Mock {
    const NAME: &'static str = "mock";

    fn probe(config: &Config) -> Result<Self, ProbeError> {
        let t = Mock {
            page: match config.test.mock_page {
                Some(kind) => Some(HostilePage::new(kind).map_err(|err| ProbeError {
                    err,
                    reason: "cannot allocate the hostile vmclock page",
                })?),
                None => None,
            },
        };
        // The clock alone (the hostile page's fallbacks count reads, not the probe).
        realtime()
            .map_err(|_| ProbeError::unavailable("CLOCK_REALTIME is out of the ktime_t range"))?;
        Ok(t)
    }

    fn read(&self, bracket: &mut impl Bracket, report: &mut Report) -> Result<Timespec> {
        self.try_page(bracket, report);
        bracket.before();
        let t = realtime();
        bracket.after();
        t
    }

    fn has_counter(&self) -> bool {
        true
    }

    /// Pairs `CLOCK_REALTIME` with the TSC read right before it; there is no kvm-clock
    /// without KVM, so that counter fails with `ENODEV` (timekeeping then tells a guest
    /// whose clocksource is not the TSC apart, as with the other transports).
    fn read_paired(&self, counter: Counter, report: &mut Report) -> Result<PairedReading> {
        self.try_page(&mut NoBracket, report);
        match counter {
            Counter::Tsc => {
                let cycles = sys::rdtsc_ordered();
                Ok(PairedReading {
                    time: realtime()?,
                    cycles,
                })
            }
            Counter::KvmClock => Err(ENODEV),
        }
    }
}

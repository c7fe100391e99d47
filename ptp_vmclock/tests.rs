// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the pure logic: time conversions, pvclock scaling, hypercall instruction
//! and error mapping, KVM signature, transport parameter parsing, counter selection, the
//! vmclock page decoder and the ACPI vmclock device page's disruption signals; and of the
//! PTP abstraction what needs no registered clock: the clock name and the `ptp_clock_info`
//! it builds.
//!
//! With `CONFIG_KUNIT=y` the suite `ptp_vmclock_rs` runs when the module loads and reports in
//! the kernel log (KTAP: `ok 1 ptp_vmclock_rs`).

use kernel::prelude::kunit_tests;

#[kunit_tests(ptp_vmclock_rs)]
mod kunit {
    use crate::clock::{counter_cs_id, counter_for_clocksource};
    use crate::compat::eopnotsupp;
    use crate::kvm::{map_hypercall_ret, Insn};
    use crate::ptp::ClockSourceId;
    use crate::time::{Timespec, KTIME_SEC_MAX};
    use crate::transport::{Choice, Counter};
    use crate::vmclock::{
        decode_aged, Disruption, Fallback, PageReading, Snapshot, DEVICE_MAX_AGE_FRAC, MAX_AGE_FRAC,
    };
    use crate::vmport::{decode_time_full, version_ok, Regs, MAGIC};
    use kernel::prelude::*;

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

    #[test]
    fn hypercall_instruction_names() {
        assert_eq!(Insn::Vmcall.name(), "vmcall");
        assert_eq!(Insn::Vmmcall.name(), "vmmcall");
    }

    #[test]
    fn hypercall_errors_map_to_linux_errnos() {
        assert_eq!(map_hypercall_ret(0), Ok(()));
        assert_eq!(map_hypercall_ret(-95), Err(eopnotsupp()));
        assert_eq!(map_hypercall_ret(-1000), Err(ENODEV));
        assert_eq!(map_hypercall_ret(-14), Err(EIO));
        assert_eq!(map_hypercall_ret(1), Err(EIO));
        assert_eq!(map_hypercall_ret(i64::MIN), Err(EIO));
    }

    #[test]
    fn transport_parameter_parsing() {
        assert_eq!(Choice::parse(b""), Ok(Choice::Auto));
        assert_eq!(Choice::parse(b"auto"), Ok(Choice::Auto));
        assert_eq!(Choice::parse(b"kvm"), Ok(Choice::Kvm));
        assert_eq!(Choice::parse(b"KVM"), Err(EINVAL));
        assert_eq!(Choice::parse(b"kvm "), Err(EINVAL));
        assert_eq!(Choice::parse(b"vmport"), Ok(Choice::Vmport));
        assert_eq!(Choice::parse(b"vmport\n"), Err(EINVAL));
        assert_eq!(Choice::parse(b"mock"), Ok(Choice::Mock));
        assert_eq!(Choice::parse(b"Mock"), Err(EINVAL));
        assert_eq!(Choice::parse(b"bogus"), Err(EINVAL));
    }

    #[test]
    fn vmport_answers() {
        let absent = Regs {
            eax: u32::MAX,
            ebx: !MAGIC,
            ..Regs::default()
        };
        assert!(!version_ok(&absent));
        assert!(version_ok(&Regs {
            eax: 6,
            ebx: MAGIC,
            ..Regs::default()
        }));
        // GETTIMEFULL: ESI:EDX seconds, EBX microseconds, ECX max lag.
        let ok = Regs {
            eax: MAGIC,
            ebx: 123_456,
            ecx: 1_000_000,
            edx: 0x6ae3_2c00,
            esi: 0,
        };
        let (t, lag) = decode_time_full(&ok).unwrap();
        assert_eq!(
            (t.sec(), t.nsec(), lag),
            (0x6ae3_2c00, 123_456_000, 1_000_000)
        );
        let high = Regs { esi: 1, ..ok };
        assert_eq!(decode_time_full(&high).unwrap().0.sec(), 0x1_6ae3_2c00);
        // Failure answer, microseconds out of range, seconds beyond ktime_t: EIO.
        assert_eq!(
            decode_time_full(&Regs {
                eax: u32::MAX,
                ..ok
            }),
            Err(EIO)
        );
        assert_eq!(
            decode_time_full(&Regs {
                ebx: 1_000_000,
                ..ok
            }),
            Err(EIO)
        );
        assert_eq!(
            decode_time_full(&Regs {
                esi: 0x8000_0000,
                ..ok
            }),
            Err(EIO)
        );
        assert_eq!(
            decode_time_full(&Regs {
                esi: 0x4000_0000,
                ..ok
            }),
            Err(EIO)
        );
    }

    #[test]
    fn counters_and_clocksources() {
        assert_eq!(
            counter_for_clocksource(ClockSourceId::X86_TSC),
            Counter::Tsc
        );
        assert_eq!(
            counter_for_clocksource(ClockSourceId::X86_KVM_CLK),
            Counter::KvmClock
        );
        assert_eq!(counter_cs_id(Counter::Tsc), ClockSourceId::X86_TSC);
        assert_eq!(counter_cs_id(Counter::KvmClock), ClockSourceId::X86_KVM_CLK);
        assert_eq!(Counter::Tsc.other(), Counter::KvmClock);
        assert_eq!(Counter::KvmClock.other(), Counter::Tsc);
        assert_eq!(Counter::KvmClock.name(), "kvm-clock");
    }

    #[test]
    fn timescale_and_clock_pairing_parameters() {
        use crate::kvm::{PairingChoice, Timescale};
        assert_eq!(Timescale::parse(b""), Ok(Timescale::Utc));
        assert_eq!(Timescale::parse(b"utc"), Ok(Timescale::Utc));
        assert_eq!(Timescale::parse(b"tai"), Ok(Timescale::Tai));
        assert_eq!(Timescale::parse(b"TAI"), Err(EINVAL));
        assert_eq!(Timescale::parse(b"tai\n"), Err(EINVAL));
        assert_eq!(Timescale::parse(b"gps"), Err(EINVAL));
        assert_eq!(Timescale::Tai.name(), "tai");
        assert_eq!(Timescale::Utc.name(), "utc");
        assert_eq!(PairingChoice::parse(b""), Ok(PairingChoice::Auto));
        assert_eq!(PairingChoice::parse(b"auto"), Ok(PairingChoice::Auto));
        assert_eq!(PairingChoice::parse(b"legacy"), Ok(PairingChoice::Legacy));
        assert_eq!(PairingChoice::parse(b"tai-status"), Err(EINVAL));
    }

    #[test]
    fn host_status_decoding() {
        use crate::kvm::{
            decode_status, F_STATUS, F_TSC_INVALID, STATUS_LEAP_DEL, STATUS_LEAP_INS, STATUS_SYNC,
        };
        use crate::status::{HostStatus, Leap};
        // Type 0 replies (flags 0) carry no status, whatever the padding holds.
        assert_eq!(decode_status(0, STATUS_SYNC, 1, 2, 37), None);
        assert_eq!(decode_status(F_TSC_INVALID, STATUS_SYNC, 1, 2, 37), None);
        assert_eq!(
            decode_status(F_STATUS, STATUS_SYNC | STATUS_LEAP_INS, 1234, 56, 37),
            Some(HostStatus {
                sync: true,
                leap: Leap::Ins,
                maxerror_us: 1234,
                esterror_us: 56,
                tai_offset: 37,
            })
        );
        let st = decode_status(F_STATUS | F_TSC_INVALID, STATUS_LEAP_DEL, u32::MAX, 0, -5);
        assert_eq!(st.map(|s| (s.sync, s.leap)), Some((false, Leap::Del)));
        assert_eq!(
            st.map(|s| (s.maxerror_us, s.tai_offset)),
            Some((u32::MAX, -5))
        );
        // Contradictory leap bits: no pending leap; unknown bits are ignored.
        let st = decode_status(F_STATUS, STATUS_LEAP_INS | STATUS_LEAP_DEL | 0xf0, 0, 0, 0);
        assert_eq!(st.map(|s| (s.sync, s.leap)), Some((false, Leap::None)));
        assert_eq!(Leap::None.name(), "none");
        assert_eq!(Leap::Ins.name(), "ins");
        assert_eq!(Leap::Del.name(), "del");
    }

    #[test]
    fn utc_from_tai_is_checked() {
        use crate::kvm::utc_from_tai;
        use crate::time::{Timespec, KTIME_SEC_MAX};
        let tai = Timespec::new(1_700_000_037, 123_456_789).unwrap();
        let utc = utc_from_tai(tai, 37).map(|t| (t.sec(), t.nsec()));
        assert_eq!(utc, Some((1_700_000_000, 123_456_789)));
        assert_eq!(utc_from_tai(tai, 0).map(|t| t.sec()), Some(1_700_000_037));
        // A negative offset moves forward; results outside 0..=KTIME_SEC_MAX are refused
        // instead of overflowing (the offset comes from the host).
        assert_eq!(utc_from_tai(tai, -3).map(|t| t.sec()), Some(1_700_000_040));
        let small = Timespec::new(10, 0).unwrap();
        assert!(utc_from_tai(small, 11).is_none());
        assert!(utc_from_tai(small, i32::MAX).is_none());
        let top = Timespec::new(KTIME_SEC_MAX, 0).unwrap();
        assert!(utc_from_tai(top, -1).is_none());
        assert!(utc_from_tai(top, i32::MIN).is_none());
        let zero = Timespec::new(0, 0).unwrap();
        assert_eq!(utc_from_tai(zero, i32::MIN).map(|t| t.sec()), Some(1 << 31));
        assert_eq!(utc_from_tai(zero, 0).map(|t| t.sec()), Some(0));
    }

    /// Decodes a KVM-filled page.
    fn decode(s: &Snapshot) -> Result<PageReading, Fallback> {
        decode_aged(s, MAX_AGE_FRAC)
    }

    /// A page as KVM writes it for a host TSC of ~3 GHz (mult 5592405, shift 24) at
    /// xtime_nsec = (123456789 << 24) + 12345, TAI second 1700000000, TAI - UTC = 37 s;
    /// period, shift and fraction by host/0007's rounding rule (computed offline).
    fn kvm_page(tsc: u64) -> Snapshot {
        Snapshot {
            magic: 0x4b4c_4356,
            size: 128,
            version: 1,
            counter_id: 1,
            time_type: 1,
            seq: 42,
            flags: 1 | (1 << 5) | (1 << 6),
            clock_status: 2,
            tai_offset_sec: 37,
            shift: 31,
            counter_value: 1_000_000,
            period: 13_204_692_965_316_309_121,
            time_sec: 1_700_000_000,
            time_frac_sec: 2_277_375_790_858_534_034,
            esterror_ns: 2_500,
            maxerror_ns: 16_000_000,
            kvm_generation: 7,
            tsc,
            ..Snapshot::default()
        }
    }

    #[test]
    fn vmclock_page_time_is_the_hosts_to_the_nanosecond() {
        // (delta, host CLOCK_TAI ns within the second) from the host's own formula,
        // (xtime_nsec + delta * mult) >> shift: the page must give exactly the same.
        for (delta, nsec) in [
            (0u64, 123_456_789i64),
            (1, 123_456_789),
            (3, 123_456_790),
            (1000, 123_457_122),
            (1_000_000_000, 456_790_102),
        ] {
            let r = decode(&kvm_page(1_000_000 + delta));
            let t = r.map(|r| (r.time.sec(), r.time.nsec()));
            assert_eq!(t, Ok((1_700_000_000, nsec)));
        }
        let r = decode(&kvm_page(1_000_000)).map_err(|_| ());
        assert_eq!(r.map(|r| r.is_tai), Ok(true));
        assert_eq!(r.map(|r| r.status.tai_offset), Ok(37));
        assert_eq!(r.map(|r| r.status.sync), Ok(true));
        assert_eq!(
            r.map(|r| (r.status.esterror_us, r.status.maxerror_us)),
            Ok((2, 16_000))
        );
        // UTC is TAI - 37 s; TAI stays as it is.
        let utc = r.map(|r| r.in_timescale(crate::kvm::Timescale::Utc).map(|t| t.sec()));
        assert_eq!(utc, Ok(Some(1_700_000_000 - 37)));
    }

    #[test]
    fn vmclock_page_hostile_values_are_clean_errors() {
        let ok = kvm_page(1_000_000);
        let with = |f: fn(&mut Snapshot)| {
            let mut s = ok;
            f(&mut s);
            decode(&s).map(|_| ())
        };
        assert_eq!(with(|_| {}), Ok(()));
        assert_eq!(with(|s| s.magic = 0), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.version = 2), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.size = 100), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.counter_id = 0xff), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.time_type = 2), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.shift = 64), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.shift = 255), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.period = 0), Err(Fallback::Invalid));
        assert_eq!(with(|s| s.clock_status = 4), Err(Fallback::Unusable));
        assert_eq!(with(|s| s.clock_status = 0), Err(Fallback::Unusable));
        assert_eq!(with(|s| s.clock_status = 200), Err(Fallback::Unusable));
        // A counter value ahead of the TSC read with it.
        assert_eq!(with(|s| s.counter_value = s.tsc + 1), Err(Fallback::Future));
        // 1 s after the page was written (3e9 cycles), and the extremes: stale, no overflow.
        assert_eq!(with(|s| s.tsc += 3_000_000_000), Err(Fallback::Stale));
        assert_eq!(with(|s| s.tsc = u64::MAX), Err(Fallback::Stale));
        assert_eq!(
            with(|s| {
                s.period = u64::MAX;
                s.shift = 0;
                s.tsc = u64::MAX;
                s.counter_value = 0;
            }),
            Err(Fallback::Stale)
        );
        // Seconds out of range, with and without the carry from the fraction.
        assert_eq!(with(|s| s.time_sec = u64::MAX), Err(Fallback::Invalid));
        assert_eq!(
            with(|s| s.time_sec = i64::MAX as u64),
            Err(Fallback::Invalid)
        );
        assert_eq!(
            with(|s| {
                s.time_sec = u64::MAX;
                s.time_frac_sec = u64::MAX;
            }),
            Err(Fallback::Invalid)
        );
        // Without the TAI offset a TAI page has no UTC.
        let mut s = ok;
        s.flags = 0;
        let utc = decode(&s).map(|r| r.in_timescale(crate::kvm::Timescale::Utc));
        assert_eq!(utc.map(|t| t.is_none()), Ok(true));
    }

    #[test]
    fn vmclock_page_age_for_sysfs() {
        use crate::vmclock::age_us;
        // A 3 GHz counter: period 2^64 / 3e9 in 2^-64 s (shift 0), rounded up.
        let period = (1u128 << 64).div_ceil(3_000_000_000) as u64;
        assert_eq!(age_us(3_000_000_000, 0, period, 0), 1_000_000);
        assert_eq!(age_us(1_000 + 3_000, 1_000, period, 0), 1);
        // The same period with a shift of 4: a 48 GHz counter.
        assert_eq!(age_us(48_000, 0, period, 4), 1);
        // A page from the future has age 0; extremes saturate, never overflow.
        assert_eq!(age_us(1, 2, period, 0), 0);
        assert_eq!(age_us(u64::MAX, 0, u64::MAX, 0), u64::MAX);
        assert_eq!(age_us(5, 0, period, 64), u64::MAX);
    }

    #[test]
    fn device_page_age_bound() {
        // 1 s old (3e9 cycles): stale for a KVM page, fine for a device page, which is
        // trusted up to a day; 1.0000000x days is stale for both.
        let mut s = kvm_page(1_000_000 + 3_000_000_000);
        assert_eq!(decode(&s).map(|_| ()), Err(Fallback::Stale));
        let r = decode_aged(&s, DEVICE_MAX_AGE_FRAC);
        assert_eq!(r.map(|r| r.time.sec()), Ok(1_700_000_001));
        s.tsc = 1_000_000 + 3_000_000_000 * 86_401;
        assert_eq!(
            decode_aged(&s, DEVICE_MAX_AGE_FRAC).map(|_| ()),
            Err(Fallback::Stale)
        );
        // No bound beyond a day, whatever the caller asks.
        assert_eq!(decode_aged(&s, u128::MAX).map(|_| ()), Err(Fallback::Stale));
        // QEMU's device page: counter invalid, time unknown.
        let mut q = s;
        (q.counter_id, q.clock_status) = (0xff, 0);
        assert!(decode_aged(&q, DEVICE_MAX_AGE_FRAC).is_err());
    }

    #[test]
    fn device_disruption_marker_and_generation() {
        // QEMU 10.0's page: size 4096, no flags, marker 1 after realize.
        let qemu = Snapshot {
            magic: 0x4b4c_4356,
            size: 4096,
            version: 1,
            counter_id: 0xff,
            disruption_marker: 1,
            vm_generation: 5,
            ..Snapshot::default()
        };
        let d = Disruption::of(&qemu);
        assert_eq!(
            d,
            Disruption {
                marker: 1,
                generation: None
            }
        );
        // With VM_GEN_COUNTER_PRESENT (bit 8) the generation counts, if `size` covers it.
        let mut gen = qemu;
        gen.flags = 1 << 8;
        assert_eq!(Disruption::of(&gen).generation, Some(5));
        gen.size = 104;
        assert_eq!(Disruption::of(&gen).generation, None);
        gen.size = 112;
        assert_eq!(Disruption::of(&gen).generation, Some(5));
        // Changes: marker, generation, both, the generation appearing, none.
        let base = Disruption {
            marker: 1,
            generation: Some(5),
        };
        let with = |marker, generation| Disruption { marker, generation };
        assert_eq!(with(2, Some(5)).changes(&base), (true, false));
        assert_eq!(with(1, Some(6)).changes(&base), (false, true));
        assert_eq!(with(2, Some(6)).changes(&base), (true, true));
        assert_eq!(with(1, None).changes(&base), (false, true));
        assert_eq!(base.changes(&base), (false, false));
    }
}

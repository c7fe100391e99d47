// SPDX-License-Identifier: GPL-2.0
/*
 * ptpbad: every PTP ioctl and posix-clock call with invalid (and a few boundary-valid)
 * arguments on a read-only PHC without pins, alarms, external timestamps, periodic
 * outputs or PPS (ptp_vmclock_rs, C ptp_kvm), each checked for the exact errno of the
 * target kernel (7.3.4, or 6.12). Prints KTAP: one "ok N" / "not ok N ... # got X want Y" a case.
 *
 *   ptpbad [-E] DEV [[-E] DEV]...
 *
 *   One KTAP document for all devices; each case is prefixed with the device's
 *   clock_name (from sysfs; the path if it has none). A device that does not open
 *   fails its first case ("opens") and, through EBADF, all others.
 *   -E   the next DEV's driver has no gettimex64 (C ptp_kvm): PTP_SYS_OFFSET_EXTENDED(2)
 *        then fail with EOPNOTSUPP before the kernel looks at their argument
 *        (ptp_sys_offset_extended() checks gettimex_fn first).
 *
 * Where each expectation comes from (paths in the kernel tree):
 * - drivers/ptp/ptp_chardev.c ptp_ioctl(): unknown numbers (the exact cmd value, so a
 *   known number with another size or direction too) ENOTTY; EXTTS/PEROUT/PPS/
 *   PIN_SETFUNC need FMODE_WRITE (EACCES) before anything else; copies from user space
 *   fail with EFAULT (memdup_user, copy_from_user); copies back (GETCAPS, SYS_OFFSET*,
 *   PRECISE) fail with EFAULT after the work; n_samples > PTP_MAX_SAMPLES EINVAL, 0 is
 *   allowed; EXTENDED: rsv[0], rsv[1] and clockid other than REALTIME, MONOTONIC,
 *   MONOTONIC_RAW EINVAL (CLOCK_AUX*: CONFIG_POSIX_AUX_CLOCKS is off in the reference
 *   config); index >= n_ext_ts / n_per_out / n_pins EINVAL; EXTTS2/PEROUT2/PIN*2
 *   reserved bits EINVAL; PEROUT2 duty cycle or phase >= period ERANGE (checked before
 *   the index); PPS reaches ->enable whatever the clock's caps say: ours is
 *   ptp_vmclock/ptp.rs's, the driver's Operations::enable, which refuses by default
 *   (EOPNOTSUPP; ptp_kvm's own also EOPNOTSUPP, and ptp_clock_register() would put
 *   ptp_enable(), EOPNOTSUPP, in a NULL one); MASK_CLEAR_ALL works on
 *   any clock; MASK_EN_SINGLE channel >= PTP_MAX_CHANNELS (2048) EFAULT;
 *   *_CYCLES EOPNOTSUPP (no getcycles64/getcyclesx64: has_cycles false); on 6.12,
 *   whose ptp_chardev.c (6.12.117) has no *_CYCLES ioctls, ENOTTY. Every other
 *   case gave the same errno on 6.12.117 (make check, group kernel-6.12).
 * - drivers/ptp/ptp_sysfs.c: the files whose writes reach ->enable (extts_enable, period,
 *   pps_enable) and the EXTTS fifo are hidden (ptp_is_attribute_visible()) on a clock
 *   with n_ext_ts, n_per_out and pps 0; clock_name is there.
 * - kernel/time/posix-clock.c, posix-timers.c, drivers/ptp/ptp_clock.c: clock_settime:
 *   timespec64_valid_strict() EINVAL first (before the fd is looked at), then EACCES
 *   without FMODE_WRITE, then timespec64_valid_settod() EINVAL, then ->settime64
 *   (EOPNOTSUPP); clock_adjtime: EFAULT on copy-in, EACCES for modes != 0 without
 *   FMODE_WRITE; ADJ_SETOFFSET: nsec >= 1e9 or negative EINVAL, result invalid for
 *   settod EINVAL, else ->adjtime (EOPNOTSUPP); ADJ_FREQUENCY: overflow of
 *   (freq + 1) * 125 or scaled_ppm_to_ppb(freq) outside +-max_adj (0) ERANGE (freq in
 *   [-1, 64] rounds to 0 ppb and reaches ->adjfine: EOPNOTSUPP); ADJ_OFFSET without
 *   adjphase EOPNOTSUPP; other modes EOPNOTSUPP; modes 0 succeeds (returns freq) and
 *   then copies back (EFAULT into a read-only page); clock_getres: res 1 ns, NULL
 *   allowed; an fd that is no posix clock EINVAL.
 *
 * Exit status 0 when every case passed, 1 otherwise, 2 on usage or setup errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/ptp_clock.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CLOCKFD 3
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | CLOCKFD))
#define PTP_MAX_CHANNELS 2048	/* drivers/ptp/ptp_private.h */
#define KTIME_SEC_MAX 9223372036LL	/* KTIME_MAX / NSEC_PER_SEC */
#define TIME_SETTOD_SEC_MAX (KTIME_SEC_MAX - 30LL * 365 * 24 * 3600)
#define CLOCK_AUX_FIRST 16	/* MAX_CLOCKS, include/uapi/linux/time.h */
#define KERNEL_PTR ((void *)0xffffffff81000000UL)

static int dry, ntest, nfail;
/* The *_CYCLES ioctls' errno: EOPNOTSUPP, or ENOTTY on cores older than 6.13 (main). */
static int cycles_err = EOPNOTSUPP;
static char prefix[64];

static const char *ename(int e)
{
	const char *n;

	if (!e)
		return "success";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

/* One KTAP result: got/want are 0 (success) or an errno. */
static void __attribute__((format(printf, 3, 4))) report(int want, int got, const char *fmt, ...)
{
	char desc[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	ntest++;
	if (got == want) {
		printf("ok %d %s%s: %s\n", ntest, prefix, desc, ename(want));
	} else {
		nfail++;
		printf("not ok %d %s%s: %s # got %s want %s\n", ntest, prefix, desc, ename(want),
		       ename(got), ename(want));
	}
	fflush(stdout);
}

/* CASE(want, call, fmt, ...): run call (a syscall returning < 0 with errno on error). */
#define CASE(want, call, ...)                                        \
	do {                                                         \
		long r_;                                             \
		if (dry) {                                           \
			ntest++;                                     \
			break;                                       \
		}                                                    \
		errno = 0;                                           \
		r_ = (long)(call);                                   \
		report((want), r_ < 0 ? errno : 0, __VA_ARGS__);     \
	} while (0)

/* CHECK(cond, fmt, ...): a plain condition as one result. */
#define CHECK(cond, ...)                                             \
	do {                                                         \
		if (dry) {                                           \
			ntest++;                                     \
			break;                                       \
		}                                                    \
		report(0, (cond) ? 0 : EBADE, __VA_ARGS__);          \
	} while (0)

static int fd, rofd, nullfd;
static long pg;
/* good: 2 writable pages; unmapped: nothing mapped; ro0: read-only zeros; ro3: read-only,
 * first u32 = 3 (n_samples 3, index 3, channel 3); edge: a writable page followed by an
 * unmapped one (a struct placed to cross the boundary). */
static char *good, *unmapped, *ro0, *ro3, *edge;

static void *straddle(size_t size)
{
	return edge + pg - size + 8;
}

static int clk(int f)
{
	return FD_TO_CLOCKID(f);
}

static long pioctl(int f, unsigned long cmd, void *arg)
{
	return ioctl(f, cmd, arg);
}

static long csettime(int f, long long sec, long nsec)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };

	return syscall(SYS_clock_settime, clk(f), &ts);
}

static long cadjtime(int f, struct timex *tx)
{
	return syscall(SYS_clock_adjtime, clk(f), tx);
}

static long adj(int f, unsigned int modes, long long sec, long long usec, long long freq,
		long long offset)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	tx.modes = modes;
	tx.time.tv_sec = sec;
	tx.time.tv_usec = usec;
	tx.freq = freq;
	tx.offset = offset;
	return cadjtime(f, &tx);
}

static void *zero(size_t n)
{
	memset(good, 0, n);
	return good;
}

struct pairnames {
	unsigned long cmd;
	const char *name;
};

static void cases(int noext)
{
	static const struct pairnames caps[] = { { PTP_CLOCK_GETCAPS, "PTP_CLOCK_GETCAPS" },
						 { PTP_CLOCK_GETCAPS2, "PTP_CLOCK_GETCAPS2" } };
	static const struct pairnames so[] = { { PTP_SYS_OFFSET, "PTP_SYS_OFFSET" },
					       { PTP_SYS_OFFSET2, "PTP_SYS_OFFSET2" } };
	static const struct pairnames ext[] = {
		{ PTP_SYS_OFFSET_EXTENDED, "PTP_SYS_OFFSET_EXTENDED" },
		{ PTP_SYS_OFFSET_EXTENDED2, "PTP_SYS_OFFSET_EXTENDED2" }
	};
	static const struct pairnames pre[] = {
		{ PTP_SYS_OFFSET_PRECISE, "PTP_SYS_OFFSET_PRECISE" },
		{ PTP_SYS_OFFSET_PRECISE2, "PTP_SYS_OFFSET_PRECISE2" }
	};
	static const struct pairnames pps[] = { { PTP_ENABLE_PPS, "PTP_ENABLE_PPS" },
						{ PTP_ENABLE_PPS2, "PTP_ENABLE_PPS2" } };
	static const struct pairnames getf[] = { { PTP_PIN_GETFUNC, "PTP_PIN_GETFUNC" },
						 { PTP_PIN_GETFUNC2, "PTP_PIN_GETFUNC2" } };
	static const struct pairnames setf[] = { { PTP_PIN_SETFUNC, "PTP_PIN_SETFUNC" },
						 { PTP_PIN_SETFUNC2, "PTP_PIN_SETFUNC2" } };
	struct ptp_clock_caps *cp = (void *)good;
	struct ptp_sys_offset *sp = (void *)good;
	struct ptp_sys_offset_extended *ep = (void *)good;
	struct ptp_sys_offset_precise *pp = (void *)good;
	struct ptp_extts_request *xp = (void *)good;
	struct ptp_perout_request *op = (void *)good;
	struct ptp_pin_desc *dp = (void *)good;
	struct timespec *tp = (void *)good;
	struct timex *txp = (void *)good;
	/* What EXTENDED gives instead of want when the driver has no gettimex64. */
#define XW(want) (noext ? EOPNOTSUPP : (want))
	int i, v2;

	/* --- PTP_CLOCK_GETCAPS(2) ------------------------------------------------------- */
	for (i = 0; i < 2; i++) {
		const char *n = caps[i].name;

		CASE(0, pioctl(fd, caps[i].cmd, zero(sizeof(*cp))), "%s valid", n);
		CHECK(cp->max_adj == 0 && cp->n_alarm == 0 && cp->n_ext_ts == 0 &&
			      cp->n_per_out == 0 && cp->pps == 0 && cp->n_pins == 0 &&
			      cp->cross_timestamping == 1 && cp->adjust_phase == 0 &&
			      cp->max_phase_adj == 0,
		      "%s: max_adj 0, no alarms/extts/perout/pps/pins/phase, cross_timestamping 1", n);
		CASE(0, pioctl(rofd, caps[i].cmd, zero(sizeof(*cp))), "%s on an O_RDONLY fd", n);
		CASE(EFAULT, pioctl(fd, caps[i].cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, caps[i].cmd, unmapped), "%s unmapped pointer", n);
		CASE(EFAULT, pioctl(fd, caps[i].cmd, ro0), "%s into a read-only page", n);
		CASE(EFAULT, pioctl(fd, caps[i].cmd, straddle(sizeof(*cp))),
		     "%s buffer crossing into an unmapped page", n);
		CASE(EFAULT, pioctl(fd, caps[i].cmd, KERNEL_PTR), "%s kernel address", n);
	}

	/* --- PTP_SYS_OFFSET(2) ---------------------------------------------------------- */
	for (i = 0; i < 2; i++) {
		const char *n = so[i].name;

		zero(sizeof(*sp));
		CASE(0, pioctl(fd, so[i].cmd, sp), "%s n_samples 0 (allowed: one system time)", n);
		CHECK(sp->ts[0].sec > 0 && sp->ts[0].nsec < 1000000000 && sp->ts[1].sec == 0,
		      "%s n_samples 0 fills ts[0] only", n);
		zero(sizeof(*sp)); sp->n_samples = PTP_MAX_SAMPLES;
		CASE(0, pioctl(fd, so[i].cmd, sp), "%s n_samples %d (PTP_MAX_SAMPLES)", n,
		     PTP_MAX_SAMPLES);
		zero(sizeof(*sp)); sp->n_samples = PTP_MAX_SAMPLES + 1;
		CASE(EINVAL, pioctl(fd, so[i].cmd, sp), "%s n_samples %d", n, PTP_MAX_SAMPLES + 1);
		zero(sizeof(*sp)); sp->n_samples = UINT_MAX;
		CASE(EINVAL, pioctl(fd, so[i].cmd, sp), "%s n_samples UINT_MAX", n);
		zero(sizeof(*sp)); sp->n_samples = 1;
		sp->rsv[0] = sp->rsv[1] = sp->rsv[2] = 0xdeadbeef;
		CASE(0, pioctl(fd, so[i].cmd, sp), "%s reserved fields set (not checked)", n);
		zero(sizeof(*sp)); sp->n_samples = 2;
		CASE(0, pioctl(rofd, so[i].cmd, sp), "%s on an O_RDONLY fd", n);
		CASE(EFAULT, pioctl(fd, so[i].cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, so[i].cmd, unmapped), "%s unmapped pointer", n);
		CASE(EFAULT, pioctl(fd, so[i].cmd, ro3),
		     "%s read-only page (n_samples 3: read, sampled, copy back fails)", n);
		CASE(EFAULT, pioctl(fd, so[i].cmd, straddle(sizeof(*sp))),
		     "%s buffer crossing into an unmapped page", n);
		CASE(EFAULT, pioctl(fd, so[i].cmd, KERNEL_PTR), "%s kernel address", n);
	}

	/* --- PTP_SYS_OFFSET_EXTENDED(2) ------------------------------------------------- */
	for (i = 0; i < 2; i++) {
		static const struct {
			int id;
			int ok;
			const char *name;
		} ids[] = {
			{ CLOCK_REALTIME, 1, "CLOCK_REALTIME" },
			{ CLOCK_MONOTONIC, 1, "CLOCK_MONOTONIC" },
			{ CLOCK_MONOTONIC_RAW, 1, "CLOCK_MONOTONIC_RAW" },
			{ CLOCK_PROCESS_CPUTIME_ID, 0, "CLOCK_PROCESS_CPUTIME_ID" },
			{ CLOCK_REALTIME_COARSE, 0, "CLOCK_REALTIME_COARSE" },
			{ CLOCK_BOOTTIME, 0, "CLOCK_BOOTTIME" },
			{ CLOCK_TAI, 0, "CLOCK_TAI" },
			{ CLOCK_AUX_FIRST, 0, "CLOCK_AUX (no CONFIG_POSIX_AUX_CLOCKS)" },
			{ -1, 0, "-1" },
			{ INT_MAX, 0, "INT_MAX" },
		};
		const char *n = ext[i].name;
		unsigned int k;

		zero(sizeof(*ep));
		CASE(XW(0), pioctl(fd, ext[i].cmd, ep), "%s n_samples 0", n);
		zero(sizeof(*ep)); ep->n_samples = PTP_MAX_SAMPLES;
		CASE(XW(0), pioctl(fd, ext[i].cmd, ep), "%s n_samples %d", n, PTP_MAX_SAMPLES);
		zero(sizeof(*ep)); ep->n_samples = PTP_MAX_SAMPLES + 1;
		CASE(XW(EINVAL), pioctl(fd, ext[i].cmd, ep), "%s n_samples %d", n,
		     PTP_MAX_SAMPLES + 1);
		zero(sizeof(*ep)); ep->n_samples = UINT_MAX;
		CASE(XW(EINVAL), pioctl(fd, ext[i].cmd, ep), "%s n_samples UINT_MAX", n);
		for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			zero(sizeof(*ep)); ep->n_samples = 2;
			ep->clockid = ids[k].id;
			CASE(XW(ids[k].ok ? 0 : EINVAL), pioctl(fd, ext[i].cmd, ep),
			     "%s clockid %s", n, ids[k].name);
		}
		zero(sizeof(*ep)); ep->n_samples = 2;
		ep->clockid = clk(fd);
		CASE(XW(EINVAL), pioctl(fd, ext[i].cmd, ep), "%s clockid of the PHC itself", n);
		zero(sizeof(*ep)); ep->n_samples = 1;
		ep->rsv[0] = 1;
		CASE(XW(EINVAL), pioctl(fd, ext[i].cmd, ep), "%s rsv[0] set", n);
		zero(sizeof(*ep)); ep->n_samples = 1;
		ep->rsv[1] = 0x80000000u;
		CASE(XW(EINVAL), pioctl(fd, ext[i].cmd, ep), "%s rsv[1] set", n);
		CASE(XW(EFAULT), pioctl(fd, ext[i].cmd, NULL), "%s NULL", n);
		CASE(XW(EFAULT), pioctl(fd, ext[i].cmd, unmapped), "%s unmapped pointer", n);
		CASE(XW(EFAULT), pioctl(fd, ext[i].cmd, ro3),
		     "%s read-only page (n_samples 3: read, sampled, copy back fails)", n);
		CASE(XW(EFAULT), pioctl(fd, ext[i].cmd, straddle(sizeof(*ep))),
		     "%s buffer crossing into an unmapped page", n);
		CASE(XW(EFAULT), pioctl(fd, ext[i].cmd, KERNEL_PTR), "%s kernel address", n);
	}

	/* --- PTP_SYS_OFFSET_PRECISE(2): getcrosststamp runs before the copy-out ---------- */
	for (i = 0; i < 2; i++) {
		const char *n = pre[i].name;

		CASE(0, pioctl(fd, pre[i].cmd, zero(sizeof(*pp))), "%s valid", n);
		CHECK(pp->device.sec > 0 && pp->device.nsec < 1000000000 &&
			      pp->sys_realtime.nsec < 1000000000 && pp->sys_monoraw.nsec < 1000000000,
		      "%s: device, sys_realtime, sys_monoraw have nsec < 1e9", n);
		CASE(EFAULT, pioctl(fd, pre[i].cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, pre[i].cmd, unmapped), "%s unmapped pointer", n);
		CASE(EFAULT, pioctl(fd, pre[i].cmd, ro0), "%s into a read-only page", n);
		CASE(EFAULT, pioctl(fd, pre[i].cmd, KERNEL_PTR), "%s kernel address", n);
	}

	/* --- *_CYCLES: no free-running cycle counter (has_cycles false) ----------------- */
	/* The 6.12 PTP core has no *_CYCLES ioctls: unknown numbers, ENOTTY. */
	CASE(cycles_err, pioctl(fd, PTP_SYS_OFFSET_PRECISE_CYCLES, zero(sizeof(*pp))),
	     "PTP_SYS_OFFSET_PRECISE_CYCLES valid buffer");
	CASE(cycles_err, pioctl(fd, PTP_SYS_OFFSET_PRECISE_CYCLES, NULL),
	     "PTP_SYS_OFFSET_PRECISE_CYCLES NULL (checked before the copy)");
	zero(sizeof(*ep)); ep->n_samples = 1;
	CASE(cycles_err, pioctl(fd, PTP_SYS_OFFSET_EXTENDED_CYCLES, ep),
	     "PTP_SYS_OFFSET_EXTENDED_CYCLES valid buffer");
	CASE(cycles_err, pioctl(fd, PTP_SYS_OFFSET_EXTENDED_CYCLES, NULL),
	     "PTP_SYS_OFFSET_EXTENDED_CYCLES NULL (checked before the copy)");

	/* --- PTP_EXTTS_REQUEST(2): n_ext_ts 0 ------------------------------------------- */
	for (v2 = 0; v2 < 2; v2++) {
		unsigned long cmd = v2 ? PTP_EXTTS_REQUEST2 : PTP_EXTTS_REQUEST;
		const char *n = v2 ? "PTP_EXTTS_REQUEST2" : "PTP_EXTTS_REQUEST";

		zero(sizeof(*xp));
		CASE(EINVAL, pioctl(fd, cmd, xp), "%s index 0 disable (index >= n_ext_ts 0)", n);
		zero(sizeof(*xp)); xp->flags = PTP_ENABLE_FEATURE | PTP_RISING_EDGE;
		CASE(EINVAL, pioctl(fd, cmd, xp), "%s index 0 enable rising edge", n);
		zero(sizeof(*xp)); xp->index = UINT_MAX;
		CASE(EINVAL, pioctl(fd, cmd, xp), "%s index UINT_MAX", n);
		zero(sizeof(*xp)); xp->flags = 0xffffffffu;
		CASE(EINVAL, pioctl(fd, cmd, xp), "%s all flag bits set", n);
		zero(sizeof(*xp)); xp->rsv[1] = 7;
		CASE(EINVAL, pioctl(fd, cmd, xp), "%s rsv[1] set", n);
		if (v2) {
			zero(sizeof(*xp)); xp->flags = PTP_ENABLE_FEATURE;
			CASE(EINVAL, pioctl(fd, cmd, xp), "%s enable without an edge", n);
		}
		CASE(EFAULT, pioctl(fd, cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, cmd, unmapped), "%s unmapped pointer", n);
		CASE(EINVAL, pioctl(fd, cmd, ro3), "%s from a read-only page (index 3)", n);
		CASE(EFAULT, pioctl(fd, cmd, KERNEL_PTR), "%s kernel address", n);
		CASE(EACCES, pioctl(rofd, cmd, zero(sizeof(*xp))), "%s on an O_RDONLY fd", n);
		CASE(EACCES, pioctl(rofd, cmd, NULL), "%s NULL on an O_RDONLY fd (EACCES first)", n);
	}

	/* --- PTP_PEROUT_REQUEST(2): n_per_out 0 ----------------------------------------- */
	for (v2 = 0; v2 < 2; v2++) {
		unsigned long cmd = v2 ? PTP_PEROUT_REQUEST2 : PTP_PEROUT_REQUEST;
		const char *n = v2 ? "PTP_PEROUT_REQUEST2" : "PTP_PEROUT_REQUEST";

		zero(sizeof(*op));
		CASE(EINVAL, pioctl(fd, cmd, op), "%s index 0 disable (index >= n_per_out 0)", n);
		zero(sizeof(*op)); op->period.sec = 1;
		CASE(EINVAL, pioctl(fd, cmd, op), "%s index 0 period 1 s", n);
		zero(sizeof(*op)); op->index = UINT_MAX;
		op->period.sec = 1;
		CASE(EINVAL, pioctl(fd, cmd, op), "%s index UINT_MAX", n);
		zero(sizeof(*op)); op->flags = 1u << 3;
		CASE(EINVAL, pioctl(fd, cmd, op), "%s flag bit 3 (reserved in v2, masked in v1)", n);
		zero(sizeof(*op)); op->rsv[3] = 1;
		CASE(EINVAL, pioctl(fd, cmd, op), "%s rsv[3] set without DUTY_CYCLE", n);
		zero(sizeof(*op)); op->flags = PTP_PEROUT_DUTY_CYCLE;
		op->period.sec = 1;
		op->on.sec = 2;
		CASE(v2 ? ERANGE : EINVAL, pioctl(fd, cmd, op),
		     "%s DUTY_CYCLE on 2 s > period 1 s (v1: flag masked)", n);
		zero(sizeof(*op)); op->flags = PTP_PEROUT_DUTY_CYCLE;
		op->period.sec = 1;
		op->on.nsec = 500000000;
		CASE(EINVAL, pioctl(fd, cmd, op), "%s DUTY_CYCLE on 0.5 s < period 1 s", n);
		zero(sizeof(*op)); op->flags = PTP_PEROUT_PHASE;
		op->period.nsec = 1000;
		op->phase.nsec = 1000;
		CASE(v2 ? ERANGE : EINVAL, pioctl(fd, cmd, op),
		     "%s PHASE 1 us >= period 1 us (v1: flag masked)", n);
		zero(sizeof(*op)); op->flags = PTP_PEROUT_ONE_SHOT;
		op->period.sec = 1;
		CASE(EINVAL, pioctl(fd, cmd, op), "%s ONE_SHOT", n);
		CASE(EFAULT, pioctl(fd, cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, cmd, unmapped), "%s unmapped pointer", n);
		CASE(EINVAL, pioctl(fd, cmd, ro0), "%s from a read-only page (index 0)", n);
		CASE(EFAULT, pioctl(fd, cmd, straddle(sizeof(*op))),
		     "%s buffer crossing into an unmapped page", n);
		CASE(EFAULT, pioctl(fd, cmd, KERNEL_PTR), "%s kernel address", n);
		CASE(EACCES, pioctl(rofd, cmd, zero(sizeof(*op))), "%s on an O_RDONLY fd", n);
		CASE(EACCES, pioctl(rofd, cmd, NULL), "%s NULL on an O_RDONLY fd (EACCES first)", n);
	}

	/* --- PTP_ENABLE_PPS(2): pps 0, ->enable refuses --------------------------------- */
	for (i = 0; i < 2; i++) {
		const char *n = pps[i].name;

		CASE(EOPNOTSUPP, ioctl(fd, pps[i].cmd, 1), "%s 1", n);
		CASE(EOPNOTSUPP, ioctl(fd, pps[i].cmd, 0), "%s 0", n);
		CASE(EOPNOTSUPP, ioctl(fd, pps[i].cmd, ULONG_MAX), "%s ULONG_MAX (an int, not a pointer)",
		     n);
		CASE(EACCES, ioctl(rofd, pps[i].cmd, 1), "%s 1 on an O_RDONLY fd", n);
	}

	/* --- PTP_PIN_GETFUNC(2) / PTP_PIN_SETFUNC(2): n_pins 0 -------------------------- */
	for (i = 0; i < 2; i++) {
		const char *n = getf[i].name;

		CASE(EINVAL, pioctl(fd, getf[i].cmd, zero(sizeof(*dp))), "%s index 0 (n_pins 0)", n);
		zero(sizeof(*dp)); dp->index = UINT_MAX;
		CASE(EINVAL, pioctl(fd, getf[i].cmd, dp), "%s index UINT_MAX", n);
		zero(sizeof(*dp)); dp->rsv[4] = 1;
		CASE(EINVAL, pioctl(fd, getf[i].cmd, dp), "%s rsv[4] set", n);
		CASE(EINVAL, pioctl(rofd, getf[i].cmd, zero(sizeof(*dp))),
		     "%s index 0 on an O_RDONLY fd (no write check)", n);
		CASE(EFAULT, pioctl(fd, getf[i].cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, getf[i].cmd, unmapped), "%s unmapped pointer", n);
		CASE(EINVAL, pioctl(fd, getf[i].cmd, ro0), "%s from a read-only page (index 0)", n);
		CASE(EFAULT, pioctl(fd, getf[i].cmd, straddle(sizeof(*dp))),
		     "%s buffer crossing into an unmapped page", n);
		CASE(EFAULT, pioctl(fd, getf[i].cmd, KERNEL_PTR), "%s kernel address", n);
	}
	for (i = 0; i < 2; i++) {
		const char *n = setf[i].name;

		zero(sizeof(*dp)); dp->func = PTP_PF_EXTTS;
		CASE(EINVAL, pioctl(fd, setf[i].cmd, dp), "%s index 0 EXTTS (n_pins 0)", n);
		zero(sizeof(*dp)); dp->func = PTP_PF_NONE;
		CASE(EINVAL, pioctl(fd, setf[i].cmd, dp), "%s index 0 NONE", n);
		zero(sizeof(*dp)); dp->func = 99;
		dp->index = 5;
		CASE(EINVAL, pioctl(fd, setf[i].cmd, dp), "%s index 5 func 99", n);
		zero(sizeof(*dp)); dp->rsv[0] = 1;
		CASE(EINVAL, pioctl(fd, setf[i].cmd, dp), "%s rsv[0] set", n);
		CASE(EFAULT, pioctl(fd, setf[i].cmd, NULL), "%s NULL", n);
		CASE(EFAULT, pioctl(fd, setf[i].cmd, unmapped), "%s unmapped pointer", n);
		CASE(EFAULT, pioctl(fd, setf[i].cmd, KERNEL_PTR), "%s kernel address", n);
		CASE(EACCES, pioctl(rofd, setf[i].cmd, zero(sizeof(*dp))), "%s on an O_RDONLY fd", n);
	}

	/* --- PTP_MASK_*: per open file, independent of the clock's channels ------------- */
	CASE(0, ioctl(fd, PTP_MASK_CLEAR_ALL), "PTP_MASK_CLEAR_ALL (works on any clock)");
	CASE(0, ioctl(rofd, PTP_MASK_CLEAR_ALL), "PTP_MASK_CLEAR_ALL on an O_RDONLY fd");
	*(unsigned int *)zero(4) = 0;
	CASE(0, pioctl(fd, PTP_MASK_EN_SINGLE, good), "PTP_MASK_EN_SINGLE channel 0");
	*(unsigned int *)zero(4) = PTP_MAX_CHANNELS - 1;
	CASE(0, pioctl(fd, PTP_MASK_EN_SINGLE, good), "PTP_MASK_EN_SINGLE channel %d",
	     PTP_MAX_CHANNELS - 1);
	*(unsigned int *)zero(4) = PTP_MAX_CHANNELS;
	CASE(EFAULT, pioctl(fd, PTP_MASK_EN_SINGLE, good),
	     "PTP_MASK_EN_SINGLE channel %d (>= PTP_MAX_CHANNELS: the kernel says EFAULT)",
	     PTP_MAX_CHANNELS);
	*(unsigned int *)zero(4) = UINT_MAX;
	CASE(EFAULT, pioctl(fd, PTP_MASK_EN_SINGLE, good), "PTP_MASK_EN_SINGLE channel UINT_MAX");
	CASE(0, pioctl(fd, PTP_MASK_EN_SINGLE, ro3), "PTP_MASK_EN_SINGLE from a read-only page (3)");
	CASE(EFAULT, pioctl(fd, PTP_MASK_EN_SINGLE, NULL), "PTP_MASK_EN_SINGLE NULL");
	CASE(EFAULT, pioctl(fd, PTP_MASK_EN_SINGLE, unmapped), "PTP_MASK_EN_SINGLE unmapped pointer");
	CASE(EFAULT, pioctl(fd, PTP_MASK_EN_SINGLE, edge + pg - 2),
	     "PTP_MASK_EN_SINGLE u32 crossing into an unmapped page");

	/* --- Unknown ioctl numbers (exact match on the whole cmd) ----------------------- */
	CASE(ENOTTY, ioctl(fd, _IO(PTP_CLK_MAGIC, 0)), "ioctl _IO('=', 0)");
	CASE(ENOTTY, ioctl(fd, _IO(PTP_CLK_MAGIC, 23)), "ioctl _IO('=', 23) (first unused)");
	CASE(ENOTTY, pioctl(fd, _IOWR(PTP_CLK_MAGIC, 255, struct ptp_sys_offset), good),
	     "ioctl _IOWR('=', 255, ...)");
	CASE(ENOTTY, pioctl(fd, _IOW(PTP_CLK_MAGIC, 5, int), zero(64)),
	     "ioctl PTP_SYS_OFFSET's number with size 4");
	CASE(ENOTTY, pioctl(fd, _IOR(PTP_CLK_MAGIC, 5, struct ptp_sys_offset), zero(64)),
	     "ioctl PTP_SYS_OFFSET's number and size, direction read");
	CASE(ENOTTY, pioctl(fd, _IOR(PTP_CLK_MAGIC, 1, int), zero(64)),
	     "ioctl PTP_CLOCK_GETCAPS's number with size 4");
	CASE(ENOTTY, pioctl(fd, _IOWR(PTP_CLK_MAGIC, 8, struct ptp_sys_offset), zero(64)),
	     "ioctl PTP_SYS_OFFSET_PRECISE's number with another size");
	CASE(ENOTTY, pioctl(fd, _IO(PTP_CLK_MAGIC, 19) | 4 << _IOC_SIZESHIFT, NULL),
	     "ioctl PTP_MASK_CLEAR_ALL's number with size 4");
	CASE(ENOTTY, pioctl(fd, TCGETS, good), "ioctl TCGETS");
	CASE(ENOTTY, pioctl(rofd, _IO(PTP_CLK_MAGIC, 200), NULL), "ioctl _IO('=', 200) O_RDONLY fd");
	CASE(ENOTTY, pioctl(fd, 0xffffffffUL, NULL), "ioctl 0xffffffff");

	/* --- The posix clock FD_TO_CLOCKID(fd) ----------------------------------------- */
	CASE(0, syscall(SYS_clock_gettime, clk(fd), zero(sizeof(*tp))), "clock_gettime valid");
	CHECK(tp->tv_sec > 0 && tp->tv_nsec >= 0 && tp->tv_nsec < 1000000000,
	      "clock_gettime: 0 <= nsec < 1e9");
	CASE(0, syscall(SYS_clock_gettime, clk(rofd), zero(sizeof(*tp))),
	     "clock_gettime on an O_RDONLY fd");
	CASE(EFAULT, syscall(SYS_clock_gettime, clk(fd), NULL), "clock_gettime NULL");
	CASE(EFAULT, syscall(SYS_clock_gettime, clk(fd), unmapped), "clock_gettime unmapped pointer");
	CASE(EFAULT, syscall(SYS_clock_gettime, clk(fd), ro0), "clock_gettime into a read-only page");
	CASE(EINVAL, syscall(SYS_clock_gettime, clk(nullfd), good),
	     "clock_gettime on the clock id of /dev/null (no posix clock)");
	CASE(EINVAL, syscall(SYS_clock_gettime, clk(1000), good),
	     "clock_gettime on the clock id of a closed fd");
	CASE(0, syscall(SYS_clock_getres, clk(fd), zero(sizeof(*tp))), "clock_getres valid");
	CHECK(tp->tv_sec == 0 && tp->tv_nsec == 1, "clock_getres: 1 ns");
	CASE(0, syscall(SYS_clock_getres, clk(fd), NULL), "clock_getres NULL (allowed)");
	CASE(EFAULT, syscall(SYS_clock_getres, clk(fd), ro0), "clock_getres into a read-only page");
	CASE(EINVAL, syscall(SYS_clock_getres, clk(nullfd), good), "clock_getres on /dev/null's id");

	CASE(EOPNOTSUPP, csettime(fd, time(NULL), 0), "clock_settime now (read-only clock)");
	CASE(EOPNOTSUPP, csettime(fd, 0, 0), "clock_settime 0");
	CASE(EOPNOTSUPP, csettime(fd, TIME_SETTOD_SEC_MAX - 1, 999999999),
	     "clock_settime just below TIME_SETTOD_SEC_MAX");
	CASE(EINVAL, csettime(fd, TIME_SETTOD_SEC_MAX, 0),
	     "clock_settime TIME_SETTOD_SEC_MAX (valid_strict, not valid_settod)");
	CASE(EINVAL, csettime(fd, KTIME_SEC_MAX, 0), "clock_settime KTIME_SEC_MAX");
	CASE(EINVAL, csettime(fd, 1, 1000000000), "clock_settime nsec 1e9");
	CASE(EINVAL, csettime(fd, 1, -1), "clock_settime nsec -1");
	CASE(EINVAL, csettime(fd, -1, 0), "clock_settime sec -1");
	CASE(EACCES, csettime(rofd, time(NULL), 0), "clock_settime on an O_RDONLY fd");
	CASE(EINVAL, csettime(rofd, 1, 1000000000),
	     "clock_settime nsec 1e9 on an O_RDONLY fd (validity checked first)");
	CASE(EINVAL, csettime(nullfd, 1, 0), "clock_settime on /dev/null's id");
	CASE(EFAULT, syscall(SYS_clock_settime, clk(fd), NULL), "clock_settime NULL");
	CASE(EFAULT, syscall(SYS_clock_settime, clk(fd), unmapped), "clock_settime unmapped pointer");
	CASE(EOPNOTSUPP, syscall(SYS_clock_settime, clk(fd), ro0),
	     "clock_settime from a read-only page (0)");

	CASE(0, adj(fd, 0, 0, 0, 12345, 0), "clock_adjtime modes 0 (read)");
	CASE(0, (memset(txp, 0, sizeof(*txp)), txp->freq = 777, cadjtime(fd, txp)),
	     "clock_adjtime modes 0 again");
	CHECK(txp->freq == 0, "clock_adjtime modes 0 returns freq 0 (never dialed)");
	CASE(0, adj(rofd, 0, 0, 0, 0, 0), "clock_adjtime modes 0 on an O_RDONLY fd");
	CASE(EFAULT, cadjtime(fd, NULL), "clock_adjtime NULL");
	CASE(EFAULT, cadjtime(fd, (void *)unmapped), "clock_adjtime unmapped pointer");
	CASE(EFAULT, cadjtime(fd, (void *)ro0), "clock_adjtime modes 0 in a read-only page (copy back)");
	CASE(EFAULT, cadjtime(fd, (void *)straddle(sizeof(struct timex))),
	     "clock_adjtime buffer crossing into an unmapped page");
	CASE(EOPNOTSUPP, adj(fd, ADJ_SETOFFSET | ADJ_NANO, 1, 0, 0, 0), "clock_adjtime ADJ_SETOFFSET +1 s");
	CASE(EOPNOTSUPP, adj(fd, ADJ_SETOFFSET | ADJ_NANO, -1, 999999999, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET -1 ns");
	CASE(EOPNOTSUPP, adj(fd, ADJ_SETOFFSET, 0, 999999, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET 999999 us (no ADJ_NANO)");
	CASE(EOPNOTSUPP, adj(fd, ADJ_SETOFFSET | ADJ_NANO, 0, 0, 0, 0), "clock_adjtime ADJ_SETOFFSET 0");
	CASE(EINVAL, adj(fd, ADJ_SETOFFSET, 0, 1000000, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET usec 1000000");
	CASE(EINVAL, adj(fd, ADJ_SETOFFSET | ADJ_NANO, 0, 1000000000, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET nsec 1e9");
	CASE(EINVAL, adj(fd, ADJ_SETOFFSET | ADJ_NANO, 0, -1, 0, 0), "clock_adjtime ADJ_SETOFFSET nsec -1");
	CASE(EINVAL, adj(fd, ADJ_SETOFFSET | ADJ_NANO, -(long long)time(NULL) - 86400 * 365, 0, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET to before 1970");
	CASE(EINVAL, adj(fd, ADJ_SETOFFSET | ADJ_NANO, TIME_SETTOD_SEC_MAX, 0, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET past TIME_SETTOD_SEC_MAX");
	CASE(EACCES, adj(rofd, ADJ_SETOFFSET | ADJ_NANO, 1, 0, 0, 0),
	     "clock_adjtime ADJ_SETOFFSET on an O_RDONLY fd");
	CASE(EOPNOTSUPP, adj(fd, ADJ_FREQUENCY, 0, 0, 0, 0), "clock_adjtime ADJ_FREQUENCY 0");
	CASE(EOPNOTSUPP, adj(fd, ADJ_FREQUENCY, 0, 0, 64, 0),
	     "clock_adjtime ADJ_FREQUENCY 64 (0 ppb after scaling)");
	CASE(EOPNOTSUPP, adj(fd, ADJ_FREQUENCY, 0, 0, -1, 0),
	     "clock_adjtime ADJ_FREQUENCY -1 (0 ppb after scaling)");
	CASE(ERANGE, adj(fd, ADJ_FREQUENCY, 0, 0, 65, 0),
	     "clock_adjtime ADJ_FREQUENCY 65 (1 ppb > max_adj 0)");
	CASE(ERANGE, adj(fd, ADJ_FREQUENCY, 0, 0, -2, 0),
	     "clock_adjtime ADJ_FREQUENCY -2 (-1 ppb)");
	CASE(ERANGE, adj(fd, ADJ_FREQUENCY, 0, 0, 65536, 0), "clock_adjtime ADJ_FREQUENCY +1 ppm");
	CASE(ERANGE, adj(fd, ADJ_FREQUENCY, 0, 0, -65536LL * 500, 0),
	     "clock_adjtime ADJ_FREQUENCY -500 ppm");
	CASE(ERANGE, adj(fd, ADJ_FREQUENCY, 0, 0, LLONG_MAX, 0),
	     "clock_adjtime ADJ_FREQUENCY LLONG_MAX (overflow check)");
	CASE(ERANGE, adj(fd, ADJ_FREQUENCY, 0, 0, LLONG_MIN, 0),
	     "clock_adjtime ADJ_FREQUENCY LLONG_MIN");
	CASE(EACCES, adj(rofd, ADJ_FREQUENCY, 0, 0, 0, 0), "clock_adjtime ADJ_FREQUENCY on an O_RDONLY fd");
	CASE(EOPNOTSUPP, adj(fd, ADJ_OFFSET | ADJ_NANO, 0, 0, 0, 100),
	     "clock_adjtime ADJ_OFFSET (no adjphase)");
	CASE(EOPNOTSUPP, adj(fd, ADJ_SETOFFSET | ADJ_FREQUENCY | ADJ_NANO, 1, 0, 65536, 0),
	     "clock_adjtime ADJ_SETOFFSET|ADJ_FREQUENCY (offset branch)");
	CASE(EOPNOTSUPP, adj(fd, ADJ_STATUS, 0, 0, 0, 0), "clock_adjtime ADJ_STATUS");
	CASE(EOPNOTSUPP, adj(fd, ADJ_TICK | ADJ_MAXERROR | ADJ_ESTERROR | ADJ_TAI, 0, 0, 0, 0),
	     "clock_adjtime ADJ_TICK|ADJ_MAXERROR|ADJ_ESTERROR|ADJ_TAI");
	CASE(EOPNOTSUPP, adj(fd, ADJ_OFFSET_SS_READ, 0, 0, 0, 0), "clock_adjtime ADJ_OFFSET_SS_READ");
	CASE(EINVAL, adj(nullfd, 0, 0, 0, 0, 0), "clock_adjtime on /dev/null's id");
}

/* The sysfs side of ->enable: hidden on a clock without channels or PPS, beside a
 * clock_name that is there (so the directory is the right one). */
static void sysfs_cases(const char *dev)
{
	static const char *const hidden[] = { "extts_enable", "fifo", "period", "pps_enable" };
	const char *base = strrchr(dev, '/');
	char path[160];
	unsigned int k;

	base = base ? base + 1 : dev;
	snprintf(path, sizeof(path), "/sys/class/ptp/%s/clock_name", base);
	CASE(0, access(path, R_OK), "sysfs %s/clock_name present", base);
	for (k = 0; k < sizeof(hidden) / sizeof(hidden[0]); k++) {
		snprintf(path, sizeof(path), "/sys/class/ptp/%s/%s", base, hidden[k]);
		CASE(ENOENT, access(path, F_OK), "sysfs %s/%s hidden (no channels, no PPS)", base,
		     hidden[k]);
	}
}

/* The closing check: a valid PTP_SYS_OFFSET still works and looks sane. */
static void final_check(void)
{
	struct ptp_sys_offset so;
	unsigned int i;
	int ok;
	long r;

	if (dry) {
		ntest += 2;
		return;
	}
	memset(&so, 0, sizeof(so));
	so.n_samples = 5;
	r = ioctl(fd, PTP_SYS_OFFSET, &so);
	report(0, r < 0 ? errno : 0, "afterwards a valid PTP_SYS_OFFSET (5 samples) still works");
	ok = r == 0;
	for (i = 0; ok && i <= 2 * so.n_samples; i++)
		ok = so.ts[i].nsec < 1000000000 && so.ts[i].sec > 0;
	for (i = 0; ok && i < so.n_samples; i++)
		ok = (int64_t)so.ts[2 * i + 2].sec * 1000000000 + so.ts[2 * i + 2].nsec >=
		     (int64_t)so.ts[2 * i].sec * 1000000000 + so.ts[2 * i].nsec;
	report(0, ok ? 0 : EBADE,
	       "afterwards: 11 timestamps, nsec < 1e9, system times non-decreasing");
}

static void *map(int prot, int fill3)
{
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("ptpbad: mmap");
		exit(2);
	}
	if (fill3)
		*(unsigned int *)p = 3;
	if (mprotect(p, pg, prot)) {
		perror("ptpbad: mprotect");
		exit(2);
	}
	return p;
}

/* The clock_name of /dev/ptpN, or the path. */
static void set_prefix(const char *dev)
{
	const char *base = strrchr(dev, '/');
	char path[128], name[40] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/ptp/%s/clock_name", base ? base + 1 : dev);
	f = fopen(path, "r");
	if (f) {
		if (fgets(name, sizeof(name), f))
			name[strcspn(name, "\n")] = 0;
		fclose(f);
	}
	snprintf(prefix, sizeof(prefix), "%s: ", name[0] ? name : dev);
}

static void device(const char *dev, int noext)
{
	int e = 0;

	set_prefix(dev);
	if (!dry) {
		fd = open(dev, O_RDWR);
		if (fd < 0)
			e = errno;
		rofd = open(dev, O_RDONLY);
		if (rofd < 0 && !e)
			e = errno;
		printf("# %s%s%s\n", prefix, dev,
		       noext ? " (-E: no gettimex64, EXTENDED is EOPNOTSUPP)" : "");
		report(0, e, "%s opens O_RDWR and O_RDONLY", dev);
	} else {
		ntest++;
	}
	cases(noext);
	sysfs_cases(dev);
	final_check();
	if (!dry) {
		close(fd);
		close(rofd);
	}
}

int main(int argc, char **argv)
{
	int a, noext, ndev = 0;

	for (a = 1; a < argc; a++)
		if (strcmp(argv[a], "-E"))
			ndev++;
	if (!ndev || !strcmp(argv[argc - 1], "-E")) {
		fprintf(stderr, "usage: ptpbad [-E] /dev/ptpN [[-E] /dev/ptpM]...\n");
		return 2;
	}
	pg = sysconf(_SC_PAGESIZE);
	nullfd = open("/dev/null", O_RDWR);
	good = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro0 = map(PROT_READ, 0);
	ro3 = map(PROT_READ, 1);
	/* Unmap last: a later mapping could land in the holes. */
	if (nullfd < 0 || good == MAP_FAILED || unmapped == MAP_FAILED || edge == MAP_FAILED ||
	    munmap(unmapped, 2 * pg) || munmap(edge + pg, pg)) {
		perror("ptpbad: setup");
		return 2;
	}
	/* The holes must really be unmapped (mincore fails with ENOMEM there). */
	{
		unsigned char vec[2];

		if (mincore(unmapped, 2 * pg, vec) != -1 || errno != ENOMEM ||
		    mincore(edge + pg, pg, vec) != -1 || errno != ENOMEM) {
			fprintf(stderr, "ptpbad: the unmapped test pages are mapped\n");
			return 2;
		}
	}

	{
		struct utsname u;
		int maj = 0, min = 0;

		if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2) {
			fprintf(stderr, "ptpbad: cannot parse the kernel release\n");
			return 2;
		}
		if (maj < 6 || (maj == 6 && min < 13))
			cycles_err = ENOTTY;
	}

	for (dry = 1; dry >= 0; dry--) {
		if (!dry)
			printf("TAP version 13\n1..%d\n", ntest);
		ntest = 0;
		for (a = 1, noext = 0; a < argc; a++) {
			if (!strcmp(argv[a], "-E")) {
				noext = 1;
				continue;
			}
			device(argv[a], noext);
			noext = 0;
		}
	}
	printf("# ptpbad: %d cases, %d failed\n", ntest, nfail);
	return nfail ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ptpfuzz: a bounded random fuzzer of the PTP character device and its posix clock,
 * for a read-only PHC without pins, alarms, external timestamps, periodic outputs or PPS
 * (ptp_vmclock_rs, C ptp_kvm). Runs in the test guest.
 *
 *   ptpfuzz DEV SEED N [MAXSECS]
 *
 * Prints the seed first, then issues N random requests (or as many as fit in MAXSECS,
 * a prefix of the same sequence): any PTP ioctl number (the *2 variants included) or a
 * random '=' number (random direction, number, size; one that equals a known request
 * counts as that request), with random buffer contents and n_samples, through a valid
 * buffer, NULL, an unmapped address, a read-only page, a buffer that runs into an
 * unmapped page or a kernel address, on an O_RDWR or O_RDONLY file; and clock_gettime,
 * clock_getres, clock_settime, clock_adjtime on FD_TO_CLOCKID(fd) with random
 * arguments. It never reads or polls the device (both may block).
 *
 * Fails (exit 1) when a call that must not succeed succeeds: any set or adjustment
 * (clock_settime; clock_adjtime with modes != 0), EXTTS/PEROUT/PPS/PIN requests and the
 * *_CYCLES requests on this pinless, cycle-less clock, unknown numbers, any request
 * through an invalid pointer, SYS_OFFSET* / EXTENDED* with n_samples > 25, EXTENDED*
 * with reserved fields or a clock id other than REALTIME/MONOTONIC/MONOTONIC_RAW; when a
 * successful read returns a nanosecond field outside [0, 1e9) or capabilities other than
 * a read-only pinless clock's; when a call fails with an errno none of the kernel's PTP
 * paths returns for bad arguments (anything but EFAULT EINVAL ENOTTY EOPNOTSUPP EACCES
 * ERANGE: e.g. EIO from a failed host read); or when at the end the clock does not read,
 * or its offset to CLOCK_REALTIME moved by more than 5 ms (a set/adjust took effect).
 * Counts outcomes per (request, errno). Exit 2 on usage or setup errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/ptp_clock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define CLOCKFD 3
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | CLOCKFD))
#define KERNEL_PTR ((void *)0xffffffff81000000UL)
#define MAX_ERRNO 134

enum op {
	OP_GETCAPS, OP_GETCAPS2, OP_EXTTS, OP_EXTTS2, OP_PEROUT, OP_PEROUT2, OP_PPS, OP_PPS2,
	OP_SYSOFF, OP_SYSOFF2, OP_PINGET, OP_PINGET2, OP_PINSET, OP_PINSET2, OP_PRECISE,
	OP_PRECISE2, OP_EXT, OP_EXT2, OP_MASKCLR, OP_MASKEN, OP_PRECISE_CYC, OP_EXT_CYC,
	OP_UNKNOWN, OP_GETTIME, OP_GETRES, OP_SETTIME, OP_ADJTIME, OP_N
};

static const struct {
	unsigned long cmd;
	const char *name;
} ops[OP_N] = {
	[OP_GETCAPS] = { PTP_CLOCK_GETCAPS, "PTP_CLOCK_GETCAPS" },
	[OP_GETCAPS2] = { PTP_CLOCK_GETCAPS2, "PTP_CLOCK_GETCAPS2" },
	[OP_EXTTS] = { PTP_EXTTS_REQUEST, "PTP_EXTTS_REQUEST" },
	[OP_EXTTS2] = { PTP_EXTTS_REQUEST2, "PTP_EXTTS_REQUEST2" },
	[OP_PEROUT] = { PTP_PEROUT_REQUEST, "PTP_PEROUT_REQUEST" },
	[OP_PEROUT2] = { PTP_PEROUT_REQUEST2, "PTP_PEROUT_REQUEST2" },
	[OP_PPS] = { PTP_ENABLE_PPS, "PTP_ENABLE_PPS" },
	[OP_PPS2] = { PTP_ENABLE_PPS2, "PTP_ENABLE_PPS2" },
	[OP_SYSOFF] = { PTP_SYS_OFFSET, "PTP_SYS_OFFSET" },
	[OP_SYSOFF2] = { PTP_SYS_OFFSET2, "PTP_SYS_OFFSET2" },
	[OP_PINGET] = { PTP_PIN_GETFUNC, "PTP_PIN_GETFUNC" },
	[OP_PINGET2] = { PTP_PIN_GETFUNC2, "PTP_PIN_GETFUNC2" },
	[OP_PINSET] = { PTP_PIN_SETFUNC, "PTP_PIN_SETFUNC" },
	[OP_PINSET2] = { PTP_PIN_SETFUNC2, "PTP_PIN_SETFUNC2" },
	[OP_PRECISE] = { PTP_SYS_OFFSET_PRECISE, "PTP_SYS_OFFSET_PRECISE" },
	[OP_PRECISE2] = { PTP_SYS_OFFSET_PRECISE2, "PTP_SYS_OFFSET_PRECISE2" },
	[OP_EXT] = { PTP_SYS_OFFSET_EXTENDED, "PTP_SYS_OFFSET_EXTENDED" },
	[OP_EXT2] = { PTP_SYS_OFFSET_EXTENDED2, "PTP_SYS_OFFSET_EXTENDED2" },
	[OP_MASKCLR] = { PTP_MASK_CLEAR_ALL, "PTP_MASK_CLEAR_ALL" },
	[OP_MASKEN] = { PTP_MASK_EN_SINGLE, "PTP_MASK_EN_SINGLE" },
	[OP_PRECISE_CYC] = { PTP_SYS_OFFSET_PRECISE_CYCLES, "PTP_SYS_OFFSET_PRECISE_CYCLES" },
	[OP_EXT_CYC] = { PTP_SYS_OFFSET_EXTENDED_CYCLES, "PTP_SYS_OFFSET_EXTENDED_CYCLES" },
	[OP_UNKNOWN] = { 0, "unknown '=' ioctl" },
	[OP_GETTIME] = { 0, "clock_gettime" },
	[OP_GETRES] = { 0, "clock_getres" },
	[OP_SETTIME] = { 0, "clock_settime" },
	[OP_ADJTIME] = { 0, "clock_adjtime" },
};

enum ptrkind { P_GOOD, P_NULL, P_UNMAPPED, P_RO, P_STRADDLE, P_KERNEL, P_N };
static const char *const ptrnames[P_N] = { "buffer", "NULL", "unmapped", "read-only page",
					   "buffer into unmapped page", "kernel address" };

static uint64_t rng;
static long pg;
static char *good, *unmapped, *ro, *edge;
static int fd, rofd;
static long counts[OP_N][MAX_ERRNO + 1];
static long violations, calls, host_calls;

/* splitmix64 */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static int chance(unsigned int percent)
{
	return below(100) < percent;
}

/* Random bytes, 8 at a time (n a multiple of 8). */
static void fill(void *p, size_t n)
{
	uint64_t *q = p;
	size_t i;

	for (i = 0; i < n / 8; i++)
		q[i] = rnd();
}

/* The largest request structure (PTP_SYS_OFFSET_EXTENDED, 1216 bytes), rounded up. */
#define FILL_SIZE 1280

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void violation(long i, const char *op, const char *ptr, int f, const char *what)
{
	violations++;
	if (violations <= 20)
		printf("VIOLATION call %ld: %s via %s on an %s fd: %s\n", i, op, ptr,
		       f == rofd ? "O_RDONLY" : "O_RDWR", what);
}

/* A random n_samples: mostly small (each sample is one host read), sometimes too big. */
static unsigned int rnd_samples(void)
{
	unsigned int r = below(100);

	if (r < 55)
		return below(4);
	if (r < 80)
		return 4 + below(PTP_MAX_SAMPLES - 3);
	if (r < 92)
		return PTP_MAX_SAMPLES + 1 + below(10);
	return (unsigned int)rnd();
}

static int rnd_clockid(void)
{
	static const int ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW };
	unsigned int r = below(100);

	if (r < 75)
		return ids[below(3)];
	if (r < 90)
		return (int)below(32);
	return (int)rnd();
}

static long long rnd_sec(void)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return time(NULL);
	case 2: return -1 - (long long)below(1000);
	case 3: return 9223372036LL - below(3);
	case 4: return (long long)below(100);
	default: return (long long)rnd();
	}
}

static long long rnd_nsec(void)
{
	switch (below(5)) {
	case 0: return 0;
	case 1: return 999999999;
	case 2: return 1000000000 + below(10);
	case 3: return -1 - (long long)below(10);
	default: return (long long)(rnd() % 2000000000ULL) - 500000000;
	}
}

static unsigned int rnd_modes(void)
{
	static const unsigned int m[] = { ADJ_OFFSET, ADJ_FREQUENCY, ADJ_MAXERROR, ADJ_ESTERROR,
					  ADJ_STATUS, ADJ_TIMECONST, ADJ_TAI, ADJ_SETOFFSET,
					  ADJ_MICRO, ADJ_NANO, ADJ_TICK, ADJ_OFFSET_SINGLESHOT,
					  ADJ_OFFSET_SS_READ };
	unsigned int r = below(100), modes = 0, i;

	if (r < 10)
		return 0;
	if (r < 70) {
		for (i = 0; i < 1 + below(3); i++)
			modes |= m[below(sizeof(m) / sizeof(m[0]))];
		return modes;
	}
	return (unsigned int)rnd();
}

/* A pointer of the given kind for a struct of size n. */
static void *ptr_of(enum ptrkind k, size_t n)
{
	switch (k) {
	case P_GOOD: return good;
	case P_NULL: return NULL;
	case P_UNMAPPED: return unmapped + below((unsigned int)pg);
	case P_RO: return ro;
	case P_STRADDLE: return edge + pg - n + 1 + below(n > 1 ? (unsigned int)n - 1 : 1);
	default: return KERNEL_PTR;
	}
}

static enum ptrkind rnd_ptrkind(void)
{
	unsigned int r = below(100);

	if (r < 75)
		return P_GOOD;
	return (enum ptrkind)(1 + below(P_N - 1));
}

static int nsec_ok(const struct ptp_clock_time *t)
{
	return t->nsec < 1000000000u;
}

static size_t ioc_size(unsigned long cmd)
{
	return _IOC_SIZE(cmd) ? _IOC_SIZE(cmd) : 64;
}

/* The op a raw '=' command stands for (OP_UNKNOWN if none). */
static enum op classify(unsigned long cmd)
{
	int i;

	for (i = 0; i < OP_UNKNOWN; i++)
		if (ops[i].cmd == cmd)
			return (enum op)i;
	return OP_UNKNOWN;
}

/* Fill the valid buffer with request-specific random contents. */
static void prepare(enum op o, unsigned int *ns, int *cid, int *rsvset)
{
	struct ptp_sys_offset *so = (void *)good;
	struct ptp_sys_offset_extended *eo = (void *)good;
	struct ptp_extts_request *xr = (void *)good;
	struct ptp_perout_request *pr = (void *)good;
	struct ptp_pin_desc *pd = (void *)good;

	fill(good, FILL_SIZE);
	switch (o) {
	case OP_SYSOFF:
	case OP_SYSOFF2:
		so->n_samples = rnd_samples();
		*ns = so->n_samples;
		break;
	case OP_EXT:
	case OP_EXT2:
	case OP_EXT_CYC:
		eo->n_samples = rnd_samples();
		eo->clockid = rnd_clockid();
		if (chance(80))
			eo->rsv[0] = eo->rsv[1] = 0;
		*ns = eo->n_samples;
		*cid = eo->clockid;
		*rsvset = eo->rsv[0] || eo->rsv[1];
		break;
	case OP_EXTTS:
	case OP_EXTTS2:
		xr->index = chance(70) ? below(4) : (unsigned int)rnd();
		xr->flags = chance(50) ? below(32) : (unsigned int)rnd();
		if (chance(70))
			xr->rsv[0] = xr->rsv[1] = 0;
		break;
	case OP_PEROUT:
	case OP_PEROUT2:
		pr->index = chance(70) ? below(4) : (unsigned int)rnd();
		pr->flags = chance(60) ? below(8) : (unsigned int)rnd();
		if (chance(50))
			memset(pr->rsv, 0, sizeof(pr->rsv));
		if (chance(50)) {
			pr->period.sec = below(3);
			pr->period.nsec = below(1000000000);
			pr->start.nsec = below(1000000000);
		}
		break;
	case OP_PINGET:
	case OP_PINGET2:
	case OP_PINSET:
	case OP_PINSET2:
		pd->index = chance(70) ? below(4) : (unsigned int)rnd();
		pd->func = chance(70) ? below(5) : (unsigned int)rnd();
		pd->chan = chance(70) ? below(4) : (unsigned int)rnd();
		if (chance(60))
			memset(pd->rsv, 0, sizeof(pd->rsv));
		break;
	case OP_MASKEN:
		*(unsigned int *)good = chance(60) ? below(2100) : (unsigned int)rnd();
		break;
	default:
		break;
	}
}

static long fuzz_one(long i)
{
	enum op o = (enum op)below(OP_N);
	enum ptrkind pk = rnd_ptrkind();
	int f = chance(85) ? fd : rofd, cid = 0, rsvset = 0, e, may_succeed = 1;
	unsigned int ns = 0;
	unsigned long cmd = 0;
	char what[160] = "";
	void *p;
	long r;

	if (o == OP_UNKNOWN) {
		unsigned int nr = chance(50) ? below(32) : below(256);
		unsigned int dir = below(4), size = chance(50) ? below(64) * 8 : below(1 << 14);

		cmd = _IOC(dir, PTP_CLK_MAGIC, nr, size);
		o = classify(cmd);
	} else if (o < OP_UNKNOWN) {
		cmd = ops[o].cmd;
	}
	prepare(o, &ns, &cid, &rsvset);
	errno = 0;
	switch (o) {
	case OP_GETTIME:
	case OP_GETRES:
		p = ptr_of(pk, sizeof(struct timespec));
		r = syscall(o == OP_GETTIME ? SYS_clock_gettime : SYS_clock_getres,
			    FD_TO_CLOCKID(f), p);
		if (o == OP_GETTIME)
			host_calls++;
		if (!r && pk == P_GOOD) {
			struct timespec *t = (void *)good;

			if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
				snprintf(what, sizeof(what), "tv_nsec %ld", t->tv_nsec);
			if (o == OP_GETRES && (t->tv_sec != 0 || t->tv_nsec != 1))
				snprintf(what, sizeof(what), "resolution %lld.%09ld",
					 (long long)t->tv_sec, t->tv_nsec);
		}
		/* clock_getres accepts NULL. */
		may_succeed = pk == P_GOOD || (o == OP_GETRES && pk == P_NULL);
		break;
	case OP_SETTIME: {
		struct timespec *t = (void *)good;

		t->tv_sec = rnd_sec();
		t->tv_nsec = rnd_nsec();
		p = ptr_of(pk, sizeof(*t));
		r = syscall(SYS_clock_settime, FD_TO_CLOCKID(f), p);
		may_succeed = 0;
		break;
	}
	case OP_ADJTIME: {
		struct timex *tx = (void *)good;

		tx->modes = rnd_modes();
		tx->time.tv_sec = rnd_sec();
		tx->time.tv_usec = rnd_nsec();
		if (chance(50))
			tx->freq = (long)(rnd() % 200000) - 100000;
		p = ptr_of(pk, sizeof(*tx));
		if (pk == P_RO)
			tx = (void *)ro;
		r = syscall(SYS_clock_adjtime, FD_TO_CLOCKID(f), p);
		/* Only a read (modes 0) may succeed, and only through a writable buffer. */
		may_succeed = pk == P_GOOD && tx->modes == 0;
		if (tx->modes & (ADJ_SETOFFSET))
			host_calls++;
		break;
	}
	case OP_PPS:
	case OP_PPS2:
		r = ioctl(f, cmd, chance(50) ? (unsigned long)below(3) : (unsigned long)rnd());
		may_succeed = 0;
		break;
	case OP_MASKCLR:
		r = ioctl(f, cmd, ptr_of(pk, 4));
		break;
	default: {
		size_t size = ioc_size(cmd);

		p = ptr_of(pk, size);
		r = ioctl(f, cmd, p);
		switch (o) {
		case OP_GETCAPS:
		case OP_GETCAPS2:
		case OP_PRECISE:
		case OP_PRECISE2:
			may_succeed = pk == P_GOOD;
			if (o == OP_PRECISE || o == OP_PRECISE2)
				host_calls++;
			break;
		case OP_SYSOFF:
		case OP_SYSOFF2:
			may_succeed = (pk == P_GOOD) && ns <= PTP_MAX_SAMPLES;
			if (may_succeed)
				host_calls += ns;
			break;
		case OP_EXT:
		case OP_EXT2:
			may_succeed = pk == P_GOOD && ns <= PTP_MAX_SAMPLES && !rsvset &&
				      (cid == CLOCK_REALTIME || cid == CLOCK_MONOTONIC ||
				       cid == CLOCK_MONOTONIC_RAW);
			if (may_succeed)
				host_calls += ns;
			break;
		case OP_MASKEN:
			/* _IOW: a read-only page is fine; the channel must be < 2048. */
			may_succeed = pk == P_GOOD || pk == P_RO;
			break;
		default:
			/* EXTTS, PEROUT, PIN, *_CYCLES, unknown: never. */
			may_succeed = 0;
		}
		if (!r) {
			struct ptp_clock_caps *c = (void *)good;
			struct ptp_sys_offset *so = (void *)good;
			struct ptp_sys_offset_extended *eo = (void *)good;
			struct ptp_sys_offset_precise *sp = (void *)good;
			unsigned int k;

			switch (o) {
			case OP_GETCAPS:
			case OP_GETCAPS2:
				if (c->max_adj || c->n_alarm || c->n_ext_ts || c->n_per_out ||
				    c->pps || c->n_pins || c->adjust_phase)
					snprintf(what, sizeof(what), "caps of a steerable or pinned clock");
				break;
			case OP_SYSOFF:
			case OP_SYSOFF2:
				for (k = 0; k <= 2 * so->n_samples && k < 2 * PTP_MAX_SAMPLES + 1; k++)
					if (!nsec_ok(&so->ts[k]))
						snprintf(what, sizeof(what), "ts[%u].nsec %u", k,
							 so->ts[k].nsec);
				break;
			case OP_EXT:
			case OP_EXT2:
				for (k = 0; k < eo->n_samples && k < PTP_MAX_SAMPLES; k++)
					if (!nsec_ok(&eo->ts[k][0]) || !nsec_ok(&eo->ts[k][1]) ||
					    !nsec_ok(&eo->ts[k][2]))
						snprintf(what, sizeof(what), "sample %u nsec out of range", k);
				break;
			case OP_PRECISE:
			case OP_PRECISE2:
				if (!nsec_ok(&sp->device) || !nsec_ok(&sp->sys_realtime) ||
				    !nsec_ok(&sp->sys_monoraw))
					snprintf(what, sizeof(what), "nsec out of range (device %u)",
						 sp->device.nsec);
				break;
			default:
				break;
			}
		}
		break;
	}
	}
	e = r < 0 ? errno : 0;
	counts[o][e > MAX_ERRNO ? MAX_ERRNO : e]++;
	calls++;
	if (!e && !may_succeed) {
		char buf[200];

		snprintf(buf, sizeof(buf), "succeeded but must not (cmd 0x%lx)", cmd);
		violation(i, ops[o].name, ptrnames[pk], f, buf);
	} else if (what[0]) {
		violation(i, ops[o].name, ptrnames[pk], f, what);
	} else if (e && e != EFAULT && e != EINVAL && e != ENOTTY && e != EOPNOTSUPP &&
		   e != EACCES && e != ERANGE) {
		char buf[200];

		snprintf(buf, sizeof(buf), "unexpected errno %d (%s)", e, strerror(e));
		violation(i, ops[o].name, ptrnames[pk], f, buf);
	}
	return r;
}

/* offset = PHC - CLOCK_REALTIME at the middle of the narrowest of 5 PTP_SYS_OFFSET
 * brackets; -1 on error. */
static int offset_ns(int64_t *off)
{
	struct ptp_sys_offset so;
	int64_t w = INT64_MAX;
	unsigned int i;

	memset(&so, 0, sizeof(so));
	so.n_samples = 5;
	if (ioctl(fd, PTP_SYS_OFFSET, &so))
		return -1;
	for (i = 0; i < so.n_samples; i++) {
		int64_t t1 = so.ts[2 * i].sec * 1000000000LL + so.ts[2 * i].nsec;
		int64_t p = so.ts[2 * i + 1].sec * 1000000000LL + so.ts[2 * i + 1].nsec;
		int64_t t2 = so.ts[2 * i + 2].sec * 1000000000LL + so.ts[2 * i + 2].nsec;

		if (!nsec_ok(&so.ts[2 * i + 1]))
			return -1;
		if (t2 - t1 < w) {
			w = t2 - t1;
			*off = p - (t1 + (t2 - t1) / 2);
		}
	}
	return 0;
}

static void *map(int prot, int randomise)
{
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("ptpfuzz: mmap");
		exit(2);
	}
	if (randomise)
		fill(p, (size_t)pg);
	if (mprotect(p, pg, prot)) {
		perror("ptpfuzz: mprotect");
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	int64_t off0 = 0, off1 = 0, d;
	double t0, maxsecs = 0, el;
	unsigned long long seed;
	struct timespec ts;
	long n, i;
	int o, e, bad = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: ptpfuzz DEV SEED N [MAXSECS]\n");
		return 2;
	}
	seed = strtoull(argv[2], NULL, 0);
	n = atol(argv[3]);
	if (argc == 5)
		maxsecs = atof(argv[4]);
	printf("ptpfuzz: seed %llu, %ld requests%s%s on %s\n", seed, n,
	       maxsecs > 0 ? ", at most (s) " : "", maxsecs > 0 ? argv[4] : "", argv[1]);
	fflush(stdout);
	rng = seed;
	pg = sysconf(_SC_PAGESIZE);
	fd = open(argv[1], O_RDWR);
	rofd = open(argv[1], O_RDONLY);
	if (fd < 0 || rofd < 0) {
		fprintf(stderr, "ptpfuzz: open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	good = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = map(PROT_READ, 1);
	/* Unmap last: a later mapping could land in the holes. */
	if (good == MAP_FAILED || unmapped == MAP_FAILED || edge == MAP_FAILED ||
	    munmap(unmapped, 2 * pg) || munmap(edge + pg, pg)) {
		perror("ptpfuzz: mmap");
		return 2;
	}
	/* The holes must really be unmapped (mincore fails with ENOMEM there). */
	{
		unsigned char vec[2];

		if (mincore(unmapped, 2 * pg, vec) != -1 || errno != ENOMEM ||
		    mincore(edge + pg, pg, vec) != -1 || errno != ENOMEM) {
			fprintf(stderr, "ptpfuzz: the unmapped test pages are mapped\n");
			return 2;
		}
	}
	if (offset_ns(&off0)) {
		printf("ptpfuzz: the clock does not read before fuzzing: %s\n", strerror(errno));
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		fuzz_one(i);
		if (maxsecs > 0 && (i & 63) == 63 && now() - t0 > maxsecs) {
			i++;
			printf("ptpfuzz: time limit reached\n");
			break;
		}
	}
	el = now() - t0;
	for (o = 0; o < OP_N; o++) {
		char line[1024];
		int len = 0;
		long tot = 0;

		for (e = 0; e <= MAX_ERRNO; e++) {
			if (!counts[o][e])
				continue;
			tot += counts[o][e];
			len += snprintf(line + len, sizeof(line) - len, " %s %ld",
					!e ? "ok" : strerrorname_np(e) ? strerrorname_np(e) : "E?",
					counts[o][e]);
			if (len >= (int)sizeof(line))
				break;
		}
		if (tot)
			printf("count %-32s %6ld:%s\n", ops[o].name, tot, line);
	}
	if (offset_ns(&off1)) {
		printf("ptpfuzz: the clock does not read after fuzzing: %s\n", strerror(errno));
		bad = 1;
	} else if (syscall(SYS_clock_gettime, FD_TO_CLOCKID(fd), &ts) || ts.tv_nsec < 0 ||
		   ts.tv_nsec >= 1000000000) {
		printf("ptpfuzz: clock_gettime after fuzzing failed or out of range\n");
		bad = 1;
	}
	d = off1 - off0;
	printf("ptpfuzz: PHC - CLOCK_REALTIME before %" PRId64 " ns, after %" PRId64
	       " ns (moved %" PRId64 " ns)\n", off0, off1, d);
	if (!bad && (d > 5000000 || d < -5000000)) {
		printf("ptpfuzz: the clock's offset moved by more than 5 ms\n");
		bad = 1;
	}
	printf("ptpfuzz: seed %llu: %ld calls fuzzed in %.1f s (about %ld host reads), "
	       "%ld violations\n", seed, calls, el, host_calls, violations);
	return violations || bad ? 1 : 0;
}

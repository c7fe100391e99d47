// SPDX-License-Identifier: GPL-2.0
/*
 * ptpstress: PTP stress helpers for ptp_vmclock's tests (run in the test guest).
 *
 *   ptpstress hammer DEV SECS THREADS [RMMOD_AT MODULE]
 *       THREADS threads, thread i pinned to CPU i, each issuing every PTP request with
 *       valid arguments in a loop for SECS seconds: GETCAPS(2), SYS_OFFSET(2),
 *       SYS_OFFSET_EXTENDED(2), SYS_OFFSET_PRECISE(2), clock_gettime, clock_getres, the
 *       refused clock_settime and clock_adjtime (ADJ_SETOFFSET, ADJ_FREQUENCY 0), the
 *       clock_adjtime read (modes 0), ENABLE_PPS, MASK_CLEAR_ALL, MASK_EN_SINGLE,
 *       EXTTS_REQUEST and PIN_GETFUNC. Every call must give the result of a live
 *       read-only pinless clock (0 or the kernel's refusal) or ENODEV; once a thread saw
 *       ENODEV, every later call must give ENODEV. With RMMOD_AT, the main thread calls
 *       delete_module(MODULE, O_NONBLOCK) (what rmmod does) after RMMOD_AT seconds and
 *       times it; then ENODEV must not come before that call started, every call that
 *       starts after it returned must give ENODEV, and every thread must see ENODEV.
 *   ptpstress watch DEV MAXSECS
 *       one thread reading the PHC in a tight loop (PTP_SYS_OFFSET, _EXTENDED, _PRECISE,
 *       clock_gettime, round robin) until SIGTERM/SIGINT or MAXSECS; prints per request
 *       one line of "key value" pairs: "op NAME n N ok N errors N max_call_us N",
 *       then "ERRNAME N" per errno seen, then (from readings with a system bracket
 *       narrower than 250 us, and PRECISE) the PHC - CLOCK_REALTIME offset range
 *       "off_min_ns off_max_ns off_range_ns off_samples wide"; then every change of
 *       outcome with its time ("event ..."), every call of 1 s or more ("slow": its
 *       CPUs, and how far host time and CLOCK_MONOTONIC advanced since the last PHC
 *       reading: alike if the guest stalled, not if its clock jumped), and "nsec_bad N",
 *       the number of readings whose nanoseconds were outside [0, 1e9). Exit 1 if there were any such readings
 *       or PTP_SYS_OFFSET never worked.
 *
 * Exit status 0 on success, 1 on a failed check, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ptp_clock.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define CLOCKFD 3
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | CLOCKFD))

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int64_t pct_ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * 1000000000LL + t->nsec;
}

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

/* --- hammer ---------------------------------------------------------------------- */

enum hop {
	H_GETCAPS, H_GETCAPS2, H_SYSOFF, H_SYSOFF2, H_EXT, H_EXT2, H_PRECISE, H_PRECISE2,
	H_GETTIME, H_GETRES, H_SETTIME, H_ADJ_OFFSET, H_ADJ_FREQ, H_ADJ_READ, H_PPS,
	H_MASKCLR, H_MASKEN, H_EXTTS, H_PINGET, H_N
};

static const struct {
	const char *name;
	int want; /* result on the live clock */
} hops[H_N] = {
	[H_GETCAPS] = { "PTP_CLOCK_GETCAPS", 0 },
	[H_GETCAPS2] = { "PTP_CLOCK_GETCAPS2", 0 },
	[H_SYSOFF] = { "PTP_SYS_OFFSET", 0 },
	[H_SYSOFF2] = { "PTP_SYS_OFFSET2", 0 },
	[H_EXT] = { "PTP_SYS_OFFSET_EXTENDED", 0 },
	[H_EXT2] = { "PTP_SYS_OFFSET_EXTENDED2", 0 },
	[H_PRECISE] = { "PTP_SYS_OFFSET_PRECISE", 0 },
	[H_PRECISE2] = { "PTP_SYS_OFFSET_PRECISE2", 0 },
	[H_GETTIME] = { "clock_gettime", 0 },
	[H_GETRES] = { "clock_getres", 0 },
	[H_SETTIME] = { "clock_settime", EOPNOTSUPP },
	[H_ADJ_OFFSET] = { "clock_adjtime ADJ_SETOFFSET", EOPNOTSUPP },
	[H_ADJ_FREQ] = { "clock_adjtime ADJ_FREQUENCY 0", EOPNOTSUPP },
	[H_ADJ_READ] = { "clock_adjtime modes 0", 0 },
	[H_PPS] = { "PTP_ENABLE_PPS", EOPNOTSUPP },
	[H_MASKCLR] = { "PTP_MASK_CLEAR_ALL", 0 },
	[H_MASKEN] = { "PTP_MASK_EN_SINGLE", 0 },
	[H_EXTTS] = { "PTP_EXTTS_REQUEST", EINVAL },
	[H_PINGET] = { "PTP_PIN_GETFUNC", EINVAL },
};

static int hfd;
static atomic_int hstop;
static _Atomic int64_t rm_start, rm_done; /* monotonic ns, 0 = not yet */

struct hammer {
	int cpu;
	long ops, live, enodev, wrong;
	int64_t first_enodev, max_lat;
	char first_wrong[160];
};

static int hcall(enum hop o)
{
	union {
		struct ptp_clock_caps caps;
		struct ptp_sys_offset so;
		struct ptp_sys_offset_extended eo;
		struct ptp_sys_offset_precise sp;
		struct ptp_extts_request xr;
		struct ptp_pin_desc pd;
		struct timespec ts;
		struct timex tx;
		unsigned int ch;
	} u;
	clockid_t id = FD_TO_CLOCKID(hfd);
	long r = -1;

	memset(&u, 0, sizeof(u));
	switch (o) {
	case H_GETCAPS: r = ioctl(hfd, PTP_CLOCK_GETCAPS, &u.caps); break;
	case H_GETCAPS2: r = ioctl(hfd, PTP_CLOCK_GETCAPS2, &u.caps); break;
	case H_SYSOFF: u.so.n_samples = 2; r = ioctl(hfd, PTP_SYS_OFFSET, &u.so); break;
	case H_SYSOFF2: u.so.n_samples = 2; r = ioctl(hfd, PTP_SYS_OFFSET2, &u.so); break;
	case H_EXT:
		u.eo.n_samples = 2;
		r = ioctl(hfd, PTP_SYS_OFFSET_EXTENDED, &u.eo);
		break;
	case H_EXT2:
		u.eo.n_samples = 2;
		u.eo.clockid = CLOCK_MONOTONIC_RAW;
		r = ioctl(hfd, PTP_SYS_OFFSET_EXTENDED2, &u.eo);
		break;
	case H_PRECISE: r = ioctl(hfd, PTP_SYS_OFFSET_PRECISE, &u.sp); break;
	case H_PRECISE2: r = ioctl(hfd, PTP_SYS_OFFSET_PRECISE2, &u.sp); break;
	case H_GETTIME: r = syscall(SYS_clock_gettime, id, &u.ts); break;
	case H_GETRES: r = syscall(SYS_clock_getres, id, &u.ts); break;
	case H_SETTIME:
		u.ts.tv_sec = time(NULL);
		r = syscall(SYS_clock_settime, id, &u.ts);
		break;
	case H_ADJ_OFFSET:
		u.tx.modes = ADJ_SETOFFSET | ADJ_NANO;
		u.tx.time.tv_usec = 1;
		r = syscall(SYS_clock_adjtime, id, &u.tx);
		break;
	case H_ADJ_FREQ:
		u.tx.modes = ADJ_FREQUENCY;
		r = syscall(SYS_clock_adjtime, id, &u.tx);
		break;
	case H_ADJ_READ: r = syscall(SYS_clock_adjtime, id, &u.tx); break;
	case H_PPS: r = ioctl(hfd, PTP_ENABLE_PPS, 0); break;
	case H_MASKCLR: r = ioctl(hfd, PTP_MASK_CLEAR_ALL); break;
	case H_MASKEN: r = ioctl(hfd, PTP_MASK_EN_SINGLE, &u.ch); break;
	case H_EXTTS: r = ioctl(hfd, PTP_EXTTS_REQUEST, &u.xr); break;
	case H_PINGET: r = ioctl(hfd, PTP_PIN_GETFUNC, &u.pd); break;
	default: break;
	}
	/* clock_adjtime returns the clock state (>= 0) on success. */
	return r < 0 ? errno : 0;
}

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	cpu_set_t set;
	int o = 0;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		snprintf(h->first_wrong, sizeof(h->first_wrong), "cannot pin to CPU %d", h->cpu);
	while (!atomic_load(&hstop)) {
		int64_t done_before = atomic_load(&rm_done), t0 = mono_ns(), t1;
		int e = hcall((enum hop)o), ok;
		const char *why = "";

		t1 = mono_ns();
		if (t1 - t0 > h->max_lat)
			h->max_lat = t1 - t0;
		h->ops++;
		if (e == ENODEV) {
			h->enodev++;
			if (!h->first_enodev)
				h->first_enodev = t1;
			ok = 1;
			if (!atomic_load(&rm_start)) {
				ok = 0;
				why = "ENODEV before rmmod started";
			}
		} else if (e == hops[o].want) {
			h->live++;
			ok = !h->first_enodev && !done_before;
			why = h->first_enodev ? "worked again after ENODEV" : "worked after rmmod returned";
		} else {
			ok = 0;
			why = "unexpected result";
		}
		if (!ok && !h->wrong++)
			snprintf(h->first_wrong, sizeof(h->first_wrong), "%s: %s (%s, want %s)",
				 hops[o].name, why, ename(e), ename(hops[o].want));
		o = (o + 1) % H_N;
	}
	return NULL;
}

static int hammer(int argc, char **argv)
{
	double secs = atof(argv[3]), rm_at = argc >= 7 ? atof(argv[5]) : -1;
	int n = atoi(argv[4]), i, bad = 0, rm_rc = 0, rm_err = 0;
	struct hammer *h = calloc(n > 0 ? n : 1, sizeof(*h));
	pthread_t *th = calloc(n > 0 ? n : 1, sizeof(*th));
	int64_t t0 = mono_ns(), a = 0, b = 0;
	struct timespec sl;

	if (n <= 0 || secs <= 0 || !h || !th)
		return 2;
	hfd = open(argv[2], O_RDWR);
	if (hfd < 0) {
		fprintf(stderr, "ptpstress: open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		h[i].cpu = i;
		pthread_create(&th[i], NULL, hammer_main, &h[i]);
	}
	if (rm_at >= 0) {
		sl.tv_sec = (time_t)rm_at;
		sl.tv_nsec = (long)((rm_at - (double)sl.tv_sec) * 1e9);
		nanosleep(&sl, NULL);
		a = mono_ns();
		atomic_store(&rm_start, a);
		rm_rc = (int)syscall(SYS_delete_module, argv[6], O_NONBLOCK);
		rm_err = rm_rc ? errno : 0;
		b = mono_ns();
		atomic_store(&rm_done, b);
		printf("rmmod: delete_module(%s) at %.2f s: %s, took %.1f ms\n", argv[6],
		       (a - t0) / 1e9, rm_rc ? strerror(rm_err) : "ok", (b - a) / 1e6);
		fflush(stdout);
		if (rm_rc)
			bad = 1;
	}
	while ((mono_ns() - t0) / 1e9 < secs) {
		sl.tv_sec = 0;
		sl.tv_nsec = 50000000;
		nanosleep(&sl, NULL);
	}
	atomic_store(&hstop, 1);
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		printf("thread %d cpu %d ops %ld live %ld enodev %ld wrong %ld max_call_ms %.1f",
		       i, h[i].cpu, h[i].ops, h[i].live, h[i].enodev, h[i].wrong, h[i].max_lat / 1e6);
		if (h[i].first_enodev && rm_at >= 0)
			printf(" first_enodev_after_rmmod_start_ms %.1f", (h[i].first_enodev - a) / 1e6);
		if (h[i].wrong)
			printf(" first_wrong: %s", h[i].first_wrong);
		printf("\n");
		if (h[i].wrong || !h[i].live || (rm_at >= 0 && !rm_rc && !h[i].enodev))
			bad = 1;
	}
	return bad;
}

/* --- watch ----------------------------------------------------------------------- */

enum wop { W_SYSOFF, W_EXT, W_PRECISE, W_GETTIME, W_N };
static const char *const wnames[W_N] = { "PTP_SYS_OFFSET", "PTP_SYS_OFFSET_EXTENDED",
					 "PTP_SYS_OFFSET_PRECISE", "clock_gettime" };
#define MAXERR 134
/* Offsets count only from brackets narrower than this (half of it bounds their error). */
#define MAX_WIDTH_NS 250000

static volatile sig_atomic_t wstop;

static void on_signal(int sig)
{
	(void)sig;
	wstop = 1;
}

struct wstat {
	long n, ok, err[MAXERR + 1];
	int64_t max_lat, off_min, off_max;
	long off_n, wide;
	int last; /* last outcome: -1 none, 0 ok, else errno */
};

static int watch(char **argv)
{
	double maxsecs = atof(argv[3]);
	struct wstat w[W_N];
	char events[64][160];
	int nev = 0, fd, o, e, i;
	long nsec_bad = 0, more = 0;
	int64_t t0 = mono_ns();
	/* The last PHC reading (host time) and CLOCK_MONOTONIC right after it: a slow call
	 * says how far each advanced since, telling a stalled guest (both advanced alike)
	 * from a guest clock that jumped (only CLOCK_MONOTONIC advanced).
	 */
	int64_t last_phc = 0, last_mono = 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memset(w, 0, sizeof(w));
	for (o = 0; o < W_N; o++) {
		w[o].last = -1;
		w[o].off_min = INT64_MAX;
		w[o].off_max = INT64_MIN;
	}
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "ptpstress: open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("watch: reading %s until SIGTERM or %.0f s\n", argv[2], maxsecs);
	fflush(stdout);
	for (o = 0; !wstop && (mono_ns() - t0) / 1e9 < maxsecs; o = (o + 1) % W_N) {
		union {
			struct ptp_sys_offset so;
			struct ptp_sys_offset_extended eo;
			struct ptp_sys_offset_precise sp;
			struct timespec ts;
		} u;
		int64_t a, b, off = 0, width = 0, phc = 0;
		int have_off = 0, bad = 0, cpu_a;
		long r;

		memset(&u, 0, sizeof(u));
		cpu_a = sched_getcpu();
		a = mono_ns();
		switch (o) {
		case W_SYSOFF:
			u.so.n_samples = 1;
			r = ioctl(fd, PTP_SYS_OFFSET, &u.so);
			break;
		case W_EXT:
			u.eo.n_samples = 1;
			r = ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &u.eo);
			break;
		case W_PRECISE:
			r = ioctl(fd, PTP_SYS_OFFSET_PRECISE, &u.sp);
			break;
		default:
			r = syscall(SYS_clock_gettime, FD_TO_CLOCKID(fd), &u.ts);
			break;
		}
		b = mono_ns();
		e = r < 0 ? errno : 0;
		if (e > MAXERR)
			e = MAXERR;
		w[o].n++;
		if (b - a > w[o].max_lat)
			w[o].max_lat = b - a;
		if (!e) {
			w[o].ok++;
			switch (o) {
			case W_SYSOFF:
				bad = u.so.ts[0].nsec >= 1000000000u || u.so.ts[1].nsec >= 1000000000u ||
				      u.so.ts[2].nsec >= 1000000000u;
				width = pct_ns(&u.so.ts[2]) - pct_ns(&u.so.ts[0]);
				phc = pct_ns(&u.so.ts[1]);
				off = phc - (pct_ns(&u.so.ts[0]) + width / 2);
				have_off = 1;
				break;
			case W_EXT:
				bad = u.eo.ts[0][0].nsec >= 1000000000u ||
				      u.eo.ts[0][1].nsec >= 1000000000u ||
				      u.eo.ts[0][2].nsec >= 1000000000u;
				width = pct_ns(&u.eo.ts[0][2]) - pct_ns(&u.eo.ts[0][0]);
				phc = pct_ns(&u.eo.ts[0][1]);
				off = phc - (pct_ns(&u.eo.ts[0][0]) + width / 2);
				have_off = 1;
				break;
			case W_PRECISE:
				bad = u.sp.device.nsec >= 1000000000u ||
				      u.sp.sys_realtime.nsec >= 1000000000u;
				phc = pct_ns(&u.sp.device);
				off = phc - pct_ns(&u.sp.sys_realtime);
				have_off = 1;
				break;
			default:
				bad = u.ts.tv_nsec < 0 || u.ts.tv_nsec >= 1000000000;
				phc = (int64_t)u.ts.tv_sec * 1000000000 + u.ts.tv_nsec;
				break;
			}
			if (bad && !nsec_bad++)
				printf("watch: %s returned nsec out of [0, 1e9) at %.3f s\n", wnames[o],
				       (b - t0) / 1e9);
			if (have_off && width < MAX_WIDTH_NS) {
				w[o].off_n++;
				if (off < w[o].off_min)
					w[o].off_min = off;
				if (off > w[o].off_max)
					w[o].off_max = off;
			} else if (have_off) {
				w[o].wide++;
			}
		} else {
			w[o].err[e]++;
		}
		if (b - a >= 1000000000) {
			char since[64] = "";

			if (phc && last_phc)
				snprintf(since, sizeof(since),
					 "; since the last reading host +%.0f us, guest +%.0f us",
					 (phc - last_phc) / 1e3, (b - last_mono) / 1e3);
			if (nev < 64)
				snprintf(events[nev++], sizeof(events[0]),
					 "at %.3f s %s: slow, %.0f us (cpu %d->%d)%s", (a - t0) / 1e9,
					 wnames[o], (b - a) / 1e3, cpu_a, sched_getcpu(), since);
			else
				more++;
		}
		if (phc) {
			last_phc = phc;
			last_mono = b;
		}
		if (e != w[o].last) {
			if (nev < 64)
				snprintf(events[nev++], sizeof(events[0]), "at %.3f s %s: %s -> %s",
					 (a - t0) / 1e9, wnames[o],
					 w[o].last < 0 ? "start" : ename(w[o].last), ename(e));
			else
				more++;
			w[o].last = e;
		}
	}
	printf("watch: %.1f s\n", (mono_ns() - t0) / 1e9);
	for (o = 0; o < W_N; o++) {
		long nerr = w[o].n - w[o].ok;

		printf("op %s n %ld ok %ld errors %ld max_call_us %.0f", wnames[o], w[o].n, w[o].ok,
		       nerr, w[o].max_lat / 1e3);
		for (e = 1; e <= MAXERR; e++)
			if (w[o].err[e])
				printf(" %s %ld", ename(e), w[o].err[e]);
		if (w[o].off_n)
			printf(" off_min_ns %" PRId64 " off_max_ns %" PRId64 " off_range_ns %" PRId64
			       " off_samples %ld wide %ld",
			       w[o].off_min, w[o].off_max, w[o].off_max - w[o].off_min, w[o].off_n,
			       w[o].wide);
		printf("\n");
	}
	for (i = 0; i < nev; i++)
		printf("event %s\n", events[i]);
	if (more)
		printf("event ... %ld more events\n", more);
	printf("nsec_bad %ld\n", nsec_bad);
	return nsec_bad || !w[W_SYSOFF].ok;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "hammer") && (argc == 5 || argc == 7))
		return hammer(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "watch"))
		return watch(argv);
	fprintf(stderr, "usage: see the comment at the top of ptpstress.c\n");
	return 2;
}

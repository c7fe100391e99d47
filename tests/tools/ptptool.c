// SPDX-License-Identifier: GPL-2.0
/*
 * ptptool: measurement helper for ptp_vmclock's tests (runs in the test guest).
 *
 *   ptptool ext DEV N          N PTP_SYS_OFFSET_EXTENDED samples: "pre phc post" (ns)
 *   ptptool precise DEV        one PTP_SYS_OFFSET_PRECISE: "device realtime monoraw" (ns)
 *   ptptool offset DEV N       N rounds of PTP_SYS_OFFSET (n=5, narrowest sample):
 *                              "offset width" (ns), offset = phc - CLOCK_REALTIME
 *   ptptool compare A B N      N paired rounds of the above on two PHCs; prints the
 *                              median and max of |offset(A) - offset(B)| and widths
 *   ptptool reads DEV N        N clock_gettime() reads of the PHC in a row: prints
 *                              "reads N errors E ns_per_read X" (wall time / N); every
 *                              read must work and time must not go backwards
 *   ptptool readers DEV S T    T threads, thread i pinned to CPU i, each reading the
 *                              PHC with clock_gettime for S seconds; checks that every
 *                              thread sees non-decreasing time and counts errors
 *   ptptool cost OURS KVM REP CALLS COSTFILE WIDTHFILE
 *                              read cost (bench): CALLS rounds, each one PTP_SYS_OFFSET
 *                              (n=25) on OURS and on KVM, one PTP_SYS_OFFSET_EXTENDED
 *                              (n=25) on OURS and 25 clock_gettime(CLOCK_REALTIME), in an
 *                              order rotated every round; appends "REP method call
 *                              cost_ns" (wall time of the call / 25) to COSTFILE and
 *                              "REP method call sample width_ns" to WIDTHFILE
 *   ptptool monitor DEV S HZ [--run LOG CMD [ARG...]]
 *                              the oracle (bench): HZ times a second one
 *                              PTP_SYS_OFFSET_PRECISE on DEV for S seconds from its start;
 *                              prints "t_s err_ns", t_s since the start, err_ns = system
 *                              realtime - device time at the same instant; errors go to
 *                              stderr. With --run it starts CMD (the tool under test,
 *                              output to LOG) at t = 0, which must still run after S
 *                              seconds; then it gets SIGTERM. The oracle is running before
 *                              the tool starts, however slow an exec is.
 *   ptptool track OURS ORACLE S [--raw]
 *                              a VM's life event (pause, restore, migration) under
 *                              reads: for S seconds of guest time, rounds of one
 *                              PTP_SYS_OFFSET_PRECISE on ORACLE, one on OURS, one on
 *                              ORACLE again, about every ms. Each round prints "r T O1
 *                              OURS O2" (T: guest CLOCK_MONOTONIC, the rest offsets
 *                              system realtime - device time, all ns), or "e T ERRNO O1
 *                              O2" when OURS failed (reads may fail, never lie). The
 *                              event shows as a step between two of the oracle's
 *                              reads (one round's O2 and the next one's O1, or inside
 *                              a round); a round's error is OURS - (O1 + O2) / 2.
 *                              --raw: the offsets from system CLOCK_MONOTONIC_RAW
 *                              (PRECISE's sys_monoraw), which no clock discipline
 *                              moves: while phc2sys or chronyd slews the guest's
 *                              realtime fast, a slow round's O1 and O2 stay close.
 *                              They print less monoraw - realtime at the start:
 *                              monoraw - device time is about -1.8e18 ns, which a
 *                              double (awk's numbers) holds only to 256 ns.
 *
 * Exit status 0 on success, 1 on an ioctl/read error or a failed check, 2 on usage,
 * 3 when the --run command could not start or ended before S seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ptp_clock.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLOCKFD 3
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | CLOCKFD))

static int64_t pct_ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * 1000000000LL + t->nsec;
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "ptptool: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* offset = phc - realtime at the middle of the narrowest PTP_SYS_OFFSET bracket. */
static int basic_offset(int fd, int64_t *offset, int64_t *width)
{
	struct ptp_sys_offset so = { .n_samples = 5 };
	unsigned int i;

	if (ioctl(fd, PTP_SYS_OFFSET, &so))
		return -1;
	*width = INT64_MAX;
	for (i = 0; i < so.n_samples; i++) {
		int64_t t1 = pct_ns(&so.ts[2 * i]), p = pct_ns(&so.ts[2 * i + 1]);
		int64_t t2 = pct_ns(&so.ts[2 * i + 2]);

		if (t2 - t1 < *width) {
			*width = t2 - t1;
			*offset = p - (t1 + (t2 - t1) / 2);
		}
	}
	return 0;
}

struct reader {
	int fd, cpu;
	double secs;
	long reads, errors, backwards;
	int first_errno;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct timespec now, prev = { 0, 0 }, end;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		r->errors++;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)r->secs;
	for (;;) {
		struct timespec m;

		clock_gettime(CLOCK_MONOTONIC, &m);
		if (ts_ns(&m) >= ts_ns(&end))
			break;
		if (clock_gettime(FD_TO_CLOCKID(r->fd), &now)) {
			if (!r->errors++)
				r->first_errno = errno;
			continue;
		}
		r->reads++;
		if (ts_ns(&now) < ts_ns(&prev))
			r->backwards++;
		prev = now;
	}
	return NULL;
}

static int64_t now_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return ts_ns(&t);
}

#define COST_N 25

enum cost_method { M_OURS_BASIC, M_OURS_EXT, M_KVM_BASIC, M_REALTIME, M_COUNT };
static const char *const cost_name[M_COUNT] = { "ours_basic", "ours_ext", "kvm_basic",
						"realtime" };

/* One call of method m: its cost per sample and the bracket width of each sample. */
static int cost_call(enum cost_method m, int fo, int fk, int64_t *cost, int64_t *width)
{
	struct ptp_sys_offset so = { .n_samples = COST_N };
	struct ptp_sys_offset_extended se = { .n_samples = COST_N };
	struct timespec rt;
	int64_t t0, t1;
	int i, err = 0;

	t0 = now_ns(CLOCK_MONOTONIC_RAW);
	switch (m) {
	case M_OURS_BASIC:
	case M_KVM_BASIC:
		err = ioctl(m == M_OURS_BASIC ? fo : fk, PTP_SYS_OFFSET, &so);
		break;
	case M_OURS_EXT:
		err = ioctl(fo, PTP_SYS_OFFSET_EXTENDED, &se);
		break;
	default:
		for (i = 0; i < COST_N; i++)
			clock_gettime(CLOCK_REALTIME, &rt);
		break;
	}
	t1 = now_ns(CLOCK_MONOTONIC_RAW);
	if (err)
		return -1;
	*cost = (t1 - t0) / COST_N;
	for (i = 0; i < COST_N; i++) {
		if (m == M_OURS_BASIC || m == M_KVM_BASIC)
			width[i] = pct_ns(&so.ts[2 * i + 2]) - pct_ns(&so.ts[2 * i]);
		else if (m == M_OURS_EXT)
			width[i] = pct_ns(&se.ts[i][2]) - pct_ns(&se.ts[i][0]);
		else
			width[i] = -1;
	}
	return 0;
}

static int cost_main(char **argv)
{
	int fo = open_dev(argv[2]), fk = open_dev(argv[3]);
	int rep = atoi(argv[4]), calls = atoi(argv[5]), c, k, i;
	FILE *cf = fopen(argv[6], "a"), *wf = fopen(argv[7], "a");
	int64_t cost, width[COST_N];

	if (!cf || !wf || calls <= 0) {
		fprintf(stderr, "ptptool: cost: cannot open the output files\n");
		return 2;
	}
	for (c = 0; c < calls; c++) {
		for (k = 0; k < M_COUNT; k++) {
			enum cost_method m = (enum cost_method)((c + k) % M_COUNT);

			if (cost_call(m, fo, fk, &cost, width)) {
				fprintf(stderr, "ptptool: cost: %s: %s\n", cost_name[m], strerror(errno));
				return 1;
			}
			fprintf(cf, "%d %s %d %" PRId64 "\n", rep, cost_name[m], c, cost);
			for (i = 0; m != M_REALTIME && i < COST_N; i++)
				fprintf(wf, "%d %s %d %d %" PRId64 "\n", rep, cost_name[m], c, i,
					width[i]);
		}
	}
	return fclose(cf) || fclose(wf);
}

/* Start CMD with stdout and stderr to LOG; returns its pid, or -1. */
static pid_t spawn(const char *log, char **cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		close(fd);
		execvp(cmd[0], cmd);
		fprintf(stderr, "ptptool: monitor: exec %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* End the --run command: 0 if it was still running, 3 if it had ended (or never ran). */
static int reap(pid_t pid, char **cmd)
{
	int st;

	if (waitpid(pid, &st, WNOHANG) == pid) {
		fprintf(stderr, "ptptool: monitor: %s ended early (%s %d)\n", cmd[0],
			WIFEXITED(st) ? "exit status" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return 3;
	}
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return 0;
}

static int monitor_main(char **argv)
{
	int fd = open_dev(argv[2]), errors = 0, run = argv[5] && !strcmp(argv[5], "--run");
	double secs = atof(argv[3]), hz = atof(argv[4]);
	int64_t start = now_ns(CLOCK_BOOTTIME), period, next;
	pid_t child = -1;

	if (secs <= 0 || hz <= 0 || (argv[5] && (!run || !argv[6] || !argv[7])))
		return 2;
	if (run) {
		child = spawn(argv[6], argv + 7);
		if (child < 0) {
			fprintf(stderr, "ptptool: monitor: fork: %s\n", strerror(errno));
			return 3;
		}
	}
	period = (int64_t)(1e9 / hz);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The first reading at the next period boundary after now. */
	next = start;
	while (next < now_ns(CLOCK_BOOTTIME))
		next += period;
	for (; next - start < (int64_t)(secs * 1e9); next += period) {
		struct ptp_sys_offset_precise sp;
		struct timespec t = { .tv_sec = next / 1000000000, .tv_nsec = next % 1000000000 };

		clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &t, NULL);
		memset(&sp, 0, sizeof(sp));
		if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &sp)) {
			if (errors++ < 5)
				fprintf(stderr, "ptptool: monitor: PTP_SYS_OFFSET_PRECISE: %s\n",
					strerror(errno));
			continue;
		}
		printf("%.3f %" PRId64 "\n", (now_ns(CLOCK_BOOTTIME) - start) / 1e9,
		       pct_ns(&sp.sys_realtime) - pct_ns(&sp.device));
	}
	if (run && reap(child, argv + 7))
		return 3;
	return errors ? 1 : 0;
}

/* Offsets from CLOCK_MONOTONIC_RAW instead of CLOCK_REALTIME (track --raw), less
 * track_base (0 without --raw).
 */
static int track_raw;
static int64_t track_base;

/* PTP_SYS_OFFSET_PRECISE on fd: system realtime - device time (ns); -errno on failure. */
static int precise_off(int fd, int64_t *off)
{
	struct ptp_sys_offset_precise sp;

	memset(&sp, 0, sizeof(sp));
	if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &sp))
		return -errno;
	*off = pct_ns(track_raw ? &sp.sys_monoraw : &sp.sys_realtime) - pct_ns(&sp.device) -
	       track_base;
	return 0;
}

static int track_main(char **argv)
{
	int fo = open_dev(argv[2]), fk = open_dev(argv[3]);
	double secs = atof(argv[4]);
	int64_t start = now_ns(CLOCK_MONOTONIC), t, o1, o2, ours;
	int err, oracle_errors = 0;

	if (secs <= 0)
		return 2;
	track_raw = argv[5] && !strcmp(argv[5], "--raw");
	if (track_raw)
		track_base = now_ns(CLOCK_MONOTONIC_RAW) - now_ns(CLOCK_REALTIME);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((t = now_ns(CLOCK_MONOTONIC)) - start < (int64_t)(secs * 1e9)) {
		struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };

		err = precise_off(fk, &o1);
		if (!err) {
			err = precise_off(fo, &ours);
			if (precise_off(fk, &o2))
				err = 1;
		} else {
			err = 1;
		}
		if (err == 1) {
			if (oracle_errors++ < 5)
				fprintf(stderr, "ptptool: track: oracle: %s\n", strerror(errno));
		} else if (err) {
			printf("e %" PRId64 " %d %" PRId64 " %" PRId64 "\n", t, -err, o1, o2);
		} else {
			printf("r %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", t, o1, ours,
			       o2);
		}
		nanosleep(&ms, NULL);
	}
	return oracle_errors > 100;
}

int main(int argc, char **argv)
{
	if (argc >= 8 && !strcmp(argv[1], "cost"))
		return cost_main(argv);
	if (argc >= 5 && !strcmp(argv[1], "track"))
		return track_main(argv);
	if (argc >= 5 && !strcmp(argv[1], "monitor"))
		return monitor_main(argv);
	if (argc >= 4 && !strcmp(argv[1], "ext")) {
		struct ptp_sys_offset_extended so = { .n_samples = atoi(argv[3]) };
		int fd = open_dev(argv[2]);
		unsigned int i;

		if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &so)) {
			fprintf(stderr, "ptptool: PTP_SYS_OFFSET_EXTENDED: %s\n", strerror(errno));
			return 1;
		}
		for (i = 0; i < so.n_samples; i++)
			printf("%" PRId64 " %" PRId64 " %" PRId64 "\n", pct_ns(&so.ts[i][0]),
			       pct_ns(&so.ts[i][1]), pct_ns(&so.ts[i][2]));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "precise")) {
		struct ptp_sys_offset_precise sp;
		int fd = open_dev(argv[2]);

		memset(&sp, 0, sizeof(sp));
		if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &sp)) {
			fprintf(stderr, "ptptool: PTP_SYS_OFFSET_PRECISE: %s\n", strerror(errno));
			return 1;
		}
		printf("%" PRId64 " %" PRId64 " %" PRId64 "\n", pct_ns(&sp.device),
		       pct_ns(&sp.sys_realtime), pct_ns(&sp.sys_monoraw));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "offset")) {
		int fd = open_dev(argv[2]), n = atoi(argv[3]), i;

		for (i = 0; i < n; i++) {
			int64_t off, w;

			if (basic_offset(fd, &off, &w)) {
				fprintf(stderr, "ptptool: PTP_SYS_OFFSET: %s\n", strerror(errno));
				return 1;
			}
			printf("%" PRId64 " %" PRId64 "\n", off, w);
		}
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "compare")) {
		int fa = open_dev(argv[2]), fb = open_dev(argv[3]), n = atoi(argv[4]), i;
		int64_t *d = calloc(n, sizeof(*d)), *wa = calloc(n, sizeof(*wa));
		int64_t *wb = calloc(n, sizeof(*wb));

		if (n <= 0 || !d || !wa || !wb)
			return 2;
		for (i = 0; i < n; i++) {
			int64_t oa, ob;

			if (basic_offset(fa, &oa, &wa[i]) || basic_offset(fb, &ob, &wb[i])) {
				fprintf(stderr, "ptptool: PTP_SYS_OFFSET: %s\n", strerror(errno));
				return 1;
			}
			d[i] = llabs(oa - ob);
		}
		qsort(d, n, sizeof(*d), cmp64);
		qsort(wa, n, sizeof(*wa), cmp64);
		qsort(wb, n, sizeof(*wb), cmp64);
		printf("median_abs_diff_ns %" PRId64 "\nmax_abs_diff_ns %" PRId64
		       "\nmedian_width_a_ns %" PRId64 "\nmedian_width_b_ns %" PRId64 "\n",
		       d[n / 2], d[n - 1], wa[n / 2], wb[n / 2]);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "reads")) {
		int fd = open_dev(argv[2]);
		long n = atol(argv[3]), i, errors = 0, backwards = 0;
		struct timespec t, a, b;
		int64_t last = 0;

		if (n <= 0)
			return 2;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n; i++) {
			if (clock_gettime(FD_TO_CLOCKID(fd), &t)) {
				errors++;
				continue;
			}
			if (ts_ns(&t) < last)
				backwards++;
			last = ts_ns(&t);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("reads %ld errors %ld backwards %ld ns_per_read %" PRId64 "\n", n, errors,
		       backwards, (ts_ns(&b) - ts_ns(&a)) / n);
		return errors || backwards;
	}
	if (argc >= 5 && !strcmp(argv[1], "readers")) {
		int fd = open_dev(argv[2]), t = atoi(argv[4]), i, bad = 0;
		struct reader *r = calloc(t, sizeof(*r));
		pthread_t *th = calloc(t, sizeof(*th));
		long total = 0;

		if (t <= 0 || !r || !th)
			return 2;
		for (i = 0; i < t; i++) {
			r[i] = (struct reader){ .fd = fd, .cpu = i, .secs = atof(argv[3]) };
			pthread_create(&th[i], NULL, reader_main, &r[i]);
		}
		for (i = 0; i < t; i++) {
			pthread_join(th[i], NULL);
			printf("thread %d cpu %d reads %ld errors %ld backwards %ld%s%s\n", i,
			       r[i].cpu, r[i].reads, r[i].errors, r[i].backwards,
			       r[i].errors ? " first_error " : "",
			       r[i].errors ? strerror(r[i].first_errno) : "");
			total += r[i].reads;
			bad |= r[i].errors || r[i].backwards || !r[i].reads;
		}
		printf("total_reads_per_s %.0f\n", total / atof(argv[3]));
		return bad;
	}
	fprintf(stderr, "usage: see the comment at the top of ptptool.c\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hoststep: step CLOCK_REALTIME by +1 ns and -1 ns many times (run on the KVM host, L2,
 * through host-cmd, so that one exec does all steps).
 *
 *   hoststep PAIRS EVERY
 *
 * PAIRS pairs of clock_adjtime(CLOCK_REALTIME, ADJ_SETOFFSET | ADJ_NANO) steps, +1 ns
 * then -1 ns (net zero), 10 ms apart. Every EVERY-th pair is timed around a second
 * boundary instead: the +1 ns step lands in the last 20 us before a second ends and the
 * -1 ns step in the first 20 us of the next second, so both cross the boundary region.
 * Prints how many steps were made and where the timed ones landed; exit 1 if a step
 * failed, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static double step_max, step_sum, wait_sum;

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int step(int sign)
{
	struct timex tx;
	double a = mono(), d;
	int e;

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	if (sign > 0) {
		tx.time.tv_sec = 0;
		tx.time.tv_usec = 1;
	} else {
		tx.time.tv_sec = -1;
		tx.time.tv_usec = 999999999;
	}
	e = clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? errno : 0;
	d = mono() - a;
	step_sum += d;
	if (d > step_max)
		step_max = d;
	return e;
}

/*
 * Wait until CLOCK_REALTIME's nanoseconds are in [lo, hi) and return them: sleep
 * (TIMER_ABSTIME on CLOCK_REALTIME) until 2 ms before the next start of the window, then
 * busy-wait; a window missed (the loop is slow under TCG) comes again a second later.
 */
static long wait_window(long lo, long hi)
{
	double a = mono();
	struct timespec t, at;
	long long now, start;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &t);
		if (t.tv_nsec >= lo && t.tv_nsec < hi) {
			wait_sum += mono() - a;
			return t.tv_nsec;
		}
		now = (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
		start = (long long)(t.tv_nsec < lo ? t.tv_sec : t.tv_sec + 1) * 1000000000LL + lo;
		if (start - now > 2000000) {
			at.tv_sec = (start - 2000000) / 1000000000LL;
			at.tv_nsec = (start - 2000000) % 1000000000LL;
			clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	int pairs, every, i, e, fails = 0, steps = 0, timed = 0;
	struct timespec gap = { 0, 10000000 }, t0, t1;
	long before_ns = 0, after_ns = 0, worst_before = 0, worst_after = 0;

	if (argc != 3 || (pairs = atoi(argv[1])) <= 0 || (every = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: hoststep PAIRS EVERY\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < pairs; i++) {
		int at_boundary = i % every == every - 1;

		if (at_boundary) {
			before_ns = wait_window(999980000, 1000000000);
			if (1000000000 - before_ns > worst_before)
				worst_before = 1000000000 - before_ns;
		}
		e = step(+1);
		steps++;
		if (e && !fails++)
			printf("hoststep: +1 ns step %d: %s\n", i, strerror(e));
		if (at_boundary) {
			after_ns = wait_window(0, 20000);
			if (after_ns > worst_after)
				worst_after = after_ns;
			timed++;
		} else {
			nanosleep(&gap, NULL);
		}
		e = step(-1);
		steps++;
		if (e && !fails++)
			printf("hoststep: -1 ns step %d: %s\n", i, strerror(e));
		if (!at_boundary)
			nanosleep(&gap, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("hoststep: %d steps (%d of +1 ns, %d of -1 ns) in %.1f s, %d failed; %d pairs "
	       "at a second boundary (+1 ns at most %ld ns before it, -1 ns at most %ld ns "
	       "after it); a step took %.1f ms on average, %.1f ms at most; %.1f s waiting for "
	       "boundaries\n",
	       steps, pairs, pairs, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       fails, timed, worst_before, worst_after, step_sum * 1000 / (steps ? steps : 1),
	       step_max * 1000, wait_sum);
	return fails ? 1 : 0;
}

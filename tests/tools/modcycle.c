// SPDX-License-Identifier: GPL-2.0
/*
 * modcycle: load and unload a module N times with the raw syscalls (test helper).
 *
 *   modcycle KO NAME N [PARAMS]
 *                        N rounds of finit_module(KO, PARAMS) + delete_module(NAME);
 *                        prints the time of every 10th round and the total; stops at the
 *                        first error. PARAMS as insmod takes them ("transport=mock").
 *
 * The test guest of the nested rig execs a binary in about a second (its root is 9p over
 * 9p), so insmod/rmmod in a shell loop measures exec, not the module: this does not exec.
 * Exit status 0 when all rounds worked, 1 on an error, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double t0, tl = 0, tu = 0, a;
	const char *params;
	int fd, i, n;

	if (argc < 4 || argc > 5 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: modcycle KO NAME N [PARAMS]\n");
		return 2;
	}
	params = argc == 5 ? argv[4] : "";
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "modcycle: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	t0 = now();
	for (i = 1; i <= n; i++) {
		a = now();
		if (syscall(SYS_finit_module, fd, params, 0)) {
			printf("round %d: finit_module: %s\n", i, strerror(errno));
			return 1;
		}
		tl += now() - a;
		a = now();
		if (syscall(SYS_delete_module, argv[2], O_NONBLOCK)) {
			printf("round %d: delete_module: %s\n", i, strerror(errno));
			return 1;
		}
		tu += now() - a;
		if (i % 10 == 0) {
			printf("# %d rounds, %.1f s\n", i, now() - t0);
			fflush(stdout);
		}
	}
	printf("rounds %d total_s %.2f load_ms_avg %.1f unload_ms_avg %.1f\n", n, now() - t0,
	       tl * 1000 / n, tu * 1000 / n);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * physpage: read one 4 KiB page of guest physical memory twice (test helper).
 *
 *   physpage GPA MS PATTERN
 *                        reads the page at GPA from /dev/mem, waits MS milliseconds
 *                        (CLOCK_MONOTONIC), reads it again; for each read prints
 *                        "read N at_ms T pattern_words W magic 0x... seq S", W the
 *                        64-bit words equal to PATTERN (of 512) and magic and seq the
 *                        vmclock ABI's first word and seq_count (offset 12), little endian
 *
 * /dev/mem serves a page that is not System RAM (e.g. reserved with memmap=) under
 * CONFIG_STRICT_DEVMEM, unless CONFIG_IO_STRICT_DEVMEM and a driver claims it.
 * Exit status 0 when both reads worked, 1 on an error, 2 on usage.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int read_page(int fd, unsigned long long gpa, uint64_t *buf)
{
	ssize_t n = pread(fd, buf, PAGE, gpa);

	if (n != PAGE) {
		fprintf(stderr, "physpage: read 0x%llx: %s\n", gpa,
			n < 0 ? strerror(errno) : "short read");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long gpa, pattern;
	uint64_t buf[PAGE / 8];
	struct timespec wait;
	double t0, t;
	int fd, r, i, w, ms;

	if (argc != 4) {
		fprintf(stderr, "usage: physpage GPA MS PATTERN\n");
		return 2;
	}
	gpa = strtoull(argv[1], NULL, 0);
	ms = atoi(argv[2]);
	pattern = strtoull(argv[3], NULL, 0);
	if (gpa % PAGE || ms < 0) {
		fprintf(stderr, "physpage: GPA must be page-aligned, MS >= 0\n");
		return 2;
	}
	fd = open("/dev/mem", O_RDONLY | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "physpage: open /dev/mem: %s\n", strerror(errno));
		return 1;
	}
	t0 = now_ms();
	for (r = 1; r <= 2; r++) {
		if (r == 2) {
			wait.tv_sec = ms / 1000;
			wait.tv_nsec = (ms % 1000) * 1000000L;
			nanosleep(&wait, NULL);
		}
		t = now_ms();
		if (read_page(fd, gpa, buf))
			return 1;
		for (i = 0, w = 0; i < PAGE / 8; i++)
			w += le64toh(buf[i]) == pattern;
		printf("read %d at_ms %.1f pattern_words %d magic 0x%08x seq %u\n", r, t - t0, w,
		       (unsigned int)(le64toh(buf[0]) & 0xffffffff),
		       (unsigned int)(le64toh(buf[1]) >> 32));
	}
	return 0;
}

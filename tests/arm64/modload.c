// SPDX-License-Identifier: GPL-2.0
/*
 * modload: load a kernel module with exactly one finit_module() call (the arm64 rig's
 * tests/arm64/ scripts; its VMs have busybox only).
 *
 *   modload FILE [PARAMS]
 *
 * busybox insmod, when finit_module() fails, tries init_module() with the file read
 * into memory: a module whose init refuses (ENODEV) runs its init twice and logs its
 * reason twice (seen in the arm64 rig's L1). A test of what one load attempt logs
 * needs one attempt. Prints "modload: FILE: <strerror>" on failure.
 * Exit status 0 when loaded, 1 when the kernel refused, 2 on usage or open errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: modload FILE [PARAMS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "modload: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (syscall(SYS_finit_module, fd, argc > 2 ? argv[2] : "", 0)) {
		fprintf(stderr, "modload: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}

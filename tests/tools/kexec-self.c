// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-self: load a kernel with kexec_file_load() and jump to it (test helper of
 * scripts/guest/bin/vmrun-kexec).
 *
 *   kexec-self load KERNEL INITRD CMDLINE
 *                        kexec_file_load(KERNEL, INITRD, CMDLINE) with KEXEC_FILE_DEBUG:
 *                        the kernel logs where each segment of the next kernel goes
 *                        ("segment[N]: ... mem=0x... memsz=0x...")
 *   kexec-self exec      sync(), then reboot(LINUX_REBOOT_CMD_KEXEC): runs the reboot
 *                        notifiers and starts the loaded kernel; returns only on failure
 *
 * The reference kernel has CONFIG_KEXEC_FILE but not CONFIG_KEXEC (no kexec_load()).
 * Exit status 0 when the load worked, 1 on an error, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KEXEC_FILE_DEBUG
#define KEXEC_FILE_DEBUG 0x00000008
#endif

static int load(const char *kernel, const char *initrd, const char *cmdline)
{
	int kfd, ifd;
	long ret;

	kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		fprintf(stderr, "kexec-self: open %s: %s\n", kernel, strerror(errno));
		return 1;
	}
	ifd = open(initrd, O_RDONLY | O_CLOEXEC);
	if (ifd < 0) {
		fprintf(stderr, "kexec-self: open %s: %s\n", initrd, strerror(errno));
		return 1;
	}
	/* The length counts the terminating NUL. */
	ret = syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
		      KEXEC_FILE_DEBUG);
	if (ret) {
		fprintf(stderr, "kexec-self: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	close(kfd);
	close(ifd);
	printf("kexec-self: loaded %s, %s, cmdline: %s\n", kernel, initrd, cmdline);
	return 0;
}

static int jump(void)
{
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC,
		NULL);
	fprintf(stderr, "kexec-self: reboot(LINUX_REBOOT_CMD_KEXEC): %s\n", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "load"))
		return load(argv[2], argv[3], argv[4]);
	if (argc == 2 && !strcmp(argv[1], "exec"))
		return jump();
	fprintf(stderr, "usage: kexec-self load KERNEL INITRD CMDLINE | kexec-self exec\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vmclockpage: print an ACPI vmclock device's page as upstream's C ptp_vmclock exposes
 * it (/dev/vmclockN: read() under the page's seqcount, or a read-only mmap()), for
 * ptp_vmclock's tests to compare with what ptp_vmclock_rs shows in sysfs.
 *
 *   vmclockpage read|mmap DEV
 *       prints "magic=0x... size=N version=N counter_id=N time_type=N seq=N
 *       marker=N flags=0x... clock_status=N generation=N" (generation: the
 *       vm_generation_counter field whatever the flags say); exit 1 on an error
 *
 * The layout is the uapi header's (linux/vmclock-abi.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <endian.h>
#include <linux/vmclock-abi.h>

static void show(const struct vmclock_abi *c)
{
	printf("magic=0x%08" PRIx32 " size=%" PRIu32 " version=%u counter_id=%u time_type=%u seq=%" PRIu32
	       " marker=%" PRIu64 " flags=0x%" PRIx64 " clock_status=%u generation=%" PRIu64 "\n",
	       le32toh(c->magic), le32toh(c->size), le16toh(c->version), c->counter_id,
	       c->time_type, le32toh(c->seq_count), (uint64_t)le64toh(c->disruption_marker),
	       (uint64_t)le64toh(c->flags), c->clock_status,
	       (uint64_t)le64toh(c->vm_generation_counter));
}

int main(int argc, char **argv)
{
	struct vmclock_abi copy;
	const void *map;
	ssize_t n;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "read") && strcmp(argv[1], "mmap"))) {
		fprintf(stderr, "usage: vmclockpage read|mmap DEV\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "read")) {
		n = read(fd, &copy, sizeof(copy));
		if (n != (ssize_t)sizeof(copy)) {
			fprintf(stderr, "read: %zd bytes: %s\n", n, n < 0 ? strerror(errno) : "short");
			return 1;
		}
		show(&copy);
		return 0;
	}
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(&copy, map, sizeof(copy));
	show(&copy);
	return 0;
}

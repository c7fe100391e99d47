// SPDX-License-Identifier: GPL-2.0
/*
 * ntpstatus: read or set the kernel's NTP status (adjtimex) for ptp_vmclock's tests.
 *
 *   ntpstatus get
 *       prints "sync=0|1 leap=none|ins|del maxerror_us=N esterror_us=N tai=N"
 *   ntpstatus set [sync|unsync] [ins|del|noleap] [maxerror=US] [esterror=US] [tai=S]
 *       sets what is named, leaves the rest
 *
 * Run it on the KVM host (L2) to give the host clock a known status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

static int show(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	if (state < 0) {
		perror("adjtimex");
		return 1;
	}
	printf("sync=%d leap=%s maxerror_us=%ld esterror_us=%ld tai=%d\n",
	       !(tx.status & STA_UNSYNC),
	       (tx.status & STA_DEL) ? "del" : (tx.status & STA_INS) ? "ins" : "none",
	       tx.maxerror, tx.esterror, tx.tai);
	return 0;
}

int main(int argc, char **argv)
{
	struct timex tx = { 0 };
	int i;

	if (argc >= 2 && !strcmp(argv[1], "get"))
		return show();
	if (argc < 2 || strcmp(argv[1], "set"))
		goto usage;
	if (adjtimex(&tx) < 0) {
		perror("adjtimex");
		return 1;
	}
	tx.modes = 0;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "sync") || !strcmp(a, "unsync")) {
			tx.modes |= ADJ_STATUS;
			tx.status = a[0] == 's' ? tx.status & ~STA_UNSYNC : tx.status | STA_UNSYNC;
		} else if (!strcmp(a, "ins") || !strcmp(a, "del") || !strcmp(a, "noleap")) {
			tx.modes |= ADJ_STATUS;
			tx.status &= ~(STA_INS | STA_DEL);
			tx.status |= a[0] == 'i' ? STA_INS : a[0] == 'd' ? STA_DEL : 0;
		} else if (!strncmp(a, "maxerror=", 9)) {
			tx.modes |= ADJ_MAXERROR;
			tx.maxerror = atol(a + 9);
		} else if (!strncmp(a, "esterror=", 9)) {
			tx.modes |= ADJ_ESTERROR;
			tx.esterror = atol(a + 9);
		} else if (!strncmp(a, "tai=", 4)) {
			tx.modes |= ADJ_TAI;
			tx.constant = atol(a + 4);
		} else {
			goto usage;
		}
	}
	if (adjtimex(&tx) < 0) {
		perror("adjtimex");
		return 1;
	}
	return show();
usage:
	fprintf(stderr, "usage: see the comment at the top of ntpstatus.c\n");
	return 2;
}

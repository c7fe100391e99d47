// SPDX-License-Identifier: GPL-2.0
/*
 * host-cmd [-t SECONDS] 'SHELL COMMAND': run a command on the KVM host (L2) from the
 * nested test guest; print its output and exit with its status.
 *
 * The same client as scripts/guest/bin/host-cmd (Python), in C: tests/lib.sh puts this
 * one first on PATH because a Python start costs 6-8 s in the nested test guest, this
 * one ~0.1 s. Requests go over the virtio-serial port named vmrun.hostcmd to
 * scripts/guest/hc-server on L2: one JSON line {"cmd": "...", "timeout": N, "raw": 1};
 * with "raw" the answer is a line "rc N len L id I" followed by L bytes of output, I
 * the request's "id".
 * -w SECONDS: give up after SECONDS without the answer (exit 124): a request in flight
 * when L2 moves this guest to another QEMU (scripts/guest/l3-move) is lost with the old
 * QEMU's host-cmd server; an answer that still comes later carries another id and is
 * skipped by the next request.
 * Exit status: the command's; 2 on usage; 3 with no KVM host (not a nested guest); 124
 * when -w ran out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static int find_port(char *path, size_t len)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char p[512], name[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && !strcmp(strtok(name, "\n") ?: "", "vmrun.hostcmd")) {
			snprintf(path, len, "/dev/%s", e->d_name);
			found = 1;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void gave_up(int sig)
{
	static const char msg[] = "host-cmd: no answer within the -w limit\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(124);
}

int main(int argc, char **argv)
{
	char port[300], *cmd, *req, head[128], *out;
	size_t cmdlen = 0, reqlen, n = 0;
	int timeout = 60, wait = 0, i, fd, lock, rc;
	long len, id, rid;
	FILE *m;

	for (;;) {
		if (argc >= 3 && !strcmp(argv[1], "-t"))
			timeout = atoi(argv[2]);
		else if (argc >= 3 && !strcmp(argv[1], "-w"))
			wait = atoi(argv[2]);
		else
			break;
		argv += 2;
		argc -= 2;
	}
	if (!find_port(port, sizeof(port))) {
		fprintf(stderr, "host-cmd: no KVM host here (only in a nested scripts/vm-run guest)\n");
		return 3;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: host-cmd [-t SECONDS] [-w SECONDS] 'SHELL COMMAND'\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		cmdlen += strlen(argv[i]) + 1;
	cmd = calloc(1, cmdlen + 1);
	for (i = 1; i < argc; i++) {
		strcat(cmd, argv[i]);
		if (i + 1 < argc)
			strcat(cmd, " ");
	}
	m = open_memstream(&req, &reqlen);
	fputs("{\"cmd\": ", m);
	put_json_string(m, cmd);
	id = ((long)getpid() << 20 ^ (long)time(NULL)) & 0x7fffffffL;
	fprintf(m, ", \"timeout\": %d, \"raw\": 1, \"id\": %ld}\n", timeout, id);
	fclose(m);
	/* One request at a time on the port (the Python client takes the same lock). */
	lock = open("/run/host-cmd.lock", O_WRONLY | O_CREAT, 0600);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	fd = open(port, O_RDWR);
	if (fd < 0 || write(fd, req, reqlen) != (ssize_t)reqlen) {
		fprintf(stderr, "host-cmd: %s: %s\n", port, strerror(errno));
		return 1;
	}
	if (wait > 0) {
		signal(SIGALRM, gave_up);
		alarm((unsigned int)wait);
	}
	for (;;) {
		/* The header line, byte by byte: the output follows it on the same port. */
		n = 0;
		while (n < sizeof(head) - 1 && read_full(fd, head + n, 1) == 0 && head[n] != '\n')
			n++;
		head[n] = 0;
		rid = id;
		if (sscanf(head, "rc %d len %ld id %ld", &rc, &len, &rid) < 2 || len < 0) {
			fprintf(stderr, "host-cmd: bad answer '%s'\n", head);
			return 1;
		}
		out = malloc((size_t)len + 1);
		if (!out || read_full(fd, out, (size_t)len)) {
			fprintf(stderr, "host-cmd: the port closed\n");
			return 1;
		}
		if (rid == id)
			break;
		/* The answer to a request whose client gave up: skip it. */
		free(out);
	}
	fwrite(out, 1, (size_t)len, stdout);
	return rc;
}

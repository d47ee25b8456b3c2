// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/packet; see proc_packet.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_packet.h"

/* The whole file; with PROC_PACKET_MAX_ROWS lines it is far below this. */
#define PROC_PACKET_BUF 8192

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	size_t got = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			close(fd);
			if (err) {
				errno = err;
				return -1;
			}
			buf[got] = '\0';
			return 0;
		}
		got += n;
		if (got == size - 1) {
			close(fd);
			errno = E2BIG;
			return -1;
		}
	}
}

static int parse_row(const char *line, struct proc_packet_row *r)
{
	int used = 0;

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%*s %*d %d %7s %d %d %u %*u %lu %n", &r->type, r->proto,
		   &r->iface, &r->running, &r->rmem, &r->inode, &used) != 6 ||
	    line[used] != '\0') {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int proc_packet_read(struct proc_packet *t)
{
	static char buf[PROC_PACKET_BUF];
	char *line, *save = NULL;

	memset(t, 0, sizeof(*t));
	if (read_file("/proc/net/packet", buf, sizeof(buf)))
		return -1;
	line = strtok_r(buf, "\n", &save);
	if (!line || strlen(line) >= sizeof(t->header)) {
		errno = EPROTO;
		return -1;
	}
	strcpy(t->header, line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (t->n == PROC_PACKET_MAX_ROWS) {
			errno = E2BIG;
			return -1;
		}
		if (parse_row(line, &t->row[t->n]))
			return -1;
		t->n++;
	}
	return 0;
}

const struct proc_packet_row *proc_packet_find(const struct proc_packet *t, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return NULL;
	for (unsigned int i = 0; i < t->n; i++)
		if (t->row[i].inode == (unsigned long)st.st_ino)
			return &t->row[i];
	errno = ENOENT;
	return NULL;
}

int proc_packet_row_of(int fd, struct proc_packet_row *row)
{
	static struct proc_packet t;
	const struct proc_packet_row *r;

	if (proc_packet_read(&t))
		return -1;
	r = proc_packet_find(&t, fd);
	if (!r)
		return -1;
	*row = *r;
	return 0;
}

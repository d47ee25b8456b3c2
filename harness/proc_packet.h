/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/net/packet, as packet_seq_show() prints it for the reader's network
 * namespace: a header line, then one line per packet socket of that
 * namespace,
 *
 *   sk               RefCnt Type Proto  Iface R Rmem   User   Inode
 *   %pK %-6d %-4d %04x   %-5d %1d %-6u %-6u %-6lu
 *
 * with Type the socket type, Proto the bound protocol in host byte order
 * (ntohs(po->num)), Iface po->ifindex, R PACKET_SOCK_RUNNING (the protocol
 * hook is registered), Rmem sk_rmem_alloc and Inode the socket's inode (what
 * fstat() gives as st_ino).
 */
#ifndef PSOCK_PROC_PACKET_H
#define PSOCK_PROC_PACKET_H

#include <stdbool.h>

/* One socket line, its columns as printed. */
struct proc_packet_row {
	int type;
	char proto[8];		/* the Proto column verbatim: four hex digits */
	int iface;
	int running;
	unsigned int rmem;
	unsigned long inode;
};

#define PROC_PACKET_MAX_ROWS 16

struct proc_packet {
	char header[128];	/* the first line, without its newline */
	unsigned int n;		/* socket lines */
	struct proc_packet_row row[PROC_PACKET_MAX_ROWS];
};

/*
 * Read /proc/net/packet of the calling thread's network namespace into *t.
 * 0, or -1 with errno: open()'s or read()'s, E2BIG for more than
 * PROC_PACKET_MAX_ROWS lines, EPROTO for a line that does not parse.
 */
int proc_packet_read(struct proc_packet *t);

/* The row of socket fd in t (matched by inode), or NULL (errno ENOENT, or fstat()'s). */
const struct proc_packet_row *proc_packet_find(const struct proc_packet *t, int fd);

/*
 * Read the table and copy fd's row to *row: 0, or -1 with errno
 * (proc_packet_read()'s, ENOENT when fd has no row).
 */
int proc_packet_row_of(int fd, struct proc_packet_row *row);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * packet_diag (net/packet/diag.c) over NETLINK_SOCK_DIAG: one dump of the
 * packet sockets of the current network namespace, parsed into a struct
 * per socket, for psock/diag.c and psock/pcap_capture.c.
 */
#ifndef PSOCK_DIAG_H
#define PSOCK_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/packet_diag.h>

#define PDIAG_MAX_SOCKS 8

/* What packet_diag said about one socket (attributes as the kernel wrote them). */
struct pdiag_sock {
	struct packet_diag_msg msg;
	bool has_info, has_uid, has_mclist, has_rx, has_tx, has_fanout, has_mem, has_filter;
	struct packet_diag_info info;
	unsigned int info_len;		/* PACKET_DIAG_INFO payload bytes */
	uint32_t uid;
	struct packet_diag_mclist mc[4];
	unsigned int mc_n;		/* entries in PACKET_DIAG_MCLIST (at most 4 kept) */
	struct packet_diag_ring rx, tx;
	unsigned int ring_len;		/* payload bytes of the last ring attribute */
	uint32_t fanout;
	uint8_t mem[64];
	unsigned int mem_len;
	uint8_t filter[256];
	unsigned int filter_len;
};

struct pdiag_dump {
	struct pdiag_sock s[PDIAG_MAX_SOCKS];
	unsigned int n;
};

/*
 * Send a SOCK_DIAG_BY_FAMILY request for AF_PACKET (pdiag_show = show,
 * sdiag_protocol = protocol, NLM_F_REQUEST | flags) and read the answer
 * into *out. 0; -errno from the kernel's NLMSG_ERROR (ENOENT: no
 * packet_diag handler, the module is absent); or -1 with errno when the
 * netlink socket failed, ETIMEDOUT when no answer came within PSOCK_WAIT_MS
 * (scaled), EPROTO for an answer that is not a packet_diag message or more
 * than PDIAG_MAX_SOCKS sockets.
 */
int pdiag_request(uint32_t show, uint16_t flags, uint8_t protocol, struct pdiag_dump *out);

/* The entry of the socket fd in d (matched by its inode), or NULL. */
const struct pdiag_sock *pdiag_find(const struct pdiag_dump *d, int fd);

/* The inode of fd (what pdiag_ino holds), 0 if fstat() fails. */
unsigned long pdiag_fd_ino(int fd);

#endif

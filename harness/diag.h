/* SPDX-License-Identifier: GPL-2.0 */
/*
 * packet_diag (net/packet/diag.c) over NETLINK_SOCK_DIAG: one dump of the
 * packet sockets of the current network namespace, parsed into a struct
 * per socket, for psock/diag.c and psock/pcap_capture.c; and a dump read
 * one netlink batch (one dump skb) at a time, for dumps that do not fit in
 * one (psock/diag.c's pdiag_many).
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

/*
 * As pdiag_request() with show 0 and protocol 0, but the request's payload
 * is only the first req_len bytes of its struct packet_diag_req
 * (nlmsg_len = NLMSG_LENGTH(req_len)); req_len above the struct's size is
 * -1 with EINVAL, nothing sent.
 */
int pdiag_request_cut(unsigned int req_len, uint16_t flags, struct pdiag_dump *out);

/* The entry of the socket fd in d (matched by its inode), or NULL. */
const struct pdiag_sock *pdiag_find(const struct pdiag_dump *d, int fd);

/* The inode of fd (what pdiag_ino holds), 0 if fstat() fails. */
unsigned long pdiag_fd_ino(int fd);

/* At most this many batches (recv() calls with socket messages) in one pdiag_dump_batches(). */
#define PDIAG_MAX_BATCHES 32

/* A dump as pdiag_dump_batches() received it, one recv() at a time. */
struct pdiag_batches {
	unsigned int n;				/* recv() calls that returned socket messages */
	unsigned int msgs[PDIAG_MAX_BATCHES];	/* SOCK_DIAG_BY_FAMILY messages in each */
	unsigned int len[PDIAG_MAX_BATCHES];	/* bytes each recv() returned */
	unsigned int done_msgs;			/* socket messages in the recv() with NLMSG_DONE (in n too) */
	int done_errno;				/* the int NLMSG_DONE carries */
	unsigned int n_ino;			/* entries written to ino[] */
};

/*
 * A SOCK_DIAG_BY_FAMILY AF_PACKET dump (NLM_F_DUMP, pdiag_show = show)
 * read batch by batch: each netlink_dump() call queues one skb, and each
 * recv() here returns one, so every recv() is one batch. Each skb is first
 * peeked (MSG_PEEK | MSG_TRUNC, length 0) and then received with exactly its
 * length: no recv() asks for more than the skb holds, so the socket's
 * max_recvmsg_len never exceeds NLMSG_GOODSIZE and netlink_dump() sizes
 * every dump skb NLMSG_GOODSIZE (never the 32 KiB it tries for larger
 * reads, an allocation that may fail). The pdiag_ino of each socket message,
 * in order, goes to ino[0..ino_max). Returns 0 once NLMSG_DONE came and
 * nothing is queued after it; -errno of an NLMSG_ERROR; or -1 with errno:
 * the netlink socket's, ETIMEDOUT when the answer stops before NLMSG_DONE
 * (one deadline, PSOCK_WAIT_MS scaled, for the whole dump), EPROTO for a
 * message that is not a packet_diag one, a recv() that did not return the
 * peeked length, more than PDIAG_MAX_BATCHES batches or ino_max sockets,
 * or anything after NLMSG_DONE.
 */
int pdiag_dump_batches(uint32_t show, uint32_t *ino, unsigned int ino_max,
		       struct pdiag_batches *out);

#endif

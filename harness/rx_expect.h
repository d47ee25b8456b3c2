/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which frames a packet socket gets, and from where: the next tagged frame
 * with its sockaddr_ll (sll_ifindex, sll_pkttype, sll_protocol) and length,
 * or nothing at all. For the cases about hooks, binds and devices, where
 * what matters is which socket sees which device's frames.
 */
#ifndef PSOCK_RX_EXPECT_H
#define PSOCK_RX_EXPECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
#include "netns.h"

/* What the next tagged frame on a socket must be. */
struct rx_want {
	int type;		/* SOCK_RAW: the tag is ETH_HLEN in; SOCK_DGRAM: at the start */
	uint32_t seq;		/* the seq of its tag */
	size_t len;		/* its length as the socket sees it */
	int ifindex;		/* sll_ifindex */
	uint8_t pkttype;	/* sll_pkttype: PACKET_HOST, PACKET_OUTGOING, ... */
	uint16_t protocol;	/* sll_protocol, host order */
};

/*
 * Read the next frame on fd carrying this program's tag (others are read
 * and dropped; one deadline timeout_ms, scaled) and compare it with *w:
 * 0 when it matches, otherwise -1 and why says what differed (nothing came,
 * another seq, the length, an address field).
 */
int rx_expect(int fd, const struct rx_want *w, int timeout_ms, char *why, size_t whylen);

/*
 * Read frames on fd (no ring) until one carries this program's tag, within
 * one deadline of timeout_ms (scaled): 0 with its *seq and sll_pkttype,
 * -1 with errno (ETIMEDOUT when none came, else recvfrom's).
 */
int rx_next_tagged(int fd, int timeout_ms, uint32_t *seq, unsigned char *pkttype);

/* Case step: rx_expect() of the struct rx_want fields given, or fail the case. */
#define ASSERT_RX_NEXT(fd, ...) do {						\
	const struct rx_want want_ = { __VA_ARGS__ };				\
	char why_[256] = "";							\
	ASSERT_EQ(0, rx_expect((fd), &want_, PSOCK_WAIT_MS, why_, sizeof(why_)))	\
		TH_LOG("%s", why_);						\
} while (0)

/*
 * The socket holds none of this program's frames and no error: recv() with
 * MSG_DONTWAIT reads what is queued (frames without the tag are dropped)
 * until it fails with EAGAIN. 0, or -1 with why naming the tagged frame
 * found or the error recv() returned.
 */
int rx_expect_none(int fd, char *why, size_t whylen);

/* Case step: rx_expect_none(), or fail the case. */
#define ASSERT_RX_NONE(fd) do {							\
	char why_[256] = "";							\
	ASSERT_EQ(0, rx_expect_none((fd), why_, sizeof(why_))) TH_LOG("%s", why_);	\
} while (0)

/*
 * Send the frame of spec through fd, a SOCK_RAW socket bound to the device
 * it goes out of (tx_socket()). NULL spec->src and spec->dst are psk0's and
 * psk1's MACs, as for tx_frame_build(). The frame length, or -1 with errno
 * (EMSGSIZE for a short send).
 */
ssize_t rx_send_out(int fd, const struct frame_spec *spec);

/*
 * Case step: frame seq of EtherType ethertype (0: ETH_P_PSOCK) with len
 * payload bytes from psk1, arriving on psk0 (peer_send_spec()), or fail.
 */
#define ASSERT_PEER_SEND(topo, seq_, ethertype_, len_) do {			\
	const struct frame_spec spec_ = { .seq = (seq_), .ethertype = (ethertype_),	\
					  .payload_len = (len_) };		\
	ASSERT_EQ((ssize_t)(ETH_HLEN + (len_)), peer_send_spec((topo), &spec_))	\
		TH_LOG("send %u from psk1: %s", (seq_), strerror(errno));	\
} while (0)

/* Case step: frame seq with len payload bytes out through tx (rx_send_out()), or fail. */
#define ASSERT_SEND_OUT(tx, seq_, len_) do {					\
	const struct frame_spec spec_ = { .seq = (seq_), .payload_len = (len_) };	\
	ASSERT_EQ((ssize_t)(ETH_HLEN + (len_)), rx_send_out((tx), &spec_))	\
		TH_LOG("send %u: %s", (seq_), strerror(errno));			\
} while (0)

/*
 * FIXTURE_TEARDOWN helper: close the n fds (-1 skipped) and the peer's
 * sending socket (topo->peer_fd, then -1) from threads, so the RCU grace
 * period every packet socket's release waits for is paid once
 * (psock_close_in_threads()). 0, or -1 with the first close()'s errno.
 */
int rx_close_all(const int *fds, unsigned int n, struct netns_topo *topo);

#endif

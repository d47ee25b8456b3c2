/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the transmit tests (psock/tx_ring.c, tx_limits.c, send.c):
 * filling TX ring slots, reading their status, a receiving "sink" socket on
 * psk1 where sent frames are checked byte for byte, and tc for the qdisc
 * tests. Include after psock.h.
 *
 * A TX ring slot (tpacket_snd(), tpacket_parse_header()) is a frame header
 * (tpacket_hdr, tpacket2_hdr or tpacket3_hdr) followed, at
 * TPACKET_ALIGN(sizeof(header)), by the frame data; tp_len says how many
 * bytes to send. User space marks a slot TP_STATUS_SEND_REQUEST; the kernel
 * sets TP_STATUS_SENDING while the skb is in flight and TP_STATUS_AVAILABLE
 * (0) once it is done with the slot, or TP_STATUS_WRONG_FORMAT on a bad
 * frame. V3 has no TX blocks: its TX ring is frames too, with tpacket3_hdr.
 */
#ifndef PSOCK_TX_H
#define PSOCK_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include "psock.h"

/* Added in Linux 6.4 (include/uapi/linux/if_packet.h). */
#ifndef PACKET_VNET_HDR_SZ
#define PACKET_VNET_HDR_SZ 24
#endif

/* Where a slot's data starts without PACKET_TX_HAS_OFF: tp_hdrlen - sizeof(sockaddr_ll). */
size_t tx_data_offset(int version);

/* Status word of a TX slot (V3: tpacket3_hdr.tp_status, not a block status). */
uint32_t tx_status(const struct ring *r, const void *frame);
void tx_set_status(const struct ring *r, void *frame, uint32_t status);

/* tp_len, and tp_mac / tp_net (read by the kernel with PACKET_TX_HAS_OFF). */
void tx_set_len(const struct ring *r, void *frame, uint32_t len);
void tx_set_offsets(const struct ring *r, void *frame, uint16_t mac, uint16_t net);

/*
 * Copy len bytes into slot i at byte off of the slot (0: tx_data_offset()),
 * set tp_len = len and hand the slot to the kernel (TP_STATUS_SEND_REQUEST,
 * release ordering). Returns the slot.
 */
void *tx_put(struct ring *r, unsigned int i, size_t off, const void *data, size_t len);

/* Wait (bounded, scaled) until the slot's status is exactly want. */
bool tx_wait_status(const struct ring *r, const void *frame, uint32_t want, int timeout_ms);

/*
 * A sending socket: socket(type, protocol 0), PACKET_VERSION version (0 keeps
 * V1), bound to ifindex with protocol 0 (so it never receives). fd or -1.
 */
int tx_socket(int type, int version, int ifindex);

/* A sockaddr_ll to send to: ifindex, protocol (host order), destination MAC. */
struct sockaddr_ll tx_addr(int ifindex, uint16_t proto, const uint8_t mac[6]);

/*
 * Close the fds that are >= 0, up to 8 at a time each in its own thread,
 * and wait for all. Closing a packet socket waits for an RCU grace period
 * (synchronize_net() in packet_release(), another one to free a ring);
 * closed together they share grace periods, which keeps a test case's
 * teardown short. Every fd is closed; 0, or -1 with the errno of the first
 * close() that failed.
 */
int tx_close_all(const int *fds, unsigned int n);

/* ---- the receiving end ----------------------------------------------- */

/*
 * The sink: a SOCK_RAW, ETH_P_ALL packet socket bound to psk1, where every
 * frame sent out of psk0 arrives whole. Must be opened before sending.
 */
int tx_sink_open(struct netns_topo *topo);

/*
 * One frame from fd into msg (recvmsg(), MSG_TRUNC: the frame's full
 * length is returned), waiting with poll() until deadline. The length, 0 at
 * the deadline, -1 with errno on error. Works on any packet socket.
 */
ssize_t tx_sink_recv(int fd, struct msghdr *msg, int64_t deadline);

/*
 * The next frame on fd whose payload, skip bytes into the frame, carries
 * this program's tag (its seq to seq, may be NULL); other frames are read
 * and dropped, all within one deadline timeout_ms (scaled) from now. The
 * frame goes to msg's first iovec; msg_controllen and msg_namelen are reset
 * for every read. The frame's full length, 0 on timeout, -1 with errno.
 */
ssize_t tx_sink_next_msg(int fd, struct msghdr *msg, size_t skip, uint32_t *seq, int timeout_ms);

/* tx_sink_next_msg() into buf (at most size bytes), its sockaddr_ll to from (may be NULL). */
ssize_t tx_sink_next(int fd, void *buf, size_t size, size_t skip, uint32_t *seq,
		     struct sockaddr_ll *from, int timeout_ms);

/* ---- qdiscs ---------------------------------------------------------- */

/*
 * Run "tc ARGS..." (split at spaces) in the current namespace. 0 on success;
 * otherwise -1 with tc's error message (or why it could not run) in why.
 */
int tx_tc(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* After tx_tc() failed: does why say the qdisc kind (or tc itself) is missing? */
bool tx_tc_missing(const char *why);

/* Packets the root qdisc of dev has sent ("tc -s qdisc show"); -1 with why on error. */
long long tx_qdisc_packets(const char *dev, char *why, size_t whylen);

/*
 * Turn an offload of dev on or off with a legacy ethtool command
 * (ETHTOOL_STXCSUM, ETHTOOL_STSO, ...). 0 or -1 with errno.
 */
int tx_set_offload(const char *dev, uint32_t ethtool_cmd, uint32_t on);

/*
 * FIXTURE_SETUP step of most TX cases: fresh namespaces with the default
 * veth pair, the sink on psk1 and a sending socket (type, version) bound to
 * psk0, in self->topo, self->sink and self->fd; statement (return) runs
 * after a SKIP, as in PSOCK_NETNS_SETUP(). TX_ENDS_TEARDOWN undoes it.
 */
#define TX_ENDS_SETUP(statement, self, type, version) do {			\
	(self)->fd = (self)->sink = -1;						\
	PSOCK_NETNS_SETUP(statement, &(self)->topo, NULL);			\
	(self)->sink = tx_sink_open(&(self)->topo);				\
	ASSERT_LE(0, (self)->sink) TH_LOG("sink on psk1: %s", strerror(errno));	\
	(self)->fd = tx_socket((type), (version), (self)->topo.ifindex0);	\
	ASSERT_LE(0, (self)->fd) TH_LOG("sending socket: %s", strerror(errno));	\
} while (0)

#define TX_ENDS_TEARDOWN(self) do {						\
	TX_EXPECT_CLOSE_ALL((self)->fd, (self)->sink);				\
	netns_teardown(&(self)->topo);						\
} while (0)

/*
 * FIXTURE_TEARDOWN step: tx_close_all() of the fds given; a failing close()
 * fails the case with its error ("Expected '' == 'Bad file
 * descriptor'"). No TH_LOG: after a failed ASSERT the harness prints the
 * next TH_LOG whether or not its check failed, with a stale errno.
 */
#define TX_EXPECT_CLOSE_ALL(...) do {						\
	const int fds_[] = { __VA_ARGS__ };					\
	EXPECT_STREQ("", tx_close_all(fds_, ARRAY_SIZE(fds_)) ? strerror(errno) : "");	\
} while (0)

#endif

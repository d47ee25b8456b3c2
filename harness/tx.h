/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the transmit tests (psock/tx_ring.c, tx_inflight.c,
 * tx_limits.c, send.c, send_vnet.c): building the frames psk0 sends, filling
 * TX ring slots, reading their status, a receiving "sink" socket on psk1
 * where sent frames are checked byte for byte, and tc for the qdisc tests.
 * Include after psock.h.
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

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

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
 * A sockaddr_ll with room past its 8 address bytes: a SOCK_DGRAM address to
 * an ip6tnl device (addr_len 16) takes 12 + 16 = 28 bytes.
 */
union tx_addr_long {
	struct sockaddr_ll ll;
	struct sockaddr_storage ss;
};

/* tx_addr(ifindex, proto, mac) with sll_halen halen, every byte after it zero. */
union tx_addr_long tx_addr_long(int ifindex, uint16_t proto, const uint8_t mac[6], uint8_t halen);

/* A SOL_SOCKET control message type __sock_cmsg_send() does not know: EINVAL. */
#define TX_CMSG_UNKNOWN 0x4000

/* Room for one control message carrying an int, aligned for struct cmsghdr. */
union tx_cmsg_buf {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* Make buf msg's control buffer, holding one SOL_SOCKET TX_CMSG_UNKNOWN message (an int 0). */
void tx_msg_unknown_cmsg(struct msghdr *msg, union tx_cmsg_buf *buf);

/* ---- frames psk0 sends ------------------------------------------------ */

/* Room for the largest frame a case sends: MTU 9000 plus headers. */
#define TX_FRAME_MAX 10000

/* A frame for psk0 to send (frame_build()), with its length. */
struct tx_frame {
	uint8_t wire[TX_FRAME_MAX];
	size_t len;
};

/*
 * frame_build() of spec into f, for a frame going out of psk0: a NULL
 * spec->src is psk0's MAC and a NULL spec->dst psk1's (frame_build()'s own
 * defaults are the other way round, for frames towards psk0). 0, or -1 with
 * errno EMSGSIZE when the frame does not fit in TX_FRAME_MAX.
 */
int tx_frame_build(struct tx_frame *f, const struct frame_spec *spec);

/*
 * Turn f into the frame psk1 receives when f carries an outer 802.1Q or
 * 802.1ad tag: the receiving core moves the tag into skb metadata
 * (skb_vlan_untag()), so the 4 bytes after the MAC addresses go. 0, or -1
 * with errno EINVAL when f has no such tag.
 */
int tx_frame_untag(struct tx_frame *f);

/*
 * Case step: tx_frame_build() of a frame_spec with the given fields
 * (TX_FRAME(&f, .seq = 3, .payload_len = 100)), or fail the case.
 */
#define TX_FRAME(f, ...) do {							\
	const struct frame_spec spec_ = { __VA_ARGS__ };			\
	ASSERT_EQ(0, tx_frame_build((f), &spec_))				\
		TH_LOG("frame with %zu payload bytes: %s", spec_.payload_len,	\
		       strerror(errno));					\
} while (0)

/* Case step: a TX ring of geo on fd, mmapped into r (ring_open()), or fail the case. */
#define ASSERT_TX_RING_OPEN(r, fd, geo) do {					\
	ASSERT_EQ(0, ring_open((r), (fd), PACKET_TX_RING, (geo)))		\
		TH_LOG("PACKET_TX_RING: %s", strerror(errno));			\
} while (0)

/*
 * Turn the netdev feature called name ("tx-udp-segmentation", as ethtool -k
 * lists them) of dev on or off (ETHTOOL_GSTRINGS of ETH_SS_FEATURES, then
 * ETHTOOL_SFEATURES). 0, or -1 with errno: ENOENT when dev has no feature of
 * that name, EOPNOTSUPP when the device did not take the change.
 */
int tx_set_feature(const char *dev, const char *name, bool on);

/* ---- PACKET_VNET_HDR sends -------------------------------------------- */

/*
 * sendmsg() on fd of the first hlen bytes of vh (10, or 12 with zeros after
 * a struct virtio_net_hdr) followed by the len bytes of frame: what
 * send() returned (hlen + len), or -1 with errno.
 */
ssize_t tx_send_vnet(int fd, const struct virtio_net_hdr *vh, size_t hlen, const void *frame,
		     size_t len);

/*
 * A frame for psk0 to send into f: Ethernet, IPv4 (ip 4, header checksum
 * set) or IPv6 (ip 6), a 20-byte TCP header (ports 5000 -> 5001, ACK,
 * doff 5, sequence number 0, checksum 0), then payload_len bytes of this
 * program's tagged payload (seq). 0, or -1 with errno EMSGSIZE.
 */
int tx_frame_tcp(struct tx_frame *f, int ip, uint32_t seq, size_t payload_len);

/* Write that TCP header, with data offset doff (in 32-bit words), into the frame at wire. */
void tx_tcp_header(uint8_t *wire, int ip, uint8_t doff);

/*
 * An Ethernet/IPv4/UDP frame as frame_build() makes it (UDP at byte 34):
 * its pseudo-header sum (folded, not inverted), what a NEEDS_CSUM sender
 * leaves in the UDP checksum field for the device to complete; and whether
 * the UDP checksum of the len-byte frame verifies (everything from the UDP
 * header on, with that sum, adds up to 0xffff).
 */
uint16_t tx_udp4_pseudo_sum(const uint8_t *frame);
bool tx_udp4_csum_ok(const uint8_t *frame, size_t len);

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

/* What must arrive next on a receiving socket (tx_sink_expect()). */
struct tx_expect {
	const void *bytes;	/* the frame as it must arrive */
	size_t len;
	size_t skip;		/* where its tag starts: ETH_HLEN after an Ethernet header */
	uint32_t seq;		/* the seq of its tag */
	size_t ignore;		/* a 2-byte field not compared (a checksum the device fills); 0: none */
};

/*
 * Read the next frame on fd whose tag is want->skip bytes in (tx_sink_next(),
 * one deadline timeout_ms scaled) and compare it with want: 0 when it is
 * want->seq, exactly want->len bytes and equal byte for byte but for the
 * field at want->ignore. Otherwise -1 and why says which: nothing arrived
 * (the errno, or the timeout), another seq came first, the length, the
 * first byte that differs.
 */
int tx_sink_expect(int fd, const struct tx_expect *want, int timeout_ms,
		   char *why, size_t whylen);

/* Case step: tx_sink_expect() of the struct tx_expect fields given, or fail the case. */
#define ASSERT_SINK_GETS(fd, timeout_ms, ...) do {				\
	const struct tx_expect want_ = { __VA_ARGS__ };				\
	char why_[256] = "";							\
	ASSERT_EQ(0, tx_sink_expect((fd), &want_, (timeout_ms), why_, sizeof(why_)))	\
		TH_LOG("%s", why_);						\
} while (0)

/* Case step: the next tagged frame on fd is seq, byte for byte the tx_frame f. */
#define ASSERT_SINK_FRAME(fd, f, seq_, timeout_ms)				\
	ASSERT_SINK_GETS((fd), (timeout_ms), .bytes = (f)->wire, .len = (f)->len,	\
			 .skip = ETH_HLEN, .seq = (seq_))

/* ---- devices with long addresses ------------------------------------- */

/*
 * An ip6tnl device named name (dev->addr_len 16: a SOCK_DGRAM address to it
 * takes 12 + 16 = 28 bytes), added in topo's first namespace and left
 * down: its ifindex. 0 when the kernel has no ip6tnl (why says so: the case
 * SKIPs), -1 with ip's error in why. Loading ip6_tunnel would make its
 * fallback device ip6tnl0 in the initial namespace, which the suite never
 * touches, so this runs only where the module is loaded already
 * (scripts/vm-run's guests load it) or built in.
 */
int tx_ip6tnl_add(struct netns_topo *topo, const char *name, char *why, size_t whylen);

/* Case step: ifindex_ = tx_ip6tnl_add() of "pskt6", SKIP (statement) without ip6tnl, or fail. */
#define TX_IP6TNL_OR_SKIP(statement, topo, ifindex_) do {			\
	char why_[256] = "";							\
										\
	(ifindex_) = tx_ip6tnl_add((topo), "pskt6", why_, sizeof(why_));	\
	if (!(ifindex_))							\
		SKIP(statement, "no ip6tnl links: %s", why_);			\
	ASSERT_LT(0, (ifindex_)) TH_LOG("ip: %s", why_);			\
} while (0)

/* TX_IP6TNL_OR_SKIP(), then pskt6 brought up (or fail). */
#define TX_IP6TNL_UP_OR_SKIP(statement, topo, ifindex_) do {			\
	char upwhy_[256] = "";							\
										\
	TX_IP6TNL_OR_SKIP(statement, topo, ifindex_);				\
	ASSERT_EQ(0, netns_ip((topo), false, upwhy_, sizeof(upwhy_), "link set pskt6 up")) \
		TH_LOG("ip: %s", upwhy_);					\
} while (0)

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

/* Packets class classid ("1:1") of dev has sent ("tc -s class show"); -1 with why on error. */
long long tx_class_packets(const char *dev, const char *classid, char *why, size_t whylen);

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
 * The same for the TX ring cases, whose fixture also has a struct ring
 * ring: TX_RING_ENDS_SETUP() zeroes it first, so that TX_RING_ENDS_TEARDOWN()
 * knows whether the case mapped it; the teardown unmaps it and closes fd,
 * sink and the extra fds given (a plain socket a case opened, -1 if not).
 */
#define TX_RING_ENDS_SETUP(statement, self, type, version) do {		\
	memset(&(self)->ring, 0, sizeof((self)->ring));				\
	TX_ENDS_SETUP(statement, self, type, version);				\
} while (0)

#define TX_RING_ENDS_TEARDOWN(self, ...) do {					\
	if ((self)->ring.map_base)						\
		EXPECT_EQ(0, munmap((self)->ring.map_base, (self)->ring.map_len));	\
	TX_EXPECT_CLOSE_ALL((self)->fd, (self)->sink, ##__VA_ARGS__);		\
	netns_teardown(&(self)->topo);						\
} while (0)

/*
 * FIXTURE_TEARDOWN step: psock_close_in_threads() of the fds given; a failing close()
 * fails the case with its error ("Expected '' == 'Bad file
 * descriptor'"). No TH_LOG: after a failed ASSERT the harness prints the
 * next TH_LOG whether or not its check failed, with a stale errno.
 */
#define TX_EXPECT_CLOSE_ALL(...) do {						\
	const int fds_[] = { __VA_ARGS__ };					\
	EXPECT_STREQ("", psock_close_in_threads(fds_, ARRAY_SIZE(fds_)) ? strerror(errno) : "");	\
} while (0)

#endif

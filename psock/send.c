// SPDX-License-Identifier: GPL-2.0
/*
 * The plain send path of a packet socket: send()/sendto() without a ring,
 * packet_snd() in net/packet/af_packet.c.
 *
 *  - SOCK_RAW sends the buffer as the whole frame, link header included;
 *    SOCK_DGRAM sends it as the payload and the kernel builds the link
 *    header (dev_hard_header()) from the sockaddr_ll: destination MAC
 *    sll_addr, EtherType sll_protocol, source the device's MAC. The call
 *    returns the number of bytes the caller passed.
 *  - The device is the bound one, or the sockaddr_ll's sll_ifindex: none
 *    (unbound socket, or ifindex 0) gives ENXIO, a device that is down
 *    ENETDOWN. A SOCK_DGRAM send with no address at all has no destination
 *    MAC: dev_hard_header() fails, EINVAL.
 *  - Size: more than MTU + link header gives EMSGSIZE, except 4 more bytes
 *    for an 802.1Q-tagged frame (packet_extra_vlan_len_allowed()). Length 0:
 *    SOCK_RAW fails dev_validate_header() (EINVAL); SOCK_DGRAM sends a bare
 *    14-byte link header and returns 0.
 *  - PACKET_QDISC_BYPASS: packet_xmit() hands the skb straight to the
 *    driver (packet_direct_xmit()) instead of dev_queue_xmit(), so the
 *    device's qdisc never sees it; the frame still arrives.
 *  - PACKET_VNET_HDR (SOCK_RAW only): each send starts with a struct
 *    virtio_net_hdr (packet_snd_vnet_parse(), virtio_net_hdr_to_skb()).
 *    VIRTIO_NET_HDR_F_NEEDS_CSUM with csum_start/csum_offset leaves the
 *    checksum to be completed where the skb leaves software (on veth with
 *    checksum offload the frame crosses still partial, TP_STATUS_CSUMNOTREADY
 *    at the peer; without the offload the stack fills it in before xmit);
 *    csum_start + csum_offset beyond the frame is EINVAL. A GSO type with
 *    gso_size lifts the MTU check: the super-frame is accepted and, veth
 *    supporting TSO, crosses as one frame; with TSO off it is split into
 *    gso_size segments before it leaves. The call returns the frame length
 *    plus the header. PACKET_VNET_HDR_SZ (Linux 6.4) chooses a 10- or
 *    12-byte header (virtio_net_hdr_mrg_rxbuf).
 *  - The sent frame is copied to every tap on the device (an ETH_P_ALL
 *    packet socket) with sll_pkttype PACKET_OUTGOING (dev_queue_xmit_nit()),
 *    but not back to the sending socket itself (skb_loop_sk()).
 *
 * Frames go out of psk0 and are checked byte for byte on psk1.
 *
 * Test cases (<type> = raw / dgram):
 *   snd.<type>.frame_arrives_intact
 *   snd.<type>.size_edges_emsgsize
 *   snd.<type>.zero_length
 *   snd_err.no_device_enxio
 *   snd_err.device_down_enetdown
 *   snd_err.dgram_without_address_einval
 *   snd_opt.qdisc_bypass_skips_qdisc
 *   snd_opt.outgoing_copy_to_taps_not_sender
 *   snd_vnet.needs_csum_completed_at_device
 *   snd_vnet.bad_csum_offset_einval
 *   snd_vnet.gso_frame_over_mtu_accepted
 *   snd_vnet.gso_frame_split_without_tso
 *   snd_vnet.vnet_hdr_sz_12
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

#define WAIT_MS 1000

static const uint8_t mac0[6] = NETNS_MAC0;
static const uint8_t mac1[6] = NETNS_MAC1;
static const uint8_t mac_dgram[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x42 };

struct txf {
	uint8_t wire[10000];
	size_t len;
};

static void txf_spec(struct txf *f, const struct frame_spec *spec)
{
	f->len = frame_build(f->wire, sizeof(f->wire), spec);
}

static void txf_build(struct txf *f, const uint8_t *dst, uint32_t seq, size_t payload,
		      uint16_t vlan_tpid)
{
	struct frame_spec spec = {
		.dst = dst, .src = mac0, .seq = seq, .payload_len = payload,
		.vlan_tpid = vlan_tpid, .vlan_tci = vlan_tpid ? 7 : 0,
	};

	txf_spec(f, &spec);
}

/*
 * The next tagged frame on the sink (tag skip bytes in) must be want_seq and
 * equal the len bytes of want, except for the 2-byte field at skip_field
 * (a checksum left to the device; -1: compare everything).
 */
static void expect_bytes(struct __test_metadata *_metadata, int sink, size_t skip,
			 const uint8_t *want, size_t len, uint32_t want_seq, int skip_field)
{
	static uint8_t buf[65536];
	uint32_t seq = ~0u;
	ssize_t n = tx_sink_next(sink, buf, sizeof(buf), skip, &seq, NULL, WAIT_MS);

	ASSERT_LT(0, n) TH_LOG("frame %u did not arrive on psk1: %s", want_seq,
			       n ? strerror(errno) : "timeout");
	ASSERT_EQ(want_seq, seq) TH_LOG("frames out of order");
	ASSERT_EQ(len, (size_t)n);
	if (skip_field >= 0) {
		ASSERT_EQ(0, memcmp(want, buf, skip_field)) TH_LOG("frame %u differs", want_seq);
		ASSERT_EQ(0, memcmp(want + skip_field + 2, buf + skip_field + 2,
				    len - skip_field - 2)) TH_LOG("frame %u differs", want_seq);
		return;
	}
	ASSERT_EQ(0, memcmp(want, buf, len)) TH_LOG("frame %u differs", want_seq);
}

static void expect_frame(struct __test_metadata *_metadata, int sink,
			 const struct txf *f, uint32_t want_seq)
{
	expect_bytes(_metadata, sink, ETH_HLEN, f->wire, f->len, want_seq, -1);
}

/* ---- both socket types ------------------------------------------------ */

FIXTURE(snd) {
	struct netns_topo topo;
	int fd, sink;
	struct sockaddr_ll to;
};

FIXTURE_VARIANT(snd) {
	int type;
};

FIXTURE_VARIANT_ADD(snd, raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(snd, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(snd)
{
	TX_ENDS_SETUP(return, self, variant->type, 0);
	self->to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, mac_dgram);
}

FIXTURE_TEARDOWN(snd)
{
	TX_ENDS_TEARDOWN(self);
}

/* RAW: send(frame) on the bound socket. DGRAM: sendto(payload, sockaddr_ll). */
static ssize_t send_frame(struct _test_data_snd *self, int type, const struct txf *f)
{
	if (type == SOCK_DGRAM)
		return sendto(self->fd, f->wire + ETH_HLEN, f->len - ETH_HLEN, 0,
			      (struct sockaddr *)&self->to, sizeof(self->to));
	return send(self->fd, f->wire, f->len, 0);
}

static size_t sent_len(int type, const struct txf *f)
{
	return type == SOCK_DGRAM ? f->len - ETH_HLEN : f->len;
}

static const uint8_t *variant_dst(int type)
{
	return type == SOCK_DGRAM ? mac_dgram : mac1;
}

/*
 * The call returns the bytes passed; psk1 receives the frame byte for
 * byte (DGRAM: link header from the sockaddr_ll, source psk0's MAC).
 */
TEST_F(snd, frame_arrives_intact)
{
	static struct txf f[3];

	for (uint32_t i = 0; i < 3; i++) {
		txf_build(&f[i], variant_dst(variant->type), i, 50 + 400 * i, 0);
		ASSERT_EQ((ssize_t)sent_len(variant->type, &f[i]),
			  send_frame(self, variant->type, &f[i]))
			TH_LOG("send: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < 3; i++)
		expect_frame(_metadata, self->sink, &f[i], i);
}

/*
 * MTU 1500: a frame of 1514 bytes (RAW) / a 1500-byte payload (DGRAM) is
 * sent, one byte more is EMSGSIZE. RAW: an 802.1Q frame may be 1518, not
 * 1519. Only the good frames arrive.
 */
TEST_F(snd, size_edges_emsgsize)
{
	static struct txf edge, over, q_edge, q_over;

	txf_build(&edge, variant_dst(variant->type), 1, 1500, 0);
	txf_build(&over, variant_dst(variant->type), 90, 1501, 0);
	EXPECT_EQ((ssize_t)sent_len(variant->type, &edge), send_frame(self, variant->type, &edge));
	EXPECT_EQ(-1, send_frame(self, variant->type, &over));
	EXPECT_EQ(EMSGSIZE, errno);
	expect_frame(_metadata, self->sink, &edge, 1);
	if (variant->type != SOCK_RAW)
		return;

	txf_build(&q_edge, mac1, 2, 1500, ETH_P_8021Q);
	txf_build(&q_over, mac1, 91, 1501, ETH_P_8021Q);
	EXPECT_EQ((ssize_t)q_edge.len, send_frame(self, variant->type, &q_edge));
	EXPECT_EQ(-1, send_frame(self, variant->type, &q_over));
	EXPECT_EQ(EMSGSIZE, errno);
	/* psk1 receives it with the tag moved into metadata. */
	memmove(q_edge.wire + 12, q_edge.wire + 16, q_edge.len - 16);
	q_edge.len -= 4;
	expect_frame(_metadata, self->sink, &q_edge, 2);
}

/*
 * Length 0: SOCK_RAW has no link header to send, EINVAL
 * (dev_validate_header()). SOCK_DGRAM returns 0 and sends the bare link
 * header it built: 14 bytes, destination and EtherType from the sockaddr_ll.
 */
TEST_F(snd, zero_length)
{
	static uint8_t buf[2048];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct txf marker;
	int64_t deadline;
	ssize_t n;

	if (variant->type == SOCK_RAW) {
		EXPECT_EQ(-1, send(self->fd, buf, 0, 0));
		EXPECT_EQ(EINVAL, errno);
		txf_build(&marker, mac1, 5, 60, 0);
		ASSERT_EQ((ssize_t)marker.len, send_frame(self, variant->type, &marker));
		expect_frame(_metadata, self->sink, &marker, 5);
		return;
	}
	EXPECT_EQ(0, sendto(self->fd, buf, 0, 0, (struct sockaddr *)&self->to, sizeof(self->to)));
	/* No payload, no tag: the first frame with this EtherType must be it. */
	deadline = psock_deadline(WAIT_MS);
	do {
		n = tx_sink_recv(self->sink, &msg, deadline);
		ASSERT_LE(ETH_HLEN, n)
			TH_LOG("no frame on psk1: %s", n < 0 ? strerror(errno) : "timeout");
	} while (ntohs(*(uint16_t *)(buf + 12)) != ETH_P_PSOCK);
	ASSERT_EQ(ETH_HLEN, n);
	EXPECT_EQ(0, memcmp(buf, mac_dgram, 6));
	EXPECT_EQ(0, memcmp(buf + 6, mac0, 6));
	EXPECT_EQ(ETH_P_PSOCK, ntohs(*(uint16_t *)(buf + 12)));
}

/* ---- errors ----------------------------------------------------------- */

FIXTURE(snd_err) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(snd_err)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(snd_err)
{
	TX_EXPECT_CLOSE_ALL(self->fd);
	netns_teardown(&self->topo);
}

/*
 * An unbound socket has no device: send() without an address and sendto()
 * a sockaddr_ll with sll_ifindex 0 fail with ENXIO, both types.
 */
TEST_F(snd_err, no_device_enxio)
{
	static struct txf f;
	struct sockaddr_ll to = tx_addr(0, ETH_P_PSOCK, mac1);
	int types[2] = { SOCK_RAW, SOCK_DGRAM };

	txf_build(&f, mac1, 1, 100, 0);
	for (int i = 0; i < 2; i++) {
		int fd = psock_socket(types[i], 0);

		ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
		EXPECT_EQ(-1, send(fd, f.wire, f.len, 0));
		EXPECT_EQ(ENXIO, errno);
		EXPECT_EQ(-1, sendto(fd, f.wire, f.len, 0, (struct sockaddr *)&to, sizeof(to)));
		EXPECT_EQ(ENXIO, errno);
		close(fd);
	}
}

/* psk0 down: send() and sendto() fail with ENETDOWN; up again, they work. */
TEST_F(snd_err, device_down_enetdown)
{
	static struct txf f;
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, mac1);
	char why[256];

	txf_build(&f, mac1, 1, 100, 0);
	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set psk0 down"))
		TH_LOG("%s", why);
	EXPECT_EQ(-1, send(self->fd, f.wire, f.len, 0));
	EXPECT_EQ(ENETDOWN, errno);
	EXPECT_EQ(-1, sendto(self->fd, f.wire, f.len, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(ENETDOWN, errno);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set psk0 up"))
		TH_LOG("%s", why);
	EXPECT_EQ((ssize_t)f.len, send(self->fd, f.wire, f.len, 0)) TH_LOG("%s", strerror(errno));
}

/*
 * A bound SOCK_DGRAM socket sending without an address has no destination
 * MAC for dev_hard_header(): EINVAL.
 */
TEST_F(snd_err, dgram_without_address_einval)
{
	uint8_t payload[64] = { 0 };

	self->fd = psock_rx_socket(SOCK_DGRAM, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_EQ(-1, send(self->fd, payload, sizeof(payload), 0));
	EXPECT_EQ(EINVAL, errno);
}

/* ---- options ---------------------------------------------------------- */

FIXTURE(snd_opt) {
	struct netns_topo topo;
	int fd, sink;
};

FIXTURE_SETUP(snd_opt)
{
	self->fd = self->sink = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(snd_opt)
{
	TX_ENDS_TEARDOWN(self);
}

/*
 * A pfifo qdisc on psk0 counts 3 frames sent normally; with
 * PACKET_QDISC_BYPASS = 1 (read back as 1) 2 more frames arrive on psk1 but
 * the qdisc's count stays 3.
 */
TEST_F(snd_opt, qdisc_bypass_skips_qdisc)
{
	static struct txf f[5];
	int one = 1, val = -1;
	socklen_t len = sizeof(val);
	char why[256];

	if (tx_tc(why, sizeof(why), "qdisc add dev psk0 root pfifo")) {
		if (tx_tc_missing(why))
			SKIP(return, "no pfifo qdisc (CONFIG_NET_SCH_FIFO) or no tc: %s", why);
		ASSERT_TRUE(false) TH_LOG("tc: %s", why);
	}
	ASSERT_EQ(0, tx_qdisc_packets("psk0", why, sizeof(why))) TH_LOG("tc: %s", why);
	self->sink = tx_sink_open(&self->topo);
	ASSERT_LE(0, self->sink) TH_LOG("sink on psk1: %s", strerror(errno));
	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	for (uint32_t i = 0; i < 5; i++) {
		if (i == 3) {
			ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS,
						&one, sizeof(one)));
			ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS,
						&val, &len));
			EXPECT_EQ(1, val);
		}
		txf_build(&f[i], mac1, i, 100, 0);
		ASSERT_EQ((ssize_t)f[i].len, send(self->fd, f[i].wire, f[i].len, 0));
		expect_frame(_metadata, self->sink, &f[i], i);
		EXPECT_EQ(i < 3 ? i + 1 : 3, tx_qdisc_packets("psk0", why, sizeof(why)))
			TH_LOG("after frame %u: %s", i, why);
	}
}

/*
 * A tap (ETH_P_ALL socket on psk0) receives the frame a SOCK_RAW socket
 * sends, with sll_pkttype PACKET_OUTGOING and the same bytes; the sender,
 * itself bound to ETH_P_ALL on psk0, does not: the first frame it reads is
 * one psk1 sent afterwards.
 */
TEST_F(snd_opt, outgoing_copy_to_taps_not_sender)
{
	static struct txf f;
	static uint8_t buf[2048];
	struct sockaddr_ll from;
	const struct frame_spec back_spec = { .seq = 2, .payload_len = 80 };
	uint32_t seq = ~0u;
	ssize_t n, back_len;

	/* The tap is self->sink, so the teardown closes it. */
	self->sink = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->sink) TH_LOG("tap on psk0: %s", strerror(errno));
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	txf_build(&f, mac1, 1, 120, 0);
	ASSERT_EQ((ssize_t)f.len, send(self->fd, f.wire, f.len, 0));

	n = tx_sink_next(self->sink, buf, sizeof(buf), ETH_HLEN, NULL, &from, WAIT_MS);
	ASSERT_EQ((ssize_t)f.len, n);
	EXPECT_EQ(0, memcmp(buf, f.wire, f.len));
	EXPECT_EQ(PACKET_OUTGOING, from.sll_pkttype);
	EXPECT_EQ(self->topo.ifindex0, from.sll_ifindex);

	back_len = peer_send_spec(&self->topo, &back_spec);
	ASSERT_LT(0, back_len) TH_LOG("send from psk1: %s", strerror(errno));
	n = tx_sink_next(self->fd, buf, sizeof(buf), ETH_HLEN, &seq, &from, WAIT_MS);
	ASSERT_EQ(back_len, n) TH_LOG("%s", n < 0 ? strerror(errno) : "timeout or another frame");
	EXPECT_EQ(2, seq) TH_LOG("the sender saw its own frame (seq 1)");
	EXPECT_EQ(0, memcmp(buf + 6, mac1, 6));
	EXPECT_EQ(PACKET_HOST, from.sll_pkttype);
}

/* ---- PACKET_VNET_HDR (SOCK_RAW) --------------------------------------- */

FIXTURE(snd_vnet) {
	struct netns_topo topo;
	int fd, sink;
};

FIXTURE_SETUP(snd_vnet)
{
	int one = 1;

	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		TH_LOG("PACKET_VNET_HDR: %s", strerror(errno));
}

FIXTURE_TEARDOWN(snd_vnet)
{
	TX_ENDS_TEARDOWN(self);
}

#define IP4_OFF ETH_HLEN
#define L4_OFF (ETH_HLEN + (int)sizeof(struct iphdr))
#define UDP_PAYLOAD_OFF (L4_OFF + (int)sizeof(struct udphdr))

/* sendmsg() of a virtio_net_hdr of hlen bytes followed by the frame. */
static ssize_t send_vnet(int fd, const struct virtio_net_hdr *vh, size_t hlen,
			 const void *frame, size_t len)
{
	uint8_t hdr[sizeof(struct virtio_net_hdr_mrg_rxbuf)] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = hlen },
		{ .iov_base = (void *)frame, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	memcpy(hdr, vh, sizeof(*vh));
	return sendmsg(fd, &msg, 0);
}

/* The UDP checksum field of an IPv4/UDP frame, and the pseudo-header sum. */
static uint16_t udp_csum_field(const uint8_t *frame)
{
	return (uint16_t)(frame[L4_OFF + 6] << 8 | frame[L4_OFF + 7]);
}

static uint16_t pseudo_sum(const uint8_t *frame)
{
	const struct iphdr *ip = (const struct iphdr *)(frame + IP4_OFF);
	uint16_t l4len = ntohs(ip->tot_len) - sizeof(*ip);
	uint8_t tail[4] = { 0, IPPROTO_UDP, l4len >> 8, l4len & 0xff };
	uint32_t sum = inet_csum_add(&ip->saddr, 8, 0);	/* saddr, daddr */

	return inet_csum_add(tail, sizeof(tail), sum);
}

/* True when the UDP checksum of frame verifies (sums to 0xffff). */
static bool udp_csum_ok(const uint8_t *frame, size_t len)
{
	return inet_csum_add(frame + L4_OFF, len - L4_OFF, pseudo_sum(frame)) == 0xffff;
}

/*
 * NEEDS_CSUM, csum_start = UDP header, csum_offset = 6, the field holding the
 * pseudo-header sum (as virtio expects). With psk0's TX checksum offload on
 * (veth's default), the frame crosses still partial: psk1's tap sees the
 * pseudo sum, and PACKET_AUXDATA says TP_STATUS_CSUMNOTREADY. With the
 * offload off, the stack completes it before xmit (skb_checksum_help()): psk1
 * sees a valid checksum, and no CSUMNOTREADY. The call returns 10 + frame.
 */
TEST_F(snd_vnet, needs_csum_completed_at_device)
{
	const struct frame_spec spec = {
		.dst = mac1, .src = mac0, .ip = 4, .sport = 4000, .dport = 4001,
		.payload_len = 300,
	};
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = L4_OFF, .csum_offset = 6,
	};
	static struct txf f;
	static uint8_t buf[2048];
	uint8_t cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->sink, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)));
	for (int offload = 1; offload >= 0; offload--) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct tpacket_auxdata *aux = NULL;
		struct frame_spec s = spec;
		uint32_t seq = ~0u;
		uint16_t psum;
		ssize_t n;

		ASSERT_EQ(0, tx_set_offload("psk0", ETHTOOL_STXCSUM, offload))
			TH_LOG("ethtool tx %d: %s", offload, strerror(errno));
		s.seq = offload;
		txf_spec(&f, &s);
		psum = pseudo_sum(f.wire);
		f.wire[L4_OFF + 6] = psum >> 8;
		f.wire[L4_OFF + 7] = psum & 0xff;
		ASSERT_EQ((ssize_t)(sizeof(vh) + f.len),
			  send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len))
			TH_LOG("send: %s", strerror(errno));

		n = tx_sink_next_msg(self->sink, &msg, UDP_PAYLOAD_OFF, &seq, WAIT_MS);
		ASSERT_EQ((ssize_t)f.len, n)
			TH_LOG("frame %d on psk1: %s", offload,
			       n < 0 ? strerror(errno) : "timeout or wrong length");
		EXPECT_EQ((uint32_t)offload, seq);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
				aux = (struct tpacket_auxdata *)CMSG_DATA(c);
		ASSERT_NE(NULL, aux);
		EXPECT_EQ(0, memcmp(buf, f.wire, L4_OFF + 6));
		EXPECT_EQ(0, memcmp(buf + UDP_PAYLOAD_OFF, f.wire + UDP_PAYLOAD_OFF,
				    f.len - UDP_PAYLOAD_OFF));
		if (offload) {
			EXPECT_EQ(psum, udp_csum_field(buf));
			EXPECT_EQ(TP_STATUS_CSUMNOTREADY, aux->tp_status & TP_STATUS_CSUMNOTREADY);
		} else {
			EXPECT_TRUE(udp_csum_ok(buf, n))
				TH_LOG("checksum %#x", udp_csum_field(buf));
			EXPECT_EQ(0, aux->tp_status & TP_STATUS_CSUMNOTREADY);
		}
	}
}

/*
 * csum_start + csum_offset + 2 beyond the frame: __packet_snd_vnet_parse()
 * raises hdr_len to cover it, which then exceeds the length: EINVAL.
 */
TEST_F(snd_vnet, bad_csum_offset_einval)
{
	const struct frame_spec spec = {
		.dst = mac1, .src = mac0, .ip = 4, .sport = 4000, .dport = 4001,
		.payload_len = 100, .seq = 1,
	};
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = L4_OFF,
	};
	static struct txf f;

	txf_spec(&f, &spec);
	/* the 2-byte field would end 1 past the frame */
	vh.csum_offset = f.len - L4_OFF - 1;
	EXPECT_EQ(-1, send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	EXPECT_EQ(EINVAL, errno);
	vh.csum_offset = 6;
	EXPECT_EQ((ssize_t)(sizeof(vh) + f.len),
		  send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	/* The checksum field is left to the device: compare the rest. */
	expect_bytes(_metadata, self->sink, UDP_PAYLOAD_OFF, f.wire, f.len, 1, L4_OFF + 6);
}

/* An IPv4/TCP frame with payload_len bytes of this program's tagged payload. */
static size_t build_tcp(uint8_t *buf, uint32_t seq, size_t payload_len)
{
	const struct frame_spec spec = {
		.dst = mac1, .src = mac0, .ip = 4, .payload_len = payload_len + 12, .seq = seq,
	};
	struct iphdr *ip = (struct iphdr *)(buf + IP4_OFF);
	struct tcphdr *th;

	/*
	 * IPv4/UDP first (same IP total length); then the 20-byte TCP header in
	 * place of UDP's 8, the tagged payload moved after it.
	 */
	frame_build(buf, 10000, &spec);
	memmove(buf + L4_OFF + sizeof(*th), buf + UDP_PAYLOAD_OFF, payload_len);
	th = (struct tcphdr *)(buf + L4_OFF);
	memset(th, 0, sizeof(*th));
	th->source = htons(5000);
	th->dest = htons(5001);
	th->doff = 5;
	th->ack = 1;
	th->window = htons(1000);
	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->check = htons((uint16_t)~inet_csum_add(ip, sizeof(*ip), 0));
	return L4_OFF + sizeof(*th) + payload_len;
}

/*
 * A 3054-byte TCP frame (3000 bytes of payload) with gso_type TCPV4 and
 * gso_size 1000: the MTU check is skipped (packet_snd()), the call returns
 * 10 + 3054 and, veth doing TSO, psk1 receives it as one 3054-byte frame.
 * The same frame without a GSO type is EMSGSIZE.
 */
TEST_F(snd_vnet, gso_frame_over_mtu_accepted)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = L4_OFF + sizeof(struct tcphdr),
		.gso_size = 1000,
		.csum_start = L4_OFF,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	struct virtio_net_hdr plain = { 0 };
	static uint8_t frame[10000];
	size_t len = build_tcp(frame, 3, 3000);

	ASSERT_EQ(3054u, len);
	EXPECT_EQ(-1, send_vnet(self->fd, &plain, sizeof(plain), frame, len));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ((ssize_t)(sizeof(vh) + len), send_vnet(self->fd, &vh, sizeof(vh), frame, len))
		TH_LOG("send: %s", strerror(errno));
	expect_bytes(_metadata, self->sink, L4_OFF + sizeof(struct tcphdr), frame, len, 3,
		     L4_OFF + offsetof(struct tcphdr, check));
}

/*
 * With TSO off on psk0 the same GSO frame is split before it leaves
 * (validate_xmit_skb(), skb_gso_segment()): psk1 receives 3 frames of
 * 14 + 20 + 20 + 1000 bytes, IP total length 1040, TCP sequence numbers
 * 0, 1000, 2000, each carrying its own 1000-byte slice of the payload.
 */
TEST_F(snd_vnet, gso_frame_split_without_tso)
{
	const size_t tcp_off = L4_OFF + sizeof(struct tcphdr);
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = tcp_off,
		.gso_size = 1000,
		.csum_start = L4_OFF,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	static uint8_t frame[10000], chunk[2048], buf[4096];
	size_t len = build_tcp(frame, 9, 3000);

	/* Each 1000-byte slice starts with its own tag (seq 10, 11, 12). */
	for (uint32_t k = 0; k < 3; k++) {
		const struct frame_spec cs = { .payload_len = 1000, .seq = 10 + k };

		frame_build(chunk, sizeof(chunk), &cs);
		memcpy(frame + tcp_off + k * 1000, chunk + ETH_HLEN, 1000);
	}
	ASSERT_EQ(0, tx_set_offload("psk0", ETHTOOL_STSO, 0)) TH_LOG("ethtool tso off: %s",
								       strerror(errno));
	ASSERT_EQ((ssize_t)(sizeof(vh) + len), send_vnet(self->fd, &vh, sizeof(vh), frame, len))
		TH_LOG("send: %s", strerror(errno));
	for (uint32_t k = 0; k < 3; k++) {
		const struct iphdr *ip = (const struct iphdr *)(buf + IP4_OFF);
		const struct tcphdr *th = (const struct tcphdr *)(buf + L4_OFF);
		uint32_t seq = ~0u;
		ssize_t n = tx_sink_next(self->sink, buf, sizeof(buf), tcp_off, &seq, NULL,
					 WAIT_MS);

		ASSERT_EQ((ssize_t)(tcp_off + 1000), n) TH_LOG("segment %u", k);
		EXPECT_EQ(10 + k, seq);
		EXPECT_EQ(tcp_off + 1000 - ETH_HLEN, ntohs(ip->tot_len));
		EXPECT_EQ(k * 1000, ntohl(th->seq));
		EXPECT_EQ(0, memcmp(buf + tcp_off, frame + tcp_off + k * 1000, 1000));
	}
}

/*
 * PACKET_VNET_HDR_SZ (Linux 6.4, "net/packet: support mergeable feature of
 * virtio"): with PACKET_VNET_HDR on it reads 10; set to 12 the header is a
 * 12-byte virtio_net_hdr_mrg_rxbuf, getsockopt() reads 12 back (and
 * PACKET_VNET_HDR 1), the call returns 12 + frame and the frame arrives
 * intact. A kernel without the option answers ENOPROTOOPT (the default case
 * of packet_getsockopt()); any error from setting 12 is the kernel refusing
 * a size it must accept.
 */
TEST_F(snd_vnet, vnet_hdr_sz_12)
{
	struct virtio_net_hdr vh = { 0 };
	int sz = 12, val = -1;
	socklen_t len = sizeof(val);
	static struct txf f;

	if (getsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &val, &len)) {
		if (errno == ENOPROTOOPT)
			SKIP(return, "PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4, "
			     "\"net/packet: support mergeable feature of virtio\"), running %s",
			     psock_kernel_release());
		ASSERT_EQ(0, errno) TH_LOG("getsockopt(PACKET_VNET_HDR_SZ): %s", strerror(errno));
	}
	EXPECT_EQ(10, val) TH_LOG("PACKET_VNET_HDR 1 is a 10-byte header");
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &sz, sizeof(sz)))
		TH_LOG("PACKET_VNET_HDR_SZ %d: %s", sz, strerror(errno));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &val, &len));
	EXPECT_EQ(12, val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &val, &len));
	EXPECT_EQ(1, val);
	txf_build(&f, mac1, 4, 200, 0);
	ASSERT_EQ((ssize_t)(12 + f.len), send_vnet(self->fd, &vh, 12, f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));
	expect_frame(_metadata, self->sink, &f, 4);
}

TEST_HARNESS_MAIN

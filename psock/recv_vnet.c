// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving with PACKET_VNET_HDR: every packet a SOCK_RAW socket reads is
 * preceded by a struct virtio_net_hdr that the kernel fills from the skb
 * (virtio_net_hdr_from_skb() in include/linux/virtio_net.h, called by
 * packet_rcv_vnet() for recvmsg() and by tpacket_rcv() for a ring, in
 * net/packet/af_packet.c):
 *
 *  - a GSO skb gives its gso_type (TCPV4, or UDP_L4 for a UDP_SEGMENT
 *    datagram, Linux 6.2), gso_size, and hdr_len = skb_headlen(), the
 *    linear part, a hint of how much to copy first; a CHECKSUM_PARTIAL skb
 *    gives VIRTIO_NET_HDR_F_NEEDS_CSUM with csum_start counted from the
 *    link header and csum_offset; a plain injected frame (CHECKSUM_NONE)
 *    gives an all-zero header;
 *  - recvmsg() writes the header first, then the frame, and returns both
 *    lengths added; with PACKET_VNET_HDR_SZ 12 (Linux 6.4, "net/packet:
 *    support mergeable feature of virtio") the header is a 12-byte
 *    virtio_net_hdr_mrg_rxbuf whose num_buffers is 0;
 *  - in a ring, tpacket_rcv() moves tp_mac and tp_net on by the header
 *    size and writes the 10-byte struct right before tp_mac. With 12 it
 *    still writes 10 bytes at tp_mac - 10: the 2 bytes at tp_mac - 12 are
 *    reserved but never written, so the 12-byte struct a reader would
 *    expect at tp_mac - 12 is not there (num_buffers included);
 *  - on Linux 6.1 a UDP GSO skb has no virtio gso_type:
 *    virtio_net_hdr_from_skb() fails, recvmsg() returns EINVAL and frees the
 *    packet, tpacket_rcv() drops it and counts it in tp_drops. That loses
 *    data, so the udp_gso_frame case fails there (an expected failure of
 *    that release), it does not skip;
 *  - the option is SOCK_RAW only (EINVAL on SOCK_DGRAM); PACKET_VNET_HDR_SZ
 *    takes 0, 10 or 12 (EINVAL otherwise); both are EBUSY once a ring exists.
 *
 * The GSO skbs come from psk1's namespace (harness/vnet.h): a packet socket
 * sending a vnet TCPV4 GSO frame, a UDP socket sending a UDP_SEGMENT
 * datagram; veth passes both on whole. The receiver is a SOCK_RAW socket on
 * psk0 bound to ETH_P_IP (no outgoing copies).
 *
 * Test cases (<path> = recvmsg / ring_v2 / ring_v3, <n> = 10 / 12):
 *   vnet_rx.<path>_<n>.tcp_gso_frame
 *   vnet_rx.<path>_<n>.plain_frame_zero_header
 *   vnet_rx.<path>_<n>.udp_gso_frame
 *   vnet_short.hdr_<n>.buffer_shorter_than_header_einval_frame_dropped
 *   vnet_opt.dgram_einval
 *   vnet_opt.hdr_sz_other_sizes_einval
 *   vnet_opt.ebusy_with_ring
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"
#include "tx.h"
#include "vnet.h"

/* Offsets in the frames received (from the link header). */
#define IP4_OFF ETH_HLEN
#define L4_OFF (ETH_HLEN + 20)
#define TCP_DATA_OFF (L4_OFF + 20)
#define UDP_DATA_OFF (L4_OFF + 8)

/* The TCP GSO frame: 1200 bytes of payload in 3 segments of 400. */
#define TCP_PAYLOAD 1200
#define TCP_FRAME_LEN (TCP_DATA_OFF + TCP_PAYLOAD)	/* 1254 */
#define GSO_SIZE 400

/* A byte the kernel never writes into the ring here: marks what it left alone. */
#define FILL 0xAA

/*
 * Probe for PACKET_VNET_HDR_SZ (Linux 6.4): SKIP (then run statement) when
 * getsockopt() says the option is unknown (ENOPROTOOPT); any other error
 * fails the case.
 */
#define SKIP_WITHOUT_VNET_HDR_SZ(statement, fd) do {				\
	socklen_t l_ = sizeof(int);						\
	int v_ = -1, e_ = 0;							\
										\
	if (getsockopt((fd), SOL_PACKET, PACKET_VNET_HDR_SZ, &v_, &l_))		\
		e_ = errno;							\
	if (e_ == ENOPROTOOPT)							\
		SKIP(statement, "PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4, " \
		     "\"net/packet: support mergeable feature of virtio\"), running %s", \
		     psock_kernel_release());					\
	ASSERT_EQ(0, e_) TH_LOG("getsockopt(PACKET_VNET_HDR_SZ): %s", strerror(e_));	\
} while (0)

/*
 * The receiver's header: 12 with PACKET_VNET_HDR_SZ (SKIP, then statement,
 * where the option is unknown), 10 with PACKET_VNET_HDR 1.
 */
#define SET_VNET_HDR(statement, fd, hdr) do {					\
	int hdr_ = (hdr), one_ = 1;						\
										\
	if (hdr_ == 12) {							\
		SKIP_WITHOUT_VNET_HDR_SZ(statement, (fd));			\
		ASSERT_EQ(0, setsockopt((fd), SOL_PACKET, PACKET_VNET_HDR_SZ, &hdr_,	\
					sizeof(hdr_)))				\
			TH_LOG("PACKET_VNET_HDR_SZ 12: %s", strerror(errno));	\
	} else {								\
		ASSERT_EQ(0, setsockopt((fd), SOL_PACKET, PACKET_VNET_HDR, &one_,	\
					sizeof(one_)))				\
			TH_LOG("PACKET_VNET_HDR: %s", strerror(errno));		\
	}									\
} while (0)

/* ---- the header on each receive path -------------------------------- */

FIXTURE(vnet_rx) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_VARIANT(vnet_rx) {
	bool ring;		/* false: recvmsg() */
	int version;
	int hdr;		/* 10: PACKET_VNET_HDR 1; 12: PACKET_VNET_HDR_SZ 12 */
	unsigned int mac, net;	/* tp_mac, tp_net of an IPv4 frame in the ring */
};

/*
 * tp_net = TPACKET_ALIGN(tp_hdrlen + 16) + header size, tp_mac 14 before:
 * 80 + n on V2 (tp_hdrlen 52), 96 + n on V3 (tp_hdrlen 68).
 */
FIXTURE_VARIANT_ADD(vnet_rx, recvmsg_10) { .ring = false, .hdr = 10 };
FIXTURE_VARIANT_ADD(vnet_rx, recvmsg_12) { .ring = false, .hdr = 12 };
FIXTURE_VARIANT_ADD(vnet_rx, ring_v2_10) {
	.ring = true, .version = TPACKET_V2, .hdr = 10, .mac = 76, .net = 90 };
FIXTURE_VARIANT_ADD(vnet_rx, ring_v2_12) {
	.ring = true, .version = TPACKET_V2, .hdr = 12, .mac = 78, .net = 92 };
FIXTURE_VARIANT_ADD(vnet_rx, ring_v3_10) {
	.ring = true, .version = TPACKET_V3, .hdr = 10, .mac = 92, .net = 106 };
FIXTURE_VARIANT_ADD(vnet_rx, ring_v3_12) {
	.ring = true, .version = TPACKET_V3, .hdr = 12, .mac = 94, .net = 108 };

/* Write FILL over every ring frame (V2) or block (V3) past its first header bytes. */
static void ring_fill(struct ring *r)
{
	/* V2: keep the 32-byte tpacket2_hdr (tp_status); V3: the 48-byte block descriptor. */
	size_t keep = r->version == TPACKET_V3 ? 48 : 32;
	size_t unit = r->version == TPACKET_V3 ? r->geo.block_size : r->geo.frame_size;
	unsigned int n = r->version == TPACKET_V3 ? r->geo.block_nr : r->frame_nr;

	for (unsigned int i = 0; i < n; i++)
		memset((uint8_t *)ring_frame(r, i) + keep, FILL, unit - keep);
}

/*
 * psk1 in its own namespace with addresses (a UDP socket there reaches
 * psk0 over veth); the receiver on psk0 with the variant's header size set
 * before its ring (EBUSY after), the ring filled with FILL.
 */
FIXTURE_SETUP(vnet_rx)
{
	const struct netns_opts opts = { .peer_netns = true, .addrs = true };
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_IP);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	SET_VNET_HDR(return, self->fd, variant->hdr);
	ASSERT_EQ(0, rx_path_open(&self->ring, self->fd, variant->ring))
		TH_LOG("%s: %s", variant->ring ? "PACKET_RX_RING" : "PACKET_AUXDATA",
		       strerror(errno));
	ASSERT_EQ(variant->ring, self->ring.map != NULL);
	if (variant->ring)
		ring_fill(&self->ring);
}

FIXTURE_TEARDOWN(vnet_rx)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/* What the receiver got: the 12 bytes before the frame, and the frame. */
struct vnet_seen {
	uint8_t before[12];	/* recvmsg: the first 12 bytes read; ring: tp_mac - 12 .. tp_mac */
	uint8_t frame[2048];
	size_t len;		/* frame bytes (recvmsg: returned - header; ring: tp_snaplen) */
	struct frame_view v;	/* ring only */
};

/* The virtio_net_hdr the kernel wrote: recvmsg at byte 0, ring at tp_mac - 10. */
static struct virtio_net_hdr seen_hdr(const struct vnet_seen *s, bool ring)
{
	struct virtio_net_hdr vh;

	memcpy(&vh, s->before + (ring ? 2 : 0), sizeof(vh));
	return vh;
}

/*
 * The next packet tagged seq (its tag skip bytes into the frame) on the
 * variant's path, into *s. recvmsg(): the call must return the header size
 * plus the frame length PACKET_AUXDATA gives; the buffer starts as 0xff,
 * so every byte compared was written. Ring: the frame must be stored whole.
 */
static void vnet_recv(struct __test_metadata *_metadata, struct _test_data_vnet_rx *self,
		      const struct _fixture_variant_vnet_rx *variant, size_t skip, uint32_t want,
		      struct vnet_seen *s)
{
	static uint8_t buf[12 + sizeof(s->frame)];
	uint32_t seq = ~0u;
	int64_t deadline;

	memset(s, 0, sizeof(*s));
	if (variant->ring) {
		void *f = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, skip, &seq);
		struct psock_stats st = { 0 };
		int err = errno;

		if (!f)
			EXPECT_EQ(0, psock_stats_read(self->fd, &st));
		ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms); tp_packets %u, tp_drops %u",
					  want, strerror(err), PSOCK_WAIT_MS, st.packets, st.drops);
		EXPECT_EQ(want, seq);
		frame_view(&self->ring, f, &s->v);
		ASSERT_EQ(s->v.len, s->v.snaplen) TH_LOG("frame cut to the ring slot");
		ASSERT_GE(sizeof(s->frame), s->v.snaplen);
		memcpy(s->before, s->v.data - 12, 12);
		memcpy(s->frame, s->v.data, s->v.snaplen);
		s->len = s->v.snaplen;
		ring_release_frame(&self->ring, f);
		return;
	}
	deadline = psock_deadline(PSOCK_WAIT_MS);
	for (;;) {
		struct tpacket_auxdata aux;
		ssize_t n;

		ASSERT_EQ(1, psock_wait_until(self->fd, POLLIN, deadline))
			TH_LOG("frame %u within %d ms: %s", want, PSOCK_WAIT_MS, strerror(errno));
		memset(buf, 0xff, sizeof(buf));
		n = psock_recv_auxdata(self->fd, buf, sizeof(buf), MSG_DONTWAIT, &aux, NULL);
		ASSERT_LT(0, n) TH_LOG("recvmsg with a %d-byte vnet header: %s", variant->hdr,
				       strerror(errno));
		if ((size_t)n <= variant->hdr + skip ||
		    !frame_tag(buf + variant->hdr + skip, n - variant->hdr - skip, &seq))
			continue;
		EXPECT_EQ(want, seq);
		ASSERT_EQ((ssize_t)(variant->hdr + aux.tp_len), n)
			TH_LOG("recvmsg returns header + frame");
		memcpy(s->before, buf, 12);
		s->len = n - variant->hdr;
		memcpy(s->frame, buf + variant->hdr, s->len);
		return;
	}
}

/*
 * Where the header lands besides its 10 bytes. recvmsg() with 12: the
 * frame starts at byte 12 and bytes 10-11 (num_buffers) are 0. Ring:
 * tp_mac and tp_net moved on by the header size; with 12 the 2 bytes at
 * tp_mac - 12 are reserved but left as they were (tpacket_rcv() writes
 * sizeof(struct virtio_net_hdr) at tp_mac - 10 whatever the size).
 */
static void expect_hdr_place(struct __test_metadata *_metadata,
			     const struct _fixture_variant_vnet_rx *variant,
			     const struct vnet_seen *s)
{
	if (!variant->ring) {
		if (variant->hdr == 12) {
			EXPECT_EQ(0, s->before[10]);
			EXPECT_EQ(0, s->before[11]);
		}
		return;
	}
	EXPECT_EQ(variant->mac, s->v.mac);
	EXPECT_EQ(variant->net, s->v.net);
	if (variant->hdr == 12) {
		EXPECT_EQ(FILL, s->before[0]) TH_LOG("tp_mac - 12 written");
		EXPECT_EQ(FILL, s->before[1]) TH_LOG("tp_mac - 11 written");
	}
}

/*
 * A TCPV4 GSO frame (1254 bytes, gso_size 400, NEEDS_CSUM from the TCP
 * header) sent by a packet socket in psk1's namespace arrives as one GSO
 * skb: the header says NEEDS_CSUM, csum_start 34 (counted from the link
 * header), csum_offset 16, gso_type TCPV4, gso_size 400, and hdr_len
 * 1254: the whole frame is linear (packet_alloc_skb() pages nothing under
 * a page) and hdr_len is skb_headlen(). The frame follows intact.
 */
TEST_F(vnet_rx, tcp_gso_frame)
{
	const struct virtio_net_hdr vh = vnet_tcp_gso_hdr(GSO_SIZE);
	static uint8_t wire[TCP_FRAME_LEN];
	static struct vnet_seen s;
	struct virtio_net_hdr got;

	ASSERT_EQ(TCP_FRAME_LEN, vnet_tcp_frame(wire, sizeof(wire), 1, TCP_PAYLOAD));
	ASSERT_EQ(0, vnet_peer_send(&self->topo, &vh, wire, sizeof(wire)))
		TH_LOG("vnet GSO send from psk1: %s", strerror(errno));
	vnet_recv(_metadata, self, variant, TCP_DATA_OFF, 1, &s);
	got = seen_hdr(&s, variant->ring);
	EXPECT_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, got.flags);
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_TCPV4, got.gso_type);
	EXPECT_EQ(TCP_FRAME_LEN, got.hdr_len);
	EXPECT_EQ(GSO_SIZE, got.gso_size);
	EXPECT_EQ(L4_OFF, got.csum_start);
	EXPECT_EQ(16, got.csum_offset);
	expect_hdr_place(_metadata, variant, &s);
	ASSERT_EQ(TCP_FRAME_LEN, s.len);
	EXPECT_EQ(0, memcmp(wire, s.frame, TCP_FRAME_LEN));
}

/*
 * A plain IPv4/UDP frame a packet socket injects on psk1 (not GSO,
 * CHECKSUM_NONE): all ten bytes of the header are written as 0.
 */
TEST_F(vnet_rx, plain_frame_zero_header)
{
	const struct frame_spec spec = { .ip = 4, .payload_len = 300, .seq = 2 };
	static const uint8_t zero[10];
	uint8_t wire[ETH_FRAME_LEN];
	size_t len = frame_build(wire, sizeof(wire), &spec);
	static struct vnet_seen s;

	ASSERT_EQ(UDP_DATA_OFF + 300, len);
	ASSERT_EQ((ssize_t)len, peer_send(&self->topo, wire, len)) TH_LOG("send: %s",
									  strerror(errno));
	vnet_recv(_metadata, self, variant, UDP_DATA_OFF, 2, &s);
	EXPECT_EQ(0, memcmp(zero, s.before + (variant->ring ? 2 : 0), 10));
	expect_hdr_place(_metadata, variant, &s);
	ASSERT_EQ(len, s.len);
	EXPECT_EQ(0, memcmp(wire, s.frame, len));
}

/*
 * A UDP socket in psk1's namespace sends 1200 bytes with UDP_SEGMENT 400:
 * one SKB_GSO_UDP_L4 skb, CHECKSUM_PARTIAL, crosses veth whole. Since
 * Linux 6.2 ("linux/virtio_net.h: Support USO offload in vnet header.")
 * the header says gso_type VIRTIO_NET_HDR_GSO_UDP_L4 (5), gso_size 400,
 * NEEDS_CSUM at the UDP header (csum_start 34, csum_offset 6) and hdr_len
 * 42: the IP and UDP headers are linear, the payload is in page frags
 * (__ip_append_data() for a GSO datagram on an SG device). On 6.1 the
 * packet is lost: recvmsg() EINVAL, the ring drops it (tp_drops).
 */
TEST_F(vnet_rx, udp_gso_frame)
{
	const struct frame_spec spec = { .ip = 4, .payload_len = 3 * GSO_SIZE, .seq = 3,
					 .dport = VNET_UDP_DPORT };
	uint8_t wire[ETH_FRAME_LEN];
	size_t len = frame_build(wire, sizeof(wire), &spec);
	static struct vnet_seen s;
	struct virtio_net_hdr got;

	ASSERT_EQ(UDP_DATA_OFF + 3 * GSO_SIZE, len);
	ASSERT_EQ(0, vnet_peer_send_udp_gso(&self->topo, wire + UDP_DATA_OFF, 3 * GSO_SIZE,
					    GSO_SIZE))
		TH_LOG("UDP_SEGMENT send from psk1: %s", strerror(errno));
	vnet_recv(_metadata, self, variant, UDP_DATA_OFF, 3, &s);
	got = seen_hdr(&s, variant->ring);
	EXPECT_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, got.flags);
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_UDP_L4, got.gso_type);
	EXPECT_EQ(UDP_DATA_OFF, got.hdr_len);
	EXPECT_EQ(GSO_SIZE, got.gso_size);
	EXPECT_EQ(L4_OFF, got.csum_start);
	EXPECT_EQ(6, got.csum_offset);
	expect_hdr_place(_metadata, variant, &s);
	ASSERT_EQ(len, s.len);
	/* The UDP socket's own headers (IP id, checksum): compare the payload. */
	EXPECT_EQ(0, memcmp(wire + UDP_DATA_OFF, s.frame + UDP_DATA_OFF, 3 * GSO_SIZE));
}

/* ---- a buffer shorter than the header -------------------------------- */

FIXTURE(vnet_short) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_VARIANT(vnet_short) {
	int hdr;	/* 10: PACKET_VNET_HDR 1; 12: PACKET_VNET_HDR_SZ 12 */
};

FIXTURE_VARIANT_ADD(vnet_short, hdr_10) { .hdr = 10 };
FIXTURE_VARIANT_ADD(vnet_short, hdr_12) { .hdr = 12 };

/* psk1 in its own namespace; the receiver on psk0, ETH_P_PSOCK only, with the header set. */
FIXTURE_SETUP(vnet_short)
{
	const struct netns_opts opts = { .peer_netns = true };

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	SET_VNET_HDR(return, self->fd, variant->hdr);
}

FIXTURE_TEARDOWN(vnet_short)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

/* recvmsg() of the next frame into a buffer of len bytes: its return value (or -errno). */
static ssize_t vnet_short_recv(struct __test_metadata *_metadata, int fd, uint8_t *buf,
			       size_t len, int *msg_flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	EXPECT_EQ(1, psock_wait(fd, POLLIN, PSOCK_WAIT_MS)) TH_LOG("no frame: %s", strerror(errno));
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	*msg_flags = mh.msg_flags;
	return n < 0 ? -errno : n;
}

/*
 * packet_rcv_vnet(): a recvmsg() buffer shorter than the vnet header is
 * EINVAL and the frame is gone (packet_recvmsg() frees it); a buffer of
 * exactly the header's size gets the header alone, MSG_TRUNC, and the
 * return value is the header's size (the frame's bytes are not counted:
 * no MSG_TRUNC in the flags given). Frames 1, 2, 3 (64-byte payloads):
 * 1 is lost to the short buffer, 2 arrives whole, 3 as a header only.
 */
TEST_F(vnet_short, buffer_shorter_than_header_einval_frame_dropped)
{
	const size_t frame_len = ETH_HLEN + 64;
	uint8_t buf[2048];
	uint32_t seq = 0;
	int flags = 0;

	for (uint32_t i = 1; i <= 3; i++) {
		const struct frame_spec spec = { .payload_len = 64, .seq = i };

		ASSERT_EQ((ssize_t)frame_len, peer_send_spec(&self->topo, &spec))
			TH_LOG("send %u: %s", i, strerror(errno));
	}
	EXPECT_EQ(-EINVAL, vnet_short_recv(_metadata, self->fd, buf, variant->hdr - 1, &flags));
	ASSERT_EQ((ssize_t)(variant->hdr + frame_len),
		  vnet_short_recv(_metadata, self->fd, buf, sizeof(buf), &flags));
	EXPECT_EQ(0, flags & MSG_TRUNC);
	ASSERT_TRUE(frame_tag(buf + variant->hdr + ETH_HLEN, 64, &seq));
	EXPECT_EQ(2, seq);
	EXPECT_EQ(variant->hdr, vnet_short_recv(_metadata, self->fd, buf, variant->hdr, &flags));
	EXPECT_EQ(MSG_TRUNC, flags & MSG_TRUNC);
	EXPECT_ERRNO(EAGAIN, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* ---- the option itself ---------------------------------------------- */

FIXTURE(vnet_opt) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(vnet_opt)
{
	const struct netns_opts opts = { .no_links = true };

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(vnet_opt)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

static int getint(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, SOL_PACKET, opt, &val, &len))
		return -1000 - errno;
	return len == sizeof(int) ? val : -2000 - (int)len;
}

/* The vnet header is for SOCK_RAW only: SOCK_DGRAM gets EINVAL and keeps 0. */
TEST_F(vnet_opt, dgram_einval)
{
	int one = 1, fd = psock_socket(SOCK_DGRAM, 0);

	ASSERT_LE(0, fd) TH_LOG("SOCK_DGRAM socket: %s", strerror(errno));
	EXPECT_ERRNO(EINVAL, setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)));
	EXPECT_EQ(0, getint(fd, PACKET_VNET_HDR));
	EXPECT_EQ(0, close(fd));
}

/*
 * PACKET_VNET_HDR_SZ takes 0, 10 and 12 only: 1, 8, 11, 13, 16 and -1 are
 * EINVAL and leave 10 set; 0 turns the header off (PACKET_VNET_HDR reads
 * 0). PACKET_VNET_HDR 1 again means 10.
 */
TEST_F(vnet_opt, hdr_sz_other_sizes_einval)
{
	static const int bad[] = { 1, 8, 11, 13, 16, -1 };
	int ten = 10, zero = 0, one = 1;

	SKIP_WITHOUT_VNET_HDR_SZ(return, self->fd);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &ten, sizeof(ten)));
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ,
						&bad[i], sizeof(bad[i])));
		EXPECT_EQ(10, getint(self->fd, PACKET_VNET_HDR_SZ)) TH_LOG("after %d", bad[i]);
	}
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &zero, sizeof(zero)));
	EXPECT_EQ(0, getint(self->fd, PACKET_VNET_HDR_SZ));
	EXPECT_EQ(0, getint(self->fd, PACKET_VNET_HDR));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)));
	EXPECT_EQ(10, getint(self->fd, PACKET_VNET_HDR_SZ));
}

/*
 * Once a ring exists the header size is fixed (the ring layout depends on
 * it): PACKET_VNET_HDR is EBUSY and the value stays 0; after teardown it is
 * accepted. PACKET_VNET_HDR_SZ follows the same rule where it exists.
 */
TEST_F(vnet_opt, ebusy_with_ring)
{
	int one = 1, twelve = 12, hdr_sz = 1;
	socklen_t len = sizeof(int);
	struct ring r;

	if (getsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &hdr_sz, &len)) {
		ASSERT_EQ(ENOPROTOOPT, errno) TH_LOG("PACKET_VNET_HDR_SZ: %s", strerror(errno));
		hdr_sz = -1;	/* before Linux 6.4: no such option */
	}
	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
	ASSERT_EQ(0, ring_open(&r, self->fd, PACKET_RX_RING, &ring_small))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	EXPECT_ERRNO(EBUSY, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)));
	if (hdr_sz >= 0)
		EXPECT_ERRNO(EBUSY, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &twelve,
					       sizeof(twelve)));
	EXPECT_EQ(0, getint(self->fd, PACKET_VNET_HDR));
	ASSERT_EQ(0, ring_close(&r));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)));
	EXPECT_EQ(1, getint(self->fd, PACKET_VNET_HDR));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The plain send path of a packet socket: send()/sendto() without a ring,
 * packet_snd() in net/packet/af_packet.c (send_vnet.c: with PACKET_VNET_HDR).
 *
 *  - SOCK_RAW sends the buffer as the whole frame, link header included;
 *    SOCK_DGRAM sends it as the payload and the kernel builds the link
 *    header (dev_hard_header()) from the sockaddr_ll: destination MAC
 *    sll_addr, EtherType sll_protocol, source the device's MAC. The call
 *    returns the number of bytes the caller passed.
 *  - The device is the bound one, or the sockaddr_ll's sll_ifindex: none
 *    (unbound socket, or ifindex 0) gives ENXIO, a device that is down
 *    ENETDOWN. An address shorter than struct sockaddr_ll, or than its
 *    sll_halen needs, is EINVAL. A SOCK_DGRAM send with no address at all
 *    has no destination MAC: dev_hard_header() fails, EINVAL.
 *  - Size: more than MTU + link header gives EMSGSIZE, except 4 more bytes
 *    for an 802.1Q-tagged frame on an Ethernet device
 *    (packet_extra_vlan_len_allowed(); lo gets none). Length 0:
 *    SOCK_RAW fails dev_validate_header() (EINVAL); SOCK_DGRAM sends a bare
 *    14-byte link header and returns 0. A buffer the kernel cannot read
 *    (a PROT_NONE page) is EFAULT from skb_copy_datagram_from_iter() and
 *    nothing is sent. On a device without a link header (ip6tnl: no
 *    header_ops, dev_hard_header() adds 0 bytes) SOCK_DGRAM sends the
 *    payload as it is: the whole frame.
 *  - SO_NOFCS: a device without IFF_SUPP_NOFCS (veth has none) refuses
 *    every send, EPROTONOSUPPORT (packet_snd(), netif_supports_nofcs()).
 *  - PACKET_QDISC_BYPASS: packet_xmit() hands the skb straight to the
 *    driver (dev_direct_xmit()) instead of dev_queue_xmit(), so the
 *    device's qdisc never sees it; the frame still arrives.
 *  - The sent frame is copied to every tap on the device (an ETH_P_ALL
 *    packet socket) with sll_pkttype PACKET_OUTGOING (dev_queue_xmit_nit()),
 *    but not back to the sending socket itself (skb_loop_sk()).
 *
 * Frames go out of psk0 and are checked byte for byte on psk1.
 *
 * Test cases (<type> = raw / dgram):
 *   snd.<type>.frame_arrives_intact
 *   snd.<type>.send_returns_bytes_passed
 *   snd.<type>.size_edges_emsgsize
 *   snd.<type>.zero_length
 *   snd.<type>.so_nofcs_eprotonosupport_on_veth
 *   snd.<type>.unreadable_buffer_efault_nothing_sent
 *   snd_vlan.vlan_8021q_frame_4_bytes_longer_allowed
 *   snd_vlan.vlan_slack_only_on_ethernet_lo_emsgsize
 *   snd_err.no_device_enxio
 *   snd_err.device_down_enetdown
 *   snd_err.short_address_einval
 *   snd_err.dgram_address_shorter_than_dev_addr_einval
 *   snd_err.dgram_without_address_einval
 *   snd_nohdr.dgram_frame_is_the_payload
 *   snd_opt.qdisc_bypass_reads_back_1
 *   snd_opt.qdisc_bypass_skips_qdisc
 *   snd_opt.outgoing_copy_reaches_tap
 *   snd_opt.outgoing_copy_skips_sender
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

static const uint8_t mac_dgram[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x42 };

/* ---- both socket types ------------------------------------------------ */

FIXTURE(snd) {
	struct netns_topo topo;
	int fd, sink;
	struct sockaddr_ll to;
	struct tx_frame f[3];
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
static ssize_t send_frame(struct _test_data_snd *self, int type, const struct tx_frame *f)
{
	if (type == SOCK_DGRAM)
		return sendto(self->fd, f->wire + ETH_HLEN, f->len - ETH_HLEN, 0,
			      (struct sockaddr *)&self->to, sizeof(self->to));
	return send(self->fd, f->wire, f->len, 0);
}

/* The bytes the caller passes: the whole frame (RAW) or what follows the link header. */
static size_t sent_len(int type, const struct tx_frame *f)
{
	return type == SOCK_DGRAM ? f->len - ETH_HLEN : f->len;
}

/* Frame seq with payload bytes for this variant: to psk1 (the default), or to the sockaddr_ll's MAC. */
static void build(struct __test_metadata *_metadata, struct tx_frame *f, int type,
		  uint32_t seq, size_t payload)
{
	TX_FRAME(f, .dst = type == SOCK_DGRAM ? mac_dgram : NULL, .seq = seq,
		 .payload_len = payload);
}

/*
 * psk1 receives each frame byte for byte (DGRAM: link header from the
 * sockaddr_ll, source psk0's MAC).
 */
TEST_F(snd, frame_arrives_intact)
{
	for (uint32_t i = 0; i < 3; i++) {
		build(_metadata, &self->f[i], variant->type, i, 50 + 400 * i);
		ASSERT_LE(0, send_frame(self, variant->type, &self->f[i]))
			TH_LOG("send: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < 3; i++)
		ASSERT_SINK_FRAME(self->sink, &self->f[i], i, PSOCK_WAIT_MS);
}

/* The call returns the number of bytes passed (DGRAM: without the link header). */
TEST_F(snd, send_returns_bytes_passed)
{
	for (uint32_t i = 0; i < 3; i++) {
		build(_metadata, &self->f[i], variant->type, i, 50 + 400 * i);
		EXPECT_EQ((ssize_t)sent_len(variant->type, &self->f[i]),
			  send_frame(self, variant->type, &self->f[i]))
			TH_LOG("frame %u: %s", i, strerror(errno));
	}
}

/*
 * MTU 1500: a frame of 1514 bytes (RAW) / a 1500-byte payload (DGRAM) is
 * sent, one byte more is EMSGSIZE. Only the good frame arrives, then a marker.
 */
TEST_F(snd, size_edges_emsgsize)
{
	struct tx_frame *edge = &self->f[0], *over = &self->f[1], *marker = &self->f[2];

	build(_metadata, edge, variant->type, 1, 1500);
	build(_metadata, over, variant->type, 90, 1501);
	build(_metadata, marker, variant->type, 5, 60);
	EXPECT_EQ((ssize_t)sent_len(variant->type, edge), send_frame(self, variant->type, edge))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, send_frame(self, variant->type, over));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_LE(0, send_frame(self, variant->type, marker)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, edge, 1, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, marker, 5, PSOCK_WAIT_MS);
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
	int64_t deadline;
	ssize_t n;

	if (variant->type == SOCK_RAW) {
		EXPECT_EQ(-1, send(self->fd, buf, 0, 0));
		EXPECT_EQ(EINVAL, errno);
		build(_metadata, &self->f[0], variant->type, 5, 60);
		ASSERT_EQ((ssize_t)self->f[0].len, send_frame(self, variant->type, &self->f[0]));
		ASSERT_SINK_FRAME(self->sink, &self->f[0], 5, PSOCK_WAIT_MS);
		return;
	}
	EXPECT_EQ(0, sendto(self->fd, buf, 0, 0, (struct sockaddr *)&self->to, sizeof(self->to)));
	/* No payload, no tag: the first frame with this EtherType must be it. */
	deadline = psock_deadline(PSOCK_WAIT_MS);
	do {
		n = tx_sink_recv(self->sink, &msg, deadline);
		ASSERT_LE(ETH_HLEN, n)
			TH_LOG("no frame on psk1: %s", n < 0 ? strerror(errno) : "timeout");
	} while (ntohs(*(uint16_t *)(buf + 12)) != ETH_P_PSOCK);
	ASSERT_EQ(ETH_HLEN, n);
	EXPECT_EQ(0, memcmp(buf, mac_dgram, 6));
	EXPECT_EQ(0, memcmp(buf + 6, self->topo.mac0, 6));
	EXPECT_EQ(ETH_P_PSOCK, ntohs(*(uint16_t *)(buf + 12)));
}

/*
 * SO_NOFCS asks to send a frame whose FCS the caller wrote; veth does not
 * set IFF_SUPP_NOFCS (netif_supports_nofcs()), so packet_snd() refuses every
 * send with EPROTONOSUPPORT and nothing leaves; with the option cleared the
 * next frame is the first to arrive.
 */
TEST_F(snd, so_nofcs_eprotonosupport_on_veth)
{
	int one = 1, zero = 0;

	build(_metadata, &self->f[0], variant->type, 99, 100);
	build(_metadata, &self->f[1], variant->type, 5, 60);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_NOFCS, &one, sizeof(one)))
		TH_LOG("SO_NOFCS: %s", strerror(errno));
	EXPECT_ERRNO(EPROTONOSUPPORT, send_frame(self, variant->type, &self->f[0]));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_NOFCS, &zero, sizeof(zero)));
	ASSERT_EQ((ssize_t)sent_len(variant->type, &self->f[1]),
		  send_frame(self, variant->type, &self->f[1])) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->f[1], 5, PSOCK_WAIT_MS);
}

/*
 * A buffer in a PROT_NONE page: the copy into the skb
 * (skb_copy_datagram_from_iter() in packet_snd()) fails, the call is
 * EFAULT and nothing leaves; the frame sent next is the first to arrive.
 */
TEST_F(snd, unreadable_buffer_efault_nothing_sent)
{
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, page) TH_LOG("mmap: %s", strerror(errno));
	if (variant->type == SOCK_DGRAM)
		EXPECT_ERRNO(EFAULT, sendto(self->fd, page, 100, 0, (struct sockaddr *)&self->to,
					    sizeof(self->to)));
	else
		EXPECT_ERRNO(EFAULT, send(self->fd, page, 114, 0));
	build(_metadata, &self->f[0], variant->type, 9, 100);
	EXPECT_EQ((ssize_t)sent_len(variant->type, &self->f[0]),
		  send_frame(self, variant->type, &self->f[0])) TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->f[0], 9, PSOCK_WAIT_MS);
	EXPECT_EQ(0, munmap(page, 4096));
}

/* ---- an 802.1Q tag (SOCK_RAW) ----------------------------------------- */

FIXTURE(snd_vlan) {
	struct netns_topo topo;
	int fd, sink;
};

FIXTURE_SETUP(snd_vlan)
{
	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
}

FIXTURE_TEARDOWN(snd_vlan)
{
	TX_ENDS_TEARDOWN(self);
}

/*
 * MTU 1500: an 802.1Q frame may be 4 bytes longer
 * (packet_extra_vlan_len_allowed()): 1518 bytes are sent, 1519 are
 * EMSGSIZE. psk1 receives it with the tag moved into metadata.
 */
TEST_F(snd_vlan, vlan_8021q_frame_4_bytes_longer_allowed)
{
	static struct tx_frame q_edge, q_over, marker;

	TX_FRAME(&q_edge, .seq = 2, .payload_len = 1500, .vlan_tpid = ETH_P_8021Q, .vlan_tci = 7);
	TX_FRAME(&q_over, .seq = 91, .payload_len = 1501, .vlan_tpid = ETH_P_8021Q, .vlan_tci = 7);
	TX_FRAME(&marker, .seq = 5, .payload_len = 60);
	ASSERT_EQ(1518u, q_edge.len);
	EXPECT_EQ((ssize_t)q_edge.len, send(self->fd, q_edge.wire, q_edge.len, 0))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, send(self->fd, q_over.wire, q_over.len, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ((ssize_t)marker.len, send(self->fd, marker.wire, marker.len, 0));
	ASSERT_EQ(0, tx_frame_untag(&q_edge));
	ASSERT_SINK_FRAME(self->sink, &q_edge, 2, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &marker, 5, PSOCK_WAIT_MS);
}

/*
 * The 4 bytes of slack are for Ethernet only: packet_extra_vlan_len_allowed()
 * refuses every device whose type is not ARPHRD_ETHER before it looks at
 * the EtherType. lo (ARPHRD_LOOPBACK, an Ethernet-style 14-byte header) at
 * MTU 1500: 1514 bytes untagged and 1514 tagged are sent, a tagged frame of
 * 1518 is EMSGSIZE, as an untagged 1515 would be.
 */
TEST_F(snd_vlan, vlan_slack_only_on_ethernet_lo_emsgsize)
{
	static struct tx_frame plain, q_fits, q_slack;
	char why[256] = "";
	int lo;

	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set lo mtu 1500 up"))
		TH_LOG("lo: %s", why);
	ASSERT_EQ(1, if_nametoindex("lo")) TH_LOG("lo: %s", strerror(errno));
	lo = tx_socket(SOCK_RAW, 0, 1);
	ASSERT_LE(0, lo) TH_LOG("socket on lo: %s", strerror(errno));
	TX_FRAME(&plain, .seq = 3, .payload_len = 1500);
	TX_FRAME(&q_fits, .seq = 4, .payload_len = 1496, .vlan_tpid = ETH_P_8021Q, .vlan_tci = 7);
	TX_FRAME(&q_slack, .seq = 92, .payload_len = 1500, .vlan_tpid = ETH_P_8021Q, .vlan_tci = 7);
	ASSERT_EQ(1514u, plain.len);
	ASSERT_EQ(1514u, q_fits.len);
	ASSERT_EQ(1518u, q_slack.len);
	EXPECT_EQ(1514, send(lo, plain.wire, plain.len, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(1514, send(lo, q_fits.wire, q_fits.len, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EMSGSIZE, send(lo, q_slack.wire, q_slack.len, 0));
	EXPECT_EQ(0, close(lo));
}

/* ---- errors ----------------------------------------------------------- */

FIXTURE(snd_err) {
	struct netns_topo topo;
	int fd;
	struct tx_frame f;
};

FIXTURE_SETUP(snd_err)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	TX_FRAME(&self->f, .seq = 1, .payload_len = 100);
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
	const struct tx_frame *f = &self->f;
	struct sockaddr_ll to = tx_addr(0, ETH_P_PSOCK, self->topo.mac1);
	int types[2] = { SOCK_RAW, SOCK_DGRAM };

	for (int i = 0; i < 2; i++) {
		int fd = psock_socket(types[i], 0);

		ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
		EXPECT_EQ(-1, send(fd, f->wire, f->len, 0));
		EXPECT_EQ(ENXIO, errno);
		EXPECT_EQ(-1, sendto(fd, f->wire, f->len, 0, (struct sockaddr *)&to, sizeof(to)));
		EXPECT_EQ(ENXIO, errno);
		close(fd);
	}
}

/* psk0 down: send() and sendto() fail with ENETDOWN; up again, they work. */
TEST_F(snd_err, device_down_enetdown)
{
	const struct tx_frame *f = &self->f;
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, self->topo.mac1);
	char why[256];

	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set psk0 down"))
		TH_LOG("%s", why);
	EXPECT_EQ(-1, send(self->fd, f->wire, f->len, 0));
	EXPECT_EQ(ENETDOWN, errno);
	EXPECT_EQ(-1, sendto(self->fd, f->wire, f->len, 0, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(ENETDOWN, errno);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set psk0 up"))
		TH_LOG("%s", why);
	EXPECT_EQ((ssize_t)f->len, send(self->fd, f->wire, f->len, 0)) TH_LOG("%s", strerror(errno));
}

/*
 * packet_snd() checks the sockaddr_ll of a sendto() before it looks the
 * device up: msg_namelen below sizeof(struct sockaddr_ll) (20), or below
 * offsetof(sll_addr) (12) + sll_halen, is EINVAL. So 19 bytes are EINVAL;
 * 20 bytes with sll_halen 9 (21 needed) EINVAL; with sll_halen 8 (20
 * needed) or 6 the frame is sent.
 */
TEST_F(snd_err, short_address_einval)
{
	const struct tx_frame *f = &self->f;
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, self->topo.mac1);

	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_ERRNO(EINVAL, sendto(self->fd, f->wire, f->len, 0, (struct sockaddr *)&to, 19));
	to.sll_halen = 9;
	EXPECT_ERRNO(EINVAL, sendto(self->fd, f->wire, f->len, 0, (struct sockaddr *)&to, 20));
	to.sll_halen = 8;
	EXPECT_EQ((ssize_t)f->len, sendto(self->fd, f->wire, f->len, 0, (struct sockaddr *)&to, 20))
		TH_LOG("sll_halen 8 in 20 bytes: %s", strerror(errno));
	to.sll_halen = 6;
	EXPECT_EQ((ssize_t)f->len, sendto(self->fd, f->wire, f->len, 0, (struct sockaddr *)&to, 20))
		TH_LOG("sll_halen 6 in 20 bytes: %s", strerror(errno));
}

/*
 * A SOCK_DGRAM sendto() must also hold the whole address of the device it
 * names: msg_namelen at least 12 + dev->addr_len (packet_snd()). To an
 * ip6tnl device (addr_len 16) 20 and 27 bytes are EINVAL; 28 bytes get past
 * the check to the device, which is down: ENETDOWN.
 */
TEST_F(snd_err, dgram_address_shorter_than_dev_addr_einval)
{
	uint8_t payload[64] = { 0 };
	union tx_addr_long to;
	int ifindex;

	TX_IP6TNL_OR_SKIP(return, &self->topo, ifindex);
	to = tx_addr_long(ifindex, ETH_P_PSOCK, self->topo.mac1, 0);
	self->fd = psock_socket(SOCK_DGRAM, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_ERRNO(EINVAL, sendto(self->fd, payload, sizeof(payload), 0,
				    (struct sockaddr *)&to, 20));
	EXPECT_ERRNO(EINVAL, sendto(self->fd, payload, sizeof(payload), 0,
				    (struct sockaddr *)&to, 27));
	EXPECT_ERRNO(ENETDOWN, sendto(self->fd, payload, sizeof(payload), 0,
				      (struct sockaddr *)&to, 28));
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

/* ---- a device without a link header ------------------------------------ */

FIXTURE(snd_nohdr) {
	struct netns_topo topo;
	int fd, tap, ifindex;
};

/*
 * An ip6tnl device pskt6 (no header_ops, addr_len 16), up, with a tap on
 * it (an ETH_P_ALL SOCK_RAW socket bound to it) and an unbound SOCK_DGRAM
 * socket that sends to it.
 */
FIXTURE_SETUP(snd_nohdr)
{
	self->fd = self->tap = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	TX_IP6TNL_UP_OR_SKIP(return, &self->topo, self->ifindex);
	self->tap = psock_rx_socket(SOCK_RAW, 0, self->ifindex, ETH_P_ALL);
	ASSERT_LE(0, self->tap) TH_LOG("tap: %s", strerror(errno));
	self->fd = psock_socket(SOCK_DGRAM, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(snd_nohdr)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	if (self->tap >= 0)
		EXPECT_EQ(0, close(self->tap));
	netns_teardown(&self->topo);
}

/*
 * dev_hard_header() of a device without header_ops adds nothing and
 * returns 0, which packet_snd() takes as success (only a negative offset is
 * EINVAL): a SOCK_DGRAM sendto() of 100 bytes with a 28-byte address
 * (12 + addr_len 16) returns 100, and the device's tap sees exactly those
 * 100 bytes as the outgoing frame (dev_queue_xmit_nit()).
 */
TEST_F(snd_nohdr, dgram_frame_is_the_payload)
{
	union tx_addr_long to = tx_addr_long(self->ifindex, ETH_P_PSOCK, self->topo.mac1, 16);
	uint8_t buf[2048];
	struct sockaddr_ll from;
	uint32_t seq = ~0u;
	struct tx_frame f;
	ssize_t n;

	TX_FRAME(&f, .seq = 6, .payload_len = 100);
	EXPECT_EQ(100, sendto(self->fd, f.wire + ETH_HLEN, 100, 0, (struct sockaddr *)&to, 28))
		TH_LOG("sendto: %s", strerror(errno));
	/* no link header: the tag is at the frame's start */
	n = tx_sink_next(self->tap, buf, sizeof(buf), 0, &seq, &from, PSOCK_WAIT_MS);
	ASSERT_LT(0, n) TH_LOG("outgoing frame on pskt6 within %d ms: %s", PSOCK_WAIT_MS,
			       n < 0 ? strerror(errno) : "timeout");
	ASSERT_EQ(6, seq);
	EXPECT_EQ(100, n);
	EXPECT_EQ(0, memcmp(f.wire + ETH_HLEN, buf, 100));
	EXPECT_EQ(PACKET_OUTGOING, from.sll_pkttype);
	EXPECT_EQ(htons(ETH_P_PSOCK), from.sll_protocol);
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

/* PACKET_QDISC_BYPASS reads 0 by default and 1 once set to 1. */
TEST_F(snd_opt, qdisc_bypass_reads_back_1)
{
	int one = 1, val = -1;
	socklen_t len = sizeof(val);

	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &val, &len));
	EXPECT_EQ(1, val);
}

/*
 * A pfifo qdisc on psk0 counts 3 frames sent normally; with
 * PACKET_QDISC_BYPASS = 1, 2 more frames arrive on psk1 but the qdisc's
 * count stays 3.
 */
TEST_F(snd_opt, qdisc_bypass_skips_qdisc)
{
	static struct tx_frame f[5];
	int one = 1;
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
		if (i == 3)
			ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS,
						&one, sizeof(one)));
		TX_FRAME(&f[i], .seq = i, .payload_len = 100);
		ASSERT_EQ((ssize_t)f[i].len, send(self->fd, f[i].wire, f[i].len, 0));
		/* Arrived: it has been through the qdisc, or not, by now. */
		ASSERT_SINK_FRAME(self->sink, &f[i], i, PSOCK_WAIT_MS);
		EXPECT_EQ(i < 3 ? i + 1 : 3, tx_qdisc_packets("psk0", why, sizeof(why)))
			TH_LOG("after frame %u: %s", i, why);
	}
}

/*
 * A tap (ETH_P_ALL socket on psk0) receives the frame a SOCK_RAW socket
 * sends, with sll_pkttype PACKET_OUTGOING, psk0's ifindex and the same bytes.
 */
TEST_F(snd_opt, outgoing_copy_reaches_tap)
{
	static struct tx_frame f;
	static uint8_t buf[2048];
	struct sockaddr_ll from;
	ssize_t n;

	/* The tap is self->sink, so the teardown closes it. */
	self->sink = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->sink) TH_LOG("tap on psk0: %s", strerror(errno));
	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	TX_FRAME(&f, .seq = 1, .payload_len = 120);
	ASSERT_EQ((ssize_t)f.len, send(self->fd, f.wire, f.len, 0));

	n = tx_sink_next(self->sink, buf, sizeof(buf), ETH_HLEN, NULL, &from, PSOCK_WAIT_MS);
	ASSERT_EQ((ssize_t)f.len, n) TH_LOG("%s", n < 0 ? strerror(errno) : "timeout or length");
	EXPECT_EQ(0, memcmp(buf, f.wire, f.len));
	EXPECT_EQ(PACKET_OUTGOING, from.sll_pkttype);
	EXPECT_EQ(self->topo.ifindex0, from.sll_ifindex);
}

/*
 * The sender, itself bound to ETH_P_ALL on psk0, does not get its own frame
 * back (skb_loop_sk()): the first tagged frame it reads is the one psk1
 * sent afterwards, from psk1's MAC, PACKET_HOST.
 */
TEST_F(snd_opt, outgoing_copy_skips_sender)
{
	static struct tx_frame f;
	static uint8_t buf[2048];
	struct sockaddr_ll from;
	const struct frame_spec back_spec = { .seq = 2, .payload_len = 80 };
	uint32_t seq = ~0u;
	ssize_t n, back_len;

	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	TX_FRAME(&f, .seq = 1, .payload_len = 120);
	ASSERT_EQ((ssize_t)f.len, send(self->fd, f.wire, f.len, 0));

	back_len = peer_send_spec(&self->topo, &back_spec);
	ASSERT_LT(0, back_len) TH_LOG("send from psk1: %s", strerror(errno));
	n = tx_sink_next(self->fd, buf, sizeof(buf), ETH_HLEN, &seq, &from, PSOCK_WAIT_MS);
	ASSERT_EQ(back_len, n) TH_LOG("%s", n < 0 ? strerror(errno) : "timeout or another frame");
	EXPECT_EQ(2, seq) TH_LOG("the sender saw its own frame (seq 1)");
	EXPECT_EQ(0, memcmp(buf + 6, self->topo.mac1, 6));
	EXPECT_EQ(PACKET_HOST, from.sll_pkttype);
}

TEST_HARNESS_MAIN

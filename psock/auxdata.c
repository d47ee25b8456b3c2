// SPDX-License-Identifier: GPL-2.0
/*
 * Per-packet metadata without a ring: PACKET_AUXDATA and PACKET_ORIGDEV.
 *
 * PACKET_AUXDATA on: every recvmsg() carries a SOL_PACKET/PACKET_AUXDATA
 * control message, struct tpacket_auxdata, filled in by packet_recvmsg():
 *
 *  - tp_status: TP_STATUS_USER always, the checksum bits (rx_frame.c pins
 *    them) and TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID when the
 *    core moved a VLAN tag into skb metadata;
 *  - tp_len: the packet's length before any filter cut it (the origlen
 *    packet_rcv() saved), tp_snaplen: skb->len, what is queued, NOT what
 *    this recvmsg() copied (a short buffer does not change it);
 *  - tp_mac 0 (the data starts where the socket's view starts) and tp_net
 *    the network header's offset from there: 14 on SOCK_RAW, 0 on
 *    SOCK_DGRAM;
 *  - tp_vlan_tci / tp_vlan_tpid: the tag, 0 without one.
 * The same packet on a ring (tpacket_rcv()) reports the same tp_len,
 * tp_snaplen, VLAN status bits and fields; its tp_mac/tp_net are offsets in
 * the ring frame, 14 apart on SOCK_RAW and equal on SOCK_DGRAM, as tp_net -
 * tp_mac of PACKET_AUXDATA.
 *
 * PACKET_ORIGDEV on: sll_ifindex is the device the frame came in on
 * (orig_dev of __netif_receive_skb_core()), not the one the socket is
 * bound to. A VLAN device or a macvlan device on psk0 is reached by the
 * rx_handler sending the frame round again (RX_HANDLER_ANOTHER /
 * vlan_do_receive()) with skb->dev the upper device and orig_dev still
 * psk0: without ORIGDEV sll_ifindex is the upper device, with it psk0 —
 * on the ring (tpacket_rcv()) and on recvmsg() (packet_rcv()) alike.
 * getsockopt(PACKET_ORIGDEV) reads the flag back. The upper device needs
 * its driver: without the module (8021q, macvlan) the link cannot be
 * created and the case SKIPs naming it.
 *
 * Test cases (<type> = raw / dgram, <tag> = untagged / 8021q / 8021ad):
 *   aux.<type>_<tag>.fields_exact
 *   aux.<type>_<tag>.equal_to_ring_v3_frame
 *   aux_rules.snaplen_not_cut_by_short_buffer
 *   aux_rules.off_no_cmsg
 *   origdev.<upper>_<path>.ifindex_upper_then_lower
 * with <upper> = vlan / macvlan and <path> = ring / recvmsg.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"

#define VLAN_BITS (TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID)
/* uapi since 6.3 ("packet: add TP_STATUS_GSO_TCP for tp_status"); Debian 12 headers lack it. */
#ifndef TP_STATUS_GSO_TCP
#define TP_STATUS_GSO_TCP (1 << 8)
#endif

/*
 * recvmsg() (no wait) the next frame of fd carrying this program's tag
 * seq want, PACKET_AUXDATA into *aux, within one deadline.
 */
static ssize_t recv_tagged_aux(struct __test_metadata *_metadata, int fd, size_t skip,
			       uint32_t want, uint8_t *buf, size_t len,
			       struct tpacket_auxdata *aux, struct sockaddr_ll *from)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	uint32_t seq;

	for (;;) {
		ssize_t n;

		if (psock_wait_until(fd, POLLIN, deadline) != 1) {
			EXPECT_TRUE(false) TH_LOG("frame %u within %d ms: %s", want,
						  PSOCK_WAIT_MS, strerror(errno));
			return -1;
		}
		n = psock_recv_auxdata(fd, buf, len, MSG_DONTWAIT, aux, from);
		if (n < 0) {
			EXPECT_TRUE(false) TH_LOG("recvmsg with PACKET_AUXDATA: %s",
						  strerror(errno));
			return -1;
		}
		if ((size_t)n > skip && frame_tag(buf + skip, n - skip, &seq) && seq == want)
			return n;
	}
}

/* ---- PACKET_AUXDATA fields, and the same packet on a ring --------------- */

FIXTURE(aux) {
	struct netns_topo topo;
	int fd;			/* no ring, PACKET_AUXDATA */
	int ring_fd;		/* TPACKET_V3 ring */
	struct ring ring;
};

FIXTURE_VARIANT(aux) {
	int type;
	uint16_t tpid;		/* 0: untagged */
	uint16_t tci;
};

FIXTURE_VARIANT_ADD(aux, raw_untagged) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(aux, raw_8021q) { .type = SOCK_RAW, .tpid = ETH_P_8021Q, .tci = 0xb00b };
FIXTURE_VARIANT_ADD(aux, raw_8021ad) { .type = SOCK_RAW, .tpid = ETH_P_8021AD, .tci = 0x3123 };
FIXTURE_VARIANT_ADD(aux, dgram_untagged) { .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(aux, dgram_8021q) { .type = SOCK_DGRAM, .tpid = ETH_P_8021Q, .tci = 0xb00b };
FIXTURE_VARIANT_ADD(aux, dgram_8021ad) {
	.type = SOCK_DGRAM, .tpid = ETH_P_8021AD, .tci = 0x3123,
};

/* ETH_P_ALL: only taps see a VLAN tag no VLAN device claims (rx_frame.c). */
FIXTURE_SETUP(aux)
{
	struct ring_geometry geo = ring_small;
	int one = 1;

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = self->ring_fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(variant->type, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		TH_LOG("PACKET_AUXDATA: %s", strerror(errno));
	geo.retire_blk_tov = 4;
	self->ring_fd = ring_rx_open(&self->ring, variant->type, TPACKET_V3,
				     self->topo.ifindex0, ETH_P_ALL, &geo);
	ASSERT_LE(0, self->ring_fd) TH_LOG("ring socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(aux)
{
	ring_close_socket(&self->ring, self->ring_fd);
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/* The variant's frame with 200 bytes of payload, tagged seq, from psk1. */
static void send_variant_frame(struct __test_metadata *_metadata,
			       struct netns_topo *topo, const FIXTURE_VARIANT(aux) *variant,
			       uint32_t seq, struct frame_spec *spec)
{
	*spec = (struct frame_spec){
		.vlan_tpid = variant->tpid, .vlan_tci = variant->tci,
		.payload_len = 200, .seq = seq,
	};
	ASSERT_EQ(ETH_HLEN + (variant->tpid ? 4 : 0) + 200, peer_send_spec(topo, spec))
		TH_LOG("send: %s", strerror(errno));
}

/*
 * Exact values: the tag is in skb metadata, not in the data, so tp_len
 * and tp_snaplen are 214 (SOCK_RAW) or 200 (SOCK_DGRAM) either way.
 */
TEST_F(aux, fields_exact)
{
	bool raw = variant->type == SOCK_RAW;
	uint32_t want_len = raw ? ETH_HLEN + 200 : 200;
	struct tpacket_auxdata aux;
	struct frame_spec spec;
	uint8_t buf[2048];

	send_variant_frame(_metadata, &self->topo, variant, 1, &spec);
	ASSERT_EQ((ssize_t)want_len,
		  recv_tagged_aux(_metadata, self->fd, rx_payload_offset(variant->type, &spec),
				  1, buf, sizeof(buf), &aux, NULL));
	EXPECT_EQ(TP_STATUS_USER | (variant->tpid ? VLAN_BITS : 0), aux.tp_status);
	EXPECT_EQ(want_len, aux.tp_len);
	EXPECT_EQ(want_len, aux.tp_snaplen);
	EXPECT_EQ(0, aux.tp_mac);
	EXPECT_EQ(raw ? ETH_HLEN : 0, aux.tp_net);
	EXPECT_EQ(variant->tci, aux.tp_vlan_tci);
	EXPECT_EQ(variant->tpid, aux.tp_vlan_tpid);
}

/*
 * The PACKET_AUXDATA of a frame agrees with a V3 ring frame of the same
 * packet: status bits, tp_len, tp_snaplen, tp_net - tp_mac, VLAN TCI and
 * TPID, and the bytes.
 */
TEST_F(aux, equal_to_ring_v3_frame)
{
	const uint32_t bits = VLAN_BITS | TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID |
			      TP_STATUS_GSO_TCP;
	struct tpacket_auxdata aux;
	struct frame_spec spec;
	struct frame_view v;
	uint8_t buf[2048];
	uint32_t seq = ~0u;
	size_t skip;
	void *f;

	send_variant_frame(_metadata, &self->topo, variant, 2, &spec);
	skip = rx_payload_offset(variant->type, &spec);
	ASSERT_LT(0, recv_tagged_aux(_metadata, self->fd, skip, 2, buf, sizeof(buf), &aux,
				     NULL));
	f = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, skip, &seq);
	ASSERT_NE(NULL, f) TH_LOG("ring frame: %s", strerror(errno));
	ASSERT_EQ(2, seq);
	frame_view(&self->ring, f, &v);
	EXPECT_EQ(v.status & bits, aux.tp_status & bits);
	EXPECT_EQ(v.len, aux.tp_len);
	EXPECT_EQ(v.snaplen, aux.tp_snaplen);
	EXPECT_EQ(v.net - v.mac, aux.tp_net - aux.tp_mac);
	EXPECT_EQ(v.vlan_tci, aux.tp_vlan_tci);
	EXPECT_EQ(v.vlan_tpid, aux.tp_vlan_tpid);
	EXPECT_EQ(0, memcmp(v.data, buf, v.snaplen));
	ring_release_frame(&self->ring, f);
}

/* ---- rules of the option itself --------------------------------------- */

FIXTURE(aux_rules) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(aux_rules)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(aux_rules)
{
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/*
 * A 40-byte buffer for a 514-byte frame: recvmsg() returns 40 with
 * MSG_TRUNC, and PACKET_AUXDATA still says tp_len = tp_snaplen = 514.
 */
TEST_F(aux_rules, snaplen_not_cut_by_short_buffer)
{
	const struct frame_spec spec = { .payload_len = 500, .seq = 3 };
	struct tpacket_auxdata aux;
	union {
		struct cmsghdr cm;
		char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	uint8_t buf[40];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = sizeof(ctl),
	};
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)));
	ASSERT_EQ(ETH_HLEN + 500, peer_send_spec(&self->topo, &spec));
	ASSERT_EQ(1, psock_wait(self->fd, POLLIN, PSOCK_WAIT_MS)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(40, recvmsg(self->fd, &msg, MSG_DONTWAIT)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(MSG_TRUNC, msg.msg_flags);
	ASSERT_EQ(1, psock_cmsg_auxdata(&msg, &aux));
	EXPECT_EQ(ETH_HLEN + 500, aux.tp_len);
	EXPECT_EQ(ETH_HLEN + 500, aux.tp_snaplen);
}

/* Without the option (the default, getsockopt 0) there is no control message. */
TEST_F(aux_rules, off_no_cmsg)
{
	const struct frame_spec spec = { .payload_len = 64, .seq = 4 };
	struct tpacket_auxdata aux;
	socklen_t len = sizeof(int);
	uint8_t buf[256];
	int val = -1;

	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_AUXDATA, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(ETH_HLEN + 64, peer_send_spec(&self->topo, &spec));
	ASSERT_EQ(1, psock_wait(self->fd, POLLIN, PSOCK_WAIT_MS)) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(ENOMSG, psock_recv_auxdata(self->fd, buf, sizeof(buf), MSG_DONTWAIT,
						&aux, NULL));
}

/* ---- PACKET_ORIGDEV on an upper device -------------------------------- */

#define UPPER_VID 5
static const uint8_t macvlan_mac[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x10 };

FIXTURE(origdev) {
	struct netns_topo topo;
	int fd;
	int upper;
	struct ring ring;
};

FIXTURE_VARIANT(origdev) {
	bool vlan;		/* psk0.5 (8021q); false: macvlan mv0 */
	bool ring;		/* TPACKET_V2 ring; false: recvfrom() */
};

FIXTURE_VARIANT_ADD(origdev, vlan_ring) { .vlan = true, .ring = true };
FIXTURE_VARIANT_ADD(origdev, vlan_recvmsg) { .vlan = true, .ring = false };
FIXTURE_VARIANT_ADD(origdev, macvlan_ring) { .vlan = false, .ring = true };
FIXTURE_VARIANT_ADD(origdev, macvlan_recvmsg) { .vlan = false, .ring = false };

/*
 * The upper device is created first: iproute2 says "Unknown device type"
 * when the kernel has no link type of that kind (no module): a real
 * absence, decided before anything of PACKET_ORIGDEV is looked at.
 */
FIXTURE_SETUP(origdev)
{
	const char *name = variant->vlan ? "psk0.5" : "mv0";
	char why[256] = "";
	int rc;

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	if (variant->vlan)
		rc = netns_ip(&self->topo, false, why, sizeof(why),
			      "link add link psk0 name psk0.5 type vlan id %d", UPPER_VID);
	else
		rc = netns_ip(&self->topo, false, why, sizeof(why),
			      "link add link psk0 name mv0 address 02:70:73:6b:00:10 "
			      "type macvlan mode bridge");
	if (rc && strstr(why, "Unknown device type"))
		SKIP(return, "no %s link type (module %s, CONFIG_%s): %s",
		     variant->vlan ? "vlan" : "macvlan", variant->vlan ? "8021q" : "macvlan",
		     variant->vlan ? "VLAN_8021Q" : "MACVLAN", why);
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", name, why);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set %s up", name))
		TH_LOG("%s up: %s", name, why);
	self->upper = if_nametoindex(name);
	ASSERT_LT(0, self->upper) TH_LOG("%s: %s", name, strerror(errno));
	if (variant->ring) {
		struct ring_geometry geo = ring_small;

		self->fd = ring_rx_open(&self->ring, SOCK_RAW, TPACKET_V2, self->upper,
					ETH_P_PSOCK, &geo);
	} else {
		self->fd = psock_rx_socket(SOCK_RAW, 0, self->upper, ETH_P_PSOCK);
	}
	ASSERT_LE(0, self->fd) TH_LOG("socket on %s: %s", name, strerror(errno));
}

FIXTURE_TEARDOWN(origdev)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/* sll_ifindex of the next tagged frame seq on the variant's path. */
static int received_ifindex(struct __test_metadata *_metadata,
			    FIXTURE_DATA(origdev) *self, const FIXTURE_VARIANT(origdev) *variant,
			    uint32_t want)
{
	const struct frame_spec spec = { 0 };
	size_t skip = rx_payload_offset(SOCK_RAW, &spec);
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	uint32_t seq = ~0u;

	if (variant->ring) {
		struct frame_view v;
		void *f = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, skip, &seq);
		int ifindex;

		EXPECT_NE(NULL, f) TH_LOG("frame %u: %s", want, strerror(errno));
		if (!f)
			return -1;
		frame_view(&self->ring, f, &v);
		ifindex = v.sll->sll_ifindex;
		ring_release_frame(&self->ring, f);
		EXPECT_EQ(want, seq);
		return ifindex;
	}
	for (;;) {
		struct sockaddr_ll from;
		socklen_t alen = sizeof(from);
		uint8_t buf[512];
		ssize_t n;

		if (psock_wait_until(self->fd, POLLIN, deadline) != 1) {
			EXPECT_TRUE(false) TH_LOG("frame %u within %d ms: %s", want,
						  PSOCK_WAIT_MS, strerror(errno));
			return -1;
		}
		n = recvfrom(self->fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &alen);
		EXPECT_LT(0, n) TH_LOG("recvfrom: %s", strerror(errno));
		if (n < 0)
			return -1;
		if ((size_t)n > skip && frame_tag(buf + skip, n - skip, &seq)) {
			EXPECT_EQ(want, seq);
			return from.sll_ifindex;
		}
	}
}

/*
 * A frame received through an upper device (the VLAN or macvlan on psk0)
 * reports the upper device's ifindex while PACKET_ORIGDEV reads 0, and
 * psk0's once the option is set (it reads back 1).
 */
TEST_F(origdev, ifindex_upper_then_lower)
{
	struct frame_spec spec = { .payload_len = 64 };
	socklen_t len = sizeof(int);
	int one = 1, val = -1;

	if (variant->vlan) {
		spec.vlan_tpid = ETH_P_8021Q;
		spec.vlan_tci = UPPER_VID;	/* psk0.5 has psk0's MAC */
	} else {
		spec.dst = macvlan_mac;
	}
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_ORIGDEV, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 1, 1)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(self->upper, received_ifindex(_metadata, self, variant, 1));

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_ORIGDEV, &one, sizeof(one)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_ORIGDEV, &val, &len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 2, 1)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(self->topo.ifindex0, received_ifindex(_metadata, self, variant, 2));
}

TEST_HARNESS_MAIN

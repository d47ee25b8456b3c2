// SPDX-License-Identifier: GPL-2.0
/*
 * What a transmit ring (PACKET_TX_RING) does with frames it cannot send, and
 * how large a frame may be.
 *
 * Bad frames (tpacket_snd(), tpacket_parse_header(), tpacket_fill_skb()):
 *  - longer than the device allows: tpacket_parse_header() caps tp_len at
 *    MTU + link header + 4 (VLAN_HLEN) and the slot's room; after the skb is
 *    built, a frame longer than MTU + link header is refused unless it is an
 *    802.1Q-tagged Ethernet frame (packet_extra_vlan_len_allowed() looks for
 *    ETH_P_8021Q only, not 802.1ad). Both give EMSGSIZE;
 *  - shorter than the link header (SOCK_RAW): dev_validate_header() fails,
 *    EINVAL.
 * Without PACKET_LOSS the send call fails with that error, the slot is marked
 * TP_STATUS_WRONG_FORMAT and sending stops there: the head stays on the bad
 * slot, so nothing after it is sent until user space fixes the slot and
 * requests it again. Frames before it were sent, but the call reports only
 * the error. With PACKET_LOSS = 1 a bad slot is handed back
 * (TP_STATUS_AVAILABLE), skipped, and the frames after it are sent; the
 * call returns the bytes of the good frames.
 *
 * The size limits are read from the device at every send, so they follow an
 * MTU change made after the ring was set up (checked at 1500, 1280, 9000).
 *
 * Options and an existing ring (packet_setsockopt()): PACKET_LOSS and
 * PACKET_VERSION give EBUSY while an RX or TX ring exists; PACKET_TX_HAS_OFF
 * returns 0 but keeps its old value (getsockopt() shows it).
 *
 * Every frame goes out of psk0 and is checked byte for byte on psk1.
 *
 * Test cases (<v> = v1 / v2 / v3, <mtu> = mtu1500 / mtu1280 / mtu9000):
 *   tx_bad.<v>.bad_frame_stops_send_wrong_format
 *   tx_bad.<v>.packet_loss_skips_bad_frames
 *   tx_mtu.<mtu>.size_edges_follow_mtu
 *   tx_opts.loss_and_version_ebusy_with_ring
 *   tx_opts.tx_has_off_silently_kept_with_ring
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

#define WAIT_MS 1000

static const uint8_t mac0[6] = NETNS_MAC0;
static const uint8_t mac1[6] = NETNS_MAC1;

/* A frame psk0 -> psk1 and how it must look on psk1 (VLAN tag stripped). */
struct txf {
	uint8_t wire[10000];
	size_t len;
	uint8_t seen[10000];
	size_t seen_len;
};

static void txf_build(struct txf *f, uint32_t seq, size_t payload, uint16_t vlan_tpid)
{
	struct frame_spec spec = {
		.dst = mac1, .src = mac0, .seq = seq, .payload_len = payload,
		.vlan_tpid = vlan_tpid, .vlan_tci = vlan_tpid ? 5 : 0,
	};

	f->len = frame_build(f->wire, sizeof(f->wire), &spec);
	f->seen_len = f->len;
	memcpy(f->seen, f->wire, f->len);
	if (vlan_tpid) {
		/* The receiving core moves the tag into skb metadata. */
		memmove(f->seen + 12, f->seen + 16, f->len - 16);
		f->seen_len -= 4;
	}
}

/* A frame of exactly len bytes on the wire. */
static void txf_build_len(struct txf *f, uint32_t seq, size_t len, uint16_t vlan_tpid)
{
	txf_build(f, seq, len - ETH_HLEN - (vlan_tpid ? 4 : 0), vlan_tpid);
}

static void expect_frame(struct __test_metadata *_metadata, int sink,
			 const struct txf *f, uint32_t want_seq)
{
	static uint8_t buf[16384];
	uint32_t seq = ~0u;
	ssize_t n = tx_sink_next(sink, buf, sizeof(buf), ETH_HLEN, &seq, NULL, WAIT_MS);

	ASSERT_LT(0, n) TH_LOG("frame %u did not arrive on psk1: %s", want_seq,
			       n ? strerror(errno) : "timeout");
	ASSERT_EQ(want_seq, seq) TH_LOG("frames out of order");
	ASSERT_EQ(f->seen_len, (size_t)n);
	ASSERT_EQ(0, memcmp(f->seen, buf, f->seen_len)) TH_LOG("frame %u differs", want_seq);
}

static void open_tx_ring(struct __test_metadata *_metadata, int fd, struct ring *r,
			 const struct ring_geometry *geo)
{
	ASSERT_EQ(0, ring_open(r, fd, PACKET_TX_RING, geo))
		TH_LOG("PACKET_TX_RING: %s", strerror(errno));
}

static void set_loss(struct __test_metadata *_metadata, int fd, unsigned int val)
{
	ASSERT_EQ(0, setsockopt(fd, SOL_PACKET, PACKET_LOSS, &val, sizeof(val)))
		TH_LOG("PACKET_LOSS: %s", strerror(errno));
}

/* ---- bad frames, for each version ------------------------------------ */

FIXTURE(tx_bad) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_VARIANT(tx_bad) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_bad, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_bad, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_bad, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(tx_bad)
{
	memset(&self->ring, 0, sizeof(self->ring));
	TX_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
}

FIXTURE_TEARDOWN(tx_bad)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	TX_ENDS_TEARDOWN(self);
}

/* MTU 1500 + 14: one byte too many, but within the 4-byte VLAN slack of the parser. */
#define LONG_LEN (1500 + ETH_HLEN + 1)
/* Shorter than the Ethernet header. */
#define SHORT_LEN 10

/*
 * Without PACKET_LOSS: slot 0 good, slot 1 too long, slot 2 good. send()
 * fails with EMSGSIZE; slot 0 was sent (AVAILABLE once its skb is freed), slot 1 is
 * TP_STATUS_WRONG_FORMAT, slot 2 still TP_STATUS_SEND_REQUEST. The head
 * stays on slot 1: the next send() sends nothing and returns 0. Slot 1 made
 * too short fails the same way with EINVAL. Slot 1 made good and requested
 * again: one send() sends slots 1 and 2 and returns their sum.
 */
TEST_F(tx_bad, bad_frame_stops_send_wrong_format)
{
	static struct txf f0, bad, f1, f2;
	struct ring *r = &self->ring;

	open_tx_ring(_metadata, self->fd, r, &ring_small);
	txf_build(&f0, 0, 100, 0);
	txf_build_len(&bad, 99, LONG_LEN, 0);
	txf_build(&f2, 2, 300, 0);
	tx_put(r, 0, 0, f0.wire, f0.len);
	tx_put(r, 1, 0, bad.wire, bad.len);
	tx_put(r, 2, 0, f2.wire, f2.len);
	EXPECT_EQ(-1, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	/*
	 * The error return does not wait for frames already handed to the
	 * device (tpacket_snd() goes to out_status, past its
	 * packet_read_pending() wait), so slot 0 may still be
	 * TP_STATUS_SENDING; it becomes AVAILABLE when the kernel is done with
	 * its skb.
	 */
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, WAIT_MS))
		TH_LOG("slot 0 status %u", tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, ring_frame(r, 1)));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 2)));
	EXPECT_EQ(0, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 2)));

	tx_put(r, 1, 0, bad.wire, SHORT_LEN);
	EXPECT_EQ(-1, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, ring_frame(r, 1)));

	txf_build(&f1, 1, 200, 0);
	tx_put(r, 1, 0, f1.wire, f1.len);
	EXPECT_EQ((ssize_t)(f1.len + f2.len), send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 1)));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 2)));
	/* Only the good frames, in ring order: the long one never left. */
	expect_frame(_metadata, self->sink, &f0, 0);
	expect_frame(_metadata, self->sink, &f1, 1);
	expect_frame(_metadata, self->sink, &f2, 2);
}

/*
 * With PACKET_LOSS = 1: good, too long, too short, good. One send() skips
 * both bad slots (handed back TP_STATUS_AVAILABLE), sends the good ones and
 * returns their bytes; every slot ends TP_STATUS_AVAILABLE.
 */
TEST_F(tx_bad, packet_loss_skips_bad_frames)
{
	static struct txf f0, bad, f3;
	struct ring *r = &self->ring;

	set_loss(_metadata, self->fd, 1);
	open_tx_ring(_metadata, self->fd, r, &ring_small);
	txf_build(&f0, 0, 100, 0);
	txf_build_len(&bad, 99, LONG_LEN, 0);
	txf_build(&f3, 3, 300, 0);
	tx_put(r, 0, 0, f0.wire, f0.len);
	tx_put(r, 1, 0, bad.wire, bad.len);
	tx_put(r, 2, 0, bad.wire, SHORT_LEN);
	tx_put(r, 3, 0, f3.wire, f3.len);
	EXPECT_EQ((ssize_t)(f0.len + f3.len), send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
	for (unsigned int i = 0; i < 4; i++) {
		EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, i))) TH_LOG("slot %u", i);
	}
	expect_frame(_metadata, self->sink, &f0, 0);
	expect_frame(_metadata, self->sink, &f3, 3);
}

/* ---- size limits at several MTUs (TPACKET_V2, SOCK_RAW) -------------- */

FIXTURE(tx_mtu) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_VARIANT(tx_mtu) {
	unsigned int mtu;
};

FIXTURE_VARIANT_ADD(tx_mtu, mtu1500) { .mtu = 1500 };
FIXTURE_VARIANT_ADD(tx_mtu, mtu1280) { .mtu = 1280 };
FIXTURE_VARIANT_ADD(tx_mtu, mtu9000) { .mtu = 9000 };

FIXTURE_SETUP(tx_mtu)
{
	memset(&self->ring, 0, sizeof(self->ring));
	TX_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V2);
}

FIXTURE_TEARDOWN(tx_mtu)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	TX_ENDS_TEARDOWN(self);
}

/* Two 16 KiB slots: room for a 9000-byte MTU frame and its header. */
static const struct ring_geometry big_slots = {
	.block_size = 16384, .block_nr = 2, .frame_size = 16384,
};

/* Put f in slot i, send; expect ret and (on failure) err and WRONG_FORMAT. */
static void send_one(struct __test_metadata *_metadata, struct ring *r, unsigned int i,
		     const struct txf *f, ssize_t ret, int err)
{
	void *slot = tx_put(r, i, 0, f->wire, f->len);

	errno = 0;
	EXPECT_EQ(ret, send(r->fd, NULL, 0, 0)) TH_LOG("frame of %zu bytes: %s", f->len,
						     strerror(errno));
	if (ret < 0) {
		EXPECT_EQ(err, errno);
		EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, slot));
		/* Hand the slot back so the head can move on. */
		tx_set_status(r, slot, TP_STATUS_AVAILABLE);
	}
}

/*
 * The MTU is changed on psk0 and psk1 after the ring exists. Then: exactly
 * MTU + 14 is sent; MTU + 15 is EMSGSIZE; an 802.1Q frame may be 4 bytes
 * longer (MTU + 18 sent, MTU + 19 EMSGSIZE); an 802.1ad frame gets no such
 * allowance (MTU + 18 EMSGSIZE). Only the good frames arrive, in order.
 */
TEST_F(tx_mtu, size_edges_follow_mtu)
{
	static struct txf edge, over, q_edge, q_over, ad_edge;
	struct ring *r = &self->ring;
	unsigned int mtu = variant->mtu;
	char why[256];

	open_tx_ring(_metadata, self->fd, r, &big_slots);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
			      "link set psk0 mtu %u", mtu)) TH_LOG("%s", why);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
			      "link set psk1 mtu %u", mtu)) TH_LOG("%s", why);

	txf_build_len(&edge, 1, mtu + ETH_HLEN, 0);
	txf_build_len(&over, 90, mtu + ETH_HLEN + 1, 0);
	txf_build_len(&q_edge, 2, mtu + ETH_HLEN + 4, ETH_P_8021Q);
	txf_build_len(&q_over, 91, mtu + ETH_HLEN + 5, ETH_P_8021Q);
	txf_build_len(&ad_edge, 92, mtu + ETH_HLEN + 4, ETH_P_8021AD);

	send_one(_metadata, r, 0, &edge, edge.len, 0);
	send_one(_metadata, r, 1, &over, -1, EMSGSIZE);
	send_one(_metadata, r, 1, &q_edge, q_edge.len, 0);
	send_one(_metadata, r, 0, &q_over, -1, EMSGSIZE);
	send_one(_metadata, r, 0, &ad_edge, -1, EMSGSIZE);
	expect_frame(_metadata, self->sink, &edge, 1);
	expect_frame(_metadata, self->sink, &q_edge, 2);
	/* A marker: nothing else was sent in between. */
	txf_build(&edge, 3, 64, 0);
	send_one(_metadata, r, 0, &edge, edge.len, 0);
	expect_frame(_metadata, self->sink, &edge, 3);
}

/* ---- options once a ring exists --------------------------------------- */

FIXTURE(tx_opts) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(tx_opts)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = tx_socket(SOCK_RAW, TPACKET_V2, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("sending socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(tx_opts)
{
	TX_EXPECT_CLOSE_ALL(self->fd);
	netns_teardown(&self->topo);
}

/* getsockopt(SOL_PACKET, opt): an int, exactly 4 bytes of it. */
static int get_int(struct __test_metadata *_metadata, int fd, int opt)
{
	int val = -1;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, getsockopt(fd, SOL_PACKET, opt, &val, &len))
		TH_LOG("getsockopt(%d): %s", opt, strerror(errno));
	ASSERT_EQ(4, len);
	return val;
}

/*
 * With a TX ring (and likewise an RX ring), PACKET_LOSS and PACKET_VERSION
 * give EBUSY and keep their values; after the ring is torn down both are
 * accepted again.
 */
TEST_F(tx_opts, loss_and_version_ebusy_with_ring)
{
	unsigned int one = 1;
	int v3 = TPACKET_V3;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_TX_RING, TPACKET_V2, &ring_small));
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, get_int(_metadata, self->fd, PACKET_LOSS));
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(TPACKET_V2, get_int(_metadata, self->fd, PACKET_VERSION));
	ASSERT_EQ(0, ring_teardown(self->fd, PACKET_TX_RING, TPACKET_V2));

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, TPACKET_V2, &ring_small));
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, ring_teardown(self->fd, PACKET_RX_RING, TPACKET_V2));

	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)));
	EXPECT_EQ(1, get_int(_metadata, self->fd, PACKET_LOSS));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)));
	EXPECT_EQ(TPACKET_V3, get_int(_metadata, self->fd, PACKET_VERSION));
}

/*
 * PACKET_TX_HAS_OFF with a ring: setsockopt() returns 0 but the old value
 * stays, both ways (off stays off, on stays on), as getsockopt() shows.
 */
TEST_F(tx_opts, tx_has_off_silently_kept_with_ring)
{
	unsigned int zero = 0, one = 1;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_TX_RING, TPACKET_V2, &ring_small));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &one, sizeof(one)));
	EXPECT_EQ(0, get_int(_metadata, self->fd, PACKET_TX_HAS_OFF));
	ASSERT_EQ(0, ring_teardown(self->fd, PACKET_TX_RING, TPACKET_V2));

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &one, sizeof(one)));
	EXPECT_EQ(1, get_int(_metadata, self->fd, PACKET_TX_HAS_OFF));
	ASSERT_EQ(0, ring_request(self->fd, PACKET_TX_RING, TPACKET_V2, &ring_small));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &zero, sizeof(zero)));
	EXPECT_EQ(1, get_int(_metadata, self->fd, PACKET_TX_HAS_OFF));
}

TEST_HARNESS_MAIN

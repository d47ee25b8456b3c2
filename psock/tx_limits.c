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
 * A sendto() address or control message the kernel refuses (tpacket_snd():
 * msg_namelen below 20 or below offsetof(sll_addr) + sll_halen, for
 * SOCK_DGRAM below offsetof(sll_addr) + the device's addr_len: EINVAL; an
 * ifindex without a device: ENXIO; a device that is down: ENETDOWN;
 * sock_cmsg_send() refusing a control message: EINVAL) fails the call
 * before any slot is read: the slots stay TP_STATUS_SEND_REQUEST and the
 * next good send sends them.
 *
 * tpacket_snd() refuses an address only when msg_namelen is below
 * offsetof(sll_addr) + sll_halen: sll_halen 8 in 20 bytes (12 + 8) is the
 * largest that fits, and the waiting slot is sent.
 *
 * A slot with tp_len 0 (or, with PACKET_VNET_HDR, tp_len 10: the header
 * and no frame) passes tpacket_snd()'s "tp_len < 0" checks; what happens
 * then is tpacket_fill_skb()'s: SOCK_RAW has fewer bytes than the link
 * header (dev_validate_header()), EINVAL and TP_STATUS_WRONG_FORMAT;
 * SOCK_DGRAM (sendto() with an address: without one dev_hard_header() has
 * no destination, EINVAL) gets its link header from dev_hard_header() and
 * a frame of just that header is sent: sendto() returns 0 and the slot ends
 * TP_STATUS_AVAILABLE. (PACKET_VNET_HDR is SOCK_RAW only.) To a device
 * without a link header (ip6tnl: no header_ops) dev_hard_header() adds
 * nothing and the slot's bytes are the whole frame; a slot of 0 bytes then
 * makes an empty skb, EINVAL and TP_STATUS_WRONG_FORMAT.
 *
 * Every frame goes out of psk0 and is checked byte for byte on psk1.
 *
 * Test cases (<v> = v1 / v2 / v3, <mtu> = mtu1500 / mtu1280 / mtu9000):
 *   tx_bad.<v>.too_long_frame_emsgsize
 *   tx_bad.<v>.too_short_frame_einval
 *   tx_bad.<v>.zero_len_frame_einval
 *   tx_bad.<v>.bad_frame_stops_send_wrong_format
 *   tx_bad.<v>.head_stays_on_bad_slot_until_fixed
 *   tx_bad.<v>.packet_loss_skips_bad_frames
 *   tx_bad.<v>.packet_loss_hands_bad_slots_back
 *   tx_bad.<v>.packet_loss_send_returns_good_bytes
 *   tx_mtu.<mtu>.size_edges_follow_mtu
 *   tx_mtu.<mtu>.vlan_8021q_frame_4_bytes_longer_allowed
 *   tx_mtu.<mtu>.vlan_8021ad_frame_no_extra_bytes
 *   tx_opts.loss_ebusy_with_tx_ring
 *   tx_opts.loss_ebusy_with_rx_ring
 *   tx_opts.version_ebusy_with_tx_ring
 *   tx_opts.loss_accepted_after_ring_teardown
 *   tx_opts.version_accepted_after_ring_teardown
 *   tx_opts.tx_has_off_silently_kept_with_ring
 *   tx_addr.<bad>.bad_address_refused_slot_still_requested
 *   tx_addr.<bad>.good_send_after_refused_sends_slot
 *   tx_addr_edge.<t>.halen_8_in_20_sends_slot
 *   tx_zero.<z>.zero_len_slot
 *   tx_dgram_hdr.no_address_slot_wrong_format_einval
 *   tx_dgram_hdr.headerless_device_slot_is_the_frame
 *   tx_dgram_hdr.headerless_device_empty_slot_einval
 *   tx_qdrop.<v>.qdisc_drop_enobufs_slot_requested_again
 * (<bad> = raw_namelen_19 / raw_halen_past_namelen / dgram_halen_past_namelen /
 *  dgram_namelen_short_for_dev_addr / dgram_namelen_one_short_for_dev_addr /
 *  dgram_namelen_fits_dev_addr / raw_no_such_ifindex / dgram_no_such_ifindex /
 *  raw_device_down / dgram_device_down / raw_unknown_cmsg / dgram_unknown_cmsg;
 *  <t> = raw / dgram; <z> = raw_vnet / dgram; SOCK_RAW's tp_len 0 alone is
 *  tx_bad.<v>.zero_len_frame_einval)
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

/* ---- bad frames, for each version ------------------------------------ */

FIXTURE(tx_bad) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame good[2], bad;	/* good[0] in slot 0, good[1] after the bad slots */
};

FIXTURE_VARIANT(tx_bad) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_bad, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_bad, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_bad, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(tx_bad)
{
	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
}

FIXTURE_TEARDOWN(tx_bad)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/* MTU 1500 + 14: one byte too many, but within the 4-byte VLAN slack of the parser. */
#define LONG_LEN (1500 + ETH_HLEN + 1)
/* Shorter than the Ethernet header. */
#define SHORT_LEN 10

/* A frame of LONG_LEN bytes, seq 99, requested in slot i (tp_len SHORT_LEN when short). */
static void put_bad(struct __test_metadata *_metadata, struct _test_data_tx_bad *self,
		    unsigned int i, bool short_frame)
{
	TX_FRAME(&self->bad, .seq = 99, .payload_len = LONG_LEN - ETH_HLEN);
	tx_put(&self->ring, i, 0, self->bad.wire, short_frame ? SHORT_LEN : self->bad.len);
}

/*
 * Slot 0 good (seq 0), then nbad bad slots (too long, then too short), then
 * a good slot with seq nbad + 1: the slot of the last good frame.
 */
static unsigned int put_good_bad_good(struct __test_metadata *_metadata,
				      struct _test_data_tx_bad *self, unsigned int nbad)
{
	TX_FRAME(&self->good[0], .seq = 0, .payload_len = 100);
	tx_put(&self->ring, 0, 0, self->good[0].wire, self->good[0].len);
	for (unsigned int i = 1; i <= nbad; i++)
		put_bad(_metadata, self, i, i == 2);
	TX_FRAME(&self->good[1], .seq = nbad + 1, .payload_len = 300);
	tx_put(&self->ring, nbad + 1, 0, self->good[1].wire, self->good[1].len);
	return nbad + 1;
}

/* The bad frame alone in slot 0 (short or long): send() fails with err, the slot WRONG_FORMAT. */
static void expect_refused(struct __test_metadata *_metadata, struct _test_data_tx_bad *self,
			   bool short_frame, int err)
{
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	put_bad(_metadata, self, 0, short_frame);
	EXPECT_EQ(-1, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(err, errno);
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

/* A frame longer than MTU + 14 (and not 802.1Q): EMSGSIZE, the slot TP_STATUS_WRONG_FORMAT. */
TEST_F(tx_bad, too_long_frame_emsgsize)
{
	expect_refused(_metadata, self, false, EMSGSIZE);
}

/* A frame shorter than the link header: EINVAL, the slot TP_STATUS_WRONG_FORMAT. */
TEST_F(tx_bad, too_short_frame_einval)
{
	expect_refused(_metadata, self, true, EINVAL);
}

/*
 * tp_len 0: tpacket_snd() goes on ("tp_len < 0" only is an error) and
 * tpacket_fill_skb() finds no link header, EINVAL, the slot
 * TP_STATUS_WRONG_FORMAT (send() does not return 0).
 */
TEST_F(tx_bad, zero_len_frame_einval)
{
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	TX_FRAME(&self->bad, .seq = 99, .payload_len = 100);
	tx_put(&self->ring, 0, 0, self->bad.wire, 0);
	EXPECT_ERRNO(EINVAL, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

/*
 * Without PACKET_LOSS: slot 0 good, slot 1 too long, slot 2 good. send()
 * fails; the frame in slot 0 was sent (it arrives; the slot AVAILABLE once
 * its skb is freed), slot 1 is TP_STATUS_WRONG_FORMAT and slot 2, after it,
 * still TP_STATUS_SEND_REQUEST.
 */
TEST_F(tx_bad, bad_frame_stops_send_wrong_format)
{
	struct ring *r = &self->ring;

	ASSERT_TX_RING_OPEN(r, self->fd, &ring_small);
	put_good_bad_good(_metadata, self, 1);
	ASSERT_EQ(-1, send(self->fd, NULL, 0, 0)) TH_LOG("the bad frame was sent");
	/*
	 * The error return does not wait for frames already handed to the
	 * device (tpacket_snd() goes to out_status, past its
	 * packet_read_pending() wait), so slot 0 may still be
	 * TP_STATUS_SENDING; it becomes AVAILABLE when the kernel is done with
	 * its skb.
	 */
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, PSOCK_WAIT_MS))
		TH_LOG("slot 0 status %u", tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, ring_frame(r, 1)));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 2)));
	ASSERT_SINK_FRAME(self->sink, &self->good[0], 0, PSOCK_WAIT_MS);
}

/*
 * The head stays on the bad slot: the next send() sends nothing and
 * returns 0, slot 2 still waiting. Slot 1 made good (seq 1) and requested
 * again, one send() sends slots 1 and 2 and returns their sum; only the
 * good frames arrive, in ring order.
 */
TEST_F(tx_bad, head_stays_on_bad_slot_until_fixed)
{
	struct ring *r = &self->ring;
	struct tx_frame f1;

	ASSERT_TX_RING_OPEN(r, self->fd, &ring_small);
	put_good_bad_good(_metadata, self, 1);
	ASSERT_EQ(-1, send(self->fd, NULL, 0, 0)) TH_LOG("the bad frame was sent");
	EXPECT_EQ(0, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 2)));

	TX_FRAME(&f1, .seq = 1, .payload_len = 200);
	tx_put(r, 1, 0, f1.wire, f1.len);
	EXPECT_EQ((ssize_t)(f1.len + self->good[1].len), send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->good[0], 0, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &f1, 1, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->good[1], 2, PSOCK_WAIT_MS);
}

/* PACKET_LOSS = 1 (before the ring: EBUSY after), a ring, then good, too long, too short, good. */
static void loss_good_bad_good(struct __test_metadata *_metadata, struct _test_data_tx_bad *self)
{
	unsigned int one = 1;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)))
		TH_LOG("PACKET_LOSS: %s", strerror(errno));
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	put_good_bad_good(_metadata, self, 2);
}

/* With PACKET_LOSS = 1 one send() skips both bad slots: the good frames after them arrive. */
TEST_F(tx_bad, packet_loss_skips_bad_frames)
{
	loss_good_bad_good(_metadata, self);
	ASSERT_LE(0, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->good[0], 0, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->good[1], 3, PSOCK_WAIT_MS);
}

/* With PACKET_LOSS = 1 the bad slots are handed back: every slot ends TP_STATUS_AVAILABLE. */
TEST_F(tx_bad, packet_loss_hands_bad_slots_back)
{
	loss_good_bad_good(_metadata, self);
	ASSERT_LE(0, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	for (unsigned int i = 0; i < 4; i++) {
		EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(&self->ring, ring_frame(&self->ring, i)))
			TH_LOG("slot %u", i);
	}
}

/* With PACKET_LOSS = 1 send() returns the bytes of the good frames only. */
TEST_F(tx_bad, packet_loss_send_returns_good_bytes)
{
	loss_good_bad_good(_metadata, self);
	EXPECT_EQ((ssize_t)(self->good[0].len + self->good[1].len), send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
}

/* ---- size limits at several MTUs (TPACKET_V2, SOCK_RAW) -------------- */

FIXTURE(tx_mtu) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame edge, over, marker;
};

FIXTURE_VARIANT(tx_mtu) {
	unsigned int mtu;
};

FIXTURE_VARIANT_ADD(tx_mtu, mtu1500) { .mtu = 1500 };
FIXTURE_VARIANT_ADD(tx_mtu, mtu1280) { .mtu = 1280 };
FIXTURE_VARIANT_ADD(tx_mtu, mtu9000) { .mtu = 9000 };

/* Two 16 KiB slots: room for a 9000-byte MTU frame and its header. */
static const struct ring_geometry big_slots = {
	.block_size = 16384, .block_nr = 2, .frame_size = 16384,
};

/* The MTU is changed on psk0 and psk1 after the ring exists. */
FIXTURE_SETUP(tx_mtu)
{
	char why[256];

	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V2);
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &big_slots);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
			      "link set psk0 mtu %u", variant->mtu)) TH_LOG("%s", why);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
			      "link set psk1 mtu %u", variant->mtu)) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(tx_mtu)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/* A frame of exactly len bytes on the wire, with an outer tag of vlan_tpid (0: none). */
static void frame_of_len(struct __test_metadata *_metadata, struct tx_frame *f, uint32_t seq,
			 size_t len, uint16_t vlan_tpid)
{
	TX_FRAME(f, .seq = seq, .payload_len = len - ETH_HLEN - (vlan_tpid ? 4 : 0),
		 .vlan_tpid = vlan_tpid, .vlan_tci = vlan_tpid ? 5 : 0);
}

/* Put f in slot i, send; expect ret and (on failure) err and WRONG_FORMAT. */
static void send_one(struct __test_metadata *_metadata, struct ring *r, unsigned int i,
		     const struct tx_frame *f, ssize_t ret, int err)
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

/* A marker (seq 3) after the frames of a case: nothing else was sent in between. */
static void send_marker(struct __test_metadata *_metadata, struct _test_data_tx_mtu *self,
			unsigned int slot)
{
	TX_FRAME(&self->marker, .seq = 3, .payload_len = 64);
	send_one(_metadata, &self->ring, slot, &self->marker, self->marker.len, 0);
}

/*
 * Exactly MTU + 14 is sent; MTU + 15 is EMSGSIZE (the slot
 * TP_STATUS_WRONG_FORMAT): the limit is read from the device at every send.
 */
TEST_F(tx_mtu, size_edges_follow_mtu)
{
	frame_of_len(_metadata, &self->edge, 1, variant->mtu + ETH_HLEN, 0);
	frame_of_len(_metadata, &self->over, 90, variant->mtu + ETH_HLEN + 1, 0);
	send_one(_metadata, &self->ring, 0, &self->edge, self->edge.len, 0);
	send_one(_metadata, &self->ring, 1, &self->over, -1, EMSGSIZE);
	send_marker(_metadata, self, 1);
	ASSERT_SINK_FRAME(self->sink, &self->edge, 1, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->marker, 3, PSOCK_WAIT_MS);
}

/*
 * An 802.1Q frame may be 4 bytes longer (packet_extra_vlan_len_allowed()):
 * MTU + 18 is sent, MTU + 19 is EMSGSIZE. psk1 receives it untagged.
 */
TEST_F(tx_mtu, vlan_8021q_frame_4_bytes_longer_allowed)
{
	frame_of_len(_metadata, &self->edge, 2, variant->mtu + ETH_HLEN + 4, ETH_P_8021Q);
	frame_of_len(_metadata, &self->over, 91, variant->mtu + ETH_HLEN + 5, ETH_P_8021Q);
	send_one(_metadata, &self->ring, 0, &self->edge, self->edge.len, 0);
	send_one(_metadata, &self->ring, 1, &self->over, -1, EMSGSIZE);
	send_marker(_metadata, self, 1);
	ASSERT_EQ(0, tx_frame_untag(&self->edge));
	ASSERT_SINK_FRAME(self->sink, &self->edge, 2, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->marker, 3, PSOCK_WAIT_MS);
}

/* An 802.1ad frame gets no such allowance: MTU + 18 is EMSGSIZE, nothing is sent. */
TEST_F(tx_mtu, vlan_8021ad_frame_no_extra_bytes)
{
	frame_of_len(_metadata, &self->over, 92, variant->mtu + ETH_HLEN + 4, ETH_P_8021AD);
	send_one(_metadata, &self->ring, 0, &self->over, -1, EMSGSIZE);
	send_marker(_metadata, self, 0);
	ASSERT_SINK_FRAME(self->sink, &self->marker, 3, PSOCK_WAIT_MS);
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

/* A V2 ring of kind on fd, or fail the case. */
static void request_ring(struct __test_metadata *_metadata, int fd, int kind)
{
	ASSERT_EQ(0, ring_request(fd, kind, TPACKET_V2, &ring_small))
		TH_LOG("ring %d: %s", kind, strerror(errno));
}

/* setsockopt(opt, val) is EBUSY and getsockopt(opt) still reads kept. */
static void expect_ebusy_kept(struct __test_metadata *_metadata, int fd, int opt, int val,
			      int kept)
{
	EXPECT_EQ(-1, setsockopt(fd, SOL_PACKET, opt, &val, sizeof(val))) TH_LOG("option %d", opt);
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(kept, get_int(_metadata, fd, opt));
}

/* With a TX ring, PACKET_LOSS gives EBUSY and keeps its value (0). */
TEST_F(tx_opts, loss_ebusy_with_tx_ring)
{
	request_ring(_metadata, self->fd, PACKET_TX_RING);
	expect_ebusy_kept(_metadata, self->fd, PACKET_LOSS, 1, 0);
}

/* With an RX ring, PACKET_LOSS gives EBUSY and keeps its value (0) as well. */
TEST_F(tx_opts, loss_ebusy_with_rx_ring)
{
	request_ring(_metadata, self->fd, PACKET_RX_RING);
	expect_ebusy_kept(_metadata, self->fd, PACKET_LOSS, 1, 0);
}

/* With a TX ring, PACKET_VERSION gives EBUSY and keeps its value (TPACKET_V2). */
TEST_F(tx_opts, version_ebusy_with_tx_ring)
{
	request_ring(_metadata, self->fd, PACKET_TX_RING);
	expect_ebusy_kept(_metadata, self->fd, PACKET_VERSION, TPACKET_V3, TPACKET_V2);
}

/* A TX ring, then an RX ring, each torn down again. */
static void rings_up_and_down(struct __test_metadata *_metadata, int fd)
{
	request_ring(_metadata, fd, PACKET_TX_RING);
	ASSERT_EQ(0, ring_teardown(fd, PACKET_TX_RING, TPACKET_V2)) TH_LOG("%s", strerror(errno));
	request_ring(_metadata, fd, PACKET_RX_RING);
	ASSERT_EQ(0, ring_teardown(fd, PACKET_RX_RING, TPACKET_V2)) TH_LOG("%s", strerror(errno));
}

/* Once the rings are torn down, PACKET_LOSS is accepted again and reads back 1. */
TEST_F(tx_opts, loss_accepted_after_ring_teardown)
{
	unsigned int one = 1;

	rings_up_and_down(_metadata, self->fd);
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(1, get_int(_metadata, self->fd, PACKET_LOSS));
}

/* Once the rings are torn down, PACKET_VERSION is accepted again and reads back. */
TEST_F(tx_opts, version_accepted_after_ring_teardown)
{
	int v3 = TPACKET_V3;

	rings_up_and_down(_metadata, self->fd);
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TPACKET_V3, get_int(_metadata, self->fd, PACKET_VERSION));
}

/*
 * PACKET_TX_HAS_OFF with a ring: setsockopt() returns 0 but the old value
 * stays, both ways (off stays off, on stays on), as getsockopt() shows.
 */
TEST_F(tx_opts, tx_has_off_silently_kept_with_ring)
{
	unsigned int zero = 0, one = 1;

	request_ring(_metadata, self->fd, PACKET_TX_RING);
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &one, sizeof(one)));
	EXPECT_EQ(0, get_int(_metadata, self->fd, PACKET_TX_HAS_OFF));
	ASSERT_EQ(0, ring_teardown(self->fd, PACKET_TX_RING, TPACKET_V2));

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &one, sizeof(one)));
	EXPECT_EQ(1, get_int(_metadata, self->fd, PACKET_TX_HAS_OFF));
	request_ring(_metadata, self->fd, PACKET_TX_RING);
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &zero, sizeof(zero)));
	EXPECT_EQ(1, get_int(_metadata, self->fd, PACKET_TX_HAS_OFF));
}

/* ---- a bad address or control message on a TX ring send ------------- */

/*
 * sendto() on a TX ring socket checks the sockaddr_ll and the control
 * messages before it looks at a slot (tpacket_snd(): the saddr checks, then
 * dev_get_by_index(), IFF_UP and sock_cmsg_send()): a refused call returns
 * the error and leaves every slot as it was, so the frame waiting in slot 0
 * is still TP_STATUS_SEND_REQUEST and the next good send sends it.
 */
enum addr_dev {
	ADDR_PSK0,		/* psk0 itself */
	ADDR_NO_DEVICE,		/* an ifindex no device of the namespace has */
	ADDR_DOWN,		/* a veth end that was never brought up */
	ADDR_IP6TNL,		/* an ip6tnl device: dev->addr_len 16 */
};

FIXTURE(tx_addr) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame f;
};

FIXTURE_VARIANT(tx_addr) {
	int type;
	socklen_t namelen;	/* msg_namelen of the bad call (0: no address) */
	uint8_t halen;		/* sll_halen of its address */
	enum addr_dev dev;	/* whose ifindex it names */
	bool bad_cmsg;		/* a SOL_SOCKET control message of an unknown type */
	int err;		/* what the bad call fails with */
};

/* msg_namelen 19, below sizeof(struct sockaddr_ll) (20): EINVAL. */
FIXTURE_VARIANT_ADD(tx_addr, raw_namelen_19) {
	.type = SOCK_RAW, .namelen = 19, .halen = 6, .dev = ADDR_PSK0, .err = EINVAL,
};
/* sll_halen 9 needs 12 + 9 = 21 bytes of address, msg_namelen is 20: EINVAL. */
FIXTURE_VARIANT_ADD(tx_addr, raw_halen_past_namelen) {
	.type = SOCK_RAW, .namelen = 20, .halen = 9, .dev = ADDR_PSK0, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(tx_addr, dgram_halen_past_namelen) {
	.type = SOCK_DGRAM, .namelen = 20, .halen = 9, .dev = ADDR_PSK0, .err = EINVAL,
};
/* SOCK_DGRAM, a device whose address takes 12 + 16 = 28 bytes, msg_namelen 20 or 27: EINVAL. */
FIXTURE_VARIANT_ADD(tx_addr, dgram_namelen_short_for_dev_addr) {
	.type = SOCK_DGRAM, .namelen = 20, .halen = 0, .dev = ADDR_IP6TNL, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(tx_addr, dgram_namelen_one_short_for_dev_addr) {
	.type = SOCK_DGRAM, .namelen = 27, .halen = 0, .dev = ADDR_IP6TNL, .err = EINVAL,
};
/* msg_namelen 28 holds the whole device address: past the check, the device is down. */
FIXTURE_VARIANT_ADD(tx_addr, dgram_namelen_fits_dev_addr) {
	.type = SOCK_DGRAM, .namelen = 28, .halen = 0, .dev = ADDR_IP6TNL, .err = ENETDOWN,
};
FIXTURE_VARIANT_ADD(tx_addr, raw_no_such_ifindex) {
	.type = SOCK_RAW, .namelen = 20, .halen = 6, .dev = ADDR_NO_DEVICE, .err = ENXIO,
};
FIXTURE_VARIANT_ADD(tx_addr, dgram_no_such_ifindex) {
	.type = SOCK_DGRAM, .namelen = 20, .halen = 6, .dev = ADDR_NO_DEVICE, .err = ENXIO,
};
FIXTURE_VARIANT_ADD(tx_addr, raw_device_down) {
	.type = SOCK_RAW, .namelen = 20, .halen = 6, .dev = ADDR_DOWN, .err = ENETDOWN,
};
FIXTURE_VARIANT_ADD(tx_addr, dgram_device_down) {
	.type = SOCK_DGRAM, .namelen = 20, .halen = 6, .dev = ADDR_DOWN, .err = ENETDOWN,
};
/* No address, a control message __sock_cmsg_send() does not know: EINVAL. */
FIXTURE_VARIANT_ADD(tx_addr, raw_unknown_cmsg) {
	.type = SOCK_RAW, .dev = ADDR_PSK0, .bad_cmsg = true, .err = EINVAL,
};
FIXTURE_VARIANT_ADD(tx_addr, dgram_unknown_cmsg) {
	.type = SOCK_DGRAM, .namelen = 20, .halen = 6, .dev = ADDR_PSK0, .bad_cmsg = true,
	.err = EINVAL,
};

FIXTURE_SETUP(tx_addr)
{
	TX_RING_ENDS_SETUP(return, self, variant->type, TPACKET_V2);
}

FIXTURE_TEARDOWN(tx_addr)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/* No device of a fresh namespace has this index (lo is 1, psk0/psk1 10/11). */
#define ABSENT_IFINDEX 999

/* The ifindex the variant's address names; SKIP (return 0) when its link type is missing. */
static int addr_ifindex(struct __test_metadata *_metadata, struct _test_data_tx_addr *self,
			enum addr_dev dev)
{
	char why[256] = "";
	const char *name;
	int rc, ifindex;

	switch (dev) {
	case ADDR_PSK0:
		return self->topo.ifindex0;
	case ADDR_NO_DEVICE:
		return ABSENT_IFINDEX;
	case ADDR_DOWN:
		name = "pskd0";
		rc = netns_ip(&self->topo, false, why, sizeof(why),
			      "link add pskd0 type veth peer name pskd1");
		break;
	default:
		TX_IP6TNL_OR_SKIP(return 0, &self->topo, ifindex);
		return ifindex;
	}
	ASSERT_EQ(0, rc) TH_LOG("ip: %s", why);
	ifindex = if_nametoindex(name);
	ASSERT_LT(0, ifindex) TH_LOG("%s: %s", name, strerror(errno));
	return ifindex;
}

/*
 * The variant's bad call: sendto() of no data with its address (none when
 * namelen is 0) and, with bad_cmsg, a SOL_SOCKET message of type TX_CMSG_UNKNOWN.
 */
static ssize_t bad_send(const FIXTURE_VARIANT(tx_addr) *variant, int fd, int ifindex,
			const uint8_t mac[6])
{
	/* room for a msg_namelen past sizeof(struct sockaddr_ll) */
	union tx_addr_long to = tx_addr_long(ifindex, ETH_P_PSOCK, mac, variant->halen);
	union tx_cmsg_buf ctl;
	struct msghdr msg = {
		.msg_name = variant->namelen ? &to : NULL,
		.msg_namelen = variant->namelen,
	};

	if (variant->bad_cmsg)
		tx_msg_unknown_cmsg(&msg, &ctl);
	return sendmsg(fd, &msg, 0);
}

/* Frame seq 0 built for psk1 and requested in slot 0 (DGRAM: without its link header). */
static void put_waiting(struct __test_metadata *_metadata, struct ring *r, int fd,
			struct tx_frame *f, int type)
{
	size_t hdr = type == SOCK_DGRAM ? ETH_HLEN : 0;

	ASSERT_TX_RING_OPEN(r, fd, &ring_small);
	TX_FRAME(f, .seq = 0, .payload_len = 100);
	tx_put(r, 0, 0, f->wire + hdr, f->len - hdr);
}

/*
 * A refused address or control message fails the TX ring send with the
 * variant's errno before any slot is looked at: slot 0 stays
 * TP_STATUS_SEND_REQUEST.
 */
TEST_F(tx_addr, bad_address_refused_slot_still_requested)
{
	int ifindex = addr_ifindex(_metadata, self, variant->dev);

	if (!ifindex)
		return;
	put_waiting(_metadata, &self->ring, self->fd, &self->f, variant->type);
	EXPECT_ERRNO(variant->err, bad_send(variant, self->fd, ifindex, self->topo.mac1));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

/*
 * After a refused call, a sendto() with psk0's good address sends the frame
 * still waiting in slot 0: it returns its tp_len and the frame arrives on
 * psk1 byte for byte.
 */
TEST_F(tx_addr, good_send_after_refused_sends_slot)
{
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, self->topo.mac1);
	int ifindex = addr_ifindex(_metadata, self, variant->dev);
	size_t hdr = variant->type == SOCK_DGRAM ? ETH_HLEN : 0;

	if (!ifindex)
		return;
	put_waiting(_metadata, &self->ring, self->fd, &self->f, variant->type);
	ASSERT_EQ(-1, bad_send(variant, self->fd, ifindex, self->topo.mac1));
	ASSERT_EQ((ssize_t)(self->f.len - hdr),
		  sendto(self->fd, NULL, 0, 0, (struct sockaddr *)&to, sizeof(to)))
		TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->f, 0, PSOCK_WAIT_MS);
}

/* ---- the longest sll_halen a 20-byte address holds ------------------- */

FIXTURE(tx_addr_edge) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame f;
};

FIXTURE_VARIANT(tx_addr_edge) {
	int type;
};

FIXTURE_VARIANT_ADD(tx_addr_edge, raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(tx_addr_edge, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(tx_addr_edge)
{
	TX_RING_ENDS_SETUP(return, self, variant->type, TPACKET_V2);
}

FIXTURE_TEARDOWN(tx_addr_edge)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/*
 * sendto() with msg_namelen 20 and sll_halen 8: 12 + 8 = 20 is not below
 * msg_namelen (tpacket_snd()), so the address is taken and the frame
 * waiting in slot 0 is sent: send() returns its tp_len, the slot ends
 * TP_STATUS_AVAILABLE and psk1 receives the frame byte for byte.
 */
TEST_F(tx_addr_edge, halen_8_in_20_sends_slot)
{
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, self->topo.mac1);
	size_t hdr = variant->type == SOCK_DGRAM ? ETH_HLEN : 0;
	struct ring *r = &self->ring;

	put_waiting(_metadata, r, self->fd, &self->f, variant->type);
	to.sll_halen = 8;
	EXPECT_EQ((ssize_t)(self->f.len - hdr),
		  sendto(self->fd, NULL, 0, 0, (struct sockaddr *)&to, 20))
		TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, PSOCK_WAIT_MS))
		TH_LOG("slot 0 status %u", tx_status(r, ring_frame(r, 0)));
	ASSERT_SINK_FRAME(self->sink, &self->f, 0, PSOCK_WAIT_MS);
}

/* ---- the link header a SOCK_DGRAM slot gets ------------------------------ */

FIXTURE(tx_dgram_hdr) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame f;
};

/* A SOCK_DGRAM socket on psk0 with a V2 TX ring; frame seq 0's payload in slot 0. */
FIXTURE_SETUP(tx_dgram_hdr)
{
	TX_RING_ENDS_SETUP(return, self, SOCK_DGRAM, TPACKET_V2);
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	TX_FRAME(&self->f, .seq = 0, .payload_len = 100);
	tx_put(&self->ring, 0, 0, self->f.wire + ETH_HLEN, 100);
}

FIXTURE_TEARDOWN(tx_dgram_hdr)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/*
 * A SOCK_DGRAM slot sent with no address has no destination MAC:
 * dev_hard_header() fails (eth_header() without daddr), tpacket_fill_skb()
 * returns EINVAL and the slot is TP_STATUS_WRONG_FORMAT.
 */
TEST_F(tx_dgram_hdr, no_address_slot_wrong_format_einval)
{
	EXPECT_ERRNO(EINVAL, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

/*
 * To a device without a link header (ip6tnl: no header_ops, so
 * dev_hard_header() adds 0 bytes and returns 0, which tpacket_fill_skb()
 * takes as success) the slot's 100 bytes are the whole frame: sendto() with
 * a 28-byte address returns 100, the slot is handed back
 * TP_STATUS_AVAILABLE and a tap on the device sees exactly those bytes.
 */
TEST_F(tx_dgram_hdr, headerless_device_slot_is_the_frame)
{
	union tx_addr_long to;
	uint8_t buf[2048];
	uint32_t seq = ~0u;
	int ifindex, tap;
	ssize_t n;

	TX_IP6TNL_UP_OR_SKIP(return, &self->topo, ifindex);
	tap = psock_rx_socket(SOCK_RAW, 0, ifindex, ETH_P_ALL);
	ASSERT_LE(0, tap) TH_LOG("tap: %s", strerror(errno));
	to = tx_addr_long(ifindex, ETH_P_PSOCK, self->topo.mac1, 16);
	EXPECT_EQ(100, sendto(self->fd, NULL, 0, 0, (struct sockaddr *)&to, 28))
		TH_LOG("sendto: %s", strerror(errno));
	EXPECT_TRUE(tx_wait_status(&self->ring, ring_frame(&self->ring, 0), TP_STATUS_AVAILABLE,
				   PSOCK_WAIT_MS))
		TH_LOG("slot 0 status %u", tx_status(&self->ring, ring_frame(&self->ring, 0)));
	/* no link header: the tag is at the frame's start */
	n = tx_sink_next(tap, buf, sizeof(buf), 0, &seq, NULL, PSOCK_WAIT_MS);
	ASSERT_LT(0, n) TH_LOG("outgoing frame on pskt6 within %d ms: %s", PSOCK_WAIT_MS,
			       n < 0 ? strerror(errno) : "timeout");
	EXPECT_EQ(0, seq);
	EXPECT_EQ(100, n);
	EXPECT_EQ(0, memcmp(self->f.wire + ETH_HLEN, buf, 100));
	EXPECT_EQ(0, close(tap));
}

/*
 * A slot of 0 bytes to the headerless ip6tnl device: dev_hard_header()
 * adds nothing, the skb is empty, and tpacket_fill_skb() refuses it
 * ("!skb->len"): sendto() EINVAL, the slot TP_STATUS_WRONG_FORMAT. (To
 * psk0 the same slot sends a bare link header: tx_zero.dgram.)
 */
TEST_F(tx_dgram_hdr, headerless_device_empty_slot_einval)
{
	union tx_addr_long to;
	int ifindex;

	TX_IP6TNL_UP_OR_SKIP(return, &self->topo, ifindex);
	tx_put(&self->ring, 0, 0, self->f.wire + ETH_HLEN, 0);
	to = tx_addr_long(ifindex, ETH_P_PSOCK, self->topo.mac1, 16);
	EXPECT_ERRNO(EINVAL, sendto(self->fd, NULL, 0, 0, (struct sockaddr *)&to, 28));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

/* ---- a frame the qdisc drops ------------------------------------------- */

FIXTURE(tx_qdrop) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame f;
};

FIXTURE_VARIANT(tx_qdrop) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_qdrop, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_qdrop, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_qdrop, v3) { .version = TPACKET_V3 };

/* A SOCK_RAW TX ring socket on psk0, whose root qdisc is a pfifo of limit 0. */
FIXTURE_SETUP(tx_qdrop)
{
	char why[256];

	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
	if (tx_tc(why, sizeof(why), "qdisc add dev psk0 root pfifo limit 0")) {
		if (tx_tc_missing(why))
			SKIP(return, "no pfifo qdisc (CONFIG_NET_SCH_FIFO) or no tc: %s", why);
		ASSERT_TRUE(false) TH_LOG("tc: %s", why);
	}
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
}

FIXTURE_TEARDOWN(tx_qdrop)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/*
 * A pfifo of limit 0 drops every frame (NET_XMIT_DROP), and the drop frees
 * the skb, whose completion hands the slot back at once: tpacket_snd()
 * sees the error with the slot already TP_STATUS_AVAILABLE ("skb was
 * destructed already"), returns ENOBUFS (net_xmit_errno()) and puts the
 * slot back to TP_STATUS_SEND_REQUEST, so it is sent again, and arrives,
 * once the qdisc is gone.
 */
TEST_F(tx_qdrop, qdisc_drop_enobufs_slot_requested_again)
{
	char why[256];

	TX_FRAME(&self->f, .seq = 4, .payload_len = 100);
	tx_put(&self->ring, 0, 0, self->f.wire, self->f.len);
	EXPECT_ERRNO(ENOBUFS, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(&self->ring, ring_frame(&self->ring, 0)));
	ASSERT_EQ(0, tx_tc(why, sizeof(why), "qdisc del dev psk0 root")) TH_LOG("tc: %s", why);
	EXPECT_EQ((ssize_t)self->f.len, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->f, 4, PSOCK_WAIT_MS);
}

/* ---- a slot with no frame bytes --------------------------------------- */

FIXTURE(tx_zero) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_VARIANT(tx_zero) {
	int type;
	bool vnet;		/* PACKET_VNET_HDR (SOCK_RAW only): tp_len 10, a zeroed header */
	ssize_t ret;		/* what send() returns: 0, or -1 with EINVAL */
	uint32_t status;	/* what slot 0 ends as */
};

FIXTURE_VARIANT_ADD(tx_zero, raw_vnet) {
	.type = SOCK_RAW, .vnet = true, .ret = -1, .status = TP_STATUS_WRONG_FORMAT,
};
FIXTURE_VARIANT_ADD(tx_zero, dgram) {
	.type = SOCK_DGRAM, .ret = 0, .status = TP_STATUS_AVAILABLE,
};

FIXTURE_SETUP(tx_zero)
{
	int one = 1;

	TX_RING_ENDS_SETUP(return, self, variant->type, TPACKET_V2);
	/* Before the ring: with one, PACKET_VNET_HDR is EBUSY. */
	if (variant->vnet)
		ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
			TH_LOG("PACKET_VNET_HDR: %s", strerror(errno));
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
}

FIXTURE_TEARDOWN(tx_zero)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/*
 * Slot 0 with no frame bytes (tp_len 0, or 10 for the header alone), sent
 * with sendto() to psk1's MAC (SOCK_DGRAM needs a destination for
 * dev_hard_header()): SOCK_RAW fails in tpacket_fill_skb() with EINVAL, the
 * slot TP_STATUS_WRONG_FORMAT; SOCK_DGRAM sends a frame of just the link
 * header, sendto() returns 0 and the slot is handed back TP_STATUS_AVAILABLE.
 */
TEST_F(tx_zero, zero_len_slot)
{
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, self->topo.mac1);
	const uint8_t vh[10] = { 0 };
	struct ring *r = &self->ring;
	ssize_t ret;

	tx_put(r, 0, 0, vh, variant->vnet ? 10 : 0);
	errno = 0;
	ret = sendto(self->fd, NULL, 0, 0, (struct sockaddr *)&to, sizeof(to));
	EXPECT_EQ(variant->ret, ret) TH_LOG("%s", strerror(errno));
	if (variant->ret < 0)
		EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 0), variant->status, PSOCK_WAIT_MS))
		TH_LOG("slot 0 status %u", tx_status(r, ring_frame(r, 0)));
}

TEST_HARNESS_MAIN

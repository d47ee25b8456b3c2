// SPDX-License-Identifier: GPL-2.0
/*
 * Sending through a transmit ring (PACKET_TX_RING), TPACKET_V1, V2 and V3.
 *
 * User space writes frames into the slots of a mmap()ed ring, marks each one
 * TP_STATUS_SEND_REQUEST and calls send() (or sendto() with an address, no
 * data). tpacket_snd() in net/packet/af_packet.c then walks the ring from its
 * own head: packet_current_frame() returns the slot at the head only if it
 * is TP_STATUS_SEND_REQUEST, so sending starts at the head and stops at the
 * first slot that is not; a request placed further on waits until the head
 * gets there. Each frame is parsed (tpacket_parse_header(): tp_len, and with
 * PACKET_TX_HAS_OFF the data offset from tp_mac (SOCK_RAW) or tp_net
 * (SOCK_DGRAM), otherwise the data starts at the fixed offset
 * TPACKET_ALIGN(sizeof(header))), turned into an skb that points into the
 * ring (tpacket_fill_skb()), marked TP_STATUS_SENDING and transmitted; when
 * the kernel is done with the slot (the skb's destructor
 * tpacket_destruct_skb(), or tpacket_ubuf_complete() where the ring pages
 * are a zero-copy ubuf_info) it becomes TP_STATUS_AVAILABLE again. The ring
 * pages are zero-copy fragments, copied when the skb crosses to another
 * device (veth: skb_orphan_frags()); the slot comes back only once they are
 * copied or freed, so it can be reused as soon as it is AVAILABLE. Linux 6.1
 * breaks this where a qdisc orphans the skb (netem): the destructor hands
 * the slot back while the frame still points into the ring (tx_netem below).
 * A blocking send waits for all of its
 * frames to complete (wait_for_completion on skb_completion while
 * packet_read_pending() is non-zero); with MSG_DONTWAIT it returns as soon
 * as they are queued (tx_inflight.c shows both with frames held in a
 * qdisc). The return value is the sum of the tp_len of the frames sent.
 *
 * SOCK_RAW sends each frame as written; SOCK_DGRAM slots hold the network
 * payload only and the kernel prepends the link header (dev_hard_header())
 * from the sockaddr_ll given to sendto(): destination MAC and protocol.
 *
 * V3 has no transmit blocks: a V3 TX ring is an array of frames with
 * struct tpacket3_hdr. packet_set_ring() takes a tpacket_req3 but refuses
 * the RX-only fields (tp_retire_blk_tov, tp_sizeof_priv,
 * tp_feature_req_word) with EINVAL, and tpacket_parse_header() refuses a
 * frame with tp_next_offset != 0 ("variable sized slot not supported").
 *
 * Every frame goes out of psk0 and is checked byte for byte on psk1 (the
 * "sink", a SOCK_RAW ETH_P_ALL socket). Frames that must not be sent are
 * checked by sending a marker afterwards: the marker must be the very next
 * tagged frame.
 *
 * Test cases (<type> = raw / dgram, <v> = v1 / v2 / v3):
 *   tx_ring.<type>_<v>.frames_arrive_in_ring_order_over_laps
 *   tx_ring.<type>_<v>.send_returns_sum_of_tp_len
 *   tx_ring.<type>_<v>.sent_slots_left_available
 *   tx_ring.<type>_<v>.tp_mac_tp_net_ignored_without_tx_has_off
 *   tx_ring.<type>_<v>.tx_has_off_offset_honoured
 *   tx_ring.<type>_<v>.tx_has_off_offset_out_of_slot_einval
 *   tx_ring.<type>_<v>.tx_has_off_offset_at_slot_end_sent
 *   tx_ring.<type>_<v>.tx_has_off_refused_slot_sent_once_fixed
 *   tx_walk.<v>.empty_ring_sends_nothing
 *   tx_walk.<v>.request_behind_available_head_not_sent
 *   tx_walk.<v>.sends_from_head_to_first_unrequested_slot
 *   tx_single.slot_reused_quickly_both_frames_intact
 *   tx_netem.<v>.slot_not_available_while_netem_holds_frame
 *   tx_netem.<v>.slot_rewritten_once_available_frame_intact
 *   tx_v3.req3_rx_only_fields_einval
 *   tx_v3.next_offset_nonzero_wrong_format
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

/* A destination only the sockaddr_ll names (DGRAM): psk1 sees it as OTHERHOST. */
static const uint8_t mac_dgram[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x42 };

/* ---- sending, for each version and socket type ------------------------ */

FIXTURE(tx_ring) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct sockaddr_ll to;	/* DGRAM: where sendto() sends */
};

FIXTURE_VARIANT(tx_ring) {
	int type;
	int version;
};

FIXTURE_VARIANT_ADD(tx_ring, raw_v1) { .type = SOCK_RAW, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_ring, raw_v2) { .type = SOCK_RAW, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_ring, raw_v3) { .type = SOCK_RAW, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(tx_ring, dgram_v1) { .type = SOCK_DGRAM, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_ring, dgram_v2) { .type = SOCK_DGRAM, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_ring, dgram_v3) { .type = SOCK_DGRAM, .version = TPACKET_V3 };

FIXTURE_SETUP(tx_ring)
{
	TX_RING_ENDS_SETUP(return, self, variant->type, variant->version);
	self->to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, mac_dgram);
}

FIXTURE_TEARDOWN(tx_ring)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/* The destination a frame of this variant is built for: psk1 (NULL, tx_frame_build()'s default), or the sockaddr_ll's. */
static const uint8_t *variant_dst(int type)
{
	return type == SOCK_DGRAM ? mac_dgram : NULL;
}

/* What goes into the slot: the whole frame (RAW) or what follows the link header. */
static const uint8_t *slot_bytes(int type, const struct tx_frame *f, size_t *len)
{
	size_t hdr = type == SOCK_DGRAM ? ETH_HLEN : 0;

	*len = f->len - hdr;
	return f->wire + hdr;
}

/* send() for SOCK_RAW (bound socket), sendto(sll, no data) for SOCK_DGRAM. */
static ssize_t ring_send(struct _test_data_tx_ring *self, int type, int flags)
{
	if (type == SOCK_DGRAM)
		return sendto(self->fd, NULL, 0, flags, (struct sockaddr *)&self->to,
			      sizeof(self->to));
	return send(self->fd, NULL, 0, flags);
}

/* Four batches of five frames go through the 8 slots of ring_small: 2.5 laps. */
#define BATCH 5
#define LAP_FRAMES (4 * BATCH)

/*
 * Frames first .. first + BATCH - 1, of different lengths, each in the slot
 * its seq falls on (seq % 8), requested; the sum of their tp_len.
 */
static ssize_t put_batch(struct __test_metadata *_metadata, struct ring *r, int type,
			 struct tx_frame f[BATCH], uint32_t first)
{
	ssize_t sum = 0;

	for (uint32_t j = 0; j < BATCH; j++) {
		uint32_t seq = first + j;
		const uint8_t *b;
		size_t len;

		TX_FRAME(&f[j], .dst = variant_dst(type), .seq = seq, .payload_len = 50 + 37 * seq);
		b = slot_bytes(type, &f[j], &len);
		tx_put(r, seq % r->frame_nr, 0, b, len);
		sum += len;
	}
	return sum;
}

/*
 * 20 frames of different lengths through 8 slots, a blocking send() per
 * batch of 5: they arrive in slot order, byte for byte. DGRAM: the link
 * header is the sockaddr_ll's destination and protocol with psk0's MAC as
 * source.
 */
TEST_F(tx_ring, frames_arrive_in_ring_order_over_laps)
{
	struct tx_frame f[BATCH];

	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	for (uint32_t first = 0; first < LAP_FRAMES; first += BATCH) {
		put_batch(_metadata, &self->ring, variant->type, f, first);
		ASSERT_LE(0, ring_send(self, variant->type, 0)) TH_LOG("send: %s", strerror(errno));
		for (uint32_t j = 0; j < BATCH; j++)
			ASSERT_SINK_FRAME(self->sink, &f[j], first + j, PSOCK_WAIT_MS);
	}
}

/* Each blocking send() of a batch returns the sum of the batch's tp_len, lap after lap. */
TEST_F(tx_ring, send_returns_sum_of_tp_len)
{
	struct tx_frame f[BATCH];

	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	for (uint32_t first = 0; first < LAP_FRAMES; first += BATCH) {
		ssize_t sum = put_batch(_metadata, &self->ring, variant->type, f, first);

		ASSERT_EQ(sum, ring_send(self, variant->type, 0))
			TH_LOG("frames %u to %u: %s", first, first + BATCH - 1, strerror(errno));
	}
}

/*
 * A blocking send() returns once the kernel is done with every slot it
 * sent: each is TP_STATUS_AVAILABLE again, lap after lap.
 */
TEST_F(tx_ring, sent_slots_left_available)
{
	struct ring *r = &self->ring;
	struct tx_frame f[BATCH];

	ASSERT_TX_RING_OPEN(r, self->fd, &ring_small);
	for (uint32_t first = 0; first < LAP_FRAMES; first += BATCH) {
		put_batch(_metadata, r, variant->type, f, first);
		ASSERT_LE(0, ring_send(self, variant->type, 0)) TH_LOG("send: %s", strerror(errno));
		for (uint32_t s = first; s < first + BATCH; s++) {
			EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, s % r->frame_nr)))
				TH_LOG("slot of frame %u", s);
		}
	}
}

/*
 * Without PACKET_TX_HAS_OFF, tp_mac and tp_net are not read (set to 300
 * here, past the frame): the data is taken from TPACKET_ALIGN(sizeof(header)).
 */
TEST_F(tx_ring, tp_mac_tp_net_ignored_without_tx_has_off)
{
	struct ring *r = &self->ring;
	const uint8_t *b;
	struct tx_frame f;
	size_t len;

	ASSERT_TX_RING_OPEN(r, self->fd, &ring_small);
	TX_FRAME(&f, .dst = variant_dst(variant->type), .seq = 3, .payload_len = 200);
	b = slot_bytes(variant->type, &f, &len);
	tx_set_offsets(r, ring_frame(r, 0), 300, 300);
	tx_put(r, 0, 0, b, len);
	ASSERT_LE(0, ring_send(self, variant->type, 0)) TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 3, PSOCK_WAIT_MS);
}

/*
 * With PACKET_TX_HAS_OFF the data starts where the frame header says: tp_mac
 * for SOCK_RAW, tp_net for SOCK_DGRAM (tpacket_parse_header()); junk at the
 * default offset is not sent.
 */
TEST_F(tx_ring, tx_has_off_offset_honoured)
{
	unsigned int on = 1;
	struct ring *r = &self->ring;
	size_t def = tx_data_offset(variant->version), off = def + 72, len;
	const uint8_t *b;
	struct tx_frame f;
	uint8_t *slot;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &on, sizeof(on)));
	ASSERT_TX_RING_OPEN(r, self->fd, &ring_small);
	TX_FRAME(&f, .dst = variant_dst(variant->type), .seq = 7, .payload_len = 200);
	b = slot_bytes(variant->type, &f, &len);
	slot = ring_frame(r, 0);
	memset(slot + def, 0xee, off - def);
	/* tp_mac for RAW, tp_net for DGRAM; the other one points at the junk. */
	if (variant->type == SOCK_RAW)
		tx_set_offsets(r, slot, off, def);
	else
		tx_set_offsets(r, slot, def, off);
	tx_put(r, 0, off, b, len);
	ASSERT_EQ((ssize_t)len, ring_send(self, variant->type, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 7, PSOCK_WAIT_MS);
}

/*
 * PACKET_TX_HAS_OFF on, a ring_small ring, frame 8 (100 bytes of payload)
 * requested in slot 0 at the default offset; its length in *len, the slot
 * returned.
 */
static void *put_has_off_frame(struct __test_metadata *_metadata,
			       struct _test_data_tx_ring *self, int type,
			       struct tx_frame *f, size_t *len)
{
	unsigned int on = 1;
	const uint8_t *b;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &on, sizeof(on)));
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
	TX_FRAME(f, .dst = variant_dst(type), .seq = 8, .payload_len = 100);
	b = slot_bytes(type, f, len);
	return tx_put(&self->ring, 0, 0, b, *len);
}

/*
 * An offset inside the frame header (below tp_hdrlen - sizeof(sockaddr_ll),
 * 0 included) or so far on that tp_len bytes overrun the slot (above
 * tp_frame_size - tp_len) is refused: send() fails with EINVAL and the slot
 * is TP_STATUS_WRONG_FORMAT.
 */
TEST_F(tx_ring, tx_has_off_offset_out_of_slot_einval)
{
	struct ring *r = &self->ring;
	size_t def = tx_data_offset(variant->version), len;
	struct tx_frame f;
	uint16_t bad[3];
	void *slot = put_has_off_frame(_metadata, self, variant->type, &f, &len);

	bad[0] = 0;
	bad[1] = def - 8;
	bad[2] = r->geo.frame_size - len + 1;
	for (int i = 0; i < 3; i++) {
		tx_set_offsets(r, slot, bad[i], bad[i]);
		tx_set_status(r, slot, TP_STATUS_SEND_REQUEST);
		EXPECT_EQ(-1, ring_send(self, variant->type, 0)) TH_LOG("offset %u", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("offset %u", bad[i]);
		EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, slot)) TH_LOG("offset %u", bad[i]);
	}
}

/*
 * The largest offset allowed ends the frame exactly at the slot's end
 * (tpacket_parse_header(): off_max = tp_frame_size - tp_len): a frame
 * placed there is sent whole.
 */
TEST_F(tx_ring, tx_has_off_offset_at_slot_end_sent)
{
	struct ring *r = &self->ring;
	size_t len, off;
	struct tx_frame f;
	void *slot = put_has_off_frame(_metadata, self, variant->type, &f, &len);
	const uint8_t *b = slot_bytes(variant->type, &f, &len);

	off = r->geo.frame_size - len;
	tx_put(r, 0, off, b, len);
	tx_set_offsets(r, slot, off, off);
	ASSERT_EQ((ssize_t)len, ring_send(self, variant->type, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 8, PSOCK_WAIT_MS);
}

/*
 * The head stays on a slot refused for its offset: fixed (the default
 * offset) and requested again, it is the first frame sent.
 */
TEST_F(tx_ring, tx_has_off_refused_slot_sent_once_fixed)
{
	struct ring *r = &self->ring;
	size_t def = tx_data_offset(variant->version), len;
	struct tx_frame f;
	void *slot = put_has_off_frame(_metadata, self, variant->type, &f, &len);

	tx_set_offsets(r, slot, 0, 0);
	ASSERT_EQ(-1, ring_send(self, variant->type, 0)) TH_LOG("offset 0 was accepted");
	tx_set_offsets(r, slot, def, def);
	tx_set_status(r, slot, TP_STATUS_SEND_REQUEST);
	ASSERT_EQ((ssize_t)len, ring_send(self, variant->type, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 8, PSOCK_WAIT_MS);
}

/* ---- walking the ring, for each version (SOCK_RAW) -------------------- */

FIXTURE(tx_walk) {
	struct netns_topo topo;
	int fd, sink;
	int plain;		/* psk0, no ring: sends the marker */
	struct ring ring;
};

FIXTURE_VARIANT(tx_walk) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_walk, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_walk, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_walk, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(tx_walk)
{
	self->plain = -1;
	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
}

FIXTURE_TEARDOWN(tx_walk)
{
	TX_RING_ENDS_TEARDOWN(self, self->plain);
}

/* Frame seq (payload bytes, psk0 -> psk1) built in f and requested in slot i. */
static void put_frame(struct __test_metadata *_metadata, struct ring *r, unsigned int i,
		      struct tx_frame *f, uint32_t seq, size_t payload)
{
	TX_FRAME(f, .seq = seq, .payload_len = payload);
	tx_put(r, i, 0, f->wire, f->len);
}

/* An empty ring sends nothing: send() returns 0, blocking or not. */
TEST_F(tx_walk, empty_ring_sends_nothing)
{
	EXPECT_EQ(0, send(self->fd, NULL, 0, 0)) TH_LOG("blocking: %s", strerror(errno));
	EXPECT_EQ(0, send(self->fd, NULL, 0, MSG_DONTWAIT)) TH_LOG("MSG_DONTWAIT: %s",
								   strerror(errno));
}

/*
 * The kernel starts at its head (slot 0 of a fresh ring): a request in
 * slot 1 behind an AVAILABLE slot 0 is not sent. send() returns 0, the slot
 * stays TP_STATUS_SEND_REQUEST, and a marker sent next from a plain socket
 * is the first frame on psk1.
 */
TEST_F(tx_walk, request_behind_available_head_not_sent)
{
	struct ring *r = &self->ring;
	struct tx_frame f1, marker;

	put_frame(_metadata, r, 1, &f1, 1, 111);
	EXPECT_EQ(0, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 1)));
	self->plain = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->plain) TH_LOG("plain socket: %s", strerror(errno));
	TX_FRAME(&marker, .seq = 9, .payload_len = 64);
	ASSERT_EQ((ssize_t)marker.len, send(self->plain, marker.wire, marker.len, 0))
		TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &marker, 9, PSOCK_WAIT_MS);
}

/*
 * With slots 1 and 0 requested (in that order), one send() starts at the
 * head, slot 0, and goes on to slot 1, stopping at slot 2, which is not
 * requested: it returns the sum of both, and they arrive slot 0 first.
 */
TEST_F(tx_walk, sends_from_head_to_first_unrequested_slot)
{
	struct ring *r = &self->ring;
	struct tx_frame f0, f1;

	put_frame(_metadata, r, 1, &f1, 1, 111);
	put_frame(_metadata, r, 0, &f0, 0, 222);
	EXPECT_EQ((ssize_t)(f0.len + f1.len), send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f0, 0, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &f1, 1, PSOCK_WAIT_MS);
}

/* ---- version-independent behaviour (TPACKET_V2, SOCK_RAW) ------------- */

FIXTURE(tx_single) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_SETUP(tx_single)
{
	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V2);
}

FIXTURE_TEARDOWN(tx_single)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/* One slot: every frame goes through the same memory. */
static const struct ring_geometry one_slot = {
	.block_size = 4096, .block_nr = 1, .frame_size = 4096,
};

/*
 * The txring_overwrite regression: two frames sent one after the other
 * through the same slot, the second written as soon as the slot is
 * TP_STATUS_AVAILABLE, while the first still sits unread on psk1. Each
 * arrives with its own content: the first skb does not keep pointing into
 * the ring.
 */
TEST_F(tx_single, slot_reused_quickly_both_frames_intact)
{
	struct ring *r = &self->ring;
	struct tx_frame a, b;

	ASSERT_TX_RING_OPEN(r, self->fd, &one_slot);
	put_frame(_metadata, r, 0, &a, 1, 1400);
	ASSERT_EQ((ssize_t)a.len, send(self->fd, NULL, 0, 0));
	/* A blocking send() returns once the kernel is done with the slot. */
	ASSERT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 0)));
	put_frame(_metadata, r, 0, &b, 2, 700);
	ASSERT_EQ((ssize_t)b.len, send(self->fd, NULL, 0, 0));
	ASSERT_SINK_FRAME(self->sink, &a, 1, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &b, 2, PSOCK_WAIT_MS);
}

/* ---- a frame held in netem (SOCK_RAW, V1/V2/V3) ---------------------- */

/*
 * netem with a delay keeps each frame for that long and orphans it on
 * enqueue (netem_enqueue() -> skb_orphan_partial()). Where the slot is given
 * back by the skb's destructor (tpacket_destruct_skb(), Linux 6.1), the
 * orphan runs it: the slot reads TP_STATUS_AVAILABLE while the frame, whose
 * data are still page frags pointing into the ring, waits in netem; what
 * user space then writes into the slot is what goes out when veth finally
 * copies the frags (____dev_forward_skb() -> skb_orphan_frags()). That is a
 * bug. Where the ring pages are a zero-copy ubuf_info
 * (tpacket_ubuf_complete(), 6.12.y), skb_orphan_partial() keeps the owner
 * and the slot stays TP_STATUS_SENDING until the frags are copied or freed.
 * The delay is scaled, so on a slow (emulated) machine the frame is still
 * held when the case looks at the slot.
 */
#define NETEM_DELAY_MS 300

FIXTURE(tx_netem) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	bool netem;
};

FIXTURE_VARIANT(tx_netem) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_netem, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_netem, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_netem, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(tx_netem)
{
	self->netem = false;
	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
}

FIXTURE_TEARDOWN(tx_netem)
{
	char why[256] = "";

	/* Free a frame netem still holds while its ring exists. */
	if (self->netem && tx_tc(why, sizeof(why), "qdisc del dev psk0 root"))
		EXPECT_STREQ("", why);
	TX_RING_ENDS_TEARDOWN(self);
}

/* netem delay on psk0 and a one-slot TX ring; false when the case was SKIPped (no netem). */
static bool netem_ring(struct __test_metadata *_metadata, struct _test_data_tx_netem *self)
{
	char why[256];
	int ret;

	ret = tx_tc(why, sizeof(why), "qdisc add dev psk0 root netem delay %dms",
		    NETEM_DELAY_MS * netns_timeout_scale());
	if (ret && tx_tc_missing(why))
		SKIP(return false, "no netem qdisc (CONFIG_NET_SCH_NETEM, module sch_netem) or no tc: %s",
		     why);
	ASSERT_EQ(0, ret) TH_LOG("tc: %s", why);
	self->netem = true;
	/* One slot: the next frame goes through the slot the held one came from. */
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &one_slot);
	return true;
}

/*
 * Frame 1 sent from slot 0 with MSG_DONTWAIT while netem holds it: the slot
 * is TP_STATUS_SENDING, not handed back, until the frame has left; then it
 * arrives intact and the slot becomes TP_STATUS_AVAILABLE. Fails where the
 * slot is given back on orphan (6.1: AVAILABLE at once).
 */
TEST_F(tx_netem, slot_not_available_while_netem_holds_frame)
{
	struct ring *r = &self->ring;
	struct tx_frame a;

	if (!netem_ring(_metadata, self))
		return;
	put_frame(_metadata, r, 0, &a, 1, 1000);
	ASSERT_EQ((ssize_t)a.len, send(self->fd, NULL, 0, MSG_DONTWAIT))
		TH_LOG("send: %s", strerror(errno));
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 0)))
		TH_LOG("slot handed back while netem holds the frame, its data still in the ring");
	ASSERT_SINK_FRAME(self->sink, &a, 1, PSOCK_WAIT_MS);
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, PSOCK_WAIT_MS))
		TH_LOG("status %#x", tx_status(r, ring_frame(r, 0)));
}

/*
 * User space follows the protocol: it waits until slot 0 is
 * TP_STATUS_AVAILABLE, then writes frame 2 into it. Frame 1, sent from that
 * slot before, must arrive as it was written, and frame 2 after it. Fails
 * where the slot is given back while netem still holds frame 1 (6.1): frame
 * 1 goes out with frame 2's bytes after its link header.
 */
TEST_F(tx_netem, slot_rewritten_once_available_frame_intact)
{
	struct ring *r = &self->ring;
	struct tx_frame a, b;

	if (!netem_ring(_metadata, self))
		return;
	put_frame(_metadata, r, 0, &a, 1, 1000);
	ASSERT_EQ((ssize_t)a.len, send(self->fd, NULL, 0, MSG_DONTWAIT))
		TH_LOG("send: %s", strerror(errno));
	/* The wait covers the netem delay: the slot comes back when the frame has left. */
	ASSERT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, PSOCK_WAIT_MS))
		TH_LOG("status %#x", tx_status(r, ring_frame(r, 0)));
	put_frame(_metadata, r, 0, &b, 2, 1000);
	ASSERT_SINK_FRAME(self->sink, &a, 1, PSOCK_WAIT_MS);
	ASSERT_EQ((ssize_t)b.len, send(self->fd, NULL, 0, MSG_DONTWAIT))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &b, 2, PSOCK_WAIT_MS);
}

/* ---- V3 specifics ----------------------------------------------------- */

FIXTURE(tx_v3) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_SETUP(tx_v3)
{
	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V3);
}

FIXTURE_TEARDOWN(tx_v3)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/*
 * packet_set_ring(): a V3 TX ring takes a tpacket_req3, but
 * tp_retire_blk_tov, tp_sizeof_priv or tp_feature_req_word non-zero give
 * EINVAL and leave no ring; with them zero the same request succeeds.
 */
TEST_F(tx_v3, req3_rx_only_fields_einval)
{
	struct ring_geometry g = ring_small;

	g.retire_blk_tov = 10;
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &g))
		TH_LOG("tp_retire_blk_tov 10 accepted");
	EXPECT_EQ(EINVAL, errno);
	g = ring_small;
	g.sizeof_priv = 64;
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &g))
		TH_LOG("tp_sizeof_priv 64 accepted");
	EXPECT_EQ(EINVAL, errno);
	g = ring_small;
	g.feature_req_word = TP_FT_REQ_FILL_RXHASH;
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &g))
		TH_LOG("tp_feature_req_word TP_FT_REQ_FILL_RXHASH accepted");
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &ring_small))
		TH_LOG("plain tpacket_req3: %s", strerror(errno));
}

/*
 * tpacket_parse_header(): a V3 slot with tp_next_offset != 0 is refused
 * (EINVAL, TP_STATUS_WRONG_FORMAT); with 0 the same slot is sent.
 */
TEST_F(tx_v3, next_offset_nonzero_wrong_format)
{
	struct ring *r = &self->ring;
	struct tx_frame f;
	struct tpacket3_hdr *h;

	ASSERT_TX_RING_OPEN(r, self->fd, &ring_small);
	TX_FRAME(&f, .seq = 5, .payload_len = 100);
	h = tx_put(r, 0, 0, f.wire, f.len);
	h->tp_next_offset = 2048;
	EXPECT_EQ(-1, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, h));
	h->tp_next_offset = 0;
	tx_set_status(r, h, TP_STATUS_SEND_REQUEST);
	EXPECT_EQ((ssize_t)f.len, send(self->fd, NULL, 0, 0));
	ASSERT_SINK_FRAME(self->sink, &f, 5, PSOCK_WAIT_MS);
}

TEST_HARNESS_MAIN

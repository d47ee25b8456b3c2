// SPDX-License-Identifier: GPL-2.0
/*
 * Walking a receive ring (PACKET_RX_RING): how the kernel hands received
 * frames to user space through shared memory, for TPACKET_V1, V2 and V3.
 *
 * V1/V2 (tpacket_rcv(), packet_lookup_frame()): the ring is an array of
 * fixed-size frames. The kernel writes the next frame at its head only if
 * that frame's tp_status is TP_STATUS_KERNEL (0), then sets TP_STATUS_USER
 * and moves the head on, wrapping at the end. User space reads the frame and
 * hands it back by writing TP_STATUS_KERNEL. A frame user space still owns is
 * never overwritten: the packet is dropped instead.
 *
 * V3 (__packet_lookup_frame_in_block(), prb_open_block(), prb_close_block()):
 * the ring is an array of blocks, each packed with variable-sized packets.
 * User space owns a whole block once the kernel "retires" it (full, or by
 * the tp_retire_blk_tov timer: TP_STATUS_USER | TP_STATUS_BLK_TMO), and each
 * opened block gets the next seq_num (from 1). When the next block is still
 * user space's, the queue freezes (prb_freeze_queue()) and packets are
 * dropped until it is handed back. psock/rx_ring_v3.c covers what a block
 * holds: its descriptor, the private area, the timer, the flow hash.
 *
 * poll() (packet_poll()) reports POLLIN when the frame or block *before* the
 * kernel's head is not TP_STATUS_KERNEL, i.e. when the most recently filled
 * frame (V1/V2) or retired block (V3) is still owned by user space
 * (packet_previous_rx_frame(), __prb_previous_block()).
 *
 * V1/V2 store at most tp_frame_size - tp_mac bytes of a packet (tp_len keeps
 * the wire length); with PACKET_COPY_THRESH set, such a packet is also queued
 * whole on the socket and the frame carries TP_STATUS_COPY. V3 packets are
 * bounded by the block, not by tp_frame_size. The option's value is not a
 * length: any non-zero value copies every frame longer than its slot and
 * no frame that fits. The copy is skb_get() of the skb, or skb_clone() when
 * it is shared (another socket on the device still holds it), and either
 * way whole; with no free slot, the copy is dropped with the frame
 * (tp_drops 1, nothing queued).
 *
 * Ring walking does not depend on the socket type, so the walk runs on
 * SOCK_RAW for each version; psock/rx_frame.c covers both types' metadata.
 *
 * Test cases (<v> = v1, v2, v3):
 *   rx_walk.<v>.frames_in_order
 *   rx_walk.<v>.wraps_over_laps
 *   rx_walk.<v>.unreleased_frame_not_overwritten
 *   rx_walk.<v>.handed_back_frame_reused_alone
 *   rx_walk.<v>.pollin_when_frame_ready
 *   rx_walk.<v>.pollin_follows_frame_before_head
 *   rx_walk.<v>.long_frame_truncated_to_frame_size
 *   rx_walk.<v>.copy_thresh_queues_whole_packet
 *   rx_walk.<v>.copy_thresh_reads_back
 *   rx_copy.<v12>.shared_skb_copy_is_whole_frame
 *   rx_copy.<v12>.frame_that_fits_slot_not_copied
 *   rx_copy.<v12>.ring_full_copy_dropped_too
 * with <v12> = v1, v2.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"

/*
 * Where the kernel puts things in a ring_small ring (4 blocks of 4096
 * bytes, 2048-byte frames), written out rather than asked of the helpers
 * that walk the ring: V1/V2 frame i at 2048 * i (two frames per block,
 * packet_lookup_frame()), V3 block i at 4096 * i.
 */
#define SMALL_FRAME_OFF(i) ((size_t)(i) * 2048)
#define SMALL_BLOCK_OFF(i) ((size_t)(i) * 4096)

/* poll() fd for POLLIN without waiting: the revents, or -1 with errno. */
static int pollin_revents(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret = poll(&pfd, 1, 0);

	return ret < 0 ? -1 : pfd.revents;
}

/* Wait for the ring's next frame, which must be the tagged frame want. */
static void *expect_next(struct __test_metadata *_metadata, struct ring *r,
			 size_t skip, uint32_t want)
{
	void *f = ring_next_frame(r, PSOCK_WAIT_MS);

	ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms)", want, strerror(errno),
				  PSOCK_WAIT_MS);
	ASSERT_EQ(want, ring_frame_seq(r, f, skip)) TH_LOG("frame out of order");
	return f;
}

/*
 * V3: block idx (at SMALL_BLOCK_OFF(idx)) must have exactly status, carry
 * seq_num and hold exactly the packets first_seq .. first_seq + n - 1, in
 * order.
 */
static void expect_block(struct __test_metadata *_metadata, const struct ring *r,
			 unsigned int idx, uint32_t status, uint32_t seq_num,
			 uint32_t first_seq, unsigned int n, size_t skip)
{
	struct tpacket_block_desc *b = (void *)(r->map + SMALL_BLOCK_OFF(idx));

	ASSERT_EQ(status, ring_status(r, b)) TH_LOG("block %u", idx);
	EXPECT_EQ(seq_num, b->hdr.bh1.seq_num) TH_LOG("block %u", idx);
	ASSERT_EQ(n, b->hdr.bh1.num_pkts) TH_LOG("block %u", idx);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(first_seq + i, ring_block_pkt_seq(r, b, i, skip))
			TH_LOG("block %u packet %u", idx, i);
	}
}

/*
 * Every frame sent so far has been through psk0's receive path (the
 * barrier, harness/stats.h): then PACKET_STATISTICS (read, so cleared)
 * must say exactly packets and drops.
 */
static void expect_received(struct __test_metadata *_metadata, struct rx_barrier *b,
			    struct netns_topo *topo, int fd, uint32_t packets, uint32_t drops)
{
	struct psock_stats st;

	ASSERT_EQ(0, rx_barrier_sync(b, topo, PSOCK_WAIT_MS))
		TH_LOG("barrier: %s", strerror(errno));
	ASSERT_STATS_READ(fd, &st);
	EXPECT_EQ(packets, st.packets);
	EXPECT_EQ(drops, st.drops);
}

/* ---- ring walking, for each version ---------------------------------- */

FIXTURE(rx_walk) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
	size_t skip;		/* tp_mac to payload: the Ethernet header */
	struct rx_barrier barrier;
};

FIXTURE_VARIANT(rx_walk) {
	int version;
};

FIXTURE_VARIANT_ADD(rx_walk, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(rx_walk, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(rx_walk, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(rx_walk)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->skip = ETH_HLEN;
	self->fd = -1;
	self->barrier.fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	/* Pinned, frames from psk1 are received in the order they were sent. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_open(&self->barrier, &self->topo))
		TH_LOG("barrier socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_walk)
{
	ring_close_socket(&self->ring, self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
}

static void open_ring(struct __test_metadata *_metadata, struct _test_data_rx_walk *self,
		      const struct ring_geometry *geo)
{
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, geo))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
}

/*
 * N frames sent -> exactly those N frames, in order. V1/V2: frame i in slot
 * i from the start of the ring, TP_STATUS_USER; V3: each block the frames
 * arrive in is the next one of the ring, retired by the timer (partly
 * filled: TP_STATUS_USER | TP_STATUS_BLK_TMO) with the next seq_num. Once
 * all are handed back, a marker is the very next frame (nothing else was
 * stored) and, V1/V2, lands in slot 0 again: the ring wrapped to a slot
 * user space gave back.
 */
TEST_F(rx_walk, frames_in_order)
{
	const struct frame_spec spec = { .payload_len = 100 };
	const unsigned int n = 8;
	struct ring_geometry geo = ring_small;
	struct ring *r = &self->ring;
	unsigned int blocks = 0;

	geo.retire_blk_tov = 4;	/* V3: retire the partly filled block soon */
	open_ring(_metadata, self, &geo);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, n)) TH_LOG("send: %s", strerror(errno));

	for (unsigned int i = 0; i < n; i++) {
		bool new_block = variant->version == TPACKET_V3 && !r->pkt;
		void *f = expect_next(_metadata, r, self->skip, i);

		if (variant->version != TPACKET_V3) {
			uint8_t *slot = r->map + SMALL_FRAME_OFF(i);

			EXPECT_EQ(TP_STATUS_USER, ring_status(r, slot) & ~TP_STATUS_TS_MASK)
				TH_LOG("slot %u", i);
			EXPECT_EQ(i, ring_frame_seq(r, slot, self->skip)) TH_LOG("slot %u", i);
		} else if (new_block) {
			uint8_t *blk = r->map + SMALL_BLOCK_OFF(blocks % geo.block_nr);

			EXPECT_EQ(TP_STATUS_USER | TP_STATUS_BLK_TMO, ring_status(r, blk))
				TH_LOG("block %u", blocks);
			EXPECT_EQ(blocks + 1, ((struct tpacket_block_desc *)blk)->hdr.bh1.seq_num);
			blocks++;
		}
		ring_release_frame(r, f);
	}
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, n, 1));
	ring_release_frame(r, expect_next(_metadata, r, self->skip, n));
	if (variant->version != TPACKET_V3)
		EXPECT_EQ(n, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(0), self->skip));
}

/*
 * Several laps around the ring, read in batches that do not line up with the
 * ring size: V1/V2 frame i always lands in slot i % frame_nr; V3 blocks are
 * used in order 0, 1, .., block_nr - 1, 0, .. and each new block's seq_num
 * is the previous one's plus one. Afterwards the slots hold the last lap.
 */
TEST_F(rx_walk, wraps_over_laps)
{
	const struct frame_spec spec = { .payload_len = V3_BIG_PAYLOAD };
	const unsigned int batches = 5, per_batch = 5;
	struct ring_geometry geo = ring_small;
	struct ring *r = &self->ring;
	unsigned int blocks = 0;
	uint32_t last_seq_num = 0, seq = 0;

	geo.retire_blk_tov = 4;
	open_ring(_metadata, self, &geo);
	for (unsigned int b = 0; b < batches; b++) {
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, seq, per_batch));
		for (unsigned int j = 0; j < per_batch; j++, seq++) {
			bool new_block = r->version == TPACKET_V3 && !r->pkt;
			void *f = expect_next(_metadata, r, self->skip, seq);

			if (r->version != TPACKET_V3) {
				EXPECT_EQ(seq, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(seq % 8),
							      self->skip)) TH_LOG("frame %u", seq);
			} else if (new_block) {
				struct tpacket_block_desc *blk =
					(void *)(r->map + SMALL_BLOCK_OFF(blocks % geo.block_nr));

				/* Full (two big packets) or retired by the timer. */
				EXPECT_EQ(TP_STATUS_USER, ring_status(r, blk) & ~TP_STATUS_BLK_TMO)
					TH_LOG("block %u", blocks);
				EXPECT_EQ(last_seq_num + 1, blk->hdr.bh1.seq_num);
				last_seq_num = blk->hdr.bh1.seq_num;
				blocks++;
			}
			ring_release_frame(r, f);
		}
	}
	if (r->version == TPACKET_V3) {
		/* 25 packets, at most two per block: more than one lap of 4 blocks. */
		EXPECT_LT(geo.block_nr, last_seq_num);
		EXPECT_EQ(blocks, last_seq_num);
	} else {
		/* Frames 0..24 in 8 slots: slot 0 holds 24, slots 1..7 frames 17..23. */
		EXPECT_EQ(24u, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(0), self->skip));
		for (unsigned int i = 1; i < 8; i++) {
			EXPECT_EQ(16 + i,
				  ring_frame_seq(r, r->map + SMALL_FRAME_OFF(i), self->skip))
				TH_LOG("slot %u", i);
		}
	}
}

/*
 * Send past a full ring, handing nothing back. V1/V2: 8 frames fill the 8
 * slots and 4 more find slot 0 still owned. V3, two big packets per block
 * and a timeout far beyond the test: packets 0..7 fill blocks 0..3 (packets
 * 2, 4, 6 close blocks 0..2), packet 8 closes block 3 and finds block 0
 * owned: the queue freezes and 8, 9, 10 are dropped. Returns once every
 * frame went through the receive path, with PACKET_STATISTICS read (so
 * cleared): tp_packets counts every frame, tp_drops the dropped ones.
 */
static void overfill(struct __test_metadata *_metadata, struct _test_data_rx_walk *self,
		     int version)
{
	struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;

	if (version == TPACKET_V3) {
		geo.retire_blk_tov = 10000;
		spec.payload_len = V3_BIG_PAYLOAD;
	}
	open_ring(_metadata, self, &geo);
	if (version != TPACKET_V3) {
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 8 + 4));
		expect_received(_metadata, &self->barrier, &self->topo, self->fd, 12, 4);
		return;
	}
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 11));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 11, 3);
}

/*
 * A full ring whose frames are not handed back drops what comes next and
 * keeps every stored frame intact. V3: every block was closed full before
 * the first drop, TP_STATUS_USER without TP_STATUS_LOSING (prb_close_block()).
 */
TEST_F(rx_walk, unreleased_frame_not_overwritten)
{
	struct ring *r = &self->ring;

	overfill(_metadata, self, variant->version);
	if (variant->version == TPACKET_V3) {
		for (unsigned int i = 0; i < 4; i++)
			expect_block(_metadata, r, i, TP_STATUS_USER, i + 1, 2 * i, 2, self->skip);
		return;
	}
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t *slot = r->map + SMALL_FRAME_OFF(i);

		EXPECT_EQ(TP_STATUS_USER, ring_status(r, slot) & ~TP_STATUS_TS_MASK)
			TH_LOG("slot %u", i);
		EXPECT_EQ(i, ring_frame_seq(r, slot, self->skip)) TH_LOG("slot %u", i);
	}
}

/*
 * After the ring overflowed, handing back the first frame (V1/V2) or block
 * (V3) lets the kernel store there again, and only there. V1/V2: the head
 * wrapped to slot 0, the next frame goes there, slots 1..7 keep theirs. V3:
 * 11 and 12 reopen block 0 (seq_num 5), 13 closes it (no drop since the
 * statistics were read: no TP_STATUS_LOSING) and finds block 1 owned, so 13
 * is dropped; blocks 1..3 are untouched.
 */
TEST_F(rx_walk, handed_back_frame_reused_alone)
{
	struct frame_spec spec = { .payload_len = 100 };
	struct ring *r = &self->ring;

	overfill(_metadata, self, variant->version);
	if (variant->version == TPACKET_V3) {
		spec.payload_len = V3_BIG_PAYLOAD;
		ring_set_status(r, r->map + SMALL_BLOCK_OFF(0), TP_STATUS_KERNEL);
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 11, 3));
		expect_received(_metadata, &self->barrier, &self->topo, self->fd, 3, 1);
		expect_block(_metadata, r, 0, TP_STATUS_USER, 5, 11, 2, self->skip);
		for (unsigned int i = 1; i < 4; i++)
			expect_block(_metadata, r, i, TP_STATUS_USER, i + 1, 2 * i, 2, self->skip);
		return;
	}
	ring_set_status(r, r->map + SMALL_FRAME_OFF(0), TP_STATUS_KERNEL);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 100, 1));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 1, 0);
	EXPECT_EQ(TP_STATUS_USER, ring_status(r, r->map) & ~TP_STATUS_TS_MASK);
	EXPECT_EQ(100u, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(0), self->skip));
	for (unsigned int i = 1; i < 8; i++) {
		EXPECT_EQ(i, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(i), self->skip))
			TH_LOG("slot %u", i);
	}
}

/*
 * poll() reports POLLIN exactly while the most recently filled frame
 * (V1/V2) or the most recently retired block (V3) is owned by user space
 * (packet_poll() -> packet_previous_rx_frame()): not on an empty ring, not
 * for a V3 block still open with packets in it, and no more once that
 * frame or block went back.
 */
TEST_F(rx_walk, pollin_when_frame_ready)
{
	struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct ring *r = &self->ring;

	if (variant->version == TPACKET_V3) {
		geo.retire_blk_tov = 10000;
		spec.payload_len = V3_BIG_PAYLOAD;
	}
	open_ring(_metadata, self, &geo);
	EXPECT_EQ(0, pollin_revents(self->fd)) TH_LOG("POLLIN on an empty ring (%s)",
						     strerror(errno));

	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b0 = (void *)(r->map + SMALL_BLOCK_OFF(0));

		/*
		 * Two packets in the open block, both through the receive path
		 * (the barrier): the block holds them but is still the
		 * kernel's, so nothing is ready yet.
		 */
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 2));
		expect_received(_metadata, &self->barrier, &self->topo, self->fd, 2, 0);
		ASSERT_EQ(TP_STATUS_KERNEL, ring_status(r, b0));
		ASSERT_EQ(2, b0->hdr.bh1.num_pkts);
		EXPECT_EQ(0, pollin_revents(self->fd)) TH_LOG("POLLIN before a block was retired");
		/* The third does not fit: block 0 is retired and ready. */
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 2, 1));
		ASSERT_EQ(1, psock_wait(self->fd, POLLIN, PSOCK_WAIT_MS));
		EXPECT_EQ(POLLIN, pollin_revents(self->fd));
		expect_block(_metadata, r, 0, TP_STATUS_USER, 1, 0, 2, self->skip);
		ring_release_block(r);
		EXPECT_EQ(0, pollin_revents(self->fd)) TH_LOG("POLLIN after the block went back");
		return;
	}

	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 1));
	ASSERT_EQ(1, psock_wait(self->fd, POLLIN, PSOCK_WAIT_MS));
	EXPECT_EQ(POLLIN, pollin_revents(self->fd));
	ring_release_frame(r, expect_next(_metadata, r, self->skip, 0));
	EXPECT_EQ(0, pollin_revents(self->fd)) TH_LOG("POLLIN after the frame went back");
}

/*
 * Only the frame or block right before the kernel's head counts for POLLIN,
 * not the older ones. V1/V2: with slots 0 and 1 filled (head at 2), handing
 * back slot 1 clears POLLIN although slot 0 is still owned. V3, two big
 * packets per block: with blocks 0 and 1 retired and block 2 open (packet
 * 4), handing back block 1 clears it although block 0 is still owned.
 */
TEST_F(rx_walk, pollin_follows_frame_before_head)
{
	struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct ring *r = &self->ring;
	uint8_t *older, *newer;

	if (variant->version == TPACKET_V3) {
		geo.retire_blk_tov = 10000;
		spec.payload_len = V3_BIG_PAYLOAD;
	}
	open_ring(_metadata, self, &geo);
	if (variant->version == TPACKET_V3) {
		older = r->map + SMALL_BLOCK_OFF(0);
		newer = r->map + SMALL_BLOCK_OFF(1);
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 5));
		ASSERT_TRUE(ring_wait_user(r, newer, PSOCK_WAIT_MS))
			TH_LOG("block 1: %s", strerror(errno));
		expect_block(_metadata, r, 0, TP_STATUS_USER, 1, 0, 2, self->skip);
		expect_block(_metadata, r, 1, TP_STATUS_USER, 2, 2, 2, self->skip);
	} else {
		older = r->map + SMALL_FRAME_OFF(0);
		newer = r->map + SMALL_FRAME_OFF(1);
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 2));
		ASSERT_TRUE(ring_wait_user(r, newer, PSOCK_WAIT_MS))
			TH_LOG("slot 1: %s", strerror(errno));
		EXPECT_EQ(0u, ring_frame_seq(r, older, self->skip));
		EXPECT_EQ(1u, ring_frame_seq(r, newer, self->skip));
	}
	EXPECT_EQ(POLLIN, pollin_revents(self->fd));
	ring_set_status(r, newer, TP_STATUS_KERNEL);
	EXPECT_EQ(TP_STATUS_USER, ring_status(r, older) & ~TP_STATUS_TS_MASK);
	EXPECT_EQ(0, pollin_revents(self->fd))
		TH_LOG("POLLIN follows the frame or block before the head only");
}

/* Geometry with 1024-byte frames, smaller than a full-size Ethernet frame. */
static const struct ring_geometry small_frames = {
	.block_size = 4096, .block_nr = 4, .frame_size = 1024, .retire_blk_tov = 4,
};

/* What of a 1414-byte frame fits in a 1024-byte V1/V2 slot after tp_mac 66. */
#define SMALL_FRAME_SNAPLEN (1024 - 66)

/*
 * A 1414-byte frame in a 1024-byte V1/V2 frame slot: tp_snaplen is what fits
 * after tp_mac (tpacket_rcv(): snaplen = frame_size - macoff), 958 bytes,
 * tp_len stays the wire length and the stored bytes are the frame's first
 * tp_snaplen. V3 packets are bounded by the block (max_frame_len), not
 * tp_frame_size.
 */
TEST_F(rx_walk, long_frame_truncated_to_frame_size)
{
	const struct frame_spec spec = { .payload_len = V3_BIG_PAYLOAD, .seq = 1 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	struct frame_view v;
	void *f;

	open_ring(_metadata, self, &small_frames);
	ASSERT_EQ((ssize_t)wire_len, peer_send(&self->topo, wire, wire_len));
	f = expect_next(_metadata, &self->ring, self->skip, 1);
	frame_view(&self->ring, f, &v);

	EXPECT_EQ(ETH_HLEN + V3_BIG_PAYLOAD, v.len);
	EXPECT_EQ(tpacket_rx_mac(SOCK_RAW, variant->version), v.mac);
	if (variant->version == TPACKET_V3) {
		EXPECT_EQ(ETH_HLEN + V3_BIG_PAYLOAD, v.snaplen);
	} else {
		EXPECT_EQ(SMALL_FRAME_SNAPLEN, v.snaplen);
	}
	EXPECT_EQ(0, memcmp(wire, v.data, v.snaplen));
	EXPECT_EQ(0, v.status & TP_STATUS_COPY);
}

/*
 * PACKET_COPY_THRESH: a V1/V2 packet that does not fit its frame is also
 * queued whole on the socket, the frame says TP_STATUS_COPY, and recv()
 * returns all of it (tpacket_rcv(): copy_skb). V3 never does this.
 */
TEST_F(rx_walk, copy_thresh_queues_whole_packet)
{
	const struct frame_spec spec = { .payload_len = V3_BIG_PAYLOAD, .seq = 2 };
	uint8_t wire[ETH_FRAME_LEN], got[ETH_FRAME_LEN + 1];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	int one = 1;
	struct frame_view v;
	ssize_t n;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)));
	open_ring(_metadata, self, &small_frames);
	ASSERT_EQ((ssize_t)wire_len, peer_send(&self->topo, wire, wire_len));
	frame_view(&self->ring, expect_next(_metadata, &self->ring, self->skip, 2), &v);

	n = recv(self->fd, got, sizeof(got), MSG_DONTWAIT);
	if (variant->version == TPACKET_V3) {
		EXPECT_EQ(0, v.status & TP_STATUS_COPY);
		EXPECT_EQ(-1, n);
		EXPECT_EQ(EAGAIN, errno);
		return;
	}
	EXPECT_EQ(TP_STATUS_COPY, v.status & TP_STATUS_COPY);
	EXPECT_EQ(tpacket_rx_mac(SOCK_RAW, variant->version), v.mac);
	EXPECT_EQ(SMALL_FRAME_SNAPLEN, v.snaplen);
	ASSERT_EQ((ssize_t)wire_len, n) TH_LOG("recv: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(wire, got, wire_len));
}

/*
 * getsockopt(PACKET_COPY_THRESH) returns what setsockopt() stored, as an
 * int (packet_getsockopt(); Linux 6.9, "net/packet: Add getsockopt support
 * for PACKET_COPY_THRESH"). An older kernel does not know the option there
 * (ENOPROTOOPT, the default case): the case SKIPs on that probe.
 */
TEST_F(rx_walk, copy_thresh_reads_back)
{
	int val = -1, one = 1, zero = 0;
	socklen_t len = sizeof(val);

	if (getsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &val, &len) && errno == ENOPROTOOPT)
		SKIP(return, "getsockopt(PACKET_COPY_THRESH): not supported (added in Linux 6.9, "
		     "\"net/packet: Add getsockopt support for PACKET_COPY_THRESH\"), running %s",
		     psock_kernel_release());
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)));
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &val, &len))
		TH_LOG("getsockopt(PACKET_COPY_THRESH): %s", strerror(errno));
	EXPECT_EQ(4, len);
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &zero, sizeof(zero)));
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &val, &len))
		TH_LOG("getsockopt(PACKET_COPY_THRESH): %s", strerror(errno));
	EXPECT_EQ(4, len);
	EXPECT_EQ(0, val);
}

/* ---- PACKET_COPY_THRESH with another socket on the device, V1/V2 --------- */

FIXTURE(rx_copy) {
	struct netns_topo topo;
	int fd, other;
	struct ring ring;
	struct rx_barrier barrier;
};

FIXTURE_VARIANT(rx_copy) {
	int version;
};

FIXTURE_VARIANT_ADD(rx_copy, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(rx_copy, v2) { .version = TPACKET_V2 };

/*
 * A plain socket on psk0 (ETH_P_PSOCK, no ring) first, then the ring
 * socket: the newer hook is first on psk0's list, so the core hands it the
 * skb with a reference held for the other socket (deliver_skb()):
 * skb_shared() in tpacket_rcv(). The ring socket has PACKET_COPY_THRESH 1
 * and 1024-byte frames (small_frames: 16 slots).
 */
FIXTURE_SETUP(rx_copy)
{
	int one = 1;

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = self->other = -1;
	self->barrier.fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_open(&self->barrier, &self->topo))
		TH_LOG("barrier socket: %s", strerror(errno));
	self->other = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->other) TH_LOG("other socket: %s", strerror(errno));
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("ring socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &small_frames))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_copy)
{
	if (self->other >= 0)
		close(self->other);
	ring_close_socket(&self->ring, self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
}

/*
 * A 1414-byte frame in a 1024-byte slot, the skb shared: tpacket_rcv()
 * queues a clone (skb_clone(), not skb_get()) taken after the link header
 * was pushed back, so recv() on the ring socket returns all 1414 bytes;
 * the slot has TP_STATUS_COPY and 958 bytes; the other socket gets the
 * same 1414 bytes (the push undone for it: drop_n_restore); the frame is
 * counted once (tp_packets 1, tp_drops 0).
 */
TEST_F(rx_copy, shared_skb_copy_is_whole_frame)
{
	const struct frame_spec spec = { .payload_len = 1400, .seq = 2 };
	uint8_t wire[ETH_FRAME_LEN], got[ETH_FRAME_LEN + 1];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	struct frame_view v;

	ASSERT_EQ(1414, wire_len);
	ASSERT_EQ(1414, peer_send(&self->topo, wire, wire_len));
	frame_view(&self->ring, expect_next(_metadata, &self->ring, ETH_HLEN, 2), &v);
	EXPECT_EQ(TP_STATUS_COPY, v.status & TP_STATUS_COPY);
	EXPECT_EQ(1414, v.len);
	EXPECT_EQ(958, v.snaplen);
	EXPECT_EQ(0, memcmp(wire, v.data, 958));
	ASSERT_EQ(1414, recv(self->fd, got, sizeof(got), MSG_DONTWAIT))
		TH_LOG("recv on the ring socket: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(wire, got, 1414));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(1414, recv(self->other, got, sizeof(got), MSG_DONTWAIT))
		TH_LOG("recv on the other socket: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(wire, got, 1414));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 1, 0);
}

/*
 * PACKET_COPY_THRESH is not a length bound: with 65535, a 114-byte frame
 * that fits its slot is not queued (no TP_STATUS_COPY, recv() EAGAIN);
 * only a frame longer than the slot is (tpacket_rcv(): macoff + snaplen >
 * frame_size, whatever copy_thresh holds beyond non-zero).
 */
TEST_F(rx_copy, frame_that_fits_slot_not_copied)
{
	const struct frame_spec spec = { .payload_len = 100, .seq = 3 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	int big = 65535;
	struct frame_view v;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_COPY_THRESH, &big, sizeof(big)));
	ASSERT_EQ(114, peer_send(&self->topo, wire, wire_len));
	frame_view(&self->ring, expect_next(_metadata, &self->ring, ETH_HLEN, 3), &v);
	EXPECT_EQ(0, v.status & TP_STATUS_COPY);
	EXPECT_EQ(114, v.snaplen);
	EXPECT_ERRNO(EAGAIN, recv(self->fd, wire, sizeof(wire), MSG_DONTWAIT));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 1, 0);
}

/*
 * The 16 slots full (nothing handed back), a 1414-byte frame: the copy is
 * made, then no slot takes the frame and the copy is dropped with it
 * (drop_n_account): nothing to recv() (EAGAIN), tp_packets 17 (16 stored
 * + the drop), tp_drops 1, and slots 0..15 still hold frames 0..15.
 */
TEST_F(rx_copy, ring_full_copy_dropped_too)
{
	const struct frame_spec small = { .payload_len = 100 };
	const struct frame_spec spec = { .payload_len = 1400, .seq = 16 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);

	ASSERT_EQ(0, peer_send_burst(&self->topo, &small, 0, 16));
	ASSERT_EQ(1414, peer_send(&self->topo, wire, wire_len));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 17, 1);
	EXPECT_ERRNO(EAGAIN, recv(self->fd, wire, sizeof(wire), MSG_DONTWAIT));
	for (unsigned int i = 0; i < 16; i++) {
		uint8_t *slot = self->ring.map + (size_t)i * 1024;

		EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, slot) & ~TP_STATUS_TS_MASK)
			TH_LOG("slot %u", i);
		EXPECT_EQ(i, ring_frame_seq(&self->ring, slot, ETH_HLEN)) TH_LOG("slot %u", i);
	}
}

TEST_HARNESS_MAIN

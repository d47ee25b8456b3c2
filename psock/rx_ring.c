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
 * the ring is an array of blocks, each packed with variable-sized packets
 * (struct tpacket3_hdr chained by tp_next_offset). User space owns a whole
 * block once the kernel "retires" it: when the next packet does not fit
 * (status TP_STATUS_USER) or when tp_retire_blk_tov ms pass with the block
 * partly filled (prb_retire_rx_blk_timer_expired(): TP_STATUS_USER |
 * TP_STATUS_BLK_TMO). Each opened block gets the next seq_num (from 1). A
 * block private area of tp_sizeof_priv bytes sits between the block
 * descriptor and the first packet and is never written by the kernel.
 * TP_FT_REQ_FILL_RXHASH asks for the flow hash in hv1.tp_rxhash.
 *
 * poll() (packet_poll()) reports POLLIN when the frame or block *before* the
 * kernel's head is not TP_STATUS_KERNEL, i.e. when the most recently filled
 * frame (V1/V2) or retired block (V3) is still owned by user space.
 *
 * V1/V2 store at most tp_frame_size - tp_mac bytes of a packet (tp_len keeps
 * the wire length); with PACKET_COPY_THRESH set, such a packet is also queued
 * whole on the socket and the frame carries TP_STATUS_COPY. V3 packets are
 * bounded by the block, not by tp_frame_size.
 *
 * Ring walking does not depend on the socket type, so the walk runs on
 * SOCK_RAW for each version; psock/rx_frame.c covers both types' metadata.
 *
 * Test cases (<v> = v1, v2, v3):
 *   rx_walk.<v>.frames_in_order
 *   rx_walk.<v>.wraps_over_laps
 *   rx_walk.<v>.unreleased_frame_not_overwritten
 *   rx_walk.<v>.pollin_when_frame_ready
 *   rx_walk.<v>.long_frame_truncated_to_frame_size
 *   rx_walk.<v>.copy_thresh_queues_whole_packet
 *   rx_v3.block_fields_match_packets
 *   rx_v3.partial_block_retired_after_tov
 *   rx_v3.private_area_left_alone
 *   rx_v3.rxhash_filled_when_requested
 *   rx_v3.rxhash_zero_when_not_requested
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"

/* How long a frame that was sent may take to show up in the ring. */
#define WAIT_MS 1000

/*
 * A payload that makes V3 packets big: on SOCK_RAW a packet then takes
 * ALIGN(tp_mac 82 + 1414, 8) = 1496 bytes of its block, so a 4096-byte block
 * holds exactly two (48 + 2 * 1496 = 3040; a third would end at 4536).
 */
#define BIG_PAYLOAD 1400
#define BIG_PKT_LEN 1496

/* BLK_HDR_LEN in af_packet.c: the block descriptor, 8-byte aligned. */
#define BLK_HDR_LEN 48
/* V3 packets are packed at 8-byte boundaries (V3_ALIGNMENT in af_packet.c). */
#define V3_ALIGN(x) (((x) + 7u) & ~7u)

/*
 * Where the kernel puts things in a ring_small ring (4 blocks of 4096
 * bytes, 2048-byte frames), written out rather than asked of the helpers
 * that walk the ring: V1/V2 frame i at 2048 * i (two frames per block,
 * packet_lookup_frame()), V3 block i at 4096 * i.
 */
#define SMALL_FRAME_OFF(i) ((size_t)(i) * 2048)
#define SMALL_BLOCK_OFF(i) ((size_t)(i) * 4096)

/*
 * tp_mac of a SOCK_RAW Ethernet frame without PACKET_RESERVE (tpacket_rcv():
 * tp_net = TPACKET_ALIGN(tp_hdrlen + 16), tp_mac = tp_net - 14, with
 * tp_hdrlen 52 for V1/V2 and 68 for V3): 66 and 82.
 */
static uint32_t raw_mac_off(int version)
{
	return version == TPACKET_V3 ? 82 : 66;
}

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
	void *f = ring_next_frame(r, WAIT_MS);

	ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms)", want, strerror(errno), WAIT_MS);
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
	uint8_t *p = (uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;

	ASSERT_EQ(status, ring_status(r, b)) TH_LOG("block %u", idx);
	EXPECT_EQ(seq_num, b->hdr.bh1.seq_num) TH_LOG("block %u", idx);
	ASSERT_EQ(n, b->hdr.bh1.num_pkts) TH_LOG("block %u", idx);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(first_seq + i, ring_frame_seq(r, p, skip))
			TH_LOG("block %u packet %u", idx, i);
		p += ((struct tpacket3_hdr *)p)->tp_next_offset;
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

	ASSERT_EQ(0, rx_barrier_sync(b, topo, WAIT_MS)) TH_LOG("barrier: %s", strerror(errno));
	ASSERT_EQ(0, psock_stats_read(fd, &st)) TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
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
	/* close() frees the ring: no separate teardown request needed. */
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	if (self->fd >= 0)
		close(self->fd);
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
	const struct frame_spec spec = { .payload_len = BIG_PAYLOAD };
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
 * A full ring whose frames are not handed back drops what comes next and
 * keeps every stored frame intact. Handing back the first frame (V1/V2) or
 * block (V3) lets the kernel store there again, and only there.
 * PACKET_STATISTICS counts every frame (tp_packets) and the dropped ones.
 */
TEST_F(rx_walk, unreleased_frame_not_overwritten)
{
	struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct ring *r = &self->ring;

	if (variant->version != TPACKET_V3) {
		open_ring(_metadata, self, &geo);
		/* 8 frames fill the ring; 4 more find slot 0 still owned. */
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 8 + 4));
		expect_received(_metadata, &self->barrier, &self->topo, self->fd, 12, 4);
		for (unsigned int i = 0; i < 8; i++) {
			uint8_t *slot = r->map + SMALL_FRAME_OFF(i);

			EXPECT_EQ(TP_STATUS_USER, ring_status(r, slot) & ~TP_STATUS_TS_MASK)
				TH_LOG("slot %u", i);
			EXPECT_EQ(i, ring_frame_seq(r, slot, self->skip)) TH_LOG("slot %u", i);
		}
		/* Hand back slot 0 only: the next frame goes there (head wrapped to 0). */
		ring_set_status(r, r->map + SMALL_FRAME_OFF(0), TP_STATUS_KERNEL);
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 100, 1));
		expect_received(_metadata, &self->barrier, &self->topo, self->fd, 1, 0);
		EXPECT_EQ(TP_STATUS_USER, ring_status(r, r->map) & ~TP_STATUS_TS_MASK);
		EXPECT_EQ(100u, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(0), self->skip));
		for (unsigned int i = 1; i < 8; i++) {
			EXPECT_EQ(i, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(i), self->skip))
				TH_LOG("slot %u", i);
		}
		return;
	}

	/*
	 * V3, two big packets per block and a timeout far beyond the test:
	 * packets 0..7 fill blocks 0..3 (packets 2, 4, 6 close blocks 0..2),
	 * packet 8 closes block 3 and finds block 0 owned: the queue freezes
	 * and 8, 9, 10 are dropped. Every block was closed full before the
	 * first drop: TP_STATUS_USER without TP_STATUS_LOSING (prb_close_block()).
	 */
	geo.retire_blk_tov = 10000;
	spec.payload_len = BIG_PAYLOAD;
	open_ring(_metadata, self, &geo);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 11));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 11, 3);
	for (unsigned int i = 0; i < 4; i++)
		expect_block(_metadata, r, i, TP_STATUS_USER, i + 1, 2 * i, 2, self->skip);

	/*
	 * Block 0 handed back: 11 and 12 reopen it (seq_num 5), 13 closes it
	 * (no drop since the statistics were read: no TP_STATUS_LOSING) and
	 * finds block 1 owned, so 13 is dropped. Blocks 1..3 are untouched.
	 */
	ring_set_status(r, r->map + SMALL_BLOCK_OFF(0), TP_STATUS_KERNEL);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 11, 3));
	expect_received(_metadata, &self->barrier, &self->topo, self->fd, 3, 1);
	expect_block(_metadata, r, 0, TP_STATUS_USER, 5, 11, 2, self->skip);
	for (unsigned int i = 1; i < 4; i++)
		expect_block(_metadata, r, i, TP_STATUS_USER, i + 1, 2 * i, 2, self->skip);
}

/*
 * poll() reports POLLIN exactly while the most recently filled frame
 * (V1/V2) or the most recently retired block (V3) is owned by user space
 * (packet_poll() -> packet_previous_rx_frame()).
 */
TEST_F(rx_walk, pollin_when_frame_ready)
{
	struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct ring *r = &self->ring;

	if (variant->version == TPACKET_V3) {
		geo.retire_blk_tov = 10000;
		spec.payload_len = BIG_PAYLOAD;
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
		ASSERT_EQ(1, psock_wait(self->fd, POLLIN, WAIT_MS));
		EXPECT_EQ(POLLIN, pollin_revents(self->fd));
		expect_block(_metadata, r, 0, TP_STATUS_USER, 1, 0, 2, self->skip);
		ring_release_block(r);
		EXPECT_EQ(0, pollin_revents(self->fd)) TH_LOG("POLLIN after the block went back");
		return;
	}

	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 1));
	ASSERT_EQ(1, psock_wait(self->fd, POLLIN, WAIT_MS));
	EXPECT_EQ(POLLIN, pollin_revents(self->fd));
	ring_release_frame(r, expect_next(_metadata, r, self->skip, 0));
	EXPECT_EQ(0, pollin_revents(self->fd)) TH_LOG("POLLIN after the frame went back");

	/*
	 * Only the frame before the head counts: with slots 1 and 2 filled,
	 * handing back slot 2 clears POLLIN although slot 1 is still owned.
	 */
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 1, 2));
	ASSERT_TRUE(ring_wait_user(r, r->map + SMALL_FRAME_OFF(2), WAIT_MS))
		TH_LOG("slot 2: %s", strerror(errno));
	EXPECT_EQ(1u, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(1), self->skip));
	EXPECT_EQ(2u, ring_frame_seq(r, r->map + SMALL_FRAME_OFF(2), self->skip));
	EXPECT_EQ(POLLIN, pollin_revents(self->fd));
	ring_set_status(r, r->map + SMALL_FRAME_OFF(2), TP_STATUS_KERNEL);
	EXPECT_EQ(TP_STATUS_USER,
		  ring_status(r, r->map + SMALL_FRAME_OFF(1)) & ~TP_STATUS_TS_MASK);
	EXPECT_EQ(0, pollin_revents(self->fd))
		TH_LOG("POLLIN follows the frame before the head only");
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
	const struct frame_spec spec = { .payload_len = BIG_PAYLOAD, .seq = 1 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	struct frame_view v;
	void *f;

	open_ring(_metadata, self, &small_frames);
	ASSERT_EQ((ssize_t)wire_len, peer_send(&self->topo, wire, wire_len));
	f = expect_next(_metadata, &self->ring, self->skip, 1);
	frame_view(&self->ring, f, &v);

	EXPECT_EQ(ETH_HLEN + BIG_PAYLOAD, v.len);
	EXPECT_EQ(raw_mac_off(variant->version), v.mac);
	if (variant->version == TPACKET_V3) {
		EXPECT_EQ(ETH_HLEN + BIG_PAYLOAD, v.snaplen);
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
	const struct frame_spec spec = { .payload_len = BIG_PAYLOAD, .seq = 2 };
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
	EXPECT_EQ(raw_mac_off(variant->version), v.mac);
	EXPECT_EQ(SMALL_FRAME_SNAPLEN, v.snaplen);
	ASSERT_EQ((ssize_t)wire_len, n) TH_LOG("recv: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(wire, got, wire_len));
}

/* ---- V3 blocks ------------------------------------------------------- */

FIXTURE(rx_v3) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_SETUP(rx_v3)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_v3)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

static int64_t ts_ns(uint32_t sec, uint32_t nsec)
{
	return (int64_t)sec * 1000000000 + nsec;
}

/*
 * Five packets of different sizes, then one that does not fit: block 0 is
 * retired as full (TP_STATUS_USER, no TP_STATUS_BLK_TMO) and its descriptor
 * agrees with its packets: num_pkts, offset_to_first_pkt = BLK_PLUS_PRIV(0),
 * tp_next_offset = ALIGN(tp_mac + tp_snaplen, 8) chaining them and 0 on the
 * last (prb_fill_curr_block(), prb_close_block()), blk_len the end of the last
 * packet. ts_first_pkt is when the block was opened (prb_open_block()),
 * ts_last_pkt the last packet's timestamp: together they bracket the packets.
 */
TEST_F(rx_v3, block_fields_match_packets)
{
	static const size_t payload[] = { 60, 100, 200, 333, BIG_PAYLOAD };
	const unsigned int n = ARRAY_SIZE(payload);
	struct ring_geometry geo = ring_small;
	struct frame_spec spec = { 0 };
	struct tpacket_block_desc *b;
	struct tpacket_hdr_v1 *bh;
	int64_t before, after, prev_ts;
	uint32_t end;
	uint8_t *p;

	geo.retire_blk_tov = 10000;	/* only the closing packet may retire it */
	before = psock_realtime_ns();
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo));
	for (unsigned int i = 0; i < n; i++) {
		spec.payload_len = payload[i];
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, i, 1));
	}
	spec.payload_len = BIG_PAYLOAD;	/* 48 + 2632 used; 1496 more do not fit */
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, n, 1));
	b = ring_next_block(&self->ring, WAIT_MS);
	after = psock_realtime_ns();
	ASSERT_NE(NULL, b) TH_LOG("block 0 was not retired");
	bh = &b->hdr.bh1;

	EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
	EXPECT_EQ(TPACKET_V3, b->version);
	EXPECT_EQ(BLK_HDR_LEN, b->offset_to_priv);
	EXPECT_EQ(BLK_HDR_LEN, bh->offset_to_first_pkt);
	EXPECT_EQ(1, bh->seq_num);
	ASSERT_EQ(n, bh->num_pkts);

	p = (uint8_t *)b + bh->offset_to_first_pkt;
	end = bh->offset_to_first_pkt;
	prev_ts = ts_ns(bh->ts_first_pkt.ts_sec, bh->ts_first_pkt.ts_nsec);
	EXPECT_LE(before, prev_ts);
	for (unsigned int i = 0; i < n; i++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
		uint32_t used = V3_ALIGN(raw_mac_off(TPACKET_V3) + ETH_HLEN + payload[i]);
		int64_t t = ts_ns(h->tp_sec, h->tp_nsec);

		EXPECT_EQ(i, ring_frame_seq(&self->ring, h, ETH_HLEN)) TH_LOG("packet %u", i);
		EXPECT_EQ(raw_mac_off(TPACKET_V3), h->tp_mac) TH_LOG("packet %u", i);
		EXPECT_EQ(ETH_HLEN + payload[i], h->tp_len) TH_LOG("packet %u", i);
		EXPECT_EQ(ETH_HLEN + payload[i], h->tp_snaplen) TH_LOG("packet %u", i);
		EXPECT_EQ(i + 1 < n ? used : 0, h->tp_next_offset) TH_LOG("packet %u", i);
		EXPECT_LE(prev_ts, t) TH_LOG("packet %u", i);
		prev_ts = t;
		end += used;
		p += used;
	}
	EXPECT_EQ(end, bh->blk_len);
	EXPECT_EQ(prev_ts, ts_ns(bh->ts_last_pkt.ts_sec, bh->ts_last_pkt.ts_nsec));
	EXPECT_GE(after, prev_ts);
}

/*
 * A partly filled block is retired by the timer: TP_STATUS_USER |
 * TP_STATUS_BLK_TMO. The timer starts when the block is opened (at ring
 * setup), so with tp_retire_blk_tov = 100 ms the block is ready no sooner
 * than ~100 ms after setup (less one jiffy of timer granularity: 90 ms
 * covers HZ >= 100) and well before 350 ms, which a unit error (seconds,
 * or jiffies at HZ = 250) would exceed.
 */
TEST_F(rx_v3, partial_block_retired_after_tov)
{
	const struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct tpacket_block_desc *b;
	int64_t start, waited;

	geo.retire_blk_tov = 100;
	start = psock_monotonic_ms();
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 1));
	b = ring_next_block(&self->ring, WAIT_MS);
	waited = psock_monotonic_ms() - start;
	ASSERT_NE(NULL, b) TH_LOG("block not retired within %d ms", WAIT_MS);

	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_BLK_TMO, ring_status(&self->ring, b));
	EXPECT_EQ(1, b->hdr.bh1.num_pkts);
	EXPECT_LE(90, waited);
	EXPECT_GT(100 + psock_timeout_ms(250), waited);
}

/*
 * tp_sizeof_priv = 512 moves the first packet to BLK_PLUS_PRIV(512) = 560
 * and leaves the private area of every block as user space wrote it
 * (prb_open_block() sets offset_to_priv and never touches the area).
 */
TEST_F(rx_v3, private_area_left_alone)
{
	const struct frame_spec spec = { .payload_len = BIG_PAYLOAD };
	struct ring_geometry geo = ring_small;
	uint8_t pattern[512];
	struct tpacket_block_desc *b;

	memset(pattern, 0xa5, sizeof(pattern));
	geo.sizeof_priv = sizeof(pattern);
	geo.retire_blk_tov = 10000;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("tp_sizeof_priv 512: %s", strerror(errno));
	for (unsigned int i = 0; i < geo.block_nr; i++)
		memcpy((uint8_t *)ring_block(&self->ring, i) + BLK_HDR_LEN, pattern,
		       sizeof(pattern));

	/* 560 + 2 * 1496 = 3552: two fit, the third opens block 1. */
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 3));
	b = ring_next_block(&self->ring, WAIT_MS);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(BLK_HDR_LEN, b->offset_to_priv);
	EXPECT_EQ(BLK_HDR_LEN + sizeof(pattern), b->hdr.bh1.offset_to_first_pkt);
	EXPECT_EQ(BLK_HDR_LEN + sizeof(pattern) + 2 * BIG_PKT_LEN, b->hdr.bh1.blk_len);
	expect_block(_metadata, &self->ring, 0, TP_STATUS_USER, 1, 0, 2, ETH_HLEN);
	for (unsigned int i = 0; i < geo.block_nr; i++) {
		EXPECT_EQ(0, memcmp((uint8_t *)ring_block(&self->ring, i) + BLK_HDR_LEN,
				    pattern, sizeof(pattern))) TH_LOG("block %u", i);
	}
}

/*
 * Three frames each of two UDP flows, interleaved. With TP_FT_REQ_FILL_RXHASH
 * each packet's hv1.tp_rxhash is the flow hash (prb_fill_rxhash():
 * skb_get_hash(), never 0 once computed): equal within a flow, different
 * between the two (a collision has probability 2^-32). Without the request
 * the field is 0 (prb_clear_rxhash()).
 */
static void check_rxhash(struct __test_metadata *_metadata, struct _test_data_rx_v3 *self,
			 bool requested)
{
	struct frame_spec flow[2] = {
		{ .ip = 4, .sport = 4000, .dport = 5000, .payload_len = 64 },
		{ .ip = 4, .sport = 4001, .dport = 5000, .payload_len = 64 },
	};
	size_t skip = rx_payload_offset(SOCK_RAW, &flow[0]);
	struct ring_geometry geo = ring_small;
	uint32_t hash[6];

	ASSERT_EQ(0, psock_bind(self->fd, self->topo.ifindex0, ETH_P_IP));
	geo.retire_blk_tov = 4;
	geo.feature_req_word = requested ? TP_FT_REQ_FILL_RXHASH : 0;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo));
	for (unsigned int i = 0; i < 6; i++) {
		ASSERT_EQ(0, peer_send_burst(&self->topo, &flow[i % 2], i, 1))
			TH_LOG("send: %s", strerror(errno));
	}
	for (unsigned int i = 0; i < 6; i++) {
		uint32_t seq = ~0u;
		struct tpacket3_hdr *h = ring_next_tagged(&self->ring, WAIT_MS, skip, &seq);

		ASSERT_NE(NULL, h) TH_LOG("UDP frame %u did not arrive", i);
		ASSERT_EQ(i, seq);
		hash[i] = h->hv1.tp_rxhash;
		ring_release_frame(&self->ring, h);
	}
	for (unsigned int i = 0; i < 6; i++) {
		if (!requested) {
			EXPECT_EQ(0, hash[i]) TH_LOG("frame %u", i);
			continue;
		}
		EXPECT_NE(0, hash[i]) TH_LOG("frame %u", i);
		EXPECT_EQ(hash[i % 2], hash[i]) TH_LOG("frame %u", i);
	}
	if (requested)
		EXPECT_NE(hash[0], hash[1]);
}

TEST_F(rx_v3, rxhash_filled_when_requested)
{
	check_rxhash(_metadata, self, true);
}

TEST_F(rx_v3, rxhash_zero_when_not_requested)
{
	check_rxhash(_metadata, self, false);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * TPACKET_V3 receive blocks: what a block the kernel hands to user space
 * holds and when it hands it over.
 *
 * A V3 RX ring (packet_set_ring() with a tpacket_req3) is an array of
 * blocks. The kernel packs packets into the block it has open
 * (__packet_lookup_frame_in_block(), prb_fill_curr_block()): each a struct
 * tpacket3_hdr at an 8-byte boundary, chained by tp_next_offset (0 on the
 * last). A block starts with struct tpacket_block_desc (48 bytes,
 * BLK_HDR_LEN), then tp_sizeof_priv bytes of private area the kernel never
 * writes (offset_to_priv), then the first packet (offset_to_first_pkt =
 * BLK_PLUS_PRIV(tp_sizeof_priv)). prb_open_block() gives each block the
 * next seq_num (from 1) and its ts_first_pkt; prb_close_block() retires it
 * with num_pkts, blk_len (the end of the last packet) and ts_last_pkt (the
 * last packet's timestamp), status TP_STATUS_USER, when the next packet does
 * not fit; prb_retire_rx_blk_timer_expired() retires a partly filled block
 * tp_retire_blk_tov ms after it was opened, with TP_STATUS_USER |
 * TP_STATUS_BLK_TMO; an empty block it never retires (it only re-arms).
 * A packet longer than a block's max_frame_len (block size - 48) is
 * clamped to it by tpacket_rcv() (tp_snaplen = max_frame_len - tp_mac, or
 * 0 with tp_mac = max_frame_len when PACKET_RESERVE put tp_mac past it);
 * it takes a whole block, so it closes the open block even when that one
 * is empty, and prb_close_block() then takes ts_last_pkt from the clock.
 * TP_FT_REQ_FILL_RXHASH asks for the flow hash in each
 * packet's hv1.tp_rxhash (prb_fill_rxhash()), else it is 0
 * (prb_clear_rxhash()). The value is skb->hash, the one a socket filter
 * reads as SKF_AD_RXHASH in run_filter() just before, when the hash was
 * computed before the filter ran (skb_get_hash() computes it once).
 *
 * psock/rx_ring.c walks rings of every version: order, wrapping, drops,
 * poll().
 *
 * Test cases:
 *   rx_v3.full_block_retired_without_tmo
 *   rx_v3.block_fields_match_packets
 *   rx_v3.block_timestamps_bracket_packets
 *   rx_v3.partial_block_retired_after_tov
 *   rx_v3.private_area_moves_first_packet
 *   rx_v3.private_area_left_alone
 *   rx_v3.rxhash_filled_when_requested
 *   rx_v3.rxhash_zero_when_not_requested
 *   rx_v3.empty_block_not_retired_by_timer
 *   rx_v3.frozen_queue_timer_leaves_held_blocks
 *   rx_v3.frozen_queue_drops_while_blocks_held
 *   rx_v3.hv1_fields_written_over_old_bytes
 *   rx_v3.reserve_past_block_stores_nothing
 *   rx_v3_hash.rxhash_is_filter_skb_hash
 *   rx_v3_hash.rxhash_zero_without_request_skb_hashed
 *   rx_v3_big.packet_clamped_to_block
 *   rx_v3_big.empty_block_closed_ts_from_clock
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "rx_expect.h"
#include "bpf.h"
#include "stats.h"

/* BLK_HDR_LEN in af_packet.c: the block descriptor, 8-byte aligned. */
#define BLK_HDR_LEN 48
/* V3 packets are packed at 8-byte boundaries (V3_ALIGNMENT in af_packet.c). */
#define V3_ALIGN(x) (((x) + 7u) & ~7u)

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
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

static int64_t ts_ns(uint32_t sec, uint32_t nsec)
{
	return (int64_t)sec * 1000000000 + nsec;
}

/* The packets fill_block0() puts into block 0: 48 + 2632 bytes of it. */
static const size_t block0_payload[] = { 60, 100, 200, 333, V3_BIG_PAYLOAD };
#define BLOCK0_PKTS ARRAY_SIZE(block0_payload)

/*
 * Open a ring_small ring whose timer never fires during the case, send the
 * five packets of block0_payload (seq 0..4), then a big one (seq 5) that
 * does not fit (1496 more bytes), and wait for block 0 to be retired.
 * *before and *after are CLOCK_REALTIME (ns) before the ring was set up and
 * once the block was seen. Returns block 0.
 */
static struct tpacket_block_desc *fill_block0(struct __test_metadata *_metadata,
					      struct _test_data_rx_v3 *self,
					      int64_t *before, int64_t *after)
{
	struct ring_geometry geo = ring_small;
	struct frame_spec spec = { 0 };
	struct tpacket_block_desc *b;

	geo.retire_blk_tov = 10000;	/* only the closing packet may retire it */
	*before = psock_realtime_ns();
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	for (unsigned int i = 0; i < BLOCK0_PKTS; i++) {
		spec.payload_len = block0_payload[i];
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, i, 1))
			TH_LOG("send: %s", strerror(errno));
	}
	spec.payload_len = V3_BIG_PAYLOAD;
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, BLOCK0_PKTS, 1))
		TH_LOG("send: %s", strerror(errno));
	b = ring_next_block(&self->ring, PSOCK_WAIT_MS);
	*after = psock_realtime_ns();
	ASSERT_NE(NULL, b) TH_LOG("block 0 was not retired: %s", strerror(errno));
	return b;
}

/*
 * A packet that does not fit closes the open block (prb_close_block()):
 * block 0 is retired as full, TP_STATUS_USER without TP_STATUS_BLK_TMO,
 * with the five packets that fitted and not the one that closed it.
 */
TEST_F(rx_v3, full_block_retired_without_tmo)
{
	int64_t before, after;
	struct tpacket_block_desc *b = fill_block0(_metadata, self, &before, &after);

	EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
	EXPECT_EQ(BLOCK0_PKTS, b->hdr.bh1.num_pkts);
}

/*
 * The retired block's descriptor agrees with its packets: version,
 * offset_to_priv and offset_to_first_pkt = BLK_PLUS_PRIV(0) = 48, seq_num 1,
 * num_pkts, each packet where tp_next_offset = ALIGN(tp_mac + tp_snaplen, 8)
 * of the one before puts it (0 on the last), with its tp_mac, tp_len and
 * tp_snaplen, and blk_len the end of the last packet (prb_fill_curr_block(),
 * prb_close_block()).
 */
TEST_F(rx_v3, block_fields_match_packets)
{
	int64_t before, after;
	struct tpacket_block_desc *b = fill_block0(_metadata, self, &before, &after);
	struct tpacket_hdr_v1 *bh = &b->hdr.bh1;
	const uint32_t mac = tpacket_rx_mac(SOCK_RAW, TPACKET_V3);
	uint32_t end = BLK_HDR_LEN;
	uint8_t *p;

	EXPECT_EQ(TPACKET_V3, b->version);
	EXPECT_EQ(BLK_HDR_LEN, b->offset_to_priv);
	EXPECT_EQ(BLK_HDR_LEN, bh->offset_to_first_pkt);
	EXPECT_EQ(1, bh->seq_num);
	ASSERT_EQ(BLOCK0_PKTS, bh->num_pkts);

	p = (uint8_t *)b + BLK_HDR_LEN;
	for (unsigned int i = 0; i < BLOCK0_PKTS; i++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
		uint32_t used = V3_ALIGN(mac + ETH_HLEN + block0_payload[i]);

		EXPECT_EQ(i, ring_frame_seq(&self->ring, h, ETH_HLEN)) TH_LOG("packet %u", i);
		EXPECT_EQ(mac, h->tp_mac) TH_LOG("packet %u", i);
		EXPECT_EQ(ETH_HLEN + block0_payload[i], h->tp_len) TH_LOG("packet %u", i);
		EXPECT_EQ(ETH_HLEN + block0_payload[i], h->tp_snaplen) TH_LOG("packet %u", i);
		EXPECT_EQ(i + 1 < BLOCK0_PKTS ? used : 0, h->tp_next_offset) TH_LOG("packet %u", i);
		end += used;
		p += used;
	}
	EXPECT_EQ(end, bh->blk_len);
}

/*
 * ts_first_pkt is when the block was opened (prb_open_block(), at ring
 * setup), ts_last_pkt the last packet's timestamp (prb_close_block()):
 * together they bracket the packets, whose timestamps do not decrease, and
 * all lie between the clock read before the ring was set up and after the
 * block was seen.
 */
TEST_F(rx_v3, block_timestamps_bracket_packets)
{
	const uint32_t mac = tpacket_rx_mac(SOCK_RAW, TPACKET_V3);
	int64_t before, after, prev;
	struct tpacket_block_desc *b = fill_block0(_metadata, self, &before, &after);
	struct tpacket_hdr_v1 *bh = &b->hdr.bh1;
	uint8_t *p = (uint8_t *)b + BLK_HDR_LEN;

	ASSERT_EQ(BLOCK0_PKTS, bh->num_pkts);
	prev = ts_ns(bh->ts_first_pkt.ts_sec, bh->ts_first_pkt.ts_nsec);
	EXPECT_LE(before, prev);
	for (unsigned int i = 0; i < BLOCK0_PKTS; i++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
		int64_t t = ts_ns(h->tp_sec, h->tp_nsec);

		EXPECT_LE(prev, t) TH_LOG("packet %u", i);
		prev = t;
		p += V3_ALIGN(mac + ETH_HLEN + block0_payload[i]);
	}
	EXPECT_EQ(prev, ts_ns(bh->ts_last_pkt.ts_sec, bh->ts_last_pkt.ts_nsec));
	EXPECT_GE(after, prev);
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
	b = ring_next_block(&self->ring, PSOCK_WAIT_MS);
	waited = psock_monotonic_ms() - start;
	ASSERT_NE(NULL, b) TH_LOG("block not retired within %d ms", PSOCK_WAIT_MS);

	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_BLK_TMO, ring_status(&self->ring, b));
	EXPECT_EQ(1, b->hdr.bh1.num_pkts);
	EXPECT_LE(90, waited);
	EXPECT_GT(100 + psock_timeout_ms(250), waited);
}

/*
 * The timer does not retire an empty block: with tp_retire_blk_tov = 4 ms
 * and nothing received, it fires on an open block with no packet and only
 * re-arms (prb_retire_rx_blk_timer_expired(): "An empty block", then
 * refresh_timer). poll() sees nothing for 50 ms (about a dozen expiries)
 * and block 0 stays the kernel's; the next packet still goes into block 0
 * (seq_num 1, num_pkts 1), which the re-armed timer then retires with
 * TP_STATUS_BLK_TMO.
 */
TEST_F(rx_v3, empty_block_not_retired_by_timer)
{
	const struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct tpacket_block_desc *b;

	geo.retire_blk_tov = 4;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo));
	errno = 0;
	EXPECT_EQ(0, psock_wait(self->fd, POLLIN, 50)) TH_LOG("poll: %s", strerror(errno));
	EXPECT_EQ(ETIMEDOUT, errno);
	for (unsigned int i = 0; i < geo.block_nr; i++) {
		EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&self->ring, ring_block(&self->ring, i)))
			TH_LOG("block %u", i);
	}
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 1));
	b = ring_next_block(&self->ring, PSOCK_WAIT_MS);
	ASSERT_NE(NULL, b) TH_LOG("block not retired within %d ms", PSOCK_WAIT_MS);
	EXPECT_EQ((void *)ring_block(&self->ring, 0), (void *)b);
	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_BLK_TMO, ring_status(&self->ring, b));
	EXPECT_EQ(1, b->hdr.bh1.seq_num);
	EXPECT_EQ(1, b->hdr.bh1.num_pkts);
}

/*
 * Two blocks, tp_retire_blk_tov 4 ms, one packet each: the timer retires
 * both and freezes the queue on block 0, which user space still holds
 * (frozen_queue_timer_leaves_held_blocks).
 */
static void freeze_two_blocks(struct __test_metadata *_metadata, struct _test_data_rx_v3 *self)
{
	const struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;

	geo.block_nr = 2;
	geo.retire_blk_tov = 4;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo));
	for (unsigned int i = 0; i < 2; i++) {
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, i, 1));
		ASSERT_TRUE(ring_wait_user(&self->ring, ring_block(&self->ring, i), PSOCK_WAIT_MS))
			TH_LOG("block %u retired within %d ms: %s", i, PSOCK_WAIT_MS,
			       strerror(errno));
	}
}

/*
 * A frozen queue's timer leaves the blocks user space holds alone. Two
 * blocks, tp_retire_blk_tov 4 ms: one packet, the timer retires block 0
 * (TP_STATUS_BLK_TMO) and opens block 1; a second packet, the timer
 * retires block 1 and finds block 0 still user space's, so it freezes the
 * queue (prb_dispatch_next_block()). From then on each expiry finds the
 * current block (0) in use and only re-arms
 * (prb_retire_rx_blk_timer_expired(): "user-space is still behind");
 * it must not open it again (prb_open_block() would rewrite a header user
 * space is reading). Over 50 ms, about a dozen expiries, neither block
 * descriptor changes.
 */
TEST_F(rx_v3, frozen_queue_timer_leaves_held_blocks)
{
	struct tpacket_block_desc before[2];

	freeze_two_blocks(_metadata, self);
	for (unsigned int i = 0; i < 2; i++)
		memcpy(&before[i], ring_block(&self->ring, i), sizeof(before[i]));
	/* the window: poll() for no event at all */
	errno = 0;
	EXPECT_EQ(0, psock_wait(self->fd, 0, 50)) TH_LOG("poll: %s", strerror(errno));
	EXPECT_EQ(ETIMEDOUT, errno);
	for (unsigned int i = 0; i < 2; i++) {
		struct tpacket_block_desc *b = ring_block(&self->ring, i);

		EXPECT_EQ(TP_STATUS_USER | TP_STATUS_BLK_TMO, ring_status(&self->ring, b))
			TH_LOG("block %u", i);
		EXPECT_EQ(i + 1, b->hdr.bh1.seq_num) TH_LOG("block %u", i);
		EXPECT_EQ(1, b->hdr.bh1.num_pkts) TH_LOG("block %u", i);
		EXPECT_EQ(0, memcmp(&before[i], b, sizeof(before[i]))) TH_LOG("block %u", i);
	}
}

/*
 * A packet that reaches a frozen queue whose current block user space
 * still holds is dropped (__packet_lookup_frame_in_block(): "Can't record
 * this packet"): PACKET_STATISTICS counts 3 packets, 1 dropped, and
 * neither block descriptor changes.
 */
TEST_F(rx_v3, frozen_queue_drops_while_blocks_held)
{
	const struct frame_spec spec = { .payload_len = 100 };
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	struct tpacket_block_desc before[2];
	struct psock_stats st, sum = { 0 };

	freeze_two_blocks(_metadata, self);
	for (unsigned int i = 0; i < 2; i++)
		memcpy(&before[i], ring_block(&self->ring, i), sizeof(before[i]));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 2, 1));
	/* each read clears the counters: add them up until the third packet is counted */
	do {
		ASSERT_EQ(0, psock_stats_read(self->fd, &st)) TH_LOG("%s", strerror(errno));
		sum.packets += st.packets;
		sum.drops += st.drops;
		ASSERT_LE(sum.packets, 3);
		ASSERT_LT(0, psock_ms_left(deadline))
			TH_LOG("3 packets counted within %d ms: %u", PSOCK_WAIT_MS, sum.packets);
	} while (sum.packets < 3);
	EXPECT_EQ(1, sum.drops);
	for (unsigned int i = 0; i < 2; i++) {
		struct tpacket_block_desc *b = ring_block(&self->ring, i);

		EXPECT_EQ(i + 1, b->hdr.bh1.seq_num) TH_LOG("block %u", i);
		EXPECT_EQ(1, b->hdr.bh1.num_pkts) TH_LOG("block %u", i);
		EXPECT_EQ(0, memcmp(&before[i], b, sizeof(before[i]))) TH_LOG("block %u", i);
	}
}

/*
 * The kernel writes every field of a V3 packet's hv1 itself, whatever the
 * slot's bytes were: with each block's packet area filled with 0xa5 before
 * any packet, an untagged packet without TP_FT_REQ_FILL_RXHASH has
 * tp_rxhash 0 (prb_clear_rxhash()), tp_vlan_tci and tp_vlan_tpid 0
 * (prb_fill_vlan_info()) and tp_padding 0 (prb_run_all_ft_ops()).
 */
TEST_F(rx_v3, hv1_fields_written_over_old_bytes)
{
	const struct frame_spec spec = { .payload_len = 100 };
	struct ring_geometry geo = ring_small;
	struct tpacket_block_desc *b;
	struct tpacket3_hdr *h;

	geo.retire_blk_tov = 4;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo));
	for (unsigned int i = 0; i < geo.block_nr; i++)
		memset((uint8_t *)ring_block(&self->ring, i) + BLK_HDR_LEN, 0xa5,
		       geo.block_size - BLK_HDR_LEN);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 1));
	b = ring_next_block(&self->ring, PSOCK_WAIT_MS);
	ASSERT_NE(NULL, b) TH_LOG("block not retired within %d ms", PSOCK_WAIT_MS);
	ASSERT_EQ(1, b->hdr.bh1.num_pkts);
	h = (struct tpacket3_hdr *)((uint8_t *)b + b->hdr.bh1.offset_to_first_pkt);
	EXPECT_EQ(0, ring_frame_seq(&self->ring, h, ETH_HLEN));
	EXPECT_EQ(0, h->hv1.tp_rxhash);
	EXPECT_EQ(0, h->hv1.tp_vlan_tci);
	EXPECT_EQ(0, h->hv1.tp_vlan_tpid);
	EXPECT_EQ(0, h->hv1.tp_padding);
}

/*
 * A ring_small ring with a 512-byte private area (pattern written into
 * every block's) and a timer that never fires during the case; three big
 * packets (seq 0..2): 560 + 2 * 1496 = 3552, two fit in block 0, the third
 * opens block 1. Returns block 0 once retired.
 */
static struct tpacket_block_desc *fill_priv_ring(struct __test_metadata *_metadata,
						 struct _test_data_rx_v3 *self,
						 const uint8_t *pattern, size_t priv)
{
	const struct frame_spec spec = { .payload_len = V3_BIG_PAYLOAD };
	struct ring_geometry geo = ring_small;
	struct tpacket_block_desc *b;

	geo.sizeof_priv = priv;
	geo.retire_blk_tov = 10000;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("tp_sizeof_priv %zu: %s", priv, strerror(errno));
	for (unsigned int i = 0; i < geo.block_nr; i++)
		memcpy((uint8_t *)self->ring.map + (size_t)i * 4096 + BLK_HDR_LEN, pattern, priv);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, 3)) TH_LOG("send: %s", strerror(errno));
	b = ring_next_block(&self->ring, PSOCK_WAIT_MS);
	ASSERT_NE(NULL, b) TH_LOG("block 0 was not retired: %s", strerror(errno));
	return b;
}

/*
 * tp_sizeof_priv = 512 puts the private area right after the descriptor
 * (offset_to_priv 48) and moves the first packet to BLK_PLUS_PRIV(512) =
 * 560 (prb_open_block()); the block still holds its two packets, in order,
 * and ends after them.
 */
TEST_F(rx_v3, private_area_moves_first_packet)
{
	uint8_t pattern[512];
	struct tpacket_block_desc *b;

	memset(pattern, 0xa5, sizeof(pattern));
	b = fill_priv_ring(_metadata, self, pattern, sizeof(pattern));
	EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
	EXPECT_EQ(BLK_HDR_LEN, b->offset_to_priv);
	EXPECT_EQ(BLK_HDR_LEN + 512, b->hdr.bh1.offset_to_first_pkt);
	EXPECT_EQ(BLK_HDR_LEN + 512 + 2 * V3_BIG_PKT_LEN, b->hdr.bh1.blk_len);
	EXPECT_EQ(1, b->hdr.bh1.seq_num);
	ASSERT_EQ(2, b->hdr.bh1.num_pkts);
	EXPECT_EQ(0u, ring_block_pkt_seq(&self->ring, b, 0, ETH_HLEN));
	EXPECT_EQ(1u, ring_block_pkt_seq(&self->ring, b, 1, ETH_HLEN));
}

/*
 * The kernel never writes the private area: after a block was filled and
 * retired and another opened, every block's area is as user space wrote it.
 */
TEST_F(rx_v3, private_area_left_alone)
{
	uint8_t pattern[512];

	memset(pattern, 0xa5, sizeof(pattern));
	fill_priv_ring(_metadata, self, pattern, sizeof(pattern));
	for (unsigned int i = 0; i < ring_small.block_nr; i++) {
		EXPECT_EQ(0, memcmp((uint8_t *)self->ring.map + (size_t)i * 4096 + BLK_HDR_LEN,
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
		struct tpacket3_hdr *h = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, skip, &seq);

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

/*
 * With TP_FT_REQ_FILL_RXHASH each packet's hv1.tp_rxhash is its flow hash:
 * not 0, equal within a flow, different between two flows.
 */
TEST_F(rx_v3, rxhash_filled_when_requested)
{
	check_rxhash(_metadata, self, true);
}

/* Without TP_FT_REQ_FILL_RXHASH every packet's hv1.tp_rxhash is 0. */
TEST_F(rx_v3, rxhash_zero_when_not_requested)
{
	check_rxhash(_metadata, self, false);
}

/*
 * A PACKET_RESERVE that puts tp_mac past the block's max_frame_len: with
 * 4096-byte blocks and a reserve of 3970 (the most a 4096-byte block
 * takes is 4096 - 48 - 68 = 3980: packet_set_ring()), tpacket_rcv()
 * computes tp_net 4066, tp_mac 4052 > 4048, so it stores nothing:
 * tp_snaplen 0, tp_mac moved back to 4048, tp_net left at 4066, tp_len the
 * frame's 114. Such a packet takes a whole block, so the first one closes
 * the open, empty block 0 and lands in block 1, which the second one
 * closes (seq_num 2, one packet, blk_len 4096).
 */
TEST_F(rx_v3, reserve_past_block_stores_nothing)
{
	struct ring_geometry geo = ring_small;
	struct tpacket_block_desc *b;
	struct tpacket3_hdr *h;
	int reserve = 3970;

	geo.frame_size = 4048;
	geo.retire_blk_tov = 10000;
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	ASSERT_PEER_SEND(&self->topo, 0, 0, 100);
	ASSERT_PEER_SEND(&self->topo, 1, 0, 100);
	b = ring_block(&self->ring, 1);
	ASSERT_TRUE(ring_wait_user(&self->ring, b, PSOCK_WAIT_MS))
		TH_LOG("block 1 was not retired: %s", strerror(errno));
	EXPECT_EQ(0, ring_block(&self->ring, 0)->hdr.bh1.num_pkts);
	EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
	EXPECT_EQ(2, b->hdr.bh1.seq_num);
	ASSERT_EQ(1, b->hdr.bh1.num_pkts);
	EXPECT_EQ(4096, b->hdr.bh1.blk_len);
	h = (void *)((uint8_t *)b + 48);
	EXPECT_EQ(114, h->tp_len);
	EXPECT_EQ(0, h->tp_snaplen);
	EXPECT_EQ(4048, h->tp_mac);
	EXPECT_EQ(4066, h->tp_net);
}

/* ---- tp_rxhash against the hash the socket filter read ---------------- */

FIXTURE(rx_v3_hash) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

/*
 * Two tx and rx queues on each veth end: psk1's dev_queue_xmit() then
 * picks a queue by skb_tx_hash(), which computes and stores skb->hash
 * (skb_get_hash(): sw_hash or l4_hash set), and veth hands the skb to psk0
 * with it (skb_scrub_packet() keeps the hash). So the hash exists before
 * psk0's socket filter runs, and prb_fill_rxhash()'s skb_get_hash() of the
 * same skb returns it unchanged. (A PACKET_FANOUT_HASH group would not do:
 * fanout_demux_hash() uses __skb_get_hash_symmetric(), which stores
 * nothing; with one queue SKF_AD_RXHASH reads 0.) A SOCK_RAW V3 socket on
 * psk0 bound to ETH_P_IP, with a classic filter that keeps
 * 64 + (SKF_AD_RXHASH & 0xff) bytes.
 */
FIXTURE_SETUP(rx_v3_hash)
{
	const struct netns_opts opts = { .queues = 2 };
	const struct sock_filter snap_is_hash[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_RXHASH),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 64),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->topo.ifindex0, ETH_P_IP);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, bpf_attach(self->fd, snap_is_hash, PROG_LEN(snap_is_hash)))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_v3_hash)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

#define HASH_FRAMES 8

/*
 * Open a ring with feature_req_word, send HASH_FRAMES UDP frames of 442
 * bytes, four flows (sport 4000..4003) twice over, and record for each the
 * hash's low byte the filter saw (tp_snaplen - 64) and tp_rxhash. Each
 * frame must be whole on the wire (tp_len 442) and snapped by the filter
 * (tp_snaplen 64..319).
 */
static void hash_receive(struct __test_metadata *_metadata, struct _test_data_rx_v3_hash *self,
			 unsigned int feature_req_word, uint32_t *seen, uint32_t *rxhash)
{
	struct ring_geometry geo = ring_small;
	struct frame_spec spec = { .ip = 4, .dport = 5000, .payload_len = 400 };
	size_t skip = rx_payload_offset(SOCK_RAW, &spec);

	geo.retire_blk_tov = 4;
	geo.feature_req_word = feature_req_word;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	for (unsigned int i = 0; i < HASH_FRAMES; i++) {
		spec.sport = 4000 + i % 4;
		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, i, 1))
			TH_LOG("send: %s", strerror(errno));
	}
	for (unsigned int i = 0; i < HASH_FRAMES; i++) {
		uint32_t seq = ~0u;
		struct tpacket3_hdr *h = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, skip, &seq);

		ASSERT_NE(NULL, h) TH_LOG("UDP frame %u: %s", i, strerror(errno));
		ASSERT_EQ(i, seq);
		EXPECT_EQ(442, h->tp_len) TH_LOG("frame %u", i);
		ASSERT_LE(64, h->tp_snaplen) TH_LOG("frame %u", i);
		ASSERT_GE(64 + 0xff, h->tp_snaplen) TH_LOG("frame %u", i);
		seen[i] = h->tp_snaplen - 64;
		rxhash[i] = h->hv1.tp_rxhash;
		ring_release_frame(&self->ring, h);
	}
}

/*
 * With TP_FT_REQ_FILL_RXHASH, tp_rxhash is exactly skb->hash, the value
 * the socket filter read as SKF_AD_RXHASH (run_filter() and
 * prb_fill_rxhash() in tpacket_rcv() see the same skb, and skb_get_hash()
 * returns a hash already computed): each frame's tp_snaplen - 64 is
 * tp_rxhash & 0xff, the hash is not 0 (__skb_get_hash() never leaves 0),
 * and one flow's two frames have the same one.
 */
TEST_F(rx_v3_hash, rxhash_is_filter_skb_hash)
{
	uint32_t seen[HASH_FRAMES], rxhash[HASH_FRAMES];

	hash_receive(_metadata, self, TP_FT_REQ_FILL_RXHASH, seen, rxhash);
	for (unsigned int i = 0; i < HASH_FRAMES; i++) {
		EXPECT_EQ(seen[i], rxhash[i] & 0xff)
			TH_LOG("frame %u: tp_rxhash %#x, filter saw %#x", i, rxhash[i], seen[i]);
		EXPECT_NE(0, rxhash[i]) TH_LOG("frame %u", i);
		EXPECT_EQ(rxhash[i % 4], rxhash[i]) TH_LOG("frame %u", i);
	}
}

/*
 * Without TP_FT_REQ_FILL_RXHASH, tp_rxhash is 0 (prb_clear_rxhash()) even
 * though the skb carries a hash: the filter saw one, the same low byte for
 * both frames of each flow, and not 0 for all four flows (chance 2^-32).
 */
TEST_F(rx_v3_hash, rxhash_zero_without_request_skb_hashed)
{
	uint32_t seen[HASH_FRAMES], rxhash[HASH_FRAMES], any = 0;

	hash_receive(_metadata, self, 0, seen, rxhash);
	for (unsigned int i = 0; i < HASH_FRAMES; i++) {
		EXPECT_EQ(0, rxhash[i]) TH_LOG("frame %u", i);
		EXPECT_EQ(seen[i % 4], seen[i]) TH_LOG("frame %u", i);
		any |= seen[i];
	}
	EXPECT_NE(0, any) TH_LOG("the filter saw no hash: SKF_AD_RXHASH 0 for every flow");
}

/* ---- a packet larger than a block ------------------------------------- */

FIXTURE(rx_v3_big) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
	int64_t before, after;	/* CLOCK_REALTIME (ns) around the sends */
	uint8_t wire[8000];
};

/*
 * MTU 9000 on psk0 and psk1, a ring_small V3 ring (4096-byte blocks:
 * max_frame_len 4096 - 48 = 4048) whose timer never fires during the
 * case. An 8000-byte frame (seq 0), then a 114-byte one (seq 1); the case
 * goes on once block 1 is retired.
 */
FIXTURE_SETUP(rx_v3_big)
{
	const struct netns_opts opts = { .mtu = 9000 };
	const struct frame_spec spec = { .payload_len = 8000 - ETH_HLEN };
	struct ring_geometry geo = ring_small;

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	geo.retire_blk_tov = 10000;
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	ASSERT_EQ(8000, frame_build(self->wire, sizeof(self->wire), &spec));
	self->before = psock_realtime_ns();
	ASSERT_EQ(8000, peer_send(&self->topo, self->wire, 8000))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_PEER_SEND(&self->topo, 1, 0, 100);
	ASSERT_TRUE(ring_wait_user(&self->ring, ring_block(&self->ring, 1), PSOCK_WAIT_MS))
		TH_LOG("block 1 was not retired: %s", strerror(errno));
	self->after = psock_realtime_ns();
}

FIXTURE_TEARDOWN(rx_v3_big)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/*
 * tpacket_rcv() clamps a packet longer than a block's max_frame_len:
 * tp_snaplen 4048 - tp_mac 82 = 3966, tp_len 8000, the first 3966 bytes
 * stored. It fills a fresh block exactly (the packet at 48, blk_len 4096,
 * tp_next_offset 0): block 1, seq_num 2, one packet, retired full by
 * the next packet (TP_STATUS_USER).
 */
TEST_F(rx_v3_big, packet_clamped_to_block)
{
	struct tpacket_block_desc *b = ring_block(&self->ring, 1);
	struct tpacket3_hdr *h = (void *)((uint8_t *)b + 48);

	EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
	EXPECT_EQ(2, b->hdr.bh1.seq_num);
	ASSERT_EQ(1, b->hdr.bh1.num_pkts);
	EXPECT_EQ(48, b->hdr.bh1.offset_to_first_pkt);
	EXPECT_EQ(4096, b->hdr.bh1.blk_len);
	EXPECT_EQ(8000, h->tp_len);
	EXPECT_EQ(3966, h->tp_snaplen);
	EXPECT_EQ(82, h->tp_mac);
	EXPECT_EQ(96, h->tp_net);
	EXPECT_EQ(0, h->tp_next_offset);
	EXPECT_EQ(0, memcmp(self->wire, (uint8_t *)h + 82, 3966));
}

/*
 * The clamped packet (4048 bytes) does not fit block 0 either (48 + 4048
 * is not below its end: __packet_lookup_frame_in_block()), so block 0 is
 * closed with no packet (prb_close_block() from prb_retire_current_block()):
 * TP_STATUS_USER, seq_num 1, num_pkts 0, blk_len 48, and ts_last_pkt read
 * from the clock at that moment, between the clock reads around the sends.
 */
TEST_F(rx_v3_big, empty_block_closed_ts_from_clock)
{
	struct tpacket_block_desc *b = ring_block(&self->ring, 0);
	struct tpacket_hdr_v1 *bh = &b->hdr.bh1;
	int64_t last = ts_ns(bh->ts_last_pkt.ts_sec, bh->ts_last_pkt.ts_nsec);

	EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
	EXPECT_EQ(1, bh->seq_num);
	EXPECT_EQ(0, bh->num_pkts);
	EXPECT_EQ(48, bh->blk_len);
	EXPECT_LE(self->before, last);
	EXPECT_GE(self->after, last);
	EXPECT_LE(ts_ns(bh->ts_first_pkt.ts_sec, bh->ts_first_pkt.ts_nsec), last);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Loss accounting: PACKET_STATISTICS and TP_STATUS_LOSING, for TPACKET_V1,
 * V2, V3 rings and for a socket without a ring (recvmsg()).
 *
 * A frame that reaches a packet socket and passes its filter is either
 * stored or dropped. Stored frames count in tp_packets as they are stored
 * (tpacket_rcv(), packet_rcv()); a dropped frame increments po->tp_drops:
 * on a ring when the frame at the head (V1/V2) is still owned by user space
 * or no block is free (V3), without a ring when sk_rmem_alloc has reached
 * sk_rcvbuf (packet_rcv(): a frame is queued while rmem_alloc < rcvbuf).
 *
 * packet_getsockopt(PACKET_STATISTICS) copies the counters and clears them
 * (clear on read), adds the drops to tp_packets (so tp_packets = stored +
 * dropped) and returns struct tpacket_stats (8 bytes) on V1/V2 and without a
 * ring, struct tpacket_stats_v3 (12 bytes, with tp_freeze_q_cnt) on V3. The
 * returned length is min(optlen, struct size) and exactly that many bytes
 * are written; a short read still clears every counter. A negative optlen is
 * refused with EINVAL before anything is read or cleared.
 *
 * V3 counts in tp_freeze_q_cnt each time the ring had to stop because the
 * next block was still owned by user space (prb_freeze_queue()), not each
 * dropped frame.
 *
 * Frames the socket filter rejects (run_filter() returns 0) are counted
 * nowhere: they are neither packets nor drops.
 *
 * TP_STATUS_LOSING: while the drop counter is non-zero, i.e. from a drop
 * until PACKET_STATISTICS is read, every V1/V2 frame stored carries
 * TP_STATUS_LOSING (tpacket_rcv()); on V3 it is the block retired in that
 * period that carries it (prb_close_block()), not the packets.
 *
 * The tests pin the thread to one CPU and use a receive barrier (stats.h) so
 * that every frame sent has been received or dropped before the counters
 * are read: the counts are exact, never "at least".
 *
 * Test cases (<path> = v1, v2, v3: rings; no_ring: recvmsg() with SO_RCVBUF):
 *   stats.<path>.drops_exact_when_full
 *   stats.<path>.counters_clear_on_read
 *   stats.<path>.filter_rejected_frames_not_counted
 *   stats.<path>.optlen_bounds_copy
 *   stats.<path>.short_read_clears_all_counters
 *   stats.<path>.negative_optlen_einval_keeps_counters
 *   stats.<path>.nothing_written_past_length
 *   stats.<path>.sk_drops_counted_only_without_ring
 *   loss.<v>.losing_flag_until_stats_read   (<v> = v1, v2: frames; v3: blocks)
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "bpf.h"
#include "psock.h"
#include "stats.h"

/* Frames sent to a socket without a ring: more than a small SO_RCVBUF holds. */
#define NO_RING_SENT 24
/* SO_RCVBUF asked for on the no-ring socket (the kernel doubles it). */
#define NO_RING_RCVBUF 2048

/* PACKET_STATISTICS (read, so cleared) must say exactly these counts. */
static void expect_stats(struct __test_metadata *_metadata, int fd, uint32_t packets,
			 uint32_t drops, uint32_t freeze_q_cnt)
{
	struct psock_stats st;

	ASSERT_STATS_READ(fd, &st);
	EXPECT_EQ(packets, st.packets);
	EXPECT_EQ(drops, st.drops);
	EXPECT_EQ(freeze_q_cnt, st.freeze_q_cnt);
}

FIXTURE(stats) {
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;
	struct ring ring;
	struct frame_spec spec;	/* what the tests send */
	unsigned int capacity;	/* frames the ring stores (rings only) */
};

FIXTURE_VARIANT(stats) {
	bool ring;		/* false: no ring, recvmsg() */
	int version;		/* of the ring (TPACKET_V1 is 0) */
};

FIXTURE_VARIANT_ADD(stats, v1) { .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(stats, v2) { .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(stats, v3) { .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(stats, no_ring) { .ring = false };

/*
 * Rings: ring_small. V1/V2 hold 8 frames; V3 (timeout far beyond the test)
 * holds two big packets per block, 8 in its 4 blocks. No ring: SO_RCVBUF of
 * NO_RING_RCVBUF, a few frames.
 */
static void open_receiver(struct __test_metadata *_metadata, struct _test_data_stats *self,
			  bool ring, int version)
{
	struct ring_geometry geo = ring_small;
	int rcvbuf = NO_RING_RCVBUF;

	self->spec.payload_len = version == TPACKET_V3 ? V3_BIG_PAYLOAD : 100;
	if (!ring) {
		self->fd = psock_rx_socket(SOCK_RAW, version, self->topo.ifindex0, ETH_P_PSOCK);
		ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
		ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
			TH_LOG("SO_RCVBUF: %s", strerror(errno));
		return;
	}
	geo.retire_blk_tov = 10000;
	self->fd = ring_rx_open(&self->ring, SOCK_RAW, version, self->topo.ifindex0, ETH_P_PSOCK,
				&geo);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket with a ring: %s", strerror(errno));
	self->capacity = 8;
}

/*
 * Both fixtures' first step: pinned to one CPU, in fresh namespaces, with
 * the receive barrier open. False when the case SKIPs (no namespaces).
 */
static bool enter_with_barrier(struct __test_metadata *_metadata, struct netns_topo *topo,
			       struct rx_barrier *barrier)
{
	barrier->fd = -1;
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("sched_setaffinity: %s", strerror(errno));
	PSOCK_NETNS_SETUP(return false, topo, NULL);
	ASSERT_EQ(0, rx_barrier_open(barrier, topo)) TH_LOG("barrier socket: %s", strerror(errno));
	return true;
}

FIXTURE_SETUP(stats)
{
	memset(&self->ring, 0, sizeof(self->ring));
	memset(&self->spec, 0, sizeof(self->spec));
	self->fd = -1;
	if (!enter_with_barrier(_metadata, &self->topo, &self->barrier))
		return;
	open_receiver(_metadata, self, variant->ring, variant->version);
}

FIXTURE_TEARDOWN(stats)
{
	ring_close_socket(&self->ring, self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
}

/*
 * Send n frames of spec (seq first_seq...) from psk1 and wait for the
 * barrier behind them: afterwards each was stored, dropped or filtered.
 */
static void send_synced(struct __test_metadata *_metadata, struct netns_topo *topo,
			struct rx_barrier *barrier, const struct frame_spec *spec,
			uint32_t first_seq, unsigned int n)
{
	ASSERT_EQ(0, peer_send_burst(topo, spec, first_seq, n))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_sync(barrier, topo, PSOCK_WAIT_MS))
		TH_LOG("barrier frame did not arrive: %s", strerror(errno));
}

#define send_frames(m, self, first_seq, n) \
	send_synced(m, &(self)->topo, &(self)->barrier, &(self)->spec, first_seq, n)

/*
 * Without a ring: receive every queued frame; they must be seq first,
 * first + 1, ... in order. Returns how many there were.
 */
static unsigned int drain_queue(struct __test_metadata *_metadata, int fd, uint32_t first)
{
	uint8_t buf[ETH_FRAME_LEN];
	unsigned int n = 0;
	ssize_t len;
	uint32_t seq;

	while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		EXPECT_TRUE(len > ETH_HLEN && frame_tag(buf + ETH_HLEN, len - ETH_HLEN, &seq));
		EXPECT_EQ(first + n, seq);
		n++;
	}
	EXPECT_EQ(EAGAIN, errno);
	return n;
}

/* Rings: the frames stored are exactly seq 0 .. capacity - 1, in order. */
static void expect_ring_holds_first(struct __test_metadata *_metadata, const struct ring *r,
				    unsigned int capacity)
{
	for (unsigned int i = 0; i < capacity; i++) {
		if (r->version == TPACKET_V3) {
			EXPECT_EQ(i, ring_block_pkt_seq(r, ring_block(r, i / 2), i % 2, ETH_HLEN))
				TH_LOG("packet %u", i);
		} else {
			EXPECT_EQ(i, ring_frame_seq(r, ring_frame(r, i), ETH_HLEN)) TH_LOG("slot %u", i);
		}
	}
}

/*
 * Fill the receiver and send 4 frames more: for the rings, the counters are
 * then exactly packets = capacity + 4 and drops = 4 (V3: one freeze, when
 * the 9th packet found block 0 owned). Without a ring, the frames queued
 * are the first S sent, in order, and drops = sent - S; S is what rcvbuf
 * admits: a frame is queued while sk_rmem_alloc < sk_rcvbuf, so the queued
 * memory (SO_MEMINFO) reaches rcvbuf with the last frame and not before.
 */
TEST_F(stats, drops_exact_when_full)
{
	struct psock_stats st;

	if (variant->ring) {
		send_frames(_metadata, self, 0, self->capacity + 4);
		ASSERT_STATS_READ(self->fd, &st);
		EXPECT_EQ(self->capacity + 4, st.packets);
		EXPECT_EQ(4u, st.drops);
		EXPECT_EQ(variant->version == TPACKET_V3 ? 1u : 0u, st.freeze_q_cnt);
		expect_ring_holds_first(_metadata, &self->ring, self->capacity);
	} else {
		uint32_t meminfo[SK_MEMINFO_VARS] = { 0 };
		socklen_t mlen = sizeof(meminfo);
		unsigned int queued;
		uint32_t truesize;

		send_frames(_metadata, self, 0, NO_RING_SENT);
		ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &mlen))
			TH_LOG("SO_MEMINFO: %s", strerror(errno));
		ASSERT_STATS_READ(self->fd, &st);
		queued = drain_queue(_metadata, self->fd, 0);
		ASSERT_LT(0u, queued);
		ASSERT_GT(NO_RING_SENT, queued) TH_LOG("SO_RCVBUF never filled");
		EXPECT_EQ(NO_RING_SENT, st.packets);
		EXPECT_EQ(NO_RING_SENT - queued, st.drops);
		/* Every queued frame is charged the same truesize. */
		truesize = meminfo[SK_MEMINFO_RMEM_ALLOC] / queued;
		EXPECT_EQ(0u, meminfo[SK_MEMINFO_RMEM_ALLOC] % queued);
		EXPECT_LE(meminfo[SK_MEMINFO_RCVBUF], meminfo[SK_MEMINFO_RMEM_ALLOC]);
		EXPECT_GT(meminfo[SK_MEMINFO_RCVBUF], meminfo[SK_MEMINFO_RMEM_ALLOC] - truesize);
	}
}

/*
 * Each drop counts a second time in sk_drops, which SO_MEMINFO
 * (SK_MEMINFO_DROPS) and the SO_RXQ_OVFL control message report, only
 * without a ring: packet_rcv()'s drop path increments both po->tp_drops and
 * sk_drops, tpacket_rcv()'s only tp_drops. So after the overflow of
 * drops_exact_when_full SK_MEMINFO_DROPS equals PACKET_STATISTICS' drops
 * without a ring and is 0 with one. Without a ring the frames queued before
 * the drops carry no SO_RXQ_OVFL (their count was 0 when they were queued,
 * sock_skb_set_dropcount()); a frame queued after them carries the count.
 */
TEST_F(stats, sk_drops_counted_only_without_ring)
{
	uint32_t meminfo[SK_MEMINFO_VARS] = { 0 };
	socklen_t mlen = sizeof(meminfo);
	const int one = 1;
	struct psock_stats st;
	unsigned int sent = variant->ring ? self->capacity + 4 : NO_RING_SENT;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)))
		TH_LOG("SO_RXQ_OVFL: %s", strerror(errno));
	send_frames(_metadata, self, 0, sent);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &mlen))
		TH_LOG("SO_MEMINFO: %s", strerror(errno));
	ASSERT_STATS_READ(self->fd, &st);
	if (variant->ring) {
		EXPECT_EQ(4u, st.drops);
		EXPECT_EQ(0u, meminfo[SK_MEMINFO_DROPS]);
		return;
	}
	ASSERT_LT(0u, st.drops) TH_LOG("SO_RCVBUF never filled");
	EXPECT_EQ(st.drops, meminfo[SK_MEMINFO_DROPS]);
	for (unsigned int i = 0; i <= sent - st.drops; i++) {
		uint8_t buf[ETH_FRAME_LEN];
		char ctl[CMSG_SPACE(sizeof(uint32_t))];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		bool last = i == sent - st.drops;
		struct cmsghdr *c;
		uint32_t seq = ~0u;
		ssize_t len;

		/* after the queued ones: one more frame, seq 100, queued after the drops */
		if (last)
			send_frames(_metadata, self, 100, 1);
		len = recvmsg(self->fd, &msg, MSG_DONTWAIT);
		ASSERT_LT(ETH_HLEN, len) TH_LOG("frame %u: %s", i, strerror(errno));
		EXPECT_TRUE(frame_tag(buf + ETH_HLEN, len - ETH_HLEN, &seq));
		EXPECT_EQ(last ? 100 : i, seq);
		c = CMSG_FIRSTHDR(&msg);
		if (!last) {
			EXPECT_EQ(NULL, c) TH_LOG("frame %u has a control message", i);
			continue;
		}
		ASSERT_NE(NULL, c) TH_LOG("no SO_RXQ_OVFL on the frame after the drops");
		EXPECT_EQ(SOL_SOCKET, c->cmsg_level);
		EXPECT_EQ(SO_RXQ_OVFL, c->cmsg_type);
		ASSERT_EQ(CMSG_LEN(sizeof(uint32_t)), c->cmsg_len);
		EXPECT_EQ(st.drops, *(uint32_t *)CMSG_DATA(c));
	}
}

/*
 * The first read gives what drops_exact_when_full pins (rings: packets =
 * capacity + 4, drops = 4, V3 one freeze; no ring: drops = the frames sent
 * minus those queued); a second read right after gives zeros. Counting
 * starts again from zero: after the receiver is emptied, two more frames
 * read as packets = 2, drops = 0.
 */
TEST_F(stats, counters_clear_on_read)
{
	struct psock_stats first;
	unsigned int sent = variant->ring ? self->capacity + 4 : NO_RING_SENT;

	send_frames(_metadata, self, 0, sent);
	ASSERT_STATS_READ(self->fd, &first);
	EXPECT_EQ(sent, first.packets);

	expect_stats(_metadata, self->fd, 0u, 0u, 0u);

	if (variant->ring) {
		/* Hand every frame (V1/V2) or block (V3) back. */
		unsigned int n = variant->version == TPACKET_V3 ? self->ring.geo.block_nr
								: self->ring.frame_nr;

		EXPECT_EQ(4u, first.drops);
		EXPECT_EQ(variant->version == TPACKET_V3 ? 1u : 0u, first.freeze_q_cnt);
		for (unsigned int i = 0; i < n; i++)
			ring_set_status(&self->ring, variant->version == TPACKET_V3 ?
					(void *)ring_block(&self->ring, i) :
					ring_frame(&self->ring, i), TP_STATUS_KERNEL);
	} else {
		unsigned int queued = drain_queue(_metadata, self->fd, 0);

		ASSERT_GT(NO_RING_SENT, queued) TH_LOG("SO_RCVBUF never filled");
		EXPECT_EQ(NO_RING_SENT - queued, first.drops);
		EXPECT_EQ(0u, first.freeze_q_cnt);
	}
	send_frames(_metadata, self, 100, 2);
	expect_stats(_metadata, self->fd, 2u, 0u, 0u);
}

/*
 * A filter that accepts only the wire length of the test frames; frames one
 * byte longer are rejected. Sent interleaved, with the receiver filling up:
 * the counters see only the accepted frames (packets = accepted, drops =
 * accepted - stored), the rejected ones are neither packets nor drops.
 */
TEST_F(stats, filter_rejected_frames_not_counted)
{
	const uint32_t want_len = frame_header_len(&self->spec) + self->spec.payload_len;
	const struct sock_filter accept_len[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, want_len, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	unsigned int accepted = variant->ring ? self->capacity + 3 : NO_RING_SENT;
	struct frame_spec longer = self->spec;
	unsigned int stored;
	struct psock_stats st;

	ASSERT_EQ(0, bpf_attach(self->fd, accept_len, PROG_LEN(accept_len)))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	longer.payload_len++;
	for (unsigned int i = 0; i < accepted; i++) {
		longer.seq = 1000 + i;
		ASSERT_LT(0, peer_send_spec(&self->topo, &longer))
			TH_LOG("send: %s", strerror(errno));
		self->spec.seq = i;
		ASSERT_LT(0, peer_send_spec(&self->topo, &self->spec))
			TH_LOG("send: %s", strerror(errno));
	}
	ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, PSOCK_WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));
	ASSERT_STATS_READ(self->fd, &st);
	if (variant->ring) {
		stored = self->capacity;
		expect_ring_holds_first(_metadata, &self->ring, self->capacity);
	} else {
		stored = drain_queue(_metadata, self->fd, 0);
		ASSERT_LT(0u, stored);
		ASSERT_GT(accepted, stored) TH_LOG("SO_RCVBUF never filled");
	}
	EXPECT_EQ(accepted, st.packets);
	EXPECT_EQ(accepted - stored, st.drops);
}

/*
 * The optlen cases: what packet_getsockopt() writes for PACKET_STATISTICS,
 * and what it clears, for each length. Their receiver is full first (rings:
 * capacity + 4 sent, 4 dropped; no ring: NO_RING_SENT sent), so frames sent
 * afterwards are all dropped and every counter read is known.
 */

/* The struct PACKET_STATISTICS returns: tpacket_stats_v3 on a V3 ring, else tpacket_stats. */
static socklen_t stats_struct_len(const struct _fixture_variant_stats *variant)
{
	return variant->ring && variant->version == TPACKET_V3 ? 12 : 8;
}

/* Frames that fill the receiver (see above). */
static unsigned int fill_count(const struct _fixture_variant_stats *variant,
			       const struct _test_data_stats *self)
{
	return variant->ring ? self->capacity + 4 : NO_RING_SENT;
}

/*
 * getsockopt(PACKET_STATISTICS) with optlen n into buf (size bytes, set to
 * 0xAA first); the length the kernel wrote back.
 */
static socklen_t read_with_optlen(struct __test_metadata *_metadata, int fd, socklen_t n,
				  uint8_t *buf, size_t size)
{
	socklen_t len = n;

	memset(buf, 0xAA, size);
	ASSERT_EQ(0, psock_stats_getsockopt(fd, buf, &len))
		TH_LOG("PACKET_STATISTICS, optlen %u: %s", n, strerror(errno));
	return len;
}

/*
 * optlen bounds the copy: the kernel writes min(optlen, struct size) bytes
 * and says so in optlen. With room to spare (64 bytes) that is the struct:
 * 12 bytes (tpacket_stats_v3, with tp_freeze_q_cnt) on V3, 8 (tpacket_stats)
 * on V1/V2 and without a ring, holding the counters. Shorter, exactly
 * optlen bytes of it: 4 is tp_packets, 6 tp_packets and the low half of
 * tp_drops (little-endian). A full read between the batches resets them.
 */
TEST_F(stats, optlen_bounds_copy)
{
	const socklen_t full = stats_struct_len(variant);
	const unsigned int sent = fill_count(variant, self);
	struct tpacket_stats_v3 got;
	struct psock_stats st;
	uint8_t buf[64];
	uint16_t half;

	send_frames(_metadata, self, 0, sent);
	ASSERT_EQ(full, read_with_optlen(_metadata, self->fd, sizeof(buf), buf, sizeof(buf)));
	memcpy(&got, buf, sizeof(got));
	EXPECT_EQ(sent, got.tp_packets);
	if (variant->ring) {
		EXPECT_EQ(4u, got.tp_drops);
	}
	if (full == 12) {
		EXPECT_EQ(1u, got.tp_freeze_q_cnt);
	}

	/* The receiver stays full: each batch of 4 is dropped whole. */
	send_frames(_metadata, self, 100, 4);
	ASSERT_EQ(4, read_with_optlen(_metadata, self->fd, 4, buf, sizeof(buf)));
	memcpy(&got, buf, 4);
	EXPECT_EQ(4u, got.tp_packets);
	ASSERT_STATS_READ(self->fd, &st);

	send_frames(_metadata, self, 200, 4);
	ASSERT_EQ(6, read_with_optlen(_metadata, self->fd, 6, buf, sizeof(buf)));
	memcpy(&got, buf, 4);
	memcpy(&half, buf + 4, 2);
	EXPECT_EQ(4u, got.tp_packets);
	EXPECT_EQ(4u, half);
}

/*
 * A read shorter than the struct (4, 6 or 0 bytes) still clears every
 * counter, the ones it did not return too: a full read right after gives
 * zeros. Clearing the counters leaves what was stored alone: the ring still
 * holds the first frames, the queue its frames.
 */
TEST_F(stats, short_read_clears_all_counters)
{
	static const socklen_t optlen[] = { 4, 6, 0 };
	const unsigned int sent = fill_count(variant, self);
	struct psock_stats first, st;
	uint8_t buf[64];

	send_frames(_metadata, self, 0, sent);
	ASSERT_STATS_READ(self->fd, &first);
	for (unsigned int i = 0; i < ARRAY_SIZE(optlen); i++) {
		send_frames(_metadata, self, 100 * (i + 1), 4);
		ASSERT_EQ(optlen[i], read_with_optlen(_metadata, self->fd, optlen[i], buf,
						      sizeof(buf)));
		ASSERT_STATS_READ(self->fd, &st);
		EXPECT_EQ(0u, st.packets) TH_LOG("a %u-byte read left tp_packets", optlen[i]);
		EXPECT_EQ(0u, st.drops) TH_LOG("a %u-byte read left tp_drops", optlen[i]);
	}
	if (variant->ring) {
		expect_ring_holds_first(_metadata, &self->ring, self->capacity);
	} else {
		EXPECT_EQ(sent - first.drops, drain_queue(_metadata, self->fd, 0));
	}
}

/*
 * A negative optlen is refused with EINVAL before anything is written or
 * cleared: the buffer is untouched and the next read has every counter.
 */
TEST_F(stats, negative_optlen_einval_keeps_counters)
{
	const unsigned int sent = fill_count(variant, self);
	socklen_t len = (socklen_t)-1;
	struct psock_stats st;
	uint8_t buf[64];

	send_frames(_metadata, self, 0, sent);
	memset(buf, 0xAA, sizeof(buf));
	EXPECT_ERRNO(EINVAL, psock_stats_getsockopt(self->fd, buf, &len));
	for (size_t i = 0; i < sizeof(buf); i++) {
		ASSERT_EQ(0xAA, buf[i]) TH_LOG("negative optlen: byte %zu written", i);
	}
	ASSERT_STATS_READ(self->fd, &st);
	EXPECT_EQ(sent, st.packets) TH_LOG("the EINVAL read cleared the counters");
	if (variant->ring) {
		EXPECT_EQ(4u, st.drops);
	}
	if (stats_struct_len(variant) == 12) {
		EXPECT_EQ(1u, st.freeze_q_cnt);
	}
}

/*
 * Nothing is written past min(optlen, struct size), whatever optlen: 64
 * (room to spare), 6, 4 and 0 bytes, each with counters to copy.
 */
TEST_F(stats, nothing_written_past_length)
{
	static const socklen_t optlen[] = { 64, 6, 4, 0 };
	const socklen_t full = stats_struct_len(variant);
	uint8_t buf[64];

	send_frames(_metadata, self, 0, fill_count(variant, self));
	for (unsigned int i = 0; i < ARRAY_SIZE(optlen); i++) {
		socklen_t copied = optlen[i] < full ? optlen[i] : full;

		if (i)
			send_frames(_metadata, self, 100 * i, 4);
		read_with_optlen(_metadata, self->fd, optlen[i], buf, sizeof(buf));
		for (size_t b = copied; b < sizeof(buf); b++) {
			ASSERT_EQ(0xAA, buf[b]) TH_LOG("optlen %u: byte %zu written", optlen[i], b);
		}
	}
}

/* ---- TP_STATUS_LOSING ------------------------------------------------- */

FIXTURE(loss) {
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;
	struct ring ring;
	struct frame_spec spec;
};

FIXTURE_VARIANT(loss) {
	int version;
};

FIXTURE_VARIANT_ADD(loss, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(loss, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(loss, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(loss)
{
	struct ring_geometry geo = ring_small;

	memset(&self->ring, 0, sizeof(self->ring));
	memset(&self->spec, 0, sizeof(self->spec));
	self->fd = -1;
	if (!enter_with_barrier(_metadata, &self->topo, &self->barrier))
		return;
	self->spec.payload_len = variant->version == TPACKET_V3 ? V3_BIG_PAYLOAD : 100;
	geo.retire_blk_tov = 10000;
	self->fd = ring_rx_open(&self->ring, SOCK_RAW, variant->version, self->topo.ifindex0,
				ETH_P_PSOCK, &geo);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket with a ring: %s", strerror(errno));
}

FIXTURE_TEARDOWN(loss)
{
	ring_close_socket(&self->ring, self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
}


/* Status bits of a V1/V2 slot that this test cares about. */
static uint32_t slot_status(const struct ring *r, unsigned int i)
{
	return ring_status(r, ring_frame(r, i)) & ~TP_STATUS_TS_MASK;
}

/*
 * V3, two packets per block: 0..7 fill blocks 0..3; 8 closes block 3 before
 * anything was lost (no LOSING) and finds block 0 owned, so the queue
 * freezes and 8..10 are dropped. With block 0 handed back, 11 and 12 reopen
 * it and 13 retires it while the drops are unread: block 0 carries
 * TP_STATUS_LOSING (13 is dropped, block 1 being owned: a second freeze).
 * The statistics then say packets 14, drops 4, freezes 2. After that read,
 * block 1 handed back and retired by 14..16 carries no LOSING.
 */
static void expect_v3_block_losing(struct __test_metadata *_metadata, struct _test_data_loss *self)
{
	struct ring *r = &self->ring;

	send_frames(_metadata, self, 0, 11);
	for (unsigned int b = 0; b < 4; b++) {
		EXPECT_EQ(TP_STATUS_USER, ring_status(r, ring_block(r, b))) TH_LOG("block %u", b);
		EXPECT_EQ(2 * b, ring_block_pkt_seq(r, ring_block(r, b), 0, ETH_HLEN));
	}
	ring_set_status(r, ring_block(r, 0), TP_STATUS_KERNEL);
	send_frames(_metadata, self, 11, 3);
	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_LOSING, ring_status(r, ring_block(r, 0)));
	EXPECT_EQ(11u, ring_block_pkt_seq(r, ring_block(r, 0), 0, ETH_HLEN));
	EXPECT_EQ(12u, ring_block_pkt_seq(r, ring_block(r, 0), 1, ETH_HLEN));

	expect_stats(_metadata, self->fd, 14u, 4u, 2u);

	ring_set_status(r, ring_block(r, 1), TP_STATUS_KERNEL);
	send_frames(_metadata, self, 14, 3);
	EXPECT_EQ(TP_STATUS_USER, ring_status(r, ring_block(r, 1)));
	EXPECT_EQ(14u, ring_block_pkt_seq(r, ring_block(r, 1), 0, ETH_HLEN));
	EXPECT_EQ(15u, ring_block_pkt_seq(r, ring_block(r, 1), 1, ETH_HLEN));
	expect_stats(_metadata, self->fd, 3u, 1u, 1u);
}

/*
 * The loss flag, V3 as above; V1/V2, 8 slots: 0..7 fill the ring without loss (no LOSING); 8, 9 are
 * dropped; with slots 0..2 handed back, 10 and 11 are stored in slots 0
 * and 1 with TP_STATUS_LOSING, as the drops are not read yet. Reading the
 * statistics (packets 12, drops 2) ends it: 12 lands in slot 2 without it.
 */
TEST_F(loss, losing_flag_until_stats_read)
{
	struct ring *r = &self->ring;
	struct psock_stats st;

	if (variant->version == TPACKET_V3) {
		expect_v3_block_losing(_metadata, self);
		return;
	}
	send_frames(_metadata, self, 0, 8);
	for (unsigned int i = 0; i < 8; i++) {
		EXPECT_EQ(TP_STATUS_USER, slot_status(r, i)) TH_LOG("slot %u before any drop", i);
	}
	send_frames(_metadata, self, 8, 2);
	for (unsigned int i = 0; i < 3; i++)
		ring_set_status(r, ring_frame(r, i), TP_STATUS_KERNEL);
	send_frames(_metadata, self, 10, 2);
	EXPECT_EQ(10u, ring_frame_seq(r, ring_frame(r, 0), ETH_HLEN));
	EXPECT_EQ(11u, ring_frame_seq(r, ring_frame(r, 1), ETH_HLEN));
	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_LOSING, slot_status(r, 0));
	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_LOSING, slot_status(r, 1));
	EXPECT_EQ(TP_STATUS_KERNEL, slot_status(r, 2));

	ASSERT_STATS_READ(self->fd, &st);
	EXPECT_EQ(12u, st.packets);
	EXPECT_EQ(2u, st.drops);
	send_frames(_metadata, self, 12, 1);
	EXPECT_EQ(12u, ring_frame_seq(r, ring_frame(r, 2), ETH_HLEN));
	EXPECT_EQ(TP_STATUS_USER, slot_status(r, 2));
	/* The flag already set on stored frames stays. */
	EXPECT_EQ(TP_STATUS_USER | TP_STATUS_LOSING, slot_status(r, 0));
}

TEST_HARNESS_MAIN

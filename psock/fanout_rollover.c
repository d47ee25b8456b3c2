// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT rollover: where frames go when a member has no room, in a
 * ROLLOVER group (V2 and V3 rings, and no ring) and in a HASH group with
 * PACKET_FANOUT_FLAG_ROLLOVER, and what PACKET_ROLLOVER_STATS counts.
 *
 * packet_rcv_fanout() in net/packet/af_packet.c picks a member per frame:
 *  - ROLLOVER fanout_demux_rollover(): the member where the last frame went
 *          (rollover->sock of member 0), while packet_rcv_has_room() says
 *          ROOM_NORMAL (more than 1/4 of the ring free: __tpacket_has_room(),
 *          __tpacket_v3_has_room(); without a ring, of the receive buffer:
 *          __packet_rcv_has_room()), else the next one with ROOM_NORMAL;
 *          when none has, the frame goes to member 0 and counts as
 *          tp_failed. Every frame placed by the scan counts in tp_all
 *          (PACKET_ROLLOVER_STATS of member 0, packet_getsockopt());
 *  - FLAG_ROLLOVER: the mode's choice stands unless that member's ring is
 *          full (ROOM_NONE), or low (ROOM_LOW) and the flow "huge"
 *          (fanout_flow_is_huge()); then the rollover scan above, skipping
 *          it, counted in the chosen member's tp_all / tp_huge.
 * A frame that reaches a member without room is dropped there and counts
 * in its PACKET_STATISTICS tp_drops (tpacket_rcv(), packet_rcv()).
 *
 * The scan skips a member whose PACKET_SOCK_PRESSURE flag is set:
 * packet_rcv_has_room() sets it whenever it finds less than ROOM_NORMAL and
 * clears it when it finds ROOM_NORMAL again; otherwise only recvmsg() and
 * poll() clear it (packet_rcv_try_clear_pressure(), packet_poll()), so a
 * ring whose frames were handed back without either stays skipped.
 *
 * Test cases (<v> = v2, v3; <m> = m2, m3, m4):
 *   rollover.<v>_<m>.fills_members_in_order_then_member0
 *   rollover_noring.<m>.fills_members_in_order_then_member0
 *   rollover_noring.<m>.normal_ends_at_a_quarter_free
 *   rollover_noring.<m>.flag_rollover_keeps_low_passes_none
 *   rollover_noring.<m>.recv_clears_pressure_without_poll
 *   rollover_pressure.v2_<m>.pressure_skips_member_until_poll
 *   hash_rollover.v2_<m>.passes_full_member_on
 *   hash_huge.v3_<m>.huge_flow_leaves_low_member
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "fanout.h"

#define GID 0x6a6a
/*
 * Every member has a ring of 4 blocks of 4 KiB:
 *  V2: 2048-byte frames, 8 per ring. packet_rcv_has_room() is ROOM_NORMAL
 *      while the frame 8/4 = 2 past the head is free: a member takes 6
 *      frames with ROOM_NORMAL, then 2 more (ROOM_LOW) only when chosen
 *      directly, then none.
 *  V3: no block timeout within the test (60 s). A 78-byte frame takes
 *      ALIGN8(tp_mac 82 + 78) = 160 bytes, so a block holds
 *      (4096 - 48) / 160 = 25. ROOM_NORMAL while the block after the active
 *      one is free: blocks 0-2 and the first frame of block 3, 76 frames;
 *      then 24 more in block 3 when chosen directly.
 */
#define RO_PAYLOAD 64	/* frame: 14 + 64 = 78 bytes */

FIXTURE(rollover) {
	struct fanout_fixture f;
};

FIXTURE_VARIANT(rollover) {
	int version;
	unsigned int members;
	unsigned int normal;	/* frames a member takes with ROOM_NORMAL */
	unsigned int low;	/* more it takes when chosen directly */
};

FIXTURE_VARIANT_ADD(rollover, v2_m2) { TPACKET_V2, 2, 6, 2 };
FIXTURE_VARIANT_ADD(rollover, v2_m3) { TPACKET_V2, 3, 6, 2 };
FIXTURE_VARIANT_ADD(rollover, v2_m4) { TPACKET_V2, 4, 6, 2 };
FIXTURE_VARIANT_ADD(rollover, v3_m2) { TPACKET_V3, 2, 76, 24 };
FIXTURE_VARIANT_ADD(rollover, v3_m3) { TPACKET_V3, 3, 76, 24 };
FIXTURE_VARIANT_ADD(rollover, v3_m4) { TPACKET_V3, 4, 76, 24 };

static const struct ring_geometry rollover_ring = {
	.block_size = 4096, .block_nr = 4, .frame_size = 2048,
	.retire_blk_tov = 60000,
};

FIXTURE_SETUP(rollover)
{
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(rollover)
{
	fanout_teardown(&self->f.g, &self->f.topo, NULL, 0);
}

/*
 * Wait (bounded) until the members' PACKET_STATISTICS add up to want
 * frames; packets[m] / drops[m] get each member's totals (tp_packets
 * includes the drops). The counters are read every millisecond, one
 * deadline for the whole wait; a failed read fails the case with errno.
 */
static unsigned int wait_stats(struct __test_metadata *_metadata, struct fanout_group *g,
			       unsigned int want, unsigned int *packets, unsigned int *drops)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	unsigned int total;

	for (;;) {
		total = 0;
		for (unsigned int m = 0; m < g->n; m++) {
			int rc = fanout_stats(g->m[m].fd, g->version, &packets[m], &drops[m]);
			int err = errno;

			ASSERT_EQ(0, rc) TH_LOG("PACKET_STATISTICS of member %u: %s", m,
						strerror(err));
			total += packets[m];
		}
		if (total >= want || psock_monotonic_ms() >= deadline)
			return total;
		ASSERT_EQ(0, poll(NULL, 0, 1)) TH_LOG("poll: %s", strerror(errno));
	}
}

static struct tpacket_rollover_stats rollover_stats(struct __test_metadata *_metadata, int fd)
{
	struct tpacket_rollover_stats rs = { 0 };
	socklen_t len = sizeof(rs);
	int rc = getsockopt(fd, SOL_PACKET, PACKET_ROLLOVER_STATS, &rs, &len), err = errno;

	EXPECT_EQ(0, rc) TH_LOG("PACKET_ROLLOVER_STATS: %s", strerror(err));
	EXPECT_EQ(24, len);
	return rs;
}

/*
 * ROLLOVER: member 0 takes frames until its ring is low, then member 1,
 * ... member M-1; with every ring low, frames go to member 0 (tp_failed)
 * which fills its last slots and then drops. Member 0's
 * PACKET_ROLLOVER_STATS: tp_all = frames the scan placed (normal * M),
 * tp_huge = 0, tp_failed = the rest; the other members' stay 0. On V2 the
 * frames in member 0's ring are seqs 0..5 then 6M, 6M+1.
 */
TEST_F(rollover, fills_members_in_order_then_member0)
{
	const unsigned int M = variant->members, extra_drops = 3;
	const unsigned int sent = variant->normal * M + variant->low + extra_drops;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = { .payload_len = RO_PAYLOAD };
	struct tpacket_rollover_stats rs;

	ASSERT_FIXTURE_GROUP(&self->f, M, variant->version, &rollover_ring, ETH_P_PSOCK, GID,
			     PACKET_FANOUT_ROLLOVER);
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 0, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->f.g, sent, packets, drops));

	EXPECT_EQ(variant->normal + variant->low + extra_drops, packets[0]);
	EXPECT_EQ(extra_drops, drops[0]);
	for (unsigned int m = 1; m < M; m++) {
		EXPECT_EQ(variant->normal, packets[m]) TH_LOG("member %u", m);
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
	}
	rs = rollover_stats(_metadata, self->f.g.m[0].fd);
	EXPECT_EQ(variant->normal * M, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(variant->low + extra_drops, rs.tp_failed);
	for (unsigned int m = 1; m < M; m++) {
		rs = rollover_stats(_metadata, self->f.g.m[m].fd);
		EXPECT_EQ(0, rs.tp_all + rs.tp_huge + rs.tp_failed) TH_LOG("member %u", m);
	}
	if (variant->version == TPACKET_V2) {
		struct ring *r = &self->f.g.m[0].ring;
		size_t skip = rx_payload_offset(SOCK_RAW, &s);

		for (unsigned int i = 0; i < r->frame_nr; i++) {
			struct frame_view v;
			uint32_t seq = ~0u;

			frame_view(r, ring_frame(r, i), &v);
			EXPECT_TRUE(frame_tag(v.data + skip, v.snaplen - skip, &seq));
			EXPECT_EQ(i < variant->normal ? i : variant->normal * (M - 1) + i, seq)
				TH_LOG("member 0 slot %u", i);
		}
	}
}

/*
 * ROLLOVER without a ring: "room" is receive buffer space. With R =
 * sk_rcvbuf (8 KiB here), T = the truesize of one frame's skb and j frames
 * queued, __packet_rcv_has_room() says ROOM_NORMAL while R - j*T - T > R/4,
 * so a member takes normal = #{j : R - (j + 1)*T > R/4} frames from the
 * scan; packet_rcv() keeps a frame while j*T < R, so the member the failed
 * frames go to (member 0) holds ceil(R / T) in all. T comes from the kernel:
 * member 1's queued memory (SO_MEMINFO rmem_alloc) over its tp_packets.
 * With nothing read, the frames the scan placed (tp_all = M * normal) are
 * seqs 0..tp_all-1, member 0 first, then 1, ... M-1, normal each; every
 * later frame (tp_failed) went to member 0, which kept ceil(R / T) - normal
 * of them and dropped the rest. T depends on the kernel and its build (the
 * size of struct sk_buff and the head allocation), so the case measures it
 * and derives every count from it instead of writing them as literals.
 */
FIXTURE(rollover_noring) {
	struct fanout_fixture f;
};

FIXTURE_VARIANT(rollover_noring) {
	unsigned int members;
};

FIXTURE_VARIANT_ADD(rollover_noring, m2) { 2 };
FIXTURE_VARIANT_ADD(rollover_noring, m3) { 3 };
FIXTURE_VARIANT_ADD(rollover_noring, m4) { 4 };

FIXTURE_SETUP(rollover_noring)
{
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(rollover_noring)
{
	fanout_teardown(&self->f.g, &self->f.topo, NULL, 0);
}

/* SO_MEMINFO of fd: the bytes of skbs queued for reading (sk_rmem_alloc). */
static uint32_t queued_mem(struct __test_metadata *_metadata, int fd)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);
	int rc = getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len), err = errno;

	EXPECT_EQ(0, rc) TH_LOG("SO_MEMINFO: %s", strerror(err));
	return mem[SK_MEMINFO_RMEM_ALLOC];
}

/*
 * ROLLOVER without a ring (8 KiB receive buffers): the frames fill member 0,
 * then 1, and so on, each as many as its buffer has room for (ROOM_NORMAL,
 * from the skb truesize SO_MEMINFO reports), then member 0 keeps what its
 * buffer still queues and drops the rest, and PACKET_ROLLOVER_STATS counts
 * exactly those frames.
 */
TEST_F(rollover_noring, fills_members_in_order_then_member0)
{
	const unsigned int M = variant->members, sent = 80;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = { .payload_len = RO_PAYLOAD };
	struct tpacket_rollover_stats rs;
	unsigned int kept0 = 0, normal = 0, held0 = 0;
	int rcvbuf = 4096;	/* the kernel doubles it: 8 KiB */
	socklen_t len = sizeof(rcvbuf);
	uint32_t truesize;
	int got, err;

	ASSERT_FIXTURE_GROUP(&self->f, M, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_ROLLOVER);
	for (unsigned int m = 0; m < M; m++)
		ASSERT_EQ(0, setsockopt(self->f.g.m[m].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					sizeof(rcvbuf)));
	ASSERT_EQ(0, getsockopt(self->f.g.m[0].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	ASSERT_EQ(8192, rcvbuf);
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 0, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->f.g, sent, packets, drops));

	/* the rule, from the truesize the kernel charged member 1 per frame */
	ASSERT_LT(0, packets[1]);
	truesize = queued_mem(_metadata, self->f.g.m[1].fd) / packets[1];
	EXPECT_EQ(packets[1] * truesize, queued_mem(_metadata, self->f.g.m[1].fd));
	ASSERT_LT(0, truesize);
	while ((int64_t)rcvbuf - (int64_t)(normal + 1) * truesize > rcvbuf >> 2)
		normal++;	/* ROOM_NORMAL with normal frames queued */
	while ((int64_t)held0 * truesize < rcvbuf)
		held0++;	/* packet_rcv(): queued while rmem_alloc < rcvbuf */
	ASSERT_LT(0, normal) TH_LOG("truesize %u leaves no ROOM_NORMAL in %d", truesize, rcvbuf);
	ASSERT_GT(sent, M * normal + (held0 - normal));
	EXPECT_EQ(held0 * truesize, queued_mem(_metadata, self->f.g.m[0].fd));

	got = fanout_collect(&self->f.g, sent - drops[0], PSOCK_WAIT_MS, rx_payload_offset(SOCK_RAW, &s),
			     self->f.member_of, FANOUT_NSEQ, self->f.count);
	err = errno;
	ASSERT_LE(0, got) TH_LOG("receive: %s", strerror(err));
	EXPECT_EQ(sent - drops[0], (unsigned int)got);

	rs = rollover_stats(_metadata, self->f.g.m[0].fd);
	EXPECT_EQ(M * normal, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(sent - M * normal, rs.tp_failed);
	EXPECT_EQ(held0, packets[0] - drops[0]);
	EXPECT_EQ(sent - M * normal - (held0 - normal), drops[0]);
	for (unsigned int m = 1; m < M; m++) {
		EXPECT_EQ(normal, packets[m]) TH_LOG("member %u", m);
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
	}
	/* the scan's frames in order, normal per member */
	for (unsigned int i = 0; i < M * normal; i++) {
		EXPECT_EQ((int)(i / normal), self->f.member_of[i]) TH_LOG("placed frame %u", i);
	}
	/* the failed ones: member 0 kept the first held0 - normal, dropped the rest */
	for (unsigned int i = M * normal; i < sent; i++) {
		kept0 += self->f.member_of[i] >= 0;
		EXPECT_EQ(i < M * normal + held0 - normal ? 0 : -1, self->f.member_of[i])
			TH_LOG("failed frame %u", i);
	}
	EXPECT_EQ(held0 - normal, kept0);
	TH_LOG("rcvbuf %d, truesize %u: %u per member, member 0 kept %u more, dropped %u",
	       rcvbuf, truesize, normal, kept0, drops[0]);
}

/*
 * ROLLOVER without a ring: recvmsg() clears a member's pressure once its
 * queue is back to ROOM_NORMAL (packet_recvmsg(),
 * packet_rcv_try_clear_pressure()), no poll() needed. 80 frames leave every
 * member under pressure (fills_members_in_order_then_member0); member 0's
 * queue is then read empty with recv() alone. The next frame's scan
 * starts at the last member it placed on (M - 1), skips the members still
 * under pressure and places the frame on member 0: its
 * PACKET_ROLLOVER_STATS count one more tp_all and no more tp_failed (under
 * pressure it would have gone to member 0 as failed).
 */
TEST_F(rollover_noring, recv_clears_pressure_without_poll)
{
	const unsigned int M = variant->members, sent = 80;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = { .payload_len = RO_PAYLOAD };
	struct tpacket_rollover_stats before, after;
	int rcvbuf = 4096;	/* the kernel doubles it: 8 KiB */
	uint8_t buf[ETH_FRAME_LEN];
	unsigned int read0 = 0;

	ASSERT_FIXTURE_GROUP(&self->f, M, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_ROLLOVER);
	for (unsigned int m = 0; m < M; m++)
		ASSERT_EQ(0, setsockopt(self->f.g.m[m].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					sizeof(rcvbuf)));
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 0, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->f.g, sent, packets, drops));
	before = rollover_stats(_metadata, self->f.g.m[0].fd);
	ASSERT_LT(0, before.tp_failed) TH_LOG("80 frames left a member without pressure");

	/* member 0's queue read empty, recv() only */
	while (recv(self->f.g.m[0].fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		read0++;
	ASSERT_EQ(EAGAIN, errno) TH_LOG("recv: %s", strerror(errno));
	EXPECT_EQ(packets[0] - drops[0], read0);

	memset(packets, 0, sizeof(packets));
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, sent, 1))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(1, wait_stats(_metadata, &self->f.g, 1, packets, drops));
	EXPECT_EQ(1, packets[0]);
	after = rollover_stats(_metadata, self->f.g.m[0].fd);
	EXPECT_EQ(before.tp_all + 1, after.tp_all);
	EXPECT_EQ(before.tp_failed, after.tp_failed);
	EXPECT_EQ(0, after.tp_huge);
}

/* HASH | FLAG_ROLLOVER, on V2 rings of 8 frames (see rollover above). */
FIXTURE(hash_rollover) {
	struct fanout_fixture f;
};

FIXTURE_VARIANT(hash_rollover) {
	int version;
	unsigned int members;
	unsigned int normal;
	unsigned int low;
};

FIXTURE_VARIANT_ADD(hash_rollover, v2_m2) { TPACKET_V2, 2, 6, 2 };
FIXTURE_VARIANT_ADD(hash_rollover, v2_m3) { TPACKET_V2, 3, 6, 2 };
FIXTURE_VARIANT_ADD(hash_rollover, v2_m4) { TPACKET_V2, 4, 6, 2 };

FIXTURE_SETUP(hash_rollover)
{
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(hash_rollover)
{
	fanout_teardown(&self->f.g, &self->f.topo, NULL, 0);
}

/*
 * HASH | FLAG_ROLLOVER (V2): one flow goes to its hash member h, which
 * keeps it while its ring has room (6 frames ROOM_NORMAL, 2 ROOM_LOW: a
 * flow seen twice is not "huge", which needs > 8 of 16 history slots).
 * With h's ring full, the next frames go to the first other member with
 * room (the scan starts at member 0, skipping h). h's rollover stats count
 * them in tp_all, none huge, none failed. Only V2: on V3 the ROOM_LOW
 * phase lasts most of a block, and whether the flow counts as huge there
 * depends on fanout_flow_is_huge()'s randomly replaced history slots.
 */
TEST_F(hash_rollover, passes_full_member_on)
{
	const unsigned int M = variant->members, more = 5;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = fanout_udp4_flow(33333, 4444);
	struct tpacket_rollover_stats rs;
	unsigned int h = ~0u, r, fill = variant->normal + variant->low;

	ASSERT_FIXTURE_GROUP(&self->f, M, variant->version, &rollover_ring, ETH_P_IP, GID,
			     PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER);
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 0, fill))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(fill, wait_stats(_metadata, &self->f.g, fill, packets, drops));
	for (unsigned int m = 0; m < M; m++)
		if (packets[m])
			h = m;
	ASSERT_GT(M, h);
	EXPECT_EQ(fill, packets[h]);
	EXPECT_EQ(0, drops[h]);

	r = h == 0 ? 1 : 0;
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, fill, more))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(fill + more, wait_stats(_metadata, &self->f.g, fill + more, packets, drops));
	EXPECT_EQ(fill, packets[h]);
	EXPECT_EQ(more, packets[r]) TH_LOG("h %u r %u", h, r);
	EXPECT_EQ(0, drops[r]);
	rs = rollover_stats(_metadata, self->f.g.m[h].fd);
	EXPECT_EQ(more, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(0, rs.tp_failed);
}

/*
 * Calibrate a no-ring group: send frame seq of spec, see which member got
 * it (*member), take the truesize T the kernel charged for it (SO_MEMINFO
 * rmem_alloc), receive it, then give every member SO_RCVBUF 2T, which the
 * kernel doubles to sk_rcvbuf R = 4T (checked), so R >> ROOM_POW_OFF = T.
 * Returns T; a failed call fails the case with errno.
 */
static uint32_t rcvbuf_4t(struct __test_metadata *_metadata, struct fanout_fixture *f,
			  const struct frame_spec *s, uint32_t seq, unsigned int *member)
{
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	uint32_t truesize = 0;
	int rcvbuf, got, err;
	socklen_t len = sizeof(rcvbuf);

	*member = ~0u;
	ASSERT_EQ(0, peer_send_burst(&f->topo, s, seq, 1)) {
		TH_LOG("send from psk1: %s", strerror(errno));
		return 0;
	}
	ASSERT_EQ(1, wait_stats(_metadata, &f->g, 1, packets, drops)) return 0;
	for (unsigned int m = 0; m < f->g.n; m++)
		if (packets[m])
			*member = m;
	ASSERT_GT(f->g.n, *member) return 0;
	truesize = queued_mem(_metadata, f->g.m[*member].fd);
	ASSERT_LT(0, truesize) return 0;
	got = fanout_collect(&f->g, 1, PSOCK_WAIT_MS, rx_payload_offset(SOCK_RAW, s),
			     f->member_of, FANOUT_NSEQ, f->count);
	err = errno;
	ASSERT_EQ(1, got) {
		TH_LOG("receive the calibration frame: %s", strerror(err));
		return 0;
	}
	ASSERT_EQ(0, queued_mem(_metadata, f->g.m[*member].fd)) return 0;
	f->member_of[seq] = -1;
	f->count[*member] = 0;
	rcvbuf = 2 * truesize;
	for (unsigned int m = 0; m < f->g.n; m++) {
		int rc = setsockopt(f->g.m[m].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

		err = errno;
		ASSERT_EQ(0, rc) {
			TH_LOG("SO_RCVBUF %d on member %u: %s", rcvbuf, m, strerror(err));
			return 0;
		}
	}
	ASSERT_EQ(0, getsockopt(f->g.m[0].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len)) {
		TH_LOG("SO_RCVBUF: %s", strerror(errno));
		return 0;
	}
	ASSERT_EQ(4 * truesize, (uint32_t)rcvbuf) {
		TH_LOG("truesize %u: sk_rcvbuf not 4T (the SOCK_MIN_RCVBUF floor?)", truesize);
		return 0;
	}
	return truesize;
}

/*
 * ROLLOVER without a ring: __packet_rcv_has_room() is ROOM_NORMAL only while
 * the room left after the frame, sk_rcvbuf - rmem_alloc - truesize, is more
 * than sk_rcvbuf / 4, not equal to it. With sk_rcvbuf R = 4T (T the
 * truesize SO_MEMINFO reports for one frame) a member with j frames queued
 * has 3T, 2T, T, 0 left for the next: fanout_demux_rollover() places 2 on
 * each (the third leaves exactly R/4), member 0 then gets the failed ones,
 * packet_rcv() queues them while rmem_alloc < R (2 more) and drops the last.
 * PACKET_ROLLOVER_STATS of member 0: tp_all = 1 (the calibration frame) +
 * 2M, tp_failed = 3.
 */
TEST_F(rollover_noring, normal_ends_at_a_quarter_free)
{
	const unsigned int M = variant->members, sent = 2 * M + 3;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = { .payload_len = RO_PAYLOAD };
	struct tpacket_rollover_stats rs;
	unsigned int cal;
	uint32_t T;
	int got, err;

	ASSERT_FIXTURE_GROUP(&self->f, M, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_ROLLOVER);
	T = rcvbuf_4t(_metadata, &self->f, &s, 0, &cal);
	ASSERT_LT(0, T);
	ASSERT_EQ(0, cal);	/* the first frame: rollover->sock 0, room there */

	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 1, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->f.g, sent, packets, drops));
	EXPECT_EQ(5, packets[0]);
	EXPECT_EQ(1, drops[0]);
	EXPECT_EQ(4 * T, queued_mem(_metadata, self->f.g.m[0].fd));
	for (unsigned int m = 1; m < M; m++) {
		EXPECT_EQ(2, packets[m]) TH_LOG("member %u", m);
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
		EXPECT_EQ(2 * T, queued_mem(_metadata, self->f.g.m[m].fd)) TH_LOG("member %u", m);
	}
	rs = rollover_stats(_metadata, self->f.g.m[0].fd);
	EXPECT_EQ(1 + 2 * M, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(3, rs.tp_failed);

	got = fanout_collect(&self->f.g, sent - 1, PSOCK_WAIT_MS, rx_payload_offset(SOCK_RAW, &s),
			     self->f.member_of, FANOUT_NSEQ, self->f.count);
	err = errno;
	ASSERT_EQ(sent - 1, (unsigned int)got) TH_LOG("receive: %s", strerror(err));
	for (unsigned int i = 0; i < 2 * M; i++) {
		EXPECT_EQ((int)(i / 2), self->f.member_of[1 + i]) TH_LOG("seq %u", 1 + i);
	}
	EXPECT_EQ(0, self->f.member_of[1 + 2 * M]);
	EXPECT_EQ(0, self->f.member_of[2 + 2 * M]);
	EXPECT_EQ(-1, self->f.member_of[3 + 2 * M]);	/* dropped */
	TH_LOG("truesize %u, sk_rcvbuf %u", T, 4 * T);
}

/*
 * HASH | FLAG_ROLLOVER without a ring: the flow's member h keeps a frame at
 * ROOM_LOW (0 < room left <= sk_rcvbuf / 4) and passes it on only at
 * ROOM_NONE (room left <= 0), in __packet_rcv_has_room() and
 * fanout_demux_rollover(). With sk_rcvbuf R = 4T (T the truesize SO_MEMINFO
 * reports for one frame) h keeps 3 frames (3T, 2T left: ROOM_NORMAL; T:
 * ROOM_LOW, a flow seen once in fanout_flow_is_huge() is not huge), the
 * 4th leaves exactly 0 and goes to the first other member r, as does the
 * 5th, though packet_rcv() would still have queued them on h. h's
 * PACKET_ROLLOVER_STATS: tp_all 2, tp_huge 0, tp_failed 0.
 */
TEST_F(rollover_noring, flag_rollover_keeps_low_passes_none)
{
	const unsigned int M = variant->members, sent = 5;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = fanout_udp4_flow(33333, 4444);
	struct tpacket_rollover_stats rs;
	unsigned int h, r;
	uint32_t T;
	int got, err;

	ASSERT_FIXTURE_GROUP(&self->f, M, 0, NULL, ETH_P_IP, GID,
			     PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER);
	T = rcvbuf_4t(_metadata, &self->f, &s, 0, &h);
	ASSERT_LT(0, T);
	r = h == 0 ? 1 : 0;

	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 1, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->f.g, sent, packets, drops));
	for (unsigned int m = 0; m < M; m++) {
		EXPECT_EQ(m == h ? 3 : m == r ? 2 : 0, packets[m]) TH_LOG("member %u (h %u)", m, h);
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
	}
	EXPECT_EQ(3 * T, queued_mem(_metadata, self->f.g.m[h].fd));
	EXPECT_EQ(2 * T, queued_mem(_metadata, self->f.g.m[r].fd));
	rs = rollover_stats(_metadata, self->f.g.m[h].fd);
	EXPECT_EQ(2, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(0, rs.tp_failed);

	got = fanout_collect(&self->f.g, sent, PSOCK_WAIT_MS, rx_payload_offset(SOCK_RAW, &s),
			     self->f.member_of, FANOUT_NSEQ, self->f.count);
	err = errno;
	ASSERT_EQ(sent, (unsigned int)got) TH_LOG("receive: %s", strerror(err));
	for (unsigned int seq = 1; seq <= sent; seq++) {
		EXPECT_EQ((int)(seq <= 3 ? h : r), self->f.member_of[seq]) TH_LOG("seq %u", seq);
	}
}

/* ROLLOVER on V2 rings of 8 frames (see rollover above), for PACKET_SOCK_PRESSURE. */
FIXTURE(rollover_pressure) {
	struct fanout_fixture f;
};

FIXTURE_VARIANT(rollover_pressure) {
	unsigned int members;
};

FIXTURE_VARIANT_ADD(rollover_pressure, v2_m2) { 2 };
FIXTURE_VARIANT_ADD(rollover_pressure, v2_m3) { 3 };
FIXTURE_VARIANT_ADD(rollover_pressure, v2_m4) { 4 };

FIXTURE_SETUP(rollover_pressure)
{
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(rollover_pressure)
{
	fanout_teardown(&self->f.g, &self->f.topo, NULL, 0);
}

/* Expect slot i of the V2 ring r to be the user's and hold the frame tagged seq. */
static void expect_slot(struct __test_metadata *_metadata, struct ring *r, unsigned int i,
			size_t skip, uint32_t seq)
{
	struct frame_view v;
	uint32_t got = ~0u;

	frame_view(r, ring_frame(r, i), &v);
	EXPECT_EQ(TP_STATUS_USER, ring_status(r, ring_frame(r, i)) & TP_STATUS_USER)
		TH_LOG("slot %u", i);
	EXPECT_TRUE(frame_tag(v.data + skip, v.snaplen - skip, &got)) TH_LOG("slot %u", i);
	EXPECT_EQ(seq, got) TH_LOG("slot %u", i);
}

/*
 * ROLLOVER: a member packet_rcv_has_room() once found short of ROOM_NORMAL
 * keeps PACKET_SOCK_PRESSURE, and fanout_demux_rollover() skips it, until
 * poll() (packet_poll(), __packet_rcv_try_clear_pressure()) or recvmsg()
 * finds ROOM_NORMAL, even after its frames were handed back. 6M frames
 * fill each member to ROOM_LOW (6 each, member 0 first); member 0 hands
 * its 6 back by writing TP_STATUS_KERNEL, with no poll(): the next 2
 * frames find every member under pressure and go to member 0 as failed
 * (tp_failed 2, slots 6 and 7). After one poll() on member 0, the next 2
 * are placed there by the scan (tp_all 6M + 2, slots 0 and 1).
 */
TEST_F(rollover_pressure, pressure_skips_member_until_poll)
{
	const unsigned int M = variant->members, fill = 6 * M;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = { .payload_len = RO_PAYLOAD };
	size_t skip = rx_payload_offset(SOCK_RAW, &s);
	struct ring *r0 = &self->f.g.m[0].ring;
	struct tpacket_rollover_stats rs;
	struct pollfd pfd;

	ASSERT_FIXTURE_GROUP(&self->f, M, TPACKET_V2, &rollover_ring, ETH_P_PSOCK, GID,
			     PACKET_FANOUT_ROLLOVER);
	ASSERT_EQ(8, r0->frame_nr);
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 0, fill))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(fill, wait_stats(_metadata, &self->f.g, fill, packets, drops));
	for (unsigned int m = 0; m < M; m++) {
		ASSERT_EQ(6, packets[m]) TH_LOG("member %u", m);
	}

	/* hand member 0's frames back, no poll() or recvmsg() */
	for (unsigned int i = 0; i < 6; i++) {
		expect_slot(_metadata, r0, i, skip, i);
		ring_set_status(r0, ring_frame(r0, i), TP_STATUS_KERNEL);
	}
	__sync_synchronize();
	memset(packets, 0, sizeof(packets));
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, fill, 2))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(2, wait_stats(_metadata, &self->f.g, 2, packets, drops));
	EXPECT_EQ(2, packets[0]);
	rs = rollover_stats(_metadata, self->f.g.m[0].fd);
	EXPECT_EQ(fill, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(2, rs.tp_failed);
	expect_slot(_metadata, r0, 6, skip, fill);
	expect_slot(_metadata, r0, 7, skip, fill + 1);

	/* poll() finds ROOM_NORMAL and clears member 0's pressure */
	pfd = (struct pollfd){ .fd = self->f.g.m[0].fd, .events = POLLIN };
	ASSERT_LE(0, poll(&pfd, 1, 0)) TH_LOG("poll: %s", strerror(errno));
	memset(packets, 0, sizeof(packets));
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, fill + 2, 2))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(2, wait_stats(_metadata, &self->f.g, 2, packets, drops));
	EXPECT_EQ(2, packets[0]);
	for (unsigned int m = 0; m < M; m++) {
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
	}
	rs = rollover_stats(_metadata, self->f.g.m[0].fd);
	EXPECT_EQ(fill + 2, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(2, rs.tp_failed);
	expect_slot(_metadata, r0, 0, skip, fill + 2);
	expect_slot(_metadata, r0, 1, skip, fill + 3);
}

/*
 * HASH | FLAG_ROLLOVER on V3 rings of 4 blocks of 16 KiB, no block timeout
 * within the test: the flow's member h has ROOM_NORMAL for blocks 0-2 and
 * the first frame of block 3, then ROOM_LOW for the rest of block 3.
 */
FIXTURE(hash_huge) {
	struct fanout_fixture f;
};

FIXTURE_VARIANT(hash_huge) {
	unsigned int members;
};

FIXTURE_VARIANT_ADD(hash_huge, v3_m2) { 2 };
FIXTURE_VARIANT_ADD(hash_huge, v3_m3) { 3 };
FIXTURE_VARIANT_ADD(hash_huge, v3_m4) { 4 };

static const struct ring_geometry huge_ring = {
	.block_size = 16384, .block_nr = 4, .frame_size = 2048,
	.retire_blk_tov = 60000,
};

FIXTURE_SETUP(hash_huge)
{
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(hash_huge)
{
	fanout_teardown(&self->f.g, &self->f.topo, NULL, 0);
}

/*
 * HASH | FLAG_ROLLOVER: while its member h is at ROOM_LOW a flow stays on h
 * until fanout_flow_is_huge() finds its rxhash in more than 8 of the 16
 * history slots, and from then on every frame of it goes to another member,
 * counted in h's PACKET_ROLLOVER_STATS tp_all and tp_huge alike
 * (fanout_demux_rollover(): room == ROOM_LOW). Each ROOM_LOW frame writes
 * its hash into one random slot after counting, so the flow is huge at the
 * 10th ROOM_LOW frame at the earliest: h keeps K >= 9 of the 60 ROOM_LOW
 * frames sent, the first member other than h gets the 60 - K after them,
 * and tp_huge = tp_all = 60 - K, tp_failed 0. K < 60 is certain but for a
 * chance below 2^-45 (59 random slots, none outside one half of 16).
 */
TEST_F(hash_huge, huge_flow_leaves_low_member)
{
	const unsigned int M = variant->members, low_sent = 60;
	unsigned int packets[FANOUT_MEMBERS_MAX] = { 0 }, drops[FANOUT_MEMBERS_MAX] = { 0 };
	struct frame_spec s = fanout_udp4_flow(33333, 4444);
	struct tpacket_rollover_stats rs;
	unsigned int h = ~0u, r, per_block, normal, kept, sent;
	uint8_t buf[256];
	size_t len = frame_build(buf, sizeof(buf), &s);

	ASSERT_LT(0, len);
	/* a V3 packet takes ALIGN8(tp_mac + len) bytes; a block's first 48 are its descriptor */
	per_block = (huge_ring.block_size - 48) /
		    ((tpacket_rx_mac(SOCK_RAW, TPACKET_V3) + len + 7) & ~7u);
	normal = 3 * per_block + 1;
	ASSERT_LT(low_sent, per_block - 1);	/* h never reaches ROOM_NONE */
	sent = normal + low_sent;
	ASSERT_GT(FANOUT_NSEQ, sent);

	ASSERT_FIXTURE_GROUP(&self->f, M, TPACKET_V3, &huge_ring, ETH_P_IP, GID,
			     PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER);
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, 0, normal))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(normal, wait_stats(_metadata, &self->f.g, normal, packets, drops));
	for (unsigned int m = 0; m < M; m++)
		if (packets[m])
			h = m;
	ASSERT_GT(M, h);
	ASSERT_EQ(normal, packets[h]);
	rs = rollover_stats(_metadata, self->f.g.m[h].fd);
	ASSERT_EQ(0, rs.tp_all + rs.tp_huge + rs.tp_failed);
	r = h == 0 ? 1 : 0;

	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &s, normal, low_sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->f.g, sent, packets, drops));
	kept = packets[h] - normal;
	EXPECT_LE(9, kept);
	EXPECT_GT(low_sent, kept);
	for (unsigned int m = 0; m < M; m++) {
		EXPECT_EQ(m == h ? normal + kept : m == r ? low_sent - kept : 0, packets[m])
			TH_LOG("member %u (h %u)", m, h);
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
	}
	rs = rollover_stats(_metadata, self->f.g.m[h].fd);
	EXPECT_EQ(low_sent - kept, rs.tp_all);
	EXPECT_EQ(low_sent - kept, rs.tp_huge);
	EXPECT_EQ(0, rs.tp_failed);
	rs = rollover_stats(_metadata, self->f.g.m[r].fd);
	EXPECT_EQ(0, rs.tp_all + rs.tp_huge + rs.tp_failed);
	TH_LOG("%u per block, h %u kept %u of %u ROOM_LOW frames", per_block, h, kept, low_sent);
}

TEST_HARNESS_MAIN

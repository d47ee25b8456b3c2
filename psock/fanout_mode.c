// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT distribution: how each fanout mode spreads the frames a
 * device receives over the members of a group, with 2, 3 and 4 members, on
 * TPACKET_V2 and V3 rings and on the plain recv() path.
 *
 * packet_rcv_fanout() in net/packet/af_packet.c runs once per frame for the
 * whole group and hands the frame to member f->arr[idx] (members are in
 * join order; closing one moves the last into its place):
 *  - HASH  fanout_demux_hash(): reciprocal_scale(__skb_get_hash_symmetric(),
 *          M): one flow -> one member, and the reverse direction too;
 *  - LB    fanout_demux_lb(): atomic_inc_return(&rr_cur) % M, rr_cur
 *          starting at 0, so frame i goes to member (i + 1) % M;
 *  - CPU   fanout_demux_cpu(): smp_processor_id() % M, the CPU that runs
 *          the receive softirq (for veth: the sending CPU, netif_rx());
 *  - QM    fanout_demux_qm(): skb_get_queue_mapping() % M; veth_xmit()
 *          keeps the sender's TX queue in skb->queue_mapping, so the frame's
 *          "rx queue" on psk0 is the TX queue psk1 used (steered here with
 *          XPS: only queue q lists the sending CPU);
 *  - RND   fanout_demux_rnd(): get_random_u32_below(M);
 *  - ROLLOVER fanout_demux_rollover(): the member where the last frame went
 *          (rollover->sock of member 0), while packet_rcv_has_room() says
 *          ROOM_NORMAL (more than 1/4 of the ring free), else the next one
 *          with ROOM_NORMAL; when none has, the frame goes to member 0 and
 *          counts as tp_failed. Every frame placed by the rollover counts in
 *          tp_all (PACKET_ROLLOVER_STATS of member 0);
 *  - FLAG_ROLLOVER: the mode's choice stands unless that member's ring is
 *          full (ROOM_NONE), or low (ROOM_LOW) and the flow "huge"
 *          (fanout_flow_is_huge()); then the rollover scan above, skipping it;
 *  - CBPF/EBPF fanout_demux_bpf(): the program's return value % M; with no
 *          program attached, member 0. The program sees the frame from the
 *          network header (skb->data after eth_type_trans());
 *  - FLAG_DEFRAG: ip_check_defrag() reassembles IPv4 fragments before the
 *          choice, so one datagram is one frame on one member;
 *  - FLAG_IGNORE_OUTGOING (Linux 6.2+; older kernels accept and ignore it):
 *          the group's hook has ignore_outgoing, so dev_queue_xmit_nit()
 *          does not hand it frames the host sends.
 *
 * Test cases (<p> = v2, v3, none; <m> = m2, m3, m4):
 *   dist.<p>_<m>.hash_flow_and_reverse_on_one_member
 *   dist.<p>_<m>.hash_spreads_flows_over_all_members
 *   dist.<p>_<m>.lb_exact_round_robin
 *   dist.<p>_<m>.cpu_member_is_cpu_mod_members
 *   dist.<p>_<m>.qm_member_is_rx_queue_mod_members
 *   dist.<p>_<m>.rnd_chi_square
 *   rollover.<v>_<m>.fills_members_in_order_then_member0   (<v> = v2, v3)
 *   rollover_noring.<m>.fills_members_in_order_then_member0
 *   hash_rollover.v2_<m>.passes_full_member_on
 *   bpf.<m>.cbpf_return_value_selects_member
 *   bpf.<m>.ebpf_return_value_selects_member
 *   bpf.<m>.no_program_member0
 *   bpf_data.bad_program_data_refused
 *   bpf_data.ebpf_group_refuses_other_program_type
 *   defrag.lb_fragments_reassembled_one_frame_per_datagram
 *   defrag.lb_fragments_separate_without_flag
 *   outgoing.ignore_outgoing_flag_drops_sent_frames
 *   outgoing.sent_frames_delivered_without_flag
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/ip.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "fanout.h"

#define GID 0x6a6a
#define NSEQ 1024
#define WAIT_MS 1000

/* Chi-square critical values at significance 1e-7 (df = M - 1 = 1, 2, 3). */
static const double chi2_crit_1e7[] = { 0, 28.37, 32.24, 35.41 };

static const struct netns_opts four_queues = { .queues = 4 };

/* ---- distribution over 2/3/4 members, V2/V3/no ring ------------------- */

FIXTURE(dist) {
	struct netns_topo topo;
	struct fanout_group g;
	int member_of[NSEQ];
	unsigned int count[FANOUT_MEMBERS_MAX];
	int observer_fd;	/* outside the group: V3 ring with the rx hash */
	struct ring observer;
};

FIXTURE_VARIANT(dist) {
	int version;		/* 0: no ring */
	unsigned int members;
};

FIXTURE_VARIANT_ADD(dist, v2_m2) { .version = TPACKET_V2, .members = 2 };
FIXTURE_VARIANT_ADD(dist, v2_m3) { .version = TPACKET_V2, .members = 3 };
FIXTURE_VARIANT_ADD(dist, v2_m4) { .version = TPACKET_V2, .members = 4 };
FIXTURE_VARIANT_ADD(dist, v3_m2) { .version = TPACKET_V3, .members = 2 };
FIXTURE_VARIANT_ADD(dist, v3_m3) { .version = TPACKET_V3, .members = 3 };
FIXTURE_VARIANT_ADD(dist, v3_m4) { .version = TPACKET_V3, .members = 4 };
FIXTURE_VARIANT_ADD(dist, none_m2) { .version = 0, .members = 2 };
FIXTURE_VARIANT_ADD(dist, none_m3) { .version = 0, .members = 3 };
FIXTURE_VARIANT_ADD(dist, none_m4) { .version = 0, .members = 4 };

FIXTURE_SETUP(dist)
{
	memset(&self->g, 0, sizeof(self->g));
	memset(self->count, 0, sizeof(self->count));
	for (int i = 0; i < NSEQ; i++)
		self->member_of[i] = -1;
	memset(&self->observer, 0, sizeof(self->observer));
	self->observer_fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &four_queues);
}

FIXTURE_TEARDOWN(dist)
{
	if (self->observer.map_base)
		munmap(self->observer.map_base, self->observer.map_len);
	fanout_teardown(&self->g, &self->topo, &self->observer_fd, 1);
}

static void open_group(struct __test_metadata *_metadata, struct _test_data_dist *self,
		       const struct _fixture_variant_dist *variant, uint16_t proto,
		       uint16_t type_flags)
{
	int rc = fanout_group_open(&self->g, variant->members, variant->version, NULL,
				   self->topo.ifindex0, proto, GID, type_flags);
	int err = errno;

	ASSERT_EQ(0, rc) TH_LOG("fanout group: %s", strerror(err));
}

/* An IPv4/UDP frame of one flow: psk1's address:sport -> psk0's:dport. */
static struct frame_spec udp_flow(uint16_t sport, uint16_t dport, bool reverse)
{
	struct frame_spec s = {
		.ip = 4, .payload_len = 32,
		.saddr = NETNS_IP4_1, .daddr = NETNS_IP4_0,
		.sport = sport, .dport = dport,
	};

	if (reverse) {
		s.saddr = NETNS_IP4_0;
		s.daddr = NETNS_IP4_1;
		s.sport = dport;
		s.dport = sport;
	}
	return s;
}

/*
 * Send specs[0..n-1] from psk1, frame i with seq i (all before reading:
 * n stays far below what a ring or receive buffer holds), then collect;
 * the case fails unless all n come back.
 */
static void send_specs_collect(struct __test_metadata *_metadata, struct _test_data_dist *self,
			       struct frame_spec *specs, unsigned int n)
{
	int got, err;

	for (unsigned int i = 0; i < n; i++) {
		specs[i].seq = i;
		ASSERT_LE(0, peer_send_spec(&self->topo, &specs[i]))
			TH_LOG("send frame %u from psk1: %s", i, strerror(errno));
	}
	got = fanout_collect(&self->g, n, WAIT_MS, rx_payload_offset(SOCK_RAW, &specs[0]),
			     self->member_of, NSEQ, self->count);
	err = errno;
	ASSERT_LE(0, got) TH_LOG("receive: %s", strerror(err));
	ASSERT_EQ((int)n, got);
}

/*
 * HASH promises one member for both directions of a flow: fanout_demux_hash()
 * takes __skb_get_hash_symmetric(), which dissects addresses and ports only
 * (flow_keys_dissector_symmetric_keys) and sorts each pair
 * (__flow_hash_consistentify()). IPv4/UDP frames cannot tell that hash from
 * the plain one, which sorts the same pairs. IPv6 frames with a flow label
 * can: the plain hash (skb_get_hash(): ___skb_get_hash() with
 * FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL) covers the addresses and the label,
 * so a flow whose two directions carry different labels hashes differently
 * each way, while the symmetric hash ignores the label.
 *
 * 64 such flows, 2 frames each way (seq 4f, 4f+1 forward with label
 * 0x1000 + f; 4f+2, 4f+3 reverse, addresses and ports swapped, label
 * 0x8000 + f): every flow stays on one member, and every member gets a
 * flow (none with probability at most 4 * 0.75^64 < 1e-7), so a mode that
 * keeps everything on one member fails too. An observer socket outside the
 * group (V3 ring, TP_FT_REQ_FILL_RXHASH: prb_fill_rxhash() stores
 * skb_get_hash()) shows the frames are ones a plain hash splits: the two
 * directions of every flow have different hashes.
 */
#define HF_FLOWS 64
#define HF_PER_DIR 2
#define HF_FRAMES (HF_FLOWS * 2 * HF_PER_DIR)
#define HF_CHUNK 16	/* flows sent before collecting: 64 frames */

static const struct ring_geometry observer_ring = {
	.block_size = 4096, .block_nr = 32, .frame_size = 256,
	.retire_blk_tov = 2, .feature_req_word = TP_FT_REQ_FILL_RXHASH,
};

/* Frame j (0..3) of IPv6/UDP flow f, with its flow label (see above). */
static size_t hash_flow6_frame(uint8_t *buf, size_t size, unsigned int f, unsigned int j)
{
	bool rev = j >= HF_PER_DIR;
	struct frame_spec s = {
		.ip = 6, .payload_len = 32, .seq = f * 2 * HF_PER_DIR + j,
		.saddr = rev ? NETNS_IP6_0 : NETNS_IP6_1,
		.daddr = rev ? NETNS_IP6_1 : NETNS_IP6_0,
		.sport = rev ? 7000 : 40000 + f,
		.dport = rev ? 40000 + f : 7000,
	};
	uint32_t label = (rev ? 0x8000 : 0x1000) + f;
	size_t len = frame_build(buf, size, &s);
	uint8_t *ip6 = buf + ETH_HLEN;

	/* version 6, traffic class 0, then the 20-bit label; not in the UDP checksum */
	ip6[1] = (ip6[1] & 0xf0) | (label >> 16 & 0x0f);
	ip6[2] = label >> 8;
	ip6[3] = label;
	return len;
}

/* Read the observer's copy of every frame: rxhash[seq] = hv1.tp_rxhash. */
static void observer_rxhash(struct __test_metadata *_metadata, struct ring *r, size_t skip,
			    uint32_t *rxhash, unsigned int n)
{
	int64_t deadline = psock_deadline(WAIT_MS);

	for (unsigned int i = 0; i < n; i++) {
		int64_t left = deadline - psock_monotonic_ms();
		uint32_t seq = ~0u;
		struct tpacket3_hdr *h;

		/* left is scaled already: ring_next_tagged() scales its argument */
		h = ring_next_tagged(r, left > 0 ? (int)(left / psock_timeout_ms(1)) : 0, skip,
				     &seq);
		ASSERT_NE(NULL, h) TH_LOG("observer: %u of %u frames", i, n);
		ASSERT_GT(n, seq);
		rxhash[seq] = h->hv1.tp_rxhash;
		ring_release_frame(r, h);
	}
}

TEST_F(dist, hash_flow_and_reverse_on_one_member)
{
	const struct frame_spec s6 = { .ip = 6, .payload_len = 32 };
	size_t skip = rx_payload_offset(SOCK_RAW, &s6);
	int64_t deadline = psock_deadline(2 * WAIT_MS);
	uint32_t rxhash[HF_FRAMES] = { 0 };
	unsigned int flows_on[FANOUT_MEMBERS_MAX] = { 0 };
	int got = 0, err;

	self->observer_fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->topo.ifindex0,
					    ETH_P_IPV6);
	err = errno;
	ASSERT_LE(0, self->observer_fd) TH_LOG("observer socket: %s", strerror(err));
	err = ring_open(&self->observer, self->observer_fd, PACKET_RX_RING, &observer_ring) ?
	      errno : 0;
	ASSERT_EQ(0, err) TH_LOG("observer ring: %s", strerror(err));
	open_group(_metadata, self, variant, ETH_P_IPV6, PACKET_FANOUT_HASH);
	for (unsigned int f0 = 0; f0 < HF_FLOWS; f0 += HF_CHUNK) {
		int now;

		for (unsigned int i = 0; i < HF_CHUNK * 2 * HF_PER_DIR; i++) {
			uint8_t buf[256];
			size_t len = hash_flow6_frame(buf, sizeof(buf), f0 + i / (2 * HF_PER_DIR),
						      i % (2 * HF_PER_DIR));
			ssize_t sent;

			ASSERT_LT(0, len);
			sent = peer_send(&self->topo, buf, len);
			err = errno;
			ASSERT_EQ((ssize_t)len, sent) TH_LOG("send from psk1: %s", strerror(err));
		}
		now = fanout_collect_until(&self->g, HF_CHUNK * 2 * HF_PER_DIR, deadline, skip,
					   self->member_of, NSEQ, self->count);
		err = errno;
		ASSERT_LE(0, now) TH_LOG("receive: %s", strerror(err));
		got += now;
	}
	ASSERT_EQ(HF_FRAMES, got);
	observer_rxhash(_metadata, &self->observer, skip, rxhash, HF_FRAMES);

	for (unsigned int f = 0; f < HF_FLOWS; f++) {
		const unsigned int first = f * 2 * HF_PER_DIR;
		int m = self->member_of[first];

		ASSERT_LE(0, m) TH_LOG("flow %u", f);
		flows_on[m]++;
		for (unsigned int j = 1; j < 2 * HF_PER_DIR; j++) {
			EXPECT_EQ(m, self->member_of[first + j])
				TH_LOG("flow %u frame %u (%s)", f, j,
				       j < HF_PER_DIR ? "forward" : "reverse");
			EXPECT_EQ(rxhash[first + (j < HF_PER_DIR ? 0 : HF_PER_DIR)],
				  rxhash[first + j]) TH_LOG("flow %u frame %u: rx hash", f, j);
		}
		EXPECT_NE(0, rxhash[first]) TH_LOG("flow %u: no rx hash", f);
		EXPECT_NE(rxhash[first], rxhash[first + HF_PER_DIR])
			TH_LOG("flow %u: the plain hash does not tell the directions apart", f);
	}
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_LT(0, flows_on[m]) TH_LOG("member %u got no flow", m);
	}
}

/*
 * HASH: 64 flows spread over every member. With a uniform hash a member
 * gets no flow with probability M * (1 - 1/M)^64 <= 4 * 0.75^64 < 1e-7.
 */
TEST_F(dist, hash_spreads_flows_over_all_members)
{
	const unsigned int flows = 64;
	struct frame_spec specs[64];

	for (unsigned int f = 0; f < flows; f++)
		specs[f] = udp_flow(20000 + 7 * f, 9000 + f, false);
	open_group(_metadata, self, variant, ETH_P_IP, PACKET_FANOUT_HASH);
	send_specs_collect(_metadata, self, specs, flows);
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_LT(0, self->count[m]) TH_LOG("member %u got no flow", m);
	}
}

/* LB: frame i goes to member (i + 1) % M; k * M frames -> exactly k each. */
TEST_F(dist, lb_exact_round_robin)
{
	const unsigned int k = 6, n = k * variant->members;
	struct frame_spec s = { .payload_len = 32 };

	open_group(_metadata, self, variant, ETH_P_PSOCK, PACKET_FANOUT_LB);
	ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, 0, n, self->member_of, NSEQ, self->count);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ((int)((i + 1) % variant->members), self->member_of[i])
			TH_LOG("frame %u", i);
	}
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_EQ(k, self->count[m]) TH_LOG("member %u", m);
	}
}

/*
 * CPU: frames sent from CPU c (this process pinned to it) are received on
 * c (veth_xmit() -> netif_rx() queues to this CPU's backlog), and go to
 * member c % M. Every CPU this process may use is tried.
 */
TEST_F(dist, cpu_member_is_cpu_mod_members)
{
	const unsigned int k = 4;
	struct frame_spec s = { .payload_len = 32 };
	cpu_set_t allowed, one;
	uint32_t seq = 0;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(allowed), &allowed));
	if (CPU_COUNT(&allowed) < 2)
		SKIP(return, "PACKET_FANOUT_CPU needs 2 usable CPUs to tell members apart");
	open_group(_metadata, self, variant, ETH_P_PSOCK, PACKET_FANOUT_CPU);
	for (int c = 0; c < CPU_SETSIZE && seq + k <= NSEQ; c++) {
		if (!CPU_ISSET(c, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		memset(self->count, 0, sizeof(self->count));
		ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, seq, k, self->member_of, NSEQ,
				    self->count);
		EXPECT_EQ(k, self->count[c % variant->members]) TH_LOG("cpu %d", c);
		seq += k;
	}
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(allowed), &allowed));
}

/* A sysfs of this network namespace, in a private mount namespace. */
static int private_sysfs(char *why, size_t len)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL)) {
		snprintf(why, len, "private sysfs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Write psk1's tx-<queue>/xps_cpus; 0 or -1 with errno (EIO for a short write). */
static int write_xps(unsigned int queue, unsigned long long mask)
{
	char path[128], val[32];
	int fd, n, err = 0;
	ssize_t w;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues/tx-%u/xps_cpus", NETNS_IF1, queue);
	n = snprintf(val, sizeof(val), "%llx\n", mask);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	w = write(fd, val, n);
	if (w != n)
		err = w < 0 ? errno : EIO;
	if (close(fd) && !err)
		err = errno;
	errno = err;
	return err ? -1 : 0;
}

/*
 * QM: with 4 queues on each veth end, XPS on psk1 lists this CPU for TX
 * queue q only, so netdev_pick_tx() sends on q; veth_xmit() leaves q in
 * skb->queue_mapping, which is what psk0's receive path and
 * fanout_demux_qm() see: every frame of round q goes to member q % M.
 */
TEST_F(dist, qm_member_is_rx_queue_mod_members)
{
	const unsigned int k = 4, queues = 4;
	struct frame_spec s = { .payload_len = 32 };
	cpu_set_t allowed, one;
	char why[256];
	int cpu = -1;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(allowed), &allowed));
	for (int c = 0; c < 64 && cpu < 0; c++)
		if (CPU_ISSET(c, &allowed))
			cpu = c;
	ASSERT_LE(0, cpu) TH_LOG("no usable CPU below 64");
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, private_sysfs(why, sizeof(why))) TH_LOG("%s", why);
	/* the probe: the file exists (CONFIG_XPS), whatever QM then does */
	if (write_xps(0, 0)) {
		int err = errno;

		if (err == ENOENT)
			SKIP(return, "no xps_cpus in sysfs: steering TX queues needs CONFIG_XPS");
		ASSERT_EQ(0, err) TH_LOG("xps_cpus of tx-0: %s", strerror(err));
	}
	open_group(_metadata, self, variant, ETH_P_PSOCK, PACKET_FANOUT_QM);
	for (unsigned int q = 0; q < queues; q++) {
		for (unsigned int x = 0; x < queues; x++) {
			int rc = write_xps(x, x == q ? 1ull << cpu : 0), err = errno;

			ASSERT_EQ(0, rc) TH_LOG("xps_cpus of tx-%u: %s", x, strerror(err));
		}
		memset(self->count, 0, sizeof(self->count));
		ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, q * k, k, self->member_of, NSEQ,
				    self->count);
		EXPECT_EQ(k, self->count[q % variant->members]) TH_LOG("queue %u", q);
	}
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(allowed), &allowed));
}

/*
 * RND: 400 frames; every member gets some, and Pearson's chi-square of the
 * counts against the uniform 400/M stays under the critical value at
 * significance 1e-7 for M - 1 degrees of freedom (28.37, 32.24, 35.41), so
 * a correct kernel fails this less than once in 10^6 runs (E >= 100 per
 * member keeps the chi-square approximation close).
 */
TEST_F(dist, rnd_chi_square)
{
	const unsigned int n = 400;
	struct frame_spec s = { .payload_len = 32 };
	double e = (double)n / variant->members, chi2 = 0;

	open_group(_metadata, self, variant, ETH_P_PSOCK, PACKET_FANOUT_RND);
	ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, 0, n, self->member_of, NSEQ, self->count);
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_LT(0, self->count[m]) TH_LOG("member %u got nothing", m);
		chi2 += (self->count[m] - e) * (self->count[m] - e) / e;
	}
	EXPECT_GT(chi2_crit_1e7[variant->members - 1], chi2)
		TH_LOG("chi-square %.2f, counts %u %u %u %u", chi2, self->count[0],
		       self->count[1], self->count[2], self->count[3]);
}

/* ---- ROLLOVER and FLAG_ROLLOVER on small rings ------------------------ */

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
	struct netns_topo topo;
	struct fanout_group g;
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
	memset(&self->g, 0, sizeof(self->g));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(rollover)
{
	fanout_teardown(&self->g, &self->topo, NULL, 0);
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
	int64_t deadline = psock_deadline(WAIT_MS);
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

	ASSERT_EQ(0, fanout_group_open(&self->g, M, variant->version, &rollover_ring,
				       self->topo.ifindex0, ETH_P_PSOCK, GID,
				       PACKET_FANOUT_ROLLOVER)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &s, 0, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->g, sent, packets, drops));

	EXPECT_EQ(variant->normal + variant->low + extra_drops, packets[0]);
	EXPECT_EQ(extra_drops, drops[0]);
	for (unsigned int m = 1; m < M; m++) {
		EXPECT_EQ(variant->normal, packets[m]) TH_LOG("member %u", m);
		EXPECT_EQ(0, drops[m]) TH_LOG("member %u", m);
	}
	rs = rollover_stats(_metadata, self->g.m[0].fd);
	EXPECT_EQ(variant->normal * M, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(variant->low + extra_drops, rs.tp_failed);
	for (unsigned int m = 1; m < M; m++) {
		rs = rollover_stats(_metadata, self->g.m[m].fd);
		EXPECT_EQ(0, rs.tp_all + rs.tp_huge + rs.tp_failed) TH_LOG("member %u", m);
	}
	if (variant->version == TPACKET_V2) {
		struct ring *r = &self->g.m[0].ring;
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
	struct netns_topo topo;
	struct fanout_group g;
	int member_of[NSEQ];
	unsigned int count[FANOUT_MEMBERS_MAX];
};

FIXTURE_VARIANT(rollover_noring) {
	unsigned int members;
};

FIXTURE_VARIANT_ADD(rollover_noring, m2) { 2 };
FIXTURE_VARIANT_ADD(rollover_noring, m3) { 3 };
FIXTURE_VARIANT_ADD(rollover_noring, m4) { 4 };

FIXTURE_SETUP(rollover_noring)
{
	memset(&self->g, 0, sizeof(self->g));
	memset(self->count, 0, sizeof(self->count));
	for (int i = 0; i < NSEQ; i++)
		self->member_of[i] = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(rollover_noring)
{
	fanout_teardown(&self->g, &self->topo, NULL, 0);
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

	ASSERT_EQ(0, fanout_group_open(&self->g, M, 0, NULL, self->topo.ifindex0, ETH_P_PSOCK,
				       GID, PACKET_FANOUT_ROLLOVER)) TH_LOG("%s", strerror(errno));
	for (unsigned int m = 0; m < M; m++)
		ASSERT_EQ(0, setsockopt(self->g.m[m].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					sizeof(rcvbuf)));
	ASSERT_EQ(0, getsockopt(self->g.m[0].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	ASSERT_EQ(8192, rcvbuf);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &s, 0, sent))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(sent, wait_stats(_metadata, &self->g, sent, packets, drops));

	/* the rule, from the truesize the kernel charged member 1 per frame */
	ASSERT_LT(0, packets[1]);
	truesize = queued_mem(_metadata, self->g.m[1].fd) / packets[1];
	EXPECT_EQ(packets[1] * truesize, queued_mem(_metadata, self->g.m[1].fd));
	ASSERT_LT(0, truesize);
	while ((int64_t)rcvbuf - (int64_t)(normal + 1) * truesize > rcvbuf >> 2)
		normal++;	/* ROOM_NORMAL with normal frames queued */
	while ((int64_t)held0 * truesize < rcvbuf)
		held0++;	/* packet_rcv(): queued while rmem_alloc < rcvbuf */
	ASSERT_LT(0, normal) TH_LOG("truesize %u leaves no ROOM_NORMAL in %d", truesize, rcvbuf);
	ASSERT_GT(sent, M * normal + (held0 - normal));
	EXPECT_EQ(held0 * truesize, queued_mem(_metadata, self->g.m[0].fd));

	got = fanout_collect(&self->g, sent - drops[0], WAIT_MS, rx_payload_offset(SOCK_RAW, &s),
			     self->member_of, NSEQ, self->count);
	err = errno;
	ASSERT_LE(0, got) TH_LOG("receive: %s", strerror(err));
	EXPECT_EQ(sent - drops[0], (unsigned int)got);

	rs = rollover_stats(_metadata, self->g.m[0].fd);
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
		EXPECT_EQ((int)(i / normal), self->member_of[i]) TH_LOG("placed frame %u", i);
	}
	/* the failed ones: member 0 kept the first held0 - normal, dropped the rest */
	for (unsigned int i = M * normal; i < sent; i++) {
		kept0 += self->member_of[i] >= 0;
		EXPECT_EQ(i < M * normal + held0 - normal ? 0 : -1, self->member_of[i])
			TH_LOG("failed frame %u", i);
	}
	EXPECT_EQ(held0 - normal, kept0);
	TH_LOG("rcvbuf %d, truesize %u: %u per member, member 0 kept %u more, dropped %u",
	       rcvbuf, truesize, normal, kept0, drops[0]);
}

/* HASH | FLAG_ROLLOVER, on V2 rings of 8 frames (see rollover above). */
FIXTURE(hash_rollover) {
	struct netns_topo topo;
	struct fanout_group g;
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
	memset(&self->g, 0, sizeof(self->g));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(hash_rollover)
{
	fanout_teardown(&self->g, &self->topo, NULL, 0);
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
	struct frame_spec s = udp_flow(33333, 4444, false);
	struct tpacket_rollover_stats rs;
	unsigned int h = ~0u, r, fill = variant->normal + variant->low;

	ASSERT_EQ(0, fanout_group_open(&self->g, M, variant->version, &rollover_ring,
				       self->topo.ifindex0, ETH_P_IP, GID,
				       PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &s, 0, fill))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(fill, wait_stats(_metadata, &self->g, fill, packets, drops));
	for (unsigned int m = 0; m < M; m++)
		if (packets[m])
			h = m;
	ASSERT_GT(M, h);
	EXPECT_EQ(fill, packets[h]);
	EXPECT_EQ(0, drops[h]);

	r = h == 0 ? 1 : 0;
	ASSERT_EQ(0, peer_send_burst(&self->topo, &s, fill, more))
		TH_LOG("send from psk1: %s", strerror(errno));
	ASSERT_EQ(fill + more, wait_stats(_metadata, &self->g, fill + more, packets, drops));
	EXPECT_EQ(fill, packets[h]);
	EXPECT_EQ(more, packets[r]) TH_LOG("h %u r %u", h, r);
	EXPECT_EQ(0, drops[r]);
	rs = rollover_stats(_metadata, self->g.m[h].fd);
	EXPECT_EQ(more, rs.tp_all);
	EXPECT_EQ(0, rs.tp_huge);
	EXPECT_EQ(0, rs.tp_failed);
}

/* ---- CBPF / EBPF ------------------------------------------------------- */

FIXTURE(bpf) {
	struct netns_topo topo;
	struct fanout_group g;
	int member_of[NSEQ];
	unsigned int count[FANOUT_MEMBERS_MAX];
	int prog_fd;
};

FIXTURE_VARIANT(bpf) {
	unsigned int members;
};

FIXTURE_VARIANT_ADD(bpf, m2) { 2 };
FIXTURE_VARIANT_ADD(bpf, m3) { 3 };
FIXTURE_VARIANT_ADD(bpf, m4) { 4 };

FIXTURE_SETUP(bpf)
{
	memset(&self->g, 0, sizeof(self->g));
	memset(self->count, 0, sizeof(self->count));
	for (int i = 0; i < NSEQ; i++)
		self->member_of[i] = -1;
	self->prog_fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(bpf)
{
	fanout_teardown(&self->g, &self->topo, &self->prog_fd, 1);
}

/*
 * The selector: byte 9 from the network header, which for an ETH_P_PSOCK
 * frame is the low byte of the tag's seq (frame_build() stores seq in host
 * order after "PSOCK" and the 4-byte cookie; little-endian here).
 */
#define SEL_OFF 9

static int load_ebpf(const struct bpf_insn *insns, unsigned int n, int type, char *log,
		     size_t loglen)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = n;
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = loglen;
	attr.log_level = log ? 1 : 0;
	return syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* r6 = skb; r0 = skb byte SEL_OFF (LD_ABS); exit */
static const struct bpf_insn ebpf_sel[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 6, .src_reg = 1 },
	{ .code = BPF_LD | BPF_ABS | BPF_B, .imm = SEL_OFF },
	{ .code = BPF_JMP | BPF_EXIT },
};

static void check_selected(struct __test_metadata *_metadata, struct _test_data_bpf *self,
			   unsigned int members, unsigned int n)
{
	struct frame_spec s = { .payload_len = 32 };

	ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, 0, n, self->member_of, NSEQ, self->count);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ((int)((i & 0xff) % members), self->member_of[i]) TH_LOG("seq %u", i);
	}
}

/* CBPF: ldb [9]; ret a -> member (seq & 0xff) % M. */
TEST_F(bpf, cbpf_return_value_selects_member)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SEL_OFF),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { .len = 2, .filter = code };

	ASSERT_EQ(0, fanout_group_open(&self->g, variant->members, 0, NULL, self->topo.ifindex0,
				       ETH_P_PSOCK, GID, PACKET_FANOUT_CBPF));
	ASSERT_EQ(0, setsockopt(self->g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog,
				sizeof(prog))) TH_LOG("%s", strerror(errno));
	check_selected(_metadata, self, variant->members, 24);
}

/* EBPF: a BPF_PROG_TYPE_SOCKET_FILTER program, same selector. */
TEST_F(bpf, ebpf_return_value_selects_member)
{
	char log[4096] = "";
	int err;

	self->prog_fd = load_ebpf(ebpf_sel, 3, BPF_PROG_TYPE_SOCKET_FILTER, log, sizeof(log));
	err = errno;
	if (self->prog_fd < 0 && (err == EPERM || err == ENOSYS))
		SKIP(return, "cannot load a BPF socket filter here (bpf(2): %s): "
		     "PACKET_FANOUT_EBPF (4.3+) needs it", strerror(err));
	ASSERT_LE(0, self->prog_fd) TH_LOG("BPF_PROG_LOAD: %s\n%s", strerror(err), log);
	ASSERT_EQ(0, fanout_group_open(&self->g, variant->members, 0, NULL, self->topo.ifindex0,
				       ETH_P_PSOCK, GID, PACKET_FANOUT_EBPF));
	/* any member may set the group's program */
	ASSERT_EQ(0, setsockopt(self->g.m[variant->members - 1].fd, SOL_PACKET,
				PACKET_FANOUT_DATA, &self->prog_fd, sizeof(self->prog_fd)))
		TH_LOG("%s", strerror(errno));
	check_selected(_metadata, self, variant->members, 24);
}

/* fanout_demux_bpf(): no program yet -> index 0, for CBPF and EBPF groups. */
TEST_F(bpf, no_program_member0)
{
	struct frame_spec s = { .payload_len = 32 };
	const unsigned int n = 8;

	ASSERT_EQ(0, fanout_group_open(&self->g, variant->members, 0, NULL, self->topo.ifindex0,
				       ETH_P_PSOCK, GID, PACKET_FANOUT_CBPF));
	ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, 0, n, NULL, 0, self->count);
	EXPECT_EQ(n, self->count[0]);
	fanout_group_close(&self->g);
	memset(self->count, 0, sizeof(self->count));
	ASSERT_EQ(0, fanout_group_open(&self->g, variant->members, 0, NULL, self->topo.ifindex0,
				       ETH_P_PSOCK, GID, PACKET_FANOUT_EBPF));
	ASSERT_SEND_COLLECT(&self->topo, &self->g, &s, n, n, NULL, 0, self->count);
	EXPECT_EQ(n, self->count[0]);
}

FIXTURE(bpf_data) {
	struct netns_topo topo;
	struct fanout_group g;
	int prog_fd;
};

FIXTURE_SETUP(bpf_data)
{
	memset(&self->g, 0, sizeof(self->g));
	self->prog_fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(bpf_data)
{
	fanout_teardown(&self->g, &self->topo, &self->prog_fd, 1);
}

/*
 * fanout_set_data_cbpf()/_ebpf(): what the kernel refuses (one group size
 * is enough: nothing here depends on it).
 *  CBPF group: data that is not a struct sock_fprog (4 bytes) -> EINVAL;
 *    a classic program the checker rejects (jump past the end) -> EINVAL.
 *  EBPF group: data that is not a 4-byte fd -> EINVAL; an fd that is not a
 *    BPF program -> EINVAL; a closed fd -> EBADF.
 */
TEST_F(bpf_data, bad_program_data_refused)
{
	struct sock_filter bad[] = {
		BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog bad_prog = { .len = 2, .filter = bad };
	struct fanout_group e;
	int fd4 = 0, closed;

	ASSERT_EQ(0, fanout_group_open(&self->g, 2, 0, NULL, self->topo.ifindex0,
				       ETH_P_PSOCK, GID, PACKET_FANOUT_CBPF));
	EXPECT_ERRNO(EINVAL, setsockopt(self->g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &fd4,
					sizeof(fd4)));
	EXPECT_ERRNO(EINVAL, setsockopt(self->g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA,
					&bad_prog, sizeof(bad_prog)));

	ASSERT_EQ(0, fanout_group_open(&e, 1, 0, NULL, self->topo.ifindex0, ETH_P_PSOCK,
				       GID + 1, PACKET_FANOUT_EBPF));
	EXPECT_ERRNO(EINVAL, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &bad_prog,
					sizeof(bad_prog)));
	EXPECT_ERRNO(EINVAL, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &e.m[0].fd,
					sizeof(e.m[0].fd)));
	closed = dup(e.m[0].fd);
	ASSERT_LE(0, closed) TH_LOG("dup: %s", strerror(errno));
	ASSERT_EQ(0, close(closed));
	EXPECT_ERRNO(EBADF, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &closed,
				       sizeof(closed)));
	fanout_group_close(&e);
}

/*
 * An EBPF group runs BPF_PROG_TYPE_SOCKET_FILTER programs only
 * (fanout_set_data_ebpf(): bpf_prog_get_type()): a loaded program of another
 * type (SCHED_CLS, the same instructions) -> EINVAL. Loading a SCHED_CLS
 * program needs CAP_BPF and CAP_NET_ADMIN (bpf_prog_load()): without them
 * (EPERM), or without bpf(2) (ENOSYS), the case SKIPs.
 */
TEST_F(bpf_data, ebpf_group_refuses_other_program_type)
{
	char log[1024] = "";
	int err;

	self->prog_fd = load_ebpf(ebpf_sel, 3, BPF_PROG_TYPE_SCHED_CLS, log, sizeof(log));
	err = errno;
	if (self->prog_fd < 0 && (err == EPERM || err == ENOSYS))
		SKIP(return, "cannot load a SCHED_CLS program here (bpf(2): %s)", strerror(err));
	ASSERT_LE(0, self->prog_fd) TH_LOG("BPF_PROG_LOAD SCHED_CLS: %s\n%s", strerror(err), log);
	ASSERT_EQ(0, fanout_group_open(&self->g, 1, 0, NULL, self->topo.ifindex0, ETH_P_PSOCK,
				       GID, PACKET_FANOUT_EBPF)) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EINVAL, setsockopt(self->g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA,
					&self->prog_fd, sizeof(self->prog_fd)));
}

/* ---- FLAG_DEFRAG -------------------------------------------------------- */

FIXTURE(defrag) {
	struct netns_topo topo;
	struct fanout_group g;
};

FIXTURE_SETUP(defrag)
{
	memset(&self->g, 0, sizeof(self->g));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(defrag)
{
	fanout_teardown(&self->g, &self->topo, NULL, 0);
}

#define DF_PAYLOAD 200		/* UDP payload; IP payload 208 = 104 + 104 */
#define DF_FIRST 104		/* bytes of IP payload in the first fragment */
#define DF_IP_ID 0x4000		/* IPv4 id of datagram seq: DF_IP_ID + seq */

/* Send the UDP datagram seq as two IPv4 fragments from psk1. */
static int send_fragments(struct netns_topo *topo, uint32_t seq)
{
	struct frame_spec s = { .ip = 4, .sport = 5555, .dport = 6666,
				.payload_len = DF_PAYLOAD, .seq = seq };
	uint8_t full[512], frag[512];
	size_t len = frame_build(full, sizeof(full), &s);
	const size_t l3 = ETH_HLEN, ihl = 20, ipay = len - l3 - ihl;

	for (int part = 0; part < 2; part++) {
		size_t off = part ? DF_FIRST : 0, n = part ? ipay - DF_FIRST : DF_FIRST;
		struct iphdr *ip = (struct iphdr *)(frag + l3);
		ssize_t sent;

		memcpy(frag, full, l3 + ihl);
		memcpy(frag + l3 + ihl, full + l3 + ihl + off, n);
		ip->tot_len = htons(ihl + n);
		ip->id = htons(DF_IP_ID + seq);
		ip->frag_off = htons((part ? 0 : 0x2000) | off / 8);
		ip->check = 0;
		ip->check = ~inet_csum_add(ip, ihl, 0);
		sent = peer_send(topo, frag, l3 + ihl + n);
		if (sent != (ssize_t)(l3 + ihl + n)) {
			if (sent >= 0)
				errno = EIO;	/* short send */
			return -1;
		}
	}
	return 0;
}

/*
 * One of this test's datagrams or fragments: IPv4/UDP with the id
 * send_fragments() gives (the second fragment carries no payload tag).
 */
static bool defrag_frame(const uint8_t *buf, size_t len)
{
	const struct iphdr *ip = (const struct iphdr *)(buf + ETH_HLEN);
	uint16_t id;

	if (len < ETH_HLEN + sizeof(*ip) || buf[12] != 0x08 || buf[13] != 0x00 ||
	    ip->protocol != IPPROTO_UDP)
		return false;
	id = ntohs(ip->id);
	return id >= DF_IP_ID && id < DF_IP_ID + 16;
}

/*
 * Receive this test's frames on every member (no ring) until want of them
 * or the deadline; count[m] frames, lens[i] = length of the i-th. Returns
 * how many arrived, or -1 with errno when poll() or recv() failed.
 */
static int recv_all(struct fanout_group *g, unsigned int want, unsigned int *count,
		    size_t *lens, unsigned int nlens)
{
	int64_t deadline = psock_deadline(WAIT_MS);
	unsigned int got = 0;

	while (got < want) {
		int64_t left = deadline - psock_monotonic_ms();
		struct pollfd pfd[FANOUT_MEMBERS_MAX];
		int ready;

		if (left <= 0)
			break;
		for (unsigned int m = 0; m < g->n; m++)
			pfd[m] = (struct pollfd){ .fd = g->m[m].fd, .events = POLLIN };
		ready = poll(pfd, g->n, (int)left);
		if (ready < 0)
			return -1;
		for (unsigned int m = 0; ready && m < g->n; m++) {
			uint8_t buf[2048];
			ssize_t len;

			while ((len = recv(g->m[m].fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
				if (!defrag_frame(buf, (size_t)len))
					continue;
				if (got < nlens)
					lens[got] = len;
				count[m]++;
				got++;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
		}
	}
	return (int)got;
}

/*
 * LB | FLAG_DEFRAG, 2 members: 4 datagrams sent as 2 fragments each arrive
 * as 4 whole frames (14 + 20 + 8 + 200 bytes), round-robin from member 1:
 * ip_check_defrag() runs before fanout_demux_lb(), so the fragments never
 * reach a member and count once in the round-robin.
 */
TEST_F(defrag, lb_fragments_reassembled_one_frame_per_datagram)
{
	unsigned int count[FANOUT_MEMBERS_MAX] = { 0 };
	size_t lens[16];
	int got, err;

	ASSERT_EQ(0, fanout_group_open(&self->g, 2, 0, NULL, self->topo.ifindex0, ETH_P_IP, GID,
				       PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_DEFRAG));
	for (uint32_t d = 0; d < 4; d++) {
		ASSERT_EQ(0, send_fragments(&self->topo, d)) TH_LOG("%s", strerror(errno));
	}
	got = recv_all(&self->g, 4, count, lens, 16);
	err = errno;
	ASSERT_LE(0, got) TH_LOG("receive: %s", strerror(err));
	EXPECT_EQ(4, got);
	EXPECT_EQ(2, count[0]);
	EXPECT_EQ(2, count[1]);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(ETH_HLEN + 20 + 8 + DF_PAYLOAD, lens[i]) TH_LOG("frame %d", i);
	}
}

/* The same without FLAG_DEFRAG: 8 fragment frames, 4 per member, 118/118 bytes. */
TEST_F(defrag, lb_fragments_separate_without_flag)
{
	unsigned int count[FANOUT_MEMBERS_MAX] = { 0 };
	size_t lens[16];
	int got, err;

	ASSERT_EQ(0, fanout_group_open(&self->g, 2, 0, NULL, self->topo.ifindex0, ETH_P_IP, GID,
				       PACKET_FANOUT_LB));
	for (uint32_t d = 0; d < 4; d++) {
		ASSERT_EQ(0, send_fragments(&self->topo, d)) TH_LOG("%s", strerror(errno));
	}
	got = recv_all(&self->g, 8, count, lens, 16);
	err = errno;
	ASSERT_LE(0, got) TH_LOG("receive: %s", strerror(err));
	EXPECT_EQ(8, got);
	EXPECT_EQ(4, count[0]);
	EXPECT_EQ(4, count[1]);
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(ETH_HLEN + 20 + DF_FIRST, lens[i]) TH_LOG("frame %d", i);
	}
}

/* ---- FLAG_IGNORE_OUTGOING ---------------------------------------------- */

FIXTURE(outgoing) {
	struct netns_topo topo;
	struct fanout_group g;
	int member_of[NSEQ];
	unsigned int count[FANOUT_MEMBERS_MAX];
	int tx0;		/* sends out of psk0, towards psk1 */
};

FIXTURE_SETUP(outgoing)
{
	memset(&self->g, 0, sizeof(self->g));
	memset(self->count, 0, sizeof(self->count));
	for (int i = 0; i < NSEQ; i++)
		self->member_of[i] = -1;
	self->tx0 = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->tx0 = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, 0);
	ASSERT_LE(0, self->tx0);
}

FIXTURE_TEARDOWN(outgoing)
{
	fanout_teardown(&self->g, &self->topo, &self->tx0, 1);
}

/*
 * A group of 2 (LB) on psk1. psk1 sends 4 frames (seq 0-3, outgoing there)
 * and receives 4 from psk0 (seq 100-103). Returns how many tagged frames
 * the group got within the wait.
 *
 * dev_queue_xmit_nit() hands the group its copy of an outgoing frame
 * synchronously, inside send() (veth has no qdisc), and the incoming frames
 * are sent later, so once those 4 are in, a last drain has seen every
 * outgoing copy the group was given: the incoming frames end the wait, one
 * deadline for all of it.
 */
static unsigned int outgoing_run(struct __test_metadata *_metadata,
				 struct _test_data_outgoing *self, uint16_t flags)
{
	static const uint8_t mac0[] = NETNS_MAC0, mac1[] = NETNS_MAC1;
	struct frame_spec out = { .payload_len = 32 };
	struct frame_spec in = { .payload_len = 32, .dst = mac1, .src = mac0 };
	size_t skip = rx_payload_offset(SOCK_RAW, &out);
	int64_t deadline;
	unsigned int got = 0, incoming = 0;
	int rc, err;

	rc = fanout_group_open(&self->g, 2, 0, NULL, self->topo.ifindex1, ETH_P_ALL, GID,
			       PACKET_FANOUT_LB | flags);
	err = errno;
	ASSERT_EQ(0, rc) TH_LOG("fanout group: %s", strerror(err));
	ASSERT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, flags), fanout_word(self->g.m[0].fd));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &out, 0, 4))
		TH_LOG("send from psk1: %s", strerror(errno));
	for (uint32_t i = 0; i < 4; i++) {
		uint8_t buf[256];
		size_t len;

		in.seq = 100 + i;
		len = frame_build(buf, sizeof(buf), &in);
		ASSERT_EQ((ssize_t)len, send(self->tx0, buf, len, 0))
			TH_LOG("send from psk0: %s", strerror(errno));
	}
	deadline = psock_deadline(WAIT_MS);
	while (incoming < 4 && psock_monotonic_ms() < deadline) {
		rc = fanout_collect_until(&self->g, 1, deadline, skip, self->member_of, NSEQ,
					  self->count);
		err = errno;
		ASSERT_LE(0, rc) TH_LOG("receive: %s", strerror(err));
		got += rc;
		incoming = 0;
		for (int i = 0; i < 4; i++)
			incoming += self->member_of[100 + i] >= 0;
	}
	/* the last drain: a deadline already passed takes what is ready */
	rc = fanout_collect_until(&self->g, NSEQ, 0, skip, self->member_of, NSEQ, self->count);
	err = errno;
	ASSERT_LE(0, rc) TH_LOG("receive: %s", strerror(err));
	return got + rc;
}

/*
 * Without the flag, the group on psk1 sees its own outgoing frames
 * (dev_queue_xmit_nit(), pkt_type OUTGOING) as well as the incoming ones.
 */
TEST_F(outgoing, sent_frames_delivered_without_flag)
{
	EXPECT_EQ(8, outgoing_run(_metadata, self, 0));
	for (int i = 0; i < 4; i++) {
		EXPECT_LE(0, self->member_of[i]) TH_LOG("outgoing %d", i);
		EXPECT_LE(0, self->member_of[100 + i]) TH_LOG("incoming %d", i);
	}
	EXPECT_EQ(4, self->count[0]);
	EXPECT_EQ(4, self->count[1]);
}

/*
 * With PACKET_FANOUT_FLAG_IGNORE_OUTGOING only the 4 incoming frames arrive,
 * 2 per member: since Linux 6.2 ("net/packet: add
 * PACKET_FANOUT_FLAG_IGNORE_OUTGOING") fanout_add() sets the group hook's
 * ignore_outgoing, so dev_queue_xmit_nit() skips it. Older kernels take the
 * flag without acting on it (fanout_add() checks no flag bits, so no probe
 * can tell): there the case SKIPs naming the release, and says what the
 * kernel did (a backport shows). From 6.2 on it passes or fails.
 */
TEST_F(outgoing, ignore_outgoing_flag_drops_sent_frames)
{
	unsigned int got = outgoing_run(_metadata, self, PACKET_FANOUT_FLAG_IGNORE_OUTGOING);
	unsigned int out_seen = 0;

	for (int i = 0; i < 4; i++)
		out_seen += self->member_of[i] >= 0;
	PSOCK_SKIP_BEFORE(return, 6, 2,
			  "\"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\"",
			  out_seen ? "; this kernel still delivers the outgoing frames" :
				     "; this kernel drops the outgoing frames: backported");
	EXPECT_EQ(0, out_seen) TH_LOG("outgoing frames delivered despite the flag");
	EXPECT_EQ(4, got);
	for (int i = 0; i < 4; i++) {
		EXPECT_LE(0, self->member_of[100 + i]) TH_LOG("incoming %d", i);
	}
	EXPECT_EQ(2, self->count[0]);
	EXPECT_EQ(2, self->count[1]);
}

TEST_HARNESS_MAIN

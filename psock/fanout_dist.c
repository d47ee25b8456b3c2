// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT distribution: how the HASH, LB, CPU, QM and RND modes spread
 * the frames a device receives over the members of a group, with 2, 3 and
 * 4 members, on TPACKET_V2 and V3 rings and on the plain recv() path.
 *
 * packet_rcv_fanout() in net/packet/af_packet.c runs once per frame for the
 * whole group and hands the frame to member f->arr[idx] (members are in
 * join order; closing one moves the last into its place). The mode picks
 * idx:
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
 *  - RND   fanout_demux_rnd(): get_random_u32_below(M).
 * The other modes and flags have their own files: fanout_rollover.c
 * (ROLLOVER, FLAG_ROLLOVER), fanout_bpf.c (CBPF, EBPF), fanout_flags.c
 * (FLAG_DEFRAG, FLAG_IGNORE_OUTGOING); fanout_group.c has the joining rules.
 *
 * Test cases (<p> = v2, v3, none; <m> = m2, m3, m4):
 *   dist.<p>_<m>.hash_flow_and_reverse_on_one_member
 *   dist.<p>_<m>.hash_spreads_flows_over_all_members
 *   dist.<p>_<m>.lb_exact_round_robin
 *   dist.<p>_<m>.cpu_member_is_cpu_mod_members
 *   dist.<p>_<m>.qm_member_is_rx_queue_mod_members
 *   dist.<p>_<m>.rnd_chi_square
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "fanout.h"

#define GID 0x6a6a
/* Chi-square critical values at significance 1e-7 (df = M - 1 = 1, 2, 3). */
static const double chi2_crit_1e7[] = { 0, 28.37, 32.24, 35.41 };

static const struct netns_opts four_queues = { .queues = 4 };

FIXTURE(dist) {
	struct fanout_fixture f;
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
	memset(&self->observer, 0, sizeof(self->observer));
	self->observer_fd = -1;
	FANOUT_FIXTURE_SETUP(return, &self->f, &four_queues);
}

FIXTURE_TEARDOWN(dist)
{
	if (self->observer.map_base)
		munmap(self->observer.map_base, self->observer.map_len);
	fanout_teardown(&self->f.g, &self->f.topo, &self->observer_fd, 1);
}

/* The variant's group (members, ring version) on psk0, joined with type_flags. */
static void open_group(struct __test_metadata *_metadata, struct fanout_fixture *f,
		       const struct _fixture_variant_dist *variant, uint16_t proto,
		       uint16_t type_flags)
{
	ASSERT_FIXTURE_GROUP(f, variant->members, variant->version, NULL, proto, GID,
			     type_flags);
}

/*
 * Send specs[0..n-1] from psk1, frame i with seq i (all before reading:
 * n stays far below what a ring or receive buffer holds), then collect;
 * the case fails unless all n come back.
 */
static void send_specs_collect(struct __test_metadata *_metadata, struct fanout_fixture *f,
			       struct frame_spec *specs, unsigned int n)
{
	int got, err;

	for (unsigned int i = 0; i < n; i++) {
		specs[i].seq = i;
		ASSERT_LE(0, peer_send_spec(&f->topo, &specs[i]))
			TH_LOG("send frame %u from psk1: %s", i, strerror(errno));
	}
	got = fanout_collect(&f->g, n, PSOCK_WAIT_MS, rx_payload_offset(SOCK_RAW, &specs[0]),
			     f->member_of, FANOUT_NSEQ, f->count);
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

/*
 * The observer is drained after each chunk. A slow kernel (TCG) can retire
 * a block after its 2 ms with a single frame in it, so the ring holds a
 * chunk's 64 frames one per block, twice over.
 */
static const struct ring_geometry observer_ring = {
	.block_size = 4096, .block_nr = 128, .frame_size = 256,
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

/* Read the observer's copy of count frames: rxhash[seq] = hv1.tp_rxhash, seq < n. */
static void observer_rxhash(struct __test_metadata *_metadata, struct ring *r, size_t skip,
			    uint32_t *rxhash, unsigned int n, unsigned int count)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);

	for (unsigned int i = 0; i < count; i++) {
		int64_t left = deadline - psock_monotonic_ms();
		uint32_t seq = ~0u;
		struct tpacket3_hdr *h;

		/* left is scaled already: ring_next_tagged() scales its argument */
		h = ring_next_tagged(r, left > 0 ? (int)(left / psock_timeout_ms(1)) : 0, skip,
				     &seq);
		ASSERT_NE(NULL, h) TH_LOG("observer: %u of %u frames", i, count);
		ASSERT_GT(n, seq);
		rxhash[seq] = h->hv1.tp_rxhash;
		ring_release_frame(r, h);
	}
}

/*
 * HASH keeps both directions of each of 64 IPv6 flows, whose flow label
 * differs per direction, on one member, while the plain rx hash an
 * observer's V3 ring reports differs between the two directions; every
 * member gets a flow.
 */
TEST_F(dist, hash_flow_and_reverse_on_one_member)
{
	const struct frame_spec s6 = { .ip = 6, .payload_len = 32 };
	size_t skip = rx_payload_offset(SOCK_RAW, &s6);
	int64_t deadline = psock_deadline(2 * PSOCK_WAIT_MS);
	uint32_t rxhash[HF_FRAMES] = { 0 };
	unsigned int flows_on[FANOUT_MEMBERS_MAX] = { 0 };
	int got = 0, err;

	self->observer_fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->f.topo.ifindex0,
					    ETH_P_IPV6);
	err = errno;
	ASSERT_LE(0, self->observer_fd) TH_LOG("observer socket: %s", strerror(err));
	err = ring_open(&self->observer, self->observer_fd, PACKET_RX_RING, &observer_ring) ?
	      errno : 0;
	ASSERT_EQ(0, err) TH_LOG("observer ring: %s", strerror(err));
	open_group(_metadata, &self->f, variant, ETH_P_IPV6, PACKET_FANOUT_HASH);
	for (unsigned int f0 = 0; f0 < HF_FLOWS; f0 += HF_CHUNK) {
		int now;

		for (unsigned int i = 0; i < HF_CHUNK * 2 * HF_PER_DIR; i++) {
			uint8_t buf[256];
			size_t len = hash_flow6_frame(buf, sizeof(buf), f0 + i / (2 * HF_PER_DIR),
						      i % (2 * HF_PER_DIR));
			ssize_t sent;

			ASSERT_LT(0, len);
			sent = peer_send(&self->f.topo, buf, len);
			err = errno;
			ASSERT_EQ((ssize_t)len, sent) TH_LOG("send from psk1: %s", strerror(err));
		}
		now = fanout_collect_until(&self->f.g, HF_CHUNK * 2 * HF_PER_DIR, deadline, skip,
					   self->f.member_of, FANOUT_NSEQ, self->f.count);
		err = errno;
		ASSERT_LE(0, now) TH_LOG("receive: %s", strerror(err));
		got += now;
		observer_rxhash(_metadata, &self->observer, skip, rxhash, HF_FRAMES,
				HF_CHUNK * 2 * HF_PER_DIR);
	}
	ASSERT_EQ(HF_FRAMES, got);

	for (unsigned int f = 0; f < HF_FLOWS; f++) {
		const unsigned int first = f * 2 * HF_PER_DIR;
		int m = self->f.member_of[first];

		ASSERT_LE(0, m) TH_LOG("flow %u", f);
		flows_on[m]++;
		for (unsigned int j = 1; j < 2 * HF_PER_DIR; j++) {
			EXPECT_EQ(m, self->f.member_of[first + j])
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
		specs[f] = fanout_udp4_flow(20000 + 7 * f, 9000 + f);
	open_group(_metadata, &self->f, variant, ETH_P_IP, PACKET_FANOUT_HASH);
	send_specs_collect(_metadata, &self->f, specs, flows);
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_LT(0, self->f.count[m]) TH_LOG("member %u got no flow", m);
	}
}

/* LB: frame i goes to member (i + 1) % M; k * M frames -> exactly k each. */
TEST_F(dist, lb_exact_round_robin)
{
	const unsigned int k = 6, n = k * variant->members;
	struct frame_spec s = { .payload_len = 32 };

	open_group(_metadata, &self->f, variant, ETH_P_PSOCK, PACKET_FANOUT_LB);
	ASSERT_FIXTURE_SEND_COLLECT(&self->f, &s, 0, n);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ((int)((i + 1) % variant->members), self->f.member_of[i])
			TH_LOG("frame %u", i);
	}
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_EQ(k, self->f.count[m]) TH_LOG("member %u", m);
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
	open_group(_metadata, &self->f, variant, ETH_P_PSOCK, PACKET_FANOUT_CPU);
	for (int c = 0; c < CPU_SETSIZE && seq + k <= FANOUT_NSEQ; c++) {
		if (!CPU_ISSET(c, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		memset(self->f.count, 0, sizeof(self->f.count));
		ASSERT_FIXTURE_SEND_COLLECT(&self->f, &s, seq, k);
		EXPECT_EQ(k, self->f.count[c % variant->members]) TH_LOG("cpu %d", c);
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
	open_group(_metadata, &self->f, variant, ETH_P_PSOCK, PACKET_FANOUT_QM);
	for (unsigned int q = 0; q < queues; q++) {
		for (unsigned int x = 0; x < queues; x++) {
			int rc = write_xps(x, x == q ? 1ull << cpu : 0), err = errno;

			ASSERT_EQ(0, rc) TH_LOG("xps_cpus of tx-%u: %s", x, strerror(err));
		}
		memset(self->f.count, 0, sizeof(self->f.count));
		ASSERT_FIXTURE_SEND_COLLECT(&self->f, &s, q * k, k);
		EXPECT_EQ(k, self->f.count[q % variant->members]) TH_LOG("queue %u", q);
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

	open_group(_metadata, &self->f, variant, ETH_P_PSOCK, PACKET_FANOUT_RND);
	ASSERT_FIXTURE_SEND_COLLECT(&self->f, &s, 0, n);
	for (unsigned int m = 0; m < variant->members; m++) {
		EXPECT_LT(0, self->f.count[m]) TH_LOG("member %u got nothing", m);
		chi2 += (self->f.count[m] - e) * (self->f.count[m] - e) / e;
	}
	EXPECT_GT(chi2_crit_1e7[variant->members - 1], chi2)
		TH_LOG("chi-square %.2f, counts %u %u %u %u", chi2, self->f.count[0],
		       self->f.count[1], self->f.count[2], self->f.count[3]);
}

TEST_HARNESS_MAIN

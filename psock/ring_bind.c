// SPDX-License-Identifier: GPL-2.0
/*
 * Which frames reach a ring at all: delivery is decided by the bind
 * (packet_do_bind(), register_prot_hook() in net/packet/af_packet.c).
 *
 *  - A socket created with protocol 0 is not hooked into the stack
 *    (packet_create() registers the hook only for a protocol) and receives
 *    nothing until it is bound with a protocol; bind() with protocol 0
 *    keeps it unhooked.
 *  - Binding after the ring was set up is fine: the ring receives from the
 *    bind on.
 *  - A socket bound to one interface sees only that interface's frames
 *    (packet_rcv() / tpacket_rcv() are reached through the device's
 *    ptype list): not psk1's outgoing copies, not lo's.
 *  - A socket bound to no device (ifindex 0) hears every device of its
 *    own namespace and nothing of another: ETH_P_ALL with outgoing copies,
 *    a protocol only arrivals. Since Linux 6.15 such hooks sit on
 *    per-namespace lists; before, the global list's packet_rcv() /
 *    tpacket_rcv() dropped other namespaces' frames: the same frames.
 *
 * Test cases (<v> = v1, v2, v3):
 *   ring_bind.<v>.bind_after_ring_receives
 *   ring_bind.<v>.protocol_zero_receives_nothing_until_bound
 *   ring_bind.<v>.bound_to_psk0_sees_only_psk0
 *   ring_netns.<proto>.any_device_socket_hears_only_its_namespace
 *     (<proto> = eth_p_all, eth_p_psock)
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"
#include "tx.h"

FIXTURE(ring_bind) {
	struct netns_topo topo;
	int fd;			/* the socket with the ring, opened by the case */
	int other[2];		/* witnesses a case opens, -1 if none */
	struct ring ring;
};

FIXTURE_VARIANT(ring_bind) {
	int version;
};

FIXTURE_VARIANT_ADD(ring_bind, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(ring_bind, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(ring_bind, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(ring_bind)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = self->other[0] = self->other[1] = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	/* Pinned, frames from psk1 are received in the order they were sent. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ring_bind)
{
	if (self->ring.map_base)
		EXPECT_EQ(0, munmap(self->ring.map_base, self->ring.map_len));
	TX_EXPECT_CLOSE_ALL(self->fd, self->other[0], self->other[1]);
	netns_teardown(&self->topo);
}

static const struct frame_spec small_frame = { .payload_len = 64 };

/* Expect the ring's next tagged frame to be seq; hand it back. */
static void expect_seq(struct __test_metadata *_metadata, struct ring *r, uint32_t seq)
{
	uint32_t got = ~0u;
	void *f = ring_next_tagged(r, PSOCK_WAIT_MS, ETH_HLEN, &got);

	ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms)", seq, strerror(errno), PSOCK_WAIT_MS);
	EXPECT_EQ(seq, got);
	ring_release_frame(r, f);
}

/* The ring must be empty: a marker sent now is the next frame stored. */
static void expect_only_marker_next(struct __test_metadata *_metadata,
				    struct netns_topo *topo, struct ring *r,
				    uint32_t marker)
{
	ASSERT_EQ(0, peer_send_burst(topo, &small_frame, marker, 1));
	expect_seq(_metadata, r, marker);
}

/* An unbound SOCK_RAW socket (protocol 0) of the variant's version with a ring_small RX ring. */
static void unbound_ring(struct __test_metadata *_metadata, struct _test_data_ring_bind *self,
			 int version)
{
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, psock_set_version(self->fd, version));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small))
		TH_LOG("RX ring: %s", strerror(errno));
}

/* A ring set up before bind() receives once the socket is bound. */
TEST_F(ring_bind, bind_after_ring_receives)
{
	unbound_ring(_metadata, self, variant->version);
	ASSERT_EQ(0, psock_bind(self->fd, self->topo.ifindex0, ETH_P_PSOCK));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 3));
	expect_seq(_metadata, &self->ring, 1);
	expect_seq(_metadata, &self->ring, 2);
	expect_seq(_metadata, &self->ring, 3);
}

/*
 * Protocol 0 (at socket() and at bind()) registers no hook: nothing is
 * stored. A second socket bound to the same frames proves they were
 * delivered; after binding with a protocol the next frame is the first one
 * the ring holds.
 */
TEST_F(ring_bind, protocol_zero_receives_nothing_until_bound)
{
	uint8_t buf[256];
	int witness;

	self->other[0] = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	witness = self->other[0];
	ASSERT_LE(0, witness) TH_LOG("witness socket: %s", strerror(errno));
	unbound_ring(_metadata, self, variant->version);
	ASSERT_EQ(0, psock_bind(self->fd, self->topo.ifindex0, 0));

	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 2));
	for (uint32_t want = 1; want <= 2; want++) {
		uint32_t seq = ~0u;
		ssize_t n = tx_sink_next(witness, buf, sizeof(buf), ETH_HLEN, &seq, NULL, PSOCK_WAIT_MS);

		ASSERT_EQ(ETH_HLEN + 64, n) TH_LOG("witness, frame %u: %s", want,
						   n ? strerror(errno) : "timeout");
		EXPECT_EQ(want, seq);
	}

	ASSERT_EQ(0, psock_bind(self->fd, self->topo.ifindex0, ETH_P_PSOCK));
	expect_only_marker_next(_metadata, &self->topo, &self->ring, 3);
}

/* Send tagged frame seq out of lo (a loopback frame still has an Ethernet header). */
static void send_on_lo(struct __test_metadata *_metadata, int lo_fd, uint32_t seq)
{
	static const uint8_t zero[6];
	struct tx_frame f;

	TX_FRAME(&f, .dst = zero, .src = zero, .payload_len = 64, .seq = seq);
	ASSERT_EQ((ssize_t)f.len, send(lo_fd, f.wire, f.len, 0))
		TH_LOG("send on lo: %s", strerror(errno));
}

/*
 * Bound to psk0 with ETH_P_ALL, the ring sees each frame arriving on psk0
 * once (sll_ifindex psk0, not PACKET_OUTGOING) and never psk1's outgoing
 * copy nor frames on lo, though an unbound ETH_P_ALL socket sees all three.
 */
TEST_F(ring_bind, bound_to_psk0_sees_only_psk0)
{
	char why[256];
	uint8_t buf[256];
	int all, lo;
	bool seen_lo = false, seen_psk1 = false;
	int64_t deadline;

	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("socket on psk0: %s", strerror(errno));
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set lo up"))
		TH_LOG("%s", why);
	all = self->other[0] = psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);
	lo = self->other[1] = psock_rx_socket(SOCK_RAW, 0, 1, ETH_P_PSOCK);
	ASSERT_LE(0, all) TH_LOG("unbound socket: %s", strerror(errno));
	ASSERT_LE(0, lo) TH_LOG("socket on lo: %s", strerror(errno));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));

	send_on_lo(_metadata, lo, 1);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 2, 1));

	/* The unbound socket proves both were delivered somewhere. */
	deadline = psock_deadline(PSOCK_WAIT_MS);
	while (!(seen_lo && seen_psk1)) {
		struct sockaddr_ll sll;
		socklen_t alen = sizeof(sll);
		uint32_t seq;
		ssize_t n;

		ASSERT_EQ(1, psock_wait_until(all, POLLIN, deadline))
			TH_LOG("within %d ms: lo %d psk1 %d (%s)", PSOCK_WAIT_MS, seen_lo, seen_psk1,
			       strerror(errno));
		n = recvfrom(all, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sll, &alen);
		ASSERT_LT(0, n) TH_LOG("recvfrom: %s", strerror(errno));
		if (n <= ETH_HLEN || !frame_tag(buf + ETH_HLEN, n - ETH_HLEN, &seq))
			continue;
		if (seq == 1 && sll.sll_ifindex == 1)
			seen_lo = true;
		if (seq == 2 && sll.sll_ifindex == self->topo.ifindex1 &&
		    sll.sll_pkttype == PACKET_OUTGOING)
			seen_psk1 = true;
	}

	/* The ring: frame 2 as received on psk0, then the marker, nothing else. */
	{
		struct frame_view v;
		uint32_t seq = ~0u;
		void *f = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, ETH_HLEN, &seq);

		ASSERT_NE(NULL, f) TH_LOG("frame 2: %s", strerror(errno));
		EXPECT_EQ(2u, seq);
		frame_view(&self->ring, f, &v);
		EXPECT_EQ(self->topo.ifindex0, v.sll->sll_ifindex);
		EXPECT_EQ(PACKET_HOST, v.sll->sll_pkttype);
		ring_release_frame(&self->ring, f);
	}
	expect_only_marker_next(_metadata, &self->topo, &self->ring, 3);
}

/* ---- sockets bound to no device, one per namespace -------------------- */

FIXTURE(ring_netns) {
	struct netns_topo topo;
	int fd[2];		/* [0] in the main namespace, [1] in psk1's */
	struct ring ring[2];
	int tx;			/* sends out of psk0 */
};

FIXTURE_VARIANT(ring_netns) {
	uint16_t proto;
};

FIXTURE_VARIANT_ADD(ring_netns, eth_p_all) { .proto = ETH_P_ALL };
FIXTURE_VARIANT_ADD(ring_netns, eth_p_psock) { .proto = ETH_P_PSOCK };

struct any_dev_ring {
	struct ring *ring;
	uint16_t proto;
};

/* A V2 SOCK_RAW socket bound to no device (ifindex 0) with a ring_small ring. */
static int open_any_dev_ring(void *p)
{
	struct any_dev_ring *a = p;

	return ring_rx_open(a->ring, SOCK_RAW, TPACKET_V2, 0, a->proto, &ring_small);
}

/*
 * psk1 in a namespace of its own; in each namespace a ring bound to no
 * device with the variant's protocol. Pinned, so frames are handled in the
 * order they are sent (each send runs the receive softirq before it returns).
 */
FIXTURE_SETUP(ring_netns)
{
	const struct netns_opts opts = { .peer_netns = true };
	struct any_dev_ring a = { .proto = variant->proto };

	memset(self->ring, 0, sizeof(self->ring));
	self->fd[0] = self->fd[1] = self->tx = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
	a.ring = &self->ring[0];
	self->fd[0] = open_any_dev_ring(&a);
	ASSERT_LE(0, self->fd[0]) TH_LOG("ring in the main namespace: %s", strerror(errno));
	a.ring = &self->ring[1];
	self->fd[1] = netns_in_peer(&self->topo, open_any_dev_ring, &a);
	ASSERT_LE(0, self->fd[1]) TH_LOG("ring in psk1's namespace: %s", strerror(errno));
	self->tx = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->tx) TH_LOG("sending socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ring_netns)
{
	for (int i = 0; i < 2; i++)
		if (self->ring[i].map_base)
			EXPECT_EQ(0, munmap(self->ring[i].map_base, self->ring[i].map_len));
	TX_EXPECT_CLOSE_ALL(self->fd[0], self->fd[1], self->tx);
	netns_teardown(&self->topo);
}

/* One frame a ring must hold next: its tag, device and sll_pkttype. */
struct seen_at {
	uint32_t seq;
	int ifindex;
	int pkttype;
};

static void expect_frames(struct __test_metadata *_metadata, struct ring *r, const char *ns,
			  const struct seen_at *want, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct frame_view v;
		uint32_t seq = ~0u;
		void *f = ring_next_tagged(r, PSOCK_WAIT_MS, ETH_HLEN, &seq);

		ASSERT_NE(NULL, f) TH_LOG("%s namespace, frame %u: %s (waited %d ms)", ns,
					  want[i].seq, strerror(errno), PSOCK_WAIT_MS);
		frame_view(r, f, &v);
		EXPECT_EQ(want[i].seq, seq) TH_LOG("%s namespace, frame %u of %u", ns, i + 1, n);
		EXPECT_EQ(want[i].ifindex, v.sll->sll_ifindex) TH_LOG("%s namespace, frame %u", ns,
								       seq);
		EXPECT_EQ(want[i].pkttype, v.sll->sll_pkttype) TH_LOG("%s namespace, frame %u", ns,
								       seq);
		ring_release_frame(r, f);
	}
}

/*
 * A socket bound to no device hears every device of its own namespace and
 * none of another's (its hook is on the namespace's list since Linux 6.15,
 * "net: introduce per netns packet chains"; before, on a global list, and
 * packet_rcv()/tpacket_rcv() dropped frames of another namespace). Frames 1
 * and 3 go out of psk0, 2 out of psk1. ETH_P_ALL: the main namespace sees
 * psk0's outgoing copies of 1 and 3 and the arrival of 2, psk1's namespace
 * the arrivals of 1 and 3 and psk1's outgoing copy of 2. A protocol hook
 * gets no outgoing copies (dev_queue_xmit_nit() serves taps only): 2 in the
 * main namespace, 1 and 3 in psk1's.
 */
TEST_F(ring_netns, any_device_socket_hears_only_its_namespace)
{
	const int if0 = self->topo.ifindex0, if1 = self->topo.ifindex1;
	const struct seen_at all_main[] = {
		{ 1, if0, PACKET_OUTGOING }, { 2, if0, PACKET_HOST }, { 3, if0, PACKET_OUTGOING },
	};
	const struct seen_at all_peer[] = {
		{ 1, if1, PACKET_HOST }, { 2, if1, PACKET_OUTGOING }, { 3, if1, PACKET_HOST },
	};
	const struct seen_at proto_main[] = { { 2, if0, PACKET_HOST } };
	const struct seen_at proto_peer[] = { { 1, if1, PACKET_HOST }, { 3, if1, PACKET_HOST } };
	bool all = variant->proto == ETH_P_ALL;
	struct tx_frame f;

	for (uint32_t seq = 1; seq <= 3; seq++) {
		if (seq == 2) {
			ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 2, 1))
				TH_LOG("send out of psk1: %s", strerror(errno));
			continue;
		}
		TX_FRAME(&f, .payload_len = 64, .seq = seq);
		ASSERT_EQ((ssize_t)f.len, send(self->tx, f.wire, f.len, 0))
			TH_LOG("send out of psk0: %s", strerror(errno));
	}
	expect_frames(_metadata, &self->ring[0], "main", all ? all_main : proto_main,
		      all ? 3 : 1);
	expect_frames(_metadata, &self->ring[1], "psk1's", all ? all_peer : proto_peer,
		      all ? 3 : 2);
}

TEST_HARNESS_MAIN

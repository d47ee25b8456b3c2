// SPDX-License-Identifier: GPL-2.0
/*
 * A packet socket belongs to the network namespace it was created in.
 *
 * packet_create() (net/packet/af_packet.c, Linux 6.12) ties the socket to the creating
 * task's namespace (sk_alloc(net, ...)) and adds it to that namespace's
 * socket list. The rules that follow:
 *  - a hook for every device (ifindex 0) with ETH_P_ALL sits on a list the
 *    core walks for the frames of every namespace (register_prot_hook(),
 *    dev_add_pack()), and the receive functions drop what belongs to
 *    another one: packet_rcv() and tpacket_rcv() check
 *    net_eq(dev_net(dev), sock_net(sk)) first. So neither frames arriving
 *    nor the copies of frames going out in another namespace, not even on
 *    its lo, come in. SOCK_PACKET's hook is on that list too, and
 *    packet_rcv_spkt() makes the same check; so is an unbound fanout
 *    group's, and packet_rcv_fanout() checks the group's namespace before
 *    it picks a member;
 *  - packet_do_bind() looks the ifindex up in the socket's namespace
 *    (dev_get_by_index_rcu(sock_net(sk), ...)), and packet_snd() the
 *    sll_ifindex of a sendto(): a socket opened in namespace A and used
 *    after the process moved to namespace B still binds to, receives from
 *    and sends on A's devices, while a socket opened in B cannot name them
 *    (ENODEV, ENXIO);
 *  - /proc/net/packet lists the sockets of the reader's namespace
 *    (packet_seq_show() walks net->packet.sklist): after the move, the
 *    socket from A is not in it.
 *
 * The namespaces: A holds psk0 (ifindex 10) and its lo, B holds psk1
 * (ifindex 11) and its lo; the indexes differ, so an index of one
 * namespace names no device in the other.
 *
 * Test cases:
 *   isolation.eth_p_all_sees_only_its_namespace
 *   isolation.moved_process_socket_receives_on_a
 *   isolation.moved_process_socket_sends_on_a
 *   isolation.sock_packet_sees_only_its_namespace
 *   isolation.fanout_group_sees_only_its_namespace
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "fanout.h"
#include "proc_packet.h"
#include "rx_expect.h"
#include "stats.h"
#include "tx.h"

/* A test frame: Ethernet header + 64 bytes (78 on the wire, 64 for SOCK_DGRAM). */
#define PAYLOAD 64
#define RAW_LEN (ETH_HLEN + PAYLOAD)

/* ARPHRD_ETHER, literal. */
#define HATYPE_ETHER 1

#define LO_IFINDEX 1

static const struct netns_opts two_namespaces = { .peer_netns = true };
static const uint8_t zero_mac[6];

#define NFDS 8

FIXTURE(isolation) {
	struct netns_topo topo;
	int fd[NFDS];
};

FIXTURE_SETUP(isolation)
{
	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, &two_namespaces);
	/* Pinned (threads made later inherit it): frames arrive in the order sent. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
}

FIXTURE_TEARDOWN(isolation)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/* netns_in_peer() callbacks: sockets created in B. */
static int all_devices_socket(void *unused)
{
	(void)unused;
	return psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);
}

static int lo_sender(void *unused)
{
	(void)unused;
	return tx_socket(SOCK_RAW, 0, LO_IFINDEX);
}

/* Case step: frame seq out of lo through tx (source and destination MAC zero). */
#define LO_SEND(tx, seq_) do {							\
	const struct frame_spec spec_ = { .dst = zero_mac, .src = zero_mac,	\
					  .seq = (seq_), .payload_len = PAYLOAD };	\
	ASSERT_EQ(RAW_LEN, rx_send_out((tx), &spec_))				\
		TH_LOG("send %u on lo: %s", (seq_), strerror(errno));		\
} while (0)

/* Case step: frame seq next on fd (type), seen on ifindex as pkttype. */
#define EXPECT_SEEN(fd, type_, seq_, ifindex_, pkttype_)			\
	ASSERT_RX_NEXT((fd), .type = (type_), .seq = (seq_),			\
		       .len = (type_) == SOCK_RAW ? RAW_LEN : PAYLOAD,		\
		       .ifindex = (ifindex_), .pkttype = (pkttype_),		\
		       .protocol = ETH_P_PSOCK)

/*
 * ETH_P_ALL on every device, in A (SOCK_RAW, SOCK_DGRAM) and in B
 * (SOCK_RAW): frames crossing the veth pair are seen on each side once, on
 * that side's device (arriving on one, going out on the other); frames on
 * one namespace's lo only in that namespace. A frame of the other
 * namespace would have come before the next one expected.
 */
TEST_F(isolation, eth_p_all_sees_only_its_namespace)
{
	const int if0 = self->topo.ifindex0, if1 = self->topo.ifindex1;
	int a[2], b, a_tx, a_lo, b_lo;

	a[0] = self->fd[0] = psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);
	a[1] = self->fd[1] = psock_rx_socket(SOCK_DGRAM, 0, 0, ETH_P_ALL);
	a_tx = self->fd[2] = tx_socket(SOCK_RAW, 0, if0);
	a_lo = self->fd[3] = tx_socket(SOCK_RAW, 0, LO_IFINDEX);
	b = self->fd[4] = netns_in_peer(&self->topo, all_devices_socket, NULL);
	b_lo = self->fd[5] = netns_in_peer(&self->topo, lo_sender, NULL);
	for (int i = 0; i < 6; i++) {
		ASSERT_LE(0, self->fd[i]) TH_LOG("socket %d: %s", i, strerror(errno));
	}

	/* 1: psk1 (B) -> psk0 (A) */
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	EXPECT_SEEN(a[0], SOCK_RAW, 1, if0, PACKET_HOST);
	EXPECT_SEEN(a[1], SOCK_DGRAM, 1, if0, PACKET_HOST);
	EXPECT_SEEN(b, SOCK_RAW, 1, if1, PACKET_OUTGOING);
	/* 2: B's lo, out and back in */
	LO_SEND(b_lo, 2);
	EXPECT_SEEN(b, SOCK_RAW, 2, LO_IFINDEX, PACKET_OUTGOING);
	EXPECT_SEEN(b, SOCK_RAW, 2, LO_IFINDEX, PACKET_HOST);
	/* 3: psk0 (A) -> psk1 (B) */
	ASSERT_SEND_OUT(a_tx, 3, PAYLOAD);
	EXPECT_SEEN(a[0], SOCK_RAW, 3, if0, PACKET_OUTGOING);
	EXPECT_SEEN(a[1], SOCK_DGRAM, 3, if0, PACKET_OUTGOING);
	EXPECT_SEEN(b, SOCK_RAW, 3, if1, PACKET_HOST);
	/* 4: A's lo */
	LO_SEND(a_lo, 4);
	for (int i = 0; i < 2; i++) {
		int type = i ? SOCK_DGRAM : SOCK_RAW;

		EXPECT_SEEN(a[i], type, 4, LO_IFINDEX, PACKET_OUTGOING);
		EXPECT_SEEN(a[i], type, 4, LO_IFINDEX, PACKET_HOST);
	}
	/* 5: psk1 -> psk0 again: the last frame on every socket */
	ASSERT_PEER_SEND(&self->topo, 5, 0, PAYLOAD);
	EXPECT_SEEN(a[0], SOCK_RAW, 5, if0, PACKET_HOST);
	EXPECT_SEEN(a[1], SOCK_DGRAM, 5, if0, PACKET_HOST);
	EXPECT_SEEN(b, SOCK_RAW, 5, if1, PACKET_OUTGOING);
	ASSERT_RX_NONE(a[0]);
	ASSERT_RX_NONE(a[1]);
	ASSERT_RX_NONE(b);
}

/*
 * SOCK_PACKET too: its ETH_P_ALL hook is on the list of every namespace,
 * and packet_rcv_spkt() drops a frame of another one (the net_eq() check).
 * A SOCK_PACKET socket in A gets a frame psk1 (B) sends once, as it
 * arrives on psk0 (spkt_device "psk0"), not B's outgoing copy, which was
 * offered to it before the frame crossed the pair.
 */
TEST_F(isolation, sock_packet_sees_only_its_namespace)
{
	struct sockaddr_pkt from;
	socklen_t alen = sizeof(from);
	uint8_t buf[256];
	unsigned char pkttype;
	uint32_t seq = ~0u;
	int a;

	a = self->fd[0] = socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL));
	ASSERT_LE(0, a) TH_LOG("SOCK_PACKET socket: %s", strerror(errno));
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	ASSERT_EQ(1, psock_wait(a, POLLIN, PSOCK_WAIT_MS)) TH_LOG("frame 1: %s", strerror(errno));
	/* the first frame queued is the one from psk0, tagged 1 */
	ASSERT_EQ(RAW_LEN, recvfrom(a, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				    &alen)) TH_LOG("recvfrom: %s", strerror(errno));
	EXPECT_TRUE(frame_tag(buf + ETH_HLEN, PAYLOAD, &seq));
	EXPECT_EQ(1, seq);
	EXPECT_STREQ(NETNS_IF0, (const char *)from.spkt_device);
	ASSERT_RX_NONE(a);
	/* and it still receives: frame 2 the same way */
	ASSERT_PEER_SEND(&self->topo, 2, 0, PAYLOAD);
	ASSERT_EQ(0, rx_next_tagged(a, PSOCK_WAIT_MS, &seq, &pkttype))
		TH_LOG("frame 2: %s", strerror(errno));
	EXPECT_EQ(2, seq);
	ASSERT_RX_NONE(a);
}

/*
 * A fanout group's hook is one for all its members; unbound and ETH_P_ALL
 * it sits on the list the core walks for every namespace, like a single
 * socket's, and packet_rcv_fanout() drops a frame of another namespace
 * before it picks a member (net_eq(dev_net(dev), f->net)). LB makes the
 * pick visible: fanout_demux_lb() counts every frame it is given
 * (rr_cur), so a frame of B that reached the demux would move the round
 * robin even though the member's packet_rcv() then drops it. A group of
 * two in A: each frame psk1 sends from B goes out there first (B's
 * outgoing copy, offered to A's hook and dropped) and then arrives on
 * psk0; the four arrivals go to members 1, 0, 1, 0, as in a namespace of
 * their own (fanout_dist's lb_exact_round_robin).
 */
TEST_F(isolation, fanout_group_sees_only_its_namespace)
{
	static struct fanout_fixture f;
	struct frame_spec s = { .payload_len = PAYLOAD };
	const unsigned int n = 4;

	fanout_fixture_reset(&f);
	ASSERT_EQ(0, fanout_group_open(&f.g, 2, 0, NULL, 0, ETH_P_ALL, 7, PACKET_FANOUT_LB))
		TH_LOG("a group of two on every device: %s", strerror(errno));
	for (unsigned int m = 0; m < 2; m++)
		self->fd[m] = f.g.m[m].fd;
	ASSERT_SEND_COLLECT(&self->topo, &f.g, &s, 1, n, f.member_of, FANOUT_NSEQ, f.count);
	for (unsigned int i = 1; i <= n; i++) {
		EXPECT_EQ((int)(i % 2), f.member_of[i]) TH_LOG("frame %u", i);
	}
	for (unsigned int m = 0; m < 2; m++) {
		EXPECT_EQ(2u, f.count[m]) TH_LOG("member %u", m);
		ASSERT_RX_NONE(self->fd[m]);
	}
}

/* Move this (single-threaded) process into B; check it is there. */
static void move_to_b(struct __test_metadata *_metadata, struct netns_topo *topo)
{
	ASSERT_EQ(0, setns(topo->ns_peer, CLONE_NEWNET)) TH_LOG("setns(B): %s", strerror(errno));
	ASSERT_EQ(0, if_nametoindex(NETNS_IF0)) TH_LOG("psk0 visible after the move");
	ASSERT_EQ(topo->ifindex1, (int)if_nametoindex(NETNS_IF1));
}

/*
 * Sockets opened in A, bound after the process moved to B: the bind to
 * psk0's index resolves in A, getsockname() names psk0 (its MAC), a frame
 * arriving on psk0 comes in; a socket opened in B is ENODEV for that index;
 * B's /proc/net/packet does not list the sockets from A.
 */
TEST_F(isolation, moved_process_socket_receives_on_a)
{
	static const uint8_t mac0[6] = NETNS_MAC0;
	static const int types[2] = { SOCK_RAW, SOCK_DGRAM };
	struct proc_packet_row row;
	int in_b;

	for (int i = 0; i < 2; i++) {
		self->fd[i] = psock_socket(types[i], 0);
		ASSERT_LE(0, self->fd[i]) TH_LOG("socket in A: %s", strerror(errno));
	}
	move_to_b(_metadata, &self->topo);
	in_b = self->fd[2] = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, in_b) TH_LOG("socket in B: %s", strerror(errno));
	EXPECT_ERRNO(ENODEV, psock_bind(in_b, self->topo.ifindex0, ETH_P_PSOCK));
	for (int i = 0; i < 2; i++) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(sll);

		ASSERT_EQ(0, psock_bind(self->fd[i], self->topo.ifindex0, ETH_P_PSOCK))
			TH_LOG("bind to A's psk0 from B: %s", strerror(errno));
		ASSERT_EQ(0, getsockname(self->fd[i], (struct sockaddr *)&sll, &len));
		EXPECT_EQ(18, len);
		EXPECT_EQ(self->topo.ifindex0, sll.sll_ifindex);
		EXPECT_EQ(HATYPE_ETHER, sll.sll_hatype);
		EXPECT_EQ(0, memcmp(mac0, sll.sll_addr, 6));
		EXPECT_ERRNO(ENOENT, proc_packet_row_of(self->fd[i], &row));
	}
	ASSERT_EQ(0, proc_packet_row_of(in_b, &row)) TH_LOG("B's socket: %s", strerror(errno));
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	for (int i = 0; i < 2; i++) {
		EXPECT_SEEN(self->fd[i], types[i], 1, self->topo.ifindex0, PACKET_HOST);
		ASSERT_RX_NONE(self->fd[i]);
	}
}

/*
 * Sockets opened in A, sending after the process moved to B: send() on the
 * one bound to psk0 and sendto(psk0's index) on an unbound SOCK_DGRAM one
 * leave through psk0 and arrive on psk1; the same sendto() from a socket
 * opened in B is ENXIO.
 */
TEST_F(isolation, moved_process_socket_sends_on_a)
{
	static const uint8_t mac1[6] = NETNS_MAC1;
	const struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, mac1);
	struct tx_frame f;
	int raw, dgram, sink, in_b;

	raw = self->fd[0] = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	dgram = self->fd[1] = psock_socket(SOCK_DGRAM, 0);
	ASSERT_LE(0, raw) TH_LOG("socket in A: %s", strerror(errno));
	ASSERT_LE(0, dgram) TH_LOG("socket in A: %s", strerror(errno));
	move_to_b(_metadata, &self->topo);
	sink = self->fd[2] = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex1, ETH_P_PSOCK);
	in_b = self->fd[3] = psock_socket(SOCK_DGRAM, 0);
	ASSERT_LE(0, sink) TH_LOG("socket on psk1 in B: %s", strerror(errno));
	ASSERT_LE(0, in_b) TH_LOG("socket in B: %s", strerror(errno));

	ASSERT_SEND_OUT(raw, 1, PAYLOAD);
	EXPECT_SEEN(sink, SOCK_RAW, 1, self->topo.ifindex1, PACKET_HOST);
	TX_FRAME(&f, .seq = 2, .payload_len = PAYLOAD);
	EXPECT_EQ(PAYLOAD, sendto(dgram, f.wire + ETH_HLEN, PAYLOAD, 0,
				  (const struct sockaddr *)&to, sizeof(to)))
		TH_LOG("sendto from A's SOCK_DGRAM socket: %s", strerror(errno));
	EXPECT_SEEN(sink, SOCK_RAW, 2, self->topo.ifindex1, PACKET_HOST);
	EXPECT_ERRNO(ENXIO, sendto(in_b, f.wire + ETH_HLEN, PAYLOAD, 0,
				   (const struct sockaddr *)&to, sizeof(to)));
	ASSERT_RX_NONE(sink);
}

TEST_HARNESS_MAIN

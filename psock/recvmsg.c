// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a packet socket without a ring: recvmsg() and its flags, the
 * address it fills in, and the queue ioctls. packet_recvmsg() and
 * packet_ioctl() in net/packet/af_packet.c:
 *
 *  - packet_recvmsg() takes MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC and
 *    MSG_ERRQUEUE (and the kernel-internal MSG_CMSG_COMPAT); any other flag
 *    is EINVAL before the queue is looked at, so the frame stays queued.
 *    That includes MSG_OOB, MSG_WAITALL and MSG_CMSG_CLOEXEC, which the
 *    recvmsg() syscall passes on to the protocol;
 *  - MSG_PEEK copies the frame and leaves it at the head of the queue;
 *  - a buffer shorter than the frame gets the first bytes, the rest of the
 *    frame is dropped, and msg_flags has MSG_TRUNC; recvmsg() returns the
 *    bytes copied, or with MSG_TRUNC in the flags the whole frame's length
 *    (skb->len: from the link header on SOCK_RAW, from the network header
 *    on SOCK_DGRAM);
 *  - the address is a struct sockaddr_ll; msg_namelen is
 *    offsetof(sll_addr) + sll_halen = 18 for Ethernet, raised to
 *    sizeof(struct sockaddr_ll) = 20 with sll_addr's last two bytes zeroed.
 *    A caller's msg_namelen shorter than that gets as many bytes and is
 *    set to 20 (move_addr_to_user()); a longer buffer is written only up
 *    to 20;
 *  - a buffer the kernel cannot write fails the copy with EFAULT, and the
 *    frame, already dequeued, is gone (skb_copy_datagram_msg(), out_free);
 *  - frames the core loops back to this host (a multicast datagram sent
 *    with IP_MULTICAST_LOOP: dev_loopback_xmit() marks the copy
 *    PACKET_LOOPBACK) never reach a packet socket: packet_rcv() and
 *    packet_rcv_spkt() drop them first, so only the outgoing copy is seen;
 *  - SIOCINQ is the length of the frame at the head of the receive queue
 *    (skb->len, the length recv() would return), 0 when it is empty;
 *    SIOCOUTQ is the send-buffer bytes in flight (sk_wmem_alloc): received
 *    frames do not count, and a frame sent across veth stays charged to the
 *    sender until the other end's receive path frees it (veth does not
 *    orphan it within one namespace), then SIOCOUTQ is 0 again. Frames held
 *    longer (a qdisc) are tx_inflight.c's.
 *
 * Test cases (<type> = raw / dgram):
 *   rcv.<type>.peek_leaves_frame_queued
 *   rcv.<type>.short_buffer_sets_msg_trunc
 *   rcv.<type>.msg_trunc_returns_frame_length
 *   rcv.<type>.sockaddr_ll_namelen_20
 *   rcv.<type>.short_namelen_gets_prefix_and_20
 *   rcv.<type>.siocinq_head_frame_length
 *   rcv.<type>.unwritable_buffer_efault_frame_gone
 *   rcv_flags.<flag>.refused_einval_frame_stays
 *   rcv_outq.siocoutq_not_counting_received_or_sent
 *   rcv_mcloop.<type3>.looped_back_copy_not_delivered
 * with <flag> = msg_oob / msg_waitall / msg_cmsg_cloexec, <type3> = raw /
 * dgram / packet (SOCK_PACKET) / ring_v2 (SOCK_RAW with a TPACKET_V2 RX ring).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"

/* The received frame's length for a frame_build() payload of n bytes. */
static size_t rx_len(int type, size_t n)
{
	return (type == SOCK_RAW ? ETH_HLEN : 0) + n;
}

/* Wait (bounded) for fd to have a frame queued. */
#define ASSERT_QUEUED(fd) \
	ASSERT_EQ(1, psock_wait((fd), POLLIN, PSOCK_WAIT_MS)) \
		TH_LOG("a frame within %d ms: %s", PSOCK_WAIT_MS, strerror(errno))

/* SIOCINQ of fd, failing the case when the ioctl does. */
static int inq(struct __test_metadata *_metadata, int fd)
{
	int v = -1;

	EXPECT_EQ(0, ioctl(fd, SIOCINQ, &v)) TH_LOG("SIOCINQ: %s", strerror(errno));
	return v;
}

/* recvmsg() of one frame into buf (len bytes), msg_flags into *mflags. */
static ssize_t recv_flags(int fd, void *buf, size_t len, int flags, int *mflags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &msg, flags);

	*mflags = msg.msg_flags;
	return n;
}

FIXTURE(rcv) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_VARIANT(rcv) {
	int type;
};

FIXTURE_VARIANT_ADD(rcv, raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(rcv, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(rcv)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(variant->type, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rcv)
{
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/* Send one tagged frame of payload bytes from psk1 and wait for it. */
static void send_one(struct __test_metadata *_metadata, struct netns_topo *topo, int fd,
		     size_t payload, uint32_t seq, uint8_t *wire, size_t *wire_len)
{
	const struct frame_spec spec = { .payload_len = payload, .seq = seq };

	*wire_len = frame_build(wire, ETH_FRAME_LEN, &spec);
	ASSERT_EQ((ssize_t)*wire_len, peer_send(topo, wire, *wire_len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_QUEUED(fd);
}

/*
 * MSG_PEEK returns the frame and leaves it queued (SIOCINQ unchanged), twice;
 * the next plain recv() takes the same bytes, and then the queue is empty.
 */
TEST_F(rcv, peek_leaves_frame_queued)
{
	size_t hdr = variant->type == SOCK_RAW ? 0 : ETH_HLEN, wire_len, want;
	uint8_t wire[ETH_FRAME_LEN], buf[ETH_FRAME_LEN];
	int mflags;

	send_one(_metadata, &self->topo, self->fd, 100, 1, wire, &wire_len);
	want = wire_len - hdr;
	for (int i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ((ssize_t)want, recv_flags(self->fd, buf, sizeof(buf),
						    MSG_PEEK | MSG_DONTWAIT, &mflags))
			TH_LOG("peek %d: %s", i, strerror(errno));
		EXPECT_EQ(0, mflags);
		EXPECT_EQ(0, memcmp(wire + hdr, buf, want)) TH_LOG("peek %d", i);
		EXPECT_EQ((int)want, inq(_metadata, self->fd)) TH_LOG("after peek %d", i);
	}
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ((ssize_t)want, recv_flags(self->fd, buf, sizeof(buf), MSG_DONTWAIT, &mflags));
	EXPECT_EQ(0, memcmp(wire + hdr, buf, want));
	EXPECT_ERRNO(EAGAIN, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* 20 bytes of a 114 (raw) / 100 (dgram) byte frame; the rest is gone. */
TEST_F(rcv, short_buffer_sets_msg_trunc)
{
	size_t hdr = variant->type == SOCK_RAW ? 0 : ETH_HLEN, wire_len;
	uint8_t wire[ETH_FRAME_LEN], buf[64];
	int mflags;

	send_one(_metadata, &self->topo, self->fd, 100, 2, wire, &wire_len);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(20, recv_flags(self->fd, buf, 20, MSG_DONTWAIT, &mflags));
	EXPECT_EQ(MSG_TRUNC, mflags);
	EXPECT_EQ(0, memcmp(wire + hdr, buf, 20));
	EXPECT_EQ(0, buf[20]);
	EXPECT_ERRNO(EAGAIN, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* MSG_TRUNC: recvmsg() returns skb->len, whatever was copied. */
TEST_F(rcv, msg_trunc_returns_frame_length)
{
	size_t hdr = variant->type == SOCK_RAW ? 0 : ETH_HLEN, wire_len;
	uint8_t wire[ETH_FRAME_LEN], buf[ETH_FRAME_LEN];
	int mflags;

	send_one(_metadata, &self->topo, self->fd, 100, 3, wire, &wire_len);
	EXPECT_EQ((ssize_t)rx_len(variant->type, 100),
		  recv_flags(self->fd, buf, 20, MSG_TRUNC | MSG_DONTWAIT, &mflags));
	EXPECT_EQ(MSG_TRUNC, mflags);
	EXPECT_EQ(0, memcmp(wire + hdr, buf, 20));
	/* A buffer that holds it: the length, and no MSG_TRUNC in msg_flags. */
	send_one(_metadata, &self->topo, self->fd, 100, 4, wire, &wire_len);
	EXPECT_EQ((ssize_t)rx_len(variant->type, 100),
		  recv_flags(self->fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT, &mflags));
	EXPECT_EQ(0, mflags);
}

/*
 * recvmsg() with msg_namelen n into name, a 32-byte buffer filled with 0xaa
 * first; the msg_namelen the kernel wrote back in *namelen.
 */
static ssize_t recv_name(int fd, uint8_t name[32], socklen_t n, socklen_t *namelen)
{
	uint8_t buf[ETH_FRAME_LEN];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = name, .msg_namelen = n, .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t r;

	memset(name, 0xaa, 32);
	r = recvmsg(fd, &msg, MSG_DONTWAIT);
	*namelen = msg.msg_namelen;
	return r;
}

/*
 * A 32-byte msg_name: the kernel writes a struct sockaddr_ll (20 bytes)
 * with sll_addr's bytes 6 and 7 zero, and nothing after it.
 */
TEST_F(rcv, sockaddr_ll_namelen_20)
{
	uint8_t name[32], wire[ETH_FRAME_LEN];
	struct sockaddr_ll sll;
	socklen_t namelen;
	size_t wire_len;

	send_one(_metadata, &self->topo, self->fd, 64, 5, wire, &wire_len);
	ASSERT_EQ((ssize_t)rx_len(variant->type, 64), recv_name(self->fd, name, 32, &namelen))
		TH_LOG("recvmsg: %s", strerror(errno));
	EXPECT_EQ(20, namelen);
	memcpy(&sll, name, sizeof(sll));
	EXPECT_EQ(AF_PACKET, sll.sll_family);
	EXPECT_EQ(htons(ETH_P_PSOCK), sll.sll_protocol);
	EXPECT_EQ(self->topo.ifindex0, sll.sll_ifindex);
	EXPECT_EQ(ARPHRD_ETHER, sll.sll_hatype);
	EXPECT_EQ(PACKET_HOST, sll.sll_pkttype);
	EXPECT_EQ(ETH_ALEN, sll.sll_halen);
	EXPECT_EQ(0, memcmp(self->topo.mac1, sll.sll_addr, ETH_ALEN));
	EXPECT_EQ(0, name[18]);
	EXPECT_EQ(0, name[19]);
	for (int i = 20; i < 32; i++) {
		EXPECT_EQ(0xaa, name[i]) TH_LOG("msg_name byte %d written", i);
	}
}

/* msg_namelen 8: the first 8 bytes of the address, msg_namelen set to 20. */
TEST_F(rcv, short_namelen_gets_prefix_and_20)
{
	uint8_t name[32], wire[ETH_FRAME_LEN];
	socklen_t namelen;
	size_t wire_len;
	int ifindex;

	send_one(_metadata, &self->topo, self->fd, 64, 6, wire, &wire_len);
	ASSERT_EQ((ssize_t)rx_len(variant->type, 64), recv_name(self->fd, name, 8, &namelen))
		TH_LOG("recvmsg: %s", strerror(errno));
	EXPECT_EQ(20, namelen);
	EXPECT_EQ(AF_PACKET, name[0] | name[1] << 8);
	EXPECT_EQ(ETH_P_PSOCK, name[2] << 8 | name[3]);
	memcpy(&ifindex, name + 4, 4);
	EXPECT_EQ(self->topo.ifindex0, ifindex);
	for (int i = 8; i < 32; i++) {
		EXPECT_EQ(0xaa, name[i]) TH_LOG("msg_name byte %d written", i);
	}
}

/*
 * Two frames (100 and 200 bytes of payload) queued: SIOCINQ is the length
 * of the first, then of the second, then 0. A barrier frame on another
 * socket, sent last from the same CPU, says both are queued.
 */
TEST_F(rcv, siocinq_head_frame_length)
{
	const struct frame_spec a = { .payload_len = 100, .seq = 7 };
	const struct frame_spec b = { .payload_len = 200, .seq = 8 };
	struct rx_barrier bar = { .fd = -1 };
	uint8_t buf[ETH_FRAME_LEN];

	EXPECT_EQ(0, inq(_metadata, self->fd)) TH_LOG("empty queue");
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_open(&bar, &self->topo)) TH_LOG("barrier: %s", strerror(errno));
	ASSERT_EQ(ETH_HLEN + 100, peer_send_spec(&self->topo, &a));
	ASSERT_EQ(ETH_HLEN + 200, peer_send_spec(&self->topo, &b));
	ASSERT_EQ(0, rx_barrier_sync(&bar, &self->topo, PSOCK_WAIT_MS))
		TH_LOG("barrier: %s", strerror(errno));
	rx_barrier_close(&bar);
	EXPECT_EQ((int)rx_len(variant->type, 100), inq(_metadata, self->fd));
	EXPECT_EQ((ssize_t)rx_len(variant->type, 100), recv(self->fd, buf, sizeof(buf),
							    MSG_DONTWAIT));
	EXPECT_EQ((int)rx_len(variant->type, 200), inq(_metadata, self->fd));
	EXPECT_EQ((ssize_t)rx_len(variant->type, 200), recv(self->fd, buf, sizeof(buf),
							    MSG_DONTWAIT));
	EXPECT_EQ(0, inq(_metadata, self->fd)) TH_LOG("drained");
}

/*
 * A buffer recvmsg() cannot write (a PROT_NONE page): EFAULT from the copy
 * (skb_copy_datagram_msg() in packet_recvmsg()), and the frame, already
 * dequeued, is freed with it (out_free): nothing left to read.
 */
TEST_F(rcv, unwritable_buffer_efault_frame_gone)
{
	uint8_t wire[ETH_FRAME_LEN], buf[ETH_FRAME_LEN];
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t wire_len;

	ASSERT_NE(MAP_FAILED, bad) TH_LOG("mmap: %s", strerror(errno));
	send_one(_metadata, &self->topo, self->fd, 100, 11, wire, &wire_len);
	EXPECT_ERRNO(EFAULT, recv(self->fd, bad, 4096, MSG_DONTWAIT));
	EXPECT_EQ(0, inq(_metadata, self->fd));
	EXPECT_ERRNO(EAGAIN, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	munmap(bad, 4096);
}

/* ---- flags packet_recvmsg() refuses ------------------------------------ */

FIXTURE(rcv_flags) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_VARIANT(rcv_flags) {
	int flag;
};

FIXTURE_VARIANT_ADD(rcv_flags, msg_oob) { .flag = MSG_OOB };
FIXTURE_VARIANT_ADD(rcv_flags, msg_waitall) { .flag = MSG_WAITALL };
FIXTURE_VARIANT_ADD(rcv_flags, msg_cmsg_cloexec) { .flag = MSG_CMSG_CLOEXEC };

FIXTURE_SETUP(rcv_flags)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rcv_flags)
{
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/*
 * The variant's flag (MSG_OOB, MSG_WAITALL, MSG_CMSG_CLOEXEC) makes recvmsg()
 * EINVAL and leaves the frame queued: SIOCINQ still gives its length and the
 * next recv() returns it whole.
 */
TEST_F(rcv_flags, refused_einval_frame_stays)
{
	uint8_t wire[ETH_FRAME_LEN], buf[ETH_FRAME_LEN];
	size_t wire_len;
	int mflags;

	send_one(_metadata, &self->topo, self->fd, 64, 9, wire, &wire_len);
	EXPECT_ERRNO(EINVAL, recv_flags(self->fd, buf, sizeof(buf),
					variant->flag | MSG_DONTWAIT, &mflags));
	EXPECT_EQ((int)wire_len, inq(_metadata, self->fd)) TH_LOG("frame still queued");
	EXPECT_EQ((ssize_t)wire_len, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(wire, buf, wire_len));
}

/* ---- SIOCOUTQ ---------------------------------------------------------- */

FIXTURE(rcv_outq) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(rcv_outq)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rcv_outq)
{
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

static int outq(struct __test_metadata *_metadata, int fd)
{
	int v = -1;

	EXPECT_EQ(0, ioctl(fd, SIOCOUTQ, &v)) TH_LOG("SIOCOUTQ: %s", strerror(errno));
	return v;
}

/*
 * A frame queued for reading is charged to the receive buffer, not the
 * send buffer: SIOCOUTQ 0 while SIOCINQ is its length. The same socket
 * sends a frame out of psk0 to psk1; once a barrier frame sent back from
 * psk1 afterwards (same CPU, same backlog, so after it) has arrived, psk1
 * has freed the frame and SIOCOUTQ is 0 again.
 */
TEST_F(rcv_outq, siocoutq_not_counting_received_or_sent)
{
	const struct frame_spec out = {
		.dst = self->topo.mac1, .src = self->topo.mac0, .payload_len = 1000,
	};
	struct rx_barrier bar = { .fd = -1 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len;

	EXPECT_EQ(0, outq(_metadata, self->fd)) TH_LOG("new socket");
	send_one(_metadata, &self->topo, self->fd, 500, 10, wire, &wire_len);
	EXPECT_EQ(ETH_HLEN + 500, inq(_metadata, self->fd));
	EXPECT_EQ(0, outq(_metadata, self->fd)) TH_LOG("a frame queued for reading");

	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_open(&bar, &self->topo)) TH_LOG("barrier: %s", strerror(errno));
	wire_len = frame_build(wire, sizeof(wire), &out);
	ASSERT_EQ((ssize_t)wire_len, send(self->fd, wire, wire_len, 0))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_sync(&bar, &self->topo, PSOCK_WAIT_MS))
		TH_LOG("barrier: %s", strerror(errno));
	rx_barrier_close(&bar);
	EXPECT_EQ(0, outq(_metadata, self->fd)) TH_LOG("the sent frame received by psk1");
}

/* ---- multicast looped back to the sender (PACKET_LOOPBACK) ------------ */

FIXTURE(rcv_mcloop) {
	struct netns_topo topo;
	int fd, udp_rx, udp_tx;
	struct ring ring;
};

FIXTURE_VARIANT(rcv_mcloop) {
	int type;		/* SOCK_RAW, SOCK_DGRAM, SOCK_PACKET */
	size_t skip;		/* where the UDP payload (the tag) starts in what recv() gets */
	bool ring;		/* SOCK_RAW with a TPACKET_V2 RX ring: tpacket_rcv()'s check */
};

FIXTURE_VARIANT_ADD(rcv_mcloop, raw) { .type = SOCK_RAW, .skip = 42 };
FIXTURE_VARIANT_ADD(rcv_mcloop, dgram) { .type = SOCK_DGRAM, .skip = 28 };
FIXTURE_VARIANT_ADD(rcv_mcloop, packet) { .type = SOCK_PACKET, .skip = 42 };
FIXTURE_VARIANT_ADD(rcv_mcloop, ring_v2) { .type = SOCK_RAW, .skip = 42, .ring = true };

#define MCLOOP_GROUP "239.1.2.3"
#define MCLOOP_PORT 4242

/*
 * psk0 with its address (psk1 in a second namespace), a UDP socket of this
 * namespace joined to 239.1.2.3 on psk0 and bound to its port, a UDP
 * sender with IP_MULTICAST_IF psk0 (IP_MULTICAST_LOOP on, the default),
 * and the case's packet socket, ETH_P_ALL: on psk0 for SOCK_RAW and
 * SOCK_DGRAM, on every device for SOCK_PACKET (it cannot bind by index).
 */
FIXTURE_SETUP(rcv_mcloop)
{
	const struct netns_opts opts = { .peer_netns = true, .addrs = true };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(MCLOOP_PORT) };
	struct ip_mreqn mr = { .imr_ifindex = 0 };

	self->fd = self->udp_rx = self->udp_tx = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	mr.imr_ifindex = self->topo.ifindex0;
	inet_pton(AF_INET, MCLOOP_GROUP, &mr.imr_multiaddr);
	self->udp_rx = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->udp_rx);
	inet_pton(AF_INET, MCLOOP_GROUP, &a.sin_addr);
	ASSERT_EQ(0, bind(self->udp_rx, (struct sockaddr *)&a, sizeof(a)))
		TH_LOG("bind: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->udp_rx, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		TH_LOG("IP_ADD_MEMBERSHIP: %s", strerror(errno));
	self->udp_tx = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->udp_tx);
	ASSERT_EQ(0, setsockopt(self->udp_tx, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)))
		TH_LOG("IP_MULTICAST_IF: %s", strerror(errno));
	if (variant->ring)
		self->fd = ring_rx_open(&self->ring, SOCK_RAW, TPACKET_V2, self->topo.ifindex0,
					ETH_P_ALL, &ring_small);
	else if (variant->type == SOCK_PACKET)
		self->fd = socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL));
	else
		self->fd = psock_rx_socket(variant->type, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("packet socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rcv_mcloop)
{
	if (self->udp_rx >= 0)
		close(self->udp_rx);
	if (self->udp_tx >= 0)
		close(self->udp_tx);
	if (variant->ring)
		ring_close_socket(&self->ring, self->fd);
	else if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/*
 * Packet sockets never get the copy of a multicast datagram the core
 * loops back (pkt_type PACKET_LOOPBACK): packet_rcv(), tpacket_rcv() (a
 * socket with an RX ring) and packet_rcv_spkt() drop it first. Sent with IP_MULTICAST_LOOP, the
 * datagram goes out of psk0 and the copy comes back in on psk0
 * (dev_loopback_xmit()), where the local member receives it. Once the member has the datagram (the taps were
 * offered the looped copy before ip_rcv()), the packet socket holds
 * exactly one tagged frame, the outgoing copy (sll_pkttype
 * PACKET_OUTGOING where the address says it: not SOCK_PACKET's
 * sockaddr_pkt). The looped copy has no link header (dev_loopback_xmit()
 * sets the MAC header at the network header), so its tag is looked for
 * 14 bytes earlier as well: a copy let through is counted either way.
 */
TEST_F(rcv_mcloop, looped_back_copy_not_delivered)
{
	const struct frame_spec udp = { .ip = 4, .payload_len = 64, .seq = 7 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(MCLOOP_PORT) };
	uint8_t wire[ETH_FRAME_LEN], buf[2048];
	size_t wire_len = frame_build(wire, sizeof(wire), &udp);
	unsigned int tagged = 0, outgoing = 0;
	uint32_t seq;

	ASSERT_EQ(106, wire_len);
	inet_pton(AF_INET, MCLOOP_GROUP, &to.sin_addr);
	ASSERT_EQ(64, sendto(self->udp_tx, wire + 42, 64, 0, (struct sockaddr *)&to, sizeof(to)))
		TH_LOG("sendto: %s", strerror(errno));
	ASSERT_EQ(1, psock_wait(self->udp_rx, POLLIN, PSOCK_WAIT_MS))
		TH_LOG("the looped-back datagram: %s", strerror(errno));
	ASSERT_EQ(64, recv(self->udp_rx, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(wire + 42, buf, 64));
	for (; variant->ring;) {
		void *f = ring_next_frame(&self->ring, 0);
		struct frame_view v;

		if (!f) {
			EXPECT_EQ(ETIMEDOUT, errno) TH_LOG("ring: %s", strerror(errno));
			break;
		}
		frame_view(&self->ring, f, &v);
		if (v.snaplen >= 42 && frame_tag(v.data + 42, v.snaplen - 42, &seq)) {
			EXPECT_EQ(106, v.snaplen);
			tagged++;
			EXPECT_EQ(7, seq);
			if (v.sll->sll_pkttype == PACKET_OUTGOING)
				outgoing++;
		} else if (v.snaplen >= 28 && frame_tag(v.data + 28, v.snaplen - 28, &seq)) {
			TH_LOG("a frame without its link header: the looped-back copy");
			tagged++;
		}
		ring_release_frame(&self->ring, f);
	}
	for (; !variant->ring;) {
		struct sockaddr_ll from;
		socklen_t alen = sizeof(from);
		ssize_t n = recvfrom(self->fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &alen);

		if (n < 0) {
			EXPECT_EQ(EAGAIN, errno) TH_LOG("recvfrom: %s", strerror(errno));
			break;
		}
		if ((size_t)n >= variant->skip &&
		    frame_tag(buf + variant->skip, n - variant->skip, &seq)) {
			EXPECT_EQ(variant->skip + 64, n);
		} else if (variant->type != SOCK_DGRAM && (size_t)n >= variant->skip - 14 &&
			   frame_tag(buf + variant->skip - 14, n - variant->skip + 14, &seq)) {
			TH_LOG("a frame without its link header: the looped-back copy");
		} else {
			continue;
		}
		tagged++;
		EXPECT_EQ(7, seq);
		if (variant->type != SOCK_PACKET && from.sll_pkttype == PACKET_OUTGOING)
			outgoing++;
	}
	EXPECT_EQ(1, tagged);
	EXPECT_EQ(variant->type == SOCK_PACKET ? 0 : 1, outgoing);
}

TEST_HARNESS_MAIN

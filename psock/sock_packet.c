// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_PACKET: the packet socket of Linux 2.0, still served by
 * net/packet/af_packet.c through its own proto_ops (packet_ops_spkt), and
 * libpcap's oldest capture path. It names devices, not interface indexes:
 *
 *  - bind (packet_bind_spkt()) takes a struct sockaddr of exactly 16 bytes
 *    whose sa_data holds the device name (14 bytes, not necessarily
 *    terminated); any other length is EINVAL, an unknown name ENODEV
 *    (packet_do_bind()). The protocol stays the one given to socket();
 *  - a socket made with a protocol is hooked to every device until it is
 *    bound; ETH_P_ALL sees outgoing frames too (dev_queue_xmit_nit());
 *  - receive (packet_rcv_spkt()): always the whole frame from the link
 *    header, with a struct sockaddr_pkt (18 bytes) as the source address:
 *    spkt_family = the device type (ARPHRD_ETHER), spkt_device = its name,
 *    spkt_protocol = the frame's protocol (network order);
 *  - getsockname (packet_getname_spkt()): AF_PACKET and the bound device's
 *    name in sa_data, length 16; getpeername EOPNOTSUPP;
 *  - send (packet_sendmsg_spkt()): a whole frame to the device named by a
 *    sockaddr_pkt (16 bytes, a struct sockaddr, are enough; spkt_protocol
 *    is read from 18); no address ENOTCONN, a shorter one EINVAL, an unknown
 *    name ENODEV, a device that is down ENETDOWN, SO_NOFCS on a device
 *    without IFF_SUPP_NOFCS (veth) EPROTONOSUPPORT; more than MTU + 14 + 4
 *    bytes EMSGSIZE at once (an 802.1Q frame of MTU + 18 is sent), more
 *    than MTU + 14 without an 802.1Q tag EMSGSIZE once the frame is read
 *    (MTU + 14 is sent), a buffer it cannot read EFAULT, fewer than 14
 *    bytes EINVAL
 *    (dev_validate_header()), a control message sock_cmsg_send() refuses
 *    EINVAL;
 *  - no socket options of its own and no mmap: packet_ops_spkt has no
 *    setsockopt / getsockopt, so every SOL_PACKET option (PACKET_RX_RING
 *    included) is EOPNOTSUPP, and mmap is sock_no_mmap (ENODEV).
 *
 * Test cases:
 *   spkt.bind_by_name_and_getsockname
 *   spkt.bind_other_lengths_einval_unknown_name_enodev
 *   spkt.receives_whole_frame_with_sockaddr_pkt
 *   spkt.unbound_sees_every_device_bound_only_its_own
 *   spkt.sendto_by_name
 *   spkt.sendto_sockaddr_of_16_bytes
 *   spkt.largest_frames_sent
 *   spkt.unreadable_buffer_efault_nothing_sent
 *   spkt.sendto_address_errors
 *   spkt.no_rings_no_packet_options
 *   spkt_snd.<why>.refused_send_errno_nothing_sent (<why> = so_nofcs / device_down /
 *     over_mtu_vlan_slack_1519 / over_mtu_8021q_1519 / over_mtu_untagged_1515 /
 *     shorter_than_link_header_10 / unknown_cmsg)
 */
#include <errno.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

FIXTURE(spkt) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(spkt)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_PSOCK));
	ASSERT_LE(0, self->fd) TH_LOG("socket(SOCK_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(spkt)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

/* The sockaddr_pkt a send names dev with: AF_PACKET, ETH_P_PSOCK. */
static struct sockaddr_pkt spkt_to(const char *dev)
{
	struct sockaddr_pkt to = { .spkt_family = AF_PACKET, .spkt_protocol = htons(ETH_P_PSOCK) };

	strncpy((char *)to.spkt_device, dev, sizeof(to.spkt_device) - 1);
	return to;
}

/* A struct sockaddr naming dev, as packet_bind_spkt() reads it. */
static struct sockaddr spkt_name(const char *dev)
{
	struct sockaddr sa = { .sa_family = AF_PACKET };

	memcpy(sa.sa_data, dev, strnlen(dev, sizeof(sa.sa_data)));
	return sa;
}

static int bind_name(int fd, const char *dev, socklen_t len)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr sa = spkt_name(dev);

	memcpy(&ss, &sa, sizeof(sa));
	return bind(fd, (struct sockaddr *)&ss, len);
}

/* Case step: bind fd to dev by name, or fail the case. */
#define BIND_NAME(fd, dev) do {						\
	ASSERT_EQ(0, bind_name((fd), (dev), 16))				\
		TH_LOG("bind %s: %s", (dev), strerror(errno));			\
} while (0)

/* What getsockname() says: its length and address. */
static void expect_name(struct __test_metadata *_metadata, int fd, const char *dev)
{
	struct sockaddr_storage ss;
	struct sockaddr want = spkt_name(dev);
	socklen_t len = sizeof(ss);

	memset(&ss, 0xa5, sizeof(ss));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&ss, &len))
		TH_LOG("getsockname: %s", strerror(errno));
	EXPECT_EQ(16, len);
	EXPECT_EQ(0, memcmp(&ss, &want, 16)) TH_LOG("not AF_PACKET + \"%s\" + zeros", dev);
}

/*
 * The next frame on fd whose payload (after the Ethernet header) carries
 * this program's tag, with its source address; other frames are dropped.
 * The frame's length, 0 at the deadline (PSOCK_WAIT_MS), -1 with errno.
 */
static ssize_t recv_spkt(int fd, uint8_t *buf, size_t size, struct sockaddr_pkt *from,
			 socklen_t *fromlen, uint32_t *seq)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);

	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = size };
		struct msghdr msg = {
			.msg_name = from, .msg_namelen = sizeof(*from) + 8,
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t n = tx_sink_recv(fd, &msg, deadline);

		if (n <= 0)
			return n;
		*fromlen = msg.msg_namelen;
		if ((size_t)n > ETH_HLEN && frame_tag(buf + ETH_HLEN, (size_t)n - ETH_HLEN, seq))
			return n;
	}
}

/* Room for a sockaddr_pkt and what the kernel must not write after it. */
struct spkt_from {
	struct sockaddr_pkt sa;
	uint8_t beyond[8];
};

/* Before bind the name is empty; after it, "psk0"; a rebind to psk1 moves it. */
TEST_F(spkt, bind_by_name_and_getsockname)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	expect_name(_metadata, self->fd, "");
	BIND_NAME(self->fd, NETNS_IF0);
	expect_name(_metadata, self->fd, NETNS_IF0);
	BIND_NAME(self->fd, NETNS_IF1);
	expect_name(_metadata, self->fd, NETNS_IF1);
	EXPECT_ERRNO(EOPNOTSUPP, getpeername(self->fd, (struct sockaddr *)&ss, &len));
}

/*
 * Only a 16-byte struct sockaddr binds: 15, 17 and a sockaddr_ll's 20 are
 * EINVAL; a name no device has is ENODEV. None of them changes the binding.
 */
TEST_F(spkt, bind_other_lengths_einval_unknown_name_enodev)
{
	BIND_NAME(self->fd, NETNS_IF0);
	EXPECT_ERRNO(EINVAL, bind_name(self->fd, NETNS_IF1, 15));
	EXPECT_ERRNO(EINVAL, bind_name(self->fd, NETNS_IF1, 17));
	EXPECT_ERRNO(EINVAL, bind_name(self->fd, NETNS_IF1, 20));
	EXPECT_ERRNO(ENODEV, bind_name(self->fd, "psknone", 16));
	expect_name(_metadata, self->fd, NETNS_IF0);
}

/*
 * A frame from psk1 arrives whole (Ethernet header included) with an
 * 18-byte sockaddr_pkt (msg_namelen): ARPHRD_ETHER, "psk0", htons(0x88b5); nothing is
 * written after it.
 */
TEST_F(spkt, receives_whole_frame_with_sockaddr_pkt)
{
	const struct frame_spec spec = { .seq = 3, .payload_len = 200 };
	uint8_t wire[ETH_FRAME_LEN], buf[ETH_FRAME_LEN];
	struct spkt_from from;
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	socklen_t fromlen;
	uint32_t seq;
	ssize_t n;

	BIND_NAME(self->fd, NETNS_IF0);
	ASSERT_EQ((ssize_t)wire_len, peer_send(&self->topo, wire, wire_len))
		TH_LOG("send: %s", strerror(errno));
	memset(&from, 0xa5, sizeof(from));
	n = recv_spkt(self->fd, buf, sizeof(buf), &from.sa, &fromlen, &seq);
	ASSERT_EQ((ssize_t)wire_len, n) TH_LOG("recv: %s", n < 0 ? strerror(errno) : "timeout");
	EXPECT_EQ(3, seq);
	EXPECT_EQ(0, memcmp(wire, buf, wire_len));
	EXPECT_EQ(18, fromlen);
	EXPECT_EQ(ARPHRD_ETHER, from.sa.spkt_family);
	EXPECT_STREQ(NETNS_IF0, (char *)from.sa.spkt_device);
	EXPECT_EQ(0, from.sa.spkt_device[sizeof(from.sa.spkt_device) - 1]);
	EXPECT_EQ(htons(ETH_P_PSOCK), from.sa.spkt_protocol);
	for (unsigned int i = 0; i < sizeof(from.beyond); i++) {
		EXPECT_EQ(0xa5, from.beyond[i]) TH_LOG("byte %u after sockaddr_pkt", i);
	}
}

/*
 * An unbound ETH_P_ALL SOCK_PACKET socket sees a frame psk1 sends twice:
 * going out of psk1, then arriving on psk0. Bound to psk0 by name it sees
 * only the arrival.
 */
TEST_F(spkt, unbound_sees_every_device_bound_only_its_own)
{
	const struct frame_spec spec = { .payload_len = 60 };
	uint8_t buf[ETH_FRAME_LEN];
	struct spkt_from from;
	socklen_t fromlen;
	uint32_t seq;
	int fd = socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL));

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 1, 1));
	ASSERT_LT(0, recv_spkt(fd, buf, sizeof(buf), &from.sa, &fromlen, &seq));
	EXPECT_EQ(1, seq);
	EXPECT_STREQ(NETNS_IF1, (char *)from.sa.spkt_device);
	ASSERT_LT(0, recv_spkt(fd, buf, sizeof(buf), &from.sa, &fromlen, &seq));
	EXPECT_EQ(1, seq);
	EXPECT_STREQ(NETNS_IF0, (char *)from.sa.spkt_device);

	BIND_NAME(fd, NETNS_IF0);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 2, 1));
	ASSERT_LT(0, recv_spkt(fd, buf, sizeof(buf), &from.sa, &fromlen, &seq));
	EXPECT_EQ(2, seq);
	EXPECT_STREQ(NETNS_IF0, (char *)from.sa.spkt_device);
	/* psk0's copy came after psk1's outgoing one: nothing else is queued. */
	EXPECT_ERRNO(EAGAIN, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, close(fd));
}

/* sendto() with a sockaddr_pkt naming psk0: the frame leaves whole, the length is returned. */
TEST_F(spkt, sendto_by_name)
{
	struct sockaddr_pkt to = spkt_to(NETNS_IF0);
	struct tx_frame f;
	int sink = tx_sink_open(&self->topo);

	ASSERT_LE(0, sink) TH_LOG("sink: %s", strerror(errno));
	TX_FRAME(&f, .seq = 5, .payload_len = 300);
	EXPECT_EQ((ssize_t)f.len, sendto(self->fd, f.wire, f.len, 0, (struct sockaddr *)&to,
					 sizeof(to))) TH_LOG("sendto: %s", strerror(errno));
	ASSERT_SINK_FRAME(sink, &f, 5, PSOCK_WAIT_MS);
	EXPECT_EQ(0, close(sink));
}

/*
 * An address of sizeof(struct sockaddr) (16) is long enough: the name is all
 * packet_sendmsg_spkt() needs (spkt_protocol is read only from an 18-byte
 * sockaddr_pkt); the frame leaves whole.
 */
TEST_F(spkt, sendto_sockaddr_of_16_bytes)
{
	struct sockaddr_pkt to = spkt_to(NETNS_IF0);
	struct tx_frame f;
	int sink = tx_sink_open(&self->topo);

	ASSERT_LE(0, sink) TH_LOG("sink: %s", strerror(errno));
	TX_FRAME(&f, .seq = 6, .payload_len = 100);
	EXPECT_EQ((ssize_t)f.len, sendto(self->fd, f.wire, f.len, 0, (struct sockaddr *)&to, 16))
		TH_LOG("sendto: %s", strerror(errno));
	ASSERT_SINK_FRAME(sink, &f, 6, PSOCK_WAIT_MS);
	EXPECT_EQ(0, close(sink));
}

/*
 * The largest frames are sent whole: MTU + 14 bytes untagged and, as an
 * 802.1Q frame may be 4 bytes longer (packet_extra_vlan_len_allowed()),
 * MTU + 18 tagged, which psk1 receives untagged.
 */
TEST_F(spkt, largest_frames_sent)
{
	struct sockaddr_pkt to = spkt_to(NETNS_IF0);
	struct tx_frame plain, tagged;
	int sink = tx_sink_open(&self->topo);

	ASSERT_LE(0, sink) TH_LOG("sink: %s", strerror(errno));
	/* 14 (+ 4) + the MTU's 1500 bytes */
	TX_FRAME(&plain, .seq = 7, .payload_len = 1500);
	TX_FRAME(&tagged, .seq = 8, .vlan_tpid = ETH_P_8021Q, .vlan_tci = 5, .payload_len = 1500);
	ASSERT_EQ(1514, plain.len);
	ASSERT_EQ(1518, tagged.len);
	EXPECT_EQ(1514, sendto(self->fd, plain.wire, plain.len, 0, (struct sockaddr *)&to,
			       sizeof(to))) TH_LOG("sendto: %s", strerror(errno));
	EXPECT_EQ(1518, sendto(self->fd, tagged.wire, tagged.len, 0, (struct sockaddr *)&to,
			       sizeof(to))) TH_LOG("sendto: %s", strerror(errno));
	ASSERT_EQ(0, tx_frame_untag(&tagged));
	ASSERT_SINK_FRAME(sink, &plain, 7, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(sink, &tagged, 8, PSOCK_WAIT_MS);
	EXPECT_EQ(0, close(sink));
}

/*
 * A frame user space cannot read (its buffer in a PROT_NONE page) is
 * EFAULT from the copy (memcpy_from_msg()), and nothing is sent: a frame
 * sent next is the first on psk1.
 */
TEST_F(spkt, unreadable_buffer_efault_nothing_sent)
{
	struct sockaddr_pkt to = spkt_to(NETNS_IF0);
	struct tx_frame f;
	int sink = tx_sink_open(&self->topo);
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_LE(0, sink) TH_LOG("sink: %s", strerror(errno));
	ASSERT_NE(MAP_FAILED, page) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_ERRNO(EFAULT, sendto(self->fd, page, 114, 0, (struct sockaddr *)&to, sizeof(to)));
	TX_FRAME(&f, .seq = 9, .payload_len = 100);
	EXPECT_EQ((ssize_t)f.len, sendto(self->fd, f.wire, f.len, 0, (struct sockaddr *)&to,
					 sizeof(to))) TH_LOG("sendto: %s", strerror(errno));
	ASSERT_SINK_FRAME(sink, &f, 9, PSOCK_WAIT_MS);
	EXPECT_EQ(0, munmap(page, 4096));
	EXPECT_EQ(0, close(sink));
}

/*
 * No address: ENOTCONN (send() on a bound socket too); an address shorter
 * than struct sockaddr EINVAL; a name no device has ENODEV.
 */
TEST_F(spkt, sendto_address_errors)
{
	struct sockaddr_pkt to = spkt_to(NETNS_IF0);
	struct tx_frame f;

	TX_FRAME(&f, .payload_len = 100);
	BIND_NAME(self->fd, NETNS_IF0);
	EXPECT_ERRNO(ENOTCONN, send(self->fd, f.wire, f.len, 0));
	EXPECT_ERRNO(EINVAL, sendto(self->fd, f.wire, f.len, 0, (struct sockaddr *)&to, 15));
	to = spkt_to("psknone");
	EXPECT_ERRNO(ENODEV, sendto(self->fd, f.wire, f.len, 0, (struct sockaddr *)&to,
				    sizeof(to)));
}

/*
 * packet_ops_spkt has no socket options: PACKET_RX_RING, PACKET_VERSION
 * (set and get) are EOPNOTSUPP; mmap is ENODEV. SOL_SOCKET options still
 * work (the core's): SO_TYPE reads SOCK_PACKET (10).
 */
TEST_F(spkt, no_rings_no_packet_options)
{
	struct tpacket_req req = { .tp_block_size = 4096, .tp_block_nr = 1,
				   .tp_frame_size = 2048, .tp_frame_nr = 2 };
	int v = TPACKET_V2, type = 0;
	socklen_t len = sizeof(v);

	EXPECT_ERRNO(EOPNOTSUPP, setsockopt(self->fd, SOL_PACKET, PACKET_RX_RING, &req,
					    sizeof(req)));
	EXPECT_ERRNO(EOPNOTSUPP, setsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)));
	EXPECT_ERRNO(EOPNOTSUPP, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &v, &len));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0));
	EXPECT_EQ(ENODEV, errno);
	len = sizeof(type);
	EXPECT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_TYPE, &type, &len));
	EXPECT_EQ(SOCK_PACKET, type);
}

/* ---- sends packet_sendmsg_spkt() refuses ------------------------------ */

FIXTURE(spkt_snd) {
	struct netns_topo topo;
	int fd, sink;
};

FIXTURE_VARIANT(spkt_snd) {
	size_t len;		/* the frame's length */
	bool down;		/* sent to a device that is down */
	bool nofcs;		/* SO_NOFCS set */
	bool bad_cmsg;		/* a SOL_SOCKET control message of an unknown type */
	uint16_t vlan_tpid;	/* an outer tag of this type in the frame (0: none) */
	int err;
};

/* veth has no IFF_SUPP_NOFCS: EPROTONOSUPPORT. */
FIXTURE_VARIANT_ADD(spkt_snd, so_nofcs) { .len = 114, .nofcs = true, .err = EPROTONOSUPPORT };
FIXTURE_VARIANT_ADD(spkt_snd, device_down) { .len = 114, .down = true, .err = ENETDOWN };
/* MTU 1500 + 14 + VLAN_HLEN 4 + 1: refused before the skb is built. */
FIXTURE_VARIANT_ADD(spkt_snd, over_mtu_vlan_slack_1519) { .len = 1519, .err = EMSGSIZE };
/* 802.1Q, MTU 1500 + 14 + 4 + 1: refused before the copy, the later check would let it go. */
FIXTURE_VARIANT_ADD(spkt_snd, over_mtu_8021q_1519) {
	.len = 1519, .vlan_tpid = ETH_P_8021Q, .err = EMSGSIZE };
/* MTU 1500 + 14 + 1, not 802.1Q: refused once the frame is read. */
FIXTURE_VARIANT_ADD(spkt_snd, over_mtu_untagged_1515) { .len = 1515, .err = EMSGSIZE };
/* Shorter than the Ethernet header: dev_validate_header() fails. */
FIXTURE_VARIANT_ADD(spkt_snd, shorter_than_link_header_10) { .len = 10, .err = EINVAL };
FIXTURE_VARIANT_ADD(spkt_snd, unknown_cmsg) { .len = 114, .bad_cmsg = true, .err = EINVAL };

FIXTURE_SETUP(spkt_snd)
{
	self->fd = self->sink = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->sink = tx_sink_open(&self->topo);
	ASSERT_LE(0, self->sink) TH_LOG("sink: %s", strerror(errno));
	self->fd = socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_PSOCK));
	ASSERT_LE(0, self->fd) TH_LOG("socket(SOCK_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(spkt_snd)
{
	TX_EXPECT_CLOSE_ALL(self->fd, self->sink);
	netns_teardown(&self->topo);
}

/* sendmsg() of f to the device named dev, with a TX_CMSG_UNKNOWN control message if asked. */
static ssize_t spkt_send(int fd, const struct tx_frame *f, size_t len, const char *dev,
			 bool bad_cmsg)
{
	struct sockaddr_pkt to = spkt_to(dev);
	struct iovec iov = { .iov_base = (void *)f->wire, .iov_len = len };
	union tx_cmsg_buf ctl;
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
	};

	if (bad_cmsg)
		tx_msg_unknown_cmsg(&msg, &ctl);
	return sendmsg(fd, &msg, 0);
}

/*
 * packet_sendmsg_spkt() refuses the variant's send with its errno (a down
 * device ENETDOWN; SO_NOFCS on veth EPROTONOSUPPORT; MTU + 14 + 4 + 1 bytes
 * EMSGSIZE before the copy, MTU + 14 + 1 untagged EMSGSIZE after it; fewer
 * than 14 bytes EINVAL; an unknown control message EINVAL) and nothing
 * leaves: a good frame sent next is the first on psk1.
 */
TEST_F(spkt_snd, refused_send_errno_nothing_sent)
{
	struct tx_frame bad, marker;
	int one = 1, zero = 0;
	char why[256] = "";

	if (variant->down)
		ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
				      "link add pskd0 type veth peer name pskd1"))
			TH_LOG("ip: %s", why);
	if (variant->nofcs)
		ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_NOFCS, &one, sizeof(one)))
			TH_LOG("SO_NOFCS: %s", strerror(errno));
	TX_FRAME(&bad, .seq = 99, .vlan_tpid = variant->vlan_tpid, .vlan_tci = variant->vlan_tpid ? 5 : 0,
		 .payload_len = variant->len > 100 ?
				variant->len - ETH_HLEN - (variant->vlan_tpid ? 4 : 0) : 100);
	EXPECT_ERRNO(variant->err, spkt_send(self->fd, &bad, variant->len,
					     variant->down ? "pskd0" : NETNS_IF0, variant->bad_cmsg));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_NOFCS, &zero, sizeof(zero)));
	TX_FRAME(&marker, .seq = 5, .payload_len = 60);
	ASSERT_EQ((ssize_t)marker.len, spkt_send(self->fd, &marker, marker.len, NETNS_IF0, false))
		TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &marker, 5, PSOCK_WAIT_MS);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Creating a packet socket, and what its protocol hooks it into.
 *
 * packet_create() (net/packet/af_packet.c, Linux 6.12):
 *  - first checks CAP_NET_RAW in the user namespace that owns the network
 *    namespace the socket is made in (ns_capable(net->user_ns, ...)):
 *    without it, EPERM for every type, even one it would refuse anyway. A
 *    user namespace of the process's own does not help while it does not
 *    own the network namespace; once it owns one (a new network namespace
 *    made inside it), the same process creates sockets there;
 *  - then the type: SOCK_RAW, SOCK_DGRAM and SOCK_PACKET; any other type
 *    below SOCK_MAX is ESOCKTNOSUPPORT (SOCK_MAX and above never reach
 *    af_packet: __sock_create() answers EINVAL);
 *  - the protocol argument is the EtherType in network byte order ("weird,
 *    but documented"), kept in po->num. A non-zero one registers the hook at
 *    once (__register_prot_hook()), with no device: the socket receives that
 *    EtherType from every device of the namespace. Protocol 0 registers
 *    nothing; the ring_bind binary's case
 *    ring_bind.<v>.protocol_zero_receives_nothing_until_bound pins that such
 *    a socket receives nothing until bound with a protocol.
 *  - ETH_P_ALL puts the hook on a ptype_all list: every EtherType, and the
 *    copies of frames going out (dev_queue_xmit_nit() walks only the
 *    ptype_all lists, PACKET_OUTGOING). One EtherType puts it on ptype_base:
 *    only that type, only frames arriving.
 *  - packet_do_bind() with protocol 0 keeps the protocol the socket has
 *    (proto = po->num), so bind() may move a socket without naming it again.
 *  - packet_seq_show() prints /proc/net/packet for the reader's namespace:
 *    per socket Type (sk_type), Proto (ntohs(po->num) as %04x), Iface
 *    (po->ifindex, 0 for any device), R (PACKET_SOCK_RUNNING: the hook is
 *    registered), Rmem, User, Inode (the socket's inode).
 *
 * The hook is the same for SOCK_RAW and SOCK_DGRAM (one prot_hook; only
 * packet_rcv() strips the link header for SOCK_DGRAM), so the delivery cases
 * watch a socket of each type side by side, on the same frames.
 *
 * Test cases:
 *   create.no_cap_net_raw_eperm
 *   create.user_ns_not_owning_netns_eperm
 *   create.other_types_esocktnosupport
 *   create.proc_net_packet_rows
 *   create.other_ioctls_go_to_the_device_layer
 *   proto.protocol_at_socket_hooks_every_device
 *   proto.eth_p_all_vs_one_ethertype
 *   proto.bind_protocol_zero_keeps_protocol
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "proc_packet.h"
#include "rx_expect.h"
#include "stats.h"
#include "tx.h"

/* The second IEEE 802 local experimental EtherType: "another type". */
#define ETH_P_OTHER 0x88B6

/* A test frame: Ethernet header + 64 bytes (78 on the wire, 64 for SOCK_DGRAM). */
#define PAYLOAD 64
#define RAW_LEN (ETH_HLEN + PAYLOAD)

static const struct netns_opts no_links = { .no_links = true };

#define NFDS 6

FIXTURE(create) {
	struct netns_topo topo;
	int fd[NFDS];
};

FIXTURE_SETUP(create)
{
	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, &no_links);
}

FIXTURE_TEARDOWN(create)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/* Clear cap from the effective set of this process; 0 or -1 with errno. */
static int drop_effective_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &h, d))
		return -1;
	if (syscall(SYS_capget, &h, d))
		return -1;
	if (d[cap / 32].effective & (1u << (cap % 32))) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static const char *type_name(int type)
{
	switch (type) {
	case SOCK_RAW: return "SOCK_RAW";
	case SOCK_DGRAM: return "SOCK_DGRAM";
	case SOCK_PACKET: return "SOCK_PACKET";
	case SOCK_STREAM: return "SOCK_STREAM";
	default: return "another type";
	}
}

/*
 * Without CAP_NET_RAW in the effective set, socket() is EPERM for every
 * type: the capability is checked before the type (SOCK_STREAM is EPERM,
 * not ESOCKTNOSUPPORT). The same process created one just before.
 */
TEST_F(create, no_cap_net_raw_eperm)
{
	static const int types[] = { SOCK_RAW, SOCK_DGRAM, SOCK_PACKET, SOCK_STREAM };

	self->fd[0] = psock_socket(SOCK_RAW, ETH_P_ALL);
	ASSERT_LE(0, self->fd[0]) TH_LOG("with CAP_NET_RAW: %s", strerror(errno));
	ASSERT_EQ(0, drop_effective_cap(CAP_NET_RAW)) TH_LOG("capset: %s", strerror(errno));
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		int fd = psock_socket(types[i], ETH_P_ALL);
		int err = errno;

		EXPECT_EQ(-1, fd) TH_LOG("%s created without CAP_NET_RAW", type_name(types[i]));
		EXPECT_EQ(EPERM, err) TH_LOG("%s: errno %d (%s)", type_name(types[i]), err,
					     strerror(err));
		if (fd >= 0)
			close(fd);
	}
}

/*
 * In a user namespace of its own (all capabilities there), the process is
 * still refused in the network namespace it is in: that one is owned by
 * the parent user namespace. In a network namespace it creates from there,
 * owned by its user namespace, socket() works.
 */
TEST_F(create, user_ns_not_owning_netns_eperm)
{
	static const int types[] = { SOCK_RAW, SOCK_DGRAM, SOCK_PACKET };

	if (unshare(CLONE_NEWUSER)) {
		int err = errno;

		if (err == EPERM || err == EACCES || err == ENOSPC || err == EUSERS ||
		    err == EINVAL)
			SKIP(return, "cannot create a nested user namespace: unshare(CLONE_NEWUSER): %s "
			     "(%s)", strerror(err),
			     err == EPERM ? "create_user_ns() refuses it inside a chroot, "
					    "or a seccomp or LSM policy forbids it" :
			     err == EINVAL ? "kernel without CONFIG_USER_NS" :
			     "user.max_user_namespaces reached");
		ASSERT_EQ(0, err) TH_LOG("unshare(CLONE_NEWUSER): %s", strerror(err));
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		int fd = psock_socket(types[i], ETH_P_ALL);
		int err = errno;

		EXPECT_EQ(-1, fd) TH_LOG("%s created from a user namespace not owning the netns",
					 type_name(types[i]));
		EXPECT_EQ(EPERM, err) TH_LOG("%s: errno %d (%s)", type_name(types[i]), err,
					     strerror(err));
		if (fd >= 0)
			close(fd);
	}
	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		self->fd[i] = psock_socket(types[i], ETH_P_ALL);
		EXPECT_LE(0, self->fd[i]) TH_LOG("%s in the owned netns: %s", type_name(types[i]),
						 strerror(errno));
	}
}

/*
 * Types other than SOCK_RAW/SOCK_DGRAM/SOCK_PACKET: ESOCKTNOSUPPORT from
 * packet_create(); SOCK_MAX (11) is EINVAL from the socket layer.
 */
TEST_F(create, other_types_esocktnosupport)
{
	/* 0, SOCK_STREAM, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP, and the unnamed 7..9 */
	static const int refused[] = { 0, 1, 4, 5, 6, 7, 8, 9 };
	static const int types[] = { SOCK_RAW, SOCK_DGRAM, SOCK_PACKET };

	for (unsigned int i = 0; i < ARRAY_SIZE(refused); i++) {
		int fd = psock_socket(refused[i], ETH_P_ALL);
		int err = errno;

		EXPECT_EQ(-1, fd) TH_LOG("type %d created", refused[i]);
		EXPECT_EQ(ESOCKTNOSUPPORT, err) TH_LOG("type %d: errno %d (%s)", refused[i], err,
						       strerror(err));
		if (fd >= 0)
			close(fd);
	}
	EXPECT_ERRNO(EINVAL, psock_socket(11, ETH_P_ALL));
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		self->fd[i] = psock_socket(types[i], ETH_P_ALL);
		EXPECT_LE(0, self->fd[i]) TH_LOG("%s: %s", type_name(types[i]), strerror(errno));
	}
}

/* One socket of the /proc/net/packet case and the row it must have. */
struct proc_case {
	int type;
	int protocol;		/* socket()'s argument as passed: network byte order */
	int bind_ifindex;	/* -1: not bound */
	uint16_t bind_proto;	/* host order, for bind() */
	const char *proto;	/* Proto as printed */
	int iface;
	int running;
};

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PROTO_3_PRINTED "0300"
#else
#define PROTO_3_PRINTED "0003"
#endif

/*
 * The namespace's /proc/net/packet has exactly a row per socket of the
 * case, found by inode, with the type, the protocol in host order as
 * packet_seq_show() prints it, the interface (0: any, lo is 1), whether
 * the hook is registered, and an empty receive queue. Protocol 3 passed
 * without htons() is EtherType 0x0300 (on a little-endian machine).
 */
TEST_F(create, proc_net_packet_rows)
{
	static const struct proc_case rows[] = {
		{ SOCK_RAW, 0, -1, 0, "0000", 0, 0 },
		{ SOCK_DGRAM, 0x0300 /* htons(ETH_P_ALL) */, -1, 0, "0003", 0, 1 },
		{ SOCK_PACKET, 0x0300, -1, 0, "0003", 0, 1 },
		{ SOCK_RAW, 0, 1, ETH_P_PSOCK, "88b5", 1, 1 },
		{ SOCK_DGRAM, 0, 1, 0, "0000", 1, 0 },
		{ SOCK_RAW, 3, -1, 0, PROTO_3_PRINTED, 0, 1 },
	};
	static const char header[] =
		"sk               RefCnt Type Proto  Iface R Rmem   User   Inode";
	static struct proc_packet t;
	char why[256];

	_Static_assert(ARRAY_SIZE(rows) <= NFDS, "a fd per row");
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set lo up"))
		TH_LOG("%s", why);
	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		self->fd[i] = socket(AF_PACKET, rows[i].type | SOCK_CLOEXEC, rows[i].protocol);
		ASSERT_LE(0, self->fd[i]) TH_LOG("row %u: socket: %s", i, strerror(errno));
		if (rows[i].bind_ifindex >= 0) {
			ASSERT_EQ(0, psock_bind(self->fd[i], rows[i].bind_ifindex, rows[i].bind_proto))
				TH_LOG("row %u: bind: %s", i, strerror(errno));
		}
	}
	ASSERT_EQ(0, proc_packet_read(&t)) TH_LOG("/proc/net/packet: %s", strerror(errno));
	if (sizeof(void *) == 8) {
		EXPECT_STREQ(header, t.header);
	}
	EXPECT_EQ(ARRAY_SIZE(rows), t.n);
	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct proc_packet_row *r = proc_packet_find(&t, self->fd[i]);

		ASSERT_NE(NULL, r) TH_LOG("row %u (%s): no line with its inode", i,
					  type_name(rows[i].type));
		EXPECT_EQ(rows[i].type, r->type) TH_LOG("row %u", i);
		EXPECT_STREQ(rows[i].proto, r->proto) TH_LOG("row %u", i);
		EXPECT_EQ(rows[i].iface, r->iface) TH_LOG("row %u", i);
		EXPECT_EQ(rows[i].running, r->running) TH_LOG("row %u", i);
		EXPECT_EQ(0u, r->rmem) TH_LOG("row %u", i);
	}
}

/* ---- delivery: the default veth pair -------------------------------- */

/*
 * packet_ioctl() answers SIOCOUTQ and SIOCINQ itself and passes the inet
 * address and route requests to inet_dgram_ops; any other request is
 * -ENOIOCTLCMD, which sock_do_ioctl() hands to the device layer
 * (dev_ioctl()) when it is a socket ioctl and answers ENOTTY otherwise:
 * SIOCGIFINDEX of lo on a packet socket is 1 (lo's index in a new
 * namespace), a request no layer knows is ENOTTY.
 */
TEST_F(create, other_ioctls_go_to_the_device_layer)
{
	struct ifreq ifr;

	self->fd[0] = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd[0]) TH_LOG("socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ASSERT_EQ(0, ioctl(self->fd[0], SIOCGIFINDEX, &ifr)) TH_LOG("SIOCGIFINDEX: %s",
								      strerror(errno));
	EXPECT_EQ(1, ifr.ifr_ifindex);
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd[0], _IO('p', 0x7e), 0));
}

FIXTURE(proto) {
	struct netns_topo topo;
	int fd[NFDS];
};

FIXTURE_SETUP(proto)
{
	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	/* Pinned, frames sent one after the other are received in that order. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
}

FIXTURE_TEARDOWN(proto)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/* Frame seq of EtherType ethertype (0: ETH_P_PSOCK) from psk1 to psk0. */
#define PEER_SEND(topo, seq, ethertype) ASSERT_PEER_SEND((topo), (seq), (ethertype), PAYLOAD)

/* Frame seq out of psk0 (through tx, bound to psk0) to psk1. */
#define PSK0_SEND(tx, seq) ASSERT_SEND_OUT((tx), (seq), PAYLOAD)

/*
 * socket(ETH_P_PSOCK), never bound: the hook has no device, so the frames
 * of that type arriving on psk0 and on psk1 both come in, each with the
 * device it arrived on; nothing else (a frame going out is not copied to a
 * hook for one EtherType).
 */
TEST_F(proto, protocol_at_socket_hooks_every_device)
{
	int raw = self->fd[0] = psock_socket(SOCK_RAW, ETH_P_PSOCK);
	int dgram = self->fd[1] = psock_socket(SOCK_DGRAM, ETH_P_PSOCK);
	int tx = self->fd[2] = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);

	ASSERT_LE(0, raw) TH_LOG("socket: %s", strerror(errno));
	ASSERT_LE(0, dgram) TH_LOG("socket: %s", strerror(errno));
	ASSERT_LE(0, tx) TH_LOG("sender on psk0: %s", strerror(errno));

	PEER_SEND(&self->topo, 1, 0);
	ASSERT_RX_NEXT(raw, .type = SOCK_RAW, .seq = 1, .len = RAW_LEN,
		       .ifindex = self->topo.ifindex0, .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
	ASSERT_RX_NEXT(dgram, .type = SOCK_DGRAM, .seq = 1, .len = PAYLOAD,
		       .ifindex = self->topo.ifindex0, .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
	PSK0_SEND(tx, 2);
	ASSERT_RX_NEXT(raw, .type = SOCK_RAW, .seq = 2, .len = RAW_LEN,
		       .ifindex = self->topo.ifindex1, .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
	ASSERT_RX_NEXT(dgram, .type = SOCK_DGRAM, .seq = 2, .len = PAYLOAD,
		       .ifindex = self->topo.ifindex1, .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
	/* a copy of 2 going out of psk0 would have come before 2 arrived on psk1 */
	ASSERT_RX_NONE(raw);
	ASSERT_RX_NONE(dgram);
}

/*
 * Bound to psk0: ETH_P_ALL gets a frame of ETH_P_PSOCK and one of another
 * EtherType arriving, and the copy of a frame psk0 sends (PACKET_OUTGOING);
 * ETH_P_PSOCK gets only the first.
 */
TEST_F(proto, eth_p_all_vs_one_ethertype)
{
	const int if0 = self->topo.ifindex0;
	int all[2], one[2];
	int tx = self->fd[4] = tx_socket(SOCK_RAW, 0, if0);

	all[0] = self->fd[0] = psock_rx_socket(SOCK_RAW, 0, if0, ETH_P_ALL);
	all[1] = self->fd[1] = psock_rx_socket(SOCK_DGRAM, 0, if0, ETH_P_ALL);
	one[0] = self->fd[2] = psock_rx_socket(SOCK_RAW, 0, if0, ETH_P_PSOCK);
	one[1] = self->fd[3] = psock_rx_socket(SOCK_DGRAM, 0, if0, ETH_P_PSOCK);
	for (int i = 0; i < 5; i++) {
		ASSERT_LE(0, self->fd[i]) TH_LOG("socket %d: %s", i, strerror(errno));
	}

	PEER_SEND(&self->topo, 1, 0);
	PEER_SEND(&self->topo, 2, ETH_P_OTHER);
	for (int i = 0; i < 2; i++) {
		int type = i ? SOCK_DGRAM : SOCK_RAW;
		size_t len = i ? PAYLOAD : RAW_LEN;

		ASSERT_RX_NEXT(all[i], .type = type, .seq = 1, .len = len, .ifindex = if0,
			       .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
		ASSERT_RX_NEXT(all[i], .type = type, .seq = 2, .len = len, .ifindex = if0,
			       .pkttype = PACKET_HOST, .protocol = ETH_P_OTHER);
	}
	PSK0_SEND(tx, 3);
	for (int i = 0; i < 2; i++) {
		ASSERT_RX_NEXT(all[i], .type = i ? SOCK_DGRAM : SOCK_RAW, .seq = 3,
			       .len = i ? PAYLOAD : RAW_LEN, .ifindex = if0,
			       .pkttype = PACKET_OUTGOING, .protocol = ETH_P_PSOCK);
	}
	PEER_SEND(&self->topo, 4, 0);
	for (int i = 0; i < 2; i++) {
		int type = i ? SOCK_DGRAM : SOCK_RAW;
		size_t len = i ? PAYLOAD : RAW_LEN;

		ASSERT_RX_NEXT(all[i], .type = type, .seq = 4, .len = len, .ifindex = if0,
			       .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
		ASSERT_RX_NEXT(one[i], .type = type, .seq = 1, .len = len, .ifindex = if0,
			       .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
		ASSERT_RX_NEXT(one[i], .type = type, .seq = 4, .len = len, .ifindex = if0,
			       .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
		ASSERT_RX_NONE(one[i]);
	}
}

/*
 * socket(ETH_P_PSOCK), then bind(psk0, protocol 0): the socket keeps
 * ETH_P_PSOCK (getsockname's sll_protocol) and now hooks psk0 only: a frame
 * arriving on psk1 no longer comes in, one arriving on psk0 does.
 */
TEST_F(proto, bind_protocol_zero_keeps_protocol)
{
	const int if0 = self->topo.ifindex0;
	int fds[2];
	int tx = self->fd[2] = tx_socket(SOCK_RAW, 0, if0);

	fds[0] = self->fd[0] = psock_socket(SOCK_RAW, ETH_P_PSOCK);
	fds[1] = self->fd[1] = psock_socket(SOCK_DGRAM, ETH_P_PSOCK);
	ASSERT_LE(0, tx) TH_LOG("sender on psk0: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(sll);

		ASSERT_LE(0, fds[i]) TH_LOG("socket: %s", strerror(errno));
		ASSERT_EQ(0, psock_bind(fds[i], if0, 0)) TH_LOG("bind: %s", strerror(errno));
		ASSERT_EQ(0, getsockname(fds[i], (struct sockaddr *)&sll, &len));
		EXPECT_EQ(htons(ETH_P_PSOCK), sll.sll_protocol);
		EXPECT_EQ(if0, sll.sll_ifindex);
	}
	PSK0_SEND(tx, 1);	/* arrives on psk1 */
	PEER_SEND(&self->topo, 2, 0);
	for (int i = 0; i < 2; i++) {
		ASSERT_RX_NEXT(fds[i], .type = i ? SOCK_DGRAM : SOCK_RAW, .seq = 2,
			       .len = i ? PAYLOAD : RAW_LEN, .ifindex = if0,
			       .pkttype = PACKET_HOST, .protocol = ETH_P_PSOCK);
		ASSERT_RX_NONE(fds[i]);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * bind() and the names a packet socket reports.
 *
 * packet_bind() (net/packet/af_packet.c, Linux 6.12) checks the address and hands it to
 * packet_do_bind():
 *  - addr_len below sizeof(struct sockaddr_ll) (20) is EINVAL, and so is an
 *    sll_family other than AF_PACKET; a longer address is accepted;
 *  - sll_ifindex 0 hooks the socket to every device (prot_hook.dev NULL), any
 *    other index must name a device of the socket's namespace (ENODEV); a
 *    refused bind leaves the socket as it was;
 *  - a bind to another device or protocol unhooks the socket
 *    (__unregister_prot_hook(), with synchronize_net(), so no frame of the
 *    old binding is delivered afterwards) and hooks it again
 *    (register_prot_hook()): rebinding moves it, nothing of the old device
 *    comes in after;
 *  - a member of a fanout group cannot bind at all (EINVAL):
 *    the fanout_group binary's case group.rebind_member_einval pins that.
 *
 * packet_getname() answers getsockname(): sll_family AF_PACKET, sll_ifindex
 * and sll_protocol of the binding, sll_pkttype 0, and, for a device that
 * exists, its sll_hatype (ARPHRD_ETHER on veth), sll_halen (6) and address in
 * sll_addr, otherwise hatype and halen 0. The length it returns is
 * offsetof(struct sockaddr_ll, sll_addr) + halen: 12 unbound, 18 on an
 * Ethernet device; the bytes past it are not written, and a shorter buffer
 * gets its first bytes with the full length reported. getpeername() is
 * EOPNOTSUPP (a packet socket has no peer).
 *
 * The rules are the same for SOCK_RAW and SOCK_DGRAM (one packet_bind() and
 * packet_getname() for both), so each case checks a socket of each type.
 *
 * Test cases:
 *   addr.missing_ifindex_enodev
 *   addr.short_addr_len_einval
 *   addr.other_family_einval
 *   addr.getsockname_before_bind
 *   addr.getpeername_eopnotsupp
 *   bound.ifindex_zero_receives_every_device
 *   bound.rebind_moves_to_new_device
 *   bound.getsockname_names_the_device
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "rx_expect.h"
#include "stats.h"
#include "tx.h"

/* A test frame: Ethernet header + 64 bytes (78 on the wire, 64 for SOCK_DGRAM). */
#define PAYLOAD 64
#define RAW_LEN (ETH_HLEN + PAYLOAD)

/* Literal ABI values: AF_PACKET, ARPHRD_ETHER, offsetof(sockaddr_ll, sll_addr). */
#define FAMILY_PACKET 17
#define HATYPE_ETHER 1
#define SLL_ADDR_OFF 12

#define LO_IFINDEX 1

static const int types[2] = { SOCK_RAW, SOCK_DGRAM };
static const char *const type_names[2] = { "SOCK_RAW", "SOCK_DGRAM" };

#define NFDS 4

/* ---- the address: fresh namespaces, only lo -------------------------- */

static const struct netns_opts no_links = { .no_links = true };

FIXTURE(addr) {
	struct netns_topo topo;
	int fd[NFDS];
};

FIXTURE_SETUP(addr)
{
	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, &no_links);
	for (int i = 0; i < 2; i++) {
		self->fd[i] = psock_socket(types[i], 0);
		ASSERT_LE(0, self->fd[i]) TH_LOG("%s: %s", type_names[i], strerror(errno));
	}
}

FIXTURE_TEARDOWN(addr)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/* getsockname() into a 32-byte buffer of 0xaa: the length, or -1. */
static int sockname(int fd, uint8_t buf[32])
{
	socklen_t len = 32;

	memset(buf, 0xaa, 32);
	if (getsockname(fd, (struct sockaddr *)buf, &len))
		return -1;
	return (int)len;
}

/* Expect fd's binding to be ifindex and protocol (host order). */
static void expect_bound(struct __test_metadata *_metadata, int fd, int ifindex,
			 uint16_t proto, const char *what)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);

	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sll, &len))
		TH_LOG("%s: getsockname: %s", what, strerror(errno));
	EXPECT_EQ(ifindex, sll.sll_ifindex) TH_LOG("%s", what);
	EXPECT_EQ(htons(proto), sll.sll_protocol) TH_LOG("%s", what);
}

/* An ifindex no device has is ENODEV, -1 too; the socket stays bound to lo. */
TEST_F(addr, missing_ifindex_enodev)
{
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, psock_bind(self->fd[i], LO_IFINDEX, ETH_P_PSOCK))
			TH_LOG("%s: bind to lo: %s", type_names[i], strerror(errno));
		EXPECT_ERRNO(ENODEV, psock_bind(self->fd[i], 4242, ETH_P_PSOCK));
		EXPECT_ERRNO(ENODEV, psock_bind(self->fd[i], -1, ETH_P_IP));
		expect_bound(_metadata, self->fd[i], LO_IFINDEX, ETH_P_PSOCK, type_names[i]);
	}
}

/* addr_len 0, 12, 19: EINVAL, the socket stays unbound; 20 and 128 bind. */
TEST_F(addr, short_addr_len_einval)
{
	static const socklen_t refused[] = { 0, 12, 19 };
	struct sockaddr_storage ss;
	struct sockaddr_ll *sll = (struct sockaddr_ll *)&ss;

	memset(&ss, 0, sizeof(ss));
	sll->sll_family = AF_PACKET;
	sll->sll_ifindex = LO_IFINDEX;
	sll->sll_protocol = htons(ETH_P_PSOCK);
	for (int i = 0; i < 2; i++) {
		for (unsigned int j = 0; j < ARRAY_SIZE(refused); j++) {
			EXPECT_ERRNO(EINVAL, bind(self->fd[i], (struct sockaddr *)&ss, refused[j]));
		}
		expect_bound(_metadata, self->fd[i], 0, 0, type_names[i]);
	}
	EXPECT_EQ(0, bind(self->fd[0], (struct sockaddr *)&ss, 20)) TH_LOG("%s", strerror(errno));
	expect_bound(_metadata, self->fd[0], LO_IFINDEX, ETH_P_PSOCK, "SOCK_RAW, 20 bytes");
	EXPECT_EQ(0, bind(self->fd[1], (struct sockaddr *)&ss, 128)) TH_LOG("%s", strerror(errno));
	expect_bound(_metadata, self->fd[1], LO_IFINDEX, ETH_P_PSOCK, "SOCK_DGRAM, 128 bytes");
}

/* sll_family AF_UNSPEC, AF_INET, AF_INET6: EINVAL; the socket stays unbound. */
TEST_F(addr, other_family_einval)
{
	static const sa_family_t families[] = { AF_UNSPEC, AF_INET, AF_INET6 };
	struct sockaddr_ll sll = {
		.sll_ifindex = LO_IFINDEX, .sll_protocol = htons(ETH_P_PSOCK),
	};

	for (int i = 0; i < 2; i++) {
		for (unsigned int j = 0; j < ARRAY_SIZE(families); j++) {
			sll.sll_family = families[j];
			EXPECT_ERRNO(EINVAL, bind(self->fd[i], (struct sockaddr *)&sll, sizeof(sll)));
		}
		expect_bound(_metadata, self->fd[i], 0, 0, type_names[i]);
	}
}

/*
 * Unbound: family, ifindex 0, the protocol of socket() (0 here, ETH_P_PSOCK
 * for a socket made with it), pkttype/hatype/halen 0, length 12, nothing
 * written past it.
 */
TEST_F(addr, getsockname_before_bind)
{
	uint8_t buf[32];
	struct sockaddr_ll *sll = (struct sockaddr_ll *)buf;

	self->fd[2] = psock_socket(SOCK_DGRAM, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd[2]) TH_LOG("socket: %s", strerror(errno));
	for (int i = 0; i < 3; i++) {
		const char *what = i == 2 ? "SOCK_DGRAM, ETH_P_PSOCK" : type_names[i];

		EXPECT_EQ(SLL_ADDR_OFF, sockname(self->fd[i], buf))
			TH_LOG("%s: %s", what, strerror(errno));
		EXPECT_EQ(FAMILY_PACKET, sll->sll_family) TH_LOG("%s", what);
		EXPECT_EQ(0, sll->sll_ifindex) TH_LOG("%s", what);
		EXPECT_EQ(i == 2 ? htons(ETH_P_PSOCK) : 0, sll->sll_protocol) TH_LOG("%s", what);
		EXPECT_EQ(0, sll->sll_pkttype) TH_LOG("%s", what);
		EXPECT_EQ(0, sll->sll_hatype) TH_LOG("%s", what);
		EXPECT_EQ(0, sll->sll_halen) TH_LOG("%s", what);
		for (int b = SLL_ADDR_OFF; b < 32; b++) {
			EXPECT_EQ(0xaa, buf[b]) TH_LOG("%s: byte %d written", what, b);
		}
	}
}

/* getpeername() is EOPNOTSUPP, unbound and bound. */
TEST_F(addr, getpeername_eopnotsupp)
{
	for (int i = 0; i < 2; i++) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(sll);

		EXPECT_ERRNO(EOPNOTSUPP, getpeername(self->fd[i], (struct sockaddr *)&sll, &len));
		ASSERT_EQ(0, psock_bind(self->fd[i], LO_IFINDEX, ETH_P_PSOCK))
			TH_LOG("%s: bind to lo: %s", type_names[i], strerror(errno));
		len = sizeof(sll);
		EXPECT_ERRNO(EOPNOTSUPP, getpeername(self->fd[i], (struct sockaddr *)&sll, &len));
	}
}

/* ---- bound to devices: the default veth pair ------------------------- */

FIXTURE(bound) {
	struct netns_topo topo;
	int fd[NFDS];
};

FIXTURE_SETUP(bound)
{
	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	/* Pinned, frames sent one after the other are received in that order. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		self->fd[i] = psock_rx_socket(types[i], 0, self->topo.ifindex0, ETH_P_PSOCK);
		ASSERT_LE(0, self->fd[i]) TH_LOG("%s on psk0: %s", type_names[i], strerror(errno));
	}
	self->fd[2] = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd[2]) TH_LOG("sender on psk0: %s", strerror(errno));
}

FIXTURE_TEARDOWN(bound)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/* Expect frame seq on fd (socket i of types[]) as arriving on ifindex. */
#define EXPECT_ARRIVED(i, seq_, ifindex_)					\
	ASSERT_RX_NEXT(self->fd[i], .type = types[i], .seq = (seq_),		\
		       .len = types[i] == SOCK_RAW ? RAW_LEN : PAYLOAD,		\
		       .ifindex = (ifindex_), .pkttype = PACKET_HOST,		\
		       .protocol = ETH_P_PSOCK)

/*
 * Bound to psk0, then bind(ifindex 0): a frame arriving on psk0 and one
 * arriving on psk1 both come in, and nothing else.
 */
TEST_F(bound, ifindex_zero_receives_every_device)
{
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, psock_bind(self->fd[i], 0, ETH_P_PSOCK))
			TH_LOG("%s: bind(0): %s", type_names[i], strerror(errno));
	}
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	ASSERT_SEND_OUT(self->fd[2], 2, PAYLOAD);
	for (int i = 0; i < 2; i++) {
		EXPECT_ARRIVED(i, 1, self->topo.ifindex0);
		EXPECT_ARRIVED(i, 2, self->topo.ifindex1);
		ASSERT_RX_NONE(self->fd[i]);
	}
}

/*
 * Bound to psk0, the socket receives psk0's frame; rebound to psk1, a frame
 * arriving on psk0 (a witness on psk0 gets it) does not come in, the next
 * one, arriving on psk1, does.
 */
TEST_F(bound, rebind_moves_to_new_device)
{
	int witness;

	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	for (int i = 0; i < 2; i++) {
		EXPECT_ARRIVED(i, 1, self->topo.ifindex0);
		ASSERT_EQ(0, psock_bind(self->fd[i], self->topo.ifindex1, ETH_P_PSOCK))
			TH_LOG("%s: bind to psk1: %s", type_names[i], strerror(errno));
	}
	witness = self->fd[3] = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, witness) TH_LOG("witness: %s", strerror(errno));
	ASSERT_PEER_SEND(&self->topo, 2, 0, PAYLOAD);
	ASSERT_RX_NEXT(witness, .type = SOCK_RAW, .seq = 2, .len = RAW_LEN,
		       .ifindex = self->topo.ifindex0, .pkttype = PACKET_HOST,
		       .protocol = ETH_P_PSOCK);
	ASSERT_SEND_OUT(self->fd[2], 3, PAYLOAD);
	for (int i = 0; i < 2; i++) {
		EXPECT_ARRIVED(i, 3, self->topo.ifindex1);
		ASSERT_RX_NONE(self->fd[i]);
	}
}

/* The name of a socket bound to dev (ifindex, MAC), as getsockname() must give it. */
static void expect_name(struct __test_metadata *_metadata, int fd, int ifindex,
			const uint8_t mac[6], const char *what)
{
	uint8_t buf[32];
	struct sockaddr_ll *sll = (struct sockaddr_ll *)buf;

	EXPECT_EQ(SLL_ADDR_OFF + 6, sockname(fd, buf)) TH_LOG("%s: %s", what, strerror(errno));
	EXPECT_EQ(FAMILY_PACKET, sll->sll_family) TH_LOG("%s", what);
	EXPECT_EQ(ifindex, sll->sll_ifindex) TH_LOG("%s", what);
	EXPECT_EQ(htons(ETH_P_PSOCK), sll->sll_protocol) TH_LOG("%s", what);
	EXPECT_EQ(0, sll->sll_pkttype) TH_LOG("%s", what);
	EXPECT_EQ(HATYPE_ETHER, sll->sll_hatype) TH_LOG("%s", what);
	EXPECT_EQ(6, sll->sll_halen) TH_LOG("%s", what);
	EXPECT_EQ(0, memcmp(mac, sll->sll_addr, 6)) TH_LOG("%s: sll_addr %02x:%02x:%02x:%02x:%02x:%02x",
							  what, sll->sll_addr[0], sll->sll_addr[1],
							  sll->sll_addr[2], sll->sll_addr[3],
							  sll->sll_addr[4], sll->sll_addr[5]);
	for (int b = SLL_ADDR_OFF + 6; b < 32; b++) {
		EXPECT_EQ(0xaa, buf[b]) TH_LOG("%s: byte %d written", what, b);
	}
}

/*
 * Bound to psk0: ifindex, protocol, ARPHRD_ETHER, halen 6, psk0's MAC,
 * length 18; an 8-byte buffer gets 8 bytes and the length 18; rebound to
 * psk1, psk1's index and MAC.
 */
TEST_F(bound, getsockname_names_the_device)
{
	static const uint8_t mac0[6] = NETNS_MAC0, mac1[6] = NETNS_MAC1;

	for (int i = 0; i < 2; i++) {
		uint8_t buf[32];
		socklen_t len = 8;

		expect_name(_metadata, self->fd[i], self->topo.ifindex0, mac0, type_names[i]);
		memset(buf, 0xaa, sizeof(buf));
		ASSERT_EQ(0, getsockname(self->fd[i], (struct sockaddr *)buf, &len));
		EXPECT_EQ(SLL_ADDR_OFF + 6, len) TH_LOG("%s, 8-byte buffer", type_names[i]);
		EXPECT_EQ(FAMILY_PACKET, ((struct sockaddr_ll *)buf)->sll_family);
		EXPECT_EQ(self->topo.ifindex0, ((struct sockaddr_ll *)buf)->sll_ifindex);
		for (int b = 8; b < 32; b++) {
			EXPECT_EQ(0xaa, buf[b]) TH_LOG("%s, 8-byte buffer: byte %d written",
						       type_names[i], b);
		}
		ASSERT_EQ(0, psock_bind(self->fd[i], self->topo.ifindex1, 0))
			TH_LOG("%s: bind to psk1: %s", type_names[i], strerror(errno));
		expect_name(_metadata, self->fd[i], self->topo.ifindex1, mac1, type_names[i]);
	}
}

TEST_HARNESS_MAIN

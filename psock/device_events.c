// SPDX-License-Identifier: GPL-2.0
/*
 * What a bound packet socket sees when its device goes down, comes back up
 * or goes away.
 *
 * packet_do_bind() (net/packet/af_packet.c, Linux 6.12) binds to a device
 * that is down without complaint, but registers no hook: it sets sk_err =
 * ENETDOWN and reports it (sk_error_report()). packet_notifier() follows the device:
 *  - NETDEV_DOWN: a socket bound to it (po->ifindex) is unhooked
 *    (__unregister_prot_hook(), PACKET_SOCK_RUNNING cleared, R 0 in
 *    /proc/net/packet) and gets sk_err = ENETDOWN;
 *  - NETDEV_UP: every socket bound to it with a protocol (po->num) is hooked
 *    again (register_prot_hook()), whether it was bound before the device
 *    went down or while it was down: frames come in without a new bind
 *    (sk_err is left as it was: the ENETDOWN stays pending until read);
 *  - NETDEV_UNREGISTER: on top of the NETDEV_DOWN work (the device went down
 *    first), the binding is forgotten: po->ifindex = -1 and the device
 *    reference dropped. getsockname() (packet_getname()) then reports
 *    sll_ifindex -1 with no hardware type or address (length 12), and
 *    /proc/net/packet (packet_seq_show()) Iface -1; a device created later
 *    under the same name, even with the same index, is not joined (no
 *    NETDEV_UP can match -1). Sending without an address finds no device
 *    (packet_cached_dev_get() is NULL): ENXIO, as does an address naming the
 *    old index. Before that, packet_dev_mclist_delete() drops every
 *    membership (PACKET_ADD_MEMBERSHIP) a socket holds on the device: its
 *    packet_diag MCLIST keeps only those of other devices, and close()
 *    (packet_flush_mclist()) releases those alone.
 * sk_err is read once: SO_ERROR returns it and clears it (sock_error()),
 * poll() shows POLLERR while it is set (datagram_poll()), and a recv()
 * returns it before anything queued (__skb_try_recv_datagram() checks
 * sock_error() first), even a frame that arrived before the link went down;
 * that frame is the next recv()'s.
 *
 * The notifier treats SOCK_RAW and SOCK_DGRAM alike (it walks the
 * namespace's socket list), so each case holds a socket of each type.
 *
 * Test cases:
 *   events.bind_to_down_device_enetdown_once
 *   events.link_down_reports_enetdown_once
 *   events.link_down_wakes_poll_with_pollerr
 *   events.bind_to_down_device_wakes_poll_with_pollerr
 *   events.link_down_recv_enetdown_then_queued_frame
 *   events.link_up_receives_without_new_bind
 *   deleted.getsockname_ifindex_minus_one
 *   deleted.send_enxio
 *   deleted.same_name_device_not_joined
 *   deleted_mc.unregister_drops_only_that_devices_memberships
 *   deleted_mc.close_after_unregister_releases_the_rest
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "diag.h"
#include "link.h"
#include "waiter.h"
#include "proc_packet.h"
#include "rx_expect.h"
#include "stats.h"
#include "tx.h"

/* A test frame: Ethernet header + 64 bytes (78 on the wire, 64 for SOCK_DGRAM). */
#define PAYLOAD 64
#define RAW_LEN (ETH_HLEN + PAYLOAD)

/* offsetof(struct sockaddr_ll, sll_addr): the name's length without an address. */
#define SLL_ADDR_OFF 12

static const int types[2] = { SOCK_RAW, SOCK_DGRAM };
static const char *const type_names[2] = { "SOCK_RAW", "SOCK_DGRAM" };

#define NFDS 5

/* SO_ERROR of fd (reading clears it), or -1 with errno. */
static int so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

/* Case step: SO_ERROR of fd is want (0: none pending). */
#define EXPECT_SO_ERROR(fd, want, what) do {					\
	int e_ = so_error(fd);							\
	EXPECT_EQ((want), e_) TH_LOG("%s: SO_ERROR %d (%s)", (what), e_,	\
				     e_ > 0 ? strerror(e_) : strerror(errno));	\
} while (0)

/* Case step: /proc/net/packet shows fd on Iface iface, R running. */
#define EXPECT_PROC(fd, iface_, running_, what) do {				\
	struct proc_packet_row r_;						\
	ASSERT_EQ(0, proc_packet_row_of((fd), &r_))				\
		TH_LOG("%s: /proc/net/packet: %s", (what), strerror(errno));	\
	EXPECT_EQ((iface_), r_.iface) TH_LOG("%s: Iface", (what));		\
	EXPECT_EQ((running_), r_.running) TH_LOG("%s: R", (what));		\
} while (0)

/* Case step: ip link set psk0 down (psk1 loses its carrier with it). */
#define PSK0_DOWN(topo) do {							\
	char why_[256];								\
	ASSERT_EQ(0, netns_ip((topo), false, why_, sizeof(why_), "link set %s down",	\
			      NETNS_IF0)) TH_LOG("%s", why_);			\
} while (0)

/* Case step: psk0 and psk1 up again, both operstate UP. */
#define LINKS_UP(topo) do {							\
	char why_[256];								\
	ASSERT_EQ(0, netns_links_up((topo), why_, sizeof(why_))) TH_LOG("%s", why_);	\
} while (0)

/* Expect frame seq, arrived on psk0, next on the socket of types[i]. */
#define EXPECT_ARRIVED(fd, i, seq_, ifindex_)					\
	ASSERT_RX_NEXT((fd), .type = types[i], .seq = (seq_),			\
		       .len = types[i] == SOCK_RAW ? RAW_LEN : PAYLOAD,		\
		       .ifindex = (ifindex_), .pkttype = PACKET_HOST,		\
		       .protocol = ETH_P_PSOCK)

/* ---- down and up ----------------------------------------------------- */

FIXTURE(events) {
	struct netns_topo topo;
	int fd[NFDS];
};

FIXTURE_SETUP(events)
{
	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
}

FIXTURE_TEARDOWN(events)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/* Sockets of both types bound to ifindex (ETH_P_PSOCK) into fd[0], fd[1]. */
static void bind_both(struct __test_metadata *_metadata, int *fd, int ifindex)
{
	for (int i = 0; i < 2; i++) {
		fd[i] = psock_rx_socket(types[i], 0, ifindex, ETH_P_PSOCK);
		ASSERT_LE(0, fd[i]) TH_LOG("%s bound to %d: %s", type_names[i], ifindex,
					   strerror(errno));
	}
}

/*
 * psk0 is down: bind() succeeds, the socket is bound (getsockname) but not
 * hooked (R 0), and SO_ERROR reads ENETDOWN once.
 */
TEST_F(events, bind_to_down_device_enetdown_once)
{
	PSK0_DOWN(&self->topo);
	bind_both(_metadata, self->fd, self->topo.ifindex0);
	for (int i = 0; i < 2; i++) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(sll);

		ASSERT_EQ(0, getsockname(self->fd[i], (struct sockaddr *)&sll, &len));
		EXPECT_EQ(self->topo.ifindex0, sll.sll_ifindex) TH_LOG("%s", type_names[i]);
		EXPECT_PROC(self->fd[i], self->topo.ifindex0, 0, type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], 0, type_names[i]);
	}
}

/*
 * bind() to a device that is down reports ENETDOWN as an error event
 * (sk_error_report()): a thread already asleep in poll() on the socket is
 * woken at once with POLLERR.
 */
TEST_F(events, bind_to_down_device_wakes_poll_with_pollerr)
{
	struct waiter w[2];

	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_PSOCK),
		.sll_ifindex = self->topo.ifindex0,
	};

	PSK0_DOWN(&self->topo);
	for (int i = 0; i < 2; i++) {
		/* protocol 0: not hooked anywhere until the bind */
		self->fd[i] = psock_socket(types[i], 0);
		ASSERT_LE(0, self->fd[i]) TH_LOG("%s: %s", type_names[i], strerror(errno));
		ASSERT_EQ(0, waiter_poll_start(&w[i], self->fd[i], POLLIN, 5 * PSOCK_WAIT_MS))
			TH_LOG("%s: a thread asleep in poll(): %s", type_names[i], strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, bind(self->fd[i], (struct sockaddr *)&to, sizeof(to)))
			TH_LOG("%s: bind: %s", type_names[i], strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, waiter_join(&w[i], PSOCK_WAIT_MS))
			TH_LOG("%s: poll() not woken: %s", type_names[i], strerror(errno));
		EXPECT_EQ(1, w[i].rc) TH_LOG("%s: %s", type_names[i], strerror(w[i].err));
		EXPECT_EQ(POLLERR, w[i].revents) TH_LOG("%s", type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
	}
}

/*
 * psk0 goes down under bound sockets: they are unhooked (R 0), poll() shows
 * POLLERR alone, SO_ERROR reads ENETDOWN once, then poll() shows nothing.
 */
TEST_F(events, link_down_reports_enetdown_once)
{
	bind_both(_metadata, self->fd, self->topo.ifindex0);
	for (int i = 0; i < 2; i++) {
		EXPECT_PROC(self->fd[i], self->topo.ifindex0, 1, type_names[i]);
	}
	PSK0_DOWN(&self->topo);
	for (int i = 0; i < 2; i++) {
		struct pollfd pfd = { .fd = self->fd[i], .events = POLLIN };

		EXPECT_PROC(self->fd[i], self->topo.ifindex0, 0, type_names[i]);
		EXPECT_EQ(1, poll(&pfd, 1, 0)) TH_LOG("%s: poll: %s", type_names[i], strerror(errno));
		EXPECT_EQ(POLLERR, pfd.revents) TH_LOG("%s", type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], 0, type_names[i]);
		pfd.revents = 0;
		EXPECT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("%s: revents %#x", type_names[i], pfd.revents);
	}
}

/*
 * A task already asleep in poll() on the socket is woken when psk0 goes
 * down, with POLLERR: packet_notifier() reports the ENETDOWN
 * (sk_error_report(), the socket is not SOCK_DEAD), it is not only seen by
 * the next poll. The waiter's own timeout is five times the deadline it must
 * return within.
 */
TEST_F(events, link_down_wakes_poll_with_pollerr)
{
	struct waiter w[2];

	bind_both(_metadata, self->fd, self->topo.ifindex0);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, waiter_poll_start(&w[i], self->fd[i], POLLIN, 5 * PSOCK_WAIT_MS))
			TH_LOG("%s: a thread asleep in poll(): %s", type_names[i], strerror(errno));
	}
	PSK0_DOWN(&self->topo);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, waiter_join(&w[i], PSOCK_WAIT_MS))
			TH_LOG("%s: poll() not woken: %s", type_names[i], strerror(errno));
		EXPECT_EQ(1, w[i].rc) TH_LOG("%s: %s", type_names[i], strerror(w[i].err));
		EXPECT_EQ(POLLERR, w[i].revents) TH_LOG("%s", type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
	}
}

/*
 * A frame arrived and is queued when psk0 goes down: the next blocking
 * recv() returns ENETDOWN, the one after it the frame, then nothing is left.
 */
TEST_F(events, link_down_recv_enetdown_then_queued_frame)
{
	const int wait_ms = psock_timeout_ms(PSOCK_WAIT_MS);
	struct timeval tv = { .tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000 };

	bind_both(_metadata, self->fd, self->topo.ifindex0);
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	for (int i = 0; i < 2; i++) {
		/* the frame is queued; the recv's wait is bounded */
		ASSERT_EQ(1, psock_wait(self->fd[i], POLLIN, PSOCK_WAIT_MS))
			TH_LOG("%s: frame 1: %s", type_names[i], strerror(errno));
		ASSERT_EQ(0, setsockopt(self->fd[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	}
	PSK0_DOWN(&self->topo);
	for (int i = 0; i < 2; i++) {
		uint8_t buf[256];

		EXPECT_ERRNO(ENETDOWN, recv(self->fd[i], buf, sizeof(buf), 0));
		EXPECT_ARRIVED(self->fd[i], i, 1, self->topo.ifindex0);
		ASSERT_RX_NONE(self->fd[i]);
	}
}

/*
 * psk0 comes up again: sockets bound before it went down and sockets bound
 * while it was down are hooked (R 1) and receive, none bound again. The
 * ENETDOWN they got is still pending until read (a recv() would return it
 * first).
 */
TEST_F(events, link_up_receives_without_new_bind)
{
	bind_both(_metadata, self->fd, self->topo.ifindex0);
	PSK0_DOWN(&self->topo);
	bind_both(_metadata, self->fd + 2, self->topo.ifindex0);
	LINKS_UP(&self->topo);
	for (int i = 0; i < 4; i++) {
		EXPECT_PROC(self->fd[i], self->topo.ifindex0, 1, type_names[i % 2]);
		/* NETDEV_UP leaves the ENETDOWN of the down pending */
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i % 2]);
	}
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	for (int i = 0; i < 4; i++) {
		EXPECT_ARRIVED(self->fd[i], i % 2, 1, self->topo.ifindex0);
		ASSERT_RX_NONE(self->fd[i]);
	}
}

/* ---- the device deleted ---------------------------------------------- */

FIXTURE(deleted) {
	struct netns_topo topo;
	int fd[NFDS];
};

/* Sockets of both types bound to psk0, then the veth pair deleted. */
FIXTURE_SETUP(deleted)
{
	char why[256];

	memset(self->fd, -1, sizeof(self->fd));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
	bind_both(_metadata, self->fd, self->topo.ifindex0);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link del %s", NETNS_IF0))
		TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(deleted)
{
	EXPECT_STREQ("", rx_close_all(self->fd, NFDS, &self->topo) ? strerror(errno) : "");
	netns_teardown(&self->topo);
}

/*
 * After the delete: sll_ifindex -1, the protocol kept, no hardware type or
 * address, length 12; /proc/net/packet Iface -1, R 0; SO_ERROR ENETDOWN
 * once (from the NETDEV_DOWN that came first).
 */
TEST_F(deleted, getsockname_ifindex_minus_one)
{
	for (int i = 0; i < 2; i++) {
		uint8_t buf[32];
		struct sockaddr_ll *sll = (struct sockaddr_ll *)buf;
		socklen_t len = sizeof(buf);

		memset(buf, 0xaa, sizeof(buf));
		ASSERT_EQ(0, getsockname(self->fd[i], (struct sockaddr *)buf, &len));
		EXPECT_EQ(SLL_ADDR_OFF, len) TH_LOG("%s", type_names[i]);
		EXPECT_EQ(-1, sll->sll_ifindex) TH_LOG("%s", type_names[i]);
		EXPECT_EQ(htons(ETH_P_PSOCK), sll->sll_protocol) TH_LOG("%s", type_names[i]);
		EXPECT_EQ(0, sll->sll_hatype) TH_LOG("%s", type_names[i]);
		EXPECT_EQ(0, sll->sll_halen) TH_LOG("%s", type_names[i]);
		EXPECT_PROC(self->fd[i], -1, 0, type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], 0, type_names[i]);
	}
}

/*
 * send() without an address: ENXIO (no device); sendto() naming psk0's old
 * index: ENXIO. Neither consumes the pending ENETDOWN.
 */
TEST_F(deleted, send_enxio)
{
	static const uint8_t mac1[6] = NETNS_MAC1;
	struct sockaddr_ll to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, mac1);
	struct tx_frame f;

	TX_FRAME(&f, .seq = 1, .payload_len = PAYLOAD);
	for (int i = 0; i < 2; i++) {
		/* SOCK_DGRAM sends the payload; the device adds the header */
		const void *data = types[i] == SOCK_RAW ? f.wire : f.wire + ETH_HLEN;
		size_t len = types[i] == SOCK_RAW ? f.len : f.len - ETH_HLEN;

		EXPECT_ERRNO(ENXIO, send(self->fd[i], data, len, 0));
		EXPECT_ERRNO(ENXIO, sendto(self->fd[i], data, len, 0, (struct sockaddr *)&to,
					   sizeof(to)));
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
	}
}

/*
 * psk0 and psk1 made again with the same names, indexes and MACs: the old
 * sockets stay unhooked (Iface -1, R 0) and get nothing of a frame a new
 * socket on the new psk0 receives.
 */
TEST_F(deleted, same_name_device_not_joined)
{
	char m0[18], m1[18], why[256];
	static const uint8_t mac0[6] = NETNS_MAC0, mac1[6] = NETNS_MAC1;
	int witness;

	snprintf(m0, sizeof(m0), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac0[0], mac0[1], mac0[2], mac0[3], mac0[4], mac0[5]);
	snprintf(m1, sizeof(m1), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac1[0], mac1[1], mac1[2], mac1[3], mac1[4], mac1[5]);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
			      "link add %s index %d address %s numtxqueues 1 numrxqueues 1 type veth "
			      "peer name %s index %d address %s numtxqueues 1 numrxqueues 1",
			      NETNS_IF0, self->topo.ifindex0, m0, NETNS_IF1, self->topo.ifindex1, m1))
		TH_LOG("%s", why);
	LINKS_UP(&self->topo);
	/* the peer's sender is opened now, on the new psk1 */
	ASSERT_EQ(-1, self->topo.peer_fd);
	witness = self->fd[2] = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, witness) TH_LOG("socket on the new psk0: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		EXPECT_PROC(self->fd[i], -1, 0, type_names[i]);
		EXPECT_SO_ERROR(self->fd[i], ENETDOWN, type_names[i]);
	}
	ASSERT_PEER_SEND(&self->topo, 1, 0, PAYLOAD);
	EXPECT_ARRIVED(witness, 0, 1, self->topo.ifindex0);
	for (int i = 0; i < 2; i++) {
		ASSERT_RX_NONE(self->fd[i]);
		EXPECT_PROC(self->fd[i], -1, 0, type_names[i]);
	}
}

/* ---- memberships on a deleted device ---------------------------------- */

FIXTURE(deleted_mc) {
	struct netns_topo topo;
	int fd;
};

static const uint8_t mc_addr[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

/*
 * One socket (unbound: the memberships do not need a binding) holding a
 * PACKET_MR_MULTICAST and a PACKET_MR_PROMISC membership on psk0 and a
 * PACKET_MR_MULTICAST one on lo, then the veth pair deleted. packet_diag
 * reads the memberships (SKIP where it answers ENOENT).
 */
FIXTURE_SETUP(deleted_mc)
{
	struct pdiag_dump d;
	char why[256];
	int rc;

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	rc = pdiag_request(PACKET_SHOW_MCLIST, NLM_F_DUMP, 0, &d);
	if (rc == -ENOENT)
		SKIP(return, "packet_diag is absent: SOCK_DIAG_BY_FAMILY AF_PACKET gives ENOENT "
		     "(CONFIG_PACKET_DIAG, module af_packet_diag)");
	ASSERT_EQ(0, rc) TH_LOG("packet_diag dump: %d, %s", rc, strerror(errno));
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, psock_membership(self->fd, true, LINK_LO_IFINDEX, PACKET_MR_MULTICAST,
				      mc_addr, 6)) TH_LOG("lo MULTICAST: %s", strerror(errno));
	ASSERT_EQ(0, psock_membership(self->fd, true, self->topo.ifindex0, PACKET_MR_MULTICAST,
				      mc_addr, 6)) TH_LOG("psk0 MULTICAST: %s", strerror(errno));
	ASSERT_EQ(0, psock_membership(self->fd, true, self->topo.ifindex0, PACKET_MR_PROMISC,
				      NULL, 0)) TH_LOG("psk0 PROMISC: %s", strerror(errno));
	ASSERT_EQ(1, dev_mcast_users(LINK_LO_IFINDEX, mc_addr, 6));
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link del %s", NETNS_IF0))
		TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(deleted_mc)
{
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/*
 * NETDEV_UNREGISTER drops the socket's memberships of the deleted device
 * (packet_notifier() -> packet_dev_mclist_delete()): packet_diag's MCLIST
 * holds one entry, lo's MULTICAST (index 1, count 1, alen 6), and lo's
 * multicast list still counts it once.
 */
TEST_F(deleted_mc, unregister_drops_only_that_devices_memberships)
{
	uint8_t addr[32] = { 0 };
	const struct pdiag_sock *p;
	struct pdiag_dump d;

	memcpy(addr, mc_addr, 6);
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_MCLIST, NLM_F_DUMP, 0, &d))
		TH_LOG("dump: %s", strerror(errno));
	p = pdiag_find(&d, self->fd);
	ASSERT_NE(NULL, p) TH_LOG("socket inode %lu not in the dump", pdiag_fd_ino(self->fd));
	EXPECT_TRUE(p->has_mclist);
	ASSERT_EQ(1, p->mc_n);
	EXPECT_EQ(1, p->mc[0].pdmc_index);
	EXPECT_EQ(PACKET_MR_MULTICAST, p->mc[0].pdmc_type);
	EXPECT_EQ(6, p->mc[0].pdmc_alen);
	EXPECT_EQ(1, p->mc[0].pdmc_count);
	EXPECT_EQ(0, memcmp(addr, p->mc[0].pdmc_addr, 32));
	EXPECT_EQ(1, dev_mcast_users(LINK_LO_IFINDEX, mc_addr, 6));
}

/*
 * close() after the delete returns 0 and releases what is left
 * (packet_release() -> packet_flush_mclist()): lo's address is off its
 * list, and no packet socket is left in the namespace.
 */
TEST_F(deleted_mc, close_after_unregister_releases_the_rest)
{
	struct pdiag_dump d;
	int fd = self->fd;

	self->fd = -1;
	EXPECT_EQ(0, close(fd)) TH_LOG("close: %s", strerror(errno));
	EXPECT_EQ(0, dev_mcast_users(LINK_LO_IFINDEX, mc_addr, 6));
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_MCLIST, NLM_F_DUMP, 0, &d))
		TH_LOG("dump: %s", strerror(errno));
	EXPECT_EQ(0, d.n);
}

TEST_HARNESS_MAIN

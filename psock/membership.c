// SPDX-License-Identifier: GPL-2.0
/*
 * Memberships: setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP /
 * PACKET_DROP_MEMBERSHIP, struct packet_mreq). A membership asks the device
 * for more than its own traffic, and the socket keeps it until it drops it
 * or closes:
 *
 *  - PACKET_MR_PROMISC: dev_set_promiscuity(dev, +1); PACKET_MR_ALLMULTI:
 *    dev_set_allmulti(dev, +1); PACKET_MR_MULTICAST: dev_mc_add(), the
 *    address on the device's multicast list; PACKET_MR_UNICAST: dev_uc_add(),
 *    the address on its unicast list (packet_dev_mc()). A device without
 *    IFF_UNICAST_FLT (loopback, veth, a bridge) cannot filter extra unicast
 *    addresses, so a non-empty unicast list turns it promiscuous, once, however
 *    many addresses it holds (__dev_set_rx_mode(): dev->uc_promisc);
 *  - the socket counts its memberships (packet_mc_add()): adding the same
 *    (ifindex, type, alen, address) again only counts up on the socket, the
 *    device is asked once; each drop counts down and the device is released
 *    at 0 (packet_mc_drop()). Two sockets hold one device reference each.
 *    close() releases everything the socket held (packet_flush_mclist());
 *  - what user space sees: the counters rtnetlink reports (IFLA_PROMISCUITY,
 *    IFLA_ALLMULTI) and /proc/net/dev_mcast's reference count. The flags of
 *    SIOCGIFFLAGS and of RTM_NEWLINK do NOT show a membership's IFF_PROMISC:
 *    dev_get_flags() takes IFF_PROMISC/IFF_ALLMULTI from dev->gflags, which
 *    only a user's SIOCSIFFLAGS / "ip link set promisc on" sets;
 *  - errors: optlen shorter than struct packet_mreq (16) EINVAL; mr_alen
 *    longer than the device's address EINVAL for every type, and for
 *    MULTICAST/UNICAST any other length than the device's EINVAL (PROMISC and
 *    ALLMULTI ignore the address); a missing ifindex ENODEV. An unknown
 *    mr_type is accepted and does nothing to the device (packet_dev_mc()'s
 *    default case), dropping a membership never added returns 0;
 *  - on a device that does filter (a bridge: br_handle_frame_finish()
 *    passes a frame for some other MAC up to the bridge device only when the
 *    bridge is promiscuous), PACKET_MR_PROMISC decides whether frames to a
 *    foreign MAC arrive (sll_pkttype PACKET_OTHERHOST), and so does
 *    PACKET_MR_UNICAST, for every foreign MAC, not only its own: a bridge
 *    has no IFF_UNICAST_FLT. veth filters nothing: there such frames arrive
 *    with or without a membership.
 *
 * The counting cases run on the namespace's loopback device (an Ethernet
 * address length of 6, no IFF_UNICAST_FLT), brought up with SIOCSIFFLAGS:
 * the rules are the socket's and the device core's, not a driver's.
 *
 * Test cases (<type> = promisc / allmulti / multicast / unicast):
 *   mr.<type>.add_then_drop
 *   mr.<type>.two_adds_need_two_drops
 *   mr.<type>.two_sockets_each_hold_one
 *   mr.<type>.close_releases_memberships
 *   mr.<type>.alen_shorter_than_device
 *   mr_rules.alen_longer_than_device_einval
 *   mr_rules.missing_ifindex_enodev
 *   mr_rules.optlen_short_einval
 *   mr_rules.drop_never_added_returns_0
 *   mr_rules.unknown_type_accepted_no_effect
 *   mr_rules.promisc_not_in_ifflags
 *   mr_long.address_must_lie_within_optlen
 *   mr_bridge.foreign_mac_frames_only_with_promisc
 *   mr_bridge.unicast_address_makes_bridge_promiscuous
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "rx_expect.h"
#include "link.h"
#include "stats.h"
#include "tx.h"

#define LO_IFINDEX LINK_LO_IFINDEX
#define MISSING_IFINDEX 999	/* no device of the case's namespace has it */

/* ---- the counting rules, one variant per mr_type ----------------------- */

enum mr_view {
	VIEW_PROMISCUITY,	/* IFLA_PROMISCUITY */
	VIEW_ALLMULTI,		/* IFLA_ALLMULTI */
	VIEW_MC_LIST,		/* /proc/net/dev_mcast reference count of the address */
};

/* Addresses of the case's memberships: locally administered. */
static const uint8_t mc_addr[6] = { 0x03, 0x70, 0x73, 0x6b, 0x00, 0x42 };
static const uint8_t uc_addr[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x77 };

FIXTURE(mr) {
	int fd[2];
};

FIXTURE_VARIANT(mr) {
	unsigned short type;
	const uint8_t *addr;	/* NULL: the type takes no address */
	enum mr_view view;
	int two_sockets;	/* what view shows while two sockets hold one each */
};

FIXTURE_VARIANT_ADD(mr, promisc) {
	.type = PACKET_MR_PROMISC, .view = VIEW_PROMISCUITY, .two_sockets = 2,
};
FIXTURE_VARIANT_ADD(mr, allmulti) {
	.type = PACKET_MR_ALLMULTI, .view = VIEW_ALLMULTI, .two_sockets = 2,
};
FIXTURE_VARIANT_ADD(mr, multicast) {
	.type = PACKET_MR_MULTICAST, .addr = mc_addr, .view = VIEW_MC_LIST, .two_sockets = 2,
};
/* Two references on one unicast address: still one uc_promisc promiscuity. */
FIXTURE_VARIANT_ADD(mr, unicast) {
	.type = PACKET_MR_UNICAST, .addr = uc_addr, .view = VIEW_PROMISCUITY, .two_sockets = 1,
};

FIXTURE_SETUP(mr)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	self->fd[0] = self->fd[1] = -1;
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	ASSERT_EQ(0, link_lo_up()) TH_LOG("lo up: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		self->fd[i] = psock_socket(SOCK_RAW, 0);
		ASSERT_LE(0, self->fd[i]) TH_LOG("socket: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(mr)
{
	ASSERT_EQ(0, psock_close_in_threads(self->fd, 2)) TH_LOG("close: %s", strerror(errno));
}

/* What the variant's view shows on loopback now. */
static int device_level(struct __test_metadata *_metadata, const FIXTURE_VARIANT(mr) *variant)
{
	struct link_state st;
	int n;

	if (variant->view == VIEW_MC_LIST) {
		n = dev_mcast_users(LO_IFINDEX, variant->addr, ETH_ALEN);
		EXPECT_LE(0, n) TH_LOG("/proc/net/dev_mcast: %s", strerror(errno));
		return n;
	}
	n = link_state_get(LO_IFINDEX, &st);
	EXPECT_EQ(0, n) TH_LOG("RTM_GETLINK lo: %s", strerror(errno));
	if (n)
		return -1;
	return variant->view == VIEW_ALLMULTI ? (int)st.allmulti : (int)st.promiscuity;
}

static int mr(const FIXTURE_VARIANT(mr) *variant, int fd, bool add)
{
	return psock_membership(fd, add, LO_IFINDEX, variant->type, variant->addr,
				variant->addr ? ETH_ALEN : 0);
}

#define EXPECT_LEVEL(want, what) \
	EXPECT_EQ((want), device_level(_metadata, variant)) TH_LOG("%s", (what))

/*
 * One add of the variant's membership on lo takes what the device shows
 * (promiscuity, allmulti or the address's dev_mcast count) from 0 to 1,
 * the drop back to 0.
 */
TEST_F(mr, add_then_drop)
{
	EXPECT_LEVEL(0, "before");
	ASSERT_EQ(0, mr(variant, self->fd[0], true)) TH_LOG("add: %s", strerror(errno));
	EXPECT_LEVEL(1, "after the add");
	ASSERT_EQ(0, mr(variant, self->fd[0], false)) TH_LOG("drop: %s", strerror(errno));
	EXPECT_LEVEL(0, "after the drop");
}

/* The second add counts on the socket only: the device is asked once. */
TEST_F(mr, two_adds_need_two_drops)
{
	ASSERT_EQ(0, mr(variant, self->fd[0], true)) TH_LOG("add 1: %s", strerror(errno));
	ASSERT_EQ(0, mr(variant, self->fd[0], true)) TH_LOG("add 2: %s", strerror(errno));
	EXPECT_LEVEL(1, "after two adds");
	ASSERT_EQ(0, mr(variant, self->fd[0], false)) TH_LOG("drop 1: %s", strerror(errno));
	EXPECT_LEVEL(1, "after one drop");
	ASSERT_EQ(0, mr(variant, self->fd[0], false)) TH_LOG("drop 2: %s", strerror(errno));
	EXPECT_LEVEL(0, "after two drops");
}

/*
 * Two sockets holding the membership each count on the device (2; 1 for
 * UNICAST, one uc_promisc promiscuity); a socket's drop releases only its
 * own, a second drop on it not the other's.
 */
TEST_F(mr, two_sockets_each_hold_one)
{
	ASSERT_EQ(0, mr(variant, self->fd[0], true)) TH_LOG("add A: %s", strerror(errno));
	ASSERT_EQ(0, mr(variant, self->fd[1], true)) TH_LOG("add B: %s", strerror(errno));
	EXPECT_LEVEL(variant->two_sockets, "A and B hold one each");
	ASSERT_EQ(0, mr(variant, self->fd[0], false)) TH_LOG("drop A: %s", strerror(errno));
	EXPECT_LEVEL(1, "B holds one");
	/* A's membership is gone: a second drop on A does not take B's. */
	ASSERT_EQ(0, mr(variant, self->fd[0], false)) TH_LOG("drop A again: %s", strerror(errno));
	EXPECT_LEVEL(1, "B still holds one");
	ASSERT_EQ(0, mr(variant, self->fd[1], false)) TH_LOG("drop B: %s", strerror(errno));
	EXPECT_LEVEL(0, "none held");
}

/* close() gives back every count the socket held, without a drop. */
TEST_F(mr, close_releases_memberships)
{
	ASSERT_EQ(0, mr(variant, self->fd[0], true)) TH_LOG("add A 1: %s", strerror(errno));
	ASSERT_EQ(0, mr(variant, self->fd[0], true)) TH_LOG("add A 2: %s", strerror(errno));
	ASSERT_EQ(0, mr(variant, self->fd[1], true)) TH_LOG("add B: %s", strerror(errno));
	ASSERT_EQ(0, close(self->fd[0]));
	self->fd[0] = -1;
	EXPECT_LEVEL(1, "A closed, B holds one");
	ASSERT_EQ(0, close(self->fd[1]));
	self->fd[1] = -1;
	EXPECT_LEVEL(0, "both closed");
}

/*
 * mr_alen 5 on a device with 6-byte addresses: MULTICAST and UNICAST need
 * exactly the device's length (packet_dev_mc()), PROMISC and ALLMULTI take
 * no address and accept it.
 */
TEST_F(mr, alen_shorter_than_device)
{
	const uint8_t *addr = variant->addr ? variant->addr : mc_addr;

	if (variant->addr) {
		EXPECT_ERRNO(EINVAL, psock_membership(self->fd[0], true, LO_IFINDEX,
						      variant->type, addr, 5));
		EXPECT_LEVEL(0, "after the refused add");
	} else {
		EXPECT_EQ(0, psock_membership(self->fd[0], true, LO_IFINDEX, variant->type,
					      addr, 5)) TH_LOG("add: %s", strerror(errno));
		EXPECT_LEVEL(1, "after the add");
	}
}

/* ---- rules outside the per-type table --------------------------------- */

FIXTURE(mr_rules) {
	int fd;
};

FIXTURE_SETUP(mr_rules)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	ASSERT_EQ(0, link_lo_up()) TH_LOG("lo up: %s", strerror(errno));
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mr_rules)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Every type, with the address its variant of mr uses (none for PROMISC/ALLMULTI). */
static const struct {
	unsigned short type;
	const uint8_t *addr;
} all_types[] = {
	{ PACKET_MR_PROMISC, NULL }, { PACKET_MR_ALLMULTI, NULL },
	{ PACKET_MR_MULTICAST, mc_addr }, { PACKET_MR_UNICAST, uc_addr },
};

/* Nothing on lo: no promiscuity, allmulti or extra multicast address. */
static void expect_lo_untouched(struct __test_metadata *_metadata, const char *what)
{
	struct link_state st;

	ASSERT_EQ(0, link_state_get(LO_IFINDEX, &st)) TH_LOG("RTM_GETLINK: %s", strerror(errno));
	EXPECT_EQ(0, st.promiscuity) TH_LOG("%s", what);
	EXPECT_EQ(0, st.allmulti) TH_LOG("%s", what);
	EXPECT_EQ(0, dev_mcast_users(LO_IFINDEX, mc_addr, ETH_ALEN)) TH_LOG("%s", what);
}

/* EXPECT_ERRNO() with a log line naming the type tried. */
#define EXPECT_ERRNO_TYPE(err, call, type) do {				\
	int rc_, err_;								\
										\
	errno = 0;								\
	rc_ = (call);								\
	err_ = errno;								\
	EXPECT_EQ(-1, rc_) TH_LOG("mr_type %u", (type));			\
	EXPECT_EQ((err), err_) TH_LOG("mr_type %u: errno %d (%s)", (type), err_,	\
				      strerror(err_));				\
} while (0)

/* packet_mc_add(): mr_alen > dev->addr_len is EINVAL for every type. */
TEST_F(mr_rules, alen_longer_than_device_einval)
{
	static const uint8_t seven[7] = { 0x03, 0x70, 0x73, 0x6b, 0x00, 0x42, 0x01 };

	for (unsigned int i = 0; i < 4; i++)
		EXPECT_ERRNO_TYPE(EINVAL, psock_membership(self->fd, true, LO_IFINDEX,
							   all_types[i].type, seven, 7),
				  all_types[i].type);
	expect_lo_untouched(_metadata, "after the refused adds");
}

/*
 * An add on an ifindex no device has is ENODEV for every type, and lo is left
 * untouched.
 */
TEST_F(mr_rules, missing_ifindex_enodev)
{
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_ERRNO_TYPE(ENODEV, psock_membership(self->fd, true, MISSING_IFINDEX,
							   all_types[i].type, all_types[i].addr,
							   all_types[i].addr ? ETH_ALEN : 0),
				  all_types[i].type);
	expect_lo_untouched(_metadata, "after the refused adds");
}

/* optlen 15, one byte short of struct packet_mreq: EINVAL; 16 is taken. */
TEST_F(mr_rules, optlen_short_einval)
{
	struct link_state st;
	struct packet_mreq m;

	for (unsigned int i = 0; i < 4; i++) {
		memset(&m, 0, sizeof(m));
		m.mr_ifindex = LO_IFINDEX;
		m.mr_type = all_types[i].type;
		m.mr_alen = all_types[i].addr ? ETH_ALEN : 0;
		if (all_types[i].addr)
			memcpy(m.mr_address, all_types[i].addr, ETH_ALEN);
		EXPECT_ERRNO_TYPE(EINVAL, setsockopt(self->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP,
						     &m, 15), m.mr_type);
	}
	expect_lo_untouched(_metadata, "after the refused adds");
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m, 16))
		TH_LOG("add at optlen 16: %s", strerror(errno));
	/* The last one tried, UNICAST: lo's unicast list turns it promiscuous. */
	ASSERT_EQ(0, link_state_get(LO_IFINDEX, &st)) TH_LOG("RTM_GETLINK: %s", strerror(errno));
	EXPECT_EQ(1, st.promiscuity);
}

/*
 * PACKET_ADD_MEMBERSHIP takes an optlen past struct packet_mreq (16), up to
 * struct packet_mreq_max (8 + MAX_ADDR_LEN = 40): packet_setsockopt() copies
 * that much and refuses an mr_alen whose bytes lie past optlen (len <
 * mr_alen + 8), before packet_mc_add() compares mr_alen with the device. On
 * a device with 16-byte addresses (ip6tnl) that check alone decides.
 */
FIXTURE(mr_long) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(mr_long)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mr_long)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

/* ip6tnl (16-byte addresses), PROMISC: mr_alen 9 at optlen 16 is EINVAL, at optlen 17 taken. */
TEST_F(mr_long, address_must_lie_within_optlen)
{
	uint8_t buf[40] = { 0 };
	struct packet_mreq *m = (struct packet_mreq *)buf;
	int ifindex;

	TX_IP6TNL_OR_SKIP(return, &self->topo, ifindex);
	m->mr_ifindex = ifindex;
	m->mr_type = PACKET_MR_PROMISC;
	m->mr_alen = 9;
	EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, buf, 16));
	EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, buf, 17))
		TH_LOG("mr_alen 9 at optlen 17: %s", strerror(errno));
}

/*
 * packet_mc_drop() finds nothing to drop and returns 0, for every type; a
 * drop naming another device than the add leaves the add in place.
 */
TEST_F(mr_rules, drop_never_added_returns_0)
{
	struct link_state st;

	for (unsigned int i = 0; i < 4; i++) {
		EXPECT_EQ(0, psock_membership(self->fd, false, LO_IFINDEX, all_types[i].type,
					      all_types[i].addr, all_types[i].addr ? ETH_ALEN : 0))
			TH_LOG("mr_type %u: %s", all_types[i].type, strerror(errno));
	}
	expect_lo_untouched(_metadata, "after the drops");
	ASSERT_EQ(0, psock_membership(self->fd, true, LO_IFINDEX, PACKET_MR_PROMISC, NULL, 0))
		TH_LOG("add: %s", strerror(errno));
	EXPECT_EQ(0, psock_membership(self->fd, false, MISSING_IFINDEX, PACKET_MR_PROMISC,
				      NULL, 0)) TH_LOG("drop on ifindex %d: %s", MISSING_IFINDEX,
						       strerror(errno));
	ASSERT_EQ(0, link_state_get(LO_IFINDEX, &st)) TH_LOG("RTM_GETLINK: %s", strerror(errno));
	EXPECT_EQ(1, st.promiscuity) TH_LOG("the add still held");
}

/*
 * mr_type 7 (no such type) with a 6-byte address: add and drop both return
 * 0 and the device's counters and lists stay as they were.
 */
TEST_F(mr_rules, unknown_type_accepted_no_effect)
{
	struct link_state st;

	EXPECT_EQ(0, psock_membership(self->fd, true, LO_IFINDEX, 7, mc_addr, ETH_ALEN))
		TH_LOG("add: %s", strerror(errno));
	ASSERT_EQ(0, link_state_get(LO_IFINDEX, &st)) TH_LOG("RTM_GETLINK: %s", strerror(errno));
	EXPECT_EQ(0, st.promiscuity);
	EXPECT_EQ(0, st.allmulti);
	EXPECT_EQ(0, dev_mcast_users(LO_IFINDEX, mc_addr, ETH_ALEN));
	EXPECT_EQ(0, psock_membership(self->fd, false, LO_IFINDEX, 7, mc_addr, ETH_ALEN))
		TH_LOG("drop: %s", strerror(errno));
}

/*
 * A PROMISC membership counts in IFLA_PROMISCUITY but is not in the flags
 * SIOCGIFFLAGS or RTM_NEWLINK report (dev_get_flags() shows dev->gflags'
 * IFF_PROMISC); a user's IFF_PROMISC (SIOCSIFFLAGS) is in both, and counts
 * once more.
 */
TEST_F(mr_rules, promisc_not_in_ifflags)
{
	struct link_state st;
	unsigned int flags;
	struct ifreq ifr;

	ASSERT_EQ(0, psock_membership(self->fd, true, LO_IFINDEX, PACKET_MR_PROMISC, NULL, 0))
		TH_LOG("add: %s", strerror(errno));
	ASSERT_EQ(0, link_state_get(LO_IFINDEX, &st)) TH_LOG("RTM_GETLINK: %s", strerror(errno));
	ASSERT_EQ(0, link_ioctl_flags(LO_IFINDEX, &flags)) TH_LOG("SIOCGIFFLAGS: %s",
								  strerror(errno));
	EXPECT_EQ(1, st.promiscuity);
	EXPECT_EQ(0, st.flags & IFF_PROMISC);
	EXPECT_EQ(0, flags & IFF_PROMISC);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_flags = flags | IFF_PROMISC;
	ASSERT_EQ(0, ioctl(self->fd, SIOCSIFFLAGS, &ifr)) TH_LOG("SIOCSIFFLAGS: %s",
								 strerror(errno));
	ASSERT_EQ(0, link_state_get(LO_IFINDEX, &st)) TH_LOG("RTM_GETLINK: %s", strerror(errno));
	ASSERT_EQ(0, link_ioctl_flags(LO_IFINDEX, &flags)) TH_LOG("SIOCGIFFLAGS: %s",
								  strerror(errno));
	EXPECT_EQ(2, st.promiscuity);
	EXPECT_EQ(IFF_PROMISC, st.flags & IFF_PROMISC);
	EXPECT_EQ(IFF_PROMISC, flags & IFF_PROMISC);
}

/* ---- frames for a foreign MAC, on a device that filters ---------------- */

/*
 * psk0 as the one port of bridge br0; the receiving socket is on br0. A
 * frame from psk1 for a MAC no one here has is flooded (to no other port)
 * and handed up to br0 only while br0 is promiscuous; broadcast always is.
 */
FIXTURE(mr_bridge) {
	struct netns_topo topo;
	int fd;
	int br;
};

FIXTURE_SETUP(mr_bridge)
{
	char why[256] = "";

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why),
			      "link add name br0 type bridge stp_state 0"))
		TH_LOG("bridge: %s", why);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set psk0 master br0"))
		TH_LOG("port: %s", why);
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set br0 up"))
		TH_LOG("br0 up: %s", why);
	self->br = if_nametoindex("br0");
	ASSERT_LT(0, self->br) TH_LOG("br0: %s", strerror(errno));
	/* The frames are sent from this thread, received in order (stats.h). */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin: %s", strerror(errno));
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->br, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket on br0: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mr_bridge)
{
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/* The seq and sll_pkttype of the next tagged frame on fd. */
static void next_seq(struct __test_metadata *_metadata, int fd, uint32_t *seq,
		     unsigned char *pkttype)
{
	ASSERT_EQ(0, rx_next_tagged(fd, PSOCK_WAIT_MS, seq, pkttype))
		TH_LOG("a tagged frame within %d ms: %s", PSOCK_WAIT_MS, strerror(errno));
}

/*
 * On br0, a frame to a foreign MAC reaches the bridge's socket
 * (PACKET_OTHERHOST) only while the socket holds a PROMISC membership of
 * br0; before the add and after the drop only the broadcast ones do.
 */
TEST_F(mr_bridge, foreign_mac_frames_only_with_promisc)
{
	static const uint8_t foreign[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x99 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct frame_spec to_foreign = { .dst = foreign, .payload_len = 32 };
	struct frame_spec to_all = { .dst = bcast, .payload_len = 32 };
	unsigned char pkttype;
	uint32_t seq;

	/* Without the membership: the foreign frame 1 is not there before 2. */
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_foreign, 1, 1));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_all, 2, 1));
	next_seq(_metadata, self->fd, &seq, &pkttype);
	EXPECT_EQ(2, seq);
	EXPECT_EQ(PACKET_BROADCAST, pkttype);

	ASSERT_EQ(0, psock_membership(self->fd, true, self->br, PACKET_MR_PROMISC, NULL, 0))
		TH_LOG("add: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_foreign, 3, 1));
	next_seq(_metadata, self->fd, &seq, &pkttype);
	EXPECT_EQ(3, seq);
	EXPECT_EQ(PACKET_OTHERHOST, pkttype);

	ASSERT_EQ(0, psock_membership(self->fd, false, self->br, PACKET_MR_PROMISC, NULL, 0))
		TH_LOG("drop: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_foreign, 4, 1));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_all, 5, 1));
	next_seq(_metadata, self->fd, &seq, &pkttype);
	EXPECT_EQ(5, seq);
}

/*
 * A UNICAST membership for one foreign MAC on br0: the bridge has no
 * unicast filter, so a non-empty unicast list makes it promiscuous
 * (uc_promisc) and frames for that MAC and for any other foreign MAC
 * arrive; after the drop neither does.
 */
TEST_F(mr_bridge, unicast_address_makes_bridge_promiscuous)
{
	static const uint8_t listed[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x77 };
	static const uint8_t other[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x99 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct frame_spec to_listed = { .dst = listed, .payload_len = 32 };
	struct frame_spec to_other = { .dst = other, .payload_len = 32 };
	struct frame_spec to_all = { .dst = bcast, .payload_len = 32 };
	unsigned char pkttype;
	uint32_t seq;

	ASSERT_EQ(0, psock_membership(self->fd, true, self->br, PACKET_MR_UNICAST, listed,
				      ETH_ALEN)) TH_LOG("add: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_listed, 1, 1));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_other, 2, 1));
	next_seq(_metadata, self->fd, &seq, &pkttype);
	EXPECT_EQ(1, seq);
	EXPECT_EQ(PACKET_OTHERHOST, pkttype);
	next_seq(_metadata, self->fd, &seq, &pkttype);
	EXPECT_EQ(2, seq);
	EXPECT_EQ(PACKET_OTHERHOST, pkttype);

	ASSERT_EQ(0, psock_membership(self->fd, false, self->br, PACKET_MR_UNICAST, listed,
				      ETH_ALEN)) TH_LOG("drop: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_listed, 3, 1));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_other, 4, 1));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &to_all, 5, 1));
	next_seq(_metadata, self->fd, &seq, &pkttype);
	EXPECT_EQ(5, seq);
}

TEST_HARNESS_MAIN

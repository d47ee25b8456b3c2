// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT group rules: which sockets may form a fanout group, which
 * joins the kernel refuses, and what getsockopt(PACKET_FANOUT) reports.
 *
 * A packet socket joins a group with setsockopt(SOL_PACKET, PACKET_FANOUT)
 * and either an int (id | type_flags << 16) or a struct fanout_args (the
 * same plus max_num_members). fanout_add() in net/packet/af_packet.c:
 *  - refuses an unknown mode, and ROLLOVER mode with FLAG_ROLLOVER (EINVAL),
 *    before looking at the socket;
 *  - refuses a socket already in a group (EALREADY);
 *  - with FLAG_UNIQUEID, wants id 0 and picks a free id itself
 *    (fanout_find_new_id()); the flag is not kept in the group's flags;
 *  - looks the id up in the socket's network namespace; a new group takes
 *    the joiner's mode, flags, bound protocol and device, and a member limit
 *    (max_num_members, at most PACKET_FANOUT_MAX = 65536, 0 meaning 256);
 *  - a joiner must match the group's flags and limit (else EINVAL), must
 *    have a protocol (bound with one, or created with one; before Linux 6.13
 *    it must also be "running", i.e. not bound to a device that is down),
 *    must match mode, protocol and device (else EINVAL), and finds a free
 *    place (else ENOSPC).
 * A group is freed with its last member (fanout_release()), so its id can
 * then be used for a group of another mode. getsockopt(PACKET_FANOUT)
 * (packet_getsockopt()) reports id | type << 16 | flags << 24, 0 outside a
 * group. packet_do_bind() refuses to rebind a member (EINVAL).
 * PACKET_FANOUT_DATA (fanout_set_data()) only works for CBPF/EBPF groups.
 *
 * Test cases:
 *   group.same_id_type_flags_joins
 *   group.word_reports_id_type_flags
 *   group.word_zero_outside_group
 *   group.different_type_einval
 *   group.different_flags_einval
 *   group.different_protocol_einval
 *   group.different_device_einval
 *   group.second_join_ealready
 *   group.unbound_protocol_zero_einval
 *   group.unbound_with_protocol_joins_any_device_group
 *   group.device_down_join_per_kernel
 *   group.rebind_member_einval
 *   group.rollover_mode_with_rollover_flag_einval
 *   group.unknown_mode_einval
 *   group.bad_optlen_einval
 *   group.uniqueid_needs_id_zero
 *   group.uniqueid_picks_free_id_others_join
 *   group.max_members_above_limit_einval
 *   group.max_members_enforced_enospc
 *   group.max_members_mismatch_einval
 *   group.max_members_zero_means_256
 *   group.member_close_frees_place
 *   group.closed_member_replaced_by_last
 *   group.last_close_frees_id_for_other_mode
 *   global.same_id_other_netns_is_other_group
 *   group.fanout_data_needs_bpf_group
 *   group.rollover_stats_only_with_rollover
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "fanout.h"

#define GID 0x4242

FIXTURE(group) {
	struct netns_topo topo;
	int fd[4];
};

FIXTURE_SETUP(group)
{
	for (int i = 0; i < 4; i++)
		self->fd[i] = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(group)
{
	fanout_teardown(NULL, &self->topo, self->fd, 4);
}

/* A SOCK_RAW socket bound to ifindex and proto, kept in self->fd[i]. */
static int bound(struct __test_metadata *_metadata, struct _test_data_group *self,
		 int i, int ifindex, uint16_t proto)
{
	int err;

	self->fd[i] = psock_rx_socket(SOCK_RAW, 0, ifindex, proto);
	err = errno;
	ASSERT_LE(0, self->fd[i]) TH_LOG("socket: %s", strerror(err));
	return self->fd[i];
}

/* Two sockets with the same id, mode and flags form one group. */
TEST_F(group, same_id_type_flags_joins)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	uint16_t tf = PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_DEFRAG;

	ASSERT_EQ(0, fanout_join(a, GID, tf)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, fanout_join(b, GID, tf)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, PACKET_FANOUT_FLAG_DEFRAG), fanout_word(a));
	EXPECT_EQ(fanout_word(a), fanout_word(b));
}

/* packet_getsockopt(): id | type << 16 | flags << 24, with every flag kept. */
TEST_F(group, word_reports_id_type_flags)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	uint16_t flags = PACKET_FANOUT_FLAG_ROLLOVER | PACKET_FANOUT_FLAG_DEFRAG;

	ASSERT_EQ(0, fanout_join(a, 0xfedc, PACKET_FANOUT_CPU | flags));
	EXPECT_EQ(0x9002fedc, fanout_word(a));
	EXPECT_EQ(fanout_word_of(0xfedc, PACKET_FANOUT_CPU, flags), fanout_word(a));
}

/* Outside a group the word is 0, with a 4-byte optlen. */
TEST_F(group, word_zero_outside_group)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	uint32_t val = 0xffffffff;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, getsockopt(a, SOL_PACKET, PACKET_FANOUT, &val, &len));
	EXPECT_EQ(0, val);
	EXPECT_EQ(4, len);
}

/* fanout_add(): match->type != type -> EINVAL; the refused socket is in no group. */
TEST_F(group, different_type_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, fanout_join(b, GID, PACKET_FANOUT_LB));
	EXPECT_EQ(0, fanout_word(b));
	/* and the right mode still joins afterwards */
	EXPECT_EQ(0, fanout_join(b, GID, PACKET_FANOUT_HASH));
}

/* fanout_add(): match->flags != flags -> EINVAL, either way round. */
TEST_F(group, different_flags_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER));
	EXPECT_ERRNO(EINVAL, fanout_join(b, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, fanout_join(c, GID, PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER |
					  PACKET_FANOUT_FLAG_DEFRAG));
}

/* The group hooks one protocol: a socket bound to another one is refused. */
TEST_F(group, different_protocol_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_IP);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_ALL);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, fanout_join(b, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, fanout_join(c, GID, PACKET_FANOUT_HASH));
}

/* The group hooks one device: a socket bound to another one is refused. */
TEST_F(group, different_device_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex1, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, fanout_join(b, GID, PACKET_FANOUT_HASH));
}

/* po->fanout already set -> EALREADY, for the same group and for another one. */
TEST_F(group, second_join_ealready)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EALREADY, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EALREADY, fanout_join(a, GID + 1, PACKET_FANOUT_LB));
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_HASH, 0), fanout_word(a));
}

/*
 * A socket created with protocol 0 and never bound has no protocol hook
 * (PACKET_SOCK_RUNNING is clear): fanout_add() refuses it with EINVAL, and
 * does not leave an empty group behind (the id is then free for any mode):
 * it checks the hook before it looks the group up or creates one.
 */
TEST_F(group, unbound_protocol_zero_einval)
{
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);

	self->fd[0] = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd[0]);
	EXPECT_ERRNO(EINVAL, fanout_join(self->fd[0], GID, PACKET_FANOUT_HASH));
	EXPECT_EQ(0, fanout_word(self->fd[0]));
	EXPECT_EQ(0, fanout_join(b, GID, PACKET_FANOUT_LB));
}

/*
 * A socket created with a protocol is hooked on every device from the
 * start (packet_create() registers it), so, unbound, it creates a group
 * for that protocol on any device; a socket bound to one device is refused
 * by that group (different device), an unbound one joins.
 */
TEST_F(group, unbound_with_protocol_joins_any_device_group)
{
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);

	self->fd[0] = psock_socket(SOCK_RAW, ETH_P_PSOCK);
	self->fd[1] = psock_socket(SOCK_RAW, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_LE(0, self->fd[1]);
	ASSERT_EQ(0, fanout_join(self->fd[0], GID, PACKET_FANOUT_LB)) TH_LOG("%s", strerror(errno));
	EXPECT_ERRNO(EINVAL, fanout_join(c, GID, PACKET_FANOUT_LB));
	EXPECT_EQ(0, fanout_join(self->fd[1], GID, PACKET_FANOUT_LB)) TH_LOG("%s", strerror(errno));
}

/*
 * Binding to a device that is down succeeds but leaves the socket without
 * a protocol hook (packet_do_bind(): sk_err = ENETDOWN, PACKET_SOCK_RUNNING
 * clear). Whether such a socket may join a group changed in Linux 6.13,
 * "af_packet: allow fanout_add() when socket is not RUNNING":
 *  - before, fanout_add() wanted PACKET_SOCK_RUNNING: EINVAL, the socket is
 *    in no group;
 *  - since, it wants a bound protocol (po->num): the socket is a member at
 *    once, linked into the group by packet_notifier(NETDEV_UP) through
 *    register_prot_hook(), and then gets its share of the frames.
 * The running release chooses the rule. In both, a member joined while the
 * device was up stays in the group across down/up; the down unhooks it and
 * sets sk_err = ENETDOWN (packet_notifier(NETDEV_DOWN)).
 */
TEST_F(group, device_down_join_per_kernel)
{
	const bool joins = PSOCK_KERNEL_SINCE(6, 13);
	struct frame_spec spec = { .payload_len = 64 };
	struct fanout_group g = { .n = 2 };
	unsigned int count[2] = { 0, 0 };
	char why[256];
	int err = 0, rc, join_err;
	socklen_t len = sizeof(err);
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_LB));
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set %s down",
			      NETNS_IF0)) TH_LOG("%s", why);
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, 0), fanout_word(a));
	/* packet_notifier(NETDEV_DOWN) unhooked the member and set sk_err (read clears it) */
	ASSERT_EQ(0, getsockopt(a, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ENETDOWN, err);

	self->fd[1] = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd[1]);
	ASSERT_EQ(0, psock_bind(self->fd[1], self->topo.ifindex0, ETH_P_PSOCK));
	err = 0;
	len = sizeof(err);
	ASSERT_EQ(0, getsockopt(self->fd[1], SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ENETDOWN, err);
	errno = 0;
	rc = fanout_join(self->fd[1], GID, PACKET_FANOUT_LB);
	join_err = errno;
	TH_LOG("Linux %s, expected %s: the join while down gave %s", psock_kernel_release(),
	       joins ? "a member (6.13+)" : "EINVAL (before 6.13)", rc ? strerror(join_err) : "0");
	if (!joins) {
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(EINVAL, join_err) TH_LOG("errno %d (%s)", join_err, strerror(join_err));
		EXPECT_EQ(0, fanout_word(self->fd[1]));
		return;
	}
	ASSERT_EQ(0, rc) TH_LOG("join while down: %s", strerror(join_err));
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, 0), fanout_word(self->fd[1]));
	/* frames sent before both ends are operstate UP would be dropped */
	ASSERT_EQ(0, netns_links_up(&self->topo, why, sizeof(why))) TH_LOG("%s", why);
	/* both members linked once the device is up: LB gives each half */
	g.m[0].fd = a;
	g.m[1].fd = self->fd[1];
	ASSERT_SEND_COLLECT(&self->topo, &g, &spec, 0, 8, NULL, 0, count);
	EXPECT_EQ(4, count[0]);
	EXPECT_EQ(4, count[1]);
}

/* packet_do_bind(): po->fanout set -> EINVAL; the socket stays where it was. */
TEST_F(group, rebind_member_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, psock_bind(a, self->topo.ifindex1, ETH_P_PSOCK));
	EXPECT_ERRNO(EINVAL, psock_bind(a, self->topo.ifindex0, ETH_P_IP));
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_HASH, 0), fanout_word(a));
}

/* fanout_add(): ROLLOVER mode plus FLAG_ROLLOVER makes no sense -> EINVAL. */
TEST_F(group, rollover_mode_with_rollover_flag_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	EXPECT_ERRNO(EINVAL, fanout_join(a, GID, PACKET_FANOUT_ROLLOVER |
					 PACKET_FANOUT_FLAG_ROLLOVER));
	EXPECT_EQ(0, fanout_word(a));
	EXPECT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_ROLLOVER));
}

/* Modes are 0..7 (HASH..EBPF); 8 and 255 are EINVAL, even on a joined socket. */
TEST_F(group, unknown_mode_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	EXPECT_ERRNO(EINVAL, fanout_join(a, GID, PACKET_FANOUT_EBPF + 1));
	EXPECT_ERRNO(EINVAL, fanout_join(a, GID, 0xff));
	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_EBPF));
	/* the mode is checked before EALREADY */
	EXPECT_ERRNO(EINVAL, fanout_join(a, GID, PACKET_FANOUT_EBPF + 1));
}

/* packet_setsockopt(): optlen must be sizeof(int) or sizeof(struct fanout_args). */
TEST_F(group, bad_optlen_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	uint8_t buf[16] = { 0 };

	EXPECT_ERRNO(EINVAL, setsockopt(a, SOL_PACKET, PACKET_FANOUT, buf, 2));
	EXPECT_ERRNO(EINVAL, setsockopt(a, SOL_PACKET, PACKET_FANOUT, buf, 6));
	EXPECT_ERRNO(EINVAL, setsockopt(a, SOL_PACKET, PACKET_FANOUT, buf, 12));
	EXPECT_EQ(0, fanout_word(a));
}

/* FLAG_UNIQUEID with an id other than 0 -> EINVAL. */
TEST_F(group, uniqueid_needs_id_zero)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	EXPECT_ERRNO(EINVAL, fanout_join(a, 5, PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID));
	EXPECT_EQ(0, fanout_word(a));
}

/*
 * FLAG_UNIQUEID with id 0: the kernel picks an id no group of this
 * namespace uses (fanout_find_new_id(), from a counter shared by all
 * namespaces, so any id, 0 included) and drops the flag from the group's
 * flags, so others join with that id and the plain mode. The next unique
 * group gets another id, skipping ids in use.
 */
TEST_F(group, uniqueid_picks_free_id_others_join)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);
	int d = bound(_metadata, self, 3, self->topo.ifindex0, ETH_P_PSOCK);
	int64_t w, w2;
	uint16_t id;

	ASSERT_EQ(0, fanout_join(a, 0, PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_UNIQUEID |
				 PACKET_FANOUT_FLAG_DEFRAG)) TH_LOG("%s", strerror(errno));
	w = fanout_word(a);
	id = w & 0xffff;
	EXPECT_EQ(fanout_word_of(id, PACKET_FANOUT_LB, PACKET_FANOUT_FLAG_DEFRAG), w);
	EXPECT_EQ(0, fanout_join(b, id, PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_DEFRAG));
	EXPECT_EQ(w, fanout_word(b));

	/* take id + 1 by hand: the next unique id is neither id nor id + 1 */
	ASSERT_EQ(0, fanout_join(c, (uint16_t)(id + 1), PACKET_FANOUT_HASH));
	ASSERT_EQ(0, fanout_join(d, 0, PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID));
	w2 = fanout_word(d);
	EXPECT_NE(id, w2 & 0xffff);
	EXPECT_NE((uint16_t)(id + 1), w2 & 0xffff);
	EXPECT_EQ(fanout_word_of(w2 & 0xffff, PACKET_FANOUT_HASH, 0), w2);
}

/* A new group's limit above PACKET_FANOUT_MAX (65536) -> EINVAL; 65536 itself is fine. */
TEST_F(group, max_members_above_limit_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);

	EXPECT_ERRNO(EINVAL, fanout_join_args(a, GID, PACKET_FANOUT_HASH,
					      FANOUT_MAX_MEMBERS_LIMIT + 1));
	EXPECT_ERRNO(EINVAL, fanout_join_args(a, GID, PACKET_FANOUT_HASH, 0xffffffff));
	EXPECT_EQ(0, fanout_word(a));
	EXPECT_EQ(0, fanout_join_args(a, GID, PACKET_FANOUT_HASH, FANOUT_MAX_MEMBERS_LIMIT))
		TH_LOG("%s", strerror(errno));
}

/* A group of limit 2 refuses the third member with ENOSPC, until a place frees. */
TEST_F(group, max_members_enforced_enospc)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join_args(a, GID, PACKET_FANOUT_LB, 2));
	ASSERT_EQ(0, fanout_join_args(b, GID, PACKET_FANOUT_LB, 2));
	EXPECT_ERRNO(ENOSPC, fanout_join_args(c, GID, PACKET_FANOUT_LB, 2));
	EXPECT_ERRNO(ENOSPC, fanout_join(c, GID, PACKET_FANOUT_LB));
	EXPECT_EQ(0, fanout_word(c));
	close(a);
	self->fd[0] = -1;
	EXPECT_EQ(0, fanout_join(c, GID, PACKET_FANOUT_LB)) TH_LOG("%s", strerror(errno));
}

/* A joiner asking for another non-zero limit -> EINVAL; 0 takes the group's. */
TEST_F(group, max_members_mismatch_einval)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join_args(a, GID, PACKET_FANOUT_LB, 3));
	EXPECT_ERRNO(EINVAL, fanout_join_args(b, GID, PACKET_FANOUT_LB, 4));
	EXPECT_ERRNO(EINVAL, fanout_join_args(b, GID, PACKET_FANOUT_LB, 256));
	EXPECT_EQ(0, fanout_join_args(b, GID, PACKET_FANOUT_LB, 0));
	EXPECT_EQ(0, fanout_join_args(c, GID, PACKET_FANOUT_LB, 3));
}

/*
 * With no limit (the int form, or max_num_members 0) a group gets the
 * legacy limit 256. A joiner naming a limit must name the group's own
 * (fanout_add(): max_num_members != match->max_num_members -> EINVAL), so
 * 256 is accepted and 255/257 are not: that reads the limit back without
 * opening 257 sockets (each close costs a synchronize_net()).
 */
TEST_F(group, max_members_zero_means_256)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);
	int d = bound(_metadata, self, 3, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join_args(a, GID, PACKET_FANOUT_HASH, 0));
	EXPECT_ERRNO(EINVAL, fanout_join_args(b, GID, PACKET_FANOUT_HASH,
					      FANOUT_DEFAULT_MAX_MEMBERS - 1));
	EXPECT_ERRNO(EINVAL, fanout_join_args(b, GID, PACKET_FANOUT_HASH,
					      FANOUT_DEFAULT_MAX_MEMBERS + 1));
	EXPECT_EQ(0, fanout_join_args(b, GID, PACKET_FANOUT_HASH, FANOUT_DEFAULT_MAX_MEMBERS));
	/* the same for a group made with the int form */
	ASSERT_EQ(0, fanout_join(c, GID + 1, PACKET_FANOUT_LB));
	EXPECT_ERRNO(EINVAL, fanout_join_args(d, GID + 1, PACKET_FANOUT_LB, 2));
	EXPECT_EQ(0, fanout_join_args(d, GID + 1, PACKET_FANOUT_LB, FANOUT_DEFAULT_MAX_MEMBERS));
}

/* Closing a member frees its place; the others stay in the group. */
TEST_F(group, member_close_frees_place)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_EQ(0, fanout_join_args(a, GID, PACKET_FANOUT_HASH, 2));
	ASSERT_EQ(0, fanout_join_args(b, GID, PACKET_FANOUT_HASH, 2));
	close(b);
	self->fd[1] = -1;
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_HASH, 0), fanout_word(a));
	/* the group still exists: another mode is refused, the same one joins */
	EXPECT_ERRNO(EINVAL, fanout_join(c, GID, PACKET_FANOUT_LB));
	EXPECT_EQ(0, fanout_join_args(c, GID, PACKET_FANOUT_HASH, 2));
}

/*
 * __fanout_unlink(): a closed member's place is taken by the last member,
 * and the group carries on over the rest. LB over 3 (no ring): frames 0-2
 * go to members 1, 2, 0 (rr_cur 1..3). Closing member 0 leaves
 * arr = { member 2, member 1 }, so frames 3-6 (rr_cur 4..7, % 2) go to
 * member 2, 1, 2, 1.
 */
TEST_F(group, closed_member_replaced_by_last)
{
	struct frame_spec spec = { .payload_len = 32 };
	struct fanout_group g;
	int member_of[8];
	unsigned int count[FANOUT_MEMBERS_MAX] = { 0 };
	static const int want[7] = { 1, 2, 0, 2, 1, 2, 1 };

	for (int i = 0; i < 8; i++)
		member_of[i] = -1;
	ASSERT_EQ(0, fanout_group_open(&g, 3, 0, NULL, self->topo.ifindex0, ETH_P_PSOCK, GID,
				       PACKET_FANOUT_LB)) TH_LOG("%s", strerror(errno));
	ASSERT_SEND_COLLECT(&self->topo, &g, &spec, 0, 3, member_of, 8, count);
	fanout_member_close(&g, 0);
	ASSERT_SEND_COLLECT(&self->topo, &g, &spec, 3, 4, member_of, 8, count);
	for (int i = 0; i < 7; i++) {
		EXPECT_EQ(want[i], member_of[i]) TH_LOG("frame %d", i);
	}
	fanout_group_close(&g);
}

/* fanout_release(): the group goes with its last member; the id is free again. */
TEST_F(group, last_close_frees_id_for_other_mode)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_IP);

	ASSERT_EQ(0, fanout_join_args(a, GID, PACKET_FANOUT_HASH, 2));
	ASSERT_EQ(0, fanout_join_args(b, GID, PACKET_FANOUT_HASH, 2));
	close(a);
	close(b);
	self->fd[0] = self->fd[1] = -1;
	/* another mode, flags, limit and protocol: a new group */
	EXPECT_EQ(0, fanout_join_args(c, GID, PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_DEFRAG, 7))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, PACKET_FANOUT_FLAG_DEFRAG), fanout_word(c));
}

/*
 * packet_getsockopt(PACKET_ROLLOVER_STATS): only a socket that joined with
 * ROLLOVER mode or FLAG_ROLLOVER has rollover state (fanout_add() allocates
 * po->rollover); others get EINVAL. A fresh member's counters are 0.
 */
TEST_F(group, rollover_stats_only_with_rollover)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int b = bound(_metadata, self, 1, self->topo.ifindex0, ETH_P_PSOCK);
	int c = bound(_metadata, self, 2, self->topo.ifindex0, ETH_P_PSOCK);
	int d = bound(_metadata, self, 3, self->topo.ifindex0, ETH_P_PSOCK);
	struct tpacket_rollover_stats rs;
	socklen_t len = sizeof(rs);

	EXPECT_ERRNO(EINVAL, getsockopt(a, SOL_PACKET, PACKET_ROLLOVER_STATS, &rs, &len));
	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	ASSERT_EQ(0, fanout_join(b, GID + 1, PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER));
	ASSERT_EQ(0, fanout_join(c, GID + 2, PACKET_FANOUT_ROLLOVER));
	ASSERT_EQ(0, fanout_join(d, GID + 2, PACKET_FANOUT_ROLLOVER));
	EXPECT_ERRNO(EINVAL, getsockopt(a, SOL_PACKET, PACKET_ROLLOVER_STATS, &rs, &len));
	for (int i = 1; i < 4; i++) {
		memset(&rs, 0xff, sizeof(rs));
		len = sizeof(rs);
		EXPECT_EQ(0, getsockopt(self->fd[i], SOL_PACKET, PACKET_ROLLOVER_STATS, &rs, &len))
			TH_LOG("socket %d: %s", i, strerror(errno));
		EXPECT_EQ(24, len);	/* struct tpacket_rollover_stats: 3 x u64 */
		EXPECT_EQ(0, rs.tp_all);
		EXPECT_EQ(0, rs.tp_huge);
		EXPECT_EQ(0, rs.tp_failed);
	}
}

static int peer_socket(void *arg)
{
	return psock_rx_socket(SOCK_RAW, 0, *(int *)arg, ETH_P_PSOCK);
}

/* Groups are per network namespace: the same id elsewhere is another group. */
TEST(same_id_other_netns_is_other_group)
{
	static const struct netns_opts two = { .peer_netns = true };
	struct netns_topo topo;
	int a, b;

	PSOCK_NETNS_SETUP(return, &topo, &two);
	a = psock_rx_socket(SOCK_RAW, 0, topo.ifindex0, ETH_P_PSOCK);
	b = netns_in_peer(&topo, peer_socket, &topo.ifindex1);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	/* another mode with the same id: fine, it is another namespace */
	EXPECT_EQ(0, fanout_join(b, GID, PACKET_FANOUT_LB)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, 0), fanout_word(b));
	close(a);
	close(b);
	netns_teardown(&topo);
}

/*
 * fanout_set_data(): PACKET_FANOUT_DATA on a socket in no group, or in a
 * group whose mode is not CBPF/EBPF, is EINVAL.
 */
TEST_F(group, fanout_data_needs_bpf_group)
{
	int a = bound(_metadata, self, 0, self->topo.ifindex0, ETH_P_PSOCK);
	int prog_fd = 0;

	EXPECT_ERRNO(EINVAL, setsockopt(a, SOL_PACKET, PACKET_FANOUT_DATA, &prog_fd,
					sizeof(prog_fd)));
	ASSERT_EQ(0, fanout_join(a, GID, PACKET_FANOUT_HASH));
	EXPECT_ERRNO(EINVAL, setsockopt(a, SOL_PACKET, PACKET_FANOUT_DATA, &prog_fd,
					sizeof(prog_fd)));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection: packet_diag, the NETLINK_SOCK_DIAG handler for AF_PACKET
 * (net/packet/diag.c, module af_packet_diag), which ss(8) reads.
 *
 * A SOCK_DIAG_BY_FAMILY request with NLM_F_DUMP and a struct
 * packet_diag_req (sdiag_family AF_PACKET, sdiag_protocol 0, pdiag_show
 * bits) makes packet_diag_dump() walk every packet socket of the asking
 * socket's network namespace; pdiag_ino and pdiag_cookie of the request are
 * not used to select. For each socket sk_diag_fill() writes a struct
 * packet_diag_msg (family, sk_type, the protocol in host order, the socket
 * inode, the socket cookie) and, per pdiag_show bit, attributes:
 *
 *   PACKET_SHOW_INFO     PACKET_DIAG_INFO (pdiag_put_info(): ifindex,
 *                        tp_version, tp_reserve, copy_thresh, tp_tstamp,
 *                        PDI_RUNNING/AUXDATA/ORIGDEV/VNETHDR/LOSS) and
 *                        PACKET_DIAG_UID (the owner, seen from the asking
 *                        socket's user namespace)
 *   PACKET_SHOW_MCLIST   PACKET_DIAG_MCLIST, one packet_diag_mclist per
 *                        membership, newest first, with its count
 *   PACKET_SHOW_RING_CFG PACKET_DIAG_RX_RING / TX_RING (pdiag_put_ring():
 *                        block size and number, frame size, frame_max + 1,
 *                        and for V3 retire_blk_tov, blk_sizeof_priv,
 *                        feature_req_word), only for a ring that exists
 *   PACKET_SHOW_FANOUT   PACKET_DIAG_FANOUT: id | type << 16 (no flags)
 *   PACKET_SHOW_MEMINFO  PACKET_DIAG_MEMINFO: sk_get_meminfo(), the array
 *                        SO_MEMINFO returns
 *   PACKET_SHOW_FILTER   PACKET_DIAG_FILTER: the classic program as
 *                        attached, to a requester with CAP_NET_ADMIN
 *
 * A request without NLM_F_DUMP is EOPNOTSUPP (packet_diag_handler_dump()),
 * sdiag_protocol other than 0 EINVAL, a request shorter than struct
 * packet_diag_req EINVAL. Where the module is missing the sock_diag
 * core answers ENOENT: the cases SKIP naming af_packet_diag.
 *
 * A dump that does not fit in one skb goes on over several recvmsg() calls:
 * netlink_dump() fills one skb per call; when a socket's message does not
 * fit (sk_diag_fill() or an attribute returns -EMSGSIZE), packet_diag_dump()
 * keeps its place in cb->args[0] and returns skb->len, and the next recvmsg()
 * resumes there. A socket that does not fit even in an empty skb (a huge
 * MCLIST) ends the dump: the callback returned 0, which the netlink core
 * takes for "done", so NLMSG_DONE comes with errno 0 and it and the sockets
 * after it are not listed.
 *
 * Test cases:
 *   pdiag.lists_exactly_the_sockets_of_the_netns
 *   pdiag.info_defaults_unbound
 *   pdiag.info_options_and_flags
 *   pdiag.info_flag_bits_each_alone
 *   pdiag.mclist_memberships_with_counts
 *   pdiag.mclist_too_big_for_a_dump_skb_ends_the_dump
 *   pdiag_ring.<v>.ring_geometry   (<v> = v2 / v3)
 *   pdiag_retire.<v>.default_retire_tmo_from_bound_device
 *       (<v> = unbound_4k / lo_4k / bridge_4k / veth_4k / veth_1m / veth_4m /
 *        veth_1m_tov3)
 *   pdiag.fanout_id_and_type
 *   pdiag.filter_program_and_uid
 *   pdiag.meminfo_is_so_meminfo
 *   pdiag.request_without_dump_eopnotsupp
 *   pdiag.request_shorter_than_packet_diag_req_einval
 *   pdiag.ss_lists_socket_and_process
 *   pdiag_many.<v>.every_socket_once_across_batches   (<v> = bare / mclist)
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "diag.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define SHOW_ALL (PACKET_SHOW_INFO | PACKET_SHOW_MCLIST | PACKET_SHOW_RING_CFG | \
		  PACKET_SHOW_FANOUT | PACKET_SHOW_MEMINFO | PACKET_SHOW_FILTER)

/*
 * The probe of every fixture: a dump of the namespace (show, into *dump);
 * SKIP (then statement) when packet_diag is absent (ENOENT), any other
 * error fails the case.
 */
#define SKIP_WITHOUT_PDIAG(statement, show, dump) do {				\
	int rc_ = pdiag_request((show), NLM_F_DUMP, 0, (dump));			\
										\
	if (rc_ == -ENOENT)							\
		SKIP(statement, "packet_diag is absent: SOCK_DIAG_BY_FAMILY AF_PACKET gives " \
		     "ENOENT (CONFIG_PACKET_DIAG, module af_packet_diag)");	\
	ASSERT_EQ(0, rc_) TH_LOG("packet_diag dump: %d, %s", rc_, strerror(errno)); \
} while (0)

FIXTURE(pdiag) {
	struct netns_topo topo;
	int fd;
	struct pdiag_dump d;
};

FIXTURE_SETUP(pdiag)
{

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	/* The probe: a dump of the (empty) namespace. */
	SKIP_WITHOUT_PDIAG(return, SHOW_ALL, &self->d);
	ASSERT_EQ(0, self->d.n) TH_LOG("a fresh namespace has no packet socket");
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pdiag)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

/* Case step: dump with show into self->d, or fail the case. */
#define DUMP(self, show) do {							\
	int rc_ = pdiag_request((show), NLM_F_DUMP, 0, &(self)->d);		\
	ASSERT_EQ(0, rc_) TH_LOG("dump: %d, %s", rc_, strerror(errno));		\
} while (0)

/* Case step: the entry of fd into p, or fail the case. */
#define FIND(p, self, fd) do {							\
	(p) = pdiag_find(&(self)->d, (fd));					\
	ASSERT_NE(NULL, (p)) TH_LOG("socket inode %lu not in the dump", pdiag_fd_ino(fd));	\
} while (0)

/*
 * Three sockets (the fixture's RAW one for 0x88b5 on psk0, a DGRAM one for
 * ETH_P_ALL, an unbound one with protocol 0): the dump has exactly three
 * entries, each with AF_PACKET, its type, its protocol in host order, its
 * inode and its SO_COOKIE; without show bits no attribute.
 */
TEST_F(pdiag, lists_exactly_the_sockets_of_the_netns)
{
	int fds[3] = { self->fd, psock_socket(SOCK_DGRAM, ETH_P_ALL), psock_socket(SOCK_RAW, 0) };
	const int types[3] = { SOCK_RAW, SOCK_DGRAM, SOCK_RAW };
	const uint16_t protos[3] = { ETH_P_PSOCK, ETH_P_ALL, 0 };

	ASSERT_LE(0, fds[1]);
	ASSERT_LE(0, fds[2]);
	DUMP(self, 0);
	EXPECT_EQ(3, self->d.n);
	for (unsigned int i = 0; i < 3; i++) {
		const struct pdiag_sock *p;
		uint64_t cookie = 0;
		socklen_t len = sizeof(cookie);

		FIND(p, self, fds[i]);
		ASSERT_EQ(0, getsockopt(fds[i], SOL_SOCKET, SO_COOKIE, &cookie, &len));
		EXPECT_EQ(AF_PACKET, p->msg.pdiag_family);
		EXPECT_EQ(types[i], p->msg.pdiag_type);
		EXPECT_EQ(protos[i], p->msg.pdiag_num);
		EXPECT_EQ(cookie, (uint64_t)p->msg.pdiag_cookie[1] << 32 | p->msg.pdiag_cookie[0]);
		EXPECT_FALSE(p->has_info || p->has_uid || p->has_mclist || p->has_rx ||
			     p->has_tx || p->has_fanout || p->has_mem || p->has_filter);
	}
	EXPECT_EQ(0, close(fds[1]));
	EXPECT_EQ(0, close(fds[2]));
}

/*
 * An unbound socket with protocol 0 and no options: INFO (24 bytes) all
 * zero (ifindex 0, TPACKET_V1, no flags, not even RUNNING), UID 0; no ring,
 * fanout or filter attribute; an empty MCLIST nest.
 */
TEST_F(pdiag, info_defaults_unbound)
{
	const struct packet_diag_info zero = { 0 };
	const struct pdiag_sock *p;
	int fd = psock_socket(SOCK_RAW, 0);

	ASSERT_LE(0, fd);
	DUMP(self, SHOW_ALL);
	FIND(p, self, fd);
	ASSERT_TRUE(p->has_info);
	EXPECT_EQ(24, p->info_len);
	EXPECT_EQ(0, memcmp(&zero, &p->info, sizeof(zero)));
	ASSERT_TRUE(p->has_uid);
	EXPECT_EQ(0, p->uid);
	EXPECT_TRUE(p->has_mclist);
	EXPECT_EQ(0, p->mc_n);
	EXPECT_FALSE(p->has_rx || p->has_tx || p->has_fanout || p->has_filter);
	EXPECT_EQ(0, close(fd));
}

static void set_int(struct __test_metadata *_metadata, int fd, int name, int val)
{
	ASSERT_EQ(0, setsockopt(fd, SOL_PACKET, name, &val, sizeof(val)))
		TH_LOG("option %d = %d: %s", name, val, strerror(errno));
}

/*
 * The fixture's socket, bound to psk0, with TPACKET_V3, PACKET_RESERVE 32,
 * PACKET_COPY_THRESH 1, PACKET_TIMESTAMP RAW_HARDWARE, PACKET_AUXDATA,
 * PACKET_ORIGDEV, PACKET_VNET_HDR and PACKET_LOSS: INFO says each, flags
 * RUNNING | AUXDATA | ORIGDEV | VNETHDR | LOSS = 0x1f.
 */
TEST_F(pdiag, info_options_and_flags)
{
	const struct pdiag_sock *p;

	set_int(_metadata, self->fd, PACKET_VERSION, TPACKET_V3);
	set_int(_metadata, self->fd, PACKET_RESERVE, 32);
	set_int(_metadata, self->fd, PACKET_COPY_THRESH, 1);
	set_int(_metadata, self->fd, PACKET_TIMESTAMP, 1 << 6);	/* SOF_TIMESTAMPING_RAW_HARDWARE */
	set_int(_metadata, self->fd, PACKET_AUXDATA, 1);
	set_int(_metadata, self->fd, PACKET_ORIGDEV, 1);
	set_int(_metadata, self->fd, PACKET_VNET_HDR, 1);
	set_int(_metadata, self->fd, PACKET_LOSS, 1);
	DUMP(self, PACKET_SHOW_INFO);
	FIND(p, self, self->fd);
	ASSERT_TRUE(p->has_info);
	EXPECT_EQ(NETNS_IFINDEX0, p->info.pdi_index);
	EXPECT_EQ(TPACKET_V3, p->info.pdi_version);
	EXPECT_EQ(32, p->info.pdi_reserve);
	EXPECT_EQ(1, p->info.pdi_copy_thresh);
	EXPECT_EQ(64, p->info.pdi_tstamp);
	EXPECT_EQ(0x1f, p->info.pdi_flags);

	/* Switched off again (VNET_HDR 0, LOSS 0): only RUNNING | AUXDATA | ORIGDEV. */
	set_int(_metadata, self->fd, PACKET_VNET_HDR, 0);
	set_int(_metadata, self->fd, PACKET_LOSS, 0);
	DUMP(self, PACKET_SHOW_INFO);
	FIND(p, self, self->fd);
	EXPECT_EQ(PDI_RUNNING | PDI_AUXDATA | PDI_ORIGDEV, p->info.pdi_flags);
}

/*
 * Each flag alone, on an unbound socket of protocol 0 (not RUNNING), is
 * exactly its own bit: PACKET_AUXDATA 0x2, PACKET_ORIGDEV 0x4,
 * PACKET_VNET_HDR 0x8, PACKET_LOSS 0x10 (pdiag_put_info() ORs one bit per
 * option, RUNNING 0x1 only for a hooked socket).
 */
TEST_F(pdiag, info_flag_bits_each_alone)
{
	static const struct { int option; uint32_t bit; } opts[] = {
		{ PACKET_AUXDATA, 0x2 }, { PACKET_ORIGDEV, 0x4 },
		{ PACKET_VNET_HDR, 0x8 }, { PACKET_LOSS, 0x10 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct pdiag_sock *p;
		int fd = psock_socket(SOCK_RAW, 0);

		ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
		set_int(_metadata, fd, opts[i].option, 1);
		DUMP(self, PACKET_SHOW_INFO);
		FIND(p, self, fd);
		ASSERT_TRUE(p->has_info);
		EXPECT_EQ(opts[i].bit, p->info.pdi_flags) TH_LOG("option %d", opts[i].option);
		EXPECT_EQ(0, close(fd));
	}
}

/*
 * PROMISC twice, then a multicast address: two entries, newest first
 * (packet_mc_add() prepends): MULTICAST 01:00:5e:00:00:fb alen 6 count 1,
 * then PROMISC alen 0 count 2; the address bytes after alen zero. One drop
 * of PROMISC leaves count 1.
 */
TEST_F(pdiag, mclist_memberships_with_counts)
{
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	struct packet_mreq pr = { .mr_ifindex = NETNS_IFINDEX0, .mr_type = PACKET_MR_PROMISC };
	struct packet_mreq mc = { .mr_ifindex = NETNS_IFINDEX0, .mr_type = PACKET_MR_MULTICAST,
				  .mr_alen = 6 };
	uint8_t addr[32] = { 0 };
	const struct pdiag_sock *p;

	memcpy(mc.mr_address, mcast, 6);
	memcpy(addr, mcast, 6);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &pr, sizeof(pr)));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mc, sizeof(mc)));
	DUMP(self, PACKET_SHOW_MCLIST);
	FIND(p, self, self->fd);
	ASSERT_EQ(2, p->mc_n);
	EXPECT_EQ(NETNS_IFINDEX0, p->mc[0].pdmc_index);
	EXPECT_EQ(PACKET_MR_MULTICAST, p->mc[0].pdmc_type);
	EXPECT_EQ(6, p->mc[0].pdmc_alen);
	EXPECT_EQ(1, p->mc[0].pdmc_count);
	EXPECT_EQ(0, memcmp(addr, p->mc[0].pdmc_addr, 32));
	EXPECT_EQ(NETNS_IFINDEX0, p->mc[1].pdmc_index);
	EXPECT_EQ(PACKET_MR_PROMISC, p->mc[1].pdmc_type);
	EXPECT_EQ(0, p->mc[1].pdmc_alen);
	EXPECT_EQ(2, p->mc[1].pdmc_count);
	memset(addr, 0, 6);
	EXPECT_EQ(0, memcmp(addr, p->mc[1].pdmc_addr, 32));

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &pr, sizeof(pr)));
	DUMP(self, PACKET_SHOW_MCLIST);
	FIND(p, self, self->fd);
	ASSERT_EQ(2, p->mc_n);
	EXPECT_EQ(1, p->mc[1].pdmc_count);
}

/*
 * A socket whose MCLIST does not fit in an empty dump skb ends the dump
 * there, silently: NLMSG_DONE with errno 0, and neither that socket nor any
 * socket after it is listed, whatever the reader's buffer. Here A (the
 * fixture's socket), then B with 1000 MULTICAST memberships of psk0, then
 * C, in the netns's list in that order (packet_create() adds at the tail).
 * B's message is 16 + 16 + 4 + 1000 * 44 = 44036 bytes, more than the
 * largest dump skb, SKB_WITH_OVERHEAD(32768) = 32448 (737 would do), so:
 * pdiag_put_mclist()'s nla_reserve_nohdr() fails, sk_diag_fill() cancels
 * B's message and returns -EMSGSIZE, packet_diag_dump() stops with
 * cb->args[0] at B and returns skb->len. The first skb holds A (36 bytes);
 * in the next, B is first, skb->len is 0, and netlink_dump() takes a dump
 * callback's 0 as the end: netlink_dump_done() writes NLMSG_DONE with
 * dump_done_errno 0 (the core's "EMSGSIZE with nothing in the skb" error
 * needs the callback to return -EMSGSIZE, which packet_diag_dump() never
 * does). Read batch by batch (NLMSG_GOODSIZE skbs) and with 64 KiB reads
 * (32 KiB skbs) alike; without PACKET_SHOW_MCLIST all three are listed.
 */
TEST_F(pdiag, mclist_too_big_for_a_dump_skb_ends_the_dump)
{
	struct packet_mreq mc = { .mr_ifindex = NETNS_IFINDEX0, .mr_type = PACKET_MR_MULTICAST,
				  .mr_alen = 6, .mr_address = { 0x03, 0x70, 0x73, 0x6b } };
	int b = psock_socket(SOCK_RAW, 0), c;
	struct pdiag_batches bt;
	uint32_t ino[4];
	int rc;

	ASSERT_LE(0, b) TH_LOG("socket: %s", strerror(errno));
	for (int i = 0; i < 1000; i++) {
		mc.mr_address[4] = i >> 8;	/* 03:70:73:6b:HI:LO, locally administered */
		mc.mr_address[5] = i & 0xff;
		ASSERT_EQ(0, setsockopt(b, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mc, sizeof(mc)))
			TH_LOG("membership %d: %s", i, strerror(errno));
	}
	c = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, c) TH_LOG("socket: %s", strerror(errno));

	rc = pdiag_dump_batches(PACKET_SHOW_MCLIST, ino, 4, &bt);
	ASSERT_EQ(0, rc) TH_LOG("dump: %d, %s", rc, strerror(errno));
	ASSERT_EQ(1, bt.n_ino) TH_LOG("sockets listed");
	EXPECT_EQ(pdiag_fd_ino(self->fd), ino[0]);
	ASSERT_EQ(1, bt.n);
	EXPECT_EQ(1, bt.msgs[0]);
	EXPECT_EQ(36, bt.len[0]);
	EXPECT_EQ(0, bt.done_msgs) TH_LOG("NLMSG_DONE alone, in a recv() of its own");
	EXPECT_EQ(0, bt.done_errno);

	DUMP(self, PACKET_SHOW_MCLIST);
	EXPECT_EQ(1, self->d.n);
	EXPECT_NE(NULL, pdiag_find(&self->d, self->fd));

	rc = pdiag_dump_batches(0, ino, 4, &bt);
	ASSERT_EQ(0, rc) TH_LOG("dump: %d, %s", rc, strerror(errno));
	ASSERT_EQ(3, bt.n_ino);
	EXPECT_EQ(pdiag_fd_ino(self->fd), ino[0]);
	EXPECT_EQ(pdiag_fd_ino(b), ino[1]);
	EXPECT_EQ(pdiag_fd_ino(c), ino[2]);
	EXPECT_EQ(0, bt.done_errno);
	EXPECT_EQ(0, close(b));
	EXPECT_EQ(0, close(c));
}

/*
 * RX and TX rings of ring_small geometry (4 blocks of 4096, 2048-byte
 * frames, 8 frames) on one socket. V2: the V3 fields are 0. V3 RX: the
 * retire timeout, sizeof_priv and feature word asked for (60 ms, 16,
 * TP_FT_REQ_FILL_RXHASH); V3 TX: 0 (no block descriptor for TX).
 */
FIXTURE(pdiag_ring) {
	struct netns_topo topo;
	int fd;
	struct ring rx, tx;
};

FIXTURE_VARIANT(pdiag_ring) {
	int version;
};

FIXTURE_VARIANT_ADD(pdiag_ring, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(pdiag_ring, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(pdiag_ring)
{
	struct pdiag_dump d;

	memset(&self->rx, 0, sizeof(self->rx));
	memset(&self->tx, 0, sizeof(self->tx));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	SKIP_WITHOUT_PDIAG(return, 0, &d);
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pdiag_ring)
{
	ring_close_socket(&self->rx, -1);
	ring_close_socket(&self->tx, self->fd);
	netns_teardown(&self->topo);
}

/*
 * PACKET_SHOW_RING_CFG reports the RX and TX rings' geometry as requested
 * (4 blocks of 4096, 8 frames of 2048); retire timeout, private area size
 * and feature word only for a V3 RX ring (0 on V2 and for TX).
 */
TEST_F(pdiag_ring, ring_geometry)
{
	struct ring_geometry geo = ring_small;
	struct pdiag_dump d;
	const struct pdiag_sock *p;
	bool v3 = variant->version == TPACKET_V3;

	if (v3) {
		geo.retire_blk_tov = 60;
		geo.sizeof_priv = 16;
		geo.feature_req_word = TP_FT_REQ_FILL_RXHASH;
	}
	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &geo))
		TH_LOG("RX ring: %s", strerror(errno));
	ASSERT_EQ(0, ring_request(self->fd, PACKET_TX_RING, variant->version, &ring_small))
		TH_LOG("TX ring: %s", strerror(errno));
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_RING_CFG, NLM_F_DUMP, 0, &d));
	p = pdiag_find(&d, self->fd);
	ASSERT_NE(NULL, p);
	ASSERT_TRUE(p->has_rx);
	ASSERT_TRUE(p->has_tx);
	EXPECT_EQ(28, p->ring_len);
	EXPECT_EQ(4096, p->rx.pdr_block_size);
	EXPECT_EQ(4, p->rx.pdr_block_nr);
	EXPECT_EQ(2048, p->rx.pdr_frame_size);
	EXPECT_EQ(8, p->rx.pdr_frame_nr);
	EXPECT_EQ(v3 ? 60 : 0, p->rx.pdr_retire_tmo);
	EXPECT_EQ(v3 ? 16 : 0, p->rx.pdr_sizeof_priv);
	EXPECT_EQ(v3 ? TP_FT_REQ_FILL_RXHASH : 0, p->rx.pdr_features);
	EXPECT_EQ(4096, p->tx.pdr_block_size);
	EXPECT_EQ(4, p->tx.pdr_block_nr);
	EXPECT_EQ(2048, p->tx.pdr_frame_size);
	EXPECT_EQ(8, p->tx.pdr_frame_nr);
	EXPECT_EQ(0, p->tx.pdr_retire_tmo);
	EXPECT_EQ(0, p->tx.pdr_sizeof_priv);
	EXPECT_EQ(0, p->tx.pdr_features);
}

/*
 * The retire timeout of a V3 RX ring asked for with tp_retire_blk_tov 0:
 * init_prb_bdqc() takes prb_calc_retire_blk_tmo(po, tp_block_size), worked
 * out once, at PACKET_RX_RING time, from the device the socket is bound to
 * then (po->ifindex) and its ethtool link speed:
 *
 *   no such device (ifindex 0: unbound)            -> DEFAULT_PRB_RETIRE_TOV, 8
 *   __ethtool_get_link_ksettings() fails            -> 8
 *   speed < SPEED_1000 or SPEED_UNKNOWN (u32 ~0)    -> 8
 *   otherwise div = speed / 1000,
 *             mbits = block_size * 8 / (1024 * 1024) (integer division),
 *             mbits / div + 1                        (div is never 0 here)
 *
 * The devices, from their drivers: lo has no get_link_ksettings
 * (loopback_ethtool_ops: get_link and get_ts_info only), so -EOPNOTSUPP;
 * a bridge without ports reports SPEED_UNKNOWN (br_get_link_ksettings()
 * starts from it and only ports that are up raise it); veth reports
 * SPEED_10000 (veth_get_link_ksettings()), div 10. A tp_retire_blk_tov
 * other than 0 is taken as it is. pdiag_put_ring() reports the result as
 * pdr_retire_tmo. Each variant is one socket type (SOCK_RAW, TPACKET_V3),
 * one block of block_size, 2048-byte frames, bound (or not) before the
 * ring is made.
 *
 * What the variants tell apart in prb_calc_retire_blk_tmo():
 *   - bridge_4k: the speed guard (ecmd.base.speed < SPEED_1000 ||
 *     == SPEED_UNKNOWN). Without it div = 4294967295 / 1000 = 4294967,
 *     0 / div + 1 = 1, not 8; without its "== SPEED_UNKNOWN" half the same.
 *   - veth_1m: the first "if (div) mbits /= div": without it 8 + 1 = 9,
 *     not 8 / 10 + 1 = 1; veth_4m the same (33, not 4). The second
 *     "if (div) return mbits + 1": without it 0 (veth_4k, veth_1m) or 3
 *     (veth_4m), not 1, 1 and 4. veth_4m (mbits 32, div 10) pins the mbits
 *     arithmetic itself (4096-byte and 1 MiB blocks round to 1 whatever it
 *     is), e.g. 32 / 10 + 1 = 4 against 4 MiB taken as 4 Mbit (1).
 *   - veth_1m_tov3: the tp_retire_blk_tov test in init_prb_bdqc(): 3, not
 *     the computed 1.
 *   - unbound_4k, lo_4k: the !dev and err returns, 8.
 * Not killable here: "if (err)" -> "if (0)" (lo_4k gives 8 either way: the
 * failing __ethtool_get_link_ksettings() returns before its memset(), and
 * with CONFIG_INIT_STACK_ALL_ZERO, the default where the compiler has it,
 * ecmd is all zero, speed 0 < SPEED_1000, 8 again; no driver here fails
 * after writing a speed), and "< SPEED_1000" -> "<= SPEED_1000" (needs a
 * device reporting exactly 1000 Mb/s).
 */
enum retire_dev { RETIRE_UNBOUND, RETIRE_LO, RETIRE_BRIDGE, RETIRE_VETH };

FIXTURE(pdiag_retire) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_VARIANT(pdiag_retire) {
	enum retire_dev dev;
	unsigned int block_size;
	unsigned int tov;		/* tp_retire_blk_tov asked for */
	unsigned int want;		/* pdr_retire_tmo */
};

/* ifindex 0: __dev_get_by_index() finds nothing: DEFAULT_PRB_RETIRE_TOV. */
FIXTURE_VARIANT_ADD(pdiag_retire, unbound_4k) {
	.dev = RETIRE_UNBOUND, .block_size = 4096, .want = 8,
};
/* lo: no get_link_ksettings, -EOPNOTSUPP: DEFAULT_PRB_RETIRE_TOV. */
FIXTURE_VARIANT_ADD(pdiag_retire, lo_4k) {
	.dev = RETIRE_LO, .block_size = 4096, .want = 8,
};
/* br0, no ports: SPEED_UNKNOWN: DEFAULT_PRB_RETIRE_TOV. */
FIXTURE_VARIANT_ADD(pdiag_retire, bridge_4k) {
	.dev = RETIRE_BRIDGE, .block_size = 4096, .want = 8,
};
/* veth 10000: div 10, mbits 4096 * 8 / 1048576 = 0, 0 / 10 + 1 = 1. */
FIXTURE_VARIANT_ADD(pdiag_retire, veth_4k) {
	.dev = RETIRE_VETH, .block_size = 4096, .want = 1,
};
/* veth 10000: mbits 1048576 * 8 / 1048576 = 8, 8 / 10 = 0, + 1 = 1. */
FIXTURE_VARIANT_ADD(pdiag_retire, veth_1m) {
	.dev = RETIRE_VETH, .block_size = 1 << 20, .want = 1,
};
/* veth 10000: mbits 4194304 * 8 / 1048576 = 32, 32 / 10 = 3, + 1 = 4. */
FIXTURE_VARIANT_ADD(pdiag_retire, veth_4m) {
	.dev = RETIRE_VETH, .block_size = 4 << 20, .want = 4,
};
/* tp_retire_blk_tov 3 is kept (computed it would be 1, as veth_1m). */
FIXTURE_VARIANT_ADD(pdiag_retire, veth_1m_tov3) {
	.dev = RETIRE_VETH, .block_size = 1 << 20, .tov = 3, .want = 3,
};

FIXTURE_SETUP(pdiag_retire)
{
	struct pdiag_dump d;
	char why[256] = "";
	int rc, ifindex = 0;

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	SKIP_WITHOUT_PDIAG(return, 0, &d);
	switch (variant->dev) {
	case RETIRE_UNBOUND:
		self->fd = psock_socket(SOCK_RAW, 0);
		ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
		ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V3))
			TH_LOG("TPACKET_V3: %s", strerror(errno));
		return;
	case RETIRE_LO:
		ifindex = if_nametoindex("lo");
		ASSERT_EQ(1, ifindex) TH_LOG("lo: %s", strerror(errno));
		break;
	case RETIRE_BRIDGE:
		/* A bridge with no port; the link type missing is a real absence. */
		rc = netns_ip(&self->topo, false, why, sizeof(why),
			      "link add name br0 type bridge stp_state 0");
		if (rc && strstr(why, "Unknown device type"))
			SKIP(return, "no bridge link type (module bridge, CONFIG_BRIDGE): %s", why);
		ASSERT_EQ(0, rc) TH_LOG("bridge: %s", why);
		ifindex = if_nametoindex("br0");
		ASSERT_LT(0, ifindex) TH_LOG("br0: %s", strerror(errno));
		break;
	case RETIRE_VETH:
		ifindex = self->topo.ifindex0;
		break;
	}
	self->fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, ifindex, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket on ifindex %d: %s", ifindex, strerror(errno));
}

FIXTURE_TEARDOWN(pdiag_retire)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

/*
 * A V3 RX ring asked for with tp_retire_blk_tov 0 gets the retire timeout
 * prb_calc_retire_blk_tmo() derives from the bound device's link speed and
 * the block size (8 ms, DEFAULT_PRB_RETIRE_TOV, without a device, without
 * get_link_ksettings, below 1000 Mb/s or SPEED_UNKNOWN; else
 * block_size * 8 / 2^20 / (speed / 1000) + 1), and one asked for with
 * another value gets that value (init_prb_bdqc()); packet_diag's
 * pdiag_put_ring() reports it as pdr_retire_tmo.
 */
TEST_F(pdiag_retire, default_retire_tmo_from_bound_device)
{
	struct ring_geometry geo = {
		.block_size = variant->block_size, .block_nr = 1, .frame_size = 2048,
		.retire_blk_tov = variant->tov,
	};
	struct pdiag_dump d;
	const struct pdiag_sock *p;
	int rc;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, TPACKET_V3, &geo))
		TH_LOG("RX ring of one %u-byte block: %s", variant->block_size, strerror(errno));
	rc = pdiag_request(PACKET_SHOW_RING_CFG, NLM_F_DUMP, 0, &d);
	ASSERT_EQ(0, rc) TH_LOG("dump: %d, %s", rc, strerror(errno));
	p = pdiag_find(&d, self->fd);
	ASSERT_NE(NULL, p) TH_LOG("socket inode %lu not in the dump", pdiag_fd_ino(self->fd));
	ASSERT_TRUE(p->has_rx);
	EXPECT_EQ(variant->block_size, p->rx.pdr_block_size);
	EXPECT_EQ(1, p->rx.pdr_block_nr);
	EXPECT_EQ(variant->want, p->rx.pdr_retire_tmo);
}

/*
 * A member of fanout group 0x1234, PACKET_FANOUT_LB with
 * PACKET_FANOUT_FLAG_ROLLOVER: FANOUT is 0x1234 | 1 << 16, without the flag
 * (pdiag_put_fanout() leaves flags out); a socket in no group has none.
 */
TEST_F(pdiag, fanout_id_and_type)
{
	int arg = 0x1234 | (PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_ROLLOVER) << 16;
	const struct pdiag_sock *p;
	int other = psock_socket(SOCK_RAW, 0);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)))
		TH_LOG("PACKET_FANOUT: %s", strerror(errno));
	DUMP(self, PACKET_SHOW_FANOUT);
	FIND(p, self, self->fd);
	ASSERT_TRUE(p->has_fanout);
	EXPECT_EQ(0x11234, p->fanout);
	FIND(p, self, other);
	EXPECT_FALSE(p->has_fanout);
	EXPECT_EQ(0, close(other));
}

/*
 * A classic filter attached: FILTER holds its instructions byte for byte
 * (the requester has CAP_NET_ADMIN in the namespace's user namespace); UID
 * is the owner as this process sees it (0: root, or the mapped root).
 */
TEST_F(pdiag, filter_program_and_uid)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_PSOCK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = 4, .filter = insns };
	const struct pdiag_sock *p;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)));
	DUMP(self, PACKET_SHOW_FILTER | PACKET_SHOW_INFO);
	FIND(p, self, self->fd);
	ASSERT_TRUE(p->has_filter);
	EXPECT_EQ(32, p->filter_len);
	EXPECT_EQ(0, memcmp(insns, p->filter, 32));
	ASSERT_TRUE(p->has_uid);
	EXPECT_EQ(geteuid(), p->uid);
	EXPECT_EQ(0, p->uid);
}

/*
 * MEMINFO is sk_get_meminfo(), 9 u32 (SK_MEMINFO_VARS): the same bytes as
 * getsockopt(SO_MEMINFO), here with one frame queued (rmem_alloc != 0).
 */
TEST_F(pdiag, meminfo_is_so_meminfo)
{
	const struct frame_spec spec = { .payload_len = 100 };
	uint32_t mem[9] = { 0 };
	socklen_t len = sizeof(mem);
	const struct pdiag_sock *p;

	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 1, 1));
	ASSERT_EQ(1, psock_wait(self->fd, POLLIN, PSOCK_WAIT_MS));
	DUMP(self, PACKET_SHOW_MEMINFO);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	EXPECT_EQ(36, len);
	FIND(p, self, self->fd);
	ASSERT_TRUE(p->has_mem);
	EXPECT_EQ(36, p->mem_len);
	EXPECT_EQ(0, memcmp(mem, p->mem, 36));
	EXPECT_NE(0, mem[SK_MEMINFO_RMEM_ALLOC]) TH_LOG("the queued frame is not charged");
}

/* Without NLM_F_DUMP: EOPNOTSUPP; sdiag_protocol 1: EINVAL. */
TEST_F(pdiag, request_without_dump_eopnotsupp)
{
	EXPECT_EQ(-EOPNOTSUPP, pdiag_request(PACKET_SHOW_INFO, 0, 0, &self->d));
	EXPECT_EQ(0, self->d.n);
	EXPECT_EQ(-EINVAL, pdiag_request(PACKET_SHOW_INFO, NLM_F_DUMP, 1, &self->d));
}

/*
 * packet_diag_handler_dump() wants the whole 20-byte struct packet_diag_req:
 * a request of 2 to 19 bytes passes the sock_diag core's own check (its
 * 2-byte struct sock_diag_req: family and protocol) and is EINVAL, with
 * NLM_F_DUMP or without (the length is tested before the flag); 20 bytes
 * are a dump. The payload is the request's first bytes: AF_PACKET,
 * protocol 0, the rest zero.
 */
TEST_F(pdiag, request_shorter_than_packet_diag_req_einval)
{
	static const unsigned int cut[] = { 2, 4, 16, 19 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cut); i++) {
		EXPECT_EQ(-EINVAL, pdiag_request_cut(cut[i], NLM_F_DUMP, &self->d))
			TH_LOG("a %u-byte request with NLM_F_DUMP", cut[i]);
		EXPECT_EQ(0, self->d.n);
		EXPECT_EQ(-EINVAL, pdiag_request_cut(cut[i], 0, &self->d))
			TH_LOG("a %u-byte request without NLM_F_DUMP", cut[i]);
	}
	ASSERT_EQ(0, pdiag_request_cut(20, NLM_F_DUMP, &self->d))
		TH_LOG("the whole 20-byte request: %s", strerror(errno));
	ASSERT_EQ(1, self->d.n);
	EXPECT_EQ(pdiag_fd_ino(self->fd), self->d.s[0].msg.pdiag_ino);
}

/*
 * ss -0 -p (iproute2 reads packet_diag): one line for the socket, p_raw,
 * [protocol]:device, and this process with the fd.
 */
TEST_F(pdiag, ss_lists_socket_and_process)
{
	char want[256], line[512] = "", got[512] = "", pid[32] = "";
	size_t n = 0;
	FILE *f;

	/* ss reads /proc: the pid as that procfs numbers it (a PID namespace may not). */
	ASSERT_LT(0, readlink("/proc/self", pid, sizeof(pid) - 1)) TH_LOG("%s", strerror(errno));
	snprintf(want, sizeof(want),
		 "p_raw UNCONN 0 0 [%u]:%s * users:((\"diag\",pid=%s,fd=%d))",
		 ETH_P_PSOCK, NETNS_IF0, pid, self->fd);
	f = popen("ss -0 -p -a -n -H 2>&1", "r");
	ASSERT_NE(NULL, f) TH_LOG("ss: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		/* collapse the column padding to single spaces */
		for (char *c = line; *c; c++) {
			if (*c == ' ' || *c == '\t' || *c == '\n') {
				if (n && got[n - 1] != ' ')
					got[n++] = ' ';
			} else if (n < sizeof(got) - 1) {
				got[n++] = *c;
			}
		}
	}
	while (n && got[n - 1] == ' ')
		n--;
	got[n] = 0;
	EXPECT_EQ(0, pclose(f));
	EXPECT_STREQ(want, got);
}

/*
 * Dumps larger than one netlink batch: PDIAG_MANY unbound sockets of
 * protocol 0 (no hook, nothing to receive), read with
 * pdiag_dump_batches(), whose reads never ask for more than the skb holds,
 * so that netlink_dump() sizes every dump skb NLMSG_GOODSIZE (a read of
 * more raises the socket's max_recvmsg_len, and netlink_dump() then tries a
 * 32 KiB skb without direct reclaim, falling back to NLMSG_GOODSIZE when
 * that fails: how many sockets a batch holds would then depend on memory).
 * NLMSG_GOODSIZE is SKB_WITH_OVERHEAD(min(PAGE_SIZE, 8192)): the page less
 * SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), 320 bytes on x86_64 with
 * MAX_SKB_FRAGS 17 (fixed in 6.1, CONFIG_MAX_SKB_FRAGS's default since 6.2),
 * so 3776 with 4 KiB pages; a kernel built with more frags has less. Variants: bare (pdiag_show 0, a message of nlmsghdr 16 +
 * packet_diag_msg 16 = 32 bytes) and mclist (PACKET_SHOW_MCLIST, + an empty
 * nest of 4 = 36 bytes).
 *
 * Not a test: sk_diag_fill() returning -EINVAL instead of -EMSGSIZE when
 * nlmsg_put() fails (mutant diag-0037) is not observable: its only caller,
 * packet_diag_dump(), tests "< 0", stops the same way and returns skb->len,
 * so netlink_dump() never sees the error code; nor pdiag_put_mclist()
 * returning -EINVAL (diag-0017, diag-0019): sk_diag_fill() tests it for
 * non-zero and returns its own -EMSGSIZE.
 */
#define PDIAG_MANY 500
#define PDIAG_SHINFO 320	/* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), x86_64 */

FIXTURE(pdiag_many) {
	struct netns_topo topo;
	int fds[PDIAG_MANY];
	uint32_t ino[PDIAG_MANY];
};

FIXTURE_VARIANT(pdiag_many) {
	uint32_t show;
	unsigned int msg_len;	/* bytes of one socket's message */
};

FIXTURE_VARIANT_ADD(pdiag_many, bare) { .show = 0, .msg_len = 32 };
FIXTURE_VARIANT_ADD(pdiag_many, mclist) { .show = PACKET_SHOW_MCLIST, .msg_len = 36 };

FIXTURE_SETUP(pdiag_many)
{
	struct pdiag_dump d;

	memset(self->fds, -1, sizeof(self->fds));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	SKIP_WITHOUT_PDIAG(return, 0, &d);
	ASSERT_EQ(0, d.n) TH_LOG("a fresh namespace has no packet socket");
	for (unsigned int i = 0; i < PDIAG_MANY; i++) {
		self->fds[i] = psock_socket(SOCK_RAW, 0);
		ASSERT_LE(0, self->fds[i]) TH_LOG("socket %u: %s", i, strerror(errno));
		self->ino[i] = pdiag_fd_ino(self->fds[i]);
		ASSERT_NE(0, self->ino[i]) TH_LOG("fstat: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(pdiag_many)
{
	EXPECT_EQ(0, psock_close_in_threads(self->fds, PDIAG_MANY))
		TH_LOG("close: %s", strerror(errno));
	netns_teardown(&self->topo);
}

/*
 * A dump of more sockets than one batch holds lists every socket exactly
 * once, in creation order, and nothing else: each dump skb takes as many
 * whole messages as fit in NLMSG_GOODSIZE (3776 / 32 = 118 bare, 3776 / 36
 * = 104 mclist: 4 x 118 + 28 and 4 x 104 + 84 for 500 sockets), the socket
 * that does not fit opens the next batch, and NLMSG_DONE, errno 0, comes
 * alone after the last. The socket that does not fit: bare, nlmsg_put()
 * fails in sk_diag_fill() (0 bytes left), which returns -EMSGSIZE;
 * mclist, 32 bytes are left, nlmsg_put() fits and nla_nest_start_noflag()
 * fails in pdiag_put_mclist(), whose -EMSGSIZE makes sk_diag_fill()
 * nlmsg_cancel() the message; either way packet_diag_dump() stops,
 * cb->args[0] at that socket, and returns skb->len, so netlink_dump() sends
 * the skb and the next recvmsg() resumes at it. packet_diag_dump() returns
 * skb->len > 0 for every batch it filled, so netlink_dump() never puts
 * NLMSG_DONE into one: the callback's 0 on a call with nothing left ends
 * the dump (netlink_dump_done()).
 */
TEST_F(pdiag_many, every_socket_once_across_batches)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int goodsize = (page < 8192 ? page : 8192) - PDIAG_SHINFO;
	unsigned int per = goodsize / variant->msg_len;
	unsigned int batches = (PDIAG_MANY + per - 1) / per;
	uint32_t got[PDIAG_MANY + 1];
	struct pdiag_batches b;
	int rc;

	ASSERT_LT(0, page) TH_LOG("sysconf: %s", strerror(errno));
	rc = pdiag_dump_batches(variant->show, got, PDIAG_MANY + 1, &b);
	ASSERT_EQ(0, rc) TH_LOG("dump: %d, %s", rc, strerror(errno));
	ASSERT_EQ(PDIAG_MANY, b.n_ino) TH_LOG("sockets listed");
	for (unsigned int i = 0; i < PDIAG_MANY; i++) {
		EXPECT_EQ(self->ino[i], got[i]) TH_LOG("socket %u", i);
	}
	EXPECT_LT(1, batches);
	ASSERT_EQ(batches, b.n) TH_LOG("%u sockets a batch (NLMSG_GOODSIZE %u)", per, goodsize);
	for (unsigned int i = 0; i < b.n; i++) {
		unsigned int want = i < b.n - 1 ? per : PDIAG_MANY - per * (b.n - 1);

		EXPECT_EQ(want, b.msgs[i]) TH_LOG("batch %u", i);
		EXPECT_EQ(want * variant->msg_len, b.len[i]) TH_LOG("batch %u", i);
	}
	EXPECT_EQ(0, b.done_msgs) TH_LOG("NLMSG_DONE alone, in a recv() of its own");
	EXPECT_EQ(0, b.done_errno);
}

TEST_HARNESS_MAIN

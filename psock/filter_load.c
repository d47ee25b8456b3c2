// SPDX-License-Identifier: GPL-2.0
/*
 * What a classic socket filter reads: the frame as the socket sees it, and
 * the skb's metadata through ancillary loads.
 *
 * The filter sees the frame as the socket does (run_filter() in
 * packet_rcv() / tpacket_rcv()): a SOCK_RAW socket from the link header, a
 * SOCK_DGRAM socket from the network header (packet_rcv() leaves skb->data
 * at the network header for SOCK_DGRAM and pushes the link header back for
 * SOCK_RAW before the filter runs), so an absolute load "ld [k]" counts
 * from there.
 *
 * Loads from SKF_AD_OFF + n (bpf_anc_helper(), turned into skb field reads
 * by convert_bpf_extensions() in net/core/filter.c) read metadata instead:
 * SKF_AD_PROTOCOL is skb->protocol, the EtherType in host order;
 * SKF_AD_PKTTYPE the packet type (PACKET_HOST, PACKET_BROADCAST, ...);
 * SKF_AD_IFINDEX the device the frame is seen on; SKF_AD_VLAN_TAG and
 * SKF_AD_VLAN_TAG_PRESENT the tag the receive path moved into metadata
 * (__netif_receive_skb_core() -> skb_vlan_untag()) before any packet socket
 * sees the frame.
 *
 * Frames from psk1 are sent by a thread pinned to one CPU, so they are
 * received in order; a barrier frame behind them (stats.h) shows they were
 * processed, also the ones the filter dropped.
 *
 * Test cases:
 *   offsets.raw.loads_count_from_socket_view
 *   offsets.dgram.loads_count_from_socket_view
 *   ancillary.protocol
 *   ancillary.pkttype
 *   ancillary.ifindex
 *   ancillary.vlan_tag
 *   ancillary.vlan_tag_present
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "bpf.h"
#include "filter.h"

/* ---- absolute loads: link header or network header ------------------- */

FIXTURE(offsets) {
	struct filter_rx rx;
};

FIXTURE_VARIANT(offsets) {
	int type;
};

FIXTURE_VARIANT_ADD(offsets, raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(offsets, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(offsets)
{
	FILTER_RX_SETUP(return, &self->rx, variant->type, 0, ETH_P_IP);
}

FIXTURE_TEARDOWN(offsets)
{
	filter_rx_teardown(&self->rx);
}

/*
 * IPv4 frames; "ldb [off]; jeq #0x45" accepts when byte off is the IPv4
 * version/IHL byte. Byte 14 is that byte for SOCK_RAW (after the Ethernet
 * header), byte 0 for SOCK_DGRAM; "ldh [12]; jeq #0x0800" matches the
 * EtherType on SOCK_RAW only (on SOCK_DGRAM, bytes 12..13 are the IPv4
 * source address's first two bytes, 198.51).
 */
TEST_F(offsets, loads_count_from_socket_view)
{
	struct {
		uint32_t code, k, val;
		bool raw_accepts, dgram_accepts;
	} const cases[] = {
		{ BPF_LD | BPF_B | BPF_ABS, 14, 0x45, true, false },
		{ BPF_LD | BPF_B | BPF_ABS, 0, 0x45, false, true },
		{ BPF_LD | BPF_H | BPF_ABS, 12, ETH_P_IP, true, false },
		{ BPF_LD | BPF_H | BPF_ABS, 12, 198 << 8 | 51, false, true },
	};
	uint8_t buf[ETH_FRAME_LEN];

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct sock_filter prog[] = {
			BPF_STMT(cases[i].code, cases[i].k),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cases[i].val, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
			BPF_STMT(BPF_RET | BPF_K, 0),
		};
		const struct frame_spec spec = { .ip = 4, .payload_len = 32, .seq = i };
		bool accepts = variant->type == SOCK_RAW ? cases[i].raw_accepts
							 : cases[i].dgram_accepts;
		size_t off = rx_payload_offset(variant->type, &spec);
		ssize_t n;
		uint32_t seq;

		ASSERT_EQ(0, bpf_attach(self->rx.fd, prog, PROG_LEN(prog)))
			TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
		ASSERT_SEND_SYNCED(&self->rx, &spec, 1, PSOCK_WAIT_MS);
		n = recv(self->rx.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (!accepts) {
			EXPECT_EQ(-1, n) TH_LOG("filter %u accepted", i);
			EXPECT_EQ(EAGAIN, errno);
			continue;
		}
		ASSERT_EQ((ssize_t)(off + 32), n) TH_LOG("filter %u rejected", i);
		ASSERT_TRUE(frame_tag(buf + off, n - off, &seq));
		EXPECT_EQ(i, seq);
	}
}

/* ---- ancillary loads ------------------------------------------------- */

FIXTURE(ancillary) {
	struct filter_rx rx;
};

FIXTURE_SETUP(ancillary)
{
	/*
	 * ETH_P_ALL: the socket sees frames before the VLAN tag is dropped
	 * (a socket bound to one EtherType is matched after
	 * __netif_receive_skb_core() clears an unclaimed tag).
	 */
	FILTER_RX_SETUP(return, &self->rx, SOCK_RAW, 0, ETH_P_ALL);
}

FIXTURE_TEARDOWN(ancillary)
{
	filter_rx_teardown(&self->rx);
}

/* "ld #anc; jeq #k": accept when the ancillary value equals k. */
static int attach_anc_eq(int fd, uint32_t anc, uint32_t k)
{
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + anc),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	return bpf_attach(fd, prog, PROG_LEN(prog));
}

/*
 * Send frames specs[0..n-1] (seq = index) and expect exactly the seqs in
 * want (want_n of them, in order) to be received.
 */
static void expect_accepted(struct __test_metadata *_metadata, struct _test_data_ancillary *self,
			    const struct frame_spec *specs, unsigned int n,
			    const uint32_t *want, unsigned int want_n)
{
	struct frame_spec numbered[FILTER_QUEUED_MAX];

	ASSERT_GE(FILTER_QUEUED_MAX, n);
	for (unsigned int i = 0; i < n; i++) {
		numbered[i] = specs[i];
		numbered[i].seq = i;
	}
	ASSERT_SEND_SYNCED(&self->rx, numbered, n, PSOCK_WAIT_MS);
	ASSERT_QUEUED_SEQS(self->rx.fd, want, want_n);
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* SKF_AD_PROTOCOL is skb->protocol in host order: 0x88B5 matches, 0x88B7 not. */
TEST_F(ancillary, protocol)
{
	const struct frame_spec specs[] = {
		{ .ethertype = 0x88B7, .payload_len = 40 },
		{ .payload_len = 40 },
	};
	const uint32_t want[] = { 1 };

	ASSERT_EQ(0, attach_anc_eq(self->rx.fd, SKF_AD_PROTOCOL, ETH_P_PSOCK))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	expect_accepted(_metadata, self, specs, 2, want, 1);
}

/* SKF_AD_PKTTYPE == PACKET_BROADCAST: only the frame sent to ff:ff:ff:ff:ff:ff. */
TEST_F(ancillary, pkttype)
{
	const struct frame_spec specs[] = {
		{ .payload_len = 40 },
		{ .dst = bcast, .payload_len = 40 },
		{ .dst = mcast, .payload_len = 40 },
	};
	const uint32_t want[] = { 1 };

	ASSERT_EQ(0, attach_anc_eq(self->rx.fd, SKF_AD_PKTTYPE, PACKET_BROADCAST))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	expect_accepted(_metadata, self, specs, 3, want, 1);
}

/*
 * With "SKF_AD_IFINDEX == ifindex" on fd, a frame sent from psk1 reaches fd
 * once, seen on that device with that packet type.
 */
static void expect_one_copy(struct __test_metadata *_metadata, struct _test_data_ancillary *self,
			    int fd, int ifindex, int pkttype)
{
	const struct frame_spec spec = { .payload_len = 40 };
	static struct filter_frame last;
	uint32_t seqs[4];

	ASSERT_EQ(0, attach_anc_eq(fd, SKF_AD_IFINDEX, ifindex))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_SEND_SYNCED(&self->rx, &spec, 1, PSOCK_WAIT_MS);
	ASSERT_EQ(1, filter_drain_tagged(fd, seqs, 4, &last))
		TH_LOG("ifindex %d: copies received (-1: %s)", ifindex, strerror(errno));
	EXPECT_EQ(ifindex, last.sll.sll_ifindex);
	EXPECT_EQ(pkttype, last.sll.sll_pkttype);
}

/*
 * A socket bound to every interface sees each frame twice: leaving psk1
 * (PACKET_OUTGOING) and arriving on psk0. SKF_AD_IFINDEX selects one copy:
 * psk0's index gives the arriving copy only, psk1's the outgoing copy only.
 */
TEST_F(ancillary, ifindex)
{
	int all = psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);

	ASSERT_LE(0, all) TH_LOG("receiving socket: %s", strerror(errno));
	expect_one_copy(_metadata, self, all, NETNS_IFINDEX0, PACKET_HOST);
	expect_one_copy(_metadata, self, all, NETNS_IFINDEX1, PACKET_OUTGOING);
	close(all);
}

/*
 * SKF_AD_VLAN_TAG is the whole TCI (priority 3, VID 5: 0x6005) of a frame
 * sent 802.1Q-tagged; untagged frames read 0 and other TCIs do not match.
 */
TEST_F(ancillary, vlan_tag)
{
	const struct frame_spec specs[] = {
		{ .payload_len = 40 },
		{ .vlan_tpid = ETH_P_8021Q, .vlan_tci = 0x6005, .payload_len = 40 },
		{ .vlan_tpid = ETH_P_8021Q, .vlan_tci = 0x0005, .payload_len = 40 },
		{ .vlan_tpid = ETH_P_8021AD, .vlan_tci = 0x6005, .payload_len = 40 },
	};
	const uint32_t want[] = { 1, 3 };

	ASSERT_EQ(0, attach_anc_eq(self->rx.fd, SKF_AD_VLAN_TAG, 0x6005))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	expect_accepted(_metadata, self, specs, 4, want, 2);
}

/*
 * SKF_AD_VLAN_TAG_PRESENT is 1 for every tagged frame, also a
 * priority-tagged one (TCI 0), and 0 for an untagged frame.
 */
TEST_F(ancillary, vlan_tag_present)
{
	const struct frame_spec specs[] = {
		{ .payload_len = 40 },
		{ .vlan_tpid = ETH_P_8021Q, .vlan_tci = 0, .payload_len = 40 },
		{ .vlan_tpid = ETH_P_8021Q, .vlan_tci = 0x6005, .payload_len = 40 },
		{ .payload_len = 40 },
	};
	const uint32_t want[] = { 1, 2 };

	ASSERT_EQ(0, attach_anc_eq(self->rx.fd, SKF_AD_VLAN_TAG_PRESENT, 1))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	expect_accepted(_metadata, self, specs, 4, want, 2);
}

TEST_HARNESS_MAIN

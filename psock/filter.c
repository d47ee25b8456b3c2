// SPDX-License-Identifier: GPL-2.0
/*
 * Socket filters on packet sockets: classic BPF (SO_ATTACH_FILTER) and eBPF
 * (SO_ATTACH_BPF), and what their return value means.
 *
 * Before a packet socket stores a frame it runs the socket's filter on it
 * (run_filter() in tpacket_rcv() and packet_rcv()). The filter returns a
 * snap length: 0 drops the frame (not counted in PACKET_STATISTICS), N keeps
 * at most N bytes: on a ring tp_snaplen = min(N, length) while tp_len stays
 * the length; without a ring the queued skb is trimmed to N (pskb_trim()), so
 * recv() returns N bytes, even with MSG_TRUNC, and PACKET_AUXDATA reports
 * tp_len = the original length and tp_snaplen = N (packet_recvmsg()).
 * 0xFFFFFFFF keeps everything.
 *
 * The filter sees the frame as the socket does: a SOCK_RAW socket from the
 * link header, a SOCK_DGRAM socket from the network header (packet_rcv()
 * pushes or leaves skb->data), so absolute loads count from there, and the
 * snap length counts from there too. Ancillary loads (SKF_AD_OFF + ...,
 * bpf_anc_helper() / convert_skb_access() in net/core/filter.c) read skb
 * metadata: SKF_AD_PROTOCOL (the EtherType, host order), SKF_AD_PKTTYPE,
 * SKF_AD_IFINDEX (the device the frame is seen on), SKF_AD_VLAN_TAG and
 * SKF_AD_VLAN_TAG_PRESENT (the tag the receive path moved into metadata,
 * __netif_receive_skb_core() -> skb_vlan_untag()).
 *
 * sk_attach_filter() refuses (bpf_check_basics_ok(), bpf_check_classic(),
 * check_load_and_stores()) with EINVAL: an empty program, one longer than
 * BPF_MAXINSNS, a NULL instruction pointer, jumps past the end, a last
 * instruction that is not a return, division or modulo by constant 0,
 * shifts by 32 or more, an unknown opcode or ancillary offset, scratch
 * memory out of range or read before written. A short optlen is EINVAL
 * (copy_bpf_fprog_from_user()), a bad pointer EFAULT.
 *
 * SO_DETACH_FILTER removes the filter (ENOENT when there is none);
 * SO_LOCK_FILTER makes attach, detach and unlocking fail with EPERM
 * (sock_setsockopt()). A filter attached later does not touch frames
 * already stored.
 *
 * eBPF: a BPF_PROG_TYPE_SOCKET_FILTER program loaded with bpf(BPF_PROG_LOAD)
 * and attached with SO_ATTACH_BPF returns a snap length the same way.
 *
 * Frames from psk1 are sent by a thread pinned to one CPU, so they are
 * received in order; a barrier frame (stats.h) shows the earlier ones were
 * processed before a filter is swapped.
 *
 * Test cases (<path> = raw_v1, raw_v2, raw_v3, raw_recvmsg, dgram_v1,
 * dgram_v2, dgram_v3, dgram_recvmsg):
 *   snap.<path>.return_value_is_snaplen
 *   offsets.raw.loads_count_from_socket_view
 *   offsets.dgram.loads_count_from_socket_view
 *   ancillary.protocol
 *   ancillary.pkttype
 *   ancillary.ifindex
 *   ancillary.vlan_tag
 *   ancillary.vlan_tag_present
 *   attach.refused_programs_einval
 *   attach.maxinsns_accepted
 *   attach.maxinsns_enomem_over_optmem_max
 *   attach.null_or_short_program
 *   attach.detach_without_filter_enoent
 *   attach.detach_restores_capture
 *   attach.lock_filter_eperm
 *   attach.filter_after_frames_stored
 *   attach.ebpf_return_is_snaplen
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "bpf.h"
#include "psock.h"
#include "stats.h"

#define WAIT_MS 1000

/* One received frame, from a ring or from recvmsg(). */
struct got {
	uint32_t seq;
	uint32_t len;		/* tp_len */
	uint32_t snaplen;	/* tp_snaplen (recvmsg: what recv returned) */
	uint32_t aux_snaplen;	/* recvmsg: PACKET_AUXDATA tp_snaplen */
	int ifindex;
	int pkttype;
	uint16_t ethertype;	/* SOCK_RAW: bytes 12..13 */
	uint8_t data[ETH_FRAME_LEN];
};

/*
 * recvmsg() one frame without waiting, with PACKET_AUXDATA when on; the
 * length, or -1 (EAGAIN when the queue is empty).
 */
static ssize_t recv_one(int fd, struct got *g, int flags)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll sll;
	struct iovec iov = { .iov_base = g->data, .iov_len = sizeof(g->data) };
	struct msghdr msg = {
		.msg_name = &sll, .msg_namelen = sizeof(sll),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(g, 0, sizeof(*g));
	n = recvmsg(fd, &msg, MSG_DONTWAIT | flags);
	if (n < 0)
		return -1;
	g->snaplen = n;
	g->ifindex = sll.sll_ifindex;
	g->pkttype = sll.sll_pkttype;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
			struct tpacket_auxdata aux;

			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			g->len = aux.tp_len;
			g->aux_snaplen = aux.tp_snaplen;
		}
	}
	return n;
}

/*
 * Receive every queued tagged frame (SOCK_RAW, payload after the Ethernet
 * header) except barrier frames, and write their seqs to seqs (at most max).
 * Returns how many; the queue must end in EAGAIN, not another error.
 */
static unsigned int drain_seqs(struct __test_metadata *_metadata, int fd, uint32_t *seqs,
			       unsigned int max, struct got *last)
{
	static struct got g;
	unsigned int n = 0;
	ssize_t len;
	uint32_t seq;

	while ((len = recv_one(fd, &g, 0)) >= 0) {
		if (len <= ETH_HLEN || (g.data[12] << 8 | g.data[13]) == ETH_P_PSOCK_BARRIER)
			continue;
		if (!frame_tag(g.data + ETH_HLEN, len - ETH_HLEN, &seq))
			continue;
		if (n < max)
			seqs[n] = seq;
		if (last)
			*last = g;
		n++;
	}
	EXPECT_EQ(EAGAIN, errno) TH_LOG("recvmsg: %s", strerror(errno));
	return n;
}

/* ---- the return value is the snap length ------------------------------ */

FIXTURE(snap) {
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;
	struct ring ring;
	size_t skip;		/* tp_mac (or start of recv data) to the payload */
};

FIXTURE_VARIANT(snap) {
	int type;
	bool ring;		/* false: no ring, recvmsg() with PACKET_AUXDATA */
	int version;		/* of the ring (TPACKET_V1 is 0) */
};

FIXTURE_VARIANT_ADD(snap, raw_v1) { .type = SOCK_RAW, .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(snap, raw_v2) { .type = SOCK_RAW, .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(snap, raw_v3) { .type = SOCK_RAW, .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(snap, raw_recvmsg) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(snap, dgram_v1) { .type = SOCK_DGRAM, .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(snap, dgram_v2) { .type = SOCK_DGRAM, .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(snap, dgram_v3) { .type = SOCK_DGRAM, .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(snap, dgram_recvmsg) { .type = SOCK_DGRAM };

FIXTURE_SETUP(snap)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	self->barrier.fd = -1;
	self->skip = variant->type == SOCK_RAW ? ETH_HLEN : 0;
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("sched_setaffinity: %s", strerror(errno));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, rx_barrier_open(&self->barrier, &self->topo))
		TH_LOG("barrier socket: %s", strerror(errno));
	self->fd = psock_rx_socket(variant->type, variant->version, self->topo.ifindex0,
				   ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, rx_path_open(&self->ring, self->fd, variant->ring))
		TH_LOG("%s: %s", variant->ring ? "PACKET_RX_RING" : "PACKET_AUXDATA",
		       strerror(errno));
}

FIXTURE_TEARDOWN(snap)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	if (self->fd >= 0)
		close(self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
}

/* Attach "ret #k", send one frame of spec, wait until it was processed. */
static void send_with_ret(struct __test_metadata *_metadata, struct _test_data_snap *self,
			  uint32_t k, const struct frame_spec *spec)
{
	ASSERT_EQ(0, bpf_attach_ret(self->fd, k)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_LT(0, peer_send_spec(&self->topo, spec)) TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));
}

/* The next stored frame, from the ring or the queue. */
static void next_frame(struct __test_metadata *_metadata, struct _test_data_snap *self,
		       const struct _fixture_variant_snap *variant, struct got *g)
{
	if (variant->ring) {
		struct frame_view v;
		void *f = ring_next_frame(&self->ring, WAIT_MS);

		ASSERT_NE(NULL, f) TH_LOG("no frame in the ring");
		frame_view(&self->ring, f, &v);
		memset(g, 0, sizeof(*g));
		g->len = v.len;
		g->snaplen = v.snaplen;
		ASSERT_GE(sizeof(g->data), v.snaplen);
		memcpy(g->data, v.data, v.snaplen);
		ring_release_frame(&self->ring, f);
	} else {
		ASSERT_LT(0, recv_one(self->fd, g, 0)) TH_LOG("recvmsg: %s", strerror(errno));
		EXPECT_EQ(g->snaplen, g->aux_snaplen);
	}
	ASSERT_LT(self->skip + FRAME_TAG_LEN, g->snaplen);
	ASSERT_TRUE(frame_tag(g->data + self->skip, g->snaplen - self->skip, &g->seq));
}

/*
 * "ret #40": 40 bytes stored from where the socket's view starts (the
 * Ethernet header on SOCK_RAW, the payload on SOCK_DGRAM), tp_len the full
 * length; "ret #1000" on a shorter frame and "ret #0xffffffff" on a
 * 1414-byte one: everything; "ret #0": nothing, and not counted. Without a
 * ring, recv() with MSG_TRUNC also says 40: the queued skb was trimmed.
 */
TEST_F(snap, return_value_is_snaplen)
{
	struct frame_spec small = { .payload_len = 100 }, big = { .payload_len = 1400 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t small_len = frame_build(wire, sizeof(wire), &small);
	size_t hdr = ETH_HLEN - self->skip;	/* bytes the socket does not see */
	struct psock_stats st;
	static struct got g;

	small.seq = 1;
	send_with_ret(_metadata, self, 40, &small);
	small.seq = 2;
	send_with_ret(_metadata, self, 1000, &small);
	big.seq = 3;
	send_with_ret(_metadata, self, 0xffffffff, &big);
	small.seq = 4;
	send_with_ret(_metadata, self, 0, &small);
	ASSERT_EQ(0, psock_stats_read(self->fd, &st))
		TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
	EXPECT_EQ(3u, st.packets);
	EXPECT_EQ(0u, st.drops);

	if (!variant->ring) {
		/* MSG_TRUNC returns skb->len, which is already the snap length. */
		ASSERT_EQ(40, recv_one(self->fd, &g, MSG_TRUNC));
		EXPECT_EQ(small_len - hdr, g.len);
		EXPECT_EQ(40u, g.aux_snaplen);
		ASSERT_TRUE(frame_tag(g.data + self->skip, 40 - self->skip, &g.seq));
	} else {
		next_frame(_metadata, self, variant, &g);
		EXPECT_EQ(small_len - hdr, g.len);
		EXPECT_EQ(40u, g.snaplen);
	}
	EXPECT_EQ(1u, g.seq);
	small.seq = 1;
	frame_build(wire, sizeof(wire), &small);
	EXPECT_EQ(0, memcmp(wire + hdr, g.data, 40));

	next_frame(_metadata, self, variant, &g);
	EXPECT_EQ(2u, g.seq);
	EXPECT_EQ(small_len - hdr, g.len);
	EXPECT_EQ(small_len - hdr, g.snaplen);

	next_frame(_metadata, self, variant, &g);
	EXPECT_EQ(3u, g.seq);
	EXPECT_EQ(ETH_HLEN + 1400 - hdr, g.len);
	EXPECT_EQ(ETH_HLEN + 1400 - hdr, g.snaplen);
	frame_build(wire, sizeof(wire), &big);
	EXPECT_EQ(0, memcmp(wire + hdr, g.data, g.snaplen));
}

/* ---- absolute loads: link header or network header ------------------- */

FIXTURE(offsets) {
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;
};

FIXTURE_VARIANT(offsets) {
	int type;
};

FIXTURE_VARIANT_ADD(offsets, raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(offsets, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(offsets)
{
	self->fd = -1;
	self->barrier.fd = -1;
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("sched_setaffinity: %s", strerror(errno));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, rx_barrier_open(&self->barrier, &self->topo))
		TH_LOG("barrier socket: %s", strerror(errno));
	self->fd = psock_rx_socket(variant->type, 0, self->topo.ifindex0, ETH_P_IP);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(offsets)
{
	if (self->fd >= 0)
		close(self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
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

		ASSERT_EQ(0, bpf_attach(self->fd, prog, PROG_LEN(prog)))
			TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
		ASSERT_LT(0, peer_send_spec(&self->topo, &spec))
			TH_LOG("send: %s", strerror(errno));
		ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, WAIT_MS))
			TH_LOG("barrier frame: %s", strerror(errno));
		n = recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT);
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
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;
};

FIXTURE_SETUP(ancillary)
{
	self->fd = -1;
	self->barrier.fd = -1;
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("sched_setaffinity: %s", strerror(errno));
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, rx_barrier_open(&self->barrier, &self->topo))
		TH_LOG("barrier socket: %s", strerror(errno));
	/*
	 * ETH_P_ALL: the socket sees frames before the VLAN tag is dropped
	 * (a socket bound to one EtherType is matched after
	 * __netif_receive_skb_core() clears an unclaimed tag).
	 */
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ancillary)
{
	if (self->fd >= 0)
		close(self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
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
	uint32_t got[16];
	unsigned int got_n;

	for (unsigned int i = 0; i < n; i++) {
		struct frame_spec s = specs[i];

		s.seq = i;
		ASSERT_LT(0, peer_send_spec(&self->topo, &s)) TH_LOG("send: %s", strerror(errno));
	}
	ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));
	got_n = drain_seqs(_metadata, self->fd, got, 16, NULL);
	ASSERT_EQ(want_n, got_n);
	for (unsigned int i = 0; i < want_n; i++)
		EXPECT_EQ(want[i], got[i]);
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

	ASSERT_EQ(0, attach_anc_eq(self->fd, SKF_AD_PROTOCOL, ETH_P_PSOCK))
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

	ASSERT_EQ(0, attach_anc_eq(self->fd, SKF_AD_PKTTYPE, PACKET_BROADCAST))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	expect_accepted(_metadata, self, specs, 3, want, 1);
}

/*
 * A socket bound to every interface sees each frame twice: leaving psk1
 * (PACKET_OUTGOING) and arriving on psk0. SKF_AD_IFINDEX selects one copy:
 * psk0's index gives the arriving copy only, psk1's the outgoing copy only.
 */
TEST_F(ancillary, ifindex)
{
	const struct frame_spec spec = { .payload_len = 40 };
	int all = psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);
	static struct got last;
	uint32_t seqs[4];

	ASSERT_LE(0, all) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, attach_anc_eq(all, SKF_AD_IFINDEX, NETNS_IFINDEX0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_LT(0, peer_send_spec(&self->topo, &spec)) TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));
	ASSERT_EQ(1u, drain_seqs(_metadata, all, seqs, 4, &last));
	EXPECT_EQ(NETNS_IFINDEX0, last.ifindex);
	EXPECT_EQ(PACKET_HOST, last.pkttype);

	ASSERT_EQ(0, attach_anc_eq(all, SKF_AD_IFINDEX, NETNS_IFINDEX1))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_LT(0, peer_send_spec(&self->topo, &spec)) TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));
	ASSERT_EQ(1u, drain_seqs(_metadata, all, seqs, 4, &last));
	EXPECT_EQ(NETNS_IFINDEX1, last.ifindex);
	EXPECT_EQ(PACKET_OUTGOING, last.pkttype);
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

	ASSERT_EQ(0, attach_anc_eq(self->fd, SKF_AD_VLAN_TAG, 0x6005))
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

	ASSERT_EQ(0, attach_anc_eq(self->fd, SKF_AD_VLAN_TAG_PRESENT, 1))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	expect_accepted(_metadata, self, specs, 4, want, 2);
}

/* ---- attaching, detaching, locking ------------------------------------ */

FIXTURE(attach) {
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;
	long outer_optmem;	/* net.core.optmem_max outside the case's namespace */
	int outer_optmem_err;	/* 0, or the errno reading it */
};

/* Read a decimal number from a /proc file: 0, or -1 with errno (EINVAL: not a number). */
static int read_long(const char *path, long *val)
{
	FILE *f = fopen(path, "re");
	int ok, err;

	if (!f)
		return -1;
	ok = fscanf(f, "%ld", val) == 1;
	err = ferror(f) ? errno : EINVAL;
	fclose(f);
	if (ok)
		return 0;
	errno = err;
	return -1;
}

/* Write a decimal number to a /proc file: 0, or -1 with errno. */
static int write_long(const char *path, long val)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	if (fprintf(f, "%ld\n", val) < 0) {
		int err = errno;

		fclose(f);
		errno = err;
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

#define OPTMEM_MAX "/proc/sys/net/core/optmem_max"

FIXTURE_SETUP(attach)
{
	self->fd = -1;
	self->barrier.fd = -1;
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("sched_setaffinity: %s", strerror(errno));
	/*
	 * Before Linux 6.8 the one optmem_max is shown only in the initial
	 * namespace (maxinsns_enomem_over_optmem_max): read it while still
	 * outside the case's namespace.
	 */
	self->outer_optmem_err = read_long(OPTMEM_MAX, &self->outer_optmem) ? errno : 0;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, rx_barrier_open(&self->barrier, &self->topo))
		TH_LOG("barrier socket: %s", strerror(errno));
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(attach)
{
	if (self->fd >= 0)
		close(self->fd);
	rx_barrier_close(&self->barrier);
	netns_teardown(&self->topo);
}

/* Send one frame with this seq and wait until it was processed. */
static void attach_send(struct __test_metadata *_metadata, struct _test_data_attach *self,
			uint32_t seq, size_t payload_len)
{
	const struct frame_spec spec = { .payload_len = payload_len, .seq = seq };

	ASSERT_LT(0, peer_send_spec(&self->topo, &spec)) TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_sync(&self->barrier, &self->topo, WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));
}

/* The seqs of the queued frames, which must be exactly want[0..n-1]. */
static void expect_queued(struct __test_metadata *_metadata, int fd, const uint32_t *want,
			  unsigned int n)
{
	uint32_t got[16];

	ASSERT_EQ(n, drain_seqs(_metadata, fd, got, 16, NULL));
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(want[i], got[i]);
}

#define RET_ALL BPF_STMT(BPF_RET | BPF_K, 0xffffffff)
#define RET_A BPF_STMT(BPF_RET | BPF_A, 0)
#define LD_LEN BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)

/*
 * Each program is refused with EINVAL, and a refused program leaves the
 * socket without a filter (SO_DETACH_FILTER then says ENOENT).
 */
TEST_F(attach, refused_programs_einval)
{
	static struct sock_filter too_long[BPF_MAXINSNS + 1];
	const struct sock_filter jeq_past_end[] = {
		LD_LEN, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0), RET_ALL,
	};
	const struct sock_filter ja_past_end[] = {
		BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), RET_ALL,
	};
	const struct sock_filter no_return[] = { LD_LEN, LD_LEN };
	const struct sock_filter div_zero[] = {
		LD_LEN, BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_A,
	};
	const struct sock_filter mod_zero[] = {
		LD_LEN, BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), RET_A,
	};
	const struct sock_filter shift_32[] = {
		LD_LEN, BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_A,
	};
	const struct sock_filter bad_opcode[] = { { 0xffff, 0, 0, 0 }, RET_ALL };
	const struct sock_filter bad_anc[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + 1000), RET_A,
	};
	const struct sock_filter mem_range[] = {
		LD_LEN, BPF_STMT(BPF_ST, BPF_MEMWORDS), RET_A,
	};
	const struct sock_filter mem_unset[] = {
		BPF_STMT(BPF_LD | BPF_MEM, 0), RET_A,
	};
	struct {
		const char *what;
		const struct sock_filter *insns;
		unsigned short len;
	} const cases[] = {
		{ "empty", jeq_past_end, 0 },
		{ "BPF_MAXINSNS + 1 instructions", too_long, BPF_MAXINSNS + 1 },
		{ "conditional jump past the end", jeq_past_end, PROG_LEN(jeq_past_end) },
		{ "BPF_JA past the end", ja_past_end, PROG_LEN(ja_past_end) },
		{ "no final return", no_return, PROG_LEN(no_return) },
		{ "division by constant 0", div_zero, PROG_LEN(div_zero) },
		{ "modulo by constant 0", mod_zero, PROG_LEN(mod_zero) },
		{ "shift by 32", shift_32, PROG_LEN(shift_32) },
		{ "unknown opcode", bad_opcode, PROG_LEN(bad_opcode) },
		{ "unknown ancillary offset", bad_anc, PROG_LEN(bad_anc) },
		{ "scratch memory index 16", mem_range, PROG_LEN(mem_range) },
		{ "scratch memory read before written", mem_unset, PROG_LEN(mem_unset) },
	};

	for (unsigned int i = 0; i < BPF_MAXINSNS + 1; i++)
		too_long[i] = (struct sock_filter)RET_ALL;
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		errno = 0;
		EXPECT_EQ(-1, bpf_attach(self->fd, cases[i].insns, cases[i].len))
			TH_LOG("%s: accepted", cases[i].what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s: %s", cases[i].what, strerror(errno));
	}
	EXPECT_EQ(-1, bpf_detach(self->fd));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * A BPF_MAXINSNS (4096) program of "ret #-1": bpf_check_basics_ok() refuses
 * only a longer one (EINVAL), and bpf_check_classic() finds nothing wrong.
 * Then __sk_filter_charge() charges the converted program to the socket's
 * option memory, against net.core.optmem_max: bpf_prog_size() of
 * 3 + 2 * 4096 eBPF instructions (bpf_convert_filter(): a 3-instruction
 * prologue, "mov r0, k; exit" for each return), 8 bytes each, so more than
 * 65560 bytes; a 512-instruction one takes 8216 bytes and the header.
 *
 * net.core.optmem_max is per namespace since Linux 6.8 ("net:
 * Namespace-ify sysctl_optmem_max"; "net: increase optmem_max default
 * value" raised the default from 20 KiB to 128 KiB in the same release),
 * so a case sets its own. Before, it is one global value (default 20 KiB),
 * shown only in the initial namespace, which no case may change.
 */
#define OPTMEM_CHANGE "\"net: Namespace-ify sysctl_optmem_max\""
#define MAXINSNS_BYTES 65560	/* the eBPF instructions alone, without the header */
#define OPTMEM_ROOMY (1L << 20)	/* far above what BPF_MAXINSNS takes */
#define OPTMEM_TIGHT 32768L	/* below BPF_MAXINSNS, above 512 instructions */

/*
 * 1 when the case's namespace has its own optmem_max (its value in *val),
 * 0 when it has none (global before 6.8), -1 with errno when unreadable.
 * A kernel since 6.8 without one fails the case; one before 6.8 with one
 * (a backport) is reported. The file decides, not what the attach did.
 */
static int optmem_per_netns(struct __test_metadata *_metadata, long *val)
{
	if (read_long(OPTMEM_MAX, val) == 0) {
		if (!PSOCK_KERNEL_SINCE(6, 8))
			TH_LOG("%s: net.core.optmem_max is per namespace before 6.8 "
			       "(%s backported)", psock_kernel_release(), OPTMEM_CHANGE);
		return 1;
	}
	if (errno != ENOENT)
		return -1;
	ASSERT_FALSE(PSOCK_KERNEL_SINCE(6, 8))
		TH_LOG("%s: no net.core.optmem_max in the case's namespace, per namespace "
		       "since 6.8 (%s)", psock_kernel_release(), OPTMEM_CHANGE);
	return 0;
}

/* Set the case's own optmem_max. */
static void optmem_set(struct __test_metadata *_metadata, long val)
{
	ASSERT_EQ(0, write_long(OPTMEM_MAX, val))
		TH_LOG("write %ld to %s: %s", val, OPTMEM_MAX, strerror(errno));
}

static void fill_ret_all(struct sock_filter *prog, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		prog[i] = (struct sock_filter)RET_ALL;
}

/* SO_GET_FILTER with optlen 0: the length of the attached classic program. */
static int attached_len(int fd)
{
	socklen_t len = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &len))
		return -1;
	return (int)len;
}

/*
 * With optmem_max raised to 1 MiB in the case's namespace, the BPF_MAXINSNS
 * program is attached: SO_GET_FILTER says 4096 instructions, and it runs
 * (the frame sent next is captured).
 */
TEST_F(attach, maxinsns_accepted)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	const uint32_t want[] = { 0 };
	long optmem;
	int own;

	own = optmem_per_netns(_metadata, &optmem);
	ASSERT_LE(0, own) TH_LOG("read %s: %s", OPTMEM_MAX, strerror(errno));
	if (!own)
		SKIP(return, "needs Linux 6.8, running %s: %s; before, net.core.optmem_max is "
		     "global and cannot be raised from the case's namespace (its 20 KiB default "
		     "refuses %d instructions: maxinsns_enomem_over_optmem_max)",
		     psock_kernel_release(), OPTMEM_CHANGE, BPF_MAXINSNS);
	optmem = OPTMEM_ROOMY;
	optmem_set(_metadata, optmem);
	fill_ret_all(prog, BPF_MAXINSNS);
	ASSERT_EQ(0, bpf_attach(self->fd, prog, BPF_MAXINSNS))
		TH_LOG("%d instructions, optmem_max %ld: %s", BPF_MAXINSNS, optmem,
		       strerror(errno));
	EXPECT_EQ(4096, attached_len(self->fd)) TH_LOG("SO_GET_FILTER: %s", strerror(errno));
	attach_send(_metadata, self, 0, 100);
	expect_queued(_metadata, self->fd, want, 1);
}

/*
 * Where optmem_max is below the BPF_MAXINSNS program's size, the program
 * passes every check and is refused only when charged: ENOMEM, not EINVAL,
 * and the socket has no filter afterwards (SO_DETACH_FILTER: ENOENT). A
 * 512-instruction program fits the same limit. The limit: per namespace,
 * the case sets 32 KiB; before 6.8, the global value read outside the
 * case's namespace (default 20 KiB), which the case can only use as it is.
 */
TEST_F(attach, maxinsns_enomem_over_optmem_max)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	long optmem;
	int own;

	own = optmem_per_netns(_metadata, &optmem);
	ASSERT_LE(0, own) TH_LOG("read %s: %s", OPTMEM_MAX, strerror(errno));
	if (own) {
		optmem = OPTMEM_TIGHT;
		optmem_set(_metadata, optmem);
	} else {
		if (self->outer_optmem_err == ENOENT)
			SKIP(return, "the global net.core.optmem_max (before 6.8, running %s) is "
			     "shown only in the initial namespace, and this binary runs in another",
			     psock_kernel_release());
		ASSERT_EQ(0, self->outer_optmem_err)
			TH_LOG("read %s outside the case's namespace: %s", OPTMEM_MAX,
			       strerror(self->outer_optmem_err));
		optmem = self->outer_optmem;
		if (optmem >= MAXINSNS_BYTES)
			SKIP(return, "the global net.core.optmem_max is %ld here (running %s, "
			     "before 6.8: %s), not below the %d bytes of %d instructions, and a "
			     "case may not lower it", optmem, psock_kernel_release(), OPTMEM_CHANGE,
			     MAXINSNS_BYTES, BPF_MAXINSNS);
	}
	fill_ret_all(prog, BPF_MAXINSNS);
	errno = 0;
	EXPECT_EQ(-1, bpf_attach(self->fd, prog, BPF_MAXINSNS))
		TH_LOG("%d instructions accepted with optmem_max %ld", BPF_MAXINSNS, optmem);
	EXPECT_EQ(ENOMEM, errno) TH_LOG("optmem_max %ld: %s", optmem, strerror(errno));
	EXPECT_EQ(-1, bpf_detach(self->fd));
	EXPECT_EQ(ENOENT, errno);
	/* 8216 bytes and the struct bpf_prog header fit 16 KiB. */
	if (optmem < 16384) {
		TH_LOG("optmem_max %ld: too small to check that 512 instructions fit", optmem);
		return;
	}
	ASSERT_EQ(0, bpf_attach(self->fd, prog, 512))
		TH_LOG("512 instructions, optmem_max %ld: %s", optmem, strerror(errno));
	EXPECT_EQ(512, attached_len(self->fd)) TH_LOG("SO_GET_FILTER: %s", strerror(errno));
}

/*
 * struct sock_fprog with a NULL instruction pointer: EINVAL (it is checked
 * before anything is copied). A NULL optval or an instruction pointer to
 * unmapped memory: EFAULT. optlen shorter than struct sock_fprog: EINVAL.
 */
TEST_F(attach, null_or_short_program)
{
	struct sock_fprog prog = { .len = 1, .filter = NULL };
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT_EQ(-1, setsockopt(self->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_SOCKET, SO_ATTACH_FILTER, NULL, sizeof(prog)));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_NE(MAP_FAILED, unmapped);
	prog.filter = unmapped;
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog) - 1));
	EXPECT_EQ(EINVAL, errno);
}

/* SO_DETACH_FILTER with no filter: ENOENT, also right after a detach. */
TEST_F(attach, detach_without_filter_enoent)
{
	EXPECT_EQ(-1, bpf_detach(self->fd));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, bpf_attach_ret(self->fd, 0)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	EXPECT_EQ(0, bpf_detach(self->fd));
	EXPECT_EQ(-1, bpf_detach(self->fd));
	EXPECT_EQ(ENOENT, errno);
}

/* A drop-all filter hides frame 0; after SO_DETACH_FILTER frame 1 is captured whole. */
TEST_F(attach, detach_restores_capture)
{
	const uint32_t want[] = { 1 };

	ASSERT_EQ(0, bpf_attach_ret(self->fd, 0)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	attach_send(_metadata, self, 0, 100);
	ASSERT_EQ(0, bpf_detach(self->fd)) TH_LOG("SO_DETACH_FILTER: %s", strerror(errno));
	attach_send(_metadata, self, 1, 100);
	expect_queued(_metadata, self->fd, want, 1);
}

/*
 * After SO_LOCK_FILTER, attaching, detaching and unlocking fail with
 * EPERM; the locked filter (ret #40) keeps working.
 */
TEST_F(attach, lock_filter_eperm)
{
	int one = 1, zero = 0, val = 0;
	socklen_t len = sizeof(val);
	static struct got last;
	uint32_t seq;

	ASSERT_EQ(0, bpf_attach_ret(self->fd, 40)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_LOCK_FILTER, &val, &len))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
	EXPECT_EQ(1, val);
	EXPECT_EQ(-1, bpf_attach_ret(self->fd, 0xffffffff));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, bpf_detach(self->fd));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_SOCKET, SO_LOCK_FILTER, &zero, sizeof(zero)));
	EXPECT_EQ(EPERM, errno);
	attach_send(_metadata, self, 7, 100);
	ASSERT_EQ(1u, drain_seqs(_metadata, self->fd, &seq, 1, &last));
	EXPECT_EQ(7u, seq);
	EXPECT_EQ(40u, last.snaplen);
}

/*
 * A V2 ring holding frames 0..2 when a drop-all filter is attached keeps
 * them intact; frames 3 and 4 are not stored (nor counted). A "ret #40"
 * filter attached next stores frame 5 cut to 40 bytes in slot 3.
 */
TEST_F(attach, filter_after_frames_stored)
{
	int fd = psock_rx_socket(SOCK_RAW, TPACKET_V2, self->topo.ifindex0, ETH_P_PSOCK);
	struct ring r = { 0 };
	struct psock_stats st;
	struct frame_view v;
	uint32_t seq;

	ASSERT_LE(0, fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, ring_open(&r, fd, PACKET_RX_RING, &ring_small))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	for (uint32_t i = 0; i < 3; i++)
		attach_send(_metadata, self, i, 100);
	ASSERT_EQ(0, bpf_attach_ret(fd, 0)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	attach_send(_metadata, self, 3, 100);
	attach_send(_metadata, self, 4, 100);
	for (unsigned int i = 0; i < 3; i++) {
		void *f = ring_frame(&r, i);

		frame_view(&r, f, &v);
		EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK);
		EXPECT_EQ(114u, v.snaplen);
		EXPECT_TRUE(frame_tag(v.data + ETH_HLEN, v.snaplen - ETH_HLEN, &seq));
		EXPECT_EQ(i, seq);
	}
	EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&r, ring_frame(&r, 3)));
	ASSERT_EQ(0, psock_stats_read(fd, &st)) TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
	EXPECT_EQ(3u, st.packets);
	EXPECT_EQ(0u, st.drops);

	ASSERT_EQ(0, bpf_attach_ret(fd, 40)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	attach_send(_metadata, self, 5, 100);
	frame_view(&r, ring_frame(&r, 3), &v);
	EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK);
	EXPECT_EQ(114u, v.len);
	EXPECT_EQ(40u, v.snaplen);
	EXPECT_TRUE(frame_tag(v.data + ETH_HLEN, v.snaplen - ETH_HLEN, &seq));
	EXPECT_EQ(5u, seq);
	munmap(r.map_base, r.map_len);
	close(fd);
}

/* eBPF "r0 = k; exit". */
static int load_ret_prog(uint32_t k, char *log, size_t log_len)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = (int32_t)k },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return ebpf_load_socket_filter(insns, 2, log, log_len);
}

/*
 * An eBPF socket filter returning 40 keeps 40 bytes: recvmsg() gets 40 with
 * PACKET_AUXDATA tp_len 114, tp_snaplen 40, and a TPACKET_V2 ring stores
 * tp_snaplen 40, tp_len 114. One returning 0 drops, uncounted. SO_ATTACH_BPF
 * replaces a classic filter, and SO_LOCK_FILTER refuses it with EPERM too.
 */
TEST_F(attach, ebpf_return_is_snaplen)
{
	char log[1024];
	int p40 = load_ret_prog(40, log, sizeof(log)), p0, one = 1, rfd;
	struct ring r = { 0 };
	struct frame_view v;
	static struct got g;
	struct psock_stats st;
	uint32_t seq;

	if (p40 < 0 && (errno == EPERM || errno == EACCES))
		SKIP(return, "bpf(BPF_PROG_LOAD) of a socket filter refused (%s): needs CAP_BPF "
		     "(Linux 5.8) or CAP_SYS_ADMIN, or kernel.unprivileged_bpf_disabled=0",
		     strerror(errno));
	if (p40 < 0 && errno == ENOSYS)
		SKIP(return, "no bpf(2) syscall (CONFIG_BPF_SYSCALL, Linux 3.18)");
	ASSERT_LE(0, p40) TH_LOG("BPF_PROG_LOAD: %s: %s", strerror(errno), log);
	p0 = load_ret_prog(0, log, sizeof(log));
	ASSERT_LE(0, p0) TH_LOG("BPF_PROG_LOAD: %s: %s", strerror(errno), log);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		TH_LOG("PACKET_AUXDATA: %s", strerror(errno));
	rfd = psock_rx_socket(SOCK_RAW, TPACKET_V2, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, rfd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, ring_open(&r, rfd, PACKET_RX_RING, &ring_small))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));

	ASSERT_EQ(0, bpf_attach_ret(self->fd, 0)) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_EQ(0, ebpf_attach(self->fd, p40)) TH_LOG("SO_ATTACH_BPF: %s", strerror(errno));
	ASSERT_EQ(0, ebpf_attach(rfd, p40)) TH_LOG("SO_ATTACH_BPF: %s", strerror(errno));
	attach_send(_metadata, self, 1, 100);
	ASSERT_EQ(0, ebpf_attach(self->fd, p0)) TH_LOG("SO_ATTACH_BPF: %s", strerror(errno));
	ASSERT_EQ(0, ebpf_attach(rfd, p0)) TH_LOG("SO_ATTACH_BPF: %s", strerror(errno));
	attach_send(_metadata, self, 2, 100);

	ASSERT_EQ(0, psock_stats_read(self->fd, &st))
		TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
	EXPECT_EQ(1u, st.packets);
	EXPECT_EQ(0u, st.drops);
	ASSERT_EQ(1u, drain_seqs(_metadata, self->fd, &seq, 1, &g));
	EXPECT_EQ(1u, seq);
	EXPECT_EQ(40u, g.snaplen);
	EXPECT_EQ(114u, g.len);
	EXPECT_EQ(40u, g.aux_snaplen);

	ASSERT_EQ(0, psock_stats_read(rfd, &st)) TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
	EXPECT_EQ(1u, st.packets);
	EXPECT_EQ(0u, st.drops);
	frame_view(&r, ring_frame(&r, 0), &v);
	EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK);
	EXPECT_EQ(114u, v.len);
	EXPECT_EQ(40u, v.snaplen);
	EXPECT_TRUE(frame_tag(v.data + ETH_HLEN, v.snaplen - ETH_HLEN, &seq));
	EXPECT_EQ(1u, seq);
	EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&r, ring_frame(&r, 1)));

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
	EXPECT_EQ(-1, ebpf_attach(self->fd, p40));
	EXPECT_EQ(EPERM, errno);
	munmap(r.map_base, r.map_len);
	close(rfd);
	close(p40);
	close(p0);
}

TEST_HARNESS_MAIN

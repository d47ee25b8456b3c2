// SPDX-License-Identifier: GPL-2.0
/*
 * GSO super-frames sent with PACKET_VNET_HDR (SOCK_RAW, no ring): which ones
 * packet_snd() in net/packet/af_packet.c accepts, how large they may be, and
 * what crosses veth.
 *
 *  - VIRTIO_NET_HDR_GSO_UDP_L4 (5): virtio_net_hdr_to_skb() turns it into a
 *    UDP GSO skb (SKB_GSO_UDP_L4; NEEDS_CSUM with csum_offset 6 required).
 *    veth keeps it whole (NETIF_F_GSO_UDP_L4); with tx-udp-segmentation off
 *    it is split into gso_size datagrams before it leaves
 *    (__udp_gso_segment()). Linux 6.2, "linux/virtio_net.h: Support USO
 *    offload in vnet header."; 6.1 refuses the type with EINVAL.
 *  - Size: packet_alloc_skb() puts all but hdr_len bytes into page frags of
 *    up to 32 KiB each (PAGE_ALLOC_COSTLY_ORDER, Linux 6.6, "net/packet:
 *    change packet_alloc_skb() to allow bigger paged allocations"); before,
 *    MAX_SKB_FRAGS (17) single pages, and a larger send was EMSGSIZE.
 *  - A TCP GSO frame whose TCP header claims fewer than 20 bytes (doff < 5)
 *    is never sent: the GSO header check drops it (validate_xmit_skb()).
 *    Debian's 6.12.y (a stable backport) refuses it earlier, in
 *    qdisc_pkt_len_init() at the top of __dev_queue_xmit(): send() fails
 *    with EINVAL, with or without a qdisc. PACKET_QDISC_BYPASS
 *    (__dev_direct_xmit()) does not go through that check: ENOBUFS.
 *
 * Frames go out of psk0 and are checked on psk1 (the sink), byte for byte
 * but for checksums the device completes; each gso_size slice of a
 * super-frame's payload carries its own tag, so every segment is named.
 *
 * Test cases:
 *   snd_gso.udp_l4_accepted_crosses_whole
 *   snd_gso.udp_l4_split_without_uso
 *   snd_gso.tcp_over_17_pages_accepted
 *   snd_gso.tcp_doff_below_5_einval
 *   snd_gso.tcp_doff_below_5_einval_through_pfifo
 *   snd_gso.tcp_doff_below_5_enobufs_with_qdisc_bypass
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

/* include/uapi/linux/virtio_net.h of Linux 6.2; a 6.1 header lacks it. */
#define GSO_UDP_L4 5

#define L4_OFF (ETH_HLEN + 20)
#define UDP_DATA_OFF (L4_OFF + 8)
#define TCP_DATA_OFF (L4_OFF + 20)

FIXTURE(snd_gso) {
	struct netns_topo topo;
	int fd, sink;
	uint8_t *big;	/* a frame larger than struct tx_frame */
};

FIXTURE_SETUP(snd_gso)
{
	int one = 1;

	self->big = NULL;
	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		TH_LOG("PACKET_VNET_HDR: %s", strerror(errno));
}

FIXTURE_TEARDOWN(snd_gso)
{
	free(self->big);
	TX_ENDS_TEARDOWN(self);
}

/* What a send did, for the SKIP line of an older kernel. */
static const char *observed(ssize_t ret, int err, char *buf, size_t size)
{
	if (ret < 0)
		snprintf(buf, size, "; this kernel: %s", strerror(err));
	else
		snprintf(buf, size, "; this kernel accepts it (send() returned %zd): backported", ret);
	return buf;
}

/*
 * Fill n slices of slice bytes at data, slice k carrying the tag of seq
 * first + k (a frame_build() payload of that length).
 */
static void tag_slices(struct __test_metadata *_metadata, uint8_t *data, unsigned int n,
		       size_t slice, uint32_t first)
{
	static struct tx_frame chunk;

	for (unsigned int k = 0; k < n; k++) {
		TX_FRAME(&chunk, .payload_len = slice, .seq = first + k);
		memcpy(data + k * slice, chunk.wire + ETH_HLEN, slice);
	}
}

/*
 * Read n segments from the sink: each hdr + slice bytes, its tag first + k
 * at hdr, its payload the k-th slice of data.
 */
static void expect_segments(struct __test_metadata *_metadata, int sink, const uint8_t *data,
			    unsigned int n, size_t hdr, size_t slice, uint32_t first)
{
	static uint8_t buf[4096];

	for (unsigned int k = 0; k < n; k++) {
		uint32_t seq = ~0u;
		ssize_t got = tx_sink_next(sink, buf, sizeof(buf), hdr, &seq, NULL, PSOCK_WAIT_MS);

		ASSERT_EQ((ssize_t)(hdr + slice), got) TH_LOG("segment %u of %u: %s", k, n,
							      got < 0 ? strerror(errno) : "");
		ASSERT_EQ(first + k, seq) TH_LOG("segment %u of %u", k, n);
		ASSERT_EQ(0, memcmp(buf + hdr, data + k * slice, slice)) TH_LOG("segment %u", k);
	}
}

/* ---- VIRTIO_NET_HDR_GSO_UDP_L4 (6.2) ----------------------------------- */

#define USO_CHANGE "\"linux/virtio_net.h: Support USO offload in vnet header.\""
#define USO_SLICES 3
#define USO_SIZE 1000

/* A UDP GSO super-frame: IPv4/UDP, 3 x 1000 bytes of payload, each slice tagged. */
static void build_uso(struct __test_metadata *_metadata, struct tx_frame *f,
		      struct virtio_net_hdr *vh)
{
	TX_FRAME(f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = USO_SLICES * USO_SIZE,
		 .seq = 20);
	tag_slices(_metadata, f->wire + UDP_DATA_OFF, USO_SLICES, USO_SIZE, 21);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = GSO_UDP_L4;
	vh->hdr_len = UDP_DATA_OFF;
	vh->gso_size = USO_SIZE;
	vh->csum_start = L4_OFF;
	vh->csum_offset = offsetof(struct udphdr, check);
}

/*
 * gso_type UDP_L4 is accepted: send() returns 10 + 3042 and, veth taking UDP
 * GSO, psk1 receives the super-frame whole (the checksum field is left to
 * the device). 6.1: EINVAL (SKIP, release-keyed).
 */
TEST_F(snd_gso, udp_l4_accepted_crosses_whole)
{
	struct virtio_net_hdr vh;
	static struct tx_frame f;
	char seen[128];
	ssize_t ret;
	int err;

	build_uso(_metadata, &f, &vh);
	errno = 0;
	ret = tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len);
	err = errno;
	PSOCK_SKIP_BEFORE(return, 6, 2, USO_CHANGE, observed(ret, err, seen, sizeof(seen)));
	ASSERT_EQ((ssize_t)(10 + 3042), ret) TH_LOG("send: %s", strerror(err));
	ASSERT_SINK_GETS(self->sink, PSOCK_WAIT_MS, .bytes = f.wire, .len = f.len,
			 .skip = UDP_DATA_OFF, .seq = 21, .ignore = L4_OFF + 6);
}

/*
 * With tx-udp-segmentation off on psk0 the super-frame is segmented before
 * it leaves: three datagrams of 14 + 20 + 8 + 1000 bytes, UDP length 1008,
 * IP total length 1028, each with its own slice of the payload.
 */
TEST_F(snd_gso, udp_l4_split_without_uso)
{
	static uint8_t buf[4096];
	struct virtio_net_hdr vh;
	static struct tx_frame f;
	char seen[128];
	ssize_t ret;
	int err;

	build_uso(_metadata, &f, &vh);
	ASSERT_EQ(0, tx_set_feature("psk0", "tx-udp-segmentation", false))
		TH_LOG("psk0 tx-udp-segmentation off: %s", strerror(errno));
	errno = 0;
	ret = tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len);
	err = errno;
	PSOCK_SKIP_BEFORE(return, 6, 2, USO_CHANGE, observed(ret, err, seen, sizeof(seen)));
	ASSERT_EQ((ssize_t)(10 + 3042), ret) TH_LOG("send: %s", strerror(err));
	for (unsigned int k = 0; k < USO_SLICES; k++) {
		const struct iphdr *ip = (const struct iphdr *)(buf + ETH_HLEN);
		const struct udphdr *uh = (const struct udphdr *)(buf + L4_OFF);
		uint32_t seq = ~0u;
		ssize_t n = tx_sink_next(self->sink, buf, sizeof(buf), UDP_DATA_OFF, &seq, NULL,
					 PSOCK_WAIT_MS);

		ASSERT_EQ((ssize_t)(UDP_DATA_OFF + USO_SIZE), n) TH_LOG("segment %u", k);
		EXPECT_EQ(21 + k, seq);
		EXPECT_EQ(1028, ntohs(ip->tot_len));
		EXPECT_EQ(1008, ntohs(uh->len));
		EXPECT_EQ(0, memcmp(buf + UDP_DATA_OFF, f.wire + UDP_DATA_OFF + k * USO_SIZE,
				    USO_SIZE));
	}
}

/* ---- a super-frame over 17 pages (6.6) --------------------------------- */

#define BIG_SLICES 50
#define BIG_MSS 1400
#define BIG_LEN (TCP_DATA_OFF + BIG_SLICES * BIG_MSS)

/*
 * 70000 bytes of TCP payload in 50 slices of 1400, hdr_len 54: the paged
 * part (70000 bytes) is more than 17 x 4096 = 69632. send() returns
 * 10 + 70054; with TSO off on psk0 the frame leaves as 50 segments of
 * 54 + 1400 bytes, in order, each with its slice. 6.1: EMSGSIZE (SKIP,
 * release-keyed).
 */
TEST_F(snd_gso, tcp_over_17_pages_accepted)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = TCP_DATA_OFF,
		.gso_size = BIG_MSS,
		.csum_start = L4_OFF,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	static struct tx_frame hdr;
	struct iphdr *ip;
	char seen[128];
	ssize_t ret;
	int err;

	/* The headers of a small TCP frame; the IPv4 total length is rewritten per segment. */
	ASSERT_EQ(0, tx_frame_tcp(&hdr, 4, 30, 100));
	self->big = malloc(BIG_LEN);
	ASSERT_NE(NULL, self->big);
	memcpy(self->big, hdr.wire, TCP_DATA_OFF);
	ip = (struct iphdr *)(self->big + ETH_HLEN);
	ip->tot_len = 0;
	ip->check = 0;
	ip->check = htons((uint16_t)~inet_csum_add(ip, sizeof(*ip), 0));
	tag_slices(_metadata, self->big + TCP_DATA_OFF, BIG_SLICES, BIG_MSS, 31);
	ASSERT_EQ(0, tx_set_offload("psk0", ETHTOOL_STSO, 0)) TH_LOG("tso off: %s", strerror(errno));
	errno = 0;
	ret = tx_send_vnet(self->fd, &vh, sizeof(vh), self->big, BIG_LEN);
	err = errno;
	PSOCK_SKIP_BEFORE(return, 6, 6, "\"net/packet: change packet_alloc_skb() to allow bigger "
			  "paged allocations\"", observed(ret, err, seen, sizeof(seen)));
	ASSERT_EQ((ssize_t)(10 + 70054), ret) TH_LOG("send: %s", strerror(err));
	expect_segments(_metadata, self->sink, self->big + TCP_DATA_OFF, BIG_SLICES, TCP_DATA_OFF,
			BIG_MSS, 31);
}

/* ---- a TCP GSO frame with doff < 5 (6.12.y stable) --------------------- */

/*
 * The 3054-byte TCPV4 GSO frame (gso_size 1000) whose TCP header says doff
 * 4 (16 bytes). No kernel sends it: a DODGY GSO skb has its headers checked
 * before it reaches veth (validate_xmit_skb() -> tcp_gso_segment(), doff
 * below 5 is an error), so it is dropped there, send() failing with what
 * the path makes of a drop (ENOMEM from __dev_queue_xmit() without a qdisc,
 * ENOBUFS from dev_direct_xmit(); nothing at all when a qdisc queued it
 * first). 6.12.y checks it earlier, in qdisc_pkt_len_init() at the top of
 * __dev_queue_xmit(), which fails the send with EINVAL whatever the qdisc.
 * No release gate fits a stable backport: the two EINVAL cases fail on
 * kernels without it (6.1; 6.18.44).
 */
static void build_doff4(struct __test_metadata *_metadata, struct tx_frame *f,
			struct virtio_net_hdr *vh)
{
	ASSERT_EQ(0, tx_frame_tcp(f, 4, 40, 3000));
	tx_tcp_header(f->wire, 4, 4);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = TCP_DATA_OFF;
	vh->gso_size = 1000;
	vh->csum_start = L4_OFF;
	vh->csum_offset = offsetof(struct tcphdr, check);
}

/* Nothing of the refused frame reached psk1: a marker sent now is the next frame. */
static void marker_next(struct __test_metadata *_metadata, struct _test_data_snd_gso *self,
			uint32_t seq)
{
	struct virtio_net_hdr plain = { 0 };
	static struct tx_frame marker;

	TX_FRAME(&marker, .seq = seq, .payload_len = 64);
	ASSERT_EQ((ssize_t)(10 + marker.len),
		  tx_send_vnet(self->fd, &plain, sizeof(plain), marker.wire, marker.len))
		TH_LOG("marker: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &marker, seq, PSOCK_WAIT_MS);
}

/*
 * The two EINVAL cases pin a 6.12.y stable change (KERNEL-DIFFERENCES D13)
 * that neither 6.1 nor the 6.18.44 host kernel has: no release gate is
 * right for them, so they fail there, and the expected results of those
 * series (results/expected/6.1.json, 6.18.json) declare the failure.
 */

/* veth's default noqueue: EINVAL (without the check: ENOMEM). */
TEST_F(snd_gso, tcp_doff_below_5_einval)
{
	struct virtio_net_hdr vh;
	static struct tx_frame f;

	build_doff4(_metadata, &f, &vh);
	EXPECT_ERRNO(EINVAL, tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	marker_next(_metadata, self, 41);
}

/*
 * pfifo on psk0: EINVAL before the frame is queued (without the check,
 * send() returns the length and the frame is dropped at dequeue).
 */
TEST_F(snd_gso, tcp_doff_below_5_einval_through_pfifo)
{
	struct virtio_net_hdr vh;
	static struct tx_frame f;
	char why[256];
	int ret;

	ret = tx_tc(why, sizeof(why), "qdisc add dev psk0 root pfifo limit 100");
	if (ret && tx_tc_missing(why))
		SKIP(return, "no pfifo qdisc (CONFIG_NET_SCH_FIFO) or no tc: %s", why);
	ASSERT_EQ(0, ret) TH_LOG("tc: %s", why);
	build_doff4(_metadata, &f, &vh);
	EXPECT_ERRNO(EINVAL, tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	marker_next(_metadata, self, 42);
}

/*
 * PACKET_QDISC_BYPASS: __dev_direct_xmit() skips qdisc_pkt_len_init(), the
 * header check drops the frame, and packet_xmit() passes on the drop
 * dev_direct_xmit() reports (NET_XMIT_DROP): ENOBUFS, on every kernel.
 */
TEST_F(snd_gso, tcp_doff_below_5_enobufs_with_qdisc_bypass)
{
	struct virtio_net_hdr vh;
	static struct tx_frame f;
	int one = 1;

	build_doff4(_metadata, &f, &vh);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		TH_LOG("PACKET_QDISC_BYPASS: %s", strerror(errno));
	EXPECT_ERRNO(ENOBUFS, tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	marker_next(_metadata, self, 43);
}

TEST_HARNESS_MAIN

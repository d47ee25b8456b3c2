// SPDX-License-Identifier: GPL-2.0
/*
 * TPACKET version negotiation.
 *
 * A packet socket's ring layout is chosen by PACKET_VERSION: TPACKET_V1
 * (struct tpacket_hdr, microsecond timestamps), TPACKET_V2 (struct
 * tpacket2_hdr, nanoseconds and VLAN fields) or TPACKET_V3 (blocks of
 * variable-sized struct tpacket3_hdr packets). What the kernel promises:
 *
 *  - a new socket is TPACKET_V1 (packet_create() leaves tp_version 0);
 *  - setsockopt(PACKET_VERSION) takes exactly an int holding V1, V2 or V3,
 *    anything else is EINVAL (packet_setsockopt());
 *  - the version is fixed while a ring exists: EBUSY while an RX or TX ring
 *    is set up, allowed again after the ring is torn down by a request with
 *    tp_block_nr == 0 (packet_setsockopt(), packet_set_ring());
 *  - getsockopt(PACKET_HDRLEN) with a version in the buffer answers the size
 *    of that version's frame header; an unknown version or a buffer shorter
 *    than an int is EINVAL (packet_getsockopt());
 *  - getsockopt answers at most sizeof(int) bytes and never writes past the
 *    caller's optlen (packet_getsockopt(): len = min(len, lv));
 *  - the version in force when a ring is created decides the layout the
 *    kernel writes into it (tpacket_rcv()).
 *
 * Test cases:
 *   version.<type>.new_socket_is_v1
 *   version.<type>.rejects_unknown_versions
 *   version.<type>.rejects_optlen_other_than_int
 *   version.<type>.getsockopt_len_is_clamped
 *   version.<type>.hdrlen_rejects_unknown_versions
 *   version.<type>.hdrlen_rejects_short_optlen
 *   version_ring.<type>_<version>.set_and_read_back
 *   version_ring.<type>_<version>.hdrlen_is_header_size
 *   version_ring.<type>_<version>.busy_while_rx_ring
 *   version_ring.<type>_<version>.busy_while_tx_ring
 *   version_ring.<type>_<version>.layout_follows_version
 * with <type> sock_raw / sock_dgram and <version> v1 / v2 / v3.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"

static const int all_versions[] = { TPACKET_V1, TPACKET_V2, TPACKET_V3 };

/* ---- version-independent rules: one socket per case ------------------ */

FIXTURE(version) {
	int fd;
};

FIXTURE_VARIANT(version) {
	int type;
};

FIXTURE_VARIANT_ADD(version, sock_raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(version, sock_dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(version)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	/* No traffic here, but a fresh namespace keeps the case's socket alone. */
	PSOCK_NETNS_SETUP(&topo, &quiet_ns);
	netns_teardown(&topo);
	self->fd = psock_socket(variant->type, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket(AF_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(version)
{
	close(self->fd);
}

TEST_F(version, new_socket_is_v1)
{
	int val = -1;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &val, &len));
	EXPECT_EQ(sizeof(int), len);
	EXPECT_EQ(TPACKET_V1, val);
}

TEST_F(version, rejects_unknown_versions)
{
	static const int bad[] = { 3, -1, 255, INT_MAX };

	/* Start from V2 so "unchanged" is distinguishable from the default. */
	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, psock_set_version(self->fd, bad[i])) TH_LOG("version %d", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("version %d", bad[i]);
	}
	EXPECT_EQ(TPACKET_V2, psock_get_version(self->fd));
}

TEST_F(version, rejects_optlen_other_than_int)
{
	/* Room for any optlen; the value itself would be valid (V2). */
	int64_t buf[2] = { TPACKET_V2, 0 };
	static const socklen_t lens[] = { 0, 1, 2, 3, 5, 8, 16 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, setsockopt(self->fd, SOL_PACKET, PACKET_VERSION, buf, lens[i]))
			TH_LOG("optlen %u", lens[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("optlen %u", lens[i]);
	}
	EXPECT_EQ(TPACKET_V1, psock_get_version(self->fd));
}

TEST_F(version, getsockopt_len_is_clamped)
{
	uint8_t buf[8];
	socklen_t len;
	int v3 = TPACKET_V3;

	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V3));

	/* A larger buffer: the kernel answers sizeof(int) and says so. */
	memset(buf, 0xa5, sizeof(buf));
	len = sizeof(buf);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, buf, &len));
	EXPECT_EQ(sizeof(int), len);
	EXPECT_EQ(0, memcmp(buf, &v3, sizeof(int)));
	EXPECT_EQ(0xa5, buf[4]);

	/* A shorter buffer: exactly optlen bytes are written, nothing past it. */
	memset(buf, 0xa5, sizeof(buf));
	len = 2;
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, buf, &len));
	EXPECT_EQ(2, len);
	EXPECT_EQ(0, memcmp(buf, &v3, 2));
	EXPECT_EQ(0xa5, buf[2]);
	EXPECT_EQ(0xa5, buf[3]);
}

TEST_F(version, hdrlen_rejects_unknown_versions)
{
	static const int bad[] = { 3, -1, 255, INT_MAX };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int val = bad[i];
		socklen_t len = sizeof(val);

		errno = 0;
		EXPECT_EQ(-1, getsockopt(self->fd, SOL_PACKET, PACKET_HDRLEN, &val, &len))
			TH_LOG("version %d", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("version %d", bad[i]);
	}
}

TEST_F(version, hdrlen_rejects_short_optlen)
{
	static const socklen_t lens[] = { 0, 1, 2, 3 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int val = TPACKET_V2;
		socklen_t len = lens[i];

		errno = 0;
		EXPECT_EQ(-1, getsockopt(self->fd, SOL_PACKET, PACKET_HDRLEN, &val, &len))
			TH_LOG("optlen %u", lens[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("optlen %u", lens[i]);
		EXPECT_EQ(TPACKET_V2, val) TH_LOG("optlen %u", lens[i]);
	}
}

/* ---- per-version rules: a socket of one type set to one version ------ */

FIXTURE(version_ring) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_VARIANT(version_ring) {
	int type;
	int version;
};

FIXTURE_VARIANT_ADD(version_ring, sock_raw_v1) { .type = SOCK_RAW, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(version_ring, sock_raw_v2) { .type = SOCK_RAW, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(version_ring, sock_raw_v3) { .type = SOCK_RAW, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(version_ring, sock_dgram_v1) { .type = SOCK_DGRAM, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(version_ring, sock_dgram_v2) { .type = SOCK_DGRAM, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(version_ring, sock_dgram_v3) { .type = SOCK_DGRAM, .version = TPACKET_V3 };

FIXTURE_SETUP(version_ring)
{
	PSOCK_NETNS_SETUP(&self->topo, NULL);
	self->fd = psock_socket(variant->type, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket(AF_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(version_ring)
{
	close(self->fd);
	netns_teardown(&self->topo);
}

TEST_F(version_ring, set_and_read_back)
{
	ASSERT_EQ(0, psock_set_version(self->fd, variant->version));
	EXPECT_EQ(variant->version, psock_get_version(self->fd));
}

TEST_F(version_ring, hdrlen_is_header_size)
{
	int val = variant->version;
	socklen_t len = sizeof(val);
	/* The literal sizes are ABI: x86_64 and every 64-bit arch agree. */
	static const int expected_size[] = {
		[TPACKET_V1] = sizeof(struct tpacket_hdr),
		[TPACKET_V2] = sizeof(struct tpacket2_hdr),
		[TPACKET_V3] = sizeof(struct tpacket3_hdr),
	};

	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_HDRLEN, &val, &len));
	EXPECT_EQ(sizeof(int), len);
	EXPECT_EQ(expected_size[variant->version], val);
	/* The answer does not depend on the socket's own version (still V1). */
	EXPECT_EQ(TPACKET_V1, psock_get_version(self->fd));
}

/*
 * Set the variant's version, set up a ring of the given kind, then check
 * that no version (not even the one in force) is accepted until the ring is
 * torn down, and that every version is accepted after that.
 */
static void check_busy_while_ring(struct __test_metadata *_metadata, int fd,
				  int kind, int version)
{
	struct ring ring;

	ASSERT_EQ(0, psock_set_version(fd, version));
	ASSERT_EQ(0, ring_open(&ring, fd, kind, &ring_small))
		TH_LOG("ring setup: %s", strerror(errno));

	for (size_t i = 0; i < 3; i++) {
		errno = 0;
		EXPECT_EQ(-1, psock_set_version(fd, all_versions[i]))
			TH_LOG("version %d with a ring", all_versions[i]);
		EXPECT_EQ(EBUSY, errno) TH_LOG("version %d with a ring", all_versions[i]);
	}
	EXPECT_EQ(version, psock_get_version(fd));

	/* munmap, then the zero request frees the ring (packet_set_ring()). */
	ring_close(&ring);
	for (size_t i = 0; i < 3; i++) {
		EXPECT_EQ(0, psock_set_version(fd, all_versions[i]))
			TH_LOG("version %d after teardown: %s", all_versions[i], strerror(errno));
		EXPECT_EQ(all_versions[i], psock_get_version(fd));
	}
}

TEST_F(version_ring, busy_while_rx_ring)
{
	check_busy_while_ring(_metadata, self->fd, PACKET_RX_RING, variant->version);
}

TEST_F(version_ring, busy_while_tx_ring)
{
	check_busy_while_ring(_metadata, self->fd, PACKET_TX_RING, variant->version);
}

/*
 * Receive one 802.1Q-tagged frame and check it is laid out as the version
 * says: where the data starts (tp_mac, from TPACKET_ALIGN of the version's
 * header length plus sockaddr_ll), where sockaddr_ll sits, and the fields
 * only some versions have: VLAN tag fields (V2, V3; V1 has none and reports
 * no VLAN status), microseconds (V1) or nanoseconds (V2, V3), and for V3
 * the block descriptor around the packet.
 *
 * The socket is bound to ETH_P_ALL: __netif_receive_skb_core() hands the
 * frame to ETH_P_ALL taps while the stripped tag is still in the skb, and
 * clears it (no VLAN device has that id) before protocol handlers run, so a
 * socket bound to the inner EtherType would see no tag at all.
 */
TEST_F(version_ring, layout_follows_version)
{
	const uint16_t tci = (5 << 13) | 0x123;	/* PCP 5, VID 0x123 */
	const struct frame_spec spec = {
		.vlan_tpid = ETH_P_8021Q, .vlan_tci = tci, .seq = 7, .payload_len = 100,
	};
	struct ring_geometry geo = ring_small;
	bool raw = variant->type == SOCK_RAW;
	/* tpacket_rcv(): netoff = TPACKET_ALIGN(tp_hdrlen + 16) for Ethernet */
	uint32_t hdrlen = TPACKET_ALIGN(tpacket_hdr_size(variant->version)) +
			  sizeof(struct sockaddr_ll);
	uint32_t net = TPACKET_ALIGN(hdrlen + 16);
	/* The core strips the tag into skb metadata before any packet socket. */
	uint32_t wire_len = (raw ? ETH_HLEN : 0) + spec.payload_len;
	uint32_t vlan_bits = TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;
	uint32_t checked_bits = TP_STATUS_USER | TP_STATUS_COPY | TP_STATUS_LOSING | vlan_bits;
	struct timespec before, after;
	struct frame_view v;
	struct ring ring;
	uint32_t seq = ~0u;
	void *frame;

	geo.retire_blk_tov = 10;	/* V3: retire the one-packet block soon */
	ASSERT_EQ(0, psock_set_version(self->fd, variant->version));
	ASSERT_EQ(0, psock_bind(self->fd, self->topo.ifindex0, ETH_P_ALL));
	ASSERT_EQ(0, ring_open(&ring, self->fd, PACKET_RX_RING, &geo))
		TH_LOG("ring setup: %s", strerror(errno));

	clock_gettime(CLOCK_REALTIME, &before);
	ASSERT_LT(0, peer_send_spec(&self->topo, &spec)) TH_LOG("send: %s", strerror(errno));
	frame = ring_next_tagged(&ring, 1000, raw ? ETH_HLEN : 0, &seq);
	ASSERT_NE(NULL, frame) TH_LOG("no tagged frame within 1000 ms");
	clock_gettime(CLOCK_REALTIME, &after);
	frame_view(&ring, frame, &v);

	EXPECT_EQ(wire_len, v.len);
	EXPECT_EQ(wire_len, v.snaplen);
	EXPECT_EQ(net, v.net);
	EXPECT_EQ(raw ? net - ETH_HLEN : net, v.mac);
	EXPECT_EQ(spec.seq, seq);
	EXPECT_EQ(AF_PACKET, v.sll->sll_family);
	EXPECT_EQ(self->topo.ifindex0, v.sll->sll_ifindex);
	EXPECT_EQ(htons(ETH_P_PSOCK), v.sll->sll_protocol);

	/* Timestamps in the version's unit, between the two clock reads. */
	EXPECT_LE(before.tv_sec, v.sec);
	EXPECT_GE(after.tv_sec, v.sec);
	if (variant->version == TPACKET_V1) {
		EXPECT_GT(1000000, v.usec);
	} else {
		EXPECT_GT(1000000000, v.nsec);
	}

	switch (variant->version) {
	case TPACKET_V1:
		/* struct tpacket_hdr has no VLAN fields: the tag is not reported. */
		EXPECT_EQ(TP_STATUS_USER, v.status & checked_bits);
		break;
	case TPACKET_V2:
	case TPACKET_V3:
		EXPECT_EQ((uint32_t)TP_STATUS_USER | vlan_bits, v.status & checked_bits);
		EXPECT_EQ(tci, v.vlan_tci);
		EXPECT_EQ(ETH_P_8021Q, v.vlan_tpid);
		break;
	}

	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = ring_block(&ring, 0);
		struct tpacket3_hdr *h = frame;

		EXPECT_EQ(TPACKET_V3, b->version);
		EXPECT_EQ(1, b->hdr.bh1.num_pkts);
		EXPECT_EQ(1, b->hdr.bh1.seq_num);
		EXPECT_EQ((uint8_t *)frame - (uint8_t *)b, b->hdr.bh1.offset_to_first_pkt);
		EXPECT_EQ(0, h->tp_next_offset);
	}
	ring_release_frame(&ring, frame);
	ring_close(&ring);
}

TEST_HARNESS_MAIN

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
 *    of that version's frame header (32, 32, 48 bytes on 64-bit), the header
 *    the kernel writes into a ring of that version; an unknown version or a
 *    buffer shorter than an int is EINVAL (packet_getsockopt());
 *  - getsockopt answers at most sizeof(int) bytes and never writes past the
 *    caller's optlen (packet_getsockopt(): len = min(len, lv));
 *  - the version in force when a ring is created decides the layout the
 *    kernel writes into it (tpacket_rcv()): the field offsets, the
 *    timestamp's unit, the VLAN fields.
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
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	self->fd = psock_socket(variant->type, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket(AF_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(version)
{
	close(self->fd);
}

/* A new socket reads back TPACKET_V1, as a 4-byte int. */
TEST_F(version, new_socket_is_v1)
{
	int val = -1;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &val, &len));
	EXPECT_EQ(sizeof(int), len);
	EXPECT_EQ(TPACKET_V1, val);
}

/* Versions 3, -1, 255 and INT_MAX are EINVAL and leave the version set before (V2). */
TEST_F(version, rejects_unknown_versions)
{
	static const int bad[] = { 3, -1, 255, INT_MAX };

	/* Start from V2 so "unchanged" is distinguishable from the default. */
	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, psock_set_version(self->fd, bad[i])) TH_LOG("version %d", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("version %d", bad[i]);
	}
	EXPECT_EQ(TPACKET_V2, psock_get_version(self->fd));
}

/*
 * PACKET_VERSION with an optlen other than sizeof(int) (0 to 3, 5, 8, 16) is
 * EINVAL, even holding a valid version; the socket stays V1.
 */
TEST_F(version, rejects_optlen_other_than_int)
{
	/* Room for any optlen; the value itself would be valid (V2). */
	int64_t buf[2] = { TPACKET_V2, 0 };
	static const socklen_t lens[] = { 0, 1, 2, 3, 5, 8, 16 };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		errno = 0;
		EXPECT_EQ(-1, setsockopt(self->fd, SOL_PACKET, PACKET_VERSION, buf, lens[i]))
			TH_LOG("optlen %u", lens[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("optlen %u", lens[i]);
	}
	EXPECT_EQ(TPACKET_V1, psock_get_version(self->fd));
}

/*
 * getsockopt(PACKET_VERSION) writes at most sizeof(int) bytes and that length
 * back, and with optlen 2 exactly 2 bytes, nothing past them.
 */
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

/* PACKET_HDRLEN asked for version 3, -1, 255 or INT_MAX is EINVAL. */
TEST_F(version, hdrlen_rejects_unknown_versions)
{
	static const int bad[] = { 3, -1, 255, INT_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int val = bad[i];
		socklen_t len = sizeof(val);

		errno = 0;
		EXPECT_EQ(-1, getsockopt(self->fd, SOL_PACKET, PACKET_HDRLEN, &val, &len))
			TH_LOG("version %d", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("version %d", bad[i]);
	}
}

/*
 * PACKET_HDRLEN with an optlen below sizeof(int) (0 to 3) is EINVAL and
 * leaves the buffer as it was.
 */
TEST_F(version, hdrlen_rejects_short_optlen)
{
	static const socklen_t lens[] = { 0, 1, 2, 3 };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
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

/*
 * Each version's frame header as the ABI lays it out, written out so the
 * cases compare the kernel with the ABI rather than with the uapi header
 * they are compiled with. V1's tp_status is an unsigned long, so its other
 * fields start at L = sizeof(long) (8 on 64-bit, where the header is 32
 * bytes with padding; 4 and 24 bytes on 32-bit). V3's tp_vlan_tci is 32 bits.
 */
#define L __SIZEOF_LONG__

struct hdr_layout {
	unsigned int hdrlen;		/* sizeof the header: PACKET_HDRLEN's answer */
	unsigned int len, snaplen, mac, net, sec, frac;	/* field offsets */
	unsigned int frac_ns;		/* ns per unit of the fraction: V1 us, else ns */
	int tci, tpid;			/* offsets of the VLAN fields, -1: none (V1) */
	unsigned int tci_size;		/* 2 (V2) or 4 (V3) */
};

static const struct hdr_layout layout[] = {
	[TPACKET_V1] = { .hdrlen = L == 8 ? 32 : 24, .len = L, .snaplen = L + 4,
			 .mac = L + 8, .net = L + 10, .sec = L + 12, .frac = L + 16,
			 .frac_ns = 1000, .tci = -1, .tpid = -1 },
	[TPACKET_V2] = { .hdrlen = 32, .len = 4, .snaplen = 8, .mac = 12, .net = 14,
			 .sec = 16, .frac = 20, .frac_ns = 1, .tci = 24, .tpid = 26,
			 .tci_size = 2 },
	[TPACKET_V3] = { .hdrlen = 48, .len = 16, .snaplen = 12, .mac = 24, .net = 26,
			 .sec = 4, .frac = 8, .frac_ns = 1, .tci = 32, .tpid = 36,
			 .tci_size = 4 },
};

static uint32_t get16(const uint8_t *frame, unsigned int off)
{
	uint16_t v;

	memcpy(&v, frame + off, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *frame, unsigned int off)
{
	uint32_t v;

	memcpy(&v, frame + off, sizeof(v));
	return v;
}

/*
 * tp_status of a received frame: V1 an unsigned long at 0, V2 a u32 at 0,
 * V3 the packet's own u32 at 20 (the block has its own status word).
 */
static uint32_t frame_status(const uint8_t *frame, int version)
{
	unsigned long v1;

	if (version == TPACKET_V1) {
		memcpy(&v1, frame, sizeof(v1));
		return (uint32_t)v1;
	}
	return get32(frame, version == TPACKET_V3 ? 20 : 0);
}

/* The 802.1Q tag the layout cases send: PCP 5, VID 0x123. */
#define LAYOUT_TCI ((5 << 13) | 0x123)

/*
 * Set fd to version, bind it to psk0 with ETH_P_ALL, open a ring and
 * receive one 802.1Q-tagged frame (seq 7, 100 bytes of payload) from psk1.
 * *before and *after are CLOCK_REALTIME (ns) read before the send and after
 * the frame was seen. Returns the frame (release it and close the ring).
 *
 * ETH_P_ALL: __netif_receive_skb_core() hands the frame to ETH_P_ALL taps
 * while the stripped tag is still in the skb, and clears it (no VLAN device
 * has that id) before protocol handlers run, so a socket bound to the inner
 * EtherType would see no tag at all.
 */
static uint8_t *receive_tagged(struct __test_metadata *_metadata, struct netns_topo *topo,
			       int fd, int type, int version, struct ring *ring,
			       int64_t *before, int64_t *after)
{
	const struct frame_spec spec = {
		.vlan_tpid = ETH_P_8021Q, .vlan_tci = LAYOUT_TCI, .seq = 7, .payload_len = 100,
	};
	struct ring_geometry geo = ring_small;
	uint32_t seq = ~0u;
	uint8_t *frame;

	geo.retire_blk_tov = 10;	/* V3: retire the one-packet block soon */
	memset(ring, 0, sizeof(*ring));
	ASSERT_EQ(0, psock_set_version(fd, version));
	ASSERT_EQ(0, psock_bind(fd, topo->ifindex0, ETH_P_ALL));
	ASSERT_EQ(0, ring_open(ring, fd, PACKET_RX_RING, &geo))
		TH_LOG("ring setup: %s", strerror(errno));

	*before = psock_realtime_ns();
	/* 14 + 4 (802.1Q) + 100 bytes on the wire. */
	ASSERT_EQ(ETH_HLEN + 4 + 100, peer_send_spec(topo, &spec)) TH_LOG("send: %s",
									 strerror(errno));
	frame = ring_next_tagged(ring, PSOCK_WAIT_MS, type == SOCK_RAW ? ETH_HLEN : 0, &seq);
	ASSERT_NE(NULL, frame) TH_LOG("tagged frame: %s (waited %d ms)", strerror(errno),
				      PSOCK_WAIT_MS);
	*after = psock_realtime_ns();
	ASSERT_EQ(spec.seq, seq);
	return frame;
}

FIXTURE(version_ring) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
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
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_socket(variant->type, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket(AF_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(version_ring)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/* The variant's version, once set, is what getsockopt(PACKET_VERSION) reads. */
TEST_F(version_ring, set_and_read_back)
{
	ASSERT_EQ(0, psock_set_version(self->fd, variant->version));
	EXPECT_EQ(variant->version, psock_get_version(self->fd));
}

/*
 * PACKET_HDRLEN answers the size of the requested version's header, whatever
 * the socket's own version (still V1 here). V1 and V2 headers are both 32
 * bytes on 64-bit, so the answer alone cannot show which one was measured:
 * the case then receives a tagged frame on a ring of the requested version
 * and checks the header of that length is that version's. Its sockaddr_ll
 * starts at TPACKET_ALIGN(answer) (tpacket_rcv()), and its bytes 24..27
 * hold V2's VLAN fields (TCI, TPID 0x8100) where V1 has tp_usec (< 10^6).
 */
TEST_F(version_ring, hdrlen_is_header_size)
{
	const struct hdr_layout *l = &layout[variant->version];
	int val = variant->version;
	socklen_t len = sizeof(val);
	const struct sockaddr_ll *sll;
	int64_t before, after;
	uint8_t *frame;

	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_HDRLEN, &val, &len))
		TH_LOG("PACKET_HDRLEN: %s", strerror(errno));
	EXPECT_EQ(4, len);
	EXPECT_EQ(l->hdrlen, val);
	EXPECT_EQ(TPACKET_V1, psock_get_version(self->fd));

	frame = receive_tagged(_metadata, &self->topo, self->fd, variant->type,
			       variant->version, &self->ring, &before, &after);
	sll = (const struct sockaddr_ll *)(frame + TPACKET_ALIGN(val));
	EXPECT_EQ(AF_PACKET, sll->sll_family);
	EXPECT_EQ(self->topo.ifindex0, sll->sll_ifindex);
	switch (variant->version) {
	case TPACKET_V1:
		EXPECT_GT(1000000, get32(frame, 24)) TH_LOG("V1 tp_usec");
		EXPECT_NE(ETH_P_8021Q, get16(frame, 26));
		break;
	case TPACKET_V2:
		EXPECT_EQ(LAYOUT_TCI, get16(frame, 24)) TH_LOG("V2 tp_vlan_tci");
		EXPECT_EQ(ETH_P_8021Q, get16(frame, 26)) TH_LOG("V2 tp_vlan_tpid");
		break;
	case TPACKET_V3:
		EXPECT_EQ(LAYOUT_TCI, get32(frame, 32)) TH_LOG("V3 hv1.tp_vlan_tci");
		EXPECT_EQ(ETH_P_8021Q, get16(frame, 36)) TH_LOG("V3 hv1.tp_vlan_tpid");
		break;
	}
	ring_release_frame(&self->ring, frame);
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));
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
	ASSERT_EQ(0, ring_close(&ring)) TH_LOG("teardown: %s", strerror(errno));
	for (size_t i = 0; i < 3; i++) {
		EXPECT_EQ(0, psock_set_version(fd, all_versions[i]))
			TH_LOG("version %d after teardown: %s", all_versions[i], strerror(errno));
		EXPECT_EQ(all_versions[i], psock_get_version(fd));
	}
}

/*
 * With an RX ring set up no version is accepted (EBUSY), the one in force
 * included; once the ring is torn down every version is.
 */
TEST_F(version_ring, busy_while_rx_ring)
{
	check_busy_while_ring(_metadata, self->fd, PACKET_RX_RING, variant->version);
}

/*
 * With a TX ring set up no version is accepted (EBUSY), the one in force
 * included; once the ring is torn down every version is.
 */
TEST_F(version_ring, busy_while_tx_ring)
{
	check_busy_while_ring(_metadata, self->fd, PACKET_TX_RING, variant->version);
}

/*
 * Receive one 802.1Q-tagged frame and check the kernel laid it out as the
 * version's ABI says (layout[]): tp_len and tp_snaplen, tp_net =
 * TPACKET_ALIGN(tp_hdrlen + 16) (80 for V1/V2, 96 for V3) and tp_mac 14
 * before it on SOCK_RAW, sockaddr_ll after the aligned header, the
 * timestamp in the version's unit, compared at full precision with the
 * clock read before the send and after the frame was seen (V1 tp_usec
 * microseconds, V2/V3 tp_nsec nanoseconds), the VLAN fields only V2/V3 have
 * (V1 reports no VLAN status), and for V3 the block descriptor around the
 * packet.
 */
TEST_F(version_ring, layout_follows_version)
{
	const struct hdr_layout *l = &layout[variant->version];
	bool raw = variant->type == SOCK_RAW;
	/* The core strips the tag into skb metadata before any packet socket. */
	uint32_t wire_len = (raw ? ETH_HLEN : 0) + 100;
	uint32_t vlan_bits = TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;
	uint32_t checked_bits = TP_STATUS_USER | TP_STATUS_COPY | TP_STATUS_LOSING | vlan_bits;
	const struct sockaddr_ll *sll;
	int64_t before, after, t;
	uint32_t status;
	uint8_t *frame;

	frame = receive_tagged(_metadata, &self->topo, self->fd, variant->type,
			       variant->version, &self->ring, &before, &after);
	status = frame_status(frame, variant->version);

	EXPECT_EQ(wire_len, get32(frame, l->len));
	EXPECT_EQ(wire_len, get32(frame, l->snaplen));
	EXPECT_EQ(tpacket_rx_net(variant->version), get16(frame, l->net));
	EXPECT_EQ(tpacket_rx_mac(variant->type, variant->version), get16(frame, l->mac));
	sll = (const struct sockaddr_ll *)(frame + TPACKET_ALIGN(l->hdrlen));
	EXPECT_EQ(AF_PACKET, sll->sll_family);
	EXPECT_EQ(self->topo.ifindex0, sll->sll_ifindex);
	EXPECT_EQ(htons(ETH_P_PSOCK), sll->sll_protocol);

	/* tp_sec and the fraction, in the version's unit, between the clock reads. */
	EXPECT_GT(1000000000 / l->frac_ns, get32(frame, l->frac));
	t = (int64_t)get32(frame, l->sec) * 1000000000 +
	    (int64_t)get32(frame, l->frac) * l->frac_ns;
	EXPECT_LE(before / l->frac_ns * l->frac_ns, t) TH_LOG("timestamp before the send");
	EXPECT_GE(after, t) TH_LOG("timestamp after the frame was seen");

	if (l->tci < 0) {
		/* struct tpacket_hdr has no VLAN fields: the tag is not reported. */
		EXPECT_EQ(TP_STATUS_USER, status & checked_bits);
	} else {
		EXPECT_EQ((uint32_t)TP_STATUS_USER | vlan_bits, status & checked_bits);
		EXPECT_EQ(LAYOUT_TCI, l->tci_size == 4 ? get32(frame, l->tci)
						       : get16(frame, l->tci));
		EXPECT_EQ(ETH_P_8021Q, get16(frame, l->tpid));
	}

	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = (void *)self->ring.map;

		EXPECT_EQ(TP_STATUS_USER | TP_STATUS_BLK_TMO, ring_status(&self->ring, b));
		EXPECT_EQ(TPACKET_V3, b->version);
		EXPECT_EQ(1, b->hdr.bh1.num_pkts);
		EXPECT_EQ(1, b->hdr.bh1.seq_num);
		/* BLK_HDR_LEN: the packet right after the 48-byte descriptor. */
		EXPECT_EQ(48, b->hdr.bh1.offset_to_first_pkt);
		EXPECT_EQ(0, get32(frame, 0)) TH_LOG("tp_next_offset of the last packet");
	}
	ring_release_frame(&self->ring, frame);
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));
}

TEST_HARNESS_MAIN

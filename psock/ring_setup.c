// SPDX-License-Identifier: GPL-2.0
/*
 * Which ring requests the kernel accepts, and what PACKET_RESERVE does.
 *
 * setsockopt(PACKET_RX_RING / PACKET_TX_RING) takes a struct tpacket_req
 * (V1/V2) or struct tpacket_req3 (V3) and is checked by packet_setsockopt()
 * and packet_set_ring():
 *
 *  - optlen must hold the version's request struct (V3 needs the longer
 *    tpacket_req3), else EINVAL;
 *  - a ring is fixed while it is mmapped, and a second ring of the same
 *    kind is refused while one exists: EBUSY;
 *  - tp_block_size must be a positive int and a multiple of the page size;
 *  - tp_frame_size must hold the frame header plus the sockaddr_ll
 *    (TPACKET_HDRLEN / TPACKET2_HDRLEN / TPACKET3_HDRLEN) plus PACKET_RESERVE,
 *    and be a multiple of TPACKET_ALIGNMENT (16);
 *  - frames never straddle blocks: each block holds
 *    tp_block_size / tp_frame_size frames (the remainder is unused, the
 *    request is still valid) and tp_frame_nr must be exactly that times
 *    tp_block_nr; a frame larger than a block, or a frame count that
 *    overflows 32 bits, is EINVAL;
 *  - tp_block_nr == 0 tears the ring down and then tp_frame_nr must be 0;
 *  - V3 RX: the block must hold its descriptor, the private area
 *    (BLK_PLUS_PRIV(tp_sizeof_priv)) and one minimal frame
 *    (the check that closed CVE-2017-7308, where a huge tp_sizeof_priv
 *    moved the first packet out of the block).
 *
 * PACKET_RESERVE (packet_setsockopt(), tpacket_rcv()) leaves that many
 * bytes between the frame header and the packet: tp_mac and tp_net move by
 * exactly the reserve. It is refused above INT_MAX and with EBUSY once a
 * ring exists. Because tp_mac/tp_net are 16-bit, a reserve that would put
 * tp_net beyond 65535 makes tpacket_rcv() drop the packet (counted in
 * tp_drops) instead of writing it (the CVE-2020-14386 family).
 *
 * Test cases (<ring> = rx_v1, rx_v2, rx_v3, tx_v1, tx_v2, tx_v3):
 *   refuse.<ring>.block_size_not_page_multiple
 *   refuse.<ring>.block_size_zero_or_negative
 *   refuse.<ring>.frame_size_below_header
 *   refuse.<ring>.frame_size_below_header_plus_reserve
 *   refuse.<ring>.frame_size_not_aligned
 *   refuse.<ring>.frame_larger_than_block
 *   refuse.<ring>.frame_nr_counts_whole_frames_per_block
 *   refuse.<ring>.frame_nr_mismatch
 *   refuse.<ring>.frame_count_overflow
 *   refuse.<ring>.block_nr_zero_with_frames
 *   refuse.<ring>.teardown_without_ring_is_noop
 *   refuse.<ring>.second_ring_busy
 *   refuse.<ring>.busy_while_mapped
 *   refuse.<ring>.short_optlen
 *   refuse_v3.sizeof_priv_huge (CVE-2017-7308)
 *   refuse_v3.sizeof_priv_fits_block_edge
 *   refuse_v3.sizeof_priv_and_reserve_fill_block_exactly
 *   reserve.<type>_<v>.shifts_offsets_exactly
 *   reserve.<type>_<v>.busy_once_ring_exists
 *   reserve.<type>_<v>.limited_to_int_max
 *   reserve.<type>_<v>.tp_net_beyond_16_bits_dropped
 * with <type> raw / dgram and <v> v1 / v2 / v3.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"

/*
 * TPACKET_HDRLEN, TPACKET2_HDRLEN, TPACKET3_HDRLEN, the smallest frame
 * (packet_set_ring(): po->tp_hdrlen): the aligned header plus a
 * sockaddr_ll, 32 + 20 for V1/V2 and 48 + 20 for V3 (64-bit ABI).
 */
static unsigned int frame_hdrlen(int version)
{
	return version == TPACKET_V3 ? 68 : 52;
}

/* Round up to TPACKET_ALIGNMENT. */
static unsigned int tp_align(unsigned int x)
{
	return TPACKET_ALIGN(x);
}

/*
 * A ring request with every field given, exactly as user space may write it
 * (ring_request() derives tp_frame_nr; these cases must not). Returns 0 or
 * the errno.
 */
struct raw_req {
	unsigned int block_size, block_nr, frame_size, frame_nr;
	unsigned int sizeof_priv;
};

static int request_errno(int fd, int kind, int version, const struct raw_req *r,
			 socklen_t optlen)
{
	struct tpacket_req3 req = {
		.tp_block_size = r->block_size,
		.tp_block_nr = r->block_nr,
		.tp_frame_size = r->frame_size,
		.tp_frame_nr = r->frame_nr,
		.tp_sizeof_priv = r->sizeof_priv,
		.tp_retire_blk_tov = version == TPACKET_V3 && kind == PACKET_RX_RING ? 10 : 0,
	};

	if (!optlen)
		optlen = version == TPACKET_V3 ? sizeof(struct tpacket_req3)
					       : sizeof(struct tpacket_req);
	return setsockopt(fd, SOL_PACKET, kind, &req, optlen) ? errno : 0;
}

/* ---- refused requests, for each version and ring kind ------------------ */

/*
 * A SOCK_RAW packet socket of this version, with protocol 0 and no bind, in
 * a fresh namespace without links: requests only, no traffic. False when the
 * namespace could not be made (the case SKIPs), so the caller returns.
 */
static bool quiet_socket(struct __test_metadata *_metadata, int version, int *fd)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	PSOCK_NETNS_SETUP(return false, &topo, &quiet_ns);
	netns_teardown(&topo);
	*fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, *fd) TH_LOG("socket(AF_PACKET): %s", strerror(errno));
	ASSERT_EQ(0, psock_set_version(*fd, version));
	return true;
}

FIXTURE(refuse) {
	int fd;
	long page;
};

FIXTURE_VARIANT(refuse) {
	int version;
	int kind;
};

FIXTURE_VARIANT_ADD(refuse, rx_v1) { .version = TPACKET_V1, .kind = PACKET_RX_RING };
FIXTURE_VARIANT_ADD(refuse, rx_v2) { .version = TPACKET_V2, .kind = PACKET_RX_RING };
FIXTURE_VARIANT_ADD(refuse, rx_v3) { .version = TPACKET_V3, .kind = PACKET_RX_RING };
FIXTURE_VARIANT_ADD(refuse, tx_v1) { .version = TPACKET_V1, .kind = PACKET_TX_RING };
FIXTURE_VARIANT_ADD(refuse, tx_v2) { .version = TPACKET_V2, .kind = PACKET_TX_RING };
FIXTURE_VARIANT_ADD(refuse, tx_v3) { .version = TPACKET_V3, .kind = PACKET_TX_RING };

FIXTURE_SETUP(refuse)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->fd = -1;
	if (!quiet_socket(_metadata, variant->version, &self->fd))
		return;
}

FIXTURE_TEARDOWN(refuse)
{
	close(self->fd);
}

/* Shorthand: the errno of a request with the default optlen. */
#define REQ(...) request_errno(self->fd, variant->kind, variant->version, \
			       &(struct raw_req){ __VA_ARGS__ }, 0)

/*
 * A tp_block_size that is not a multiple of the page size (a page + 256, half
 * a page) is EINVAL; the same frames in page-sized blocks are accepted.
 */
TEST_F(refuse, block_size_not_page_multiple)
{
	unsigned int bs = self->page + 256;

	EXPECT_EQ(EINVAL, REQ(.block_size = bs, .block_nr = 1, .frame_size = 256,
			      .frame_nr = bs / 256));
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page / 2, .block_nr = 2, .frame_size = 256,
			      .frame_nr = self->page / 256));
	/* The same frames in page-sized blocks are fine. */
	EXPECT_EQ(0, REQ(.block_size = self->page, .block_nr = 1, .frame_size = 256,
			 .frame_nr = self->page / 256));
}

/*
 * A tp_block_size of 0, or one negative as an int (0x80000000, 0xfffff000,
 * both page multiples), is EINVAL.
 */
TEST_F(refuse, block_size_zero_or_negative)
{
	/* (int)tp_block_size <= 0: 0x80000000 and 0xfffff000 are page multiples. */
	EXPECT_EQ(EINVAL, REQ(.block_size = 0, .block_nr = 1, .frame_size = 256, .frame_nr = 0));
	EXPECT_EQ(EINVAL, REQ(.block_size = 0x80000000u, .block_nr = 1, .frame_size = 256,
			      .frame_nr = 0x80000000u / 256));
	EXPECT_EQ(EINVAL, REQ(.block_size = 0xfffff000u, .block_nr = 1, .frame_size = 4096,
			      .frame_nr = 0xfffffu));
}

/*
 * A tp_frame_size 16 bytes short of the aligned frame header + sockaddr_ll is
 * EINVAL; the smallest aligned size that holds them is accepted.
 */
TEST_F(refuse, frame_size_below_header)
{
	unsigned int min = tp_align(frame_hdrlen(variant->version));
	unsigned int below = min - TPACKET_ALIGNMENT;

	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 1, .frame_size = below,
			      .frame_nr = self->page / below))
		TH_LOG("frame size %u < header %u", below, frame_hdrlen(variant->version));
	/* The smallest aligned frame that holds the header is accepted. */
	EXPECT_EQ(0, REQ(.block_size = self->page, .block_nr = 1, .frame_size = min,
			 .frame_nr = self->page / min))
		TH_LOG("frame size %u", min);
}

/*
 * With PACKET_RESERVE 100 the frame must also hold the reserve: 16 bytes
 * short of the aligned header + sockaddr_ll + 100 is EINVAL, that size is
 * accepted.
 */
TEST_F(refuse, frame_size_below_header_plus_reserve)
{
	unsigned int reserve = 100;
	unsigned int min = tp_align(frame_hdrlen(variant->version) + reserve);
	unsigned int below = min - TPACKET_ALIGNMENT;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)));
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 1, .frame_size = below,
			      .frame_nr = self->page / below));
	EXPECT_EQ(0, REQ(.block_size = self->page, .block_nr = 1, .frame_size = min,
			 .frame_nr = self->page / min));
}

/*
 * A tp_frame_size that holds any header but is not a multiple of
 * TPACKET_ALIGNMENT (1032, 1025) is EINVAL.
 */
TEST_F(refuse, frame_size_not_aligned)
{
	/* 1032 holds any header but is not a multiple of 16. */
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 1, .frame_size = 1032,
			      .frame_nr = self->page / 1032));
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 1, .frame_size = 1025,
			      .frame_nr = self->page / 1025));
}

/*
 * A frame larger than its block (two pages in one) is EINVAL, whatever
 * tp_frame_nr says (1 or 0).
 */
TEST_F(refuse, frame_larger_than_block)
{
	/* frames_per_block == 0; no tp_frame_nr can match. */
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 2,
			      .frame_size = 2 * self->page, .frame_nr = 1));
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 2,
			      .frame_size = 2 * self->page, .frame_nr = 0));
}

/*
 * A block that is not a multiple of the frame size is accepted: each block
 * holds the whole frames that fit and the rest is unused. tp_frame_nr
 * counts those, not total memory / frame size.
 */
TEST_F(refuse, frame_nr_counts_whole_frames_per_block)
{
	unsigned int fs = 1536;			/* 2 frames in a 4 KiB block */
	unsigned int per_block = self->page / fs;
	unsigned int bn = 3;

	/* 3 blocks: 8 frames' worth of memory, but only 6 whole frames. */
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = bn, .frame_size = fs,
			      .frame_nr = bn * self->page / fs));
	EXPECT_EQ(0, REQ(.block_size = self->page, .block_nr = bn, .frame_size = fs,
			 .frame_nr = per_block * bn));
}

/*
 * tp_frame_nr must be exactly frames per block times tp_block_nr: one less or
 * one more is EINVAL, the exact count is accepted.
 */
TEST_F(refuse, frame_nr_mismatch)
{
	unsigned int n = 4 * (self->page / 2048);

	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 4, .frame_size = 2048,
			      .frame_nr = n - 1));
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 4, .frame_size = 2048,
			      .frame_nr = n + 1));
	EXPECT_EQ(0, REQ(.block_size = self->page, .block_nr = 4, .frame_size = 2048,
			 .frame_nr = n));
}

/*
 * frames_per_block * tp_block_nr must not wrap: with 32 frames per block
 * and 2^27 blocks the product is 2^32, which wraps to a tp_frame_nr of 0.
 * Without the check the request would reach the allocator (ENOMEM).
 */
TEST_F(refuse, frame_count_overflow)
{
	unsigned int fs = 128;
	unsigned int per_block = self->page / fs;
	unsigned int bn = UINT_MAX / per_block + 1;

	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = bn, .frame_size = fs,
			      .frame_nr = per_block * bn));
}

/* tp_block_nr 0 (a teardown) with a tp_frame_nr other than 0 is EINVAL. */
TEST_F(refuse, block_nr_zero_with_frames)
{
	EXPECT_EQ(EINVAL, REQ(.block_size = self->page, .block_nr = 0, .frame_size = 2048,
			      .frame_nr = 2));
}

/*
 * A teardown request (tp_block_nr and tp_frame_nr 0) without a ring is
 * accepted, again and again, and the version can still change after it.
 */
TEST_F(refuse, teardown_without_ring_is_noop)
{
	/* tp_block_nr == 0 and tp_frame_nr == 0: "no ring", accepted repeatedly. */
	EXPECT_EQ(0, REQ(.block_nr = 0, .frame_nr = 0));
	EXPECT_EQ(0, REQ(.block_size = self->page, .block_nr = 0, .frame_size = 2048,
			 .frame_nr = 0));
	/* The version can still change: no ring exists. */
	EXPECT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
}

/*
 * A second ring of the same kind is EBUSY while one exists, whatever its
 * geometry; after the teardown request a ring of other geometry is accepted.
 */
TEST_F(refuse, second_ring_busy)
{
	ASSERT_EQ(0, REQ(.block_size = self->page, .block_nr = 2, .frame_size = 2048,
			 .frame_nr = 2 * (self->page / 2048)));
	EXPECT_EQ(EBUSY, REQ(.block_size = self->page, .block_nr = 2, .frame_size = 2048,
			     .frame_nr = 2 * (self->page / 2048)));
	EXPECT_EQ(EBUSY, REQ(.block_size = 2 * self->page, .block_nr = 1, .frame_size = 1024,
			     .frame_nr = 2 * (self->page / 1024)));
	/* Torn down, the slot is free again. */
	EXPECT_EQ(0, REQ(.block_nr = 0, .frame_nr = 0));
	EXPECT_EQ(0, REQ(.block_size = 2 * self->page, .block_nr = 1, .frame_size = 1024,
			 .frame_nr = 2 * (self->page / 1024)));
}

/* While mapped (po->mapped), any change, teardown included, is EBUSY. */
TEST_F(refuse, busy_while_mapped)
{
	size_t len = 2 * self->page;
	void *map;

	ASSERT_EQ(0, REQ(.block_size = self->page, .block_nr = 2, .frame_size = 2048,
			 .frame_nr = 2 * (self->page / 2048)));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));

	EXPECT_EQ(EBUSY, REQ(.block_nr = 0, .frame_nr = 0));
	EXPECT_EQ(EBUSY, REQ(.block_size = self->page, .block_nr = 4, .frame_size = 2048,
			     .frame_nr = 4 * (self->page / 2048)));

	ASSERT_EQ(0, munmap(map, len));
	EXPECT_EQ(0, REQ(.block_nr = 0, .frame_nr = 0));
}

/*
 * An optlen one byte short of the version's request (16 bytes tpacket_req,
 * 28 tpacket_req3) is EINVAL, and so is a 16-byte request on a V3 socket;
 * V1/V2 accept a longer optlen (28) and read only the tpacket_req.
 */
TEST_F(refuse, short_optlen)
{
	struct raw_req ok = {
		.block_size = self->page, .block_nr = 1, .frame_size = 2048,
		.frame_nr = self->page / 2048,
	};
	/* struct tpacket_req is 16 bytes, struct tpacket_req3 28. */
	socklen_t full = variant->version == TPACKET_V3 ? 28 : 16;

	EXPECT_EQ(EINVAL, request_errno(self->fd, variant->kind, variant->version, &ok, full - 1));
	if (variant->version == TPACKET_V3) {
		/* A V1/V2-sized request is too short for a V3 socket. */
		EXPECT_EQ(EINVAL, request_errno(self->fd, variant->kind, variant->version,
						 &ok, 16));
	} else {
		/* Longer than tpacket_req is fine: only tpacket_req is read. */
		EXPECT_EQ(0, request_errno(self->fd, variant->kind, variant->version, &ok, 28));
	}
}

/* ---- V3 RX: the block private area must fit ----------------------------- */

FIXTURE(refuse_v3) {
	int fd;
	long page;
};

FIXTURE_SETUP(refuse_v3)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->fd = -1;
	if (!quiet_socket(_metadata, TPACKET_V3, &self->fd))
		return;
}

FIXTURE_TEARDOWN(refuse_v3)
{
	close(self->fd);
}

#define REQ3(...) request_errno(self->fd, PACKET_RX_RING, TPACKET_V3, \
				&(struct raw_req){ __VA_ARGS__ }, 0)

/* CVE-2017-7308: 3 << 30 bytes of private area must not be accepted. */
TEST_F(refuse_v3, sizeof_priv_huge)
{
	EXPECT_EQ(EINVAL, REQ3(.block_size = self->page, .block_nr = 2, .frame_size = 2048,
			       .frame_nr = 2 * (self->page / 2048), .sizeof_priv = 3u << 30));
	EXPECT_EQ(EINVAL, REQ3(.block_size = self->page, .block_nr = 2, .frame_size = 2048,
			       .frame_nr = 2 * (self->page / 2048), .sizeof_priv = UINT_MAX));
	EXPECT_EQ(0, REQ3(.block_size = self->page, .block_nr = 2, .frame_size = 2048,
			  .frame_nr = 2 * (self->page / 2048), .sizeof_priv = 512));
}

/*
 * The exact edge: BLK_PLUS_PRIV(priv) = 48 + ALIGN(priv, 8) (af_packet.c)
 * plus TPACKET3_HDRLEN (68) must not exceed the block (packet_set_ring()).
 * With a 4 KiB block that allows priv up to 4096 - 48 - 68 = 3980, which the
 * 8-byte alignment rounds to 3984: too big. 3976 (block - 120) fits, 3977
 * does not.
 */
TEST_F(refuse_v3, sizeof_priv_fits_block_edge)
{
	unsigned int fits = self->page - 120;

	EXPECT_EQ(EINVAL, REQ3(.block_size = self->page, .block_nr = 1, .frame_size = 2048,
			       .frame_nr = self->page / 2048, .sizeof_priv = fits + 1));
	EXPECT_EQ(0, REQ3(.block_size = self->page, .block_nr = 1, .frame_size = 2048,
			  .frame_nr = self->page / 2048, .sizeof_priv = fits));
}

/*
 * The same edge met exactly: with PACKET_RESERVE 4 the smallest frame is
 * 68 + 4 = 72 bytes, and 48 + 3976 + 72 is the whole 4 KiB block: the check
 * refuses only a block smaller than that sum, so it is accepted; 3977
 * (rounded to 3984) is EINVAL.
 */
TEST_F(refuse_v3, sizeof_priv_and_reserve_fill_block_exactly)
{
	unsigned int fills = self->page - 120;
	int reserve = 4;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)))
		TH_LOG("PACKET_RESERVE: %s", strerror(errno));
	EXPECT_EQ(EINVAL, REQ3(.block_size = self->page, .block_nr = 1, .frame_size = 2048,
			       .frame_nr = self->page / 2048, .sizeof_priv = fills + 1));
	EXPECT_EQ(0, REQ3(.block_size = self->page, .block_nr = 1, .frame_size = 2048,
			  .frame_nr = self->page / 2048, .sizeof_priv = fills));
}

/* ---- PACKET_RESERVE, with traffic --------------------------------------- */

FIXTURE(reserve) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_VARIANT(reserve) {
	int type;
	int version;
};

FIXTURE_VARIANT_ADD(reserve, raw_v1) { .type = SOCK_RAW, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(reserve, raw_v2) { .type = SOCK_RAW, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(reserve, raw_v3) { .type = SOCK_RAW, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(reserve, dgram_v1) { .type = SOCK_DGRAM, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(reserve, dgram_v2) { .type = SOCK_DGRAM, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(reserve, dgram_v3) { .type = SOCK_DGRAM, .version = TPACKET_V3 };

FIXTURE_SETUP(reserve)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(variant->type, variant->version, self->topo.ifindex0,
				   ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(reserve)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

static int set_reserve(int fd, unsigned int reserve)
{
	return setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve));
}

/* PACKET_RESERVE as the kernel reads it back; the case fails if it cannot. */
static unsigned int get_reserve(struct __test_metadata *_metadata, int fd)
{
	unsigned int val = ~0u;
	socklen_t len = sizeof(val);

	EXPECT_EQ(0, getsockopt(fd, SOL_PACKET, PACKET_RESERVE, &val, &len))
		TH_LOG("PACKET_RESERVE: %s", strerror(errno));
	EXPECT_EQ(4, len);
	return val;
}

/* The first bytes at tp_mac of a frame, kept after its ring is gone. */
#define KEEP 64

/*
 * Receive one tagged frame (seq) into a fresh ring on fd and report its
 * view, with the first KEEP bytes at tp_mac copied to bytes (out->data and
 * out->sll are cleared: the ring is torn down before returning).
 */
static void receive_one(struct __test_metadata *_metadata, struct netns_topo *topo,
			int fd, int type, const struct ring_geometry *geo,
			uint32_t seq, struct frame_view *out, uint8_t bytes[KEEP])
{
	struct frame_spec spec = { .payload_len = 64 };
	struct ring ring;
	uint32_t got = ~0u;
	void *f;

	ASSERT_EQ(0, ring_open(&ring, fd, PACKET_RX_RING, geo))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(topo, &spec, seq, 1));
	f = ring_next_tagged(&ring, PSOCK_WAIT_MS, rx_payload_offset(type, &spec), &got);
	ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms)", seq, strerror(errno), PSOCK_WAIT_MS);
	EXPECT_EQ(seq, got);
	frame_view(&ring, f, out);
	/* The whole 64-byte payload, after the link header on SOCK_RAW. */
	ASSERT_EQ(type == SOCK_RAW ? ETH_HLEN + 64u : 64u, out->snaplen);
	memcpy(bytes, out->data, KEEP);
	out->data = NULL;
	out->sll = NULL;
	ring_release_frame(&ring, f);
	ASSERT_EQ(0, ring_close(&ring)) TH_LOG("teardown: %s", strerror(errno));
}

/*
 * tp_mac and tp_net move by exactly the reserve (no rounding: an odd
 * reserve gives odd offsets), and the packet bytes are unchanged.
 */
TEST_F(reserve, shifts_offsets_exactly)
{
	const unsigned int reserve = 37;
	struct frame_view plain, shifted;
	uint8_t first[KEEP], second[KEEP];

	receive_one(_metadata, &self->topo, self->fd, variant->type, &ring_small, 1,
		    &plain, first);
	EXPECT_EQ(tpacket_rx_mac(variant->type, variant->version), plain.mac);
	EXPECT_EQ(tpacket_rx_net(variant->version), plain.net);

	ASSERT_EQ(0, set_reserve(self->fd, reserve));
	EXPECT_EQ(reserve, get_reserve(_metadata, self->fd));
	receive_one(_metadata, &self->topo, self->fd, variant->type, &ring_small, 1,
		    &shifted, second);

	EXPECT_EQ(tpacket_rx_mac(variant->type, variant->version) + reserve, shifted.mac);
	EXPECT_EQ(tpacket_rx_net(variant->version) + reserve, shifted.net);
	EXPECT_EQ(plain.len, shifted.len);
	EXPECT_EQ(plain.snaplen, shifted.snaplen);
	EXPECT_EQ(0, memcmp(first, second, KEEP));
}

/*
 * PACKET_RESERVE is EBUSY while an RX ring exists and keeps its value (64);
 * after the teardown a new reserve is accepted.
 */
TEST_F(reserve, busy_once_ring_exists)
{
	ASSERT_EQ(0, set_reserve(self->fd, 64));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	EXPECT_EQ(-1, set_reserve(self->fd, 128));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(64u, get_reserve(_metadata, self->fd));
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));
	EXPECT_EQ(0, set_reserve(self->fd, 128));
}

/*
 * The reserve itself may be anything up to INT_MAX, but a ring whose frames
 * cannot hold header plus reserve is refused (packet_set_ring()).
 */
TEST_F(reserve, limited_to_int_max)
{
	unsigned int hdr = frame_hdrlen(variant->version);
	unsigned int fs = ring_small.frame_size;

	EXPECT_EQ(-1, set_reserve(self->fd, (unsigned int)INT_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0u, get_reserve(_metadata, self->fd));
	EXPECT_EQ(0, set_reserve(self->fd, INT_MAX));
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	EXPECT_EQ(EINVAL, errno);

	/* Header plus reserve exactly filling the frame is the largest allowed. */
	ASSERT_EQ(0, set_reserve(self->fd, fs - hdr + 1));
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, set_reserve(self->fd, fs - hdr));
	EXPECT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
}

/*
 * tp_net is 16 bits. Without reserve tp_net is 80 (V1/V2) or 96 (V3): the
 * largest reserve that puts tp_net at exactly 65535 still stores the
 * packet; one byte more and tpacket_rcv() drops it (netoff > USHRT_MAX),
 * counting a drop, and the ring stays empty.
 */
TEST_F(reserve, tp_net_beyond_16_bits_dropped)
{
	/* One frame per 68 KiB block: room for header + 64 KiB reserve + packet. */
	struct ring_geometry big = {
		.block_size = 17 * 4096, .block_nr = 1, .frame_size = 17 * 4096,
		.retire_blk_tov = 10,
	};
	struct frame_spec spec = { .payload_len = 64 };
	unsigned int max_reserve = 65535 - tpacket_rx_net(variant->version);
	struct rx_barrier barrier = { .fd = -1 };
	struct frame_view edge;
	struct psock_stats st;
	uint8_t bytes[KEEP];

	if (sysconf(_SC_PAGESIZE) != 4096)
		big.block_size = big.frame_size =
			16 * sysconf(_SC_PAGESIZE) + sysconf(_SC_PAGESIZE);

	ASSERT_EQ(0, set_reserve(self->fd, max_reserve));
	receive_one(_metadata, &self->topo, self->fd, variant->type, &big, 2, &edge, bytes);
	EXPECT_EQ(65535u, edge.net);
	EXPECT_EQ(variant->type == SOCK_RAW ? ETH_HLEN + 64u : 64u, edge.len);
	ASSERT_STATS_READ(self->fd, &st);
	EXPECT_EQ(1u, st.packets);
	ASSERT_EQ(0u, st.drops);

	/* Pinned, the barrier frame is received after the one under test. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_open(&barrier, &self->topo)) TH_LOG("barrier: %s",
								    strerror(errno));
	ASSERT_EQ(0, set_reserve(self->fd, max_reserve + 1));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &big));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 3, 1));
	ASSERT_EQ(0, rx_barrier_sync(&barrier, &self->topo, PSOCK_WAIT_MS)) TH_LOG("barrier: %s",
									     strerror(errno));
	rx_barrier_close(&barrier);
	ASSERT_STATS_READ(self->fd, &st);
	EXPECT_EQ(1u, st.packets);
	EXPECT_EQ(1u, st.drops);
	/* Nothing was stored: the only frame (V1/V2) or block (V3) is the kernel's. */
	EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&self->ring, self->ring.map))
		TH_LOG("frame stored past 16-bit tp_net");
	if (variant->version == TPACKET_V3)
		EXPECT_EQ(0, ((struct tpacket_block_desc *)self->ring.map)->hdr.bh1.num_pkts);
}

TEST_HARNESS_MAIN

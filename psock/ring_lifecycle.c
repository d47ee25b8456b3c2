// SPDX-License-Identifier: GPL-2.0
/*
 * The life of a ring: set up, mapped, used, torn down, replaced; and which
 * frames reach a ring at all.
 *
 *  - A ring is torn down with a request of tp_block_nr = 0 (once it is no
 *    longer mmapped) and a new one of any geometry, or of another version
 *    after PACKET_VERSION is changed, can then be set (packet_set_ring()).
 *    V3 -> teardown -> V2 is the path of CVE-2021-22600 (a double free of
 *    the V3 block timer state): the V2 ring must then simply work. A new
 *    V3 ring numbers its blocks from seq_num 1 again (init_prb_bdqc()).
 *  - packet_mmap() maps the whole ring and nothing else: the length must be
 *    exactly the ring's size and the offset 0, else EINVAL; without a ring
 *    EINVAL. When a socket has both an RX and a TX ring, one mmap() covers
 *    both, the RX ring first, then the TX ring.
 *  - munmap() removes the mapping; close() then frees the socket (gone from
 *    /proc/net/packet).
 *  - Delivery is decided by the bind (packet_do_bind(), register_prot_hook()):
 *    a socket created with protocol 0 is not hooked into the stack and
 *    receives nothing until it is bound with a protocol; binding after the
 *    ring was set up is fine; a socket bound to one interface sees only that
 *    interface's frames (not psk1's outgoing copies, not lo's).
 *
 * Test cases (<v> = v1, v2, v3):
 *   lifecycle.<v>.new_geometry_after_teardown
 *   lifecycle.<v>.mmap_length_must_match_ring
 *   lifecycle.<v>.munmap_and_close_leave_nothing
 *   lifecycle.<v>.rx_and_tx_share_one_mapping_rx_first
 *   lifecycle.<v>.bind_after_ring_receives
 *   lifecycle.<v>.protocol_zero_receives_nothing_until_bound
 *   lifecycle.<v>.bound_to_psk0_sees_only_psk0
 *   lifecycle_switch.v3_teardown_then_v2_ring_works (CVE-2021-22600)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"

#define WAIT_MS 1000

/* Another geometry than ring_small: 2 blocks of 2 pages, 1024-byte frames. */
static const struct ring_geometry ring_other = {
	.block_size = 8192, .block_nr = 2, .frame_size = 1024, .retire_blk_tov = 10,
};

/* A TX ring for the same socket: V3 TX takes no retire timeout or priv. */
static const struct ring_geometry ring_tx = {
	.block_size = 4096, .block_nr = 2, .frame_size = 2048,
};

FIXTURE(lifecycle) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_VARIANT(lifecycle) {
	int version;
};

FIXTURE_VARIANT_ADD(lifecycle, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(lifecycle, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(lifecycle, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(lifecycle)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(&self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0,
				   ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

static const struct frame_spec small_frame = { .payload_len = 64 };

/* Expect the ring's next tagged frame to be seq; hand it back. */
static void expect_seq(struct __test_metadata *_metadata, struct ring *r, uint32_t seq)
{
	uint32_t got = ~0u;
	void *f = ring_next_tagged(r, WAIT_MS, ETH_HLEN, &got);

	ASSERT_NE(NULL, f) TH_LOG("frame %u did not arrive within %d ms", seq, WAIT_MS);
	EXPECT_EQ(seq, got);
	ring_release_frame(r, f);
}

/* The ring must be empty: a marker sent now is the next frame stored. */
static void expect_only_marker_next(struct __test_metadata *_metadata,
				    struct netns_topo *topo, struct ring *r,
				    uint32_t marker)
{
	ASSERT_EQ(0, peer_send_burst(topo, &small_frame, marker, 1));
	expect_seq(_metadata, r, marker);
}

/*
 * Torn down (after munmap), the ring can be replaced by one of another
 * geometry, and the kernel then lays frames out by the new geometry.
 */
TEST_F(lifecycle, new_geometry_after_teardown)
{
	const unsigned int n = 12;

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 1));
	expect_seq(_metadata, &self->ring, 1);
	ring_close(&self->ring);

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_other))
		TH_LOG("second ring: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 100, n));
	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = ring_next_block(&self->ring, WAIT_MS);

		ASSERT_NE(NULL, b);
		/* A new ring starts its block numbering again. */
		EXPECT_EQ(1u, b->hdr.bh1.seq_num);
		EXPECT_EQ(ring_block(&self->ring, 0), b);
	}
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *expected = ring_frame(&self->ring, i);
		uint32_t seq = ~0u;
		void *f = ring_next_tagged(&self->ring, WAIT_MS, ETH_HLEN, &seq);

		ASSERT_NE(NULL, f) TH_LOG("frame %u", i);
		EXPECT_EQ(100 + i, seq);
		/* V1/V2: frame i sits at 1024 * i (8 frames per 8 KiB block). */
		if (variant->version != TPACKET_V3)
			EXPECT_EQ((void *)expected, f);
		ring_release_frame(&self->ring, f);
	}
}

/* packet_mmap(): exactly the ring's size, from offset 0. */
TEST_F(lifecycle, mmap_length_must_match_ring)
{
	size_t len = (size_t)ring_small.block_size * ring_small.block_nr;
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	/* No ring yet: nothing to map. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len - page, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len - page, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, page));
	EXPECT_EQ(EINVAL, errno);

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("mmap of the ring's size: %s", strerror(errno));
	/* A second mapping of the same ring is allowed too (po->mapped counts). */
	void *m2 = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, m2);
	EXPECT_EQ(0, munmap(m2, len));
	EXPECT_EQ(-1, ring_teardown(self->fd, PACKET_RX_RING, variant->version));
	EXPECT_EQ(EBUSY, errno) TH_LOG("teardown while still mapped once");
	EXPECT_EQ(0, munmap(m, len));
	EXPECT_EQ(0, ring_teardown(self->fd, PACKET_RX_RING, variant->version));
}

/* Does path (a /proc file) have a line containing needle? */
static bool file_has(const char *path, const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * The mapping shows in /proc/self/maps as the socket's inode until munmap;
 * the socket shows in /proc/net/packet until close.
 */
TEST_F(lifecycle, munmap_and_close_leave_nothing)
{
	char mapname[64], inode[32];
	struct stat st;

	ASSERT_EQ(0, fstat(self->fd, &st));
	snprintf(mapname, sizeof(mapname), "socket:[%lu]", (unsigned long)st.st_ino);
	snprintf(inode, sizeof(inode), " %lu", (unsigned long)st.st_ino);

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	EXPECT_TRUE(file_has("/proc/self/maps", mapname));
	EXPECT_TRUE(file_has("/proc/net/packet", inode));

	ASSERT_EQ(0, munmap(self->ring.map_base, self->ring.map_len));
	self->ring.map_base = NULL;
	EXPECT_FALSE(file_has("/proc/self/maps", mapname));
	EXPECT_TRUE(file_has("/proc/net/packet", inode));

	/* Still mapped nowhere, the ring is freed with the socket. */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_FALSE(file_has("/proc/net/packet", inode));
}

/* Receive one frame on a plain socket bound to psk1; 0 on timeout. */
static ssize_t peer_recv(int fd, uint8_t *buf, size_t size)
{
	if (psock_wait(fd, POLLIN, WAIT_MS) != 1)
		return 0;
	return recv(fd, buf, size, 0);
}

/*
 * An RX and a TX ring on one socket: one mmap() of both sizes together,
 * RX ring at offset 0, TX ring right after it.
 */
TEST_F(lifecycle, rx_and_tx_share_one_mapping_rx_first)
{
	size_t rx_len = (size_t)ring_small.block_size * ring_small.block_nr;
	size_t tx_len = (size_t)ring_tx.block_size * ring_tx.block_nr;
	struct frame_spec spec = { .dst = self->topo.mac1, .src = self->topo.mac0,
				   .payload_len = 100 };
	uint8_t frame[256], got[256];
	struct frame_view v;
	uint8_t *map, *tx;
	size_t data_off, len;
	int peer;
	void *f;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	ASSERT_EQ(0, ring_request(self->fd, PACKET_TX_RING, variant->version, &ring_tx));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, rx_len, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	map = mmap(NULL, rx_len + tx_len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap of RX + TX: %s", strerror(errno));
	self->ring = (struct ring){
		.fd = self->fd, .version = variant->version, .kind = PACKET_RX_RING,
		.geo = ring_small, .frame_nr = 8, .map = map, .map_base = map,
		.map_len = rx_len + tx_len,
	};

	/* RX first: a received frame lands in the first part. */
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 1));
	f = ring_next_frame(&self->ring, WAIT_MS);
	ASSERT_NE(NULL, f);
	EXPECT_TRUE((uint8_t *)f >= map && (uint8_t *)f < map + rx_len);
	frame_view(&self->ring, f, &v);
	EXPECT_EQ(ETH_HLEN + 64u, v.len);
	ring_release_frame(&self->ring, f);

	/* TX second: a frame written at rx_len goes out when requested. */
	peer = -1;
	ASSERT_LE(0, (peer = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex1, ETH_P_PSOCK)));
	len = frame_build(frame, sizeof(frame), &spec);
	tx = map + rx_len;
	/* Without PACKET_TX_HAS_OFF the data follows the aligned header
	 * (tpacket_parse_header(): tp_hdrlen - sizeof(struct sockaddr_ll)). */
	data_off = TPACKET_ALIGN(tpacket_hdr_size(variant->version));
	memcpy(tx + data_off, frame, len);
	if (variant->version == TPACKET_V1) {
		((struct tpacket_hdr *)tx)->tp_len = len;
		__atomic_store_n(&((struct tpacket_hdr *)tx)->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	} else if (variant->version == TPACKET_V2) {
		((struct tpacket2_hdr *)tx)->tp_len = len;
		__atomic_store_n(&((struct tpacket2_hdr *)tx)->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	} else {
		((struct tpacket3_hdr *)tx)->tp_len = len;
		__atomic_store_n(&((struct tpacket3_hdr *)tx)->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	}
	ASSERT_EQ((ssize_t)len, send(self->fd, NULL, 0, 0)) TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ((ssize_t)len, peer_recv(peer, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(frame, got, len));
	close(peer);
}

/* A ring set up before bind() receives once the socket is bound. */
TEST_F(lifecycle, bind_after_ring_receives)
{
	int fd = psock_socket(SOCK_RAW, 0);

	ASSERT_LE(0, fd);
	close(self->fd);
	self->fd = fd;
	ASSERT_EQ(0, psock_set_version(fd, variant->version));
	ASSERT_EQ(0, ring_open(&self->ring, fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, psock_bind(fd, self->topo.ifindex0, ETH_P_PSOCK));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 3));
	expect_seq(_metadata, &self->ring, 1);
	expect_seq(_metadata, &self->ring, 2);
	expect_seq(_metadata, &self->ring, 3);
}

/*
 * Protocol 0 (at socket() and at bind()) registers no hook: nothing is
 * stored. A second socket bound to the same frames proves they were
 * delivered; after binding with a protocol the next frame is the first one
 * the ring holds.
 */
TEST_F(lifecycle, protocol_zero_receives_nothing_until_bound)
{
	uint8_t buf[256];
	uint32_t seq = ~0u;
	int fd = psock_socket(SOCK_RAW, 0);
	int witness = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, witness);
	close(self->fd);
	self->fd = fd;
	ASSERT_EQ(0, psock_set_version(fd, variant->version));
	ASSERT_EQ(0, ring_open(&self->ring, fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, psock_bind(fd, self->topo.ifindex0, 0));

	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 2));
	for (uint32_t want = 1; want <= 2; want++) {
		ssize_t n = peer_recv(witness, buf, sizeof(buf));

		ASSERT_LT(ETH_HLEN, n) TH_LOG("witness missed frame %u", want);
		ASSERT_TRUE(frame_tag(buf + ETH_HLEN, n - ETH_HLEN, &seq));
		EXPECT_EQ(want, seq);
	}

	ASSERT_EQ(0, psock_bind(fd, self->topo.ifindex0, ETH_P_PSOCK));
	expect_only_marker_next(_metadata, &self->topo, &self->ring, 3);
	close(witness);
}

/* Send one tagged frame out of lo (a loopback frame still has an Ethernet header). */
static int send_on_lo(struct __test_metadata *_metadata, int lo_fd, uint32_t seq)
{
	static const uint8_t zero[6];
	struct frame_spec spec = { .dst = zero, .src = zero, .payload_len = 64, .seq = seq };
	uint8_t frame[256];
	size_t len = frame_build(frame, sizeof(frame), &spec);

	EXPECT_NE(0u, len);
	return send(lo_fd, frame, len, 0) == (ssize_t)len ? 0 : -1;
}

/*
 * Bound to psk0 with ETH_P_ALL, the ring sees each frame arriving on psk0
 * once (sll_ifindex psk0, not PACKET_OUTGOING) and never psk1's outgoing
 * copy nor frames on lo, though an unbound ETH_P_ALL socket sees all three.
 */
TEST_F(lifecycle, bound_to_psk0_sees_only_psk0)
{
	char why[256];
	uint8_t buf[256];
	int all, lo;
	bool seen_lo = false, seen_psk1 = false;
	int fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_ALL);

	ASSERT_LE(0, fd);
	close(self->fd);
	self->fd = fd;
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set lo up"))
		TH_LOG("%s", why);
	all = psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);
	lo = psock_rx_socket(SOCK_RAW, 0, 1, ETH_P_PSOCK);
	ASSERT_LE(0, all);
	ASSERT_LE(0, lo);
	ASSERT_EQ(0, ring_open(&self->ring, fd, PACKET_RX_RING, &ring_small));

	ASSERT_EQ(0, send_on_lo(_metadata, lo, 1));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 2, 1));

	/* The unbound socket proves both were delivered somewhere. */
	while (!(seen_lo && seen_psk1)) {
		struct sockaddr_ll sll;
		socklen_t alen = sizeof(sll);
		uint32_t seq;
		ssize_t n;

		ASSERT_EQ(1, psock_wait(all, POLLIN, WAIT_MS)) TH_LOG("lo %d psk1 %d",
								     seen_lo, seen_psk1);
		n = recvfrom(all, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &alen);
		ASSERT_LT(0, n);
		if (n <= ETH_HLEN || !frame_tag(buf + ETH_HLEN, n - ETH_HLEN, &seq))
			continue;
		if (seq == 1 && sll.sll_ifindex == 1)
			seen_lo = true;
		if (seq == 2 && sll.sll_ifindex == self->topo.ifindex1 &&
		    sll.sll_pkttype == PACKET_OUTGOING)
			seen_psk1 = true;
	}

	/* The ring: frame 2 as received on psk0, then the marker, nothing else. */
	{
		struct frame_view v;
		uint32_t seq = ~0u;
		void *f = ring_next_tagged(&self->ring, WAIT_MS, ETH_HLEN, &seq);

		ASSERT_NE(NULL, f);
		EXPECT_EQ(2u, seq);
		frame_view(&self->ring, f, &v);
		EXPECT_EQ(self->topo.ifindex0, v.sll->sll_ifindex);
		EXPECT_EQ(PACKET_HOST, v.sll->sll_pkttype);
		ring_release_frame(&self->ring, f);
	}
	expect_only_marker_next(_metadata, &self->topo, &self->ring, 3);
	close(all);
	close(lo);
}

/* ---- version switch after teardown ------------------------------------- */

FIXTURE(lifecycle_switch) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_SETUP(lifecycle_switch)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(&self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(lifecycle_switch)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/*
 * CVE-2021-22600: V3 ring -> teardown -> V2 ring. The V2 ring must receive
 * normally, with V2 headers, from frame 0.
 */
TEST_F(lifecycle_switch, v3_teardown_then_v2_ring_works)
{
	struct frame_view v;
	void *f;

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 2));
	expect_seq(_metadata, &self->ring, 1);
	expect_seq(_metadata, &self->ring, 2);
	ring_close(&self->ring);

	/* While the V3 ring existed the version was fixed; now it is not. */
	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 3, 3));
	for (uint32_t seq = 3; seq < 6; seq++) {
		uint32_t got = ~0u;

		f = ring_next_tagged(&self->ring, WAIT_MS, ETH_HLEN, &got);
		ASSERT_NE(NULL, f) TH_LOG("frame %u", seq);
		EXPECT_EQ(ring_frame(&self->ring, seq - 3), f);
		EXPECT_EQ(seq, got);
		frame_view(&self->ring, f, &v);
		EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK);
		EXPECT_EQ(ETH_HLEN + 64u, v.len);
		EXPECT_EQ(ETH_HLEN + 64u, v.snaplen);
		ring_release_frame(&self->ring, f);
	}
}

TEST_HARNESS_MAIN

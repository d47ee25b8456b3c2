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
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"

#define WAIT_MS 1000

/*
 * Another geometry than ring_small: 2 blocks of 2 pages, 1024-byte frames
 * (16 frames); V3 blocks retire only when full (the timer is far off).
 */
static const struct ring_geometry ring_other = {
	.block_size = 8192, .block_nr = 2, .frame_size = 1024, .retire_blk_tov = 10000,
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
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	/* Pinned, frames from psk1 are received in the order they were sent. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
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

	ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms)", seq, strerror(errno), WAIT_MS);
	EXPECT_EQ(seq, got);
	ring_release_frame(r, f);
}

/*
 * tpacket_rcv() on a SOCK_RAW Ethernet frame: tp_mac = TPACKET_ALIGN(tp_hdrlen
 * + 16) - 14 with tp_hdrlen 52 (V1/V2) or 68 (V3): 66 or 82.
 */
static size_t raw_mac_off(int version)
{
	return version == TPACKET_V3 ? 82 : 66;
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
 * geometry, and the kernel then lays frames out by the new geometry
 * (ring_other). Sixteen frames of 414 bytes: V1/V2 store frame i at
 * 1024 * i, filling the ring (the old ring had 2048-byte slots); V3 packs
 * them into block 0 (48 + 16 * 496 = 7984 bytes, which a 4096-byte block of
 * the old ring could not hold) until a 17th does not fit and retires it.
 */
TEST_F(lifecycle, new_geometry_after_teardown)
{
	const struct frame_spec spec = { .payload_len = 400 };
	const unsigned int n = 16;
	uint8_t *map;

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 1));
	expect_seq(_metadata, &self->ring, 1);
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_other))
		TH_LOG("second ring: %s", strerror(errno));
	map = self->ring.map;
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 100, n));
	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = (void *)map;
		uint8_t *p;

		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 100 + n, 1));
		ASSERT_TRUE(ring_wait_user(&self->ring, b, WAIT_MS))
			TH_LOG("block 0: %s", strerror(errno));
		EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
		/* A new ring starts its block numbering again. */
		EXPECT_EQ(1u, b->hdr.bh1.seq_num);
		ASSERT_EQ(n, b->hdr.bh1.num_pkts);
		EXPECT_EQ(48u + n * 496, b->hdr.bh1.blk_len);
		p = map + b->hdr.bh1.offset_to_first_pkt;
		for (unsigned int i = 0; i < n; i++) {
			EXPECT_EQ(100 + i, ring_frame_seq(&self->ring, p, ETH_HLEN))
				TH_LOG("packet %u", i);
			p += ((struct tpacket3_hdr *)p)->tp_next_offset;
		}
		return;
	}
	/* The frames arrive in order: once the last is there, all are. */
	ASSERT_TRUE(ring_wait_user(&self->ring, map + 1024 * (n - 1), WAIT_MS))
		TH_LOG("frame %u: %s", n - 1, strerror(errno));
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *slot = map + 1024 * i;

		EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, slot) & ~TP_STATUS_TS_MASK)
			TH_LOG("slot %u", i);
		EXPECT_EQ(100 + i, ring_frame_seq(&self->ring, slot, ETH_HLEN))
			TH_LOG("slot %u", i);
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

/*
 * Is the socket with inode ino listed in /proc/net/packet (packet_seq_show():
 * one line per socket of this namespace, the inode in the last column)?
 * 1 or 0, or -1 with errno when the file cannot be read or a line parsed.
 */
static int packet_socket_listed(unsigned long ino)
{
	char line[512];
	int found = 0, err = 0;
	FILE *f = fopen("/proc/net/packet", "re");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))	/* the header line */
		err = ferror(f) ? EIO : ENODATA;
	while (!err && fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL, *last = NULL, *end;
		unsigned long v;

		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			last = tok;
		errno = 0;
		v = last ? strtoul(last, &end, 10) : 0;
		if (!last || errno || *end)
			err = EPROTO;
		else if (v == ino)
			found = 1;
	}
	if (!err && ferror(f))
		err = EIO;
	fclose(f);
	if (err) {
		errno = err;
		return -1;
	}
	return found;
}

/*
 * The mappings in /proc/self/maps of the socket file with inode ino (its
 * pathname is exactly "socket:[ino]"): how many, and the range of the last
 * one in *start, *end. -1 with errno when the file cannot be read.
 */
static int socket_mappings(unsigned long ino, uintptr_t *start, uintptr_t *end)
{
	char line[512], name[64], want[64];
	int n = 0, err = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	while (fgets(line, sizeof(line), f)) {
		uintptr_t s, e;

		/* start-end perms offset dev inode pathname */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*s %*s %*s %63s",
			   &s, &e, name) != 3)
			continue;	/* an anonymous mapping: no pathname */
		if (strcmp(name, want))
			continue;
		*start = s;
		*end = e;
		n++;
	}
	if (ferror(f))
		err = EIO;
	fclose(f);
	if (err) {
		errno = err;
		return -1;
	}
	return n;
}

/*
 * The mapping shows in /proc/self/maps as the socket's file, exactly the
 * ring's range, until munmap; the socket shows in /proc/net/packet until
 * close.
 */
TEST_F(lifecycle, munmap_and_close_leave_nothing)
{
	uintptr_t start = 0, end = 0;
	unsigned long ino;
	struct stat st;

	ASSERT_EQ(0, fstat(self->fd, &st));
	ino = st.st_ino;

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(1, socket_mappings(ino, &start, &end)) TH_LOG("maps: %s", strerror(errno));
	EXPECT_EQ((uintptr_t)self->ring.map_base, start);
	EXPECT_EQ((uintptr_t)self->ring.map_base + 4 * 4096, end);
	ASSERT_EQ(1, packet_socket_listed(ino)) TH_LOG("/proc/net/packet: %s", strerror(errno));

	ASSERT_EQ(0, munmap(self->ring.map_base, self->ring.map_len));
	self->ring.map_base = NULL;
	ASSERT_EQ(0, socket_mappings(ino, &start, &end)) TH_LOG("maps: %s", strerror(errno));
	ASSERT_EQ(1, packet_socket_listed(ino)) TH_LOG("/proc/net/packet: %s", strerror(errno));

	/* Still mapped nowhere, the ring is freed with the socket. */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(0, packet_socket_listed(ino)) TH_LOG("/proc/net/packet: %s", strerror(errno));
}

/*
 * Receive one frame on a plain socket: its length, or -1 with errno
 * (ETIMEDOUT when nothing came within WAIT_MS).
 */
static ssize_t recv_one(int fd, uint8_t *buf, size_t size)
{
	if (psock_wait(fd, POLLIN, WAIT_MS) != 1)
		return -1;
	return recv(fd, buf, size, MSG_DONTWAIT);
}

/* Is every byte of buf zero? */
static bool all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i])
			return false;
	}
	return true;
}

/*
 * An RX and a TX ring on one socket: one mmap() of both sizes together,
 * RX ring at offset 0, TX ring right after it (packet_mmap() walks
 * rx_ring then tx_ring). A received frame lands at offset 0 and leaves the
 * TX part as allocated (zero, alloc_pg_vec()); a frame written at rx_len
 * is what send() transmits.
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

	/* RX first: a received frame lands at offset 0 (V3: in block 0 there). */
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 1));
	ASSERT_TRUE(ring_wait_user(&self->ring, map, WAIT_MS)) TH_LOG("offset 0: %s",
								      strerror(errno));
	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = (void *)map;

		ASSERT_EQ(1, b->hdr.bh1.num_pkts);
		f = map + b->hdr.bh1.offset_to_first_pkt;
	} else {
		f = map;
	}
	frame_view(&self->ring, f, &v);
	EXPECT_EQ(ETH_HLEN + 64u, v.len);
	EXPECT_EQ(raw_mac_off(variant->version), v.mac);
	EXPECT_EQ(1u, ring_frame_seq(&self->ring, f, ETH_HLEN));
	EXPECT_TRUE(all_zero(map + rx_len, tx_len))
		TH_LOG("the received frame touched the TX ring");
	ring_set_status(&self->ring, map, TP_STATUS_KERNEL);

	/* TX second: a frame written at rx_len goes out when requested. */
	peer = -1;
	peer = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex1, ETH_P_PSOCK);
	ASSERT_LE(0, peer) TH_LOG("socket on psk1: %s", strerror(errno));
	len = frame_build(frame, sizeof(frame), &spec);
	tx = map + rx_len;
	/*
	 * Without PACKET_TX_HAS_OFF the data follows the aligned header
	 * (tpacket_parse_header(): tp_hdrlen - sizeof(struct sockaddr_ll)).
	 */
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
	ASSERT_EQ((ssize_t)len, recv_one(peer, got, sizeof(got))) TH_LOG("psk1: %s",
									 strerror(errno));
	EXPECT_EQ(0, memcmp(frame, got, len));
	close(peer);
}

/* A ring set up before bind() receives once the socket is bound. */
TEST_F(lifecycle, bind_after_ring_receives)
{
	int fd = psock_socket(SOCK_RAW, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
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

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_LE(0, witness) TH_LOG("witness socket: %s", strerror(errno));
	close(self->fd);
	self->fd = fd;
	ASSERT_EQ(0, psock_set_version(fd, variant->version));
	ASSERT_EQ(0, ring_open(&self->ring, fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, psock_bind(fd, self->topo.ifindex0, 0));

	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 2));
	for (uint32_t want = 1; want <= 2; want++) {
		ssize_t n = recv_one(witness, buf, sizeof(buf));

		ASSERT_EQ(ETH_HLEN + 64, n) TH_LOG("witness, frame %u: %s", want, strerror(errno));
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
	ssize_t n;

	EXPECT_EQ(ETH_HLEN + 64u, len);
	n = send(lo_fd, frame, len, 0);
	if (n >= 0 && n != (ssize_t)len)
		errno = EMSGSIZE;
	return n == (ssize_t)len ? 0 : -1;
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
	int64_t deadline;

	ASSERT_LE(0, fd) TH_LOG("socket on psk0: %s", strerror(errno));
	close(self->fd);
	self->fd = fd;
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link set lo up"))
		TH_LOG("%s", why);
	all = psock_rx_socket(SOCK_RAW, 0, 0, ETH_P_ALL);
	lo = psock_rx_socket(SOCK_RAW, 0, 1, ETH_P_PSOCK);
	ASSERT_LE(0, all) TH_LOG("unbound socket: %s", strerror(errno));
	ASSERT_LE(0, lo) TH_LOG("socket on lo: %s", strerror(errno));
	ASSERT_EQ(0, ring_open(&self->ring, fd, PACKET_RX_RING, &ring_small));

	ASSERT_EQ(0, send_on_lo(_metadata, lo, 1)) TH_LOG("send on lo: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 2, 1));

	/* The unbound socket proves both were delivered somewhere. */
	deadline = psock_deadline(WAIT_MS);
	while (!(seen_lo && seen_psk1)) {
		struct sockaddr_ll sll;
		socklen_t alen = sizeof(sll);
		uint32_t seq;
		ssize_t n;

		ASSERT_EQ(1, psock_wait_until(all, POLLIN, deadline))
			TH_LOG("within %d ms: lo %d psk1 %d (%s)", WAIT_MS, seen_lo, seen_psk1,
			       strerror(errno));
		n = recvfrom(all, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sll, &alen);
		ASSERT_LT(0, n) TH_LOG("recvfrom: %s", strerror(errno));
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

		ASSERT_NE(NULL, f) TH_LOG("frame 2: %s", strerror(errno));
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
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));
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
 * normally, with V2 headers, from frame 0: frames 3, 4, 5 in the 2048-byte
 * slots at 0, 2048 and 4096, tp_mac 66 (a V3 header would put it at 82).
 */
TEST_F(lifecycle_switch, v3_teardown_then_v2_ring_works)
{
	struct frame_view v;

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 2));
	expect_seq(_metadata, &self->ring, 1);
	expect_seq(_metadata, &self->ring, 2);
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));

	/* While the V3 ring existed the version was fixed; now it is not. */
	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(TPACKET_V2, self->ring.version);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 3, 3));
	/* The frames arrive in order: once the last is there, all are. */
	ASSERT_TRUE(ring_wait_user(&self->ring, self->ring.map + 2 * 2048, WAIT_MS))
		TH_LOG("slot 2: %s", strerror(errno));
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t *slot = self->ring.map + i * 2048;

		frame_view(&self->ring, slot, &v);
		EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK) TH_LOG("slot %u", i);
		EXPECT_EQ(ETH_HLEN + 64u, v.len) TH_LOG("slot %u", i);
		EXPECT_EQ(ETH_HLEN + 64u, v.snaplen) TH_LOG("slot %u", i);
		EXPECT_EQ(raw_mac_off(TPACKET_V2), v.mac) TH_LOG("slot %u", i);
		EXPECT_EQ(3 + i, ring_frame_seq(&self->ring, slot, ETH_HLEN)) TH_LOG("slot %u", i);
	}
	EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&self->ring, self->ring.map + 3 * 2048));
}

TEST_HARNESS_MAIN

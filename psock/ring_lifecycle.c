// SPDX-License-Identifier: GPL-2.0
/*
 * The life of a ring: set up, mapped, used, torn down, replaced.
 *
 *  - A ring is torn down with a request of tp_block_nr = 0 (once it is no
 *    longer mmapped: EBUSY while it is) and a new one of any geometry, or of
 *    another version after PACKET_VERSION is changed, can then be set
 *    (packet_set_ring()). V3 -> teardown -> V2 is the path of CVE-2021-22600
 *    (a double free of the V3 block timer state): the V2 ring must then
 *    simply work. A new V3 ring numbers its blocks from seq_num 1 again
 *    (init_prb_bdqc()).
 *  - packet_mmap() maps the whole ring and nothing else: the length must be
 *    exactly the ring's size and the offset 0, else EINVAL; without a ring
 *    EINVAL; a ring may be mapped more than once (po->mapped counts). When
 *    a socket has both an RX and a TX ring, one mmap() covers both, the RX
 *    ring first, then the TX ring.
 *  - munmap() removes the mapping; close() then frees the socket (gone from
 *    /proc/net/packet).
 *
 * Which frames reach a ring at all (the bind) is ring_bind.c's.
 *
 * Test cases (<v> = v1, v2, v3):
 *   lifecycle.<v>.new_geometry_after_teardown
 *   lifecycle.<v>.teardown_ebusy_while_mapped
 *   lifecycle.<v>.teardown_ebusy_while_child_maps_ring
 *   lifecycle.<v>.mmap_without_ring_einval
 *   lifecycle.<v>.mmap_length_must_match_ring
 *   lifecycle.<v>.second_mapping_of_ring_allowed
 *   lifecycle.<v>.munmap_removes_mapping
 *   lifecycle.<v>.close_frees_socket
 *   lifecycle.<v>.rx_and_tx_mmap_must_cover_both
 *   lifecycle.<v>.rx_and_tx_mapping_rx_ring_first
 *   lifecycle.<v>.rx_and_tx_mapping_tx_ring_after_rx
 *   lifecycle_v3.new_ring_restarts_block_seq_num
 *   lifecycle_switch.v3_teardown_then_v2_ring_works (CVE-2021-22600)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "stats.h"
#include "tx.h"

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

/* The size of ring_small's and ring_tx's memory. */
#define RX_LEN ((size_t)4 * 4096)
#define TX_LEN ((size_t)2 * 4096)

/*
 * FIXTURE_SETUP of every fixture here: namespaces, the thread pinned (frames
 * from psk1 are then received in the order they were sent), a SOCK_RAW
 * socket of version bound to psk0 and ETH_P_PSOCK in self->fd, no ring.
 * statement runs after a SKIP (return). RX_TEARDOWN unmaps the ring if a
 * case mapped it and closes fd and other.
 */
#define RX_SETUP(statement, self, version) do {			\
	memset(&(self)->ring, 0, sizeof((self)->ring));				\
	(self)->fd = (self)->other = -1;					\
	PSOCK_NETNS_SETUP(statement, &(self)->topo, NULL);				\
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin to a CPU: %s", strerror(errno));	\
	(self)->fd = psock_rx_socket(SOCK_RAW, (version), (self)->topo.ifindex0,	\
				     ETH_P_PSOCK);				\
	ASSERT_LE(0, (self)->fd) TH_LOG("receiving socket: %s", strerror(errno));	\
} while (0)

#define RX_TEARDOWN(self) do {							\
	if ((self)->ring.map_base)						\
		EXPECT_EQ(0, munmap((self)->ring.map_base, (self)->ring.map_len));	\
	TX_EXPECT_CLOSE_ALL((self)->fd, (self)->other);				\
	netns_teardown(&(self)->topo);						\
} while (0)

FIXTURE(lifecycle) {
	struct netns_topo topo;
	int fd;
	int other;		/* a second socket a case opens, -1 if none */
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
	RX_SETUP(return, self, variant->version);
}

FIXTURE_TEARDOWN(lifecycle)
{
	RX_TEARDOWN(self);
}

static const struct frame_spec small_frame = { .payload_len = 64 };

/* Frames first .. first + n - 1 sent from psk1 are the ring's next n tagged frames. */
static void receive_seqs(struct __test_metadata *_metadata, struct netns_topo *topo,
			 struct ring *r, uint32_t first, unsigned int n)
{
	ASSERT_EQ(0, peer_send_burst(topo, &small_frame, first, n))
		TH_LOG("send from psk1: %s", strerror(errno));
	for (uint32_t seq = first; seq < first + n; seq++) {
		uint32_t got = ~0u;
		void *f = ring_next_tagged(r, PSOCK_WAIT_MS, ETH_HLEN, &got);

		ASSERT_NE(NULL, f) TH_LOG("frame %u: %s (waited %d ms)", seq, strerror(errno),
					  PSOCK_WAIT_MS);
		EXPECT_EQ(seq, got);
		ring_release_frame(r, f);
	}
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
	receive_seqs(_metadata, &self->topo, &self->ring, 1, 1);
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_other))
		TH_LOG("second ring: %s", strerror(errno));
	map = self->ring.map;
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 100, n));
	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = (void *)map;
		uint8_t *p;

		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 100 + n, 1));
		ASSERT_TRUE(ring_wait_user(&self->ring, b, PSOCK_WAIT_MS))
			TH_LOG("block 0: %s", strerror(errno));
		EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, b));
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
	ASSERT_TRUE(ring_wait_user(&self->ring, map + 1024 * (n - 1), PSOCK_WAIT_MS))
		TH_LOG("frame %u: %s", n - 1, strerror(errno));
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *slot = map + 1024 * i;

		EXPECT_EQ(TP_STATUS_USER, ring_status(&self->ring, slot) & ~TP_STATUS_TS_MASK)
			TH_LOG("slot %u", i);
		EXPECT_EQ(100 + i, ring_frame_seq(&self->ring, slot, ETH_HLEN))
			TH_LOG("slot %u", i);
	}
}

/* mmap() of exactly the ring's size from offset 0 (ring_small: 4 pages). */
static void *map_ring(int fd, int prot)
{
	return mmap(NULL, RX_LEN, prot, MAP_SHARED, fd, 0);
}

/* While the ring is mapped, a teardown is EBUSY; once unmapped it succeeds. */
TEST_F(lifecycle, teardown_ebusy_while_mapped)
{
	void *m;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	m = map_ring(self->fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("mmap of the ring's size: %s", strerror(errno));
	EXPECT_EQ(-1, ring_teardown(self->fd, PACKET_RX_RING, variant->version));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, munmap(m, RX_LEN));
	EXPECT_EQ(0, ring_teardown(self->fd, PACKET_RX_RING, variant->version))
		TH_LOG("%s", strerror(errno));
}

/*
 * A mapping inherited by fork() counts as one more (packet_mm_open() on
 * the child's copy of the vma): with the parent's own mapping gone, the
 * teardown is still EBUSY while the child lives, and succeeds once the
 * child has exited (packet_mm_close() on its exit).
 */
TEST_F(lifecycle, teardown_ebusy_while_child_maps_ring)
{
	int hold[2], status = 0;
	char c = 0;
	pid_t pid;
	void *m;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	m = map_ring(self->fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("mmap of the ring's size: %s", strerror(errno));
	ASSERT_EQ(0, pipe(hold)) TH_LOG("pipe: %s", strerror(errno));
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Hold the inherited mapping until the parent closes the pipe. */
		close(hold[1]);
		_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
	}
	close(hold[0]);
	EXPECT_EQ(0, munmap(m, RX_LEN));
	EXPECT_EQ(-1, ring_teardown(self->fd, PACKET_RX_RING, variant->version));
	EXPECT_EQ(EBUSY, errno);
	close(hold[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0)) TH_LOG("waitpid: %s", strerror(errno));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, ring_teardown(self->fd, PACKET_RX_RING, variant->version))
		TH_LOG("%s", strerror(errno));
}

/* packet_mmap() without a ring: nothing to map, EINVAL. */
TEST_F(lifecycle, mmap_without_ring_einval)
{
	EXPECT_EQ(MAP_FAILED, map_ring(self->fd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * packet_mmap(): a page more or less than the ring, or the ring's size
 * from offset one page, is EINVAL; exactly the ring's size from offset 0
 * is mapped.
 */
TEST_F(lifecycle, mmap_length_must_match_ring)
{
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, RX_LEN + page, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a page more");
	EXPECT_EQ(MAP_FAILED, mmap(NULL, RX_LEN - page, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a page less");
	/* the ring's size, so only the offset check (vm_pgoff) refuses it */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, RX_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
				   self->fd, page));
	EXPECT_EQ(EINVAL, errno) TH_LOG("from offset one page");
	m = map_ring(self->fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("mmap of the ring's size: %s", strerror(errno));
	EXPECT_EQ(0, munmap(m, RX_LEN));
}

/* A second mapping of the same ring is allowed too (po->mapped counts them). */
TEST_F(lifecycle, second_mapping_of_ring_allowed)
{
	void *m, *m2;

	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, variant->version, &ring_small));
	m = map_ring(self->fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("mmap of the ring's size: %s", strerror(errno));
	m2 = map_ring(self->fd, PROT_READ);
	EXPECT_NE(MAP_FAILED, m2) TH_LOG("second mmap: %s", strerror(errno));
	if (m2 != MAP_FAILED)
		EXPECT_EQ(0, munmap(m2, RX_LEN));
	EXPECT_EQ(0, munmap(m, RX_LEN));
}

/*
 * Close a /proc file read to its end: ret, or -1 with errno err (the
 * parser's error, 0 for none) or EIO when reading it failed.
 */
static int proc_close(FILE *f, int err, int ret)
{
	if (!err && ferror(f))
		err = EIO;
	fclose(f);
	if (err) {
		errno = err;
		return -1;
	}
	return ret;
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
	return proc_close(f, err, found);
}

/*
 * The mappings in /proc/self/maps of the socket file with inode ino (its
 * pathname is exactly "socket:[ino]"): how many, and the range of the last
 * one in *start, *end. -1 with errno when the file cannot be read.
 */
static int socket_mappings(unsigned long ino, uintptr_t *start, uintptr_t *end)
{
	char line[512], name[64], want[64];
	int n = 0;
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
	return proc_close(f, 0, n);
}

/* The inode of the socket fd (its "socket:[ino]" name). */
static unsigned long socket_ino(struct __test_metadata *_metadata, int fd)
{
	struct stat st;

	ASSERT_EQ(0, fstat(fd, &st)) TH_LOG("fstat: %s", strerror(errno));
	return st.st_ino;
}

/*
 * The mapping shows in /proc/self/maps as the socket's file, exactly the
 * ring's range, until munmap.
 */
TEST_F(lifecycle, munmap_removes_mapping)
{
	uintptr_t start = 0, end = 0;
	unsigned long ino = socket_ino(_metadata, self->fd);

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(1, socket_mappings(ino, &start, &end)) TH_LOG("maps: %s", strerror(errno));
	EXPECT_EQ((uintptr_t)self->ring.map_base, start);
	EXPECT_EQ((uintptr_t)self->ring.map_base + 4 * 4096, end);

	ASSERT_EQ(0, munmap(self->ring.map_base, self->ring.map_len));
	self->ring.map_base = NULL;
	EXPECT_EQ(0, socket_mappings(ino, &start, &end)) TH_LOG("maps: %s", strerror(errno));
}

/*
 * The socket shows in /proc/net/packet, mapped or not, until close; its
 * ring mapped nowhere, close() frees it with the socket.
 */
TEST_F(lifecycle, close_frees_socket)
{
	unsigned long ino = socket_ino(_metadata, self->fd);

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	EXPECT_EQ(1, packet_socket_listed(ino)) TH_LOG("/proc/net/packet: %s", strerror(errno));
	ASSERT_EQ(0, munmap(self->ring.map_base, self->ring.map_len));
	self->ring.map_base = NULL;
	EXPECT_EQ(1, packet_socket_listed(ino)) TH_LOG("/proc/net/packet: %s", strerror(errno));

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(0, packet_socket_listed(ino)) TH_LOG("/proc/net/packet: %s", strerror(errno));
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

/* An RX ring_small and a TX ring_tx on self->fd, not mapped yet. */
static void request_rx_and_tx(struct __test_metadata *_metadata, struct _test_data_lifecycle *self,
			      int version)
{
	ASSERT_EQ(0, ring_request(self->fd, PACKET_RX_RING, version, &ring_small))
		TH_LOG("RX ring: %s", strerror(errno));
	ASSERT_EQ(0, ring_request(self->fd, PACKET_TX_RING, version, &ring_tx))
		TH_LOG("TX ring: %s", strerror(errno));
}

/*
 * Both rings mmap()ed at once (RX_LEN + TX_LEN): self->ring is the RX ring
 * at the start of the mapping (which it owns); the mapping returned.
 */
static uint8_t *map_rx_and_tx(struct __test_metadata *_metadata,
			      struct _test_data_lifecycle *self, int version)
{
	uint8_t *map;

	request_rx_and_tx(_metadata, self, version);
	map = mmap(NULL, RX_LEN + TX_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap of RX + TX: %s", strerror(errno));
	self->ring = (struct ring){
		.fd = self->fd, .version = version, .kind = PACKET_RX_RING,
		.geo = ring_small, .frame_nr = 8, .map = map, .map_base = map,
		.map_len = RX_LEN + TX_LEN,
	};
	return map;
}

/* With an RX and a TX ring, mmap() of the RX ring's size alone is EINVAL. */
TEST_F(lifecycle, rx_and_tx_mmap_must_cover_both)
{
	request_rx_and_tx(_metadata, self, variant->version);
	EXPECT_EQ(MAP_FAILED, map_ring(self->fd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * One mapping of both rings holds the RX ring first (packet_mmap() walks
 * rx_ring then tx_ring): a received frame lands at offset 0 (V3: in block
 * 0 there) and leaves the TX part as allocated (zero, alloc_pg_vec()).
 */
TEST_F(lifecycle, rx_and_tx_mapping_rx_ring_first)
{
	uint8_t *map = map_rx_and_tx(_metadata, self, variant->version);
	struct frame_view v;
	void *f = map;

	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 1, 1));
	ASSERT_TRUE(ring_wait_user(&self->ring, map, PSOCK_WAIT_MS)) TH_LOG("offset 0: %s",
								      strerror(errno));
	if (variant->version == TPACKET_V3) {
		struct tpacket_block_desc *b = (void *)map;

		ASSERT_EQ(1, b->hdr.bh1.num_pkts);
		f = map + b->hdr.bh1.offset_to_first_pkt;
	}
	frame_view(&self->ring, f, &v);
	EXPECT_EQ(ETH_HLEN + 64u, v.len);
	EXPECT_EQ(tpacket_rx_mac(SOCK_RAW, variant->version), v.mac);
	EXPECT_EQ(1u, ring_frame_seq(&self->ring, f, ETH_HLEN));
	EXPECT_TRUE(all_zero(map + RX_LEN, TX_LEN))
		TH_LOG("the received frame touched the TX ring");
}

/*
 * The TX ring follows the RX ring in the mapping: a frame written in the
 * first TX slot, at RX_LEN, is what send() transmits.
 */
TEST_F(lifecycle, rx_and_tx_mapping_tx_ring_after_rx)
{
	uint8_t *map = map_rx_and_tx(_metadata, self, variant->version);
	struct ring tx = {
		.fd = self->fd, .version = variant->version, .kind = PACKET_TX_RING,
		.geo = ring_tx, .frame_nr = 4, .map = map + RX_LEN,
	};
	struct tx_frame f;

	self->other = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex1, ETH_P_PSOCK);
	ASSERT_LE(0, self->other) TH_LOG("socket on psk1: %s", strerror(errno));
	TX_FRAME(&f, .seq = 2, .payload_len = 100);
	tx_put(&tx, 0, 0, f.wire, f.len);
	ASSERT_EQ((ssize_t)f.len, send(self->fd, NULL, 0, 0)) TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->other, &f, 2, PSOCK_WAIT_MS);
}

/* ---- V3 block numbering ---------------------------------------------- */

FIXTURE(lifecycle_v3) {
	struct netns_topo topo;
	int fd, other;
	struct ring ring;
};

FIXTURE_SETUP(lifecycle_v3)
{
	RX_SETUP(return, self, TPACKET_V3);
}

FIXTURE_TEARDOWN(lifecycle_v3)
{
	RX_TEARDOWN(self);
}

/*
 * A V3 ring whose blocks got seq_num 1 and 2, torn down: the next ring
 * numbers its first block 1 again.
 */
TEST_F(lifecycle_v3, new_ring_restarts_block_seq_num)
{
	struct tpacket_block_desc *b;

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	/* ring_small retires a block soon after its first frame: two frames, two blocks. */
	receive_seqs(_metadata, &self->topo, &self->ring, 1, 1);
	receive_seqs(_metadata, &self->topo, &self->ring, 2, 1);
	ASSERT_EQ(2u, ring_block(&self->ring, 1)->hdr.bh1.seq_num)
		TH_LOG("the first ring did not get to its second block");
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));

	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small))
		TH_LOG("second ring: %s", strerror(errno));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 3, 1));
	b = ring_block(&self->ring, 0);
	ASSERT_TRUE(ring_wait_user(&self->ring, b, PSOCK_WAIT_MS)) TH_LOG("block 0: %s", strerror(errno));
	EXPECT_EQ(1u, b->hdr.bh1.seq_num);
}

/* ---- version switch after teardown ------------------------------------- */

FIXTURE(lifecycle_switch) {
	struct netns_topo topo;
	int fd, other;
	struct ring ring;
};

FIXTURE_SETUP(lifecycle_switch)
{
	RX_SETUP(return, self, TPACKET_V3);
}

FIXTURE_TEARDOWN(lifecycle_switch)
{
	RX_TEARDOWN(self);
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
	receive_seqs(_metadata, &self->topo, &self->ring, 1, 2);
	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("teardown: %s", strerror(errno));

	/* While the V3 ring existed the version was fixed; now it is not. */
	ASSERT_EQ(0, psock_set_version(self->fd, TPACKET_V2));
	ASSERT_EQ(0, ring_open(&self->ring, self->fd, PACKET_RX_RING, &ring_small));
	ASSERT_EQ(TPACKET_V2, self->ring.version);
	ASSERT_EQ(0, peer_send_burst(&self->topo, &small_frame, 3, 3));
	/* The frames arrive in order: once the last is there, all are. */
	ASSERT_TRUE(ring_wait_user(&self->ring, self->ring.map + 2 * 2048, PSOCK_WAIT_MS))
		TH_LOG("slot 2: %s", strerror(errno));
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t *slot = self->ring.map + i * 2048;

		frame_view(&self->ring, slot, &v);
		EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK) TH_LOG("slot %u", i);
		EXPECT_EQ(ETH_HLEN + 64u, v.len) TH_LOG("slot %u", i);
		EXPECT_EQ(ETH_HLEN + 64u, v.snaplen) TH_LOG("slot %u", i);
		EXPECT_EQ(tpacket_rx_mac(SOCK_RAW, TPACKET_V2), v.mac) TH_LOG("slot %u", i);
		EXPECT_EQ(3 + i, ring_frame_seq(&self->ring, slot, ETH_HLEN)) TH_LOG("slot %u", i);
	}
	EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&self->ring, self->ring.map + 3 * 2048));
}

TEST_HARNESS_MAIN

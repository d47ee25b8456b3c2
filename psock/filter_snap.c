// SPDX-License-Identifier: GPL-2.0
/*
 * A socket filter's return value is a snap length, on every receive path.
 *
 * Before a packet socket stores a frame it runs the socket's filter on it:
 * run_filter() in tpacket_rcv() (a ring) and packet_rcv() (no ring), which
 * calls the program through bpf_prog_run_clear_cb(). The program returns a
 * number of bytes:
 *
 *  - N keeps at most N bytes. On a ring, tp_snaplen = min(N, length) while
 *    tp_len stays the length. Without a ring the queued skb is trimmed to N
 *    (pskb_trim() in packet_rcv()), so recvmsg() returns N bytes, even with
 *    MSG_TRUNC (which returns skb->len, packet_recvmsg()), and
 *    PACKET_AUXDATA reports tp_len = the original length, tp_snaplen = N.
 *  - A value at or above the length (1000 on a short frame, 0xFFFFFFFF,
 *    what tcpdump's "keep everything" returns) keeps the whole frame.
 *  - 0 drops the frame before anything is stored or counted: the frame is
 *    gone, and PACKET_STATISTICS does not count it (drop_n_restore).
 *
 * The length counts from where the socket's view starts: the Ethernet
 * header on SOCK_RAW, the network header on SOCK_DGRAM (packet_rcv() pulls
 * the link header before running the filter).
 *
 * A classic program attached with SO_ATTACH_FILTER (sk_attach_filter()) and
 * an eBPF BPF_PROG_TYPE_SOCKET_FILTER program attached with SO_ATTACH_BPF
 * (sk_attach_bpf()) are run the same way; every rule holds for both.
 *
 * Frames from psk1 are sent by a thread pinned to one CPU, so they are
 * received in order; a barrier frame behind them (stats.h) shows they were
 * processed, also the ones the filter dropped.
 *
 * Test cases (<path> = raw_v1, raw_v2, raw_v3, raw_recvmsg, dgram_v1,
 * dgram_v2, dgram_v3, dgram_recvmsg with a classic filter, ebpf_<path> with
 * an eBPF one; vN is a TPACKET_VN ring, recvmsg no ring):
 *   snap.<path>.snaplen_is_return_value
 *   snap.<path>.tp_len_is_frame_length
 *   snap.<path>.return_above_length_keeps_frame
 *   snap.<path>.return_all_ones_keeps_frame
 *   snap.<path>.return_zero_stores_nothing
 *   snap.<path>.return_zero_not_counted
 *   snap_recvmsg.raw.msg_trunc_returns_snaplen
 *   snap_recvmsg.dgram.msg_trunc_returns_snaplen
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "bpf.h"
#include "filter.h"

/* One stored frame, from a ring or from recvmsg(). */
struct got {
	uint32_t seq;
	uint32_t len;		/* tp_len (recvmsg: PACKET_AUXDATA tp_len) */
	uint32_t snaplen;	/* tp_snaplen (recvmsg: what recvmsg() returned) */
	uint32_t aux_snaplen;	/* recvmsg: PACKET_AUXDATA tp_snaplen */
	uint8_t data[ETH_FRAME_LEN];
};

/*
 * recvmsg() one frame without waiting, with PACKET_AUXDATA when on; the
 * length, or -1 (EAGAIN when the queue is empty).
 */
static ssize_t recv_one(int fd, struct got *g)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { .iov_base = g->data, .iov_len = sizeof(g->data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct tpacket_auxdata aux;
	ssize_t n;

	memset(g, 0, sizeof(*g));
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	g->snaplen = n;
	switch (psock_cmsg_auxdata(&msg, &aux)) {
	case 1:
		g->len = aux.tp_len;
		g->aux_snaplen = aux.tp_snaplen;
		break;
	case -1:
		return -1;	/* EPROTO: a malformed PACKET_AUXDATA */
	}
	return n;
}

/* ---- one receive path, one kind of filter ---------------------------- */

FIXTURE(snap) {
	struct filter_rx rx;
	struct ring ring;
	size_t skip;		/* tp_mac (or start of recv data) to the payload */
};

FIXTURE_VARIANT(snap) {
	int type;
	bool ring;		/* false: no ring, recvmsg() with PACKET_AUXDATA */
	int version;		/* of the ring (TPACKET_V1 is 0) */
	bool ebpf;		/* SO_ATTACH_BPF instead of SO_ATTACH_FILTER */
};

FIXTURE_VARIANT_ADD(snap, raw_v1) { .type = SOCK_RAW, .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(snap, raw_v2) { .type = SOCK_RAW, .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(snap, raw_v3) { .type = SOCK_RAW, .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(snap, raw_recvmsg) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(snap, dgram_v1) { .type = SOCK_DGRAM, .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(snap, dgram_v2) { .type = SOCK_DGRAM, .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(snap, dgram_v3) { .type = SOCK_DGRAM, .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(snap, dgram_recvmsg) { .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(snap, ebpf_raw_v1) {
	.type = SOCK_RAW, .ring = true, .version = TPACKET_V1, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_raw_v2) {
	.type = SOCK_RAW, .ring = true, .version = TPACKET_V2, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_raw_v3) {
	.type = SOCK_RAW, .ring = true, .version = TPACKET_V3, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_raw_recvmsg) { .type = SOCK_RAW, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_dgram_v1) {
	.type = SOCK_DGRAM, .ring = true, .version = TPACKET_V1, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_dgram_v2) {
	.type = SOCK_DGRAM, .ring = true, .version = TPACKET_V2, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_dgram_v3) {
	.type = SOCK_DGRAM, .ring = true, .version = TPACKET_V3, .ebpf = true };
FIXTURE_VARIANT_ADD(snap, ebpf_dgram_recvmsg) { .type = SOCK_DGRAM, .ebpf = true };

FIXTURE_SETUP(snap)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->skip = variant->type == SOCK_RAW ? ETH_HLEN : 0;
	if (variant->ebpf) {
		int probe;

		FILTER_EBPF_RET(return, probe, 0xffffffff);
		close(probe);
	}
	FILTER_RX_SETUP(return, &self->rx, variant->type, variant->version, ETH_P_PSOCK);
	ASSERT_EQ(0, rx_path_open(&self->ring, self->rx.fd, variant->ring))
		TH_LOG("%s: %s", variant->ring ? "PACKET_RX_RING" : "PACKET_AUXDATA",
		       strerror(errno));
}

FIXTURE_TEARDOWN(snap)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	filter_rx_teardown(&self->rx);
}

/* Attach a program returning k: classic "ret #k" or eBPF "w0 = k; exit". */
static void attach_ret(struct __test_metadata *_metadata, struct _test_data_snap *self,
		       const struct _fixture_variant_snap *variant, uint32_t k)
{
	char log[1024];
	int prog, rc, err;

	if (!variant->ebpf) {
		ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, k))
			TH_LOG("SO_ATTACH_FILTER \"ret #%u\": %s", k, strerror(errno));
		return;
	}
	prog = filter_ebpf_load_ret(k, log, sizeof(log));
	ASSERT_LE(0, prog) TH_LOG("BPF_PROG_LOAD \"w0 = %u\": %s: %s", k, strerror(errno), log);
	rc = ebpf_attach(self->rx.fd, prog);
	err = errno;
	close(prog);	/* the socket holds its own reference */
	ASSERT_EQ(0, rc) TH_LOG("SO_ATTACH_BPF \"w0 = %u\": %s", k, strerror(err));
}

/* Attach a program returning k, send one frame of spec, wait until it was processed. */
static void send_with_ret(struct __test_metadata *_metadata, struct _test_data_snap *self,
			  const struct _fixture_variant_snap *variant, uint32_t k,
			  const struct frame_spec *spec)
{
	attach_ret(_metadata, self, variant, k);
	ASSERT_SEND_SYNCED(&self->rx, spec, 1, PSOCK_WAIT_MS);
}

/*
 * The next stored frame, from the ring or the queue. On the recvmsg path
 * PACKET_AUXDATA's tp_snaplen must be what recvmsg() returned.
 */
static void next_frame(struct __test_metadata *_metadata, struct _test_data_snap *self,
		       const struct _fixture_variant_snap *variant, struct got *g)
{
	if (variant->ring) {
		struct frame_view v;
		void *f = ring_next_frame(&self->ring, PSOCK_WAIT_MS);

		ASSERT_NE(NULL, f) TH_LOG("no frame in the ring: %s", strerror(errno));
		frame_view(&self->ring, f, &v);
		memset(g, 0, sizeof(*g));
		g->len = v.len;
		g->snaplen = v.snaplen;
		ASSERT_GE(sizeof(g->data), v.snaplen);
		memcpy(g->data, v.data, v.snaplen);
		ring_release_frame(&self->ring, f);
	} else {
		ASSERT_LT(0, recv_one(self->rx.fd, g)) TH_LOG("recvmsg: %s", strerror(errno));
		EXPECT_EQ(g->snaplen, g->aux_snaplen)
			TH_LOG("PACKET_AUXDATA tp_snaplen %u, recvmsg() returned %u",
			       g->aux_snaplen, g->snaplen);
	}
	ASSERT_LT(self->skip + FRAME_TAG_LEN, g->snaplen);
	ASSERT_TRUE(frame_tag(g->data + self->skip, g->snaplen - self->skip, &g->seq));
}

/*
 * Attach a program returning k, send frame 1 with payload_len bytes of
 * payload and read what was stored of it.
 */
static void capture_with_ret(struct __test_metadata *_metadata, struct _test_data_snap *self,
			     const struct _fixture_variant_snap *variant, uint32_t k,
			     size_t payload_len, struct got *g)
{
	const struct frame_spec spec = { .payload_len = payload_len, .seq = 1 };

	send_with_ret(_metadata, self, variant, k, &spec);
	next_frame(_metadata, self, variant, g);
	ASSERT_EQ(1u, g->seq) TH_LOG("another frame was stored");
}

/* Whether the first n bytes stored are those frame 1 of payload_len has in the socket's view. */
static bool stored_bytes_match(const struct _test_data_snap *self, size_t payload_len,
			       const struct got *g, size_t n)
{
	const struct frame_spec spec = { .payload_len = payload_len, .seq = 1 };
	uint8_t wire[ETH_FRAME_LEN];

	frame_build(wire, sizeof(wire), &spec);
	return memcmp(wire + ETH_HLEN - self->skip, g->data, n) == 0;
}

/*
 * A program returning 40 keeps the first 40 bytes of the socket's view (the
 * Ethernet header on SOCK_RAW, the payload on SOCK_DGRAM) of a longer frame:
 * tp_snaplen 40 on a ring, 40 bytes from recvmsg().
 */
TEST_F(snap, snaplen_is_return_value)
{
	static struct got g;

	capture_with_ret(_metadata, self, variant, 40, 100, &g);
	EXPECT_EQ(40u, g.snaplen);
	EXPECT_TRUE(stored_bytes_match(self, 100, &g, 40));
}

/*
 * Cut to 40 bytes, the frame still reports its length as the socket sees it
 * (114 bytes on SOCK_RAW, the 100-byte payload on SOCK_DGRAM): tp_len on a
 * ring, PACKET_AUXDATA tp_len on recvmsg().
 */
TEST_F(snap, tp_len_is_frame_length)
{
	static struct got g;

	capture_with_ret(_metadata, self, variant, 40, 100, &g);
	EXPECT_EQ(self->skip + 100, g.len);
}

/* Returning 1000 for a 114-byte frame keeps all of it. */
TEST_F(snap, return_above_length_keeps_frame)
{
	static struct got g;

	capture_with_ret(_metadata, self, variant, 1000, 100, &g);
	EXPECT_EQ(self->skip + 100, g.snaplen);
	EXPECT_EQ(self->skip + 100, g.len);
}

/* Returning 0xFFFFFFFF keeps a 1414-byte frame whole, byte for byte. */
TEST_F(snap, return_all_ones_keeps_frame)
{
	static struct got g;

	capture_with_ret(_metadata, self, variant, 0xffffffff, 1400, &g);
	EXPECT_EQ(self->skip + 1400, g.snaplen);
	EXPECT_EQ(self->skip + 1400, g.len);
	EXPECT_TRUE(stored_bytes_match(self, 1400, &g, self->skip + 1400));
}

/*
 * Frame 1 meets a program returning 0, frame 2 one returning 0xFFFFFFFF:
 * the first frame stored (ring slot or queue head) is frame 2.
 */
TEST_F(snap, return_zero_stores_nothing)
{
	const struct frame_spec dropped = { .payload_len = 100, .seq = 1 };
	const struct frame_spec kept = { .payload_len = 100, .seq = 2 };
	static struct got g;

	send_with_ret(_metadata, self, variant, 0, &dropped);
	send_with_ret(_metadata, self, variant, 0xffffffff, &kept);
	next_frame(_metadata, self, variant, &g);
	EXPECT_EQ(2u, g.seq) TH_LOG("the frame the filter dropped was stored");
}

/*
 * The same two frames: PACKET_STATISTICS counts the kept one only
 * (tp_packets 1), and the dropped one is no drop either (tp_drops 0).
 */
TEST_F(snap, return_zero_not_counted)
{
	const struct frame_spec dropped = { .payload_len = 100, .seq = 1 };
	const struct frame_spec kept = { .payload_len = 100, .seq = 2 };
	struct psock_stats st;

	send_with_ret(_metadata, self, variant, 0, &dropped);
	send_with_ret(_metadata, self, variant, 0xffffffff, &kept);
	ASSERT_EQ(0, psock_stats_read(self->rx.fd, &st))
		TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
	EXPECT_EQ(1u, st.packets);
	EXPECT_EQ(0u, st.drops);
}

/* ---- no ring: recvmsg() with MSG_TRUNC ------------------------------- */

FIXTURE(snap_recvmsg) {
	struct filter_rx rx;
};

FIXTURE_VARIANT(snap_recvmsg) {
	int type;
};

FIXTURE_VARIANT_ADD(snap_recvmsg, raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(snap_recvmsg, dgram) { .type = SOCK_DGRAM };

FIXTURE_SETUP(snap_recvmsg)
{
	FILTER_RX_SETUP(return, &self->rx, variant->type, 0, ETH_P_PSOCK);
}

FIXTURE_TEARDOWN(snap_recvmsg)
{
	filter_rx_teardown(&self->rx);
}

/*
 * MSG_TRUNC makes recv() return the length of the queued skb, not what was
 * copied: into a 27-byte buffer (room for the Ethernet header and the tag)
 * it returns 40, not 27 and not the frame's length, because "ret #40"
 * trimmed the skb before it was queued.
 */
TEST_F(snap_recvmsg, msg_trunc_returns_snaplen)
{
	const struct frame_spec spec = { .payload_len = 100, .seq = 1 };
	size_t skip = variant->type == SOCK_RAW ? ETH_HLEN : 0;
	uint8_t buf[ETH_HLEN + FRAME_TAG_LEN];
	uint32_t seq;

	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 40))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_SEND_SYNCED(&self->rx, &spec, 1, PSOCK_WAIT_MS);
	EXPECT_EQ(40, recv(self->rx.fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC))
		TH_LOG("recv: %s", strerror(errno));
	ASSERT_TRUE(frame_tag(buf + skip, FRAME_TAG_LEN, &seq));
	EXPECT_EQ(1u, seq);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Sending through a transmit ring (PACKET_TX_RING), TPACKET_V1, V2 and V3.
 *
 * User space writes frames into the slots of a mmap()ed ring, marks each one
 * TP_STATUS_SEND_REQUEST and calls send() (or sendto() with an address, no
 * data). tpacket_snd() in net/packet/af_packet.c then walks the ring from its
 * own head: packet_current_frame() returns the slot at the head only if it
 * is TP_STATUS_SEND_REQUEST, so sending starts at the head and stops at the
 * first slot that is not; a request placed further on waits until the head
 * gets there. Each frame is parsed (tpacket_parse_header(): tp_len, and with
 * PACKET_TX_HAS_OFF the data offset from tp_mac (SOCK_RAW) or tp_net
 * (SOCK_DGRAM), otherwise the data starts at the fixed offset
 * TPACKET_ALIGN(sizeof(header))), turned into an skb that points into the
 * ring (tpacket_fill_skb()), marked TP_STATUS_SENDING and transmitted; when
 * the kernel is done with the slot (the skb's destructor
 * tpacket_destruct_skb(), or tpacket_ubuf_complete() where the ring pages
 * are a zero-copy ubuf_info) it becomes TP_STATUS_AVAILABLE again. The ring
 * pages are zero-copy fragments: before the skb is orphaned or queued
 * elsewhere (veth: skb_orphan_frags()) they are copied, so a slot can be
 * reused as soon as it is AVAILABLE. A blocking send waits for all of its
 * frames to complete (wait_for_completion on skb_completion while
 * packet_read_pending() is non-zero); with MSG_DONTWAIT it returns as soon as they are queued. The
 * return value is the sum of the tp_len of the frames sent.
 *
 * SOCK_RAW sends each frame as written; SOCK_DGRAM slots hold the network
 * payload only and the kernel prepends the link header (dev_hard_header())
 * from the sockaddr_ll given to sendto(): destination MAC and protocol.
 *
 * poll() reports POLLOUT while the slot at the head is TP_STATUS_AVAILABLE
 * (packet_poll()), but also, as for any datagram socket, whenever the send
 * buffer has room (datagram_poll(), sock_writeable()): with a default
 * SO_SNDBUF that is nearly always, whatever the ring holds. Each frame in
 * flight charges the send buffer with its bytes plus an skb; when
 * sock_alloc_send_skb() finds no room, a MSG_DONTWAIT send stops there and
 * returns the bytes sent so far, the slot left TP_STATUS_SEND_REQUEST.
 *
 * V3 has no transmit blocks: a V3 TX ring is an array of frames with
 * struct tpacket3_hdr. packet_set_ring() takes a tpacket_req3 but refuses
 * the RX-only fields (tp_retire_blk_tov, tp_sizeof_priv,
 * tp_feature_req_word) with EINVAL, and tpacket_parse_header() refuses a
 * frame with tp_next_offset != 0 ("variable sized slot not supported").
 *
 * Every frame goes out of psk0 and is checked byte for byte on psk1 (the
 * "sink", a SOCK_RAW ETH_P_ALL socket). Frames that must not be sent are
 * checked by sending a marker afterwards: the marker must be the very next
 * tagged frame.
 *
 * A qdisc that holds frames (tbf on psk0, rate limited) makes the in-flight
 * state visible: veth has no queue of its own, so without it every frame is
 * complete before send() returns. The frames a case looks at in flight are
 * held until the case releases them, not for a time it must beat.
 *
 * Test cases (<type> = raw / dgram, <v> = v1 / v2 / v3):
 *   tx_ring.<type>_<v>.frames_arrive_in_ring_order_over_laps
 *   tx_ring.<type>_<v>.tx_has_off_offset_honoured_and_bounded
 *   tx_walk.<v>.sends_from_head_to_first_unrequested_slot
 *   tx_walk.<v>.blocking_waits_dontwait_returns_while_sending
 *   tx_single.pollout_follows_head_slot_when_send_buffer_full
 *   tx_single.slot_reused_quickly_both_frames_intact
 *   tx_v3.req3_rx_only_fields_einval
 *   tx_v3.next_offset_nonzero_wrong_format
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/sockios.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

#define WAIT_MS 1000

static const uint8_t mac0[6] = NETNS_MAC0;
static const uint8_t mac1[6] = NETNS_MAC1;
/* A destination only the sockaddr_ll names (DGRAM): psk1 sees it as OTHERHOST. */
static const uint8_t mac_dgram[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x42 };

/* ---- shared steps ----------------------------------------------------- */

struct txf {
	uint8_t wire[2048];	/* the frame as it must arrive on psk1 */
	size_t len;
};

/* The frame with this seq and payload length, psk0 -> dst. */
static void txf_build(struct txf *f, const uint8_t *dst, uint32_t seq, size_t payload)
{
	struct frame_spec spec = {
		.dst = dst, .src = mac0, .seq = seq, .payload_len = payload,
	};

	f->len = frame_build(f->wire, sizeof(f->wire), &spec);
}

/* Read the next tagged frame on the sink; it must be seq, byte for byte f. */
static void expect_frame(struct __test_metadata *_metadata, int sink,
			 const struct txf *f, uint32_t want_seq)
{
	uint8_t buf[4096];
	uint32_t seq = ~0u;
	ssize_t n = tx_sink_next(sink, buf, sizeof(buf), ETH_HLEN, &seq, NULL, WAIT_MS);

	ASSERT_LT(0, n) TH_LOG("frame %u did not arrive on psk1: %s", want_seq,
			       n ? strerror(errno) : "timeout");
	ASSERT_EQ(want_seq, seq) TH_LOG("frames out of order");
	ASSERT_EQ(f->len, (size_t)n);
	ASSERT_EQ(0, memcmp(f->wire, buf, f->len)) TH_LOG("frame %u differs", want_seq);
}

/* ---- sending, for each version and socket type ------------------------ */

FIXTURE(tx_ring) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct sockaddr_ll to;	/* DGRAM: where sendto() sends */
};

FIXTURE_VARIANT(tx_ring) {
	int type;
	int version;
};

FIXTURE_VARIANT_ADD(tx_ring, raw_v1) { .type = SOCK_RAW, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_ring, raw_v2) { .type = SOCK_RAW, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_ring, raw_v3) { .type = SOCK_RAW, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(tx_ring, dgram_v1) { .type = SOCK_DGRAM, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_ring, dgram_v2) { .type = SOCK_DGRAM, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_ring, dgram_v3) { .type = SOCK_DGRAM, .version = TPACKET_V3 };

FIXTURE_SETUP(tx_ring)
{
	memset(&self->ring, 0, sizeof(self->ring));
	TX_ENDS_SETUP(return, self, variant->type, variant->version);
	self->to = tx_addr(self->topo.ifindex0, ETH_P_PSOCK, mac_dgram);
}

FIXTURE_TEARDOWN(tx_ring)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	TX_ENDS_TEARDOWN(self);
}

static void open_tx_ring(struct __test_metadata *_metadata, int fd, struct ring *r,
			 const struct ring_geometry *geo)
{
	ASSERT_EQ(0, ring_open(r, fd, PACKET_TX_RING, geo))
		TH_LOG("PACKET_TX_RING: %s", strerror(errno));
}

/* The destination a frame of this variant is built for. */
static const uint8_t *variant_dst(int type)
{
	return type == SOCK_DGRAM ? mac_dgram : mac1;
}

/* What goes into the slot: the whole frame (RAW) or what follows the link header. */
static const uint8_t *slot_bytes(int type, const struct txf *f, size_t *len)
{
	size_t hdr = type == SOCK_DGRAM ? ETH_HLEN : 0;

	*len = f->len - hdr;
	return f->wire + hdr;
}

/* send() for SOCK_RAW (bound socket), sendto(sll, no data) for SOCK_DGRAM. */
static ssize_t ring_send(struct _test_data_tx_ring *self, int type, int flags)
{
	if (type == SOCK_DGRAM)
		return sendto(self->fd, NULL, 0, flags, (struct sockaddr *)&self->to,
			      sizeof(self->to));
	return send(self->fd, NULL, 0, flags);
}

/*
 * Batches of 5 frames of different lengths, 20 frames through 8 slots (2.5
 * laps): each blocking send returns the sum of the batch's tp_len, leaves
 * every slot it sent TP_STATUS_AVAILABLE, and the frames arrive in slot
 * order, byte for byte. DGRAM: the link header is the sockaddr_ll's
 * destination and protocol with psk0's MAC as source. Without
 * PACKET_TX_HAS_OFF, tp_mac and tp_net are not read (set to junk here): the
 * data is taken from TPACKET_ALIGN(sizeof(header)).
 */
TEST_F(tx_ring, frames_arrive_in_ring_order_over_laps)
{
	struct ring *r = &self->ring;
	struct txf f[5];
	uint32_t seq = 0;

	open_tx_ring(_metadata, self->fd, r, &ring_small);
	for (int batch = 0; batch < 4; batch++) {
		ssize_t sum = 0, ret;
		unsigned int first = seq;

		for (int j = 0; j < 5; j++, seq++) {
			const uint8_t *b;
			size_t len;

			txf_build(&f[j], variant_dst(variant->type), seq, 50 + 37 * seq);
			b = slot_bytes(variant->type, &f[j], &len);
			/* Not read without PACKET_TX_HAS_OFF. */
			tx_set_offsets(r, ring_frame(r, seq % r->frame_nr), 300, 300);
			tx_put(r, seq % r->frame_nr, 0, b, len);
			sum += len;
		}
		ret = ring_send(self, variant->type, 0);
		ASSERT_EQ(sum, ret) TH_LOG("send: %s", strerror(errno));
		for (unsigned int s = first; s < seq; s++) {
			EXPECT_EQ(TP_STATUS_AVAILABLE,
				  tx_status(r, ring_frame(r, s % r->frame_nr)))
				TH_LOG("slot of frame %u", s);
		}
		for (int j = 0; j < 5; j++)
			expect_frame(_metadata, self->sink, &f[j], first + j);
	}
}

/*
 * With PACKET_TX_HAS_OFF the data starts where the frame header says: tp_mac
 * for SOCK_RAW, tp_net for SOCK_DGRAM (tpacket_parse_header()); junk at the
 * default offset is not sent. An offset inside the frame header (below
 * tp_hdrlen - sizeof(sockaddr_ll), 0 included) or so far on that tp_len
 * bytes overrun the slot (above tp_frame_size - tp_len) is refused: send()
 * fails with EINVAL, the slot is TP_STATUS_WRONG_FORMAT and the head stays
 * on it; fixed and requested again, it is the first frame sent.
 */
TEST_F(tx_ring, tx_has_off_offset_honoured_and_bounded)
{
	unsigned int on = 1;
	struct ring *r = &self->ring;
	size_t def = tx_data_offset(variant->version), off = def + 72, len, len1;
	uint16_t bad[3];
	const uint8_t *b;
	struct txf f, f1;
	uint8_t *slot;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TX_HAS_OFF, &on, sizeof(on)));
	open_tx_ring(_metadata, self->fd, r, &ring_small);
	txf_build(&f, variant_dst(variant->type), 7, 200);
	b = slot_bytes(variant->type, &f, &len);
	slot = ring_frame(r, 0);
	memset(slot + def, 0xee, off - def);
	/* tp_mac for RAW, tp_net for DGRAM; the other one points at the junk. */
	if (variant->type == SOCK_RAW)
		tx_set_offsets(r, slot, off, def);
	else
		tx_set_offsets(r, slot, def, off);
	tx_put(r, 0, off, b, len);
	ASSERT_EQ((ssize_t)len, ring_send(self, variant->type, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, slot));
	expect_frame(_metadata, self->sink, &f, 7);

	txf_build(&f1, variant_dst(variant->type), 8, 100);
	b = slot_bytes(variant->type, &f1, &len1);
	slot = tx_put(r, 1, 0, b, len1);
	bad[0] = 0;
	bad[1] = def - 8;
	bad[2] = r->geo.frame_size - len1 + 1;
	for (int i = 0; i < 3; i++) {
		tx_set_offsets(r, slot, bad[i], bad[i]);
		tx_set_status(r, slot, TP_STATUS_SEND_REQUEST);
		EXPECT_EQ(-1, ring_send(self, variant->type, 0)) TH_LOG("offset %u", bad[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, slot));
	}
	tx_set_offsets(r, slot, def, def);
	tx_set_status(r, slot, TP_STATUS_SEND_REQUEST);
	ASSERT_EQ((ssize_t)len1, ring_send(self, variant->type, 0)) TH_LOG("%s", strerror(errno));
	expect_frame(_metadata, self->sink, &f1, 8);
}

/* ---- walking the ring, for each version (SOCK_RAW) -------------------- */

FIXTURE(tx_walk) {
	struct netns_topo topo;
	int fd, sink;
	int plain;		/* psk0, no ring: drains and kicks the qdisc */
	struct ring ring;
};

FIXTURE_VARIANT(tx_walk) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_walk, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_walk, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_walk, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(tx_walk)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->plain = -1;
	TX_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
}

FIXTURE_TEARDOWN(tx_walk)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	TX_EXPECT_CLOSE_ALL(self->fd, self->sink, self->plain);
	netns_teardown(&self->topo);
}

/* Put frame seq (payload bytes) into slot i, built in f. */
static void put_frame(struct ring *r, unsigned int i, struct txf *f, uint32_t seq, size_t payload)
{
	txf_build(f, mac1, seq, payload);
	tx_put(r, i, 0, f->wire, f->len);
}

/*
 * The kernel starts at its head (slot 0 of a fresh ring) and stops at the
 * first slot not TP_STATUS_SEND_REQUEST. An empty ring sends nothing:
 * send() returns 0, blocking or not. A request in slot 1 behind an
 * AVAILABLE slot 0 is not sent either (0, the slot stays
 * TP_STATUS_SEND_REQUEST). Once slot 0 is requested too, one send() sends
 * both, slot 0 first, and returns the sum; they are the first frames on psk1.
 */
TEST_F(tx_walk, sends_from_head_to_first_unrequested_slot)
{
	struct ring *r = &self->ring;
	struct txf f0, f1;

	open_tx_ring(_metadata, self->fd, r, &ring_small);
	EXPECT_EQ(0, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(0, send(self->fd, NULL, 0, MSG_DONTWAIT));

	put_frame(r, 1, &f1, 1, 111);
	EXPECT_EQ(0, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 1)));

	put_frame(r, 0, &f0, 0, 222);
	EXPECT_EQ((ssize_t)(f0.len + f1.len), send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 1)));
	expect_frame(_metadata, self->sink, &f0, 0);
	expect_frame(_metadata, self->sink, &f1, 1);
}

/*
 * Frames held in psk0's qdisc make the in-flight state visible: a token
 * bucket (tbf, the qdisc kernel configs build most often: netem and plug
 * are often left out; a kernel without tbf SKIPs these cases) with a burst of
 * 1100 bytes, so a full bucket lets exactly one 1000-byte frame through and
 * the next waits for its tokens (tbf_dequeue()). Two rates:
 *  - flowing, 250 kbit/s (divided by PSOCK_TIMEOUT_SCALE): a frame every
 *    32 ms, for a blocking send() that must wait for the qdisc;
 *  - holding, 100 bit/s: once one frame has used the bucket, the next one
 *    is held for more than 70 s, far longer than the case runs. What is
 *    seen in flight then does not depend on how fast the test runs.
 * tbf_change() refills the bucket but does not run the queue: frames held
 * are released by switching to the flowing rate and sending one more frame
 * (a "kick") behind them, from a plain socket on psk0.
 */
#define HELD_PAYLOAD 986	/* + 14-byte Ethernet header */
#define TBF_ARGS "root tbf rate %s burst 1100 limit 20000"
#define TBF_HOLD "100bit"

/* The flowing rate: slower (emulated) machines get a slower bucket. */
static const char *tbf_flow_rate(void)
{
	static char rate[32];
	int scale = netns_timeout_scale();

	snprintf(rate, sizeof(rate), "%dkbit", scale < 250 ? 250 / scale : 1);
	return rate;
}

/* tbf on psk0 at rate; false when the case was SKIPped (no tbf). */
static bool hold_frames(struct __test_metadata *_metadata, const char *rate)
{
	char why[256];
	int ret;

	ret = tx_tc(why, sizeof(why), "qdisc add dev psk0 " TBF_ARGS, rate);
	if (ret && tx_tc_missing(why))
		SKIP(return false, "no tbf qdisc (CONFIG_NET_SCH_TBF) or no tc: %s", why);
	ASSERT_EQ(0, ret) TH_LOG("tc: %s", why);
	return true;
}

/* Change the tbf's rate; the bucket is full again (tbf_change()). */
static void tbf_set_rate(struct __test_metadata *_metadata, const char *rate)
{
	char why[256];

	ASSERT_EQ(0, tx_tc(why, sizeof(why), "qdisc change dev psk0 " TBF_ARGS, rate))
		TH_LOG("tc: %s", why);
}

/* A plain send() of f on fd (a socket bound to psk0, no ring). */
static void send_plain(struct __test_metadata *_metadata, int fd, const struct txf *f)
{
	ASSERT_EQ((ssize_t)f->len, send(fd, f->wire, f->len, 0))
		TH_LOG("send: %s", strerror(errno));
}

/*
 * Release the frames held by the tbf: the flowing rate, then kick (frame
 * seq from plain), which leaves after them.
 */
static void release_frames(struct __test_metadata *_metadata, int plain, struct txf *kick,
			   uint32_t seq)
{
	tbf_set_rate(_metadata, tbf_flow_rate());
	txf_build(kick, mac1, seq, HELD_PAYLOAD);
	send_plain(_metadata, plain, kick);
}

/*
 * A blocking send() on fd gives up after WAIT_MS (scaled) with ETIMEDOUT
 * (SO_SNDTIMEO; tpacket_snd() waits for completion at most that long), so a
 * send that waits for frames held in the qdisc fails instead of hanging.
 */
static void bound_blocking_send(struct __test_metadata *_metadata, int fd)
{
	int ms = psock_timeout_ms(WAIT_MS);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		TH_LOG("SO_SNDTIMEO: %s", strerror(errno));
}

/* poll() now: is POLLOUT set? */
static bool pollout_now(struct __test_metadata *_metadata, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int n = poll(&pfd, 1, 0);

	ASSERT_LE(0, n) TH_LOG("poll: %s", strerror(errno));
	return n == 1 && (pfd.revents & POLLOUT);
}

/* One page, two 2048-byte slots. */
static const struct ring_geometry two_slots = {
	.block_size = 4096, .block_nr = 1, .frame_size = 2048,
};

/*
 * With frames held in the qdisc, in a two-slot ring:
 *  - a blocking send() returns only when the kernel is done with every slot
 *    (tbf flowing: the second frame waits about 29 ms for its tokens): at
 *    return both are TP_STATUS_AVAILABLE;
 *  - MSG_DONTWAIT returns at once with the sum of the bytes, the frames
 *    still TP_STATUS_SENDING in the qdisc (tbf holding, its bucket used up
 *    by a frame from a plain socket), and each slot turns
 *    TP_STATUS_AVAILABLE once the frames are released and leave;
 *  - poll() says POLLOUT although the head slot is TP_STATUS_SENDING:
 *    datagram_poll() reports it whenever the send buffer has room
 *    (sock_writeable()); packet_poll() only adds POLLOUT for an AVAILABLE
 *    head slot, it never takes it away.
 * All frames arrive in order, intact: 0, 1, the drain, 3, 4, the kick.
 */
TEST_F(tx_walk, blocking_waits_dontwait_returns_while_sending)
{
	struct ring *r = &self->ring;
	struct txf f[6];

	if (!hold_frames(_metadata, tbf_flow_rate()))
		return;
	self->plain = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->plain) TH_LOG("plain socket: %s", strerror(errno));
	bound_blocking_send(_metadata, self->fd);
	open_tx_ring(_metadata, self->fd, r, &two_slots);
	put_frame(r, 0, &f[0], 0, HELD_PAYLOAD);
	put_frame(r, 1, &f[1], 1, HELD_PAYLOAD);
	ASSERT_EQ((ssize_t)(2 * f[0].len), send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 1)));

	/* Holding; one frame uses up the refilled bucket and arrives. */
	tbf_set_rate(_metadata, TBF_HOLD);
	txf_build(&f[2], mac1, 2, HELD_PAYLOAD);
	send_plain(_metadata, self->plain, &f[2]);
	for (unsigned int i = 0; i < 3; i++)
		expect_frame(_metadata, self->sink, &f[i], i);

	put_frame(r, 0, &f[3], 3, HELD_PAYLOAD);
	put_frame(r, 1, &f[4], 4, HELD_PAYLOAD);
	ASSERT_EQ((ssize_t)(2 * f[0].len), send(self->fd, NULL, 0, MSG_DONTWAIT));
	/* The head is back on slot 0, in flight like slot 1, yet POLLOUT. */
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 1)));
	EXPECT_TRUE(pollout_now(_metadata, self->fd));

	release_frames(_metadata, self->plain, &f[5], 5);
	ASSERT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, WAIT_MS));
	ASSERT_TRUE(tx_wait_status(r, ring_frame(r, 1), TP_STATUS_AVAILABLE, WAIT_MS));
	for (unsigned int i = 3; i < 6; i++)
		expect_frame(_metadata, self->sink, &f[i], i);
}

/* ---- version-independent behaviour (TPACKET_V2, SOCK_RAW) ------------- */

FIXTURE(tx_single) {
	struct netns_topo topo;
	int fd, sink;
	int plain;		/* psk0, no ring: kicks the qdisc */
	struct ring ring;
};

FIXTURE_SETUP(tx_single)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->plain = -1;
	TX_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V2);
}

FIXTURE_TEARDOWN(tx_single)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	TX_EXPECT_CLOSE_ALL(self->fd, self->sink, self->plain);
	netns_teardown(&self->topo);
}

/* SIOCOUTQ: the bytes the socket's in-flight skbs charge to its send buffer. */
static int outq(struct __test_metadata *_metadata, int fd)
{
	int v = -1;

	ASSERT_EQ(0, ioctl(fd, SIOCOUTQ, &v)) TH_LOG("SIOCOUTQ: %s", strerror(errno));
	return v;
}

/* Two pages of two 2048-byte slots: four slots. */
static const struct ring_geometry four_slots = {
	.block_size = 4096, .block_nr = 2, .frame_size = 2048,
};

/*
 * The ring's own POLLOUT rule shows once the send buffer is full. SO_SNDBUF
 * at its minimum (SOCK_MIN_SNDBUF) and frames held in the qdisc (tbf
 * holding; frame 0 uses up its bucket), four slots:
 *  - two frames in flight fill the buffer (SIOCOUTQ >= SO_SNDBUF / 2, so
 *    sock_writeable() is false) yet poll() says POLLOUT: the head, slot 3,
 *    is TP_STATUS_AVAILABLE (packet_poll());
 *  - slots 3 and 0 requested with MSG_DONTWAIT: slot 3 is sent, then
 *    sock_alloc_send_skb() finds no room; the call returns the bytes sent so
 *    far (one frame) and slot 0 stays TP_STATUS_SEND_REQUEST, the head on it;
 *  - now neither the buffer nor the head slot gives POLLOUT;
 *  - the frames released, POLLOUT comes back when enough of them left to
 *    make the buffer writeable again, slot 0 still waiting; a blocking
 *    send() sends it.
 * All frames arrive in order: 0 to 3, the kick, then 4.
 */
TEST_F(tx_single, pollout_follows_head_slot_when_send_buffer_full)
{
	struct ring *r = &self->ring;
	struct txf f[5], kick;
	int small = 1, sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl));
	if (!hold_frames(_metadata, TBF_HOLD))
		return;
	self->plain = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->plain) TH_LOG("plain socket: %s", strerror(errno));
	bound_blocking_send(_metadata, self->fd);
	open_tx_ring(_metadata, self->fd, r, &four_slots);
	put_frame(r, 0, &f[0], 0, HELD_PAYLOAD);
	ASSERT_EQ((ssize_t)f[0].len, send(self->fd, NULL, 0, 0));	/* uses up the bucket */

	put_frame(r, 1, &f[1], 1, HELD_PAYLOAD);
	put_frame(r, 2, &f[2], 2, HELD_PAYLOAD);
	ASSERT_EQ((ssize_t)(2 * f[0].len), send(self->fd, NULL, 0, MSG_DONTWAIT));
	ASSERT_LE(sndbuf / 2, outq(_metadata, self->fd))
		TH_LOG("two frames in flight do not fill SO_SNDBUF %d", sndbuf);
	EXPECT_TRUE(pollout_now(_metadata, self->fd))
		TH_LOG("no POLLOUT with the head slot AVAILABLE");

	put_frame(r, 3, &f[3], 3, HELD_PAYLOAD);
	put_frame(r, 0, &f[4], 4, HELD_PAYLOAD);
	EXPECT_EQ((ssize_t)f[3].len, send(self->fd, NULL, 0, MSG_DONTWAIT));
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 3)));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 0)));
	EXPECT_FALSE(pollout_now(_metadata, self->fd))
		TH_LOG("POLLOUT with a full buffer, head slot %#x", tx_status(r, ring_frame(r, 0)));

	release_frames(_metadata, self->plain, &kick, 5);
	ASSERT_EQ(1, psock_wait(self->fd, POLLOUT, WAIT_MS));
	EXPECT_GT(sndbuf / 2, outq(_metadata, self->fd));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 1)));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 2)));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ((ssize_t)f[4].len, send(self->fd, NULL, 0, 0));
	for (unsigned int i = 0; i < 4; i++)
		expect_frame(_metadata, self->sink, &f[i], i);
	expect_frame(_metadata, self->sink, &kick, 5);
	expect_frame(_metadata, self->sink, &f[4], 4);
}

/* One slot: every frame goes through the same memory. */
static const struct ring_geometry one_slot = {
	.block_size = 4096, .block_nr = 1, .frame_size = 4096,
};

/*
 * The txring_overwrite regression: two frames sent one after the other
 * through the same slot, the second written as soon as the slot is
 * TP_STATUS_AVAILABLE, while the first still sits unread on psk1. Each
 * arrives with its own content: the first skb does not keep pointing into
 * the ring.
 */
TEST_F(tx_single, slot_reused_quickly_both_frames_intact)
{
	struct ring *r = &self->ring;
	struct txf a, b;

	open_tx_ring(_metadata, self->fd, r, &one_slot);
	put_frame(r, 0, &a, 1, 1400);
	ASSERT_EQ((ssize_t)a.len, send(self->fd, NULL, 0, 0));
	/* A blocking send() returns once the kernel is done with the slot. */
	ASSERT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 0)));
	put_frame(r, 0, &b, 2, 700);
	ASSERT_EQ((ssize_t)b.len, send(self->fd, NULL, 0, 0));
	expect_frame(_metadata, self->sink, &a, 1);
	expect_frame(_metadata, self->sink, &b, 2);
}

/* ---- V3 specifics ----------------------------------------------------- */

FIXTURE(tx_v3) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_SETUP(tx_v3)
{
	memset(&self->ring, 0, sizeof(self->ring));
	TX_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V3);
}

FIXTURE_TEARDOWN(tx_v3)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	TX_ENDS_TEARDOWN(self);
}

/*
 * packet_set_ring(): a V3 TX ring takes a tpacket_req3, but
 * tp_retire_blk_tov, tp_sizeof_priv or tp_feature_req_word non-zero give
 * EINVAL and leave no ring; with them zero the same request succeeds.
 */
TEST_F(tx_v3, req3_rx_only_fields_einval)
{
	struct ring_geometry g = ring_small;

	g.retire_blk_tov = 10;
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &g));
	EXPECT_EQ(EINVAL, errno);
	g = ring_small;
	g.sizeof_priv = 64;
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &g));
	EXPECT_EQ(EINVAL, errno);
	g = ring_small;
	g.feature_req_word = TP_FT_REQ_FILL_RXHASH;
	EXPECT_EQ(-1, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &g));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ring_request(self->fd, PACKET_TX_RING, TPACKET_V3, &ring_small))
		TH_LOG("plain tpacket_req3: %s", strerror(errno));
}

/*
 * tpacket_parse_header(): a V3 slot with tp_next_offset != 0 is refused
 * (EINVAL, TP_STATUS_WRONG_FORMAT); with 0 the same slot is sent.
 */
TEST_F(tx_v3, next_offset_nonzero_wrong_format)
{
	struct ring *r = &self->ring;
	struct txf f;
	struct tpacket3_hdr *h;

	open_tx_ring(_metadata, self->fd, r, &ring_small);
	txf_build(&f, mac1, 5, 100);
	h = tx_put(r, 0, 0, f.wire, f.len);
	h->tp_next_offset = 2048;
	EXPECT_EQ(-1, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(r, h));
	h->tp_next_offset = 0;
	tx_set_status(r, h, TP_STATUS_SEND_REQUEST);
	EXPECT_EQ((ssize_t)f.len, send(self->fd, NULL, 0, 0));
	expect_frame(_metadata, self->sink, &f, 5);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Frames of a transmit ring (PACKET_TX_RING) in flight: when send() returns,
 * what the slots say meanwhile, and when poll() reports POLLOUT.
 *
 * tpacket_snd() in net/packet/af_packet.c marks each slot it turns into an
 * skb TP_STATUS_SENDING and sets it TP_STATUS_AVAILABLE when the kernel is
 * done with it: from the skb's destructor (tpacket_destruct_skb(), 6.1) or,
 * where the ring pages are a zero-copy ubuf_info, once they are released or
 * copied (tpacket_ubuf_complete(), 6.12.y; tx_ring.c's tx_netem cases show
 * where the two differ). A blocking send
 * waits for all of its frames to complete (wait_for_completion on
 * skb_completion while packet_read_pending() is non-zero); with MSG_DONTWAIT
 * it returns as soon as they are queued, the slots still SENDING. The return
 * value is the sum of the tp_len of the frames sent. The blocking wait lasts
 * at most SO_SNDTIMEO: then send() fails with ETIMEDOUT, the slots still
 * SENDING. Closing the socket while frames are held frees the ring only once
 * they are gone (packet_free_tx_ring(), packet_free_pg_vec_work() on 6.12.y):
 * they still arrive intact.
 *
 * A plain send() (no ring, packet_snd()) is held the same way: its skb
 * comes from sock_alloc_send_pskb() (packet_alloc_skb()), which finds room
 * while SIOCOUTQ is below SO_SNDBUF; without room MSG_DONTWAIT fails with
 * EAGAIN and a blocking send sleeps until frames leave (plain_sndbuf).
 *
 * poll() reports POLLOUT while the slot at the head is TP_STATUS_AVAILABLE
 * (packet_poll()), but also, as for any datagram socket, whenever the send
 * buffer has room (datagram_poll(), sock_writeable()): with a default
 * SO_SNDBUF that is nearly always, whatever the ring holds. Each frame in
 * flight charges the send buffer with its bytes plus an skb; when
 * sock_alloc_send_skb() finds no room, a MSG_DONTWAIT send stops there and
 * returns the bytes sent so far, the slot left TP_STATUS_SEND_REQUEST.
 *
 * A qdisc that holds frames (tbf on psk0, rate limited) makes the in-flight
 * state visible: veth has no queue of its own, so without it every frame is
 * complete before send() returns. The frames a case looks at in flight are
 * held until the case releases them, not for a time it must beat. Every
 * frame goes out of psk0 and is checked byte for byte on psk1 (the "sink").
 *
 * Test cases (<v> = v1 / v2 / v3):
 *   tx_held.<v>.blocking_send_returns_when_slots_available
 *   tx_held.<v>.dontwait_send_returns_with_slots_sending
 *   tx_held.<v>.held_slots_available_once_frames_leave
 *   tx_held.<v>.held_frames_arrive_in_order_intact
 *   tx_held.<v>.pollout_while_head_slot_sending
 *   tx_held.<v>.blocking_send_times_out_slots_sending
 *   tx_held.<v>.close_with_frames_held_frames_arrive_intact
 *   tx_sndbuf.pollout_follows_head_slot_when_send_buffer_full
 *   tx_sndbuf.dontwait_send_out_of_buffer_returns_bytes_so_far
 *   tx_sndbuf.pollout_back_once_send_buffer_drains
 *   tx_sndbuf.slot_left_requested_sent_by_next_send
 *   plain_sndbuf.dontwait_send_out_of_buffer_eagain
 *   plain_sndbuf.blocking_send_sleeps_until_buffer_drains
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"
#include "waiter.h"

/*
 * Frames held in psk0's qdisc: a token bucket (tbf, the qdisc kernel
 * configs build most often: netem and plug are often left out; a kernel
 * without tbf SKIPs these cases) with a burst of 1100 bytes, so a full
 * bucket lets exactly one 1000-byte frame through and the next waits for
 * its tokens (tbf_dequeue()). Two rates:
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

/* plain_sndbuf: frame 0, at most 6 held frames, and the one a blocking send waits with */
#define PLAIN_FRAMES 8

/* The flowing rate: slower (emulated) machines get a slower bucket. */
static const char *tbf_flow_rate(void)
{
	static char rate[32];
	int scale = netns_timeout_scale();

	snprintf(rate, sizeof(rate), "%dkbit", scale < 250 ? 250 / scale : 1);
	return rate;
}

/* tbf on psk0 at rate, *tbf set; false when the case was SKIPped (no tbf). */
static bool hold_frames(struct __test_metadata *_metadata, bool *tbf, const char *rate)
{
	char why[256];
	int ret;

	ret = tx_tc(why, sizeof(why), "qdisc add dev psk0 " TBF_ARGS, rate);
	if (ret && tx_tc_missing(why))
		SKIP(return false, "no tbf qdisc (CONFIG_NET_SCH_TBF) or no tc: %s", why);
	ASSERT_EQ(0, ret) TH_LOG("tc: %s", why);
	*tbf = true;
	return true;
}

/*
 * FIXTURE_TEARDOWN step: delete the tbf (if the case added one) before the
 * sockets close, so frames still held are freed while their ring exists.
 */
static void drop_held_frames(struct __test_metadata *_metadata, bool tbf)
{
	char why[256] = "";

	if (tbf && tx_tc(why, sizeof(why), "qdisc del dev psk0 root"))
		EXPECT_STREQ("", why);
}

/* Change the tbf's rate; the bucket is full again (tbf_change()). */
static void tbf_set_rate(struct __test_metadata *_metadata, const char *rate)
{
	char why[256];

	ASSERT_EQ(0, tx_tc(why, sizeof(why), "qdisc change dev psk0 " TBF_ARGS, rate))
		TH_LOG("tc: %s", why);
}

/* Frame seq of HELD_PAYLOAD bytes built in f and sent with send() from plain (no ring). */
static void send_plain(struct __test_metadata *_metadata, int plain, struct tx_frame *f,
		       uint32_t seq)
{
	TX_FRAME(f, .seq = seq, .payload_len = HELD_PAYLOAD);
	ASSERT_EQ((ssize_t)f->len, send(plain, f->wire, f->len, 0))
		TH_LOG("send: %s", strerror(errno));
}

/* Release the frames held by the tbf: the flowing rate, then kick (frame seq from plain). */
static void release_frames(struct __test_metadata *_metadata, int plain, struct tx_frame *kick,
			   uint32_t seq)
{
	tbf_set_rate(_metadata, tbf_flow_rate());
	send_plain(_metadata, plain, kick, seq);
}

/* Frame seq of HELD_PAYLOAD bytes built in f and requested in slot i. */
static void put_held(struct __test_metadata *_metadata, struct ring *r, unsigned int i,
		     struct tx_frame *f, uint32_t seq)
{
	TX_FRAME(f, .seq = seq, .payload_len = HELD_PAYLOAD);
	tx_put(r, i, 0, f->wire, f->len);
}

/* poll() now: is POLLOUT set? */
static bool pollout_now(struct __test_metadata *_metadata, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int n = poll(&pfd, 1, 0);

	ASSERT_LE(0, n) TH_LOG("poll: %s", strerror(errno));
	return n == 1 && (pfd.revents & POLLOUT);
}

/*
 * The FIXTURE_SETUP of both fixtures: the TX ends (SOCK_RAW, version), a
 * plain socket on psk0 and, since a blocking send() may wait for frames the
 * qdisc holds, SO_SNDTIMEO of PSOCK_WAIT_MS (scaled) on the ring's socket:
 * tpacket_snd() waits for completion at most that long and fails with
 * ETIMEDOUT instead of hanging. statement runs after a SKIP (return).
 */
#define HELD_SETUP(statement, self, version) do {			\
	int ms_ = psock_timeout_ms(PSOCK_WAIT_MS);					\
	struct timeval tv_ = { .tv_sec = ms_ / 1000, .tv_usec = (ms_ % 1000) * 1000 };	\
										\
	(self)->plain = -1;							\
	(self)->tbf = false;							\
	TX_RING_ENDS_SETUP(statement, self, SOCK_RAW, (version));			\
	(self)->plain = tx_socket(SOCK_RAW, 0, (self)->topo.ifindex0);		\
	ASSERT_LE(0, (self)->plain) TH_LOG("plain socket: %s", strerror(errno));	\
	ASSERT_EQ(0, setsockopt((self)->fd, SOL_SOCKET, SO_SNDTIMEO, &tv_, sizeof(tv_)))	\
		TH_LOG("SO_SNDTIMEO: %s", strerror(errno));			\
} while (0)

/* ---- frames held in the qdisc, for each version ------------------------ */

FIXTURE(tx_held) {
	struct netns_topo topo;
	int fd, sink;
	int plain;		/* psk0, no ring: uses up the bucket, kicks the qdisc */
	bool tbf;		/* the case added the tbf */
	struct ring ring;
	struct tx_frame f[4];	/* 0: the plain frame, 1 and 2 in slots 0 and 1, 3: the kick */
};

FIXTURE_VARIANT(tx_held) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_held, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_held, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_held, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(tx_held)
{
	HELD_SETUP(return, self, variant->version);
}

FIXTURE_TEARDOWN(tx_held)
{
	drop_held_frames(_metadata, self->tbf);
	TX_RING_ENDS_TEARDOWN(self, self->plain);
}

/* One page, two 2048-byte slots. */
static const struct ring_geometry two_slots = {
	.block_size = 4096, .block_nr = 1, .frame_size = 2048,
};

/*
 * tbf holding, its bucket used up by frame 0 from the plain socket (which
 * arrives), then frames 1 and 2 in slots 0 and 1 sent with MSG_DONTWAIT:
 * what that send() returned, or -2 when the case SKIPped (no tbf).
 */
static ssize_t send_held(struct __test_metadata *_metadata, struct _test_data_tx_held *self)
{
	ssize_t ret;

	if (!hold_frames(_metadata, &self->tbf, TBF_HOLD))
		return -2;
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &two_slots);
	send_plain(_metadata, self->plain, &self->f[0], 0);
	ASSERT_SINK_FRAME(self->sink, &self->f[0], 0, PSOCK_WAIT_MS);
	put_held(_metadata, &self->ring, 0, &self->f[1], 1);
	put_held(_metadata, &self->ring, 1, &self->f[2], 2);
	ret = send(self->fd, NULL, 0, MSG_DONTWAIT);
	if (ret < 0)
		TH_LOG("MSG_DONTWAIT send: %s", strerror(errno));
	return ret;
}

/* send_held(), the send having returned the sum of both frames; false when SKIPped. */
static bool held(struct __test_metadata *_metadata, struct _test_data_tx_held *self)
{
	ssize_t ret = send_held(_metadata, self);

	if (ret == -2)
		return false;
	ASSERT_EQ((ssize_t)(2 * self->f[1].len), ret);
	return true;
}

/*
 * tbf flowing, two frames: the second waits about 32 ms for its tokens, and
 * a blocking send() returns only when the kernel is done with both slots:
 * at return both are TP_STATUS_AVAILABLE.
 */
TEST_F(tx_held, blocking_send_returns_when_slots_available)
{
	struct ring *r = &self->ring;

	if (!hold_frames(_metadata, &self->tbf, tbf_flow_rate()))
		return;
	ASSERT_TX_RING_OPEN(r, self->fd, &two_slots);
	put_held(_metadata, r, 0, &self->f[1], 1);
	put_held(_metadata, r, 1, &self->f[2], 2);
	ASSERT_EQ((ssize_t)(2 * self->f[1].len), send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 1)));
}

/*
 * With the frames held in the qdisc, MSG_DONTWAIT returns at once with the
 * sum of their bytes, both slots still TP_STATUS_SENDING.
 */
TEST_F(tx_held, dontwait_send_returns_with_slots_sending)
{
	struct ring *r = &self->ring;
	ssize_t ret = send_held(_metadata, self);

	if (ret == -2)
		return;
	EXPECT_EQ((ssize_t)(2 * self->f[1].len), ret);
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 1)));
}

/* Once the held frames are released and leave, each slot turns TP_STATUS_AVAILABLE. */
TEST_F(tx_held, held_slots_available_once_frames_leave)
{
	struct ring *r = &self->ring;

	if (!held(_metadata, self))
		return;
	release_frames(_metadata, self->plain, &self->f[3], 3);
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 0), TP_STATUS_AVAILABLE, PSOCK_WAIT_MS))
		TH_LOG("slot 0: %#x", tx_status(r, ring_frame(r, 0)));
	EXPECT_TRUE(tx_wait_status(r, ring_frame(r, 1), TP_STATUS_AVAILABLE, PSOCK_WAIT_MS))
		TH_LOG("slot 1: %#x", tx_status(r, ring_frame(r, 1)));
}

/*
 * Released, the held frames arrive in ring order, byte for byte, before the
 * kick sent behind them: holding the skbs did not change the slots' bytes.
 */
TEST_F(tx_held, held_frames_arrive_in_order_intact)
{
	if (!held(_metadata, self))
		return;
	release_frames(_metadata, self->plain, &self->f[3], 3);
	for (uint32_t i = 1; i < 4; i++)
		ASSERT_SINK_FRAME(self->sink, &self->f[i], i, PSOCK_WAIT_MS);
}

/*
 * poll() says POLLOUT although the head slot (0, the ring wrapped) is
 * TP_STATUS_SENDING: datagram_poll() reports it whenever the send buffer
 * has room (sock_writeable()); packet_poll() only adds POLLOUT for an
 * AVAILABLE head slot, it never takes it away.
 */
TEST_F(tx_held, pollout_while_head_slot_sending)
{
	struct ring *r = &self->ring;

	if (!held(_metadata, self))
		return;
	ASSERT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 0)));
	EXPECT_TRUE(pollout_now(_metadata, self->fd));
}

/* What SO_SNDTIMEO the timeout case sets, before scaling. */
#define SNDTIMEO_MS 300

/*
 * A blocking send() waits for its held frames at most SO_SNDTIMEO
 * (tpacket_snd(): wait_for_completion_interruptible_timeout() returns 0):
 * it fails with ETIMEDOUT, although both frames were queued, after the
 * timeout (less a jiffy of rounding: 10 ms at HZ=100) and before twice it,
 * and both slots are still TP_STATUS_SENDING.
 */
TEST_F(tx_held, blocking_send_times_out_slots_sending)
{
	int ms = psock_timeout_ms(SNDTIMEO_MS);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	struct ring *r = &self->ring;
	int64_t start, deadline, took;

	if (!hold_frames(_metadata, &self->tbf, TBF_HOLD))
		return;
	ASSERT_TX_RING_OPEN(r, self->fd, &two_slots);
	send_plain(_metadata, self->plain, &self->f[0], 0);
	ASSERT_SINK_FRAME(self->sink, &self->f[0], 0, PSOCK_WAIT_MS);
	put_held(_metadata, r, 0, &self->f[1], 1);
	put_held(_metadata, r, 1, &self->f[2], 2);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		TH_LOG("SO_SNDTIMEO: %s", strerror(errno));
	start = psock_monotonic_ms();
	deadline = psock_deadline(2 * SNDTIMEO_MS);
	EXPECT_ERRNO(ETIMEDOUT, send(self->fd, NULL, 0, 0));
	took = psock_monotonic_ms() - start;
	EXPECT_LE(ms - 10, took);
	EXPECT_GE(deadline, start + took) TH_LOG("send() returned after %lld ms", (long long)took);
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 0)));
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 1)));
}

/*
 * Closing the socket (unmapped) while its frames are held in the qdisc
 * succeeds, and the frames still arrive afterwards, byte for byte: the
 * ring's pages outlive the socket's release until the skbs pointing into
 * them are gone (packet_release() -> packet_set_ring() ->
 * packet_free_tx_ring(), which on Debian's 6.12 defers the free to
 * packet_free_pg_vec_work() while sk_wmem_alloc is not 0; elsewhere the
 * skb's page references keep them).
 */
TEST_F(tx_held, close_with_frames_held_frames_arrive_intact)
{
	struct ring *r = &self->ring;
	int fd = self->fd;

	if (!held(_metadata, self))
		return;
	ASSERT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 0)));
	ASSERT_EQ(0, munmap(r->map_base, r->map_len)) TH_LOG("munmap: %s", strerror(errno));
	r->map_base = NULL;
	self->fd = -1;
	ASSERT_EQ(0, close(fd)) TH_LOG("close: %s", strerror(errno));
	release_frames(_metadata, self->plain, &self->f[3], 3);
	for (uint32_t i = 1; i < 4; i++)
		ASSERT_SINK_FRAME(self->sink, &self->f[i], i, PSOCK_WAIT_MS);
}

/* ---- a full send buffer (TPACKET_V2) ------------------------------------ */

FIXTURE(tx_sndbuf) {
	struct netns_topo topo;
	int fd, sink;
	int plain;		/* psk0, no ring: kicks the qdisc */
	bool tbf;		/* the case added the tbf */
	struct ring ring;
	int sndbuf;		/* SO_SNDBUF as the kernel set it */
	struct tx_frame f[6];	/* 0 to 3 in slots 0 to 3, 4 in slot 0 again, 5: the kick */
};

FIXTURE_SETUP(tx_sndbuf)
{
	int small = 1;
	socklen_t sl = sizeof(self->sndbuf);

	HELD_SETUP(return, self, TPACKET_V2);
	/* SO_SNDBUF at its minimum (SOCK_MIN_SNDBUF): two frames in flight fill it. */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &self->sndbuf, &sl));
}

FIXTURE_TEARDOWN(tx_sndbuf)
{
	drop_held_frames(_metadata, self->tbf);
	TX_RING_ENDS_TEARDOWN(self, self->plain);
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
 * tbf holding; frame 0 (slot 0) uses up its bucket; frames 1 and 2, sent
 * with MSG_DONTWAIT, are held and fill the send buffer (SIOCOUTQ >=
 * SO_SNDBUF / 2, so sock_writeable() is false); the head is on slot 3.
 * false when the case SKIPped (no tbf).
 */
static bool fill_send_buffer(struct __test_metadata *_metadata,
			     struct _test_data_tx_sndbuf *self)
{
	struct ring *r = &self->ring;

	if (!hold_frames(_metadata, &self->tbf, TBF_HOLD))
		return false;
	ASSERT_TX_RING_OPEN(r, self->fd, &four_slots);
	put_held(_metadata, r, 0, &self->f[0], 0);
	ASSERT_EQ((ssize_t)self->f[0].len, send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
	put_held(_metadata, r, 1, &self->f[1], 1);
	put_held(_metadata, r, 2, &self->f[2], 2);
	ASSERT_EQ((ssize_t)(2 * self->f[1].len), send(self->fd, NULL, 0, MSG_DONTWAIT))
		TH_LOG("%s", strerror(errno));
	ASSERT_LE(self->sndbuf / 2, outq(_metadata, self->fd))
		TH_LOG("two frames in flight do not fill SO_SNDBUF %d", self->sndbuf);
	return true;
}

/*
 * After fill_send_buffer(), frames 3 and 4 requested in slots 3 and 0 and
 * sent with MSG_DONTWAIT: what that send() returned.
 */
static ssize_t send_past_buffer(struct __test_metadata *_metadata,
				struct _test_data_tx_sndbuf *self)
{
	put_held(_metadata, &self->ring, 3, &self->f[3], 3);
	put_held(_metadata, &self->ring, 0, &self->f[4], 4);
	return send(self->fd, NULL, 0, MSG_DONTWAIT);
}

/*
 * fill_send_buffer(), send_past_buffer() having sent frame 3 only, then the
 * frames released: false when the case SKIPped.
 */
static bool release_past_buffer(struct __test_metadata *_metadata,
				struct _test_data_tx_sndbuf *self)
{
	ssize_t ret;

	if (!fill_send_buffer(_metadata, self))
		return false;
	ret = send_past_buffer(_metadata, self);
	ASSERT_EQ((ssize_t)self->f[3].len, ret) TH_LOG("%s", strerror(errno));
	release_frames(_metadata, self->plain, &self->f[5], 5);
	return true;
}

/*
 * The ring's own POLLOUT rule shows once the send buffer is full: POLLOUT
 * while the head slot (3) is TP_STATUS_AVAILABLE (packet_poll()), none once
 * the head is on a slot still TP_STATUS_SEND_REQUEST (slot 0, after a send
 * that stopped there for want of buffer).
 */
TEST_F(tx_sndbuf, pollout_follows_head_slot_when_send_buffer_full)
{
	struct ring *r = &self->ring;
	ssize_t ret;

	if (!fill_send_buffer(_metadata, self))
		return;
	EXPECT_TRUE(pollout_now(_metadata, self->fd))
		TH_LOG("no POLLOUT with the head slot AVAILABLE");
	ret = send_past_buffer(_metadata, self);
	ASSERT_EQ((ssize_t)self->f[3].len, ret) TH_LOG("%s", strerror(errno));
	EXPECT_FALSE(pollout_now(_metadata, self->fd))
		TH_LOG("POLLOUT with a full buffer, head slot %#x", tx_status(r, ring_frame(r, 0)));
}

/*
 * Slots 3 and 0 requested with MSG_DONTWAIT and a full buffer: slot 3 is
 * sent, then sock_alloc_send_skb() finds no room; the call returns the
 * bytes sent so far (one frame), slot 3 TP_STATUS_SENDING, and slot 0 stays
 * TP_STATUS_SEND_REQUEST.
 */
TEST_F(tx_sndbuf, dontwait_send_out_of_buffer_returns_bytes_so_far)
{
	struct ring *r = &self->ring;
	ssize_t ret;

	if (!fill_send_buffer(_metadata, self))
		return;
	ret = send_past_buffer(_metadata, self);
	EXPECT_EQ((ssize_t)self->f[3].len, ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(TP_STATUS_SENDING, tx_status(r, ring_frame(r, 3)));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 0)));
}

/*
 * The frames released, POLLOUT comes back when enough of them have left to
 * make the buffer writeable again (SIOCOUTQ < SO_SNDBUF / 2), while the head
 * slot 0 still waits (TP_STATUS_SEND_REQUEST): it comes from the buffer.
 */
TEST_F(tx_sndbuf, pollout_back_once_send_buffer_drains)
{
	struct ring *r = &self->ring;

	if (!release_past_buffer(_metadata, self))
		return;
	ASSERT_EQ(1, psock_wait(self->fd, POLLOUT, PSOCK_WAIT_MS)) TH_LOG("%s", strerror(errno));
	EXPECT_GT(self->sndbuf / 2, outq(_metadata, self->fd));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 1)));
	EXPECT_EQ(TP_STATUS_AVAILABLE, tx_status(r, ring_frame(r, 2)));
	EXPECT_EQ(TP_STATUS_SEND_REQUEST, tx_status(r, ring_frame(r, 0)));
}

/*
 * The slot a MSG_DONTWAIT send left TP_STATUS_SEND_REQUEST is sent by the
 * next send() once the buffer has room, after everything before it: frames
 * 0 to 3, the kick, then 4.
 */
TEST_F(tx_sndbuf, slot_left_requested_sent_by_next_send)
{
	if (!release_past_buffer(_metadata, self))
		return;
	ASSERT_EQ(1, psock_wait(self->fd, POLLOUT, PSOCK_WAIT_MS)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ((ssize_t)self->f[4].len, send(self->fd, NULL, 0, 0))
		TH_LOG("%s", strerror(errno));
	for (uint32_t i = 0; i < 4; i++)
		ASSERT_SINK_FRAME(self->sink, &self->f[i], i, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->f[5], 5, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->f[4], 4, PSOCK_WAIT_MS);
}

/* ---- a full send buffer without a ring (packet_snd()) ------------------- */

/*
 * A plain send() (packet_snd()) takes its skb from packet_alloc_skb(), that
 * is sock_alloc_send_pskb(): there is room while the bytes the socket's skbs
 * in flight charge (SIOCOUTQ, sk_wmem_alloc) are below SO_SNDBUF. Without
 * room, a MSG_DONTWAIT send fails with EAGAIN at once; a blocking one sleeps
 * until frames leave (sock_wfree() wakes it) or SO_SNDTIMEO runs out.
 */
FIXTURE(plain_sndbuf) {
	struct netns_topo topo;
	int fd, sink;
	int kick;		/* a second socket on psk0: kicks the qdisc */
	bool tbf;		/* the case added the tbf */
	int sndbuf;		/* SO_SNDBUF as the kernel set it */
	unsigned int held;	/* frames 1..held are in the qdisc, charged to fd */
	struct tx_frame f[PLAIN_FRAMES];	/* 0: uses up the bucket, then the held ones */
	struct tx_frame kicked;
};

FIXTURE_SETUP(plain_sndbuf)
{
	int ms = psock_timeout_ms(5 * PSOCK_WAIT_MS);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	socklen_t sl = sizeof(self->sndbuf);
	int small = 1;

	self->kick = -1;
	self->tbf = false;
	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
	self->kick = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->kick) TH_LOG("second socket: %s", strerror(errno));
	/* SO_SNDBUF at its minimum (SOCK_MIN_SNDBUF): a few frames in flight fill it */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &self->sndbuf, &sl));
	/*
	 * A blocking send() waits at most this long, five times the deadline
	 * the cases give it to return once woken: a send that is never woken
	 * is seen still asleep, and nothing hangs.
	 */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		TH_LOG("SO_SNDTIMEO: %s", strerror(errno));
}

FIXTURE_TEARDOWN(plain_sndbuf)
{
	drop_held_frames(_metadata, self->tbf);
	TX_ENDS_TEARDOWN(self);
	if (self->kick >= 0)
		EXPECT_EQ(0, close(self->kick));
}

/*
 * tbf holding; frame 0 uses up its bucket (and arrives), then frames 1, 2...
 * sent with MSG_DONTWAIT are held until one fails: each is sent while
 * SIOCOUTQ is below SO_SNDBUF, and the first with SIOCOUTQ at or above it
 * fails with EAGAIN. self->held is then the number held. false when the
 * case SKIPped (no tbf).
 */
static bool fill_plain_buffer(struct __test_metadata *_metadata,
			      struct _test_data_plain_sndbuf *self)
{
	if (!hold_frames(_metadata, &self->tbf, TBF_HOLD))
		return false;
	send_plain(_metadata, self->fd, &self->f[0], 0);
	ASSERT_SINK_FRAME(self->sink, &self->f[0], 0, PSOCK_WAIT_MS);
	for (unsigned int i = 1; i < PLAIN_FRAMES; i++) {
		int before = outq(_metadata, self->fd);
		ssize_t ret;

		TX_FRAME(&self->f[i], .seq = i, .payload_len = HELD_PAYLOAD);
		ret = send(self->fd, self->f[i].wire, self->f[i].len, MSG_DONTWAIT);
		if (before >= self->sndbuf) {
			ASSERT_EQ(-1, ret)
				TH_LOG("frame %u sent with SIOCOUTQ %d, SO_SNDBUF %d",
				       i, before, self->sndbuf);
			ASSERT_EQ(EAGAIN, errno) TH_LOG("%s", strerror(errno));
			self->held = i - 1;
			return true;
		}
		ASSERT_EQ((ssize_t)self->f[i].len, ret)
			TH_LOG("frame %u, SIOCOUTQ %d, SO_SNDBUF %d: %s",
			       i, before, self->sndbuf, strerror(errno));
	}
	ASSERT_TRUE(false) TH_LOG("%d frames held do not fill SO_SNDBUF %d",
				  PLAIN_FRAMES - 1, self->sndbuf);
	return false;
}

/*
 * Out of send buffer, a MSG_DONTWAIT send() fails with EAGAIN (and sends
 * nothing), and the frames sent before it were only held: once the qdisc
 * lets them go they arrive, in order, then the kick.
 */
TEST_F(plain_sndbuf, dontwait_send_out_of_buffer_eagain)
{
	if (!fill_plain_buffer(_metadata, self))
		return;
	tbf_set_rate(_metadata, tbf_flow_rate());
	send_plain(_metadata, self->kick, &self->kicked, PLAIN_FRAMES);
	for (unsigned int i = 1; i <= self->held; i++)
		ASSERT_SINK_FRAME(self->sink, &self->f[i], i, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->kicked, PLAIN_FRAMES, PSOCK_WAIT_MS);
}

/*
 * Out of send buffer, a blocking send() sleeps (the thread is seen asleep
 * in sendto) until the held frames leave and give their bytes back, then
 * sends its frame and returns its length: it arrives after the held frames
 * and the kick that was queued behind them.
 */
TEST_F(plain_sndbuf, blocking_send_sleeps_until_buffer_drains)
{
	struct tx_frame *last;
	struct waiter w;

	if (!fill_plain_buffer(_metadata, self))
		return;
	last = &self->f[self->held + 1];
	ASSERT_EQ(0, waiter_send_start(&w, self->fd, last->wire, last->len)) {
		TH_LOG("a blocking send with a full buffer did not sleep: %s", strerror(errno));
		waiter_join(&w, PSOCK_WAIT_MS);
		TH_LOG("it returned %ld: %s", w.rc, strerror(w.err));
	}
	tbf_set_rate(_metadata, tbf_flow_rate());
	send_plain(_metadata, self->kick, &self->kicked, PLAIN_FRAMES);
	ASSERT_EQ(0, waiter_join(&w, PSOCK_WAIT_MS))
		TH_LOG("the blocking send was not woken: %s", strerror(errno));
	ASSERT_EQ((long)last->len, w.rc) TH_LOG("%s", strerror(w.err));
	for (unsigned int i = 1; i <= self->held; i++)
		ASSERT_SINK_FRAME(self->sink, &self->f[i], i, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &self->kicked, PLAIN_FRAMES, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, last, self->held + 1, PSOCK_WAIT_MS);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * SO_TXTIME on a packet socket: the option, and what a transmit time given
 * with sendmsg() (an SCM_TXTIME cmsg, a u64 in ns of the socket's clock)
 * does to the frame's timestamp.
 *
 *  - setsockopt(SO_TXTIME) takes a struct sock_txtime { clockid, flags }.
 *    sk_setsockopt() accepts only CLOCK_REALTIME, CLOCK_MONOTONIC and
 *    CLOCK_TAI (sockopt_validate_clockid(), Linux 6.11, "net: validate
 *    SO_TXTIME clockid coming from userspace"); any other clock is EINVAL.
 *    Before, any clockid was taken (CAP_NET_ADMIN for all but MONOTONIC).
 *  - packet_snd() stores the SCM_TXTIME value in skb->tstamp. Since 6.11 it
 *    is typed as a delivery time of the socket's clock
 *    (skb_set_delivery_type_by_clockid(), "net: Add additional bit to
 *    support clockid_t timestamp type"); 6.1 stored it untyped, as if it
 *    were a realtime receive stamp, so a packet socket on the receiving end
 *    of veth reported the sender's monotonic transmit time as the frame's
 *    receive time in its RX ring (tpacket_get_timestamp(): TP_STATUS_TS_SOFTWARE
 *    and that value). That is a bug: an RX ring's tp_sec/tp_nsec is a
 *    CLOCK_REALTIME receive time. The case fails on 6.1.
 *
 * Test cases:
 *   snd_txtime.clockid_boottime_einval
 *   snd_txtime.clockid_tai_reads_back
 *   snd_txtime.txtime_not_reported_as_rx_ring_time
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/net_tstamp.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

#ifndef SO_TXTIME
#define SO_TXTIME 61
#define SCM_TXTIME SO_TXTIME
#endif

FIXTURE(snd_txtime) {
	struct netns_topo topo;
	int fd, sink, rx;
	struct ring ring;
};

FIXTURE_SETUP(snd_txtime)
{
	self->rx = -1;
	memset(&self->ring, 0, sizeof(self->ring));
	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
}

FIXTURE_TEARDOWN(snd_txtime)
{
	ring_close_socket(&self->ring, self->rx);
	TX_ENDS_TEARDOWN(self);
}

/* setsockopt(SO_TXTIME) of clockid, no flags: 0 or -1 with errno. */
static int set_txtime(int fd, clockid_t clockid)
{
	struct sock_txtime st = { .clockid = clockid, .flags = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_TXTIME, &st, sizeof(st));
}

/* CLOCK_BOOTTIME is not a clock SO_TXTIME takes: EINVAL. */
TEST_F(snd_txtime, clockid_boottime_einval)
{
	char seen[96];
	int ret, err;

	errno = 0;
	ret = set_txtime(self->fd, CLOCK_BOOTTIME);
	err = errno;
	snprintf(seen, sizeof(seen), "; this kernel %s", ret ? strerror(err) : "accepts it");
	PSOCK_SKIP_BEFORE(return, 6, 11,
			  "\"net: validate SO_TXTIME clockid coming from userspace\"", seen);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, err) TH_LOG("errno %d (%s)", err, strerror(err));
}

/* CLOCK_TAI is taken, and getsockopt(SO_TXTIME) reads it back (8 bytes). */
TEST_F(snd_txtime, clockid_tai_reads_back)
{
	struct sock_txtime st = { .clockid = -1 };
	socklen_t len = sizeof(st);

	ASSERT_EQ(0, set_txtime(self->fd, CLOCK_TAI)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_TXTIME, &st, &len))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(8, len);
	EXPECT_EQ(CLOCK_TAI, st.clockid);
	EXPECT_EQ(0, st.flags);
}

/* sendmsg() of the frame f with an SCM_TXTIME cmsg of txtime ns. */
static ssize_t send_txtime(int fd, const struct tx_frame *f, uint64_t txtime)
{
	uint8_t cbuf[CMSG_SPACE(sizeof(uint64_t))] = { 0 };
	struct iovec iov = { .iov_base = (void *)f->wire, .iov_len = f->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_TXTIME;
	c->cmsg_len = CMSG_LEN(sizeof(txtime));
	memcpy(CMSG_DATA(c), &txtime, sizeof(txtime));
	return sendmsg(fd, &msg, 0);
}

/*
 * A frame sent with SO_TXTIME CLOCK_MONOTONIC and an SCM_TXTIME of "now +
 * 1 s" (veth's noqueue does not hold it) is received by a V2 RX ring on
 * psk1: its timestamp is a CLOCK_REALTIME time between a read before the
 * send and one after the frame arrived, not the sender's transmit time
 * (wrong clock and 1 s ahead). Fails on 6.1.
 */
TEST_F(snd_txtime, txtime_not_reported_as_rx_ring_time)
{
	struct ring *r = &self->ring;
	struct frame_view v;
	static struct tx_frame f;
	struct timespec mono;
	int64_t before, after, stamp;
	uint32_t seq = ~0u;
	uint64_t txtime;
	void *frame;

	self->rx = ring_rx_open(r, SOCK_RAW, TPACKET_V2, self->topo.ifindex1, ETH_P_ALL,
				&ring_small);
	ASSERT_LE(0, self->rx) TH_LOG("RX ring on psk1: %s", strerror(errno));
	ASSERT_EQ(0, set_txtime(self->fd, CLOCK_MONOTONIC)) TH_LOG("%s", strerror(errno));
	TX_FRAME(&f, .seq = 50, .payload_len = 100);
	before = psock_realtime_ns();
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &mono));
	txtime = (uint64_t)mono.tv_sec * 1000000000ull + mono.tv_nsec + 1000000000ull;
	ASSERT_EQ((ssize_t)f.len, send_txtime(self->fd, &f, txtime)) TH_LOG("%s", strerror(errno));
	frame = ring_next_tagged(r, PSOCK_WAIT_MS, ETH_HLEN, &seq);
	ASSERT_NE(NULL, frame) TH_LOG("frame on the RX ring: %s", strerror(errno));
	after = psock_realtime_ns();
	ASSERT_EQ(50, seq);
	frame_view(r, frame, &v);
	stamp = (int64_t)v.sec * 1000000000ll + v.nsec;
	EXPECT_LE(before, stamp) TH_LOG("stamp %lld ns, txtime %llu ns (monotonic)",
					(long long)stamp, (unsigned long long)txtime);
	EXPECT_GE(after, stamp) TH_LOG("stamp %lld ns, txtime %llu ns (monotonic)",
				       (long long)stamp, (unsigned long long)txtime);
	ring_release_frame(r, frame);
}

TEST_HARNESS_MAIN

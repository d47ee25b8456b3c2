// SPDX-License-Identifier: GPL-2.0
/*
 * sendfile() and splice() into a packet socket (SOCK_RAW, bound to psk0).
 *
 * A packet socket has no splice code of its own: the core moves the pipe's
 * buffers into the socket. Since Linux 6.5 ("splice, net: Reimplement
 * splice_to_socket() to pass multiple bufs to sendmsg()", and "sock: Remove
 * ->sendpage*() in favour of sendmsg(MSG_SPLICE_PAGES)") splice_to_socket()
 * hands up to 16 pipe buffers to one sendmsg(MSG_SPLICE_PAGES), which
 * packet_snd() copies like any other message: one call, one frame, as long
 * as it fits. Before, each pipe buffer (at most a page) went to
 * sock_no_sendpage() as a sendmsg() of its own, so a 6000-byte frame left
 * as a 4096-byte frame and a 1904-byte one. The expectation is keyed on
 * 6.5; the SKIP line on an older kernel says what arrived.
 *
 * The links have MTU 9000, so the 6000-byte frame fits. It carries a valid
 * Ethernet header at byte 0 (tag seq 60) and, for 6.1's second chunk,
 * another at byte 4096 (tag 61).
 *
 * Test cases:
 *   snd_splice.sendfile_one_frame_per_call
 *   snd_splice.splice_one_frame_per_call
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

#define SPLICE_LEN 6000
#define SPLICE_CHANGE "\"splice, net: Reimplement splice_to_socket() to pass multiple bufs to sendmsg()\""

FIXTURE(snd_splice) {
	struct netns_topo topo;
	int fd, sink;
	int src[2];	/* the memfd (src[0]), or the pipe */
	struct tx_frame f;
};

FIXTURE_SETUP(snd_splice)
{
	const struct netns_opts opts = { .mtu = 9000 };
	static struct tx_frame second;

	self->fd = self->sink = self->src[0] = self->src[1] = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->sink = tx_sink_open(&self->topo);
	ASSERT_LE(0, self->sink) TH_LOG("sink on psk1: %s", strerror(errno));
	self->fd = tx_socket(SOCK_RAW, 0, self->topo.ifindex0);
	ASSERT_LE(0, self->fd) TH_LOG("sending socket: %s", strerror(errno));
	TX_FRAME(&self->f, .seq = 60, .payload_len = SPLICE_LEN - ETH_HLEN);
	TX_FRAME(&second, .seq = 61, .payload_len = SPLICE_LEN - 4096 - ETH_HLEN);
	memcpy(self->f.wire + 4096, second.wire, SPLICE_LEN - 4096);
}

FIXTURE_TEARDOWN(snd_splice)
{
	TX_EXPECT_CLOSE_ALL(self->fd, self->sink, self->src[0], self->src[1]);
	netns_teardown(&self->topo);
}

/*
 * After one call moved SPLICE_LEN bytes: the first tagged frame on psk1 is
 * the whole 6000-byte frame, and the next one is a marker sent afterwards
 * (no second chunk). Below 6.5, SKIP naming what came first.
 */
static void expect_one_frame(struct __test_metadata *_metadata,
			     struct _test_data_snd_splice *self)
{
	static uint8_t buf[TX_FRAME_MAX];
	static struct tx_frame marker;
	uint32_t seq = ~0u;
	char seen[96];
	ssize_t n;

	n = tx_sink_next(self->sink, buf, sizeof(buf), ETH_HLEN, &seq, NULL, PSOCK_WAIT_MS);
	snprintf(seen, sizeof(seen), "; this kernel sent a %zd-byte frame (seq %u) first", n, seq);
	PSOCK_SKIP_BEFORE(return, 6, 5, SPLICE_CHANGE, seen);
	ASSERT_EQ(SPLICE_LEN, n) TH_LOG("%s", n < 0 ? strerror(errno) : seen + 2);
	EXPECT_EQ(60, seq);
	EXPECT_EQ(0, memcmp(buf, self->f.wire, SPLICE_LEN));
	TX_FRAME(&marker, .seq = 62, .payload_len = 64);
	ASSERT_EQ((ssize_t)marker.len, send(self->fd, marker.wire, marker.len, 0))
		TH_LOG("marker: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &marker, 62, PSOCK_WAIT_MS);
}

/* sendfile() of a 6000-byte memfd holding the frame: returns 6000, one frame. */
TEST_F(snd_splice, sendfile_one_frame_per_call)
{
	off_t off = 0;

	self->src[0] = memfd_create("psock-splice", MFD_CLOEXEC);
	ASSERT_LE(0, self->src[0]) TH_LOG("memfd_create: %s", strerror(errno));
	ASSERT_EQ(SPLICE_LEN, write(self->src[0], self->f.wire, SPLICE_LEN));
	ASSERT_EQ(SPLICE_LEN, sendfile(self->fd, self->src[0], &off, SPLICE_LEN))
		TH_LOG("sendfile: %s", strerror(errno));
	EXPECT_EQ(SPLICE_LEN, off);
	expect_one_frame(_metadata, self);
}

/*
 * splice() from a pipe the frame was written into (a 4096-byte and a
 * 1904-byte pipe buffer): returns 6000, one frame.
 */
TEST_F(snd_splice, splice_one_frame_per_call)
{
	ASSERT_EQ(0, pipe2(self->src, O_CLOEXEC)) TH_LOG("pipe: %s", strerror(errno));
	ASSERT_EQ(SPLICE_LEN, write(self->src[1], self->f.wire, SPLICE_LEN));
	ASSERT_EQ(SPLICE_LEN, splice(self->src[0], NULL, self->fd, NULL, SPLICE_LEN, 0))
		TH_LOG("splice: %s", strerror(errno));
	expect_one_frame(_metadata, self);
}

TEST_HARNESS_MAIN

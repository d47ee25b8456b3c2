// SPDX-License-Identifier: GPL-2.0
/*
 * A socket filter's life on a packet socket: replacing, detaching, locking,
 * and what a filter attached later does to frames already stored.
 *
 * sock_setsockopt() (net/core/sock.c) handles the SOL_SOCKET options:
 *
 *  - SO_ATTACH_FILTER (sk_attach_filter()) and SO_ATTACH_BPF
 *    (sk_attach_bpf(), an eBPF BPF_PROG_TYPE_SOCKET_FILTER program fd)
 *    replace whatever filter the socket had, classic or eBPF
 *    (__sk_attach_prog() swaps sk->sk_filter);
 *  - SO_DETACH_FILTER (sk_detach_filter()) removes it: the socket captures
 *    every frame again; without a filter it is ENOENT;
 *  - SO_LOCK_FILTER sets SOCK_FILTER_LOCKED: from then on attaching
 *    (__get_filter(), __get_bpf()), detaching and unlocking fail with
 *    EPERM, and the locked filter keeps running.
 *
 * A filter runs when a frame arrives (run_filter() in tpacket_rcv()), so a
 * filter attached later never touches frames already in the ring: they stay
 * as stored, and only the frames after it are dropped or cut. A dropped
 * frame takes no slot and is not counted.
 *
 * Frames from psk1 are sent by a thread pinned to one CPU, so they are
 * received in order; a barrier frame behind them (stats.h) shows they were
 * processed, also the ones the filter dropped.
 *
 * Test cases:
 *   attach.detach_without_filter_enoent
 *   attach.detach_restores_capture
 *   attach.ebpf_replaces_classic_filter
 *   lock.reads_back_1
 *   lock.attach_eperm
 *   lock.attach_bpf_eperm
 *   lock.detach_eperm
 *   lock.unlock_eperm
 *   lock.locked_filter_keeps_running
 *   stored.drop_all_leaves_stored_frames
 *   stored.drop_all_stores_and_counts_nothing
 *   stored.dropped_frames_take_no_slot
 *   stored.later_filter_cuts_next_frame
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "bpf.h"
#include "filter.h"

/* Send one 114-byte frame with this seq from psk1 and wait until it was processed. */
static void send_seq(struct __test_metadata *_metadata, struct filter_rx *rx, uint32_t seq)
{
	const struct frame_spec spec = { .payload_len = 100, .seq = seq };

	ASSERT_SEND_SYNCED(rx, &spec, 1, PSOCK_WAIT_MS);
}

/* ---- attach, replace, detach ----------------------------------------- */

FIXTURE(attach) {
	struct filter_rx rx;
};

FIXTURE_SETUP(attach)
{
	FILTER_RX_SETUP(return, &self->rx, SOCK_RAW, 0, ETH_P_PSOCK);
}

FIXTURE_TEARDOWN(attach)
{
	filter_rx_teardown(&self->rx);
}

/* SO_DETACH_FILTER with no filter: ENOENT, also right after a detach. */
TEST_F(attach, detach_without_filter_enoent)
{
	EXPECT_EQ(-1, bpf_detach(self->rx.fd));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	EXPECT_EQ(0, bpf_detach(self->rx.fd));
	EXPECT_EQ(-1, bpf_detach(self->rx.fd));
	EXPECT_EQ(ENOENT, errno);
}

/* A drop-all filter hides frame 0; after SO_DETACH_FILTER frame 1 is captured whole. */
TEST_F(attach, detach_restores_capture)
{
	const uint32_t want[] = { 1 };

	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 0);
	ASSERT_EQ(0, bpf_detach(self->rx.fd)) TH_LOG("SO_DETACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 1);
	ASSERT_QUEUED_SEQS(self->rx.fd, want, 1);
}

/*
 * SO_ATTACH_BPF of an eBPF program returning 0xFFFFFFFF replaces a classic
 * drop-all filter: the frame sent next is captured.
 */
TEST_F(attach, ebpf_replaces_classic_filter)
{
	const uint32_t want[] = { 1 };
	int prog, rc, err;

	FILTER_EBPF_RET(return, prog, 0xffffffff);
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	rc = ebpf_attach(self->rx.fd, prog);
	err = errno;
	close(prog);
	ASSERT_EQ(0, rc) TH_LOG("SO_ATTACH_BPF: %s", strerror(err));
	send_seq(_metadata, &self->rx, 1);
	ASSERT_QUEUED_SEQS(self->rx.fd, want, 1);
}

/* ---- a locked filter ------------------------------------------------- */

/* A socket with "ret #40" attached and SO_LOCK_FILTER set. */
FIXTURE(lock) {
	struct filter_rx rx;
};

FIXTURE_SETUP(lock)
{
	int one = 1;

	FILTER_RX_SETUP(return, &self->rx, SOCK_RAW, 0, ETH_P_PSOCK);
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 40))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->rx.fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
}

FIXTURE_TEARDOWN(lock)
{
	filter_rx_teardown(&self->rx);
}

/* SO_LOCK_FILTER, once set, reads back 1 as a 4-byte int. */
TEST_F(lock, reads_back_1)
{
	socklen_t len = sizeof(int);
	int val = -1;

	ASSERT_EQ(0, getsockopt(self->rx.fd, SOL_SOCKET, SO_LOCK_FILTER, &val, &len))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
	EXPECT_EQ(sizeof(int), len);
	EXPECT_EQ(1, val);
}

/* With the filter locked, SO_ATTACH_FILTER of another classic program is EPERM. */
TEST_F(lock, attach_eperm)
{
	errno = 0;
	EXPECT_EQ(-1, bpf_attach_ret(self->rx.fd, 0xffffffff))
		TH_LOG("SO_ATTACH_FILTER replaced the locked filter");
	EXPECT_EQ(EPERM, errno) TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
}

/* With the filter locked, SO_ATTACH_BPF of an eBPF program is EPERM. */
TEST_F(lock, attach_bpf_eperm)
{
	int prog, rc, err;

	FILTER_EBPF_RET(return, prog, 0xffffffff);
	errno = 0;
	rc = ebpf_attach(self->rx.fd, prog);
	err = errno;
	close(prog);
	EXPECT_EQ(-1, rc) TH_LOG("SO_ATTACH_BPF replaced the locked filter");
	EXPECT_EQ(EPERM, err) TH_LOG("SO_ATTACH_BPF: %s", strerror(err));
}

/* With the filter locked, SO_DETACH_FILTER is EPERM. */
TEST_F(lock, detach_eperm)
{
	errno = 0;
	EXPECT_EQ(-1, bpf_detach(self->rx.fd)) TH_LOG("SO_DETACH_FILTER removed the locked filter");
	EXPECT_EQ(EPERM, errno) TH_LOG("SO_DETACH_FILTER: %s", strerror(errno));
}

/* A locked filter stays locked: SO_LOCK_FILTER 0 is EPERM. */
TEST_F(lock, unlock_eperm)
{
	int zero = 0;

	errno = 0;
	EXPECT_EQ(-1, setsockopt(self->rx.fd, SOL_SOCKET, SO_LOCK_FILTER, &zero, sizeof(zero)))
		TH_LOG("SO_LOCK_FILTER 0 unlocked the filter");
	EXPECT_EQ(EPERM, errno) TH_LOG("SO_LOCK_FILTER 0: %s", strerror(errno));
}

/*
 * After a refused attach and a refused detach, the locked "ret #40" still
 * runs: the next frame is captured cut to 40 bytes.
 */
TEST_F(lock, locked_filter_keeps_running)
{
	static struct filter_frame last;
	uint32_t seq;

	ASSERT_EQ(-1, bpf_attach_ret(self->rx.fd, 0xffffffff))
		TH_LOG("SO_ATTACH_FILTER replaced the locked filter");
	ASSERT_EQ(-1, bpf_detach(self->rx.fd)) TH_LOG("SO_DETACH_FILTER removed the locked filter");
	send_seq(_metadata, &self->rx, 7);
	ASSERT_EQ(1, filter_drain_tagged(self->rx.fd, &seq, 1, &last))
		TH_LOG("recvmsg: %s", strerror(errno));
	EXPECT_EQ(7u, seq);
	EXPECT_EQ(40u, last.len);
}

/* ---- a filter attached while frames are stored ----------------------- */

/* A TPACKET_V2 ring (ring_small, 8 slots) holding frames 0..2, no filter yet. */
FIXTURE(stored) {
	struct filter_rx rx;
	struct ring ring;
};

FIXTURE_SETUP(stored)
{
	const struct frame_spec specs[] = {
		{ .payload_len = 100, .seq = 0 },
		{ .payload_len = 100, .seq = 1 },
		{ .payload_len = 100, .seq = 2 },
	};

	memset(&self->ring, 0, sizeof(self->ring));
	FILTER_RX_SETUP(return, &self->rx, SOCK_RAW, TPACKET_V2, ETH_P_PSOCK);
	ASSERT_EQ(0, ring_open(&self->ring, self->rx.fd, PACKET_RX_RING, &ring_small))
		TH_LOG("PACKET_RX_RING: %s", strerror(errno));
	ASSERT_SEND_SYNCED(&self->rx, specs, 3, PSOCK_WAIT_MS);
}

FIXTURE_TEARDOWN(stored)
{
	if (self->ring.map_base)
		munmap(self->ring.map_base, self->ring.map_len);
	filter_rx_teardown(&self->rx);
}

/* Slot i holds, for user space, the frame seq with tp_len len cut to snaplen. */
static void expect_slot(struct __test_metadata *_metadata, struct _test_data_stored *self,
			unsigned int i, uint32_t seq, uint32_t len, uint32_t snaplen)
{
	struct frame_view v;

	frame_view(&self->ring, ring_frame(&self->ring, i), &v);
	EXPECT_EQ(TP_STATUS_USER, v.status & ~TP_STATUS_TS_MASK) TH_LOG("slot %u", i);
	EXPECT_EQ(len, v.len) TH_LOG("slot %u", i);
	EXPECT_EQ(snaplen, v.snaplen) TH_LOG("slot %u", i);
	EXPECT_EQ(seq, ring_frame_seq(&self->ring, ring_frame(&self->ring, i), ETH_HLEN))
		TH_LOG("slot %u", i);
}

/* A drop-all filter attached (and frames 3, 4 sent) leaves frames 0..2 as stored. */
TEST_F(stored, drop_all_leaves_stored_frames)
{
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 3);
	send_seq(_metadata, &self->rx, 4);
	for (unsigned int i = 0; i < 3; i++)
		expect_slot(_metadata, self, i, i, 114, 114);
}

/*
 * Frames 3 and 4, sent after the drop-all filter, are not stored (slot 3
 * stays the kernel's) and not counted: PACKET_STATISTICS says the 3 frames
 * from before, no drop.
 */
TEST_F(stored, drop_all_stores_and_counts_nothing)
{
	struct psock_stats st;

	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 3);
	send_seq(_metadata, &self->rx, 4);
	EXPECT_EQ(TP_STATUS_KERNEL, ring_status(&self->ring, ring_frame(&self->ring, 3)));
	ASSERT_EQ(0, psock_stats_read(self->rx.fd, &st))
		TH_LOG("PACKET_STATISTICS: %s", strerror(errno));
	EXPECT_EQ(3u, st.packets);
	EXPECT_EQ(0u, st.drops);
}

/*
 * Frames 3 and 4 dropped by the filter take no slot: with "ret #-1"
 * attached next, frame 5 is stored in slot 3.
 */
TEST_F(stored, dropped_frames_take_no_slot)
{
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 3);
	send_seq(_metadata, &self->rx, 4);
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 0xffffffff))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 5);
	expect_slot(_metadata, self, 3, 5, 114, 114);
}

/*
 * "ret #40" attached now cuts the next frame: slot 3 holds frame 3 with
 * tp_snaplen 40, tp_len 114; frame 2 before it stays whole.
 */
TEST_F(stored, later_filter_cuts_next_frame)
{
	ASSERT_EQ(0, bpf_attach_ret(self->rx.fd, 40))
		TH_LOG("SO_ATTACH_FILTER: %s", strerror(errno));
	send_seq(_metadata, &self->rx, 3);
	expect_slot(_metadata, self, 3, 3, 114, 40);
	expect_slot(_metadata, self, 2, 2, 114, 114);
}

TEST_HARNESS_MAIN

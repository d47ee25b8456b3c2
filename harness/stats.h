/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PACKET_STATISTICS and a receive barrier, for the loss and filter tests.
 *
 * PACKET_STATISTICS (packet_getsockopt()) returns struct tpacket_stats on
 * TPACKET_V1/V2 and on a socket without a ring, struct tpacket_stats_v3 on
 * V3, and clears the counters on every read. tp_packets counts every frame
 * that reached the socket past its filter (stored + dropped).
 */
#ifndef PSOCK_STATS_H
#define PSOCK_STATS_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netns.h"

/* One PACKET_STATISTICS read, whatever the version. */
struct psock_stats {
	uint32_t packets;
	uint32_t drops;
	uint32_t freeze_q_cnt;	/* V3 only (0 otherwise) */
	socklen_t len;		/* optlen the kernel wrote back */
};

/*
 * getsockopt(PACKET_STATISTICS) as user space may call it: into buf with
 * optlen *len, which the kernel sets to the bytes it wrote (min(optlen,
 * struct size)). Every read that succeeds clears the counters. 0, or -1
 * with errno (EINVAL for a negative optlen). The one reader of the option:
 * the others go through it.
 */
int psock_stats_getsockopt(int fd, void *buf, socklen_t *len);

/* Read (and so clear) the counters with a tpacket_stats_v3-sized buffer. 0 or -1. */
int psock_stats_read(int fd, struct psock_stats *st);

/*
 * Test step (tests include this header after kselftest_harness.h):
 * psock_stats_read() into *st, failing the case with the errno.
 */
#define ASSERT_STATS_READ(fd, st) do {						\
	int rc_ = psock_stats_read((fd), (st));					\
	int err_ = errno;							\
										\
	ASSERT_EQ(0, rc_) TH_LOG("PACKET_STATISTICS: %s", strerror(err_));	\
} while (0)

/*
 * Keep the calling thread on the CPU it runs on. Frames sent from psk1 are
 * then queued to that one CPU's backlog and received in the order they were
 * sent (veth_xmit() -> netif_rx()), which rx_barrier relies on. 0 or -1.
 */
int psock_pin_cpu(void);

/* EtherType of the barrier frames (the next local experimental value). */
#define ETH_P_PSOCK_BARRIER 0x88B6

/*
 * A receive barrier: a packet socket on psk0 bound to ETH_P_PSOCK_BARRIER.
 * rx_barrier_sync() sends one barrier frame from psk1 and waits for it; with
 * the thread pinned (psock_pin_cpu()), every frame sent before has then been
 * through psk0's receive path, so a test can read exact counters without
 * polling them (which would clear them).
 */
struct rx_barrier {
	int fd;
	uint32_t seq;
};

/* 0, or -1 with errno. */
int rx_barrier_open(struct rx_barrier *b, struct netns_topo *topo);
/*
 * 0 once the barrier frame arrived; -1 with errno ETIMEDOUT when it did not
 * within timeout_ms (scaled, one deadline for the whole wait), or with the
 * errno of the send, poll or recv that failed.
 */
int rx_barrier_sync(struct rx_barrier *b, struct netns_topo *topo, int timeout_ms);
void rx_barrier_close(struct rx_barrier *b);

#endif

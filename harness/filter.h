/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the socket filter tests (psock/filter_*.c, psock/pcap_filter.c):
 * the receiving end every filter case uses (a socket on psk0, the receive
 * barrier, the namespaces), sending frames and waiting until psk0's filters
 * have run on them, collecting the tagged frames a filter let through, and
 * a one-instruction eBPF socket filter.
 *
 * A filter runs before a frame is stored or counted (run_filter() in
 * packet_rcv() and tpacket_rcv()), so a frame it drops leaves no trace on
 * the socket and cannot be waited for: a case sends a barrier frame behind
 * it (stats.h) and waits for that one instead. The macros are test steps:
 * tests include this header after kselftest_harness.h. It does not include
 * bpf.h (linux/bpf.h), whose struct bpf_insn libpcap's pcap/bpf.h defines
 * too.
 */
#ifndef PSOCK_FILTER_H
#define PSOCK_FILTER_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "psock.h"
#include "stats.h"

/* The receiving end of a filter case. */
struct filter_rx {
	struct netns_topo topo;
	struct rx_barrier barrier;
	int fd;			/* bound to psk0 */
};

/*
 * FIXTURE_SETUP step: pin the thread to its CPU (frames from psk1 then
 * arrive in the order sent, which the barrier relies on), enter fresh
 * namespaces (SKIP and run statement where the machine cannot), open the
 * barrier, and bind a socket of type and version (0: the default) to psk0
 * and proto. Fails the case with the errno of the step that failed.
 */
#define FILTER_RX_SETUP(statement, rx, type, version, proto) do {		\
	(rx)->fd = -1;								\
	(rx)->barrier.fd = -1;							\
	ASSERT_EQ(0, psock_pin_cpu())						\
		TH_LOG("sched_setaffinity: %s", strerror(errno));		\
	PSOCK_NETNS_SETUP(statement, &(rx)->topo, NULL);			\
	ASSERT_EQ(0, rx_barrier_open(&(rx)->barrier, &(rx)->topo))		\
		TH_LOG("barrier socket: %s", strerror(errno));			\
	(rx)->fd = psock_rx_socket((type), (version), (rx)->topo.ifindex0,	\
				   (proto));					\
	ASSERT_LE(0, (rx)->fd) TH_LOG("receiving socket: %s", strerror(errno)); \
} while (0)

/* FIXTURE_TEARDOWN step: close what FILTER_RX_SETUP opened, leave the namespaces. */
void filter_rx_teardown(struct filter_rx *rx);

/*
 * Send the frames of specs[0..n-1] (each with its own seq) from psk1, then
 * a barrier frame, and wait for the barrier (timeout_ms, scaled): every
 * socket on psk0 has then run its filter on each frame. 0, or -1 with the
 * errno of the send or of rx_barrier_sync().
 */
int filter_send_synced(struct filter_rx *rx, const struct frame_spec *specs, unsigned int n,
		       int timeout_ms);

/* Test step: filter_send_synced(), failing the case with the errno. */
#define ASSERT_SEND_SYNCED(rx, specs, n, timeout_ms) do {			\
	ASSERT_EQ(0, filter_send_synced((rx), (specs), (n), (timeout_ms)))	\
		TH_LOG("send from psk1, then the barrier frame: %s",		\
		       strerror(errno));					\
} while (0)

/* One frame recvmsg() returned. */
struct filter_frame {
	struct sockaddr_ll sll;
	uint32_t len;		/* what recvmsg() returned */
	uint32_t seq;		/* of its tag */
	uint8_t data[ETH_FRAME_LEN];
};

/*
 * Receive, without waiting, every frame queued on fd (a SOCK_RAW socket
 * without a ring) until EAGAIN. Barrier frames and frames without this
 * program's tag after the Ethernet header are passed over; the seqs of the
 * others go to seqs (the first max of them), the last of them to *last
 * (unless NULL). The number of tagged frames, or -1 with errno when a
 * recvmsg() failed with another error than EAGAIN.
 */
int filter_drain_tagged(int fd, uint32_t *seqs, unsigned int max, struct filter_frame *last);

/* At most this many frames for ASSERT_QUEUED_SEQS(). */
#define FILTER_QUEUED_MAX 16

/*
 * Test step: the tagged frames queued on fd (filter_drain_tagged()) are
 * exactly those with the seqs want[0..n-1], in this order.
 */
#define ASSERT_QUEUED_SEQS(fd, want, n) do {					\
	uint32_t got_[FILTER_QUEUED_MAX];					\
	int got_n_ = filter_drain_tagged((fd), got_, FILTER_QUEUED_MAX, NULL);	\
										\
	ASSERT_GE(FILTER_QUEUED_MAX, (int)(n));					\
	ASSERT_LE(0, got_n_) TH_LOG("recvmsg: %s", strerror(errno));		\
	ASSERT_EQ((int)(n), got_n_) TH_LOG("tagged frames queued");		\
	for (unsigned int i_ = 0; i_ < (unsigned int)(n); i_++) {		\
		EXPECT_EQ((want)[i_], got_[i_]) TH_LOG("frame %u", i_);	\
	}									\
} while (0)

/*
 * BPF_PROG_LOAD the eBPF socket filter "w0 = k; exit", which returns k for
 * every frame. The program fd, or -1 with errno as
 * ebpf_load_socket_filter(); the verifier log goes to log.
 */
int filter_ebpf_load_ret(uint32_t k, char *log, size_t log_len);

/*
 * Test step: filter_ebpf_load_ret(k) into prog_fd. Where this process may
 * not load eBPF programs (EPERM, EACCES) or the kernel has no bpf(2)
 * (ENOSYS), SKIP and run statement: an absence decided before anything is
 * attached. Any other error fails the case with the verifier's log.
 */
#define FILTER_EBPF_RET(statement, prog_fd, k) do {				\
	char log_[1024];							\
	int err_;								\
										\
	(prog_fd) = filter_ebpf_load_ret((k), log_, sizeof(log_));		\
	err_ = errno;								\
	if ((prog_fd) < 0 && (err_ == EPERM || err_ == EACCES))			\
		SKIP(statement, "bpf(BPF_PROG_LOAD) of a socket filter refused (%s): " \
		     "needs CAP_BPF (Linux 5.8) or CAP_SYS_ADMIN, or "		\
		     "kernel.unprivileged_bpf_disabled=0", strerror(err_));	\
	if ((prog_fd) < 0 && err_ == ENOSYS)					\
		SKIP(statement, "no bpf(2) syscall (CONFIG_BPF_SYSCALL, Linux 3.18)"); \
	ASSERT_LE(0, (prog_fd)) TH_LOG("BPF_PROG_LOAD \"w0 = %u; exit\": %s: %s", \
				       (unsigned int)(k), strerror(err_), log_); \
} while (0)

#endif

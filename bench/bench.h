/* SPDX-License-Identifier: GPL-2.0 */
/*
 * psock-bench: what each way of capturing (and of capturing and forwarding)
 * packets costs, measured on this machine. See psock-bench.c for the
 * topology and README.md ("psock-bench") for how to read the numbers.
 *
 * The program is made of a sender (workers.c: a TX ring on psk0, on one
 * CPU), the capturing or forwarding workers (workers.c: one loop per method,
 * on the other CPU), the run of one measured point (psock-bench.c) and the
 * report (report.c: the table, bench.json and the data gnuplot draws).
 */
#ifndef PSOCK_BENCH_H
#define PSOCK_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/if_packet.h>

#include "ring.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* The second veth pair of the forwarding topology: the forwarder sends out of psk2. */
#define BENCH_IF2 "psk2"
#define BENCH_IF3 "psk3"	/* the sink: frames forwarded are counted here */

/* Frame sizes measured: Ethernet header + payload, without the FCS. */
#define BENCH_NSIZES 3
extern const unsigned int bench_sizes[BENCH_NSIZES];

/* The largest frame a worker receives or sends (a 1500-byte frame fits). */
#define BENCH_BUF 2048

/* How long one wait (poll, a receive timeout) may block before it looks again. */
#define BENCH_WAIT_MS 10

/* Memory of every receive path: rings and socket buffers alike (4 MiB). */
#define BENCH_RX_MEM (4u << 20)

enum bench_kind { KIND_CAPTURE, KIND_FORWARD };

enum bench_method {
	/* capture */
	M_RECVFROM,		/* recvfrom() per frame */
	M_RECVMMSG,		/* recvmmsg(), batch frames at a time */
	M_V2,			/* TPACKET_V2 RX ring, poll() when empty */
	M_V3,			/* TPACKET_V3 RX ring of blocks */
	M_FANOUT,		/* 2 V3 rings in a PACKET_FANOUT_LB group, one per CPU */
	/* forwarding */
	M_FWD_RECVFROM,		/* recvfrom() + sendto() per frame */
	M_FWD_MMSG,		/* recvmmsg() + sendmmsg(), batch frames at a time */
	M_FWD_RING,		/* V3 RX ring -> copy into a V2 TX ring -> one send() per block */
};

/* The name of a method in the JSON and the table. */
const char *bench_method_name(enum bench_method m);

/* One measured point: what was asked, then what was measured. */
struct bench_point {
	enum bench_kind kind;
	enum bench_method method;
	unsigned int size;		/* frame length in bytes */
	unsigned int batch;		/* mmsg methods: frames per call */
	unsigned int block_size;	/* ring methods: RX ring geometry */
	unsigned int block_nr;
	unsigned int frame_size;	/* V2 RX ring */
	unsigned int tov_ms;		/* V3: tp_retire_blk_tov */
	char label[40];			/* method + parameters, unique within a size */

	double window_s;		/* the sender's sending time */
	uint64_t offered;		/* frames the sender put on the wire */
	uint64_t refused;		/* sends psk1's backlog refused (ENOBUFS), retried */
	uint64_t frames;		/* captured (tagged) or, forwarding, counted at the sink */
	uint64_t rx_frames;		/* forwarding: tagged frames the forwarder received */
	uint64_t kpackets, kdrops;	/* PACKET_STATISTICS of the receiving socket(s) */
	uint64_t rx_syscalls;		/* in the measured loop(s) */
	uint64_t tx_syscalls;		/* forwarding */
	uint64_t tx_errors;		/* forwarding: sends psk2 refused (ENOBUFS) */
	uint64_t foreign;		/* frames received without this run's tag */
	int64_t cpu_user_ns, cpu_sys_ns;	/* of the capturing/forwarding threads */
	int64_t rx_cpu_busy_ns;		/* the capturing CPU's busy time (/proc/stat) */
	double ratio;			/* fps / fps of the recvfrom method of this size */
};

static inline double point_fps(const struct bench_point *p)
{
	return p->window_s > 0 ? (double)p->frames / p->window_s : 0;
}

static inline double point_offered_fps(const struct bench_point *p)
{
	return p->window_s > 0 ? (double)p->offered / p->window_s : 0;
}

/* What the run shares: the topology, the CPUs, the time per point. */
struct bench_env {
	int ifindex0, ifindex1, ifindex2, ifindex3;
	int cpu_tx;			/* the sender's CPU */
	int cpu_rx;			/* the capturing / forwarding CPU */
	double duration_s;		/* sending time of one point */
	bool quick;
	bool rps;			/* psk1's frames are received on cpu_rx */
	uint16_t fanout_id;		/* next PACKET_FANOUT group id */
};

/* The start line and the end of the sending, shared by the threads of a point. */
struct bench_sync {
	pthread_barrier_t start;
	atomic_bool sender_done;
	int64_t end_ns;			/* when the sender stopped, once sender_done */
	int64_t drain_ns;		/* then receivers stop at the first idle wait past this long */
	int64_t abort_ns;		/* no worker loop runs past this (CLOCK_MONOTONIC) */
};

/* The sender: a V2 TX ring on psk0 whose slots all hold the same tagged frame. */
struct sender {
	int fd;
	struct ring ring;
	uint8_t *pending;		/* slot i handed to the kernel, not yet counted */
	unsigned int next;		/* the next slot to hand over */
	uint64_t done;			/* slots seen back: frames sent */
	size_t len;
	int cpu;
	double duration_s;
	struct bench_sync *sync;
	uint64_t frames;		/* frames the kernel sent */
	uint64_t refused;		/* sends refused by psk1's full backlog */
	int64_t t0_ns, t1_ns;
};

/* A capturing or forwarding thread and what it counted. */
struct worker {
	const struct bench_point *pt;
	struct bench_sync *sync;
	int cpu;
	int fd;				/* receiving socket, bound to psk1 */
	int txfd;			/* forwarding: sending socket, bound to psk2 */
	struct ring rx, tx;
	struct sockaddr_ll *dst;	/* recvfrom + sendto: where to */
	uint8_t *buf;			/* batch * BENCH_BUF bytes */
	struct mmsghdr *rmsg, *smsg;
	struct iovec *riov, *siov;
	unsigned int tx_head;
	uint64_t frames, foreign, rx_syscalls, tx_syscalls, tx_errors;
	int64_t cpu_user_ns, cpu_sys_ns;
};

/* Print "psock-bench: what: strerror(errno)" and exit 1. */
void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Print "psock-bench: what" and exit 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

int64_t bench_now_ns(void);

/* Wait at the point's start line with the other threads, or die. */
void bench_start_line(struct bench_sync *sync);

/* Pin the calling thread on cpu (sched_setaffinity), or die. */
void bench_pin(int cpu);

/* Open the sender for frames of len bytes (the tagged frame in every slot), or die. */
void sender_open(struct sender *s, const struct bench_env *env, size_t len,
		 struct bench_sync *sync);
void sender_close(struct sender *s);
void *sender_main(void *arg);
/* After the point (every receiver done): count what was sent into frames. */
void sender_finish(struct sender *s);

/*
 * Open the receiving socket of w for pt (and its ring, fanout membership,
 * forwarding socket and buffers), or die. member is the fanout member (0, 1).
 */
void worker_open(struct worker *w, const struct bench_point *pt, struct bench_env *env,
		 struct bench_sync *sync, int cpu, uint16_t fanout_id);
void worker_close(struct worker *w);
void *worker_main(void *arg);

/* The tagged-frame filter every receiving socket gets: ETH_P_PSOCK and this run's tag. */
void bench_attach_filter(int fd);

/* report.c */
struct bench_machine {
	char cpu_model[128];
	long cores;
	char kernel[128];
};

void bench_machine(struct bench_machine *m);
/* Set every point's ratio against the recvfrom point of its kind and size. */
void bench_ratios(struct bench_point *pts, size_t n);
void bench_table(FILE *f, const struct bench_env *env, const struct bench_point *pts, size_t n);
/* bench.json, capture.dat and forward.dat in dir, written whole or not at all. */
void bench_write_outputs(const char *dir, const char *run_id, const struct bench_env *env,
			 const struct bench_machine *m, const struct bench_point *pts, size_t n);

#endif

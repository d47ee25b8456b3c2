// SPDX-License-Identifier: GPL-2.0
/*
 * psock-bench's threads: the sender, and one receive loop per method, each
 * counting the frames it got and the system calls it made to get them.
 *
 * Every wait is bounded: receive timeouts and polls of BENCH_WAIT_MS, after
 * which a loop looks whether the sender is done (then it stops: the frames
 * sent are all in) or the point's abort time passed; sends block at most
 * SO_SNDTIMEO (1 s).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <net/ethernet.h>

#include "bench.h"
#include "bpf.h"
#include "fanout.h"
#include "psock.h"
#include "tx.h"

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fputs("psock-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("psock-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int64_t bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die_errno("clock_gettime(CLOCK_MONOTONIC)");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_start_line(struct bench_sync *sync)
{
	int rc = pthread_barrier_wait(&sync->start);

	if (rc && rc != PTHREAD_BARRIER_SERIAL_THREAD) {
		errno = rc;
		die_errno("pthread_barrier_wait");
	}
}

void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die_errno("sched_setaffinity(CPU %d)", cpu);
}

static void set_timeout(int fd, int opt, int ms, const char *what)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)))
		die_errno("setsockopt(%s)", what);
}

/* The tagged frame of len bytes the sender puts in every slot. */
static void bench_frame(struct tx_frame *f, size_t len)
{
	struct frame_spec spec = { .payload_len = len - ETH_HLEN };

	if (tx_frame_build(f, &spec))
		die_errno("a frame of %zu bytes", len);
}

void bench_attach_filter(int fd)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_PSOCK, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ETH_HLEN),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0 /* the tag's "PSOC" */, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ETH_HLEN + 5),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0 /* the run's cookie */, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct tx_frame f;
	const uint8_t *t = f.wire + ETH_HLEN;

	/* The tag's first 4 bytes and the run's cookie (frame.c), as ld loads them. */
	bench_frame(&f, 64);
	prog[3].k = (uint32_t)t[0] << 24 | t[1] << 16 | t[2] << 8 | t[3];
	prog[5].k = (uint32_t)t[5] << 24 | t[6] << 16 | t[7] << 8 | t[8];
	if (bpf_attach(fd, prog, PROG_LEN(prog)))
		die_errno("SO_ATTACH_FILTER (the tagged-frame filter)");
}

/* ---- the sender ---------------------------------------------------- */

/*
 * The sender's TX ring: SENDER_SLOTS slots, as small as the frame allows.
 * tpacket_snd() attaches a slot's bytes to the skb as page fragments, and
 * veth copies them when it forwards the frame (skb_orphan_frags() in
 * ____dev_forward_skb()), which gives the slot back at once: the receiving
 * side never holds a slot. Sends are MSG_DONTWAIT, so the sender never
 * waits for completions; with no slot free it polls (1 ms at most).
 */
#define SENDER_SLOTS 4096
/* Frames handed to the kernel per send(): how often the clock is read. */
#define SENDER_CHUNK 512

void sender_open(struct sender *s, const struct bench_env *env, size_t len,
		 struct bench_sync *sync)
{
	struct ring_geometry geo = { .block_size = 64 << 10 };
	struct tx_frame *f = malloc(sizeof(*f));
	int one = 1, mem = 64 << 20;

	memset(s, 0, sizeof(*s));
	if (!f)
		die_errno("malloc");
	bench_frame(f, len);
	for (geo.frame_size = 128; geo.frame_size < tx_data_offset(TPACKET_V2) + len;)
		geo.frame_size *= 2;
	geo.block_nr = SENDER_SLOTS / (geo.block_size / geo.frame_size);
	s->len = len;
	s->cpu = env->cpu_tx;
	s->duration_s = env->duration_s;
	s->sync = sync;
	s->fd = tx_socket(SOCK_RAW, TPACKET_V2, env->ifindex0);
	if (s->fd < 0)
		die_errno("sending socket on psk0");
	/* Straight to the driver (packet_direct_xmit()): the fastest sender. */
	if (setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		die_errno("setsockopt(PACKET_QDISC_BYPASS)");
	/*
	 * A frame waiting in psk1's backlog is still charged to the sender
	 * (same namespace: skb_scrub_packet() does not orphan it): room for
	 * a full backlog, so sends do not fail with EAGAIN.
	 */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &mem, sizeof(mem)) &&
	    (errno != EPERM || setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &mem, sizeof(mem))))
		die_errno("setsockopt(SO_SNDBUF, %d)", mem);
	if (ring_open(&s->ring, s->fd, PACKET_TX_RING, &geo))
		die_errno("PACKET_TX_RING on psk0 (%u slots of %u bytes)", SENDER_SLOTS,
			  geo.frame_size);
	s->pending = calloc(s->ring.frame_nr, 1);
	if (!s->pending)
		die_errno("calloc");
	for (unsigned int i = 0; i < s->ring.frame_nr; i++) {
		uint8_t *slot = ring_frame(&s->ring, i);

		memcpy(slot + tx_data_offset(TPACKET_V2), f->wire, len);
		tx_set_len(&s->ring, slot, len);
	}
	free(f);
}

void sender_close(struct sender *s)
{
	if (s->ring.map_base && munmap(s->ring.map_base, s->ring.map_len))
		die_errno("munmap (sender's TX ring)");
	free(s->pending);
	s->pending = NULL;
	memset(&s->ring, 0, sizeof(s->ring));
}

static void check_slot(uint32_t st, unsigned int i)
{
	if (st == TP_STATUS_WRONG_FORMAT)
		die("psk0's TX ring: slot %u came back TP_STATUS_WRONG_FORMAT", i);
}

/*
 * Hand the kernel up to SENDER_CHUNK slots, in ring order from the next one
 * (tpacket_snd() walks the ring from its head and stops at the first slot
 * not requested), counting those that came back since. How many.
 */
static unsigned int sender_request(struct sender *s)
{
	unsigned int k;

	for (k = 0; k < SENDER_CHUNK; k++) {
		void *slot = ring_frame(&s->ring, s->next);
		uint32_t st = tx_status(&s->ring, slot);

		check_slot(st, s->next);
		if (st != TP_STATUS_AVAILABLE)
			break;
		if (s->pending[s->next])
			s->done++;
		tx_set_status(&s->ring, slot, TP_STATUS_SEND_REQUEST);
		s->pending[s->next] = 1;
		s->next = (s->next + 1) % s->ring.frame_nr;
	}
	return k;
}

void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
	int64_t end, now;

	bench_pin(s->cpu);
	bench_start_line(s->sync);
	s->t0_ns = bench_now_ns();
	end = s->t0_ns + (int64_t)(s->duration_s * 1e9);
	do {
		unsigned int k = sender_request(s);
		ssize_t n = send(s->fd, NULL, 0, MSG_DONTWAIT);

		if (n < 0) {
			/*
			 * The receiving CPU's backlog was full (netdev_max_backlog):
			 * veth_xmit() dropped the frame, and tpacket_snd() put its
			 * slot back to TP_STATUS_SEND_REQUEST, so the next send()
			 * tries it again. A full backlog slows the sender down.
			 */
			if (errno == ENOBUFS)
				s->refused++;
			else if (errno != EAGAIN && errno != EINTR)
				die_errno("send() of psk0's TX ring");
		}
		/* No slot free and nothing sent: wait (1 ms at most) for one to come back. */
		if (!k && n <= 0 && poll(&pfd, 1, 1) < 0 && errno != EINTR)
			die_errno("poll (psk0's TX ring)");
		now = bench_now_ns();
	} while (now < end);
	s->t1_ns = now;
	s->sync->end_ns = now;
	atomic_store_explicit(&s->sync->sender_done, true, memory_order_release);
	return NULL;
}

void sender_finish(struct sender *s)
{
	for (unsigned int i = 0; i < s->ring.frame_nr; i++) {
		uint32_t st = tx_status(&s->ring, ring_frame(&s->ring, i));

		check_slot(st, i);
		/* Back, or still held by a clone on a receiving socket: sent either way. */
		if (s->pending[i] && st != TP_STATUS_SEND_REQUEST)
			s->done++;
		s->pending[i] = 0;
	}
	s->frames = s->done;
}

/* ---- the receiving side -------------------------------------------- */

/* V2 TX ring of the ring-copy forwarder: 1024 slots of 2048 bytes. */
static const struct ring_geometry fwd_tx_geo = {
	.block_size = 64 << 10,
	.block_nr = 32,
	.frame_size = BENCH_BUF,
};

static bool is_ring(enum bench_method m)
{
	return m == M_V2 || m == M_V3 || m == M_FANOUT || m == M_FWD_RING;
}

/* A plain receiving socket: BENCH_RX_MEM of buffer, receive timeout BENCH_WAIT_MS. */
static void plain_rx_setup(int fd)
{
	int mem = BENCH_RX_MEM;

	/* Past net.core.rmem_max needs CAP_NET_ADMIN; without it the cap applies. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &mem, sizeof(mem)) &&
	    (errno != EPERM || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &mem, sizeof(mem))))
		die_errno("setsockopt(SO_RCVBUF, %d)", mem);
	set_timeout(fd, SO_RCVTIMEO, BENCH_WAIT_MS, "SO_RCVTIMEO");
}

static void worker_buffers(struct worker *w, unsigned int batch)
{
	w->buf = malloc((size_t)batch * BENCH_BUF);
	w->rmsg = calloc(batch, sizeof(*w->rmsg));
	w->smsg = calloc(batch, sizeof(*w->smsg));
	w->riov = calloc(batch, sizeof(*w->riov));
	w->siov = calloc(batch, sizeof(*w->siov));
	if (!w->buf || !w->rmsg || !w->smsg || !w->riov || !w->siov)
		die_errno("buffers for a batch of %u", batch);
	for (unsigned int i = 0; i < batch; i++) {
		w->riov[i].iov_base = w->buf + (size_t)i * BENCH_BUF;
		w->riov[i].iov_len = BENCH_BUF;
		w->rmsg[i].msg_hdr.msg_iov = &w->riov[i];
		w->rmsg[i].msg_hdr.msg_iovlen = 1;
		w->siov[i].iov_base = w->riov[i].iov_base;
		w->smsg[i].msg_hdr.msg_iov = &w->siov[i];
		w->smsg[i].msg_hdr.msg_iovlen = 1;
	}
}

void worker_open(struct worker *w, const struct bench_point *pt, struct bench_env *env,
		 struct bench_sync *sync, int cpu, uint16_t fanout_id)
{
	int version = pt->method == M_V2 ? TPACKET_V2 : is_ring(pt->method) ? TPACKET_V3 : 0;
	struct ring_geometry geo = {
		.block_size = pt->block_size,
		.block_nr = pt->block_nr,
		.frame_size = pt->method == M_V2 ? pt->frame_size : BENCH_BUF,
		.retire_blk_tov = pt->tov_ms,
	};

	memset(w, 0, sizeof(*w));
	w->pt = pt;
	w->sync = sync;
	w->cpu = cpu;
	w->txfd = -1;
	w->fd = psock_rx_socket(SOCK_RAW, version, env->ifindex1, ETH_P_PSOCK);
	if (w->fd < 0)
		die_errno("receiving socket on psk1");
	bench_attach_filter(w->fd);
	if (version) {
		if (ring_open(&w->rx, w->fd, PACKET_RX_RING, &geo))
			die_errno("PACKET_RX_RING (%s, %u blocks of %u bytes)", pt->label,
				  geo.block_nr, geo.block_size);
	} else {
		plain_rx_setup(w->fd);
	}
	if (pt->method == M_FANOUT && fanout_join(w->fd, fanout_id, PACKET_FANOUT_LB))
		die_errno("PACKET_FANOUT (group %u, PACKET_FANOUT_LB)", fanout_id);
	worker_buffers(w, pt->batch ? pt->batch : 1);
	if (pt->kind != KIND_FORWARD)
		return;

	w->txfd = tx_socket(SOCK_RAW, pt->method == M_FWD_RING ? TPACKET_V2 : 0, env->ifindex2);
	if (w->txfd < 0)
		die_errno("sending socket on " BENCH_IF2);
	set_timeout(w->txfd, SO_SNDTIMEO, 1000, "SO_SNDTIMEO");
	if (pt->method == M_FWD_RING && ring_open(&w->tx, w->txfd, PACKET_TX_RING, &fwd_tx_geo))
		die_errno("PACKET_TX_RING on " BENCH_IF2);
	w->dst = malloc(sizeof(*w->dst));
	if (!w->dst)
		die_errno("malloc");
	*w->dst = tx_addr(env->ifindex2, ETH_P_PSOCK, (const uint8_t[6])NETNS_MAC1);
}

void worker_close(struct worker *w)
{
	if (w->rx.map_base && munmap(w->rx.map_base, w->rx.map_len))
		die_errno("munmap (RX ring)");
	if (w->tx.map_base && munmap(w->tx.map_base, w->tx.map_len))
		die_errno("munmap (TX ring)");
	free(w->buf);
	free(w->rmsg);
	free(w->smsg);
	free(w->riov);
	free(w->siov);
	free(w->dst);
	w->buf = NULL;
	w->rmsg = w->smsg = NULL;
	w->riov = w->siov = NULL;
	w->dst = NULL;
}

static void count_frame(struct worker *w, const uint8_t *f, size_t len)
{
	if (len > ETH_HLEN && frame_tag(f + ETH_HLEN, len - ETH_HLEN, NULL))
		w->frames++;
	else
		w->foreign++;
}

/*
 * After a wait that found nothing: is the point over? Once the sender is
 * done and its last frames had the time to show up (a V3 block is handed
 * over only when full or when its retire timer fires), yes.
 */
static bool idle_stop(const struct worker *w)
{
	int64_t now = bench_now_ns();

	if (atomic_load_explicit(&w->sync->sender_done, memory_order_acquire) &&
	    now >= w->sync->end_ns + w->sync->drain_ns)
		return true;
	return now > w->sync->abort_ns;
}

/*
 * After a receive call failed: nothing came within its timeout (or a signal
 * came), else die with the errno. True when the point is over.
 */
static bool rx_idle(const struct worker *w, const char *call)
{
	if (errno != EAGAIN && errno != EINTR)
		die_errno("%s on psk1", call);
	return idle_stop(w);
}

/* Every 1024 rounds of a busy loop: did it run past the abort time? */
static bool past_abort(const struct worker *w, uint64_t round)
{
	return !(round & 1023) && bench_now_ns() > w->sync->abort_ns;
}

/* Wait for the RX ring (poll); true when the point is over. */
static bool ring_wait(struct worker *w)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	int rc = poll(&pfd, 1, BENCH_WAIT_MS);

	w->rx_syscalls++;
	if (rc < 0 && errno != EINTR)
		die_errno("poll (RX ring)");
	return rc == 0 && idle_stop(w);
}

/* A failed send on the forwarding side: ENOBUFS is a frame psk2 refused. */
static void tx_failed(struct worker *w, const char *what)
{
	if (errno == ENOBUFS)
		w->tx_errors++;
	else if (errno != EINTR)
		die_errno("%s on " BENCH_IF2, what);
}

static void tx_ring_flush(struct worker *w)
{
	w->tx_syscalls++;
	if (send(w->txfd, NULL, 0, 0) < 0)
		tx_failed(w, "send() of the TX ring");
}

/* Copy one frame into the next TX slot, sending or waiting for a free one first. */
static void tx_ring_put(struct worker *w, const uint8_t *data, size_t len)
{
	uint8_t *slot = ring_frame(&w->tx, w->tx_head);
	int64_t deadline = 0;
	uint32_t st;

	while ((st = tx_status(&w->tx, slot)) != TP_STATUS_AVAILABLE) {
		if (st == TP_STATUS_WRONG_FORMAT)
			die("TX ring on " BENCH_IF2 ": slot %u came back TP_STATUS_WRONG_FORMAT",
			    w->tx_head);
		if (!deadline)
			deadline = bench_now_ns() + 1000000000;
		else if (bench_now_ns() > deadline)
			die("TX ring on " BENCH_IF2 ": slot %u not given back within 1 s",
			    w->tx_head);
		if (st & TP_STATUS_SEND_REQUEST) {
			tx_ring_flush(w);
		} else {
			struct pollfd pfd = { .fd = w->txfd, .events = POLLOUT };

			w->tx_syscalls++;
			if (poll(&pfd, 1, BENCH_WAIT_MS) < 0 && errno != EINTR)
				die_errno("poll (TX ring on " BENCH_IF2 ")");
		}
	}
	memcpy(slot + tx_data_offset(TPACKET_V2), data, len);
	tx_set_len(&w->tx, slot, len);
	tx_set_status(&w->tx, slot, TP_STATUS_SEND_REQUEST);
	w->tx_head = (w->tx_head + 1) % w->tx.frame_nr;
}

static void loop_recvfrom(struct worker *w, bool forward)
{
	for (uint64_t round = 0; !past_abort(w, round); round++) {
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(w->fd, w->buf, BENCH_BUF, 0, (struct sockaddr *)&from,
				     &fromlen);

		w->rx_syscalls++;
		if (n < 0) {
			if (rx_idle(w, "recvfrom"))
				break;
			continue;
		}
		count_frame(w, w->buf, n);
		if (!forward)
			continue;
		w->tx_syscalls++;
		if (sendto(w->txfd, w->buf, n, 0, (struct sockaddr *)w->dst, sizeof(*w->dst)) < 0)
			tx_failed(w, "sendto");
	}
}

static void loop_mmsg(struct worker *w, bool forward)
{
	unsigned int batch = w->pt->batch;

	for (uint64_t round = 0; !past_abort(w, round); round++) {
		int k = recvmmsg(w->fd, w->rmsg, batch, MSG_WAITFORONE, NULL);

		w->rx_syscalls++;
		if (k < 0) {
			if (rx_idle(w, "recvmmsg"))
				break;
			continue;
		}
		for (int i = 0; i < k; i++) {
			count_frame(w, w->riov[i].iov_base, w->rmsg[i].msg_len);
			w->siov[i].iov_len = w->rmsg[i].msg_len;
		}
		for (int sent = 0; forward && sent < k;) {
			int n = sendmmsg(w->txfd, w->smsg + sent, k - sent, 0);

			w->tx_syscalls++;
			if (n > 0) {
				sent += n;
				continue;
			}
			if (n == 0)
				die("sendmmsg on " BENCH_IF2 " sent nothing");
			tx_failed(w, "sendmmsg");
			sent++;	/* the refused frame is not tried again */
		}
	}
}

static void loop_v2(struct worker *w)
{
	struct ring *r = &w->rx;
	unsigned int head = 0;

	for (uint64_t round = 0; !past_abort(w, round); round++) {
		struct tpacket2_hdr *h = ring_frame(r, head);

		if (!(tpacket_status(TPACKET_V2, h) & TP_STATUS_USER)) {
			if (ring_wait(w))
				break;
			continue;
		}
		count_frame(w, (uint8_t *)h + h->tp_mac, h->tp_snaplen);
		tpacket_set_status(TPACKET_V2, h, TP_STATUS_KERNEL);
		head = (head + 1) % r->frame_nr;
	}
}

/* V3 blocks; forwarding copies each packet into the TX ring, one send() per block. */
static void loop_v3(struct worker *w, bool forward)
{
	struct ring *r = &w->rx;
	unsigned int head = 0;

	for (uint64_t round = 0; !past_abort(w, round); round++) {
		struct tpacket_block_desc *b = ring_block(r, head);
		const uint8_t *p;
		unsigned int n;

		if (!(ring_status(r, b) & TP_STATUS_USER)) {
			if (ring_wait(w))
				break;
			continue;
		}
		n = b->hdr.bh1.num_pkts;
		p = (const uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
		for (unsigned int i = 0; i < n; i++) {
			const struct tpacket3_hdr *h = (const void *)p;

			count_frame(w, p + h->tp_mac, h->tp_snaplen);
			if (forward)
				tx_ring_put(w, p + h->tp_mac, h->tp_snaplen);
			p += h->tp_next_offset;
		}
		ring_set_status(r, b, TP_STATUS_KERNEL);
		head = (head + 1) % r->geo.block_nr;
		if (forward && n)
			tx_ring_flush(w);
	}
}

static int64_t tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rusage r0, r1;

	bench_pin(w->cpu);
	bench_start_line(w->sync);
	if (getrusage(RUSAGE_THREAD, &r0))
		die_errno("getrusage(RUSAGE_THREAD)");
	switch (w->pt->method) {
	case M_RECVFROM:
	case M_FWD_RECVFROM:
		loop_recvfrom(w, w->pt->kind == KIND_FORWARD);
		break;
	case M_RECVMMSG:
	case M_FWD_MMSG:
		loop_mmsg(w, w->pt->kind == KIND_FORWARD);
		break;
	case M_V2:
		loop_v2(w);
		break;
	case M_V3:
	case M_FANOUT:
	case M_FWD_RING:
		loop_v3(w, w->pt->method == M_FWD_RING);
		break;
	}
	if (getrusage(RUSAGE_THREAD, &r1))
		die_errno("getrusage(RUSAGE_THREAD)");
	w->cpu_user_ns = tv_ns(&r1.ru_utime) - tv_ns(&r0.ru_utime);
	w->cpu_sys_ns = tv_ns(&r1.ru_stime) - tv_ns(&r0.ru_stime);
	return NULL;
}

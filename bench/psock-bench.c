// SPDX-License-Identifier: GPL-2.0
/*
 * psock-bench: capture and capture-and-forward with packet sockets, method
 * by method, on this machine. Not a test: it passes or fails nothing, it
 * measures (README.md, "psock-bench").
 *
 * Topology, in one throwaway network namespace (netns_setup(): nothing in
 * the initial namespace; the namespace lives only as long as this process,
 * so it goes even when the process is killed):
 *
 *   sender (CPU A)                 capture / forwarder (CPU B)
 *   TX ring on psk0 ==== veth ===> psk1 --(forwarding only)--> psk2 ==== veth ===> psk3
 *                                                                          sink: counted by
 *                                                                          PACKET_STATISTICS
 *
 * Every frame is an ETH_P_PSOCK (0x88B5) frame whose payload starts with the
 * tag of frame.c ("PSOCK", this run's cookie, a seq); every receiving socket
 * has a classic BPF filter that lets only those through, so the kernel's
 * counters (PACKET_STATISTICS) and ours count nothing else. The sink is a
 * packet socket on psk3 that is never read: its filter passes the tagged
 * frames and its PACKET_STATISTICS tp_packets counts every one of them,
 * queued or dropped, at no cost to the forwarder but the filter.
 *
 * veth hands a frame to its peer in the sender's context (veth_xmit() ->
 * __netif_rx()), and without more the kernel's half of receiving
 * (packet_rcv() or tpacket_rcv(): the filter, queueing or copying into the
 * ring) would run in the sender's softirq, on the sending CPU. Receive Packet
 * Steering on psk1 (steer_rx()) moves it to the capturing CPU, as a NIC's
 * interrupt on that CPU would: the sender's CPU only sends, the capturing
 * CPU does all of receiving. Two CPU figures per point: the capturing
 * threads' own time (getrusage(RUSAGE_THREAD): their system calls and
 * copies, plus the softirqs that happened to run on them), and the whole
 * busy time of the capturing CPU (/proc/stat: threads, softirqs, the
 * kernel's receive path), each per frame. The forwarder's sends run psk3's
 * receive (the sink's filter) inline, on the forwarder's CPU.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "psock.h"
#include "stats.h"

const unsigned int bench_sizes[BENCH_NSIZES] = { 64, 512, 1500 };

static const char *const method_names[] = {
	[M_RECVFROM] = "recvfrom",
	[M_RECVMMSG] = "recvmmsg",
	[M_V2] = "v2_ring",
	[M_V3] = "v3_ring",
	[M_FANOUT] = "v3_fanout2",
	[M_FWD_RECVFROM] = "recvfrom_sendto",
	[M_FWD_MMSG] = "recvmmsg_sendmmsg",
	[M_FWD_RING] = "ring_copy",
};

const char *bench_method_name(enum bench_method m)
{
	return method_names[m];
}

/* The parameters measured, per size (block size x retire timeout for V3). */
static const unsigned int v3_blocks[] = { 64 << 10, 1 << 20 };
static const unsigned int v3_tovs[] = { 1, 10 };
static const unsigned int fwd_batches[] = { 16, 256, 1024 };

#define MAX_POINTS 64

static void point_ring(struct bench_point *p, unsigned int block_size, unsigned int tov)
{
	p->block_size = block_size;
	p->block_nr = BENCH_RX_MEM / block_size;
	p->tov_ms = tov;
}

static struct bench_point *add_point(struct bench_point *pts, size_t *n, enum bench_kind kind,
				     enum bench_method m, unsigned int size)
{
	struct bench_point *p = &pts[(*n)++];

	if (*n > MAX_POINTS)
		die("more than %d points", MAX_POINTS);
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->method = m;
	p->size = size;
	snprintf(p->label, sizeof(p->label), "%s", bench_method_name(m));
	return p;
}

static size_t make_points(struct bench_point *pts)
{
	struct bench_point *p;
	size_t n = 0;

	for (int s = 0; s < BENCH_NSIZES; s++) {
		unsigned int size = bench_sizes[s];

		add_point(pts, &n, KIND_CAPTURE, M_RECVFROM, size);
		p = add_point(pts, &n, KIND_CAPTURE, M_RECVMMSG, size);
		p->batch = 64;
		snprintf(p->label, sizeof(p->label), "recvmmsg b=64");
		p = add_point(pts, &n, KIND_CAPTURE, M_V2, size);
		point_ring(p, 64 << 10, 0);
		p->frame_size = BENCH_BUF;
		snprintf(p->label, sizeof(p->label), "v2 ring");
		for (size_t b = 0; b < ARRAY_SIZE(v3_blocks); b++) {
			for (size_t t = 0; t < ARRAY_SIZE(v3_tovs); t++) {
				p = add_point(pts, &n, KIND_CAPTURE, M_V3, size);
				point_ring(p, v3_blocks[b], v3_tovs[t]);
				snprintf(p->label, sizeof(p->label), "v3 %uK/%ums",
					 v3_blocks[b] >> 10, v3_tovs[t]);
			}
		}
		p = add_point(pts, &n, KIND_CAPTURE, M_FANOUT, size);
		point_ring(p, 64 << 10, 1);
		snprintf(p->label, sizeof(p->label), "v3 fanout x2");

		add_point(pts, &n, KIND_FORWARD, M_FWD_RECVFROM, size);
		snprintf(pts[n - 1].label, sizeof(pts[n - 1].label), "recvfrom+sendto");
		for (size_t b = 0; b < ARRAY_SIZE(fwd_batches); b++) {
			p = add_point(pts, &n, KIND_FORWARD, M_FWD_MMSG, size);
			p->batch = fwd_batches[b];
			snprintf(p->label, sizeof(p->label), "mmsg b=%u", fwd_batches[b]);
		}
		p = add_point(pts, &n, KIND_FORWARD, M_FWD_RING, size);
		point_ring(p, 64 << 10, 1);
		snprintf(p->label, sizeof(p->label), "ring copy");
	}
	return n;
}

/*
 * Receive Packet Steering of psk1's queue to the capturing CPU. Its knob,
 * rps_cpus, is in sysfs, and /sys/class/net shows the network namespace of
 * the process that mounted sysfs: like `ip netns exec`, this process takes
 * a mount namespace of its own (private, so nothing propagates out) and
 * mounts its network namespace's sysfs over /sys there. Both go with the
 * process. Before any thread starts: unshare() moves the calling thread
 * only. 0, or -1 with the reason in why.
 */
static int steer_rx(const struct bench_env *env, char *why, size_t whylen)
{
	char path[128], mask[512] = "";
	int cpu = env->cpu_rx, fd;
	size_t len = 0;
	ssize_t n;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL)) {
		snprintf(why, whylen, "a mount namespace with this network namespace's sysfs: %s",
			 strerror(errno));
		return -1;
	}
	/* The mask in 32-bit groups, highest first: "1,00000000" for CPU 32. */
	for (int group = cpu / 32; group >= 0; group--)
		len += snprintf(mask + len, sizeof(mask) - len, "%s%0*x", len ? "," : "",
				len ? 8 : 1, group == cpu / 32 ? 1u << (cpu % 32) : 0);
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-0/rps_cpus", NETNS_IF1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s (a kernel without CONFIG_RPS?)", path,
			 strerror(errno));
		return -1;
	}
	n = write(fd, mask, len);
	if (n != (ssize_t)len || close(fd)) {
		snprintf(why, whylen, "writing %s to %s: %s", mask, path,
			 n < 0 || n == (ssize_t)len ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/* Busy time of one CPU so far (/proc/stat: all but idle and iowait), in ns. */
static int64_t cpu_busy_ns(int cpu)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	FILE *f = fopen("/proc/stat", "r");
	long tck = sysconf(_SC_CLK_TCK);
	char line[512], name[16];
	int64_t busy = -1;

	if (!f)
		die_errno("/proc/stat");
	snprintf(name, sizeof(name), "cpu%d", cpu);
	while (busy < 0 && fgets(line, sizeof(line), f)) {
		size_t nl = strlen(name);

		if (strncmp(line, name, nl) || line[nl] != ' ')
			continue;
		if (sscanf(line + nl, "%llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice,
			   &sys, &idle, &iowait, &irq, &softirq, &steal) != 8)
			die("/proc/stat: cannot read the line of %s", name);
		busy = (int64_t)(user + nice + sys + irq + softirq + steal) * (1000000000 / tck);
	}
	if (ferror(f) | fclose(f))
		die_errno("reading /proc/stat");
	if (busy < 0)
		die("/proc/stat has no line for %s", name);
	return busy;
}

/* PACKET_STATISTICS since the last read, added to *packets and *drops. */
static void add_stats(int fd, uint64_t *packets, uint64_t *drops)
{
	struct psock_stats st;

	if (psock_stats_read(fd, &st))
		die_errno("PACKET_STATISTICS");
	*packets += st.packets;
	*drops += st.drops;
}

static void join_by(pthread_t t, const struct timespec *deadline, const char *who)
{
	int err = pthread_timedjoin_np(t, NULL, deadline);

	if (err) {
		errno = err;
		die_errno("waiting for the %s thread", who);
	}
}

static void run_point(struct bench_env *env, struct bench_point *pt, int sink)
{
	unsigned int nw = pt->method == M_FANOUT ? 2 : 1;
	uint64_t ignored = 0, sink_packets = 0;
	int64_t busy0;
	struct bench_sync sync;
	struct worker w[2];
	struct timespec join_deadline;
	struct sender s;
	pthread_t ts, tw[2];
	int fds[5], nfds = 0, err;
	uint16_t id = env->fanout_id++;

	err = pthread_barrier_init(&sync.start, NULL, nw + 2);
	if (err) {
		errno = err;
		die_errno("pthread_barrier_init");
	}
	atomic_init(&sync.sender_done, false);
	sender_open(&s, env, pt->size, &sync);
	for (unsigned int i = 0; i < nw; i++)
		worker_open(&w[i], pt, env, &sync, i ? env->cpu_tx : env->cpu_rx, id);
	/* Clear the counters: from here on they count this point only. */
	for (unsigned int i = 0; i < nw; i++)
		add_stats(w[i].fd, &ignored, &ignored);
	add_stats(sink, &ignored, &ignored);

	/* The sender stops after duration_s; nothing runs 5 s past that. */
	sync.abort_ns = bench_now_ns() + (int64_t)((env->duration_s + 5) * 1e9);
	/* Two retire timeouts and a wait: the last block is handed over by then. */
	sync.drain_ns = (int64_t)(2 * pt->tov_ms + BENCH_WAIT_MS) * 1000000;
	err = pthread_create(&ts, NULL, sender_main, &s);
	for (unsigned int i = 0; !err && i < nw; i++)
		err = pthread_create(&tw[i], NULL, worker_main, &w[i]);
	if (err) {
		errno = err;
		die_errno("pthread_create");
	}
	bench_start_line(&sync);
	busy0 = cpu_busy_ns(env->cpu_rx);
	if (clock_gettime(CLOCK_REALTIME, &join_deadline))
		die_errno("clock_gettime(CLOCK_REALTIME)");
	join_deadline.tv_sec += (time_t)env->duration_s + 8;
	join_by(ts, &join_deadline, "sender");
	for (unsigned int i = 0; i < nw; i++)
		join_by(tw[i], &join_deadline, "receiving");
	pt->rx_cpu_busy_ns = cpu_busy_ns(env->cpu_rx) - busy0;
	err = pthread_barrier_destroy(&sync.start);
	if (err) {
		errno = err;
		die_errno("pthread_barrier_destroy");
	}
	sender_finish(&s);

	pt->window_s = (double)(s.t1_ns - s.t0_ns) / 1e9;
	pt->offered = s.frames;
	pt->refused = s.refused;
	for (unsigned int i = 0; i < nw; i++) {
		add_stats(w[i].fd, &pt->kpackets, &pt->kdrops);
		pt->frames += w[i].frames;
		pt->foreign += w[i].foreign;
		pt->rx_syscalls += w[i].rx_syscalls;
		pt->tx_syscalls += w[i].tx_syscalls;
		pt->tx_errors += w[i].tx_errors;
		pt->cpu_user_ns += w[i].cpu_user_ns;
		pt->cpu_sys_ns += w[i].cpu_sys_ns;
	}
	if (pt->kind == KIND_FORWARD) {
		add_stats(sink, &sink_packets, &ignored);
		pt->rx_frames = pt->frames;
		pt->frames = sink_packets;
	}

	fds[nfds++] = s.fd;
	sender_close(&s);
	for (unsigned int i = 0; i < nw; i++) {
		fds[nfds++] = w[i].fd;
		if (w[i].txfd >= 0)
			fds[nfds++] = w[i].txfd;
		worker_close(&w[i]);
	}
	/* Each packet socket's close waits for an RCU grace period: all at once. */
	if (psock_close_in_threads(fds, nfds))
		die_errno("close");
}

/* The sink on psk3: tagged frames only, never read, its smallest buffer. */
static int open_sink(const struct bench_env *env)
{
	int fd = psock_rx_socket(SOCK_RAW, 0, env->ifindex3, ETH_P_PSOCK), zero = 0;

	if (fd < 0)
		die_errno("sink socket on " BENCH_IF3);
	bench_attach_filter(fd);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero)))
		die_errno("setsockopt(SO_RCVBUF) of the sink");
	return fd;
}

/* The first two CPUs this process may run on (one, twice, on a 1-CPU machine). */
static void pick_cpus(struct bench_env *env)
{
	cpu_set_t set;
	int found = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		die_errno("sched_getaffinity");
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (found++)
			env->cpu_rx = c;
		else
			env->cpu_tx = c;
	}
	if (!found)
		die("no CPU to run on");
	if (found == 1) {
		env->cpu_rx = env->cpu_tx;
		fprintf(stderr, "psock-bench: warning: only CPU %d available: sender and receiver share it\n",
			env->cpu_tx);
	}
}

/* --cpus: both must be CPUs this process may run on. */
static void check_cpus(const struct bench_env *env)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		die_errno("sched_getaffinity");
	if (!CPU_ISSET(env->cpu_tx, &set) || !CPU_ISSET(env->cpu_rx, &set))
		die("--cpus %d,%d: CPU %d is not one this process may run on", env->cpu_tx,
		    env->cpu_rx, CPU_ISSET(env->cpu_tx, &set) ? env->cpu_rx : env->cpu_tx);
}

static int parse_cpus(const char *arg, struct bench_env *env)
{
	char *end;
	long a = strtol(arg, &end, 10), b;

	if (end == arg || *end != ',' || a < 0 || a >= CPU_SETSIZE)
		return -1;
	arg = end + 1;
	b = strtol(arg, &end, 10);
	if (end == arg || *end || b < 0 || b >= CPU_SETSIZE)
		return -1;
	env->cpu_tx = (int)a;
	env->cpu_rx = (int)b;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: psock-bench [-q] [-d SECONDS] [-o DIR] [--run-id ID] [--cpus TX,RX]\n"
		"Measure AF_PACKET capture and forwarding methods over veth pairs in a\n"
		"throwaway network namespace (root, or unprivileged user namespaces).\n"
		"  -q, --quick          smoke run: %.2f s per point (default %.1f s)\n"
		"  -d, --duration SEC   sending time per point, 0.01 to 60\n"
		"  -o, --out DIR        write DIR/bench.json, capture.dat, forward.dat\n"
		"      --run-id ID      the run's name in bench.json (default: a timestamp)\n"
		"      --cpus TX,RX     the sender's CPU and the capturing CPU (default: the first two)\n"
		"  -h, --help           this text\n"
		"The table goes to stdout. Exit 0, 1 on an error, 2 on a usage error.\n",
		0.05, 2.0);
}

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	fputs("psock-bench: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "duration", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "run-id", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_env env = { .duration_s = 0, .fanout_id = 0x5b00 };
	static struct bench_point pts[MAX_POINTS];
	const char *out = NULL, *run_id = NULL;
	struct bench_machine machine;
	struct netns_topo topo;
	bool cpus_given = false;
	char why[256], id_buf[32];
	int opt, sink, rc;
	size_t n;

	while ((opt = getopt_long(argc, argv, "qd:o:h", opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'q':
			env.quick = true;
			break;
		case 'd':
			env.duration_s = strtod(optarg, &end);
			if (end == optarg || *end || !(env.duration_s >= 0.01 && env.duration_s <= 60))
				usage_error("--duration '%s': seconds from 0.01 to 60", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'r':
			run_id = optarg;
			break;
		case 'c':
			if (parse_cpus(optarg, &env))
				usage_error("--cpus '%s': two CPU numbers, TX,RX", optarg);
			cpus_given = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!env.duration_s)
		env.duration_s = env.quick ? 0.05 : 2.0;
	if (!cpus_given)
		pick_cpus(&env);
	else
		check_cpus(&env);
	if (!run_id) {
		time_t now = time(NULL);

		strftime(id_buf, sizeof(id_buf), "%Y%m%d-%H%M%S", localtime(&now));
		run_id = id_buf;
	}
	bench_machine(&machine);

	rc = netns_setup(NULL, &topo, why, sizeof(why));
	if (rc != NETNS_OK)
		die("cannot build the namespaces: %s", why);
	if (netns_add_veth(BENCH_IF2, BENCH_IF3, why, sizeof(why)))
		die("cannot add " BENCH_IF2 "/" BENCH_IF3 ": %s", why);
	env.rps = !steer_rx(&env, why, sizeof(why));
	if (!env.rps)
		fprintf(stderr, "psock-bench: warning: no Receive Packet Steering on psk1, frames are received on the sender's CPU: %s\n",
			why);
	env.ifindex0 = topo.ifindex0;
	env.ifindex1 = topo.ifindex1;
	env.ifindex2 = (int)if_nametoindex(BENCH_IF2);
	env.ifindex3 = (int)if_nametoindex(BENCH_IF3);
	if (!env.ifindex2 || !env.ifindex3)
		die_errno("if_nametoindex(" BENCH_IF2 ", " BENCH_IF3 ")");
	sink = open_sink(&env);

	n = make_points(pts);
	for (size_t i = 0; i < n; i++)
		run_point(&env, &pts[i], sink);
	if (close(sink))
		die_errno("close (sink)");
	netns_teardown(&topo);

	bench_ratios(pts, n);
	bench_table(stdout, &env, pts, n);
	if (fflush(stdout))
		die_errno("stdout");
	if (out)
		bench_write_outputs(out, run_id, &env, &machine, pts, n);
	return 0;
}

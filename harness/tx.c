// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit-side helpers; see tx.h for what each one promises.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "tx.h"

size_t tx_data_offset(int version)
{
	return TPACKET_ALIGN(tpacket_hdr_size(version));
}

static uint32_t *tx_status_word(const struct ring *r, const void *frame)
{
	if (r->version == TPACKET_V3)
		return &((struct tpacket3_hdr *)frame)->tp_status;
	if (r->version == TPACKET_V2)
		return &((struct tpacket2_hdr *)frame)->tp_status;
	/* V1's tp_status is an unsigned long; its low 32 bits hold the flags. */
	return (uint32_t *)&((struct tpacket_hdr *)frame)->tp_status;
}

uint32_t tx_status(const struct ring *r, const void *frame)
{
	return __atomic_load_n(tx_status_word(r, frame), __ATOMIC_ACQUIRE);
}

void tx_set_status(const struct ring *r, void *frame, uint32_t status)
{
	__atomic_store_n(tx_status_word(r, frame), status, __ATOMIC_RELEASE);
}

void tx_set_len(const struct ring *r, void *frame, uint32_t len)
{
	if (r->version == TPACKET_V3)
		((struct tpacket3_hdr *)frame)->tp_len = len;
	else if (r->version == TPACKET_V2)
		((struct tpacket2_hdr *)frame)->tp_len = len;
	else
		((struct tpacket_hdr *)frame)->tp_len = len;
}

void tx_set_offsets(const struct ring *r, void *frame, uint16_t mac, uint16_t net)
{
	if (r->version == TPACKET_V3) {
		((struct tpacket3_hdr *)frame)->tp_mac = mac;
		((struct tpacket3_hdr *)frame)->tp_net = net;
	} else if (r->version == TPACKET_V2) {
		((struct tpacket2_hdr *)frame)->tp_mac = mac;
		((struct tpacket2_hdr *)frame)->tp_net = net;
	} else {
		((struct tpacket_hdr *)frame)->tp_mac = mac;
		((struct tpacket_hdr *)frame)->tp_net = net;
	}
}

void *tx_put(struct ring *r, unsigned int i, size_t off, const void *data, size_t len)
{
	uint8_t *f = ring_frame(r, i);

	memcpy(f + (off ? off : tx_data_offset(r->version)), data, len);
	tx_set_len(r, f, len);
	tx_set_status(r, f, TP_STATUS_SEND_REQUEST);
	return f;
}

bool tx_wait_status(const struct ring *r, const void *frame, uint32_t want, int timeout_ms)
{
	int64_t deadline = psock_monotonic_ms() + psock_timeout_ms(timeout_ms);

	while (tx_status(r, frame) != want) {
		if (psock_monotonic_ms() >= deadline)
			return false;
		poll(NULL, 0, 1);
	}
	return true;
}

int tx_socket(int type, int version, int ifindex)
{
	return psock_rx_socket(type, version, ifindex, 0);
}

struct sockaddr_ll tx_addr(int ifindex, uint16_t proto, const uint8_t mac[6])
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
	};

	memcpy(sll.sll_addr, mac, 6);
	return sll;
}

/* The thread closing one fd; its result is close()'s errno, 0 on success. */
static void *close_fd(void *arg)
{
	return (void *)(intptr_t)(close((int)(intptr_t)arg) ? errno : 0);
}

#define TX_CLOSE_BATCH 8

/* Close up to TX_CLOSE_BATCH fds at once; the first close() errno, or 0. */
static int close_batch(const int *fds, unsigned int n)
{
	pthread_t th[TX_CLOSE_BATCH];
	bool started[TX_CLOSE_BATCH] = { false };
	int err = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		started[i] = !pthread_create(&th[i], NULL, close_fd, (void *)(intptr_t)fds[i]);
		if (!started[i] && close(fds[i]) && !err)
			err = errno;
	}
	for (unsigned int i = 0; i < n; i++) {
		void *ret;

		if (!started[i])
			continue;
		pthread_join(th[i], &ret);
		if (ret && !err)
			err = (int)(intptr_t)ret;
	}
	return err;
}

int tx_close_all(const int *fds, unsigned int n)
{
	int err = 0;

	for (unsigned int i = 0; i < n; i += TX_CLOSE_BATCH) {
		unsigned int chunk = n - i < TX_CLOSE_BATCH ? n - i : TX_CLOSE_BATCH;
		int e = close_batch(fds + i, chunk);

		if (e && !err)
			err = e;
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- the receiving end ----------------------------------------------- */

int tx_sink_open(struct netns_topo *topo)
{
	int fd, flags, saved;

	if (topo->ns_peer >= 0) {
		errno = EINVAL;	/* the sink lives in the main namespace */
		return -1;
	}
	fd = psock_rx_socket(SOCK_RAW, 0, topo->ifindex1, ETH_P_ALL);
	if (fd < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

ssize_t tx_sink_next(int fd, void *buf, size_t size, size_t skip, uint32_t *seq,
		     struct sockaddr_ll *from, int timeout_ms)
{
	int64_t deadline = psock_monotonic_ms() + psock_timeout_ms(timeout_ms);

	for (;;) {
		struct sockaddr_ll sll;
		socklen_t alen = sizeof(sll);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n = recvfrom(fd, buf, size, MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&sll, &alen);
		int64_t left;

		if (n >= 0) {
			size_t got = (size_t)n < size ? (size_t)n : size;

			if (got > skip && frame_tag((uint8_t *)buf + skip, got - skip, seq)) {
				if (from)
					*from = sll;
				return n;
			}
		} else if (errno != EAGAIN && errno != EINTR) {
			return -1;
		}
		/* One deadline, whether the sink was empty or held a foreign frame. */
		left = deadline - psock_monotonic_ms();
		if (left <= 0)
			return 0;
		if (n >= 0)
			continue;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
}

/* ---- qdiscs ---------------------------------------------------------- */

/* Run tc with argv, its stdout to out (if not NULL), stderr to why. */
static int run_tc(char *const argv[], char *out, size_t outlen, char *why, size_t whylen)
{
	int opipe[2], epipe[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (pipe2(opipe, O_CLOEXEC) || pipe2(epipe, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		execvp("tc", argv);
		dprintf(2, "cannot run tc (install iproute2): %s", strerror(errno));
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	while (out && got + 1 < outlen && (n = read(opipe[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	if (out)
		out[got] = '\0';
	n = read(epipe[0], why, whylen - 1);
	why[n > 0 ? n : 0] = '\0';
	if (n > 0 && why[n - 1] == '\n')
		why[n - 1] = '\0';
	close(opipe[0]);
	close(epipe[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

int tx_tc(char *why, size_t whylen, const char *fmt, ...)
{
	char line[512], *argv[32], *save = NULL;
	int argc = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = "tc";
	for (char *t = strtok_r(line, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return run_tc(argv, NULL, 0, why, whylen);
}

bool tx_tc_missing(const char *why)
{
	/* "Error: Specified qdisc kind is unknown." (tc_modify_qdisc()), or
	 * run_tc()'s own message when tc cannot be executed. */
	return strstr(why, "kind is unknown") || strstr(why, "cannot run tc");
}

long long tx_qdisc_packets(const char *dev)
{
	char *argv[] = { "tc", "-s", "qdisc", "show", "dev", (char *)dev, "root", NULL };
	char out[4096], why[256];
	unsigned long long bytes, pkts;
	const char *p;

	if (run_tc(argv, out, sizeof(out), why, sizeof(why)))
		return -1;
	/* " Sent 1234 bytes 5 pkt (dropped 0, overlimits 0 requeues 0)" */
	p = strstr(out, "Sent ");
	if (!p || sscanf(p, "Sent %llu bytes %llu pkt", &bytes, &pkts) != 2)
		return -1;
	return (long long)pkts;
}

int tx_set_offload(const char *dev, uint32_t ethtool_cmd, uint32_t on)
{
	struct ethtool_value ev = { .cmd = ethtool_cmd, .data = on };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret, saved;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

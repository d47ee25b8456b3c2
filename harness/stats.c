// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_STATISTICS reader and the receive barrier; see stats.h.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "psock.h"
#include "stats.h"

int psock_stats_getsockopt(int fd, void *buf, socklen_t *len)
{
	return getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, buf, len);
}

int psock_stats_read(int fd, struct psock_stats *st)
{
	struct tpacket_stats_v3 v3;
	socklen_t len = sizeof(v3);

	memset(&v3, 0, sizeof(v3));
	memset(st, 0, sizeof(*st));
	if (psock_stats_getsockopt(fd, &v3, &len))
		return -1;
	st->packets = v3.tp_packets;
	st->drops = v3.tp_drops;
	if (len >= sizeof(v3))
		st->freeze_q_cnt = v3.tp_freeze_q_cnt;
	st->len = len;
	return 0;
}

int psock_pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int rx_barrier_open(struct rx_barrier *b, struct netns_topo *topo)
{
	b->seq = 0;
	b->fd = psock_rx_socket(SOCK_RAW, 0, topo->ifindex0, ETH_P_PSOCK_BARRIER);
	return b->fd < 0 ? -1 : 0;
}

int rx_barrier_sync(struct rx_barrier *b, struct netns_topo *topo, int timeout_ms)
{
	struct frame_spec spec = {
		.ethertype = ETH_P_PSOCK_BARRIER,
		.payload_len = FRAME_TAG_LEN,
		.seq = ++b->seq,
	};
	int64_t deadline = psock_deadline(timeout_ms);
	uint8_t buf[256];

	if (peer_send_spec(topo, &spec) < 0)
		return -1;
	for (;;) {
		uint32_t seq;
		ssize_t n;
		int ready;

		ready = psock_wait_until(b->fd, POLLIN, deadline);
		if (ready < 0)
			return -1;
		if (ready == 0)
			break;
		n = recv(b->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n > ETH_HLEN && frame_tag(buf + ETH_HLEN, n - ETH_HLEN, &seq) &&
		    seq == b->seq)
			return 0;
	}
	errno = ETIMEDOUT;
	return -1;
}

void rx_barrier_close(struct rx_barrier *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The next frame a socket gets; see rx_expect.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "rx_expect.h"
#include "sock.h"
#include "timing.h"
#include "tx.h"

int rx_expect(int fd, const struct rx_want *w, int timeout_ms, char *why, size_t whylen)
{
	static uint8_t buf[2048];
	struct sockaddr_ll from;
	uint32_t seq = ~0u;
	size_t skip = w->type == SOCK_RAW ? ETH_HLEN : 0;
	ssize_t n = tx_sink_next(fd, buf, sizeof(buf), skip, &seq, &from, timeout_ms);

	if (n <= 0) {
		snprintf(why, whylen, "frame %u did not arrive: %s", w->seq,
			 n ? strerror(errno) : "timeout");
		return -1;
	}
	if (seq != w->seq) {
		snprintf(why, whylen, "frame %u expected, frame %u came (ifindex %d, pkttype %u)",
			 w->seq, seq, from.sll_ifindex, from.sll_pkttype);
		return -1;
	}
	if ((size_t)n != w->len) {
		snprintf(why, whylen, "frame %u: %zd bytes, want %zu", w->seq, n, w->len);
		return -1;
	}
	if (from.sll_ifindex != w->ifindex || from.sll_pkttype != w->pkttype ||
	    from.sll_protocol != htons(w->protocol)) {
		snprintf(why, whylen,
			 "frame %u: sll_ifindex %d sll_pkttype %u sll_protocol %#06x, want %d %u %#06x",
			 w->seq, from.sll_ifindex, from.sll_pkttype, ntohs(from.sll_protocol),
			 w->ifindex, w->pkttype, w->protocol);
		return -1;
	}
	return 0;
}

int rx_expect_none(int fd, char *why, size_t whylen)
{
	static uint8_t buf[2048];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t got = n > 0 ? (size_t)n : 0;
		uint32_t seq;

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			snprintf(why, whylen, "recv: %s, want EAGAIN (nothing queued)",
				 strerror(errno));
			return -1;
		}
		/* SOCK_DGRAM: the tag at the start; SOCK_RAW: after the link header */
		if (frame_tag(buf, got, &seq) ||
		    (got > ETH_HLEN && frame_tag(buf + ETH_HLEN, got - ETH_HLEN, &seq))) {
			snprintf(why, whylen, "frame %u (%zd bytes) is queued, want none", seq, n);
			return -1;
		}
	}
}

ssize_t rx_send_out(int fd, const struct frame_spec *spec)
{
	static struct tx_frame f;
	ssize_t n;

	if (tx_frame_build(&f, spec))
		return -1;
	n = send(fd, f.wire, f.len, 0);
	if (n >= 0 && (size_t)n != f.len) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

int rx_close_all(const int *fds, unsigned int n, struct netns_topo *topo)
{
	int all[PSOCK_CLOSE_BATCH];

	if (n + 1 > PSOCK_CLOSE_BATCH) {
		errno = E2BIG;
		return -1;
	}
	memcpy(all, fds, sizeof(int) * n);
	all[n] = topo->peer_fd;
	topo->peer_fd = -1;
	return psock_close_in_threads(all, n + 1);
}

int rx_next_tagged(int fd, int timeout_ms, uint32_t *seq, unsigned char *pkttype)
{
	int64_t deadline = psock_deadline(timeout_ms);

	for (;;) {
		struct sockaddr_ll from;
		socklen_t alen = sizeof(from);
		uint8_t buf[256];
		ssize_t n;
		int rc = psock_wait_until(fd, POLLIN, deadline);

		if (rc != 1)
			return -1;	/* errno: ETIMEDOUT, or poll()'s */
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &alen);
		if (n < 0)
			return -1;
		if ((size_t)n > ETH_HLEN && frame_tag(buf + ETH_HLEN, n - ETH_HLEN, seq)) {
			*pkttype = from.sll_pkttype;
			return 0;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Sending from the peer end (psk1); see peer.h.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>

#include "peer.h"
#include "sock.h"

struct peer_sock_arg {
	int ifindex;
};

static int open_peer_socket(void *p)
{
	int fd = psock_socket(SOCK_RAW, 0);	/* protocol 0: sends, never receives */

	if (fd >= 0 && psock_bind(fd, ((struct peer_sock_arg *)p)->ifindex, 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

ssize_t peer_send(struct netns_topo *topo, const void *frame, size_t len)
{
	if (topo->peer_fd < 0) {
		struct peer_sock_arg a = { .ifindex = topo->ifindex1 };

		topo->peer_fd = netns_in_peer(topo, open_peer_socket, &a);
		if (topo->peer_fd < 0)
			return -1;
	}
	return send(topo->peer_fd, frame, len, 0);
}

ssize_t peer_send_spec(struct netns_topo *topo, const struct frame_spec *spec)
{
	uint8_t buf[ETH_FRAME_LEN + 64];
	size_t len = frame_build(buf, sizeof(buf), spec);
	ssize_t n;

	if (!len) {
		errno = EMSGSIZE;
		return -1;
	}
	n = peer_send(topo, buf, len);
	if (n >= 0 && n != (ssize_t)len) {
		errno = EMSGSIZE;	/* a packet socket sends all or nothing */
		return -1;
	}
	return n;
}

int peer_send_burst(struct netns_topo *topo, const struct frame_spec *spec,
		    uint32_t first_seq, unsigned int n)
{
	struct frame_spec s = *spec;

	for (unsigned int i = 0; i < n; i++) {
		s.seq = first_seq + i;
		if (peer_send_spec(topo, &s) < 0)
			return -1;
	}
	return 0;
}

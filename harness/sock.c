// SPDX-License-Identifier: GPL-2.0
/*
 * Packet sockets; see sock.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "sock.h"

int psock_socket(int type, uint16_t proto)
{
	return socket(AF_PACKET, type | SOCK_CLOEXEC, htons(proto));
}

int psock_set_version(int fd, int version)
{
	return setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version));
}

int psock_get_version(int fd)
{
	int version = -1;
	socklen_t len = sizeof(version);

	if (getsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, &len))
		return -1;
	return version;
}

int psock_bind(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};

	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

int psock_rx_socket(int type, int version, int ifindex, uint16_t proto)
{
	int fd = psock_socket(type, 0);
	int saved;

	if (fd < 0)
		return -1;
	if ((version && psock_set_version(fd, version)) || psock_bind(fd, ifindex, proto)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* One fd's thread: its result is close()'s errno, 0 on success. */
static void *close_fd(void *arg)
{
	return (void *)(intptr_t)(close((int)(intptr_t)arg) ? errno : 0);
}

/* Close up to PSOCK_CLOSE_BATCH fds at once; the first close() errno, or 0. */
static int close_batch(const int *fds, unsigned int n)
{
	pthread_t th[PSOCK_CLOSE_BATCH];
	bool started[PSOCK_CLOSE_BATCH] = { false };
	int err = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		started[i] = !pthread_create(&th[i], NULL, close_fd, (void *)(intptr_t)fds[i]);
		/* No thread: close it here, one grace period more. */
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

int psock_close_in_threads(const int *fds, unsigned int n)
{
	int err = 0;

	for (unsigned int i = 0; i < n; i += PSOCK_CLOSE_BATCH) {
		unsigned int chunk = n - i < PSOCK_CLOSE_BATCH ? n - i : PSOCK_CLOSE_BATCH;
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

int psock_cmsg_auxdata(struct msghdr *msg, struct tpacket_auxdata *aux)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		if (c->cmsg_len != CMSG_LEN(sizeof(*aux))) {
			errno = EPROTO;
			return -1;
		}
		memcpy(aux, CMSG_DATA(c), sizeof(*aux));
		return 1;
	}
	return 0;
}

ssize_t psock_recv_auxdata(int fd, void *buf, size_t len, int flags,
			   struct tpacket_auxdata *aux, struct sockaddr_ll *from)
{
	union {
		struct cmsghdr cm;
		char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = from, .msg_namelen = from ? sizeof(*from) : 0,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = sizeof(ctl),
	};
	ssize_t n = recvmsg(fd, &msg, flags);
	int found;

	if (n < 0)
		return -1;
	found = psock_cmsg_auxdata(&msg, aux);
	if (found < 0)
		return -1;
	if (!found) {
		errno = ENOMSG;
		return -1;
	}
	return n;
}

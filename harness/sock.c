// SPDX-License-Identifier: GPL-2.0
/*
 * Packet sockets; see sock.h.
 */
#include <arpa/inet.h>
#include <errno.h>
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

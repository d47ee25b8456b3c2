/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet sockets: creating, versioning and binding them.
 */
#ifndef PSOCK_SOCK_H
#define PSOCK_SOCK_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/if_packet.h>

/* socket(AF_PACKET, type, htons(proto)); -1 with errno on failure. */
int psock_socket(int type, uint16_t proto);

/* Set PACKET_VERSION; 0 or -1 with errno. */
int psock_set_version(int fd, int version);

/* Read PACKET_VERSION; the version, or -1 with errno. */
int psock_get_version(int fd);

/* bind() to one interface and protocol; 0 or -1 with errno. */
int psock_bind(int fd, int ifindex, uint16_t proto);

/*
 * A receiving packet socket: socket(type), PACKET_VERSION version (0 leaves
 * the default), bound to ifindex and proto. The fd, or -1 with errno.
 */
int psock_rx_socket(int type, int version, int ifindex, uint16_t proto);

/*
 * Close fds (-1 skipped) from a thread each, PSOCK_CLOSE_BATCH at a time:
 * packet_release() waits for an RCU grace period (synchronize_net()), and
 * closes in parallel share them instead of adding them up. Every fd is
 * closed; 0, or -1 with the errno of the first close() that failed.
 */
#define PSOCK_CLOSE_BATCH 16
int psock_close_in_threads(const int *fds, unsigned int n);

/*
 * The PACKET_AUXDATA control message of a msg recvmsg() filled in
 * (packet_recvmsg() adds it when the option is on), copied to *aux: 1 when
 * there is one, 0 when not, -1 with errno EPROTO when it is not exactly
 * CMSG_LEN(sizeof(struct tpacket_auxdata)) long.
 */
int psock_cmsg_auxdata(struct msghdr *msg, struct tpacket_auxdata *aux);

/*
 * recvmsg() one packet into buf (len bytes) with flags, its PACKET_AUXDATA
 * in *aux and, unless from is NULL, its sockaddr_ll in *from. The bytes
 * received, or -1 with errno: recvmsg()'s, ENOMSG when the packet came
 * without PACKET_AUXDATA (the option is off), EPROTO when it was malformed.
 */
ssize_t psock_recv_auxdata(int fd, void *buf, size_t len, int flags,
			   struct tpacket_auxdata *aux, struct sockaddr_ll *from);

#endif

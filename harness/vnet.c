// SPDX-License-Identifier: GPL-2.0
/*
 * GSO frames towards psk0; see vnet.h.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "frame.h"
#include "sock.h"
#include "vnet.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define TCP_OFF (ETH_HLEN + (int)sizeof(struct iphdr))
#define TCP_DATA_OFF (TCP_OFF + (int)sizeof(struct tcphdr))

size_t vnet_tcp_frame(uint8_t *buf, size_t size, uint32_t seq, size_t payload_len)
{
	/* IPv4/UDP first, 12 bytes longer: the same IP total length as TCP. */
	const struct frame_spec spec = { .ip = 4, .seq = seq, .payload_len = payload_len + 12 };
	const size_t udp_data_off = TCP_OFF + sizeof(struct udphdr);
	struct iphdr *ip = (struct iphdr *)(buf + ETH_HLEN);
	struct tcphdr *th = (struct tcphdr *)(buf + TCP_OFF);
	uint16_t l4len = sizeof(*th) + payload_len;
	uint8_t tail[4] = { 0, IPPROTO_TCP, l4len >> 8, l4len & 0xff };
	uint16_t psum;

	if (frame_build(buf, size, &spec) != TCP_DATA_OFF + payload_len)
		return 0;
	memmove(buf + TCP_DATA_OFF, buf + udp_data_off, payload_len);
	memset(th, 0, sizeof(*th));
	th->source = htons(VNET_TCP_SPORT);
	th->dest = htons(VNET_TCP_DPORT);
	th->doff = 5;
	th->ack = 1;
	th->window = htons(1000);
	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->check = htons((uint16_t)~inet_csum_add(ip, sizeof(*ip), 0));
	psum = inet_csum_add(tail, sizeof(tail), inet_csum_add(&ip->saddr, 8, 0));
	th->check = htons(psum);
	return TCP_DATA_OFF + payload_len;
}

struct virtio_net_hdr vnet_tcp_gso_hdr(uint16_t gso_size)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = TCP_DATA_OFF,
		.gso_size = gso_size,
		.csum_start = TCP_OFF,
		.csum_offset = offsetof(struct tcphdr, check),
	};

	return vh;
}

struct vnet_send_arg {
	int ifindex;
	const struct virtio_net_hdr *vh;
	const void *frame;
	size_t len;
	uint16_t gso_size;
};

static int send_vnet_in_peer(void *p)
{
	const struct vnet_send_arg *a = p;
	struct iovec iov[2] = {
		{ .iov_base = (void *)a->vh, .iov_len = sizeof(*a->vh) },
		{ .iov_base = (void *)a->frame, .iov_len = a->len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	int one = 1, fd, saved = 0;
	ssize_t n = -1;

	fd = psock_socket(SOCK_RAW, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    psock_bind(fd, a->ifindex, 0))
		saved = errno;
	else
		n = sendmsg(fd, &msg, 0);
	if (!saved)
		saved = n < 0 ? errno : EMSGSIZE;
	close(fd);
	errno = saved;
	return n == (ssize_t)(sizeof(*a->vh) + a->len) ? 0 : -1;
}

int vnet_peer_send(struct netns_topo *topo, const struct virtio_net_hdr *vh,
		   const void *frame, size_t len)
{
	struct vnet_send_arg a = { .ifindex = topo->ifindex1, .vh = vh, .frame = frame,
				   .len = len };

	return netns_in_peer(topo, send_vnet_in_peer, &a);
}

static int send_udp_gso_in_peer(void *p)
{
	const struct vnet_send_arg *a = p;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(VNET_UDP_DPORT) };
	int gso = a->gso_size, fd, saved = 0;
	ssize_t n = -1;

	if (inet_pton(AF_INET, NETNS_IP4_0, &to.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &gso, sizeof(gso)))
		saved = errno;
	else
		n = sendto(fd, a->frame, a->len, 0, (struct sockaddr *)&to, sizeof(to));
	if (!saved)
		saved = n < 0 ? errno : EMSGSIZE;	/* a datagram goes whole or not at all */
	close(fd);
	errno = saved;
	return n == (ssize_t)a->len ? 0 : -1;
}

int vnet_peer_send_udp_gso(struct netns_topo *topo, const void *payload, size_t len,
			   uint16_t gso_size)
{
	struct vnet_send_arg a = { .frame = payload, .len = len, .gso_size = gso_size };

	return netns_in_peer(topo, send_udp_gso_in_peer, &a);
}

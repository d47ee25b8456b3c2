/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GSO frames towards psk0, for the receive-side vnet and GSO tests
 * (psock/recv_vnet.c, psock/rx_frame.c): a packet socket with
 * PACKET_VNET_HDR in psk1's namespace sends a virtio_net_hdr followed by an
 * IPv4/TCP frame (packet_snd(), virtio_net_hdr_to_skb() mark the skb GSO),
 * and a UDP socket there sends one UDP_SEGMENT datagram (udp_send_skb():
 * SKB_GSO_UDP_L4). veth offers TSO and UDP segmentation
 * (NETIF_F_GSO_SOFTWARE), so either crosses as one GSO skb and psk0's
 * packet sockets see it whole. Both need psk1 in its own namespace with
 * addresses (struct netns_opts .peer_netns, .addrs). Include after psock.h.
 */
#ifndef PSOCK_VNET_H
#define PSOCK_VNET_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>

#include "netns.h"

/* Added in Linux 6.2 (include/uapi/linux/virtio_net.h). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* The TCP and UDP ports of the frames below, towards psk0. */
#define VNET_TCP_SPORT 5000
#define VNET_TCP_DPORT 5001
#define VNET_UDP_DPORT 4000

/*
 * An Ethernet/IPv4/TCP frame from psk1 to psk0 (frame_build()'s MACs and
 * addresses) into buf (size bytes): a 20-byte TCP header (ports above,
 * ACK) and payload_len bytes of tagged payload (seq) right after it, so the
 * tag is 54 bytes into the frame. The IPv4 checksum is valid; the TCP
 * checksum field holds the pseudo-header sum, as a NEEDS_CSUM header
 * wants. The frame length, or 0 when it does not fit.
 */
size_t vnet_tcp_frame(uint8_t *buf, size_t size, uint32_t seq, size_t payload_len);

/*
 * The virtio_net_hdr of a TCPV4 GSO frame built by vnet_tcp_frame():
 * NEEDS_CSUM from the TCP header (csum_start 34, csum_offset 16),
 * hdr_len 54 and the given gso_size.
 */
struct virtio_net_hdr vnet_tcp_gso_hdr(uint16_t gso_size);

/*
 * From psk1's namespace: a SOCK_RAW packet socket with PACKET_VNET_HDR,
 * bound to psk1 with protocol 0, sends vh and the frame in one sendmsg().
 * 0 when the call returned 10 + len, else -1 with errno (EMSGSIZE for a
 * short count).
 */
int vnet_peer_send(struct netns_topo *topo, const struct virtio_net_hdr *vh,
		   const void *frame, size_t len);

/*
 * From psk1's namespace: one sendto() of len payload bytes from a UDP
 * socket with UDP_SEGMENT gso_size to psk0's IPv4 address, port
 * VNET_UDP_DPORT. 0, or -1 with errno.
 */
int vnet_peer_send_udp_gso(struct netns_topo *topo, const void *payload, size_t len,
			   uint16_t gso_size);

#endif

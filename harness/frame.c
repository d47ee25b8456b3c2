// SPDX-License-Identifier: GPL-2.0
/*
 * Test frames: building, tagging, finding the payload; see frame.h.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include "psock.h"

static uint32_t tag_cookie;

/* One cookie per test program, inherited by the harness's forked cases. */
static void __attribute__((constructor)) init_tag_cookie(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	tag_cookie = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec;
}

uint16_t inet_csum_add(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

size_t frame_header_len(const struct frame_spec *s)
{
	size_t len = ETH_HLEN + (s->vlan_tpid ? 4 : 0);

	if (s->ip == 4)
		len += sizeof(struct iphdr) + sizeof(struct udphdr);
	else if (s->ip == 6)
		len += sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	return len;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void fill_payload(uint8_t *p, size_t len, uint32_t seq)
{
	uint8_t tag[FRAME_TAG_LEN] = { 'P', 'S', 'O', 'C', 'K' };

	memcpy(tag + 5, &tag_cookie, 4);
	memcpy(tag + 9, &seq, 4);
	memcpy(p, tag, len < sizeof(tag) ? len : sizeof(tag));
	for (size_t i = sizeof(tag); i < len; i++)
		p[i] = (uint8_t)(i + seq);
}

bool frame_tag(const uint8_t *payload, size_t len, uint32_t *seq)
{
	if (len < FRAME_TAG_LEN || memcmp(payload, "PSOCK", 5) ||
	    memcmp(payload + 5, &tag_cookie, 4))
		return false;
	if (seq)
		memcpy(seq, payload + 9, 4);
	return true;
}

/* UDP checksum: pseudo header (addresses, protocol, length) + header + data. */
static void udp_finish(uint8_t *udp, size_t udp_len, const void *saddr,
		       const void *daddr, size_t alen)
{
	uint8_t pseudo_tail[4] = { 0, IPPROTO_UDP, udp_len >> 8, udp_len & 0xff };
	uint32_t sum = 0;
	uint16_t csum;

	put16(udp + 6, 0);
	sum = inet_csum_add(saddr, alen, sum);
	sum = inet_csum_add(daddr, alen, sum);
	if (alen == 16) {	/* IPv6: 32-bit length, 3 zero bytes, next header */
		uint8_t tail6[8] = { 0, 0, udp_len >> 8, udp_len & 0xff, 0, 0, 0, IPPROTO_UDP };

		sum = inet_csum_add(tail6, sizeof(tail6), sum);
	} else {
		sum = inet_csum_add(pseudo_tail, sizeof(pseudo_tail), sum);
	}
	csum = ~inet_csum_add(udp, udp_len, sum);
	put16(udp + 6, csum ? csum : 0xffff);	/* 0 means "no checksum" */
}

size_t frame_build(uint8_t *buf, size_t size, const struct frame_spec *s)
{
	static const uint8_t def_dst[6] = NETNS_MAC0, def_src[6] = NETNS_MAC1;
	size_t hlen = frame_header_len(s), plen = s->payload_len;
	size_t l4 = s->ip ? plen + sizeof(struct udphdr) : 0;
	uint16_t ethertype = s->ip == 4 ? ETH_P_IP : s->ip == 6 ? ETH_P_IPV6 :
			     s->ethertype ? s->ethertype : ETH_P_PSOCK;
	uint8_t *p = buf;

	if (hlen + plen > size)
		return 0;
	memcpy(p, s->dst ? s->dst : def_dst, 6);
	memcpy(p + 6, s->src ? s->src : def_src, 6);
	p += 12;
	if (s->vlan_tpid) {
		put16(p, s->vlan_tpid);
		put16(p + 2, s->vlan_tci);
		p += 4;
	}
	put16(p, ethertype);
	p += 2;

	if (s->ip == 4) {
		struct iphdr *ip = (struct iphdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(sizeof(*ip) + l4);
		ip->id = htons(s->seq & 0xffff);
		ip->frag_off = htons(0x4000);	/* DF */
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		inet_pton(AF_INET, s->saddr ? s->saddr : NETNS_IP4_1, &ip->saddr);
		inet_pton(AF_INET, s->daddr ? s->daddr : NETNS_IP4_0, &ip->daddr);
		ip->check = htons((uint16_t)~inet_csum_add(ip, sizeof(*ip), 0));
		p += sizeof(*ip);
	} else if (s->ip == 6) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)p;

		memset(ip6, 0, sizeof(*ip6));
		ip6->version = 6;
		ip6->payload_len = htons(l4);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		inet_pton(AF_INET6, s->saddr ? s->saddr : NETNS_IP6_1, &ip6->saddr);
		inet_pton(AF_INET6, s->daddr ? s->daddr : NETNS_IP6_0, &ip6->daddr);
		p += sizeof(*ip6);
	}
	if (s->ip) {
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, l4);
		fill_payload(p + sizeof(struct udphdr), plen, s->seq);
		if (s->ip == 4) {
			struct iphdr *ip = (struct iphdr *)(p - sizeof(*ip));

			udp_finish(p, l4, &ip->saddr, &ip->daddr, 4);
		} else {
			struct ipv6hdr *ip6 = (struct ipv6hdr *)(p - sizeof(*ip6));

			udp_finish(p, l4, &ip6->saddr, &ip6->daddr, 16);
		}
	} else {
		fill_payload(p, plen, s->seq);
	}
	return hlen + plen;
}

size_t rx_payload_offset(int type, const struct frame_spec *spec)
{
	size_t off = frame_header_len(spec);

	if (spec->vlan_tpid)
		off -= 4;	/* struct vlan_hdr, stripped on receive */
	if (type != SOCK_RAW)
		off -= ETH_HLEN;
	return off;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frames: what frame_build() puts on the wire, the tag every payload
 * starts with, and where that payload is found again on receive.
 */
#ifndef PSOCK_FRAME_H
#define PSOCK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What frame_build() puts on the wire. Zero fields take sensible defaults. */
struct frame_spec {
	const uint8_t *dst;	/* default: psk0's MAC */
	const uint8_t *src;	/* default: psk1's MAC */
	uint16_t vlan_tpid;	/* 0: untagged; ETH_P_8021Q or ETH_P_8021AD */
	uint16_t vlan_tci;
	int ip;			/* 0: EtherType frame, 4: IPv4/UDP, 6: IPv6/UDP */
	uint16_t ethertype;	/* for ip == 0; default ETH_P_PSOCK */
	const char *saddr;	/* IP source, default psk1's (NETNS_IP4_1 / NETNS_IP6_1) */
	const char *daddr;	/* IP destination, default psk0's */
	uint16_t sport, dport;	/* UDP ports */
	uint32_t seq;		/* written into the tag, see frame_tag */
	size_t payload_len;	/* bytes after the link/IP/UDP headers (tag included) */
};

/*
 * Build a frame into buf (at most size bytes). The payload starts with a tag
 * ("PSOCK", a per-process cookie, seq) followed by a byte pattern, so a
 * receiver can tell its frames from anything else. IPv4 and UDP checksums
 * are computed. Returns the frame length, or 0 if it does not fit.
 */
size_t frame_build(uint8_t *buf, size_t size, const struct frame_spec *spec);

/* Length of the headers frame_build() writes before the payload. */
size_t frame_header_len(const struct frame_spec *spec);

/* Size of the tag at the start of every payload. */
#define FRAME_TAG_LEN 13

/*
 * Find the tag in a received frame's payload. Returns true and the seq when
 * payload (payload_len bytes) starts with this process's tag.
 */
bool frame_tag(const uint8_t *payload, size_t payload_len, uint32_t *seq);

/* Internet checksum (RFC 1071) over buf, folded, not inverted. */
uint16_t inet_csum_add(const void *buf, size_t len, uint32_t sum);

/*
 * Where the payload of a frame built from spec starts, counted from tp_mac
 * (or from the start of what recv() returns) on a socket of this type: the
 * link header is there for SOCK_RAW only, and a VLAN tag never is (the core
 * moves it into skb metadata before packet sockets see the frame).
 */
size_t rx_payload_offset(int type, const struct frame_spec *spec);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers every psock test links: packet sockets, TX/RX rings for
 * TPACKET_V1/V2/V3, a version-neutral view of a ring frame, frame builders
 * and bounded waits. Tests include this after kselftest_harness.h.
 *
 * Ring memory model (Documentation/networking/packet_mmap.rst): user space
 * owns a V1/V2 frame or a V3 block while its status has TP_STATUS_USER and
 * hands it back by writing TP_STATUS_KERNEL (0). Status words are read with
 * acquire and written with release ordering, matching the kernel's
 * smp_wmb()/smp_rmb() around __packet_set_status()/__packet_get_status().
 */
#ifndef PSOCK_HARNESS_H
#define PSOCK_HARNESS_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

#include "netns.h"

/* The local experimental EtherType: test frames use it so nothing else matches. */
#define ETH_P_PSOCK 0x88B5

/*
 * Every TP_STATUS_TS_* bit: whether a timestamp is software or hardware
 * depends on the machine, not on the behaviour under test.
 */
#define TP_STATUS_TS_MASK (TP_STATUS_TS_SOFTWARE | TP_STATUS_TS_SYS_HARDWARE | \
			   TP_STATUS_TS_RAW_HARDWARE)

/* ---- timing ---------------------------------------------------------- */

/* ms scaled by PSOCK_TIMEOUT_SCALE (default 1), for slow emulated kernels. */
int psock_timeout_ms(int ms);

/* CLOCK_REALTIME in ns (what packet timestamps use), CLOCK_MONOTONIC in ms. */
int64_t psock_realtime_ns(void);
int64_t psock_monotonic_ms(void);

/*
 * The deadline of a wait of timeout_ms (scaled), on psock_monotonic_ms()'s
 * clock. A wait that loops (skipping foreign frames, retrying after EINTR)
 * computes it once and shares it between all its iterations.
 */
int64_t psock_deadline(int timeout_ms);

/*
 * poll() fd for events until deadline (EINTR does not restart the wait).
 * 1 ready, 0 with errno ETIMEDOUT once the deadline passed, -1 with errno.
 */
int psock_wait_until(int fd, short events, int64_t deadline);

/* psock_wait_until() a deadline timeout_ms (scaled) from now. */
int psock_wait(int fd, short events, int timeout_ms);

/* ---- sockets --------------------------------------------------------- */

/* socket(AF_PACKET, type, htons(proto)); -1 with errno on failure. */
int psock_socket(int type, uint16_t proto);

/* Set PACKET_VERSION; 0 or -1 with errno. */
int psock_set_version(int fd, int version);

/* Read PACKET_VERSION; the version, or -1 with errno. */
int psock_get_version(int fd);

/* bind() to one interface and protocol; 0 or -1 with errno. */
int psock_bind(int fd, int ifindex, uint16_t proto);

/* ---- rings ----------------------------------------------------------- */

/* What to ask packet_set_ring() for. frame_nr is derived from the rest. */
struct ring_geometry {
	unsigned int block_size;	/* a multiple of the page size */
	unsigned int block_nr;
	unsigned int frame_size;	/* V1/V2 frame; V3: also tp_frame_size */
	unsigned int retire_blk_tov;	/* V3 RX only, ms */
	unsigned int sizeof_priv;	/* V3 RX only */
	unsigned int feature_req_word;	/* V3 RX only */
};

/* A small ring: 4 blocks of one page, 2048-byte frames (8 frames). */
extern const struct ring_geometry ring_small;

struct ring {
	int fd;
	int version;		/* TPACKET_V1, V2 or V3 */
	int kind;		/* PACKET_RX_RING or PACKET_TX_RING */
	struct ring_geometry geo;
	unsigned int frame_nr;
	uint8_t *map;		/* start of this ring's memory */
	uint8_t *map_base;	/* what mmap() returned */
	size_t map_len;		/* what was mmap()ed */
	unsigned int head;	/* next frame (V1/V2) or block (V3) to look at */
	/* V3 RX walk inside the block at head */
	struct tpacket3_hdr *pkt;	/* next packet to return, or NULL */
	unsigned int pkts_left;		/* packets of the block not yet released */
};

/*
 * setsockopt(PACKET_RX_RING / PACKET_TX_RING) with a tpacket_req (V1/V2) or
 * tpacket_req3 (V3) built from geo. 0 or -1 with errno.
 */
int ring_request(int fd, int kind, int version, const struct ring_geometry *geo);

/* Tear a ring down with an all-zero request. 0 or -1 with errno. */
int ring_teardown(int fd, int kind, int version);

/*
 * Request a ring of the socket's version and mmap it. The socket must
 * already have its version set (fd's PACKET_VERSION is read back). Only one
 * ring per socket is mapped by this helper. 0 or -1 with errno.
 */
int ring_open(struct ring *r, int fd, int kind, const struct ring_geometry *geo);

/* munmap and tear the ring down (the socket stays open). 0 or -1 with errno. */
int ring_close(struct ring *r);

/* Frame i (V1/V2) or block i (V3) of the ring. */
void *ring_frame(const struct ring *r, unsigned int i);
struct tpacket_block_desc *ring_block(const struct ring *r, unsigned int i);

/* tp_status of a V1/V2 frame or a V3 block, with acquire/release ordering. */
uint32_t ring_status(const struct ring *r, const void *frame_or_block);
void ring_set_status(const struct ring *r, void *frame_or_block, uint32_t status);

/*
 * RX: wait (bounded poll, scaled) for the next frame the kernel handed to
 * user space and return its header. For V3 this walks the packets of the
 * block at the head, waiting for the block first. NULL with errno:
 * ETIMEDOUT when nothing came in time, EPROTO for a V3 block handed over
 * with no packet in it (the kernel never retires an empty block:
 * prb_retire_rx_blk_timer_expired()), else poll()'s error.
 */
void *ring_next_frame(struct ring *r, int timeout_ms);

/*
 * RX: hand the frame returned by ring_next_frame() back to the kernel and
 * move on. For V3 the block goes back when its last packet is released.
 */
void ring_release_frame(struct ring *r, void *frame);

/*
 * RX: like ring_next_frame(), but hand back (and skip) every frame whose
 * payload, skip bytes after tp_mac, does not carry this program's tag
 * (frame_build()). Returns the tagged frame with its seq, or NULL with
 * errno as ring_next_frame(). One deadline covers every frame skipped.
 */
void *ring_next_tagged(struct ring *r, int timeout_ms, size_t skip, uint32_t *seq);

/*
 * The tag seq the kernel stored in a ring frame (any address in the ring
 * holding a frame header of the ring's version): its payload starts skip
 * bytes after tp_mac. ~0u when the frame carries no tag of this program.
 */
uint32_t ring_frame_seq(const struct ring *r, const void *frame, size_t skip);

/*
 * Wait (bounded, scaled) until a V1/V2 frame or V3 block has TP_STATUS_USER.
 * false with errno ETIMEDOUT, or poll()'s error.
 */
bool ring_wait_user(struct ring *r, void *frame_or_block, int timeout_ms);

/*
 * V3 RX: the block at the head once the kernel retired it, or NULL with errno
 * as ring_wait_user().
 */
struct tpacket_block_desc *ring_next_block(struct ring *r, int timeout_ms);
/* V3 RX: hand the head block back and move to the next one. */
void ring_release_block(struct ring *r);

/* A version-neutral view of one received frame's header. */
struct frame_view {
	uint32_t status;
	uint32_t len;		/* tp_len: length on the wire */
	uint32_t snaplen;	/* tp_snaplen: bytes stored */
	uint32_t mac;		/* tp_mac: offset of the link header */
	uint32_t net;		/* tp_net: offset of the network header */
	uint32_t sec;
	uint32_t nsec;		/* V1: tp_usec * 1000 */
	uint32_t usec;		/* V1 only: tp_usec as stored */
	bool has_vlan_fields;	/* V2/V3 */
	uint16_t vlan_tci;
	uint16_t vlan_tpid;
	const struct sockaddr_ll *sll;	/* right after the aligned header */
	const uint8_t *data;	/* frame + tp_mac */
};

void frame_view(const struct ring *r, const void *frame, struct frame_view *v);

/* sizeof the version's frame header: tpacket_hdr, tpacket2_hdr, tpacket3_hdr. */
size_t tpacket_hdr_size(int version);

/* ---- frames ---------------------------------------------------------- */

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

/* ---- the peer end ---------------------------------------------------- */

/*
 * Send a complete link-layer frame out of psk1 (from psk1's namespace), so it
 * arrives on psk0. Returns bytes sent or -1 with errno.
 */
ssize_t peer_send(struct netns_topo *topo, const void *frame, size_t len);

/* Build a frame from spec and send it from psk1. Returns frame length or -1. */
ssize_t peer_send_spec(struct netns_topo *topo, const struct frame_spec *spec);

/* Send n frames of spec from psk1, with seq first, first+1, ...; 0 or -1. */
int peer_send_burst(struct netns_topo *topo, const struct frame_spec *spec,
		    uint32_t first_seq, unsigned int n);

/* ---- receiving ------------------------------------------------------- */

/*
 * A receiving packet socket: socket(type), PACKET_VERSION version (0 leaves
 * the default), bound to ifindex and proto. The fd, or -1 with errno.
 */
int psock_rx_socket(int type, int version, int ifindex, uint16_t proto);

/*
 * One of the two receive paths on fd: a ring_small RX ring of the socket's
 * version (V3 blocks retire after 4 ms, so a frame shows up at once), or,
 * when !use_ring, no ring and PACKET_AUXDATA on, so recvmsg() reports each
 * packet's tp_len, tp_snaplen and tp_status. 0 or -1 with errno.
 */
int rx_path_open(struct ring *r, int fd, bool use_ring);

/*
 * Where the payload of a frame built from spec starts, counted from tp_mac
 * (or from the start of what recv() returns) on a socket of this type: the
 * link header is there for SOCK_RAW only, and a VLAN tag never is (the core
 * moves it into skb metadata before packet sockets see the frame).
 */
size_t rx_payload_offset(int type, const struct frame_spec *spec);

/* ---- kernel-version gates ------------------------------------------- */

/*
 * A feature is probed where a probe exists that does not depend on the
 * behaviour under test: ENOPROTOOPT for an unknown socket option, EINVAL for
 * an unknown type or mode. Where none exists (the kernel accepts a flag or a
 * request silently and only the behaviour differs by release), the
 * expectation is keyed on the release that brought the change, through
 * kselftest's own ksft_min_kernel_version(): at or above it the case passes
 * or fails, never skips. What the behaviour did never chooses which
 * expectation applies.
 */

/* The running kernel's release string (uname -r), for log lines. */
const char *psock_kernel_release(void);

/* True on Linux major.minor or later. */
#define PSOCK_KERNEL_SINCE(major, minor) ksft_min_kernel_version((major), (minor))

/*
 * SKIP below Linux major.minor, naming the release and the kernel change
 * (its commit subject), then run statement (return, as for kselftest's
 * SKIP()). A case that can still observe the behaviour on the older kernel
 * says what it saw in observed ("", or e.g. "; this kernel drops them:
 * backported"), so a backport is reported, not hidden. kselftest's SKIP()
 * replaces the exit code, so a check that already failed in the case (an
 * EXPECT before the gate) is kept as the verdict instead; statement runs
 * either way.
 */
#define PSOCK_SKIP_BEFORE(statement, major, minor, change, observed) do {	\
	if (!PSOCK_KERNEL_SINCE((major), (minor))) {				\
		if (_metadata->exit_code == KSFT_PASS)				\
			SKIP(/* statement follows */, "needs Linux %d.%d, running %s: %s%s", \
			     (major), (minor), psock_kernel_release(),		\
			     (change), (observed));				\
		statement;							\
	}									\
} while (0)

/*
 * FIXTURE_SETUP step: enter fresh namespaces with the topology of opts
 * (NULL: the default veth pair) into *topo. When the machine cannot (no
 * privilege, no veth), SKIP with the reason and run statement (return, as
 * for kselftest's SKIP()); any other error fails the case as an ASSERT does.
 */
#define PSOCK_NETNS_SETUP(statement, topo, opts) do {				\
	char why_[256] = "";							\
	int rc_ = netns_setup((opts), (topo), why_, sizeof(why_));		\
	if (rc_ == NETNS_SKIP)							\
		SKIP(statement, "%s", why_);					\
	ASSERT_EQ(NETNS_OK, rc_) TH_LOG("netns setup: %s", why_);		\
} while (0)

#endif

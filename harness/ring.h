/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rings for TPACKET_V1/V2/V3: the geometry asked of packet_set_ring(), the
 * mapping, walking frames (V1/V2) and blocks (V3), the status words and a
 * version-neutral view of a received frame's header.
 *
 * Ring memory model (Documentation/networking/packet_mmap.rst): user space
 * owns a V1/V2 frame or a V3 block while its status has TP_STATUS_USER and
 * hands it back by writing TP_STATUS_KERNEL (0). Status words are read with
 * acquire and written with release ordering, matching the kernel's
 * smp_wmb()/smp_rmb() around __packet_set_status()/__packet_get_status().
 */
#ifndef PSOCK_RING_H
#define PSOCK_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/if_packet.h>

/*
 * Every TP_STATUS_TS_* bit: whether a timestamp is software or hardware
 * depends on the machine, not on the behaviour under test.
 */
#define TP_STATUS_TS_MASK (TP_STATUS_TS_SOFTWARE | TP_STATUS_TS_SYS_HARDWARE | \
			   TP_STATUS_TS_RAW_HARDWARE)

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

/*
 * A payload that makes a SOCK_RAW V3 packet big: it takes ALIGN(tp_mac 82
 * + 14 + 1400, 8) = 1496 bytes of its block, so a ring_small block (4096
 * bytes, the first 48 its descriptor) holds exactly two (48 + 2 * 1496 =
 * 3040; a third would end at 4536).
 */
#define V3_BIG_PAYLOAD 1400
#define V3_BIG_PKT_LEN 1496

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

/*
 * A receiving socket with an RX ring, as a FIXTURE_SETUP opens it:
 * psock_rx_socket(type, version, ifindex, proto), then ring_open() of geo
 * on it into *r. The fd, or -1 with errno (nothing is left open).
 */
int ring_rx_open(struct ring *r, int type, int version, int ifindex, uint16_t proto,
		 const struct ring_geometry *geo);

/*
 * FIXTURE_TEARDOWN step: unmap r if it is mapped (r all zero: it is not)
 * and close fd if it is open (>= 0). close() frees the ring: no teardown
 * request is needed.
 */
void ring_close_socket(struct ring *r, int fd);

/* Frame i (V1/V2) or block i (V3) of the ring. */
void *ring_frame(const struct ring *r, unsigned int i);
struct tpacket_block_desc *ring_block(const struct ring *r, unsigned int i);

/*
 * tp_status of a frame header of this version, with acquire/release
 * ordering (V1's tp_status is an unsigned long: its low 32 bits). The one
 * accessor of frame status words, RX and TX.
 */
uint32_t tpacket_status(int version, const void *hdr);
void tpacket_set_status(int version, void *hdr, uint32_t status);

/*
 * The status word of what r hands over: a V3 RX ring's block (block_status
 * in its descriptor), otherwise a frame (tpacket_status()).
 */
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
 * ring_next_frame() up to an absolute deadline (psock_deadline(), already
 * scaled), so a caller that looks at several frames keeps one deadline.
 */
void *ring_next_frame_until(struct ring *r, int64_t deadline);

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

/*
 * V3 RX: the tag seq of packet i of block b (counted along tp_next_offset
 * from offset_to_first_pkt), its payload skip bytes after tp_mac; ~0u when
 * the block holds fewer packets (num_pkts) or that one carries no tag.
 */
uint32_t ring_block_pkt_seq(const struct ring *r, const struct tpacket_block_desc *b,
			    unsigned int i, size_t skip);

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

/*
 * Where tpacket_rcv() puts an Ethernet frame in an RX ring frame without
 * PACKET_RESERVE, as the ABI fixes it (64-bit), written out as literals for
 * tests to expect: tp_net = TPACKET_ALIGN(tp_hdrlen + 16) on SOCK_RAW and
 * TPACKET_ALIGN(tp_hdrlen) + 16 on SOCK_DGRAM, with tp_hdrlen 52 (V1/V2)
 * or 68 (V3), is 80 or 96 on both types; tp_mac is 14 before it on
 * SOCK_RAW (66 or 82) and equal to it on SOCK_DGRAM.
 */
unsigned int tpacket_rx_net(int version);
unsigned int tpacket_rx_mac(int type, int version);

/*
 * One of the two receive paths on fd: a ring_small RX ring of the socket's
 * version (V3 blocks retire after 4 ms, so a frame shows up at once), or,
 * when !use_ring, no ring and PACKET_AUXDATA on, so recvmsg() reports each
 * packet's tp_len, tp_snaplen and tp_status. 0 or -1 with errno.
 */
int rx_path_open(struct ring *r, int fd, bool use_ring);

#endif

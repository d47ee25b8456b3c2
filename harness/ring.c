// SPDX-License-Identifier: GPL-2.0
/*
 * Rings for TPACKET_V1/V2/V3; see ring.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "ring.h"
#include "sock.h"
#include "timing.h"

const struct ring_geometry ring_small = {
	.block_size = 4096,
	.block_nr = 4,
	.frame_size = 2048,
};

size_t tpacket_hdr_size(int version)
{
	switch (version) {
	case TPACKET_V1:
		return sizeof(struct tpacket_hdr);
	case TPACKET_V2:
		return sizeof(struct tpacket2_hdr);
	default:
		return sizeof(struct tpacket3_hdr);
	}
}

unsigned int tpacket_rx_net(int version)
{
	return version == TPACKET_V3 ? 96 : 80;
}

unsigned int tpacket_rx_mac(int type, int version)
{
	return tpacket_rx_net(version) - (type == SOCK_RAW ? 14 : 0);
}

static unsigned int geo_frame_nr(const struct ring_geometry *g)
{
	return g->frame_size ? g->block_size / g->frame_size * g->block_nr : 0;
}

int ring_request(int fd, int kind, int version, const struct ring_geometry *g)
{
	struct tpacket_req3 req = {
		.tp_block_size = g->block_size,
		.tp_block_nr = g->block_nr,
		.tp_frame_size = g->frame_size,
		.tp_frame_nr = geo_frame_nr(g),
		.tp_retire_blk_tov = g->retire_blk_tov,
		.tp_sizeof_priv = g->sizeof_priv,
		.tp_feature_req_word = g->feature_req_word,
	};
	/* packet_setsockopt() reads a tpacket_req3 only when the version is V3. */
	socklen_t len = version == TPACKET_V3 ? sizeof(struct tpacket_req3)
					      : sizeof(struct tpacket_req);

	return setsockopt(fd, SOL_PACKET, kind, &req, len);
}

int ring_teardown(int fd, int kind, int version)
{
	static const struct ring_geometry zero;

	return ring_request(fd, kind, version, &zero);
}

int ring_open(struct ring *r, int fd, int kind, const struct ring_geometry *g)
{
	int version = psock_get_version(fd);

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->kind = kind;
	r->geo = *g;
	r->version = version;
	r->frame_nr = geo_frame_nr(g);
	if (version < 0 || ring_request(fd, kind, version, g))
		return -1;
	r->map_len = (size_t)g->block_size * g->block_nr;
	/*
	 * packet_mmap() inserts every page of the ring at once: nothing to
	 * populate or lock.
	 */
	r->map_base = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->map_base == MAP_FAILED) {
		int saved = errno;

		r->map_base = NULL;
		ring_teardown(fd, kind, version);
		errno = saved;
		return -1;
	}
	r->map = r->map_base;
	return 0;
}

int ring_close(struct ring *r)
{
	int ret = 0;

	if (r->map_base && munmap(r->map_base, r->map_len))
		ret = -1;
	r->map_base = r->map = NULL;
	/* Still mapped, the teardown would fail with EBUSY: report the first error. */
	if (!ret && ring_teardown(r->fd, r->kind, r->version))
		ret = -1;
	return ret;
}

int ring_rx_open(struct ring *r, int type, int version, int ifindex, uint16_t proto,
		 const struct ring_geometry *g)
{
	int fd = psock_rx_socket(type, version, ifindex, proto);
	int saved;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	if (ring_open(r, fd, PACKET_RX_RING, g)) {
		saved = errno;
		close(fd);
		memset(r, 0, sizeof(*r));
		errno = saved;
		return -1;
	}
	return fd;
}

void ring_close_socket(struct ring *r, int fd)
{
	if (r->map_base)
		munmap(r->map_base, r->map_len);
	r->map_base = r->map = NULL;
	if (fd >= 0)
		close(fd);
}

void *ring_frame(const struct ring *r, unsigned int i)
{
	unsigned int per_block = r->geo.block_size / r->geo.frame_size;

	/* Frames never straddle blocks: packet_lookup_frame(). */
	return r->map + (size_t)(i / per_block) * r->geo.block_size +
	       (size_t)(i % per_block) * r->geo.frame_size;
}

struct tpacket_block_desc *ring_block(const struct ring *r, unsigned int i)
{
	return (struct tpacket_block_desc *)(r->map + (size_t)i * r->geo.block_size);
}

/* tp_status of a frame header: the first word of V1/V2 headers, at 20 in V3's. */
static uint32_t *hdr_status_word(int version, const void *hdr)
{
	if (version == TPACKET_V3)
		return &((struct tpacket3_hdr *)hdr)->tp_status;
	if (version == TPACKET_V2)
		return &((struct tpacket2_hdr *)hdr)->tp_status;
	/* V1's tp_status is an unsigned long; its low 32 bits hold the flags. */
	return (uint32_t *)&((struct tpacket_hdr *)hdr)->tp_status;
}

uint32_t tpacket_status(int version, const void *hdr)
{
	return __atomic_load_n(hdr_status_word(version, hdr), __ATOMIC_ACQUIRE);
}

void tpacket_set_status(int version, void *hdr, uint32_t status)
{
	__atomic_store_n(hdr_status_word(version, hdr), status, __ATOMIC_RELEASE);
}

/* A V3 RX ring hands over blocks: their status word is in the descriptor. */
static bool owned_by_block(const struct ring *r)
{
	return r->version == TPACKET_V3 && r->kind == PACKET_RX_RING;
}

uint32_t ring_status(const struct ring *r, const void *p)
{
	if (owned_by_block(r))
		return __atomic_load_n(&((struct tpacket_block_desc *)p)->hdr.bh1.block_status,
				       __ATOMIC_ACQUIRE);
	return tpacket_status(r->version, p);
}

void ring_set_status(const struct ring *r, void *p, uint32_t status)
{
	if (owned_by_block(r)) {
		__atomic_store_n(&((struct tpacket_block_desc *)p)->hdr.bh1.block_status, status,
				 __ATOMIC_RELEASE);
		return;
	}
	tpacket_set_status(r->version, p, status);
}

/*
 * Wait until the kernel hands p (a V1/V2 frame or a V3 block) to user space
 * or the deadline passes: false with errno ETIMEDOUT, or poll()'s error.
 */
static bool wait_user_until(struct ring *r, void *p, int64_t deadline)
{
	while (!(ring_status(r, p) & TP_STATUS_USER)) {
		int left = psock_ms_left(deadline);
		int ret;

		if (!left) {
			errno = ETIMEDOUT;
			return false;
		}
		ret = psock_wait_until(r->fd, POLLIN, deadline);
		if (ret < 0)
			return false;	/* poll()'s errno */
		/*
		 * POLLIN follows the frame before the kernel's head only
		 * (packet_poll()): it can be set while p is still the
		 * kernel's. Do not spin on it: look again in 1 ms.
		 */
		if (ret > 0 && !(ring_status(r, p) & TP_STATUS_USER))
			poll(NULL, 0, 1);
	}
	return true;
}

bool ring_wait_user(struct ring *r, void *frame_or_block, int timeout_ms)
{
	return wait_user_until(r, frame_or_block, psock_deadline(timeout_ms));
}

static struct tpacket_block_desc *next_block_until(struct ring *r, int64_t deadline)
{
	struct tpacket_block_desc *b = ring_block(r, r->head);

	return wait_user_until(r, b, deadline) ? b : NULL;
}

struct tpacket_block_desc *ring_next_block(struct ring *r, int timeout_ms)
{
	return next_block_until(r, psock_deadline(timeout_ms));
}

void ring_release_block(struct ring *r)
{
	ring_set_status(r, ring_block(r, r->head), TP_STATUS_KERNEL);
	r->head = (r->head + 1) % r->geo.block_nr;
	r->pkt = NULL;
	r->pkts_left = 0;
}

uint32_t ring_block_pkt_seq(const struct ring *r, const struct tpacket_block_desc *b,
			    unsigned int i, size_t skip)
{
	const uint8_t *p = (const uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;

	if (i >= b->hdr.bh1.num_pkts)
		return ~0u;
	while (i--)
		p += ((const struct tpacket3_hdr *)p)->tp_next_offset;
	return ring_frame_seq(r, p, skip);
}

static void *next_frame_until(struct ring *r, int64_t deadline)
{
	struct tpacket_block_desc *b;
	void *f;

	if (r->version != TPACKET_V3) {
		f = ring_frame(r, r->head);
		return wait_user_until(r, f, deadline) ? f : NULL;
	}
	if (r->pkt)
		return r->pkt;
	b = next_block_until(r, deadline);
	if (!b)
		return NULL;
	if (!b->hdr.bh1.num_pkts) {
		/* prb_retire_rx_blk_timer_expired() never closes an empty block. */
		errno = EPROTO;
		return NULL;
	}
	r->pkts_left = b->hdr.bh1.num_pkts;
	r->pkt = (struct tpacket3_hdr *)((uint8_t *)b + b->hdr.bh1.offset_to_first_pkt);
	return r->pkt;
}

void *ring_next_frame(struct ring *r, int timeout_ms)
{
	return next_frame_until(r, psock_deadline(timeout_ms));
}

void *ring_next_frame_until(struct ring *r, int64_t deadline)
{
	return next_frame_until(r, deadline);
}

void ring_release_frame(struct ring *r, void *frame)
{
	if (r->version != TPACKET_V3) {
		ring_set_status(r, frame, TP_STATUS_KERNEL);
		r->head = (r->head + 1) % r->frame_nr;
		return;
	}
	if (--r->pkts_left == 0) {
		ring_release_block(r);
		return;
	}
	r->pkt = (struct tpacket3_hdr *)((uint8_t *)frame + r->pkt->tp_next_offset);
}

uint32_t ring_frame_seq(const struct ring *r, const void *frame, size_t skip)
{
	struct frame_view v;
	uint32_t seq;

	frame_view(r, frame, &v);
	if (v.snaplen <= skip || !frame_tag(v.data + skip, v.snaplen - skip, &seq))
		return ~0u;
	return seq;
}

void *ring_next_tagged(struct ring *r, int timeout_ms, size_t skip, uint32_t *seq)
{
	int64_t deadline = psock_deadline(timeout_ms);
	struct frame_view v;
	void *f;

	for (;;) {
		f = next_frame_until(r, deadline);
		if (!f)
			return NULL;
		frame_view(r, f, &v);
		if (v.snaplen > skip && frame_tag(v.data + skip, v.snaplen - skip, seq))
			return f;
		ring_release_frame(r, f);
	}
}

/* The fields every header version has, under the same names. */
#define VIEW_COMMON_FIELDS(v, h) do {		\
	(v)->status = (uint32_t)(h)->tp_status;	\
	(v)->len = (h)->tp_len;			\
	(v)->snaplen = (h)->tp_snaplen;		\
	(v)->mac = (h)->tp_mac;			\
	(v)->net = (h)->tp_net;			\
	(v)->sec = (h)->tp_sec;			\
} while (0)

void frame_view(const struct ring *r, const void *frame, struct frame_view *v)
{
	memset(v, 0, sizeof(*v));
	if (r->version == TPACKET_V1) {
		const struct tpacket_hdr *h = frame;

		VIEW_COMMON_FIELDS(v, h);
		v->usec = h->tp_usec;
		v->nsec = h->tp_usec * 1000;
	} else if (r->version == TPACKET_V2) {
		const struct tpacket2_hdr *h = frame;

		VIEW_COMMON_FIELDS(v, h);
		v->nsec = h->tp_nsec;
		v->has_vlan_fields = true;
		v->vlan_tci = h->tp_vlan_tci;
		v->vlan_tpid = h->tp_vlan_tpid;
	} else {
		const struct tpacket3_hdr *h = frame;

		VIEW_COMMON_FIELDS(v, h);
		v->nsec = h->tp_nsec;
		v->has_vlan_fields = true;
		v->vlan_tci = h->hv1.tp_vlan_tci;
		v->vlan_tpid = h->hv1.tp_vlan_tpid;
	}
	/* tpacket_rcv(): sll = h.raw + TPACKET_ALIGN(hdrlen) */
	v->sll = (const struct sockaddr_ll *)((const uint8_t *)frame +
					      TPACKET_ALIGN(tpacket_hdr_size(r->version)));
	v->data = (const uint8_t *)frame + v->mac;
}

int rx_path_open(struct ring *r, int fd, bool use_ring)
{
	struct ring_geometry geo = ring_small;
	int one = 1;

	memset(r, 0, sizeof(*r));
	if (!use_ring)
		return setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	geo.retire_blk_tov = 4;
	return ring_open(r, fd, PACKET_RX_RING, &geo);
}

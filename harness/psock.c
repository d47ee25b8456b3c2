// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers every psock test links; see psock.h for what each one promises.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include "psock.h"

const struct ring_geometry ring_small = {
	.block_size = 4096,
	.block_nr = 4,
	.frame_size = 2048,
};

/* ---- timing ---------------------------------------------------------- */

int psock_timeout_ms(int ms)
{
	return ms * netns_timeout_scale();
}

int64_t psock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *psock_kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "(uname failed)";
	return u.release;
}

int64_t psock_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t psock_deadline(int timeout_ms)
{
	return psock_monotonic_ms() + psock_timeout_ms(timeout_ms);
}

/* What is left of a wait until deadline, as a poll() timeout (0: passed). */
static int ms_left(int64_t deadline)
{
	int64_t left = deadline - psock_monotonic_ms();

	return left > 0 ? (int)left : 0;
}

int psock_wait_until(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, ms_left(deadline));
	} while (ret < 0 && errno == EINTR);
	if (!ret)
		errno = ETIMEDOUT;
	return ret;
}

int psock_wait(int fd, short events, int timeout_ms)
{
	return psock_wait_until(fd, events, psock_deadline(timeout_ms));
}

/* ---- sockets --------------------------------------------------------- */

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

/* ---- rings ----------------------------------------------------------- */

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

/* The status word is the first field of every header and block descriptor. */
static uint32_t *status_word(const struct ring *r, const void *p)
{
	if (r->version == TPACKET_V3)
		return &((struct tpacket_block_desc *)p)->hdr.bh1.block_status;
	if (r->version == TPACKET_V2)
		return &((struct tpacket2_hdr *)p)->tp_status;
	/* V1's tp_status is an unsigned long; its low 32 bits hold the flags. */
	return (uint32_t *)&((struct tpacket_hdr *)p)->tp_status;
}

uint32_t ring_status(const struct ring *r, const void *p)
{
	return __atomic_load_n(status_word(r, p), __ATOMIC_ACQUIRE);
}

void ring_set_status(const struct ring *r, void *p, uint32_t status)
{
	__atomic_store_n(status_word(r, p), status, __ATOMIC_RELEASE);
}

/*
 * Wait until the kernel hands p (a V1/V2 frame or a V3 block) to user space
 * or the deadline passes: false with errno ETIMEDOUT, or poll()'s error.
 */
static bool wait_user_until(struct ring *r, void *p, int64_t deadline)
{
	while (!(ring_status(r, p) & TP_STATUS_USER)) {
		int left = ms_left(deadline);
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

/* ---- frames ---------------------------------------------------------- */

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

/* ---- the peer end ---------------------------------------------------- */

struct peer_sock_arg {
	int ifindex;
};

static int open_peer_socket(void *p)
{
	int fd = psock_socket(SOCK_RAW, 0);	/* protocol 0: sends, never receives */

	if (fd >= 0 && psock_bind(fd, ((struct peer_sock_arg *)p)->ifindex, 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

ssize_t peer_send(struct netns_topo *topo, const void *frame, size_t len)
{
	if (topo->peer_fd < 0) {
		struct peer_sock_arg a = { .ifindex = topo->ifindex1 };

		topo->peer_fd = netns_in_peer(topo, open_peer_socket, &a);
		if (topo->peer_fd < 0)
			return -1;
	}
	return send(topo->peer_fd, frame, len, 0);
}

ssize_t peer_send_spec(struct netns_topo *topo, const struct frame_spec *spec)
{
	uint8_t buf[ETH_FRAME_LEN + 64];
	size_t len = frame_build(buf, sizeof(buf), spec);
	ssize_t n;

	if (!len) {
		errno = EMSGSIZE;
		return -1;
	}
	n = peer_send(topo, buf, len);
	if (n >= 0 && n != (ssize_t)len) {
		errno = EMSGSIZE;	/* a packet socket sends all or nothing */
		return -1;
	}
	return n;
}

int peer_send_burst(struct netns_topo *topo, const struct frame_spec *spec,
		    uint32_t first_seq, unsigned int n)
{
	struct frame_spec s = *spec;

	for (unsigned int i = 0; i < n; i++) {
		s.seq = first_seq + i;
		if (peer_send_spec(topo, &s) < 0)
			return -1;
	}
	return 0;
}

/* ---- receiving ------------------------------------------------------- */

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

size_t rx_payload_offset(int type, const struct frame_spec *spec)
{
	size_t off = frame_header_len(spec);

	if (spec->vlan_tpid)
		off -= 4;	/* struct vlan_hdr, stripped on receive */
	if (type != SOCK_RAW)
		off -= ETH_HLEN;
	return off;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT helpers; see fanout.h for what each one promises.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fanout.h"
#include "stats.h"

const struct ring_geometry fanout_ring = {
	.block_size = 4096,
	.block_nr = 32,
	.frame_size = 256,
};

int fanout_join(int fd, uint16_t id, uint16_t type_flags)
{
	int val = (int)((uint32_t)id | (uint32_t)type_flags << 16);

	return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val, sizeof(val));
}

int fanout_join_args(int fd, uint16_t id, uint16_t type_flags, uint32_t max_members)
{
	struct psock_fanout_args a = {
		.id = id,
		.type_flags = type_flags,
		.max_num_members = max_members,
	};

	return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &a, sizeof(a));
}

int64_t fanout_word(int fd)
{
	uint32_t val = 0;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val, &len))
		return -1;
	return val;
}

/*
 * packet_set_ring() and packet_release() each wait for synchronize_net(), a
 * whole RCU grace period, slow on a busy machine. Members are set up and
 * closed from one thread each, so their grace periods overlap instead of
 * adding up; binding and joining stay sequential, in member order.
 */
struct member_setup {
	struct fanout_member *mb;
	int version;
	const struct ring_geometry *geo;
	int err;
};

static void *member_prepare(void *p)
{
	struct member_setup *ms = p;
	struct fanout_member *mb = ms->mb;

	/* Ring before bind: on a bound socket packet_set_ring() also unhooks it. */
	mb->fd = psock_socket(SOCK_RAW, 0);
	if (mb->fd < 0)
		goto fail;
	if (ms->version) {
		if (psock_set_version(mb->fd, ms->version) ||
		    ring_open(&mb->ring, mb->fd, PACKET_RX_RING, ms->geo))
			goto fail;
		mb->has_ring = true;
	}
	return NULL;
fail:
	ms->err = errno;
	return NULL;
}

int fanout_group_open(struct fanout_group *g, unsigned int n, int version,
		      const struct ring_geometry *geo, int ifindex, uint16_t proto,
		      uint16_t id, uint16_t type_flags)
{
	struct ring_geometry gv = geo ? *geo : fanout_ring;
	struct member_setup ms[FANOUT_MEMBERS_MAX];
	pthread_t th[FANOUT_MEMBERS_MAX];
	bool started[FANOUT_MEMBERS_MAX] = { false };
	int err = 0;

	if (version == TPACKET_V3 && !gv.retire_blk_tov)
		gv.retire_blk_tov = 2;
	memset(g, 0, sizeof(*g));
	g->version = version;
	for (unsigned int i = 0; i < FANOUT_MEMBERS_MAX; i++)
		g->m[i].fd = -1;
	if (n > FANOUT_MEMBERS_MAX) {
		errno = EINVAL;
		return -1;
	}
	g->n = n;
	for (unsigned int i = 0; i < n; i++) {
		ms[i] = (struct member_setup){ .mb = &g->m[i], .version = version, .geo = &gv };
		started[i] = pthread_create(&th[i], NULL, member_prepare, &ms[i]) == 0;
		if (!started[i])
			member_prepare(&ms[i]);
	}
	for (unsigned int i = 0; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		if (ms[i].err && !err)
			err = ms[i].err;
	}
	if (err) {
		errno = err;
		return -1;
	}
	for (unsigned int i = 0; i < n; i++)
		if (psock_bind(g->m[i].fd, ifindex, proto) ||
		    fanout_join(g->m[i].fd, id, type_flags))
			return -1;
	return 0;
}

void fanout_member_close(struct fanout_group *g, unsigned int i)
{
	struct fanout_member *mb = &g->m[i];

	if (mb->has_ring && mb->ring.map_base)
		munmap(mb->ring.map_base, mb->ring.map_len);
	mb->has_ring = false;
	if (mb->fd >= 0)
		close(mb->fd);
	mb->fd = -1;
}

void fanout_close_fds(const int *fds, unsigned int n)
{
	/* A teardown step: no verdict is left to report an error to (fanout.h). */
	(void)psock_close_in_threads(fds, n);
}

void fanout_group_close(struct fanout_group *g)
{
	int fds[FANOUT_MEMBERS_MAX];

	for (unsigned int i = 0; i < g->n; i++) {
		struct fanout_member *mb = &g->m[i];

		if (mb->has_ring && mb->ring.map_base)
			munmap(mb->ring.map_base, mb->ring.map_len);
		mb->has_ring = false;
		fds[i] = mb->fd;
		mb->fd = -1;
	}
	fanout_close_fds(fds, g->n);
	g->n = 0;
}

/*
 * Take every frame a member has ready now; returns how many were tagged, or
 * -1 with errno when recv() failed for another reason than an empty queue.
 */
static int member_drain(struct fanout_member *mb, unsigned int idx, size_t skip,
			int *member_of, unsigned int nseq, unsigned int *count)
{
	int got = 0;
	uint32_t seq;

	for (;;) {
		bool tagged;

		if (mb->has_ring) {
			struct frame_view v;
			void *f = ring_next_frame(&mb->ring, 0);

			if (!f && errno == ETIMEDOUT)
				break;	/* nothing ready now */
			if (!f)
				return -1;	/* EPROTO: an empty V3 block */
			frame_view(&mb->ring, f, &v);
			tagged = v.snaplen > skip &&
				 frame_tag(v.data + skip, v.snaplen - skip, &seq);
			ring_release_frame(&mb->ring, f);
		} else {
			uint8_t buf[2048];
			ssize_t len = recv(mb->fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (len < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return -1;
			}
			tagged = (size_t)len > skip &&
				 frame_tag(buf + skip, (size_t)len - skip, &seq);
		}
		if (!tagged)
			continue;
		got++;
		if (count)
			count[idx]++;
		if (member_of && seq < nseq)
			member_of[seq] = (int)idx;
	}
	return got;
}

int fanout_collect_until(struct fanout_group *g, unsigned int want, int64_t deadline,
			 size_t skip, int *member_of, unsigned int nseq,
			 unsigned int *count)
{
	unsigned int got = 0;

	for (;;) {
		struct pollfd pfd[FANOUT_MEMBERS_MAX];
		unsigned int now = 0;
		int64_t left;

		for (unsigned int i = 0; i < g->n; i++) {
			int n;

			if (g->m[i].fd < 0)
				continue;
			n = member_drain(&g->m[i], i, skip, member_of, nseq, count);
			if (n < 0)
				return -1;
			now += n;
		}
		got += now;
		left = deadline - psock_monotonic_ms();
		if (got >= want || left <= 0)
			return (int)got;
		if (now)
			continue;
		for (unsigned int i = 0; i < g->n; i++)
			pfd[i] = (struct pollfd){ .fd = g->m[i].fd, .events = POLLIN };
		/* Short slices: a V3 block retired by its timer is picked up next round. */
		if (poll(pfd, g->n, left < 5 ? (int)left : 5) < 0)
			return -1;
	}
}

int fanout_collect(struct fanout_group *g, unsigned int want, int timeout_ms,
		   size_t skip, int *member_of, unsigned int nseq, unsigned int *count)
{
	return fanout_collect_until(g, want, psock_deadline(timeout_ms),
				    skip, member_of, nseq, count);
}

int fanout_send_collect(struct netns_topo *topo, struct fanout_group *g,
			const struct frame_spec *spec, uint32_t first, unsigned int n,
			int *member_of, unsigned int nseq, unsigned int *count)
{
	size_t skip = rx_payload_offset(SOCK_RAW, spec);
	const unsigned int chunk = 64;
	int got = 0;

	for (unsigned int done = 0; done < n; done += chunk) {
		unsigned int k = n - done < chunk ? n - done : chunk;
		int now;

		if (peer_send_burst(topo, spec, first + done, k))
			return -1;
		now = fanout_collect(g, k, 1000, skip, member_of, nseq, count);
		if (now < 0)
			return -1;
		got += now;
	}
	return got;
}

int fanout_stats(int fd, int version, unsigned int *packets, unsigned int *drops)
{
	struct psock_stats st;

	/* The kernel picks the struct by the socket's version: nothing to pass. */
	(void)version;
	if (psock_stats_read(fd, &st))
		return -1;
	*packets += st.packets;
	*drops += st.drops;
	return 0;
}

void fanout_teardown(struct fanout_group *g, struct netns_topo *topo, int *extra,
		     unsigned int n_extra)
{
	int fds[FANOUT_MEMBERS_MAX + 8];
	unsigned int n = 0;

	if (g) {
		for (unsigned int i = 0; i < g->n; i++) {
			struct fanout_member *mb = &g->m[i];

			if (mb->has_ring && mb->ring.map_base)
				munmap(mb->ring.map_base, mb->ring.map_len);
			mb->has_ring = false;
			fds[n++] = mb->fd;
			mb->fd = -1;
		}
		g->n = 0;
	}
	for (unsigned int i = 0; i < n_extra && n < FANOUT_MEMBERS_MAX + 7; i++) {
		fds[n++] = extra[i];
		extra[i] = -1;
	}
	fds[n++] = topo->peer_fd;
	topo->peer_fd = -1;
	fanout_close_fds(fds, n);
	netns_teardown(topo);
}

void fanout_fixture_reset(struct fanout_fixture *f)
{
	memset(&f->g, 0, sizeof(f->g));	/* g.n == 0: nothing to close */
	memset(f->count, 0, sizeof(f->count));
	for (unsigned int i = 0; i < FANOUT_NSEQ; i++)
		f->member_of[i] = -1;
}

struct frame_spec fanout_udp4_flow(uint16_t sport, uint16_t dport)
{
	return (struct frame_spec){
		.ip = 4, .payload_len = 32,
		.saddr = NETNS_IP4_1, .daddr = NETNS_IP4_0,
		.sport = sport, .dport = dport,
	};
}

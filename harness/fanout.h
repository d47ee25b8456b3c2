/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the PACKET_FANOUT tests (psock/fanout_*.c): joining a group,
 * reading the group word back, opening a group of M members (with a V1/V2/V3
 * RX ring or none) and counting which member received which tagged frame.
 *
 * The group word (setsockopt(PACKET_FANOUT) with an int) is
 * id | type_flags << 16; with a struct fanout_args the group also gets a
 * member limit. fanout_add() in net/packet/af_packet.c implements both.
 */
#ifndef PSOCK_FANOUT_H
#define PSOCK_FANOUT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_packet.h>

#include "psock.h"

/* Userspace headers older than the flag (Linux 6.2) lack it: the value is uapi. */
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif

/* The uapi struct fanout_args (linux/if_packet.h, 5.13+), little-endian layout. */
struct psock_fanout_args {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint16_t id;
	uint16_t type_flags;
#else
	uint16_t type_flags;
	uint16_t id;
#endif
	uint32_t max_num_members;
};

/* PACKET_FANOUT_MAX in net/packet/internal.h: the largest member limit. */
#define FANOUT_MAX_MEMBERS_LIMIT (1u << 16)
/* The limit a group gets when none is asked for (fanout_add(): "legacy"). */
#define FANOUT_DEFAULT_MAX_MEMBERS 256u

/* setsockopt(PACKET_FANOUT) with the int form; 0 or -1 with errno. */
int fanout_join(int fd, uint16_t id, uint16_t type_flags);

/* setsockopt(PACKET_FANOUT) with struct fanout_args; 0 or -1 with errno. */
int fanout_join_args(int fd, uint16_t id, uint16_t type_flags, uint32_t max_members);

/* getsockopt(PACKET_FANOUT): the group word, or -1 with errno (as int64). */
int64_t fanout_word(int fd);

/* Build the word getsockopt(PACKET_FANOUT) reports for a member. */
static inline uint32_t fanout_word_of(uint16_t id, uint8_t type, uint16_t flags)
{
	return (uint32_t)id | (uint32_t)type << 16 | (uint32_t)(flags >> 8) << 24;
}

/* ---- a group of members ----------------------------------------------- */

#define FANOUT_MEMBERS_MAX 8

/* Ring for the distribution tests: 32 blocks of 4 KiB, 256-byte frames (512 frames). */
extern const struct ring_geometry fanout_ring;

struct fanout_member {
	int fd;
	bool has_ring;
	struct ring ring;
};

struct fanout_group {
	unsigned int n;
	int version;		/* 0: no ring, recv() path */
	struct fanout_member m[FANOUT_MEMBERS_MAX];
};

/*
 * Open n SOCK_RAW sockets of version (0: no ring; otherwise a ring of geo,
 * NULL meaning fanout_ring, with a 2 ms block timeout for V3), bind each to
 * ifindex/proto and join id with type_flags, in order: member i is f->arr[i]
 * in the kernel. 0 or -1 with errno (what failed is left open for close).
 */
int fanout_group_open(struct fanout_group *g, unsigned int n, int version,
		      const struct ring_geometry *geo, int ifindex, uint16_t proto,
		      uint16_t id, uint16_t type_flags);

/* Close every member (rings unmapped). */
void fanout_group_close(struct fanout_group *g);

/*
 * psock_close_in_threads() for a teardown, which has no verdict left to
 * give: a failed close() is not reported. A case that wants the errno
 * calls psock_close_in_threads() itself.
 */
void fanout_close_fds(const int *fds, unsigned int n);

/*
 * FIXTURE_TEARDOWN: close the group's members (g may be NULL), the extra
 * fds (set to -1) and the topology's peer socket all at once, then
 * netns_teardown().
 */
void fanout_teardown(struct fanout_group *g, struct netns_topo *topo, int *extra,
		     unsigned int n_extra);

/* Close one member: the kernel moves its last member into the hole. */
void fanout_member_close(struct fanout_group *g, unsigned int i);

/*
 * Receive tagged frames on every member until want of them arrived or
 * timeout_ms (scaled) passed. skip: bytes from the link header to the tag.
 * For each frame, member_of[seq] = member index (seq < nseq; larger seqs are
 * only counted) and count[member]++. Returns the number of tagged frames
 * received (frames seen twice count twice; member_of keeps the last), or -1
 * with errno when poll() or recv() on a member failed.
 */
int fanout_collect(struct fanout_group *g, unsigned int want, int timeout_ms,
		   size_t skip, int *member_of, unsigned int nseq, unsigned int *count);

/*
 * fanout_collect() up to an absolute deadline (psock_monotonic_ms(), already
 * scaled), so a caller that collects in rounds keeps one deadline for all of
 * them. A deadline in the past drains what is ready and returns.
 */
int fanout_collect_until(struct fanout_group *g, unsigned int want, int64_t deadline,
			 size_t skip, int *member_of, unsigned int nseq,
			 unsigned int *count);

/*
 * Send n frames of spec from psk1 (seq first .. first+n-1) in chunks, and
 * collect after each chunk, so no member's ring or buffer overflows.
 * Same outputs as fanout_collect(); returns the total received, or -1 with
 * errno when a send from psk1 or a receive failed.
 */
int fanout_send_collect(struct netns_topo *topo, struct fanout_group *g,
			const struct frame_spec *spec, uint32_t first, unsigned int n,
			int *member_of, unsigned int nseq, unsigned int *count);

/*
 * Test step (tests include this header after kselftest_harness.h):
 * fanout_send_collect() of n frames, failing the case with the errno when a
 * send or a receive failed, and unless exactly n tagged frames came back.
 */
#define ASSERT_SEND_COLLECT(topo, g, spec, first, n, member_of, nseq, count) do {	\
	int got_ = fanout_send_collect((topo), (g), (spec), (first), (n),		\
				       (member_of), (nseq), (count));			\
	int err_ = errno;								\
											\
	ASSERT_LE(0, got_) TH_LOG("sending from psk1 or receiving: %s",		\
				  strerror(err_));					\
	ASSERT_EQ((int)(n), got_) TH_LOG("tagged frames back of %u sent",		\
					 (unsigned int)(n));				\
} while (0)

/*
 * Add PACKET_STATISTICS tp_packets and tp_drops since the last read to
 * *packets and *drops (psock_stats_read(); version is no longer needed).
 */
int fanout_stats(int fd, int version, unsigned int *packets, unsigned int *drops);


/* ---- a fixture's state ------------------------------------------------- */

/* Frames a fanout_fixture records by seq (member_of[]); later seqs only count. */
#define FANOUT_NSEQ 1024

/*
 * What the fixtures of psock/fanout_*.c share: the namespaces, the group
 * under test and where its tagged frames went, as fanout_collect() fills
 * them (member_of[seq] = the member, -1 until seq arrives; count[member]).
 * A FIXTURE embeds it as its field f; FIXTURE_TEARDOWN passes f.g and
 * f.topo to fanout_teardown() with the fixture's other fds.
 */
struct fanout_fixture {
	struct netns_topo topo;
	struct fanout_group g;
	int member_of[FANOUT_NSEQ];
	unsigned int count[FANOUT_MEMBERS_MAX];
};

/* No group open, no frame seen: member_of all -1, count all 0. */
void fanout_fixture_reset(struct fanout_fixture *f);

/*
 * FIXTURE_SETUP step: fanout_fixture_reset(f), then the namespaces with
 * opts (NULL: the default topology); where they cannot be made the case
 * SKIPs and runs statement (see PSOCK_NETNS_SETUP).
 */
#define FANOUT_FIXTURE_SETUP(statement, f, opts) do {					\
	fanout_fixture_reset(f);							\
	PSOCK_NETNS_SETUP(statement, &(f)->topo, (opts));				\
} while (0)

/*
 * Test step: fanout_group_open() of members sockets on the fixture's psk0
 * (version, geo, proto, id, type_flags as there), failing the case with
 * the errno when a socket, ring, bind or join failed.
 */
#define ASSERT_FIXTURE_GROUP(f, members, version, geo, proto, id, type_flags) do {	\
	int rc_ = fanout_group_open(&(f)->g, (members), (version), (geo),		\
				    (f)->topo.ifindex0, (proto), (id), (type_flags));	\
	int err_ = errno;								\
											\
	ASSERT_EQ(0, rc_) TH_LOG("fanout group of %u: %s", (unsigned int)(members),	\
				 strerror(err_));					\
} while (0)

/*
 * Test step: ASSERT_SEND_COLLECT() of n frames of spec (seq first ..
 * first + n - 1) from psk1 into the fixture's group, member_of and count.
 */
#define ASSERT_FIXTURE_SEND_COLLECT(f, spec, first, n)					\
	ASSERT_SEND_COLLECT(&(f)->topo, &(f)->g, (spec), (first), (n),			\
			    (f)->member_of, FANOUT_NSEQ, (f)->count)

/*
 * An IPv4/UDP frame of one flow, psk1's address:sport -> psk0's:dport, 32
 * bytes of payload (frame_build() adds the tag).
 */
struct frame_spec fanout_udp4_flow(uint16_t sport, uint16_t dport);

#endif

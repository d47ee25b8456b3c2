// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT flags that change which frames reach the group at all:
 * PACKET_FANOUT_FLAG_DEFRAG and PACKET_FANOUT_FLAG_IGNORE_OUTGOING, each
 * checked against the same group without the flag.
 *
 * In net/packet/af_packet.c and net/core/dev.c:
 *  - FLAG_DEFRAG: packet_rcv_fanout() passes IPv4 frames through
 *          ip_check_defrag() before the mode chooses a member, so the
 *          fragments of one datagram are held back and reassembled: one
 *          datagram is one frame on one member, and counts once in LB's
 *          round-robin (fanout_demux_lb());
 *  - FLAG_IGNORE_OUTGOING (Linux 6.2+; older kernels accept and ignore it):
 *          fanout_add() sets the group hook's ignore_outgoing, so
 *          dev_queue_xmit_nit() does not hand it the frames the host sends
 *          (pkt_type PACKET_OUTGOING); received frames still arrive.
 *
 * Test cases:
 *   defrag.lb_fragments_reassembled_one_frame_per_datagram
 *   defrag.lb_fragments_separate_without_flag
 *   outgoing.ignore_outgoing_flag_drops_sent_frames
 *   outgoing.sent_frames_delivered_without_flag
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ip.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "fanout.h"

#define GID 0x6a6a
FIXTURE(defrag) {
	struct fanout_fixture f;
};

FIXTURE_SETUP(defrag)
{
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(defrag)
{
	fanout_teardown(&self->f.g, &self->f.topo, NULL, 0);
}

#define DF_PAYLOAD 200		/* UDP payload; IP payload 208 = 104 + 104 */
#define DF_FIRST 104		/* bytes of IP payload in the first fragment */
#define DF_IP_ID 0x4000		/* IPv4 id of datagram seq: DF_IP_ID + seq */

/* Send the UDP datagram seq as two IPv4 fragments from psk1. */
static int send_fragments(struct netns_topo *topo, uint32_t seq)
{
	struct frame_spec s = { .ip = 4, .sport = 5555, .dport = 6666,
				.payload_len = DF_PAYLOAD, .seq = seq };
	uint8_t full[512], frag[512];
	size_t len = frame_build(full, sizeof(full), &s);
	const size_t l3 = ETH_HLEN, ihl = 20, ipay = len - l3 - ihl;

	for (int part = 0; part < 2; part++) {
		size_t off = part ? DF_FIRST : 0, n = part ? ipay - DF_FIRST : DF_FIRST;
		struct iphdr *ip = (struct iphdr *)(frag + l3);
		ssize_t sent;

		memcpy(frag, full, l3 + ihl);
		memcpy(frag + l3 + ihl, full + l3 + ihl + off, n);
		ip->tot_len = htons(ihl + n);
		ip->id = htons(DF_IP_ID + seq);
		ip->frag_off = htons((part ? 0 : 0x2000) | off / 8);
		ip->check = 0;
		ip->check = ~inet_csum_add(ip, ihl, 0);
		sent = peer_send(topo, frag, l3 + ihl + n);
		if (sent != (ssize_t)(l3 + ihl + n)) {
			if (sent >= 0)
				errno = EIO;	/* short send */
			return -1;
		}
	}
	return 0;
}

/*
 * One of this test's datagrams or fragments: IPv4/UDP with the id
 * send_fragments() gives (the second fragment carries no payload tag).
 */
static bool defrag_frame(const uint8_t *buf, size_t len)
{
	const struct iphdr *ip = (const struct iphdr *)(buf + ETH_HLEN);
	uint16_t id;

	if (len < ETH_HLEN + sizeof(*ip) || buf[12] != 0x08 || buf[13] != 0x00 ||
	    ip->protocol != IPPROTO_UDP)
		return false;
	id = ntohs(ip->id);
	return id >= DF_IP_ID && id < DF_IP_ID + 16;
}

/*
 * Receive this test's frames on every member (no ring) until want of them
 * or the deadline; count[m] frames, lens[i] = length of the i-th. Returns
 * how many arrived, or -1 with errno when poll() or recv() failed.
 */
static int recv_all(struct fanout_group *g, unsigned int want, unsigned int *count,
		    size_t *lens, unsigned int nlens)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	unsigned int got = 0;

	while (got < want) {
		int64_t left = deadline - psock_monotonic_ms();
		struct pollfd pfd[FANOUT_MEMBERS_MAX];
		int ready;

		if (left <= 0)
			break;
		for (unsigned int m = 0; m < g->n; m++)
			pfd[m] = (struct pollfd){ .fd = g->m[m].fd, .events = POLLIN };
		ready = poll(pfd, g->n, (int)left);
		if (ready < 0)
			return -1;
		for (unsigned int m = 0; ready && m < g->n; m++) {
			uint8_t buf[2048];
			ssize_t len;

			while ((len = recv(g->m[m].fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
				if (!defrag_frame(buf, (size_t)len))
					continue;
				if (got < nlens)
					lens[got] = len;
				count[m]++;
				got++;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
		}
	}
	return (int)got;
}

/*
 * A group of 2 members (no ring) on psk0 joined with type_flags; 4 UDP
 * datagrams sent as 2 fragments each. Exactly frames arrive, per_member on
 * each member, every one frame_len bytes long.
 */
static void defrag_run(struct __test_metadata *_metadata, struct fanout_fixture *f,
		       uint16_t type_flags, unsigned int frames, unsigned int per_member,
		       size_t frame_len)
{
	size_t lens[16];
	int got, err;

	ASSERT_FIXTURE_GROUP(f, 2, 0, NULL, ETH_P_IP, GID, type_flags);
	for (uint32_t d = 0; d < 4; d++) {
		ASSERT_EQ(0, send_fragments(&f->topo, d)) TH_LOG("%s", strerror(errno));
	}
	got = recv_all(&f->g, frames, f->count, lens, 16);
	err = errno;
	ASSERT_LE(0, got) TH_LOG("receive: %s", strerror(err));
	EXPECT_EQ(frames, (unsigned int)got);
	EXPECT_EQ(per_member, f->count[0]);
	EXPECT_EQ(per_member, f->count[1]);
	for (unsigned int i = 0; i < frames; i++) {
		EXPECT_EQ(frame_len, lens[i]) TH_LOG("frame %u", i);
	}
}

/*
 * LB | FLAG_DEFRAG, 2 members: 4 datagrams sent as 2 fragments each arrive
 * as 4 whole frames (14 + 20 + 8 + 200 bytes), round-robin from member 1:
 * ip_check_defrag() runs before fanout_demux_lb(), so the fragments never
 * reach a member and count once in the round-robin.
 */
TEST_F(defrag, lb_fragments_reassembled_one_frame_per_datagram)
{
	defrag_run(_metadata, &self->f, PACKET_FANOUT_LB | PACKET_FANOUT_FLAG_DEFRAG, 4, 2,
		   ETH_HLEN + 20 + 8 + DF_PAYLOAD);
}

/* The same without FLAG_DEFRAG: 8 fragment frames, 4 per member, 118/118 bytes. */
TEST_F(defrag, lb_fragments_separate_without_flag)
{
	defrag_run(_metadata, &self->f, PACKET_FANOUT_LB, 8, 4, ETH_HLEN + 20 + DF_FIRST);
}

FIXTURE(outgoing) {
	struct fanout_fixture f;
	int tx0;		/* sends out of psk0, towards psk1 */
};

FIXTURE_SETUP(outgoing)
{
	self->tx0 = -1;
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
	self->tx0 = psock_rx_socket(SOCK_RAW, 0, self->f.topo.ifindex0, 0);
	ASSERT_LE(0, self->tx0);
}

FIXTURE_TEARDOWN(outgoing)
{
	fanout_teardown(&self->f.g, &self->f.topo, &self->tx0, 1);
}

/*
 * A group of 2 (LB) on psk1. psk1 sends 4 frames (seq 0-3, outgoing there)
 * and receives 4 from psk0 (seq 100-103). Returns how many tagged frames
 * the group got within the wait.
 *
 * dev_queue_xmit_nit() hands the group its copy of an outgoing frame
 * synchronously, inside send() (veth has no qdisc), and the incoming frames
 * are sent later, so once those 4 are in, a last drain has seen every
 * outgoing copy the group was given: the incoming frames end the wait, one
 * deadline for all of it.
 */
static unsigned int outgoing_run(struct __test_metadata *_metadata,
				 struct _test_data_outgoing *self, uint16_t flags)
{
	struct frame_spec out = { .payload_len = 32 };
	struct frame_spec in = { .payload_len = 32, .dst = self->f.topo.mac1,
				  .src = self->f.topo.mac0 };
	size_t skip = rx_payload_offset(SOCK_RAW, &out);
	int64_t deadline;
	unsigned int got = 0, incoming = 0;
	int rc, err;

	rc = fanout_group_open(&self->f.g, 2, 0, NULL, self->f.topo.ifindex1, ETH_P_ALL, GID,
			       PACKET_FANOUT_LB | flags);
	err = errno;
	ASSERT_EQ(0, rc) TH_LOG("fanout group: %s", strerror(err));
	ASSERT_EQ(fanout_word_of(GID, PACKET_FANOUT_LB, flags), fanout_word(self->f.g.m[0].fd));
	ASSERT_EQ(0, peer_send_burst(&self->f.topo, &out, 0, 4))
		TH_LOG("send from psk1: %s", strerror(errno));
	for (uint32_t i = 0; i < 4; i++) {
		uint8_t buf[256];
		size_t len;

		in.seq = 100 + i;
		len = frame_build(buf, sizeof(buf), &in);
		ASSERT_EQ((ssize_t)len, send(self->tx0, buf, len, 0))
			TH_LOG("send from psk0: %s", strerror(errno));
	}
	deadline = psock_deadline(PSOCK_WAIT_MS);
	while (incoming < 4 && psock_monotonic_ms() < deadline) {
		rc = fanout_collect_until(&self->f.g, 1, deadline, skip, self->f.member_of,
					  FANOUT_NSEQ, self->f.count);
		err = errno;
		ASSERT_LE(0, rc) TH_LOG("receive: %s", strerror(err));
		got += rc;
		incoming = 0;
		for (int i = 0; i < 4; i++)
			incoming += self->f.member_of[100 + i] >= 0;
	}
	/* the last drain: a deadline already passed takes what is ready */
	rc = fanout_collect_until(&self->f.g, FANOUT_NSEQ, 0, skip, self->f.member_of,
				  FANOUT_NSEQ, self->f.count);
	err = errno;
	ASSERT_LE(0, rc) TH_LOG("receive: %s", strerror(err));
	return got + rc;
}

/*
 * Without the flag, the group on psk1 sees its own outgoing frames
 * (dev_queue_xmit_nit(), pkt_type OUTGOING) as well as the incoming ones.
 */
TEST_F(outgoing, sent_frames_delivered_without_flag)
{
	EXPECT_EQ(8, outgoing_run(_metadata, self, 0));
	for (int i = 0; i < 4; i++) {
		EXPECT_LE(0, self->f.member_of[i]) TH_LOG("outgoing %d", i);
		EXPECT_LE(0, self->f.member_of[100 + i]) TH_LOG("incoming %d", i);
	}
	EXPECT_EQ(4, self->f.count[0]);
	EXPECT_EQ(4, self->f.count[1]);
}

/*
 * With PACKET_FANOUT_FLAG_IGNORE_OUTGOING only the 4 incoming frames arrive,
 * 2 per member: since Linux 6.2 ("net/packet: add
 * PACKET_FANOUT_FLAG_IGNORE_OUTGOING") fanout_add() sets the group hook's
 * ignore_outgoing, so dev_queue_xmit_nit() skips it. Older kernels take the
 * flag without acting on it (fanout_add() checks no flag bits, so no probe
 * can tell): there the case SKIPs naming the release, and says what the
 * kernel did (a backport shows). From 6.2 on it passes or fails.
 */
TEST_F(outgoing, ignore_outgoing_flag_drops_sent_frames)
{
	unsigned int got = outgoing_run(_metadata, self, PACKET_FANOUT_FLAG_IGNORE_OUTGOING);
	unsigned int out_seen = 0;

	for (int i = 0; i < 4; i++)
		out_seen += self->f.member_of[i] >= 0;
	PSOCK_SKIP_BEFORE(return, 6, 2,
			  "\"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\"",
			  out_seen ? "; this kernel still delivers the outgoing frames" :
				     "; this kernel drops the outgoing frames: backported");
	EXPECT_EQ(0, out_seen) TH_LOG("outgoing frames delivered despite the flag");
	EXPECT_EQ(4, got);
	for (int i = 0; i < 4; i++) {
		EXPECT_LE(0, self->f.member_of[100 + i]) TH_LOG("incoming %d", i);
	}
	EXPECT_EQ(2, self->f.count[0]);
	EXPECT_EQ(2, self->f.count[1]);
}

TEST_HARNESS_MAIN

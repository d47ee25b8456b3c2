// SPDX-License-Identifier: GPL-2.0
/*
 * libpcap as the kernel's real client: what tcpdump gets when it captures
 * on psk0 (or on "any") inside the case's namespace.
 *
 * pcap_activate() on Linux (libpcap 1.10, pcap-linux.c) opens a SOCK_RAW
 * ETH_P_ALL packet socket bound to the device ("any": SOCK_DGRAM, unbound,
 * cooked headers), sets PACKET_VERSION TPACKET_V3 (V2 only in immediate
 * mode), PACKET_RESERVE 4 (room to put a VLAN tag back) and an RX ring of
 * blocks retired after the pcap timeout, and, for promiscuous mode, adds a
 * PACKET_MR_PROMISC membership (packet_dev_mc() -> dev_set_promiscuity()).
 * It turns on PACKET_AUXDATA and attaches no filter of its own. Every
 * frame it hands out comes from tpacket_rcv(): the ring's 256 KiB frames
 * hold the whole frame (tp_snaplen = tp_len), libpcap cuts caplen to the
 * snap length in user space and reports len = tp_len. pcap_stats() reads PACKET_STATISTICS:
 * ps_recv = tp_packets, ps_drop = tp_drops, the frames the ring had no
 * room for (a V3 block still owned by user space: prb_dispatch_next_block()
 * freezes the queue and counts a drop).
 *
 * The promiscuity the membership takes shows in the device's promiscuity
 * count (netlink IFLA_PROMISCUITY = 1; __dev_set_promiscuity() sets
 * IFF_PROMISC in dev->flags), not in SIOCGIFFLAGS or ifi_flags, which
 * report IFF_PROMISC only from the user-set gflags (dev_get_flags()).
 *
 * On "any" the cooked header is DLT_LINUX_SLL2 (pcap_set_datalink()): 20
 * bytes, protocol, interface index, ARPHRD, sll_pkttype, address length and
 * the link-layer source address, from the sockaddr_ll tpacket_rcv() wrote.
 *
 * Test cases:
 *   pcap_live.v3_ring_raw_socket_reserve_4
 *   pcap_live.frames_arrive_cut_to_snaplen
 *   pcap_live.promisc_membership_until_close
 *   pcap_live.stats_drops_equal_undrained_ring
 *   pcap_live.any_device_sll2_ifindex_and_pkttype
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <pcap/pcap.h>
#include <pcap/sll.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "diag.h"
#include "stats.h"

#define SNAPLEN 96

FIXTURE(pcap_live) {
	struct netns_topo topo;
	pcap_t *p;
	char err[PCAP_ERRBUF_SIZE];
};

FIXTURE_SETUP(pcap_live)
{
	self->p = NULL;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
}

FIXTURE_TEARDOWN(pcap_live)
{
	if (self->p)
		pcap_close(self->p);
	netns_teardown(&self->topo);
}

/*
 * pcap_create() + options + pcap_activate() on dev: snap length snaplen,
 * promiscuous mode promisc, timeout_ms (the V3 block retire timeout),
 * buffer_size bytes of ring (0: libpcap's default).
 */
static pcap_t *live_open(struct __test_metadata *_metadata, const char *dev, int snaplen,
			 int promisc, int timeout_ms, int buffer_size)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(dev, err);
	int rc;

	if (!p)
		return NULL;
	EXPECT_EQ(0, pcap_set_snaplen(p, snaplen));
	EXPECT_EQ(0, pcap_set_promisc(p, promisc));
	EXPECT_EQ(0, pcap_set_timeout(p, timeout_ms));
	if (buffer_size)
		EXPECT_EQ(0, pcap_set_buffer_size(p, buffer_size));
	rc = pcap_activate(p);
	if (rc) {
		TH_LOG("pcap_activate(%s): %d, %s", dev, rc, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	return p;
}

/* Case step: the live capture on dev into self->p. */
#define PCAP_OPEN(self, dev, snaplen, promisc, timeout_ms, bufsize) do {	\
	(self)->p = live_open(_metadata, (dev), (snaplen), (promisc), (timeout_ms), (bufsize));	\
	ASSERT_NE(NULL, (self)->p);						\
} while (0)

/*
 * The next captured frame whose payload (skip bytes in) carries this
 * program's tag, within one deadline of PSOCK_WAIT_MS (scaled): 1 with its
 * header, data and seq; 0 at the deadline; -1 on a pcap error.
 */
static int pcap_next_tagged(pcap_t *p, size_t skip, struct pcap_pkthdr *h,
			    const uint8_t **data, uint32_t *seq)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);

	while (psock_ms_left(deadline) > 0) {
		struct pcap_pkthdr *hp;
		const u_char *d;
		int rc = pcap_next_ex(p, &hp, &d);

		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (hp->caplen > skip && frame_tag(d + skip, hp->caplen - skip, seq)) {
			*h = *hp;
			*data = d;
			return 1;
		}
	}
	return 0;
}

/*
 * The socket libpcap opened (pcap_fileno()): SOCK_RAW, protocol ETH_P_ALL
 * bound to psk0 (packet_diag), TPACKET_V3, PACKET_RESERVE 4, flags RUNNING |
 * AUXDATA, no filter; the RX ring's retire timeout is the pcap timeout.
 */
TEST_F(pcap_live, v3_ring_raw_socket_reserve_4)
{
	const struct pdiag_sock *s;
	struct pdiag_dump d;
	int fd, v = -1, res = -1;
	socklen_t len = sizeof(v);

	PCAP_OPEN(self, NETNS_IF0, SNAPLEN, 0, 50, 0);
	fd = pcap_fileno(self->p);
	ASSERT_EQ(0, getsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, &len));
	EXPECT_EQ(TPACKET_V3, v);
	len = sizeof(res);
	ASSERT_EQ(0, getsockopt(fd, SOL_PACKET, PACKET_RESERVE, &res, &len));
	EXPECT_EQ(4, res);
	EXPECT_EQ(DLT_EN10MB, pcap_datalink(self->p));
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_INFO | PACKET_SHOW_RING_CFG | PACKET_SHOW_FILTER,
				   NLM_F_DUMP, 0, &d))
		TH_LOG("packet_diag: %s", strerror(errno));
	s = pdiag_find(&d, fd);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(SOCK_RAW, s->msg.pdiag_type);
	EXPECT_EQ(ETH_P_ALL, s->msg.pdiag_num);
	EXPECT_EQ(NETNS_IFINDEX0, s->info.pdi_index);
	EXPECT_EQ(PDI_RUNNING | PDI_AUXDATA, s->info.pdi_flags);
	EXPECT_FALSE(s->has_filter);
	ASSERT_TRUE(s->has_rx);
	EXPECT_EQ(50, s->rx.pdr_retire_tmo);
	TH_LOG("libpcap's ring: %u blocks of %u, frame_size %u, frame_nr %u",
	       s->rx.pdr_block_nr, s->rx.pdr_block_size, s->rx.pdr_frame_size,
	       s->rx.pdr_frame_nr);
}

/*
 * Frames of 60, 96, 97, 500 and 1514 bytes from psk1: each arrives once,
 * in order, with len = its length, caplen = min(len, 96) and those bytes;
 * a marker frame sent after them is the next tagged frame.
 */
TEST_F(pcap_live, frames_arrive_cut_to_snaplen)
{
	static const size_t lens[] = { 60, 96, 97, 500, 1514 };
	uint8_t wire[ETH_FRAME_LEN];

	PCAP_OPEN(self, NETNS_IF0, SNAPLEN, 0, 5, 0);
	for (uint32_t i = 0; i <= ARRAY_SIZE(lens); i++) {
		size_t len = i < ARRAY_SIZE(lens) ? lens[i] : 64;
		const struct frame_spec spec = { .seq = i, .payload_len = len - ETH_HLEN };
		size_t n = frame_build(wire, sizeof(wire), &spec);

		ASSERT_EQ(len, n);
		ASSERT_EQ((ssize_t)n, peer_send(&self->topo, wire, n))
			TH_LOG("send %u: %s", i, strerror(errno));
	}
	for (uint32_t i = 0; i <= ARRAY_SIZE(lens); i++) {
		size_t len = i < ARRAY_SIZE(lens) ? lens[i] : 64;
		const struct frame_spec spec = { .seq = i, .payload_len = len - ETH_HLEN };
		size_t cap = len < SNAPLEN ? len : SNAPLEN;
		struct pcap_pkthdr h;
		const uint8_t *data;
		uint32_t seq;

		frame_build(wire, sizeof(wire), &spec);
		ASSERT_EQ(1, pcap_next_tagged(self->p, ETH_HLEN, &h, &data, &seq))
			TH_LOG("frame %u: %s", i, pcap_geterr(self->p));
		EXPECT_EQ(i, seq);
		EXPECT_EQ(len, h.len);
		EXPECT_EQ(cap, h.caplen);
		EXPECT_EQ(0, memcmp(wire, data, cap));
	}
}

/* IFLA_PROMISCUITY of psk0 ("ip -d link"): the count of promiscuity users. */
static int promiscuity(struct netns_topo *topo, char *why, size_t whylen)
{
	char line[4096];
	FILE *f = popen("ip -d -o link show dev " NETNS_IF0, "r");
	int val = -1;

	(void)topo;
	if (!f) {
		snprintf(why, whylen, "popen: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = strstr(line, " promiscuity ");

		if (s)
			val = atoi(s + strlen(" promiscuity "));
	}
	if (pclose(f) != 0 || val < 0) {
		snprintf(why, whylen, "ip -d link show: no promiscuity");
		return -1;
	}
	return val;
}

/* SIOCGIFFLAGS of psk0, or -1. */
static int ifflags(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, NETNS_IF0);
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	return rc ? -1 : (uint16_t)ifr.ifr_flags;
}

/*
 * pcap_set_promisc(1): while the capture is open its socket holds one
 * PACKET_MR_PROMISC membership of psk0 (packet_diag MCLIST, count 1) and
 * psk0's promiscuity is 1; SIOCGIFFLAGS does not show IFF_PROMISC (the
 * membership is not a user flag). pcap_close() drops the membership:
 * promiscuity 0. A capture without promisc has no membership.
 */
TEST_F(pcap_live, promisc_membership_until_close)
{
	const struct pdiag_sock *s;
	struct pdiag_dump d;
	char why[256] = "";

	ASSERT_EQ(0, promiscuity(&self->topo, why, sizeof(why))) TH_LOG("%s", why);
	PCAP_OPEN(self, NETNS_IF0, SNAPLEN, 0, 5, 0);
	EXPECT_EQ(0, promiscuity(&self->topo, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_MCLIST, NLM_F_DUMP, 0, &d));
	s = pdiag_find(&d, pcap_fileno(self->p));
	ASSERT_NE(NULL, s);
	EXPECT_EQ(0, s->mc_n);
	pcap_close(self->p);
	PCAP_OPEN(self, NETNS_IF0, SNAPLEN, 1, 5, 0);
	EXPECT_EQ(1, promiscuity(&self->topo, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_MCLIST, NLM_F_DUMP, 0, &d));
	s = pdiag_find(&d, pcap_fileno(self->p));
	ASSERT_NE(NULL, s);
	ASSERT_EQ(1, s->mc_n);
	EXPECT_EQ(PACKET_MR_PROMISC, s->mc[0].pdmc_type);
	EXPECT_EQ(NETNS_IFINDEX0, s->mc[0].pdmc_index);
	EXPECT_EQ(1, s->mc[0].pdmc_count);
	EXPECT_EQ(0, ifflags() & IFF_PROMISC) TH_LOG("SIOCGIFFLAGS %#x", ifflags());
	EXPECT_EQ(IFF_UP, ifflags() & IFF_UP);
	pcap_close(self->p);
	self->p = NULL;
	EXPECT_EQ(0, promiscuity(&self->topo, why, sizeof(why))) TH_LOG("%s", why);
}

/*
 * N frames of 1000 bytes into a capture nobody reads, then a barrier: the
 * frames the ring has no room for are what pcap_stats() reports as ps_drop,
 * the same count PACKET_STATISTICS gives for a V3 ring of the geometry
 * libpcap chose (read back through packet_diag), built by hand on a second
 * socket with the same PACKET_RESERVE, and the count the geometry implies:
 * a block holds (block_size - 48) / ALIGN(tp_mac 86 + 1000, 8) frames.
 */
TEST_F(pcap_live, stats_drops_equal_undrained_ring)
{
	const struct frame_spec spec = { .payload_len = 1000 - ETH_HLEN };
	struct ring_geometry geo = { 0 };
	const struct pdiag_sock *s;
	struct rx_barrier bar = { .fd = -1 };
	struct psock_stats st;
	struct pcap_stat ps;
	struct pdiag_dump d;
	struct ring ref = { 0 };
	unsigned int per_block, stored, n;
	int fd, four = 4;

	ASSERT_EQ(0, psock_pin_cpu());
	PCAP_OPEN(self, NETNS_IF0, 2048, 0, 10000, 256 * 1024);
	ASSERT_EQ(0, pdiag_request(PACKET_SHOW_RING_CFG, NLM_F_DUMP, 0, &d));
	s = pdiag_find(&d, pcap_fileno(self->p));
	ASSERT_NE(NULL, s);
	ASSERT_TRUE(s->has_rx);
	geo.block_size = s->rx.pdr_block_size;
	geo.block_nr = s->rx.pdr_block_nr;
	geo.frame_size = s->rx.pdr_frame_size;
	geo.retire_blk_tov = s->rx.pdr_retire_tmo;

	fd = psock_rx_socket(SOCK_RAW, TPACKET_V3, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &four, sizeof(four)));
	ASSERT_EQ(0, ring_open(&ref, fd, PACKET_RX_RING, &geo)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, rx_barrier_open(&bar, &self->topo));

	per_block = (geo.block_size - 48) / ((86 + 1000 + 7) / 8 * 8);
	stored = per_block * geo.block_nr;
	n = stored + 20;
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 0, n));
	ASSERT_EQ(0, rx_barrier_sync(&bar, &self->topo, PSOCK_WAIT_MS))
		TH_LOG("barrier: %s", strerror(errno));
	ASSERT_EQ(0, pcap_stats(self->p, &ps)) TH_LOG("%s", pcap_geterr(self->p));
	ASSERT_STATS_READ(fd, &st);
	/* The barrier frame reached both sockets too, after every frame: dropped. */
	EXPECT_EQ(n + 1, ps.ps_recv);
	EXPECT_EQ(n + 1 - stored, ps.ps_drop);
	EXPECT_EQ(st.packets, ps.ps_recv);
	EXPECT_EQ(st.drops, ps.ps_drop);
	rx_barrier_close(&bar);
	ring_close_socket(&ref, fd);
}

/*
 * "any" with DLT_LINUX_SLL2: a frame psk1 sends to psk0 is captured twice,
 * first leaving psk1 (interface index 11, PACKET_OUTGOING), then arriving on
 * psk0 (index 10, PACKET_HOST); both with protocol 0x88b5, ARPHRD_ETHER,
 * address length 6 and psk1's MAC (the source), the payload after the
 * 20-byte header.
 */
TEST_F(pcap_live, any_device_sll2_ifindex_and_pkttype)
{
	static const uint8_t mac1[6] = NETNS_MAC1;
	static const struct { uint32_t ifindex; uint8_t pkttype; } want[2] = {
		{ NETNS_IFINDEX1, PACKET_OUTGOING }, { NETNS_IFINDEX0, PACKET_HOST },
	};
	const struct frame_spec spec = { .seq = 7, .payload_len = 100 };

	PCAP_OPEN(self, "any", SNAPLEN, 0, 5, 0);
	ASSERT_EQ(0, pcap_set_datalink(self->p, DLT_LINUX_SLL2)) TH_LOG("%s", pcap_geterr(self->p));
	EXPECT_EQ(DLT_LINUX_SLL2, pcap_datalink(self->p));
	ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, 7, 1));
	for (int i = 0; i < 2; i++) {
		struct sll2_header sll;
		struct pcap_pkthdr h;
		const uint8_t *data;
		uint32_t seq;

		ASSERT_EQ(1, pcap_next_tagged(self->p, SLL2_HDR_LEN, &h, &data, &seq))
			TH_LOG("copy %d: %s", i, pcap_geterr(self->p));
		EXPECT_EQ(7, seq);
		EXPECT_EQ(SLL2_HDR_LEN + 100, h.len);
		memcpy(&sll, data, sizeof(sll));
		EXPECT_EQ(20, SLL2_HDR_LEN);
		EXPECT_EQ(ETH_P_PSOCK, ntohs(sll.sll2_protocol));
		EXPECT_EQ(want[i].ifindex, ntohl(sll.sll2_if_index)) TH_LOG("copy %d", i);
		EXPECT_EQ(1, ntohs(sll.sll2_hatype));
		EXPECT_EQ(want[i].pkttype, sll.sll2_pkttype) TH_LOG("copy %d", i);
		EXPECT_EQ(6, sll.sll2_halen);
		EXPECT_EQ(0, memcmp(mac1, sll.sll2_addr, 6));
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * tcpdump expressions as socket filters: what libpcap compiles is what a
 * capture tool attaches to its packet socket, so the kernel must capture
 * exactly the frames the expression matches, cut to the snap length.
 *
 * libpcap (pcap_open_dead(DLT_EN10MB, snaplen) + pcap_compile()) turns an
 * expression into a classic BPF program that reads the frame from the
 * Ethernet header (a SOCK_RAW socket's view) and returns snaplen on a match,
 * 0 otherwise. Attached with SO_ATTACH_FILTER, it runs in packet_rcv()
 * (run_filter()); the queued skb is trimmed to the snap length and
 * PACKET_AUXDATA reports tp_len = the wire length and tp_snaplen.
 *
 * VLAN tags: the receive path moves the outer tag of a frame into skb
 * metadata before any packet socket sees it (__netif_receive_skb_core() ->
 * skb_vlan_untag()), so the frame the filter reads has no outer tag.
 * libpcap knows that only for a live Linux handle (it then loads
 * SKF_AD_VLAN_TAG_PRESENT); compiled offline it tests the EtherType at byte
 * 12 for 0x8100/0x88a8/0x9100. Hence, with an offline-compiled filter:
 * `vlan and udp` captures a QinQ frame (its inner tag stays in the data) but
 * not a single-tagged one, and `ether proto 0x88b5` also captures a tagged
 * 0x88b5 frame.
 *
 * Test cases (snap length 64, socket bound to ETH_P_ALL on psk0):
 *   pcap.udp_dst_port_4000
 *   pcap.vlan_and_udp_matches_inband_tag_only
 *   pcap.ether_proto_0x88b5
 *   pcap.len_greater_than_300
 *   pcap.host_and_not_arp
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/filter.h>
#include <pcap/pcap.h>

#include "kselftest_harness.h"
#include "filter.h"
#define SNAPLEN 64
#define MAX_FRAMES 8

/* A frame sent, and what the socket should see of it. */
struct sent {
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len;
	uint8_t seen[ETH_FRAME_LEN];	/* wire without the outer VLAN tag */
	size_t seen_len;
	bool match;			/* the expression matches it */
};

FIXTURE(pcap) {
	struct filter_rx rx;
	struct sent frames[MAX_FRAMES];
	unsigned int n;
};

FIXTURE_SETUP(pcap)
{
	int one = 1;

	self->n = 0;
	FILTER_RX_SETUP(return, &self->rx, SOCK_RAW, 0, ETH_P_ALL);
	ASSERT_EQ(0, setsockopt(self->rx.fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		TH_LOG("PACKET_AUXDATA: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pcap)
{
	filter_rx_teardown(&self->rx);
}

/* Compile expr for DLT_EN10MB at SNAPLEN and attach it to fd. */
static void attach_expr(struct __test_metadata *_metadata, int fd, const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	struct bpf_program prog;
	struct sock_fprog fprog;
	int rc, err;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN))
		TH_LOG("pcap_compile(\"%s\"): %s", expr, pcap_geterr(p));
	fprog.len = prog.bf_len;
	fprog.filter = (struct sock_filter *)prog.bf_insns;
	rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog));
	err = errno;
	pcap_freecode(&prog);
	pcap_close(p);
	ASSERT_EQ(0, rc) TH_LOG("SO_ATTACH_FILTER(\"%s\"): %s", expr, strerror(err));
}

/* Record a frame to send; seen is wire without its outer tag (if any). */
static struct sent *add_frame(struct _test_data_pcap *self, bool match)
{
	struct sent *s = &self->frames[self->n++];

	memset(s, 0, sizeof(*s));
	s->match = match;
	return s;
}

static void finish_frame(struct sent *s)
{
	uint16_t tpid = s->wire[12] << 8 | s->wire[13];

	if (tpid == ETH_P_8021Q || tpid == ETH_P_8021AD) {
		memcpy(s->seen, s->wire, 12);
		memcpy(s->seen + 12, s->wire + 16, s->wire_len - 16);
		s->seen_len = s->wire_len - 4;
	} else {
		memcpy(s->seen, s->wire, s->wire_len);
		s->seen_len = s->wire_len;
	}
}

static void add_spec(struct _test_data_pcap *self, const struct frame_spec *spec, bool match)
{
	struct frame_spec sp = *spec;
	struct sent *s = add_frame(self, match);

	sp.seq = self->n - 1;
	s->wire_len = frame_build(s->wire, sizeof(s->wire), &sp);
	finish_frame(s);
}

/*
 * Send every recorded frame, then receive: exactly the matching ones
 * arrive, in order, each cut to min(SNAPLEN, length) with PACKET_AUXDATA
 * tp_len = its length as the socket sees it.
 */
static void expect_captured(struct __test_metadata *_metadata, struct _test_data_pcap *self)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	uint8_t buf[ETH_FRAME_LEN];

	for (unsigned int i = 0; i < self->n; i++) {
		ASSERT_EQ((ssize_t)self->frames[i].wire_len,
			  peer_send(&self->rx.topo, self->frames[i].wire, self->frames[i].wire_len))
			TH_LOG("send frame %u: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, rx_barrier_sync(&self->rx.barrier, &self->rx.topo, PSOCK_WAIT_MS))
		TH_LOG("barrier frame: %s", strerror(errno));

	for (unsigned int i = 0; i < self->n; i++) {
		const struct sent *s = &self->frames[i];
		size_t snap = s->seen_len < SNAPLEN ? s->seen_len : SNAPLEN;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct tpacket_auxdata aux = { 0 };
		ssize_t n;

		if (!s->match)
			continue;
		do {	/* skip the barrier frame if the expression took it */
			n = recvmsg(self->rx.fd, &msg, MSG_DONTWAIT);
		} while (n >= 14 && (buf[12] << 8 | buf[13]) == ETH_P_PSOCK_BARRIER);
		ASSERT_EQ((ssize_t)snap, n) TH_LOG("frame %u: %s", i, n < 0 ? strerror(errno) : "");
		EXPECT_EQ(0, memcmp(buf, s->seen, snap)) TH_LOG("frame %u: other bytes", i);
		ASSERT_EQ(1, psock_cmsg_auxdata(&msg, &aux)) TH_LOG("frame %u: no PACKET_AUXDATA", i);
		EXPECT_EQ(s->seen_len, aux.tp_len) TH_LOG("frame %u", i);
		EXPECT_EQ(snap, aux.tp_snaplen) TH_LOG("frame %u", i);
	}
	for (;;) {
		ssize_t n = recv(self->rx.fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			break;
		if (n >= 14 && (buf[12] << 8 | buf[13]) == ETH_P_PSOCK_BARRIER)
			continue;
		EXPECT_EQ(-1, n) TH_LOG("an unexpected %zd-byte frame was captured", n);
	}
	EXPECT_EQ(EAGAIN, errno);
}

/* IPv4 and IPv6 UDP to port 4000 match; port 4001, source port 4000, 0x88b5 do not. */
TEST_F(pcap, udp_dst_port_4000)
{
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 1000, .dport = 4000,
					     .payload_len = 200 }, true);
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 1001, .dport = 4001,
					     .payload_len = 200 }, false);
	add_spec(self, &(struct frame_spec){ .ip = 6, .sport = 1002, .dport = 4000,
					     .payload_len = 20 }, true);
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 4000, .dport = 5000,
					     .payload_len = 20 }, false);
	add_spec(self, &(struct frame_spec){ .payload_len = 100 }, false);
	attach_expr(_metadata, self->rx.fd, "udp dst port 4000");
	expect_captured(_metadata, self);
}

/*
 * Offline-compiled "vlan" tests the EtherType in the data: a single 802.1Q
 * tag is already in skb metadata and not matched; of a QinQ frame (802.1ad
 * outer, 802.1Q inner) the inner tag is still in the data and matches.
 */
TEST_F(pcap, vlan_and_udp_matches_inband_tag_only)
{
	const struct frame_spec udp_q = { .ip = 4, .vlan_tpid = ETH_P_8021Q, .vlan_tci = 7,
					  .sport = 1000, .dport = 4000, .payload_len = 100 };
	struct sent *s;

	add_spec(self, &udp_q, false);
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 1001, .dport = 4000,
					     .payload_len = 100 }, false);
	/* QinQ: an outer 802.1ad tag (VID 5) in front of the 802.1Q one. */
	s = add_frame(self, true);
	{
		struct frame_spec inner = udp_q;
		uint8_t tmp[ETH_FRAME_LEN];
		size_t len;

		inner.sport = 1002;
		inner.seq = 2;
		len = frame_build(tmp, sizeof(tmp), &inner);
		memcpy(s->wire, tmp, 12);
		s->wire[12] = ETH_P_8021AD >> 8;
		s->wire[13] = ETH_P_8021AD & 0xff;
		s->wire[14] = 0;
		s->wire[15] = 5;
		memcpy(s->wire + 16, tmp + 12, len - 12);
		s->wire_len = len + 4;
		finish_frame(s);
	}
	add_spec(self, &(struct frame_spec){ .vlan_tpid = ETH_P_8021Q, .vlan_tci = 7,
					     .payload_len = 100 }, false);
	attach_expr(_metadata, self->rx.fd, "vlan and udp");
	expect_captured(_metadata, self);
}

/* 0x88b5 matches, tagged or not (the tag is gone before the filter runs). */
TEST_F(pcap, ether_proto_0x88b5)
{
	add_spec(self, &(struct frame_spec){ .payload_len = 100 }, true);
	add_spec(self, &(struct frame_spec){ .ethertype = 0x88B7, .payload_len = 100 }, false);
	add_spec(self, &(struct frame_spec){ .ip = 4, .dport = 4000, .payload_len = 100 }, false);
	add_spec(self, &(struct frame_spec){ .vlan_tpid = ETH_P_8021Q, .vlan_tci = 9,
					     .payload_len = 30 }, true);
	attach_expr(_metadata, self->rx.fd, "ether proto 0x88b5");
	expect_captured(_metadata, self);
}

/* "len" is the wire length: 300 does not match, 301 and 1000 do, both cut to 64. */
TEST_F(pcap, len_greater_than_300)
{
	add_spec(self, &(struct frame_spec){ .payload_len = 300 - ETH_HLEN }, false);
	add_spec(self, &(struct frame_spec){ .payload_len = 301 - ETH_HLEN }, true);
	add_spec(self, &(struct frame_spec){ .payload_len = 60 - ETH_HLEN }, false);
	add_spec(self, &(struct frame_spec){ .payload_len = 1000 - ETH_HLEN }, true);
	attach_expr(_metadata, self->rx.fd, "len > 300");
	expect_captured(_metadata, self);
}

/* An ARP request from 198.51.100.2 asking for 198.51.100.1. */
static void add_arp(struct _test_data_pcap *self)
{
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x70, 0x73, 0x6b, 0x00, 0x01,
		0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,		/* Ethernet/IPv4 request */
		0x02, 0x70, 0x73, 0x6b, 0x00, 0x01, 198, 51, 100, 2,	/* sender */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 51, 100, 1,	/* target */
	};
	struct sent *s = add_frame(self, false);

	memcpy(s->wire, arp, sizeof(arp));
	s->wire_len = sizeof(arp);
	finish_frame(s);
}

/*
 * IPv4 from or to 198.51.100.2 matches; IPv4 between other hosts, the ARP
 * request from .2 (excluded by "not arp") and IPv6 do not.
 */
TEST_F(pcap, host_and_not_arp)
{
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 1000, .payload_len = 100 }, true);
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 1001, .saddr = "198.51.100.3",
					     .daddr = "198.51.100.2", .payload_len = 20 }, true);
	add_spec(self, &(struct frame_spec){ .ip = 4, .sport = 1002, .saddr = "198.51.100.3",
					     .daddr = "198.51.100.1", .payload_len = 100 }, false);
	add_arp(self);
	add_spec(self, &(struct frame_spec){ .ip = 6, .sport = 1003, .payload_len = 100 }, false);
	attach_expr(_metadata, self->rx.fd, "host 198.51.100.2 and not arp");
	expect_captured(_metadata, self);
}

TEST_HARNESS_MAIN

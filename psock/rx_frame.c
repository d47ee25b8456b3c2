// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel writes about each received frame: the frame header of a
 * receive ring (struct tpacket_hdr / tpacket2_hdr / tpacket3_hdr), the
 * struct sockaddr_ll after it, and the bytes themselves. All of it is filled
 * in by tpacket_rcv() in net/packet/af_packet.c:
 *
 *  - tp_len is the length of the packet as the socket sees it (SOCK_RAW:
 *    from the link header, SOCK_DGRAM: from the network header), tp_snaplen
 *    what was stored; tp_net = TPACKET_ALIGN(tp_hdrlen + 16) and
 *    tp_mac = tp_net - 14 on SOCK_RAW, tp_mac = tp_net on SOCK_DGRAM;
 *  - sockaddr_ll sits at TPACKET_ALIGN(sizeof(header)): family AF_PACKET,
 *    the packet's protocol, the receiving ifindex, ARPHRD_ETHER, the source
 *    MAC (dev_parse_header()) and sll_pkttype, the kind of destination
 *    eth_type_trans() found (HOST, BROADCAST, MULTICAST, OTHERHOST), or
 *    PACKET_OUTGOING for frames this host sends (dev_queue_xmit_nit());
 *  - tp_sec with tp_usec (V1) or tp_nsec (V2/V3): the receive time;
 *  - V2/V3 only: a VLAN tag the core moved into skb metadata is reported in
 *    tp_vlan_tci (the whole TCI: PCP, DEI, VID) and tp_vlan_tpid, with
 *    TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;
 *  - a tag still in the frame's bytes (the outgoing copy of a frame a
 *    SOCK_RAW socket sends with an 802.1Q header: packet_parse_headers()
 *    sets skb->protocol 0x8100 and veth's transmit path leaves the tag in
 *    band) is reported to a SOCK_DGRAM socket all the same, read from the
 *    frame: tp_vlan_tci by vlan_get_tci(), tp_vlan_tpid skb->protocol, on
 *    the ring (tpacket_rcv() V2, prb_fill_vlan_info() V3) and in
 *    PACKET_AUXDATA, and sll_protocol is the inner EtherType
 *    (vlan_get_protocol_dgram(), from "af_packet: Handle outgoing VLAN
 *    packets without hardware offloading", upstream in 6.11 and backported
 *    through stable: Debian's 6.1.0-57 has it, so no release gate is right
 *    and the case runs everywhere); PACKET_AUXDATA reads that tag when
 *    recvmsg() runs, from the device sll_ifindex names, so a frame read
 *    after its device was deleted reports none (packet_recvmsg());
 *  - checksum status: TP_STATUS_CSUMNOTREADY for a packet whose checksum is
 *    still to be filled in (CHECKSUM_PARTIAL: a local UDP socket's datagram
 *    crossing veth), never together with TP_STATUS_CSUM_VALID; neither for
 *    a frame injected by a packet socket (CHECKSUM_NONE), and
 *    TP_STATUS_CSUM_VALID for one GRO checked (CHECKSUM_UNNECESSARY: psk0
 *    with GRO on, psk1 with TSO off, udp4_gro_receive()). The no-ring path
 *    reports the same in PACKET_AUXDATA (packet_recvmsg());
 *  - TP_STATUS_GSO_TCP (Linux 6.3) for a TCP GSO skb, as veth passes on a
 *    packet socket's vnet GSO frame; not for a UDP GSO (UDP_SEGMENT) skb
 *    nor for a plain one. Ring and PACKET_AUXDATA alike;
 *  - with SO_RCVPRIORITY (Linux 6.14) recvmsg() reports skb->priority in
 *    a SOL_SOCKET SO_PRIORITY control message (sock_recv_cmsgs()).
 *
 * Test cases (<type> = raw / dgram, <v> = v1 / v2 / v3):
 *   rx_meta.<type>_<v>.lengths_offsets_and_bytes
 *   rx_meta.<type>_<v>.sockaddr_ll_and_pkttype
 *   rx_meta.<type>_<v>.pkttype_outgoing
 *   rx_meta.<type>_<v>.timestamps_between_clock_reads
 *   rx_meta.<type>_<v>.vlan_tags_reported
 *   rx_inband.<path>.dgram_outgoing_inband_tag_reported   (ring_v2 / ring_v3 / recvmsg)
 *   rx_inband.<path>.dgram_outgoing_cut_tag_tci_zero      (ring_v2 / ring_v3 / recvmsg)
 *   rx_inband_gone.dgram_deleted_device_tag_not_reported
 *   rx_csum.<path>.udp_socket_datagram_csum_notready
 *   rx_csum.<path>.injected_frame_csum_none
 *   rx_csum.<path>.gro_checked_udp_csum_valid
 *   rx_gso.<path>.tcp_gso_frame_status_gso_tcp
 *   rx_gso.<path>.tcp_frame_without_gso_no_gso_tcp
 *   rx_gso.<path>.udp_gso_frame_no_gso_tcp
 *   rx_prio.rcvpriority_reports_skb_priority
 * with <path> = ring_v1 / ring_v2 / ring_v3 / recvmsg (PACKET_AUXDATA).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "vnet.h"

/* ---- frame metadata, for each version and socket type ----------------- */

FIXTURE(rx_meta) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_VARIANT(rx_meta) {
	int type;
	int version;
};

FIXTURE_VARIANT_ADD(rx_meta, raw_v1) { .type = SOCK_RAW, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(rx_meta, raw_v2) { .type = SOCK_RAW, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(rx_meta, raw_v3) { .type = SOCK_RAW, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(rx_meta, dgram_v1) { .type = SOCK_DGRAM, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(rx_meta, dgram_v2) { .type = SOCK_DGRAM, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(rx_meta, dgram_v3) { .type = SOCK_DGRAM, .version = TPACKET_V3 };

/*
 * Bound to ETH_P_ALL: only taps see a VLAN tag (the core clears it before
 * protocol handlers when no VLAN device claims it) and outgoing frames
 * (dev_queue_xmit_nit()). Every case looks only at its own tagged frames.
 */
FIXTURE_SETUP(rx_meta)
{
	struct ring_geometry geo = ring_small;

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	geo.retire_blk_tov = 4;	/* V3: hand each partly filled block over soon */
	self->fd = ring_rx_open(&self->ring, variant->type, variant->version,
				self->topo.ifindex0, ETH_P_ALL, &geo);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket with a ring: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_meta)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/* The next frame tagged with seq want; its view in v. Hand it back after use. */
static void *next_tagged(struct __test_metadata *_metadata, struct ring *r, int type,
			 const struct frame_spec *spec, uint32_t want, struct frame_view *v)
{
	uint32_t seq = ~0u;
	void *f = ring_next_tagged(r, PSOCK_WAIT_MS, rx_payload_offset(type, spec), &seq);

	ASSERT_NE(NULL, f) TH_LOG("tagged frame %u: %s (waited %d ms)", want, strerror(errno),
				  PSOCK_WAIT_MS);
	ASSERT_EQ(want, seq);
	frame_view(r, f, v);
	return f;
}

/*
 * Frames of 34 (shorter than the Ethernet minimum: veth does not pad),
 * 314 and 1514 bytes: tp_len and tp_snaplen count from the link header on
 * SOCK_RAW and from the network header on SOCK_DGRAM, tp_net and tp_mac
 * are where the version's header layout puts them, and the bytes at tp_mac
 * are the frame as sent (less the link header on SOCK_DGRAM).
 */
TEST_F(rx_meta, lengths_offsets_and_bytes)
{
	static const size_t payload[] = { 20, 300, ETH_DATA_LEN };
	bool raw = variant->type == SOCK_RAW;

	for (unsigned int i = 0; i < 3; i++) {
		struct frame_spec spec = { .payload_len = payload[i], .seq = i };
		uint8_t wire[ETH_FRAME_LEN];
		size_t wire_len = frame_build(wire, sizeof(wire), &spec);
		size_t hdr = raw ? 0 : ETH_HLEN;
		struct frame_view v;
		void *f;

		ASSERT_EQ((ssize_t)wire_len, peer_send(&self->topo, wire, wire_len));
		f = next_tagged(_metadata, &self->ring, variant->type, &spec, i, &v);
		EXPECT_EQ(wire_len - hdr, v.len) TH_LOG("frame %u", i);
		EXPECT_EQ(wire_len - hdr, v.snaplen) TH_LOG("frame %u", i);
		/* tpacket_rx_net(): 80 on V1/V2, 96 on V3; tp_mac 14 less on SOCK_RAW */
		EXPECT_EQ(tpacket_rx_net(variant->version), v.net);
		EXPECT_EQ(tpacket_rx_mac(variant->type, variant->version), v.mac);
		EXPECT_EQ(0, memcmp(wire + hdr, v.data, wire_len - hdr)) TH_LOG("frame %u", i);
		ring_release_frame(&self->ring, f);
	}
}

/*
 * One frame to each kind of destination: psk0's own MAC, broadcast, an IPv4
 * multicast MAC and some other unicast MAC. sockaddr_ll says where it came
 * from and, in sll_pkttype, which kind it was (eth_type_trans()).
 */
TEST_F(rx_meta, sockaddr_ll_and_pkttype)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t other[6] = { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x99 };
	const struct { const uint8_t *dst; unsigned char pkttype; } to[] = {
		{ self->topo.mac0, PACKET_HOST },
		{ bcast, PACKET_BROADCAST },
		{ mcast, PACKET_MULTICAST },
		{ other, PACKET_OTHERHOST },
	};

	for (unsigned int i = 0; i < 4; i++) {
		struct frame_spec spec = { .dst = to[i].dst, .payload_len = 64, .seq = i };
		struct frame_view v;
		void *f;

		ASSERT_EQ(ETH_HLEN + 64, peer_send_spec(&self->topo, &spec))
			TH_LOG("send: %s", strerror(errno));
		f = next_tagged(_metadata, &self->ring, variant->type, &spec, i, &v);
		EXPECT_EQ(AF_PACKET, v.sll->sll_family);
		EXPECT_EQ(htons(ETH_P_PSOCK), v.sll->sll_protocol);
		EXPECT_EQ(self->topo.ifindex0, v.sll->sll_ifindex);
		EXPECT_EQ(ARPHRD_ETHER, v.sll->sll_hatype);
		EXPECT_EQ(ETH_ALEN, v.sll->sll_halen);
		EXPECT_EQ(0, memcmp(self->topo.mac1, v.sll->sll_addr, ETH_ALEN));
		EXPECT_EQ(to[i].pkttype, v.sll->sll_pkttype) TH_LOG("destination %u", i);
		ring_release_frame(&self->ring, f);
	}
}

/*
 * A frame another socket of this host sends out of psk0 is seen by the
 * ETH_P_ALL socket on psk0 as PACKET_OUTGOING, with the sender's (psk0's)
 * MAC as source, and its whole length.
 */
TEST_F(rx_meta, pkttype_outgoing)
{
	const struct frame_spec spec = {
		.dst = self->topo.mac1, .src = self->topo.mac0, .payload_len = 64, .seq = 9,
	};
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	size_t hdr = variant->type == SOCK_RAW ? 0 : ETH_HLEN;
	int tx = psock_socket(SOCK_RAW, 0);
	struct frame_view v;
	void *f;

	ASSERT_LE(0, tx) TH_LOG("sending socket: %s", strerror(errno));
	ASSERT_EQ(0, psock_bind(tx, self->topo.ifindex0, 0)) TH_LOG("bind: %s", strerror(errno));
	ASSERT_EQ((ssize_t)wire_len, send(tx, wire, wire_len, 0))
		TH_LOG("send: %s", strerror(errno));
	f = next_tagged(_metadata, &self->ring, variant->type, &spec, 9, &v);
	EXPECT_EQ(PACKET_OUTGOING, v.sll->sll_pkttype);
	EXPECT_EQ(self->topo.ifindex0, v.sll->sll_ifindex);
	EXPECT_EQ(htons(ETH_P_PSOCK), v.sll->sll_protocol);
	EXPECT_EQ(0, memcmp(self->topo.mac0, v.sll->sll_addr, ETH_ALEN));
	EXPECT_EQ(wire_len - hdr, v.len);
	EXPECT_EQ(0, memcmp(wire + hdr, v.data, wire_len - hdr));
	ring_release_frame(&self->ring, f);
	close(tx);
}

/*
 * Each frame's timestamp lies between CLOCK_REALTIME read before it was
 * sent and after it was read, in the version's unit: V1 microseconds
 * (tp_usec < 10^6), V2/V3 nanoseconds (tp_nsec < 10^9); frames sent one
 * after another have non-decreasing timestamps.
 */
TEST_F(rx_meta, timestamps_between_clock_reads)
{
	const struct frame_spec spec = { .payload_len = 64 };
	/* V1 truncates to microseconds: compare "before" at that precision. */
	int64_t unit = variant->version == TPACKET_V1 ? 1000 : 1;
	int64_t prev = 0;

	for (unsigned int i = 0; i < 3; i++) {
		int64_t before = psock_realtime_ns() / unit * unit, after, t;
		struct frame_view v;
		void *f;

		ASSERT_EQ(0, peer_send_burst(&self->topo, &spec, i, 1));
		f = next_tagged(_metadata, &self->ring, variant->type, &spec, i, &v);
		after = psock_realtime_ns();
		t = (int64_t)v.sec * 1000000000 + v.nsec;
		if (variant->version == TPACKET_V1) {
			EXPECT_GT(1000000, v.usec);
		} else {
			EXPECT_GT(1000000000, v.nsec);
		}
		EXPECT_LE(before, t) TH_LOG("frame %u", i);
		EXPECT_GE(after, t) TH_LOG("frame %u", i);
		EXPECT_LE(prev, t) TH_LOG("frame %u", i);
		prev = t;
		ring_release_frame(&self->ring, f);
	}
}

/*
 * V2/V3 report a tag in skb metadata with the whole TCI, the TPID and
 * tp_status exactly TP_STATUS_USER | TP_STATUS_VLAN_VALID |
 * TP_STATUS_VLAN_TPID_VALID (0x51, less the machine's timestamp bits:
 * prb_fill_vlan_info() sets 0x50 on V3, tpacket_rcv() ORs in the rest);
 * an untagged frame has 0x1 and zero fields, and V1, whose header has no
 * VLAN fields, 0x1 for every frame. Frames: 802.1Q with PCP 7 and DEI set,
 * 802.1ad, and no tag.
 * The tag is not part of the stored bytes (it lives in skb metadata).
 */
TEST_F(rx_meta, vlan_tags_reported)
{
	static const struct { uint16_t tpid, tci; } tag[] = {
		{ ETH_P_8021Q, 0xf123 },	/* PCP 7, DEI 1, VID 0x123 */
		{ ETH_P_8021AD, 0x5456 },	/* PCP 2, DEI 1, VID 0x456 */
		{ 0, 0 },
	};
	const uint32_t vlan_bits = TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;

	for (unsigned int i = 0; i < 3; i++) {
		struct frame_spec spec = {
			.vlan_tpid = tag[i].tpid, .vlan_tci = tag[i].tci,
			.payload_len = 64, .seq = i,
		};
		size_t hdr = variant->type == SOCK_RAW ? ETH_HLEN : 0;
		bool tagged = tag[i].tpid && variant->version != TPACKET_V1;
		struct frame_view v;
		void *f;

		ASSERT_EQ(ETH_HLEN + (tag[i].tpid ? 4 : 0) + 64, peer_send_spec(&self->topo, &spec))
			TH_LOG("send: %s", strerror(errno));
		f = next_tagged(_metadata, &self->ring, variant->type, &spec, i, &v);
		/* exact, less the machine's timestamp bits: TP_STATUS_USER 0x1 (| 0x50) */
		EXPECT_EQ(tagged ? TP_STATUS_USER | vlan_bits : TP_STATUS_USER,
			  v.status & ~TP_STATUS_TS_MASK) TH_LOG("frame %u: tp_status %#x", i, v.status);
		EXPECT_EQ(hdr + 64, v.len) TH_LOG("frame %u", i);
		if (variant->type == SOCK_RAW) {
			/* The stored link header is untagged: EtherType right after the MACs. */
			EXPECT_EQ(ETH_P_PSOCK, v.data[12] << 8 | v.data[13]) TH_LOG("frame %u", i);
		}
		if (v.has_vlan_fields) {
			EXPECT_EQ(tagged ? tag[i].tci : 0, v.vlan_tci) TH_LOG("frame %u", i);
			EXPECT_EQ(tagged ? tag[i].tpid : 0, v.vlan_tpid) TH_LOG("frame %u", i);
		}
		ring_release_frame(&self->ring, f);
	}
}

/* ---- an in-band 802.1Q tag on SOCK_DGRAM ------------------------------- */

FIXTURE(rx_inband) {
	struct netns_topo topo;
	int fd, tx;
	struct ring ring;
};

FIXTURE_VARIANT(rx_inband) {
	bool ring;		/* false: no ring, recvmsg() with PACKET_AUXDATA */
	int version;
};

FIXTURE_VARIANT_ADD(rx_inband, ring_v2) { .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(rx_inband, ring_v3) { .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(rx_inband, recvmsg) { .ring = false };

/*
 * A SOCK_DGRAM ETH_P_ALL socket on psk0, and a SOCK_RAW socket bound to
 * psk0 (protocol 0) that sends through it: the outgoing copy
 * dev_queue_xmit_nit() hands the taps still has the tag in its bytes.
 */
FIXTURE_SETUP(rx_inband)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = self->tx = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_DGRAM, variant->version, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, rx_path_open(&self->ring, self->fd, variant->ring))
		TH_LOG("%s: %s", variant->ring ? "PACKET_RX_RING" : "PACKET_AUXDATA",
		       strerror(errno));
	ASSERT_EQ(variant->ring, self->ring.map != NULL);
	self->tx = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->tx) TH_LOG("sending socket: %s", strerror(errno));
	ASSERT_EQ(0, psock_bind(self->tx, self->topo.ifindex0, 0))
		TH_LOG("bind: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_inband)
{
	if (self->tx >= 0)
		close(self->tx);
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/* What a SOCK_DGRAM socket said about the in-band tagged frame, ring or recvmsg(). */
struct inband_seen {
	uint32_t status, len, snaplen, mac, net;
	uint16_t tci, tpid, protocol;	/* protocol: sll_protocol, network order */
	uint8_t pkttype;
	uint8_t data[64];
};

/* The next frame tagged seq 5 on the case's path, into *s. */
static void inband_receive(struct __test_metadata *_metadata,
			   struct _test_data_rx_inband *self, struct inband_seen *s)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	struct tpacket_auxdata aux;
	struct sockaddr_ll from;
	uint8_t buf[2048];
	uint32_t seq = ~0u;
	ssize_t n;

	if (self->ring.map) {
		struct frame_view v;
		void *f = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, 0, &seq);

		ASSERT_NE(NULL, f) TH_LOG("tagged frame: %s (waited %d ms)", strerror(errno),
					  PSOCK_WAIT_MS);
		ASSERT_EQ(5, seq);
		frame_view(&self->ring, f, &v);
		*s = (struct inband_seen){
			.status = v.status, .len = v.len, .snaplen = v.snaplen, .mac = v.mac,
			.net = v.net, .tci = v.vlan_tci, .tpid = v.vlan_tpid,
			.protocol = v.sll->sll_protocol, .pkttype = v.sll->sll_pkttype,
		};
		memcpy(s->data, v.data, v.snaplen < 64 ? v.snaplen : 64);
		ring_release_frame(&self->ring, f);
		return;
	}
	do {
		ASSERT_EQ(1, psock_wait_until(self->fd, POLLIN, deadline))
			TH_LOG("tagged frame within %d ms: %s", PSOCK_WAIT_MS, strerror(errno));
		n = psock_recv_auxdata(self->fd, buf, sizeof(buf), MSG_DONTWAIT, &aux, &from);
		ASSERT_LT(0, n) TH_LOG("recvmsg: %s", strerror(errno));
	} while (!frame_tag(buf, n, &seq));
	ASSERT_EQ(5, seq);
	ASSERT_EQ(64, n);
	*s = (struct inband_seen){
		.status = aux.tp_status, .len = aux.tp_len, .snaplen = aux.tp_snaplen,
		.mac = aux.tp_mac, .net = aux.tp_net, .tci = aux.tp_vlan_tci,
		.tpid = aux.tp_vlan_tpid, .protocol = from.sll_protocol,
		.pkttype = from.sll_pkttype,
	};
	memcpy(s->data, buf, 64);
}

/*
 * A SOCK_DGRAM socket reports an 802.1Q tag still in the frame's bytes as
 * one in skb metadata: tp_vlan_tci 0xf123 read from the frame
 * (vlan_get_tci()), tp_vlan_tpid 0x8100 (skb->protocol), both VLAN status
 * bits, the inner EtherType 0x88b5 as sll_protocol
 * (vlan_get_protocol_dgram()), and the data from after the tag (tp_len
 * 64): tpacket_rcv() V2, prb_fill_vlan_info() V3, packet_recvmsg()
 * PACKET_AUXDATA. The frame is the outgoing copy of one a SOCK_RAW socket
 * sends with the header in it: packet_snd() keeps it in band (skb->protocol
 * 0x8100 from dev_parse_header_protocol(), the network header after the
 * tag: packet_parse_headers()) and veth's transmit path does not move it
 * into metadata before the taps see the frame.
 */
TEST_F(rx_inband, dgram_outgoing_inband_tag_reported)
{
	const struct frame_spec spec = {
		.dst = self->topo.mac1, .src = self->topo.mac0,
		.vlan_tpid = ETH_P_8021Q, .vlan_tci = 0xf123, .payload_len = 64, .seq = 5,
	};
	const uint32_t vlan_bits = TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;
	uint8_t wire[ETH_FRAME_LEN];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	struct inband_seen s;

	ASSERT_EQ(82, wire_len);
	ASSERT_EQ(82, send(self->tx, wire, wire_len, 0)) TH_LOG("send: %s", strerror(errno));
	inband_receive(_metadata, self, &s);
	/* the ring's status also has timestamp bits; PACKET_AUXDATA's nothing else */
	EXPECT_EQ(TP_STATUS_USER | vlan_bits,
		  variant->ring ? s.status & ~TP_STATUS_TS_MASK : s.status)
		TH_LOG("tp_status %#x", s.status);
	EXPECT_EQ(0xf123, s.tci);
	EXPECT_EQ(0x8100, s.tpid);
	EXPECT_EQ(64, s.len);
	EXPECT_EQ(64, s.snaplen);
	/* SOCK_DGRAM: tp_mac = tp_net, 80 on V2, 96 on V3; PACKET_AUXDATA 0 and 0 */
	EXPECT_EQ(variant->ring ? (variant->version == TPACKET_V3 ? 96 : 80) : 0, s.net);
	EXPECT_EQ(s.net, s.mac);
	EXPECT_EQ(0, memcmp(wire + 18, s.data, 64));
	EXPECT_EQ(PACKET_OUTGOING, s.pkttype);
	EXPECT_EQ(htons(0x88b5), s.protocol);
}

/*
 * The next outgoing frame of two bytes f1 23 on the case's path (nothing
 * else that crosses psk0 has such a frame): what the socket said into *s,
 * the bytes into s->data. One deadline for every frame looked at.
 */
static void short_tag_receive(struct __test_metadata *_metadata,
			      struct _test_data_rx_inband *self, struct inband_seen *s)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	struct tpacket_auxdata aux;
	struct sockaddr_ll from;
	uint8_t buf[2048];
	ssize_t n;

	if (self->ring.map) {
		for (;;) {
			struct frame_view v;
			void *f = ring_next_frame_until(&self->ring, deadline);

			ASSERT_NE(NULL, f) TH_LOG("2-byte frame within %d ms: %s", PSOCK_WAIT_MS,
						  strerror(errno));
			frame_view(&self->ring, f, &v);
			if (v.snaplen == 2 && v.data[0] == 0xf1 && v.data[1] == 0x23 &&
			    v.sll->sll_pkttype == PACKET_OUTGOING) {
				*s = (struct inband_seen){
					.status = v.status, .len = v.len, .snaplen = v.snaplen,
					.mac = v.mac, .net = v.net, .tci = v.vlan_tci,
					.tpid = v.vlan_tpid, .protocol = v.sll->sll_protocol,
					.pkttype = v.sll->sll_pkttype,
				};
				memcpy(s->data, v.data, 2);
				ring_release_frame(&self->ring, f);
				return;
			}
			ring_release_frame(&self->ring, f);
		}
	}
	for (;;) {
		ASSERT_EQ(1, psock_wait_until(self->fd, POLLIN, deadline))
			TH_LOG("2-byte frame within %d ms: %s", PSOCK_WAIT_MS, strerror(errno));
		n = psock_recv_auxdata(self->fd, buf, sizeof(buf), MSG_DONTWAIT, &aux, &from);
		ASSERT_LT(0, n) TH_LOG("recvmsg: %s", strerror(errno));
		if (n == 2 && buf[0] == 0xf1 && buf[1] == 0x23 &&
		    from.sll_pkttype == PACKET_OUTGOING)
			break;
	}
	*s = (struct inband_seen){
		.status = aux.tp_status, .len = aux.tp_len, .snaplen = aux.tp_snaplen,
		.mac = aux.tp_mac, .net = aux.tp_net, .tci = aux.tp_vlan_tci,
		.tpid = aux.tp_vlan_tpid, .protocol = from.sll_protocol,
		.pkttype = from.sll_pkttype,
	};
	memcpy(s->data, buf, 2);
}

/*
 * An 802.1Q frame cut inside its tag is still reported as tagged, with
 * tp_vlan_tci 0: a 16-byte frame (EtherType 0x8100, then only the TCI
 * bytes f1 23) that a SOCK_RAW socket sends keeps skb->protocol 0x8100
 * (dev_parse_header_protocol()) and its network header at 14
 * (packet_parse_headers(): vlan_get_protocol_and_depth() cannot read the
 * 4-byte vlan_hdr), so a SOCK_DGRAM socket gets tp_len 2, the two TCI
 * bytes as data, both VLAN status bits, tp_vlan_tpid 0x8100, and
 * tp_vlan_tci 0 from vlan_get_tci(), whose skb_header_pointer() of the
 * 4-byte header past the 2 bytes there returns NULL; sll_protocol 0
 * (vlan_get_protocol_dgram() cannot read it either). tpacket_rcv() V2,
 * prb_fill_vlan_info() V3, packet_recvmsg() PACKET_AUXDATA.
 */
TEST_F(rx_inband, dgram_outgoing_cut_tag_tci_zero)
{
	uint8_t wire[16];
	struct inband_seen s;

	memcpy(wire, self->topo.mac1, 6);
	memcpy(wire + 6, self->topo.mac0, 6);
	wire[12] = 0x81;
	wire[13] = 0x00;
	wire[14] = 0xf1;
	wire[15] = 0x23;
	ASSERT_EQ(16, send(self->tx, wire, sizeof(wire), 0)) TH_LOG("send: %s", strerror(errno));
	short_tag_receive(_metadata, self, &s);
	/* the ring's status also has timestamp bits; PACKET_AUXDATA's nothing else */
	EXPECT_EQ(0x51, variant->ring ? s.status & ~TP_STATUS_TS_MASK : s.status)
		TH_LOG("tp_status %#x", s.status);
	EXPECT_EQ(0, s.tci);
	EXPECT_EQ(0x8100, s.tpid);
	EXPECT_EQ(2, s.len);
	EXPECT_EQ(2, s.snaplen);
	EXPECT_EQ(variant->ring ? (variant->version == TPACKET_V3 ? 96 : 80) : 0, s.net);
	EXPECT_EQ(s.net, s.mac);
	EXPECT_EQ(PACKET_OUTGOING, s.pkttype);
	EXPECT_EQ(0, s.protocol);
}

/* ---- an in-band tag whose device is gone by the read -------------------- */

FIXTURE(rx_inband_gone) {
	struct netns_topo topo;
	int fd, tx;
};

/*
 * rx_inband's two sockets without a ring: a SOCK_DGRAM ETH_P_ALL socket on
 * psk0 with PACKET_AUXDATA, and a SOCK_RAW socket on psk0 that sends.
 */
FIXTURE_SETUP(rx_inband_gone)
{
	int one = 1;

	self->fd = self->tx = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_DGRAM, 0, self->topo.ifindex0, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		TH_LOG("PACKET_AUXDATA: %s", strerror(errno));
	self->tx = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->tx) TH_LOG("sending socket: %s", strerror(errno));
	ASSERT_EQ(0, psock_bind(self->tx, self->topo.ifindex0, 0))
		TH_LOG("bind: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_inband_gone)
{
	if (self->tx >= 0)
		close(self->tx);
	if (self->fd >= 0)
		close(self->fd);
	netns_teardown(&self->topo);
}

/*
 * packet_recvmsg() reads the tag of an in-band tagged SOCK_DGRAM frame
 * when the frame is read, from the device its sll_ifindex names
 * (packet_rcv() cleared skb->dev): with that device deleted between the
 * queueing and the read, PACKET_AUXDATA reports no tag, tp_vlan_tci 0,
 * tp_vlan_tpid 0 and tp_status TP_STATUS_USER alone, while sll_protocol
 * (vlan_get_protocol_dgram(), from the frame's bytes) is still the inner
 * 0x88b5 and sll_ifindex the gone psk0's. The read before it gives the
 * ENETDOWN packet_notifier() left in sk_err (NETDEV_DOWN of the bound
 * device); the queued frame stays.
 */
TEST_F(rx_inband_gone, dgram_deleted_device_tag_not_reported)
{
	const struct frame_spec spec = {
		.dst = self->topo.mac1, .src = self->topo.mac0,
		.vlan_tpid = ETH_P_8021Q, .vlan_tci = 0xf123, .payload_len = 64, .seq = 5,
	};
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	uint8_t wire[ETH_FRAME_LEN], buf[2048];
	size_t wire_len = frame_build(wire, sizeof(wire), &spec);
	struct tpacket_auxdata aux;
	struct sockaddr_ll from;
	uint32_t seq = ~0u;
	char why[256];
	ssize_t n;

	ASSERT_EQ(82, wire_len);
	ASSERT_EQ(82, send(self->tx, wire, wire_len, 0)) TH_LOG("send: %s", strerror(errno));
	/* dev_queue_xmit_nit() queued the copy before send() returned */
	ASSERT_EQ(1, psock_wait_until(self->fd, POLLIN, deadline))
		TH_LOG("outgoing copy within %d ms: %s", PSOCK_WAIT_MS, strerror(errno));
	ASSERT_EQ(0, netns_ip(&self->topo, false, why, sizeof(why), "link del %s", NETNS_IF0))
		TH_LOG("%s", why);
	EXPECT_EQ(-1, psock_recv_auxdata(self->fd, buf, sizeof(buf), MSG_DONTWAIT, &aux, &from));
	EXPECT_EQ(ENETDOWN, errno);
	/* what else the socket queued before the delete, then the tagged frame */
	do {
		n = psock_recv_auxdata(self->fd, buf, sizeof(buf), MSG_DONTWAIT, &aux, &from);
		ASSERT_LT(0, n) TH_LOG("tagged frame still queued: %s", strerror(errno));
	} while (!frame_tag(buf, n, &seq));
	ASSERT_EQ(5, seq);
	ASSERT_EQ(64, n);
	EXPECT_EQ(TP_STATUS_USER, aux.tp_status) TH_LOG("tp_status %#x", aux.tp_status);
	EXPECT_EQ(0, aux.tp_vlan_tci);
	EXPECT_EQ(0, aux.tp_vlan_tpid);
	EXPECT_EQ(64, aux.tp_len);
	EXPECT_EQ(64, aux.tp_snaplen);
	EXPECT_EQ(0, memcmp(wire + 18, buf, 64));
	EXPECT_EQ(PACKET_OUTGOING, from.sll_pkttype);
	EXPECT_EQ(htons(0x88b5), from.sll_protocol);
	EXPECT_EQ(self->topo.ifindex0, from.sll_ifindex);
}

/* ---- checksum status, ring and recvmsg ---------------------------------- */

FIXTURE(rx_csum) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_VARIANT(rx_csum) {
	bool ring;		/* false: no ring, recvmsg() with PACKET_AUXDATA */
	int version;		/* of the ring (TPACKET_V1 is 0) */
};

FIXTURE_VARIANT_ADD(rx_csum, ring_v1) { .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(rx_csum, ring_v2) { .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(rx_csum, ring_v3) { .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(rx_csum, recvmsg) { .ring = false };

/* psk1 in a second namespace with addresses, so IP traffic crosses veth. */
FIXTURE_SETUP(rx_csum)
{
	const struct netns_opts opts = { .peer_netns = true, .addrs = true };

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_IP);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, rx_path_open(&self->ring, self->fd, variant->ring))
		TH_LOG("%s: %s", variant->ring ? "PACKET_RX_RING" : "PACKET_AUXDATA",
		       strerror(errno));
	/* The variant's path, not the other one (TPACKET_V1 is 0: easy to mix up). */
	ASSERT_EQ(variant->ring, self->ring.map != NULL);
}

FIXTURE_TEARDOWN(rx_csum)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/*
 * The status of the next IPv4 frame tagged seq, its tag skip bytes after
 * the link header: from the ring frame, or from the PACKET_AUXDATA of
 * recvmsg() on fd. One deadline covers every frame skipped on the way.
 */
static uint32_t ip_frame_status(struct __test_metadata *_metadata, struct ring *ring, int fd,
				size_t skip, uint32_t want)
{
	uint32_t seq = ~0u, status;
	struct frame_view v;
	int64_t deadline;
	void *f;

	if (ring->map) {
		f = ring_next_tagged(ring, PSOCK_WAIT_MS, skip, &seq);
		ASSERT_NE(NULL, f) TH_LOG("IPv4 frame %u: %s (waited %d ms)", want,
					  strerror(errno), PSOCK_WAIT_MS);
		EXPECT_EQ(want, seq);
		frame_view(ring, f, &v);
		status = v.status;
		ring_release_frame(ring, f);
		return status;
	}
	deadline = psock_deadline(PSOCK_WAIT_MS);
	for (;;) {
		struct tpacket_auxdata aux;
		static uint8_t buf[2048];
		ssize_t n;

		ASSERT_EQ(1, psock_wait_until(fd, POLLIN, deadline))
			TH_LOG("IPv4 frame %u within %d ms: %s", want, PSOCK_WAIT_MS,
			       strerror(errno));
		n = psock_recv_auxdata(fd, buf, sizeof(buf), MSG_DONTWAIT, &aux, NULL);
		ASSERT_LT(0, n) TH_LOG("recvmsg with PACKET_AUXDATA: %s", strerror(errno));
		if ((size_t)n <= skip || !frame_tag(buf + skip, n - skip, &seq))
			continue;
		EXPECT_EQ(want, seq);
		EXPECT_EQ((uint32_t)n, aux.tp_len);
		EXPECT_EQ((uint32_t)n, aux.tp_snaplen);
		return aux.tp_status;
	}
}

/* The status of the next IPv4/UDP frame tagged seq (ip_frame_status()). */
static uint32_t received_status(struct __test_metadata *_metadata,
				struct _test_data_rx_csum *self, uint32_t want)
{
	const struct frame_spec udp = { .ip = 4 };

	return ip_frame_status(_metadata, &self->ring, self->fd,
			       rx_payload_offset(SOCK_RAW, &udp), want);
}

struct udp_send_arg {
	const uint8_t *payload;
	size_t len;
};

/* In psk1's namespace: one datagram from a UDP socket to psk0's address. */
static int send_udp_from_peer(void *p)
{
	const struct udp_send_arg *a = p;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4000) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, NETNS_IP4_0, &to.sin_addr);
	n = sendto(fd, a->payload, a->len, 0, (struct sockaddr *)&to, sizeof(to));
	saved = n < 0 ? errno : EMSGSIZE;	/* a UDP datagram goes whole or not at all */
	close(fd);
	errno = saved;
	return n == (ssize_t)a->len ? 0 : -1;
}

/*
 * A UDP socket's datagram leaves with its checksum to be completed by the
 * device (veth offers NETIF_F_HW_CSUM, so ip_summed is CHECKSUM_PARTIAL) and
 * reaches the other end that way: TP_STATUS_CSUMNOTREADY, never together
 * with TP_STATUS_CSUM_VALID (tpacket_rcv(), packet_recvmsg()).
 */
TEST_F(rx_csum, udp_socket_datagram_csum_notready)
{
	const struct frame_spec spec = { .ip = 4, .payload_len = 64, .seq = 3 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t len = frame_build(wire, sizeof(wire), &spec);
	size_t hdr = frame_header_len(&spec);
	struct udp_send_arg a = { .payload = wire + hdr, .len = len - hdr };
	uint32_t status;

	ASSERT_EQ(0, netns_in_peer(&self->topo, send_udp_from_peer, &a))
		TH_LOG("UDP send from the peer namespace: %s", strerror(errno));
	status = received_status(_metadata, self, 3);
	EXPECT_EQ(TP_STATUS_CSUMNOTREADY, status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID));
}

/*
 * A frame a packet socket injects leaves as CHECKSUM_NONE (packet_snd()
 * computes nothing, and its UDP checksum is already complete) and veth
 * passes that on: neither TP_STATUS_CSUMNOTREADY nor TP_STATUS_CSUM_VALID
 * (skb_csum_unnecessary() is false for CHECKSUM_NONE).
 */
TEST_F(rx_csum, injected_frame_csum_none)
{
	const struct frame_spec spec = { .ip = 4, .payload_len = 64, .seq = 4 };
	uint32_t status;

	/* Ethernet, IPv4, UDP headers and 64 bytes. */
	ASSERT_EQ(ETH_HLEN + 20 + 8 + 64, peer_send_spec(&self->topo, &spec))
		TH_LOG("send: %s", strerror(errno));
	status = received_status(_metadata, self, 4);
	EXPECT_EQ(0, status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID));
}

/* SIOCETHTOOL set-value command cmd (ETHTOOL_SGRO, ETHTOOL_STSO) to on for name. */
static int ethtool_set(const char *name, uint32_t cmd, uint32_t on)
{
	struct ethtool_value ev = { .cmd = cmd, .data = on };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc, saved;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* In psk1's namespace: TSO off on psk1 (ETHTOOL_STSO 0). */
static int psk1_tso_off(void *unused)
{
	(void)unused;
	return ethtool_set(NETNS_IF1, ETHTOOL_STSO, 0);
}

/*
 * GRO on psk0 gives its veth receive queue a NAPI instance, and with TSO
 * off on psk1 veth_xmit() hands psk1's frames to it (veth_skb_is_eligible_
 * for_gro()). udp4_gro_receive() then checks the UDP checksum of an
 * injected frame (CHECKSUM_NONE) in software and, being right, marks the
 * skb CHECKSUM_UNNECESSARY (skb_gro_incr_csum_unnecessary()): the frame
 * arrives with TP_STATUS_CSUM_VALID alone (tpacket_rcv(), and
 * packet_recvmsg() for a frame that is not PACKET_OUTGOING).
 */
TEST_F(rx_csum, gro_checked_udp_csum_valid)
{
	const struct frame_spec spec = { .ip = 4, .payload_len = 64, .seq = 6 };
	const uint32_t bits = TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID;

	ASSERT_EQ(0, ethtool_set(NETNS_IF0, ETHTOOL_SGRO, 1))
		TH_LOG("ETHTOOL_SGRO on psk0: %s", strerror(errno));
	ASSERT_EQ(0, netns_in_peer(&self->topo, psk1_tso_off, NULL))
		TH_LOG("ETHTOOL_STSO off on psk1: %s", strerror(errno));
	ASSERT_EQ(ETH_HLEN + 28 + 64, peer_send_spec(&self->topo, &spec))
		TH_LOG("send: %s", strerror(errno));
	EXPECT_EQ(TP_STATUS_CSUM_VALID, received_status(_metadata, self, 6) & bits);
}

/* ---- GSO status, ring and recvmsg ------------------------------------- */

/* Added in Linux 6.3 (include/uapi/linux/if_packet.h). */
#ifndef TP_STATUS_GSO_TCP
#define TP_STATUS_GSO_TCP (1 << 8)
#endif

/* The checksum and GSO bits of a frame's status. */
#define GSO_CSUM_BITS (TP_STATUS_GSO_TCP | TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)

/* The TCP frames: 1200 bytes of payload, tag 54 bytes in, gso_size 400. */
#define GSO_TCP_PAYLOAD 1200
#define GSO_TCP_DATA_OFF (ETH_HLEN + 20 + 20)
#define GSO_SIZE 400

FIXTURE(rx_gso) {
	struct netns_topo topo;
	int fd;
	struct ring ring;
};

FIXTURE_VARIANT(rx_gso) {
	bool ring;		/* false: no ring, recvmsg() with PACKET_AUXDATA */
	int version;
};

FIXTURE_VARIANT_ADD(rx_gso, ring_v1) { .ring = true, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(rx_gso, ring_v2) { .ring = true, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(rx_gso, ring_v3) { .ring = true, .version = TPACKET_V3 };
FIXTURE_VARIANT_ADD(rx_gso, recvmsg) { .ring = false };

/* As rx_csum: psk1 in its own namespace with addresses (harness/vnet.h). */
FIXTURE_SETUP(rx_gso)
{
	const struct netns_opts opts = { .peer_netns = true, .addrs = true };

	memset(&self->ring, 0, sizeof(self->ring));
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &opts);
	self->fd = psock_rx_socket(SOCK_RAW, variant->version, self->topo.ifindex0, ETH_P_IP);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	ASSERT_EQ(0, rx_path_open(&self->ring, self->fd, variant->ring))
		TH_LOG("%s: %s", variant->ring ? "PACKET_RX_RING" : "PACKET_AUXDATA",
		       strerror(errno));
	ASSERT_EQ(variant->ring, self->ring.map != NULL);
}

FIXTURE_TEARDOWN(rx_gso)
{
	ring_close_socket(&self->ring, self->fd);
	netns_teardown(&self->topo);
}

/* The 1254-byte TCP frame tagged seq, sent from psk1 after the vnet header vh. */
static void send_tcp_frame(struct __test_metadata *_metadata, struct netns_topo *topo,
			   const struct virtio_net_hdr *vh, uint32_t seq)
{
	static uint8_t wire[GSO_TCP_DATA_OFF + GSO_TCP_PAYLOAD];

	ASSERT_EQ(sizeof(wire), vnet_tcp_frame(wire, sizeof(wire), seq, GSO_TCP_PAYLOAD));
	ASSERT_EQ(0, vnet_peer_send(topo, vh, wire, sizeof(wire)))
		TH_LOG("vnet send from psk1: %s", strerror(errno));
}

/*
 * A TCPV4 GSO frame (gso_size 400, NEEDS_CSUM) crosses veth as one GSO
 * skb: since Linux 6.3 its status says TP_STATUS_GSO_TCP (skb_is_gso() and
 * skb_is_gso_tcp(), in tpacket_rcv() and in packet_recvmsg()'s
 * PACKET_AUXDATA), with TP_STATUS_CSUMNOTREADY. Before, the bit is never
 * set; there is nothing to probe, so the release decides.
 */
TEST_F(rx_gso, tcp_gso_frame_status_gso_tcp)
{
	const struct virtio_net_hdr vh = vnet_tcp_gso_hdr(GSO_SIZE);
	uint32_t status;

	send_tcp_frame(_metadata, &self->topo, &vh, 1);
	status = ip_frame_status(_metadata, &self->ring, self->fd, GSO_TCP_DATA_OFF, 1);
	PSOCK_SKIP_BEFORE(return, 6, 3, "\"packet: add TP_STATUS_GSO_TCP for tp_status\"",
			  status & TP_STATUS_GSO_TCP ? "; this kernel sets it: backported" : "");
	EXPECT_EQ(TP_STATUS_GSO_TCP | TP_STATUS_CSUMNOTREADY, status & GSO_CSUM_BITS)
		TH_LOG("tp_status %#x", status);
}

/*
 * The same TCP frame with an all-zero vnet header is a plain skb
 * (CHECKSUM_NONE, not GSO): no TP_STATUS_GSO_TCP, no checksum bit.
 */
TEST_F(rx_gso, tcp_frame_without_gso_no_gso_tcp)
{
	const struct virtio_net_hdr none = { 0 };
	uint32_t status;

	send_tcp_frame(_metadata, &self->topo, &none, 2);
	status = ip_frame_status(_metadata, &self->ring, self->fd, GSO_TCP_DATA_OFF, 2);
	EXPECT_EQ(0, status & GSO_CSUM_BITS) TH_LOG("tp_status %#x", status);
}

/*
 * A UDP socket's UDP_SEGMENT datagram (1200 bytes, gso_size 400) is a GSO
 * skb too, but SKB_GSO_UDP_L4: no TP_STATUS_GSO_TCP, only
 * TP_STATUS_CSUMNOTREADY.
 */
TEST_F(rx_gso, udp_gso_frame_no_gso_tcp)
{
	const struct frame_spec spec = { .ip = 4, .payload_len = 3 * GSO_SIZE, .seq = 3 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t len = frame_build(wire, sizeof(wire), &spec);
	size_t hdr = frame_header_len(&spec);
	uint32_t status;

	ASSERT_EQ(hdr + 3 * GSO_SIZE, len);
	ASSERT_EQ(0, vnet_peer_send_udp_gso(&self->topo, wire + hdr, len - hdr, GSO_SIZE))
		TH_LOG("UDP_SEGMENT send from psk1: %s", strerror(errno));
	status = ip_frame_status(_metadata, &self->ring, self->fd, hdr, 3);
	EXPECT_EQ(TP_STATUS_CSUMNOTREADY, status & GSO_CSUM_BITS) TH_LOG("tp_status %#x", status);
}

/* ---- SO_RCVPRIORITY: skb->priority as a control message --------------- */

/* Added in Linux 6.14 (include/uapi/asm-generic/socket.h). */
#ifndef SO_RCVPRIORITY
#define SO_RCVPRIORITY 82
#endif

FIXTURE(rx_prio) {
	struct netns_topo topo;
	int fd, tx;
};

/*
 * A sender bound to psk1 with priority 5, and the receiver, without a
 * ring, bound to psk1 too with ETH_P_ALL: it sees the sender's frames as
 * they leave (dev_queue_xmit_nit() clones the skb, priority included).
 * The copy arriving on psk0 would say 0: veth's ____dev_forward_skb()
 * clears skb->priority.
 */
FIXTURE_SETUP(rx_prio)
{
	int prio = 5;

	self->fd = self->tx = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex1, ETH_P_ALL);
	ASSERT_LE(0, self->fd) TH_LOG("receiving socket: %s", strerror(errno));
	self->tx = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->tx) TH_LOG("sending socket: %s", strerror(errno));
	ASSERT_EQ(0, psock_bind(self->tx, self->topo.ifindex1, 0));
	ASSERT_EQ(0, setsockopt(self->tx, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio)))
		TH_LOG("SO_PRIORITY 5: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rx_prio)
{
	const int fds[] = { self->fd, self->tx };

	EXPECT_EQ(0, psock_close_in_threads(fds, 2));
	netns_teardown(&self->topo);
}

/*
 * The SOL_SOCKET/SO_PRIORITY control message of the next frame tagged seq
 * (send from self->tx first): its value, or -1 when the frame came without
 * one. Fails the case on a malformed message.
 */
static int64_t recv_priority(struct __test_metadata *_metadata, struct _test_data_rx_prio *self,
			     uint32_t want)
{
	const struct frame_spec spec = { .seq = want };
	size_t skip = rx_payload_offset(SOCK_RAW, &spec);
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);

	for (;;) {
		union {
			struct cmsghdr cm;
			char space[CMSG_SPACE(sizeof(uint32_t)) + 64];
		} ctl;
		uint8_t buf[256];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
		int64_t prio = -1;
		uint32_t seq = ~0u;
		struct cmsghdr *c;
		ssize_t n;

		ASSERT_EQ(1, psock_wait_until(self->fd, POLLIN, deadline))
			TH_LOG("frame %u within %d ms: %s", want, PSOCK_WAIT_MS, strerror(errno));
		n = recvmsg(self->fd, &msg, MSG_DONTWAIT);
		ASSERT_LT(0, n) TH_LOG("recvmsg: %s", strerror(errno));
		if ((size_t)n <= skip || !frame_tag(buf + skip, n - skip, &seq))
			continue;
		EXPECT_EQ(want, seq);
		EXPECT_EQ(0, msg.msg_flags & MSG_CTRUNC);
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			uint32_t v;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_PRIORITY)
				continue;
			ASSERT_EQ(CMSG_LEN(sizeof(v)), c->cmsg_len);
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			prio = v;
		}
		return prio;
	}
}

/* Send the tagged frame seq from self->tx out of psk1. */
static void send_prio_frame(struct __test_metadata *_metadata, struct _test_data_rx_prio *self,
			    uint32_t seq)
{
	const struct frame_spec spec = { .seq = seq, .payload_len = 64 };
	uint8_t wire[ETH_FRAME_LEN];
	size_t len = frame_build(wire, sizeof(wire), &spec);

	ASSERT_EQ((ssize_t)len, send(self->tx, wire, len, 0)) TH_LOG("send: %s", strerror(errno));
}

/*
 * SO_RCVPRIORITY (Linux 6.14, "sock: Introduce SO_RCVPRIORITY socket
 * option"): recvmsg() (sock_recv_cmsgs()) adds a SOL_SOCKET SO_PRIORITY
 * message with skb->priority, 4 bytes: 5 for the outgoing copy of a frame
 * sent with SO_PRIORITY 5 (packet_snd() takes the socket's priority);
 * without the option no message comes. The option reads back 1. SKIP
 * where the option is unknown (ENOPROTOOPT).
 */
TEST_F(rx_prio, rcvpriority_reports_skb_priority)
{
	socklen_t len = sizeof(int);
	int one = 1, val = -1;

	if (setsockopt(self->fd, SOL_SOCKET, SO_RCVPRIORITY, &one, sizeof(one))) {
		if (errno == ENOPROTOOPT)
			SKIP(return, "SO_RCVPRIORITY: not supported (added in Linux 6.14, "
			     "\"sock: Introduce SO_RCVPRIORITY socket option\"), running %s",
			     psock_kernel_release());
		ASSERT_EQ(0, errno) TH_LOG("SO_RCVPRIORITY: %s", strerror(errno));
	}
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_RCVPRIORITY, &val, &len));
	EXPECT_EQ(1, val);
	send_prio_frame(_metadata, self, 1);
	EXPECT_EQ(5, recv_priority(_metadata, self, 1));
	one = 0;
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVPRIORITY, &one, sizeof(one)));
	send_prio_frame(_metadata, self, 2);
	EXPECT_EQ(-1, recv_priority(_metadata, self, 2));
}

TEST_HARNESS_MAIN

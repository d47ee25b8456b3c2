// SPDX-License-Identifier: GPL-2.0
/*
 * Sending with PACKET_VNET_HDR (SOCK_RAW, no ring): each send starts with a
 * struct virtio_net_hdr that packet_snd() hands to packet_snd_vnet_parse()
 * and virtio_net_hdr_to_skb() in net/packet/af_packet.c.
 *
 *  - VIRTIO_NET_HDR_F_NEEDS_CSUM with csum_start/csum_offset leaves the
 *    checksum to be completed where the skb leaves software: on veth with
 *    checksum offload the frame crosses still partial (TP_STATUS_CSUMNOTREADY
 *    at the peer); without the offload the stack fills it in before xmit
 *    (skb_checksum_help()). csum_start + csum_offset beyond the frame is
 *    EINVAL, and so (Linux 6.12) is a csum_start inside the network header.
 *  - A GSO type with gso_size lifts the MTU check: the super-frame is
 *    accepted and, veth supporting TSO, crosses as one frame; with TSO off it
 *    is split into gso_size segments before it leaves (skb_gso_segment()).
 *  - The call returns the frame length plus the header. PACKET_VNET_HDR_SZ
 *    (Linux 6.4) chooses a 10- or 12-byte header (virtio_net_hdr_mrg_rxbuf).
 *
 * Frames go out of psk0 and are checked byte for byte on psk1 (the sink),
 * apart from a checksum the device completes.
 *
 * Test cases:
 *   snd_vnet.needs_csum_crosses_partial_with_offload
 *   snd_vnet.needs_csum_completed_without_offload
 *   snd_vnet.bad_csum_offset_einval
 *   snd_vnet.csum_start_in_network_header_einval
 *   snd_vnet.tcpv6_gso_csum_start_in_network_header_einval
 *   snd_vnet.gso_frame_over_mtu_accepted
 *   snd_vnet.gso_frame_split_without_tso
 *   snd_vnet.vnet_hdr_sz_default_10
 *   snd_vnet.vnet_hdr_sz_12_reads_back
 *   snd_vnet.vnet_hdr_sz_12
 *   snd_vnet.csum_fields_ignored_without_needs_csum
 *   snd_vnet.needs_csum_field_at_frame_end_accepted
 *   snd_vnet.hdr_len_up_to_frame_length
 *   snd_vnet.short_or_unreadable_header_refused
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

FIXTURE(snd_vnet) {
	struct netns_topo topo;
	int fd, sink;
};

FIXTURE_SETUP(snd_vnet)
{
	int one = 1;

	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		TH_LOG("PACKET_VNET_HDR: %s", strerror(errno));
}

FIXTURE_TEARDOWN(snd_vnet)
{
	TX_ENDS_TEARDOWN(self);
}

#define IP4_OFF ETH_HLEN
#define L4_OFF (ETH_HLEN + (int)sizeof(struct iphdr))
#define UDP_PAYLOAD_OFF (L4_OFF + (int)sizeof(struct udphdr))

/* The UDP checksum field of an IPv4/UDP frame. */
static uint16_t udp_csum_field(const uint8_t *frame)
{
	return (uint16_t)(frame[L4_OFF + 6] << 8 | frame[L4_OFF + 7]);
}

/* What needs_csum_send() saw on psk1. */
struct csum_seen {
	uint8_t frame[2048];
	ssize_t len;
	uint16_t psum;		/* the pseudo-header sum sent in the checksum field */
	uint32_t tp_status;	/* PACKET_AUXDATA's */
};

/*
 * With psk0's TX checksum offload on or off, send a 300-byte UDP frame
 * (seq offload) with NEEDS_CSUM, csum_start = UDP header, csum_offset = 6,
 * the field holding the pseudo-header sum (as virtio expects); read it on
 * the sink with PACKET_AUXDATA into *seen. The call must return 10 + frame,
 * the frame arrive with its length and, but for the checksum field, its bytes.
 */
static void needs_csum_send(struct __test_metadata *_metadata, struct _test_data_snd_vnet *self,
			    int offload, struct csum_seen *seen)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = L4_OFF, .csum_offset = 6,
	};
	uint8_t cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { .iov_base = seen->frame, .iov_len = sizeof(seen->frame) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct tpacket_auxdata aux;
	static struct tx_frame f;
	uint32_t seq = ~0u;
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->sink, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)));
	ASSERT_EQ(0, tx_set_offload("psk0", ETHTOOL_STXCSUM, offload))
		TH_LOG("ethtool tx %d: %s", offload, strerror(errno));
	TX_FRAME(&f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 300, .seq = offload);
	seen->psum = tx_udp4_pseudo_sum(f.wire);
	f.wire[L4_OFF + 6] = seen->psum >> 8;
	f.wire[L4_OFF + 7] = seen->psum & 0xff;
	ASSERT_EQ((ssize_t)(sizeof(vh) + f.len), tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));

	seen->len = tx_sink_next_msg(self->sink, &msg, UDP_PAYLOAD_OFF, &seq, PSOCK_WAIT_MS);
	ASSERT_EQ((ssize_t)f.len, seen->len)
		TH_LOG("frame %d on psk1: %s", offload,
		       seen->len < 0 ? strerror(errno) : "timeout or wrong length");
	ASSERT_EQ((uint32_t)offload, seq);
	ASSERT_EQ(1, psock_cmsg_auxdata(&msg, &aux)) TH_LOG("no PACKET_AUXDATA on the sink's frame");
	seen->tp_status = aux.tp_status;
	ASSERT_EQ(0, memcmp(seen->frame, f.wire, L4_OFF + 6));
	ASSERT_EQ(0, memcmp(seen->frame + UDP_PAYLOAD_OFF, f.wire + UDP_PAYLOAD_OFF,
			    f.len - UDP_PAYLOAD_OFF));
}

/*
 * With psk0's TX checksum offload on (veth's default), a NEEDS_CSUM frame
 * crosses still partial: psk1's tap sees the pseudo-header sum in the
 * field, and PACKET_AUXDATA says TP_STATUS_CSUMNOTREADY.
 */
TEST_F(snd_vnet, needs_csum_crosses_partial_with_offload)
{
	static struct csum_seen seen;

	needs_csum_send(_metadata, self, 1, &seen);
	EXPECT_EQ(seen.psum, udp_csum_field(seen.frame));
	EXPECT_EQ(TP_STATUS_CSUMNOTREADY, seen.tp_status & TP_STATUS_CSUMNOTREADY);
}

/*
 * With the offload off, the stack completes the checksum before xmit
 * (skb_checksum_help()): psk1 sees a valid checksum, and no CSUMNOTREADY.
 */
TEST_F(snd_vnet, needs_csum_completed_without_offload)
{
	static struct csum_seen seen;

	needs_csum_send(_metadata, self, 0, &seen);
	EXPECT_TRUE(tx_udp4_csum_ok(seen.frame, seen.len))
		TH_LOG("checksum %#x", udp_csum_field(seen.frame));
	EXPECT_EQ(0, seen.tp_status & TP_STATUS_CSUMNOTREADY);
}

/*
 * csum_start + csum_offset + 2 beyond the frame: __packet_snd_vnet_parse()
 * raises hdr_len to cover it, which then exceeds the length: EINVAL.
 */
TEST_F(snd_vnet, bad_csum_offset_einval)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = L4_OFF,
	};
	static struct tx_frame f;

	TX_FRAME(&f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 100, .seq = 1);
	/* the 2-byte field would end 1 past the frame */
	vh.csum_offset = f.len - L4_OFF - 1;
	EXPECT_EQ(-1, tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	EXPECT_EQ(EINVAL, errno);
	vh.csum_offset = 6;
	EXPECT_EQ((ssize_t)(sizeof(vh) + f.len),
		  tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len));
	/* The checksum field is left to the device: compare the rest. */
	ASSERT_SINK_GETS(self->sink, PSOCK_WAIT_MS, .bytes = f.wire, .len = f.len,
			 .skip = UDP_PAYLOAD_OFF, .seq = 1, .ignore = L4_OFF + 6);
}

/*
 * csum_start counts from the start of the frame, the link header included
 * (SOCK_RAW), and virtio_net_hdr_to_skb() refuses a NEEDS_CSUM header whose
 * csum_start (the transport offset it sets) is below the smallest network
 * header of its kind: 20 bytes (an IPv4 header), 40 for TCPV6 GSO (Linux
 * 6.12, "net: test for not too small csum_start in
 * virtio_net_hdr_to_skb()"). 6.1 accepts it and sends the frame with the
 * checksum placed inside the IP header.
 */
#define CSUM_START_CHANGE "\"net: test for not too small csum_start in virtio_net_hdr_to_skb()\""

/* What the send of a refused header did, for a SKIP line on an older kernel. */
static const char *send_observed(ssize_t ret, int err, char *buf, size_t size)
{
	if (ret < 0)
		snprintf(buf, size, "; this kernel refuses it too (%s)", strerror(err));
	else
		snprintf(buf, size, "; this kernel accepts it (send() returned %zd)", ret);
	return buf;
}

/*
 * A UDP frame with NEEDS_CSUM, csum_start 14 (the IPv4 header) and
 * csum_offset 10 (the IPv4 header checksum): EINVAL.
 */
TEST_F(snd_vnet, csum_start_in_network_header_einval)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = ETH_HLEN, .csum_offset = 10,
	};
	static struct tx_frame f;
	char seen[128];
	ssize_t ret;
	int err;

	TX_FRAME(&f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 100, .seq = 5);
	errno = 0;
	ret = tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len);
	err = errno;
	PSOCK_SKIP_BEFORE(return, 6, 12, CSUM_START_CHANGE, send_observed(ret, err, seen, sizeof(seen)));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, err) TH_LOG("errno %d (%s)", err, strerror(err));
}

/*
 * A TCPV6 GSO frame with csum_start 34: past an IPv4 header's 20 bytes but
 * inside the 40 of IPv6 (14 + 40 = 54 is where TCP starts): EINVAL. With
 * csum_start 54 the same frame is sent.
 */
TEST_F(snd_vnet, tcpv6_gso_csum_start_in_network_header_einval)
{
	const size_t l4 = ETH_HLEN + 40;
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
		.hdr_len = l4 + sizeof(struct tcphdr),
		.gso_size = 1000,
		.csum_start = 34,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	static struct tx_frame f;
	char seen[128];
	ssize_t ret;
	int err;

	ASSERT_EQ(0, tx_frame_tcp(&f, 6, 6, 3000));
	errno = 0;
	ret = tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len);
	err = errno;
	PSOCK_SKIP_BEFORE(return, 6, 12, CSUM_START_CHANGE, send_observed(ret, err, seen, sizeof(seen)));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, err) TH_LOG("errno %d (%s)", err, strerror(err));
	vh.csum_start = l4;
	ASSERT_EQ((ssize_t)(sizeof(vh) + f.len), tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len))
		TH_LOG("csum_start %zu: %s", l4, strerror(errno));
	ASSERT_SINK_GETS(self->sink, PSOCK_WAIT_MS, .bytes = f.wire, .len = f.len,
			 .skip = l4 + sizeof(struct tcphdr), .seq = 6,
			 .ignore = l4 + offsetof(struct tcphdr, check));
}

/*
 * A 3054-byte TCP frame (3000 bytes of payload) with gso_type TCPV4 and
 * gso_size 1000: the MTU check is skipped (packet_snd()), the call returns
 * 10 + 3054 and, veth doing TSO, psk1 receives it as one 3054-byte frame.
 * The same frame without a GSO type is EMSGSIZE.
 */
TEST_F(snd_vnet, gso_frame_over_mtu_accepted)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = L4_OFF + sizeof(struct tcphdr),
		.gso_size = 1000,
		.csum_start = L4_OFF,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	struct virtio_net_hdr plain = { 0 };
	static struct tx_frame f;

	ASSERT_EQ(0, tx_frame_tcp(&f, 4, 3, 3000));
	ASSERT_EQ(3054u, f.len);
	EXPECT_EQ(-1, tx_send_vnet(self->fd, &plain, sizeof(plain), f.wire, f.len));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ((ssize_t)(sizeof(vh) + f.len), tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_GETS(self->sink, PSOCK_WAIT_MS, .bytes = f.wire, .len = f.len,
			 .skip = L4_OFF + sizeof(struct tcphdr), .seq = 3,
			 .ignore = L4_OFF + offsetof(struct tcphdr, check));
}

/*
 * With TSO off on psk0 the same GSO frame is split before it leaves
 * (validate_xmit_skb(), skb_gso_segment()): psk1 receives 3 frames of
 * 14 + 20 + 20 + 1000 bytes, IP total length 1040, TCP sequence numbers
 * 0, 1000, 2000, each carrying its own 1000-byte slice of the payload.
 */
TEST_F(snd_vnet, gso_frame_split_without_tso)
{
	const size_t tcp_off = L4_OFF + sizeof(struct tcphdr);
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = tcp_off,
		.gso_size = 1000,
		.csum_start = L4_OFF,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	static struct tx_frame f, chunk;
	static uint8_t buf[4096];
	uint8_t *frame = f.wire;

	ASSERT_EQ(0, tx_frame_tcp(&f, 4, 9, 3000));
	/* Each 1000-byte slice starts with its own tag (seq 10, 11, 12). */
	for (uint32_t k = 0; k < 3; k++) {
		TX_FRAME(&chunk, .payload_len = 1000, .seq = 10 + k);
		memcpy(frame + tcp_off + k * 1000, chunk.wire + ETH_HLEN, 1000);
	}
	ASSERT_EQ(0, tx_set_offload("psk0", ETHTOOL_STSO, 0)) TH_LOG("ethtool tso off: %s",
								       strerror(errno));
	ASSERT_EQ((ssize_t)(sizeof(vh) + f.len), tx_send_vnet(self->fd, &vh, sizeof(vh), frame, f.len))
		TH_LOG("send: %s", strerror(errno));
	for (uint32_t k = 0; k < 3; k++) {
		const struct iphdr *ip = (const struct iphdr *)(buf + IP4_OFF);
		const struct tcphdr *th = (const struct tcphdr *)(buf + L4_OFF);
		uint32_t seq = ~0u;
		ssize_t n = tx_sink_next(self->sink, buf, sizeof(buf), tcp_off, &seq, NULL,
					 PSOCK_WAIT_MS);

		ASSERT_EQ((ssize_t)(tcp_off + 1000), n) TH_LOG("segment %u", k);
		EXPECT_EQ(10 + k, seq);
		EXPECT_EQ(tcp_off + 1000 - ETH_HLEN, ntohs(ip->tot_len));
		EXPECT_EQ(k * 1000, ntohl(th->seq));
		EXPECT_EQ(0, memcmp(buf + tcp_off, frame + tcp_off + k * 1000, 1000));
	}
}

/*
 * PACKET_VNET_HDR_SZ (Linux 6.4, "net/packet: support mergeable feature of
 * virtio") read into *val: true, or false when the case SKIPped because the
 * kernel does not know the option (ENOPROTOOPT, the default case of
 * packet_getsockopt()).
 */
static bool vnet_hdr_sz(struct __test_metadata *_metadata, int fd, int *val)
{
	socklen_t len = sizeof(*val);

	*val = -1;
	if (getsockopt(fd, SOL_PACKET, PACKET_VNET_HDR_SZ, val, &len)) {
		if (errno == ENOPROTOOPT)
			SKIP(return false, "PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4, "
			     "\"net/packet: support mergeable feature of virtio\"), running %s",
			     psock_kernel_release());
		ASSERT_EQ(0, errno) TH_LOG("getsockopt(PACKET_VNET_HDR_SZ): %s", strerror(errno));
	}
	return true;
}

/* PACKET_VNET_HDR_SZ 12; any error is the kernel refusing a size it must accept. */
static void set_vnet_hdr_sz_12(struct __test_metadata *_metadata, int fd)
{
	int sz = 12;

	ASSERT_EQ(0, setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &sz, sizeof(sz)))
		TH_LOG("PACKET_VNET_HDR_SZ %d: %s", sz, strerror(errno));
}

/* With PACKET_VNET_HDR on, PACKET_VNET_HDR_SZ reads 10: a struct virtio_net_hdr. */
TEST_F(snd_vnet, vnet_hdr_sz_default_10)
{
	int val;

	if (!vnet_hdr_sz(_metadata, self->fd, &val))
		return;
	EXPECT_EQ(10, val) TH_LOG("PACKET_VNET_HDR 1 is a 10-byte header");
}

/* Set to 12, PACKET_VNET_HDR_SZ reads 12 back, and PACKET_VNET_HDR 1. */
TEST_F(snd_vnet, vnet_hdr_sz_12_reads_back)
{
	socklen_t len = sizeof(int);
	int val;

	if (!vnet_hdr_sz(_metadata, self->fd, &val))
		return;
	set_vnet_hdr_sz_12(_metadata, self->fd);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR_SZ, &val, &len));
	EXPECT_EQ(12, val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &val, &len));
	EXPECT_EQ(1, val);
}

/*
 * With PACKET_VNET_HDR_SZ 12 the header is a 12-byte
 * virtio_net_hdr_mrg_rxbuf: the call returns 12 + frame and the frame
 * arrives intact.
 */
TEST_F(snd_vnet, vnet_hdr_sz_12)
{
	struct virtio_net_hdr vh = { 0 };
	static struct tx_frame f;
	int val;

	if (!vnet_hdr_sz(_metadata, self->fd, &val))
		return;
	set_vnet_hdr_sz_12(_metadata, self->fd);
	TX_FRAME(&f, .seq = 4, .payload_len = 200);
	ASSERT_EQ((ssize_t)(12 + f.len), tx_send_vnet(self->fd, &vh, 12, f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 4, PSOCK_WAIT_MS);
}

/*
 * Without VIRTIO_NET_HDR_F_NEEDS_CSUM the checksum fields are not looked at
 * (__packet_snd_vnet_parse() raises hdr_len only for NEEDS_CSUM): a header
 * whose csum_start + csum_offset + 2 lies past the frame is sent, the frame
 * intact.
 */
TEST_F(snd_vnet, csum_fields_ignored_without_needs_csum)
{
	struct virtio_net_hdr vh = { 0 };
	static struct tx_frame f;

	TX_FRAME(&f, .seq = 9, .payload_len = 100);
	vh.csum_start = f.len;
	vh.csum_offset = 6;
	ASSERT_EQ((ssize_t)(sizeof(vh) + f.len), tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 9, PSOCK_WAIT_MS);
}

/*
 * NEEDS_CSUM with the 2-byte checksum field ending exactly at the frame's
 * end: __packet_snd_vnet_parse() raises hdr_len to csum_start + csum_offset
 * + 2, the frame's length, which is allowed, and the frame is sent (the
 * field is the device's to fill: the rest arrives intact).
 */
TEST_F(snd_vnet, needs_csum_field_at_frame_end_accepted)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = L4_OFF,
	};
	static struct tx_frame f;

	TX_FRAME(&f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 100, .seq = 10);
	vh.csum_offset = f.len - L4_OFF - 2;
	ASSERT_EQ((ssize_t)(sizeof(vh) + f.len), tx_send_vnet(self->fd, &vh, sizeof(vh), f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_GETS(self->sink, PSOCK_WAIT_MS, .bytes = f.wire, .len = f.len,
			 .skip = UDP_PAYLOAD_OFF, .seq = 10, .ignore = f.len - 2);
}

/*
 * hdr_len may be the whole frame but not more (__packet_snd_vnet_parse():
 * hdr_len > length is EINVAL, the frame not sent): a header-only hint of
 * exactly the frame's length is sent; one byte more is refused, and the
 * next frame on the sink is the one sent after it.
 */
TEST_F(snd_vnet, hdr_len_up_to_frame_length)
{
	struct virtio_net_hdr vh = { 0 };
	static struct tx_frame a, b, c;

	TX_FRAME(&a, .seq = 5, .payload_len = 100);
	TX_FRAME(&b, .seq = 6, .payload_len = 100);
	TX_FRAME(&c, .seq = 7, .payload_len = 100);
	vh.hdr_len = a.len;
	ASSERT_EQ((ssize_t)(sizeof(vh) + a.len), tx_send_vnet(self->fd, &vh, sizeof(vh), a.wire, a.len))
		TH_LOG("send with hdr_len %zu: %s", a.len, strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &a, 5, PSOCK_WAIT_MS);
	vh.hdr_len = b.len + 1;
	EXPECT_ERRNO(EINVAL, tx_send_vnet(self->fd, &vh, sizeof(vh), b.wire, b.len));
	vh.hdr_len = 0;
	ASSERT_EQ((ssize_t)(sizeof(vh) + c.len), tx_send_vnet(self->fd, &vh, sizeof(vh), c.wire, c.len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &c, 7, PSOCK_WAIT_MS);
}

/*
 * packet_snd_vnet_parse(): a send shorter than the vnet header is EINVAL
 * (9 bytes where 10 are the header), and a header the kernel cannot read
 * is EFAULT; neither sends anything (the next frame on the sink is the
 * one sent after them). A send of the header alone is EINVAL as well, but
 * from packet_snd(): no link header (dev_validate_header()).
 */
TEST_F(snd_vnet, short_or_unreadable_header_refused)
{
	static struct tx_frame f;
	uint8_t nine[9] = { 0 }, ten[10] = { 0 };

	EXPECT_ERRNO(EINVAL, send(self->fd, nine, sizeof(nine), 0));
	EXPECT_ERRNO(EFAULT, send(self->fd, (void *)8, 100, 0));
	EXPECT_ERRNO(EINVAL, send(self->fd, ten, sizeof(ten), 0));
	TX_FRAME(&f, .seq = 8, .payload_len = 100);
	ASSERT_EQ((ssize_t)(10 + f.len), tx_send_vnet(self->fd, &(struct virtio_net_hdr){ 0 }, 10,
						      f.wire, f.len))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &f, 8, PSOCK_WAIT_MS);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A transmit ring (PACKET_TX_RING) with PACKET_VNET_HDR: every slot's data
 * starts with a struct virtio_net_hdr (10 bytes) and the frame follows it.
 *
 * tpacket_snd() in net/packet/af_packet.c takes the header off the front of
 * the slot's tp_len bytes: fewer than 10 is EINVAL. It checks the header
 * with __packet_snd_vnet_parse() (with VIRTIO_NET_HDR_F_NEEDS_CSUM, hdr_len
 * is raised to csum_start + csum_offset + 2; more than the frame is
 * EINVAL), then, once the skb is built, applies it with
 * virtio_net_hdr_to_skb() (a GSO type with gso_size 0 is EINVAL; NEEDS_CSUM
 * makes the skb CHECKSUM_PARTIAL; a GSO type makes it a GSO skb). Each of
 * these refusals goes to its tpacket_error label: without PACKET_LOSS the
 * slot is marked TP_STATUS_WRONG_FORMAT and send() fails with EINVAL.
 * With the header the MTU checks are skipped (size_max is the slot's room,
 * "!vnet_hdr_sz" in the EMSGSIZE test), so a GSO super-frame longer than
 * the MTU is sent; a slot longer than the frags of one skb can map
 * (MAX_SKB_FRAGS pages) is EFAULT from tpacket_fill_skb(), the slot
 * TP_STATUS_WRONG_FORMAT. A hdr_len longer than the frame is refused by
 * __packet_snd_vnet_parse() itself: nothing later checks it, a skipped
 * check would copy hdr_len bytes and send a longer frame. send() returns
 * the sum of the frames' lengths, the 10-byte headers not counted.
 *
 * veth keeps what the header asked for: with its TX checksum offload (on
 * by default) a NEEDS_CSUM frame crosses still partial (psk1's socket sees
 * TP_STATUS_CSUMNOTREADY and the checksum field as sent); without it the
 * stack completes the checksum where csum_start and csum_offset say
 * (skb_checksum_help()); with TSO a TCP GSO frame crosses whole.
 *
 * Every frame goes out of psk0 and is checked on psk1 (the sink).
 *
 * Test cases (<v> = v1 / v2 / v3):
 *   tx_vnet.<v>.plain_header_frame_sent_after_it
 *   tx_vnet.<v>.needs_csum_crosses_partial
 *   tx_vnet.<v>.needs_csum_completed_without_offload
 *   tx_vnet.<v>.tp_len_below_header_wrong_format
 *   tx_vnet.<v>.csum_past_frame_wrong_format
 *   tx_vnet.<v>.hdr_len_past_frame_wrong_format
 *   tx_vnet.<v>.gso_size_zero_wrong_format
 *   tx_vnet.<v>.gso_tcp_over_mtu_sent_whole
 *   tx_vnet.<v>.more_than_max_skb_frags_pages_efault
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/tcp.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

/* Where the IPv4 frames' transport header starts: Ethernet 14 + IPv4 20. */
#define L4_OFF 34
/* UDP: its payload after the 8-byte header; TCP: after the 20-byte one. */
#define UDP_PAYLOAD_OFF 42
#define TCP_PAYLOAD_OFF 54

FIXTURE(tx_vnet) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
	struct tx_frame f;
	uint8_t slot[10 + TX_FRAME_MAX];	/* the header, then the frame */
};

FIXTURE_VARIANT(tx_vnet) {
	int version;
};

FIXTURE_VARIANT_ADD(tx_vnet, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(tx_vnet, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(tx_vnet, v3) { .version = TPACKET_V3 };

/* Two pages of one 4096-byte slot each: room for 10 + a 3054-byte frame. */
static const struct ring_geometry big_slots = {
	.block_size = 4096, .block_nr = 2, .frame_size = 4096,
};

FIXTURE_SETUP(tx_vnet)
{
	int one = 1;

	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, variant->version);
	/* Before the ring: with one, PACKET_VNET_HDR is EBUSY. */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		TH_LOG("PACKET_VNET_HDR: %s", strerror(errno));
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &big_slots);
}

FIXTURE_TEARDOWN(tx_vnet)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/*
 * vh and then self->f into slot 0, tp_len = the first tp_len bytes of the
 * two (10 + f.len for a whole one), requested.
 */
static void put_vnet(struct _test_data_tx_vnet *self, const struct virtio_net_hdr *vh,
		     size_t tp_len)
{
	memcpy(self->slot, vh, 10);
	memcpy(self->slot + 10, self->f.wire, self->f.len);
	tx_put(&self->ring, 0, 0, self->slot, tp_len);
}

/* The slot's send is refused: send() fails with EINVAL, slot 0 TP_STATUS_WRONG_FORMAT. */
static void expect_wrong_format(struct __test_metadata *_metadata,
				struct _test_data_tx_vnet *self)
{
	EXPECT_ERRNO(EINVAL, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

/*
 * A header with flags 0 and GSO_NONE: the 214-byte frame after it is sent
 * as it is, send() returns 214 (not 224), psk1 receives it byte for byte.
 */
TEST_F(tx_vnet, plain_header_frame_sent_after_it)
{
	const struct virtio_net_hdr vh = { 0 };

	TX_FRAME(&self->f, .seq = 1, .payload_len = 200);
	put_vnet(self, &vh, 10 + self->f.len);
	EXPECT_EQ(214, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &self->f, 1, PSOCK_WAIT_MS);
}

/* What needs_csum_send() saw on psk1. */
struct csum_seen {
	uint8_t frame[2048];
	uint16_t psum;		/* the pseudo-header sum the slot had in the checksum field */
	uint32_t tp_status;	/* PACKET_AUXDATA's */
};

/*
 * psk0's TX checksum offload on or off, then a 342-byte UDP frame (seq 2)
 * with NEEDS_CSUM at its checksum (csum_start 34, csum_offset 6), the field
 * holding the pseudo-header sum, sent from slot 0: send() returns 342, the
 * frame arrives on psk1 with 342 bytes, all but the field the slot's.
 */
static void needs_csum_send(struct __test_metadata *_metadata, struct _test_data_tx_vnet *self,
			    int offload, struct csum_seen *seen)
{
	const struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = L4_OFF, .csum_offset = 6,
	};
	uint8_t cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { .iov_base = seen->frame, .iov_len = sizeof(seen->frame) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct tpacket_auxdata aux;
	uint32_t seq = ~0u;
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->sink, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)));
	ASSERT_EQ(0, tx_set_offload("psk0", ETHTOOL_STXCSUM, offload))
		TH_LOG("ethtool tx %d: %s", offload, strerror(errno));
	TX_FRAME(&self->f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 300, .seq = 2);
	seen->psum = tx_udp4_pseudo_sum(self->f.wire);
	self->f.wire[L4_OFF + 6] = seen->psum >> 8;
	self->f.wire[L4_OFF + 7] = seen->psum & 0xff;
	put_vnet(self, &vh, 10 + self->f.len);
	ASSERT_EQ(342, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(342, tx_sink_next_msg(self->sink, &msg, UDP_PAYLOAD_OFF, &seq, PSOCK_WAIT_MS))
		TH_LOG("frame on psk1: %s", strerror(errno));
	ASSERT_EQ(2, seq);
	EXPECT_EQ(0, memcmp(seen->frame, self->f.wire, L4_OFF + 6));
	EXPECT_EQ(0, memcmp(seen->frame + UDP_PAYLOAD_OFF, self->f.wire + UDP_PAYLOAD_OFF,
			    342 - UDP_PAYLOAD_OFF));
	ASSERT_EQ(1, psock_cmsg_auxdata(&msg, &aux)) TH_LOG("no PACKET_AUXDATA");
	seen->tp_status = aux.tp_status;
}

/*
 * NEEDS_CSUM with veth offloading TX checksums (its default): the frame
 * crosses partial, psk1 sees the pseudo-header sum still in the field and
 * TP_STATUS_CSUMNOTREADY in PACKET_AUXDATA.
 */
TEST_F(tx_vnet, needs_csum_crosses_partial)
{
	static struct csum_seen seen;

	needs_csum_send(_metadata, self, 1, &seen);
	EXPECT_EQ(seen.psum, seen.frame[L4_OFF + 6] << 8 | seen.frame[L4_OFF + 7]);
	EXPECT_EQ(TP_STATUS_CSUMNOTREADY, seen.tp_status & TP_STATUS_CSUMNOTREADY);
}

/*
 * NEEDS_CSUM with psk0's offload off: the stack completes the checksum at
 * csum_start + csum_offset before xmit (skb_checksum_help() of the partial
 * skb virtio_net_hdr_to_skb() made): psk1 sees a UDP checksum that
 * verifies, and no TP_STATUS_CSUMNOTREADY.
 */
TEST_F(tx_vnet, needs_csum_completed_without_offload)
{
	static struct csum_seen seen;

	needs_csum_send(_metadata, self, 0, &seen);
	EXPECT_TRUE(tx_udp4_csum_ok(seen.frame, 342))
		TH_LOG("checksum %#x", seen.frame[L4_OFF + 6] << 8 | seen.frame[L4_OFF + 7]);
	EXPECT_EQ(0, seen.tp_status & TP_STATUS_CSUMNOTREADY);
}

/* tp_len 9, less than the 10-byte header: EINVAL, the slot TP_STATUS_WRONG_FORMAT. */
TEST_F(tx_vnet, tp_len_below_header_wrong_format)
{
	const struct virtio_net_hdr vh = { 0 };

	TX_FRAME(&self->f, .seq = 3, .payload_len = 100);
	put_vnet(self, &vh, 9);
	expect_wrong_format(_metadata, self);
}

/*
 * NEEDS_CSUM with csum_start 34 + csum_offset 79 + 2 = 115, one past the
 * 114-byte frame: __packet_snd_vnet_parse() raises hdr_len past the length,
 * EINVAL and TP_STATUS_WRONG_FORMAT.
 */
TEST_F(tx_vnet, csum_past_frame_wrong_format)
{
	const struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = L4_OFF, .csum_offset = 79,
	};

	TX_FRAME(&self->f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 72, .seq = 4);
	ASSERT_EQ(114, self->f.len);
	put_vnet(self, &vh, 10 + self->f.len);
	expect_wrong_format(_metadata, self);
}

/*
 * Flags 0, GSO_NONE, hdr_len 115: one past the 114-byte frame.
 * __packet_snd_vnet_parse() refuses it (hdr_len > len), EINVAL and
 * TP_STATUS_WRONG_FORMAT.
 */
TEST_F(tx_vnet, hdr_len_past_frame_wrong_format)
{
	const struct virtio_net_hdr vh = { .hdr_len = 115 };

	TX_FRAME(&self->f, .ip = 4, .sport = 4000, .dport = 4001, .payload_len = 72, .seq = 7);
	ASSERT_EQ(114, self->f.len);
	put_vnet(self, &vh, 10 + self->f.len);
	expect_wrong_format(_metadata, self);
}

/*
 * gso_type TCPV4 with gso_size 0: virtio_net_hdr_to_skb() refuses it after
 * the skb is built, EINVAL and TP_STATUS_WRONG_FORMAT.
 */
TEST_F(tx_vnet, gso_size_zero_wrong_format)
{
	const struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = TCP_PAYLOAD_OFF, .gso_size = 0,
		.csum_start = L4_OFF, .csum_offset = 16,
	};

	ASSERT_EQ(0, tx_frame_tcp(&self->f, 4, 5, 1000));
	put_vnet(self, &vh, 10 + self->f.len);
	expect_wrong_format(_metadata, self);
}

/*
 * A 3054-byte TCP frame (MTU 1500) with gso_type TCPV4, gso_size 1000:
 * sent, send() returns 3054 and, veth doing TSO, psk1 receives it as one
 * 3054-byte frame, byte for byte but for the TCP checksum left to the
 * device.
 */
TEST_F(tx_vnet, gso_tcp_over_mtu_sent_whole)
{
	const struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = TCP_PAYLOAD_OFF, .gso_size = 1000,
		.csum_start = L4_OFF, .csum_offset = 16,
	};

	ASSERT_EQ(0, tx_frame_tcp(&self->f, 4, 6, 3000));
	put_vnet(self, &vh, 10 + self->f.len);
	EXPECT_EQ(3054, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_GETS(self->sink, PSOCK_WAIT_MS, .bytes = self->f.wire, .len = 3054,
			 .skip = TCP_PAYLOAD_OFF, .seq = 6, .ignore = L4_OFF + 16);
}

/*
 * A header with GSO_NONE and a 200000-byte frame in a ring of one 256 KiB
 * slot: with the header size_max is the slot's room, not the MTU, so the
 * frame reaches tpacket_fill_skb(), whose frags cannot map it
 * (MAX_SKB_FRAGS pages: 17 by default, at most 45, 184320 bytes): EFAULT,
 * the slot TP_STATUS_WRONG_FORMAT.
 */
TEST_F(tx_vnet, more_than_max_skb_frags_pages_efault)
{
	const struct ring_geometry one_big_slot = {
		.block_size = 262144, .block_nr = 1, .frame_size = 262144,
	};
	static uint8_t big[10 + 200000];

	ASSERT_EQ(0, ring_close(&self->ring)) TH_LOG("ring teardown: %s", strerror(errno));
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &one_big_slot);
	TX_FRAME(&self->f, .seq = 99, .payload_len = 100);
	memcpy(big + 10, self->f.wire, self->f.len);
	tx_put(&self->ring, 0, 0, big, sizeof(big));
	EXPECT_ERRNO(EFAULT, send(self->fd, NULL, 0, 0));
	EXPECT_EQ(TP_STATUS_WRONG_FORMAT, tx_status(&self->ring, ring_frame(&self->ring, 0)));
}

TEST_HARNESS_MAIN

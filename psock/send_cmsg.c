// SPDX-License-Identifier: GPL-2.0
/*
 * Per-message SOL_SOCKET control messages on sendmsg() to a packet socket
 * (SOCK_RAW, no ring). packet_snd() in net/packet/af_packet.c parses them
 * with sock_cmsg_send() -> __sock_cmsg_send() into a struct sockcm_cookie,
 * which then stamps the skb; a cmsg type __sock_cmsg_send() does not know is
 * EINVAL, which is how the cases probe for the newer ones.
 *
 *  - SO_PRIORITY as a cmsg (after Linux 6.12; subject likely "net: support
 *    SO_PRIORITY cmsg"): skb->priority of that one frame, in place of the
 *    socket's SO_PRIORITY. Seen through htb on psk0, which puts a frame whose
 *    priority names one of its classes (1:1 = 0x10001) into that class
 *    (htb_classify()) and anything else into its default class 1:2. The
 *    same for a TX ring frame (tpacket_snd() parses the cmsgs of its
 *    sendmsg()).
 *  - SO_TIMESTAMPING with SOF_TIMESTAMPING_OPT_ID numbers the TX
 *    timestamps of a socket's sends 0, 1, 2, ... (ee_data of the
 *    sock_extended_err read from MSG_ERRQUEUE; veth_xmit() takes the
 *    software stamp). SCM_TS_OPT_ID (after 6.12, "net_tstamp: add
 *    SCM_TS_OPT_ID to provide OPT_ID in control message") gives one send's
 *    key explicitly.
 *
 * Test cases:
 *   snd_cmsg.priority_cmsg_classifies_one_frame
 *   snd_cmsg_ring.priority_cmsg_classifies_ring_frame
 *   snd_cmsg.opt_id_keys_count_sends
 *   snd_cmsg.ts_opt_id_cmsg_sets_key
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

/* include/uapi/asm-generic/socket.h of Linux 6.13; older headers lack it. */
#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81
#endif

FIXTURE(snd_cmsg) {
	struct netns_topo topo;
	int fd, sink;
};

FIXTURE_SETUP(snd_cmsg)
{
	TX_ENDS_SETUP(return, self, SOCK_RAW, 0);
}

FIXTURE_TEARDOWN(snd_cmsg)
{
	TX_ENDS_TEARDOWN(self);
}

/* sendmsg() of f with one SOL_SOCKET cmsg of type carrying a u32 (type 0: no cmsg). */
static ssize_t send_u32_cmsg(int fd, const struct tx_frame *f, int type, uint32_t val)
{
	uint8_t cbuf[CMSG_SPACE(sizeof(uint32_t))] = { 0 };
	struct iovec iov = { .iov_base = (void *)f->wire, .iov_len = f->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (type) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = type;
		c->cmsg_len = CMSG_LEN(sizeof(val));
		memcpy(CMSG_DATA(c), &val, sizeof(val));
	}
	return sendmsg(fd, &msg, 0);
}

/* ---- SO_PRIORITY cmsg -------------------------------------------------- */

/* htb on psk0 with classes 1:1 and 1:2 (the default); false when SKIPped (no htb). */
static bool htb_classes(struct __test_metadata *_metadata)
{
	static const char *const cmds[] = {
		"qdisc add dev psk0 root handle 1: htb default 2",
		"class add dev psk0 parent 1: classid 1:1 htb rate 100mbit",
		"class add dev psk0 parent 1: classid 1:2 htb rate 100mbit",
	};
	char why[256];

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		int ret = tx_tc(why, sizeof(why), "%s", cmds[i]);

		if (ret && i == 0 && tx_tc_missing(why))
			SKIP(return false, "no htb qdisc (CONFIG_NET_SCH_HTB, module sch_htb) or no tc: %s",
			     why);
		ASSERT_EQ(0, ret) TH_LOG("tc %s: %s", cmds[i], why);
	}
	return true;
}

/*
 * A frame sent with an SO_PRIORITY cmsg of 0x10001 goes into htb class 1:1;
 * the next frame, without the cmsg, takes the socket's priority (0) into
 * the default class 1:2. Both arrive on psk1.
 */
TEST_F(snd_cmsg, priority_cmsg_classifies_one_frame)
{
	static struct tx_frame a, b;
	char why[256];
	ssize_t ret;

	if (!htb_classes(_metadata))
		return;
	TX_FRAME(&a, .seq = 70, .payload_len = 100);
	TX_FRAME(&b, .seq = 71, .payload_len = 100);
	ret = send_u32_cmsg(self->fd, &a, SO_PRIORITY, 0x10001);
	if (ret < 0 && errno == EINVAL)
		SKIP(return, "SO_PRIORITY as a sendmsg() cmsg: EINVAL, the type is unknown (added "
		     "after Linux 6.12, likely \"net: support SO_PRIORITY cmsg\"), running %s",
		     psock_kernel_release());
	ASSERT_EQ((ssize_t)a.len, ret) TH_LOG("send with SO_PRIORITY cmsg: %s", strerror(errno));
	ASSERT_EQ((ssize_t)b.len, send_u32_cmsg(self->fd, &b, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &a, 70, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &b, 71, PSOCK_WAIT_MS);
	EXPECT_EQ(1, tx_class_packets("psk0", "1:1", why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(1, tx_class_packets("psk0", "1:2", why, sizeof(why))) TH_LOG("%s", why);
}

/*
 * The same through a TX ring (V2): send() of the requested slot as a
 * sendmsg() with the cmsg and no data; tpacket_snd() parses the cmsgs too.
 */
FIXTURE(snd_cmsg_ring) {
	struct netns_topo topo;
	int fd, sink;
	struct ring ring;
};

FIXTURE_SETUP(snd_cmsg_ring)
{
	TX_RING_ENDS_SETUP(return, self, SOCK_RAW, TPACKET_V2);
	ASSERT_TX_RING_OPEN(&self->ring, self->fd, &ring_small);
}

FIXTURE_TEARDOWN(snd_cmsg_ring)
{
	TX_RING_ENDS_TEARDOWN(self);
}

/* sendmsg() with no data (the ring's requested slots) and one SOL_SOCKET u32 cmsg. */
static ssize_t ring_send_u32_cmsg(int fd, int type, uint32_t val)
{
	uint8_t cbuf[CMSG_SPACE(sizeof(uint32_t))] = { 0 };
	struct msghdr msg = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(sizeof(val));
	memcpy(CMSG_DATA(c), &val, sizeof(val));
	return sendmsg(fd, &msg, 0);
}

/*
 * A TX ring frame sent with an SO_PRIORITY cmsg of 0x10001 goes into htb
 * class 1:1; the next one, sent without it, into the default class 1:2.
 */
TEST_F(snd_cmsg_ring, priority_cmsg_classifies_ring_frame)
{
	struct ring *r = &self->ring;
	static struct tx_frame a, b;
	char why[256];
	ssize_t ret;

	if (!htb_classes(_metadata))
		return;
	TX_FRAME(&a, .seq = 77, .payload_len = 100);
	TX_FRAME(&b, .seq = 78, .payload_len = 100);
	tx_put(r, 0, 0, a.wire, a.len);
	ret = ring_send_u32_cmsg(self->fd, SO_PRIORITY, 0x10001);
	if (ret < 0 && errno == EINVAL)
		SKIP(return, "SO_PRIORITY as a sendmsg() cmsg: EINVAL, the type is unknown (added "
		     "after Linux 6.12, likely \"net: support SO_PRIORITY cmsg\"), running %s",
		     psock_kernel_release());
	ASSERT_EQ((ssize_t)a.len, ret) TH_LOG("send with SO_PRIORITY cmsg: %s", strerror(errno));
	tx_put(r, 1, 0, b.wire, b.len);
	ASSERT_EQ((ssize_t)b.len, send(self->fd, NULL, 0, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_SINK_FRAME(self->sink, &a, 77, PSOCK_WAIT_MS);
	ASSERT_SINK_FRAME(self->sink, &b, 78, PSOCK_WAIT_MS);
	EXPECT_EQ(1, tx_class_packets("psk0", "1:1", why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(1, tx_class_packets("psk0", "1:2", why, sizeof(why))) TH_LOG("%s", why);
}

/* ---- TX timestamp keys ------------------------------------------------- */

/* SO_TIMESTAMPING: software TX stamps, reported without the frame, numbered (OPT_ID). */
static void tx_stamps_on(struct __test_metadata *_metadata, int fd)
{
	int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		    SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)))
		TH_LOG("SO_TIMESTAMPING: %s", strerror(errno));
}

/*
 * The next TX timestamp on fd's error queue (waiting for POLLERR): its key
 * (ee_data) and origin/info, checked to be a software SND stamp; -1 when
 * none came or it is not one (the case fails with the reason).
 */
static int64_t next_stamp_key(struct __test_metadata *_metadata, int fd)
{
	uint8_t cbuf[512];
	struct msghdr msg = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct sock_extended_err ee;
	bool have_ts = false, have_ee = false;
	struct cmsghdr *c;

	if (psock_wait(fd, POLLERR, PSOCK_WAIT_MS) != 1) {
		TH_LOG("no TX timestamp: %s", strerror(errno));
		return -1;
	}
	if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
		TH_LOG("recvmsg(MSG_ERRQUEUE): %s", strerror(errno));
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING)
			have_ts = true;
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_TX_TIMESTAMP) {
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			have_ee = true;
		}
	}
	if (!have_ts || !have_ee || ee.ee_errno != ENOMSG ||
	    ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING || ee.ee_info != SCM_TSTAMP_SND) {
		TH_LOG("not a software SND stamp: SCM_TIMESTAMPING %d, PACKET_TX_TIMESTAMP %d, "
		       "errno %u origin %u info %u", have_ts, have_ee, have_ee ? ee.ee_errno : 0,
		       have_ee ? ee.ee_origin : 0, have_ee ? ee.ee_info : 0);
		return -1;
	}
	return ee.ee_data;
}

/* With OPT_ID the stamps of three sends carry the keys 0, 1 and 2. */
TEST_F(snd_cmsg, opt_id_keys_count_sends)
{
	static struct tx_frame f;

	tx_stamps_on(_metadata, self->fd);
	for (uint32_t k = 0; k < 3; k++) {
		TX_FRAME(&f, .seq = 72 + k, .payload_len = 100);
		ASSERT_EQ((ssize_t)f.len, send_u32_cmsg(self->fd, &f, 0, 0))
			TH_LOG("%s", strerror(errno));
		ASSERT_EQ(k, next_stamp_key(_metadata, self->fd));
	}
}

/*
 * An SCM_TS_OPT_ID cmsg of 1234 gives that send's stamp the key 1234; the
 * next send without it carries the socket's counter (0: the cmsg did not
 * consume a key).
 */
TEST_F(snd_cmsg, ts_opt_id_cmsg_sets_key)
{
	static struct tx_frame a, b;
	ssize_t ret;

	tx_stamps_on(_metadata, self->fd);
	TX_FRAME(&a, .seq = 75, .payload_len = 100);
	TX_FRAME(&b, .seq = 76, .payload_len = 100);
	ret = send_u32_cmsg(self->fd, &a, SCM_TS_OPT_ID, 1234);
	if (ret < 0 && errno == EINVAL)
		SKIP(return, "SCM_TS_OPT_ID: EINVAL, the cmsg type is unknown (added in Linux 6.13, "
		     "\"net_tstamp: add SCM_TS_OPT_ID to provide OPT_ID in control message\"), "
		     "running %s", psock_kernel_release());
	ASSERT_EQ((ssize_t)a.len, ret) TH_LOG("send with SCM_TS_OPT_ID: %s", strerror(errno));
	EXPECT_EQ(1234, next_stamp_key(_metadata, self->fd));
	ASSERT_EQ((ssize_t)b.len, send_u32_cmsg(self->fd, &b, 0, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, next_stamp_key(_metadata, self->fd));
}

TEST_HARNESS_MAIN

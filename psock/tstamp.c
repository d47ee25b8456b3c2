// SPDX-License-Identifier: GPL-2.0
/*
 * Timestamps on a packet socket: what the receive ring, recvmsg() and the
 * transmit side report, and which option asks for what.
 *
 * The software receive stamp is skb->tstamp, taken once per packet by the
 * core (net_timestamp_check() in netif_rx() / __netif_receive_skb_core())
 * while the global netstamp_needed_key is on. That key is switched on by the
 * first socket that wants receive stamps (sock_enable_timestamp(): SO_TIMESTAMP*,
 * SO_TIMESTAMPING with RX_SOFTWARE, SIOCGSTAMP) through a work item
 * (net_enable_timestamp() -> netstamp_work), so it comes on a little later
 * and for every namespace at once. Each case therefore first opens a
 * reference socket with SO_TIMESTAMPING RX_SOFTWARE | SOFTWARE and waits
 * until a frame arrives with a stamp the core took; every packet after that
 * carries one, and every socket that receives the same packet sees the same
 * skb->tstamp. The reference socket's stamp is the expected value.
 *
 *  - Receive ring: tpacket_rcv() always stores a time. tpacket_get_timestamp()
 *    is asked with PACKET_TIMESTAMP's flags | SOF_TIMESTAMPING_SOFTWARE: a
 *    raw hardware stamp (skb_hwtstamps()) when RAW_HARDWARE is asked and the
 *    device gave one, else skb->tstamp with TP_STATUS_TS_SOFTWARE, else
 *    ktime_get_real() with no TS bit. veth gives no hardware stamps, so
 *    PACKET_TIMESTAMP = SOF_TIMESTAMPING_RAW_HARDWARE still reports
 *    TP_STATUS_TS_SOFTWARE and the software stamp. PACKET_TIMESTAMP takes
 *    any int (optlen must be sizeof(int)) and reads back as set.
 *  - recvmsg(): packet_recvmsg() -> sock_recv_cmsgs() -> sock_recv_timestamp():
 *    SO_TIMESTAMP gives SCM_TIMESTAMP (struct timeval), SO_TIMESTAMPNS
 *    SCM_TIMESTAMPNS (struct timespec), SO_TIMESTAMPING with
 *    SOF_TIMESTAMPING_SOFTWARE gives SCM_TIMESTAMPING (struct
 *    scm_timestamping: ts[0] software, ts[2] raw hardware). With only the
 *    hardware flags on veth there is no stamp to report: no control message.
 *    SIOCGSTAMP / SIOCGSTAMPNS (sock_gettstamp()) read sk_stamp: ENOENT while
 *    it is still SK_DEFAULT_STAMP; the first call also sets SOCK_TIMESTAMP,
 *    so the next recvmsg() stores its packet's stamp in sk_stamp.
 *  - SOF_TIMESTAMPING_OPT_RX_FILTER (6.12, docs/KERNEL-DIFFERENCES.md D14):
 *    __sock_recv_timestamp() then reports a software stamp only to a socket
 *    that also asked for RX_SOFTWARE; 6.1's sock_set_timestamping() does not
 *    know the flag (EINVAL).
 *  - Transmit: SO_TIMESTAMPING with TX_SOFTWARE marks each skb
 *    (skb_setup_tx_timestamp() in packet_snd() / tpacket_fill_skb()); the
 *    driver's skb_tx_timestamp() (veth_xmit()) queues a clone with the
 *    time to the socket's error queue. recvmsg(MSG_ERRQUEUE)
 *    (sock_recv_errqueue(), level SOL_PACKET, type PACKET_TX_TIMESTAMP) gives
 *    the frame, SCM_TIMESTAMPING and a sock_extended_err {ENOMSG,
 *    SO_EE_ORIGIN_TIMESTAMPING, ee_info SCM_TSTAMP_SND}. A TX ring slot is
 *    stamped when the kernel hands it back (tpacket_destruct_skb(), 6.12
 *    tpacket_ubuf_complete() -> __packet_set_timestamp() with PACKET_TIMESTAMP's
 *    flags) from the skb's own tstamp.
 *
 * Test cases (<v> = v1 / v2 / v3):
 *   ts_opt.packet_timestamp_reads_back
 *   ts_opt.packet_timestamp_optlen_einval
 *   ts_ring.<v>.stamp_is_the_packet_stamp   (and v3_raw_hardware)
 *   ts_recv.so_timestamp_cmsg
 *   ts_recv.so_timestampns_cmsg
 *   ts_recv.siocgstamp_enoent_then_packet_time
 *   ts_recv.siocgstampns_enoent_then_packet_time
 *   ts_recv.timestamping_software_reports_stamp
 *   ts_recv.timestamping_raw_hardware_on_veth_no_cmsg
 *   ts_recv.opt_rx_filter_hides_software_stamp
 *   ts_tx.<path>.sw_stamp_on_error_queue
 *   ts_tx_ring.<v>.completed_slot_header_stamp
 * with <path> = sendto_raw / sendto_dgram / txring_v1 / txring_v2 / txring_v3.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "tx.h"

/* Added in Linux 6.12 (include/uapi/linux/net_tstamp.h). */
#define PSOCK_SOF_OPT_RX_FILTER (1 << 17)

/* Tag seqs of the frames that wait for the stamp key (ref_open_stamping()). */
#define TS_SEQ_WARM 0x10000

/* ---- the reference socket and control messages ------------------------ */

/*
 * The control message level/type of msg: 1 and its data copied to out
 * (exactly len bytes long), 0 when msg has none, -1 with errno EPROTO when
 * its length is not CMSG_LEN(len).
 */
static int cmsg_get(struct msghdr *msg, int level, int type, void *out, size_t len)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != level || c->cmsg_type != type)
			continue;
		if (c->cmsg_len != CMSG_LEN(len)) {
			errno = EPROTO;
			return -1;
		}
		memcpy(out, CMSG_DATA(c), len);
		return 1;
	}
	return 0;
}

/* A frame received with its control messages. */
struct rx_msg {
	uint8_t buf[2048];
	union {
		struct cmsghdr h;
		char b[512];
	} ctl;
	struct iovec iov;
	struct msghdr msg;
	ssize_t len;
};

/*
 * recvmsg() on fd until the frame tagged seq (payload skip bytes in) came,
 * before deadline; other frames are dropped. 0, or -1 with errno
 * (ETIMEDOUT at the deadline).
 */
static int recv_seq(int fd, size_t skip, uint32_t seq, int64_t deadline, struct rx_msg *m)
{
	for (;;) {
		uint32_t got;

		m->iov.iov_base = m->buf;
		m->iov.iov_len = sizeof(m->buf);
		memset(&m->msg, 0, sizeof(m->msg));
		m->msg.msg_iov = &m->iov;
		m->msg.msg_iovlen = 1;
		m->msg.msg_control = m->ctl.b;
		m->msg.msg_controllen = sizeof(m->ctl.b);
		m->len = tx_sink_recv(fd, &m->msg, deadline);
		if (m->len < 0)
			return -1;
		if (m->len == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((size_t)m->len > skip &&
		    frame_tag(m->buf + skip, (size_t)m->len - skip, &got) && got == seq)
			return 0;
	}
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/*
 * The reference: a SOCK_RAW socket on psk0 for ETH_P_PSOCK with
 * SO_TIMESTAMPING RX_SOFTWARE | SOFTWARE, so the core stamps every packet,
 * and its stamp (ts[0] of SCM_TIMESTAMPING) is the packet's. It reports no
 * time when skb->tstamp is 0 (no fallback stamp: SOCK_RCVTSTAMP is off).
 */
static int ref_open(int ifindex)
{
	int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	int fd = psock_rx_socket(SOCK_RAW, 0, ifindex, ETH_P_PSOCK);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * The stamp of the frame tagged seq on the reference socket, in *ns: 1 with
 * a stamp, 0 when it came without (the key was still off), -1 with errno.
 */
static int ref_stamp(int ref, uint32_t seq, int64_t deadline, int64_t *ns)
{
	struct scm_timestamping tss;
	struct rx_msg m;
	int rc;

	if (recv_seq(ref, ETH_HLEN, seq, deadline, &m))
		return -1;
	rc = cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss));
	if (rc <= 0)
		return rc;
	*ns = ts_ns(&tss.ts[0]);
	return *ns != 0;
}

/*
 * Open the reference socket and wait (one deadline, PSOCK_WAIT_MS scaled)
 * until the core stamps packets: frames tagged TS_SEQ_WARM + i are sent from
 * psk1 until one arrives stamped. The reference fd, or -1 with errno.
 */
static int ref_open_stamping(struct netns_topo *topo)
{
	const struct frame_spec spec = { .payload_len = 32 };
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	int ref = ref_open(topo->ifindex0);

	if (ref < 0)
		return -1;
	for (uint32_t i = 0;; i++) {
		int64_t ns;
		int rc;

		if (peer_send_burst(topo, &spec, TS_SEQ_WARM + i, 1))
			break;
		rc = ref_stamp(ref, TS_SEQ_WARM + i, deadline, &ns);
		if (rc < 0)
			break;
		if (rc == 1)
			return ref;
	}
	{
		int err = errno;

		close(ref);
		errno = err;
	}
	return -1;
}

/* Case step: the reference socket, stamping, into ref. */
#define REF_OPEN(ref, topo) do {						\
	(ref) = ref_open_stamping(topo);					\
	ASSERT_LE(0, (ref)) TH_LOG("reference socket / stamp key: %s", strerror(errno));	\
} while (0)

/* Case step: send frame seq from psk1 and read its stamp on ref into ns. */
#define SEND_REF(self, seq_, ns) do {						\
	const struct frame_spec spec_ = { .payload_len = 64, .seq = (seq_) };	\
	ASSERT_EQ(0, peer_send_burst(&(self)->topo, &spec_, (seq_), 1))		\
		TH_LOG("send: %s", strerror(errno));				\
	ASSERT_EQ(1, ref_stamp((self)->ref, (seq_), psock_deadline(PSOCK_WAIT_MS), &(ns)))	\
		TH_LOG("reference stamp of frame %u: %s", (seq_), strerror(errno));	\
} while (0)

/* ---- PACKET_TIMESTAMP ------------------------------------------------- */

FIXTURE(ts_opt) {
	struct netns_topo topo;
	int fd;
};

FIXTURE_SETUP(ts_opt)
{
	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, &((struct netns_opts){ .no_links = true }));
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ts_opt)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	netns_teardown(&self->topo);
}

static int get_int(int fd, int name, socklen_t *len)
{
	int val = 0x5a5a5a5a;

	*len = sizeof(val);
	if (getsockopt(fd, SOL_PACKET, name, &val, len))
		return -errno;
	return val;
}

/* 0 at first; any int is kept as set, flags or not. */
TEST_F(ts_opt, packet_timestamp_reads_back)
{
	static const int vals[] = {
		SOF_TIMESTAMPING_RAW_HARDWARE,
		SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RAW_HARDWARE,
		-1, 0,
	};
	socklen_t len;

	EXPECT_EQ(0, get_int(self->fd, PACKET_TIMESTAMP, &len));
	EXPECT_EQ(4, len);
	for (unsigned int i = 0; i < ARRAY_SIZE(vals); i++) {
		ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TIMESTAMP, &vals[i],
					sizeof(vals[i])))
			TH_LOG("value %#x: %s", vals[i], strerror(errno));
		EXPECT_EQ(vals[i], get_int(self->fd, PACKET_TIMESTAMP, &len));
		EXPECT_EQ(4, len);
	}
}

/* optlen must be exactly 4: 2 and 8 are EINVAL and keep the value. */
TEST_F(ts_opt, packet_timestamp_optlen_einval)
{
	int64_t big = SOF_TIMESTAMPING_SOFTWARE;
	int val = SOF_TIMESTAMPING_RAW_HARDWARE;
	socklen_t len;

	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TIMESTAMP, &val, 4));
	EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, PACKET_TIMESTAMP, &val, 2));
	EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, PACKET_TIMESTAMP, &big, 8));
	EXPECT_EQ(SOF_TIMESTAMPING_RAW_HARDWARE, get_int(self->fd, PACKET_TIMESTAMP, &len));
}

/* ---- the receive ring -------------------------------------------------- */

FIXTURE(ts_ring) {
	struct netns_topo topo;
	int ref, fd;
	struct ring ring;
};

FIXTURE_VARIANT(ts_ring) {
	int version;
	int tstamp;	/* PACKET_TIMESTAMP */
};

FIXTURE_VARIANT_ADD(ts_ring, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(ts_ring, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(ts_ring, v3) { .version = TPACKET_V3 };
/*
 * SOF_TIMESTAMPING_RAW_HARDWARE on veth, which has no hardware stamps:
 * tpacket_get_timestamp() falls back to the software stamp (tpacket_rcv()
 * always adds SOF_TIMESTAMPING_SOFTWARE), never TP_STATUS_TS_RAW_HARDWARE.
 */
FIXTURE_VARIANT_ADD(ts_ring, v3_raw_hardware) {
	.version = TPACKET_V3, .tstamp = SOF_TIMESTAMPING_RAW_HARDWARE,
};

FIXTURE_SETUP(ts_ring)
{
	memset(&self->ring, 0, sizeof(self->ring));
	self->ref = self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	REF_OPEN(self->ref, &self->topo);
}

FIXTURE_TEARDOWN(ts_ring)
{
	ring_close_socket(&self->ring, self->fd);
	if (self->ref >= 0)
		EXPECT_EQ(0, close(self->ref));
	netns_teardown(&self->topo);
}

/*
 * Open the ring socket with PACKET_TIMESTAMP = tstamp (before the ring),
 * send one frame and check its header: TP_STATUS_TS_SOFTWARE as the only
 * TS bit and the reference stamp (V1 in microseconds).
 */
static void expect_ring_stamp(struct __test_metadata *_metadata,
			      struct _test_data_ts_ring *self, int version, int tstamp)
{
	struct frame_view v;
	int64_t ns;
	uint32_t seq;
	void *f;

	self->fd = psock_rx_socket(SOCK_RAW, version, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, PACKET_TIMESTAMP, &tstamp, sizeof(tstamp)))
		TH_LOG("PACKET_TIMESTAMP: %s", strerror(errno));
	ASSERT_EQ(0, rx_path_open(&self->ring, self->fd, true))
		TH_LOG("ring: %s", strerror(errno));
	SEND_REF(self, 1, ns);
	f = ring_next_tagged(&self->ring, PSOCK_WAIT_MS, ETH_HLEN, &seq);
	ASSERT_NE(NULL, f) TH_LOG("ring: %s", strerror(errno));
	EXPECT_EQ(1, seq);
	frame_view(&self->ring, f, &v);
	EXPECT_EQ(TP_STATUS_TS_SOFTWARE, v.status & TP_STATUS_TS_MASK)
		TH_LOG("tp_status %#x", v.status);
	EXPECT_EQ(ns / 1000000000, v.sec);
	if (version == TPACKET_V1) {
		EXPECT_EQ(ns % 1000000000 / 1000, v.usec);
	} else {
		EXPECT_EQ(ns % 1000000000, v.nsec);
	}
	ring_release_frame(&self->ring, f);
}

/*
 * The frame's header: TP_STATUS_TS_SOFTWARE and the packet's software stamp,
 * with PACKET_TIMESTAMP 0 and with RAW_HARDWARE on veth (v3_raw_hardware).
 */
TEST_F(ts_ring, stamp_is_the_packet_stamp)
{
	expect_ring_stamp(_metadata, self, variant->version, variant->tstamp);
}

/* ---- recvmsg() and the ioctls ----------------------------------------- */

FIXTURE(ts_recv) {
	struct netns_topo topo;
	int ref, fd;
};

FIXTURE_SETUP(ts_recv)
{
	self->ref = self->fd = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	REF_OPEN(self->ref, &self->topo);
	self->fd = psock_rx_socket(SOCK_RAW, 0, self->topo.ifindex0, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ts_recv)
{
	const int fds[] = { self->fd, self->ref };

	EXPECT_EQ(0, psock_close_in_threads(fds, 2));
	netns_teardown(&self->topo);
}

/* Case step: set the int socket option name of SOL_SOCKET on fd to val. */
#define SET_SOL_SOCKET(fd, name, val) do {					\
	int v_ = (val);								\
	ASSERT_EQ(0, setsockopt((fd), SOL_SOCKET, (name), &v_, sizeof(v_)))	\
		TH_LOG(#name ": %s", strerror(errno));				\
} while (0)

/* Case step: send frame seq, its reference stamp to ns, the frame on fd to m. */
#define SEND_RECV(self, seq_, ns, m) do {					\
	SEND_REF(self, seq_, ns);						\
	ASSERT_EQ(0, recv_seq((self)->fd, ETH_HLEN, (seq_), psock_deadline(PSOCK_WAIT_MS), &(m)))	\
		TH_LOG("frame %u: %s", (seq_), strerror(errno));			\
} while (0)

/* SO_TIMESTAMP: one SCM_TIMESTAMP, a struct timeval of the packet's stamp. */
TEST_F(ts_recv, so_timestamp_cmsg)
{
	struct timeval tv = { 0 };
	struct rx_msg m;
	int64_t ns;

	SET_SOL_SOCKET(self->fd, SO_TIMESTAMP, 1);
	SEND_RECV(self, 1, ns, m);
	EXPECT_EQ(CMSG_SPACE(sizeof(tv)), m.msg.msg_controllen);
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMP, &tv, sizeof(tv)));
	EXPECT_EQ(ns / 1000000000, tv.tv_sec);
	EXPECT_EQ(ns % 1000000000 / 1000, tv.tv_usec);
}

/* SO_TIMESTAMPNS: one SCM_TIMESTAMPNS, a struct timespec of the packet's stamp. */
TEST_F(ts_recv, so_timestampns_cmsg)
{
	struct timespec ts = { 0 };
	struct rx_msg m;
	int64_t ns;

	SET_SOL_SOCKET(self->fd, SO_TIMESTAMPNS, 1);
	SEND_RECV(self, 1, ns, m);
	EXPECT_EQ(CMSG_SPACE(sizeof(ts)), m.msg.msg_controllen);
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts)));
	EXPECT_EQ(ns, ts_ns(&ts));
}

/*
 * SIOCGSTAMP: ENOENT before any packet (twice: the first call only sets
 * SOCK_TIMESTAMP); after two packets, the second one's stamp in
 * microseconds; recvmsg() itself gets no control message.
 */
TEST_F(ts_recv, siocgstamp_enoent_then_packet_time)
{
	struct timeval tv;
	struct rx_msg m;
	int64_t ns;

	EXPECT_ERRNO(ENOENT, ioctl(self->fd, SIOCGSTAMP, &tv));
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, SIOCGSTAMP, &tv));
	SEND_RECV(self, 1, ns, m);
	SEND_RECV(self, 2, ns, m);
	EXPECT_EQ(0, m.msg.msg_controllen);
	ASSERT_EQ(0, ioctl(self->fd, SIOCGSTAMP, &tv)) TH_LOG("SIOCGSTAMP: %s", strerror(errno));
	EXPECT_EQ(ns / 1000000000, tv.tv_sec);
	EXPECT_EQ(ns % 1000000000 / 1000, tv.tv_usec);
}

/* SIOCGSTAMPNS likewise, in nanoseconds. */
TEST_F(ts_recv, siocgstampns_enoent_then_packet_time)
{
	struct timespec ts;
	struct rx_msg m;
	int64_t ns;

	EXPECT_ERRNO(ENOENT, ioctl(self->fd, SIOCGSTAMPNS, &ts));
	SEND_RECV(self, 1, ns, m);
	ASSERT_EQ(0, ioctl(self->fd, SIOCGSTAMPNS, &ts)) TH_LOG("SIOCGSTAMPNS: %s", strerror(errno));
	EXPECT_EQ(ns, ts_ns(&ts));
}

/*
 * SO_TIMESTAMPING with SOFTWARE only (no RX_SOFTWARE of its own): the stamp
 * another socket made the core take is reported in ts[0]; ts[1] (legacy)
 * and ts[2] (raw hardware) are zero.
 */
TEST_F(ts_recv, timestamping_software_reports_stamp)
{
	struct scm_timestamping tss;
	struct rx_msg m;
	int64_t ns;

	SET_SOL_SOCKET(self->fd, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE);
	SEND_RECV(self, 1, ns, m);
	EXPECT_EQ(CMSG_SPACE(sizeof(tss)), m.msg.msg_controllen);
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss)));
	EXPECT_EQ(ns, ts_ns(&tss.ts[0]));
	EXPECT_EQ(0, ts_ns(&tss.ts[1]));
	EXPECT_EQ(0, ts_ns(&tss.ts[2]));
}

/*
 * SO_TIMESTAMPING RX_HARDWARE | RAW_HARDWARE on veth: accepted, but there is
 * no hardware stamp and no software flag, so recvmsg() gets no control
 * message at all.
 */
TEST_F(ts_recv, timestamping_raw_hardware_on_veth_no_cmsg)
{
	struct rx_msg m;
	int64_t ns;

	SET_SOL_SOCKET(self->fd, SO_TIMESTAMPING,
		       SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE);
	SEND_RECV(self, 1, ns, m);
	EXPECT_EQ(0, m.msg.msg_controllen);
}

/*
 * docs/KERNEL-DIFFERENCES.md D14: SOFTWARE | OPT_RX_FILTER without
 * RX_SOFTWARE reports no receive stamp even though the packet has one (the
 * reference socket sees it); with RX_SOFTWARE added, the stamp is back.
 * The flag is new in 6.12: 6.1 refuses it with EINVAL (the probe), which at
 * 6.12 or later is a failure.
 */
TEST_F(ts_recv, opt_rx_filter_hides_software_stamp)
{
	int flags = SOF_TIMESTAMPING_SOFTWARE | PSOCK_SOF_OPT_RX_FILTER;
	struct scm_timestamping tss;
	struct rx_msg m;
	int64_t ns;
	int rc, err;

	rc = setsockopt(self->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags));
	err = errno;
	if (rc && err == EINVAL && !PSOCK_KERNEL_SINCE(6, 12))
		SKIP(return, "SOF_TIMESTAMPING_OPT_RX_FILTER: EINVAL (added in Linux 6.12, "
		     "\"net-timestamp: introduce SOF_TIMESTAMPING_OPT_RX_FILTER flag\"), running %s",
		     psock_kernel_release());
	ASSERT_EQ(0, rc) TH_LOG("SO_TIMESTAMPING SOFTWARE|OPT_RX_FILTER: %s", strerror(err));
	SEND_RECV(self, 1, ns, m);
	EXPECT_EQ(0, m.msg.msg_controllen);

	flags |= SOF_TIMESTAMPING_RX_SOFTWARE;
	SET_SOL_SOCKET(self->fd, SO_TIMESTAMPING, flags);
	SEND_RECV(self, 2, ns, m);
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss)));
	EXPECT_EQ(ns, ts_ns(&tss.ts[0]));
}

/* ---- transmit ----------------------------------------------------------- */

/* The sending end: the sink on psk1 and a socket on psk0 asking for TX stamps. */
struct tx_end {
	int fd, sink;
	struct ring ring;
	struct sockaddr_ll to;
};

/*
 * Open e on topo: the sink (with SO_TIMESTAMPING SOFTWARE, so it reports
 * the stamp its frames got on arrival), a socket of type / version on psk0
 * with SO_TIMESTAMPING TX_SOFTWARE | SOFTWARE, and with ring a TX ring of
 * ring_small with PACKET_TIMESTAMP SOFTWARE.
 */
static void tx_end_open(struct __test_metadata *_metadata, struct netns_topo *topo,
			struct tx_end *e, int type, int version, bool ring)
{
	static const uint8_t mac1[6] = NETNS_MAC1;
	int sw = SOF_TIMESTAMPING_SOFTWARE;

	e->sink = tx_sink_open(topo);
	ASSERT_LE(0, e->sink) TH_LOG("sink on psk1: %s", strerror(errno));
	SET_SOL_SOCKET(e->sink, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE);
	e->fd = tx_socket(type, version, topo->ifindex0);
	ASSERT_LE(0, e->fd) TH_LOG("sending socket: %s", strerror(errno));
	SET_SOL_SOCKET(e->fd, SO_TIMESTAMPING,
		       SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	e->to = tx_addr(topo->ifindex0, ETH_P_PSOCK, mac1);
	if (!ring)
		return;
	ASSERT_EQ(0, setsockopt(e->fd, SOL_PACKET, PACKET_TIMESTAMP, &sw, sizeof(sw)))
		TH_LOG("PACKET_TIMESTAMP: %s", strerror(errno));
	ASSERT_TX_RING_OPEN(&e->ring, e->fd, &ring_small);
}

/*
 * Send f (seq 1) from e, through slot 0 of the ring or as the data of
 * sendmsg(), a blocking call, with an SCM_TXTIME of txtime unless it is 0;
 * the clock before and after it. The sink gets it intact;
 * unless rx_ns is NULL, its arrival stamp (the core must be stamping) to
 * *rx_ns. The slot (NULL without a ring).
 */
static void *tx_end_send(struct __test_metadata *_metadata, struct tx_end *e, int type,
			 const struct tx_frame *f, uint64_t txtime, int64_t *before,
			 int64_t *after, int64_t *rx_ns)
{
	size_t hdr = type == SOCK_DGRAM ? ETH_HLEN : 0;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(uint64_t))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)(f->wire + hdr), .iov_len = f->len - hdr };
	struct msghdr msg = {
		.msg_name = &e->to, .msg_namelen = sizeof(e->to),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct scm_timestamping tss;
	void *slot = NULL;
	struct rx_msg m;
	ssize_t n;

	if (e->ring.map) {
		slot = tx_put(&e->ring, 0, 0, f->wire + hdr, f->len - hdr);
		msg.msg_iovlen = 0;
	}
	if (txtime) {
		msg.msg_control = ctl.b;
		msg.msg_controllen = sizeof(ctl.b);
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_TXTIME;
		ctl.h.cmsg_len = CMSG_LEN(sizeof(txtime));
		memcpy(CMSG_DATA(&ctl.h), &txtime, sizeof(txtime));
	}
	*before = psock_realtime_ns();
	n = sendmsg(e->fd, &msg, 0);
	*after = psock_realtime_ns();
	EXPECT_EQ((ssize_t)(f->len - hdr), n) TH_LOG("send: %s", n < 0 ? strerror(errno) : "");
	ASSERT_EQ(0, recv_seq(e->sink, ETH_HLEN, 1, psock_deadline(PSOCK_WAIT_MS), &m))
		TH_LOG("sink: %s", strerror(errno));
	ASSERT_EQ((ssize_t)f->len, m.len);
	EXPECT_EQ(0, memcmp(m.buf, f->wire, f->len));
	if (!rx_ns)
		return slot;
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss)))
		TH_LOG("no arrival stamp on the sink");
	*rx_ns = ts_ns(&tss.ts[0]);
	return slot;
}

static void tx_end_close(struct __test_metadata *_metadata, struct tx_end *e)
{
	if (e->ring.map_base)
		EXPECT_EQ(0, munmap(e->ring.map_base, e->ring.map_len));
	TX_EXPECT_CLOSE_ALL(e->fd, e->sink);
}

FIXTURE(ts_tx) {
	struct netns_topo topo;
	struct tx_end e;
};

FIXTURE_VARIANT(ts_tx) {
	int type;
	int version;	/* 0: plain sendto(), else a TX ring of that version */
};

FIXTURE_VARIANT_ADD(ts_tx, sendto_raw) { .type = SOCK_RAW };
FIXTURE_VARIANT_ADD(ts_tx, sendto_dgram) { .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(ts_tx, txring_v1) { .type = SOCK_RAW, .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(ts_tx, txring_v2) { .type = SOCK_RAW, .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(ts_tx, txring_v3) { .type = SOCK_RAW, .version = TPACKET_V3 };

FIXTURE_SETUP(ts_tx)
{
	memset(&self->e, 0, sizeof(self->e));
	self->e.fd = self->e.sink = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	tx_end_open(_metadata, &self->topo, &self->e, variant->type, variant->version,
		    variant->version != 0);
}

FIXTURE_TEARDOWN(ts_tx)
{
	tx_end_close(_metadata, &self->e);
	netns_teardown(&self->topo);
}

/*
 * SO_TIMESTAMPING TX_SOFTWARE | SOFTWARE: after the send, the error queue
 * holds one message: the whole frame as it left (for SOCK_DGRAM with the
 * link header the kernel built), MSG_ERRQUEUE in msg_flags,
 * SCM_TIMESTAMPING with ts[0] between the clock reads around the send and
 * the other two zero, and PACKET_TX_TIMESTAMP's sock_extended_err
 * {ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, ee_info SCM_TSTAMP_SND, ee_data 0
 * (no OPT_ID)}; then the queue is empty. The same for a TX ring's frame.
 */
TEST_F(ts_tx, sw_stamp_on_error_queue)
{
	struct scm_timestamping tss;
	struct sock_extended_err ee;
	int64_t before, after;
	struct tx_frame f;
	struct rx_msg m;
	ssize_t n;

	TX_FRAME(&f, .seq = 1, .payload_len = 100);
	tx_end_send(_metadata, &self->e, variant->type, &f, 0, &before, &after, NULL);

	ASSERT_EQ(1, psock_wait(self->e.fd, POLLERR, PSOCK_WAIT_MS)) TH_LOG("%s", strerror(errno));
	m.iov.iov_base = m.buf;
	m.iov.iov_len = sizeof(m.buf);
	memset(&m.msg, 0, sizeof(m.msg));
	m.msg.msg_iov = &m.iov;
	m.msg.msg_iovlen = 1;
	m.msg.msg_control = m.ctl.b;
	m.msg.msg_controllen = sizeof(m.ctl.b);
	n = recvmsg(self->e.fd, &m.msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	ASSERT_EQ((ssize_t)f.len, n) TH_LOG("MSG_ERRQUEUE: %s", n < 0 ? strerror(errno) : "");
	EXPECT_EQ(0, memcmp(m.buf, f.wire, f.len));
	EXPECT_EQ(MSG_ERRQUEUE, m.msg.msg_flags);
	EXPECT_EQ(CMSG_SPACE(sizeof(tss)) + CMSG_SPACE(sizeof(ee)), m.msg.msg_controllen);
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss)));
	EXPECT_LE(before, ts_ns(&tss.ts[0]));
	EXPECT_GE(after, ts_ns(&tss.ts[0]));
	EXPECT_EQ(0, ts_ns(&tss.ts[1]));
	EXPECT_EQ(0, ts_ns(&tss.ts[2]));
	ASSERT_EQ(1, cmsg_get(&m.msg, SOL_PACKET, PACKET_TX_TIMESTAMP, &ee, sizeof(ee)));
	EXPECT_EQ(ENOMSG, ee.ee_errno);
	EXPECT_EQ(SO_EE_ORIGIN_TIMESTAMPING, ee.ee_origin);
	EXPECT_EQ(0, ee.ee_type);
	EXPECT_EQ(0, ee.ee_code);
	EXPECT_EQ(SCM_TSTAMP_SND, ee.ee_info);
	EXPECT_EQ(0, ee.ee_data);
	EXPECT_ERRNO(EAGAIN, recvmsg(self->e.fd, &m.msg, MSG_ERRQUEUE | MSG_DONTWAIT));
}

FIXTURE(ts_tx_ring) {
	struct netns_topo topo;
	struct tx_end e;
};

FIXTURE_VARIANT(ts_tx_ring) {
	int version;
};

/* V1 stores microseconds, V2 and V3 nanoseconds (each its own case of __packet_set_timestamp()). */
FIXTURE_VARIANT_ADD(ts_tx_ring, v1) { .version = TPACKET_V1 };
FIXTURE_VARIANT_ADD(ts_tx_ring, v2) { .version = TPACKET_V2 };
FIXTURE_VARIANT_ADD(ts_tx_ring, v3) { .version = TPACKET_V3 };

FIXTURE_SETUP(ts_tx_ring)
{
	struct sock_txtime txt = { .clockid = CLOCK_REALTIME };

	memset(&self->e, 0, sizeof(self->e));
	self->e.fd = self->e.sink = -1;
	PSOCK_NETNS_SETUP(return, &self->topo, NULL);
	tx_end_open(_metadata, &self->topo, &self->e, SOCK_RAW, variant->version, true);
	ASSERT_EQ(0, setsockopt(self->e.fd, SOL_SOCKET, SO_TXTIME, &txt, sizeof(txt)))
		TH_LOG("SO_TXTIME: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ts_tx_ring)
{
	tx_end_close(_metadata, &self->e);
	netns_teardown(&self->topo);
}

/* The launch time the frame asks for (SCM_TXTIME, CLOCK_REALTIME): 2026-01-01 + 0.123456789 s. */
#define TS_TXTIME 1767225600123456789ull

/*
 * The stamp in a TX ring slot handed back after a blocking send, with
 * PACKET_TIMESTAMP SOFTWARE: __packet_set_timestamp() writes the sent
 * skb's own tstamp when the kernel lets go of the slot
 * (tpacket_destruct_skb(); tpacket_ubuf_complete() where the ring pages
 * are a ubuf_info, docs/KERNEL-DIFFERENCES.md D1) and sets
 * TP_STATUS_TS_SOFTWARE. Nothing stamps the sent skb on the way out
 * (skb_tx_timestamp() stamps the error-queue clone), so what the slot gets
 * on veth without SO_TXTIME depends on when the slot is let go relative to
 * psk1's receive stamp: 6.1 (destructor when psk1's socket takes the skb)
 * and 6.18 report the arrival time, 6.12.118 (pages copied at the veth
 * forward, before psk1 stamps) no stamp. With SO_TXTIME (CLOCK_REALTIME)
 * the skb's tstamp is the SCM_TXTIME value from the start
 * (tpacket_fill_skb()), and the slot reports exactly that on every kernel:
 * TP_STATUS_AVAILABLE | TP_STATUS_TS_SOFTWARE and TS_TXTIME (V1: in
 * microseconds).
 */
TEST_F(ts_tx_ring, completed_slot_header_stamp)
{
	int64_t before, after;
	struct frame_view v;
	struct tx_frame f;
	void *slot;

	TX_FRAME(&f, .seq = 1, .payload_len = 100);
	slot = tx_end_send(_metadata, &self->e, SOCK_RAW, &f, TS_TXTIME, &before, &after, NULL);
	frame_view(&self->e.ring, slot, &v);
	EXPECT_EQ(TP_STATUS_AVAILABLE | TP_STATUS_TS_SOFTWARE, tx_status(&self->e.ring, slot));
	EXPECT_EQ(TS_TXTIME / 1000000000, v.sec);
	if (variant->version == TPACKET_V1) {
		EXPECT_EQ(TS_TXTIME % 1000000000 / 1000, v.usec);
	} else {
		EXPECT_EQ(TS_TXTIME % 1000000000, v.nsec);
	}
}

TEST_HARNESS_MAIN

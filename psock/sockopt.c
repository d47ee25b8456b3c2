// SPDX-License-Identifier: GPL-2.0
/*
 * The SOL_PACKET socket options as a table: packet_setsockopt() and
 * packet_getsockopt() in net/packet/af_packet.c.
 *
 *  - any level other than SOL_PACKET is ENOPROTOOPT (SOL_SOCKET never gets
 *    here: the socket core handles it), and so is a name neither function
 *    knows; some names go one way only (ADD/DROP_MEMBERSHIP, RX/TX_RING,
 *    FANOUT_DATA are set-only, STATISTICS, HDRLEN, ROLLOVER_STATS get-only):
 *    the other way they are ENOPROTOOPT too;
 *  - setting an int option: most want optlen exactly sizeof(int)
 *    (COPY_THRESH, RESERVE, LOSS, TIMESTAMP, IGNORE_OUTGOING, TX_HAS_OFF,
 *    QDISC_BYPASS; VERSION, in version.c), others at least sizeof(int) and
 *    read the first int of a longer buffer (AUXDATA, ORIGDEV, VNET_HDR,
 *    VNET_HDR_SZ); shorter or otherwise wrong is EINVAL;
 *  - what reads back: the flags (LOSS, AUXDATA, ORIGDEV, TX_HAS_OFF,
 *    QDISC_BYPASS) read 1 for any non-zero value, VNET_HDR reads 1 (the
 *    header is then 10 bytes, VNET_HDR_SZ 10), the others the value set;
 *  - reading: getsockopt() writes min(optlen, sizeof(int)) bytes and that
 *    length back, so optlen 2 gets the low two bytes of the value and
 *    optlen 0 nothing; a negative optlen is EINVAL;
 *  - PACKET_IGNORE_OUTGOING takes 0 or 1 only (2 and -1 EINVAL, the old
 *    value kept); with 1 the socket gets no copies of frames the host sends
 *    (dev_queue_xmit_nit(), which serves only ETH_P_ALL sockets, skips a
 *    packet_type with ignore_outgoing), while frames the host receives
 *    still arrive. On loopback one send() makes
 *    both: the outgoing copy (PACKET_OUTGOING) during the send, then the
 *    frame looped back in (PACKET_HOST);
 *  - memory the kernel cannot reach is EFAULT: an unreadable value to set
 *    (each name's copy_from_sockptr(); EINVAL for the rings), an unreadable or unwritable optlen
 *    and an unwritable value to get (get_user(), put_user(),
 *    copy_to_user()), and PACKET_HDRLEN's unreadable argument.
 *
 * Kernel differences (the table says which release each expectation needs):
 * getsockopt(PACKET_COPY_THRESH) came with 6.9 ("net/packet: Add
 * getsockopt support for PACKET_COPY_THRESH"), PACKET_VNET_HDR_SZ with 6.4
 * ("net/packet: support mergeable feature of virtio"). A kernel without
 * the option answers ENOPROTOOPT and its cases SKIP on that probe; below
 * 6.9 COPY_THRESH's set rules are checked with getsockopt() answering
 * ENOPROTOOPT, and its get_optlen case SKIPs.
 *
 * Test cases:
 *   opt.<name>.set_optlen_and_read_back
 *   opt.<name>.get_optlen
 *   opt_names.wrong_level_enoprotoopt
 *   opt_names.unknown_names_enoprotoopt
 *   opt_names.one_way_names_enoprotoopt
 *   opt_names.get_unreachable_memory_efault
 *   opt_fault.<set>.set_unreadable_optval_efault
 *   ignore_outgoing.values_0_and_1_only
 *   ignore_outgoing.outgoing_copies_stop_incoming_arrive
 * with <name> = copy_thresh, reserve, loss, auxdata, origdev, vnet_hdr,
 * vnet_hdr_sz, timestamp, ignore_outgoing, tx_has_off, qdisc_bypass, and
 * <set> each name setsockopt() takes but FANOUT_DATA (fanout_bpf.c):
 * add_membership, drop_membership, rx_ring, tx_ring, the int options,
 * version, fanout (optlen 4) and fanout_args (8).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "rx_expect.h"
#include "link.h"
#include "stats.h"

/* uapi since 6.4; Debian 12's headers (6.1) lack it. */
#ifndef PACKET_VNET_HDR_SZ
#define PACKET_VNET_HDR_SZ 24
#endif

/* ---- one variant per int option ---------------------------------------- */

FIXTURE(opt) {
	int fd;
};

FIXTURE_VARIANT(opt) {
	int name;
	bool exact;		/* optlen must be sizeof(int); false: at least */
	int set;		/* a value to set */
	int reads;		/* what getsockopt() then reads */
	int since_major, since_minor;	/* getsockopt() exists from (0: always) */
	const char *since_change;
	bool probe_set;		/* the option itself may be unknown (ENOPROTOOPT): SKIP */
	const char *probe_what;
};

FIXTURE_VARIANT_ADD(opt, copy_thresh) {
	.name = PACKET_COPY_THRESH, .exact = true, .set = 7, .reads = 7,
	.since_major = 6, .since_minor = 9,
	.since_change = "net/packet: Add getsockopt support for PACKET_COPY_THRESH",
};
FIXTURE_VARIANT_ADD(opt, reserve) {
	.name = PACKET_RESERVE, .exact = true, .set = 0x1234, .reads = 0x1234,
};
FIXTURE_VARIANT_ADD(opt, loss) { .name = PACKET_LOSS, .exact = true, .set = 5, .reads = 1 };
FIXTURE_VARIANT_ADD(opt, auxdata) { .name = PACKET_AUXDATA, .set = 5, .reads = 1 };
FIXTURE_VARIANT_ADD(opt, origdev) { .name = PACKET_ORIGDEV, .set = 5, .reads = 1 };
FIXTURE_VARIANT_ADD(opt, vnet_hdr) { .name = PACKET_VNET_HDR, .set = 5, .reads = 1 };
FIXTURE_VARIANT_ADD(opt, vnet_hdr_sz) {
	.name = PACKET_VNET_HDR_SZ, .set = 12, .reads = 12, .probe_set = true,
	.probe_what = "PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4, "
		      "\"net/packet: support mergeable feature of virtio\")",
};
FIXTURE_VARIANT_ADD(opt, timestamp) {
	.name = PACKET_TIMESTAMP, .exact = true, .set = 0x30004, .reads = 0x30004,
};
FIXTURE_VARIANT_ADD(opt, ignore_outgoing) {
	.name = PACKET_IGNORE_OUTGOING, .exact = true, .set = 1, .reads = 1,
};
FIXTURE_VARIANT_ADD(opt, tx_has_off) {
	.name = PACKET_TX_HAS_OFF, .exact = true, .set = 5, .reads = 1,
};
FIXTURE_VARIANT_ADD(opt, qdisc_bypass) {
	.name = PACKET_QDISC_BYPASS, .exact = true, .set = 5, .reads = 1,
};

FIXTURE_SETUP(opt)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;
	int zero = 0;

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	/* The probe: setting the default value, 0, to an option this kernel lacks. */
	if (variant->probe_set &&
	    setsockopt(self->fd, SOL_PACKET, variant->name, &zero, sizeof(zero)) &&
	    errno == ENOPROTOOPT)
		SKIP(return, "%s, running %s", variant->probe_what, psock_kernel_release());
}

FIXTURE_TEARDOWN(opt)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int get_int(int fd, int name, int *val)
{
	socklen_t len = sizeof(*val);

	*val = -1;
	return getsockopt(fd, SOL_PACKET, name, val, &len);
}

/*
 * A getsockopt() the release has: SKIP below it (before any EXPECT),
 * saying what this kernel answered.
 */
#define GET_SINCE_OR_SKIP() do {						\
	int v_;									\
										\
	if (variant->since_major) {						\
		bool known_ = !get_int(self->fd, variant->name, &v_);		\
										\
		PSOCK_SKIP_BEFORE(return, variant->since_major,			\
				  variant->since_minor, variant->since_change,	\
				  known_ ? "; this kernel answers it: backported" :	\
				  "; this kernel answers ENOPROTOOPT");		\
	}									\
} while (0)

/*
 * The value getsockopt() reads, checked against want. Before the release
 * that brought the variant's getsockopt(), the older rule holds instead:
 * ENOPROTOOPT.
 */
static void expect_reads(struct __test_metadata *_metadata, const FIXTURE_VARIANT(opt) *variant,
			 int fd, int want, const char *what)
{
	int val;

	if (variant->since_major && !PSOCK_KERNEL_SINCE(variant->since_major,
							variant->since_minor)) {
		EXPECT_ERRNO(ENOPROTOOPT, get_int(fd, variant->name, &val));
		return;
	}
	ASSERT_EQ(0, get_int(fd, variant->name, &val)) TH_LOG("%s: %s", what, strerror(errno));
	EXPECT_EQ(want, val) TH_LOG("%s", what);
}

/*
 * optlen 3 is EINVAL for every int option; optlen 8 and 5 are EINVAL for
 * the exact ones, the others take the first int of 8; the value set at
 * optlen 4 reads back as the table says. Before 6.9 getsockopt() of
 * COPY_THRESH is ENOPROTOOPT instead ("net/packet: Add getsockopt support
 * for PACKET_COPY_THRESH").
 */
TEST_F(opt, set_optlen_and_read_back)
{
	int buf[2] = { variant->set, 0 };

	EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, variant->name, buf, 3));
	expect_reads(_metadata, variant, self->fd, 0, "default, after the refused optlen 3");
	if (variant->exact) {
		EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, variant->name, buf, 8));
		EXPECT_ERRNO(EINVAL, setsockopt(self->fd, SOL_PACKET, variant->name, buf, 5));
		expect_reads(_metadata, variant, self->fd, 0, "after the refused optlen 8 and 5");
	} else {
		EXPECT_EQ(0, setsockopt(self->fd, SOL_PACKET, variant->name, buf, 8))
			TH_LOG("optlen 8: %s", strerror(errno));
		expect_reads(_metadata, variant, self->fd, variant->reads, "set at optlen 8");
		buf[0] = 0;
		ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, variant->name, buf, 4));
		buf[0] = variant->set;
	}
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, variant->name, buf, 4))
		TH_LOG("optlen 4: %s", strerror(errno));
	expect_reads(_metadata, variant, self->fd, variant->reads, "set at optlen 4");
}

/* optlen 8 -> 4 and the value; 2 -> the low two bytes; 0 -> nothing; -1 EINVAL. */
TEST_F(opt, get_optlen)
{
	const int set = variant->set, want = variant->reads;
	uint8_t buf[8];
	socklen_t len;
	int v;

	GET_SINCE_OR_SKIP();
	ASSERT_EQ(0, setsockopt(self->fd, SOL_PACKET, variant->name, &set, sizeof(set)))
		TH_LOG("set: %s", strerror(errno));

	memset(buf, 0xaa, sizeof(buf));
	len = 8;
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, variant->name, buf, &len));
	EXPECT_EQ(4, len);
	memcpy(&v, buf, 4);
	EXPECT_EQ(want, v);
	EXPECT_EQ(0xaa, buf[4]);

	memset(buf, 0xaa, sizeof(buf));
	len = 2;
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, variant->name, buf, &len));
	EXPECT_EQ(2, len);
	EXPECT_EQ(want & 0xff, buf[0]);
	EXPECT_EQ((want >> 8) & 0xff, buf[1]);
	EXPECT_EQ(0xaa, buf[2]);

	memset(buf, 0xaa, sizeof(buf));
	len = 0;
	ASSERT_EQ(0, getsockopt(self->fd, SOL_PACKET, variant->name, buf, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(0xaa, buf[0]);

	len = (socklen_t)-1;
	EXPECT_ERRNO(EINVAL, getsockopt(self->fd, SOL_PACKET, variant->name, buf, &len));
}

/* ---- names and levels --------------------------------------------------- */

/* EXPECT_ERRNO() with a log line naming what was tried. */
#define EXPECT_ERRNO_AT(err, call, ...) do {					\
	int rc_, err_;								\
										\
	errno = 0;								\
	rc_ = (call);								\
	err_ = errno;								\
	EXPECT_EQ(-1, rc_) TH_LOG(__VA_ARGS__);					\
	EXPECT_EQ((err), err_) TH_LOG(__VA_ARGS__);				\
} while (0)

FIXTURE(opt_names) {
	int fd;
};

FIXTURE_SETUP(opt_names)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	self->fd = -1;
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(opt_names)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Every SOL_PACKET name 1..24 of 6.12. */
#define LAST_NAME PACKET_VNET_HDR_SZ

/* SOL_IP and IPPROTO_TCP are levels a packet socket does not have. */
TEST_F(opt_names, wrong_level_enoprotoopt)
{
	static const int levels[] = { SOL_IP, IPPROTO_TCP };
	int buf[16] = { 0 };

	for (int l = 0; l < 2; l++) {
		for (int name = 1; name <= LAST_NAME; name++) {
			socklen_t len = sizeof(int);

			EXPECT_ERRNO_AT(ENOPROTOOPT, setsockopt(self->fd, levels[l], name, buf,
							     sizeof(buf)),
				"set level %d name %d", levels[l], name);
			EXPECT_ERRNO_AT(ENOPROTOOPT, getsockopt(self->fd, levels[l], name, buf,
							     &len),
				"get level %d name %d", levels[l], name);
		}
	}
}

/*
 * Names neither function knows: 0, 3 (PACKET_RECV_OUTPUT, never
 * implemented), 4 (unused), 16 (PACKET_TX_TIMESTAMP, a cmsg type only),
 * 25 (after the last of 6.12) and 1000.
 */
TEST_F(opt_names, unknown_names_enoprotoopt)
{
	static const int names[] = { 0, 3, 4, PACKET_TX_TIMESTAMP, LAST_NAME + 1, 1000 };
	int buf[16] = { 0 };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		socklen_t len = sizeof(int);

		EXPECT_ERRNO_AT(ENOPROTOOPT, setsockopt(self->fd, SOL_PACKET, names[i], buf,
						     sizeof(buf)),
			"set name %d", names[i]);
		EXPECT_ERRNO_AT(ENOPROTOOPT, getsockopt(self->fd, SOL_PACKET, names[i], buf, &len),
			"get name %d", names[i]);
	}
}

/*
 * The set-only names (ADD/DROP_MEMBERSHIP, RX/TX_RING, FANOUT_DATA) are
 * ENOPROTOOPT to getsockopt(), the get-only ones (STATISTICS, HDRLEN,
 * ROLLOVER_STATS) to setsockopt().
 */
TEST_F(opt_names, one_way_names_enoprotoopt)
{
	static const int set_only[] = {
		PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_RX_RING,
		PACKET_TX_RING, PACKET_FANOUT_DATA,
	};
	static const int get_only[] = {
		PACKET_STATISTICS, PACKET_HDRLEN, PACKET_ROLLOVER_STATS,
	};
	int buf[16] = { 0 };

	for (unsigned int i = 0; i < sizeof(set_only) / sizeof(set_only[0]); i++) {
		socklen_t len = sizeof(buf);

		EXPECT_ERRNO_AT(ENOPROTOOPT, getsockopt(self->fd, SOL_PACKET, set_only[i], buf,
						     &len),
			"get name %d", set_only[i]);
	}
	for (unsigned int i = 0; i < sizeof(get_only) / sizeof(get_only[0]); i++) {
		EXPECT_ERRNO_AT(ENOPROTOOPT, setsockopt(self->fd, SOL_PACKET, get_only[i], buf,
						     sizeof(buf)),
			"set name %d", get_only[i]);
	}
}

/* ---- memory the kernel cannot reach ------------------------------------- */

/*
 * packet_setsockopt() copies each option's value in with
 * copy_from_sockptr() once optlen passed its check; a value in memory the
 * process cannot read fails with EFAULT, for every name it can set. One
 * variant per settable name, with an optlen that passes the name's check.
 * The rings are the exception: their copy's failure is folded into EINVAL
 * (the tpacket_req copy in packet_setsockopt() answers -EINVAL : 0).
 */
FIXTURE(opt_fault) {
	int fd;
	void *none;		/* a PROT_NONE page */
};

FIXTURE_VARIANT(opt_fault) {
	int name;
	socklen_t optlen;
	int err;		/* 0: EFAULT */
	bool probe_set;		/* the option itself may be unknown (ENOPROTOOPT): SKIP */
};

FIXTURE_VARIANT_ADD(opt_fault, add_membership) { .name = PACKET_ADD_MEMBERSHIP, .optlen = 16 };
FIXTURE_VARIANT_ADD(opt_fault, drop_membership) { .name = PACKET_DROP_MEMBERSHIP, .optlen = 16 };
FIXTURE_VARIANT_ADD(opt_fault, rx_ring) { .name = PACKET_RX_RING, .optlen = 16, .err = EINVAL };
FIXTURE_VARIANT_ADD(opt_fault, tx_ring) { .name = PACKET_TX_RING, .optlen = 16, .err = EINVAL };
FIXTURE_VARIANT_ADD(opt_fault, copy_thresh) { .name = PACKET_COPY_THRESH, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, version) { .name = PACKET_VERSION, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, reserve) { .name = PACKET_RESERVE, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, loss) { .name = PACKET_LOSS, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, auxdata) { .name = PACKET_AUXDATA, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, origdev) { .name = PACKET_ORIGDEV, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, vnet_hdr) { .name = PACKET_VNET_HDR, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, vnet_hdr_sz) {
	.name = PACKET_VNET_HDR_SZ, .optlen = 4, .probe_set = true,
};
FIXTURE_VARIANT_ADD(opt_fault, timestamp) { .name = PACKET_TIMESTAMP, .optlen = 4 };
/* optlen 4 (the group id alone) and 8 (struct fanout_args) are both copied */
FIXTURE_VARIANT_ADD(opt_fault, fanout) { .name = PACKET_FANOUT, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, fanout_args) { .name = PACKET_FANOUT, .optlen = 8 };
FIXTURE_VARIANT_ADD(opt_fault, ignore_outgoing) { .name = PACKET_IGNORE_OUTGOING, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, tx_has_off) { .name = PACKET_TX_HAS_OFF, .optlen = 4 };
FIXTURE_VARIANT_ADD(opt_fault, qdisc_bypass) { .name = PACKET_QDISC_BYPASS, .optlen = 4 };

FIXTURE_SETUP(opt_fault)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;
	int zero = 0;

	self->fd = -1;
	self->none = MAP_FAILED;
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	self->fd = psock_socket(SOCK_RAW, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
	self->none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->none) TH_LOG("mmap: %s", strerror(errno));
	/* The probe: setting the default value, 0, to an option this kernel lacks. */
	if (variant->probe_set &&
	    setsockopt(self->fd, SOL_PACKET, variant->name, &zero, sizeof(zero)) &&
	    errno == ENOPROTOOPT)
		SKIP(return, "option %d: not supported (PACKET_VNET_HDR_SZ: added in Linux 6.4, "
		     "\"net/packet: support mergeable feature of virtio\"), running %s",
		     variant->name, psock_kernel_release());
}

FIXTURE_TEARDOWN(opt_fault)
{
	if (self->none != MAP_FAILED)
		EXPECT_EQ(0, munmap(self->none, 4096));
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
}

/* The rings' EINVAL is also what a short tpacket_req gets: the fault shows only as a refusal. */
TEST_F(opt_fault, set_unreadable_optval_efault)
{
	EXPECT_ERRNO(variant->err ? variant->err : EFAULT,
		     setsockopt(self->fd, SOL_PACKET, variant->name, self->none, variant->optlen));
}

/*
 * packet_getsockopt() reads optlen with get_user() first and writes it back
 * with put_user() before it copies the value out with copy_to_user(); each
 * fails with EFAULT on memory the process cannot reach, and an optlen that
 * cannot be written leaves the value unwritten too. PACKET_HDRLEN reads its
 * argument from optval (copy_from_user()) before answering: an unreadable
 * optval is EFAULT there.
 */
TEST_F(opt_names, get_unreachable_memory_efault)
{
	void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	socklen_t *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	socklen_t len = sizeof(int);
	int val = -1;

	ASSERT_NE(MAP_FAILED, none) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_NE(MAP_FAILED, ro) TH_LOG("mmap: %s", strerror(errno));
	*ro = sizeof(int);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ)) TH_LOG("mprotect: %s", strerror(errno));

	EXPECT_ERRNO(EFAULT, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &val, none));
	EXPECT_EQ(-1, val);
	EXPECT_ERRNO(EFAULT, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, &val, ro));
	EXPECT_EQ(-1, val) TH_LOG("the value was written with optlen unwritable");
	EXPECT_ERRNO(EFAULT, getsockopt(self->fd, SOL_PACKET, PACKET_VERSION, none, &len));
	len = sizeof(int);
	EXPECT_ERRNO(EFAULT, getsockopt(self->fd, SOL_PACKET, PACKET_HDRLEN, none, &len));
	EXPECT_EQ(0, munmap(none, 4096));
	EXPECT_EQ(0, munmap(ro, 4096));
}

/* ---- PACKET_IGNORE_OUTGOING -------------------------------------------- */

FIXTURE(ignore_outgoing) {
	int rx;			/* on lo, ETH_P_ALL: only taps get outgoing copies */
	int tx;			/* sends on lo */
};

FIXTURE_SETUP(ignore_outgoing)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	self->rx = self->tx = -1;
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	ASSERT_EQ(0, link_lo_up()) TH_LOG("lo up: %s", strerror(errno));
	/* lo queues what it loops back on this CPU's backlog: keep one CPU. */
	ASSERT_EQ(0, psock_pin_cpu()) TH_LOG("pin: %s", strerror(errno));
	self->rx = psock_rx_socket(SOCK_RAW, 0, LINK_LO_IFINDEX, ETH_P_ALL);
	ASSERT_LE(0, self->rx) TH_LOG("rx socket: %s", strerror(errno));
	self->tx = psock_rx_socket(SOCK_RAW, 0, LINK_LO_IFINDEX, 0);
	ASSERT_LE(0, self->tx) TH_LOG("tx socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ignore_outgoing)
{
	int fds[2] = { self->rx, self->tx };

	ASSERT_EQ(0, psock_close_in_threads(fds, 2)) TH_LOG("close: %s", strerror(errno));
}

/*
 * PACKET_IGNORE_OUTGOING takes 0 and 1 only: 2 and -1 are EINVAL and keep
 * the value set before (1), and 0 reads back 0.
 */
TEST_F(ignore_outgoing, values_0_and_1_only)
{
	int v, one = 1, zero = 0, two = 2, minus = -1;

	ASSERT_EQ(0, setsockopt(self->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, 4));
	EXPECT_ERRNO(EINVAL, setsockopt(self->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &two, 4));
	EXPECT_ERRNO(EINVAL, setsockopt(self->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &minus, 4));
	ASSERT_EQ(0, get_int(self->rx, PACKET_IGNORE_OUTGOING, &v));
	EXPECT_EQ(1, v) TH_LOG("the refused values leave 1");
	ASSERT_EQ(0, setsockopt(self->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &zero, 4));
	ASSERT_EQ(0, get_int(self->rx, PACKET_IGNORE_OUTGOING, &v));
	EXPECT_EQ(0, v);
}

/* Send one tagged frame to lo's own (all-zero) MAC from the tx socket. */
static void send_on_lo(struct __test_metadata *_metadata, int tx, uint32_t seq)
{
	static const uint8_t zero_mac[6];
	const struct frame_spec spec = {
		.dst = zero_mac, .src = zero_mac, .payload_len = 64, .seq = seq,
	};
	uint8_t wire[256];
	size_t len = frame_build(wire, sizeof(wire), &spec);

	ASSERT_EQ((ssize_t)len, send(tx, wire, len, 0)) TH_LOG("send: %s", strerror(errno));
}

/* The seq and sll_pkttype of the next tagged frame on fd (bounded wait). */
static void next_frame(struct __test_metadata *_metadata, int fd, uint32_t *seq,
		       unsigned char *pkttype)
{
	ASSERT_EQ(0, rx_next_tagged(fd, PSOCK_WAIT_MS, seq, pkttype))
		TH_LOG("a frame within %d ms: %s", PSOCK_WAIT_MS, strerror(errno));
}

/*
 * Without the option one send() on lo gives two copies, PACKET_OUTGOING
 * then PACKET_HOST; with it only PACKET_HOST, and the next frame is the
 * next send()'s.
 */
TEST_F(ignore_outgoing, outgoing_copies_stop_incoming_arrive)
{
	unsigned char pkttype;
	uint32_t seq;
	int one = 1;

	send_on_lo(_metadata, self->tx, 1);
	next_frame(_metadata, self->rx, &seq, &pkttype);
	EXPECT_EQ(1, seq);
	EXPECT_EQ(PACKET_OUTGOING, pkttype);
	next_frame(_metadata, self->rx, &seq, &pkttype);
	EXPECT_EQ(1, seq);
	EXPECT_EQ(PACKET_HOST, pkttype);

	ASSERT_EQ(0, setsockopt(self->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, 4));
	send_on_lo(_metadata, self->tx, 2);
	send_on_lo(_metadata, self->tx, 3);
	next_frame(_metadata, self->rx, &seq, &pkttype);
	EXPECT_EQ(2, seq);
	EXPECT_EQ(PACKET_HOST, pkttype);
	next_frame(_metadata, self->rx, &seq, &pkttype);
	EXPECT_EQ(3, seq);
	EXPECT_EQ(PACKET_HOST, pkttype);
}

TEST_HARNESS_MAIN

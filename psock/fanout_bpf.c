// SPDX-License-Identifier: GPL-2.0
/*
 * PACKET_FANOUT_CBPF and PACKET_FANOUT_EBPF: a BPF program chooses the
 * member. A classic program (struct sock_fprog) or the fd of a loaded eBPF
 * BPF_PROG_TYPE_SOCKET_FILTER program is set with
 * setsockopt(PACKET_FANOUT_DATA) on any member.
 *
 * In net/packet/af_packet.c:
 *  - fanout_demux_bpf(): the program's return value % M; with no program
 *          attached, member 0. The program sees the frame from the network
 *          header (skb->data after eth_type_trans()), so an absolute load
 *          of byte 9 reads the 10th byte after the Ethernet header;
 *  - fanout_set_data() -> fanout_set_data_cbpf(): the data must be a
 *          struct sock_fprog, and the program pass bpf_check_classic()
 *          (bpf_prog_create_from_user()), else EINVAL;
 *  - fanout_set_data_ebpf(): the data must be a 4-byte fd of a
 *          BPF_PROG_TYPE_SOCKET_FILTER program (bpf_prog_get_type()):
 *          EINVAL for another length, another kind of fd or another
 *          program type, EBADF for a closed fd;
 *  - both: EPERM on a member whose filter is locked (SO_LOCK_FILTER,
 *          SOCK_FILTER_LOCKED), before the data is read; EFAULT for data
 *          the kernel cannot read (copy_bpf_fprog_from_user(),
 *          copy_from_sockptr()).
 * The programs are loaded with bpf(2) BPF_PROG_LOAD (harness/bpf.c).
 *
 * Test cases (<m> = m2, m3, m4):
 *   bpf.<m>.cbpf_return_value_selects_member
 *   bpf.<m>.ebpf_return_value_selects_member
 *   bpf.<m>.no_program_member0
 *   bpf_data.bad_program_data_refused
 *   bpf_data.ebpf_group_refuses_other_program_type
 *   bpf_data.locked_filter_refuses_program_eperm
 *   bpf_data.unreadable_data_efault
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/filter.h>

#include "kselftest_harness.h"
#include "psock.h"
#include "bpf.h"
#include "fanout.h"

#define GID 0x6a6a

FIXTURE(bpf) {
	struct fanout_fixture f;
	int prog_fd;
};

FIXTURE_VARIANT(bpf) {
	unsigned int members;
};

FIXTURE_VARIANT_ADD(bpf, m2) { 2 };
FIXTURE_VARIANT_ADD(bpf, m3) { 3 };
FIXTURE_VARIANT_ADD(bpf, m4) { 4 };

FIXTURE_SETUP(bpf)
{
	self->prog_fd = -1;
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(bpf)
{
	fanout_teardown(&self->f.g, &self->f.topo, &self->prog_fd, 1);
}

/*
 * The selector: byte 9 from the network header, which for an ETH_P_PSOCK
 * frame is the low byte of the tag's seq (frame_build() stores seq in host
 * order after "PSOCK" and the 4-byte cookie; little-endian here).
 */
#define SEL_OFF 9

/* r6 = skb; r0 = skb byte SEL_OFF (LD_ABS); exit */
static const struct bpf_insn ebpf_sel[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 6, .src_reg = 1 },
	{ .code = BPF_LD | BPF_ABS | BPF_B, .imm = SEL_OFF },
	{ .code = BPF_JMP | BPF_EXIT },
};

/*
 * ebpf_sel loaded as a program of prog_type (what names it): the fd, or -1
 * when the case SKIPped because this process may not load that type
 * (EPERM) or there is no bpf(2) (ENOSYS), saying so with needs appended.
 * Any other failure fails the case with the errno and the verifier's log.
 */
static int load_selector(struct __test_metadata *_metadata, uint32_t prog_type,
			 const char *what, const char *needs)
{
	char log[4096] = "";
	int fd = ebpf_load(prog_type, ebpf_sel, 3, log, sizeof(log));
	int err = errno;

	if (fd < 0 && (err == EPERM || err == ENOSYS))
		SKIP(return -1, "cannot load %s here (bpf(2): %s)%s", what, strerror(err), needs);
	ASSERT_LE(0, fd) TH_LOG("BPF_PROG_LOAD of %s: %s\n%s", what, strerror(err), log);
	return fd;
}

/* Send n frames (seq 0 .. n-1): frame seq must reach member (seq & 0xff) % members. */
static void check_selected(struct __test_metadata *_metadata, struct fanout_fixture *f,
			   unsigned int members, unsigned int n)
{
	struct frame_spec s = { .payload_len = 32 };

	ASSERT_FIXTURE_SEND_COLLECT(f, &s, 0, n);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ((int)((i & 0xff) % members), f->member_of[i]) TH_LOG("seq %u", i);
	}
}

/* CBPF: ldb [9]; ret a -> member (seq & 0xff) % M. */
TEST_F(bpf, cbpf_return_value_selects_member)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SEL_OFF),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { .len = 2, .filter = code };

	ASSERT_FIXTURE_GROUP(&self->f, variant->members, 0, NULL, ETH_P_PSOCK, GID,
			     PACKET_FANOUT_CBPF);
	ASSERT_EQ(0, setsockopt(self->f.g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog,
				sizeof(prog))) TH_LOG("%s", strerror(errno));
	check_selected(_metadata, &self->f, variant->members, 24);
}

/* EBPF: a BPF_PROG_TYPE_SOCKET_FILTER program, same selector. */
TEST_F(bpf, ebpf_return_value_selects_member)
{
	self->prog_fd = load_selector(_metadata, BPF_PROG_TYPE_SOCKET_FILTER,
				      "a BPF socket filter", ": PACKET_FANOUT_EBPF (4.3+) needs it");
	if (self->prog_fd < 0)
		return;
	ASSERT_FIXTURE_GROUP(&self->f, variant->members, 0, NULL, ETH_P_PSOCK, GID,
			     PACKET_FANOUT_EBPF);
	/* any member may set the group's program */
	ASSERT_EQ(0, setsockopt(self->f.g.m[variant->members - 1].fd, SOL_PACKET,
				PACKET_FANOUT_DATA, &self->prog_fd, sizeof(self->prog_fd)))
		TH_LOG("%s", strerror(errno));
	check_selected(_metadata, &self->f, variant->members, 24);
}

/* fanout_demux_bpf(): no program yet -> index 0, for CBPF and EBPF groups. */
TEST_F(bpf, no_program_member0)
{
	struct frame_spec s = { .payload_len = 32 };
	const unsigned int n = 8;

	ASSERT_FIXTURE_GROUP(&self->f, variant->members, 0, NULL, ETH_P_PSOCK, GID,
			     PACKET_FANOUT_CBPF);
	ASSERT_SEND_COLLECT(&self->f.topo, &self->f.g, &s, 0, n, NULL, 0, self->f.count);
	EXPECT_EQ(n, self->f.count[0]);
	fanout_group_close(&self->f.g);
	memset(self->f.count, 0, sizeof(self->f.count));
	ASSERT_FIXTURE_GROUP(&self->f, variant->members, 0, NULL, ETH_P_PSOCK, GID,
			     PACKET_FANOUT_EBPF);
	ASSERT_SEND_COLLECT(&self->f.topo, &self->f.g, &s, n, n, NULL, 0, self->f.count);
	EXPECT_EQ(n, self->f.count[0]);
}

FIXTURE(bpf_data) {
	struct fanout_fixture f;
	int prog_fd;
};

FIXTURE_SETUP(bpf_data)
{
	self->prog_fd = -1;
	FANOUT_FIXTURE_SETUP(return, &self->f, NULL);
}

FIXTURE_TEARDOWN(bpf_data)
{
	fanout_teardown(&self->f.g, &self->f.topo, &self->prog_fd, 1);
}

/*
 * fanout_set_data_cbpf()/_ebpf(): what the kernel refuses (one group size
 * is enough: nothing here depends on it).
 *  CBPF group: data that is not a struct sock_fprog (4 bytes) -> EINVAL;
 *    a classic program the checker rejects (jump past the end) -> EINVAL.
 *  EBPF group: data that is not a 4-byte fd -> EINVAL; an fd that is not a
 *    BPF program -> EINVAL; a closed fd -> EBADF.
 */
TEST_F(bpf_data, bad_program_data_refused)
{
	struct sock_filter bad[] = {
		BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog bad_prog = { .len = 2, .filter = bad };
	struct fanout_group e;
	int fd4 = 0, closed;

	ASSERT_FIXTURE_GROUP(&self->f, 2, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_CBPF);
	EXPECT_ERRNO(EINVAL, setsockopt(self->f.g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &fd4,
					sizeof(fd4)));
	EXPECT_ERRNO(EINVAL, setsockopt(self->f.g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA,
					&bad_prog, sizeof(bad_prog)));

	ASSERT_EQ(0, fanout_group_open(&e, 1, 0, NULL, self->f.topo.ifindex0, ETH_P_PSOCK,
				       GID + 1, PACKET_FANOUT_EBPF));
	EXPECT_ERRNO(EINVAL, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &bad_prog,
					sizeof(bad_prog)));
	EXPECT_ERRNO(EINVAL, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &e.m[0].fd,
					sizeof(e.m[0].fd)));
	closed = dup(e.m[0].fd);
	ASSERT_LE(0, closed) TH_LOG("dup: %s", strerror(errno));
	ASSERT_EQ(0, close(closed));
	EXPECT_ERRNO(EBADF, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &closed,
				       sizeof(closed)));
	fanout_group_close(&e);
}

/*
 * An EBPF group runs BPF_PROG_TYPE_SOCKET_FILTER programs only
 * (fanout_set_data_ebpf(): bpf_prog_get_type()): a loaded program of another
 * type (SCHED_CLS, the same instructions) -> EINVAL. Loading a SCHED_CLS
 * program needs CAP_BPF and CAP_NET_ADMIN (bpf_prog_load()): without them
 * (EPERM), or without bpf(2) (ENOSYS), the case SKIPs.
 */
TEST_F(bpf_data, ebpf_group_refuses_other_program_type)
{
	self->prog_fd = load_selector(_metadata, BPF_PROG_TYPE_SCHED_CLS, "a SCHED_CLS program", "");
	if (self->prog_fd < 0)
		return;
	ASSERT_FIXTURE_GROUP(&self->f, 1, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_EBPF);
	EXPECT_ERRNO(EINVAL, setsockopt(self->f.g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA,
					&self->prog_fd, sizeof(self->prog_fd)));
}

/*
 * A member whose filter is locked (SO_LOCK_FILTER) may not set the group's
 * program: EPERM from fanout_set_data_cbpf()/_ebpf() before the data is
 * looked at, so a valid classic program is refused as well as a 4-byte
 * value that is no fd; the CBPF group keeps choosing member 0 (no program,
 * fanout_demux_bpf()).
 */
TEST_F(bpf_data, locked_filter_refuses_program_eperm)
{
	struct sock_filter one[] = { BPF_STMT(BPF_RET | BPF_K, 1) };
	struct sock_fprog prog = { .len = 1, .filter = one };
	struct frame_spec s = { .payload_len = 32 };
	struct fanout_group e;
	int on = 1, junk = -1;

	ASSERT_FIXTURE_GROUP(&self->f, 2, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_CBPF);
	ASSERT_EQ(0, setsockopt(self->f.g.m[0].fd, SOL_SOCKET, SO_LOCK_FILTER, &on, sizeof(on)))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
	EXPECT_ERRNO(EPERM, setsockopt(self->f.g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog,
				       sizeof(prog)));
	ASSERT_SEND_COLLECT(&self->f.topo, &self->f.g, &s, 0, 8, NULL, 0, self->f.count);
	EXPECT_EQ(8, self->f.count[0]);
	EXPECT_EQ(0, self->f.count[1]);

	ASSERT_EQ(0, fanout_group_open(&e, 1, 0, NULL, self->f.topo.ifindex0, ETH_P_PSOCK,
				       GID + 1, PACKET_FANOUT_EBPF));
	ASSERT_EQ(0, setsockopt(e.m[0].fd, SOL_SOCKET, SO_LOCK_FILTER, &on, sizeof(on)))
		TH_LOG("SO_LOCK_FILTER: %s", strerror(errno));
	EXPECT_ERRNO(EPERM, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, &junk,
				       sizeof(junk)));
	fanout_group_close(&e);
}

/*
 * Program data the kernel cannot read is EFAULT: a struct sock_fprog at an
 * unmapped address (copy_bpf_fprog_from_user() in fanout_set_data_cbpf()),
 * and a 4-byte fd at one (copy_from_sockptr() in fanout_set_data_ebpf()).
 */
TEST_F(bpf_data, unreadable_data_efault)
{
	void *unmapped = (void *)8;
	struct fanout_group e;

	ASSERT_FIXTURE_GROUP(&self->f, 2, 0, NULL, ETH_P_PSOCK, GID, PACKET_FANOUT_CBPF);
	EXPECT_ERRNO(EFAULT, setsockopt(self->f.g.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, unmapped,
					sizeof(struct sock_fprog)));
	ASSERT_EQ(0, fanout_group_open(&e, 1, 0, NULL, self->f.topo.ifindex0, ETH_P_PSOCK,
				       GID + 1, PACKET_FANOUT_EBPF));
	EXPECT_ERRNO(EFAULT, setsockopt(e.m[0].fd, SOL_PACKET, PACKET_FANOUT_DATA, unmapped,
					sizeof(int)));
	fanout_group_close(&e);
}

TEST_HARNESS_MAIN

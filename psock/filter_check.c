// SPDX-License-Identifier: GPL-2.0
/*
 * Which classic programs SO_ATTACH_FILTER accepts on a packet socket.
 *
 * sock_setsockopt() hands the struct sock_fprog to sk_attach_filter():
 *
 *  - copy_bpf_fprog_from_user(): an optlen other than sizeof(struct
 *    sock_fprog) is EINVAL, an optval it cannot read EFAULT;
 *  - __get_filter() -> bpf_check_basics_ok(): a NULL instruction pointer,
 *    an empty program or one longer than BPF_MAXINSNS (4096) is EINVAL;
 *    instructions it cannot copy are EFAULT;
 *  - bpf_check_classic(): an opcode chk_code_allowed() does not know, a
 *    division or modulo by constant 0, a shift by 32 or more, a scratch
 *    memory index past BPF_MEMWORDS, a jump (BPF_JA or conditional) past
 *    the last instruction, an unknown ancillary offset (bpf_anc_helper()),
 *    a last instruction that is not a return: EINVAL;
 *    check_load_and_stores(): a scratch word read before any path wrote
 *    it: EINVAL;
 *  - __sk_attach_prog() -> sk_filter_charge(): the converted program
 *    (bpf_convert_filter()) is charged to the socket's option memory,
 *    against net.core.optmem_max: over it, ENOMEM.
 *
 * A refused program leaves the socket as it was: without a filter,
 * SO_DETACH_FILTER says ENOENT.
 *
 * Test cases (<program> = empty, over_maxinsns, jeq_past_end, ja_past_end,
 * no_final_return, div_by_0, mod_by_0, shift_by_32, unknown_opcode,
 * unknown_ancillary, scratch_index_16, scratch_read_before_write):
 *   refused.<program>.einval
 *   refused.<program>.leaves_no_filter
 *   attach.maxinsns_accepted
 *   attach.maxinsns_enomem_over_optmem_max
 *   attach.maxinsns_enomem_leaves_no_filter
 *   attach.program_of_512_fits_tight_optmem
 *   attach.null_insns_einval
 *   attach.null_optval_efault
 *   attach.unmapped_insns_efault
 *   attach.short_optlen_einval
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "bpf.h"
#include "filter.h"

#define RET_ALL BPF_STMT(BPF_RET | BPF_K, 0xffffffff)
#define RET_A BPF_STMT(BPF_RET | BPF_A, 0)
#define LD_LEN BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)

/* BPF_MAXINSNS + 1 instructions "ret #-1": any length up to one too many. */
static const struct sock_filter ret_all[BPF_MAXINSNS + 1] = {
	[0 ... BPF_MAXINSNS] = RET_ALL,
};

/* ---- programs bpf_check_basics_ok() and bpf_check_classic() refuse ---- */

static const struct sock_filter jeq_past_end[] = {
	LD_LEN, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0), RET_ALL,
};
static const struct sock_filter ja_past_end[] = {
	BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), RET_ALL,
};
static const struct sock_filter no_final_return[] = { LD_LEN, LD_LEN };
static const struct sock_filter div_by_0[] = {
	LD_LEN, BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_A,
};
static const struct sock_filter mod_by_0[] = {
	LD_LEN, BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), RET_A,
};
static const struct sock_filter shift_by_32[] = {
	LD_LEN, BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_A,
};
static const struct sock_filter unknown_opcode[] = { { 0xffff, 0, 0, 0 }, RET_ALL };
static const struct sock_filter unknown_ancillary[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + 1000), RET_A,
};
static const struct sock_filter scratch_index_16[] = {
	LD_LEN, BPF_STMT(BPF_ST, BPF_MEMWORDS), RET_A,
};
static const struct sock_filter scratch_read_before_write[] = {
	BPF_STMT(BPF_LD | BPF_MEM, 0), RET_A,
};

/* Each program breaks one rule only; the rest of it is valid. */
FIXTURE(refused) {
	int fd;
};

FIXTURE_VARIANT(refused) {
	const struct sock_filter *insns;
	unsigned short len;
};

#define REFUSED(prog) { .insns = (prog), .len = PROG_LEN(prog) }

FIXTURE_VARIANT_ADD(refused, empty) { .insns = ret_all, .len = 0 };
FIXTURE_VARIANT_ADD(refused, over_maxinsns) { .insns = ret_all, .len = BPF_MAXINSNS + 1 };
FIXTURE_VARIANT_ADD(refused, jeq_past_end) REFUSED(jeq_past_end);
FIXTURE_VARIANT_ADD(refused, ja_past_end) REFUSED(ja_past_end);
FIXTURE_VARIANT_ADD(refused, no_final_return) REFUSED(no_final_return);
FIXTURE_VARIANT_ADD(refused, div_by_0) REFUSED(div_by_0);
FIXTURE_VARIANT_ADD(refused, mod_by_0) REFUSED(mod_by_0);
FIXTURE_VARIANT_ADD(refused, shift_by_32) REFUSED(shift_by_32);
FIXTURE_VARIANT_ADD(refused, unknown_opcode) REFUSED(unknown_opcode);
FIXTURE_VARIANT_ADD(refused, unknown_ancillary) REFUSED(unknown_ancillary);
FIXTURE_VARIANT_ADD(refused, scratch_index_16) REFUSED(scratch_index_16);
FIXTURE_VARIANT_ADD(refused, scratch_read_before_write) REFUSED(scratch_read_before_write);

FIXTURE_SETUP(refused)
{
	static const struct netns_opts quiet_ns = { .no_links = true };
	struct netns_topo topo;

	/* No traffic here, but a fresh namespace keeps the case's socket alone. */
	PSOCK_NETNS_SETUP(return, &topo, &quiet_ns);
	netns_teardown(&topo);
	self->fd = psock_socket(SOCK_RAW, ETH_P_PSOCK);
	ASSERT_LE(0, self->fd) TH_LOG("socket(AF_PACKET): %s", strerror(errno));
}

FIXTURE_TEARDOWN(refused)
{
	close(self->fd);
}

/* SO_ATTACH_FILTER refuses the variant's program, which breaks one rule: EINVAL. */
TEST_F(refused, einval)
{
	int rc, err;

	errno = 0;
	rc = bpf_attach(self->fd, variant->insns, variant->len);
	err = errno;
	EXPECT_EQ(-1, rc) TH_LOG("SO_ATTACH_FILTER accepted the program");
	EXPECT_EQ(EINVAL, err) TH_LOG("SO_ATTACH_FILTER: %s", strerror(err));
}

/*
 * A refused program leaves the socket without a filter: SO_DETACH_FILTER
 * after it is ENOENT.
 */
TEST_F(refused, leaves_no_filter)
{
	ASSERT_EQ(-1, bpf_attach(self->fd, variant->insns, variant->len))
		TH_LOG("SO_ATTACH_FILTER accepted the program");
	errno = 0;
	EXPECT_EQ(-1, bpf_detach(self->fd)) TH_LOG("SO_DETACH_FILTER found a filter");
	EXPECT_EQ(ENOENT, errno) TH_LOG("SO_DETACH_FILTER: %s", strerror(errno));
}

/* ---- program size against optmem_max; the struct sock_fprog --------- */

FIXTURE(attach) {
	struct filter_rx rx;
	long outer_optmem;	/* net.core.optmem_max outside the case's namespace */
	int outer_optmem_err;	/* 0, or the errno reading it */
};

/* Read a decimal number from a /proc file: 0, or -1 with errno (EINVAL: not a number). */
static int read_long(const char *path, long *val)
{
	FILE *f = fopen(path, "re");
	int ok, err;

	if (!f)
		return -1;
	ok = fscanf(f, "%ld", val) == 1;
	err = ferror(f) ? errno : EINVAL;
	fclose(f);
	if (ok)
		return 0;
	errno = err;
	return -1;
}

/* Write a decimal number to a /proc file: 0, or -1 with errno. */
static int write_long(const char *path, long val)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	if (fprintf(f, "%ld\n", val) < 0) {
		int err = errno;

		fclose(f);
		errno = err;
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

#define OPTMEM_MAX "/proc/sys/net/core/optmem_max"

FIXTURE_SETUP(attach)
{
	/*
	 * Before Linux 6.8 the one optmem_max is shown only in the initial
	 * namespace (maxinsns_enomem_over_optmem_max): read it while still
	 * outside the case's namespace.
	 */
	self->outer_optmem_err = read_long(OPTMEM_MAX, &self->outer_optmem) ? errno : 0;
	FILTER_RX_SETUP(return, &self->rx, SOCK_RAW, 0, ETH_P_PSOCK);
}

FIXTURE_TEARDOWN(attach)
{
	filter_rx_teardown(&self->rx);
}

/*
 * A BPF_MAXINSNS (4096) program of "ret #-1": bpf_check_basics_ok() refuses
 * only a longer one (EINVAL), and bpf_check_classic() finds nothing wrong.
 * Then __sk_filter_charge() charges the converted program to the socket's
 * option memory, against net.core.optmem_max: bpf_prog_size() of
 * 3 + 2 * 4096 eBPF instructions (bpf_convert_filter(): a 3-instruction
 * prologue, "mov r0, k; exit" for each return), 8 bytes each, so more than
 * 65560 bytes; a 512-instruction one takes 8216 bytes and the header.
 *
 * net.core.optmem_max is per namespace since Linux 6.8 ("net:
 * Namespace-ify sysctl_optmem_max"; "net: increase optmem_max default
 * value" raised the default from 20 KiB to 128 KiB in the same release),
 * so a case sets its own. Before, it is one global value (default 20 KiB),
 * shown only in the initial namespace, which no case may change.
 */
#define OPTMEM_CHANGE "\"net: Namespace-ify sysctl_optmem_max\""
#define MAXINSNS_BYTES 65560	/* the eBPF instructions alone, without the header */
#define OPTMEM_ROOMY (1L << 20)	/* far above what BPF_MAXINSNS takes */
#define OPTMEM_TIGHT 32768L	/* below BPF_MAXINSNS, above 512 instructions */
#define SMALL_FITS 16384L	/* 512 instructions (8216 bytes) and the header fit */

/*
 * 1 when the case's namespace has its own optmem_max (its value in *val),
 * 0 when it has none (global before 6.8), -1 with errno when unreadable.
 * A kernel since 6.8 without one fails the case; one before 6.8 with one
 * (a backport) is reported. The file decides, not what the attach did.
 */
static int optmem_per_netns(struct __test_metadata *_metadata, long *val)
{
	if (read_long(OPTMEM_MAX, val) == 0) {
		if (!PSOCK_KERNEL_SINCE(6, 8))
			TH_LOG("%s: net.core.optmem_max is per namespace before 6.8 "
			       "(%s backported)", psock_kernel_release(), OPTMEM_CHANGE);
		return 1;
	}
	if (errno != ENOENT)
		return -1;
	ASSERT_FALSE(PSOCK_KERNEL_SINCE(6, 8))
		TH_LOG("%s: no net.core.optmem_max in the case's namespace, per namespace "
		       "since 6.8 (%s)", psock_kernel_release(), OPTMEM_CHANGE);
	return 0;
}

/* Set the case's own optmem_max. */
static void optmem_set(struct __test_metadata *_metadata, long val)
{
	ASSERT_EQ(0, write_long(OPTMEM_MAX, val))
		TH_LOG("write %ld to %s: %s", val, OPTMEM_MAX, strerror(errno));
}

/*
 * An optmem_max below the BPF_MAXINSNS program's charge, in force for the
 * case's socket, and its value: per namespace, the case sets OPTMEM_TIGHT;
 * before 6.8, the global value read outside the case's namespace (default
 * 20 KiB), which the case can only use as it is. -1 after a SKIP where
 * there is no such limit to use.
 */
static long tight_optmem(struct __test_metadata *_metadata, struct _test_data_attach *self)
{
	long optmem;
	int own = optmem_per_netns(_metadata, &optmem);

	ASSERT_LE(0, own) TH_LOG("read %s: %s", OPTMEM_MAX, strerror(errno));
	if (own) {
		optmem_set(_metadata, OPTMEM_TIGHT);
		return OPTMEM_TIGHT;
	}
	if (self->outer_optmem_err == ENOENT)
		SKIP(return -1, "the global net.core.optmem_max (before 6.8, running %s) is "
		     "shown only in the initial namespace, and this binary runs in another",
		     psock_kernel_release());
	ASSERT_EQ(0, self->outer_optmem_err)
		TH_LOG("read %s outside the case's namespace: %s", OPTMEM_MAX,
		       strerror(self->outer_optmem_err));
	if (self->outer_optmem >= MAXINSNS_BYTES)
		SKIP(return -1, "the global net.core.optmem_max is %ld here (running %s, "
		     "before 6.8: %s), not below the %d bytes of %d instructions, and a "
		     "case may not lower it", self->outer_optmem, psock_kernel_release(),
		     OPTMEM_CHANGE, MAXINSNS_BYTES, BPF_MAXINSNS);
	return self->outer_optmem;
}

/* SO_GET_FILTER with optlen 0: the length of the attached classic program. */
static int attached_len(int fd)
{
	socklen_t len = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &len))
		return -1;
	return (int)len;
}

/*
 * With optmem_max raised to 1 MiB in the case's namespace, the BPF_MAXINSNS
 * program is attached: SO_GET_FILTER says 4096 instructions, and it runs
 * (the frame sent next is captured).
 */
TEST_F(attach, maxinsns_accepted)
{
	const struct frame_spec spec = { .payload_len = 100, .seq = 0 };
	const uint32_t want[] = { 0 };
	long optmem;
	int own;

	own = optmem_per_netns(_metadata, &optmem);
	ASSERT_LE(0, own) TH_LOG("read %s: %s", OPTMEM_MAX, strerror(errno));
	if (!own)
		SKIP(return, "needs Linux 6.8, running %s: %s; before, net.core.optmem_max is "
		     "global and cannot be raised from the case's namespace (its 20 KiB default "
		     "refuses %d instructions: maxinsns_enomem_over_optmem_max)",
		     psock_kernel_release(), OPTMEM_CHANGE, BPF_MAXINSNS);
	optmem = OPTMEM_ROOMY;
	optmem_set(_metadata, optmem);
	ASSERT_EQ(0, bpf_attach(self->rx.fd, ret_all, BPF_MAXINSNS))
		TH_LOG("%d instructions, optmem_max %ld: %s", BPF_MAXINSNS, optmem,
		       strerror(errno));
	EXPECT_EQ(4096, attached_len(self->rx.fd)) TH_LOG("SO_GET_FILTER: %s", strerror(errno));
	ASSERT_SEND_SYNCED(&self->rx, &spec, 1, PSOCK_WAIT_MS);
	ASSERT_QUEUED_SEQS(self->rx.fd, want, 1);
}

/*
 * Where optmem_max is below the BPF_MAXINSNS program's size, the program
 * passes every check and is refused only when charged: ENOMEM, not EINVAL.
 */
TEST_F(attach, maxinsns_enomem_over_optmem_max)
{
	long optmem = tight_optmem(_metadata, self);
	int rc, err;

	if (optmem < 0)
		return;
	errno = 0;
	rc = bpf_attach(self->rx.fd, ret_all, BPF_MAXINSNS);
	err = errno;
	EXPECT_EQ(-1, rc)
		TH_LOG("%d instructions accepted with optmem_max %ld", BPF_MAXINSNS, optmem);
	EXPECT_EQ(ENOMEM, err) TH_LOG("optmem_max %ld: %s", optmem, strerror(err));
}

/* The program refused with ENOMEM leaves no filter: SO_DETACH_FILTER says ENOENT. */
TEST_F(attach, maxinsns_enomem_leaves_no_filter)
{
	long optmem = tight_optmem(_metadata, self);

	if (optmem < 0)
		return;
	ASSERT_EQ(-1, bpf_attach(self->rx.fd, ret_all, BPF_MAXINSNS))
		TH_LOG("%d instructions accepted with optmem_max %ld", BPF_MAXINSNS, optmem);
	errno = 0;
	EXPECT_EQ(-1, bpf_detach(self->rx.fd)) TH_LOG("SO_DETACH_FILTER found a filter");
	EXPECT_EQ(ENOENT, errno) TH_LOG("SO_DETACH_FILTER: %s", strerror(errno));
}

/*
 * The limit that refuses BPF_MAXINSNS instructions takes a 512-instruction
 * program: the refusal is about the charge, not the program.
 */
TEST_F(attach, program_of_512_fits_tight_optmem)
{
	long optmem = tight_optmem(_metadata, self);

	if (optmem < 0)
		return;
	if (optmem < SMALL_FITS)
		SKIP(return, "the global net.core.optmem_max is %ld here (running %s), too small "
		     "for 512 instructions, and a case may not raise it", optmem,
		     psock_kernel_release());
	ASSERT_EQ(0, bpf_attach(self->rx.fd, ret_all, 512))
		TH_LOG("512 instructions, optmem_max %ld: %s", optmem, strerror(errno));
	EXPECT_EQ(512, attached_len(self->rx.fd)) TH_LOG("SO_GET_FILTER: %s", strerror(errno));
}

/* setsockopt(SO_ATTACH_FILTER) of prog with optlen; errno when it fails (0 when not). */
static int attach_fprog_errno(int fd, const struct sock_fprog *prog, socklen_t optlen)
{
	errno = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, optlen) == 0)
		return 0;
	return errno;
}

/* A struct sock_fprog whose instruction pointer is NULL: EINVAL (bpf_check_basics_ok()). */
TEST_F(attach, null_insns_einval)
{
	const struct sock_fprog prog = { .len = 1, .filter = NULL };

	EXPECT_EQ(EINVAL, attach_fprog_errno(self->rx.fd, &prog, sizeof(prog)));
}

/* A NULL optval: the struct sock_fprog cannot be copied, EFAULT. */
TEST_F(attach, null_optval_efault)
{
	EXPECT_EQ(EFAULT, attach_fprog_errno(self->rx.fd, NULL, sizeof(struct sock_fprog)));
}

/* Instructions in unmapped memory cannot be copied: EFAULT. */
TEST_F(attach, unmapped_insns_efault)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sock_fprog prog = { .len = 1 };

	ASSERT_NE(MAP_FAILED, unmapped) TH_LOG("mmap: %s", strerror(errno));
	prog.filter = unmapped;
	EXPECT_EQ(EFAULT, attach_fprog_errno(self->rx.fd, &prog, sizeof(prog)));
	munmap(unmapped, 4096);
}

/* A valid program with optlen one byte short of struct sock_fprog: EINVAL. */
TEST_F(attach, short_optlen_einval)
{
	const struct sock_fprog prog = { .len = 1, .filter = (struct sock_filter *)ret_all };

	EXPECT_EQ(EINVAL, attach_fprog_errno(self->rx.fd, &prog, sizeof(prog) - 1));
}

TEST_HARNESS_MAIN

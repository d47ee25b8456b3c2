/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The header every psock test includes, after kselftest_harness.h. It
 * brings in every topic of the harness, so a test needs no other include
 * for the basics; each helper lives in the file of its topic:
 *
 *   timing.h   timeouts, deadlines and bounded waits (PSOCK_WAIT_MS)
 *   sock.h     packet sockets: create, version, bind, close in threads,
 *              PACKET_AUXDATA
 *   ring.h     ring geometry, mmap, frame/block walking, status words,
 *              the version-neutral frame view
 *   frame.h    frame_spec builders, the payload tag, payload offsets
 *   peer.h     sending from psk1, in the peer namespace
 *   netns.h    the per-case namespaces and the veth topology
 *
 * Other topics are included by the tests that need them: stats.h
 * (PACKET_STATISTICS, the receive barrier), tx.h, bpf.h, fanout.h.
 * What stays here is general: the test EtherType, the kernel-version gates,
 * the namespace setup step of a FIXTURE_SETUP and the EXPECT_ERRNO() step.
 */
#ifndef PSOCK_HARNESS_H
#define PSOCK_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

#include "frame.h"
#include "netns.h"
#include "peer.h"
#include "ring.h"
#include "sock.h"
#include "timing.h"

/* The local experimental EtherType: test frames use it so nothing else matches. */
#define ETH_P_PSOCK 0x88B5

/* ---- kernel-version gates ------------------------------------------- */

/*
 * A feature is probed where a probe exists that does not depend on the
 * behaviour under test: ENOPROTOOPT for an unknown socket option, EINVAL for
 * an unknown type or mode. Where none exists (the kernel accepts a flag or a
 * request silently and only the behaviour differs by release), the
 * expectation is keyed on the release that brought the change, through
 * kselftest's own ksft_min_kernel_version(): at or above it the case passes
 * or fails, never skips. What the behaviour did never chooses which
 * expectation applies.
 */

/* The running kernel's release string (uname -r), for log lines. */
const char *psock_kernel_release(void);

/* True on Linux major.minor or later. */
#define PSOCK_KERNEL_SINCE(major, minor) ksft_min_kernel_version((major), (minor))

/*
 * SKIP below Linux major.minor, naming the release and the kernel change
 * (its commit subject), then run statement (return, as for kselftest's
 * SKIP()). A case that can still observe the behaviour on the older kernel
 * says what it saw in observed ("", or e.g. "; this kernel drops them:
 * backported"), so a backport is reported, not hidden. kselftest's SKIP()
 * replaces the exit code, so a check that already failed in the case (an
 * EXPECT before the gate) is kept as the verdict instead; statement runs
 * either way.
 */
#define PSOCK_SKIP_BEFORE(statement, major, minor, change, observed) do {	\
	if (!PSOCK_KERNEL_SINCE((major), (minor))) {				\
		if (_metadata->exit_code == KSFT_PASS)				\
			SKIP(/* statement follows */, "needs Linux %d.%d, running %s: %s%s", \
			     (major), (minor), psock_kernel_release(),		\
			     (change), (observed));				\
		statement;							\
	}									\
} while (0)

/*
 * FIXTURE_SETUP step: enter fresh namespaces with the topology of opts
 * (NULL: the default veth pair) into *topo. When the machine cannot (no
 * privilege, no veth), SKIP with the reason and run statement (return, as
 * for kselftest's SKIP()); any other error fails the case as an ASSERT does.
 */
#define PSOCK_NETNS_SETUP(statement, topo, opts) do {				\
	char why_[256] = "";							\
	int rc_ = netns_setup((opts), (topo), why_, sizeof(why_));		\
	if (rc_ == NETNS_SKIP)							\
		SKIP(statement, "%s", why_);					\
	ASSERT_EQ(NETNS_OK, rc_) TH_LOG("netns setup: %s", why_);		\
} while (0)

/*
 * Test step: call must fail with errno err. errno is read right after the
 * call, before anything else can change it.
 */
#define EXPECT_ERRNO(err, call) do {							\
	int rc_, err_;									\
											\
	errno = 0;									\
	rc_ = (call);									\
	err_ = errno;									\
	EXPECT_EQ(-1, rc_);								\
	EXPECT_EQ((err), err_) TH_LOG("errno %d (%s), want %s", err_, strerror(err_),	\
				      #err);						\
} while (0)

#endif

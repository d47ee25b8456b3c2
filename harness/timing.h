/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clocks, deadlines and bounded waits. Every wait of the suite is bounded
 * and scaled by PSOCK_TIMEOUT_SCALE (netns_timeout_scale()), and a wait that
 * loops (skipping foreign frames, retrying after EINTR) computes its
 * deadline once and shares it between all its iterations: a test never
 * sleeps to let things settle.
 */
#ifndef PSOCK_TIMING_H
#define PSOCK_TIMING_H

#include <stdint.h>

/*
 * How long a frame that was sent may take to show up on the receiving
 * socket or ring (before scaling): the usual timeout_ms of a test's waits.
 */
#define PSOCK_WAIT_MS 1000

/* ms scaled by PSOCK_TIMEOUT_SCALE (default 1), for slow emulated kernels. */
int psock_timeout_ms(int ms);

/* CLOCK_REALTIME in ns (what packet timestamps use), CLOCK_MONOTONIC in ms. */
int64_t psock_realtime_ns(void);
int64_t psock_monotonic_ms(void);

/*
 * The deadline of a wait of timeout_ms (scaled), on psock_monotonic_ms()'s
 * clock.
 */
int64_t psock_deadline(int timeout_ms);

/* What is left until deadline, as a poll() timeout in ms (0: it passed). */
int psock_ms_left(int64_t deadline);

/*
 * poll() fd for events until deadline (EINTR does not restart the wait).
 * 1 ready, 0 with errno ETIMEDOUT once the deadline passed, -1 with errno.
 */
int psock_wait_until(int fd, short events, int64_t deadline);

/* psock_wait_until() a deadline timeout_ms (scaled) from now. */
int psock_wait(int fd, short events, int timeout_ms);

#endif

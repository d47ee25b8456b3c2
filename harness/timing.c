// SPDX-License-Identifier: GPL-2.0
/*
 * Clocks, deadlines and bounded waits; see timing.h.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "netns.h"
#include "timing.h"

int psock_timeout_ms(int ms)
{
	return ms * netns_timeout_scale();
}

int64_t psock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t psock_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t psock_deadline(int timeout_ms)
{
	return psock_monotonic_ms() + psock_timeout_ms(timeout_ms);
}

int psock_ms_left(int64_t deadline)
{
	int64_t left = deadline - psock_monotonic_ms();

	return left > 0 ? (int)left : 0;
}

int psock_wait_until(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, psock_ms_left(deadline));
	} while (ret < 0 && errno == EINTR);
	if (!ret)
		errno = ETIMEDOUT;
	return ret;
}

int psock_wait(int fd, short events, int timeout_ms)
{
	return psock_wait_until(fd, events, psock_deadline(timeout_ms));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread asleep in ppoll() on one fd, for the cases that check a wakeup:
 * that something the kernel does (a device going down, say) wakes a task
 * already waiting, at once, rather than only being seen by the next poll.
 *
 * poll_waiter_start() starts the thread and returns once the kernel shows
 * it asleep in the ppoll system call (its /proc/thread-self/stat state S
 * and /proc/thread-self/syscall naming __NR_ppoll): by then do_poll() has
 * put it on the fd's wait queue, so a wakeup from now on reaches it, and
 * the fd was not ready when it looked. The thread's own ppoll() timeout is
 * long (timeout_ms, scaled); poll_waiter_join() waits a shorter deadline
 * for it to return, so a wakeup that never comes shows up as a thread that
 * is still asleep, not as a late return.
 */
#ifndef PSOCK_WAITER_H
#define PSOCK_WAITER_H

#include <pthread.h>
#include <stdbool.h>

struct poll_waiter {
	pthread_t thread;
	bool started;
	int fd;
	short events;
	int timeout_ms;		/* the ppoll() timeout, scaled */
	int done;		/* eventfd the thread writes when ppoll() returned */
	bool ready;		/* the thread opened its /proc files (or failed to) */
	int open_err;		/* errno of that open, 0 */
	int stat_fd;		/* its /proc/thread-self/stat */
	int syscall_fd;		/* its /proc/thread-self/syscall */
	/* what ppoll() returned, valid after poll_waiter_join() returned 0 */
	int rc;
	int err;		/* errno when rc is -1 */
	short revents;
};

/*
 * Start a thread that calls ppoll() on fd for events with a timeout of
 * timeout_ms (scaled), and wait (PSOCK_WAIT_MS, scaled) until it is asleep
 * in it. 0; -1 with errno: the thread or eventfd could not be made,
 * ETIMEDOUT when it was not seen asleep (the fd was ready, or ppoll()
 * returned at once: poll_waiter_join() tells), or /proc's error.
 * Whatever it returns, poll_waiter_join() must follow.
 */
int poll_waiter_start(struct poll_waiter *w, int fd, short events, int timeout_ms);

/*
 * Wait (timeout_ms, scaled, one deadline) for the thread's ppoll() to
 * return: 0 with w->rc, w->err, w->revents; -1 with ETIMEDOUT when it is
 * still asleep, after which the thread is joined anyway (it ends at its own
 * timeout) so nothing is left running. A waiter that never started is -1
 * with ECHILD.
 */
int poll_waiter_join(struct poll_waiter *w, int timeout_ms);

#endif

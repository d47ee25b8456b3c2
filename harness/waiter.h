/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread asleep in one system call on one fd, for the cases that check
 * that a task already waiting is woken (a device going down wakes a
 * ppoll(), a send buffer draining wakes a blocking send()), or that a call
 * blocks at all, rather than only what the next call sees.
 *
 * waiter_poll_start() / waiter_send_start() start the thread and return once
 * the kernel shows it asleep in that system call (its /proc/thread-self/stat
 * state S and /proc/thread-self/syscall naming __NR_ppoll or __NR_sendto):
 * by then it is on the wait queue it sleeps on, so a wakeup from now on
 * reaches it, and the fd was not ready when it looked. The thread's own
 * wait is bounded (the ppoll() timeout; for send(), the socket's
 * SO_SNDTIMEO, which the case sets); waiter_join() waits a shorter deadline
 * for it to return, so a wakeup that never comes shows up as a thread that
 * is still asleep, not as a late return.
 */
#ifndef PSOCK_WAITER_H
#define PSOCK_WAITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct waiter {
	pthread_t thread;
	bool started;
	long nr;		/* the system call: SYS_ppoll or SYS_sendto */
	int fd;
	short events;		/* ppoll */
	int timeout_ms;		/* ppoll's timeout, scaled */
	const void *buf;	/* sendto: buf, len, flags 0, no address */
	size_t len;
	int done;		/* eventfd the thread writes when the call returned */
	bool ready;		/* the thread opened its /proc files (or failed to) */
	int open_err;		/* errno of that open, 0 */
	int stat_fd;		/* its /proc/thread-self/stat */
	int syscall_fd;		/* its /proc/thread-self/syscall */
	/* what the call returned, valid after waiter_join() returned 0 */
	long rc;
	int err;		/* errno when rc is -1 */
	short revents;		/* ppoll */
};

/*
 * Start a thread that calls ppoll() on fd for events with a timeout of
 * timeout_ms (scaled), and wait (PSOCK_WAIT_MS, scaled) until it is asleep
 * in it. 0; -1 with errno: the thread or eventfd could not be made,
 * ETIMEDOUT when it was not seen asleep (the fd was ready, or ppoll()
 * returned at once: waiter_join() tells), or /proc's error.
 * Whatever it returns, waiter_join() must follow.
 */
int waiter_poll_start(struct waiter *w, int fd, short events, int timeout_ms);

/*
 * The same with a thread that calls send(fd, buf, len, 0) (the sendto
 * system call, no address): ETIMEDOUT when it was not seen asleep (the send
 * did not block). buf must live until waiter_join().
 */
int waiter_send_start(struct waiter *w, int fd, const void *buf, size_t len);

/*
 * Wait (timeout_ms, scaled, one deadline) for the thread's call to return:
 * 0 with w->rc, w->err (and w->revents); -1 with ETIMEDOUT when it is still
 * asleep, after which the thread is joined anyway (it ends at its own
 * timeout) so nothing is left running. A waiter that never started is -1
 * with ECHILD.
 */
int waiter_join(struct waiter *w, int timeout_ms);

#endif

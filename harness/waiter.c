// SPDX-License-Identifier: GPL-2.0
/* A thread asleep in ppoll() or sendto(): see waiter.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"
#include "waiter.h"

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct pollfd pfd = { .fd = w->fd, .events = w->events };
	struct timespec ts = { .tv_sec = w->timeout_ms / 1000,
			       .tv_nsec = (w->timeout_ms % 1000) * 1000000L };
	uint64_t one = 1;

	/*
	 * This thread's own /proc files, opened by itself: /proc/thread-self
	 * names it in the namespace /proc was mounted for, which need not be
	 * the one gettid() answers in (scripts/run gives each binary a PID
	 * namespace of its own).
	 */
	w->stat_fd = open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
	w->syscall_fd = w->stat_fd < 0 ? -1 :
			open("/proc/thread-self/syscall", O_RDONLY | O_CLOEXEC);
	w->open_err = w->syscall_fd < 0 ? errno : 0;
	__atomic_store_n(&w->ready, true, __ATOMIC_RELEASE);
	/* The system call itself, so /proc names it whatever libc's poll() or send() uses. */
	if (w->nr == SYS_ppoll)
		w->rc = syscall(SYS_ppoll, &pfd, 1, &ts, NULL, 0);
	else
		w->rc = syscall(SYS_sendto, w->fd, w->buf, w->len, 0, NULL, 0);
	w->err = w->rc < 0 ? errno : 0;
	w->revents = pfd.revents;
	if (write(w->done, &one, sizeof(one)) != sizeof(one))
		w->err = errno;
	return NULL;
}

/* The whole of a /proc file from its start into buf (NUL-terminated): 0, or -1 with errno. */
static int read_proc(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* 1 when the waiter is asleep (state S) in its call, 0 when not (yet), -1 with errno. */
static int asleep_in_call(const struct waiter *w)
{
	char buf[512];
	char *p;
	long nr;

	if (read_proc(w->stat_fd, buf, sizeof(buf)))
		return -1;
	/* the state follows the ")" that ends the command name */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ') {
		errno = EPROTO;
		return -1;
	}
	if (p[2] != 'S')
		return 0;
	if (read_proc(w->syscall_fd, buf, sizeof(buf)))
		return -1;
	/* "running" while it runs, else the system call's number first */
	return sscanf(buf, "%ld", &nr) == 1 && nr == w->nr;
}

/* Start w (its call's arguments set) and wait until it is seen asleep in the call. */
static int waiter_start(struct waiter *w)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	struct timespec tick = { 0, 1000000L };
	int rc;

	w->stat_fd = w->syscall_fd = -1;
	w->done = eventfd(0, EFD_CLOEXEC);
	if (w->done < 0)
		return -1;
	rc = pthread_create(&w->thread, NULL, waiter_main, w);
	if (rc) {
		close(w->done);
		w->done = -1;
		errno = rc;
		return -1;
	}
	w->started = true;
	/*
	 * Look until the kernel shows it asleep; the look itself is the wait's
	 * pace (a millisecond between looks), not a pause to let it settle.
	 */
	for (;;) {
		if (!__atomic_load_n(&w->ready, __ATOMIC_ACQUIRE)) {
			rc = 0;
		} else if (w->open_err) {
			errno = w->open_err;
			rc = -1;
		} else {
			rc = asleep_in_call(w);
		}
		if (rc)
			return rc > 0 ? 0 : -1;
		if (psock_ms_left(deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&tick, NULL);
	}
}

int waiter_poll_start(struct waiter *w, int fd, short events, int timeout_ms)
{
	memset(w, 0, sizeof(*w));
	w->nr = SYS_ppoll;
	w->fd = fd;
	w->events = events;
	w->timeout_ms = psock_timeout_ms(timeout_ms);
	return waiter_start(w);
}

int waiter_send_start(struct waiter *w, int fd, const void *buf, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->nr = SYS_sendto;
	w->fd = fd;
	w->buf = buf;
	w->len = len;
	return waiter_start(w);
}

int waiter_join(struct waiter *w, int timeout_ms)
{
	int rc = 0, err = 0;

	if (!w->started) {
		errno = ECHILD;
		return -1;
	}
	if (psock_wait(w->done, POLLIN, timeout_ms) != 1) {
		err = errno ? errno : ETIMEDOUT;
		rc = -1;
	}
	pthread_join(w->thread, NULL);
	w->started = false;
	close(w->done);
	w->done = -1;
	if (w->stat_fd >= 0)
		close(w->stat_fd);
	if (w->syscall_fd >= 0)
		close(w->syscall_fd);
	w->stat_fd = w->syscall_fd = -1;
	errno = err;
	return rc;
}

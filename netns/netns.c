// SPDX-License-Identifier: GPL-2.0
/*
 * Per-test network namespaces and the veth topology (see netns.h).
 *
 * The links are made by iproute2's `ip -batch -` run inside the namespace:
 * one exec per namespace, and the commands read like the ones a human would
 * type (netns/topo.sh builds the same topology with the same commands).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "netns.h"
#include "timing.h"

/* RFC 2863 operstate "up" (linux/if.h, which clashes with net/if.h). */
#ifndef IF_OPER_UP
#define IF_OPER_UP 6
#endif

static const uint8_t mac0[6] = NETNS_MAC0;
static const uint8_t mac1[6] = NETNS_MAC1;

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static const char *ip_path(void)
{
	static const char *const candidates[] = {
		"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip",
	};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

static void format_mac(char *buf, size_t len, const uint8_t *mac)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/*
 * Write "value" to a /proc file (a sysctl of the current network namespace,
 * or an id map). 0, or -1 with errno; a short write is EIO.
 */
static int write_sysctl(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	err = n < 0 ? errno : EIO;
	if (close(fd) && n == (ssize_t)len)
		return -1;
	if (n == (ssize_t)len)
		return 0;
	errno = err;
	return -1;
}

/*
 * A script for `ip -batch -`, built a line at a time. A line that does not
 * fit marks it truncated, and a truncated script is never run.
 */
struct script {
	char text[1024];
	size_t len;
	bool truncated;
};

/* The whole script goes into the pipe before ip starts (run_ip_batch_fd()). */
_Static_assert(sizeof(((struct script *)0)->text) <= PIPE_BUF,
	       "an ip script must fit a pipe in one atomic write");

static void script_add(struct script *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void script_add(struct script *s, const char *fmt, ...)
{
	size_t room = sizeof(s->text) - s->len;
	va_list ap;
	int n;

	if (s->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->text + s->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		s->truncated = true;
		s->text[s->len] = '\0';
		return;
	}
	s->len += n;
}

/*
 * Run `ip -batch -` with the script on stdin, in the calling thread's network
 * namespace. The first failing command stops the batch; ip's message (its
 * stderr) goes to why. When pass_fd >= 0 it is handed to ip as fd 3, so the
 * script can name it /proc/self/fd/3: a path with our own pid would be wrong
 * when /proc belongs to another pid namespace (the runner runs each binary in
 * a fresh one).
 *
 * The script is written into the pipe before ip exists: it is at most
 * PIPE_BUF bytes, so the write is whole and cannot block, and no write can
 * meet a reader that already exited (SIGPIPE).
 */
#define IP_PASSED_FD 3

/* Read ip's output to the end (so ip never blocks on a full pipe), keep the start. */
static int read_all(int fd, char *msg, size_t size)
{
	size_t got = 0;
	char rest[256];

	for (;;) {
		char *to = got < size - 1 ? msg + got : rest;
		size_t room = got < size - 1 ? size - 1 - got : sizeof(rest);
		ssize_t n = read(fd, to, room);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			msg[got] = '\0';
			return n < 0 ? -1 : 0;
		}
		if (to != rest)
			got += n;
	}
}

/*
 * In the forked child: say why on fd and exit with code (async-signal-safe).
 * A failed write has no one left to tell; the exit code still says it.
 */
static void __attribute__((noreturn)) child_fail(int fd, const char *msg, int code)
{
	if (write(fd, msg, strlen(msg)) < 0)
		_exit(code);
	_exit(code);
}

static int run_ip_batch_fd(const struct script *s, int pass_fd, char *why, size_t whylen)
{
	const char *ip = ip_path();
	int in[2], err[2], status, rd;
	char msg[512];
	ssize_t n;
	pid_t pid;

	if (!ip) {
		say(why, whylen, "iproute2 'ip' not found (install iproute2: scripts/deps)");
		errno = ENOENT;
		return -1;
	}
	if (s->truncated) {
		say(why, whylen, "ip script longer than %zu bytes", sizeof(s->text) - 1);
		errno = E2BIG;
		return -1;
	}
	if (pipe2(in, O_CLOEXEC)) {
		say(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	n = write(in[1], s->text, s->len);
	if (n != (ssize_t)s->len) {
		if (n >= 0)
			errno = EIO;
		say(why, whylen, "write to ip's stdin: %s", n < 0 ? strerror(errno) :
		    "short write");
		close(in[0]);
		close(in[1]);
		return -1;
	}
	close(in[1]);
	if (pipe2(err, O_CLOEXEC)) {
		say(why, whylen, "pipe: %s", strerror(errno));
		close(in[0]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		say(why, whylen, "fork: %s", strerror(errno));
		close(in[0]);
		close(err[0]);
		close(err[1]);
		return -1;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork() and exec. */
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(err[1], STDOUT_FILENO) < 0 ||
		    dup2(err[1], STDERR_FILENO) < 0 ||
		    (pass_fd == IP_PASSED_FD && fcntl(pass_fd, F_SETFD, 0)) ||
		    (pass_fd >= 0 && pass_fd != IP_PASSED_FD && dup2(pass_fd, IP_PASSED_FD) < 0))
			child_fail(err[1], "ip: cannot set up its stdin, stdout and fd 3\n", 126);
		execl(ip, "ip", "-batch", "-", (char *)NULL);
		child_fail(STDERR_FILENO, "ip: exec failed\n", 127);
	}
	close(in[0]);
	close(err[1]);
	rd = read_all(err[0], msg, sizeof(msg));
	if (rd)
		say(why, whylen, "reading ip's output: %s", strerror(errno));
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			say(why, whylen, "waitpid(ip): %s", strerror(errno));
			return -1;
		}
	}
	if (rd)
		return -1;
	msg[strcspn(msg, "\n")] = '\0';
	if (WIFSIGNALED(status)) {
		say(why, whylen, "ip -batch killed by signal %d: %s", WTERMSIG(status),
		    msg[0] ? msg : "no message");
		errno = EIO;
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		say(why, whylen, "ip -batch failed (exit %d): %s", WEXITSTATUS(status),
		    msg[0] ? msg : "no message");
		errno = EIO;
		return -1;
	}
	return 0;
}

static int run_ip_batch(const struct script *s, char *why, size_t whylen)
{
	return run_ip_batch_fd(s, -1, why, whylen);
}

/* Open the current network namespace as an fd. */
static int current_netns(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static int write_id_map(const char *file, unsigned int id)
{
	char map[64];

	snprintf(map, sizeof(map), "0 %u 1\n", id);
	return write_sysctl(file, map);
}

/* unshare() errnos that mean "not allowed here", not "broken". */
static bool is_denied(int err)
{
	return err == EPERM || err == EACCES || err == ENOSPC || err == EUSERS;
}

/*
 * Move the process into a new network namespace. As root that is one
 * unshare(); otherwise a user namespace mapping us to root comes first.
 */
static int enter_new_netns(char *why, size_t whylen)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWNET) == 0)
		return NETNS_OK;
	if (errno == EINVAL) {
		say(why, whylen, "unshare(CLONE_NEWNET): %s (kernel built without CONFIG_NET_NS)",
		    strerror(errno));
		return NETNS_SKIP;
	}
	if (errno != EPERM) {
		say(why, whylen, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return NETNS_FAIL;
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
		int err = errno;

		say(why, whylen,
		    "needs root, or unprivileged user namespaces: unshare(CLONE_NEWUSER|CLONE_NEWNET): %s "
		    "(check sysctls kernel.unprivileged_userns_clone, user.max_user_namespaces, "
		    "kernel.apparmor_restrict_unprivileged_userns)", strerror(err));
		return is_denied(err) || err == EINVAL ? NETNS_SKIP : NETNS_FAIL;
	}
	if (write_sysctl("/proc/self/setgroups", "deny") ||
	    write_id_map("/proc/self/uid_map", uid) ||
	    write_id_map("/proc/self/gid_map", gid)) {
		int err = errno;

		say(why, whylen, "cannot map uid %u to root in the new user namespace: %s",
		    uid, strerror(err));
		return is_denied(err) ? NETNS_SKIP : NETNS_FAIL;
	}
	return NETNS_OK;
}

/*
 * No IPv6 autoconf, DAD, router solicitations or MLD unless asked for. A
 * kernel without IPv6 has no net/ipv6 sysctls (addrconf_sysctl_register()):
 * nothing to quiet then, but a topology with addresses needs IPv6 (SKIP).
 */
static int quiet_namespace(bool want_ipv6, char *why, size_t whylen)
{
	static const char *const addrconf_off[] = {
		"/proc/sys/net/ipv6/conf/default/accept_ra",
		"/proc/sys/net/ipv6/conf/default/autoconf",
		"/proc/sys/net/ipv6/conf/default/accept_dad",
	};
	static const char disable_all[] = "/proc/sys/net/ipv6/conf/all/disable_ipv6";
	static const char disable_default[] = "/proc/sys/net/ipv6/conf/default/disable_ipv6";
	static const char gen_mode[] = "/proc/sys/net/ipv6/conf/default/addr_gen_mode";
	const char *v = want_ipv6 ? "0" : "1";
	const char *failed = NULL;

	if (write_sysctl(disable_all, v)) {
		if (errno == ENOENT && !want_ipv6)
			return NETNS_OK;
		if (errno == ENOENT) {
			say(why, whylen, "kernel has no IPv6 (CONFIG_IPV6): %s is missing",
			    disable_all);
			return NETNS_SKIP;
		}
		failed = disable_all;
	} else if (write_sysctl(disable_default, v)) {
		failed = disable_default;
	}
	for (size_t i = 0; i < sizeof(addrconf_off) / sizeof(addrconf_off[0]); i++)
		if (want_ipv6 && !failed && write_sysctl(addrconf_off[i], "0"))
			failed = addrconf_off[i];
	/* 1 = IN6_ADDR_GEN_MODE_NONE: no link-local address of its own. */
	if (want_ipv6 && !failed && write_sysctl(gen_mode, "1"))
		failed = gen_mode;
	if (failed) {
		say(why, whylen, "write %s: %s", failed, strerror(errno));
		return NETNS_FAIL;
	}
	return NETNS_OK;
}

/*
 * Commands that configure one veth end ("psk0" or "psk1") once it exists:
 * up, then the VLAN sub-interface and the addresses if asked for.
 */
static void script_configure_end(struct script *s, const struct netns_opts *o, int end)
{
	const char *dev = end ? NETNS_IF1 : NETNS_IF0;
	const char *ip4 = end ? NETNS_IP4_1 : NETNS_IP4_0;
	const char *ip6 = end ? NETNS_IP6_1 : NETNS_IP6_0;
	const char *nb4 = end ? NETNS_IP4_0 : NETNS_IP4_1;
	const char *nb6 = end ? NETNS_IP6_0 : NETNS_IP6_1;
	char nbmac[18];

	format_mac(nbmac, sizeof(nbmac), end ? mac0 : mac1);
	script_add(s, "link set lo up\n");
	if (o->addrs) {
		script_add(s, "link set %s addrgenmode none\n", dev);
		script_add(s, "addr add %s/24 dev %s\n", ip4, dev);
		script_add(s, "addr add %s/64 dev %s nodad\n", ip6, dev);
		script_add(s, "neigh replace %s lladdr %s dev %s nud permanent\n",
			   nb4, nbmac, dev);
		script_add(s, "neigh replace %s lladdr %s dev %s nud permanent\n",
			   nb6, nbmac, dev);
	}
	script_add(s, "link set %s up\n", dev);
}

/* Commands that add and bring up the VLAN sub-interface of one veth end. */
static void script_add_vlan(struct script *s, const struct netns_opts *o, int end)
{
	const char *dev = end ? NETNS_IF1 : NETNS_IF0;

	script_add(s, "link add link %s name %s.%u type vlan proto %s id %u\n",
		   dev, dev, o->vlan_id, o->vlan_8021ad ? "802.1ad" : "802.1Q", o->vlan_id);
	script_add(s, "link set %s.%u up\n", dev, o->vlan_id);
}

/*
 * fn(arg) in the peer namespace, on a thread of its own: setns() moves only
 * the calling thread, so the caller never leaves the main namespace and
 * there is no switching back that could fail. Sockets fn creates stay bound
 * to the peer namespace; processes it forks start there.
 */
struct peer_call {
	int ns;
	int (*fn)(void *arg);
	void *arg;
	int ret;
	int err;
	bool entered;
};

static void *peer_thread(void *p)
{
	struct peer_call *c = p;

	if (setns(c->ns, CLONE_NEWNET)) {
		c->ret = -1;
		c->err = errno;
		return NULL;
	}
	c->entered = true;
	errno = c->err;	/* the caller's, as if fn ran on its thread */
	c->ret = c->fn(c->arg);
	c->err = errno;
	return NULL;
}

/* Like netns_in_peer(); when the peer could not be entered, why says so. */
static int in_peer(struct netns_topo *topo, int (*fn)(void *arg), void *arg,
		   char *why, size_t whylen)
{
	struct peer_call c = { .ns = topo->ns_peer, .fn = fn, .arg = arg, .ret = -1, .err = errno };
	pthread_t th;
	int err;

	if (topo->ns_peer < 0)
		return fn(arg);
	err = pthread_create(&th, NULL, peer_thread, &c);
	if (!err)
		err = pthread_join(th, NULL);
	if (err) {
		say(why, whylen, "thread for the peer namespace: %s", strerror(err));
		errno = err;
		return -1;
	}
	if (!c.entered)
		say(why, whylen, "setns() into the peer namespace: %s", strerror(c.err));
	errno = c.err;
	return c.ret;
}

int netns_in_peer(struct netns_topo *topo, int (*fn)(void *arg), void *arg)
{
	return in_peer(topo, fn, arg, NULL, 0);
}

/* A setup step that says in why what failed, for in_peer_step(). */
typedef int (*step_fn)(const void *arg, char *why, size_t whylen);

struct peer_step {
	step_fn fn;
	const void *arg;
	char *why;
	size_t whylen;
};

static int peer_step_cb(void *p)
{
	struct peer_step *st = p;

	return st->fn(st->arg, st->why, st->whylen);
}

/* fn(arg, why, whylen) in the namespace that holds psk1. */
static int in_peer_step(struct netns_topo *t, step_fn fn, const void *arg,
			char *why, size_t whylen)
{
	struct peer_step st = { fn, arg, why, whylen };

	return in_peer(t, peer_step_cb, &st, why, whylen);
}

static int batch_step(const void *script, char *why, size_t whylen)
{
	return run_ip_batch(script, why, whylen);
}

/* Run a script in the namespace that holds psk1. */
static int run_ip_batch_peer(struct netns_topo *t, const struct script *s,
			     char *why, size_t whylen)
{
	return in_peer_step(t, batch_step, s, why, whylen);
}

/*
 * Add the VLAN sub-interfaces. A kernel without 802.1Q devices is a missing
 * feature (SKIP), not a failure.
 */
static int add_vlans(struct netns_topo *t, const struct netns_opts *o,
		     char *why, size_t whylen)
{
	struct script s0 = { .len = 0 }, s1 = { .len = 0 };

	script_add_vlan(&s0, o, 0);
	script_add_vlan(&s1, o, 1);
	if (run_ip_batch(&s0, why, whylen) == 0 && run_ip_batch_peer(t, &s1, why, whylen) == 0)
		return NETNS_OK;
	if (why && strstr(why, "Unknown device type")) {
		say(why, whylen, "kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q, module 8021q)");
		return NETNS_SKIP;
	}
	return NETNS_FAIL;
}

int netns_ip(struct netns_topo *topo, bool in_peer_ns, char *why, size_t whylen,
	     const char *fmt, ...)
{
	struct script s = { .len = 0 };
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		say(why, whylen, "ip command longer than %zu bytes", sizeof(line) - 1);
		errno = E2BIG;
		return -1;
	}
	script_add(&s, "%s\n", line);
	if (in_peer_ns)
		return run_ip_batch_peer(topo, &s, why, whylen);
	return run_ip_batch(&s, why, whylen);
}

static int ifindex_cb(void *name)
{
	return (int)if_nametoindex(name);
}

/*
 * PSOCK_TIMEOUT_SCALE as scripts/run accepts it (digits, optionally a
 * fraction: "10", "1.5"), rounded up to a whole factor from 1 to 1000; 0
 * when it is set to anything else. errno is not touched: the harness
 * computes timeouts between a failed call and the report of its errno.
 */
static int parse_timeout_scale(const char **raw)
{
	const char *s = getenv("PSOCK_TIMEOUT_SCALE"), *p;
	long v = 0;
	bool frac = false;

	*raw = s;
	if (!s)
		return 1;
	for (p = s; *p >= '0' && *p <= '9' && v <= 1000; p++)
		v = v * 10 + (*p - '0');
	if (p == s || v > 1000)
		return 0;
	if (*p == '.') {
		const char *d = ++p;

		for (; *p >= '0' && *p <= '9'; p++)
			frac |= *p != '0';
		if (p == d)
			return 0;
	}
	if (*p)
		return 0;
	v += frac;
	return v >= 1 && v <= 1000 ? (int)v : 0;
}

int netns_timeout_scale(void)
{
	const char *raw;
	int v = parse_timeout_scale(&raw);

	/* An invalid value fails every case in netns_setup(). */
	return v > 0 ? v : 1;
}

/* A NETLINK_ROUTE socket that receives every link notification. */
static int link_events_open(void)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&snl, sizeof(snl))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int link_events_open_cb(void *unused)
{
	(void)unused;
	return link_events_open();
}

/* If msg is RTM_NEWLINK for dev with operstate UP, return true. */
static bool is_oper_up(const struct nlmsghdr *nh, const char *dev)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *rta = IFLA_RTA(ifi);
	bool name_ok = false, up = false;

	if (nh->nlmsg_type != RTM_NEWLINK || len < 0)
		return false;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_IFNAME)
			name_ok = !strcmp(RTA_DATA(rta), dev);
		else if (rta->rta_type == IFLA_OPERSTATE)
			up = *(const uint8_t *)RTA_DATA(rta) == IF_OPER_UP;
	}
	return name_ok && up;
}

/* How long psk0 and psk1 together may take to reach operstate UP (scaled). */
#define LINKS_UP_MS 2000

/*
 * A veth end whose carrier came up through its peer gets its qdisc attached
 * by the linkwatch worker, asynchronously; until then frames sent on it are
 * dropped by noop_qdisc. linkwatch_do_dev() sets the operstate, attaches the
 * qdisc (dev_activate) and then announces RTM_NEWLINK, so "operstate UP in
 * a notification" means "ready to send". Wait for it on nl, subscribed
 * before the links were brought up, so no notification can be missed.
 * devs lists the interfaces (at most 2) nl must see; each is ticked off.
 * deadline (CLOCK_MONOTONIC ms) is the end of the whole wait, shared by
 * every poll and by the waits on both namespaces.
 */
static int wait_oper_up(int nl, const char *const *devs, int ndevs, int64_t deadline,
			char *why, size_t whylen)
{
	bool seen[2] = { false, false };
	int left = ndevs;
	char buf[8192];

	while (left > 0) {
		struct pollfd pfd = { .fd = nl, .events = POLLIN };
		int64_t rest = deadline - psock_monotonic_ms();
		struct nlmsghdr *nh;
		ssize_t n;
		int ready;

		ready = rest > 0 ? poll(&pfd, 1, (int)rest) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			say(why, whylen, "poll on link notifications: %s", strerror(errno));
			return -1;
		}
		if (ready == 0) {
			say(why, whylen, "%s did not reach operstate UP within %d ms",
			    devs[seen[0] ? 1 : 0], LINKS_UP_MS * netns_timeout_scale());
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(nl, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			say(why, whylen, "link notifications: %s", strerror(errno));
			return -1;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n))
			for (int i = 0; i < ndevs; i++)
				if (!seen[i] && is_oper_up(nh, devs[i])) {
					seen[i] = true;
					left--;
				}
	}
	return 0;
}

static int quiet_step(const void *want_ipv6, char *why, size_t whylen)
{
	return quiet_namespace(*(const bool *)want_ipv6, why, whylen);
}

/* Enter the test's namespaces: the main one, and the peer one if asked for. */
static int enter_namespaces(struct netns_topo *t, const struct netns_opts *o,
			    char *why, size_t whylen)
{
	int ret = enter_new_netns(why, whylen);

	if (ret != NETNS_OK)
		return ret;
	t->ns_main = current_netns();
	if (t->ns_main < 0) {
		say(why, whylen, "open /proc/self/ns/net: %s", strerror(errno));
		return NETNS_FAIL;
	}
	if (o->peer_netns) {
		/* A second namespace lives on through its fd, without a process. */
		if (unshare(CLONE_NEWNET)) {
			say(why, whylen, "unshare(CLONE_NEWNET) for the peer: %s", strerror(errno));
			return NETNS_FAIL;
		}
		t->ns_peer = current_netns();
		if (t->ns_peer < 0) {
			say(why, whylen, "open /proc/self/ns/net of the peer: %s",
			    strerror(errno));
			return NETNS_FAIL;
		}
		if (setns(t->ns_main, CLONE_NEWNET)) {
			say(why, whylen, "setns() back to the main namespace: %s", strerror(errno));
			return NETNS_FAIL;
		}
	}
	ret = quiet_namespace(o->addrs, why, whylen);
	if (ret == NETNS_OK && t->ns_peer >= 0) {
		ret = in_peer_step(t, quiet_step, &o->addrs, why, whylen);
		if (ret < 0)
			ret = NETNS_FAIL;
	}
	return ret;
}

/*
 * Create the veth pair (psk1 straight into the peer namespace when there is
 * one) and configure both ends. psk1 goes up first and psk0 second: psk0's
 * open then finds its carrier on and attaches its qdisc at once, and psk1's
 * qdisc is attached by linkwatch (see wait_oper_up()).
 */
static int create_links(struct netns_topo *t, const struct netns_opts *o,
			char *why, size_t whylen)
{
	struct script create = { .len = 0 }, main_script = { .len = 0 };
	struct script peer_script = { .len = 0 };
	char m0[18], m1[18], qs[64] = "", mtu[32] = "", peer_ns[64] = "";

	format_mac(m0, sizeof(m0), mac0);
	format_mac(m1, sizeof(m1), mac1);
	/* Always explicit: veth's own default is one queue per possible CPU. */
	snprintf(qs, sizeof(qs), " numtxqueues %u numrxqueues %u",
		 o->queues ? o->queues : 1, o->queues ? o->queues : 1);
	if (o->mtu)
		snprintf(mtu, sizeof(mtu), " mtu %u", o->mtu);
	if (t->ns_peer >= 0)
		snprintf(peer_ns, sizeof(peer_ns), " netns /proc/self/fd/%d", IP_PASSED_FD);
	/*
	 * Distinct ifindexes even across namespaces: linkwatch treats a carrier
	 * change as urgent only when ifindex != iflink (linkwatch_urgent_event());
	 * in a fresh peer namespace both ends would be ifindex 2, and psk1 would
	 * wait for the rate-limited (up to 1 s) linkwatch run.
	 */
	script_add(&create,
		   "link add %s index %d address %s%s%s type veth peer name %s index %d address %s%s%s%s\n",
		   NETNS_IF0, NETNS_IFINDEX0, m0, qs, mtu, NETNS_IF1, NETNS_IFINDEX1, m1, qs, mtu,
		   peer_ns);
	script_configure_end(t->ns_peer >= 0 ? &peer_script : &main_script, o, 1);
	script_configure_end(&main_script, o, 0);

	if (run_ip_batch_fd(&create, t->ns_peer, why, whylen))
		return -1;
	if (t->ns_peer >= 0 && run_ip_batch_peer(t, &peer_script, why, whylen))
		return -1;
	return run_ip_batch(&main_script, why, whylen);
}

/* Link notification sockets: main's, and psk1's namespace's (or the same). */
struct link_events {
	int nl0;
	int nl1;
};

/*
 * Subscribe to link notifications in both namespaces, before anything is
 * done to the links, so no notification can be missed. 0, or -1 with the
 * reason in why; link_events_close() either way.
 */
static int link_events_subscribe(struct netns_topo *t, struct link_events *ev,
				 char *why, size_t whylen)
{
	ev->nl1 = -1;
	ev->nl0 = link_events_open();
	if (ev->nl0 < 0) {
		say(why, whylen, "rtnetlink socket: %s", strerror(errno));
		return -1;
	}
	if (t->ns_peer < 0) {
		ev->nl1 = ev->nl0;
		return 0;
	}
	ev->nl1 = in_peer(t, link_events_open_cb, NULL, why, whylen);
	if (ev->nl1 < 0 && why && !why[0])
		say(why, whylen, "rtnetlink socket in the peer namespace: %s", strerror(errno));
	return ev->nl1 < 0 ? -1 : 0;
}

static void link_events_close(struct link_events *ev)
{
	if (ev->nl1 >= 0 && ev->nl1 != ev->nl0)
		close(ev->nl1);
	if (ev->nl0 >= 0)
		close(ev->nl0);
	ev->nl0 = ev->nl1 = -1;
}

/*
 * Wait until psk0 and psk1 can send: both announced operstate UP on ev,
 * within one deadline for both.
 */
static int wait_links_up(const struct link_events *ev, char *why, size_t whylen)
{
	static const char *const both[] = { NETNS_IF0, NETNS_IF1 };
	int64_t deadline = psock_monotonic_ms() + (int64_t)LINKS_UP_MS * netns_timeout_scale();

	if (ev->nl0 == ev->nl1)
		return wait_oper_up(ev->nl0, both, 2, deadline, why, whylen);
	return wait_oper_up(ev->nl0, &both[0], 1, deadline, why, whylen) ||
	       wait_oper_up(ev->nl1, &both[1], 1, deadline, why, whylen);
}

int netns_links_up(struct netns_topo *t, char *why, size_t whylen)
{
	struct script up0 = { .len = 0 }, up1 = { .len = 0 };
	struct link_events ev;
	int ret = -1;

	if (why && whylen)
		why[0] = '\0';
	script_add(&up0, "link set %s up\n", NETNS_IF0);
	script_add(&up1, "link set %s up\n", NETNS_IF1);
	/* psk1 first, as in create_links(). */
	if (link_events_subscribe(t, &ev, why, whylen) == 0 &&
	    run_ip_batch_peer(t, &up1, why, whylen) == 0 &&
	    run_ip_batch(&up0, why, whylen) == 0 && wait_links_up(&ev, why, whylen) == 0)
		ret = 0;
	link_events_close(&ev);
	return ret;
}

int netns_add_veth(const char *a, const char *b, char *why, size_t whylen)
{
	const char *const both[] = { a, b };
	struct script s = { .len = 0 };
	int nl, ret = -1;

	if (why && whylen)
		why[0] = '\0';
	script_add(&s, "link add %s numtxqueues 1 numrxqueues 1 type veth peer name %s "
		   "numtxqueues 1 numrxqueues 1\n", a, b);
	script_add(&s, "link set %s up\nlink set %s up\n", b, a);
	/* Subscribed before the links exist, so no notification is missed. */
	nl = link_events_open();
	if (nl < 0) {
		say(why, whylen, "rtnetlink socket: %s", strerror(errno));
		return -1;
	}
	if (run_ip_batch(&s, why, whylen) == 0 &&
	    wait_oper_up(nl, both, 2, psock_monotonic_ms() +
			 (int64_t)LINKS_UP_MS * netns_timeout_scale(), why, whylen) == 0)
		ret = 0;
	close(nl);
	return ret;
}

/* The index of name in the main (peer false) or psk1's namespace, or -1. */
static int lookup_ifindex(struct netns_topo *t, bool peer, const char *name,
			  char *why, size_t whylen)
{
	int idx = peer ? in_peer(t, ifindex_cb, (void *)name, why, whylen)
		       : (int)if_nametoindex(name);

	if (idx < 0)	/* the peer namespace could not be entered: why says so */
		return -1;
	if (idx == 0) {
		say(why, whylen, "%s missing after setup: if_nametoindex: %s", name,
		    strerror(errno));
		return -1;
	}
	return idx;
}

static int lookup_ifindexes(struct netns_topo *t, const struct netns_opts *o,
			    char *why, size_t whylen)
{
	char vlan_name[IFNAMSIZ + 8];

	t->ifindex0 = lookup_ifindex(t, false, NETNS_IF0, why, whylen);
	if (t->ifindex0 < 0)
		return -1;
	t->ifindex1 = lookup_ifindex(t, true, NETNS_IF1, why, whylen);
	if (t->ifindex1 < 0)
		return -1;
	if (!o->vlan_id)
		return 0;
	snprintf(vlan_name, sizeof(vlan_name), "%s.%u", NETNS_IF0, o->vlan_id);
	t->vlan_ifindex0 = lookup_ifindex(t, false, vlan_name, why, whylen);
	if (t->vlan_ifindex0 < 0)
		return -1;
	snprintf(vlan_name, sizeof(vlan_name), "%s.%u", NETNS_IF1, o->vlan_id);
	t->vlan_ifindex1 = lookup_ifindex(t, true, vlan_name, why, whylen);
	return t->vlan_ifindex1 < 0 ? -1 : 0;
}

int netns_setup(const struct netns_opts *opts, struct netns_topo *t,
		char *why, size_t whylen)
{
	static const struct netns_opts defaults;
	const struct netns_opts *o = opts ? opts : &defaults;
	struct link_events ev = { -1, -1 };
	int ret;
	const char *raw_scale;

	memset(t, 0, sizeof(*t));
	t->ns_main = t->ns_peer = t->peer_fd = -1;
	memcpy(t->mac0, mac0, 6);
	memcpy(t->mac1, mac1, 6);
	if (why && whylen)
		why[0] = '\0';

	if (!parse_timeout_scale(&raw_scale)) {
		say(why, whylen, "PSOCK_TIMEOUT_SCALE='%s' is not a number from 1 to 1000",
		    raw_scale);
		return NETNS_FAIL;
	}
	/* Whatever happens to the harness, this process must not outlive it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL)) {
		say(why, whylen, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		return NETNS_FAIL;
	}

	ret = enter_namespaces(t, o, why, whylen);
	if (ret != NETNS_OK || o->no_links)
		return ret;

	ret = NETNS_FAIL;
	if (link_events_subscribe(t, &ev, why, whylen) == 0 &&
	    create_links(t, o, why, whylen) == 0 && wait_links_up(&ev, why, whylen) == 0)
		ret = o->vlan_id ? add_vlans(t, o, why, whylen) : NETNS_OK;
	if (ret == NETNS_OK && lookup_ifindexes(t, o, why, whylen))
		ret = NETNS_FAIL;
	link_events_close(&ev);
	if (ret == NETNS_FAIL && why && strstr(why, "Unknown device type")) {
		say(why, whylen, "kernel has no veth devices (CONFIG_VETH, module veth)");
		ret = NETNS_SKIP;
	}
	return ret;
}

void netns_teardown(struct netns_topo *t)
{
	if (t->peer_fd >= 0)
		close(t->peer_fd);
	if (t->ns_peer >= 0)
		close(t->ns_peer);
	if (t->ns_main >= 0)
		close(t->ns_main);
	t->peer_fd = t->ns_peer = t->ns_main = -1;
}

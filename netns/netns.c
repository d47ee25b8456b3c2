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
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "netns.h"

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

/* Write "value" to a sysctl of the current network namespace. */
static int write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/*
 * Feed a script to `ip -batch -` in the current namespace. The first failing
 * command stops the batch; its message (ip's stderr) goes to why.
 */
/*
 * Run `ip -batch -` with script on stdin. When pass_fd >= 0 it is handed to
 * ip as fd 3, so the script can name it /proc/self/fd/3: a path with our own
 * pid would be wrong when /proc belongs to another pid namespace (the runner
 * runs each binary in a fresh one).
 */
#define IP_PASSED_FD 3

static int run_ip_batch_fd(const char *script, int pass_fd, char *why, size_t whylen)
{
	const char *ip = ip_path();
	int in[2], err[2], status;
	char msg[512];
	ssize_t n, got = 0;
	pid_t pid;

	if (!ip) {
		say(why, whylen, "iproute2 'ip' not found (install iproute2: scripts/deps)");
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		say(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		say(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(err[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		if (pass_fd == IP_PASSED_FD)
			fcntl(pass_fd, F_SETFD, 0);
		else if (pass_fd >= 0)
			dup2(pass_fd, IP_PASSED_FD);
		execl(ip, "ip", "-batch", "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	/* A script is far smaller than a pipe buffer: this write cannot block. */
	if (write(in[1], script, strlen(script)) != (ssize_t)strlen(script))
		say(why, whylen, "write to ip: %s", strerror(errno));
	close(in[1]);
	while (got < (ssize_t)sizeof(msg) - 1 &&
	       (n = read(err[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += n;
	msg[got] = '\0';
	close(err[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		msg[strcspn(msg, "\n")] = '\0';
		say(why, whylen, "ip -batch failed: %s", got ? msg : "no message");
		return -1;
	}
	return 0;
}

static int run_ip_batch(const char *script, char *why, size_t whylen)
{
	return run_ip_batch_fd(script, -1, why, whylen);
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
	if (errno != EPERM) {
		say(why, whylen, "unshare(CLONE_NEWNET): %s (kernel built without CONFIG_NET_NS?)",
		    strerror(errno));
		return errno == EINVAL ? NETNS_SKIP : NETNS_FAIL;
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
		say(why, whylen,
		    "needs root, or unprivileged user namespaces: unshare(CLONE_NEWUSER|CLONE_NEWNET): %s "
		    "(check sysctls kernel.unprivileged_userns_clone, user.max_user_namespaces, "
		    "kernel.apparmor_restrict_unprivileged_userns)", strerror(errno));
		return NETNS_SKIP;
	}
	if (write_sysctl("/proc/self/setgroups", "deny") ||
	    write_id_map("/proc/self/uid_map", uid) ||
	    write_id_map("/proc/self/gid_map", gid)) {
		say(why, whylen, "cannot map uid %u to root in the new user namespace: %s",
		    uid, strerror(errno));
		return NETNS_SKIP;
	}
	return NETNS_OK;
}

/* No IPv6 autoconf, DAD, router solicitations or MLD unless asked for. */
static void quiet_namespace(bool want_ipv6)
{
	const char *v = want_ipv6 ? "0" : "1";

	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", v);
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", v);
	if (want_ipv6) {
		write_sysctl("/proc/sys/net/ipv6/conf/default/accept_ra", "0");
		write_sysctl("/proc/sys/net/ipv6/conf/default/autoconf", "0");
		write_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
		write_sysctl("/proc/sys/net/ipv6/conf/default/addr_gen_mode", "1");
	}
}

/* Append one formatted line to a script buffer. */
static void script_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void script_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * Commands that configure one veth end ("psk0" or "psk1") once it exists:
 * up, then the VLAN sub-interface and the addresses if asked for.
 */
static void script_configure_end(char *s, size_t len, const struct netns_opts *o,
				  int end)
{
	const char *dev = end ? NETNS_IF1 : NETNS_IF0;
	const char *ip4 = end ? NETNS_IP4_1 : NETNS_IP4_0;
	const char *ip6 = end ? NETNS_IP6_1 : NETNS_IP6_0;
	const char *nb4 = end ? NETNS_IP4_0 : NETNS_IP4_1;
	const char *nb6 = end ? NETNS_IP6_0 : NETNS_IP6_1;
	char nbmac[18];

	format_mac(nbmac, sizeof(nbmac), end ? mac0 : mac1);
	script_add(s, len, "link set lo up\n");
	if (o->addrs) {
		script_add(s, len, "link set %s addrgenmode none\n", dev);
		script_add(s, len, "addr add %s/24 dev %s\n", ip4, dev);
		script_add(s, len, "addr add %s/64 dev %s nodad\n", ip6, dev);
		script_add(s, len, "neigh replace %s lladdr %s dev %s nud permanent\n",
			   nb4, nbmac, dev);
		script_add(s, len, "neigh replace %s lladdr %s dev %s nud permanent\n",
			   nb6, nbmac, dev);
	}
	script_add(s, len, "link set %s up\n", dev);
}

/* Commands that add and bring up the VLAN sub-interface of one veth end. */
static void script_add_vlan(char *s, size_t len, const struct netns_opts *o, int end)
{
	const char *dev = end ? NETNS_IF1 : NETNS_IF0;

	script_add(s, len, "link add link %s name %s.%u type vlan proto %s id %u\n",
		   dev, dev, o->vlan_id, o->vlan_8021ad ? "802.1ad" : "802.1Q", o->vlan_id);
	script_add(s, len, "link set %s.%u up\n", dev, o->vlan_id);
}

static int switch_netns(int fd)
{
	return setns(fd, CLONE_NEWNET);
}

int netns_in_peer(struct netns_topo *topo, int (*fn)(void *arg), void *arg)
{
	int ret, saved;

	if (topo->ns_peer < 0)
		return fn(arg);
	if (switch_netns(topo->ns_peer))
		return -1;
	ret = fn(arg);
	saved = errno;
	if (switch_netns(topo->ns_main))
		return -1;
	errno = saved;
	return ret;
}

struct batch_arg {
	const char *script;
	char *why;
	size_t whylen;
};

static int batch_cb(void *p)
{
	struct batch_arg *a = p;

	return run_ip_batch(a->script, a->why, a->whylen);
}

/*
 * Add the VLAN sub-interfaces. A kernel without 802.1Q devices is a missing
 * feature (SKIP), not a failure.
 */
static int add_vlans(struct netns_topo *t, const struct netns_opts *o,
		     char *why, size_t whylen)
{
	char s0[256] = "", s1[256] = "";
	struct batch_arg a1 = { s1, why, whylen };

	script_add_vlan(s0, sizeof(s0), o, 0);
	script_add_vlan(s1, sizeof(s1), o, 1);
	if (run_ip_batch(s0, why, whylen) == 0 && netns_in_peer(t, batch_cb, &a1) == 0)
		return NETNS_OK;
	if (strstr(why, "Unknown device type")) {
		say(why, whylen, "kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q, module 8021q)");
		return NETNS_SKIP;
	}
	return NETNS_FAIL;
}

int netns_ip(struct netns_topo *topo, bool in_peer, char *why, size_t whylen,
	     const char *fmt, ...)
{
	struct batch_arg a = { .why = why, .whylen = whylen };
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	a.script = line;
	if (in_peer)
		return netns_in_peer(topo, batch_cb, &a);
	return run_ip_batch(line, why, whylen);
}

static int ifindex_cb(void *name)
{
	return (int)if_nametoindex(name);
}

int netns_timeout_scale(void)
{
	const char *s = getenv("PSOCK_TIMEOUT_SCALE");
	int v = s ? atoi(s) : 1;

	return v > 0 ? v : 1;
}

/* A NETLINK_ROUTE socket that receives every link notification. */
static int link_events_open(void)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&snl, sizeof(snl))) {
		close(fd);
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

/*
 * A veth end whose carrier came up through its peer gets its qdisc attached
 * by the linkwatch worker, asynchronously; until then frames sent on it are
 * dropped by noop_qdisc. linkwatch_do_dev() sets the operstate, attaches the
 * qdisc (dev_activate) and then announces RTM_NEWLINK, so "operstate UP in
 * a notification" means "ready to send". Wait for it on nl, subscribed
 * before the links were brought up, so no notification can be missed.
 * devs lists the interfaces (at most 2) nl must see; each is ticked off.
 */
static int wait_oper_up(int nl, const char *const *devs, int ndevs,
			char *why, size_t whylen)
{
	int timeout = 2000 * netns_timeout_scale(), left = ndevs;
	bool seen[2] = { false, false };
	char buf[8192];

	while (left > 0) {
		struct pollfd pfd = { .fd = nl, .events = POLLIN };
		struct nlmsghdr *nh;
		ssize_t n;

		if (poll(&pfd, 1, timeout) != 1) {
			say(why, whylen, "%s did not reach operstate UP within %d ms",
			    devs[seen[0] ? 1 : 0], timeout);
			return -1;
		}
		n = recv(nl, buf, sizeof(buf), 0);
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

static int quiet_cb(void *want_ipv6)
{
	quiet_namespace(*(const bool *)want_ipv6);
	return 0;
}

/* Enter the test's namespaces: the main one, and the peer one if asked for. */
static int enter_namespaces(struct netns_topo *t, const struct netns_opts *o,
			    char *why, size_t whylen)
{
	int ret = enter_new_netns(why, whylen);

	if (ret != NETNS_OK)
		return ret;
	t->ns_main = current_netns();
	if (o->peer_netns) {
		/* A second namespace lives on through its fd, without a process. */
		if (unshare(CLONE_NEWNET)) {
			say(why, whylen, "unshare(CLONE_NEWNET) for the peer: %s", strerror(errno));
			return NETNS_FAIL;
		}
		t->ns_peer = current_netns();
		if (switch_netns(t->ns_main)) {
			say(why, whylen, "setns back to the main namespace: %s", strerror(errno));
			return NETNS_FAIL;
		}
	}
	if (t->ns_main < 0 || (o->peer_netns && t->ns_peer < 0)) {
		say(why, whylen, "open /proc/self/ns/net: %s", strerror(errno));
		return NETNS_FAIL;
	}
	quiet_namespace(o->addrs);
	netns_in_peer(t, quiet_cb, (void *)&o->addrs);
	return NETNS_OK;
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
	char create[512], main_script[1024] = "", peer_script[1024] = "";
	char m0[18], m1[18], qs[64] = "", mtu[32] = "", peer_ns[64] = "";
	struct batch_arg peer = { peer_script, why, whylen };

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
	snprintf(create, sizeof(create),
		 "link add %s index %d address %s%s%s type veth peer name %s index %d address %s%s%s%s\n",
		 NETNS_IF0, NETNS_IFINDEX0, m0, qs, mtu, NETNS_IF1, NETNS_IFINDEX1, m1, qs, mtu, peer_ns);
	script_configure_end(t->ns_peer >= 0 ? peer_script : main_script,
			     sizeof(main_script), o, 1);
	script_configure_end(main_script, sizeof(main_script), o, 0);

	if (run_ip_batch_fd(create, t->ns_peer, why, whylen))
		return -1;
	if (t->ns_peer >= 0 && netns_in_peer(t, batch_cb, &peer))
		return -1;
	return run_ip_batch(main_script, why, whylen);
}

/* Wait until psk0 and psk1 can send: nl0 (main) and nl1 (psk1's namespace). */
static int wait_links_up(int nl0, int nl1, char *why, size_t whylen)
{
	static const char *const both[] = { NETNS_IF0, NETNS_IF1 };

	if (nl0 == nl1)
		return wait_oper_up(nl0, both, 2, why, whylen);
	return wait_oper_up(nl0, &both[0], 1, why, whylen) ||
	       wait_oper_up(nl1, &both[1], 1, why, whylen);
}

static int lookup_ifindexes(struct netns_topo *t, const struct netns_opts *o,
			    char *why, size_t whylen)
{
	char vlan_name[IFNAMSIZ + 8];

	t->ifindex0 = (int)if_nametoindex(NETNS_IF0);
	t->ifindex1 = netns_in_peer(t, ifindex_cb, (void *)NETNS_IF1);
	if (o->vlan_id) {
		snprintf(vlan_name, sizeof(vlan_name), "%s.%u", NETNS_IF0, o->vlan_id);
		t->vlan_ifindex0 = (int)if_nametoindex(vlan_name);
		snprintf(vlan_name, sizeof(vlan_name), "%s.%u", NETNS_IF1, o->vlan_id);
		t->vlan_ifindex1 = netns_in_peer(t, ifindex_cb, vlan_name);
	}
	if (t->ifindex0 <= 0 || t->ifindex1 <= 0 ||
	    (o->vlan_id && (t->vlan_ifindex0 <= 0 || t->vlan_ifindex1 <= 0))) {
		say(why, whylen, "interfaces missing after setup");
		return -1;
	}
	return 0;
}

int netns_setup(const struct netns_opts *opts, struct netns_topo *t,
		char *why, size_t whylen)
{
	static const struct netns_opts defaults;
	const struct netns_opts *o = opts ? opts : &defaults;
	int ret, nl0 = -1, nl1 = -1;

	memset(t, 0, sizeof(*t));
	t->ns_main = t->ns_peer = t->peer_fd = -1;
	memcpy(t->mac0, mac0, 6);
	memcpy(t->mac1, mac1, 6);
	if (why && whylen)
		why[0] = '\0';

	/* Whatever happens to the harness, this process must not outlive it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	ret = enter_namespaces(t, o, why, whylen);
	if (ret != NETNS_OK || o->no_links)
		return ret;

	ret = NETNS_FAIL;
	/* Subscribe to link events before anything can happen to the links. */
	nl0 = link_events_open();
	nl1 = t->ns_peer >= 0 ? netns_in_peer(t, link_events_open_cb, NULL) : nl0;
	if (nl0 < 0 || nl1 < 0)
		say(why, whylen, "rtnetlink socket: %s", strerror(errno));
	else if (create_links(t, o, why, whylen) == 0 &&
		 wait_links_up(nl0, nl1, why, whylen) == 0)
		ret = o->vlan_id ? add_vlans(t, o, why, whylen) : NETNS_OK;
	if (ret == NETNS_OK && lookup_ifindexes(t, o, why, whylen))
		ret = NETNS_FAIL;

	if (nl1 >= 0 && nl1 != nl0)
		close(nl1);
	if (nl0 >= 0)
		close(nl0);
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

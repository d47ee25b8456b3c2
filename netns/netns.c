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

#define ETH_P_NETNS_PROBE 0x88B5	/* local experimental EtherType */
static const char probe_tag[] = "psock-netns-probe";

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
static int run_ip_batch(const char *script, char *why, size_t whylen)
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
	if (o->vlan_id) {
		script_add(s, len, "link add link %s name %s.%u type vlan proto %s id %u\n",
			   dev, dev, o->vlan_id, o->vlan_8021ad ? "802.1ad" : "802.1Q",
			   o->vlan_id);
		script_add(s, len, "link set %s.%u up\n", dev, o->vlan_id);
	}
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

/* A packet socket bound to one device, for the link probe. */
static int probe_socket(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_NETNS_PROBE),
		.sll_ifindex = ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_NETNS_PROBE));

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

struct probe_sock_arg {
	int ifindex;
};

static int probe_socket_cb(void *p)
{
	return probe_socket(((struct probe_sock_arg *)p)->ifindex);
}

static int timeout_scale(void)
{
	const char *s = getenv("PSOCK_TIMEOUT_SCALE");
	int v = s ? atoi(s) : 1;

	return v > 0 ? v : 1;
}

/*
 * A veth end whose carrier came up through its peer gets its qdisc attached
 * by the linkwatch worker, asynchronously (linkwatch_do_dev -> dev_activate);
 * until then frames sent on it are dropped by noop_qdisc. So do not trust
 * "up": send tagged probe frames from tx_fd until one arrives on rx_fd. The
 * path is in order, so once the last probe sent has arrived nothing is left
 * in flight. The probes are sent before any test socket exists, so no test
 * ever sees them.
 */
static int wait_link_passes(int tx_fd, int rx_fd, const uint8_t *dst,
			    const uint8_t *src, char *why, size_t whylen)
{
	int tries = 200 * timeout_scale();	/* 10 ms each */
	uint8_t frame[64] = { 0 }, buf[128];
	uint32_t seq;

	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = ETH_P_NETNS_PROBE >> 8;
	frame[13] = ETH_P_NETNS_PROBE & 0xff;
	memcpy(frame + 14, probe_tag, sizeof(probe_tag));

	for (seq = 1; seq <= (uint32_t)tries; seq++) {
		struct pollfd pfd = { .fd = rx_fd, .events = POLLIN };

		memcpy(frame + 14 + sizeof(probe_tag), &seq, sizeof(seq));
		if (send(tx_fd, frame, sizeof(frame), 0) != sizeof(frame)) {
			say(why, whylen, "link probe: send: %s", strerror(errno));
			return -1;
		}
		while (poll(&pfd, 1, 10) == 1) {
			ssize_t n = recv(rx_fd, buf, sizeof(buf), 0);
			uint32_t got;

			if (n < (ssize_t)(14 + sizeof(probe_tag) + sizeof(got)) ||
			    memcmp(buf + 14, probe_tag, sizeof(probe_tag)))
				continue;
			memcpy(&got, buf + 14 + sizeof(probe_tag), sizeof(got));
			if (got == seq)
				return 0;
		}
	}
	say(why, whylen, "veth link passed no frame within %d ms", tries * 10);
	return -1;
}

/* Probe both directions of psk0 <-> psk1. */
static int wait_topology_ready(struct netns_topo *t, char *why, size_t whylen)
{
	struct probe_sock_arg a1 = { .ifindex = t->ifindex1 };
	int fd0 = probe_socket(t->ifindex0);
	int fd1 = netns_in_peer(t, probe_socket_cb, &a1);
	int ret = -1;

	if (fd0 < 0 || fd1 < 0) {
		say(why, whylen, "link probe: packet socket: %s", strerror(errno));
		goto out;
	}
	if (wait_link_passes(fd0, fd1, t->mac1, t->mac0, why, whylen) ||
	    wait_link_passes(fd1, fd0, t->mac0, t->mac1, why, whylen))
		goto out;
	ret = 0;
out:
	if (fd0 >= 0)
		close(fd0);
	if (fd1 >= 0)
		close(fd1);
	return ret;
}

static int quiet_cb(void *want_ipv6)
{
	quiet_namespace(*(bool *)want_ipv6);
	return 0;
}

int netns_setup(const struct netns_opts *opts, struct netns_topo *t,
		char *why, size_t whylen)
{
	static const struct netns_opts defaults;
	const struct netns_opts *o = opts ? opts : &defaults;
	struct batch_arg peer_batch;
	char main_script[2048] = "", peer_script[1024] = "";
	char m0[18], m1[18], qs[64] = "", mtu[32] = "", peer_ns[64] = "";
	char vlan_name[IFNAMSIZ + 8];
	int ret;

	memset(t, 0, sizeof(*t));
	t->ns_main = t->ns_peer = t->peer_fd = -1;
	memcpy(t->mac0, mac0, 6);
	memcpy(t->mac1, mac1, 6);

	/* Whatever happens to the harness, this process must not outlive it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	ret = enter_new_netns(why, whylen);
	if (ret != NETNS_OK)
		return ret;
	t->ns_main = current_netns();
	if (o->peer_netns) {
		if (unshare(CLONE_NEWNET)) {
			say(why, whylen, "unshare(CLONE_NEWNET) for the peer: %s", strerror(errno));
			return NETNS_FAIL;
		}
		t->ns_peer = current_netns();
		quiet_namespace(o->addrs);
		if (switch_netns(t->ns_main)) {
			say(why, whylen, "setns back to the main namespace: %s", strerror(errno));
			return NETNS_FAIL;
		}
		snprintf(peer_ns, sizeof(peer_ns), " netns /proc/%d/fd/%d",
			 (int)getpid(), t->ns_peer);
	}
	if (t->ns_main < 0 || (o->peer_netns && t->ns_peer < 0)) {
		say(why, whylen, "open /proc/self/ns/net: %s", strerror(errno));
		return NETNS_FAIL;
	}
	quiet_cb((void *)&o->addrs);

	format_mac(m0, sizeof(m0), mac0);
	format_mac(m1, sizeof(m1), mac1);
	if (o->queues > 1)
		snprintf(qs, sizeof(qs), " numtxqueues %u numrxqueues %u", o->queues, o->queues);
	if (o->mtu)
		snprintf(mtu, sizeof(mtu), " mtu %u", o->mtu);
	script_add(main_script, sizeof(main_script),
		   "link add %s address %s%s%s type veth peer name %s address %s%s%s%s\n",
		   NETNS_IF0, m0, qs, mtu, NETNS_IF1, m1, qs, mtu, peer_ns);
	/* Bring up psk1's side first only matters for carrier; both are probed. */
	if (o->peer_netns) {
		script_configure_end(main_script, sizeof(main_script), o, 0);
		script_configure_end(peer_script, sizeof(peer_script), o, 1);
	} else {
		script_configure_end(main_script, sizeof(main_script), o, 1);
		script_configure_end(main_script, sizeof(main_script), o, 0);
	}
	if (run_ip_batch(main_script, why, whylen))
		return NETNS_FAIL;
	if (o->peer_netns) {
		peer_batch = (struct batch_arg){ peer_script, why, whylen };
		if (netns_in_peer(t, batch_cb, &peer_batch))
			return NETNS_FAIL;
	}

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
		return NETNS_FAIL;
	}
	if (wait_topology_ready(t, why, whylen))
		return NETNS_FAIL;
	return NETNS_OK;
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

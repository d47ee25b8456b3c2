/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-test network namespaces and the veth topology every test runs on.
 *
 * netns_setup() is called from a FIXTURE_SETUP, i.e. inside the process the
 * kselftest harness forked for one test case. It moves that process into a
 * fresh network namespace (and, when not root, a fresh user namespace that
 * maps the caller to root), then builds:
 *
 *     [main namespace]                      [main, or the peer namespace]
 *     psk0  (02:70:73:6b:00:00)  <- veth ->  psk1  (02:70:73:6b:00:01)
 *     psk0.VID (optional VLAN)               psk1.VID (optional VLAN)
 *
 * Both ends are up. Nothing is ever created in the initial namespace: the
 * namespaces are anchored only by the test process (and an open fd for the
 * peer namespace), so they vanish with it, even when it is killed.
 *
 * The namespaces are quiet: IPv6 is disabled unless addresses are asked for
 * (no autoconf, DAD or router solicitation), and IPv4 neighbours are static, so
 * no ARP is sent. Addresses come only from 198.51.100.0/24 and 2001:db8::/32.
 */
#ifndef PSOCK_NETNS_H
#define PSOCK_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETNS_IF0 "psk0"
#define NETNS_IF1 "psk1"

/* Fixed interface indexes of psk0 and psk1 (distinct even in two namespaces). */
#define NETNS_IFINDEX0 10
#define NETNS_IFINDEX1 11

/* Fixed, locally administered MAC addresses, so tests can expect them. */
#define NETNS_MAC0 { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x00 }
#define NETNS_MAC1 { 0x02, 0x70, 0x73, 0x6b, 0x00, 0x01 }

/* Addresses given with .addrs: psk0 has .1 / ::1, psk1 has .2 / ::2. */
#define NETNS_IP4_0 "198.51.100.1"
#define NETNS_IP4_1 "198.51.100.2"
#define NETNS_IP6_0 "2001:db8::1"
#define NETNS_IP6_1 "2001:db8::2"

struct netns_opts {
	bool peer_netns;	/* psk1 lives in a second namespace */
	unsigned int queues;	/* rx and tx queues on each veth end; 0 means 1 */
	unsigned int mtu;	/* MTU of psk0 and psk1; 0 keeps the default 1500 */
	uint16_t vlan_id;	/* non-zero: add psk0.VID and psk1.VID */
	bool vlan_8021ad;	/* the VLAN sub-interfaces use 802.1ad, not 802.1Q */
	bool addrs;		/* IPv4 + IPv6 addresses and static neighbours */
	bool no_links;		/* only fresh namespaces, no veth: for a quiet socket */
};

struct netns_topo {
	int ifindex0;		/* psk0, in the main namespace */
	int ifindex1;		/* psk1, in the namespace it lives in */
	int vlan_ifindex0;	/* psk0.VID, or 0 */
	int vlan_ifindex1;	/* psk1.VID, or 0 */
	uint8_t mac0[6];
	uint8_t mac1[6];
	int ns_main;		/* fd of the main namespace */
	int ns_peer;		/* fd of the peer namespace, or -1 (psk1 in main) */
	int peer_fd;		/* lazily opened packet socket on psk1 (peer_send) */
};

/* Results of netns_setup(). */
enum {
	NETNS_OK = 0,
	NETNS_SKIP = 1,		/* no privilege / no feature: reason in why */
	NETNS_FAIL = -1,	/* something that should work did not: reason in why */
};

/*
 * Enter fresh namespaces and build the topology described by opts (NULL means
 * the default: psk0 <-> psk1 in one namespace). On NETNS_SKIP or NETNS_FAIL, a
 * one-line reason is written to why.
 */
int netns_setup(const struct netns_opts *opts, struct netns_topo *topo,
		char *why, size_t whylen);

/* Close what netns_setup() opened (the namespaces go when the process ends). */
void netns_teardown(struct netns_topo *topo);

/*
 * Bring psk0 and psk1 up again after a case took one of them down, and wait
 * (2 s, scaled, one deadline for both) until both announce operstate UP on
 * rtnetlink. A veth end whose carrier comes back gets its qdisc from the
 * linkwatch worker, asynchronously, and drops what is sent before that;
 * linkwatch_do_dev() sends RTM_NEWLINK with IF_OPER_UP after dev_activate(),
 * so then both ends can send. The subscription comes before the links go
 * up, so no notification is missed. 0, or -1 with the reason in why.
 */
int netns_links_up(struct netns_topo *topo, char *why, size_t whylen);

/*
 * Add one more veth pair, a <-> b, both ends in the calling thread's
 * namespace (after netns_setup(): the main one), for a
 * topology beyond psk0/psk1 (psock-bench's forwarding sink): one rx and tx
 * queue each, up, and waited for (2 s, scaled, one deadline for both) until
 * both announce operstate UP, as netns_setup() waits for psk0 and psk1.
 * 0, or -1 with the reason in why.
 */
int netns_add_veth(const char *a, const char *b, char *why, size_t whylen);

/*
 * Run fn(arg) inside the namespace that holds psk1: on a thread of its own
 * that enters it (setns() moves only the calling thread, so the caller never
 * leaves the main namespace), or directly when there is no peer namespace.
 * Sockets fn creates stay bound to that namespace. Returns fn's result with
 * fn's errno, or -1 with errno set if the namespace could not be entered.
 */
int netns_in_peer(struct netns_topo *topo, int (*fn)(void *arg), void *arg);

/*
 * Run "ip ARGS..." inside the main namespace (or the peer one when in_peer),
 * e.g. netns_ip(topo, false, why, len, "link set psk0 mtu 9000").
 * Returns 0 on success; otherwise -1 with ip's error message in why.
 */
int netns_ip(struct netns_topo *topo, bool in_peer, char *why, size_t whylen,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * PSOCK_TIMEOUT_SCALE from the environment (default 1; a fraction rounds
 * up): every bounded wait of the suite is multiplied by it, for slow
 * emulated kernels. A value that is not a number from 1 to 1000 makes
 * netns_setup() fail.
 */
int netns_timeout_scale(void);

#endif

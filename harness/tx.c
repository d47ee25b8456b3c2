// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit-side helpers; see tx.h for what each one promises.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/sockios.h>

#include "tx.h"

size_t tx_data_offset(int version)
{
	return TPACKET_ALIGN(tpacket_hdr_size(version));
}

uint32_t tx_status(const struct ring *r, const void *frame)
{
	return tpacket_status(r->version, frame);
}

void tx_set_status(const struct ring *r, void *frame, uint32_t status)
{
	tpacket_set_status(r->version, frame, status);
}

void tx_set_len(const struct ring *r, void *frame, uint32_t len)
{
	if (r->version == TPACKET_V3)
		((struct tpacket3_hdr *)frame)->tp_len = len;
	else if (r->version == TPACKET_V2)
		((struct tpacket2_hdr *)frame)->tp_len = len;
	else
		((struct tpacket_hdr *)frame)->tp_len = len;
}

void tx_set_offsets(const struct ring *r, void *frame, uint16_t mac, uint16_t net)
{
	if (r->version == TPACKET_V3) {
		((struct tpacket3_hdr *)frame)->tp_mac = mac;
		((struct tpacket3_hdr *)frame)->tp_net = net;
	} else if (r->version == TPACKET_V2) {
		((struct tpacket2_hdr *)frame)->tp_mac = mac;
		((struct tpacket2_hdr *)frame)->tp_net = net;
	} else {
		((struct tpacket_hdr *)frame)->tp_mac = mac;
		((struct tpacket_hdr *)frame)->tp_net = net;
	}
}

void *tx_put(struct ring *r, unsigned int i, size_t off, const void *data, size_t len)
{
	uint8_t *f = ring_frame(r, i);

	memcpy(f + (off ? off : tx_data_offset(r->version)), data, len);
	tx_set_len(r, f, len);
	tx_set_status(r, f, TP_STATUS_SEND_REQUEST);
	return f;
}

bool tx_wait_status(const struct ring *r, const void *frame, uint32_t want, int timeout_ms)
{
	int64_t deadline = psock_deadline(timeout_ms);

	while (tx_status(r, frame) != want) {
		if (psock_monotonic_ms() >= deadline)
			return false;
		poll(NULL, 0, 1);
	}
	return true;
}

int tx_socket(int type, int version, int ifindex)
{
	return psock_rx_socket(type, version, ifindex, 0);
}

struct sockaddr_ll tx_addr(int ifindex, uint16_t proto, const uint8_t mac[6])
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
	};

	memcpy(sll.sll_addr, mac, 6);
	return sll;
}

union tx_addr_long tx_addr_long(int ifindex, uint16_t proto, const uint8_t mac[6], uint8_t halen)
{
	union tx_addr_long a;

	memset(&a, 0, sizeof(a));
	a.ll = tx_addr(ifindex, proto, mac);
	a.ll.sll_halen = halen;
	return a;
}

void tx_msg_unknown_cmsg(struct msghdr *msg, union tx_cmsg_buf *buf)
{
	struct cmsghdr *c;

	memset(buf, 0, sizeof(*buf));
	msg->msg_control = buf->buf;
	msg->msg_controllen = sizeof(buf->buf);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = TX_CMSG_UNKNOWN;
	c->cmsg_len = CMSG_LEN(sizeof(int));
}

int tx_frame_build(struct tx_frame *f, const struct frame_spec *spec)
{
	static const uint8_t psk0_mac[6] = NETNS_MAC0, psk1_mac[6] = NETNS_MAC1;
	struct frame_spec s = *spec;

	if (!s.src)
		s.src = psk0_mac;
	if (!s.dst)
		s.dst = psk1_mac;
	f->len = frame_build(f->wire, sizeof(f->wire), &s);
	if (!f->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int tx_frame_untag(struct tx_frame *f)
{
	uint16_t tpid;

	if (f->len < 2 * ETH_ALEN + 4 + 2) {
		errno = EINVAL;
		return -1;
	}
	tpid = (uint16_t)(f->wire[2 * ETH_ALEN] << 8 | f->wire[2 * ETH_ALEN + 1]);
	if (tpid != ETH_P_8021Q && tpid != ETH_P_8021AD) {
		errno = EINVAL;
		return -1;
	}
	memmove(f->wire + 2 * ETH_ALEN, f->wire + 2 * ETH_ALEN + 4, f->len - 2 * ETH_ALEN - 4);
	f->len -= 4;
	return 0;
}

/* ---- the receiving end ----------------------------------------------- */

int tx_sink_open(struct netns_topo *topo)
{
	int fd, flags, saved;

	if (topo->ns_peer >= 0) {
		errno = EINVAL;	/* the sink lives in the main namespace */
		return -1;
	}
	fd = psock_rx_socket(SOCK_RAW, 0, topo->ifindex1, ETH_P_ALL);
	if (fd < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

ssize_t tx_sink_recv(int fd, struct msghdr *msg, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - psock_monotonic_ms();
		ssize_t n;

		if (left <= 0)
			return 0;
		n = recvmsg(fd, msg, MSG_TRUNC | MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
}

ssize_t tx_sink_next_msg(int fd, struct msghdr *msg, size_t skip, uint32_t *seq, int timeout_ms)
{
	int64_t deadline = psock_deadline(timeout_ms);
	size_t controllen = msg->msg_controllen;
	socklen_t namelen = msg->msg_namelen;

	for (;;) {
		const struct iovec *iov = msg->msg_iov;
		ssize_t n;
		size_t got;

		msg->msg_controllen = controllen;
		msg->msg_namelen = namelen;
		n = tx_sink_recv(fd, msg, deadline);
		if (n <= 0)
			return n;
		got = (size_t)n < iov->iov_len ? (size_t)n : iov->iov_len;
		if (got > skip && frame_tag((uint8_t *)iov->iov_base + skip, got - skip, seq))
			return n;
	}
}

ssize_t tx_sink_next(int fd, void *buf, size_t size, size_t skip, uint32_t *seq,
		     struct sockaddr_ll *from, int timeout_ms)
{
	struct sockaddr_ll sll;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_name = &sll, .msg_namelen = sizeof(sll), .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n = tx_sink_next_msg(fd, &msg, skip, seq, timeout_ms);

	if (n > 0 && from)
		*from = sll;
	return n;
}

int tx_sink_expect(int fd, const struct tx_expect *want, int timeout_ms,
		   char *why, size_t whylen)
{
	/* The cases run one at a time, each in its own process. */
	static uint8_t buf[65536];
	const uint8_t *w = want->bytes;
	uint32_t seq = ~0u;
	ssize_t n = tx_sink_next(fd, buf, sizeof(buf), want->skip, &seq, NULL, timeout_ms);

	if (n <= 0) {
		snprintf(why, whylen, "frame %u did not arrive: %s", want->seq,
			 n ? strerror(errno) : "timeout");
		return -1;
	}
	if (seq != want->seq) {
		snprintf(why, whylen, "frame %u: frame %u came first (out of order)",
			 want->seq, seq);
		return -1;
	}
	if ((size_t)n != want->len) {
		snprintf(why, whylen, "frame %u: %zd bytes, want %zu", want->seq, n, want->len);
		return -1;
	}
	for (size_t i = 0; i < want->len; i++) {
		if (want->ignore && (i == want->ignore || i == want->ignore + 1))
			continue;
		if (buf[i] != w[i]) {
			snprintf(why, whylen, "frame %u differs at byte %zu: %#04x, want %#04x",
				 want->seq, i, buf[i], w[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- qdiscs ---------------------------------------------------------- */

/* Read fd to its end: the first len - 1 bytes into buf (NUL-terminated), the rest dropped. */
static void read_all(int fd, char *buf, size_t len)
{
	char scratch[512];
	size_t got = 0;
	ssize_t n;

	for (;;) {
		if (got + 1 < len)
			n = read(fd, buf + got, len - 1 - got);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += n;
	}
	buf[got] = '\0';
}

/*
 * Run tc with argv, its stdout to out (if not NULL). 0 when tc exited 0;
 * otherwise -1 and why holds tc's stderr, or why it could not run.
 */
static int run_tc(char *const argv[], char *out, size_t outlen, char *why, size_t whylen)
{
	int opipe[2], epipe[2], status;
	char discard[64];
	pid_t pid;

	if (pipe2(opipe, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(epipe, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		close(opipe[0]);
		close(opipe[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(opipe[0]);
		close(opipe[1]);
		close(epipe[0]);
		close(epipe[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		execvp("tc", argv);
		dprintf(2, "cannot run tc (install iproute2): %s", strerror(errno));
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	/* stdout first, to its end (tc's stderr is one short message). */
	read_all(opipe[0], out ? out : discard, out ? outlen : sizeof(discard));
	read_all(epipe[0], why, whylen);
	close(opipe[0]);
	close(epipe[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (!why[0] && WIFEXITED(status))
		snprintf(why, whylen, "tc exited with status %d", WEXITSTATUS(status));
	else if (!why[0])
		snprintf(why, whylen, "tc killed by signal %d", WTERMSIG(status));
	else if (why[strlen(why) - 1] == '\n')
		why[strlen(why) - 1] = '\0';
	return -1;
}

int tx_tc(char *why, size_t whylen, const char *fmt, ...)
{
	char line[512], *argv[32], *save = NULL;
	int argc = 0, len;
	va_list ap;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(line)) {
		snprintf(why, whylen, "tc command longer than %zu bytes", sizeof(line) - 1);
		return -1;
	}
	argv[argc++] = "tc";
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (argc == 31) {
			snprintf(why, whylen, "tc command with more than 30 arguments");
			return -1;
		}
		argv[argc++] = t;
	}
	argv[argc] = NULL;
	return run_tc(argv, NULL, 0, why, whylen);
}

bool tx_tc_missing(const char *why)
{
	/*
	 * "Error: Specified qdisc kind is unknown." (tc_modify_qdisc()), or
	 * run_tc()'s own message when tc cannot be executed.
	 */
	return strstr(why, "kind is unknown") || strstr(why, "cannot run tc");
}

long long tx_qdisc_packets(const char *dev, char *why, size_t whylen)
{
	char *argv[] = { "tc", "-s", "qdisc", "show", "dev", (char *)dev, "root", NULL };
	char out[4096];
	unsigned long long bytes, pkts;
	const char *p;

	if (run_tc(argv, out, sizeof(out), why, whylen))
		return -1;
	/* " Sent 1234 bytes 5 pkt (dropped 0, overlimits 0 requeues 0)" */
	p = strstr(out, "Sent ");
	if (!p || sscanf(p, "Sent %llu bytes %llu pkt", &bytes, &pkts) != 2) {
		snprintf(why, whylen, "no \"Sent N bytes N pkt\" in: %.200s", out);
		return -1;
	}
	why[0] = '\0';
	return (long long)pkts;
}

int tx_set_offload(const char *dev, uint32_t ethtool_cmd, uint32_t on)
{
	struct ethtool_value ev = { .cmd = ethtool_cmd, .data = on };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret, saved;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

int tx_set_feature(const char *dev, const char *name, bool on)
{
	struct ethtool_sset_info *info = NULL;
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_sfeatures *sf = NULL;
	struct ifreq ifr = { 0 };
	uint32_t n = 0, i, words;
	int fd, ret = -1, saved = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	info = calloc(1, sizeof(*info) + sizeof(uint32_t));
	if (!info)
		goto out;
	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ULL << ETH_SS_FEATURES;
	ifr.ifr_data = (void *)info;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	n = info->sset_mask ? info->data[0] : 0;
	strs = calloc(1, sizeof(*strs) + (size_t)n * ETH_GSTRING_LEN);
	if (!strs)
		goto out;
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_FEATURES;
	strs->len = n;
	ifr.ifr_data = (void *)strs;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	for (i = 0; i < n; i++)
		if (!strncmp((const char *)strs->data + i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN))
			break;
	if (i == n) {
		errno = ENOENT;
		goto out;
	}
	words = (n + 31) / 32;
	sf = calloc(1, sizeof(*sf) + words * sizeof(sf->features[0]));
	if (!sf)
		goto out;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = words;
	sf->features[i / 32].valid = 1u << (i % 32);
	sf->features[i / 32].requested = on ? 1u << (i % 32) : 0;
	ifr.ifr_data = (void *)sf;
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	if (ret > 0) {
		/* ETHTOOL_F_WISH / _UNSUPPORTED: not what was asked */
		errno = EOPNOTSUPP;
		ret = -1;
	}
out:
	saved = errno;
	free(info);
	free(strs);
	free(sf);
	close(fd);
	errno = saved;
	return ret;
}

ssize_t tx_send_vnet(int fd, const struct virtio_net_hdr *vh, size_t hlen, const void *frame,
		     size_t len)
{
	uint8_t hdr[12] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = hlen },
		{ .iov_base = (void *)frame, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	if (hlen > sizeof(hdr)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(hdr, vh, sizeof(*vh) < hlen ? sizeof(*vh) : hlen);
	return sendmsg(fd, &msg, 0);
}

void tx_tcp_header(uint8_t *wire, int ip, uint8_t doff)
{
	size_t l4 = ETH_HLEN + (ip == 6 ? 40 : 20);
	struct tcphdr *th = (struct tcphdr *)(wire + l4);

	memset(th, 0, sizeof(*th));
	th->source = htons(5000);
	th->dest = htons(5001);
	th->doff = doff;
	th->ack = 1;
	th->window = htons(1000);
}

uint16_t tx_udp4_pseudo_sum(const uint8_t *frame)
{
	const struct iphdr *ip = (const struct iphdr *)(frame + ETH_HLEN);
	uint16_t l4len = ntohs(ip->tot_len) - sizeof(*ip);
	uint8_t tail[4] = { 0, IPPROTO_UDP, l4len >> 8, l4len & 0xff };
	uint32_t sum = inet_csum_add(&ip->saddr, 8, 0);	/* saddr, daddr */

	return inet_csum_add(tail, sizeof(tail), sum);
}

bool tx_udp4_csum_ok(const uint8_t *frame, size_t len)
{
	const size_t l4 = ETH_HLEN + sizeof(struct iphdr);

	return inet_csum_add(frame + l4, len - l4, tx_udp4_pseudo_sum(frame)) == 0xffff;
}

int tx_frame_tcp(struct tx_frame *f, int ip, uint32_t seq, size_t payload_len)
{
	const struct frame_spec spec = { .ip = ip, .payload_len = payload_len + 12, .seq = seq };
	size_t l4 = ETH_HLEN + (ip == 6 ? 40 : 20);
	uint8_t *buf = f->wire;

	/*
	 * IPv4 or IPv6 with UDP first (the same IP lengths); then the 20-byte
	 * TCP header in place of UDP's 8, the tagged payload moved after it.
	 */
	if (tx_frame_build(f, &spec))
		return -1;
	memmove(buf + l4 + 20, buf + l4 + 8, payload_len);
	tx_tcp_header(buf, ip, 5);
	if (ip == 6) {
		buf[ETH_HLEN + 6] = IPPROTO_TCP;
	} else {
		struct iphdr *iph = (struct iphdr *)(buf + ETH_HLEN);

		iph->protocol = IPPROTO_TCP;
		iph->check = 0;
		iph->check = htons((uint16_t)~inet_csum_add(iph, sizeof(*iph), 0));
	}
	f->len = l4 + 20 + payload_len;
	return 0;
}

long long tx_class_packets(const char *dev, const char *classid, char *why, size_t whylen)
{
	char *argv[] = { "tc", "-s", "class", "show", "dev", (char *)dev, "classid",
			 (char *)classid, NULL };
	char out[4096];
	unsigned long long bytes, pkts;
	const char *p;

	if (run_tc(argv, out, sizeof(out), why, whylen))
		return -1;
	p = strstr(out, "Sent ");
	if (!p || sscanf(p, "Sent %llu bytes %llu pkt", &bytes, &pkts) != 2) {
		snprintf(why, whylen, "no \"Sent N bytes N pkt\" for class %s in: %.200s", classid,
			 out);
		return -1;
	}
	why[0] = '\0';
	return (long long)pkts;
}

int tx_ip6tnl_add(struct netns_topo *topo, const char *name, char *why, size_t whylen)
{
	int ifindex;

	if (access("/sys/module/ip6_tunnel", F_OK)) {
		snprintf(why, whylen, "ip6_tunnel is not loaded (CONFIG_IPV6_TUNNEL): loading it "
			 "would create ip6tnl0 in the initial namespace");
		return 0;
	}
	if (netns_ip(topo, false, why, whylen,
		     "link add %s type ip6tnl local 2001:db8::1 remote 2001:db8::2", name))
		return strstr(why, "Unknown device type") ? 0 : -1;
	ifindex = if_nametoindex(name);
	if (!ifindex)
		snprintf(why, whylen, "%s: %s", name, strerror(errno));
	return ifindex ? ifindex : -1;
}

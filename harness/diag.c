// SPDX-License-Identifier: GPL-2.0
/* packet_diag dumps: see diag.h. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "diag.h"
#include "timing.h"

static void parse_attrs(struct pdiag_sock *p, struct nlattr *a, int len)
{
	for (; len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (void *)a + NLA_ALIGN(a->nla_len)) {
		void *d = (void *)a + NLA_HDRLEN;
		unsigned int dlen = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type) {
		case PACKET_DIAG_INFO:
			p->has_info = true;
			p->info_len = dlen;
			memcpy(&p->info, d, dlen < sizeof(p->info) ? dlen : sizeof(p->info));
			break;
		case PACKET_DIAG_UID:
			p->has_uid = true;
			memcpy(&p->uid, d, 4);
			break;
		case PACKET_DIAG_MCLIST:
			p->has_mclist = true;
			p->mc_n = dlen / sizeof(p->mc[0]);
			if (p->mc_n > 4)
				p->mc_n = 4;
			memcpy(p->mc, d, p->mc_n * sizeof(p->mc[0]));
			break;
		case PACKET_DIAG_RX_RING:
		case PACKET_DIAG_TX_RING:
			*(a->nla_type == PACKET_DIAG_RX_RING ? &p->has_rx : &p->has_tx) = true;
			p->ring_len = dlen;
			memcpy(a->nla_type == PACKET_DIAG_RX_RING ? &p->rx : &p->tx, d,
			       dlen < sizeof(p->rx) ? dlen : sizeof(p->rx));
			break;
		case PACKET_DIAG_FANOUT:
			p->has_fanout = true;
			memcpy(&p->fanout, d, 4);
			break;
		case PACKET_DIAG_MEMINFO:
			p->has_mem = true;
			p->mem_len = dlen < sizeof(p->mem) ? dlen : sizeof(p->mem);
			memcpy(p->mem, d, p->mem_len);
			break;
		case PACKET_DIAG_FILTER:
			p->has_filter = true;
			p->filter_len = dlen < sizeof(p->filter) ? dlen : sizeof(p->filter);
			memcpy(p->filter, d, p->filter_len);
			break;
		}
	}
}

/*
 * A NETLINK_SOCK_DIAG socket that has sent the request, its packet_diag_req
 * cut to req_len bytes (at most the whole struct): its fd, or -1 with errno.
 */
static int pdiag_send(uint32_t show, uint16_t flags, uint8_t protocol, unsigned int req_len)
{
	struct {
		struct nlmsghdr nlh;
		struct packet_diag_req req;
	} rq = {
		.nlh = {
			.nlmsg_len = sizeof(rq), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = 1,
		},
		.req = { .sdiag_family = AF_PACKET, .sdiag_protocol = protocol,
			 .pdiag_show = show },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	ssize_t len;
	int fd, err;

	if (req_len > sizeof(rq.req)) {
		errno = EINVAL;
		return -1;
	}
	len = NLMSG_LENGTH(req_len);
	rq.nlh.nlmsg_len = len;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	if (sendto(fd, &rq, len, 0, (struct sockaddr *)&nl, sizeof(nl)) == len)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int request(uint32_t show, uint16_t flags, uint8_t protocol, unsigned int req_len,
		   struct pdiag_dump *out)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	static char buf[65536];
	int fd, rc = -1, err = 0;

	memset(out, 0, sizeof(*out));
	fd = pdiag_send(show, flags, protocol, req_len);
	if (fd < 0)
		return -1;
	for (;;) {
		struct nlmsghdr *h;
		ssize_t n;

		if (psock_wait_until(fd, POLLIN, deadline) != 1)
			goto out;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			goto out;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct pdiag_sock *p;

			if (h->nlmsg_type == NLMSG_DONE) {
				rc = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				rc = e->error;
				goto out;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || out->n == PDIAG_MAX_SOCKS) {
				err = EPROTO;
				goto out;
			}
			p = &out->s[out->n++];
			memcpy(&p->msg, NLMSG_DATA(h), sizeof(p->msg));
			parse_attrs(p, (void *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(p->msg)),
				    h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(p->msg))));
		}
	}
out:
	if (!err)
		err = errno;
	close(fd);
	errno = err;
	return rc;
}

int pdiag_request(uint32_t show, uint16_t flags, uint8_t protocol, struct pdiag_dump *out)
{
	return request(show, flags, protocol, sizeof(struct packet_diag_req), out);
}

int pdiag_request_cut(unsigned int req_len, uint16_t flags, struct pdiag_dump *out)
{
	return request(0, flags, 0, req_len, out);
}

int pdiag_dump_batches(uint32_t show, uint32_t *ino, unsigned int ino_max,
		       struct pdiag_batches *out)
{
	int64_t deadline = psock_deadline(PSOCK_WAIT_MS);
	static char buf[65536] __attribute__((aligned(4)));
	int fd, rc = -1, err = 0;

	memset(out, 0, sizeof(*out));
	fd = pdiag_send(show, NLM_F_DUMP, 0, sizeof(struct packet_diag_req));
	if (fd < 0)
		return -1;
	for (;;) {
		unsigned int msgs = 0;
		bool done = false;
		struct nlmsghdr *h;
		ssize_t peek, n;

		if (psock_wait_until(fd, POLLIN, deadline) != 1)
			goto out;
		/* The next skb's length, nothing copied, max_recvmsg_len unchanged. */
		peek = recv(fd, buf, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (peek < 0)
			goto out;
		if (peek == 0 || peek > (ssize_t)sizeof(buf)) {
			err = EPROTO;
			goto out;
		}
		n = recv(fd, buf, peek, MSG_DONTWAIT);
		if (n < 0)
			goto out;
		if (n != peek) {
			err = EPROTO;
			goto out;
		}
		for (h = (void *)buf; !done && NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				/* short, or something after it */
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)) ||
				    n != (ssize_t)NLMSG_ALIGN(h->nlmsg_len)) {
					err = EPROTO;
					goto out;
				}
				memcpy(&out->done_errno, NLMSG_DATA(h), sizeof(int));
				out->done_msgs = msgs;
				done = true;
				continue;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				rc = e->error;
				goto out;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || out->n_ino == ino_max ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct packet_diag_msg))) {
				err = EPROTO;
				goto out;
			}
			ino[out->n_ino++] = ((struct packet_diag_msg *)NLMSG_DATA(h))->pdiag_ino;
			msgs++;
		}
		if ((!done && n) || (msgs && out->n == PDIAG_MAX_BATCHES)) {
			err = EPROTO;	/* a partial message, too many batches */
			goto out;
		}
		if (msgs) {
			out->msgs[out->n] = msgs;
			out->len[out->n] = peek;
			out->n++;
		}
		if (done) {
			/* The dump is over: nothing else may be queued. */
			if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
				err = EPROTO;
				goto out;
			}
			rc = 0;
			err = 0;
			errno = 0;
			goto out;
		}
	}
out:
	if (!err)
		err = errno;
	close(fd);
	errno = err;
	return rc;
}

unsigned long pdiag_fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

const struct pdiag_sock *pdiag_find(const struct pdiag_dump *d, int fd)
{
	unsigned long ino = pdiag_fd_ino(fd);

	for (unsigned int i = 0; i < d->n; i++)
		if (d->s[i].msg.pdiag_ino == ino)
			return &d->s[i];
	return NULL;
}

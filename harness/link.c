// SPDX-License-Identifier: GPL-2.0
/*
 * Device state a membership changes, read from user space; see link.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "link.h"

/* Keep errno across close(). */
static int close_keep_errno(int fd, int rc)
{
	int err = errno;

	close(fd);
	errno = err;
	return rc;
}

static int parse_newlink(const struct nlmsghdr *nh, struct link_state *st)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *rta = IFLA_RTA(ifi);
	bool have_p = false, have_a = false;

	if (len < 0) {
		errno = EPROTO;
		return -1;
	}
	st->flags = ifi->ifi_flags;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_PROMISCUITY && RTA_PAYLOAD(rta) == 4) {
			memcpy(&st->promiscuity, RTA_DATA(rta), 4);
			have_p = true;
		} else if (rta->rta_type == IFLA_ALLMULTI && RTA_PAYLOAD(rta) == 4) {
			memcpy(&st->allmulti, RTA_DATA(rta), 4);
			have_a = true;
		}
	}
	if (!have_p || !have_a) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

int link_state_get(int ifindex, struct link_state *st)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1,
		},
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	char buf[16384];
	struct nlmsghdr *nh;
	ssize_t n;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (send(fd, &req, req.nh.nlmsg_len, 0) != (ssize_t)req.nh.nlmsg_len)
		return close_keep_errno(fd, -1);
	/* A request without NLM_F_DUMP is answered at once: no wait. */
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return close_keep_errno(fd, -1);
	close(fd);
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			errno = e->error ? -e->error : EPROTO;
			return -1;
		}
		if (nh->nlmsg_type == RTM_NEWLINK)
			return parse_newlink(nh, st);
	}
	errno = EPROTO;
	return -1;
}

int link_ioctl_flags(int ifindex, unsigned int *flags)
{
	struct ifreq ifr;
	int fd;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -1;
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return close_keep_errno(fd, -1);
	close(fd);
	*flags = (unsigned short)ifr.ifr_flags;
	return 0;
}

int link_lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return close_keep_errno(fd, -1);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return close_keep_errno(fd, -1);
	close(fd);
	return 0;
}

/* "%02x" * alen of addr into hex (2 * alen + 1 bytes). */
static void to_hex(char *hex, const uint8_t *addr, size_t alen)
{
	for (size_t i = 0; i < alen; i++)
		sprintf(hex + 2 * i, "%02x", addr[i]);
}

int dev_mcast_users(int ifindex, const uint8_t *addr, size_t alen)
{
	char want[2 * 32 + 1], line[256];
	int users = 0;
	FILE *f;

	if (alen > 32) {
		errno = EINVAL;
		return -1;
	}
	to_hex(want, addr, alen);
	/* /proc/net is /proc/self/net: the reader's namespace. */
	f = fopen("/proc/net/dev_mcast", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[32], hex[128];
		int idx, refs, global;

		/* dev_mc_seq_show(): ifindex, name, refcount, global_use, address */
		if (sscanf(line, "%d %31s %d %d %127s", &idx, name, &refs, &global, hex) != 5) {
			fclose(f);
			errno = EPROTO;
			return -1;
		}
		if (idx == ifindex && !strcmp(hex, want))
			users = refs;
	}
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	return users;
}

int psock_membership(int fd, bool add, int ifindex, unsigned short type,
		     const uint8_t *addr, unsigned short alen)
{
	struct packet_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifindex;
	mr.mr_type = type;
	mr.mr_alen = alen;
	if (addr)
		memcpy(mr.mr_address, addr, alen < sizeof(mr.mr_address) ? alen :
		       sizeof(mr.mr_address));
	return setsockopt(fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
			  &mr, sizeof(mr));
}

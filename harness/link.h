/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a packet socket membership changes on a device, read the way user
 * space can: the promiscuity and allmulti counters rtnetlink reports
 * (IFLA_PROMISCUITY, IFLA_ALLMULTI), the flags SIOCGIFFLAGS returns, and
 * the device's multicast list in /proc/net/dev_mcast. All of them are read
 * in the calling thread's network namespace.
 */
#ifndef PSOCK_LINK_H
#define PSOCK_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct link_state {
	unsigned int flags;	/* ifi_flags of RTM_NEWLINK (dev_get_flags()) */
	uint32_t promiscuity;	/* IFLA_PROMISCUITY: dev->promiscuity */
	uint32_t allmulti;	/* IFLA_ALLMULTI: dev->allmulti */
};

/*
 * RTM_GETLINK for ifindex into *st. 0, or -1 with errno: the kernel's
 * (ENODEV for a missing device), ENODATA when an attribute is missing.
 */
int link_state_get(int ifindex, struct link_state *st);

/* SIOCGIFFLAGS of ifindex into *flags. 0, or -1 with errno. */
int link_ioctl_flags(int ifindex, unsigned int *flags);

/*
 * The reference count /proc/net/dev_mcast shows for addr (alen bytes) on
 * ifindex: the number of times it was added, 0 when it is not on the
 * list; -1 with errno when the file cannot be read or a line of it parsed
 * (EPROTO).
 */
int dev_mcast_users(int ifindex, const uint8_t *addr, size_t alen);

/*
 * Bring the namespace's loopback device ("lo", ifindex 1, down in a new
 * namespace) up with SIOCGIFFLAGS/SIOCSIFFLAGS: no ip(8) to run. 0, or -1
 * with errno.
 */
#define LINK_LO_IFINDEX 1
int link_lo_up(void);

/*
 * PACKET_ADD_MEMBERSHIP (add) or PACKET_DROP_MEMBERSHIP on fd: struct
 * packet_mreq for ifindex, type and addr (alen bytes, NULL for none).
 * setsockopt()'s result with its errno.
 */
int psock_membership(int fd, bool add, int ifindex, unsigned short type,
		     const uint8_t *addr, unsigned short alen);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer end: frames sent out of psk1, from psk1's namespace, so they
 * arrive on psk0.
 */
#ifndef PSOCK_PEER_H
#define PSOCK_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
#include "netns.h"

/*
 * Send a complete link-layer frame out of psk1 (from psk1's namespace), so it
 * arrives on psk0. Returns bytes sent or -1 with errno.
 */
ssize_t peer_send(struct netns_topo *topo, const void *frame, size_t len);

/* Build a frame from spec and send it from psk1. Returns frame length or -1. */
ssize_t peer_send_spec(struct netns_topo *topo, const struct frame_spec *spec);

/* Send n frames of spec from psk1, with seq first, first+1, ...; 0 or -1. */
int peer_send_burst(struct netns_topo *topo, const struct frame_spec *spec,
		    uint32_t first_seq, unsigned int n);

#endif

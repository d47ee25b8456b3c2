// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the socket filter tests; see filter.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf.h"
#include "filter.h"

void filter_rx_teardown(struct filter_rx *rx)
{
	if (rx->fd >= 0)
		close(rx->fd);
	rx->fd = -1;
	rx_barrier_close(&rx->barrier);
	netns_teardown(&rx->topo);
}

int filter_send_synced(struct filter_rx *rx, const struct frame_spec *specs, unsigned int n,
		       int timeout_ms)
{
	for (unsigned int i = 0; i < n; i++) {
		if (peer_send_spec(&rx->topo, &specs[i]) < 0)
			return -1;
	}
	return rx_barrier_sync(&rx->barrier, &rx->topo, timeout_ms);
}

int filter_drain_tagged(int fd, uint32_t *seqs, unsigned int max, struct filter_frame *last)
{
	static struct filter_frame f;
	struct iovec iov = { .iov_base = f.data, .iov_len = sizeof(f.data) };
	struct msghdr msg = { .msg_name = &f.sll, .msg_iov = &iov, .msg_iovlen = 1 };
	int n = 0;
	ssize_t len;

	for (;;) {
		msg.msg_namelen = sizeof(f.sll);
		len = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (len < 0)
			break;
		if (len <= ETH_HLEN || (f.data[12] << 8 | f.data[13]) == ETH_P_PSOCK_BARRIER)
			continue;
		if (!frame_tag(f.data + ETH_HLEN, len - ETH_HLEN, &f.seq))
			continue;
		f.len = len;
		if ((unsigned int)n < max)
			seqs[n] = f.seq;
		if (last)
			*last = f;
		n++;
	}
	return errno == EAGAIN ? n : -1;
}

int filter_ebpf_load_ret(uint32_t k, char *log, size_t log_len)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = (int32_t)k },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return ebpf_load_socket_filter(insns, PROG_LEN(insns), log, log_len);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Classic and eBPF socket filter helpers; see bpf.h.
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf.h"

int bpf_attach(int fd, const struct sock_filter *insns, unsigned short len)
{
	struct sock_fprog prog = { .len = len, .filter = (struct sock_filter *)insns };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

int bpf_detach(int fd)
{
	int unused = 0;

	return setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof(unused));
}

int bpf_attach_ret(int fd, uint32_t k)
{
	const struct sock_filter prog[] = { BPF_STMT(BPF_RET | BPF_K, k) };

	return bpf_attach(fd, prog, PROG_LEN(prog));
}

int ebpf_load(uint32_t prog_type, const struct bpf_insn *insns, unsigned int n,
	      char *log, size_t log_len)
{
	static const char license[] = "GPL";
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = prog_type;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = n;
	attr.license = (uintptr_t)license;
	if (log && log_len) {
		log[0] = '\0';
		attr.log_buf = (uintptr_t)log;
		attr.log_size = log_len;
		attr.log_level = 1;
	}
	return syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

int ebpf_load_socket_filter(const struct bpf_insn *insns, unsigned int n,
			    char *log, size_t log_len)
{
	return ebpf_load(BPF_PROG_TYPE_SOCKET_FILTER, insns, n, log, log_len);
}

int ebpf_attach(int fd, int prog_fd)
{
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof(prog_fd));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF programs for the filter and fanout tests: classic BPF through
 * SO_ATTACH_FILTER (sk_attach_filter(), checked by bpf_check_classic()),
 * and eBPF programs loaded with the raw bpf(2) syscall (the one loader of
 * the suite), attached to a socket through SO_ATTACH_BPF (sk_attach_bpf())
 * or to a fanout group through PACKET_FANOUT_DATA (fanout_set_data_ebpf()).
 *
 * A socket filter's return value is a snap length: 0 drops the packet, N
 * keeps at most N bytes (run_filter() in af_packet.c).
 */
#ifndef PSOCK_BPF_H
#define PSOCK_BPF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <linux/filter.h>

/* Number of elements of a program array. */
#define PROG_LEN(prog) ((unsigned short)(sizeof(prog) / sizeof((prog)[0])))

/* SO_ATTACH_FILTER with { len, insns }. 0 or -1 with errno. */
int bpf_attach(int fd, const struct sock_filter *insns, unsigned short len);

/* SO_DETACH_FILTER. 0 or -1 with errno. */
int bpf_detach(int fd);

/* A one-instruction classic program "ret #k". 0 or -1 with errno. */
int bpf_attach_ret(int fd, uint32_t k);

/*
 * BPF_PROG_LOAD of n instructions as a program of prog_type (license
 * "GPL"). The program fd, or -1 with errno (EPERM without the privilege to
 * load that type, ENOSYS without bpf(2)). The verifier log goes to log
 * (log_len bytes) when given.
 */
int ebpf_load(uint32_t prog_type, const struct bpf_insn *insns, unsigned int n,
	      char *log, size_t log_len);

/* ebpf_load() of a BPF_PROG_TYPE_SOCKET_FILTER program. */
int ebpf_load_socket_filter(const struct bpf_insn *insns, unsigned int n,
			    char *log, size_t log_len);

/* SO_ATTACH_BPF with a loaded program fd. 0 or -1 with errno. */
int ebpf_attach(int fd, int prog_fd);

#endif

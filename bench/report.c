// SPDX-License-Identifier: GPL-2.0
/*
 * psock-bench's report: the ratios, the table on stdout, bench.json, and
 * capture.dat / forward.dat (one row per method, one column per size) for
 * bench/plot.gp.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#define TOPOLOGY \
	"capture: TX ring on psk0 (cpu_tx) -> veth -> psk1 (cpu_rx); forward: psk1 -> forwarder (cpu_rx) -> psk2 -> veth -> psk3 (sink, PACKET_STATISTICS)"

/* A share of the offered rate at or above this: the sender was the limit. */
#define SENDER_BOUND 0.95

void bench_machine(struct bench_machine *m)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;
	char line[512];

	memset(m, 0, sizeof(*m));
	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	if (!f)
		die_errno("/proc/cpuinfo");
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", colon);
		break;
	}
	if (ferror(f) | fclose(f))
		die_errno("reading /proc/cpuinfo");
	m->cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (m->cores < 1)
		die_errno("sysconf(_SC_NPROCESSORS_ONLN)");
	if (uname(&u))
		die_errno("uname");
	snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
}

static enum bench_method baseline_of(enum bench_kind kind)
{
	return kind == KIND_CAPTURE ? M_RECVFROM : M_FWD_RECVFROM;
}

static const struct bench_point *baseline(const struct bench_point *pts, size_t n,
					  const struct bench_point *p)
{
	for (size_t i = 0; i < n; i++)
		if (pts[i].kind == p->kind && pts[i].size == p->size &&
		    pts[i].method == baseline_of(p->kind))
			return &pts[i];
	return NULL;
}

void bench_ratios(struct bench_point *pts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bench_point *b = baseline(pts, n, &pts[i]);
		double base = b ? point_fps(b) : 0;

		pts[i].ratio = base > 0 ? point_fps(&pts[i]) / base : -1;
	}
}

/* x per frame, or -1 when no frame came (printed as "-" or null). */
static double per(double x, uint64_t frames)
{
	return frames ? x / (double)frames : -1;
}

static double share(double part, uint64_t whole)
{
	return whole ? part / (double)whole : -1;
}

static double cpu_ns(const struct bench_point *p)
{
	return (double)(p->cpu_user_ns + p->cpu_sys_ns);
}

/* The point of this kind and size with the most frames/s, and its share of the offered rate. */
static const struct bench_point *fastest(const struct bench_point *pts, size_t n,
					 enum bench_kind kind, unsigned int size, double *sh)
{
	const struct bench_point *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (pts[i].kind == kind && pts[i].size == size &&
		    (!best || point_fps(&pts[i]) > point_fps(best)))
			best = &pts[i];
	*sh = best ? share(best->frames, best->offered) : -1;
	return best;
}

static void num(FILE *f, const char *fmt, double v, int width)
{
	if (v < 0)
		fprintf(f, "%*s", width, "-");
	else
		fprintf(f, fmt, width, v);
}

static void table_capture(FILE *f, const struct bench_point *pts, size_t n)
{
	fprintf(f, "%5s  %-16s %11s %11s %8s %7s %7s %9s %9s %10s %8s\n", "size", "method",
		"offered/s", "captured/s", "of-offer", "bklog%", "drop%", "thr-ns/f", "cpu-ns/f",
		"syscalls/f", "x-recvf");
	for (size_t i = 0; i < n; i++) {
		const struct bench_point *p = &pts[i];

		if (p->kind != KIND_CAPTURE)
			continue;
		fprintf(f, "%5u  %-16s %11.0f %11.0f", p->size, p->label, point_offered_fps(p),
			point_fps(p));
		num(f, " %*.1f%%", 100 * share(p->frames, p->offered), 7);
		num(f, " %*.2f", 100 * share(p->refused, p->offered), 7);
		num(f, " %*.2f", 100 * share(p->kdrops, p->kpackets), 7);
		num(f, " %*.1f", per(cpu_ns(p), p->frames), 9);
		num(f, " %*.1f", per(p->rx_cpu_busy_ns, p->frames), 9);
		num(f, " %*.3f", per(p->rx_syscalls, p->frames), 10);
		num(f, " %*.2f", p->ratio, 8);
		fputc('\n', f);
	}
}

static void table_forward(FILE *f, const struct bench_point *pts, size_t n)
{
	fprintf(f, "%5s  %-16s %11s %11s %7s %11s %7s %9s %9s %8s %8s %8s\n", "size", "method",
		"offered/s", "rx/s", "rxdrop%", "forwarded/s", "txloss%", "thr-ns/f", "cpu-ns/f",
		"rx-sys/f", "tx-sys/f", "x-recvf");
	for (size_t i = 0; i < n; i++) {
		const struct bench_point *p = &pts[i];

		if (p->kind != KIND_FORWARD)
			continue;
		fprintf(f, "%5u  %-16s %11.0f %11.0f", p->size, p->label, point_offered_fps(p),
			p->window_s > 0 ? p->rx_frames / p->window_s : 0);
		num(f, " %*.2f", 100 * share(p->kdrops, p->kpackets), 7);
		fprintf(f, " %11.0f", point_fps(p));
		num(f, " %*.2f", p->rx_frames >= p->frames ?
		    100 * share(p->rx_frames - p->frames, p->rx_frames) : 0, 7);
		num(f, " %*.1f", per(cpu_ns(p), p->frames), 9);
		num(f, " %*.1f", per(p->rx_cpu_busy_ns, p->frames), 9);
		num(f, " %*.3f", per(p->rx_syscalls, p->rx_frames), 8);
		num(f, " %*.3f", per(p->tx_syscalls, p->frames), 8);
		num(f, " %*.2f", p->ratio, 8);
		fputc('\n', f);
	}
}

static void table_fastest(FILE *f, const struct bench_point *pts, size_t n, enum bench_kind kind)
{
	for (int s = 0; s < BENCH_NSIZES; s++) {
		double sh;
		const struct bench_point *b = fastest(pts, n, kind, bench_sizes[s], &sh);

		if (!b)
			continue;
		fprintf(f, "  %4u bytes: fastest %s, %.0f/s = %.1f%% of the %.0f/s offered%s\n",
			b->size, b->label, point_fps(b), 100 * sh, point_offered_fps(b),
			sh >= SENDER_BOUND ? " (the sender is the limit: methods at least this fast look equal)" : "");
	}
}

void bench_table(FILE *f, const struct bench_env *env, const struct bench_point *pts, size_t n)
{
	fprintf(f, "psock-bench: capture (psk0 TX ring on CPU %d -> veth -> psk1, captured on CPU %d), %.2f s per point%s\n",
		env->cpu_tx, env->cpu_rx, env->duration_s,
		env->rps ? "" : " (no RPS: the kernel receives on the sender's CPU)");
	table_capture(f, pts, n);
	table_fastest(f, pts, n, KIND_CAPTURE);
	fprintf(f, "\npsock-bench: forwarding (psk1 -> forwarder on CPU %d -> psk2 -> veth -> psk3, counted at psk3)\n",
		env->cpu_rx);
	table_forward(f, pts, n);
	table_fastest(f, pts, n, KIND_FORWARD);
	fprintf(f, "bklog%%: sends psk1's full receive backlog refused (the frame is sent again) per frame offered; drop%%: PACKET_STATISTICS drops\n"
		"thr-ns/f: CPU time of the capturing/forwarding threads per frame; cpu-ns/f: busy time of CPU %d per frame\n",
		env->cpu_rx);
	fprintf(f, "x-recvf: frames/s over recvfrom's (capture) or recvfrom+sendto's (forwarding) of the same size, this run\n");
}

/* ---- bench.json ------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number, or null where there is none (v < 0). */
static void json_num(FILE *f, const char *key, double v, const char *fmt)
{
	fprintf(f, "\"%s\": ", key);
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, fmt, v);
}

static void json_params(FILE *f, const struct bench_point *p)
{
	const char *sep = "";

	fputs("\"params\": {", f);
	if (p->batch) {
		fprintf(f, "\"batch\": %u", p->batch);
		sep = ", ";
	}
	if (p->block_size)
		fprintf(f, "%s\"block_size\": %u, \"block_nr\": %u", sep, p->block_size,
			p->block_nr);
	if (p->frame_size)
		fprintf(f, ", \"frame_size\": %u", p->frame_size);
	if (p->method == M_V3 || p->method == M_FANOUT || p->method == M_FWD_RING)
		fprintf(f, ", \"retire_tov_ms\": %u", p->tov_ms);
	if (p->method == M_FANOUT)
		fputs(", \"fanout\": \"PACKET_FANOUT_LB\", \"members\": 2", f);
	if (p->method == M_FWD_RING)
		fputs(", \"tx_ring\": \"V2, 1024 x 2048\"", f);
	fputs("}", f);
}

static void json_point(FILE *f, const struct bench_point *p)
{
	double cpu = per(cpu_ns(p), p->frames);

	fprintf(f, "    {\"kind\": \"%s\", \"method\": \"%s\", \"label\": ",
		p->kind == KIND_CAPTURE ? "capture" : "forward", bench_method_name(p->method));
	json_str(f, p->label);
	fprintf(f, ", \"size\": %u, ", p->size);
	json_params(f, p);
	fprintf(f, ",\n     \"window_s\": %.6f, \"offered_frames\": %llu, \"offered_fps\": %.3f, \"backlog_refusals\": %llu, ",
		p->window_s, (unsigned long long)p->offered, point_offered_fps(p),
		(unsigned long long)p->refused);
	json_num(f, "backlog_refusal_rate", share(p->refused, p->offered), "%.6f");
	fputs(",\n", f);
	fprintf(f, "     \"%s_frames\": %llu, \"%s_fps\": %.3f, \"fps\": %.3f, ",
		p->kind == KIND_CAPTURE ? "captured" : "forwarded", (unsigned long long)p->frames,
		p->kind == KIND_CAPTURE ? "captured" : "forwarded", point_fps(p), point_fps(p));
	json_num(f, "share_of_offered", share(p->frames, p->offered), "%.6f");
	fprintf(f, ",\n     \"kernel_packets\": %llu, \"kernel_drops\": %llu, ",
		(unsigned long long)p->kpackets, (unsigned long long)p->kdrops);
	json_num(f, "drop_rate", share(p->kdrops, p->kpackets), "%.6f");
	fputs(", ", f);
	json_num(f, "cpu_ns_per_frame", cpu, "%.3f");
	fputs(", ", f);
	json_num(f, "cpu_user_ns_per_frame", per(p->cpu_user_ns, p->frames), "%.3f");
	fputs(", ", f);
	json_num(f, "cpu_sys_ns_per_frame", per(p->cpu_sys_ns, p->frames), "%.3f");
	fputs(", ", f);
	json_num(f, "rx_cpu_busy_ns_per_frame", per(p->rx_cpu_busy_ns, p->frames), "%.3f");
	fputs(",\n     ", f);
	if (p->kind == KIND_CAPTURE) {
		json_num(f, "syscalls_per_frame", per(p->rx_syscalls, p->frames), "%.6f");
	} else {
		json_num(f, "syscalls_per_frame",
			 per(p->rx_syscalls + p->tx_syscalls, p->frames), "%.6f");
		fprintf(f, ",\n     \"rx\": {\"frames\": %llu, \"fps\": %.3f, ",
			(unsigned long long)p->rx_frames,
			p->window_s > 0 ? p->rx_frames / p->window_s : 0);
		json_num(f, "drop_rate", share(p->kdrops, p->kpackets), "%.6f");
		fputs(", ", f);
		json_num(f, "syscalls_per_frame", per(p->rx_syscalls, p->rx_frames), "%.6f");
		fprintf(f, "},\n     \"tx\": {\"frames\": %llu, \"fps\": %.3f, \"refused_sends\": %llu, ",
			(unsigned long long)p->frames, point_fps(p),
			(unsigned long long)p->tx_errors);
		json_num(f, "loss_rate", p->rx_frames >= p->frames ?
			 share(p->rx_frames - p->frames, p->rx_frames) : 0, "%.6f");
		fputs(", ", f);
		json_num(f, "syscalls_per_frame", per(p->tx_syscalls, p->frames), "%.6f");
		fputs("}", f);
	}
	fprintf(f, ", \"foreign_frames\": %llu, ", (unsigned long long)p->foreign);
	json_num(f, "ratio_vs_recvfrom", p->ratio, "%.6f");
	fputs("}", f);
}

static void json_summary(FILE *f, const struct bench_point *pts, size_t n)
{
	const char *sep = "";

	fputs("  \"fastest\": [\n", f);
	for (int k = KIND_CAPTURE; k <= KIND_FORWARD; k++) {
		for (int s = 0; s < BENCH_NSIZES; s++) {
			double sh;
			const struct bench_point *b = fastest(pts, n, k, bench_sizes[s], &sh);

			if (!b)
				continue;
			fprintf(f, "%s    {\"kind\": \"%s\", \"size\": %u, \"label\": ", sep,
				k == KIND_CAPTURE ? "capture" : "forward", b->size);
			json_str(f, b->label);
			fprintf(f, ", \"fps\": %.3f, \"offered_fps\": %.3f, ", point_fps(b),
				point_offered_fps(b));
			json_num(f, "share_of_offered", sh, "%.6f");
			fprintf(f, ", \"sender_bound\": %s}", sh >= SENDER_BOUND ? "true" : "false");
			sep = ",\n";
		}
	}
	fputs("\n  ],\n", f);
}

static void write_json(FILE *f, const char *run_id, const struct bench_env *env,
		       const struct bench_machine *m, const struct bench_point *pts, size_t n)
{
	fputs("{\n  \"run_id\": ", f);
	json_str(f, run_id);
	fputs(",\n  \"machine\": {\"cpu_model\": ", f);
	json_str(f, m->cpu_model);
	fprintf(f, ", \"cores\": %ld, \"cpu_tx\": %d, \"cpu_rx\": %d},\n", m->cores, env->cpu_tx,
		env->cpu_rx);
	fputs("  \"kernel\": ", f);
	json_str(f, m->kernel);
	fprintf(f, ",\n  \"quick\": %s, \"duration_s\": %.3f, \"rps\": %s,\n",
		env->quick ? "true" : "false", env->duration_s, env->rps ? "true" : "false");
	fputs("  \"sizes\": [", f);
	for (int s = 0; s < BENCH_NSIZES; s++)
		fprintf(f, "%s%u", s ? ", " : "", bench_sizes[s]);
	fputs("],\n  \"topology\": ", f);
	json_str(f, TOPOLOGY);
	fputs(",\n", f);
	fputs("  \"ratio_baseline\": {\"capture\": \"recvfrom\", \"forward\": \"recvfrom_sendto\"},\n",
	      f);
	json_summary(f, pts, n);
	fputs("  \"points\": [\n", f);
	for (size_t i = 0; i < n; i++) {
		json_point(f, &pts[i]);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
}

/* ---- the data gnuplot draws --------------------------------------------- */

static const struct bench_point *find(const struct bench_point *pts, size_t n,
				      enum bench_kind kind, const char *label, unsigned int size)
{
	for (size_t i = 0; i < n; i++)
		if (pts[i].kind == kind && pts[i].size == size && !strcmp(pts[i].label, label))
			return &pts[i];
	return NULL;
}

/*
 * One row per method (the labels of the first size, in order): frames/s,
 * CPU ns per frame and offered frames/s, one column per size; NaN where a
 * point is missing or got no frame.
 */
static void write_dat(FILE *f, enum bench_kind kind, const struct bench_point *pts, size_t n)
{
	fputs("# label", f);
	for (int col = 0; col < 3; col++)
		for (int s = 0; s < BENCH_NSIZES; s++)
			fprintf(f, " %s%u", col == 0 ? "fps" : col == 1 ? "cpu_ns" : "offered_fps",
				bench_sizes[s]);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		const struct bench_point *p = &pts[i];

		if (p->kind != kind || p->size != bench_sizes[0])
			continue;
		fprintf(f, "\"%s\"", p->label);
		for (int col = 0; col < 3; col++) {
			for (int s = 0; s < BENCH_NSIZES; s++) {
				const struct bench_point *q = find(pts, n, kind, p->label,
								   bench_sizes[s]);
				double v = !q ? -1 : col == 0 ? point_fps(q) :
					   col == 1 ? per(cpu_ns(q), q->frames) :
					   point_offered_fps(q);

				if (v < 0)
					fputs(" NaN", f);
				else
					fprintf(f, " %.3f", v);
			}
		}
		fputc('\n', f);
	}
}

/* Write DIR/name through DIR/.name.tmp, renamed when whole. */
static void write_file(const char *dir, const char *name,
		       void (*fn)(FILE *f, const void *arg), const void *arg)
{
	char tmp[4096], path[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		die("output directory name too long: %s", dir);
	f = fopen(tmp, "w");
	if (!f)
		die_errno("%s", tmp);
	fn(f, arg);
	if (ferror(f) | fclose(f))
		die_errno("writing %s", tmp);
	if (rename(tmp, path))
		die_errno("rename %s -> %s", tmp, path);
}

struct out_args {
	const char *run_id;
	const struct bench_env *env;
	const struct bench_machine *m;
	const struct bench_point *pts;
	size_t n;
};

static void out_json(FILE *f, const void *arg)
{
	const struct out_args *a = arg;

	write_json(f, a->run_id, a->env, a->m, a->pts, a->n);
}

static void out_capture(FILE *f, const void *arg)
{
	const struct out_args *a = arg;

	write_dat(f, KIND_CAPTURE, a->pts, a->n);
}

static void out_forward(FILE *f, const void *arg)
{
	const struct out_args *a = arg;

	write_dat(f, KIND_FORWARD, a->pts, a->n);
}

void bench_write_outputs(const char *dir, const char *run_id, const struct bench_env *env,
			 const struct bench_machine *m, const struct bench_point *pts, size_t n)
{
	const struct out_args a = { run_id, env, m, pts, n };

	write_file(dir, "capture.dat", out_capture, &a);
	write_file(dir, "forward.dat", out_forward, &a);
	write_file(dir, "bench.json", out_json, &a);
}

# SPDX-License-Identifier: GPL-2.0
#
# scripts/coverage's report step: an lcov tracefile (.info) in, for the C
# files of net/packet/ (af_packet.c, diag.c; headers are left out):
#   - SUMMARY (a file name): summary.json, the totals per file and every
#     function with its lines, branches and calls;
#   - stdout: one line, "coverage: af_packet.c 78.3% lines (1605/2050), ...";
#   - then, when UNCOVERED > 0, the UNCOVERED functions with the most lines
#     never reached (most first; ties by file, then line), one a line.
#
# gawk -f coverage.awk -v SUMMARY=FILE [-v UNCOVERED=N] [-v RUN_ID=..]
#      [-v KERNEL=..] [-v WHERE=..] [-v SUITE='"pass": 1, ...'] INFO
#
# The tracefile records used (geninfo(1)): SF:path, FN:line,name,
# FNDA:calls,name, DA:line,count[,checksum], BRDA:line,block,branch,taken
# ("-": never evaluated), end_of_record. A line or a branch belongs to the
# function whose FN line is the nearest at or above it (lcov 1.x gives no end
# lines); one above every function (file scope) counts for the file only.
# Records of the same file are merged (counts added).

function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\t/, "\\t", s)
	return "\"" s "\""
}

function pct(hit, total) {
	return total ? sprintf("%.1f%%", 100 * hit / total) : "-"
}

function jpct(hit, total) {
	return total ? sprintf("%.1f", 100 * hit / total) : "null"
}

function counts(hit, total) {
	return sprintf("{\"hit\": %d, \"total\": %d, \"percent\": %s}", hit, total, jpct(hit, total))
}

BEGIN {
	FS = ":"
	if (SUMMARY == "") {
		print "coverage.awk: SUMMARY is not set" > "/dev/stderr"
		exit 2
	}
	UNCOVERED += 0
	nfiles = 0
}

/^SF:/ {
	path = substr($0, 4)
	cur = ""
	if (path !~ /\/net\/packet\/[^\/]+\.c$/ && path !~ /^net\/packet\/[^\/]+\.c$/)
		next
	cur = path
	sub(/.*\//, "", cur)
	if (!(cur in fpath)) {
		fpath[cur] = path
		files[++nfiles] = cur
	}
	next
}

cur == "" { next }

# FN:line,name (lcov 1.x) or FN:line,end,name (lcov 2.x).
/^FN:/ {
	nf = split(substr($0, 4), a, ",")
	key = cur SUBSEP a[nf]
	if (!(key in fnline)) {
		fnline[key] = a[1] + 0
		fnames[cur, ++nfn[cur]] = a[nf]
		calls[key] = 0
	}
	next
}

/^FNDA:/ {
	split(substr($0, 6), a, ",")
	calls[cur, a[2]] += a[1]
	next
}

/^DA:/ {
	split(substr($0, 4), a, ",")
	key = cur SUBSEP (a[1] + 0)
	if (!(key in da)) {
		lines[cur, ++nda[cur]] = a[1] + 0
		da[key] = 0
	}
	da[key] += a[2]
	next
}

/^BRDA:/ {
	split(substr($0, 6), a, ",")
	key = cur SUBSEP a[1] SUBSEP a[2] SUBSEP a[3]
	if (!(key in br)) {
		brs[cur, ++nbr[cur]] = key
		brline[key] = a[1] + 0
		br[key] = 0
	}
	if (a[4] != "-")
		br[key] += a[4]
	next
}

# The function a line belongs to in file f: the one starting nearest at or
# above it (starts[f, 1..n] sorted ascending, names in startfn[]).
function owner(f, line,    lo, hi, mid) {
	lo = 1
	hi = nstarts[f]
	if (!hi || line < starts[f, 1])
		return ""
	while (lo < hi) {
		mid = int((lo + hi + 1) / 2)
		if (starts[f, mid] <= line)
			lo = mid
		else
			hi = mid - 1
	}
	return startfn[f, lo]
}

END {
	if (SUMMARY == "")
		exit 2
	if (nfiles == 0) {
		print "coverage: no net/packet/*.c in the tracefile" > "/dev/stderr"
		exit 1
	}
	# Files in name order (af_packet.c, diag.c).
	for (i = 1; i <= nfiles; i++)
		for (j = i + 1; j <= nfiles; j++)
			if (files[j] < files[i]) {
				t = files[i]; files[i] = files[j]; files[j] = t
			}
	nall = 0
	for (i = 1; i <= nfiles; i++) {
		f = files[i]
		# Function starts, ascending by line (then name).
		n = 0
		for (k = 1; k <= nfn[f]; k++) {
			name = fnames[f, k]
			order[++n] = sprintf("%09d %s", fnline[f, name], name)
		}
		asort(order, sorted)
		nstarts[f] = n
		for (k = 1; k <= n; k++) {
			split(sorted[k], a, " ")
			starts[f, k] = a[1] + 0
			startfn[f, k] = a[2]
			fl[f, a[2]] = 0; flh[f, a[2]] = 0; fb[f, a[2]] = 0; fbh[f, a[2]] = 0
		}
		delete order
		delete sorted
		lf[f] = lh[f] = bf[f] = bh[f] = fnf[f] = fnh[f] = 0
		for (k = 1; k <= nda[f]; k++) {
			l = lines[f, k]
			hit = da[f, l] > 0
			lf[f]++; lh[f] += hit
			o = owner(f, l)
			if (o != "") { fl[f, o]++; flh[f, o] += hit }
		}
		for (k = 1; k <= nbr[f]; k++) {
			key = brs[f, k]
			hit = br[key] > 0
			bf[f]++; bh[f] += hit
			o = owner(f, brline[key])
			if (o != "") { fb[f, o]++; fbh[f, o] += hit }
		}
		for (k = 1; k <= n; k++) {
			name = startfn[f, k]
			fnf[f]++
			fnh[f] += calls[f, name] > 0
			all[++nall] = f SUBSEP name
		}
	}

	# summary.json
	printf "{\n" > SUMMARY
	printf "  \"run_id\": %s,\n", (RUN_ID == "" ? "null" : jstr(RUN_ID)) > SUMMARY
	printf "  \"kernel\": %s,\n", (KERNEL == "" ? "null" : jstr(KERNEL)) > SUMMARY
	printf "  \"suite\": %s,\n", (SUITE == "" ? "null" : "{" SUITE "}") > SUMMARY
	printf "  \"files\": {\n" > SUMMARY
	for (i = 1; i <= nfiles; i++) {
		f = files[i]
		printf "    %s: {\"path\": %s, \"lines\": %s, \"functions\": %s, \"branches\": %s}%s\n", \
			jstr(f), jstr(fpath[f]), counts(lh[f], lf[f]), counts(fnh[f], fnf[f]), \
			counts(bh[f], bf[f]), (i < nfiles ? "," : "") > SUMMARY
	}
	printf "  },\n" > SUMMARY
	printf "  \"functions\": [\n" > SUMMARY
	for (k = 1; k <= nall; k++) {
		split(all[k], a, SUBSEP)
		f = a[1]; name = a[2]
		printf "    {\"file\": %s, \"name\": %s, \"line\": %d, \"calls\": %d, \"lines\": %s, \"branches\": %s, \"unreached\": %d}%s\n", \
			jstr(f), jstr(name), fnline[f, name], calls[f, name], counts(flh[f, name], fl[f, name]), \
			counts(fbh[f, name], fb[f, name]), fl[f, name] - flh[f, name], (k < nall ? "," : "") > SUMMARY
	}
	printf "  ]\n}\n" > SUMMARY
	close(SUMMARY)

	# The stdout line.
	out = "coverage:"
	for (i = 1; i <= nfiles; i++) {
		f = files[i]
		out = out sprintf("%s %s %s lines (%d/%d), %s functions (%d/%d), %s branches (%d/%d)", \
			(i > 1 ? ";" : ""), f, pct(lh[f], lf[f]), lh[f], lf[f], pct(fnh[f], fnf[f]), fnh[f], fnf[f], \
			pct(bh[f], bf[f]), bh[f], bf[f])
	}
	if (WHERE != "")
		out = out "; " WHERE
	print out

	if (UNCOVERED <= 0)
		exit 0
	# Functions by unreached lines, most first; ties by file, then line.
	n = 0
	for (k = 1; k <= nall; k++) {
		split(all[k], a, SUBSEP)
		f = a[1]; name = a[2]
		u = fl[f, name] - flh[f, name]
		if (u <= 0)
			continue
		rank[++n] = sprintf("%09d %s %09d %s", 999999999 - u, f, fnline[f, name], name)
	}
	asort(rank, ranked)
	if (n == 0) {
		print "uncovered: every line of every function was reached"
		exit 0
	}
	printf "%-9s %-11s %-9s %s\n", "unreached", "lines", "calls", "function (file:line)"
	for (k = 1; k <= n && k <= UNCOVERED; k++) {
		split(ranked[k], a, " ")
		f = a[2]; name = a[4]
		printf "%9d %-11s %-9d %s (%s:%d)\n", fl[f, name] - flh[f, name], \
			flh[f, name] "/" fl[f, name], calls[f, name], name, f, fnline[f, name]
	}
}

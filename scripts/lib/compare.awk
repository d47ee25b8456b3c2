# SPDX-License-Identifier: GPL-2.0
#
# scripts/compare's work, with summary.awk and renames.awk: the cases of two
# runs, matched by "BINARY:CASE", and every status that changed between them.
#
# Variables (gawk -v): old, new (summary.json files), old_name, new_name
# (how to name the runs in the output), renames (the rename map),
# renames_name (how to name it), prog (the script's name, for error
# messages), strict (1: pass->skip gates whatever the kernels).
# stdout: the report (see scripts/compare --help), printed only once both
# files have been read whole. Exit status: 1 when a case regressed, 3 when
# a file is not a complete summary or the map is malformed (said on stderr,
# one line), else 0.
#
# Renamed binaries: a case OLD_BINARY:CASE of one run that the other run
# lacks is paired with the one NEW_BINARY:CASE the map gives for it in the
# other run (rename_forward()), or NEW_BINARY:CASE with OLD_BINARY:CASE
# (rename_back(), the older names in the newer run), when that case is not
# in the first run itself. A pair counts as one case, named as in NEW, its
# line saying "renamed from" OLD's binary; "# renames:" says how many cases
# were paired so.
#
# The gate: a regression is a case that passed in OLD and, in NEW,
#   failed            always;
#   is gone           always: the cases are compiled into the binaries, the
#                     kernel does not choose them, so a missing one was not
#                     run (a guest that crashed, a -t subset, a case removed,
#                     a binary renamed without a line in the map);
#   skipped           when both runs are of the same kernel release (the
#                     "kernel" field, compared as a string) or with strict:
#                     between releases a case gated on the kernel version
#                     (PSOCK_SKIP_BEFORE) skips on the older one by design.

# One line of a reason: newlines folded, long text cut.
function brief(s) {
	gsub(/[\t\r\n]+/, " | ", s)
	sub(/^[ |]+/, "", s)
	sub(/[ |]+$/, "", s)
	if (length(s) > 160)
		s = substr(s, 1, 157) "..."
	return s
}

function say(kind, key, detail) {
	printf "%-11s %s%s\n", kind, key, (detail == "" ? "" : "  (" detail ")")
}

function add(kind, key, detail) {
	n[kind]++
	line_key[kind, n[kind]] = key
	line_detail[kind, n[kind]] = detail
}

function load(file, r) {
	if (load_summary(file, r) >= 0)
		return
	print prog ": " file ": not a complete scripts/run summary: " S_ERROR[r] > "/dev/stderr"
	exit 3
}

# The gate line: which kinds gate and why, the number of regressions, the
# exit status.
function gate_line(nreg, rule) {
	if (strict)
		rule = "pass->fail, pass->gone, pass->skip (--strict)"
	else if (gate_skip)
		rule = "pass->fail, pass->gone, pass->skip (same kernel)"
	else
		rule = "pass->fail, pass->gone (kernels differ: pass->skip is expected; --strict gates it)"
	printf "# gate: %s: %d regression%s, exit %d\n", rule, nreg, (nreg == 1 ? "" : "s"), (nreg > 0)
}

# The cases of OLD that NEW lacks, paired through the map with a case of NEW
# that OLD lacks: paired_old[NEW KEY] = OLD KEY, paired_new[OLD KEY] = NEW KEY.
function pair_renamed(    i, key, p) {
	for (i = 1; i <= S_NCASES[1]; i++) {
		key = S_KEYS[1, i]
		if ((2, key) in S_STATUS)
			continue
		p = rename_forward(key, 2, 2)
		if (p == "")
			p = rename_back(key, 2)
		if (p == "" || (1, p) in S_STATUS || p in paired_old)
			continue
		paired_old[p] = key
		paired_new[key] = p
		npaired++
	}
}

BEGIN {
	load(old, 1)
	load(new, 2)
	if (load_renames(renames) < 0) {
		print prog ": " renames_name ": " R_ERROR > "/dev/stderr"
		exit 3
	}
	gate_skip = strict || S_KERNEL[1] == S_KERNEL[2]
	printf "# old: %s (kernel %s, %d cases)\n", old_name, S_KERNEL[1], S_NCASES[1]
	printf "# new: %s (kernel %s, %d cases)\n", new_name, S_KERNEL[2], S_NCASES[2]
	pair_renamed()
	if (npaired)
		printf "# renames: %d case%s paired through %s\n", npaired, (npaired == 1 ? "" : "s"),
		       renames_name

	for (i = 1; i <= S_NCASES[2]; i++) {
		key = S_KEYS[2, i]
		now = S_STATUS[2, key]
		from = ""
		if ((1, key) in S_STATUS)
			was = S_STATUS[1, key]
		else if (key in paired_old) {
			from = paired_old[key]
			was = S_STATUS[1, from]
		} else {
			add("new", key, now (now == "pass" ? "" : ": " brief(S_REASON[2, key])))
			continue
		}
		if (was == now) {
			same++
			continue
		}
		detail = now == "pass" ? "" : brief(S_REASON[2, key])
		if (from != "")
			detail = "renamed from " substr(from, 1, index(from, ":") - 1) \
				 (detail == "" ? "" : ": " detail)
		add(was "->" now, key, detail)
	}
	for (i = 1; i <= S_NCASES[1]; i++) {
		key = S_KEYS[1, i]
		if ((2, key) in S_STATUS || key in paired_new)
			continue
		if (S_STATUS[1, key] == "pass")
			add("pass->gone", key, "")
		else
			add("gone", key, "was " S_STATUS[1, key])
	}

	# Regressions first, then the other changes by kind; within a kind in
	# the new run's order (the old run's for cases that are gone).
	if (gate_skip)
		order = "pass->fail pass->skip pass->gone fail->pass fail->skip skip->fail skip->pass new gone"
	else
		order = "pass->fail pass->gone fail->pass fail->skip skip->fail pass->skip skip->pass new gone"
	nkinds = split(order, kinds, " ")
	for (k = 1; k <= nkinds; k++)
		for (i = 1; i <= n[kinds[k]]; i++)
			say(kinds[k], line_key[kinds[k], i], line_detail[kinds[k], i])

	other_skips = n["skip->pass"] + n["fail->skip"] + n["skip->fail"]
	printf "# compare: %d pass->fail, %d pass->skip, %d pass->gone, %d fail->pass, %d other skip changes, %d new, %d other gone, %d unchanged\n",
	       n["pass->fail"], n["pass->skip"], n["pass->gone"], n["fail->pass"], other_skips, n["new"], n["gone"], same
	nreg = n["pass->fail"] + n["pass->gone"] + (gate_skip ? n["pass->skip"] : 0)
	gate_line(nreg)
	exit nreg > 0 ? 1 : 0
}

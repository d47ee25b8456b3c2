# SPDX-License-Identifier: GPL-2.0
#
# scripts/compare's work, with summary.awk: the cases of two runs, matched by
# "BINARY:CASE", and every status that changed between them.
#
# Variables (gawk -v): old, new (summary.json files), old_name, new_name
# (how to name the runs in the output). stdout: the report (see scripts/
# compare --help). Exit status: 1 when a case went from pass to fail, 3 when
# a file cannot be read (the script turns that into a usage error), else 0.

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

BEGIN {
	if (load_summary(old, 1) < 0) {
		print "cannot read " old " as a scripts/run summary" > "/dev/stderr"
		exit 3
	}
	if (load_summary(new, 2) < 0) {
		print "cannot read " new " as a scripts/run summary" > "/dev/stderr"
		exit 3
	}
	printf "# old: %s (kernel %s, %d cases)\n", old_name, S_KERNEL[1], S_NCASES[1]
	printf "# new: %s (kernel %s, %d cases)\n", new_name, S_KERNEL[2], S_NCASES[2]

	# Changes are printed by kind, most important first; within a kind in
	# the new run's order (the old run's for cases that are gone).
	nkinds = split("pass->fail fail->pass fail->skip skip->fail pass->skip skip->pass new gone", kinds, " ")
	for (i = 1; i <= S_NCASES[2]; i++) {
		key = S_KEYS[2, i]
		now = S_STATUS[2, key]
		if (!((1, key) in S_STATUS)) {
			add("new", key, now (now == "pass" ? "" : ": " brief(S_REASON[2, key])))
			continue
		}
		was = S_STATUS[1, key]
		if (was == now) {
			same++
			continue
		}
		kind = was "->" now
		add(kind, key, now == "pass" ? "" : brief(S_REASON[2, key]))
	}
	for (i = 1; i <= S_NCASES[1]; i++) {
		key = S_KEYS[1, i]
		if (!((2, key) in S_STATUS))
			add("gone", key, "was " S_STATUS[1, key])
	}
	for (k = 1; k <= nkinds; k++)
		for (i = 1; i <= n[kinds[k]]; i++)
			say(kinds[k], line_key[kinds[k], i], line_detail[kinds[k], i])
	skips = n["pass->skip"] + n["skip->pass"] + n["fail->skip"] + n["skip->fail"]
	printf "# compare: %d pass->fail, %d fail->pass, %d new, %d gone, %d skip changes, %d unchanged\n",
	       n["pass->fail"], n["fail->pass"], n["new"], n["gone"], skips, same
	exit n["pass->fail"] > 0 ? 1 : 0
}

function add(kind, key, detail) {
	n[kind]++
	line_key[kind, n[kind]] = key
	line_detail[kind, n[kind]] = detail
}

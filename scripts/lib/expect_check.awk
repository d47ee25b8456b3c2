# SPDX-License-Identifier: GPL-2.0
#
# scripts/compare --expected's work, with summary.awk, renames.awk and
# expect.awk: one run against the expected results of its kernel series.
#
# Variables (gawk -v): run (summary.json), run_name (how to name it),
# expected (the expectations file, or "" to take dir/SERIES.json), dir (the
# directory of the series' files), dir_name (how to name it), series (""
# for the run's own), renames, renames_name, prog, skip_may_pass (1:
# skip->pass is printed but does not gate).
# stdout: the report (see scripts/compare --help), printed once both files
# have been read whole. Exit status: 1 when the run deviates, 3 when a file
# cannot be used (said on stderr, one line), else 0.
#
# Each case of the run has an expectation: its entry in the file, or pass.
# A deviation is a case whose status is not its expectation, or a listed
# case the run lacks:
#   pass->fail, pass->skip     a case that should pass did not
#   skip->fail, xfail->skip    a listed case did something else than listed
#   skip->pass                 an expected skip now runs and passes
#   xfail->pass                a known bug is gone on this kernel: a backport
#                              (or a fix in this release) to note
#   missing                    a listed case is not in the run
# An entry OLD_BINARY:CASE pairs with NEW_BINARY:CASE of the run through the
# rename map (and the reverse), as scripts/compare pairs two runs.

function fail3(msg) {
	print prog ": " msg > "/dev/stderr"
	exit 3
}

function add(kind, key, detail) {
	n[kind]++
	line_key[kind, n[kind]] = key
	line_detail[kind, n[kind]] = detail
}

function say(kind, key, detail) {
	printf "%-11s %s%s\n", kind, key, (detail == "" ? "" : "  (" detail ")")
}

BEGIN {
	if (load_summary(run, 1) < 0)
		fail3(run ": not a complete scripts/run summary: " S_ERROR[1])
	if (load_renames(renames) < 0)
		fail3(renames_name ": " R_ERROR)
	run_series = series_of(S_KERNEL[1])
	if (expected == "") {
		if (series == "")
			series = run_series
		if (series == "")
			fail3(run_name ": kernel '" S_KERNEL[1] "' names no series (such as 6.1): give one, --expected SERIES RUN")
		expected = dir "/" series ".json"
		expected_name = dir_name "/" series ".json"
		if ((getline line < expected) < 0)
			fail3("no expected results for series " series ": " expected_name \
			      " cannot be read (write it with: scripts/expect generate RUN)")
		close(expected)
	} else {
		expected_name = expected
	}
	if (load_expected(expected) < 0)
		fail3(expected_name ": not expected results: " E_ERROR)
	if (series != "" && E_SERIES != series)
		fail3(expected_name ": holds series " E_SERIES ", not " series)
	if (expect_placeholder_error() != "")
		fail3(expected_name ": " expect_placeholder_error())

	printf "# expected: %s (series %s, from %s, %s: %d skip, %d xfail)\n", expected_name, E_SERIES,
	       E_KERNEL, E_GENERATED, E_NSKIP, E_NXFAIL
	printf "# run: %s (kernel %s, %d cases)%s\n", run_name, S_KERNEL[1], S_NCASES[1],
	       (run_series == E_SERIES ? "" : ": not of series " E_SERIES)

	# Entries not in the run, paired through the map with a case of the run
	# that is not listed itself.
	for (i = 1; i <= E_N; i++) {
		key = E_KEYS[i]
		if ((1, key) in S_STATUS)
			continue
		p = rename_forward(key, 1, 1)
		if (p == "")
			p = rename_back(key, 1)
		if (p == "" || p in E_EXPECT || p in entry_of)
			continue
		entry_of[p] = key
		paired[key] = p
		npaired++
	}
	if (npaired)
		printf "# renames: %d case%s paired through %s\n", npaired, (npaired == 1 ? "" : "s"), renames_name

	for (i = 1; i <= S_NCASES[1]; i++) {
		key = S_KEYS[1, i]
		got = S_STATUS[1, key]
		ek = key in E_EXPECT ? key : key in entry_of ? entry_of[key] : ""
		want = ek == "" ? "pass" : E_EXPECT[ek]
		if ((want == "xfail" ? "fail" : want) == got) {
			same++
			continue
		}
		from = (ek != "" && ek != key) ? "renamed from " substr(ek, 1, index(ek, ":") - 1) ": " : ""
		if (got == "pass" && want == "xfail")
			detail = "a backport? the known bug is gone on this kernel; expected to fail: " expect_brief(E_REASON[ek])
		else if (got == "pass")
			detail = "expected to skip: " expect_brief(E_REASON[ek])
		else
			detail = expect_brief(S_REASON[1, key])
		add(want "->" got, key, from detail)
	}
	for (i = 1; i <= E_N; i++) {
		key = E_KEYS[i]
		if (!((1, key) in S_STATUS) && !(key in paired))
			add("missing", key, "expected " E_EXPECT[key] ", not in the run")
	}

	order = "pass->fail pass->skip skip->fail xfail->skip skip->pass xfail->pass missing"
	nkinds = split(order, kinds, " ")
	for (k = 1; k <= nkinds; k++)
		for (i = 1; i <= n[kinds[k]]; i++) {
			say(kinds[k], line_key[kinds[k], i], line_detail[kinds[k], i])
			if (!(skip_may_pass && kinds[k] == "skip->pass"))
				ndev++
		}
	printf "# compare: %d pass->fail, %d pass->skip, %d skip->fail, %d xfail->skip, %d skip->pass, %d xfail->pass, %d missing, %d as expected\n",
	       n["pass->fail"], n["pass->skip"], n["skip->fail"], n["xfail->skip"], n["skip->pass"], n["xfail->pass"],
	       n["missing"], same
	printf "# gate: every deviation from %s%s: %d deviation%s, exit %d\n", expected_name,
	       (skip_may_pass ? " but skip->pass (--skip-may-pass)" : ""), ndev, (ndev == 1 ? "" : "s"), (ndev > 0)
	exit ndev > 0 ? 1 : 0
}

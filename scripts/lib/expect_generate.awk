# SPDX-License-Identifier: GPL-2.0
#
# scripts/expect generate's work, with summary.awk, renames.awk and
# expect.awk: the expected results of a series from one run, keeping the
# reasons of an earlier file.
#
# Variables (gawk -v): run (summary.json), run_name, series ("" for the
# run's own), dir, dir_name (where SERIES.json lives), out ("": write
# dir/SERIES.json), tmp (the file to write; scripts/expect renames it to the
# target), generated (the date), renames, renames_name, prog.
# stdout: the target's path on the first line, then what changed (see
# scripts/expect --help). Exit status 3 when a file cannot be used (said on
# stderr, one line), else 0.
#
# Each case the run skipped or failed is listed: skip or xfail. Its reason
# is the earlier file's when that listed the case (or its renamed binary's
# case) with the same expectation; else a skip takes the run's skip reason
# (without ", running RELEASE": the file is for the series), a failure a
# placeholder naming the failure, for the reviewer to replace.

function fail3(msg) {
	print prog ": " msg > "/dev/stderr"
	exit 3
}

function say(kind, key, detail) {
	printf "%-11s %s%s\n", kind, key, (detail == "" ? "" : "  (" detail ")")
	nsaid[kind]++
}

BEGIN {
	if (load_summary(run, 1) < 0)
		fail3(run ": not a complete scripts/run summary: " S_ERROR[1])
	if (load_renames(renames) < 0)
		fail3(renames_name ": " R_ERROR)
	if ((1, "vm-run:guest") in S_STATUS && S_STATUS[1, "vm-run:guest"] == "fail")
		fail3(run_name ": the guest did not run the suite (vm-run:guest: " expect_brief(S_REASON[1, "vm-run:guest"]) \
		      "): not a run to take expectations from")
	if (series == "")
		series = series_of(S_KERNEL[1])
	if (series == "")
		fail3(run_name ": kernel '" S_KERNEL[1] "' names no series (such as 6.1): give one, --series SERIES")
	if (out == "") {
		out = dir "/" series ".json"
		out_name = dir_name "/" series ".json"
	} else {
		out_name = out
	}
	have_old = (getline line < out) >= 0
	close(out)
	if (have_old) {
		if (load_expected(out) < 0)
			fail3(out_name ": not expected results: " E_ERROR " (fix it, or remove it to start afresh)")
		if (E_SERIES != series)
			fail3(out_name ": holds series " E_SERIES ", not " series)
	}
	print out

	# Earlier entries not in the run, paired through the map with a case of
	# the run that is not listed itself.
	for (i = 1; i <= E_N; i++) {
		key = E_KEYS[i]
		if ((1, key) in S_STATUS)
			continue
		p = rename_forward(key, 1, 1)
		if (p == "")
			p = rename_back(key, 1)
		if (p != "" && !(p in E_EXPECT) && !(p in entry_of)) {
			entry_of[p] = key
			paired[key] = p
		}
	}

	running = ", running " S_KERNEL[1]
	for (i = 1; i <= S_NCASES[1]; i++) {
		key = S_KEYS[1, i]
		got = S_STATUS[1, key]
		if (got == "pass")
			continue
		want = got == "fail" ? "xfail" : "skip"
		ek = key in E_EXPECT ? key : key in entry_of ? entry_of[key] : ""
		want_of[key] = want
		if (ek != "" && E_EXPECT[ek] == want) {
			why[key] = E_REASON[ek]
			if (ek != key)
				say("renamed", key, "from " ek)
			else
				kept++
			if (expect_is_placeholder(why[key]))
				nph++
			continue
		}
		if (want == "skip") {
			why[key] = S_REASON[1, key]
			if ((p = index(why[key], running)) > 0)
				why[key] = substr(why[key], 1, p - 1) substr(why[key], p + length(running))
			why[key] = expect_line(why[key])
			if (why[key] == "")
				why[key] = EXPECT_TODO ": the run gave no skip reason: say why this case skips on " series
		} else {
			why[key] = EXPECT_TODO ": say why this case fails on " series " (the bug, the change that fixed it" \
				   " and its release), then drop this TODO; the run said: " expect_brief(S_REASON[1, key])
		}
		if (expect_is_placeholder(why[key]))
			nph++
		if (ek != "")
			say("changed", key, "was " E_EXPECT[ek] ", now " want ": " why[key])
		else
			say("new " want, key, why[key])
	}
	for (i = 1; i <= E_N; i++) {
		key = E_KEYS[i]
		if (key in paired)
			continue
		if (!((1, key) in S_STATUS))
			say("dropped", key, "was " E_EXPECT[key] ": not in the run")
		else if (S_STATUS[1, key] == "pass")
			say("dropped", key, "was " E_EXPECT[key] ": passes now")
	}
	expect_write(tmp, series, S_KERNEL[1], S_RUNID[1], generated, want_of, why)
	for (key in want_of)
		nexp[want_of[key]]++
	printf "# expect: %s (series %s, from %s): %d skip, %d xfail; %d kept, %d new, %d changed, %d renamed, %d dropped\n",
	       out_name, series, S_KERNEL[1], nexp["skip"], nexp["xfail"], kept, nsaid["new skip"] + nsaid["new xfail"],
	       nsaid["changed"], nsaid["renamed"], nsaid["dropped"]
	if (nph)
		printf "# expect: %d placeholder reason%s (%s...) to replace before scripts/compare --expected accepts the file\n",
		       nph, (nph == 1 ? "" : "s"), EXPECT_TODO
	exit 0
}

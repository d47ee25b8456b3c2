# SPDX-License-Identifier: GPL-2.0
#
# scripts/report's work, with summary.awk and renames.awk: the cases x
# kernels matrix of several runs as Markdown and as one self-contained HTML
# page (inline CSS and JavaScript, nothing fetched from the network).
#
# Arguments: the summary.json files, one per column, in column order.
# Variables (gawk -v): md, html (output files), names (the runs' directory
# names, separated by newlines, for the column titles), renames (the rename
# map), renames_name (how to name it), prog (the script's name, for error
# messages), expected (with expect.awk: the directory of the series'
# expected results, SERIES.json; "" for none), expected_name (how to name
# it).
# stdout: one line "CASES ROWS_THAT_DIFFER COLUMNS RENAMED_ROWS".
# Exit status 3, before anything is written, when a file is not a complete
# runner summary (summary.awk) or the map is malformed (renames.awk); one
# line on stderr naming the file and the fault.
#
# A row "differs" when its statuses are not all the same, where a case
# missing from a run counts as a status of its own ("-"). A case of a
# renamed binary (OLD_BINARY:CASE) sits in the row of the one NEW_BINARY:CASE
# the map gives for it in any of the runs (rename_forward()), unless its own
# run has that case too; RENAMED_ROWS counts the rows that hold one.
#
# With expected, a column whose kernel series has a file there is checked
# against it as scripts/compare --expected checks (by the run's own case
# names): a failure the file declares (xfail) shows as XFAIL, an expected
# skip as SKIP, and a cell that deviates (any other status than the file
# says) is bold in Markdown and outlined on the page; a file that cannot be
# read is a warning on stderr and its column is not checked.

function html_esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	gsub(/\n/, "\\&#10;", s)
	gsub(/\t/, "\\&#9;", s)
	return s
}

function md_esc(s) {
	gsub(/[\t\r\n]+/, " ", s)
	gsub(/\|/, "\\|", s)
	return s
}

# What column c's expectations say of row r: skip, xfail, pass; "" when the
# column is not checked.
function want_of(c, r,    key) {
	if (!(c in pinned))
		return ""
	key = (c, r) in CELL ? CELL[c, r] : row[r]
	return (c, key) in XE ? XE[c, key] : "pass"
}

# Whether the cell of row r in column c is not what its expectations say.
function deviates(c, r,    w, st) {
	w = want_of(c, r)
	st = status_of(c, r)
	if (w == "")
		return 0
	if (st == "-")
		return w != "pass"
	return (w == "xfail" ? "fail" : w) != st
}

# Column c's expected results, from expected/SERIES.json when that exists.
function load_pinned(c,    s, f, line, i, key) {
	s = series_of(S_KERNEL[c])
	f = expected "/" s ".json"
	if (s == "" || (getline line < f) < 0)
		return
	close(f)
	if (load_expected(f) < 0) {
		print prog ": warning: " expected_name "/" s ".json: not expected results: " E_ERROR \
		      "; " S_KERNEL[c] " is not checked" > "/dev/stderr"
		return
	}
	pinned[c] = expected_name "/" s ".json"
	for (i = 1; i <= E_N; i++) {
		key = E_KEYS[i]
		XE[c, key] = E_EXPECT[key]
		XR[c, key] = E_REASON[key]
	}
}

# The status and the reason of row r in column c ("-" and "": not in that run).
function status_of(c, r) {
	return (c, r) in CELL ? S_STATUS[c, CELL[c, r]] : "-"
}

function reason_of(c, r) {
	return (c, r) in CELL ? S_REASON[c, CELL[c, r]] : ""
}

BEGIN {
	ncol = ARGC - 1
	split(names, name, "\n")
	for (c = 1; c <= ncol; c++) {
		if (load_summary(ARGV[c], c) < 0) {
			print prog ": " ARGV[c] ": not a complete scripts/run summary: " S_ERROR[c] > "/dev/stderr"
			exit 3
		}
	}
	if (load_renames(renames) < 0) {
		print prog ": " renames_name ": " R_ERROR > "/dev/stderr"
		exit 3
	}
	nrenamed = 0
	for (c = 1; c <= ncol; c++) {
		for (i = 1; i <= S_NCASES[c]; i++) {
			key = S_KEYS[c, i]
			rk = rename_forward(key, 1, ncol)
			if (rk == "" || (c, rk) in S_STATUS)
				rk = key
			if (!(rk in row_of)) {
				row_of[rk] = ++nrow
				row[nrow] = rk
			}
			CELL[c, row_of[rk]] = key
			if (rk != key && !(row_of[rk] in renamed)) {
				renamed[row_of[rk]] = 1
				nrenamed++
			}
			cnt[c, S_STATUS[c, key]]++
		}
		kcount[S_KERNEL[c]]++
		if (expected != "")
			load_pinned(c)
		npinned += (c in pinned)
	}
	# Column titles: the kernel release, and the run when a kernel repeats.
	for (c = 1; c <= ncol; c++) {
		title[c] = S_KERNEL[c]
		if (kcount[S_KERNEL[c]] > 1)
			title[c] = title[c] " (" name[c] ")"
	}
	ndiff = 0
	for (r = 1; r <= nrow; r++) {
		differs[r] = 0
		first = status_of(1, r)
		for (c = 2; c <= ncol; c++)
			if (status_of(c, r) != first)
				differs[r] = 1
		ndiff += differs[r]
		for (c = 1; c <= ncol; c++)
			ndev[c] += deviates(c, r)
	}
	# Listed cases in no row at all are deviations (missing) too.
	for (k in XE) {
		split(k, kp, SUBSEP)
		if (!(kp[2] in row_of) && !((kp[1], kp[2]) in S_STATUS))
			ndev[kp[1]]++
	}
	write_md()
	write_html()
	printf "%d %d %d %d\n", nrow, ndiff, ncol, nrenamed
	exit 0
}

# A Markdown cell: FAIL bold, SKIP plain; in a checked column XFAIL for a
# declared failure, and any cell that deviates bold.
function md_cell(c, r, st,    w) {
	w = want_of(c, r)
	if (w == "")
		return st == "fail" ? "**FAIL**" : st == "skip" ? "SKIP" : st
	if (st == "fail" && w == "xfail")
		return "XFAIL"
	if (!deviates(c, r))
		return st == "skip" ? "SKIP" : st
	return "**" (st == "fail" ? "FAIL" : st == "skip" ? "SKIP" : st) "**"
}

function write_md(    c, r, key, st, line, nreason) {
	printf "# psock: AF_PACKET conformance matrix\n\n" > md
	printf "%d cases on %d kernels; %d rows differ between kernels (marked **≠**).\n\n", nrow, ncol, ndiff > md
	if (nrenamed)
		printf "%d rows hold cases of renamed binaries under their new names (%s).\n\n", nrenamed,
		       md_esc(renames_name) > md
	printf "| kernel | run | arch | pass | fail | skip |\n|---|---|---|---:|---:|---:|\n" > md
	for (c = 1; c <= ncol; c++)
		printf "| %s | %s | %s | %d | %d | %d |\n", md_esc(S_KERNEL[c]), md_esc(name[c]), md_esc(S_ARCH[c]),
		       cnt[c, "pass"], cnt[c, "fail"], cnt[c, "skip"] > md
	if (npinned) {
		printf "\nChecked against the expected results of their series (scripts/compare --expected): " \
		       "XFAIL is a known bug failing as declared, SKIP an expected skip, a **bold** cell deviates.\n\n" > md
		for (c = 1; c <= ncol; c++)
			if (c in pinned)
				printf "- %s: %s, %d deviation%s\n", md_esc(title[c]), md_esc(pinned[c]), ndev[c],
				       (ndev[c] == 1 ? "" : "s") > md
			else if (expected != "")
				printf "- %s: no %s/%s.json, not checked\n", md_esc(title[c]), md_esc(expected_name),
				       md_esc(series_of(S_KERNEL[c])) > md
	}
	printf "\n| | case |" > md
	for (c = 1; c <= ncol; c++)
		printf " %s |", md_esc(title[c]) > md
	printf "\n|---|---|" > md
	for (c = 1; c <= ncol; c++)
		printf "---|" > md
	printf "\n" > md
	for (r = 1; r <= nrow; r++) {
		key = row[r]
		line = "| " (differs[r] ? "**≠**" : "") " | " md_esc(key) " |"
		for (c = 1; c <= ncol; c++) {
			st = status_of(c, r)
			line = line " " md_cell(c, r, st) " |"
		}
		print line > md
	}
	nreason = 0
	for (r = 1; r <= nrow; r++)
		for (c = 1; c <= ncol; c++) {
			key = row[r]
			st = status_of(c, r)
			if ((st == "skip" || st == "fail") && reason_of(c, r) != "") {
				if (nreason++ == 0)
					printf "\n## Skip reasons and failures\n\n" > md
				printf "- `%s` on %s, %s: %s\n", key, md_esc(title[c]),
				       (want_of(c, r) == "xfail" && st == "fail" ? "xfail (" md_esc(XR[c, CELL[c, r]]) ")" : st),
				       md_esc(reason_of(c, r)) > md
			}
		}
	close(md)
}

function write_html(    c, r, key, st, reason, p, w, cls, text, ek) {
	printf "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" > html
	printf "<title>psock: AF_PACKET conformance matrix</title>\n" > html
	print "<style>\n" \
	      "body { font: 14px/1.4 sans-serif; margin: 1em 2em; }\n" \
	      "table { border-collapse: collapse; }\n" \
	      "th, td { border: 1px solid #bbb; padding: 2px 8px; }\n" \
	      "th { background: #eee; cursor: pointer; position: sticky; top: 0; }\n" \
	      "td.case { font-family: monospace; }\n" \
	      "td.pass { background: #c8f0c8; }\n" \
	      "td.fail { background: #f4a0a0; font-weight: bold; }\n" \
	      "td.skip { background: #fbe29a; cursor: help; }\n" \
	      "td.none { background: #ddd; color: #777; }\n" \
	      "td.xfail { background: #e0c8f0; cursor: help; }\n" \
	      "td.deviates { outline: 3px solid #b00; outline-offset: -3px; font-weight: bold; }\n" \
	      "td.mark { text-align: center; color: #b00; font-weight: bold; }\n" \
	      "tr.differs td.case { font-weight: bold; }\n" \
	      "#controls { margin: 1em 0; }\n" \
	      "</style>\n</head>\n<body>" > html
	printf "<h1>psock: AF_PACKET conformance matrix</h1>\n" > html
	printf "<p>%d cases on %d kernels; <b>%d</b> rows differ between kernels (marked &#8800;). " \
	       "Hover over a skipped or failed cell for its reason; click a column title to sort.</p>\n",
	       nrow, ncol, ndiff > html
	if (npinned) {
		printf "<p>Checked against the expected results of their series (scripts/compare --expected): " \
		       "<span class=\"xfail\">xfail</span> is a known bug failing as declared, a skip an expected " \
		       "skip; an outlined cell deviates (its reason on hover):" > html
		for (c = 1; c <= ncol; c++)
			if (c in pinned)
				printf " %s: %s, %d deviation%s;", html_esc(title[c]), html_esc(pinned[c]), ndev[c],
				       (ndev[c] == 1 ? "" : "s") > html
			else
				printf " %s: not checked;", html_esc(title[c]) > html
		printf "</p>\n" > html
	}
	if (nrenamed)
		printf "<p>%d rows hold cases of renamed binaries under their new names (%s); " \
		       "hover over a cell for its name in that run.</p>\n", nrenamed, html_esc(renames_name) > html
	printf "<table id=\"runs\">\n<tr><th>kernel</th><th>run</th><th>arch</th><th>pass</th><th>fail</th><th>skip</th></tr>\n" > html
	for (c = 1; c <= ncol; c++)
		printf "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%d</td></tr>\n",
		       html_esc(S_KERNEL[c]), html_esc(name[c]), html_esc(S_ARCH[c]),
		       cnt[c, "pass"], cnt[c, "fail"], cnt[c, "skip"] > html
	printf "</table>\n" > html
	printf "<div id=\"controls\">\n" \
	       "<label><input type=\"checkbox\" id=\"only-diff\"> only rows where kernels differ</label>\n" \
	       "<button id=\"diff-first\">rows that differ first</button>\n" \
	       "<label>filter cases: <input type=\"search\" id=\"filter\" size=\"30\"></label>\n" \
	       "<span id=\"shown\"></span>\n</div>\n" > html
	printf "<table id=\"matrix\">\n<thead><tr><th title=\"&#8800;: the kernels differ\">&#8800;</th><th>case</th>" > html
	for (c = 1; c <= ncol; c++)
		printf "<th title=\"%s\">%s</th>", html_esc(name[c] " (" S_RUNID[c] ")"), html_esc(title[c]) > html
	printf "</tr></thead>\n<tbody>\n" > html
	for (r = 1; r <= nrow; r++) {
		key = row[r]
		printf "<tr%s data-i=\"%d\"><td class=\"mark\">%s</td><td class=\"case\">%s</td>",
		       (differs[r] ? " class=\"differs\"" : ""), r, (differs[r] ? "&#8800;" : ""), html_esc(key) > html
		for (c = 1; c <= ncol; c++) {
			st = status_of(c, r)
			reason = reason_of(c, r)
			# a case of a renamed binary says its name in that run
			if (st != "-" && CELL[c, r] != key)
				reason = "as " CELL[c, r] (reason == "" ? "" : ": " reason)
			# a checked column: the known bugs, and what deviates
			w = want_of(c, r)
			cls = st == "-" ? "none" : st
			text = st
			if (st == "fail" && w == "xfail") {
				cls = text = "xfail"
				reason = "known bug: " XR[c, CELL[c, r]] " | " reason
			} else if (deviates(c, r)) {
				cls = cls " deviates"
				ek = (c, r) in CELL ? CELL[c, r] : key
				reason = "not as expected: " (w == "pass" ? "expected to pass" : "expected " w ": " XR[c, ek]) \
					 (st == "-" ? "" : reason == "" ? "" : " | " reason)
			}
			if (st == "-" && reason == "")
				reason = "not in this run"
			if (reason != "")
				printf "<td class=\"%s\" title=\"%s\">%s</td>", cls, html_esc(reason), text > html
			else
				printf "<td class=\"%s\">%s</td>", cls, text > html
		}
		printf "</tr>\n" > html
	}
	printf "</tbody>\n</table>\n" > html
	print "<script>\n" \
	      "(function () {\n" \
	      "  var body = document.querySelector('#matrix tbody');\n" \
	      "  var rows = Array.prototype.slice.call(body.rows);\n" \
	      "  var onlyDiff = document.getElementById('only-diff');\n" \
	      "  var filter = document.getElementById('filter');\n" \
	      "  var shown = document.getElementById('shown');\n" \
	      "  function idx(r) { return +r.getAttribute('data-i'); }\n" \
	      "  function same(r) { return r.classList.contains('differs') ? 0 : 1; }\n" \
	      "  function place(sorted) { sorted.forEach(function (r) { body.appendChild(r); }); }\n" \
	      "  function apply() {\n" \
	      "    var text = filter.value.toLowerCase(), n = 0;\n" \
	      "    rows.forEach(function (r) {\n" \
	      "      var ok = (!onlyDiff.checked || !same(r)) &&\n" \
	      "               r.cells[1].textContent.toLowerCase().indexOf(text) >= 0;\n" \
	      "      r.style.display = ok ? '' : 'none';\n" \
	      "      n += ok;\n" \
	      "    });\n" \
	      "    shown.textContent = n + ' of ' + rows.length + ' rows shown';\n" \
	      "  }\n" \
	      "  onlyDiff.addEventListener('change', apply);\n" \
	      "  filter.addEventListener('input', apply);\n" \
	      "  document.getElementById('diff-first').addEventListener('click', function () {\n" \
	      "    place(rows.slice().sort(function (a, b) { return same(a) - same(b) || idx(a) - idx(b); }));\n" \
	      "  });\n" \
	      "  var order = {};\n" \
	      "  Array.prototype.forEach.call(document.querySelectorAll('#matrix th'), function (th, col) {\n" \
	      "    th.addEventListener('click', function () {\n" \
	      "      var dir = order[col] = -(order[col] || -1);\n" \
	      "      place(rows.slice().sort(function (a, b) {\n" \
	      "        var x = a.cells[col].textContent, y = b.cells[col].textContent;\n" \
	      "        return (x < y ? -dir : x > y ? dir : 0) || idx(a) - idx(b);\n" \
	      "      }));\n" \
	      "    });\n" \
	      "  });\n" \
	      "  apply();\n" \
	      "})();\n" \
	      "</script>\n</body>\n</html>" > html
	close(html)
}

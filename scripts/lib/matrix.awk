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
# messages).
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
	}
	write_md()
	write_html()
	printf "%d %d %d %d\n", nrow, ndiff, ncol, nrenamed
	exit 0
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
			line = line " " (st == "fail" ? "**FAIL**" : st == "skip" ? "SKIP" : st) " |"
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
				printf "- `%s` on %s, %s: %s\n", key, md_esc(title[c]), st, md_esc(reason_of(c, r)) > md
			}
		}
	close(md)
}

function write_html(    c, r, key, st, reason, p) {
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
	      "td.mark { text-align: center; color: #b00; font-weight: bold; }\n" \
	      "tr.differs td.case { font-weight: bold; }\n" \
	      "#controls { margin: 1em 0; }\n" \
	      "</style>\n</head>\n<body>" > html
	printf "<h1>psock: AF_PACKET conformance matrix</h1>\n" > html
	printf "<p>%d cases on %d kernels; <b>%d</b> rows differ between kernels (marked &#8800;). " \
	       "Hover over a skipped or failed cell for its reason; click a column title to sort.</p>\n",
	       nrow, ncol, ndiff > html
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
			if (st == "-")
				printf "<td class=\"none\" title=\"not in this run\">-</td>" > html
			else if (reason != "")
				printf "<td class=\"%s\" title=\"%s\">%s</td>", st, html_esc(reason), st > html
			else
				printf "<td class=\"%s\">%s</td>", st, st > html
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

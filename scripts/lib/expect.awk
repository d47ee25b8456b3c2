# SPDX-License-Identifier: GPL-2.0
#
# The expected results of a kernel series (results/expected/SERIES.json),
# for scripts/expect and scripts/compare --expected, with summary.awk (its
# json_string() and json_field()). Not a general JSON parser: it reads the
# layout expect_write() writes, so that a file a human edited is either
# read whole or refused with the line that is wrong:
#
#   {
#     "series": "6.1",
#     "kernel": "6.1.0-57-amd64",
#     "run_id": "20261202-101000-6.1.0-57-amd64",
#     "generated": "2026-12-02",
#     "about": "...",
#     "cases": [
#       {"case": "BINARY:CASE", "expect": "skip", "reason": "..."},
#       {"case": "BINARY:CASE", "expect": "xfail", "reason": "..."}
#     ]
#   }
#
# (or "cases": [] when every case passes): the fields in this order, one a
# line; one case a line, sorted by "case" (byte order), each case once;
# "expect" is skip (the case SKIPs on this series) or xfail (it FAILs: a
# known bug of the series); every reason is non-empty. A case that is not
# listed is expected to pass.
#
# load_expected(FILE) fills
#   E_SERIES, E_KERNEL, E_RUNID, E_GENERATED
#   E_N, E_KEYS[I] (I = 1..E_N, sorted), E_EXPECT[KEY], E_REASON[KEY],
#   E_LINE[KEY] (its line number), E_NSKIP, E_NXFAIL
#   E_NPLACEHOLDER, E_PLACEHOLDER (the first placeholder's KEY)
# and returns E_N, or -1 with E_ERROR saying what is wrong ("line N: ...").
# A reason that starts with EXPECT_TODO is a placeholder the generator left
# for a reviewer: it loads, and expect_placeholder_error() says why a check
# must refuse it.

BEGIN {
	EXPECT_TODO = "TODO"
	EXPECT_ABOUT = "Expected results of the psock suite on a kernel series: each case listed SKIPs " \
		       "(\"skip\") or FAILs (\"xfail\", a known bug of the series) there, for the reason " \
		       "given; every case not listed passes. Written by scripts/expect generate from a run, " \
		       "the reasons reviewed by hand; scripts/compare --expected checks a run against it."
}

# The series of a kernel release: its first two numbers ("6.1.0-57-amd64"
# -> "6.1", "6.12.117+deb12-amd64" -> "6.12"); "" when it has none.
function series_of(release) {
	if (match(release, /^[0-9]+\.[0-9]+/))
		return substr(release, 1, RLENGTH)
	return ""
}

# A message on one line: newlines folded.
function expect_line(s) {
	gsub(/[\t\r\n]+/, " | ", s)
	sub(/^[ |]+/, "", s)
	sub(/[ |]+$/, "", s)
	return s
}

# One short line of a message: newlines folded, long text cut.
function expect_brief(s) {
	s = expect_line(s)
	if (length(s) > 160)
		s = substr(s, 1, 157) "..."
	return s
}

# A JSON string of S (control characters become spaces: a reason is one line).
function expect_js(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/[\001-\037\177]+/, " ", s)
	return "\"" s "\""
}

function expect_is_placeholder(reason) {
	return substr(reason, 1, length(EXPECT_TODO)) == EXPECT_TODO
}

function expect_err(ln, msg) {
	E_ERROR = "line " ln ": " msg
	return -1
}

function expect_quote(line) {
	gsub(/[^ -~]/, "?", line)
	if (length(line) > 48)
		line = substr(line, 1, 45) "..."
	return "'" line "'"
}

function load_expected(file,    str, re_case, fields, nf, line, ln, rc, state, key, prev, comma, f, v) {
	str = "\"([^\"\\\\\001-\037]|\\\\.)*\""
	re_case = "^    \\{\"case\": " str ", \"expect\": \"(skip|xfail)\", \"reason\": " str "\\},?$"
	nf = split("series kernel run_id generated about", fields, " ")
	E_N = E_NSKIP = E_NXFAIL = E_NPLACEHOLDER = 0
	E_SERIES = E_KERNEL = E_RUNID = E_GENERATED = E_PLACEHOLDER = E_ERROR = ""
	split("", E_EXPECT)
	split("", E_REASON)
	split("", E_LINE)
	ln = 0
	state = "start"
	prev = ""
	comma = 0
	while ((rc = (getline line < file)) > 0) {
		ln++
		if (RT == "") {
			close(file)
			return expect_err(ln, "cut short (no newline at the end of the file)")
		}
		if (state == "start") {
			if (line != "{") {
				close(file)
				return expect_err(ln, expect_quote(line) " is not the \"{\" the file starts with")
			}
			state = 1
		} else if (state ~ /^[0-9]+$/ && state <= nf) {
			f = fields[state]
			if (line !~ ("^  \"" f "\": " str ",$")) {
				close(file)
				return expect_err(ln, expect_quote(line) " is not the field \"" f "\" (a string, then a comma)")
			}
			v = json_field(line, f)
			if (f == "series" && v !~ /^[0-9]+\.[0-9]+$/) {
				close(file)
				return expect_err(ln, "\"series\" is '" v "', not a kernel series such as 6.1")
			}
			if (f == "generated" && v !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) {
				close(file)
				return expect_err(ln, "\"generated\" is '" v "', not a date YYYY-MM-DD")
			}
			if (f == "kernel" && v == "") {
				close(file)
				return expect_err(ln, "\"kernel\" is empty")
			}
			if (f == "series")
				E_SERIES = v
			else if (f == "kernel")
				E_KERNEL = v
			else if (f == "run_id")
				E_RUNID = v
			else if (f == "generated")
				E_GENERATED = v
			state++
		} else if (state ~ /^[0-9]+$/) {
			if (line == "  \"cases\": []") {
				state = "close"
			} else if (line == "  \"cases\": [") {
				state = "cases"
			} else {
				close(file)
				return expect_err(ln, expect_quote(line) " is not the \"cases\" list")
			}
		} else if (state == "cases") {
			if (line == "  ]") {
				if (E_N == 0) {
					close(file)
					return expect_err(ln, "an empty \"cases\" list is written \"cases\": []")
				}
				if (comma) {
					close(file)
					return expect_err(ln - 1, "a comma after the last case")
				}
				state = "close"
				continue
			}
			if (line !~ re_case) {
				close(file)
				return expect_err(ln, expect_quote(line) " is not a case {\"case\": \"BINARY:CASE\", " \
						  "\"expect\": \"skip\" or \"xfail\", \"reason\": \"...\"}")
			}
			if (E_N > 0 && !comma) {
				close(file)
				return expect_err(ln - 1, "no comma after the case")
			}
			comma = (line ~ /,$/)
			key = json_field(line, "case")
			if (key !~ /^[A-Za-z0-9_.-]+:./) {
				close(file)
				return expect_err(ln, "'" key "' is not BINARY:CASE")
			}
			if (key in E_EXPECT) {
				close(file)
				return expect_err(ln, "'" key "' is listed twice (also on line " E_LINE[key] ")")
			}
			if (E_N > 0 && !(prev < key)) {
				close(file)
				return expect_err(ln, "'" key "' is out of order: the cases are sorted, it comes before '" prev "'")
			}
			E_KEYS[++E_N] = key
			E_EXPECT[key] = json_field(line, "expect")
			E_REASON[key] = json_field(line, "reason")
			E_LINE[key] = ln
			if (E_REASON[key] ~ /^[ \t]*$/) {
				close(file)
				return expect_err(ln, "'" key "' has no reason")
			}
			if (E_EXPECT[key] == "skip")
				E_NSKIP++
			else
				E_NXFAIL++
			if (expect_is_placeholder(E_REASON[key]) && E_NPLACEHOLDER++ == 0)
				E_PLACEHOLDER = key
			prev = key
		} else if (state == "close") {
			if (line != "}") {
				close(file)
				return expect_err(ln, expect_quote(line) " is not the \"}\" that ends the file")
			}
			state = "done"
		} else {
			close(file)
			return expect_err(ln, "more text after the closing \"}\"")
		}
	}
	close(file)
	if (rc < 0) {
		E_ERROR = "cannot be read"
		return -1
	}
	if (ln == 0) {
		E_ERROR = "empty file"
		return -1
	}
	if (state != "done")
		return expect_err(ln, "cut short (no closing \"}\")")
	return E_N
}

# Why a check refuses the loaded file's placeholders ("" when it has none).
function expect_placeholder_error() {
	if (E_NPLACEHOLDER == 0)
		return ""
	return "line " E_LINE[E_PLACEHOLDER] ": the reason of " E_PLACEHOLDER " is a placeholder (" \
	       EXPECT_TODO "...)" (E_NPLACEHOLDER > 1 ? ", and " E_NPLACEHOLDER - 1 " more" : "") \
	       ": write why the case " (E_EXPECT[E_PLACEHOLDER] == "xfail" ? "fails" : "skips") \
	       " on this series (the bug, or the kernel change and its release)"
}

# Write the expectations OUT[KEY] = "skip"/"xfail", WHY[KEY] = reason to
# FILE in the layout above, sorted by KEY.
function expect_write(file, series, kernel, run_id, generated, out, why,    keys, n, i, k) {
	n = 0
	for (k in out)
		keys[++n] = k
	asort(keys)
	printf "{\n" > file
	printf "  \"series\": %s,\n  \"kernel\": %s,\n  \"run_id\": %s,\n", expect_js(series), expect_js(kernel),
	       expect_js(run_id) > file
	printf "  \"generated\": %s,\n  \"about\": %s,\n", expect_js(generated), expect_js(EXPECT_ABOUT) > file
	if (n == 0)
		printf "  \"cases\": []\n" > file
	else {
		printf "  \"cases\": [\n" > file
		for (i = 1; i <= n; i++)
			printf "    {\"case\": %s, \"expect\": \"%s\", \"reason\": %s}%s\n", expect_js(keys[i]), out[keys[i]],
			       expect_js(why[keys[i]]), (i < n ? "," : "") > file
		printf "  ]\n" > file
	}
	printf "}\n" > file
	close(file)
}

# SPDX-License-Identifier: GPL-2.0
#
# Reading the summary.json that scripts/run writes (see results/README.md),
# for scripts/compare and scripts/report. Not a general JSON parser: it
# relies on the runner's layout, where the run's fields are one per line and
# every case object is on one line:
#
#   "kernel": "6.12.12-amd64",
#   {"binary": "version", "name": "version.sock_raw.x", "status": "pass",
#    "duration": 0.021, "reason": ""}
#
# load_summary(FILE, R) fills, for run number R:
#   S_KERNEL[R], S_RUNID[R], S_ARCH[R], S_NCASES[R]
#   S_STATUS[R, KEY], S_REASON[R, KEY]   KEY is "BINARY:CASE"
#   S_KEYS[R, I] (I = 1..S_NCASES[R])    the keys in the file's order
# and returns the number of cases, or -1 when FILE cannot be read or is not
# a complete runner summary; S_ERROR[R] then says what is wrong, in words.
#
# "Complete" is what report.awk writes in full, line by line: "{", the run's
# fields (a non-empty "kernel" and the "counts" object among them), the
# "binaries" list, the "cases" list with one case object a line (status
# pass, fail or skip) and commas between them, and the closing "}" as the
# last line; and the counts add up: pass + fail + skip = total = the number
# of case lines, each status counted right. So a file cut short anywhere, a
# damaged line, or a foreign JSON file is refused, never read as fewer cases.

# The JSON string that starts with the quote at position POS of S, decoded.
# J_END is set to the position just after its closing quote.
function json_string(s, pos,    out, c, i, n) {
	out = ""
	n = length(s)
	for (i = pos + 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\"")
			break
		if (c == "\\") {
			c = substr(s, ++i, 1)
			if (c == "n")
				c = "\n"
			else if (c == "t")
				c = "\t"
			else if (c == "r")
				c = "\r"
			else if (c == "u") {
				c = "?"
				i += 4
			}
		}
		out = out c
	}
	J_END = i + 1
	return out
}

# The value of "KEY": in LINE: a decoded string, or the bare token
# (number, null) as it is written. "" when the key is absent.
function json_field(line, key,    p, rest) {
	p = index(line, "\"" key "\": ")
	if (p == 0)
		return ""
	p += length(key) + 4
	if (substr(line, p, 1) == "\"")
		return json_string(line, p)
	rest = substr(line, p)
	sub(/[,}].*/, "", rest)
	return rest
}


# The line patterns of a summary, built once (S_RE_* are global).
function summary_patterns(    str, num) {
	str = "\"([^\"\\\\\001-\037]|\\\\.)*\""	# no control characters (RFC 8259)
	num = "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?"
	S_RE_FIELD = "^  \"[a-z_]+\": (" str "|" num "|null|true|false),$"
	S_RE_KERNEL = "^  \"kernel\": " str ",$"
	S_RE_COUNTS = "^  \"counts\": \\{\"pass\": [0-9]+, \"fail\": [0-9]+, \"skip\": [0-9]+, \"total\": [0-9]+\\},$"
	S_RE_BINARY = "^    \\{\"name\": " str ", \"status\": \"(pass|fail|skip)\", \"exit\": -?[0-9]+, \"duration\": " num \
		      ", \"cases\": [0-9]+, \"tap\": " str "\\},?$"
	S_WHERE["fields"] = "in the run's fields"
	S_WHERE["binaries"] = "in the \"binaries\" list"
	S_WHERE["cases"] = "in the \"cases\" list"
	S_WHERE["close"] = "after the \"cases\" list"
	S_RE_CASE = "^    \\{\"binary\": " str ", \"name\": " str ", \"status\": \"(pass|fail|skip)\", \"duration\": " num \
		    ", \"reason\": " str "\\},?$"
}

# A bad line, quoted briefly and printably for an error message.
function summary_quote(line) {
	gsub(/[^ -~]/, "?", line)
	if (length(line) > 48)
		line = substr(line, 1, 45) "..."
	return "'" line "'"
}

# One element of a "binaries" or "cases" list at line LN: every element but
# the last ends in a comma. Returns the error, or "".
function summary_item(line, ln, what) {
	if (S_PREV_COMMA == 0)
		return "line " ln ": no comma after the " what " on line " ln - 1
	S_PREV_COMMA = (line ~ /,$/)
	return ""
}

# The end of a list at line LN; "" or the error.
function summary_list_end(ln, what) {
	if (S_PREV_COMMA == 1)
		return "line " ln - 1 ": a comma after the last " what
	return ""
}

function load_summary(file, r,    line, ln, state, err, key, n, ncase, cnt, counts, kernel, rc) {
	if (S_RE_CASE == "")
		summary_patterns()
	n = ncase = ln = 0
	counts = kernel = 0
	err = ""
	split("", cnt)
	S_KERNEL[r] = S_RUNID[r] = S_ARCH[r] = S_ERROR[r] = ""
	state = "start"
	while (err == "" && (rc = (getline line < file)) > 0) {
		ln++
		if (RT == "") {
			# The runner ends every line, the last one too.
			err = "cut short in line " ln " (no newline at the end of the file)"
		} else if (state == "start") {
			if (line != "{")
				err = "line 1 is " summary_quote(line) ", not the \"{\" a summary starts with"
			state = "fields"
		} else if (state == "fields") {
			if (line == "  \"binaries\": [") {
				state = "binaries"
				S_PREV_COMMA = -1
			} else if (line == "  \"cases\": [") {
				state = "cases"
				S_PREV_COMMA = -1
			} else if (line == "  \"cases\": []") {
				state = "close"
			} else if (line == "  \"binaries\": [],") {
				;
			} else if (line ~ /^  "counts": /) {
				if (line !~ S_RE_COUNTS)
					err = "line " ln " is " summary_quote(line) ", not the \"counts\" the runner writes"
				counts = 1
				S_COUNT[r, "pass"] = json_field(line, "pass") + 0
				S_COUNT[r, "fail"] = json_field(line, "fail") + 0
				S_COUNT[r, "skip"] = json_field(line, "skip") + 0
				S_COUNT[r, "total"] = json_field(line, "total") + 0
			} else if (line ~ /^  "kernel": /) {
				if (line !~ S_RE_KERNEL)
					err = "line " ln " is " summary_quote(line) ", not a \"kernel\" string"
				kernel = 1
				S_KERNEL[r] = json_field(line, "kernel")
			} else if (line ~ S_RE_FIELD) {
				if (line ~ /^  "run_id": /)
					S_RUNID[r] = json_field(line, "run_id")
				else if (line ~ /^  "arch": /)
					S_ARCH[r] = json_field(line, "arch")
			} else {
				err = "line " ln " is " summary_quote(line) ", not a field of the run"
			}
		} else if (state == "binaries") {
			if (line == "  ],") {
				err = summary_list_end(ln, "binary")
				state = "fields"
			} else if (line ~ S_RE_BINARY) {
				err = summary_item(line, ln, "binary")
			} else {
				err = "line " ln " is " summary_quote(line) ", not a binary of the run"
			}
		} else if (state == "cases") {
			if (line == "  ]") {
				err = summary_list_end(ln, "case")
				state = "close"
			} else if (line ~ S_RE_CASE) {
				err = summary_item(line, ln, "case")
				ncase++
				key = json_field(line, "binary") ":" json_field(line, "name")
				if (!((r, key) in S_STATUS))
					S_KEYS[r, ++n] = key
				S_STATUS[r, key] = json_field(line, "status")
				S_REASON[r, key] = json_field(line, "reason")
				cnt[S_STATUS[r, key]]++
			} else {
				err = "line " ln " is " summary_quote(line) ", not a case"
			}
		} else if (state == "close") {
			if (line != "}")
				err = "line " ln " is " summary_quote(line) ", not the \"}\" that ends the summary"
			state = "done"
		} else {
			err = "line " ln ": more text after the closing \"}\""
		}
	}
	close(file)
	S_NCASES[r] = n
	if (err == "" && rc < 0)
		err = "cannot be read"
	else if (err == "" && ln == 0)
		err = "empty file"
	else if (err == "" && state != "done")
		err = "cut short after line " ln " (" S_WHERE[state] ", no closing \"}\")"
	else if (err == "" && !kernel)
		err = "no \"kernel\" field"
	else if (err == "" && S_KERNEL[r] == "")
		err = "\"kernel\" is empty"
	else if (err == "" && !counts)
		err = "no \"counts\" field"
	else if (err == "")
		err = summary_check_counts(r, ncase, cnt)
	S_ERROR[r] = err
	return err == "" ? n : -1
}

# The counts of run R against its NCASE case lines, CNT[STATUS] of them
# with each status; "" or what does not add up.
function summary_check_counts(r, ncase, cnt,    s, i) {
	if (S_COUNT[r, "pass"] + S_COUNT[r, "fail"] + S_COUNT[r, "skip"] != S_COUNT[r, "total"])
		return sprintf("\"counts\" do not add up: pass %d + fail %d + skip %d is not total %d",
			       S_COUNT[r, "pass"], S_COUNT[r, "fail"], S_COUNT[r, "skip"], S_COUNT[r, "total"])
	if (S_COUNT[r, "total"] != ncase)
		return sprintf("\"counts\" say %d cases, the \"cases\" list has %d", S_COUNT[r, "total"], ncase)
	split("pass fail skip", s, " ")
	for (i = 1; i <= 3; i++)
		if (S_COUNT[r, s[i]] != cnt[s[i]] + 0)
			return sprintf("\"counts\" say %d %s, the \"cases\" list has %d", S_COUNT[r, s[i]], s[i], cnt[s[i]])
	return ""
}

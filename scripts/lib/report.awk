# SPDX-License-Identifier: GPL-2.0
#
# The records of every binary of a run (from cases.awk, in run order) ->
# junit.xml and summary.json. Both are written from the same records, so
# their counts always agree.
#
# Variables (gawk -v): junit, json (output files), kernel, arch, run_id,
# start (ISO 8601), duration (seconds), isolation, timeout, jobs,
# interrupted (signal name or empty).
# stdout: "PASS FAIL SKIP TOTAL" case counts, for the runner's summary line.
#
# Text from the binaries is made safe for both formats: control characters
# other than tab and newline, and bytes outside ASCII, become "?" (the raw
# output stays in logs/).

BEGIN {
	FS = "\t"
	nb = nc = 0
}

function unesc(s,    out, i, c) {
	out = ""
	while ((i = index(s, "\\")) > 0) {
		c = substr(s, i + 1, 1)
		out = out substr(s, 1, i - 1) (c == "n" ? "\n" : c == "t" ? "\t" : c)
		s = substr(s, i + 2)
	}
	return out s
}

function clean(s) {
	gsub(/[\001-\010\013\014\016-\037\177-\377]/, "?", s)
	return s
}

function xml(s) {
	s = clean(s)
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}

# In attributes, keep newlines and tabs as character references: a parser
# would fold literal ones into spaces.
function xattr(s) {
	s = xml(s)
	gsub(/\n/, "\\&#10;", s)
	gsub(/\t/, "\\&#9;", s)
	gsub(/\r/, "\\&#13;", s)
	return s
}

function js(s) {
	s = clean(s)
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\n/, "\\n", s)
	gsub(/\t/, "\\t", s)
	gsub(/\r/, "\\r", s)
	return "\"" s "\""
}

$1 == "B" {
	nb++
	b_name[nb] = unesc($2)
	b_status[nb] = $3
	b_exit[nb] = $4
	b_dur[nb] = $5
	b_tap[nb] = unesc($6)
	b_tests[nb] = b_fail[nb] = b_skip[nb] = 0
	next
}

$1 == "C" {
	nc++
	c_b[nc] = nb
	c_name[nc] = unesc($3)
	c_status[nc] = $4
	c_dur[nc] = $5
	c_reason[nc] = unesc($6)
	c_type[nc] = $7
	c_out[nc] = unesc($8)
	b_tests[nb]++
	if ($4 == "fail") {
		b_fail[nb]++
		fail++
	} else if ($4 == "skip") {
		b_skip[nb]++
		skip++
	} else {
		pass++
	}
}

function write_json(    i, sep) {
	printf "{\n" > json
	printf "  \"kernel\": %s,\n  \"arch\": %s,\n  \"run_id\": %s,\n", js(kernel), js(arch), js(run_id) > json
	printf "  \"start\": %s,\n  \"duration\": %.3f,\n", js(start), duration > json
	printf "  \"isolation\": %s,\n  \"timeout\": %s,\n  \"jobs\": %d,\n", js(isolation), timeout + 0, jobs > json
	printf "  \"interrupted\": %s,\n", (interrupted == "" ? "null" : js(interrupted)) > json
	printf "  \"counts\": {\"pass\": %d, \"fail\": %d, \"skip\": %d, \"total\": %d},\n",
	       pass, fail, skip, nc > json
	printf "  \"binaries\": [" > json
	for (i = 1; i <= nb; i++)
		printf "%s\n    {\"name\": %s, \"status\": \"%s\", \"exit\": %d, \"duration\": %.3f, \"cases\": %d, \"tap\": %s}",
		       (i > 1 ? "," : ""), js(b_name[i]), b_status[i], b_exit[i], b_dur[i], b_tests[i], js(b_tap[i]) > json
	printf "%s],\n", (nb ? "\n  " : "") > json
	printf "  \"cases\": [" > json
	for (i = 1; i <= nc; i++)
		printf "%s\n    {\"binary\": %s, \"name\": %s, \"status\": \"%s\", \"duration\": %.3f, \"reason\": %s}",
		       (i > 1 ? "," : ""), js(b_name[c_b[i]]), js(c_name[i]), c_status[i], c_dur[i], js(c_reason[i]) > json
	printf "%s]\n}\n", (nc ? "\n  " : "") > json
	close(json)
}

function write_junit(    b, i) {
	printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" > junit
	printf "<testsuites name=\"psock\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\">\n",
	       nc, fail, skip, duration, xattr(start) > junit
	for (b = 1; b <= nb; b++) {
		printf "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\">\n",
		       xattr(b_name[b]), b_tests[b], b_fail[b], b_skip[b], b_dur[b], xattr(start) > junit
		printf "    <properties>\n" > junit
		printf "      <property name=\"kernel\" value=\"%s\"/>\n", xattr(kernel) > junit
		printf "      <property name=\"arch\" value=\"%s\"/>\n", xattr(arch) > junit
		printf "      <property name=\"exit\" value=\"%d\"/>\n", b_exit[b] > junit
		printf "      <property name=\"tap\" value=\"%s\"/>\n", xattr(b_tap[b]) > junit
		printf "    </properties>\n" > junit
		for (i = 1; i <= nc; i++) {
			if (c_b[i] != b)
				continue
			printf "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
			       xattr(b_name[b]), xattr(c_name[i]), c_dur[i] > junit
			if (c_status[i] == "skip")
				printf ">\n      <skipped message=\"%s\"/>\n    </testcase>\n", xattr(c_reason[i]) > junit
			else if (c_status[i] == "fail")
				printf ">\n      <failure message=\"%s\" type=\"%s\">%s</failure>\n    </testcase>\n",
				       xattr(c_reason[i]), c_type[i], xml(c_out[i] != "" ? c_out[i] : c_reason[i]) > junit
			else
				printf "/>\n" > junit
		}
		printf "  </testsuite>\n" > junit
	}
	printf "</testsuites>\n" > junit
	close(junit)
}

END {
	write_json()
	write_junit()
	printf "%d %d %d %d\n", pass, fail, skip, nc
}

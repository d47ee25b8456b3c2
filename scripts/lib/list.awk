# SPDX-License-Identifier: GPL-2.0
#
# Case names of one kselftest harness binary, one a line, from the table its
# -l option prints (on stderr):
#
#   # FIXTURE            VARIANT                   TEST
#   version              sock_raw                  new_socket_is_v1
#                        sock_dgram                rejects_unknown_versions
#                                                  getsockopt_len_is_clamped
#   ------------------------------------------------------------------------
#
# Each block zips one fixture's variant list and test list side by side (it
# is not their product), printed with "%-20s %-25s %s". A name longer than its
# column pushes the rest of the line right, so columns are read by position:
# a column that starts with a space is empty (skip width + 1 characters),
# otherwise it is the next word (skip max(width, length) + 1 characters).
# The cases are the product variants x tests: fixture.variant.test, or
# fixture.test for a fixture without variants. Anything that does not start
# with the "# FIXTURE" header (not a harness binary) yields no cases.

function column(width,    word, skip) {
	if (rest == "" || substr(rest, 1, 1) == " ") {
		rest = substr(rest, width + 2)
		return ""
	}
	match(rest, /^[^ ]+/)
	word = substr(rest, 1, RLENGTH)
	skip = RLENGTH > width ? RLENGTH : width
	rest = substr(rest, skip + 2)
	return word
}

function flush(    i, j) {
	if (fixture == "")
		return
	if (nv == 0)
		variants[++nv] = ""
	for (i = 1; i <= nv; i++)
		for (j = 1; j <= nt; j++)
			print fixture (variants[i] == "" ? "" : "." variants[i]) "." tests[j]
	fixture = ""
	nv = nt = 0
}

NR == 1 && !/^# FIXTURE/ { bad = 1 }
bad || /^# FIXTURE/ { next }
/^-+$/ { flush(); next }
{
	rest = $0
	f = column(20)
	v = column(25)
	t = rest
	gsub(/ /, "", t)
	if (f != "") {
		flush()
		fixture = f
	}
	if (v != "")
		variants[++nv] = v
	if (t != "")
		tests[++nt] = t
}
END { if (!bad) flush() }

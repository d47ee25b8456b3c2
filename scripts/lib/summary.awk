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
# a runner summary (no "kernel" field).

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

function load_summary(file, r,    line, key, n, ok, rc) {
	n = 0
	ok = 0
	S_KERNEL[r] = S_RUNID[r] = S_ARCH[r] = ""
	while ((rc = (getline line < file)) > 0) {
		if (line ~ /^    \{"binary": /) {
			key = json_field(line, "binary") ":" json_field(line, "name")
			if (!((r, key) in S_STATUS))
				S_KEYS[r, ++n] = key
			S_STATUS[r, key] = json_field(line, "status")
			S_REASON[r, key] = json_field(line, "reason")
		} else if (line ~ /^  "kernel": /) {
			S_KERNEL[r] = json_field(line, "kernel")
			ok = 1
		} else if (line ~ /^  "run_id": /) {
			S_RUNID[r] = json_field(line, "run_id")
		} else if (line ~ /^  "arch": /) {
			S_ARCH[r] = json_field(line, "arch")
		}
	}
	close(file)
	S_NCASES[r] = n
	if (rc < 0 || !ok)
		return -1
	return n
}

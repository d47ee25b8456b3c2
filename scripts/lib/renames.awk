# SPDX-License-Identifier: GPL-2.0
#
# The rename map (scripts/lib/renames: "OLD_BINARY NEW_BINARY..." lines,
# '#' comments), for scripts/compare, scripts/report and scripts/run.
#
# load_renames(FILE) reads the map and returns the number of renamed
# binaries, or -1 with R_ERROR saying what is wrong ("line N: ...", or that
# FILE cannot be read). It fills
#   R_NOLD, R_OLD[I] (I = 1..R_NOLD)  the renamed binaries, in file order
#   R_NEW[OLD]                        OLD's new binaries, blank-separated
#   R_OLDOF[NEW]                      the binary NEW replaces
#
# With summary.awk's S_STATUS loaded, two functions pair a case of one run
# with a case of another through the map ("" when there is none):
#   rename_forward(KEY, LO, HI)  KEY = OLD:CASE -> the one NEW:CASE of KEY's
#                                line present in any of runs LO..HI (two
#                                such NEW binaries: none, it is ambiguous);
#   rename_back(KEY, R)          KEY = NEW:CASE -> OLD:CASE, if run R has it.

function renames_error(ln, msg) {
	R_ERROR = "line " ln ": " msg
	return -1
}

function load_renames(file,    line, ln, rc, n, i, j, name, seen, at) {
	R_NOLD = 0
	R_ERROR = ""
	split("", R_NEW)
	split("", R_OLDOF)
	split("", at)		# a name -> "old LN" or "new LN", where it was seen
	ln = 0
	while ((rc = (getline line < file)) > 0) {
		ln++
		sub(/#.*/, "", line)
		n = split(line, name, " ")	# " ": runs of blanks, none at the ends
		if (n == 0)
			continue
		for (i = 1; i <= n; i++)
			if (name[i] !~ /^[A-Za-z0-9_.-]+$/) {
				close(file)
				return renames_error(ln, "'" name[i] "' is not a binary name (letters, digits, '_', '-', '.')")
			}
		if (n == 1) {
			close(file)
			return renames_error(ln, "'" name[1] "' names no new binary (a line is OLD_BINARY NEW_BINARY...)")
		}
		split("", seen)
		for (i = 1; i <= n; i++) {
			if (name[i] in seen) {
				close(file)
				return renames_error(ln, "'" name[i] "' twice on the line")
			}
			seen[name[i]] = 1
			if (!(name[i] in at))
				continue
			split(at[name[i]], j, " ")
			close(file)
			if (i == 1 && j[1] == "old")
				return renames_error(ln, "'" name[1] "' is renamed on line " j[2] " already")
			if (i == 1)
				return renames_error(ln, "'" name[1] "' is a new binary on line " j[2] ": list its new names there instead")
			if (j[1] == "old")
				return renames_error(ln, "'" name[i] "' is renamed on line " j[2] ": list its new names here instead")
			return renames_error(ln, "'" name[i] "' is a new binary of '" R_OLDOF[name[i]] "' on line " j[2] " already")
		}
		R_OLD[++R_NOLD] = name[1]
		at[name[1]] = "old " ln
		R_NEW[name[1]] = name[2]
		for (i = 2; i <= n; i++) {
			if (i > 2)
				R_NEW[name[1]] = R_NEW[name[1]] " " name[i]
			R_OLDOF[name[i]] = name[1]
			at[name[i]] = "new " ln
		}
	}
	close(file)
	if (rc < 0) {
		R_ERROR = "cannot be read"
		return -1
	}
	return R_NOLD
}

function rename_forward(key, lo, hi,    p, b, c, nb, news, i, r, found, n) {
	p = index(key, ":")
	b = substr(key, 1, p - 1)
	c = substr(key, p + 1)
	if (p == 0 || !(b in R_NEW))
		return ""
	n = split(R_NEW[b], news, " ")
	found = ""
	for (i = 1; i <= n; i++) {
		nb = news[i] ":" c
		for (r = lo; r <= hi; r++)
			if ((r, nb) in S_STATUS)
				break
		if (r > hi)
			continue
		if (found != "")
			return ""
		found = nb
	}
	return found
}

function rename_back(key, r,    p, b, ok) {
	p = index(key, ":")
	b = substr(key, 1, p - 1)
	if (p == 0 || !(b in R_OLDOF))
		return ""
	ok = R_OLDOF[b] ":" substr(key, p + 1)
	return (r, ok) in S_STATUS ? ok : ""
}

# SPDX-License-Identifier: GPL-2.0
#
# The test sources -> docs/CATALOG.md (scripts/catalog; see its --help).
#
# Operands, in this order, each group after a role= assignment:
#   role=areas FILE        scripts/lib/catalog-areas: "AREA TITLE: BINARY..."
#   role=helper FILE...    harness/*.h, netns/*.h: the suite's own functions
#                          and macros, never listed as kernel functions
#   role=src FILE...       psock/*.c: one binary each, named after the file
#   role=links FILE...     (mode=links only) Markdown files whose links are
#                          checked against the catalogue
# Variables (gawk -v): mode (markdown: the catalogue on stdout; cases: every
# case built by default as BINARY:CASE, one a line; links: check the links
# of the role=links files), srcdir (the sources' directory as the catalogue
# links it, relative to docs/), root (the repository, to resolve links).
#
# What is read from a source file:
#  - a case is a TEST_F(fixture, name) (or TEST_F_TIMEOUT), TEST(name) or
#    TEST_SIGNAL(name, sig) at the start of a line; TEST cases belong to the
#    harness's fixture "global". Its name is fixture.variant.test for each
#    FIXTURE_VARIANT_ADD(fixture, variant), fixture.test without variants.
#    A case inside "#ifdef NAME" (NAME not defined in the file) is built only
#    with -DNAME: listed, marked, and not counted with the default cases.
#  - its description is the comment that ends on the line right above it
#    (a /* */ block or // lines; no blank line between). Its rule is the
#    first sentence of that comment: up to the first ". " outside
#    parentheses and quotes (e.g., i.e., etc., vs., cf. do not end one), the
#    whole comment if it has no such full stop. A case without one, or with
#    a section banner ("---- ... ----") there, is an error: FILE:LINE.
#  - its kernel functions are the NAME()s of that whole comment; when it
#    names none, those of the file's header comment (its first /* */
#    block) stand for it. Not counted as kernel functions: system calls and
#    C/libpcap library functions (the user-space list below), the suite's
#    own helpers (functions and macros declared in harness/*.h, netns/*.h or
#    defined in the file itself), NAMEs in capitals (macros).
#  - its gates are the kernel-version keys of its expectation:
#    PSOCK_SKIP_BEFORE(statement, MAJOR, MINOR, CHANGE, observed) and
#    PSOCK_KERNEL_SINCE(MAJOR, MINOR) in the case's body, in its fixture's
#    FIXTURE_SETUP, or in a function or function-like macro of the same
#    file that one of these calls (followed through further calls). MAJOR
#    and MINOR are numbers, a #define of the file, or variant->FIELD, read
#    per variant from its FIXTURE_VARIANT_ADD initializer (.FIELD = N; a
#    variant without it, or with 0, has no gate). CHANGE, the subject of
#    the kernel commit, is the string (literals, #defines of the file, or
#    variant->FIELD); for PSOCK_KERNEL_SINCE it is the first \"quoted\"
#    string in the function holding it, else the first "subsystem: text" in
#    quotes in the case's comment. Printed "Linux MAJOR.MINOR: CHANGE",
#    with "(variants ...)" when not every variant has it; a gate whose
#    change cannot be found is printed without one and warned about.

BEGIN {
	# User-space functions comments name: never kernel functions.
	n = split("accept bind close connect epoll_wait fork getpeername getsockname " \
		  "getsockopt htonl htons ioctl listen memcpy memset mmap munmap ntohl ntohs " \
		  "poll ppoll printf read recv recvfrom recvmmsg recvmsg select send sendfile " \
		  "sendmmsg sendmsg sendto setns setsockopt sizeof socket splice unshare write",
		  w, " ")
	for (i = 1; i <= n; i++)
		userspace[w[i]] = 1
	nerr = 0
	nareas = 0
	nbins = 0
}

# where without the repository's path: psock/NAME.c:LINE.
function rel(where) {
	if (root != "" && index(where, root "/") == 1)
		return substr(where, length(root) + 2)
	return where
}

function err(where, msg) {
	errors[++nerr] = rel(where) ": " msg
}

function warn(where, msg) {
	where = rel(where)
	printf "scripts/catalog: warning: %s: %s\n", where, msg > "/dev/stderr"
}

function trim(s) {
	sub(/^[ \t\n]+/, "", s)
	sub(/[ \t\n]+$/, "", s)
	return s
}

# ---- reading C: comments, strings, arguments ------------------------------

# The code of one line with its comments cut out (state: in_cmt across
# lines); the comment text goes to cmt_part, whether the line held any
# comment to has_cmt. String and character literals are kept whole.
function strip(line,    out, i, c, c2, q) {
	out = ""
	cmt_part = ""
	has_cmt = in_cmt
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		c2 = substr(line, i, 2)
		if (in_cmt) {
			if (c2 == "*/") {
				in_cmt = 0
				i++
				cmt_part = cmt_part " "
				continue
			}
			cmt_part = cmt_part c
			continue
		}
		if (c2 == "/*") {
			in_cmt = 1
			has_cmt = 1
			cmt_block = 1
			i++
			continue
		}
		if (c2 == "//") {
			has_cmt = 1
			cmt_part = cmt_part substr(line, i + 2)
			break
		}
		if (c == "\"" || c == "'") {
			q = c
			out = out c
			for (i++; i <= length(line); i++) {
				c = substr(line, i, 1)
				out = out c
				if (c == "\\") {
					i++
					out = out substr(line, i, 1)
				} else if (c == q) {
					break
				}
			}
			continue
		}
		out = out c
	}
	return out
}

# The text of a comment as one line: the leading "*" of each line gone,
# white space collapsed.
function comment_line(s) {
	gsub(/\n[ \t]*\*+/, " ", s)
	gsub(/[ \t\n]+/, " ", s)
	sub(/^[ *]+/, "", s)
	return trim(s)
}

# Split the argument list text s (without the outer parentheses) at its
# top-level commas into a[1..n]; returns n.
function split_args(s, a,    n, i, c, depth, cur, q) {
	n = 0
	depth = 0
	cur = ""
	q = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q != "") {
			cur = cur c
			if (c == "\\") {
				i++
				cur = cur substr(s, i, 1)
			} else if (c == q) {
				q = ""
			}
			continue
		}
		if (c == "\"" || c == "'") {
			q = c
		} else if (c == "(" || c == "[" || c == "{") {
			depth++
		} else if (c == ")" || c == "]" || c == "}") {
			depth--
		} else if (c == "," && depth == 0) {
			a[++n] = trim(cur)
			cur = ""
			continue
		}
		cur = cur c
	}
	if (trim(cur) != "" || n > 0)
		a[++n] = trim(cur)
	return n
}

# The text between the parenthesis at s[open] and its match.
function paren_arg(s, open,    i, c, depth, q) {
	depth = 0
	q = ""
	for (i = open; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q != "") {
			if (c == "\\")
				i++
			else if (c == q)
				q = ""
			continue
		}
		if (c == "\"" || c == "'")
			q = c
		else if (c == "(")
			depth++
		else if (c == ")" && --depth == 0)
			return substr(s, open + 1, i - open - 1)
	}
	return substr(s, open + 1)
}

# The contents of the string literals and string #defines of expression e
# (file f), concatenated, escapes kept.
function cstr(f, e,    out, i, c, id) {
	out = ""
	for (i = 1; i <= length(e); i++) {
		c = substr(e, i, 1)
		if (c == "\"") {
			for (i++; i <= length(e); i++) {
				c = substr(e, i, 1)
				if (c == "\\") {
					out = out c substr(e, i + 1, 1)
					i++
				} else if (c == "\"") {
					break
				} else {
					out = out c
				}
			}
		} else if (match(substr(e, i), /^[A-Za-z_][A-Za-z0-9_]*/)) {
			id = substr(e, i, RLENGTH)
			if ((f, id) in strmacro)
				out = out cstr(f, strmacro[f, id])
			i += RLENGTH - 1
		}
	}
	return out
}

# A commit subject from an escaped string: \"subject\" -> subject.
function subject(s) {
	gsub(/\\"/, "\"", s)
	gsub(/\\\\/, "\\", s)
	s = trim(s)
	if (s ~ /^".*"$/)
		s = substr(s, 2, length(s) - 2)
	return s
}

# ---- the areas file --------------------------------------------------------

role == "areas" {
	if ($0 ~ /^[ \t]*(#|$)/)
		next
	if (!match($0, /^[^:]+:/)) {
		err(FILENAME ":" FNR, "not \"AREA TITLE: BINARY...\"")
		next
	}
	title = trim(substr($0, 1, RLENGTH - 1))
	areas[++nareas] = title
	area_line[nareas] = FILENAME ":" FNR
	nb = split(substr($0, RLENGTH + 1), w, " ")
	if (nb == 0)
		err(FILENAME ":" FNR, "area \"" title "\" names no binary")
	for (i = 1; i <= nb; i++) {
		if (w[i] in area_of) {
			err(FILENAME ":" FNR, "binary " w[i] " is already in area \"" \
			    areas[area_of[w[i]]] "\"")
			continue
		}
		area_of[w[i]] = nareas
		area_bins[nareas, ++area_n[nareas]] = w[i]
	}
	next
}

# ---- the suite's helpers ---------------------------------------------------

role == "helper" {
	if (FNR == 1)
		in_cmt = 0
	line = strip($0)
	if (match(line, /^#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*\(/)) {
		name = substr(line, 1, RLENGTH - 1)
		sub(/^#[ \t]*define[ \t]+/, "", name)
		helper[name] = 1
	} else if (line ~ /^[A-Za-z_]/ && match(line, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
		helper[substr(line, RSTART, RLENGTH - 1)] = 1
	}
	next
}

# ---- a test source ---------------------------------------------------------

role == "src" && FNR == 1 {
	f = FILENAME
	bin = f
	sub(/.*\//, "", bin)
	sub(/\.c$/, "", bin)
	bins[++nbins] = bin
	bin_file[bin] = f
	file_bin[f] = bin
	in_cmt = 0
	blk = ""
	blk_end = -1
	header_done = 0
	cand = ""
	body = ""
	macro = ""
	depth_pp = 0
	ntests[bin] = 0
	nfix[bin] = 0
}

role == "src" {
	raw = $0
	cmt_block = 0
	was_in_cmt = in_cmt
	code = strip(raw)
	lines[f, FNR] = raw
	nlines[f] = FNR

	# Comments: the header, and the block a case may stand under.
	if (has_cmt) {
		if (!header_done && (cmt_block || was_in_cmt)) {
			header_text = header_text "\n" cmt_part
			if (!in_cmt) {
				header[bin] = header_text
				header_done = 1
				header_text = ""
			}
		}
		if (trim(code) == "") {
			blk = (blk_end == FNR - 1 ? blk "\n" : "") cmt_part
			blk_end = FNR
		}
	}

	# A function-like macro, continued by backslashes.
	if (macro != "") {
		mbody = mbody "\n" code
		if (code !~ /\\[ \t]*$/) {
			define_fn(macro, mbody, mline)
			macro = ""
		}
		next
	}
	if (code ~ /^#/) {
		preprocessor(code)
		next
	}

	# Inside a function or an initializer: until its braces balance.
	if (body != "") {
		text[f, body] = text[f, body] "\n" code
		bdepth += braces(code)
		if (bdepth <= 0) {
			if (body ~ /^VARIANT:/)
				vinit[f, substr(body, 9)] = text[f, body]
			body = ""
		}
		next
	}

	if (code ~ /^(TEST|TEST_F|TEST_F_TIMEOUT|TEST_SIGNAL)\(/) {
		new_test(code)
		cand = "T:" test_fix "." test_name
	} else if (code ~ /^FIXTURE_SETUP\(/) {
		split_args(paren_arg(code, index(code, "(")), a)
		cand = "SETUP:" a[1]
	} else if (code ~ /^FIXTURE_VARIANT_ADD\(/) {
		split_args(paren_arg(code, index(code, "(")), a)
		cand = "VARIANT:" a[1] SUBSEP a[2]
		fixture_seen(a[1])
		vn = ++nvar[bin, a[1]]
		vname[bin, a[1], vn] = a[2]
	} else if (code ~ /^FIXTURE\(/) {
		split_args(paren_arg(code, index(code, "(")), a)
		fixture_seen(a[1])
		cand = ""
	} else if (code ~ /^[A-Za-z_]/ && match(code, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
		cand = substr(code, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", cand)
		defined[f, cand] = 1
	} else if (code ~ /^[A-Za-z_]/) {
		cand = ""
	}
	if (code ~ /^\{/ || (cand != "" && code ~ /\{[ \t]*$/)) {
		body = cand == "" ? "-" : cand
		start_line[f, body] = FNR
		text[f, body] = code
		bdepth = braces(code)
	} else if (cand != "" && code ~ /\{.*\}[ \t]*;[ \t]*$/) {
		# an initializer on one line: FIXTURE_VARIANT_ADD(f, v) { ... };
		if (cand ~ /^VARIANT:/)
			vinit[f, substr(cand, 9)] = code
		cand = ""
	} else if (code ~ /;[ \t]*$/ && code !~ /^[ \t]*$/) {
		cand = ""
	}
}

# The "{" less the "}" of a line of code, outside literals.
function braces(code,    s) {
	s = code
	gsub(/"([^"\\]|\\.)*"|'([^'\\]|\\.)*'/, "", s)
	return gsub(/\{/, "{", s) - gsub(/\}/, "}", s)
}

function fixture_seen(fx) {
	if (!((bin, fx) in fix_known)) {
		fix_known[bin, fx] = 1
		fixtures[bin, ++nfix[bin]] = fx
	}
}

function new_test(code,    n, a, kind, t) {
	kind = code
	sub(/\(.*/, "", kind)
	n = split_args(paren_arg(code, index(code, "(")), a)
	if (kind == "TEST" || kind == "TEST_SIGNAL") {
		test_fix = "global"
		test_name = a[1]
		fixture_seen("global")
	} else {
		test_fix = a[1]
		test_name = a[2]
	}
	t = ++ntests[bin]
	tfix[bin, t] = test_fix
	tname[bin, t] = test_name
	tline[bin, t] = FNR
	tcond[bin, t] = cond_now()
	tcmt[bin, t] = blk_end == FNR - 1 ? comment_line(blk) : ""
	if (tcmt[bin, t] == "")
		err(f ":" FNR, "case " test_fix "." test_name " has no description: " \
		    "write the rule it pins as a comment right above it (no blank line)")
	else if (tcmt[bin, t] ~ /^-+ .* -+$/)
		err(f ":" FNR, "case " test_fix "." test_name " has a section banner above " \
		    "it, not a description: write the rule it pins right above it")
}

function preprocessor(code,    name, s) {
	s = code
	sub(/^#[ \t]*/, "", s)
	if (s ~ /^define[ \t]/) {
		sub(/^define[ \t]+/, "", s)
		if (match(s, /^[A-Za-z_][A-Za-z0-9_]*\(/)) {
			macro = substr(s, 1, RLENGTH - 1)
			mbody = s
			mline = FNR
			defined[f, macro] = 1
			pp_defined[f, macro] = 1
			if (s ~ /\\[ \t]*$/)
				return
			define_fn(macro, mbody, mline)
			macro = ""
			return
		}
		match(s, /^[A-Za-z_][A-Za-z0-9_]*/)
		name = substr(s, 1, RLENGTH)
		s = trim(substr(s, RLENGTH + 1))
		pp_defined[f, name] = 1
		if (s ~ /^"/)
			strmacro[f, name] = s
		else if (s ~ /^[0-9]+$/)
			nummacro[f, name] = s
		return
	}
	if (s ~ /^ifdef[ \t]/) {
		name = trim(substr(s, 6))
		stk[++depth_pp] = (f, name) in pp_defined ? "" : name
		stk_else[depth_pp] = ""
	} else if (s ~ /^ifndef[ \t]/) {
		name = trim(substr(s, 7))
		stk[++depth_pp] = ""
		stk_else[depth_pp] = (f, name) in pp_defined ? "" : name
	} else if (s ~ /^if[ \t(]/) {
		stk[++depth_pp] = ""
		stk_else[depth_pp] = ""
	} else if (s ~ /^else/) {
		stk[depth_pp] = stk_else[depth_pp]
	} else if (s ~ /^endif/ && depth_pp > 0) {
		depth_pp--
	}
}

# "" when the current line is built by default, else the macro it needs.
function cond_now(    i) {
	for (i = 1; i <= depth_pp; i++)
		if (stk[i] != "")
			return stk[i]
	return ""
}

function define_fn(name, s, ln) {
	gsub(/\\[ \t]*\n/, "\n", s)
	text[f, name] = s
	start_line[f, name] = ln
}

# ---- Markdown links to check -----------------------------------------------

role == "links" {
	s = $0
	while (match(s, /\[[^]]*\]\([^)]*\)/)) {
		lk = substr(s, RSTART, RLENGTH)
		s = substr(s, RSTART + RLENGTH)
		nlinks++
		link_where[nlinks] = FILENAME ":" FNR
		link_file[nlinks] = FILENAME
		ltext = lk
		sub(/\]\(.*/, "", ltext)
		link_text[nlinks] = substr(ltext, 2)
		sub(/^\[[^]]*\]\(/, "", lk)
		sub(/\)$/, "", lk)
		link_target[nlinks] = lk
	}
	next
}

# ---- after reading: resolve and print --------------------------------------

# Every NAME() of comment text c worth listing (see the header), "" for none.
function kernel_functions(b, c,    out, name, seen, tail) {
	out = ""
	# a NAME() of its own, not the tail of one ("f_cbpf()/_ebpf()")
	c = " " c
	while (match(c, /[^A-Za-z0-9_][A-Za-z_][A-Za-z0-9_]*\(\)/)) {
		name = substr(c, RSTART + 1, RLENGTH - 3)
		tail = substr(c, RSTART, 2) == "/_"
		c = substr(c, RSTART + RLENGTH)
		if (tail || name in seen || name in userspace || name in helper || name ~ /^pcap_/ ||
		    (bin_file[b], name) in defined || name !~ /[a-z]/)
			continue
		seen[name] = 1
		out = out (out == "" ? "" : ", ") "`" name "`"
	}
	return out
}

# The value of a version argument for variant v ("" for none) of fixture fx.
function version_arg(b, fx, v, e,    fld, init) {
	e = trim(e)
	if (e ~ /^[0-9]+$/)
		return e + 0
	if ((bin_file[b], e) in nummacro)
		return nummacro[bin_file[b], e] + 0
	if (e ~ /^variant->[A-Za-z_][A-Za-z0-9_]*$/) {
		fld = substr(e, 10)
		return variant_field(b, fx, v, fld) + 0
	}
	return -1
}

# The initializer value of .fld in variant v of fixture fx, "" if absent.
function variant_field(b, fx, v, fld,    init, n, a, i) {
	init = vinit[bin_file[b], fx SUBSEP v]
	sub(/^[^{]*\{/, "", init)
	sub(/\}[^}]*$/, "", init)
	n = split_args(init, a)
	for (i = 1; i <= n; i++) {
		if (a[i] ~ ("^\\." fld "[ \t\n]*="))
			return trim(substr(a[i], index(a[i], "=") + 1))
	}
	return ""
}

# The gates of test t of binary b: "GATE<TAB>VARIANTS" lines in g[], count.
function case_gates(b, t, g,    fx, todo, nt, seen, i, fn, s, name, file, p, args, a, na,
		    kind, nv, v, vi, maj, mnr, chg, key, ng, allv, line, out, s0, pos, pre,
		    gv, gorder, gseen, gcount) {
	file = bin_file[b]
	fx = tfix[b, t]
	nt = 0
	todo[++nt] = "T:" fx "." tname[b, t]
	todo[++nt] = "SETUP:" fx
	for (i = 1; i <= nt; i++)
		seen[todo[i]] = 1
	for (i = 1; i <= nt; i++) {
		s = text[file, todo[i]]
		gsub(/"([^"\\]|\\.)*"/, "\"\"", s)
		while (match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
			name = substr(s, RSTART, RLENGTH)
			sub(/[ \t]*\($/, "", name)
			s = substr(s, RSTART + RLENGTH)
			if ((file, name) in text && !(name in seen)) {
				seen[name] = 1
				todo[++nt] = name
			}
		}
	}
	nv = nvar[b, fx]
	ng = 0
	for (i = 1; i <= nt; i++) {
		fn = todo[i]
		s0 = text[file, fn]
		pos = 0
		while (match(substr(s0, pos + 1), /PSOCK_(SKIP_BEFORE|KERNEL_SINCE)[ \t]*\(/)) {
			kind = substr(s0, pos + RSTART + 6, 4)
			pre = substr(s0, 1, pos + RSTART)
			line = start_line[file, fn] + gsub(/\n/, "", pre)
			p = pos + RSTART + RLENGTH - 1
			args = paren_arg(s0, p)
			pos = p + length(args) + 1
			delete a
			na = split_args(args, a)
			for (vi = 1; vi <= (nv ? nv : 1); vi++) {
				v = nv ? vname[b, fx, vi] : ""
				if (kind == "SKIP") {
					maj = version_arg(b, fx, v, a[2])
					mnr = version_arg(b, fx, v, a[3])
					if (a[4] ~ /^variant->/)
						chg = subject(cstr(file, variant_field(b, fx, v, substr(a[4], 10))))
					else
						chg = subject(cstr(file, a[4]))
				} else {
					maj = version_arg(b, fx, v, a[1])
					mnr = version_arg(b, fx, v, a[2])
					chg = quoted_subject(file, s0, tcmt[b, t])
				}
				if (maj == 0)
					continue
				if (maj < 0 || mnr < 0) {
					warn(file ":" line, "a version gate whose release cannot be read")
					key = "Linux ?"
				} else {
					key = "Linux " maj "." mnr
				}
				if (chg == "") {
					if (!((file, line) in warned))
						warn(file ":" line, "a version gate that names no kernel change")
					warned[file, line] = 1
				} else {
					key = key ": " chg
				}
				if (!(key in gv)) {
					gorder[++ng] = key
					gv[key] = ""
				}
				if (!((key, v) in gseen)) {
					gseen[key, v] = 1
					gv[key] = gv[key] (gv[key] == "" ? "" : ", ") "`" v "`"
					gcount[key]++
				}
			}
		}
	}
	out = 0
	for (i = 1; i <= ng; i++) {
		key = gorder[i]
		allv = nv == 0 || gcount[key] == nv
		g[++out] = md_plain(key) (allv ? "" : " (" (gcount[key] > 1 ? "variants " : "variant ") \
			   gv[key] ")")
	}
	return out
}

# A commit subject for PSOCK_KERNEL_SINCE: the first \"...\" of the
# function's strings (their #defines expanded), else the first quoted
# "subsystem: text" of the case's comment.
function quoted_subject(file, s, cmt,    e, id) {
	e = ""
	while (match(s, /"([^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*/)) {
		id = substr(s, RSTART, RLENGTH)
		s = substr(s, RSTART + RLENGTH)
		if (id ~ /^"/)
			e = e id
		else if ((file, id) in strmacro)
			e = e strmacro[file, id]
	}
	if (match(e, /\\"[^"\\]+\\"/))
		return substr(e, RSTART + 2, RLENGTH - 4)
	if (match(cmt, /"[^"]*: [^"]*"/))
		return substr(cmt, RSTART + 1, RLENGTH - 2)
	return ""
}

# The first sentence of text s (see the header).
function first_sentence(s,    i, c, depth, q, before) {
	depth = 0
	q = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\"")
			q = !q
		else if (q)
			continue
		else if (c == "(")
			depth++
		else if (c == ")" && depth > 0)
			depth--
		else if (c == "." && depth == 0 && (i == length(s) || substr(s, i + 1, 1) == " ")) {
			before = substr(s, 1, i - 1)
			if (before ~ /(^|[ (])(e\.g|i\.e|etc|vs|cf)$/)
				continue
			return substr(s, 1, i)
		}
	}
	return s
}

# Markdown for a table cell: code spans for identifiers with "_" or "()",
# kept code spans, the rest escaped.
function md(s,    out, n, parts, i, p, tok) {
	gsub(/\|/, "\\|", s)
	n = split(s, parts, "`")
	out = ""
	for (i = 1; i <= n; i++) {
		p = parts[i]
		if (i % 2 == 0) {
			out = out "`" p "`"
			continue
		}
		gsub(/&/, "\\&amp;", p)
		gsub(/</, "\\&lt;", p)
		gsub(/>/, "\\&gt;", p)
		gsub(/\*/, "\\*", p)
		while (match(p, /[A-Za-z_][A-Za-z0-9_]*((\.|->)[A-Za-z_][A-Za-z0-9_]*)*(\(\))?/)) {
			tok = substr(p, RSTART, RLENGTH)
			if (tok ~ /_|\(\)$/)
				tok = "`" tok "`"
			out = out substr(p, 1, RSTART - 1) tok
			p = substr(p, RSTART + RLENGTH)
		}
		out = out p
	}
	return out
}

# Markdown for plain text (a commit subject): the characters Markdown would
# read as markup escaped, nothing made code.
function md_plain(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/\|/, "\\|", s)
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/\*/, "\\*", s)
	gsub(/`/, "\\`", s)
	s = gensub(/(^|[^A-Za-z0-9])_/, "\\1\\\\_", "g", s)
	return s
}

# GitHub's anchor of a heading.
function gh_anchor(s) {
	s = tolower(s)
	gsub(/[^a-z0-9 _-]/, "", s)
	gsub(/ /, "-", s)
	return s
}

function check_areas(    a, b, i) {
	for (i = 1; i <= nbins; i++) {
		b = bins[i]
		if (!(b in area_of))
			err(bin_file[b], "binary " b " is in no area: add it to a line of " areas_file)
	}
	for (a = 1; a <= nareas; a++)
		for (i = 1; i <= area_n[a]; i++) {
			b = area_bins[a, i]
			if (!(b in bin_file))
				err(area_line[a], "no source " srcdir_shown "/" b ".c for binary " b)
		}
}

function case_count(b, t) {
	return nvar[b, tfix[b, t]] ? nvar[b, tfix[b, t]] : 1
}

function print_cases(    i, b, t, v, fx, nv) {
	for (i = 1; i <= nbins; i++) {
		b = bins[i]
		for (t = 1; t <= ntests[b]; t++) {
			if (tcond[b, t] != "")
				continue
			fx = tfix[b, t]
			nv = nvar[b, fx]
			if (nv == 0)
				print b ":" fx "." tname[b, t]
			for (v = 1; v <= nv; v++)
				print b ":" fx "." vname[b, fx, v] "." tname[b, t]
		}
	}
}

function print_markdown(    a, i, j, b, t, fx, n, total, extra, cond, nt, tests, fns, g, ng,
			  gates, v, vl, cell, acases, abins, bc, hdr) {
	total = 0
	for (i = 1; i <= nbins; i++) {
		b = bins[i]
		bcases[b] = 0
		for (t = 1; t <= ntests[b]; t++) {
			if (tcond[b, t] == "") {
				bcases[b] += case_count(b, t)
			} else {
				if (!(tcond[b, t] in cond_cases))
					cond_order[++ncond] = tcond[b, t]
				cond_cases[tcond[b, t]] += case_count(b, t)
			}
		}
		total += bcases[b]
	}
	extra = ""
	for (i = 1; i <= ncond; i++)
		extra = extra ", and " cond_cases[cond_order[i]] " built only with -D" cond_order[i]
	print "<!-- Generated by scripts/catalog (make catalog) from " srcdir_shown "/*.c: do not edit. -->"
	print "# The test cases"
	print ""
	print "Every case of the suite, by area and binary: the rule it pins, the kernel functions it"
	print "concerns and, where the expected behaviour depends on the kernel release, the release and"
	print "the kernel change it is keyed on. A case is `fixture.variant.test` (`fixture.test` without"
	print "variants), as `scripts/run --list` prints it after `BINARY:`; the rows below show each test"
	print "once as `fixture.*.test`, which `scripts/run -t` also takes as a pattern for all its"
	print "variants. The guided tour, [TOUR.md](TOUR.md), walks through the same cases in the order"
	print "a program uses the API."
	print ""
	print "How each column is read from the sources (`scripts/catalog --help` says the same):"
	print ""
	print "- **rule**: the first sentence of the comment right above the `TEST_F` (up to the first"
	print "  full stop outside parentheses and quotes); the source line the case name links to has"
	print "  the rest. A case without such a comment fails the generator."
	print "- **kernel functions**: the `name()`s that comment mentions, system calls and the"
	print "  suite's own helpers left out; *header* where it mentions none: then the functions the"
	print "  file's header comment names, listed under the binary's heading, stand for it."
	print "- **kernel release**: `PSOCK_SKIP_BEFORE()` / `PSOCK_KERNEL_SINCE()` in the case, its"
	print "  fixture's setup or a helper of the file they call: below that release the case SKIPs or"
	print "  checks the older rule."
	print ""
	printf "**%d binaries, %d cases**%s.\n", nbins, total, extra
	print ""
	print "| area | binaries | cases |"
	print "|---|---|---|"
	for (a = 1; a <= nareas; a++) {
		acases = 0
		abins = ""
		for (j = 1; j <= area_n[a]; j++) {
			b = area_bins[a, j]
			acases += bcases[b]
			abins = abins (j > 1 ? ", " : "") "[" b "](#" gh_anchor(b) ")"
		}
		printf "| [%s](#%s) | %s | %d |\n", areas[a], gh_anchor(areas[a]), abins, acases
	}
	for (a = 1; a <= nareas; a++) {
		print ""
		print "## " areas[a]
		for (j = 1; j <= area_n[a]; j++) {
			b = area_bins[a, j]
			print ""
			print "### " b
			print ""
			nt = 0
			for (t = 1; t <= ntests[b]; t++)
				nt += tcond[b, t] == ""
			hdr = kernel_functions(b, header[b])
			printf "[`%s/%s.c`](%s/%s.c): %d %s, %d %s.", srcdir_shown, b, srcdir, b,
			       bcases[b], bcases[b] == 1 ? "case" : "cases", nt, nt == 1 ? "test" : "tests"
			if (hdr != "")
				printf " Its header names %s.", hdr
			print ""
			vl = ""
			for (i = 1; i <= nfix[b]; i++) {
				fx = fixtures[b, i]
				n = nvar[b, fx]
				if (n == 0)
					continue
				vl = vl "\n- fixture `" fx "`, " n " variants: "
				for (v = 1; v <= n; v++)
					vl = vl (v > 1 ? ", " : "") "`" vname[b, fx, v] "`"
			}
			if (vl != "")
				print "\n" substr(vl, 2)
			print ""
			print "| case | rule | kernel functions | kernel release |"
			print "|---|---|---|---|"
			for (t = 1; t <= ntests[b]; t++) {
				fx = tfix[b, t]
				cell = "<a id=\"" b "." fx "." tname[b, t] "\"></a>[`" fx \
				       (nvar[b, fx] ? ".*" : "") "." tname[b, t] "`](" srcdir "/" b ".c#L" \
				       tline[b, t] ")"
				if (tcond[b, t] != "")
					cell = cell " (built only with -D" tcond[b, t] ")"
				fns = kernel_functions(b, tcmt[b, t])
				ng = case_gates(b, t, gates)
				g = ""
				for (i = 1; i <= ng; i++)
					g = g (i > 1 ? "; " : "") gates[i]
				printf "| %s | %s | %s | %s |\n", cell, md(first_sentence(tcmt[b, t])),
				       fns == "" ? "*header*" : fns, g
				delete gates
			}
		}
	}
}

# Every anchor the catalogue has: areas, binaries, cases.
function anchors(    a, i, b, t) {
	for (a = 1; a <= nareas; a++)
		anchor[gh_anchor(areas[a])] = 1
	for (i = 1; i <= nbins; i++) {
		b = bins[i]
		anchor[gh_anchor(b)] = 1
		for (t = 1; t <= ntests[b]; t++)
			anchor[b "." tfix[b, t] "." tname[b, t]] = 1
	}
}

# A link text that names a case (`fixture.variant.test` or
# `BINARY:fixture...`) must name one of the anchor's binary and test.
function check_case_text(where, txt, anc,    b, rest, n, p, fx, t, v, ok) {
	if (txt !~ /^`[A-Za-z0-9_:.*]+`$/ || txt !~ /\./)
		return
	txt = substr(txt, 2, length(txt) - 2)
	n = split(anc, p, ".")
	b = p[1]
	if (txt ~ /:/) {
		if (substr(txt, 1, index(txt, ":") - 1) != b)
			err(where, "link text " txt " names another binary than its target #" anc)
		txt = substr(txt, index(txt, ":") + 1)
	}
	n = split(txt, p, ".")
	fx = p[1]
	t = p[n]
	if (anc != b "." fx "." t) {
		err(where, "link text " txt " is not the case its target #" anc " is")
		return
	}
	if (n == 3 && p[2] == "*" && !nvar[b, fx]) {
		err(where, "case " txt ": fixture " fx " of " b " has no variants: " fx "." t)
	} else if (n == 3 && p[2] != "*") {
		ok = 0
		for (v = 1; v <= nvar[b, fx]; v++)
			ok = ok || vname[b, fx, v] == p[2]
		if (!ok)
			err(where, "case " txt ": fixture " fx " of " b " has no variant " p[2])
	} else if (n == 2 && nvar[b, fx]) {
		err(where, "case " txt ": fixture " fx " of " b " has variants: name one, or *")
	} else if (n != 2 && n != 3) {
		err(where, "link text " txt " is not a case name")
	}
}

function check_links(    i, tgt, anc, file, dir, path, ln, cmd, nl, where) {
	anchors()
	for (i = 1; i <= nlinks; i++) {
		tgt = link_target[i]
		where = link_where[i]
		if (tgt ~ /^[a-z]+:/ || tgt ~ /^#/)
			continue
		file = tgt
		anc = ""
		if (index(tgt, "#")) {
			file = substr(tgt, 1, index(tgt, "#") - 1)
			anc = substr(tgt, index(tgt, "#") + 1)
		}
		# The catalogue's entries are those the sources make (whether the
		# file is current is another check): no file needed.
		if (file ~ /(^|\/)CATALOG\.md$/) {
			if (anc != "" && !(anc in anchor))
				err(where, "link to CATALOG.md#" anc ": the catalogue has no such entry")
			else if (anc != "")
				check_case_text(where, link_text[i], anc)
			continue
		}
		dir = link_file[i]
		sub(/[^\/]*$/, "", dir)
		path = dir file
		if ((getline ln < path) < 0) {
			err(where, "link to " file ": no such file")
			continue
		}
		close(path)
		if (anc ~ /^L[0-9]+$/) {
			nl = 0
			while ((getline ln < path) > 0)
				nl++
			close(path)
			if (substr(anc, 2) + 0 > nl)
				err(where, "link to " file "#" anc ": the file has " nl " lines")
		}
	}
}

END {
	if (mode != "links")
		check_areas()
	if (nerr) {
		for (i = 1; i <= nerr; i++)
			printf "scripts/catalog: %s\n", errors[i] > "/dev/stderr"
		exit 1
	}
	if (mode == "cases")
		print_cases()
	else if (mode == "links")
		check_links()
	else
		print_markdown()
	if (nerr) {
		for (i = 1; i <= nerr; i++)
			printf "scripts/catalog: %s\n", errors[i] > "/dev/stderr"
		exit 1
	}
}

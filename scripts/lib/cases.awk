# SPDX-License-Identifier: GPL-2.0
#
# One test binary's output -> its kselftest-runner verdict and case records.
#
# Input: what the binary printed (stdout and stderr merged), one line per
# record as "EPOCHSECONDS<TAB>LINE", stamped by scripts/run as each line
# arrived. The kselftest harness prints, per case:
#
#   #  RUN           fixture.variant.test ...
#   # file.c:12:test:Expected 1 (1) == x (2)      (assertions, TH_LOG: stderr)
#   #          FAIL  fixture.variant.test
#   not ok 3 fixture.variant.test                 (or: ok 3 NAME # SKIP reason)
#
# Variables (gawk -v): bin (binary name), num (its TAP number), rc (exit
# status), start and end (epoch seconds), timeout (seconds), interrupted
# (signal name when the runner was interrupted while the binary ran), out
# (file the records are written to), ktap (file the binary's KTAP subtest block
# is written to, or empty for none).
#
# stdout: the verdict line(s) scripts/run prints after the binary's output:
#   ok N selftests: psock: BIN | ... # SKIP | not ok N ... # exit=RC |
#   not ok N ... # TIMEOUT S seconds | not ok N ... # interrupted by SIGINT
#
# out: one B record for the binary, then one C record per case:
#   B  bin  status  exit  duration  verdict
#   C  bin  case  status  duration  reason  type  output
# TAB-separated, each field escaped (\\ \t \n) so a record is one line.
# status is pass, fail or skip; for a failed case, reason is the assertion
# text and type says how it failed (assertion, timeout, crash, exit,
# interrupted); output is everything the case printed.
#
# A binary that times out, crashes or exits non-zero without a failing case
# still gets a failing case: the case that was running when it ended, or a
# case named after the binary. A binary that exits 4 (KSFT_SKIP) without
# running any case gets a skipped case named after the binary.
#
# ktap: the binary's output as a KTAP subtest (Documentation/dev-tools/
# ktap.rst), for scripts/run --format ktap to print between its
# "# selftests: psock: BIN" header and the verdict:
#   "  KTAP version 1", "  # Subtest: selftests: psock: BIN", "  1..K"
# with K the number of case records, then every line the binary printed,
# indented by two spaces. Its result lines are the records, renumbered 1..K
# in order ("ok"/"not ok" as the record's status says); every other line is a
# diagnostic ("# " is added where the line has none), so a version line, plan
# or nameless result line of the binary's own can never count as a test. The
# binary's own version line and its plan, when it equals 1..K, are left out as
# repeats. Cases the runner added (a timeout, crash or skip before any case)
# follow as result lines with a TIMEOUT, ERROR or SKIP directive. A parser
# of nested KTAP (tools/testing/kunit/kunit.py parse) therefore counts
# exactly the cases of summary.json, with the same statuses.

BEGIN {
	FS = "\t"
	split("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM", signame, " ")
	running = ""
	ncases = nfail = nskip = 0
	other = ""
	skip_reason = ""
}

function esc(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/\t/, "\\t", s)
	gsub(/\n/, "\\n", s)
	return s
}

# The case comes from the binary's result line just read (kline[nk]), or
# was added by the runner (END).
function add_case(name, status, dur, reason, type, output) {
	ncases++
	c_kline[ncases] = from_line ? nk : 0
	if (from_line)
		kcase[nk] = ncases
	c_name[ncases] = name
	c_status[ncases] = status
	c_dur[ncases] = dur < 0 ? 0 : dur
	c_reason[ncases] = reason
	c_type[ncases] = type
	c_out[ncases] = output
	if (status == "fail")
		nfail++
	else if (status == "skip")
		nskip++
}

# The "# file:line:test:..." lines of a case (assertions and TH_LOG).
function assertion_text(body,    n, i, lines, text) {
	n = split(body, lines, "\n")
	text = ""
	for (i = 1; i <= n; i++)
		if (lines[i] ~ /^# [^ :]+:[0-9]+:/)
			text = text (text == "" ? "" : "\n") substr(lines[i], 3)
	return text
}

function last_line(body,    n, lines) {
	n = split(body, lines, "\n")
	while (n > 0 && lines[n] == "")
		n--
	return n > 0 ? lines[n] : ""
}

function exit_text(code) {
	if (code > 128 && (code - 128) in signame)
		return "exit=" code " (killed by SIG" signame[code - 128] ")"
	return "exit=" code
}

{
	t = $1 + 0
	line = substr($0, index($0, "\t") + 1)
	kline[++nk] = line
}

# "#  RUN           fixture.variant.test ..."
line ~ /^#  RUN           [^ ]+ \.\.\.$/ {
	running = line
	sub(/^#  RUN +/, "", running)
	sub(/ \.\.\.$/, "", running)
	run_t = t
	body = ""
	next
}

# "1..0 # SKIP reason" (ksft_exit_skip before any plan)
line ~ /^1\.\.0 # SKIP/ {
	skip_reason = line
	sub(/^1\.\.0 # SKIP ?/, "", skip_reason)
	next
}

# "ok N NAME", "ok N NAME # SKIP reason", "not ok N NAME", "ok N # SKIP reason"
match(line, /^(not )?ok [0-9]+ /) {
	rest = substr(line, RLENGTH + 1)
	passed = line ~ /^ok/
	if (rest ~ /^# /) {		# ksft_exit_skip() after a plan: no name
		if (rest ~ /^# SKIP/) {
			skip_reason = rest
			sub(/^# SKIP ?/, "", skip_reason)
		}
		other = other line "\n"
		next
	}
	name = rest
	sub(/ .*/, "", name)
	directive = substr(rest, length(name) + 1)
	status = passed ? "pass" : "fail"
	reason = ""
	if (match(directive, /^ # SKIP ?/)) {
		reason = substr(directive, RLENGTH + 1)
		if (passed)
			status = "skip"
	} else if (match(directive, /^ # (XFAIL|XPASS)/)) {
		reason = substr(directive, 4)
	} else if (match(directive, /^ #  */)) {
		reason = substr(directive, RLENGTH + 1)
	}
	output = name == running ? body : ""
	dur = name == running ? t - run_t : 0
	if (status == "fail") {
		msg = assertion_text(output)
		if (msg == "")
			msg = reason != "" ? reason : substr(last_line(output), 3)
		if (msg == "")
			msg = "failed"
		from_line = 1
		add_case(name, status, dur, msg, "assertion", output)
	} else {
		from_line = 1
		add_case(name, status, dur, reason, "", output)
	}
	from_line = 0
	running = ""
	next
}

# "#            OK  NAME" / "#          FAIL  NAME": the harness's own echo
running != "" && line ~ /^# +(OK|FAIL)  [^ ]+$/ { next }

{
	if (running != "")
		body = body line "\n"
	else
		other = other line "\n"
}

END {
	end_t = end + 0
	bin_dur = end_t - start
	timed_out = rc == 124 || (rc == 137 && bin_dur >= timeout - 0.05)
	head = "selftests: psock: " bin
	kind = ""
	if (interrupted != "") {
		verdict = "not ok " num " " head " # interrupted by " interrupted
		kind = "interrupted"
		why = "interrupted by " interrupted
	} else if (timed_out) {
		verdict = "#\nnot ok " num " " head " # TIMEOUT " timeout " seconds"
		kind = "timeout"
		why = "timed out: scripts/run stopped the binary after " timeout " seconds"
	} else if (rc == 4) {
		verdict = "ok " num " " head " # SKIP"
	} else if (rc == 0) {
		verdict = "ok " num " " head (ncases > 0 && nskip == ncases ? " # SKIP" : "")
	} else {
		verdict = "not ok " num " " head " # exit=" rc
		kind = rc > 128 ? "crash" : "exit"
		why = "the binary ended with " exit_text(rc)
	}

	if (running != "") {
		if (kind == "") {
			kind = "exit"
			why = "the binary exited (" exit_text(rc) ") without a result for this case"
		}
		add_case(running, "fail", end_t - run_t, why " while this case was running", kind, body)
	} else if (kind != "" && nfail == 0) {
		msg = why (ncases ? " after its last case" : " before any case ran")
		if (match(other, /Bail out![^\n]*/))
			msg = msg ": " substr(other, RSTART, RLENGTH)
		add_case(bin, "fail", bin_dur, msg, kind, other)
	} else if (rc == 4 && ncases == 0) {
		add_case(bin, "skip", bin_dur,
			 skip_reason != "" ? skip_reason : "the binary exited with KSFT_SKIP (4)", "", other)
	}

	if (verdict ~ /^#?\n?not ok/ || nfail > 0)
		bstatus = "fail"
	else if (verdict ~ /# SKIP$/)
		bstatus = "skip"
	else
		bstatus = "pass"

	v = verdict
	sub(/^#\n/, "", v)
	printf "B\t%s\t%s\t%d\t%.3f\t%s\n", esc(bin), bstatus, rc, bin_dur, esc(v) > out
	for (i = 1; i <= ncases; i++)
		printf "C\t%s\t%s\t%s\t%.3f\t%s\t%s\t%s\n", esc(bin), esc(c_name[i]),
		       c_status[i], c_dur[i], esc(c_reason[i]), c_type[i], esc(c_out[i]) > out
	close(out)
	if (ktap != "")
		write_ktap()
	print verdict
}

# A result line of the binary, for case i: renumbered, "not ok" for a
# failed case (without a SKIP directive, which would make it a skip).
function ktap_result(i, line,    rest) {
	rest = line
	sub(/^(not )?ok [0-9]+ /, "", rest)
	if (c_status[i] != "fail")
		return "ok " i " " rest
	if (rest ~ / # SKIP/)
		rest = c_name[i]
	return "not ok " i " " rest
}

# A case the runner added: the directive says how it ended.
function ktap_added(i,    d) {
	if (c_status[i] == "skip")
		return "ok " i " " c_name[i] " # SKIP " c_reason[i]
	if (c_status[i] == "pass")
		return "ok " i " " c_name[i]
	d = c_type[i] == "timeout" ? "TIMEOUT " timeout " seconds" : "ERROR " c_reason[i]
	return "not ok " i " " c_name[i] " # " d
}

function write_ktap(    i, line, seen_version, seen_plan) {
	printf "  KTAP version 1\n  # Subtest: %s\n  1..%d\n", head, ncases > ktap
	for (i = 1; i <= nk; i++) {
		line = kline[i]
		if (i in kcase) {
			print "  " ktap_result(kcase[i], line) > ktap
			continue
		}
		if (!seen_version && line ~ /^(K?TAP version [0-9]+)$/) {
			seen_version = 1
			continue
		}
		if (!seen_plan && line ~ /^1\.\.[0-9]+/) {
			seen_plan = 1
			if (line == "1.." ncases)
				continue
		}
		if (line ~ /^#/)
			print "  " line > ktap
		else
			print "  #" (line == "" ? "" : " " line) > ktap
	}
	for (i = 1; i <= ncases; i++)
		if (!c_kline[i])
			print "  " ktap_added(i) > ktap
	close(ktap)
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/run as a user meets it: its TAP (checked with prove), verdicts and
# exit status for binaries that pass, fail, skip, hang and crash, -t (also
# through the rename map), -j, --list, -o, usage errors, and the files of a
# run (tap.txt, junit.xml, summary.json, logs/, results/latest).
#
# The binaries are the fixtures of tests/fixtures/ (see each file's header).
# Runs write into the test's temp dir with -o, except the results/latest
# test. Timeouts are short (--timeout 0.5) so the file runs in a few seconds.

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load runner_helpers

setup_file() {
	build_fixtures
}

setup() {
	common_setup
}

teardown() {
	if [[ -n ${LATEST_RUN:-} ]]; then
		rm -rf -- "$ROOT/results/$LATEST_RUN"
		if [[ $(readlink "$ROOT/results/latest" 2>/dev/null) == "$LATEST_RUN" ]]; then
			if [[ -n ${LATEST_BEFORE:-} ]]; then
				ln -sfn -- "$LATEST_BEFORE" "$ROOT/results/latest"
			else
				rm -f -- "$ROOT/results/latest"
			fi
		fi
	fi
}

@test "a passing binary: ok, the harness TAP nested as comments, exit 0, prove accepts it" {
	use_fixtures pass
	run -0 --separate-stderr "$RUNNER" -o "$OUT"
	assert_eq "TAP version 13" "${lines[0]}" "first line"
	assert_eq "1..1" "${lines[1]}" "plan"
	assert_line_in "$output" "# selftests: psock: pass"
	assert_line_in "$output" "# ok 1 global.plain"
	assert_line_in "$output" "# ok 5 pass.large.bytes_match"
	assert_line_in "$output" "ok 1 selftests: psock: pass"
	assert_match "${lines[-1]}" "^# psock: 5 passed, 0 failed, 0 skipped \(5 cases in 1 binary\) in [0-9.]+ s; results in $OUT\$"
	# tap.txt is exactly what was printed
	assert_eq "$output" "$(cat "$OUT/tap.txt")" "tap.txt"
	run -0 prove -e cat "$OUT/tap.txt"
	assert_match "$output" "Result: PASS"
}

@test "a failing binary: not ok with exit=1, exit status 1, the assertion in junit.xml" {
	use_fixtures fail
	run -1 --separate-stderr "$RUNNER" -o "$OUT"
	assert_line_in "$output" "not ok 1 selftests: psock: fail # exit=1"
	assert_line_in "$output" "# not ok 2 fail.wrong_answer"
	assert_match "${lines[-1]}" "^# psock: 1 passed, 1 failed, 0 skipped "
	run -1 prove -e cat "$OUT/tap.txt"
	assert_match "$output" "Failed 1/1 subtests"
	assert_no_match "$output" "Parse errors"

	xmllint --noout "$OUT/junit.xml"
	run -0 xpath "$OUT/junit.xml" 'string(//testcase[@classname="fail"][@name="fail.wrong_answer"]/failure/@message)'
	assert_match "$output" "fail\.c:[0-9]+:wrong_answer:Expected 42 \(42\) == self->answer \(41\)"
	assert_match "$output" "fixture-fail-marker: 42 is not 41 <&\"'>"
	run -0 xpath "$OUT/junit.xml" 'count(//testcase[@name="fail.ok_first"]/*)'
	assert_eq 0 "$output" "children of the passing testcase"
	assert_eq "fail fail.ok_first pass
fail fail.wrong_answer fail" "$(json_statuses "$OUT/summary.json")" "summary.json cases"
}

@test "--expected: a failure the series declares passes, any deviation fails; without a file or with -t, the run's own verdict" {
	local series exp=$BATS_TEST_TMPDIR/expected
	use_fixtures fail pass
	series=$(uname -r | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	mkdir -p "$exp"
	export PSOCK_EXPECTED=$exp
	run -1 "$RUNNER" --expected -o "$OUT"
	assert_eq "# expected: no results/expected/$series.json: the run's own verdict" "${lines[-1]}" "no file"
	cat >"$exp/$series.json" <<EOF
{
  "series": "$series",
  "kernel": "$(uname -r)",
  "run_id": "x",
  "generated": "2026-12-03",
  "about": "test",
  "cases": [
    {"case": "fail:fail.wrong_answer", "expect": "xfail", "reason": "the fixture's known bug"}
  ]
}
EOF
	run -0 "$RUNNER" --expected -o "$OUT"
	assert_match "$output" "# psock: 6 passed, 1 failed, 0 skipped "
	assert_eq "# gate: every deviation from $exp/$series.json but skip->pass (--skip-may-pass): 0 deviations, exit 0" "${lines[-1]}" "declared"
	sed -i 's/fail.wrong_answer/fail.ok_first/' "$exp/$series.json"
	run -1 "$RUNNER" --expected -o "$OUT"
	assert_match "$output" "# pass->fail  fail:fail.wrong_answer  \(tests/fixtures/fail\.c:[0-9]+:wrong_answer:Expected 42"
	assert_line_in "$output" "# xfail->pass fail:fail.ok_first  (a backport? the known bug is gone on this kernel; expected to fail: the fixture's known bug)"
	run -1 "$RUNNER" --expected -t fail -o "$OUT"
	assert_eq "# expected: not checked: -t ran a selection (the expectations are for the whole suite)" "${lines[-1]}" "-t"
}

@test "a binary whose cases all skip: ok with a SKIP directive, exit 0, the reason in junit.xml and summary.json" {
	use_fixtures skip
	run -0 --separate-stderr "$RUNNER" -o "$OUT"
	assert_line_in "$output" "ok 1 selftests: psock: skip # SKIP"
	assert_match "${lines[-1]}" "^# psock: 0 passed, 0 failed, 2 skipped "
	run -0 prove -e cat "$OUT/tap.txt"
	run -0 xpath "$OUT/junit.xml" 'string(//testcase[@name="skip.v2.needs_feature"]/skipped/@message)'
	assert_eq "fixture-skip-reason: feature X missing" "$output" "skip message"
	run -0 grep -c '"status": "skip", "duration": [0-9.]*, "reason": "fixture-skip-reason: feature X missing"' "$OUT/summary.json"
	assert_eq 2 "$output" "skipped cases with their reason"
}

@test "a hanging binary is stopped at --timeout: not ok with TIMEOUT, exit 1, the hung case fails" {
	use_fixtures hang
	SECONDS=0
	run -1 --separate-stderr "$RUNNER" --timeout 0.5 -o "$OUT"
	((SECONDS < 10))
	assert_line_in "$output" "# ok 1 global.quick"
	assert_line_in "$output" "not ok 1 selftests: psock: hang # TIMEOUT 0.5 seconds"
	run -1 prove -e cat "$OUT/tap.txt"
	assert_no_match "$output" "Parse errors"
	run -0 xpath "$OUT/junit.xml" 'string(//testcase[@name="global.forever"]/failure/@type)'
	assert_eq timeout "$output" "failure type"
	# the hung case's time is the time it ran until it was stopped
	run -0 xpath "$OUT/junit.xml" 'number(//testcase[@name="global.forever"]/@time) >= 0.4'
	assert_eq true "$output" "hung case's time >= 0.4 s"
	assert_eq "hang global.quick pass
hang global.forever fail" "$(json_statuses "$OUT/summary.json")" "summary.json cases"
	wait_no_procs "$BIN/"
}

@test "a harness killed in mid-case: not ok with exit=137, the running case fails as a crash" {
	use_fixtures crash
	run -1 --separate-stderr "$RUNNER" --timeout 5 -o "$OUT"
	assert_line_in "$output" "not ok 1 selftests: psock: crash # exit=137"
	run -0 xpath "$OUT/junit.xml" 'string(//testcase[@name="global.kills_the_harness"]/failure/@message)'
	assert_match "$output" "killed by SIGKILL.* while this case was running"
	assert_eq "crash global.before_crash pass
crash global.kills_the_harness fail" "$(json_statuses "$OUT/summary.json")" "summary.json cases"
	wait_no_procs "$BIN/"
}

@test "a binary without harness TAP still yields a testcase: failing on exit 3, skipped on exit 4" {
	mkdir -p "$BIN"
	export PSOCK_BIN_DIR=$BIN
	add_script noharness 3 "Bail out! no harness here"
	add_script wholeskip 4 "1..0 # SKIP fixture: nothing to do here"
	run -1 --separate-stderr "$RUNNER" -o "$OUT"
	assert_line_in "$output" "not ok 1 selftests: psock: noharness # exit=3"
	assert_line_in "$output" "ok 2 selftests: psock: wholeskip # SKIP"
	xmllint --noout "$OUT/junit.xml"
	run -0 xpath "$OUT/junit.xml" 'string(//testsuite[@name="noharness"]/testcase[@name="noharness"]/failure/@message)'
	assert_match "$output" "exit=3.*Bail out! no harness here"
	run -0 xpath "$OUT/junit.xml" 'string(//testsuite[@name="wholeskip"]/testcase[@name="wholeskip"]/skipped/@message)'
	assert_eq "fixture: nothing to do here" "$output" "skip reason"
	assert_eq 1 "$(json_count "$OUT/summary.json" fail)" "failed cases"
	assert_eq 1 "$(json_count "$OUT/summary.json" skip)" "skipped cases"
}

@test "-t selects binaries by name glob" {
	use_fixtures pass fail skip
	run -0 --separate-stderr "$RUNNER" -t pass -o "$OUT"
	assert_eq "1..1" "${lines[1]}" "plan"
	assert_line_in "$output" "ok 1 selftests: psock: pass"
	run -1 --separate-stderr "$RUNNER" -t 'f*' -t skip -o "$OUT"
	assert_eq "1..2" "${lines[1]}" "plan"
	assert_line_in "$output" "not ok 1 selftests: psock: fail # exit=1"
	assert_line_in "$output" "ok 2 selftests: psock: skip # SKIP"
	assert_no_match "$output" "psock: pass"
}

@test "-t selects single cases by case-name glob or BINARY:CASE, and runs only those" {
	use_fixtures pass fail skip
	run -0 --separate-stderr "$RUNNER" -t '*bytes*' -t 'fail:fail.ok_first' -o "$OUT"
	assert_eq "1..2" "${lines[1]}" "plan"
	assert_line_in "$output" "# 1..1"
	assert_line_in "$output" "# ok 1 fail.ok_first"
	assert_line_in "$output" "ok 1 selftests: psock: fail"
	assert_line_in "$output" "# 1..2"
	assert_line_in "$output" "# ok 1 pass.small.bytes_match"
	assert_line_in "$output" "# ok 2 pass.large.bytes_match"
	assert_line_in "$output" "ok 2 selftests: psock: pass"
	assert_no_match "$output" "wrong_answer|sum_matches|needs_feature"
	assert_match "${lines[-1]}" "^# psock: 3 passed, 0 failed, 0 skipped "
}

@test "-t matching nothing is a usage error naming the pattern" {
	use_fixtures pass
	run -2 --separate-stderr "$RUNNER" -t 'nosuch*' -o "$OUT"
	assert_eq "" "$output" "stdout"
	assert_match "$stderr" "-t 'nosuch\*' matches no binary and no case"
	[[ ! -e $OUT ]]
}

@test "-t naming a renamed binary selects the binaries it became (scripts/lib/renames), saying so on stderr" {
	use_fixtures pass skip fail
	local map=$BATS_TEST_TMPDIR/renames
	printf '# SPDX-License-Identifier: GPL-2.0\ngone pass skip  # split\nfail other\n' >"$map"
	export PSOCK_RENAMES=$map
	local direct
	direct=$("$RUNNER" --list -t pass -t skip)
	assert_eq 7 "$(wc -l <<<"$direct")" "cases of pass and skip"
	run -0 --separate-stderr "$RUNNER" --list -t gone -t 'gone:*.v2.*'
	assert_eq "$direct" "$output" "--list -t gone: the cases of pass and skip"
	assert_eq "scripts/run: -t 'gone': gone became pass skip ($map); selecting from those
scripts/run: -t 'gone:*.v2.*': gone became pass skip ($map); selecting from those" "$stderr" "stderr"
	run -0 --separate-stderr "$RUNNER" -t 'gone:pass.small.*' -o "$OUT"
	assert_eq "1..1" "${lines[1]}" "plan"
	assert_line_in "$output" "ok 1 selftests: psock: pass"
	assert_match "${lines[-1]}" "^# psock: 2 passed, 0 failed, 0 skipped "
	# a pattern that matches a binary here is never mapped
	run -1 --separate-stderr "$RUNNER" -t fail -o "$OUT"
	assert_line_in "$output" "not ok 1 selftests: psock: fail # exit=1"
	assert_eq "" "$stderr" "stderr of -t fail"
	run -2 --separate-stderr "$RUNNER" --list -t 'gone:nosuch'
	assert_eq "scripts/run: -t 'gone:nosuch' matches no binary and no case in $BIN (see scripts/run --list)" "${stderr_lines[-1]}" "no case"
	printf 'gone pass\nlonely\n' >"$map"
	run -2 --separate-stderr "$RUNNER" --list -t gone
	assert_eq "scripts/run: $map: line 2: 'lonely' names no new binary (a line is OLD_BINARY NEW_BINARY...)" "$stderr" "malformed map"
	assert_eq "" "$output" "stdout, malformed map"
}

@test "-j 3 prints the same TAP and gives the same statuses as -j 1" {
	use_fixtures crash fail hang pass skip
	add_script noharness 3 "no TAP at all"
	run -1 --separate-stderr "$RUNNER" -j 1 --timeout 0.5 -o "$OUT/j1"
	run -1 --separate-stderr "$RUNNER" -j 3 --timeout 0.5 -o "$OUT/j3"
	# all but the summary line (its time and path differ)
	assert_eq "$(sed '$d' "$OUT/j1/tap.txt")" "$(sed '$d' "$OUT/j3/tap.txt")" "tap.txt"
	assert_eq "$(json_statuses "$OUT/j1/summary.json")" "$(json_statuses "$OUT/j3/summary.json")" "statuses"
	assert_eq 14 "$(json_statuses "$OUT/j3/summary.json" | wc -l)" "cases"
	assert_match "$(sed -n '$p' "$OUT/j3/tap.txt")" "^# psock: 8 passed, 4 failed, 2 skipped \(14 cases in 6 binaries\)"
}

@test "junit.xml is well-formed and its counts match summary.json" {
	use_fixtures crash fail pass skip
	add_script noharness 3 "odd bytes: <&> \"quoted\" tab	here"
	run -1 --separate-stderr "$RUNNER" -o "$OUT"
	run -0 xmllint --noout "$OUT/junit.xml"
	local total fail skip
	total=$(json_count "$OUT/summary.json" total)
	fail=$(json_count "$OUT/summary.json" fail)
	skip=$(json_count "$OUT/summary.json" skip)
	assert_eq 12 "$total" "total"
	assert_eq "$total" "$(xpath "$OUT/junit.xml" 'count(//testcase)')" "testcases"
	assert_eq "$fail" "$(xpath "$OUT/junit.xml" 'count(//testcase/failure)')" "failures"
	assert_eq "$skip" "$(xpath "$OUT/junit.xml" 'count(//testcase/skipped)')" "skipped"
	assert_eq "$total" "$(xpath "$OUT/junit.xml" 'string(/testsuites/@tests)')" "testsuites@tests"
	assert_eq "$fail" "$(xpath "$OUT/junit.xml" 'string(/testsuites/@failures)')" "testsuites@failures"
	assert_eq "$skip" "$(xpath "$OUT/junit.xml" 'string(/testsuites/@skipped)')" "testsuites@skipped"
	assert_eq 5 "$(xpath "$OUT/junit.xml" 'count(//testsuite)')" "testsuites"
	assert_eq "$total" "$(json_statuses "$OUT/summary.json" | wc -l)" "summary.json cases"
	# every testsuite's own counts add up
	assert_eq 0 "$(xpath "$OUT/junit.xml" 'count(//testsuite[@tests != count(testcase) or @failures != count(testcase/failure) or @skipped != count(testcase/skipped)])')" "inconsistent testsuites"
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert sum(d["counts"][k] for k in ("pass", "fail", "skip")) == d["counts"]["total"] == len(d["cases"])' "$OUT/summary.json"
	fi
}

@test "--list prints BINARY:CASE lines (filtered by -t) and runs nothing" {
	use_fixtures pass skip
	add_script noharness 0
	run -0 --separate-stderr "$RUNNER" --list -o "$OUT"
	assert_eq "noharness
pass:global.plain
pass:pass.small.sum_matches
pass:pass.small.bytes_match
pass:pass.large.sum_matches
pass:pass.large.bytes_match
skip:skip.v1.needs_feature
skip:skip.v2.needs_feature" "$output" "--list"
	[[ ! -e $OUT ]]
	run -0 --separate-stderr "$RUNNER" --list -t '*.v2.*' -t 'pass:global.*'
	assert_eq "pass:global.plain
skip:skip.v2.needs_feature" "$output" "--list -t"
}

@test "usage errors: exit 2, the reason and the usage line on stderr, nothing on stdout" {
	use_fixtures pass
	local args
	for args in "-x" "--nope" "extra" "-j 0" "-j x" "-j" "-j 257" "-j 99999999999999999999" "--jobs=-1" \
		"--timeout 0" "--timeout 0.0" "--timeout abc" "--timeout" "--timeout 86400.5" \
		"--timeout 99999999999999999999" "--timeout=1e3" "-t" "-o" "--format" "--format tap" "--format="; do
		# shellcheck disable=SC2086 # split on purpose
		run -2 --separate-stderr "$RUNNER" $args
		assert_eq "" "$output" "stdout of scripts/run $args"
		assert_match "$stderr" "^scripts/run: .*
usage: scripts/run \[-j N\] \[-t PATTERN\]\.\.\. \[--timeout S\] \[--format kselftest\|ktap\] \[-o DIR\] \[--list\] \[--expected\] \[-h\|--help\]$"
	done
}

@test "-j and --timeout are bounded: the message names the bounds and the value; the bounds themselves are accepted" {
	use_fixtures pass
	run -2 --separate-stderr "$RUNNER" -j 99999999999999999999
	assert_eq "scripts/run: -j wants a number of jobs from 1 to 256, not '99999999999999999999'" "${stderr_lines[0]}" "-j huge"
	run -2 --separate-stderr "$RUNNER" --jobs=257
	assert_eq "scripts/run: -j wants a number of jobs from 1 to 256, not '257'" "${stderr_lines[0]}" "-j 257"
	run -2 --separate-stderr "$RUNNER" --timeout 99999999999999999999
	assert_eq "scripts/run: --timeout wants a number of seconds above 0 and at most 86400, not '99999999999999999999'" "${stderr_lines[0]}" "--timeout huge"
	run -2 --separate-stderr "$RUNNER" --timeout 0.0
	assert_eq "scripts/run: --timeout wants a number of seconds above 0 and at most 86400, not '0.0'" "${stderr_lines[0]}" "--timeout 0.0"
	run -2 --separate-stderr "$RUNNER" --format=TAP
	assert_eq "scripts/run: --format wants kselftest or ktap, not 'TAP'" "${stderr_lines[0]}" "--format TAP"
	run -2 --separate-stderr env PSOCK_TIMEOUT_SCALE=2000 "$RUNNER"
	assert_eq "scripts/run: PSOCK_TIMEOUT_SCALE=2000 makes the default timeout 90000 s, more than 86400: use a smaller scale, or --timeout S" "$stderr" "scale too large"
	run -0 --separate-stderr "$RUNNER" -j 256 --timeout 86400 -o "$OUT"
	assert_line_in "$output" "ok 1 selftests: psock: pass"
	grep -qx '  "timeout": 86400,' "$OUT/summary.json"
	grep -qx '  "jobs": 256,' "$OUT/summary.json"
	run -0 --separate-stderr "$RUNNER" -j 0001 --timeout 0.5 --list
	run -0 --separate-stderr env PSOCK_TIMEOUT_SCALE=1920 "$RUNNER" --list
}

@test "--help documents the options, the environment and the exit status" {
	run -0 --separate-stderr "$RUNNER" --help
	local word
	for word in "-j, --jobs N" "1 to 256" "-t, --test PATTERN" "--timeout S" "at most 86400" "-o, --output DIR" "--list" \
		"--format F" "kselftest  \(default\)" "ktap       KTAP" \
		PSOCK_BIN_DIR PSOCK_TIMEOUT_SCALE "Exit status" "results/latest"; do
		assert_match "$output" "$word"
	done
	run -0 "$RUNNER" -h
}

@test "no binaries: one line saying to run make, exit 2" {
	mkdir -p "$BIN"
	touch "$BIN/not-executable"
	PSOCK_BIN_DIR=$BIN run -2 --separate-stderr "$RUNNER" -o "$OUT"
	assert_eq "scripts/run: no test binaries in $BIN: run 'make' first" "$stderr" "stderr"
	assert_eq "" "$output" "stdout"
}

@test "a missing tool: one line saying to run scripts/deps, exit 2" {
	use_fixtures pass
	local fake=$BATS_TEST_TMPDIR/path tool
	mkdir -p "$fake"
	# everything the runner needs except gawk
	for tool in dirname timeout setpriv unshare setsid mkfifo; do
		ln -s "$(command -v "$tool")" "$fake/$tool"
	done
	run -2 --separate-stderr env PATH="$fake" "$BASH" "$RUNNER" -o "$OUT"
	assert_eq "scripts/run: 'gawk' is missing: run scripts/deps (as root) to install what the suite needs" "$stderr"
}

@test "-o DIR holds tap.txt, junit.xml, summary.json and the raw logs; results/latest is untouched" {
	use_fixtures fail pass
	local before
	before=$(readlink "$ROOT/results/latest" 2>/dev/null || echo none)
	run -1 --separate-stderr "$RUNNER" -o "$OUT/deep/dir"
	[[ -s $OUT/deep/dir/tap.txt && -s $OUT/deep/dir/junit.xml && -s $OUT/deep/dir/summary.json ]]
	assert_match "${lines[-1]}" "; results in $OUT/deep/dir\$"
	# the logs are the binaries' raw output, stderr included, not prefixed
	assert_line_in "$(cat "$OUT/deep/dir/logs/pass.log")" "ok 1 global.plain"
	assert_match "$(cat "$OUT/deep/dir/logs/fail.log")" "
# tests/fixtures/fail.c:[0-9]+:wrong_answer:fixture-fail-marker: 42 is not 41"
	assert_eq "$before" "$(readlink "$ROOT/results/latest" 2>/dev/null || echo none)" "results/latest"
	# the summary.json run facts
	assert_match "$(cat "$OUT/deep/dir/summary.json")" "\"kernel\": \"$(uname -r)\",
  \"arch\": \"$(uname -m)\",
  \"run_id\": \"[0-9]{8}-[0-9]{6}-$(uname -r)\",
  \"start\": \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9:]{5}\",
  \"duration\": [0-9]+\.[0-9]{3},"
	# a second run into the same directory replaces the first one's files
	use_fixtures pass
	run -0 --separate-stderr "$RUNNER" -o "$OUT/deep/dir"
	[[ ! -e $OUT/deep/dir/logs/fail.log ]]
	assert_eq "pass global.plain pass" "$(json_statuses "$OUT/deep/dir/summary.json" | head -1)"
	# junit.xml and summary.json are renamed into place: no temporary file
	# is left, and they have the modes of files made as usual
	assert_eq "junit.xml logs summary.json tap.txt " "$(ls -A "$OUT/deep/dir" | tr '\n' ' ')" "files of the run"
	assert_eq "$(stat -c %a "$OUT/deep/dir/tap.txt")" "$(stat -c %a "$OUT/deep/dir/summary.json")" "summary.json mode"
	# and scripts/compare reads the summary as complete
	run -0 "$ROOT/scripts/compare" "$OUT/deep/dir" "$OUT/deep/dir"
}

@test "a run without -o writes results/RUN_ID and points results/latest at it" {
	use_fixtures pass
	LATEST_BEFORE=$(readlink "$ROOT/results/latest" 2>/dev/null || true)
	cd "$ROOT"
	run -0 --separate-stderr "$RUNNER"
	[[ ${lines[-1]} =~ \;\ results\ in\ results/([^/]+)$ ]]
	LATEST_RUN=${BASH_REMATCH[1]}
	assert_match "$LATEST_RUN" "^[0-9]{8}-[0-9]{6}-$(uname -r)(-[0-9]+)?$"
	assert_eq "$LATEST_RUN" "$(readlink "$ROOT/results/latest")" "results/latest (a relative link)"
	[[ -s results/latest/tap.txt && -s results/latest/junit.xml && -s results/latest/logs/pass.log ]]
	assert_match "$(cat results/latest/summary.json)" "\"run_id\": \"$LATEST_RUN\""
	assert_eq "$output" "$(cat "results/$LATEST_RUN/tap.txt")" "tap.txt"
}

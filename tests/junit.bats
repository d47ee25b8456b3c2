#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# junit.xml read by a real consumer: Debian's python3-junitparser (as a CI
# system's JUnit reader would) loads it; the totals it reads and the totals
# it recomputes from the testcases (update_statistics) equal summary.json's
# counts, and every testcase's result equals the case's status there, for a
# run with passes, skips, an assertion failure, a timeout and a crash.

# shellcheck disable=SC2154 # $output comes from bats' run
bats_require_minimum_version 1.5.0

load runner_helpers

setup_file() {
	build_fixtures
	/usr/bin/python3 -c 'import junitparser' ||
		{ echo "python3-junitparser is missing: run scripts/deps" >&2; return 1; }
}

setup() {
	common_setup
}

# What junitparser reads: "tests failures errors skipped" as the file states
# them, the same recomputed from the testcases, then "SUITE CASE STATUS" per
# testcase (fail for a failure or an error).
junit_read() { # JUNIT_XML
	/usr/bin/python3 - "$1" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
print(xml.tests, xml.failures, xml.errors, xml.skipped)
cases = []
for suite in xml:
	for case in suite:
		kinds = {type(r) for r in case.result}
		status = "fail" if kinds & {Failure, Error} else "skip" if Skipped in kinds else "pass"
		cases.append(f"{suite.name} {case.name} {status}")
xml.update_statistics()
print(xml.tests, xml.failures, xml.errors, xml.skipped)
print("\n".join(cases))
PY
}

@test "junitparser reads junit.xml with summary.json's counts and statuses: passes, skips, a failure, a timeout, a crash" {
	use_fixtures pass skip fail hang crash
	run -1 --separate-stderr "$RUNNER" --timeout 2 -o "$OUT"
	local s="$OUT/summary.json" pass fail skip total
	pass=$(json_count "$s" pass) fail=$(json_count "$s" fail) skip=$(json_count "$s" skip) total=$(json_count "$s" total)
	assert_eq "8 3 2 13" "$pass $fail $skip $total" "summary.json counts"
	run -0 junit_read "$OUT/junit.xml"
	assert_eq "$total $fail 0 $skip" "${lines[0]}" "tests failures errors skipped, as junit.xml states them"
	assert_eq "$total $fail 0 $skip" "${lines[1]}" "the same, recomputed from the testcases"
	assert_eq "$(json_statuses "$s")" "$(printf '%s\n' "${lines[@]:2}")" "testcases vs summary.json's cases"
}

@test "junitparser reads junit.xml of the real suite (version) with summary.json's counts" {
	[[ -x $ROOT/build/psock/version ]] || make -s -C "$ROOT" >&2
	run -0 --separate-stderr "$RUNNER" -t version -o "$OUT"
	local s="$OUT/summary.json"
	run -0 junit_read "$OUT/junit.xml"
	assert_eq "$(json_count "$s" total) $(json_count "$s" fail) 0 $(json_count "$s" skip)" "${lines[0]}" "junit.xml totals"
	assert_eq "${lines[0]}" "${lines[1]}" "recomputed totals"
	assert_eq "$(json_statuses "$s")" "$(printf '%s\n' "${lines[@]:2}")" "testcases vs summary.json's cases"
}

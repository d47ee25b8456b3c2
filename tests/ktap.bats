#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/run --format ktap read by the kernel's own KTAP parser,
# tools/testing/kunit/kunit.py parse, taken from Debian's linux-source-6.12
# tarball (pure python3, extracted once into ~/.cache/psock/linux-6.12-kunit/,
# under its tree path: kunit.py exits 1 when its path has no tools/testing/kunit). The parser must
# see every case as a subtest of its binary, with the statuses summary.json
# gives them: passes, skips, an assertion failure, a timeout and a crash of
# the fixtures (tests/fixtures), and two binaries of the real suite.

# shellcheck disable=SC2154 # $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load runner_helpers

TARBALL=/usr/src/linux-source-6.12.tar.xz

setup_file() {
	build_fixtures
	local tree=${XDG_CACHE_HOME:-$HOME/.cache}/psock/linux-6.12-kunit
	if [[ ! -f $tree/tools/testing/kunit/kunit.py ]]; then
		[[ -r $TARBALL ]] || { echo "$TARBALL is missing: run scripts/deps" >&2; return 1; }
		rm -rf "$tree.tmp"
		mkdir -p "$tree.tmp"
		tar -xJf "$TARBALL" -C "$tree.tmp" --strip-components=1 \
			--wildcards 'linux-source-6.12/tools/testing/kunit/*' || return 1
		rm -rf "$tree"
		mv "$tree.tmp" "$tree"
	fi
	export KUNIT_DIR=$tree/tools/testing/kunit
}

setup() {
	common_setup
}

# kunit.py parse FILE, its lines without the "[HH:MM:SS] " stamps, its exit
# status; it leaves its JSON (KernelCI layout) for kunit_statuses, which
# prints it as "BINARY CASE STATUS" lines, as json_statuses does summary.json.
kunit_parse() { # TAP_FILE
	set -o pipefail
	/usr/bin/python3 "$KUNIT_DIR/kunit.py" parse --json="$BATS_TEST_TMPDIR/kunit.json" "$1" |
		sed 's/^\[[0-9:]*\] //'
}

kunit_statuses() {
	/usr/bin/python3 - "$BATS_TEST_TMPDIR/kunit.json" <<'PY'
import json, sys
status = {"PASS": "pass", "FAIL": "fail", "SKIP": "skip"}
for group in json.load(open(sys.argv[1]))["sub_groups"]:
	binary = group["name"].removeprefix("selftests: psock: ")
	for case in group["test_cases"]:
		print(binary, case["name"], status.get(case["status"], case["status"]))
PY
}

# "Testing complete. Ran N tests: passed: P, failed: F, skipped: S" from the
# summary.json counts (kunit_parser.TestCounts leaves out zero counts).
expected_summary() { # SUMMARY_JSON
	local pass fail skip line
	pass=$(json_count "$1" pass) fail=$(json_count "$1" fail) skip=$(json_count "$1" skip)
	line="Testing complete. Ran $((pass + fail + skip)) tests:"
	((pass)) && line+=" passed: $pass,"
	((fail)) && line+=" failed: $fail,"
	((skip)) && line+=" skipped: $skip,"
	echo "${line%,}"
}

@test "--format ktap: kunit.py counts every fixture case (passes, skips, a failure, a timeout, a crash) as summary.json does" {
	use_fixtures pass skip fail hang crash
	run -1 --separate-stderr "$RUNNER" --format ktap --timeout 2 -o "$OUT"
	assert_eq "KTAP version 1" "${lines[0]}" "first line"
	assert_eq "1..5" "${lines[1]}" "plan"
	assert_line_in "$output" "  not ok 2 global.forever # TIMEOUT 2 seconds"
	assert_line_in "$output" "not ok 3 selftests: psock: hang # TIMEOUT 2 seconds"
	assert_eq "$output" "$(cat "$OUT/tap.txt")" "tap.txt"
	assert_eq "8 3 2 13" "$(json_count "$OUT/summary.json" pass) $(json_count "$OUT/summary.json" fail) $(json_count "$OUT/summary.json" skip) $(json_count "$OUT/summary.json" total)" "summary.json counts"

	run -1 kunit_parse "$OUT/tap.txt"
	assert_line_in "$output" "$(expected_summary "$OUT/summary.json")"
	assert_no_match "$output" "\[ERROR\]"
	assert_eq "$(json_statuses "$OUT/summary.json")" "$(kunit_statuses)" "kunit.py's cases and statuses vs summary.json's"
}

@test "--format ktap: a binary without harness TAP and a skip before any case are one subtest each" {
	mkdir -p "$BIN"
	export PSOCK_BIN_DIR=$BIN
	add_script noharness 3 "Bail out! no harness here" "ok 7 # SKIP nameless" "1..9"
	add_script skipall 4 "TAP version 13" "1..0 # SKIP fixture-skip-all"
	run -1 --separate-stderr "$RUNNER" --format ktap -o "$OUT"
	assert_line_in "$output" "  # ok 7 # SKIP nameless"
	assert_line_in "$output" "  # 1..9"
	assert_line_in "$output" "  ok 1 skipall # SKIP fixture-skip-all"
	run -1 kunit_parse "$OUT/tap.txt"
	assert_line_in "$output" "$(expected_summary "$OUT/summary.json")"
	assert_line_in "$output" "Testing complete. Ran 2 tests: failed: 1, skipped: 1"
	assert_line_in "$output" "[FAILED] noharness"
	assert_no_match "$output" "\[ERROR\]"
	assert_eq "$(json_statuses "$OUT/summary.json")" "$(kunit_statuses)" "kunit.py's cases and statuses vs summary.json's"
}

@test "--format ktap on the real suite (version, filter_attach): kunit.py's count equals summary.json's" {
	[[ -x $ROOT/build/psock/version && -x $ROOT/build/psock/filter_attach ]] || make -s -C "$ROOT" >&2
	run --separate-stderr "$RUNNER" --format ktap -t version -t filter_attach -o "$OUT"
	local rc=$status
	run kunit_parse "$OUT/tap.txt"
	assert_eq "$rc" "$status" "kunit.py's exit status vs the runner's"
	assert_line_in "$output" "$(expected_summary "$OUT/summary.json")"
	assert_no_match "$output" "\[ERROR\]"
	assert_eq "$(json_statuses "$OUT/summary.json")" "$(kunit_statuses)" "kunit.py's cases and statuses vs summary.json's"
}

@test "the default (kselftest) format keeps the binaries' TAP as comments: kunit.py sees one test per binary" {
	use_fixtures pass skip
	run -0 --separate-stderr "$RUNNER" -o "$OUT"
	assert_eq "TAP version 13" "${lines[0]}" "first line"
	assert_line_in "$output" "# ok 1 global.plain"
	run -0 kunit_parse "$OUT/tap.txt"
	assert_line_in "$output" "Testing complete. Ran 2 tests: passed: 1, skipped: 1"
}

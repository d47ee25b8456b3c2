#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/compare as CI uses it: two results directories built by hand
# (tests/results_helpers.bash), every kind of status change named on its own
# line, the count line, and the exit status of the regression gate.

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load results_helpers

COMPARE=$ROOT/scripts/compare

setup() {
	OLD=$BATS_TEST_TMPDIR/old
	NEW=$BATS_TEST_TMPDIR/new
}

@test "a regression: pass->fail is named with its message, the count line says 1, exit 1" {
	make_run "$OLD" 6.12.1 \
		"version version.raw.new_socket_is_v1 pass" \
		"version version.raw.set_v3 pass" \
		"rx_ring rx.v3.walk pass"
	make_run "$NEW" 6.12.2 \
		"version version.raw.new_socket_is_v1 pass" \
		"version version.raw.set_v3 fail version.c:42:set_v3:Expected 0 (0) == ret (-1)\nsecond line" \
		"rx_ring rx.v3.walk pass"
	run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_line_in "$output" "# old: $OLD (kernel 6.12.1, 3 cases)"
	assert_line_in "$output" "# new: $NEW (kernel 6.12.2, 3 cases)"
	assert_line_in "$output" "pass->fail  version:version.raw.set_v3  (version.c:42:set_v3:Expected 0 (0) == ret (-1) | second line)"
	assert_eq "# compare: 1 pass->fail, 0 fail->pass, 0 new, 0 gone, 0 skip changes, 2 unchanged" "${lines[-1]}" "count line"
	assert_eq 4 "${#lines[@]}" "number of lines"
	assert_eq "" "$stderr" "stderr"
}

@test "no change: only the headers and the count line, exit 0" {
	make_run "$OLD" 6.1.0 "version a.b pass" "version a.c skip needs 6.2"
	make_run "$NEW" 6.1.0 "version a.b pass" "version a.c skip needs 6.2"
	run -0 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq 3 "${#lines[@]}" "number of lines"
	assert_eq "# compare: 0 pass->fail, 0 fail->pass, 0 new, 0 gone, 0 skip changes, 2 unchanged" "${lines[-1]}" "count line"
}

@test "every other kind of change is listed, grouped by kind, and none of them gates (exit 0)" {
	make_run "$OLD" 6.1.0 \
		"b fixed fail it broke" \
		"b now_skips pass" \
		"b now_runs skip PACKET_VNET_HDR_SZ: added in 6.2" \
		"b skip_to_fail skip needs 6.2" \
		"b fail_to_skip fail broken" \
		"b removed pass" \
		"b same pass"
	make_run "$NEW" 6.12.0 \
		"b fixed pass" \
		"b now_skips skip FANOUT_FLAG_IGNORE_OUTGOING: added in 4.20" \
		"b now_runs pass" \
		"b skip_to_fail fail b.c:1:x:boom" \
		"b fail_to_skip skip gone in 7.0" \
		"b same pass" \
		"c added fail c.c:9:added:Expected \\\"x\\\"" \
		"c added_ok pass"
	run -0 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# old: $OLD (kernel 6.1.0, 7 cases)
# new: $NEW (kernel 6.12.0, 8 cases)
fail->pass  b:fixed
fail->skip  b:fail_to_skip  (gone in 7.0)
skip->fail  b:skip_to_fail  (b.c:1:x:boom)
pass->skip  b:now_skips  (FANOUT_FLAG_IGNORE_OUTGOING: added in 4.20)
skip->pass  b:now_runs
new         c:added  (fail: c.c:9:added:Expected \"x\")
new         c:added_ok  (pass)
gone        b:removed  (was pass)
# compare: 0 pass->fail, 1 fail->pass, 2 new, 1 gone, 4 skip changes, 1 unchanged" "$output" "report"
}

@test "the same case name in two binaries is two cases" {
	make_run "$OLD" 6.1.0 "one x.y pass" "two x.y pass"
	make_run "$NEW" 6.1.0 "one x.y pass" "two x.y fail bad"
	run -1 "$COMPARE" "$OLD" "$NEW"
	assert_line_in "$output" "pass->fail  two:x.y  (bad)"
	assert_not_in "$output" "one:x.y"
}

@test "summary.json paths and a trailing slash work like directories" {
	make_run "$OLD" 6.1.0 "b x pass"
	make_run "$NEW" 6.1.0 "b x fail no"
	run -1 "$COMPARE" "$OLD/summary.json" "$NEW/"
	assert_line_in "$output" "pass->fail  b:x  (no)"
	assert_line_in "$output" "# new: $NEW (kernel 6.1.0, 1 cases)"
}

@test "usage errors exit 2 with one line saying what is wrong" {
	make_run "$OLD" 6.1.0 "b x pass"
	run -2 --separate-stderr "$COMPARE" "$OLD"
	assert_eq "scripts/compare: want two results directories, OLD and NEW (got 1)" "${stderr_lines[0]}" "one argument"
	assert_eq "" "$output" "stdout"
	run -2 --separate-stderr "$COMPARE" "$OLD" "$OLD" "$OLD"
	assert_eq "scripts/compare: want two results directories, OLD and NEW (got 3)" "${stderr_lines[0]}" "three arguments"
	run -2 --separate-stderr "$COMPARE" "$OLD" "$BATS_TEST_TMPDIR/nowhere"
	assert_eq "scripts/compare: $BATS_TEST_TMPDIR/nowhere: no such results directory" "$stderr" "missing dir"
	mkdir "$NEW"
	run -2 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "scripts/compare: $NEW has no summary.json: not a finished run of scripts/run" "$stderr" "no summary"
	echo '{"something": "else"}' >"$NEW/summary.json"
	run -2 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "scripts/compare: not a summary.json written by scripts/run" "${stderr_lines[-1]}" "foreign json"
	run -2 --separate-stderr "$COMPARE" -x "$OLD" "$OLD"
	assert_eq "scripts/compare: unknown option '-x'" "${stderr_lines[0]}" "bad option"
	run -0 "$COMPARE" --help
	assert_line_in "$output" "usage: scripts/compare [-h|--help] OLD NEW"
}

@test "two real runs of the suite compare clean against each other" {
	[[ -x $ROOT/build/psock/version ]] || skip "build/psock/version not built (run make)"
	"$ROOT/scripts/run" -t version -o "$OLD" >/dev/null
	run -0 "$COMPARE" "$OLD" "$OLD"
	n=$(grep -c '"binary": "version"' "$OLD/summary.json")
	assert_eq "# compare: 0 pass->fail, 0 fail->pass, 0 new, 0 gone, 0 skip changes, $n unchanged" "${lines[-1]}" "count line"
}

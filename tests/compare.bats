#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/compare as CI uses it: two results directories built by hand
# (tests/results_helpers.bash), every kind of status change named on its own
# line, the count and gate lines, the exit status of the regression gate
# (pass->fail and pass->gone always, pass->skip on the same kernel or with
# --strict), summaries that are not complete refused with exit 2, and the
# cases of renamed binaries paired through a rename map (PSOCK_RENAMES, or
# the tree's scripts/lib/renames), a malformed map refused with exit 2.

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
	assert_eq "# compare: 1 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 0 other skip changes, 0 new, 0 other gone, 2 unchanged" "${lines[-2]}" "count line"
	assert_eq "# gate: pass->fail, pass->gone (kernels differ: pass->skip is expected; --strict gates it): 1 regression, exit 1" "${lines[-1]}" "gate line"
	assert_eq 5 "${#lines[@]}" "number of lines"
	assert_eq "" "$stderr" "stderr"
}

@test "no change: only the headers, the count line and the gate line, exit 0" {
	make_run "$OLD" 6.1.0 "version a.b pass" "version a.c skip needs 6.2"
	make_run "$NEW" 6.1.0 "version a.b pass" "version a.c skip needs 6.2"
	run -0 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq 4 "${#lines[@]}" "number of lines"
	assert_eq "# compare: 0 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 0 other skip changes, 0 new, 0 other gone, 2 unchanged" "${lines[-2]}" "count line"
	assert_eq "# gate: pass->fail, pass->gone, pass->skip (same kernel): 0 regressions, exit 0" "${lines[-1]}" "gate line"
}

@test "between different kernels every change but pass->fail and pass->gone is listed, grouped by kind, and does not gate (exit 0)" {
	make_run "$OLD" 6.1.0 \
		"b fixed fail it broke" \
		"b now_skips pass" \
		"b now_runs skip PACKET_VNET_HDR_SZ: added in 6.2" \
		"b skip_to_fail skip needs 6.2" \
		"b fail_to_skip fail broken" \
		"b removed_fail fail it broke" \
		"b removed_skip skip needs 6.2" \
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
	assert_eq "# old: $OLD (kernel 6.1.0, 8 cases)
# new: $NEW (kernel 6.12.0, 8 cases)
fail->pass  b:fixed
fail->skip  b:fail_to_skip  (gone in 7.0)
skip->fail  b:skip_to_fail  (b.c:1:x:boom)
pass->skip  b:now_skips  (FANOUT_FLAG_IGNORE_OUTGOING: added in 4.20)
skip->pass  b:now_runs
new         c:added  (fail: c.c:9:added:Expected \"x\")
new         c:added_ok  (pass)
gone        b:removed_fail  (was fail)
gone        b:removed_skip  (was skip)
# compare: 0 pass->fail, 1 pass->skip, 0 pass->gone, 1 fail->pass, 3 other skip changes, 2 new, 2 other gone, 1 unchanged
# gate: pass->fail, pass->gone (kernels differ: pass->skip is expected; --strict gates it): 0 regressions, exit 0" "$output" "report"
	assert_eq "" "$stderr" "stderr"
}

@test "on the same kernel release pass->skip is a regression, listed first: exit 1" {
	make_run "$OLD" 6.12.117+deb12-amd64 \
		"b fixed fail it broke" \
		"b now_skips pass" \
		"b same pass"
	make_run "$NEW" 6.12.117+deb12-amd64 \
		"b fixed pass" \
		"b now_skips skip PACKET_VNET_HDR_SZ: not supported" \
		"b same pass"
	run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# old: $OLD (kernel 6.12.117+deb12-amd64, 3 cases)
# new: $NEW (kernel 6.12.117+deb12-amd64, 3 cases)
pass->skip  b:now_skips  (PACKET_VNET_HDR_SZ: not supported)
fail->pass  b:fixed
# compare: 0 pass->fail, 1 pass->skip, 0 pass->gone, 1 fail->pass, 0 other skip changes, 0 new, 0 other gone, 1 unchanged
# gate: pass->fail, pass->gone, pass->skip (same kernel): 1 regression, exit 1" "$output" "report"
	assert_eq "" "$stderr" "stderr"
}

@test "pass->gone is a regression on the same kernel and between kernels: exit 1, listed first" {
	make_run "$OLD" 6.1.0 "b stays pass" "b removed pass" "b was_failing fail x"
	make_run "$NEW" 6.1.0 "b stays pass" "c added pass"
	run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# old: $OLD (kernel 6.1.0, 3 cases)
# new: $NEW (kernel 6.1.0, 2 cases)
pass->gone  b:removed
new         c:added  (pass)
gone        b:was_failing  (was fail)
# compare: 0 pass->fail, 0 pass->skip, 1 pass->gone, 0 fail->pass, 0 other skip changes, 1 new, 1 other gone, 1 unchanged
# gate: pass->fail, pass->gone, pass->skip (same kernel): 1 regression, exit 1" "$output" "same kernel"
	# A guest that crashed: every case gone, one new failing vm-run:guest.
	make_run "$NEW" 6.12.0 "vm-run guest fail guest killed after 240 s (--vm-timeout): see console.log"
	run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "pass->gone  b:stays" "${lines[2]}" "first change"
	assert_eq "pass->gone  b:removed" "${lines[3]}" "second change"
	assert_eq "# gate: pass->fail, pass->gone (kernels differ: pass->skip is expected; --strict gates it): 2 regressions, exit 1" "${lines[-1]}" "different kernels"
}

@test "between different kernels pass->skip does not gate (exit 0); --strict makes it a regression (exit 1)" {
	make_run "$OLD" 6.12.117+deb12-amd64 "send snd_vnet.vnet_hdr_sz_12 pass" "b same pass"
	make_run "$NEW" 6.1.0-56-amd64 "send snd_vnet.vnet_hdr_sz_12 skip PACKET_VNET_HDR_SZ: not supported (added in Linux 6.2)" "b same pass"
	run -0 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_line_in "$output" "pass->skip  send:snd_vnet.vnet_hdr_sz_12  (PACKET_VNET_HDR_SZ: not supported (added in Linux 6.2))"
	assert_eq "# gate: pass->fail, pass->gone (kernels differ: pass->skip is expected; --strict gates it): 0 regressions, exit 0" "${lines[-1]}" "gate line"
	run -1 --separate-stderr "$COMPARE" --strict "$OLD" "$NEW"
	assert_eq "pass->skip  send:snd_vnet.vnet_hdr_sz_12  (PACKET_VNET_HDR_SZ: not supported (added in Linux 6.2))" "${lines[2]}" "listed first"
	assert_eq "# gate: pass->fail, pass->gone, pass->skip (--strict): 1 regression, exit 1" "${lines[-1]}" "gate line"
	assert_eq "" "$stderr" "stderr"
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
	assert_eq "scripts/compare: $NEW/summary.json: not a complete scripts/run summary: line 1 is '{\"something\": \"else\"}', not the \"{\" a summary starts with" "$stderr" "foreign json"
	run -2 --separate-stderr "$COMPARE" -x "$OLD" "$OLD"
	assert_eq "scripts/compare: unknown option '-x'" "${stderr_lines[0]}" "bad option"
	run -0 "$COMPARE" --help
	assert_line_in "$output" "usage: scripts/compare [--strict] [-h|--help] OLD NEW"
}

# refused DIR MESSAGE: compare refuses DIR's summary.json as OLD and as NEW
# against a good run: exit 2, nothing on stdout, one line on stderr.
refused() {
	local good=$BATS_TEST_TMPDIR/good
	make_run "$good" 6.1.0 "b x pass" "b y pass" "b z skip needs 6.2"
	run -2 --separate-stderr "$COMPARE" "$good" "$1"
	assert_eq "" "$output" "stdout, as NEW"
	assert_eq "scripts/compare: $1/summary.json: not a complete scripts/run summary: $2" "$stderr" "stderr, as NEW"
	run -2 --separate-stderr "$COMPARE" "$1" "$good"
	assert_eq "" "$output" "stdout, as OLD"
	assert_eq "scripts/compare: $1/summary.json: not a complete scripts/run summary: $2" "$stderr" "stderr, as OLD"
}

@test "a summary that is not complete, on either side, is refused: exit 2, one line naming the file and the fault" {
	make_run "$OLD" 6.1.0 "b x pass" "b y pass" "b z skip needs 6.2"
	f=$OLD/summary.json
	# Lines: 1 "{", 2-10 the run's fields, 11 "counts", 12 "binaries",
	# 13 "cases": [, 14-16 the cases, 17 "  ]", 18 "}".
	assert_eq 18 "$(wc -l <"$f")" "lines of the helper's summary"
	mkdir -p "$NEW"
	head -n 15 "$f" >"$NEW/summary.json"
	refused "$NEW" 'cut short after line 15 (in the "cases" list, no closing "}")'
	{ head -n 14 "$f"; printf '    {"binary": "b", "na'; } >"$NEW/summary.json"
	refused "$NEW" 'cut short in line 15 (no newline at the end of the file)'
	sed '$d' "$f" >"$NEW/summary.json"
	refused "$NEW" 'cut short after line 17 (after the "cases" list, no closing "}")'
	head -n 8 "$f" >"$NEW/summary.json"
	refused "$NEW" "cut short after line 8 (in the run's fields, no closing \"}\")"
	sed 15d "$f" >"$NEW/summary.json"
	refused "$NEW" '"counts" say 3 cases, the "cases" list has 2'
	sed '15s/"status": "pass"/"status": "fail"/' "$f" >"$NEW/summary.json"
	refused "$NEW" '"counts" say 2 pass, the "cases" list has 1'
	sed '11s/"total": 3/"total": 4/' "$f" >"$NEW/summary.json"
	refused "$NEW" '"counts" do not add up: pass 2 + fail 0 + skip 1 is not total 4'
	sed '15s/"status": "pass"/"status": "PASS"/' "$f" >"$NEW/summary.json"
	refused "$NEW" "line 15 is '    {\"binary\": \"b\", \"name\": \"y\", \"status\": \"P...', not a case"
	sed '16s/needs 6.2/needs\x01/' "$f" >"$NEW/summary.json"
	refused "$NEW" "line 16 is '    {\"binary\": \"b\", \"name\": \"z\", \"status\": \"s...', not a case"
	sed '16s/}$/},/' "$f" >"$NEW/summary.json"
	refused "$NEW" 'line 16: a comma after the last case'
	sed '14s/},$/}/' "$f" >"$NEW/summary.json"
	refused "$NEW" 'line 15: no comma after the case on line 14'
	sed '/"kernel"/d' "$f" >"$NEW/summary.json"
	refused "$NEW" 'no "kernel" field'
	sed '/"counts"/d' "$f" >"$NEW/summary.json"
	refused "$NEW" 'no "counts" field'
	{ cat "$f"; echo '{'; } >"$NEW/summary.json"
	refused "$NEW" 'line 19: more text after the closing "}"'
	: >"$NEW/summary.json"
	refused "$NEW" 'empty file'
}

@test "a real run's summary cut short is refused (exit 2), not read as gone cases" {
	[[ -x $ROOT/build/psock/version ]] || skip "build/psock/version not built (run make)"
	"$ROOT/scripts/run" -t version -o "$OLD" >/dev/null
	mkdir -p "$NEW"
	size=$(wc -c <"$OLD/summary.json")
	head -c $((size / 2)) "$OLD/summary.json" >"$NEW/summary.json"
	run -2 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "" "$output" "stdout"
	assert_match "$stderr" "^scripts/compare: $NEW/summary.json: not a complete scripts/run summary: cut short in line [0-9]+ \\(no newline at the end of the file\\)\$"
	head -n -3 "$OLD/summary.json" >"$NEW/summary.json"
	run -2 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_match "$stderr" "^scripts/compare: $NEW/summary.json: not a complete scripts/run summary: cut short after line [0-9]+ \\(in the \"cases\" list, no closing \"}\"\\)\$"
}

@test "two real runs of the suite compare clean against each other" {
	[[ -x $ROOT/build/psock/version ]] || skip "build/psock/version not built (run make)"
	"$ROOT/scripts/run" -t version -o "$OLD" >/dev/null
	run -0 "$COMPARE" "$OLD" "$OLD"
	n=$(grep -c '"binary": "version"' "$OLD/summary.json")
	assert_eq "# compare: 0 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 0 other skip changes, 0 new, 0 other gone, $n unchanged" "${lines[-2]}" "count line"
	assert_eq "# gate: pass->fail, pass->gone, pass->skip (same kernel): 0 regressions, exit 0" "${lines[-1]}" "gate line"
}

# A rename map for the tests below: "old" became "new_a" and "new_b".
write_map() {
	MAP=$BATS_TEST_TMPDIR/renames
	printf '%s\n' "# SPDX-License-Identifier: GPL-2.0" "" "old new_a new_b   # split" "$@" >"$MAP"
}

@test "a renamed binary's cases pair through the map: pass->pass counts as unchanged, one line says how many paired, exit 0" {
	write_map
	make_run "$OLD" 6.12.0 "old x.a pass" "old x.b skip needs 6.2" "old y.c pass" "keep k pass"
	make_run "$NEW" 6.12.0 "new_a x.a pass" "new_b y.c pass" "new_b x.b skip needs 6.2" "keep k pass"
	PSOCK_RENAMES=$MAP run -0 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# old: $OLD (kernel 6.12.0, 4 cases)
# new: $NEW (kernel 6.12.0, 4 cases)
# renames: 3 cases paired through $MAP
# compare: 0 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 0 other skip changes, 0 new, 0 other gone, 4 unchanged
# gate: pass->fail, pass->gone, pass->skip (same kernel): 0 regressions, exit 0" "$output" "report"
	assert_eq "" "$stderr" "stderr"
	# The older names in the newer run pair the same way.
	PSOCK_RENAMES=$MAP run -0 --separate-stderr "$COMPARE" "$NEW" "$OLD"
	assert_eq "# renames: 3 cases paired through $MAP" "${lines[2]}" "reversed"
	assert_eq "# compare: 0 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 0 other skip changes, 0 new, 0 other gone, 4 unchanged" "${lines[3]}" "reversed count line"
}

@test "pass->fail through a rename is a regression, named as in NEW with the old binary: exit 1" {
	write_map
	make_run "$OLD" 6.12.0 "old x.a pass" "old x.b pass"
	make_run "$NEW" 6.12.0 "new_a x.a fail x.c:3:a:Expected 1 (1) == n (2)" "new_b x.b pass"
	PSOCK_RENAMES=$MAP run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# old: $OLD (kernel 6.12.0, 2 cases)
# new: $NEW (kernel 6.12.0, 2 cases)
# renames: 2 cases paired through $MAP
pass->fail  new_a:x.a  (renamed from old: x.c:3:a:Expected 1 (1) == n (2))
# compare: 1 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 0 other skip changes, 0 new, 0 other gone, 1 unchanged
# gate: pass->fail, pass->gone, pass->skip (same kernel): 1 regression, exit 1" "$output" "report"
	# the other way round: the new binary passed in OLD, the old one fails in NEW
	PSOCK_RENAMES=$MAP run -0 --separate-stderr "$COMPARE" "$NEW" "$OLD"
	assert_line_in "$output" "fail->pass  old:x.a  (renamed from new_a)"
	make_run "$OLD" 6.12.0 "new_a x.a pass" "new_b x.b pass"
	make_run "$NEW" 6.12.0 "old x.a pass" "old x.b fail broke"
	PSOCK_RENAMES=$MAP run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_line_in "$output" "pass->fail  old:x.b  (renamed from new_b: broke)"
	assert_eq "# gate: pass->fail, pass->gone, pass->skip (same kernel): 1 regression, exit 1" "${lines[-1]}" "gate line"
}

@test "a case in neither the old binary nor any of its new ones is still pass->gone; one in two new ones pairs with neither" {
	write_map
	make_run "$OLD" 6.12.0 "old x.a pass" "old dropped pass" "old twice pass"
	make_run "$NEW" 6.12.0 "new_a x.a pass" "new_a twice pass" "new_b twice pass"
	PSOCK_RENAMES=$MAP run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# old: $OLD (kernel 6.12.0, 3 cases)
# new: $NEW (kernel 6.12.0, 3 cases)
# renames: 1 case paired through $MAP
pass->gone  old:dropped
pass->gone  old:twice
new         new_a:twice  (pass)
new         new_b:twice  (pass)
# compare: 0 pass->fail, 0 pass->skip, 2 pass->gone, 0 fail->pass, 0 other skip changes, 2 new, 0 other gone, 1 unchanged
# gate: pass->fail, pass->gone, pass->skip (same kernel): 2 regressions, exit 1" "$output" "report"
	# without the map line every case of the old binary is gone
	write_map
	sed -i '/^old /d' "$MAP"
	PSOCK_RENAMES=$MAP run -1 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "# compare: 0 pass->fail, 0 pass->skip, 3 pass->gone, 0 fail->pass, 0 other skip changes, 3 new, 0 other gone, 0 unchanged" "${lines[-2]}" "no map line"
	assert_not_in "$output" "# renames:"
}

@test "a malformed rename map is an error naming the map and the line: exit 2, nothing on stdout" {
	make_run "$OLD" 6.12.0 "old x.a pass"
	make_run "$NEW" 6.12.0 "new_a x.a pass"
	local line message
	while IFS='|' read -r line message; do
		write_map "$line"
		PSOCK_RENAMES=$MAP run -2 --separate-stderr "$COMPARE" "$OLD" "$NEW"
		assert_eq "" "$output" "stdout for '$line'"
		assert_eq "scripts/compare: $MAP: line 4: $message" "$stderr" "stderr for '$line'"
	done <<'LINES'
lonely # a comment|'lonely' names no new binary (a line is OLD_BINARY NEW_BINARY...)
other new:x|'new:x' is not a binary name (letters, digits, '_', '-', '.')
old c|'old' is renamed on line 3 already
new_a c|'new_a' is a new binary on line 3: list its new names there instead
other new_b|'new_b' is a new binary of 'old' on line 3 already
other a a|'a' twice on the line
LINES
	PSOCK_RENAMES=$BATS_TEST_TMPDIR/nowhere run -2 --separate-stderr "$COMPARE" "$OLD" "$NEW"
	assert_eq "scripts/compare: $BATS_TEST_TMPDIR/nowhere: cannot be read" "$stderr" "missing map"
}

@test "the tree's map pairs fanout_mode's cases with the binaries it became" {
	make_run "$OLD" 6.12.0 \
		"fanout_mode dist.v2_m2.lb_exact_round_robin pass" \
		"fanout_mode rollover.v3_m4.fills_members_in_order_then_member0 pass" \
		"fanout_mode bpf_data.bad_program_data_refused pass" \
		"fanout_mode outgoing.ignore_outgoing_flag_drops_sent_frames skip needs Linux 6.2"
	make_run "$NEW" 6.12.0 \
		"fanout_dist dist.v2_m2.lb_exact_round_robin pass" \
		"fanout_rollover rollover.v3_m4.fills_members_in_order_then_member0 pass" \
		"fanout_bpf bpf_data.bad_program_data_refused pass" \
		"fanout_flags outgoing.ignore_outgoing_flag_drops_sent_frames pass"
	run -0 --separate-stderr env -u PSOCK_RENAMES "$COMPARE" "$OLD" "$NEW"
	assert_eq "# renames: 4 cases paired through scripts/lib/renames" "${lines[2]}" "renames line"
	assert_eq "skip->pass  fanout_flags:outgoing.ignore_outgoing_flag_drops_sent_frames  (renamed from fanout_mode)" "${lines[3]}" "the change"
	assert_eq "# compare: 0 pass->fail, 0 pass->skip, 0 pass->gone, 0 fail->pass, 1 other skip changes, 0 new, 0 other gone, 3 unchanged" "${lines[-2]}" "count line"
}

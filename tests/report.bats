#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/report on three results directories built by hand
# (tests/results_helpers.bash), one per kernel: matrix.md and matrix.html
# hold every case and every kernel, the rows where kernels differ are marked,
# skip reasons are on hover (title), the page fetches nothing, usage
# errors exit 2, a summary that is not complete is refused (exit 2)
# without touching the matrix already there, and the cases of a renamed
# binary share the rows of their new names (a rename map).

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load results_helpers

REPORT=$ROOT/scripts/report

setup() {
	R=$BATS_TEST_TMPDIR/results
	OUT=$BATS_TEST_TMPDIR/out
	make_run "$R/run-6.1" 6.1.0-56-amd64 \
		"version version.raw.new_socket_is_v1 pass" \
		"vnet vnet.hdr_sz.set_and_get skip PACKET_VNET_HDR_SZ: not supported (added in Linux 6.2)" \
		"fanout fanout.ignore_outgoing pass" \
		"rx_ring rx.v3.walk fail rx.c:7:walk:Expected 3 (3) == n (2)"
	make_run "$R/run-6.12" 6.12.115+deb12-amd64 \
		"version version.raw.new_socket_is_v1 pass" \
		"vnet vnet.hdr_sz.set_and_get pass" \
		"fanout fanout.ignore_outgoing pass" \
		"rx_ring rx.v3.walk pass"
	make_run "$R/run-6.18" 6.18.44-fc-v669 \
		"version version.raw.new_socket_is_v1 pass" \
		"vnet vnet.hdr_sz.set_and_get pass" \
		"fanout fanout.ignore_outgoing pass" \
		"rx_ring rx.v3.walk pass" \
		"tx tx.ring.<new>&\\\"case\\\" pass"
}

@test "matrix.html: every case and every kernel, statuses as classes, reasons on hover, differing rows marked" {
	run -0 --separate-stderr "$REPORT" -o "$OUT" "$R/run-6.1" "$R/run-6.12" "$R/run-6.18"
	assert_eq "scripts/report: 5 cases x 3 runs, 3 rows differ: $OUT/matrix.md $OUT/matrix.html" "$output" "summary line"
	html=$(<"$OUT/matrix.html")
	for k in 6.1.0-56-amd64 6.12.115+deb12-amd64 6.18.44-fc-v669; do
		grep -qF ">$k</th>" <<<"$html" || { echo "no column for $k" >&2; return 1; }
	done
	for c in version:version.raw.new_socket_is_v1 vnet:vnet.hdr_sz.set_and_get \
		fanout:fanout.ignore_outgoing rx_ring:rx.v3.walk 'tx:tx.ring.&lt;new&gt;&amp;&quot;case&quot;'; do
		grep -qF "<td class=\"case\">$c</td>" <<<"$html" || { echo "no row for $c" >&2; return 1; }
	done
	assert_eq 5 "$(grep -c '^<tr.*data-i=' "$OUT/matrix.html")" "rows"
	# The skip: its reason in the title of a "skip" cell.
	grep -qF '<td class="skip" title="PACKET_VNET_HDR_SZ: not supported (added in Linux 6.2)">skip</td>' <<<"$html"
	grep -qF '<td class="fail" title="rx.c:7:walk:Expected 3 (3) == n (2)">fail</td>' <<<"$html"
	grep -qF '<td class="none" title="not in this run">-</td>' <<<"$html"
	# Colours per status.
	for s in pass fail skip none; do
		grep -qE "^td\.$s \{ background: #" <<<"$html" || { echo "no colour for $s" >&2; return 1; }
	done
	# Differing rows are marked; equal rows are not.
	assert_eq 'vnet:vnet.hdr_sz.set_and_get
rx_ring:rx.v3.walk
tx:tx.ring.&lt;new&gt;&amp;&quot;case&quot;' "$(sed -n 's/^<tr class="differs".*<td class="case">\([^<]*\)<.*/\1/p' "$OUT/matrix.html")" "differing rows"
	# Self-contained: no scripts, styles, images or links from elsewhere.
	assert_not_in "$html" "http"
	assert_not_in "$html" " src="
	assert_not_in "$html" "<link"
	xmllint --html --noout "$OUT/matrix.html"
	# The sort/filter controls and their script are there.
	grep -qF 'id="only-diff"' <<<"$html"
	grep -qF 'id="diff-first"' <<<"$html"
	grep -qF "classList.contains('differs')" <<<"$html"
}

@test "matrix.md: the runs with counts, one row per case, differing rows marked, reasons listed" {
	run -0 "$REPORT" -o "$OUT" "$R/run-6.1" "$R/run-6.12" "$R/run-6.18"
	md=$(<"$OUT/matrix.md")
	assert_line_in "$md" "| 6.1.0-56-amd64 | run-6.1 | x86_64 | 2 | 1 | 1 |"
	assert_line_in "$md" "| 6.18.44-fc-v669 | run-6.18 | x86_64 | 5 | 0 | 0 |"
	assert_line_in "$md" "| | case | 6.1.0-56-amd64 | 6.12.115+deb12-amd64 | 6.18.44-fc-v669 |"
	assert_line_in "$md" "|  | version:version.raw.new_socket_is_v1 | pass | pass | pass |"
	assert_line_in "$md" "| **≠** | vnet:vnet.hdr_sz.set_and_get | SKIP | pass | pass |"
	assert_line_in "$md" "| **≠** | rx_ring:rx.v3.walk | **FAIL** | pass | pass |"
	assert_line_in "$md" "| **≠** | tx:tx.ring.<new>&\"case\" | - | - | pass |"
	assert_line_in "$md" '- `vnet:vnet.hdr_sz.set_and_get` on 6.1.0-56-amd64, skip: PACKET_VNET_HDR_SZ: not supported (added in Linux 6.2)'
	assert_line_in "$md" "5 cases on 3 kernels; 3 rows differ between kernels (marked **≠**)."
}

@test "results/ of the tree is the default output; two runs of one kernel are told apart by run" {
	make_run "$R/again" 6.1.0-56-amd64 "version version.raw.new_socket_is_v1 pass"
	mkdir "$BATS_TEST_TMPDIR/tree"
	cp -r "$ROOT/scripts" "$BATS_TEST_TMPDIR/tree/scripts"
	run -0 "$BATS_TEST_TMPDIR/tree/scripts/report" "$R/run-6.1" "$R/again"
	T=$BATS_TEST_TMPDIR/tree/results
	[[ -f $T/matrix.html && -f $T/matrix.md ]]
	grep -qF '<th title="run-6.1 (20260101-000000-6.1.0-56-amd64)">6.1.0-56-amd64 (run-6.1)</th>' "$T/matrix.html"
	grep -qF '>6.1.0-56-amd64 (again)</th>' "$T/matrix.html"
}

@test "usage errors exit 2 with one line saying what is wrong, and write nothing" {
	run -2 --separate-stderr "$REPORT" -o "$OUT"
	assert_eq "scripts/report: want at least one results directory" "${stderr_lines[0]}" "no dirs"
	run -2 --separate-stderr "$REPORT" -o "$OUT" "$R/run-6.1" "$R/nowhere"
	assert_eq "scripts/report: $R/nowhere: no such results directory" "$stderr" "missing dir"
	mkdir "$R/empty"
	run -2 --separate-stderr "$REPORT" -o "$OUT" "$R/empty"
	assert_eq "scripts/report: $R/empty has no summary.json: not a finished run of scripts/run" "$stderr" "no summary"
	echo '{}' >"$R/empty/summary.json"
	run -2 --separate-stderr "$REPORT" -o "$OUT" "$R/run-6.1" "$R/empty"
	assert_eq "scripts/report: $R/empty/summary.json: not a complete scripts/run summary: line 1 is '{}', not the \"{\" a summary starts with" "$stderr" "foreign json"
	run -2 --separate-stderr "$REPORT" --bogus "$R/run-6.1"
	assert_eq "scripts/report: unknown option '--bogus'" "${stderr_lines[0]}" "bad option"
	[[ ! -e $OUT/matrix.html && ! -e $OUT/matrix.md ]]
	run -0 "$REPORT" --help
	assert_line_in "$output" "usage: scripts/report [-o DIR] [-h|--help] RESULTS_DIR..."
}

@test "a summary that is not complete is refused: one line naming it, exit 2, the earlier matrix untouched, no temporary files" {
	run -0 "$REPORT" -o "$OUT" "$R/run-6.1" "$R/run-6.12"
	md_before=$(<"$OUT/matrix.md")
	html_before=$(<"$OUT/matrix.html")
	mkdir "$R/cut"
	head -n 15 "$R/run-6.18/summary.json" >"$R/cut/summary.json"
	run -2 --separate-stderr "$REPORT" -o "$OUT" "$R/run-6.1" "$R/cut" "$R/run-6.12"
	assert_eq "" "$output" "stdout"
	assert_eq "scripts/report: $R/cut/summary.json: not a complete scripts/run summary: cut short after line 15 (in the \"cases\" list, no closing \"}\")" "$stderr" "stderr"
	sed '/"counts"/s/"pass": 5/"pass": 4/; /"counts"/s/"total": 5/"total": 4/' "$R/run-6.18/summary.json" >"$R/cut/summary.json"
	run -2 --separate-stderr "$REPORT" -o "$OUT" "$R/cut"
	assert_eq "scripts/report: $R/cut/summary.json: not a complete scripts/run summary: \"counts\" say 4 cases, the \"cases\" list has 5" "$stderr" "counts"
	assert_eq "$md_before" "$(<"$OUT/matrix.md")" "matrix.md"
	assert_eq "$html_before" "$(<"$OUT/matrix.html")" "matrix.html"
	assert_eq "matrix.html matrix.md " "$(ls -A "$OUT" | tr '\n' ' ')" "files in the output directory"
}

@test "a renamed binary's cases share a row under the new name (the old one on hover); a malformed map writes nothing" {
	make_run "$R/before" 6.12.0 "old x.a pass" "old x.b skip needs 6.2" "version v pass"
	make_run "$R/after" 6.12.0 "new_a x.a pass" "new_b x.b pass" "version v pass"
	MAP=$BATS_TEST_TMPDIR/renames
	printf '# SPDX-License-Identifier: GPL-2.0\nold new_a new_b\n' >"$MAP"
	PSOCK_RENAMES=$MAP run -0 --separate-stderr "$REPORT" -o "$OUT" "$R/before" "$R/after"
	assert_eq "scripts/report: 3 cases x 2 runs, 1 rows differ (2 with cases of renamed binaries, $MAP): $OUT/matrix.md $OUT/matrix.html" "$output" "stdout"
	md=$(<"$OUT/matrix.md")
	assert_line_in "$md" "|  | new_a:x.a | pass | pass |"
	assert_line_in "$md" "| **≠** | new_b:x.b | SKIP | pass |"
	assert_line_in "$md" "2 rows hold cases of renamed binaries under their new names ($MAP)."
	assert_line_in "$md" '- `new_b:x.b` on 6.12.0 (before), skip: needs 6.2'
	assert_not_in "$md" "old:"
	grep -qF '<td class="pass" title="as old:x.a">pass</td><td class="pass">pass</td>' "$OUT/matrix.html"
	grep -qF '<td class="skip" title="as old:x.b: needs 6.2">skip</td>' "$OUT/matrix.html"
	# without the map the old binary's cases are rows of their own
	PSOCK_RENAMES=/dev/null run -0 --separate-stderr "$REPORT" -o "$OUT" "$R/before" "$R/after"
	assert_eq "scripts/report: 5 cases x 2 runs, 4 rows differ: $OUT/matrix.md $OUT/matrix.html" "$output" "no map"
	md_before=$(<"$OUT/matrix.md")
	printf 'old new_a\nbroken\n' >"$MAP"
	PSOCK_RENAMES=$MAP run -2 --separate-stderr "$REPORT" -o "$OUT" "$R/before" "$R/after"
	assert_eq "" "$output" "stdout, malformed map"
	assert_eq "scripts/report: $MAP: line 2: 'broken' names no new binary (a line is OLD_BINARY NEW_BINARY...)" "$stderr" "stderr, malformed map"
	assert_eq "$md_before" "$(<"$OUT/matrix.md")" "matrix.md untouched"
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The expected results of a kernel series: scripts/compare --expected as a
# CI on one series uses it (a run as expected exits 0; every deviation, either
# way, is one line and exit 1; placeholders, malformed expectations and usage
# errors exit 2) and scripts/expect generate writing them from a run (skip
# reasons from the run, a placeholder for a new failure, reasons already
# written kept). The expectations are stored inputs
# (tests/fixtures/expected/), the runs built by hand (tests/results_helpers.bash).

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load results_helpers

COMPARE=$ROOT/scripts/compare
EXPECT=$ROOT/scripts/expect
FIX=$ROOT/tests/fixtures/expected

# The cases of tests/fixtures/expected/6.1.json, as a 6.1 run has them.
SKIP_OUT="fanout_flags outgoing.ignore_outgoing skip needs Linux 6.2, running 6.1.0-57-amd64: \\\"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\\\""
SKIP_HDR="send_vnet snd_vnet.hdr_sz_12 skip PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4)"
XFAIL="tx_inflight inflight.v2.slot_kept_while_sending fail tx_inflight.c:88:slot_kept_while_sending:Expected 1 (1) == st (0)"
PASS1="version version.raw.new_socket_is_v1 pass"
PASS2="rx_ring rx.v3.walk pass"

setup() {
	RUN=$BATS_TEST_TMPDIR/run
	EXP=$BATS_TEST_TMPDIR/expected
	mkdir -p "$EXP"
	cp "$FIX/6.1.json" "$EXP/6.1.json"
	export PSOCK_EXPECTED=$EXP
}

# count A B C D E F G H: the count line of a check.
count() {
	echo "# compare: $1 pass->fail, $2 pass->skip, $3 skip->fail, $4 xfail->skip, $5 skip->pass, $6 xfail->pass, $7 missing, $8 as expected"
}

@test "a run as expected: the two headers, the count line, the gate line, exit 0" {
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "$SKIP_OUT" "$SKIP_HDR" "$XFAIL" "$PASS2"
	run -0 --separate-stderr "$COMPARE" --expected "$RUN"
	assert_eq "# expected: $EXP/6.1.json (series 6.1, from 6.1.0-57-amd64, 2026-12-02: 2 skip, 1 xfail)
# run: $RUN (kernel 6.1.0-57-amd64, 5 cases)
$(count 0 0 0 0 0 0 0 5)
# gate: every deviation from $EXP/6.1.json: 0 deviations, exit 0" "$output" "report"
	assert_eq "" "$stderr" "stderr"
	# another release of the series takes the same file; the order of the run does not matter
	make_run "$RUN" 6.1.0-58-amd64 "$XFAIL" "$SKIP_HDR" "$PASS2" "$SKIP_OUT" "$PASS1"
	run -0 "$COMPARE" --expected "$RUN"
	assert_eq "# run: $RUN (kernel 6.1.0-58-amd64, 5 cases)" "${lines[1]}" "other release"
}

@test "each kind of deviation is one line with its message, counted, and exits 1" {
	local kind line cases
	while IFS='%' read -r kind line cases; do
		# shellcheck disable=SC2086 # the case list is split on purpose
		eval "make_run \"\$RUN\" 6.1.0-57-amd64 $cases"
		run -1 --separate-stderr "$COMPARE" --expected "$RUN"
		assert_eq "$line" "${lines[2]}" "the line of $kind"
		assert_eq "# gate: every deviation from $EXP/6.1.json: 1 deviation, exit 1" "${lines[-1]}" "gate line of $kind"
		assert_eq 5 "${#lines[@]}" "lines of $kind"
		assert_eq "" "$stderr" "stderr of $kind"
	done <<'KINDS'
pass->fail%pass->fail  rx_ring:rx.v3.walk  (rx.c:7:walk:Expected 3 (3) == n (2) | at line 9)%"$PASS1" "$SKIP_OUT" "$SKIP_HDR" "$XFAIL" "rx_ring rx.v3.walk fail rx.c:7:walk:Expected 3 (3) == n (2)\nat line 9"
pass->skip%pass->skip  version:version.raw.new_socket_is_v1  (no veth)%"version version.raw.new_socket_is_v1 skip no veth" "$SKIP_OUT" "$SKIP_HDR" "$XFAIL" "$PASS2"
skip->fail%skip->fail  send_vnet:snd_vnet.hdr_sz_12  (send_vnet.c:5:x:Expected 12 (12) == n (10))%"$PASS1" "$SKIP_OUT" "send_vnet snd_vnet.hdr_sz_12 fail send_vnet.c:5:x:Expected 12 (12) == n (10)" "$XFAIL" "$PASS2"
xfail->skip%xfail->skip tx_inflight:inflight.v2.slot_kept_while_sending  (no tbf)%"$PASS1" "$SKIP_OUT" "$SKIP_HDR" "tx_inflight inflight.v2.slot_kept_while_sending skip no tbf" "$PASS2"
skip->pass%skip->pass  send_vnet:snd_vnet.hdr_sz_12  (expected to skip: PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4))%"$PASS1" "$SKIP_OUT" "send_vnet snd_vnet.hdr_sz_12 pass" "$XFAIL" "$PASS2"
xfail->pass%xfail->pass tx_inflight:inflight.v2.slot_kept_while_sending  (a backport? the known bug is gone on this kernel; expected to fail: 6.1 hands the slot back before the frame left: fixed in 6.7 by "net/packet: example fix")%"$PASS1" "$SKIP_OUT" "$SKIP_HDR" "tx_inflight inflight.v2.slot_kept_while_sending pass" "$PASS2"
missing%missing     send_vnet:snd_vnet.hdr_sz_12  (expected skip, not in the run)%"$PASS1" "$SKIP_OUT" "$XFAIL" "$PASS2"
KINDS
}

@test "the count line counts each kind; the deviations come in a fixed order" {
	make_run "$RUN" 6.1.0-57-amd64 \
		"version version.raw.new_socket_is_v1 skip no veth" \
		"fanout_flags outgoing.ignore_outgoing pass" \
		"tx_inflight inflight.v2.slot_kept_while_sending pass" \
		"rx_ring rx.v3.walk fail broke" \
		"rx_ring rx.v3.new fail new and broken"
	run -1 "$COMPARE" --expected "$RUN"
	assert_eq "# expected: $EXP/6.1.json (series 6.1, from 6.1.0-57-amd64, 2026-12-02: 2 skip, 1 xfail)
# run: $RUN (kernel 6.1.0-57-amd64, 5 cases)
pass->fail  rx_ring:rx.v3.walk  (broke)
pass->fail  rx_ring:rx.v3.new  (new and broken)
pass->skip  version:version.raw.new_socket_is_v1  (no veth)
skip->pass  fanout_flags:outgoing.ignore_outgoing  (expected to skip: needs Linux 6.2: \"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\")
xfail->pass tx_inflight:inflight.v2.slot_kept_while_sending  (a backport? the known bug is gone on this kernel; expected to fail: 6.1 hands the slot back before the frame left: fixed in 6.7 by \"net/packet: example fix\")
missing     send_vnet:snd_vnet.hdr_sz_12  (expected skip, not in the run)
$(count 2 1 0 0 1 1 1 0)
# gate: every deviation from $EXP/6.1.json: 6 deviations, exit 1" "$output" "report"
}

@test "--skip-may-pass: skip->pass is printed and does not gate; every other deviation still does" {
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "fanout_flags outgoing.ignore_outgoing pass" "$SKIP_HDR" "$XFAIL" "$PASS2"
	run -0 "$COMPARE" --expected --skip-may-pass "$RUN"
	assert_eq "skip->pass  fanout_flags:outgoing.ignore_outgoing  (expected to skip: needs Linux 6.2: \"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\")" "${lines[2]}" "listed"
	assert_eq "# gate: every deviation from $EXP/6.1.json but skip->pass (--skip-may-pass): 0 deviations, exit 0" "${lines[-1]}" "gate"
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "fanout_flags outgoing.ignore_outgoing pass" "$SKIP_HDR" \
		"tx_inflight inflight.v2.slot_kept_while_sending pass" "$PASS2"
	run -1 "$COMPARE" --expected --skip-may-pass "$RUN"
	assert_eq "# gate: every deviation from $EXP/6.1.json but skip->pass (--skip-may-pass): 1 deviation, exit 1" "${lines[-1]}" "xfail->pass gates"
	run -2 --separate-stderr "$COMPARE" --skip-may-pass "$RUN" "$RUN"
	assert_eq "scripts/compare: --skip-may-pass is for --expected" "${stderr_lines[0]}" "two runs"
}

@test "the series: from the run's kernel release, or given; a file is read as it is" {
	cp "$FIX/6.1.json" "$EXP/other.json"
	sed 's/"series": "6.1"/"series": "6.12"/' "$FIX/6.1.json" >"$EXP/6.12.json"
	make_run "$RUN" 6.12.117+deb12-amd64 "$PASS1" "$SKIP_OUT" "$SKIP_HDR" "$XFAIL" "$PASS2"
	run -0 "$COMPARE" --expected "$RUN"
	assert_eq "# expected: $EXP/6.12.json (series 6.12, from 6.1.0-57-amd64, 2026-12-02: 2 skip, 1 xfail)" "${lines[0]}" "6.12 from the release"
	run -0 "$COMPARE" --expected 6.1 "$RUN"
	assert_eq "# expected: $EXP/6.1.json (series 6.1, from 6.1.0-57-amd64, 2026-12-02: 2 skip, 1 xfail)" "${lines[0]}" "given"
	assert_eq "# run: $RUN (kernel 6.12.117+deb12-amd64, 5 cases): not of series 6.1" "${lines[1]}" "another series said"
	run -0 "$COMPARE" --expected "$EXP/other.json" "$RUN/summary.json"
	assert_eq "# expected: $EXP/other.json (series 6.1, from 6.1.0-57-amd64, 2026-12-02: 2 skip, 1 xfail)" "${lines[0]}" "a file"
	# without PSOCK_EXPECTED, the tree's results/expected
	run -2 --separate-stderr env -u PSOCK_EXPECTED "$COMPARE" --expected 5.4 "$RUN"
	assert_eq "scripts/compare: no expected results for series 5.4: results/expected/5.4.json cannot be read (write it with: scripts/expect generate RUN)" "$stderr" "no file"
	# a file under another series' name
	cp "$EXP/6.12.json" "$EXP/6.1.json"
	run -2 --separate-stderr "$COMPARE" --expected 6.1 "$RUN"
	assert_eq "scripts/compare: $EXP/6.1.json: holds series 6.12, not 6.1" "$stderr" "series mismatch"
}

@test "a placeholder reason is refused, naming its line: compare exits 2, check exits 1" {
	cp "$FIX/placeholder.json" "$EXP/6.1.json"
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "$SKIP_OUT" "$XFAIL"
	run -2 --separate-stderr "$COMPARE" --expected "$RUN"
	assert_eq "" "$output" "stdout"
	assert_eq "scripts/compare: $EXP/6.1.json: line 9: the reason of tx_inflight:inflight.v2.slot_kept_while_sending is a placeholder (TODO...): write why the case fails on this series (the bug, or the kernel change and its release)" "$stderr" "stderr"
	run -1 --separate-stderr "$EXPECT" check "$EXP/6.1.json" 6.1
	assert_eq "scripts/expect: $EXP/6.1.json: line 9: the reason of tx_inflight:inflight.v2.slot_kept_while_sending is a placeholder (TODO...): write why the case fails on this series (the bug, or the kernel change and its release)
scripts/expect: $EXP/6.1.json: line 9: the reason of tx_inflight:inflight.v2.slot_kept_while_sending is a placeholder (TODO...): write why the case fails on this series (the bug, or the kernel change and its release)" "$stderr" "check"
	run -0 "$EXPECT" check "$FIX/6.1.json"
	assert_eq "$FIX/6.1.json: series 6.1, from 6.1.0-57-amd64, 2026-12-02: 2 skip, 1 xfail" "$output" "a good file"
}

@test "expectations a human broke are refused with the line: exit 2, nothing on stdout" {
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1"
	local edit message
	while IFS='|' read -r edit message; do
		sed "$edit" "$FIX/6.1.json" >"$EXP/6.1.json"
		run -2 --separate-stderr "$COMPARE" --expected "$RUN"
		assert_eq "" "$output" "stdout for '$edit'"
		assert_eq "scripts/compare: $EXP/6.1.json: not expected results: $message" "$stderr" "stderr for '$edit'"
	done <<'EDITS'
9s/"skip"/"SKIP"/|line 9: '    {"case": "send_vnet:snd_vnet.hdr_sz_12", ...' is not a case {"case": "BINARY:CASE", "expect": "skip" or "xfail", "reason": "..."}
9s/"reason": ".*"}/"reason": ""}/|line 9: 'send_vnet:snd_vnet.hdr_sz_12' has no reason
9s/send_vnet:snd_vnet/fanout_flags:outgoing/;9s/hdr_sz_12/ignore_outgoing/|line 9: 'fanout_flags:outgoing.ignore_outgoing' is listed twice (also on line 8)
9s/send_vnet:/a_first:/|line 9: 'a_first:snd_vnet.hdr_sz_12' is out of order: the cases are sorted, it comes before 'fanout_flags:outgoing.ignore_outgoing'
8s/},$/}/|line 8: no comma after the case
10s/}$/},/|line 10: a comma after the last case
9s/send_vnet:/send_vnet/|line 9: 'send_vnetsnd_vnet.hdr_sz_12' is not BINARY:CASE
2s/6.1/6/|line 2: "series" is '6', not a kernel series such as 6.1
5s/2026-12-02/today/|line 5: "generated" is 'today', not a date YYYY-MM-DD
3d|line 3: '  "run_id": "20261202-101500-6.1.0-57-amd64",' is not the field "kernel" (a string, then a comma)
$d|line 11: cut short (no closing "}")
EDITS
	printf '{}\n' >"$EXP/6.1.json"
	run -2 --separate-stderr "$COMPARE" --expected "$RUN"
	assert_eq "scripts/compare: $EXP/6.1.json: not expected results: line 1: '{}' is not the \"{\" the file starts with" "$stderr" "foreign json"
}

@test "usage errors and runs that cannot be read exit 2 with one line" {
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1"
	run -2 --separate-stderr "$COMPARE" --expected
	assert_eq "scripts/compare: --expected wants a results directory RUN, or SERIES and RUN (got 0 arguments)" "${stderr_lines[0]}" "none"
	run -2 --separate-stderr "$COMPARE" --expected 6.1 "$RUN" "$RUN"
	assert_eq "scripts/compare: --expected wants a results directory RUN, or SERIES and RUN (got 3 arguments)" "${stderr_lines[0]}" "three"
	run -2 --separate-stderr "$COMPARE" --expected --strict "$RUN"
	assert_eq "scripts/compare: --strict is for two runs, not with --expected" "${stderr_lines[0]}" "strict"
	run -2 --separate-stderr "$COMPARE" --expected six "$RUN"
	assert_eq "scripts/compare: 'six' is not a kernel series (such as 6.1) nor a file of expected results" "${stderr_lines[0]}" "bad series"
	run -2 --separate-stderr "$COMPARE" --expected "$EXP/none.json" "$RUN"
	assert_eq "scripts/compare: cannot read expected results $EXP/none.json" "$stderr" "no file"
	run -2 --separate-stderr "$COMPARE" --expected "$BATS_TEST_TMPDIR/nowhere"
	assert_eq "scripts/compare: $BATS_TEST_TMPDIR/nowhere: no such results directory" "$stderr" "no run"
	make_run "$RUN" weird "$PASS1"
	run -2 --separate-stderr "$COMPARE" --expected "$RUN"
	assert_eq "scripts/compare: $RUN: kernel 'weird' names no series (such as 6.1): give one, --expected SERIES RUN" "$stderr" "no series"
	head -n 12 "$RUN/summary.json" >"$BATS_TEST_TMPDIR/cut.json"
	run -2 --separate-stderr "$COMPARE" --expected 6.1 "$BATS_TEST_TMPDIR/cut.json"
	assert_eq "" "$output" "stdout"
	assert_match "$stderr" "^scripts/compare: $BATS_TEST_TMPDIR/cut.json: not a complete scripts/run summary: cut short"
	run -0 "$COMPARE" --help
	assert_line_in "$output" "       scripts/compare --expected [--skip-may-pass] [SERIES|FILE] RUN"
	run -2 --separate-stderr "$EXPECT"
	assert_eq "scripts/expect: want a command: generate, check or series" "${stderr_lines[0]}" "no command"
	run -2 --separate-stderr "$EXPECT" make "$RUN"
	assert_eq "scripts/expect: unknown command 'make' (generate, check or series)" "${stderr_lines[0]}" "bad command"
	run -2 --separate-stderr "$EXPECT" generate "$RUN" "$RUN"
	assert_eq "scripts/expect: generate wants one results directory RUN (got 2)" "${stderr_lines[0]}" "two runs"
	run -2 --separate-stderr "$EXPECT" generate --series x "$RUN"
	assert_eq "scripts/expect: 'x' is not a kernel series (such as 6.1)" "${stderr_lines[0]}" "bad series"
}

@test "a renamed binary's case pairs with its entry through the map" {
	printf 'tx_inflight tx_hold tx_other\n' >"$BATS_TEST_TMPDIR/renames"
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "$SKIP_OUT" "$SKIP_HDR" \
		"tx_hold inflight.v2.slot_kept_while_sending fail boom"
	PSOCK_RENAMES=$BATS_TEST_TMPDIR/renames run -0 "$COMPARE" --expected "$RUN"
	assert_eq "# renames: 1 case paired through $BATS_TEST_TMPDIR/renames" "${lines[2]}" "renames line"
	assert_eq "$(count 0 0 0 0 0 0 0 4)" "${lines[3]}" "count line"
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "$SKIP_OUT" "$SKIP_HDR" \
		"tx_hold inflight.v2.slot_kept_while_sending pass"
	PSOCK_RENAMES=$BATS_TEST_TMPDIR/renames run -1 "$COMPARE" --expected "$RUN"
	assert_match "${lines[3]}" "^xfail->pass tx_hold:inflight.v2.slot_kept_while_sending  \\(renamed from tx_inflight: a backport\\?"
}

@test "generate: skip reasons from the run without its release, a placeholder for a failure, sorted, one case a line" {
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "$XFAIL" "$SKIP_OUT" "$SKIP_HDR" "$PASS2"
	rm "$EXP/6.1.json"
	SOURCE_DATE_EPOCH=1764633600 run -0 --separate-stderr "$EXPECT" generate "$RUN"
	assert_eq "new xfail   tx_inflight:inflight.v2.slot_kept_while_sending  (TODO: say why this case fails on 6.1 (the bug, the change that fixed it and its release), then drop this TODO; the run said: tx_inflight.c:88:slot_kept_while_sending:Expected 1 (1) == st (0))
new skip    fanout_flags:outgoing.ignore_outgoing  (needs Linux 6.2: \"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\")
new skip    send_vnet:snd_vnet.hdr_sz_12  (PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4))
# expect: $EXP/6.1.json (series 6.1, from 6.1.0-57-amd64): 2 skip, 1 xfail; 0 kept, 3 new, 0 changed, 0 renamed, 0 dropped
# expect: 1 placeholder reason (TODO...) to replace before scripts/compare --expected accepts the file" "$output" "report"
	assert_eq "" "$stderr" "stderr"
	f=$EXP/6.1.json
	assert_eq '{
  "series": "6.1",
  "kernel": "6.1.0-57-amd64",
  "run_id": "20260101-000000-6.1.0-57-amd64",
  "generated": "2025-12-02",' "$(head -n 5 "$f")" "header"
	assert_eq '  "cases": [
    {"case": "fanout_flags:outgoing.ignore_outgoing", "expect": "skip", "reason": "needs Linux 6.2: \"net/packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING\""},
    {"case": "send_vnet:snd_vnet.hdr_sz_12", "expect": "skip", "reason": "PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4)"},
    {"case": "tx_inflight:inflight.v2.slot_kept_while_sending", "expect": "xfail", "reason": "TODO: say why this case fails on 6.1 (the bug, the change that fixed it and its release), then drop this TODO; the run said: tx_inflight.c:88:slot_kept_while_sending:Expected 1 (1) == st (0)"}
  ]
}' "$(tail -n 6 "$f")" "cases"
	# what generate wrote is valid JSON, and compare refuses it until the TODO is gone
	python3 -m json.tool "$f" >/dev/null
	run -2 "$COMPARE" --expected "$RUN"
	sed -i 's/"reason": "TODO: [^"]*"/"reason": "the bug"/' "$f"
	run -0 "$COMPARE" --expected "$RUN"
}

@test "generate round trip: reasons already written are kept, a new failure gets a placeholder, passing cases are dropped" {
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1" "$XFAIL" "$SKIP_OUT" "$SKIP_HDR" "$PASS2"
	# the same run again: the file stays byte for byte (but the date)
	SOURCE_DATE_EPOCH=1764633600 run -0 "$EXPECT" generate "$RUN"
	assert_eq "# expect: $EXP/6.1.json (series 6.1, from 6.1.0-57-amd64): 2 skip, 1 xfail; 3 kept, 0 new, 0 changed, 0 renamed, 0 dropped" "$output" "nothing changes"
	diff <(sed '/"generated"\|"run_id"\|"about"/d' "$FIX/6.1.json") <(sed '/"generated"\|"run_id"\|"about"/d' "$EXP/6.1.json")
	run -0 "$COMPARE" --expected "$RUN"
	# a later release: one skip passes now, a passing case fails, the xfail now skips
	make_run "$RUN" 6.1.0-60-amd64 "$PASS1" "tx_inflight inflight.v2.slot_kept_while_sending skip no tbf" \
		"fanout_flags outgoing.ignore_outgoing pass" "$SKIP_HDR" "rx_ring rx.v3.walk fail rx.c:7:walk:Expected 3 (3) == n (2)"
	run -0 "$EXPECT" generate "$RUN"
	assert_eq "changed     tx_inflight:inflight.v2.slot_kept_while_sending  (was xfail, now skip: no tbf)
new xfail   rx_ring:rx.v3.walk  (TODO: say why this case fails on 6.1 (the bug, the change that fixed it and its release), then drop this TODO; the run said: rx.c:7:walk:Expected 3 (3) == n (2))
dropped     fanout_flags:outgoing.ignore_outgoing  (was skip: passes now)
# expect: $EXP/6.1.json (series 6.1, from 6.1.0-60-amd64): 2 skip, 1 xfail; 1 kept, 1 new, 1 changed, 0 renamed, 1 dropped
# expect: 1 placeholder reason (TODO...) to replace before scripts/compare --expected accepts the file" "$output" "report"
	assert_eq '  "kernel": "6.1.0-60-amd64",' "$(sed -n 3p "$EXP/6.1.json")" "the release it came from"
	grep -qF '{"case": "send_vnet:snd_vnet.hdr_sz_12", "expect": "skip", "reason": "PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4)"},' "$EXP/6.1.json"
	# the reviewer writes the reason; the next generation keeps it, placeholder gone
	sed -i 's/"reason": "TODO: [^"]*"/"reason": "6.1 walks the wrong block"/' "$EXP/6.1.json"
	run -0 "$EXPECT" generate "$RUN"
	assert_eq "# expect: $EXP/6.1.json (series 6.1, from 6.1.0-60-amd64): 2 skip, 1 xfail; 3 kept, 0 new, 0 changed, 0 renamed, 0 dropped" "$output" "kept"
	grep -qF '{"case": "rx_ring:rx.v3.walk", "expect": "xfail", "reason": "6.1 walks the wrong block"},' "$EXP/6.1.json"
	run -0 "$COMPARE" --expected "$RUN"
	# a case no longer in the run is dropped, a renamed one keeps its reason
	printf 'rx_ring rx_ring_v3\n' >"$BATS_TEST_TMPDIR/renames"
	make_run "$RUN" 6.1.0-60-amd64 "$PASS1" "rx_ring_v3 rx.v3.walk fail other message" "$SKIP_HDR"
	PSOCK_RENAMES=$BATS_TEST_TMPDIR/renames run -0 "$EXPECT" generate "$RUN"
	assert_eq "renamed     rx_ring_v3:rx.v3.walk  (from rx_ring:rx.v3.walk)
dropped     tx_inflight:inflight.v2.slot_kept_while_sending  (was skip: not in the run)
# expect: $EXP/6.1.json (series 6.1, from 6.1.0-60-amd64): 1 skip, 1 xfail; 1 kept, 0 new, 0 changed, 1 renamed, 1 dropped" "$output" "renamed and dropped"
	grep -qF '{"case": "rx_ring_v3:rx.v3.walk", "expect": "xfail", "reason": "6.1 walks the wrong block"}' "$EXP/6.1.json"
}

@test "generate: -o and --series, a guest that did not run and an interrupted run refused, a broken earlier file refused and left alone" {
	make_run "$RUN" 6.12.117+deb12-amd64 "$PASS1" "$SKIP_HDR"
	run -0 "$EXPECT" generate --series 6.1 -o "$BATS_TEST_TMPDIR/mine.json" "$RUN"
	assert_eq "new skip    send_vnet:snd_vnet.hdr_sz_12  (PACKET_VNET_HDR_SZ: not supported (added in Linux 6.4))" "${lines[0]}" "the entry"
	assert_eq '  "series": "6.1",' "$(sed -n 2p "$BATS_TEST_TMPDIR/mine.json")" "given series"
	run -2 --separate-stderr "$EXPECT" generate -o "$BATS_TEST_TMPDIR/mine.json" "$RUN"
	assert_eq "scripts/expect: $BATS_TEST_TMPDIR/mine.json: holds series 6.1, not 6.12" "$stderr" "another series"
	make_run "$RUN" 6.1.0-57-amd64 "vm-run guest fail guest killed after 240 s (--vm-timeout): see console.log"
	run -2 --separate-stderr "$EXPECT" generate "$RUN"
	assert_eq "scripts/expect: $RUN: the guest did not run the suite (vm-run:guest: guest killed after 240 s (--vm-timeout): see console.log): not a run to take expectations from" "$stderr" "guest"
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1"
	sed -i 's/"interrupted": null/"interrupted": "SIGINT"/' "$RUN/summary.json"
	run -2 --separate-stderr "$EXPECT" generate "$RUN"
	assert_eq "scripts/expect: $RUN: the run was interrupted (SIGINT): not a run to take expectations from" "$stderr" "interrupted"
	make_run "$RUN" 6.1.0-57-amd64 "$PASS1"
	sed -i '8s/},$/}/' "$EXP/6.1.json"
	cp "$EXP/6.1.json" "$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr "$EXPECT" generate "$RUN"
	assert_eq "scripts/expect: $EXP/6.1.json: not expected results: line 8: no comma after the case (fix it, or remove it to start afresh)" "$stderr" "broken"
	cmp "$EXP/6.1.json" "$BATS_TEST_TMPDIR/before"
	assert_eq "" "$(find "$EXP" -name '.expect.*')" "no temporary file left"
	run -0 "$EXPECT" series "$RUN"
	assert_eq "6.1" "$output" "series"
}

@test "the tree's expected results are usable, one per series the matrix runs and the host's 6.18" {
	run -0 env -u PSOCK_EXPECTED "$EXPECT" check 6.1 6.12 6.18
	assert_match "${lines[0]}" "^results/expected/6.1.json: series 6.1, from 6\\.1\\.[0-9]"
	assert_match "${lines[1]}" "^results/expected/6.12.json: series 6.12, from 6\\.12\\.[0-9]"
	assert_match "${lines[2]}" "^results/expected/6.18.json: series 6.18, from 6\\.18\\.[0-9]"
}

@test "report --expected: a declared failure is XFAIL, a deviating cell bold (md) and outlined (page), deviations counted per column" {
	R=$BATS_TEST_TMPDIR/results
	OUT=$BATS_TEST_TMPDIR/out
	make_run "$R/as-expected" 6.1.0-57-amd64 "$PASS1" "$SKIP_OUT" "$SKIP_HDR" "$XFAIL" "$PASS2"
	make_run "$R/deviates" 6.1.0-58-amd64 "$PASS1" "fanout_flags outgoing.ignore_outgoing pass" "$SKIP_HDR" \
		"tx_inflight inflight.v2.slot_kept_while_sending pass" "rx_ring rx.v3.walk fail broke"
	make_run "$R/other" 6.12.117+deb12-amd64 "$PASS1" "$SKIP_HDR" "rx_ring rx.v3.walk fail broke"
	run -0 --separate-stderr "$ROOT/scripts/report" --expected -o "$OUT" "$R/as-expected" "$R/deviates" "$R/other"
	assert_eq "" "$stderr" "stderr"
	md=$(<"$OUT/matrix.md")
	assert_line_in "$md" "- 6.1.0-57-amd64: $EXP/6.1.json, 0 deviations"
	assert_line_in "$md" "- 6.1.0-58-amd64: $EXP/6.1.json, 3 deviations"
	assert_line_in "$md" "- 6.12.117+deb12-amd64: no $EXP/6.12.json, not checked"
	assert_line_in "$md" "| **≠** | tx_inflight:inflight.v2.slot_kept_while_sending | XFAIL | **pass** | - |"
	assert_line_in "$md" "| **≠** | fanout_flags:outgoing.ignore_outgoing | SKIP | **pass** | - |"
	assert_line_in "$md" "| **≠** | rx_ring:rx.v3.walk | pass | **FAIL** | **FAIL** |"
	assert_line_in "$md" "|  | send_vnet:snd_vnet.hdr_sz_12 | SKIP | SKIP | SKIP |"
	assert_line_in "$md" "- \`tx_inflight:inflight.v2.slot_kept_while_sending\` on 6.1.0-57-amd64, xfail (6.1 hands the slot back before the frame left: fixed in 6.7 by \"net/packet: example fix\"): tx_inflight.c:88:slot_kept_while_sending:Expected 1 (1) == st (0)"
	html=$(<"$OUT/matrix.html")
	grep -qF '<td class="xfail" title="known bug: 6.1 hands the slot back before the frame left: fixed in 6.7 by &quot;net/packet: example fix&quot; | tx_inflight.c:88:slot_kept_while_sending:Expected 1 (1) == st (0)">xfail</td><td class="pass deviates" title="not as expected: expected xfail: 6.1 hands the slot back' <<<"$html"
	grep -qF '<td class="fail deviates" title="not as expected: expected to pass | broke">fail</td><td class="fail" title="broke">fail</td>' <<<"$html"
	xmllint --html --noout "$OUT/matrix.html"
	# without --expected the matrix is as it always was
	run -0 "$ROOT/scripts/report" -o "$OUT" "$R/as-expected" "$R/deviates"
	assert_not_in "$(<"$OUT/matrix.md")" "XFAIL"
	assert_not_in "$(<"$OUT/matrix.html")" "deviates\""
}

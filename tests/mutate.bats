#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/mutate without a kernel: its argument errors (one line naming what
# is wrong, exit 2), the mutant generator on a small stored C file
# (tests/fixtures/mutate/af_packet.c: one site of each operator, code in
# comments, strings, #define lines and for headers left alone, and an #if 0
# block marked disabled) giving the stored list, a mutant applied changing only its line, the same ids on a
# second run, and the report step on a stored run
# (tests/fixtures/mutate/run: records of six mutants).

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load results_helpers

MUTATE=$ROOT/scripts/mutate
GEN=$ROOT/scripts/lib/mutate-gen
FIX=$ROOT/tests/fixtures/mutate

setup() {
	export TMPDIR=$BATS_TEST_TMPDIR
	unset PSOCK_KBUILD_DIR
}

@test "mutate: an unknown option is named, exit 2" {
	run --separate-stderr "$MUTATE" --frobnicate
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: unknown option '--frobnicate'" "${stderr_lines[0]}"
}

@test "mutate: an unknown operator is refused with the list of operators" {
	run --separate-stderr "$MUTATE" --list --src "$FIX" --operator swap
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --operator wants one of: errno guard-false cmp-edge field-value counter-rm flag-invert (not 'swap')" "${stderr_lines[0]}"
}

@test "mutate: bad numbers and a bad run id are refused" {
	run --separate-stderr "$MUTATE" --limit 0
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --limit wants a number from 1 to 999999, not '0'" "${stderr_lines[0]}"
	run --separate-stderr "$MUTATE" --timeout x
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --timeout wants whole seconds from 1 to 99999, not 'x'" "${stderr_lines[0]}"
	run --separate-stderr "$MUTATE" --first 0
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --first wants a number of cases from 1 to 9999, not '0'" "${stderr_lines[0]}"
	run --separate-stderr "$MUTATE" --run-id ../x
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --run-id wants letters, digits, '.', '_', '-', not '../x'" "${stderr_lines[0]}"
	run --separate-stderr "$MUTATE" -f
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: option -f needs a value" "${stderr_lines[0]}"
}

@test "mutate: a kernel directory that is not scripts/kbuild's is one line, exit 2" {
	run --separate-stderr "$MUTATE" --kernel-dir "$BATS_TEST_TMPDIR/none"
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --kernel-dir $BATS_TEST_TMPDIR/none: no such directory (build it with scripts/kbuild)" "$stderr"
	mkdir "$BATS_TEST_TMPDIR/half"
	run --separate-stderr "$MUTATE" --kernel-dir "$BATS_TEST_TMPDIR/half"
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: $BATS_TEST_TMPDIR/half: no READY (scripts/kbuild has not finished there)" "$stderr"
}

@test "mutate: -f of a function without mutants and --area of no binary are errors" {
	run --separate-stderr "$MUTATE" --list --src "$FIX" -f no_such_function
	assert_eq 2 "$status" status
	assert_eq "mutate-plan: -f no_such_function: no mutant in a function of that name" "$stderr"
	run --separate-stderr "$MUTATE" --list --src "$FIX" --area no_such_binary
	assert_eq 2 "$status" status
	assert_eq "mutate-plan: --area no_such_binary: no such binary (psock/no_such_binary.c)" "$stderr"
}

@test "mutate: --report takes only -f and --area" {
	run --separate-stderr "$MUTATE" --report "$FIX/run" --limit 3
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --report takes only -f and --area" "${stderr_lines[0]}"
	run --separate-stderr "$MUTATE" --report "$BATS_TEST_TMPDIR/nothing"
	assert_eq 2 "$status" status
	assert_eq "mutate-report: $BATS_TEST_TMPDIR/nothing: no such run directory" "$stderr"
}

@test "mutate-gen: the stored C file gives the stored mutants, one per site and operator" {
	run --separate-stderr "$MUTATE" --list --src "$FIX"
	assert_eq 0 "$status" status
	assert_eq "$(cat "$FIX/expected.txt")" "$output" "--list"
	# Spot checks of the rules, beyond the stored list.
	assert_line_in "$output" "af_packet-0003 net/packet/af_packet.c:18 fix_check errno: return -EINVAL; -> return -EDOM;"
	assert_line_in "$output" "af_packet-0008 net/packet/af_packet.c:22 fix_check flag-invert: if (!(flags & FIX_FLAG)) { -> if ((flags & FIX_FLAG)) {"
	assert_line_in "$output" "af_packet-0013 net/packet/af_packet.c:37 fix_fill field-value: h->tp_status = len > 0 ? 1 : 0; -> h->tp_status = (len > 0 ? 1 : 0) + 1;"
	assert_line_in "$output" "mutants: 23"
	# Comments, strings, #define lines and a for header are not code to mutate.
	assert_not_in "$output" ":5 "
	assert_not_in "$output" ":8 "
	assert_not_in "$output" ":34 "
	assert_not_in "$output" ":41 "
}

@test "mutate-gen: the same source gives the same ids; apply changes the mutant's line only" {
	cd "$FIX"
	run "$GEN" list af_packet.c
	first=$output
	run "$GEN" list af_packet.c
	assert_eq "$first" "$output" "second list"
	run "$GEN" apply af_packet.c af_packet-0002
	assert_eq 0 "$status" status
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/m.c"
	run diff af_packet.c "$BATS_TEST_TMPDIR/m.c"
	assert_eq 1 "$status" "diff status"
	assert_eq "17c17
< 	if (len < 14)
---
> 	if (len <= 14)" "$output" diff
	run --separate-stderr "$GEN" apply af_packet.c af_packet-9999
	assert_eq 1 "$status" status
	assert_eq "mutate-gen: af_packet.c: no mutant af_packet-9999" "$stderr"
}

@test "mutate-gen stats: the count per operator and per function" {
	run "$GEN" stats "$FIX/af_packet.c"
	assert_eq 0 "$status" status
	assert_eq "mutants: 23" "${lines[0]}"
	assert_line_in "$output" "operator guard-false  5"
	assert_line_in "$output" "operator cmp-edge     4"
	assert_line_in "$output" "operator counter-rm   4"
	assert_match "$output" "function fix_check +11  errno=3 guard-false=3 cmp-edge=2 counter-rm=1 flag-invert=2"
	assert_match "$output" "function fix_fill +5  errno=1 field-value=2 counter-rm=2"
	assert_match "$output" "function fix_legacy +7  errno=2 guard-false=2 cmp-edge=2 counter-rm=1"
}

@test "mutate-gen: code an #if 0 leaves out keeps its ids, is marked disabled, and is neither run nor scored" {
	run --separate-stderr "$MUTATE" --list --src "$FIX" -f fix_legacy
	assert_eq 0 "$status" status
	# The #if 0 block (line 47) up to its #else, a nested #ifdef inside it
	# included; the #else branch is code like any other.
	assert_line_in "$output" "af_packet-0017 net/packet/af_packet.c:48 fix_legacy guard-false: if (len < 0) -> if (0) (disabled: #if 0 at line 47)"
	assert_line_in "$output" "af_packet-0020 net/packet/af_packet.c:51 fix_legacy counter-rm: len++; -> (void)0; (disabled: #if 0 at line 47)"
	assert_line_in "$output" "af_packet-0021 net/packet/af_packet.c:54 fix_legacy guard-false: if (len > 9) -> if (0)"
	assert_match "$output" "function fix_legacy +4  \\(disabled: #if 0\\)"
	# The plan gives a disabled mutant no binaries; the report counts it
	# apart from the score and lists it in no survivors.txt.
	cp -r "$FIX/run" "$BATS_TEST_TMPDIR/run"
	(cd "$FIX" && "$GEN" list af_packet.c) | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m["id"] == "af_packet-0017":
        m["file"] = "net/packet/af_packet.c"
        print(json.dumps(m))' | python3 "$ROOT/scripts/lib/mutate-plan" "$ROOT/psock" "$ROOT/scripts/lib/mutate-areas" >>"$BATS_TEST_TMPDIR/run/mutants.jsonl"
	assert_eq '[]' "$(tail -n1 "$BATS_TEST_TMPDIR/run/mutants.jsonl" | python3 -c 'import json, sys; print(json.load(sys.stdin)["binaries"])')" "the plan's binaries"
	run --separate-stderr "$MUTATE" --report "$BATS_TEST_TMPDIR/run"
	assert_eq 0 "$status" status
	assert_eq "mutate: 7 mutants: 2 killed, 2 survived, 1 not compiled, 1 no area, 1 disabled (#if 0), 0 errors, 0 pending; score 50.0%; compile 9.0 s/mutant (5); run 14.0 s/mutant (3); survivors in $BATS_TEST_TMPDIR/run/survivors.txt" "${lines[-1]}"
	assert_not_in "$(cat "$BATS_TEST_TMPDIR/run/survivors.txt")" "fix_legacy"
	assert_eq "disabled" "$(python3 -c 'import json, sys; print([m["status"] for m in json.load(open(sys.argv[1]))["mutants"] if m["id"] == "af_packet-0017"][0])' "$BATS_TEST_TMPDIR/run/summary.json")" status
}

@test "mutate --report: summary.json, survivors.txt and the score from a stored run" {
	cp -r "$FIX/run" "$BATS_TEST_TMPDIR/run"
	run --separate-stderr "$MUTATE" --report "$BATS_TEST_TMPDIR/run"
	assert_eq 0 "$status" status
	assert_match "${lines[1]}" "^fix_check +2 +2 +1 +1 +0 +0 +0 +50\.0%$"
	assert_eq "mutate: 6 mutants: 2 killed, 2 survived, 1 not compiled, 1 no area, 0 errors, 0 pending; score 50.0%; compile 9.0 s/mutant (5); run 14.0 s/mutant (3); survivors in $BATS_TEST_TMPDIR/run/survivors.txt" "${lines[-1]}"
	assert_eq "net/packet/af_packet.c:17 fix_check: if (len < 14) -> if (len <= 14)
net/packet/af_packet.c:19 fix_check: if (len >= 1500 && -> if (len > 1500 &&" "$(cat "$BATS_TEST_TMPDIR/run/survivors.txt")" survivors.txt
	run python3 -c 'import json, sys
for m in json.load(open(sys.argv[1]))["mutants"]:
    print(m["id"], m["status"], ",".join(m["killed_by"]))' "$BATS_TEST_TMPDIR/run/summary.json"
	assert_eq "af_packet-0001 killed version:version.sock_raw.v2.hdrlen
af_packet-0002 survived 
af_packet-0003 not-compiled 
af_packet-0004 killed crash:_Oops:_general_protection_fault
af_packet-0005 survived 
af_packet-0006 no-area " "$output" summary.json
	# A stored summary.json alone (no records): the same survivors, and
	# -f narrows the table.
	rm "$BATS_TEST_TMPDIR/run/mutants.jsonl" "$BATS_TEST_TMPDIR/run/survivors.txt"
	run --separate-stderr "$MUTATE" --report "$BATS_TEST_TMPDIR/run" -f fix_check --area stats
	assert_eq 0 "$status" status
	assert_eq "net/packet/af_packet.c:19 fix_check: if (len >= 1500 && -> if (len > 1500 &&" "$(cat "$BATS_TEST_TMPDIR/run/survivors.txt")" "survivors.txt, --area stats"
	assert_match "${lines[-1]}" "^mutate: 2 mutants: 1 killed, 1 survived, "
}

# A per-case map for the stored C file: its sum, the lines gcov counts, what
# the load and two cases reached. The cases are two of the suite's (scripts/mutate
# drops the map's cases the suite does not have): $CASE_A of version, $CASE_B
# of stats; a third, gone from the suite, is left out.
fixture_map() { # FILE [SUM]
	local sum=${2:-$(sha1sum <"$FIX/af_packet.c" | cut -d' ' -f1)}
	CASE_A=$("$ROOT/scripts/run" --list -t version | head -n1)
	CASE_B=$("$ROOT/scripts/run" --list -t stats | head -n1)
	printf '%s\n' "# psock cases.map 1" "# release test" "# source af_packet.c $sum" \
		"# exec af_packet.c 17,19-20,22-24,36-37,39-40" >"$1"
	printf '%s\t%s\t%s\t%s\n' load - af_packet.c=36 diag.c= \
		"$CASE_A" 0 af_packet.c=17,19-20 diag.c= \
		"$CASE_B" 0 af_packet.c=17,22-24 diag.c= \
		gone:g.one 0 af_packet.c=17-40 diag.c= >>"$1"
}

@test "mutate --map: each mutant gets the cases that reach its lines; none reach: unreached; init or uncounted lines: the area" {
	fixture_map "$BATS_TEST_TMPDIR/cases.map"
	run --separate-stderr "$MUTATE" --list --src "$FIX" --map "$BATS_TEST_TMPDIR/cases.map"
	assert_eq 0 "$status" status
	# Line 17: both cases, the binaries in name order (neither is the area).
	assert_line_in "$output" "af_packet-0001 net/packet/af_packet.c:17 fix_check guard-false: if (len < 14) -> if (0) (2 cases: $CASE_B $CASE_A)"
	# Line 18 (a return gcov does not count): the cases of the lines next to it.
	assert_line_in "$output" "af_packet-0003 net/packet/af_packet.c:18 fix_check errno: return -EINVAL; -> return -EDOM; (2 cases: $CASE_B $CASE_A)"
	# Lines 21-25 around line 23: only B reaches one (22-24).
	assert_line_in "$output" "af_packet-0009 net/packet/af_packet.c:23 fix_check counter-rm: len++; -> (void)0; (1 cases: $CASE_B)"
	assert_line_in "$output" "af_packet-0010 net/packet/af_packet.c:24 fix_check errno: return -ENOBUFS; -> return -EINVAL; (1 cases: $CASE_B)"
	# Line 28: no counted line near it, and a label and a brace above: the area.
	assert_line_in "$output" "af_packet-0011 net/packet/af_packet.c:28 fix_check errno: return -EMSGSIZE; -> return -EINVAL;"
	# Lines 36 and 37 are next to what the load reached (36): the area (none
	# for these functions). No case reaches 37-41 (line 39) nor 40-44 (42).
	assert_line_in "$output" "af_packet-0012 net/packet/af_packet.c:36 fix_fill field-value: h->tp_len = len; -> h->tp_len = (len) + 1;"
	assert_line_in "$output" "af_packet-0013 net/packet/af_packet.c:37 fix_fill field-value: h->tp_status = len > 0 ? 1 : 0; -> h->tp_status = (len > 0 ? 1 : 0) + 1;"
	assert_line_in "$output" "af_packet-0014 net/packet/af_packet.c:39 fix_fill errno: err = -EFAULT; -> err = -EINVAL; (unreached)"
	assert_line_in "$output" "af_packet-0016 net/packet/af_packet.c:42 fix_fill counter-rm: s++; -> (void)0; (unreached)"
	assert_match "$output" "function fix_fill +3  \\(unreached\\)"
	assert_line_in "$output" "cases run (per-case map): 18, unreached mutants: 3"
	assert_eq "mutate-plan: 1 cases of the map are no longer in the suite (first: gone:g.one): left out" "$stderr" stderr
	# --area keeps the cases of that binary.
	run --separate-stderr "$MUTATE" --list --src "$FIX" --map "$BATS_TEST_TMPDIR/cases.map" --area stats -f fix_check
	assert_eq 0 "$status" status
	assert_line_in "$output" "af_packet-0001 net/packet/af_packet.c:17 fix_check guard-false: if (len < 14) -> if (0) (1 cases: $CASE_B)"
	assert_line_in "$output" "af_packet-0009 net/packet/af_packet.c:23 fix_check counter-rm: len++; -> (void)0; (1 cases: $CASE_B)"
}

@test "mutate --map: a map of another source, a missing file and a file that is no map are refused" {
	fixture_map "$BATS_TEST_TMPDIR/other.map" 0123456789abcdef0123456789abcdef01234567
	run --separate-stderr "$MUTATE" --list --src "$FIX" --map "$BATS_TEST_TMPDIR/other.map"
	assert_eq 2 "$status" status
	assert_eq "mutate-plan: --map $BATS_TEST_TMPDIR/other.map was measured on another af_packet.c than $FIX/af_packet.c" "$stderr"
	run --separate-stderr "$MUTATE" --list --src "$FIX" --map "$BATS_TEST_TMPDIR/none.map"
	assert_eq 2 "$status" status
	assert_eq "scripts/mutate: --map $BATS_TEST_TMPDIR/none.map: no such file (a cases.map of scripts/coverage --per-case, or none)" "${stderr_lines[0]}"
	echo "hello" >"$BATS_TEST_TMPDIR/junk.map"
	run --separate-stderr "$MUTATE" --list --src "$FIX" --map "$BATS_TEST_TMPDIR/junk.map"
	assert_eq 2 "$status" status
	assert_eq "mutate-plan: --map $BATS_TEST_TMPDIR/junk.map: not a cases.map (scripts/coverage --per-case)" "$stderr"
}

@test "mutate --map twice: the later map's row of a case takes the place of the earlier one's" {
	fixture_map "$BATS_TEST_TMPDIR/cases.map"
	{
		printf '%s\n' "# psock cases.map 1" "# release test" \
			"# source af_packet.c $(sha1sum <"$FIX/af_packet.c" | cut -d' ' -f1)" "# exec af_packet.c 37"
		printf '%s\t%s\t%s\t%s\n' load - af_packet.c= diag.c= "$CASE_A" 0 af_packet.c=37 diag.c=
	} >"$BATS_TEST_TMPDIR/again.map"
	run --separate-stderr "$MUTATE" --list --src "$FIX" --map "$BATS_TEST_TMPDIR/cases.map" --map "$BATS_TEST_TMPDIR/again.map"
	assert_eq 0 "$status" status
	assert_line_in "$output" "af_packet-0014 net/packet/af_packet.c:39 fix_fill errno: err = -EFAULT; -> err = -EINVAL; (1 cases: $CASE_A)"
	assert_line_in "$output" "af_packet-0001 net/packet/af_packet.c:17 fix_check guard-false: if (len < 14) -> if (0) (1 cases: $CASE_B)"
	assert_line_in "$output" "af_packet-0006 net/packet/af_packet.c:20 fix_check flag-invert: (flags & FIX_FLAG)) -> (!(flags & FIX_FLAG))) (1 cases: $CASE_B)"
}

@test "mutate --id: only those mutants; an unknown id is named, exit 2" {
	run --separate-stderr "$MUTATE" --list --src "$FIX" --id af_packet-0003 --id af_packet-0012
	assert_eq 0 "$status" status
	assert_eq "af_packet-0003 net/packet/af_packet.c:18 fix_check errno: return -EINVAL; -> return -EDOM;
af_packet-0012 net/packet/af_packet.c:36 fix_fill field-value: h->tp_len = len; -> h->tp_len = (len) + 1;" "$(grep '^af_packet-' <<<"$output")"
	run --separate-stderr "$MUTATE" --list --src "$FIX" --id af_packet-9999
	assert_eq 2 "$status" status
	assert_eq "mutate-plan: --id af_packet-9999: no such mutant" "$stderr"
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/coverage and scripts/kbuild without a kernel: their argument
# errors (exit 2, one line saying what is wrong, nothing built or booted),
# and the report step (scripts/coverage --report) on a small stored lcov
# tracefile, tests/fixtures/coverage/packet.info: af_packet.c in two records
# (merged), diag.c never called, a header (left out). Its numbers, worked out
# by hand from the file:
#   af_packet.c  lines 7/12 (DA:5 is file scope, DA:32 hit in the second
#                record), functions 2/3, branches 2/4 (a "-" is not taken)
#   diag.c       lines 0/3, functions 0/1, branches 0/2
#   unreached    packet_diag_dump 3, packet_setsockopt 2 (line 30),
#                packet_notifier 2 (line 60), packet_rcv 1

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
load assert_helpers

COVERAGE=$ROOT/scripts/coverage
KBUILD=$ROOT/scripts/kbuild
INFO=$ROOT/tests/fixtures/coverage/packet.info

setup() {
	OUT=$BATS_TEST_TMPDIR/out
}

# One member of summary.json, by a python expression on the loaded object j.
json() { # FILE EXPR
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "coverage --help: the usage and exit 0" {
	run -0 --separate-stderr "$COVERAGE" --help
	assert_match "${lines[0]}" '^usage: scripts/coverage '
}

@test "coverage: an unknown option, a missing value, a stray argument: exit 2, one line saying which" {
	run -2 --separate-stderr "$COVERAGE" --frobnicate
	assert_eq "scripts/coverage: unknown option '--frobnicate' (see scripts/coverage --help)" "${stderr_lines[0]}"
	run -2 --separate-stderr "$COVERAGE" -o
	assert_eq "scripts/coverage: option -o needs a value" "${stderr_lines[0]}"
	run -2 --separate-stderr "$COVERAGE" -t
	assert_eq "scripts/coverage: option -t needs a value" "${stderr_lines[0]}"
	run -2 --separate-stderr "$COVERAGE" rx_ring
	assert_eq "scripts/coverage: unexpected argument 'rx_ring' (a test pattern goes after -t)" "${stderr_lines[0]}"
	assert_eq "" "$output" "stdout"
}

@test "coverage --uncovered=N wants a positive number" {
	for bad in 0 -1 x 1e3 ''; do
		run -2 --separate-stderr "$COVERAGE" --report "$INFO" -o "$OUT" "--uncovered=$bad"
		assert_eq "scripts/coverage: --uncovered wants a number of functions from 1 to 999999, not '$bad'" "${stderr_lines[0]}"
	done
	[[ ! -e $OUT/summary.json ]]
}

@test "coverage --report: no such tracefile, or with run options: exit 2, nothing written" {
	run -2 --separate-stderr "$COVERAGE" --report "$BATS_TEST_TMPDIR/none.info" -o "$OUT"
	assert_eq "scripts/coverage: --report $BATS_TEST_TMPDIR/none.info: no such tracefile" "${stderr_lines[0]}"
	run -2 --separate-stderr "$COVERAGE" --report "$INFO" -o "$OUT" -t version
	assert_eq "scripts/coverage: --report makes no run: -t does not go with it" "${stderr_lines[0]}"
	run -2 --separate-stderr "$COVERAGE" --report "$INFO" -o "$OUT" --vm-timeout 60
	assert_eq "scripts/coverage: --report makes no run: --vm-timeout does not go with it" "${stderr_lines[0]}"
	[[ ! -e $OUT ]]
}

@test "coverage: a -t that matches nothing is refused before any kernel build (exit 2)" {
	compgen -G "$ROOT/build/psock/*" >/dev/null || skip "no build/psock binaries (make first)"
	run -2 --separate-stderr "$COVERAGE" --kernel-dir "$BATS_TEST_TMPDIR/kernel" -t 'no_such_binary_xyz'
	assert_eq "scripts/run: -t 'no_such_binary_xyz' matches no binary and no case in $ROOT/build/psock (see scripts/run --list)" "${stderr_lines[0]}"
	[[ ! -e $BATS_TEST_TMPDIR/kernel ]]
}

@test "coverage --report: one stdout line with lines, functions, branches of af_packet.c and diag.c" {
	run -0 --separate-stderr "$COVERAGE" --report "$INFO" -o "$OUT"
	assert_eq "coverage: af_packet.c 58.3% lines (7/12), 66.7% functions (2/3), 50.0% branches (2/4); diag.c 0.0% lines (0/3), 0.0% functions (0/1), 0.0% branches (0/2)" "$output"
	assert_eq "" "$stderr" "stderr"
}

@test "coverage --report: summary.json holds the totals per file (headers left out)" {
	run -0 "$COVERAGE" --report "$INFO" -o "$OUT"
	S=$OUT/summary.json
	assert_eq "['af_packet.c', 'diag.c']" "$(json "$S" 'sorted(j["files"])')"
	assert_eq "/src/linux/net/packet/af_packet.c" "$(json "$S" 'j["files"]["af_packet.c"]["path"]')"
	assert_eq "7 12 58.3" "$(json "$S" '" ".join(str(j["files"]["af_packet.c"]["lines"][k]) for k in ("hit", "total", "percent"))')"
	assert_eq "2 3 66.7" "$(json "$S" '" ".join(str(j["files"]["af_packet.c"]["functions"][k]) for k in ("hit", "total", "percent"))')"
	assert_eq "2 4 50.0" "$(json "$S" '" ".join(str(j["files"]["af_packet.c"]["branches"][k]) for k in ("hit", "total", "percent"))')"
	assert_eq "0 3 0 1 0 2" "$(json "$S" '" ".join(str(j["files"]["diag.c"][w][k]) for w in ("lines", "functions", "branches") for k in ("hit", "total"))')"
	assert_eq "None None None" "$(json "$S" '" ".join(str(j[k]) for k in ("run_id", "kernel", "suite"))')"
}

@test "coverage --report: summary.json lists every function with calls, lines, branches, unreached" {
	run -0 "$COVERAGE" --report "$INFO" -o "$OUT"
	S=$OUT/summary.json
	got=$(json "$S" '"\n".join("%s %s %d %d %d/%d %d/%d %d" % (f["file"], f["name"], f["line"], f["calls"], f["lines"]["hit"], f["lines"]["total"], f["branches"]["hit"], f["branches"]["total"], f["unreached"]) for f in j["functions"])')
	assert_eq "af_packet.c packet_rcv 10 5 3/4 1/2 1
af_packet.c packet_setsockopt 30 2 3/5 1/2 2
af_packet.c packet_notifier 60 0 0/2 0/0 2
diag.c packet_diag_dump 20 0 0/3 0/2 3" "$got"
	assert_eq "None" "$(json "$S" 'j["functions"][2]["branches"]["percent"]')"
}

@test "coverage --report --uncovered: functions by unreached lines, most first, ties by file then line" {
	run -0 --separate-stderr "$COVERAGE" --report "$INFO" -o "$OUT" --uncovered
	assert_eq 6 "${#lines[@]}" "lines"
	assert_match "${lines[0]}" '^coverage: af_packet.c 58.3% lines'
	assert_eq "unreached lines       calls     function (file:line)" "${lines[1]}"
	assert_eq "        3 0/3         0         packet_diag_dump (diag.c:20)" "${lines[2]}"
	assert_eq "        2 3/5         2         packet_setsockopt (af_packet.c:30)" "${lines[3]}"
	assert_eq "        2 0/2         0         packet_notifier (af_packet.c:60)" "${lines[4]}"
	assert_eq "        1 3/4         5         packet_rcv (af_packet.c:10)" "${lines[5]}"
	run -0 --separate-stderr "$COVERAGE" --report "$INFO" -o "$OUT" --uncovered=2
	assert_eq 4 "${#lines[@]}" "lines"
	assert_eq "        2 3/5         2         packet_setsockopt (af_packet.c:30)" "${lines[3]}"
}

@test "coverage --report: a tracefile without net/packet/*.c: exit 1, no summary.json" {
	printf 'TN:\nSF:/src/linux/include/linux/skbuff.h\nDA:1,1\nend_of_record\n' >"$BATS_TEST_TMPDIR/other.info"
	run -1 --separate-stderr "$COVERAGE" --report "$BATS_TEST_TMPDIR/other.info" -o "$OUT"
	assert_eq "coverage: no net/packet/*.c in the tracefile" "${stderr_lines[0]}"
	[[ ! -e $OUT/summary.json ]]
}

@test "coverage --per-case: with --report, --uncovered or -j: exit 2, one line saying which" {
	run --separate-stderr "$COVERAGE" --per-case --report "$INFO"
	assert_eq 2 "$status" status
	assert_eq "scripts/coverage: --per-case and --report do not go together" "${stderr_lines[0]}"
	run --separate-stderr "$COVERAGE" --per-case --uncovered
	assert_eq 2 "$status" status
	assert_eq "scripts/coverage: --per-case writes a map, not a report: --uncovered does not go with it" "${stderr_lines[0]}"
	run --separate-stderr "$COVERAGE" --per-case -j 2
	assert_eq 2 "$status" status
	assert_eq "scripts/coverage: --per-case runs one case at a time: -j does not go with it" "${stderr_lines[0]}"
}

# A gcc --coverage program standing in for the modules: net/packet/af_packet.c
# (pick: line 3 the test, 4 one return, 5 the other) and diag.c, run once
# for the "load" (nothing called) and once for each of two cases, its .gcda
# files moved aside after each run, as the guest leaves them.
make_gcov_fixture() { # DIR
	local d=$1 n a
	mkdir -p "$d/src/net/packet" "$d/obj" "$d/cases"
	printf 'int pick(int x)\n{\n\tif (x > 0)\n\t\treturn 1;\n\treturn 2;\n}\n' >"$d/src/net/packet/af_packet.c"
	printf 'int diag_fn(int x)\n{\n\treturn x + 1;\n}\n' >"$d/src/net/packet/diag.c"
	printf '#include <stdlib.h>\nint pick(int);\nint diag_fn(int);\nint main(int argc, char **argv)\n{\n\tif (argc > 1)\n\t\tpick(atoi(argv[1]));\n\tif (argc > 2)\n\t\tdiag_fn(1);\n\treturn 0;\n}\n' >"$d/main.c"
	(
		cd "$d/obj" &&
			gcc --coverage -c ../src/net/packet/af_packet.c -o af_packet.o &&
			gcc --coverage -c ../src/net/packet/diag.c -o diag.o &&
			gcc --coverage ../main.c af_packet.o diag.o -o prog
	) || return
	for n in load:"" 1:"1" 2:"-1 x"; do
		a=${n#*:}
		# shellcheck disable=SC2086 # the program's arguments
		(cd "$d/obj" && rm -f ./*.gcda && ./prog $a) || return
		mv "$d/obj/af_packet.gcda" "$d/cases/${n%%:*}.af_packet.gcda" &&
			mv "$d/obj/diag.gcda" "$d/cases/${n%%:*}.diag.gcda" || return
	done
	printf 'b:c.one\nb:c.two\n' >"$d/cases.list"
	printf '1 0 b:c.one\n2 1 b:c.two\n' >"$d/cases/index"
}

@test "coverage-map: each case's reached lines from its .gcda, the lines gcov counts, the source's sums" {
	local d=$BATS_TEST_TMPDIR/g
	make_gcov_fixture "$d"
	run --separate-stderr python3 "$ROOT/scripts/lib/coverage-map" "$d/obj" "$d/cases" "$d/cases.list" "$d/src/net/packet" REL
	assert_eq 0 "$status" status
	assert_eq "# psock cases.map 1
# release REL
# source af_packet.c $(sha1sum <"$d/src/net/packet/af_packet.c" | cut -d' ' -f1) diag.c $(sha1sum <"$d/src/net/packet/diag.c" | cut -d' ' -f1)
# exec af_packet.c 1,3-5
# exec diag.c 1,3
load	-	af_packet.c=	diag.c=
b:c.one	0	af_packet.c=1,3-4	diag.c=
b:c.two	1	af_packet.c=1,3,5	diag.c=1,3" "$output" cases.map
	# A case the guest did not reach, and a .gcda of another build.
	printf 'b:c.one\nb:c.two\nb:c.three\n' >"$d/cases.list"
	run --separate-stderr python3 "$ROOT/scripts/lib/coverage-map" "$d/obj" "$d/cases" "$d/cases.list" "$d/src/net/packet" REL
	assert_eq 1 "$status" status
	assert_eq "coverage-map: case 3 (b:c.three) was not measured: the guest stopped (see its console.log)" "$stderr"
	printf 'b:c.one\nb:c.two\n' >"$d/cases.list"
	cp "$d/cases/1.diag.gcda" "$d/cases/1.af_packet.gcda"
	run --separate-stderr python3 "$ROOT/scripts/lib/coverage-map" "$d/obj" "$d/cases" "$d/cases.list" "$d/src/net/packet" REL
	assert_eq 1 "$status" status
	assert_match "$stderr" "^coverage-map: gcov failed on $d/cases/1.af_packet.gcda: "
}

@test "kbuild: --help; an unknown option, a bad -j, a stray argument, a missing KSRC: exit 2, nothing built" {
	run -0 --separate-stderr "$KBUILD" --help
	assert_match "${lines[0]}" '^usage: scripts/kbuild '
	run -2 --separate-stderr "$KBUILD" --frobnicate
	assert_eq "scripts/kbuild: unknown option '--frobnicate'" "${stderr_lines[0]}"
	run -2 --separate-stderr "$KBUILD" -j 0
	assert_eq "scripts/kbuild: -j wants a number of jobs from 1 to 999, not '0'" "${stderr_lines[0]}"
	run -2 --separate-stderr "$KBUILD" linux
	assert_eq "scripts/kbuild: unexpected argument 'linux' (the source goes in KSRC=)" "${stderr_lines[0]}"
	KSRC=$BATS_TEST_TMPDIR/none.tar.xz run -2 --separate-stderr "$KBUILD" --out "$OUT"
	assert_match "${stderr_lines[0]}" "^scripts/kbuild: KSRC=$BATS_TEST_TMPDIR/none.tar.xz: no such tarball or directory"
	mkdir "$BATS_TEST_TMPDIR/tree"
	KSRC=$BATS_TEST_TMPDIR/tree run -2 --separate-stderr "$KBUILD" --out "$OUT"
	assert_eq "scripts/kbuild: KSRC=$BATS_TEST_TMPDIR/tree is not a kernel tree (no Makefile, Kconfig)" "${stderr_lines[0]}"
	[[ ! -e $OUT/obj ]]
}

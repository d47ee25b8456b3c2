#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kselftest-export into Debian's linux-source-6.12 tree, used the way
# kernel CI uses a selftests collection: the tree's own make builds it without
# a warning, `run_tests` runs every case under the kernel's runner, `install`
# + run_kselftest.sh (-c and -t) runs it from the install dir, `gen_tar`
# packs it; a second export replaces the first; errors are clear.
#
# The part of the tarball that `make headers` and the selftests build need
# (top Makefile, scripts/, include/, arch/x86/, usr/, tools/) is extracted
# once, with `make headers` run, into ~/.cache/psock/ (PSOCK_KTREE_CACHE to
# move it; ~30 s the first time). Each run works on a copy in the temp dir.

# shellcheck disable=SC2154 # $output and $status come from bats' run
bats_require_minimum_version 1.5.0

load assert_helpers

fail() { printf '%s\n' "$*" >&2; return 1; }

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
TARBALL=${PSOCK_KTREE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
CACHE=${PSOCK_KTREE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psock/linux-source-6.12-kselftest}

# The cache is a whole extract or absent: built under a temporary name,
# renamed when `make headers` succeeded, rebuilt when the tarball changes.
prepare_cache() {
	local stamp top tmp
	stamp=$(stat -c '%s %Y' "$TARBALL")
	[[ -f $CACHE/.psock-stamp && $(cat "$CACHE/.psock-stamp") == "$stamp" ]] && return 0
	rm -rf "$CACHE"
	mkdir -p "$(dirname "$CACHE")"
	tmp=$(mktemp -d "$CACHE.tmp.XXXXXX")
	top=$(tar -tJf "$TARBALL" | head -n1 | cut -d/ -f1)
	tar -xJf "$TARBALL" -C "$tmp" --strip-components=1 \
		"$top/Makefile" "$top/Kbuild" "$top/Kconfig" "$top/scripts" \
		"$top/include" "$top/arch/x86" "$top/usr" "$top/tools"
	make -C "$tmp" -s headers >"$tmp.log" 2>&1 || {
		cat "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; return 1; }
	rm -f "$tmp.log"
	echo "$stamp" >"$tmp/.psock-stamp"
	mv "$tmp" "$CACHE"
}

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	[[ -r $TARBALL ]] || { echo "$TARBALL not found: run scripts/deps" >&2; return 1; }
	mkdir -p "$(dirname "$CACHE")"
	(flock 9 && prepare_cache) 9>"$CACHE.lock"
	export KTREE=$BATS_FILE_TMPDIR/linux
	cp -a "$CACHE" "$KTREE"
	export SELFTESTS=$KTREE/tools/testing/selftests
	run "$ROOT/scripts/kselftest-export" "$KTREE"
	[[ $status == 0 ]] || { echo "export failed: $output" >&2; return 1; }
	# The cases the repository's own build lists, BINARY:CASE.
	[[ -x $ROOT/build/psock/version ]] || make -C "$ROOT" -s all
	"$ROOT/scripts/run" --list >"$BATS_FILE_TMPDIR/cases"
	export CASES=$BATS_FILE_TMPDIR/cases
}

binaries() { # the test binaries, one a line, from psock/*.c
	local f
	for f in "$ROOT"/psock/*.c; do f=${f##*/}; echo "${f%.c}"; done
}

# The known bugs of this kernel's series (results/expected/SERIES.json,
# "expect": "xfail"), BINARY:CASE: a kernel tree's runner has no expected
# results, so there these fail as they are, and only these.
xfail_cases() {
	local series file
	series=$(uname -r | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	file=$ROOT/results/expected/$series.json
	[[ -f $file ]] || return 0
	sed -n 's/.*"case": "\([^"]*\)", "expect": "xfail".*/\1/p' "$file"
}

# The runner's TAP in $1 against the repository's cases: every binary ok but
# those holding a known bug, each of their failing cases one of those bugs,
# every other case reported ok.
check_runner_tap() { # TAP_FILE
	local n xfail bad
	n=$(binaries | wc -l)
	xfail=$(xfail_cases | sort)
	bad=$(printf '%s\n' "$xfail" | sed -n 's/:.*//p' | sort -u)
	assert_eq "$((n - $(printf '%s' "$bad" | grep -c .)))" \
		"$(grep -c '^ok [0-9]* selftests: net/packet: ' "$1")" "binaries ok"
	assert_eq "$bad" "$(sed -n 's/^not ok [0-9]* selftests: net\/packet: \([^ ]*\).*/\1/p' "$1" | sort)" \
		"binaries not ok: the ones with a known bug of the series"
	assert_eq "$xfail" "$(awk '/^# selftests: [^ ]+: / { bin = $4; next }
		/^# not ok [0-9]+ / { print bin ":" $5 }' "$1" | sort)" "failing cases: the known bugs"
	assert_eq "$(sort "$CASES" | comm -23 - <(printf '%s\n' "$xfail"))" \
		"$(passed_cases "$1" | sort)" "passed cases"
}

need_root() {
	[[ $(id -u) == 0 ]] || skip "kselftests run as root (each case makes its own netns)"
}

# Runner TAP -> BINARY:CASE for every passed (not skipped) case: the
# runner prefixes each binary's lines with "# " after "# selftests: C: B".
passed_cases() { # TAP_FILE: cases reported ok (passed, or skipped for a real absence here such as sch_netem or 8021q)
	awk '/^# selftests: [^ ]+: / { bin = $4; next }
		/^# ok [0-9]+ / { print bin ":" $4 }' "$1"
}

@test "export: sources, helpers, config, settings, lib.mk Makefile, TARGETS entry" {
	local d=$SELFTESTS/net/packet b
	for b in $(binaries); do
		[[ -f $d/$b.c ]] || fail "$d/$b.c missing"
	done
	assert_eq "$(cat "$ROOT/config")" "$(cat "$d/config")" "config"
	assert_eq "$(cat "$ROOT/settings")" "$(cat "$d/settings")" "settings"
	assert_match "$(cat "$d/settings")" $'(^|\n)timeout=[0-9]+($|\n)'
	assert_line_in "$(cat "$d/Makefile")" "include ../../lib.mk"
	assert_line_in "$(cat "$d/Makefile")" "CFLAGS += -I\$(selfdir)"
	# No copy of the kselftest headers: the tree's own are used.
	assert_eq "" "$(find "$d" -name 'kselftest*')" "kselftest files in the export"
	run grep -n -x -e 'TARGETS += net/openvswitch' -e 'TARGETS += net/packet' \
		-e 'TARGETS += net/packetdrill' "$SELFTESTS/Makefile"
	assert_eq 3 "${#lines[@]}" "TARGETS lines"
	[[ ${lines[1]} == *":TARGETS += net/packet" ]] || fail "net/packet not between its neighbours: ${lines[*]}"
}

@test "make -C tools/testing/selftests TARGETS=net/packet builds every binary, no warning" {
	run make -C "$SELFTESTS" TARGETS=net/packet
	assert_eq 0 "$status" "make status: $output"
	assert_no_match "$output" '[Ww]arning|[Ee]rror'
	local b
	for b in $(binaries); do
		[[ -x $SELFTESTS/net/packet/$b ]] || fail "$b not built: $output"
	done
}

@test "make ... TARGETS=net/packet run_tests: every case passes (or skips for a real absence) but the known bugs of the series, in the runner's TAP" {
	need_root
	run make -C "$SELFTESTS" TARGETS=net/packet run_tests
	assert_eq 0 "$status" "run_tests status"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/tap"
	assert_line_in "$output" "1..$(binaries | wc -l)"
	check_runner_tap "$BATS_TEST_TMPDIR/tap"
}

@test "install INSTALL_PATH=DIR, then run_kselftest.sh -c net/packet and -t net/packet:version" {
	need_root
	local dir=$BATS_FILE_TMPDIR/install
	run make -C "$SELFTESTS" TARGETS=net/packet install INSTALL_PATH="$dir"
	assert_eq 0 "$status" "install status: $output"
	assert_eq "$(binaries | sed 's|^|net/packet:|' | sort)" "$(sort "$dir/kselftest-list.txt")" "kselftest-list.txt"
	[[ -f $dir/net/packet/config && -f $dir/net/packet/settings ]] || fail "config/settings not installed"

	run "$dir/run_kselftest.sh" -c net/packet
	assert_eq 0 "$status" "run_kselftest.sh -c status"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/tap"
	check_runner_tap "$BATS_TEST_TMPDIR/tap"

	run "$dir/run_kselftest.sh" -t net/packet:version
	assert_eq 0 "$status" "run_kselftest.sh -t status"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/tap"
	assert_line_in "$output" "1..1"
	assert_line_in "$output" "ok 1 selftests: net/packet: version"
	assert_eq "$(grep '^version:' "$CASES" | sort)" "$(passed_cases "$BATS_TEST_TMPDIR/tap" | sort)" "version cases"
}

@test "gen_tar packs the binaries, config, settings and the runner" {
	local dir=$BATS_FILE_TMPDIR/tar b
	run make -C "$SELFTESTS" TARGETS=net/packet gen_tar INSTALL_PATH="$dir"
	assert_eq 0 "$status" "gen_tar status: $output"
	run tar -tzf "$dir/kselftest-packages/kselftest.tar.gz"
	assert_eq 0 "$status" "tar -t"
	for b in $(binaries) config settings; do
		assert_line_in "$output" "./net/packet/$b"
	done
	assert_line_in "$output" "./run_kselftest.sh"
	assert_line_in "$output" "./kselftest-list.txt"
}

@test "a second export (make kselftest-export) replaces the first, TARGETS entry once" {
	local d=$SELFTESTS/net/packet
	touch "$d/stray.c"
	run make -C "$ROOT" -s kselftest-export KSRC="$KTREE"
	assert_eq 0 "$status" "make kselftest-export: $output"
	[[ ! -e $d/stray.c ]] || fail "stray.c survived the second export"
	[[ ! -e $d/version ]] || fail "the old build output survived"
	assert_eq 1 "$(grep -c -x 'TARGETS += net/packet' "$SELFTESTS/Makefile")" "TARGETS entries"
	assert_eq "" "$(find "$SELFTESTS/net" -maxdepth 1 -name '.psock-*')" "leftover temp dirs"
	# Exactly the repository's files.
	assert_eq "$(cd "$ROOT" && { binaries | sed 's|$|.c|'; printf '%s\n' harness/*.[ch] netns/*.[ch]; \
		echo config; echo settings; echo Makefile; } | sort)" \
		"$(cd "$d" && find . -type f | sed 's|^\./||' | sort)" "exported files"
}

@test "errors: usage, not a kernel tree, a directory it did not write, bad --subdir" {
	run "$ROOT/scripts/kselftest-export" --help
	assert_eq 0 "$status" "--help"
	assert_match "$output" "kselftest-export KSRC \[--subdir DIR\]"

	run "$ROOT/scripts/kselftest-export"
	assert_eq 2 "$status" "no argument"
	assert_match "${lines[0]}" "^scripts/kselftest-export: no kernel tree given$"

	run "$ROOT/scripts/kselftest-export" "$BATS_TEST_TMPDIR"
	assert_eq 1 "$status" "not a tree"
	assert_eq "scripts/kselftest-export: $BATS_TEST_TMPDIR: not a kernel source tree (no top-level Makefile with VERSION =)" "$output"

	local before
	before=$(cd "$SELFTESTS/net/forwarding" && find . -type f | sort | xargs md5sum)
	run "$ROOT/scripts/kselftest-export" "$KTREE" --subdir net/forwarding
	assert_eq 1 "$status" "foreign dir"
	assert_eq "scripts/kselftest-export: $SELFTESTS/net/forwarding exists and was not written by scripts/kselftest-export: not replacing it" "$output"
	assert_eq "$before" "$(cd "$SELFTESTS/net/forwarding" && find . -type f | sort | xargs md5sum)" "net/forwarding"

	run "$ROOT/scripts/kselftest-export" "$KTREE" --subdir ../net
	assert_eq 2 "$status" "--subdir ../net"
	assert_match "${lines[0]}" "no '.' or '..' parts"
	run "$ROOT/scripts/kselftest-export" "$KTREE" --bogus
	assert_eq 2 "$status" "--bogus"
	assert_match "${lines[0]}" "unknown option '--bogus'"
}

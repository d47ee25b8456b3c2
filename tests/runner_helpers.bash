# SPDX-License-Identifier: GPL-2.0
#
# Shared by tests/run.bats and tests/run_isolation.bats: they drive
# scripts/run the way a user does, on the fixture binaries built from
# tests/fixtures/*.c (build/tests/NAME).
#
# Each test copies the fixtures it needs into its own directory and points
# PSOCK_BIN_DIR there, so "is any process of this binary left?" can be asked
# of that unique path (pgrep -f), undisturbed by other runs on the machine.
# Runs write into the test's temp dir with -o; only the one test of
# results/latest writes into the repository's results/ (and cleans up).
# shellcheck shell=bash disable=SC2034 # the variables are for the .bats files

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# shellcheck source=tests/assert_helpers.bash
source "$BATS_TEST_DIRNAME/assert_helpers.bash"
RUNNER=$ROOT/scripts/run
FIXTURES=$ROOT/build/tests

# Build the fixtures (a no-op when they are up to date).
build_fixtures() {
	local src targets=()
	for src in "$ROOT"/tests/fixtures/*.c; do
		src=${src##*/}
		targets+=("build/tests/${src%.c}")
	done
	make -s --no-print-directory -C "$ROOT" "${targets[@]}" >&2 ||
		{ echo "building the fixtures failed: run 'make' and look" >&2; return 1; }
}

common_setup() {
	OUT=$BATS_TEST_TMPDIR/out
	BIN=$BATS_TEST_TMPDIR/bin
	export TMPDIR=$BATS_TEST_TMPDIR	# the runner's work dir lands here too
	unset PSOCK_TIMEOUT_SCALE PSOCK_BIN_DIR PSOCK_RENAMES
}

# use_fixtures NAME...: a fresh binary directory holding copies of these.
use_fixtures() {
	local n
	rm -rf "$BIN"
	mkdir -p "$BIN"
	for n in "$@"; do
		cp "$FIXTURES/$n" "$BIN/$n"
	done
	export PSOCK_BIN_DIR=$BIN
}

# add_script NAME EXIT [LINE...]: a non-harness "binary" printing the lines.
add_script() {
	local name=$1 code=$2 line
	shift 2
	mkdir -p "$BIN"
	{
		echo '#!/bin/sh'
		for line in "$@"; do printf "echo '%s'\n" "$line"; done
		echo "exit $code"
	} >"$BIN/$name"
	chmod 755 "$BIN/$name"
}

# The summary.json field of the "counts" object, e.g. json_count FILE fail.
json_count() { # FILE KEY
	grep -o "\"$2\": [0-9]*" <(grep '"counts"' "$1") | grep -o '[0-9]*$'
}

# "binary name status" for every case of a summary.json, one a line.
json_statuses() { # FILE
	sed -n 's/.*{"binary": "\([^"]*\)", "name": "\([^"]*\)", "status": "\([a-z]*\)".*/\1 \2 \3/p' "$1"
}

xpath() { # FILE EXPR
	xmllint --xpath "$2" "$1"
}

# Processes whose command line contains STRING (our unique bin dir).
procs_of() { # STRING
	pgrep -a -f -- "$1" | grep -v -e pgrep || true
}

# Bounded wait (up to 5 s) until no process mentions STRING any more.
wait_no_procs() { # STRING
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -z $(procs_of "$1") ]] && return 0
		sleep 0.05
	done
	echo "processes left behind:" >&2
	procs_of "$1" >&2
	return 1
}

# What keeps the network namespace "net:[INODE]" alive, seen from here:
# processes inside it, open file descriptors to it, nsfs mounts of it.
netns_holders() { # NS
	{
		find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%l %h in it\n'
		find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -printf '%l %p\n'
	} 2>/dev/null | awk -v ns="$1" '$1 == ns { $1 = ""; print }'
	grep -F " $1 " /proc/self/mountinfo
	return 0
}

# The namespace's first process, if any (it must have one while in use).
procs_in_netns() { # NS
	netns_holders "$1" | awk '/ in it$/ { print $1 }'
}

wait_netns_gone() { # NS
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -z $(netns_holders "$1") ]] && return 0
		sleep 0.05
	done
	echo "namespace $1 is still held by: $(netns_holders "$1")" >&2
	return 1
}

# Bounded wait (up to 10 s) for a file to appear.
wait_file() { # PATH
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.05
	done
	echo "$1 never appeared" >&2
	return 1
}

# Bounded wait (up to 10 s) for a line matching REGEX in FILE.
wait_line() { # FILE REGEX
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no /$2/ in $1 after 10 s" >&2
	return 1
}

# What must not change in the initial namespace: named namespaces, links.
init_ns_state() {
	echo "netns:"
	ip netns list | awk '{ print $1 }' | sort
	echo "links:"
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $1 ": " $2 }' | sort
}

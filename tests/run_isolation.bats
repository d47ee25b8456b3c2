#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/run contains what it runs: after a run, after a run whose runner is
# killed with SIGKILL in mid-test (alone, or with its whole process group),
# and after Ctrl-C or SIGTERM, the initial namespace's named namespaces and
# links are unchanged and no process of the test binaries is left. And as a
# normal user the runner either works through a user namespace or says why
# not.
#
# The namespace fixture (tests/fixtures/netns_hang.c) builds its veth pair in
# a fresh network namespace, writes $PSOCK_FIXTURE_READY once it exists (with
# the namespace's "net:[INODE]"), then waits forever; the tests wait for that
# file (bounded), strike, and then poll (bounded, 5 s) until nothing holds
# that namespace and no process runs from the test's binary directory.
# netns_setup() gives its own case process a parent-death signal, so the
# SIGKILL tests also run the hang fixture alongside: its hung case has no
# such signal and its own process group, and only the runner's PID namespace
# can take it down.

# shellcheck disable=SC2154 # $stderr, $output and $lines come from bats' run
bats_require_minimum_version 1.5.0

load runner_helpers

setup_file() {
	build_fixtures
}

setup() {
	common_setup
	[[ $(id -u) == 0 ]] && BEFORE=$(init_ns_state)
	READY=$BATS_TEST_TMPDIR/ready
	export PSOCK_FIXTURE_READY=$READY
}

teardown() {
	# Whatever happened, leave no runner behind.
	if [[ -n ${RUNNER_PID:-} ]]; then
		kill -KILL "$RUNNER_PID" 2>/dev/null || true
	fi
	if [[ -n ${NOBODY_DIR:-} ]]; then
		rm -rf -- "$NOBODY_DIR"
	fi
}

need_root() {
	[[ $(id -u) == 0 ]] || skip "needs root: compares the initial namespace and kills the runner"
}

assert_init_ns_unchanged() {
	assert_eq "$BEFORE" "$(init_ns_state)" "named namespaces and links of the initial namespace"
}

# Start the runner in the background, in its own session and process group
# (so the group can be killed like a terminal's Ctrl-C would signal it), and
# wait until the namespace fixture is inside its namespace.
start_runner() { # ARGS...
	# shellcheck disable=SC2016 # perl code
	setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!"' \
		"$RUNNER" -o "$OUT" "$@" >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	RUNNER_PID=$!
	wait_file "$READY"
	NETNS=$(head -n1 "$READY")
	[[ $NETNS =~ ^net:\[[0-9]+\]$ ]]
	# the fixture's namespace is not the initial one
	[[ $NETNS != "$(readlink /proc/self/ns/net)" ]]
	[[ -n $(procs_in_netns "$NETNS") ]]
	# setsid ran the runner itself (no fork): it leads its process group
	assert_eq "$RUNNER_PID" "$(ps -o pgid= -p "$RUNNER_PID" | tr -d ' ')" "runner's process group"
	if [[ -e $BIN/hang ]]; then
		wait_line "$OUT/logs/hang.log" "^#  RUN +global\.forever "
	fi
}

# The runner is gone (waited for); nothing of the run is left.
assert_all_gone() {
	wait_no_procs "$BIN/"
	wait_netns_gone "$NETNS"
	assert_init_ns_unchanged
}

@test "a run builds its namespaces and links elsewhere: the initial namespace is unchanged" {
	need_root
	use_fixtures netns_ok pass
	run -0 --separate-stderr "$RUNNER" -o "$OUT"
	assert_line_in "$output" "# ok 1 global.veth_pair_exists"
	assert_line_in "$output" "ok 1 selftests: psock: netns_ok"
	assert_match "$(cat "$OUT/summary.json")" '"isolation": "pid namespace"'
	wait_no_procs "$BIN/"
	assert_init_ns_unchanged
}

@test "SIGKILL of the runner in mid-test leaves no process, namespace or link behind" {
	need_root
	use_fixtures hang netns_hang pass
	start_runner -j 2
	kill -KILL "$RUNNER_PID"
	wait "$RUNNER_PID" || true
	assert_all_gone
	# the runner printed the start of the run and no verdict
	assert_eq "TAP version 13
1..3
# selftests: psock: hang" "$(cat "$OUT/tap.txt")" "tap.txt"
}

@test "SIGKILL of the runner's whole process group leaves nothing behind either" {
	need_root
	use_fixtures hang netns_hang pass
	start_runner -j 2
	kill -KILL -- "-$RUNNER_PID"
	wait "$RUNNER_PID" || true
	assert_all_gone
}

@test "SIGTERM: the run reports what it knows, exits 143, and leaves nothing behind" {
	need_root
	use_fixtures netns_hang pass
	start_runner
	kill -TERM "$RUNNER_PID"
	local rc=0
	wait "$RUNNER_PID" || rc=$?
	assert_eq 143 "$rc" "exit status"
	assert_all_gone
	local tap
	tap=$(cat "$BATS_TEST_TMPDIR/stdout")
	assert_eq "$tap" "$(cat "$OUT/tap.txt")" "tap.txt"
	assert_line_in "$tap" "not ok 1 selftests: psock: netns_hang # interrupted by SIGTERM"
	assert_line_in "$tap" "Bail out! interrupted by SIGTERM"
	assert_no_match "$tap" "selftests: psock: pass"
	xmllint --noout "$OUT/junit.xml"
	assert_eq "interrupted" "$(xpath "$OUT/junit.xml" 'string(//testcase[@name="global.hold_namespace"]/failure/@type)')"
	assert_match "$(cat "$OUT/summary.json")" '"interrupted": "SIGTERM"'
	assert_eq "" "$(cat "$BATS_TEST_TMPDIR/stderr")" "stderr"
}

@test "Ctrl-C (SIGINT to the process group): exit 130, the run's files written, nothing left behind" {
	need_root
	use_fixtures netns_hang pass
	start_runner -j 2
	# pass runs alongside netns_hang; let it end first (bounded wait)
	wait_no_procs "$BIN/pass"
	kill -INT -- "-$RUNNER_PID"
	local rc=0
	wait "$RUNNER_PID" || rc=$?
	assert_eq 130 "$rc" "exit status"
	assert_all_gone
	local tap
	tap=$(cat "$OUT/tap.txt")
	assert_line_in "$tap" "not ok 1 selftests: psock: netns_hang # interrupted by SIGINT"
	assert_line_in "$tap" "Bail out! interrupted by SIGINT"
	# pass ran in parallel and finished before the interruption: reported as usual
	assert_line_in "$tap" "ok 2 selftests: psock: pass"
	xmllint --noout "$OUT/junit.xml"
	assert_match "$(cat "$OUT/summary.json")" '"counts": \{"pass": 5, "fail": 1, "skip": 0, "total": 6\}'
}

# A directory the user nobody can read, holding copies of the fixtures.
nobody_setup() { # FIXTURE...
	NOBODY_DIR=$(mktemp -d /tmp/psock-bats-nobody.XXXXXX)
	chmod 755 "$NOBODY_DIR"
	BIN=$NOBODY_DIR/bin
	use_fixtures "$@"
	mkdir "$NOBODY_DIR/out"
	chown 65534:65534 "$NOBODY_DIR/out"
}

as_nobody() { # CMD...
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		env TMPDIR="$NOBODY_DIR/out" "$@"
}

@test "as a normal user: the run works through a user namespace, or says why not" {
	need_root	# to become nobody
	nobody_setup netns_ok pass
	run -0 --separate-stderr as_nobody "$RUNNER" -o "$NOBODY_DIR/out/run"
	assert_line_in "$output" "ok 2 selftests: psock: pass"
	if as_nobody unshare --user --map-root-user --pid --fork --kill-child true 2>/dev/null; then
		# this machine allows unprivileged user namespaces
		assert_eq "" "$stderr" "stderr"
		assert_line_in "$output" "# ok 1 global.veth_pair_exists"
		assert_line_in "$output" "ok 1 selftests: psock: netns_ok"
		assert_match "$(cat "$NOBODY_DIR/out/run/summary.json")" '"isolation": "user and pid namespace"'
	else
		assert_match "$stderr" "^scripts/run: cannot give the tests a PID namespace \(.*\): running them directly"
		assert_line_in "$output" "ok 1 selftests: psock: netns_ok # SKIP"
		assert_match "$output" "# ok 1 global.veth_pair_exists # SKIP .*user namespace"
	fi
	wait_no_procs "$BIN/"
	assert_init_ns_unchanged
}

@test "without user namespaces the runner says why once, and still reaps what it ran" {
	need_root	# to become nobody
	nobody_setup hang pass
	# an unshare that fails the way a kernel without user namespaces does
	mkdir "$NOBODY_DIR/fake"
	printf '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n' \
		>"$NOBODY_DIR/fake/unshare"
	chmod 755 "$NOBODY_DIR/fake/unshare"
	run -1 --separate-stderr as_nobody PATH="$NOBODY_DIR/fake:$PATH" \
		"$RUNNER" --timeout 0.5 -o "$NOBODY_DIR/out/run"
	assert_eq "scripts/run: cannot give the tests a PID namespace (unshare: unshare failed: Operation not permitted): running them directly, so a killed test may leave processes behind; run as root or allow unprivileged user namespaces for full isolation" "$stderr" "stderr"
	assert_line_in "$output" "not ok 1 selftests: psock: hang # TIMEOUT 0.5 seconds"
	assert_line_in "$output" "ok 2 selftests: psock: pass"
	assert_match "$(cat "$NOBODY_DIR/out/run/summary.json")" '"isolation": "none"'
	# the hung case had its own process group; it went with the binary's session
	wait_no_procs "$BIN/"
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# bench/run (psock-bench) as a user meets it: one QUICK smoke run (about 5 s)
# into this file's temp dir (PSOCK_BENCH_RESULTS), then its table, bench.json
# (every method of each kind at every size, every rate > 0, each ratio equal
# to fps over the fps of recvfrom of the same kind and size in the same run,
# recomputed here, and the counts add up: every frame offered is counted by
# the receiving socket, every frame it kept by the loop), the SVG charts (they render to PNG with rsvg-convert, and
# carry their axis labels and legend), results latest link; then the
# wrapper's --help and usage errors, which never start a measurement.

# shellcheck disable=SC2154 # $output, $status and $lines come from bats' run
bats_require_minimum_version 1.5.0

load assert_helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BENCH=$ROOT/bench/run

setup_file() {
	make -s --no-print-directory -C "$ROOT" bench-build >&2
	export RESULTS=$BATS_FILE_TMPDIR/results
	rc=0
	PSOCK_BENCH_RESULTS=$RESULTS "$BENCH" --quick --no-build \
		>"$BATS_FILE_TMPDIR/stdout" 2>"$BATS_FILE_TMPDIR/stderr" || rc=$?
	echo "$rc" >"$BATS_FILE_TMPDIR/rc"
}

setup() {
	RUN=$RESULTS/latest
}

@test "bench/run --quick: exit 0, the table on stdout, results/bench/latest -> the run" {
	assert_eq 0 "$(cat "$BATS_FILE_TMPDIR/rc")" "exit status (stderr: $(cat "$BATS_FILE_TMPDIR/stderr"))"
	out=$(cat "$BATS_FILE_TMPDIR/stdout")
	assert_match "$out" "psock-bench: capture \(psk0 TX ring on CPU [0-9]+ -> veth -> psk1, captured on CPU [0-9]+\), 0.05 s per point"
	assert_match "$out" "psock-bench: forwarding "
	assert_match "$out" $'\n +64 +recvfrom +[0-9]+ +[0-9]+ '
	assert_match "$out" $'\n +1500 +ring copy +[0-9]+ '
	assert_match "$out" "fastest .* of the [0-9]+/s offered"
	id=$(readlink "$RUN")
	assert_match "$id" "^[0-9]{8}-[0-9]{6}-$(uname -r)\$"
	assert_match "$out" "psock-bench: results in $RESULTS/$id "
	for f in bench.json table.txt capture_fps.svg capture_cpu.svg forward_fps.svg forward_cpu.svg; do
		[[ -s $RUN/$f ]] || { echo "missing $RUN/$f" >&2; return 1; }
	done
	assert_eq "$(cat "$RUN/table.txt")" "$(grep -v '^psock-bench: results in ' <<<"$out")" "table.txt"
}

@test "bench.json: machine and kernel, every method and size, rates > 0, ratios from the same run, counts that add up" {
	run -0 python3 - "$RUN/bench.json" "$(uname -r)" <<'EOF'
import json, math, sys

doc = json.load(open(sys.argv[1]))
errors = []
def check(ok, what):
	if not ok:
		errors.append(what)

check(doc["kernel"] == sys.argv[2], "kernel %r" % doc["kernel"])
check(isinstance(doc["machine"]["cpu_model"], str) and doc["machine"]["cpu_model"], "cpu_model")
check(doc["machine"]["cores"] >= 1, "cores")
check(doc["quick"] is True, "quick")
methods = {
	"capture": {"recvfrom", "recvmmsg", "v2_ring", "v3_ring", "v3_fanout2"},
	"forward": {"recvfrom_sendto", "recvmmsg_sendmmsg", "ring_copy"},
}
sizes = {64, 512, 1500}
check(set(doc["sizes"]) == sizes, "sizes %r" % doc["sizes"])
pts = doc["points"]
for kind, ms in methods.items():
	for m in ms:
		got = {p["size"] for p in pts if p["kind"] == kind and p["method"] == m}
		check(got == sizes, "%s %s: sizes %r" % (kind, m, sorted(got)))
# V3: at least 2 block sizes and 2 retire timeouts; forwarding: 3 batch sizes.
v3 = [p["params"] for p in pts if p["method"] == "v3_ring" and p["size"] == 64]
check(len({q["block_size"] for q in v3}) >= 2 and len({q["retire_tov_ms"] for q in v3}) >= 2,
      "v3 params %r" % v3)
check(len({p["params"]["batch"] for p in pts if p["method"] == "recvmmsg_sendmmsg"}) >= 3,
      "mmsg batches")
base = {(p["kind"], p["size"]): p["fps"] for p in pts
	if p["method"] in ("recvfrom", "recvfrom_sendto")}
for p in pts:
	name = "%s %s %d" % (p["kind"], p["label"], p["size"])
	for key in ("fps", "offered_fps"):
		check(p[key] > 0, "%s: %s %r" % (name, key, p[key]))
	for key in ("drop_rate", "cpu_ns_per_frame", "syscalls_per_frame", "ratio_vs_recvfrom"):
		check(isinstance(p[key], (int, float)) and p[key] >= 0, "%s: %s %r" % (name, key, p[key]))
	frames = p["captured_frames" if p["kind"] == "capture" else "forwarded_frames"]
	check(math.isclose(p["fps"], frames / p["window_s"], rel_tol=1e-5),
	      "%s: fps %r != frames/window" % (name, p["fps"]))
	want = p["fps"] / base[(p["kind"], p["size"])]
	check(math.isclose(p["ratio_vs_recvfrom"], want, rel_tol=1e-4, abs_tol=2e-6),
	      "%s: ratio %r, fps/recvfrom fps %r" % (name, p["ratio_vs_recvfrom"], want))
	# Every frame sent reaches psk1's socket(s), which count it (stored or
	# dropped); the loop counted every one the socket kept.
	check(p["kernel_packets"] == p["offered_frames"],
	      "%s: kernel_packets %d, offered %d" % (name, p["kernel_packets"], p["offered_frames"]))
	rx = frames if p["kind"] == "capture" else p["rx"]["frames"]
	check(rx == p["kernel_packets"] - p["kernel_drops"],
	      "%s: received %d, kernel kept %d" % (name, rx, p["kernel_packets"] - p["kernel_drops"]))
	if p["kind"] == "forward":
		check(p["rx"]["fps"] > 0 and p["tx"]["fps"] == p["fps"], "%s: rx/tx" % name)
		check(frames <= p["rx"]["frames"], "%s: forwarded more than received" % name)
for e in errors:
	print(e)
sys.exit(1 if errors else 0)
EOF
}

@test "the SVG charts render to PNG and carry a title, axis labels with units and a legend" {
	for f in capture_fps capture_cpu forward_fps forward_cpu; do
		rsvg-convert -o "$BATS_TEST_TMPDIR/$f.png" "$RUN/$f.svg"
		assert_eq $'\x89PNG' "$(head -c 4 "$BATS_TEST_TMPDIR/$f.png")" "$f.png magic"
	done
	svg=$(cat "$RUN/capture_fps.svg")
	for text in "psock-bench: captured frames per second" "captured frames/s \\(millions\\)" \
		"capture method" "64 bytes" "512 bytes" "1500 bytes" "offered by the sender" "v3 fanout x2"; do
		assert_match "$svg" "$text"
	done
	assert_match "$(cat "$RUN/forward_cpu.svg")" "CPU time per frame \(ns, user \+ system\)"
	assert_match "$(cat "$RUN/forward_cpu.svg")" "forwarding method"
}

@test "bench/run --help: the usage on stdout, exit 0" {
	run -0 "$BENCH" --help
	assert_match "$output" "bench/run --quick"
	assert_match "$output" "PSOCK_BENCH_RESULTS=DIR"
}

@test "bench/run usage errors: one line saying what is wrong, the usage, exit 2, nothing measured" {
	run -2 --separate-stderr "$BENCH" --frobnicate
	assert_eq "bench/run: unknown argument '--frobnicate'" "${stderr_lines[0]}" "first line"
	assert_match "$stderr" "bench/run --quick"
	assert_eq "" "$output" "stdout"
	run -2 --separate-stderr "$BENCH" -d
	assert_eq "bench/run: -d needs a value" "${stderr_lines[0]}" "first line"
	run -2 --separate-stderr "$BENCH" -d 61
	assert_eq "bench/run: -d '61': seconds from 0.01 to 60" "${stderr_lines[0]}" "first line"
	run -2 --separate-stderr "$BENCH" --duration abc
	assert_eq "bench/run: --duration 'abc': seconds from 0.01 to 60" "${stderr_lines[0]}" "first line"
	run -2 --separate-stderr "$BENCH" --cpus 1
	assert_eq "bench/run: --cpus '1': two CPU numbers, TX,RX" "${stderr_lines[0]}" "first line"
	run -2 --separate-stderr "$BENCH" -o
	assert_eq "bench/run: -o needs a directory" "${stderr_lines[0]}" "first line"
	run -2 --separate-stderr "$ROOT/build/bench/psock-bench" --duration 0
	assert_match "${stderr_lines[0]}" "^psock-bench: --duration '0': seconds from 0.01 to 60\$"
}

@test "psock-bench is not a suite binary: scripts/run looks in build/psock only" {
	[[ -x $ROOT/build/bench/psock-bench ]]
	[[ ! -e $ROOT/build/psock/psock-bench ]]
	# shellcheck disable=SC2016 # the line of scripts/run, literally
	run -0 grep -F 'BIN_DIR=${PSOCK_BIN_DIR:-$ROOT/build/psock}' "$ROOT/scripts/run"
}

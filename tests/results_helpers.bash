# SPDX-License-Identifier: GPL-2.0
#
# Shared by tests/compare.bats and tests/report.bats: results directories
# built by hand, in the layout scripts/run writes (see results/README.md).
# shellcheck shell=bash disable=SC2034 # the variables are for the .bats files

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# shellcheck source=tests/assert_helpers.bash
source "$BATS_TEST_DIRNAME/assert_helpers.bash"

# make_run DIR KERNEL [CASE...]: a results directory whose summary.json holds
# these cases. A CASE is "BINARY NAME STATUS [REASON]" (REASON is written as
# JSON string text, so \n and \" are escapes).
make_run() {
	local dir=$1 kernel=$2 c bin name status reason sep="" pass=0 fail=0 skip=0 n=0
	local cases=""
	shift 2
	mkdir -p "$dir/logs"
	for c in "$@"; do
		read -r bin name status reason <<<"$c"
		cases+="$sep"$'\n'"    {\"binary\": \"$bin\", \"name\": \"$name\", \"status\": \"$status\", \"duration\": 0.010, \"reason\": \"$reason\"}"
		sep=,
		n=$((n + 1))
		case $status in
		pass) pass=$((pass + 1)) ;;
		fail) fail=$((fail + 1)) ;;
		skip) skip=$((skip + 1)) ;;
		esac
	done
	cat >"$dir/summary.json" <<EOF
{
  "kernel": "$kernel",
  "arch": "x86_64",
  "run_id": "20260101-000000-$kernel",
  "start": "2026-01-01T00:00:00+00:00",
  "duration": 1.000,
  "isolation": "pid namespace",
  "timeout": 45,
  "jobs": 1,
  "interrupted": null,
  "counts": {"pass": $pass, "fail": $fail, "skip": $skip, "total": $n},
  "binaries": [],
  "cases": [$cases
  ]
}
EOF
	printf 'TAP version 13\n1..0\n' >"$dir/tap.txt"
}


#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# scripts/catalog as a user meets it: docs/CATALOG.md is what the sources
# make now, its cases are those scripts/run --list reports, a case without a
# description fails the generator naming FILE:LINE, usage errors and --help,
# the version gates of tests/fixtures/catalog/good/, and the links of
# docs/TOUR.md (every case it names exists, every file it links is there).
#
# The fixture sources of tests/fixtures/catalog/ are only read, never built.

# shellcheck disable=SC2154 # $output, $stderr and $status come from bats' run
# shellcheck disable=SC2016 # the backticks in single quotes are Markdown
bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
CATALOG=$ROOT/scripts/catalog
FIX=$ROOT/tests/fixtures/catalog
load assert_helpers

GOOD=(--src "$FIX/good" --areas "$FIX/good/areas")	# the fixture tree

@test "docs/CATALOG.md is what scripts/catalog makes of the sources now" {
	run -0 --separate-stderr "$CATALOG" -o "$BATS_TEST_TMPDIR/CATALOG.md"
	assert_eq "" "$stderr" "stderr (a warning about a gate?)"
	if ! diff -u "$ROOT/docs/CATALOG.md" "$BATS_TEST_TMPDIR/CATALOG.md" >&2; then
		echo "docs/CATALOG.md is out of date with psock/*.c: run make catalog and commit it" >&2
		return 1
	fi
}

@test "the catalogue's cases are those scripts/run --list reports, and its count says so" {
	local src n
	for src in "$ROOT"/psock/*.c; do
		n=${src##*/}
		[[ -x $ROOT/build/psock/${n%.c} && $ROOT/build/psock/${n%.c} -nt $src ]] ||
			skip "build/psock/${n%.c} is missing or older than its source: run make"
	done
	run -0 "$CATALOG" --cases
	local cases=$output
	run -0 env -u PSOCK_BIN_DIR "$ROOT/scripts/run" --list
	assert_eq "$(sort <<<"$output")" "$cases" "scripts/run --list (sorted) vs scripts/catalog --cases"
	n=$(wc -l <<<"$cases")
	run -0 grep -F "binaries, $n cases**" "$ROOT/docs/CATALOG.md"
}

@test "every case of the catalogue has a row, and the rows name the runner's cases" {
	# one row per TEST_F/TEST, as fixture.*.test or fixture.test
	run -0 grep -c '^| <a id="' "$ROOT/docs/CATALOG.md"
	assert_eq "$(cat "$ROOT"/psock/*.c | grep -cE '^TEST(_F|_F_TIMEOUT|_SIGNAL)?\(')" "$output" "rows"
	run -0 grep -F '| <a id="rx_ring_v3.rx_v3.full_block_retired_without_tmo"></a>[`rx_v3.full_block_retired_without_tmo`](../psock/rx_ring_v3.c#L' "$ROOT/docs/CATALOG.md"
	run -0 grep -F '[`version_ring.*.layout_follows_version`]' "$ROOT/docs/CATALOG.md"
}

@test "the output is the same run after run, with no date in it" {
	run -0 "$CATALOG" -o - "${GOOD[@]}"
	local first=$output
	run -0 "$CATALOG" -o - "${GOOD[@]}"
	assert_eq "$first" "$output" "second run"
	assert_no_match "$first" "20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
}

@test "a case without a description: FILE:LINE for each, exit 1, nothing written" {
	run -1 --separate-stderr "$CATALOG" --src "$FIX/bad" --areas "$FIX/bad/areas" \
		-o "$BATS_TEST_TMPDIR/out.md"
	assert_eq "" "$output" "stdout"
	assert_line_in "$stderr" "scripts/catalog: tests/fixtures/catalog/bad/nodesc.c:16: case nd.undescribed has no description: write the rule it pins as a comment right above it (no blank line)"
	assert_line_in "$stderr" "scripts/catalog: tests/fixtures/catalog/bad/nodesc.c:21: case nd.under_a_banner has a section banner above it, not a description: write the rule it pins right above it"
	assert_not_in "$stderr" "nd.described"
	[[ ! -e $BATS_TEST_TMPDIR/out.md ]] || { echo "out.md was written" >&2; return 1; }
	run -0 find "$BATS_TEST_TMPDIR" -name 'out.md.*'
	assert_eq "" "$output" "temporary files left"
	# an existing catalogue stays as it was
	echo old >"$BATS_TEST_TMPDIR/out.md"
	run -1 "$CATALOG" --src "$FIX/bad" --areas "$FIX/bad/areas" -o "$BATS_TEST_TMPDIR/out.md"
	assert_eq "old" "$(cat "$BATS_TEST_TMPDIR/out.md")" "the file after a failed run"
}

@test "a binary in no area, and an area naming a binary without a source: exit 1" {
	printf 'Demo area: demo\n' >"$BATS_TEST_TMPDIR/areas"
	run -1 --separate-stderr "$CATALOG" --src "$FIX/good" --areas "$BATS_TEST_TMPDIR/areas" -o -
	assert_line_in "$stderr" "scripts/catalog: tests/fixtures/catalog/good/other.c: binary other is in no area: add it to a line of $BATS_TEST_TMPDIR/areas"
	printf 'Demo area: demo gone\nOther: other\n' >"$BATS_TEST_TMPDIR/areas"
	run -1 --separate-stderr "$CATALOG" --src "$FIX/good" --areas "$BATS_TEST_TMPDIR/areas" -o -
	assert_line_in "$stderr" "scripts/catalog: $BATS_TEST_TMPDIR/areas:1: no source tests/fixtures/catalog/good/gone.c for binary gone"
}

@test "--help says how each column is read; usage errors exit 2 with the usage" {
	run -0 "$CATALOG" --help
	assert_match "$output" "^usage: scripts/catalog \[-o FILE\|-\]"
	assert_match "$output" "first sentence of the comment right above"
	assert_match "$output" "PSOCK_SKIP_BEFORE"
	run -0 "$CATALOG" -h
	local opt
	for opt in --bogus "-o" "--src" "--areas" "--check-links" "extra"; do
		run -2 --separate-stderr "$CATALOG" "$opt"
		assert_eq "" "$output" "stdout of $opt"
		assert_match "$stderr" "^scripts/catalog: "
		assert_match "$stderr" $'\nusage: scripts/catalog '
	done
	run -2 --separate-stderr "$CATALOG" --bogus
	assert_match "$stderr" "^scripts/catalog: unknown option '--bogus'"
	run -2 --separate-stderr "$CATALOG" --src /nonexistent
	assert_eq "scripts/catalog: /nonexistent: no such directory" "$stderr"
	run -2 --separate-stderr "$CATALOG" -o /nonexistent/CATALOG.md
	assert_eq "scripts/catalog: /nonexistent: no such directory" "$stderr"
	run -2 --separate-stderr "$CATALOG" --check-links /nonexistent.md
	assert_eq "scripts/catalog: /nonexistent.md: no such file" "$stderr"
}

@test "the fixture's gates: in the body, through a helper, per variant; none where there is none" {
	run -0 --separate-stderr "$CATALOG" -o - "${GOOD[@]}"
	assert_eq "" "$stderr" "stderr"
	local row
	row=$(grep -F 'id="demo.demo.gated_in_body"' <<<"$output")
	assert_match "$row" "\| Linux 6\.2: net/packet: a change in two strings \|$"
	assert_match "$row" "\| The first sentence is the rule \(\`tpacket_demo\(\)\`\)\. \| \`tpacket_demo\` \|"
	row=$(grep -F 'id="demo.demo.gated_through_helper"' <<<"$output")
	assert_match "$row" "\| \*header\* \| Linux 6\.5: net/packet: a demo change \|$"
	row=$(grep -F 'id="demo.demo.gated_per_variant"' <<<"$output")
	assert_match "$row" "\| Linux 6\.4: net/packet: the dgram change \(variant \`dgram\`\) \|$"
	row=$(grep -F 'id="demo.demo.ungated"' <<<"$output")
	assert_match "$row" "\| \*header\* \|  \|$"
	assert_line_in "$output" '[`tests/fixtures/catalog/good/demo.c`](../tests/fixtures/catalog/good/demo.c): 9 cases, 5 tests. Its header names `packet_demo_rcv`.'
	assert_line_in "$output" '- fixture `demo`, 2 variants: `raw`, `dgram`'
	assert_line_in "$output" '**2 binaries, 10 cases**, and 2 built only with -DDEMO_ON_REQUEST.'
	run -0 "$CATALOG" --cases "${GOOD[@]}"
	assert_eq "demo:demo.dgram.gated_in_body" "${lines[0]}" "first case"
	assert_eq 10 "${#lines[@]}" "cases"
	assert_not_in "$output" "on_request"
}

@test "a gate whose change cannot be found is a warning naming FILE:LINE" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	cat >"$BATS_TEST_TMPDIR/src/nochange.c" <<-'EOF'
		/* A header. */
		FIXTURE(f) {
			int fd;
		};

		/* Keyed on 6.3, naming no change. */
		TEST_F(f, keyed)
		{
			if (!PSOCK_KERNEL_SINCE(6, 3))
				return;
		}
	EOF
	printf 'A: nochange\n' >"$BATS_TEST_TMPDIR/areas"
	run -0 --separate-stderr "$CATALOG" -o - --src "$BATS_TEST_TMPDIR/src" --areas "$BATS_TEST_TMPDIR/areas"
	assert_eq "scripts/catalog: warning: $BATS_TEST_TMPDIR/src/nochange.c:9: a version gate that names no kernel change" "$stderr"
	assert_match "$(grep -F 'id="nochange.f.keyed"' <<<"$output")" "\| Linux 6\.3 \|$"
}

@test "docs/TOUR.md: every case and file it links exists" {
	run -0 --separate-stderr "$CATALOG" --check-links "$ROOT/docs/TOUR.md"
	assert_eq "" "$stderr" "bad links"
	# it does link cases of the catalogue
	run -0 grep -c '(CATALOG.md#[a-z0-9_]*\.[a-z0-9_]*\.[a-z0-9_]*)' "$ROOT/docs/TOUR.md"
	((output >= 10)) || { echo "only $output case links in docs/TOUR.md" >&2; return 1; }
}

@test "docs/TOUR.md: every kernel function it names is in the 6.12 source" {
	local src=${PSOCK_KSRC_612:-$HOME/.cache/psock/src/linux-source-6.12} name missing=()
	[[ -f $src/net/packet/af_packet.c ]] ||
		skip "no Linux 6.12 tree in $src (scripts/kbuild extracts one; PSOCK_KSRC_612=DIR)"
	while read -r name; do
		case $name in
		bind | mmap | munmap | poll | recv | recvmsg | send | sendto | socket) continue ;;
		esac
		grep -rqw -- "$name" "$src/net/packet" "$src/net/core" "$src/drivers/net/veth.c" \
			"$src/include/linux" || missing+=("$name")
	done < <(grep -oE '[A-Za-z_][A-Za-z0-9_]*\(\)' "$ROOT/docs/TOUR.md" | tr -d '()' | sort -u)
	assert_eq "" "${missing[*]}" "functions of docs/TOUR.md not in $src"
}

@test "--check-links: a gone entry, another case, an unknown or needless variant, a missing file" {
	run -1 --separate-stderr "$CATALOG" --check-links "$FIX/bad/links.md" "${GOOD[@]}"
	local f=$FIX/bad/links.md
	f=${f#"$ROOT"/}
	assert_line_in "$stderr" "scripts/catalog: $f:4: link to CATALOG.md#demo.demo.gone: the catalogue has no such entry"
	assert_line_in "$stderr" "scripts/catalog: $f:5: link text demo.raw.ungated is not the case its target #demo.demo.gated_in_body is"
	assert_line_in "$stderr" "scripts/catalog: $f:6: case demo.packet.ungated: fixture demo of demo has no variant packet"
	assert_line_in "$stderr" "scripts/catalog: $f:7: link to no-such-file.md: no such file"
	assert_line_in "$stderr" "scripts/catalog: $f:8: case solo.*.alone: fixture solo of other has no variants: solo.alone"
	assert_not_in "$stderr" "$f:3:"
}

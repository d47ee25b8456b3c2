# SPDX-License-Identifier: GPL-2.0
#
# Assertions shared by every tests/*.bats helper file: each prints what it
# expected and what it got, and returns 1 on a mismatch.
# shellcheck shell=bash

assert_eq() { # EXPECTED ACTUAL [WHAT]
	[[ $1 == "$2" ]] && return 0
	printf '%s: expected\n%s\ngot\n%s\n' "${3:-value}" "$1" "$2" >&2
	return 1
}

assert_line_in() { # TEXT LINE: LINE is one whole line of TEXT
	grep -qxF -- "$2" <<<"$1" && return 0
	printf 'expected the line\n  %s\nin:\n%s\n' "$2" "$1" >&2
	return 1
}

assert_not_in() { # TEXT STRING: STRING appears nowhere in TEXT
	! grep -qF -- "$2" <<<"$1" && return 0
	printf 'did not expect\n  %s\nin:\n%s\n' "$2" "$1" >&2
	return 1
}

assert_match() { # TEXT REGEX
	[[ $1 =~ $2 ]] && return 0
	printf 'expected /%s/ in:\n%s\n' "$2" "$1" >&2
	return 1
}

assert_no_match() { # TEXT REGEX
	[[ ! $1 =~ $2 ]] && return 0
	printf 'did not expect /%s/ in:\n%s\n' "$2" "$1" >&2
	return 1
}

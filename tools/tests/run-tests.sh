#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests for the harness's C tools, with KTAP output.
#
#   tests/run-tests.sh BUILD_DIR        (make -C tools check does this)
#
# BUILD_DIR holds the host-built tools (build/host).  Test cases live in
# tests/*.tests.sh, one file per tool; each is sourced here and registers
# its cases with add_test.  The last line is "N passed, M failed"; the
# exit status is non-zero if any case failed.
#
# Environment:
#   CC=...      compiler for test helpers such as mkfixtures (default cc)
#   VALGRIND=1  run every tool invocation under valgrind (memcheck); any
#               valgrind error fails the case
#
# Helpers for *.tests.sh files:
#   add_test FUNC [ARG]     register a case; FUNC sets DESC, returns 0 on
#                           pass, and explains a failure with diag
#   run_tool TOOL ARGS...   run BUILD_DIR/TOOL; sets OUT, ERR and RC
#   check_rc WANT           check_eq WHAT WANT GOT      diag TEXT
#   bail_out REASON         abort the whole run (setup failure)

# OUT, ERR and DESC are shared with the sourced *.tests.sh files.
# shellcheck disable=SC2034

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 1
fi

TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=$(cd "$1" && pwd)
WORK_DIR=$BUILD_DIR/test-work
TEST_FN=()
TEST_ARG=()
DESC=
DIAG=
OUT=
ERR=
RC=

bail_out()
{
	echo "Bail out! $*"
	exit 2
}

add_test()
{
	TEST_FN+=("$1")
	TEST_ARG+=("${2-}")
}

diag()
{
	DIAG+="$*"$'\n'
}

run_tool()
{
	local tool=$BUILD_DIR/$1
	local vg=()

	shift
	if [ "${VALGRIND:-0}" = 1 ]; then
		vg=(valgrind -q --error-exitcode=99 --leak-check=full
		    --errors-for-leak-kinds=definite)
	fi
	"${vg[@]}" "$tool" "$@" >"$WORK_DIR/out" 2>"$WORK_DIR/err"
	RC=$?
	OUT=$(cat "$WORK_DIR/out")
	ERR=$(cat "$WORK_DIR/err")
}

check_rc()
{
	[ "$RC" = "$1" ] && return 0
	diag "expected exit code $1, got $RC"
	[ -n "$ERR" ] && diag "stderr: $ERR"
	return 1
}

# check_eq WHAT WANT GOT: exact comparison, with a diff on mismatch
check_eq()
{
	[ "$2" = "$3" ] && return 0
	if [ "$(printf '%s\n' "$2" | wc -l)" -le 1 ] &&
	   [ "$(printf '%s\n' "$3" | wc -l)" -le 1 ]; then
		diag "expected $1 '$2', got '$3'"
	else
		diag "$1 differs (-expected +got):"
		diag "$(diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") |
			tail -n +3)"
	fi
	return 1
}

run_tests()
{
	local i n=${#TEST_FN[@]} pass=0 fail=0

	echo "1..$n"
	for ((i = 0; i < n; i++)); do
		DESC=${TEST_FN[i]}
		DIAG=
		if "${TEST_FN[i]}" "${TEST_ARG[i]}"; then
			echo "ok $((i + 1)) $DESC"
			pass=$((pass + 1))
		else
			echo "not ok $((i + 1)) $DESC"
			printf '%s' "$DIAG" | sed 's/^/# /'
			fail=$((fail + 1))
		fi
	done
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

echo "KTAP version 1"
mkdir -p "$WORK_DIR" || bail_out "cannot create $WORK_DIR"
for f in "$TESTS_DIR"/*.tests.sh; do
	[ -e "$f" ] || continue
	# shellcheck source=/dev/null
	. "$f"
done
run_tests

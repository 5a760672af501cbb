# SPDX-License-Identifier: GPL-2.0
#
# psh-init test cases; sourced by run-tests.sh.  The guest agent's config
# parser and capture command-line builder are tested on the host by
# test-psh-init.c, which includes ../psh-init.c without its main(); each of
# its TAP cases becomes one case here.
# shellcheck disable=SC2034

pi_bin=$BUILD_DIR/test-psh-init

pi_setup()
{
	: >"$WORK_DIR/pi.tap"
	${CC:-cc} -Wall -Wextra -Werror -std=gnu11 -O2 -o "$pi_bin" \
		"$TESTS_DIR/test-psh-init.c" >"$WORK_DIR/pi-build.log" 2>&1 &&
	"$pi_bin" >"$WORK_DIR/pi.tap" 2>&1
	PI_RC=$?
}

# t_pi_case LINE: one "ok N - name" / "not ok N - name" line of the TAP.
t_pi_case()
{
	DESC="psh-init: ${1#*- }"
	case "$1" in
	ok*) return 0 ;;
	esac
	diag "$(grep -A3 -F "$1" "$WORK_DIR/pi.tap" | tail -n +2)"
	return 1
}

t_pi_failed()
{
	DESC="psh-init: unit test build and run"
	diag "exit $PI_RC; build log: $(cat "$WORK_DIR/pi-build.log")"
	diag "$(tail -n 5 "$WORK_DIR/pi.tap" 2>/dev/null)"
	return 1
}

pi_setup
while IFS= read -r line; do
	case "$line" in
	"ok "*|"not ok "*) add_test t_pi_case "$line" ;;
	esac
done <"$WORK_DIR/pi.tap"
[ "$PI_RC" = 0 ] || add_test t_pi_failed

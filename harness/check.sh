#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--suite check|full]: every test of the project, as one KTAP
# report: the host unit tests of tools/, then the QEMU scenarios.  Installs
# what is missing first.  The last line is "N passed, N failed" over all
# test cases; the exit status is non-zero if any failed.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

suite=check
[ "${1:-}" = --suite ] && suite=$2

"$psh_harness/deps.sh" --suite "$suite" || exit 1
"$psh_harness/tree.sh" init || exit 1
# CI tests patches/, whatever a cached work tree holds; a developer's work
# tree is tested as it is, with a warning when it differs from patches/.
"$psh_harness/tree.sh" sync || exit 1

total_pass=0 total_fail=0 n=0 bad=0
# subsuite NAME CMD...: run CMD, indent its KTAP, add up its closing line.
subsuite() {
	local name=$1 log counts p f rc
	shift
	n=$((n + 1))
	log=$(mktemp)
	"$@" 2>"$log.err" | tee "$log" | sed -u \
		-e 's/^\([0-9]* passed, [0-9]* failed.*\)$/# \1/' -e 's/^/    /'
	rc=${PIPESTATUS[0]}
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	p=$(echo "$counts" | awk '{print $1}') f=$(echo "$counts" | awk '{print $3}')
	if [ -z "$counts" ]; then
		p=0 f=1
		echo "    # $name did not finish; its errors:"
		tail -n 20 "$log.err" | sed 's/^/    #   /'
	fi
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	if [ "$rc" = 0 ] && [ "$f" = 0 ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		bad=1
	fi
	rm -f "$log" "$log.err"
}

echo "KTAP version 1"
if [ "$suite" = full ]; then echo "1..4"; else echo "1..2"; fi
subsuite host-tools make -s -C "$psh_root/tools" O="$psh_cache/tools/host" check
subsuite scenarios "$psh_harness/run.sh" --suite "$suite"
# check-full: the debug flavour (lockdep, atomic-context checks; lib.sh)
# of the series and of the base, on the scenarios marked debug=yes; what
# the base shows too is listed in the README as base behaviour.
if [ "$suite" = full ]; then
	for v in series base; do
		subsuite "debug-$v" env PSH_FLAVOUR=debug "$psh_harness/run.sh" \
			--variant "$v" --suite debug
	done
fi
echo "$total_pass passed, $total_fail failed"
exit "$bad"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh [--no-build] [--from N]: judge every patch of patches/series on
# its own, as
# a maintainer would: scripts/checkpatch.pl --strict is clean, it applies
# with `git am` on the base plus the patches before it, and the x86_64 tree
# builds at that patch (bisectability; incremental builds in a scratch
# worktree, $psh_cache/linux-lint).  KTAP, one test per patch; the last line
# is "N passed, N failed".  --from N only applies patches 1..N-1 (reported
# "# SKIP"), to re-judge the newest patches without the hour-long full run.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build=1 from=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) build=0 ;;
	--from) from=${2:?--from needs a patch number}; shift ;;
	*) die "lint.sh: unknown option $1 (want --no-build or --from N)" ;;
	esac
	shift
done
patches=$psh_root/patches
tree=$psh_cache/linux
lint=$psh_cache/linux-lint

"$psh_harness/tree.sh" init >&2 || exit 1
mapfile -t list < <(grep -v '^\(#\|$\)' "$patches/series" 2>/dev/null)

echo "KTAP version 1"
echo "1..${#list[@]}"
if [ "${#list[@]}" = 0 ]; then
	echo "# patches/series lists no patches yet"
	echo "0 passed, 0 failed"
	exit 0
fi

# A scratch worktree at the base; every run starts from there.
if [ ! -d "$lint/.git" ] && [ ! -f "$lint/.git" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$lint" psh-base >&2 || exit 1
fi
git -C "$lint" am --abort >/dev/null 2>&1
git -C "$lint" checkout -q --detach psh-base && git -C "$lint" reset -q --hard ||
	exit 1

passed=0 failed=0 n=0 applied=1
for p in "${list[@]}"; do
	n=$((n + 1))
	why=()
	if [ "$applied" = 1 ] && ! git -C "$lint" am -q --keep-cr "$patches/$p" >"$lint.am.log" 2>&1; then
		why+=("git am failed: $(head -n 3 "$lint.am.log" | tr '\n' ' ')")
		git -C "$lint" am --abort >/dev/null 2>&1
		applied=0
	elif [ "$applied" = 0 ]; then
		why+=("not tried: an earlier patch did not apply")
	fi
	if [ "$n" -lt "$from" ] && [ "${#why[@]}" = 0 ]; then
		echo "ok $n $p # SKIP applied only (--from $from)"
		passed=$((passed + 1))
		continue
	fi
	# /usr/bin first: checkpatch's spdxcheck.py needs Debian's python3
	# with python3-ply and python3-git, not another python3 on PATH.
	cp=$( (cd "$lint" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--terse --no-summary "$patches/$p") 2>&1)
	[ -z "$cp" ] || why+=("checkpatch --strict:" "$cp")
	if [ "$build" = 1 ] && [ "$applied" = 1 ]; then
		"$psh_harness/build.sh" x86_64 lint >"$lint.build.log" 2>&1 ||
			why+=("x86_64 build failed at this patch:" "$(grep -m 10 -E 'error|Error' "$lint.build.log")")
	fi
	if [ "${#why[@]}" = 0 ]; then
		echo "ok $n $p"
		passed=$((passed + 1))
	else
		echo "not ok $n $p"
		printf '%s\n' "${why[@]}" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

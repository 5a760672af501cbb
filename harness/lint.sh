#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh [--no-build] [--from N] [POSTING...]: judge every patch of every
# posting (patches/postings) on the posting's own base, as its maintainer
# would apply it: the pinned base plus the postings it needs, nothing
# else.  A patch passes when it applies with `git am` there (after the
# patches before it, for a posting with a cover letter; alone, for a
# posting of standalone patches), scripts/checkpatch.pl --strict is clean
# with the tree and with --no-tree, and the x86_64 test kernel builds at
# that patch (bisectability; incremental builds in a scratch worktree,
# $psh_cache/linux-lint).  Without POSTING the whole stack is judged
# last, as one test: it applies in stack order and builds at its top.
#
# The MIPS boot check: at every patch that touches arch/mips/ the
# mips64el test kernel is built there too and boots MIPS kdump under
# QEMU (run.sh --variant lint): sysrq-c on CPU 1 at each such patch, on
# each of the 4 CPUs at the last one of the posting (the kdump-sysrq
# scenario of harness/scenarios.sh; logs in $psh_cache/lint-out/).  A
# hang costs that scenario's timeout (300 s).  PSH_LINT_NO_MIPS=1 skips
# it (the patch then passes on checkpatch and the x86_64 build alone).
#
# KTAP, one test per patch ("POSTING/FILE"); the last line is
# "N passed, N failed".  --from N judges only patches N.. of each posting
# named (the ones before are applied, reported "# SKIP").
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build=1 from=1 want=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) build=0 ;;
	--from) from=${2:?--from needs a patch number}; shift ;;
	-*) die "lint.sh: unknown option $1 (want --no-build, --from N or posting names)" ;;
	*) want+=("$1") ;;
	esac
	shift
done
patches=$psh_root/patches
tree=$psh_cache/linux
lint=$psh_lint_tree

"$psh_harness/tree.sh" init >&2 || exit 1
mapfile -t postings < <("$psh_harness/tree.sh" postings)
[ "${#want[@]}" -gt 0 ] || want=("${postings[@]}")
for p in "${want[@]}"; do
	[[ " ${postings[*]} " == *" $p "* ]] ||
		die "no posting '$p' (patches/postings: ${postings[*]})"
done
list() { grep -v '^\(#\|$\)' "$patches/$1/series" 2>/dev/null; }
kind() { awk -v n="$1" '$1 == n {print $2}' "$patches/postings"; }

total=0
for p in "${want[@]}"; do total=$((total + $(list "$p" | wc -l))); done
stack=0
[ "${#want[@]}" = "${#postings[@]}" ] && [ "$from" = 1 ] && stack=1 && total=$((total + 1))

echo "KTAP version 1"
echo "1..$total"

# A scratch worktree; every posting starts from its own base there.
if [ ! -d "$lint/.git" ] && [ ! -f "$lint/.git" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$lint" psh-base >&2 || exit 1
fi
L() { git -C "$lint" "$@"; }
# to_base POSTING: the pinned base plus what POSTING needs.
to_base() {
	local n f needs
	L am --abort >/dev/null 2>&1
	L checkout -q --detach psh-base && L reset -q --hard || return 1
	needs=$("$psh_harness/tree.sh" needs "$1") || return 1
	for n in $needs; do
		for f in $(list "$n"); do
			L am -q --keep-cr "$patches/$n/$f" >"$lint.am.log" 2>&1 || {
				echo "# $1's base: git am $n/$f failed: $(head -n 2 "$lint.am.log" | tr '\n' ' ')"
				L am --abort >/dev/null 2>&1
				return 1
			}
		done
	done
}
# checkpatch [--no-tree] PATCH: --strict, in the tree, or with --no-tree
# from a directory outside any git repository, as a maintainer reading
# the mail would run it: there a commit cited by a bare hash is an ERROR
# (in a tree that lacks the commit, checkpatch cannot look it up and
# stays silent).
nogit=$psh_cache/lint-nogit
mkdir -p "$nogit"
checkpatch() {
	local dir=$lint env=()
	[ "$1" = --no-tree ] && dir=$nogit env=(GIT_DIR=/nonexistent)
	# /usr/bin first: checkpatch's spdxcheck.py needs Debian's python3
	# with python3-ply and python3-git, not another python3 on PATH.
	# UNKNOWN_COMMIT_ID: the base is a tarball without history, so
	# every cited commit (011e4b02f1da, Fixes: tags) is unknown here;
	# the form of the citation (GIT_COMMIT_ID) is still checked.
	(cd "$dir" && env PATH=/usr/bin:$PATH "${env[@]}" "$lint/scripts/checkpatch.pl" \
		--strict --terse --no-summary --ignore UNKNOWN_COMMIT_ID "$@") 2>&1
}

passed=0 failed=0 n=0
# mips_check POSTING FILE LAST: the MIPS boot check at this patch, if it
# touches arch/mips/; prints why it failed, nothing when it passed.
mips_check() {
	local tests out log
	[ "${PSH_LINT_NO_MIPS:-0}" = 1 ] && return 0
	grep -q '^diff --git a/arch/mips/' "$patches/$1/$2" || return 0
	tests=mips64el.kdump-sysrq.cpu1
	[ "$3" = 1 ] && tests='mips64el.kdump-sysrq.*'
	out=$psh_cache/lint-out/$1/${2%%-*}
	log=$out.log
	mkdir -p "$out"
	if ! PSH_LINT_POSTINGS="$("$psh_harness/tree.sh" needs "$1" | tr '\n' ' ')$1" \
		"$psh_harness/run.sh" --variant lint --out "$out" "$tests" >"$log" 2>&1; then
		echo "MIPS boot check ($tests) failed at this patch ($log):"
		grep -E '^not ok|^# |passed, ' "$log" | head -n 12
	fi
}
result() { # NAME WHY...
	local name=$1
	shift
	if [ $# = 0 ]; then
		echo "ok $n $name"
		passed=$((passed + 1))
	else
		echo "not ok $n $name"
		printf '%s\n' "$@" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

for p in "${want[@]}"; do
	k=$(kind "$p") i=0 applied=1
	base_ok=1
	to_base "$p" || base_ok=0
	for f in $(list "$p"); do
		n=$((n + 1)) i=$((i + 1))
		why=()
		# A standalone patch is judged on the posting's base alone.
		[ "$k" = single ] && [ "$i" -gt 1 ] && { to_base "$p" >/dev/null || base_ok=0; applied=1; }
		if [ "$base_ok" = 0 ]; then
			why+=("not tried: the posting's base (its needs) did not apply")
			applied=0
		elif [ "$applied" = 1 ] && ! L am -q --keep-cr "$patches/$p/$f" >"$lint.am.log" 2>&1; then
			why+=("git am failed: $(head -n 3 "$lint.am.log" | tr '\n' ' ')")
			L am --abort >/dev/null 2>&1
			applied=0
		elif [ "$applied" = 0 ]; then
			why+=("not tried: an earlier patch did not apply")
		fi
		if [ "$i" -lt "$from" ] && [ "${#why[@]}" = 0 ]; then
			echo "ok $n $p/$f # SKIP applied only (--from $from)"
			passed=$((passed + 1))
			continue
		fi
		cp=$(checkpatch "$patches/$p/$f")
		[ -z "$cp" ] || why+=("checkpatch --strict:" "$cp")
		cp=$(checkpatch --no-tree "$patches/$p/$f")
		[ -z "$cp" ] || why+=("checkpatch --strict --no-tree:" "$cp")
		if [ "$build" = 1 ] && [ "$applied" = 1 ]; then
			"$psh_harness/build.sh" x86_64 lint >"$lint.build.log" 2>&1 ||
				why+=("x86_64 build failed at this patch:" "$(grep -m 10 -E 'error|Error' "$lint.build.log")")
			last=0
			[ "$(list "$p" | grep -n . | while IFS=: read -r j g; do
				grep -q '^diff --git a/arch/mips/' "$patches/$p/$g" && echo "$j"; done | tail -n 1)" = "$i" ] && last=1
			mc=$(mips_check "$p" "$f" "$last")
			[ -z "$mc" ] || why+=("$mc")
		fi
		result "$p/$f" "${why[@]}"
	done
done

if [ "$stack" = 1 ]; then
	n=$((n + 1))
	why=()
	L am --abort >/dev/null 2>&1
	L checkout -q --detach psh-base && L reset -q --hard
	while read -r f; do
		L am -q --keep-cr "$patches/$f" >"$lint.am.log" 2>&1 && continue
		why+=("git am $f failed: $(head -n 3 "$lint.am.log" | tr '\n' ' ')")
		L am --abort >/dev/null 2>&1
		break
	done < <(grep -v '^\(#\|$\)' "$patches/series")
	if [ "${#why[@]}" = 0 ] && [ "$build" = 1 ]; then
		"$psh_harness/build.sh" x86_64 lint >"$lint.build.log" 2>&1 ||
			why+=("x86_64 build failed at the top of the stack:" "$(grep -m 10 -E 'error|Error' "$lint.build.log")")
	fi
	result "stack (patches/series, $(grep -cv '^\(#\|$\)' "$patches/series") patches)" "${why[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

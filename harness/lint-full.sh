#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lint-full.sh [--self-test] [POSTING...]: at the top of each posting (all by default),
# on its own base (the pinned base plus the postings it needs), what the
# kernel test robot runs on the files the posting touches; a check fails
# on any diagnostic that the posting's base does not have already.
#
#   kernel-doc  scripts/kernel-doc -none -Wall on each touched .c and .h
#   gcc-W1      x86_64 and arm64 allmodconfig, W=1, each touched .c file's
#               object that the arch builds (Debian 12's gcc 12)
#   sparse      the same objects with C=2: Debian unstable's sparse
#               (0.6.5~rc1 on 2026-12-07), run with the trixie root's
#               loader; Debian 12's and 13's sparse 0.6.4 lack
#               __typeof_unqual__, and 7.3's kbuild then silently skips
#               the check ("C=2 specified, but sparse is not available or
#               not up to date"), which this script treats as a failure
#   clang       the same objects with LLVM=-19, W=1: Debian 13's clang 19,
#               from a trixie root (harness/trixie-cross.sh; the host's
#               clang 14 is older than 7.3's minimum, 17.0.1)
#
# Diagnostics are compared without line and column numbers, so code that
# moved keeps its old warnings; the base's own ("noise") are subtracted.
# Scratch worktree $psh_cache/linux-lintfull, builds in
# $psh_cache/build/lintfull-ARCH-TOOL.  KTAP, one test per posting and
# check; the last line is "N passed, N failed".
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --self-test: lint-full must be able to fail.  tools/tests/lint-full-probe.patch
# (a function with an undescribed kernel-doc parameter, an unused
# variable, no prototype) is added on top of the first posting named (or
# fixes); each of the four checks must then fail, naming the probe.
probe=
if [ "${1:-}" = --self-test ]; then
	shift
	probe=$psh_root/tools/tests/lint-full-probe.patch
	[ $# -gt 0 ] || set -- fixes
	set -- "$1"
fi
patches=$psh_root/patches
tree=$psh_cache/linux
wt=$psh_cache/linux-lintfull
mapfile -t postings < <("$psh_harness/tree.sh" postings)
[ $# -gt 0 ] || set -- "${postings[@]}"
for p in "$@"; do
	[[ " ${postings[*]} " == *" $p "* ]] || die "no posting '$p' (patches/postings: ${postings[*]})"
done
"$psh_harness/tree.sh" init >&2 || exit 1
export CCACHE_DIR=${CCACHE_DIR:-$psh_cache/ccache} CCACHE_BASEDIR=$psh_cache CCACHE_NOHASHDIR=1

llvm_bin=
if llvm_bin=$("$psh_harness/trixie-cross.sh" clang-19 clang-19 2>"$psh_cache/lintfull-clang.log"); then
	llvm_bin=${llvm_bin%/*}
	for pkg in lld-19:ld.lld-19 llvm-19:llvm-ar-19; do
		"$psh_harness/trixie-cross.sh" "${pkg%%:*}" "${pkg#*:}" >/dev/null 2>>"$psh_cache/lintfull-clang.log" ||
			llvm_bin=
	done
	# The other llvm-19 tools the kernel calls with LLVM=-19.
	[ -z "$llvm_bin" ] || for t in llvm-nm-19 llvm-objcopy-19 llvm-objdump-19 llvm-readelf-19 llvm-strip-19; do
		"$psh_harness/trixie-cross.sh" llvm-19 "$t" >/dev/null 2>>"$psh_cache/lintfull-clang.log" ||
			llvm_bin=
	done
fi

# sparse from Debian unstable, through a private apt state in the cache
# (mirror and keyring: those of harness/apt/apt.sh's trixie config; apt
# checks the .deb against the signed lists), run by the trixie root's
# loader (it needs glibc 2.38).  Whatever version unstable has: printed.
sparse_bin=$psh_cache/sparse-unstable/sparse
get_sparse() {
	local a=$psh_cache/apt-unstable mirror keyring opts root=$psh_cache/trixie-cross/root
	[ -x "$root/usr/lib64/ld-linux-x86-64.so.2" ] || return 1
	"$psh_harness/apt/apt.sh" conf >/dev/null || return 1
	mirror=$(sed -n 's/^URIs: *//p' "$psh_cache/apt/trixie.sources" | head -n1)
	keyring=$(sed -n 's/^Signed-By: *//p' "$psh_cache/apt/trixie.sources" | head -n1)
	mkdir -p "$a/etc" "$a/lists/partial" "$a/cache/archives/partial" "$psh_cache/sparse-unstable"
	printf 'Types: deb\nURIs: %s\nSuites: unstable\nComponents: main\nSigned-By: %s\n' \
		"$mirror" "$keyring" >"$a/etc/unstable.sources"
	opts=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$a/etc"
		-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" -o APT::Architecture=amd64)
	if [ ! -x "$sparse_bin.real" ] || [ -n "$(find "$a/lists" -maxdepth 0 -mtime +1)" ]; then
		apt-get "${opts[@]}" -q update >&2 || return 1
		(cd "$a/cache" && rm -f sparse_*.deb && apt-get "${opts[@]}" -q download sparse >&2) || return 1
		dpkg-deb -x "$a"/cache/sparse_*.deb "$a/x" || return 1
		cp "$a/x/usr/bin/sparse" "$sparse_bin.real"
		basename "$a"/cache/sparse_*.deb >"$sparse_bin.deb"
	fi
	printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' "$root/usr/lib64/ld-linux-x86-64.so.2" \
		"$root/usr/lib/x86_64-linux-gnu" "$sparse_bin.real" >"$sparse_bin"
	chmod +x "$sparse_bin"
	"$sparse_bin" --version >/dev/null
}
get_sparse || sparse_bin=
[ -z "$sparse_bin" ] || log "sparse: $(cat "$sparse_bin.deb")"

if [ ! -d "$wt/.git" ] && [ ! -f "$wt/.git" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$wt" psh-base >&2 || exit 1
fi
W() { git -C "$wt" "$@"; }
list() { grep -v '^\(#\|$\)' "$patches/$1/series" 2>/dev/null; }
# checkout_at POSTING [tip]: the posting's own base, or with "tip" its top.
checkout_at() {
	local n f needs
	W am --abort >/dev/null 2>&1
	W checkout -q --detach psh-base && W reset -q --hard || return 1
	needs=$("$psh_harness/tree.sh" needs "$1") || { echo "tree.sh needs $1 failed"; return 1; }
	for n in $needs ${2:+"$1"}; do
		for f in $(list "$n"); do
			W am -q --keep-cr "$patches/$n/$f" >/dev/null 2>&1 || {
				W am --abort >/dev/null 2>&1
				echo "git am $n/$f failed"
				return 1
			}
		done
	done
	if [ -n "${2:-}" ] && [ -n "$probe" ]; then
		W am -q --keep-cr "$probe" >/dev/null 2>&1 || { echo "git am of the probe failed"; return 1; }
	fi
	return 0
}
# norm: diagnostics without line/column numbers and build paths, sorted.
# (kernel-doc says "Warning: FILE:LINE message", gcc and sparse
# "FILE:LINE:COL: warning: message".)
norm() {
	grep -aiE '(warning|error)[: ]' |
		sed -E "s#$wt/##g; s#(\.\./)+(linux-lintfull/)?##g; s#:[0-9]+(:[0-9]+)?:#:#; s#^(Warning: [^ ]+):[0-9]+ #\1 #" |
		LC_ALL=C sort -u
}
kdoc() { # FILE...: kernel-doc diagnostics of the files that exist
	local f
	for f in "$@"; do
		[ -f "$wt/$f" ] || continue
		(cd "$wt" && ./scripts/kernel-doc -none -Wall "$f" 2>&1)
	done | norm
}
# objs ARCH FILE...: the objects of the .c files this arch can build.
objs() {
	local arch=$1 f
	shift
	for f in "$@"; do
		case "$f" in
		*.c) ;;
		*) continue ;;
		esac
		case "$f" in
		arch/"$arch"/*) ;;
		arch/* | tools/* | scripts/* | Documentation/* | samples/*) continue ;;
		esac
		[ -f "$wt/$f" ] && echo "${f%.c}.o"
	done
}
# build ARCH TOOL OBJ...: compile OBJs (forced) and print their diagnostics.
build() {
	local arch=$1 tool=$2 out karch cross make_args=()
	shift 2
	[ $# -gt 0 ] || return 0
	case "$arch" in
	x86) karch=x86_64 cross= ;;
	arm64) karch=arm64 cross=aarch64-linux-gnu- ;;
	esac
	out=$psh_cache/build/lintfull-$arch-$tool
	case "$tool" in
	gcc) make_args=(CC="ccache ${cross}gcc" W=1) ;;
	# sparse runs after gcc in its build: with C=2 kbuild checks the
	# objects again without recompiling them, so only sparse speaks.
	sparse) make_args=(CC="ccache ${cross}gcc" W=1 C=2 CHECK="$sparse_bin")
		out=$psh_cache/build/lintfull-$arch-gcc ;;
	# Host programs (fixdep, objtool) with the host's gcc: clang 19 links
	# them against trixie's glibc, which the host cannot run them with.
	clang) make_args=(LLVM=-19 W=1 HOSTCC=gcc HOSTCXX=g++ HOSTLD=ld HOSTAR=ar)
		export PATH=$llvm_bin:$PATH ;;
	esac
	mkdir -p "$out"
	# allmodconfig at each checkout (a symbol the posting adds gets its
	# allmodconfig value, not olddefconfig's default), without WERROR: a
	# warning must not stop the compile before sparse runs.
	if [ "$tool" != sparse ]; then
		make -s -C "$wt" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" "${make_args[@]}" \
			allmodconfig >/dev/null 2>&1 || { echo "error: allmodconfig failed"; return 0; }
		"$wt/scripts/config" --file "$out/.config" -d WERROR
		make -s -C "$wt" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" "${make_args[@]}" \
			olddefconfig >/dev/null 2>&1
	fi
	[ "$tool" = sparse ] || (cd "$out" && rm -f "$@")
	# kbuild drops C=2 with only a warning when it finds the checker
	# unusable: that is an error here, or sparse would pass unheard.
	make -k -C "$wt" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" "${make_args[@]}" \
		-j"$(nproc)" "$@" 2>&1 | grep -v 'No rule to make target' |
		sed 's/^.*\(C=2 specified, but .* is not available or not up to date\)/error: \1/' | norm
}

echo "KTAP version 1"
echo "1..$(($# * 4))"
passed=0 failed=0 n=0
report() { # NAME NEW-DIAGNOSTICS [SKIP-REASON]
	n=$((n + 1))
	if [ -n "${3:-}" ]; then
		echo "ok $n $1 # SKIP $3"
		passed=$((passed + 1))
	elif [ -z "$2" ]; then
		echo "ok $n $1"
		passed=$((passed + 1))
	else
		echo "not ok $n $1"
		sed 's/^/# new: /' <<<"$2" | head -n 40
		failed=$((failed + 1))
	fi
}
# collect ARRAY: every check's diagnostics for files[] at the current
# checkout, into the associative ARRAY (kdoc, gcc, sparse, clang).
collect() {
	local -n d=$1
	local arch o
	d[kdoc]=$(kdoc "${files[@]}")
	for arch in x86 arm64; do
		mapfile -t o < <(objs "$arch" "${files[@]}")
		d[gcc]+=$(build "$arch" gcc "${o[@]}")$'\n'
		d[sparse]+=$(build "$arch" sparse "${o[@]}")$'\n'
		[ -z "$llvm_bin" ] || d[clang]+=$(build "$arch" clang "${o[@]}")$'\n'
	done
}
for p in "$@"; do
	start=$SECONDS
	if ! err=$(checkout_at "$p" tip); then
		for c in kernel-doc gcc-W1 sparse clang; do report "$p $c" "# $err"; done
		continue
	fi
	base=$(W rev-parse HEAD~"$(($(list "$p" | wc -l) + (${#probe} > 0)))")
	mapfile -t files < <(W diff --name-only --diff-filter=AM "$base" HEAD -- '*.c' '*.h')
	declare -A tip_diag=() base_diag=()
	collect tip_diag
	if ! err=$(checkout_at "$p"); then
		for c in kernel-doc gcc-W1 sparse clang; do report "$p $c" "# base: $err"; done
		continue
	fi
	collect base_diag
	new() { comm -23 <(sort -u <<<"${tip_diag[$1]}" | grep .) <(sort -u <<<"${base_diag[$1]:-}" | grep .); }
	report "$p kernel-doc (${#files[@]} files)" "$(new kdoc)"
	report "$p gcc W=1 (x86_64, arm64)" "$(new gcc)"
	if [ -z "$sparse_bin" ]; then
		report "$p sparse" "# no usable sparse: Debian unstable's could not be fetched (see above)"
	elif grep -q 'not available or not up to date' <<<"${tip_diag[sparse]}"; then
		report "$p sparse" "# kbuild did not run sparse: $(grep -m1 'not up to date' <<<"${tip_diag[sparse]}")"
	else
		report "$p sparse $(cat "$sparse_bin.deb") (x86_64, arm64)" "$(new sparse)"
	fi
	if [ -n "$llvm_bin" ]; then
		report "$p clang 19 W=1 (x86_64, arm64)" "$(new clang)"
	else
		report "$p clang" "" "no Debian 13 clang-19 (harness/trixie-cross.sh failed: $psh_cache/lintfull-clang.log)"
	fi
	unset tip_diag base_diag
	echo "# $p: $((SECONDS - start)) s"
done
if [ -n "$probe" ]; then
	# The self-test passes when every check failed on the probe.
	echo "# self-test: $failed of $n checks caught the probe (want $n of $n)"
	if [ "$failed" = "$n" ]; then
		echo "1 passed, 0 failed"
		exit 0
	fi
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

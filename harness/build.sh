#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh ARCH VARIANT: build a lean kdump test kernel out of tree.
#
#   ARCH     x86_64 | arm64 | ppc64le | mips64el | riscv64 (the others
#            are cross-compiled with Debian's aarch64, powerpc64le,
#            mips64el and riscv64 gcc; the ppc64le and mips64el image is
#            the ELF vmlinux, which QEMU pseries and malta load as it is;
#            riscv64's is the Image, which QEMU virt and the kernel's
#            kexec_file_load() take)
#   VARIANT  base   | series | capture | POSTING
#
# Sources: base = $psh_cache/linux-base (the pinned base, never patched);
#          series = $PSH_KSRC if set, else $psh_cache/linux (base + patches/);
#          lint = $psh_cache/linux-lint (lint.sh's scratch tree), or
#                 $PSH_LINT_TREE;
#          POSTING (a name of patches/postings) = the stack up to and
#          including that posting (tree.sh worktree), e.g. "fixes" for
#          the standalone fixes alone;
#          capture = the base again, for an arch whose kdump capture kernel
#          must be linked inside crashkernel= (mips64el: not relocatable),
#          with kconfig/ARCH-capture.config on top; base and series runs
#          load this one capture kernel (run.sh).
# Output:  $psh_cache/build/ARCH-VARIANT/{.config,IMAGE,mod-root/}
#          (ARCH-VARIANT-FLAVOUR with PSH_FLAVOUR, see lib.sh)
#
# The config is tinyconfig plus harness/kconfig/{common,ARCH}.config merged
# with the kernel's own merge_config.sh; every option the fragments ask for
# is checked afterwards, so a silently dropped option fails the build.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=${1:?usage: build.sh ARCH VARIANT}
variant=${2:?usage: build.sh ARCH VARIANT}

case "$variant" in
base) src=$psh_cache/linux-base ;;
series) src=${PSH_KSRC:-$psh_cache/linux} ;;
lint) src=$psh_lint_tree ;;
capture) src=$psh_cache/linux-base ;;
*)
	postings=$("$psh_harness/tree.sh" postings)
	grep -qx "$variant" <<<"$postings" ||
		die "unknown VARIANT '$variant' (want base, series, capture or a posting: $(echo $postings))"
	src=$("$psh_harness/tree.sh" worktree "$variant") ;;
esac
[ -f "$src/Makefile" ] || die "no kernel tree at $src: run 'make tree' first"

# A flavour that patches the tree (lib.sh, PSH_FLAVOUR) builds a copy: a
# detached work tree at the tree's commit with the patch applied, redone
# only when the commit or the patch changes (so the build stays
# incremental).
if [ "$psh_flavour" = stopbench ]; then
	case "$variant" in
	base|series) ;;
	*) die "PSH_FLAVOUR=stopbench has an instrument for base and series only, not '$variant'" ;;
	esac
	fpatch=$psh_harness/bench/stopbench-$variant.patch
	fsrc=$psh_cache/linux-stopbench-$variant
	fhead=$(git -C "$src" rev-parse HEAD)
	fstamp="$fhead $(sha256sum <"$fpatch" | cut -d' ' -f1)"
	if [ "$(cat "$fsrc.stamp" 2>/dev/null)" != "$fstamp" ]; then
		log "stopbench: $fsrc = $variant ($fhead) + ${fpatch#"$psh_root"/}"
		[ -d "$fsrc" ] || git -C "$src" worktree add -q --detach "$fsrc" "$fhead" ||
			die "stopbench: cannot add the work tree $fsrc"
		# -x: Debian's .gitignore ignores every untracked file (its
		# top-level "/*"), so the instrument's new files too; the copy
		# holds no build output (that goes to the build directory).
		if ! git -C "$fsrc" checkout -q -f --detach "$fhead" ||
			! git -C "$fsrc" clean -qfdx; then
			die "stopbench: cannot reset $fsrc to $fhead"
		fi
		git -C "$fsrc" apply "$fpatch" ||
			die "stopbench: ${fpatch#"$psh_root"/} does not apply to the $variant tree ($fhead): refresh it"
		echo "$fstamp" >"$fsrc.stamp"
	fi
	src=$fsrc
fi

case "$arch" in
x86_64)
	karch=x86_64 cross= image=arch/x86/boot/bzImage target=bzImage ;;
arm64)
	karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image target=Image
	need_cmd aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu ;;
ppc64le)
	karch=powerpc cross=powerpc64le-linux-gnu- image=vmlinux target=vmlinux
	need_cmd powerpc64le-linux-gnu-gcc gcc-powerpc64le-linux-gnu ;;
mips64el)
	karch=mips cross=mips64el-linux-gnuabi64- image=vmlinux target=vmlinux
	need_cmd mips64el-linux-gnuabi64-gcc gcc-mips64el-linux-gnuabi64 ;;
riscv64)
	karch=riscv cross=riscv64-linux-gnu- image=arch/riscv/boot/Image target=Image
	need_cmd riscv64-linux-gnu-gcc gcc-riscv64-linux-gnu ;;
*) die "unknown ARCH '$arch' (want x86_64, arm64, ppc64le, mips64el or riscv64)" ;;
esac
need_cmd gcc gcc
need_cmd make make
need_cmd flex flex
need_cmd bison bison
need_cmd bc bc
need_cmd ccache ccache
[ -f /usr/include/libelf.h ] || need_cmd __libelf_dev__ libelf-dev
[ -f /usr/include/openssl/ssl.h ] || need_cmd __libssl_dev__ libssl-dev

out=$psh_cache/build/$arch-$variant$psh_fl
frags=("$psh_harness/kconfig/common.config" "$psh_harness/kconfig/$arch.config")
case "$variant" in
base) ;;
capture)
	frags+=("$psh_harness/kconfig/$arch-capture.config")
	[ -f "${frags[-1]}" ] ||
		die "$arch needs no capture build (no ${frags[-1]}): its kdump loads the kernel itself" ;;
*) frags+=("$psh_harness/kconfig/series.config") ;;
esac
# The debug flavour (lib.sh): merged last, so that no other fragment
# undoes it, and checked like common and ARCH (an option it loses fails
# the build).  x86_64 and arm64 only: the flavour's scenarios and its
# options were checked there.
if [ "$psh_flavour" = debug ]; then
	case "$arch" in
	x86_64 | arm64) ;;
	*) die "PSH_FLAVOUR=debug is for x86_64 and arm64, not $arch" ;;
	esac
	[ "$variant" != capture ] ||
		die "PSH_FLAVOUR=debug: the capture kernel stays the plain build"
	frags+=("$psh_harness/kconfig/debug.config")
fi
mkdir -p "$out"

export CCACHE_DIR=${CCACHE_DIR:-$psh_cache/ccache}
export CCACHE_BASEDIR=$psh_cache
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=psh KBUILD_BUILD_HOST=harness
ccache -M 8G >/dev/null

kmake() {
	make -C "$src" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" LOCALVERSION=-psh-$variant$psh_fl \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j"$(nproc)" "$@"
}

# known_symbol CONFIG_X: the tree's Kconfig defines X.
known_symbol() {
	local sym=${1#CONFIG_}
	grep -rqs --include='Kconfig*' -E "^(menu)?config ${sym%%=*}\$" "$src"
}

# Reconfigure when a fragment is newer than the config we made from it, or
# the tree's commit changed (a patch may add a symbol a fragment sets).
stamp=$out/.psh-config-stamp
head=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo none)
if [ ! -f "$stamp" ] || [ -n "$(find "${frags[@]}" -newer "$stamp")" ] ||
	[ "$(cat "$stamp")" != "$head" ]; then
	log "configuring $arch-$variant"
	kmake -s tinyconfig >/dev/null
	(cd "$out" && KCONFIG_CONFIG=.config ARCH=$karch \
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config \
		"${frags[@]}" >/dev/null)
	kmake -s olddefconfig >/dev/null
	# What each symbol should be: a later fragment overrides an earlier
	# one (ppc64le.config lowers common.config's NR_CPUS).
	declare -A want_of=() frag_of=()
	for f in "${frags[@]}"; do
		while read -r want; do
			want_of[${want%%=*}]=$want frag_of[${want%%=*}]=${f##*/}
		done < <(grep '^CONFIG_' "$f")
	done
	# "# psh-skip: CONFIG_X" in a fragment: X cannot be had on this arch.
	skip=" $(sed -n 's/^# psh-skip: //p' "${frags[@]}" | tr '\n' ' ')"
	missing=$(for sym in "${!want_of[@]}"; do
		want=${want_of[$sym]}
		grep -qx "$want" "$out/.config" && continue
		[[ $skip == *" $sym "* ]] && continue
		# series.config may name symbols this tree lacks yet, or
		# whose dependencies this arch meets only at a later patch
		# (the stop layer's KUnit test on MIPS before MIPS's
		# conversion); the scenarios that load such a test fail
		# without it
		if [ "${frag_of[$sym]}" = series.config ]; then
			known_symbol "$want" && echo "series:$want"
			continue
		fi
		echo "$want"
	done | sort)
	unmet=$(sed -n 's/^series://p' <<<"$missing")
	missing=$(grep -v '^series:' <<<"$missing" || true)
	[ -z "$unmet" ] ||
		log "series options whose dependencies this tree does not meet on $arch: $(echo $unmet)"
	[ -z "$missing" ] ||
		die "options lost by olddefconfig (missing dependency?): $(echo $missing)"
	echo "$head" >"$stamp"
fi

log "building $arch-$variant$psh_fl in $out"
start=$SECONDS
kmake -s "$target" modules
rm -rf "$out/mod-root"
# Stripped of debug information: the modules go into every guest's
# initramfs; the judge reads the unstripped ones in $out.
kmake -s INSTALL_MOD_PATH="$out/mod-root" INSTALL_MOD_STRIP=1 modules_install >/dev/null
cp "$out/$image" "$out/IMAGE"
log "built $arch-$variant$psh_fl in $((SECONDS - start)) s: $out/IMAGE ($(stat -c %s "$out/IMAGE") bytes)"

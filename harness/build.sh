#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh ARCH VARIANT: build a lean kdump test kernel out of tree.
#
#   ARCH     x86_64 | arm64 (arm64 is cross-compiled with Debian's aarch64 gcc)
#   VARIANT  base   | series
#
# Sources: base = $psh_cache/linux-base (the pinned base, never patched);
#          series = $PSH_KSRC if set, else $psh_cache/linux (base + patches/);
#          lint = $psh_cache/linux-lint (lint.sh's scratch tree).
# Output:  $psh_cache/build/ARCH-VARIANT/{.config,IMAGE,mod-root/}
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
lint) src=$psh_cache/linux-lint ;;
*) die "unknown VARIANT '$variant' (want base or series)" ;;
esac
[ -f "$src/Makefile" ] || die "no kernel tree at $src: run 'make tree' first"

case "$arch" in
x86_64)
	karch=x86_64 cross= image=arch/x86/boot/bzImage target=bzImage ;;
arm64)
	karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image target=Image
	need_cmd aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu ;;
*) die "unknown ARCH '$arch' (want x86_64 or arm64)" ;;
esac
need_cmd gcc gcc
need_cmd make make
need_cmd flex flex
need_cmd bison bison
need_cmd bc bc
need_cmd ccache ccache
[ -f /usr/include/libelf.h ] || need_cmd __libelf_dev__ libelf-dev
[ -f /usr/include/openssl/ssl.h ] || need_cmd __libssl_dev__ libssl-dev

out=$psh_cache/build/$arch-$variant
frags=("$psh_harness/kconfig/common.config" "$psh_harness/kconfig/$arch.config")
[ "$variant" = base ] || frags+=("$psh_harness/kconfig/series.config")
mkdir -p "$out"

export CCACHE_DIR=${CCACHE_DIR:-$psh_cache/ccache}
export CCACHE_BASEDIR=$psh_cache
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=psh KBUILD_BUILD_HOST=harness
ccache -M 8G >/dev/null

kmake() {
	make -C "$src" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" LOCALVERSION=-psh-$variant \
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
	missing=$(for f in "${frags[@]}"; do
		grep '^CONFIG_' "$f" | while read -r want; do
			grep -qx "$want" "$out/.config" && continue
			# series.config may name symbols this tree lacks yet
			[ "${f##*/}" = series.config ] && ! known_symbol "$want" &&
				continue
			echo "$want"
		done
	done)
	[ -z "$missing" ] ||
		die "options lost by olddefconfig (missing dependency?): $(echo $missing)"
	echo "$head" >"$stamp"
fi

log "building $arch-$variant in $out"
start=$SECONDS
kmake -s "$target" modules
rm -rf "$out/mod-root"
kmake -s INSTALL_MOD_PATH="$out/mod-root" modules_install >/dev/null
cp "$out/$image" "$out/IMAGE"
log "built $arch-$variant in $((SECONDS - start)) s: $out/IMAGE ($(stat -c %s "$out/IMAGE") bytes)"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# trixie-cross.sh PACKAGE PREFIX: a cross toolchain that Debian 12 does not
# have, from Debian 13 "trixie", for harness/cross.sh.  Prints the
# CROSS_COMPILE prefix to use (a directory of wrappers, one per PREFIX*
# tool, ending in PREFIX).  Used for LoongArch:
#
#   harness/trixie-cross.sh gcc-loongarch64-linux-gnu loongarch64-linux-gnu-
#
# and by harness/lint-full.sh for clang 19 (PREFIX clang-19, ld.lld-19,
# llvm-ar-19, ...: the wrappers' directory then serves LLVM=-19).
#
# The first call debootstraps a minimal trixie (minbase + PACKAGE) into
# $psh_cache/trixie-cross/root (1-2 minutes, 470 MB; log in
# $psh_cache/trixie-cross/setup.log); later calls only check that the root
# and PACKAGE are there.
# A PACKAGE the root lacks is added with apt-get in the root.  Delete the
# directory to start again.  Needs root (debootstrap, chroot, mount).
#
# Why a debootstrapped root rather than unpacked .debs: apt in debootstrap
# resolves the compiler's library closure and runs the maintainer scripts
# (ldconfig), so the root is a consistent trixie that just works.
#
# How the tools run: trixie's binaries need trixie's glibc (2.41; bookworm
# has 2.36), and gcc runs cc1 and as itself, so wrapping gcc in an explicit
# loader is not enough, and patching every binary (patchelf) would be one
# more host package and modified package files.  Instead each wrapper runs
# its tool in a private mount namespace (unshare -m) with the root's /usr
# bind-mounted over the host's /usr (both are merged-/usr: /lib, /lib64 and
# /bin point into /usr) and its /etc/ld.so.cache over the host's.  The tool
# and everything it runs then use trixie's loader and libraries, and every
# other path -- the kernel tree, the output directory, ccache, /tmp -- is
# the host's own, whereas a chroot would need each of them (and
# $PSH_KSRC, wherever it is) bind-mounted at the same path inside.  The
# mounts vanish with the process: the host's mount table, /usr and package
# state are never changed.
#
# debootstrap: the host's if installed, else bookworm's package downloaded
# through harness/apt/apt.sh (signature-checked) and run from the cache, so
# no host package is installed.  Mirror and keyring: those of apt.sh's
# trixie config ($PSH_DEBIAN_MIRROR, PSH_HOST_KEYRING: see there).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# = 2 ] || die "usage: $0 PACKAGE PREFIX"
pkg=$1 prefix=$2
dir=$psh_cache/trixie-cross
root=$dir/root
bin=$dir/bin
setup_log=$dir/setup.log

[ "$(id -u)" = 0 ] ||
	die "trixie-cross.sh: $pkg comes from a trixie root made with debootstrap and run with mount: run as root"
need_cmd unshare util-linux
need_cmd mount mount
need_cmd flock util-linux
need_cmd dpkg-query dpkg
mkdir -p "$dir"
exec 9>"$dir/lock"
flock 9

# The host's debootstrap, or bookworm's unpacked under $dir/debootstrap.
find_debootstrap() {
	local tmp deb
	if command -v debootstrap >/dev/null 2>&1; then
		echo debootstrap
		return
	fi
	if [ ! -x "$dir/debootstrap/usr/sbin/debootstrap" ]; then
		log "no debootstrap on the host: fetching Debian package debootstrap (bookworm) into $dir/debootstrap"
		tmp=$(mktemp -d)
		(cd "$tmp" && "$psh_harness/apt/apt.sh" bookworm apt-get -q download debootstrap >&2) ||
			die "downloading Debian package debootstrap failed (mirror unreachable?): install it with apt-get install debootstrap"
		deb=$(ls "$tmp"/debootstrap_*.deb)
		rm -rf "$dir/debootstrap"
		dpkg-deb -x "$deb" "$dir/debootstrap"
		rm -rf "$tmp"
	fi
	echo "$dir/debootstrap/usr/sbin/debootstrap"
}

# make_root: debootstrap trixie minbase + $pkg into $root, atomically.
make_root() {
	local sources mirror keyring ds start=$SECONDS
	need_cmd wget wget
	need_cmd chroot coreutils
	# apt.sh renders its trixie sources with the mirror and a keyring that
	# holds the trixie keys (fetching one if the host's lacks them).
	"$psh_harness/apt/apt.sh" conf >/dev/null ||
		die "harness/apt/apt.sh found no usable trixie mirror: cannot fetch Debian package $pkg (set PSH_DEBIAN_MIRROR?)"
	sources=$psh_cache/apt/trixie.sources
	mirror=$(sed -n 's/^URIs: *//p' "$sources" | head -n1)
	keyring=$(sed -n 's/^Signed-By: *//p' "$sources" | head -n1)
	{ [ -n "$mirror" ] && [ -r "$keyring" ]; } || die "no mirror or keyring in $sources"
	ds=$(find_debootstrap)
	[ "$ds" = debootstrap ] || export DEBOOTSTRAP_DIR=$dir/debootstrap/usr/share/debootstrap
	log "debootstrap trixie (minbase + $pkg) from $mirror into $root (log: $setup_log)"
	rm -rf "$root.new"
	if ! "$ds" --variant=minbase --keyring="$keyring" --include="$pkg" \
		trixie "$root.new" "$mirror" >"$setup_log" 2>&1; then
		tail -n 5 "$setup_log" >&2
		die "debootstrap of trixie with Debian package $pkg from $mirror failed (mirror unreachable, or no $pkg there?): see $setup_log"
	fi
	rm -rf "$root"
	mv "$root.new" "$root"
	log "trixie root ready in $((SECONDS - start)) s"
}

installed() {
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}' "$1" 2>/dev/null |
		grep -qx installed
}

# $root appears only complete (make_root moves it into place).
[ -d "$root/var/lib/dpkg" ] || make_root
if ! installed "$pkg"; then
	log "installing Debian package $pkg in the trixie root $root"
	{ chroot "$root" apt-get -q update &&
		chroot "$root" env DEBIAN_FRONTEND=noninteractive \
			apt-get -y -q --no-install-recommends install "$pkg"; } >>"$setup_log" 2>&1 ||
		die "apt-get install $pkg in $root failed: see $setup_log"
fi
compgen -G "$root/usr/bin/${prefix}*" >/dev/null ||
	die "Debian package $pkg installed no $root/usr/bin/${prefix}* tools"

# One wrapper per tool.  The package version is in the text, so that a new
# toolchain changes the wrapper's size or mtime and ccache (compiler_check
# mtime) does not reuse objects of the old one.
ver=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' "$pkg")
mkdir -p "$bin"
for t in "$root/usr/bin/${prefix}"*; do
	t=${t##*/}
	cat >"$bin/$t.new" <<-EOF
		#!/bin/sh
		# Generated by harness/trixie-cross.sh: Debian 13's $t ($pkg $ver),
		# run with $root/usr over /usr in a private mount namespace.
		exec unshare --mount --propagation private /bin/sh -c \\
		    'mount --bind "\$0/etc/ld.so.cache" /etc/ld.so.cache &&
		     mount --bind "\$0/usr" /usr && exec "\$@"' \\
		    "$root" /usr/bin/$t "\$@"
	EOF
	chmod +x "$bin/$t.new"
	if cmp -s "$bin/$t.new" "$bin/$t"; then rm -f "$bin/$t.new"; else mv "$bin/$t.new" "$bin/$t"; fi
done
# A cross gcc's prefix ends in "-": check its gcc; a single tool (clang-19
# for harness/lint-full.sh) is checked itself.
check=$bin/${prefix}gcc
[ -e "$check" ] || check=$bin/$prefix
"$check" --version >/dev/null 2>&1 ||
	die "$check does not run: see $setup_log"
echo "$bin/$prefix"

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
# How the root is made and how the wrappers run its tools (a private mount
# namespace with the root's /usr over the host's): harness/debroot.sh.
# debootstrap: the host's if installed, else bookworm's package downloaded
# through harness/apt/apt.sh (signature-checked) and run from the cache, so
# no host package is installed.  Mirror and keyring: those of apt.sh's
# trixie config ($PSH_DEBIAN_MIRROR, PSH_HOST_KEYRING: see there).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=debroot.sh
. "$psh_harness/debroot.sh"

[ $# = 2 ] || die "usage: $0 PACKAGE PREFIX"
pkg=$1 prefix=$2
dir=$psh_cache/trixie-cross
root=$dir/root
bin=$dir/bin
setup_log=$dir/setup.log

[ "$(id -u)" = 0 ] ||
	die "trixie-cross.sh: $pkg comes from a trixie root made with debootstrap and run with mount: run as root"
debroot_lock "$dir"

# $root appears only complete (make_root moves it into place).
if [ ! -d "$root/var/lib/dpkg" ]; then
	make_root trixie "$root" "$pkg" "$setup_log" ||
		die "debootstrap of trixie with Debian package $pkg from $debroot_mirror failed (mirror unreachable, or no $pkg there?): see $setup_log"
fi
if ! installed "$root" "$pkg"; then
	log "installing Debian package $pkg in the trixie root $root"
	{ chroot "$root" apt-get -q update &&
		chroot "$root" env DEBIAN_FRONTEND=noninteractive \
			apt-get -y -q --no-install-recommends install "$pkg"; } >>"$setup_log" 2>&1 ||
		die "apt-get install $pkg in $root failed: see $setup_log"
fi
compgen -G "$root/usr/bin/${prefix}*" >/dev/null ||
	die "Debian package $pkg installed no $root/usr/bin/${prefix}* tools"

# One wrapper per tool; the package version in its text makes a new
# toolchain change the wrapper (ccache: see write_wrapper).
ver=$(installed_version "$root" "$pkg")
mkdir -p "$bin"
for t in "$root/usr/bin/${prefix}"*; do
	t=${t##*/}
	write_wrapper "$bin/$t" "$root" "$t" "Debian 13's $t ($pkg $ver)"
done
# A cross gcc's prefix ends in "-": check its gcc; a single tool (clang-19
# for harness/lint-full.sh) is checked itself.
check=$bin/${prefix}gcc
[ -e "$check" ] || check=$bin/$prefix
"$check" --version >/dev/null 2>&1 ||
	die "$check does not run: see $setup_log"
echo "$bin/$prefix"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# drgn.sh [--version-line]: drgn, the programmable kernel debugger, from
# Debian unstable, for reading the vmcores the harness captures.
#
#   harness/drgn.sh                 prints the path of a wrapper that runs
#                                   drgn ($psh_cache/drgn/unstable/bin/drgn)
#   harness/drgn.sh --version-line  the same set-up, but prints one line for
#                                   logs and the README instead:
#                                   "python3-drgn 0.3.0-1 sha256 80df5e..."
#
#   $(harness/drgn.sh) --version
#   $(harness/drgn.sh) -c VMCORE -s VMLINUX --main-symbols script.py
#
# Why unstable: python3-drgn 0.3.0-1 (2026-12-07) is the only Debian
# version made for Linux 7.x (its helpers follow 7.2 and 7.3 changes); it
# also unwinds arm64 exception frames (>= 6.13) and 7.1+ x86_64 ORC, should
# the test kernels switch from UNWINDER_GUESS.  Trixie's 0.0.31 stops at
# Linux 6.15 (docs/drafts/drgn/notes.md).  0.3.0 needs
# Python 3.14 and libpcre2 10.47, which trixie lacks, so it gets a root of
# its own: the first call debootstraps sid (minbase + python3-drgn) into
# $psh_cache/drgn/unstable/root (2 minutes, 380 MB, once; log in
# $psh_cache/drgn/unstable/setup.log) and writes the wrappers bin/drgn and
# bin/drgn-crash; later calls only check the root.  They run drgn like
# harness/trixie-cross.sh's tools, in a private mount namespace with the
# root's /usr over /usr, so vmcores, vmlinux and /tmp are the host's own
# paths (harness/debroot.sh).  Needs root (debootstrap, chroot, unshare -m).
#
# Each call writes $psh_cache/drgn/unstable/drgn.txt: package, version,
# the .deb's SHA256 (from the package list debootstrap verified against
# the signed Release and left in the root), suite, mirror, root.
#
# The root is made once and then left alone, so the drgn version does not
# drift when unstable moves on.
#
# Environment:
#   PSH_DRGN_REFRESH=1  debootstrap again and take the version the mirror has
#                       now (the old root stays if that fails)
#   PSH_DRGN_VERSION=V  fail unless V (e.g. 0.3.0-1) is the version installed
#   PSH_DRGN_MIRROR=URI the Debian mirror debootstrap takes sid from
#                       (default: harness/apt/apt.sh's trixie mirror,
#                       $PSH_DEBIAN_MIRROR).  Unstable keeps only a package's
#                       newest version: when 0.3.0-1 has left it, a snapshot
#                       of the archive from a day it was current serves it:
#                       https://snapshot.debian.org/archive/debian/20261030T000000Z/
# Keyring: that of apt.sh's trixie config (sid is signed with the trixie
# archive keys too).  debootstrap: the host's, else bookworm's, unpacked in
# the cache (harness/debroot.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=debroot.sh
. "$psh_harness/debroot.sh"

usage="usage: $0 [--version-line]"
mode=path
case $# in
0) ;;
1) [ "$1" = --version-line ] || die "$usage"; mode=version ;;
*) die "$usage" ;;
esac

pkg=python3-drgn
dir=$psh_cache/drgn/unstable
root=$dir/root
bin=$dir/bin
setup_log=$dir/setup.log
snapshot=https://snapshot.debian.org/archive/debian/20261030T000000Z/

[ "$(id -u)" = 0 ] ||
	die "drgn.sh: drgn comes from a Debian unstable root made with debootstrap and run with mount: run as root"
debroot_lock "$dir"

fresh=0
if [ "${PSH_DRGN_REFRESH:-0}" = 1 ] || [ ! -d "$root/var/lib/dpkg" ] || ! installed "$root" "$pkg"; then
	if ! make_root sid "$root" "$pkg" "$setup_log" "${PSH_DRGN_MIRROR:-}"; then
		m=$debroot_mirror
		case $(debroot_failure "$setup_log") in
		mirror)
			die "debootstrap got no Debian unstable (sid) Release file from $m (mirror unreachable, or no sid there): see $setup_log; set PSH_DRGN_MIRROR (or PSH_DEBIAN_MIRROR) to a Debian mirror that has sid, e.g. $snapshot" ;;
		package)
			die "Debian package $pkg (or a package it needs) is not in Debian unstable on $m: it has probably left unstable (which keeps only the newest upload); take it from a snapshot of the archive from a day it was there: PSH_DRGN_MIRROR=$snapshot $0 (see $setup_log)" ;;
		signature)
			die "the Debian unstable Release file on $m is not signed by a key in apt.sh's trixie keyring: see $setup_log" ;;
		*)
			die "debootstrap of Debian unstable (sid) with $pkg from $m failed: see $setup_log" ;;
		esac
	fi
	fresh=1
fi
installed "$root" "$pkg" || die "Debian package $pkg is not installed in $root: see $setup_log"
ver=$(installed_version "$root" "$pkg")
if [ -n "${PSH_DRGN_VERSION:-}" ] && [ "$ver" != "$PSH_DRGN_VERSION" ]; then
	if [ $fresh = 1 ]; then
		die "Debian unstable on $debroot_mirror has $pkg $ver, PSH_DRGN_VERSION wants $PSH_DRGN_VERSION: take it from a snapshot of the archive from a day it was current, PSH_DRGN_REFRESH=1 PSH_DRGN_MIRROR=URI (0.3.0-1: $snapshot)"
	fi
	die "$root has $pkg $ver, PSH_DRGN_VERSION wants $PSH_DRGN_VERSION: PSH_DRGN_REFRESH=1 takes the mirror's version, with PSH_DRGN_MIRROR=URI a snapshot's (0.3.0-1: $snapshot)"
fi

# The .deb's SHA256 from the package list debootstrap verified and left in
# the root; the mirror from the sources.list it wrote.
sha=$(chroot "$root" apt-cache show "$pkg=$ver" 2>/dev/null | sed -n 's/^SHA256: //p' | head -n1) || true
mirror=$(awk '$1 == "deb" { print $2; exit }' "$root/etc/apt/sources.list" 2>/dev/null) || true
printf 'package=%s\nversion=%s\nsha256=%s\nsuite=sid\nmirror=%s\nroot=%s\n' \
	"$pkg" "$ver" "${sha:-unknown}" "${mirror:-unknown}" "$root" >"$dir/drgn.txt.new"
if cmp -s "$dir/drgn.txt.new" "$dir/drgn.txt"; then rm -f "$dir/drgn.txt.new"; else mv "$dir/drgn.txt.new" "$dir/drgn.txt"; fi

mkdir -p "$bin"
for t in drgn drgn-crash; do
	[ -e "$root/usr/bin/$t" ] || continue
	write_wrapper "$bin/$t" "$root" "$t" "Debian unstable's $t ($pkg $ver, sha256 ${sha:-unknown})"
done
[ -e "$bin/drgn" ] || die "Debian package $pkg $ver has no /usr/bin/drgn in $root"
"$bin/drgn" --version >/dev/null 2>&1 || die "$bin/drgn does not run ($bin/drgn --version fails): see $setup_log"
if [ $mode = version ]; then
	echo "$pkg $ver sha256 ${sha:-unknown}"
else
	echo "$bin/drgn"
fi

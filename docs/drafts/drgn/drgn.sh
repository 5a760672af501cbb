#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DRAFT (docs/drafts/drgn, issue 18): not wired into the harness yet.
#
# drgn.sh [unstable|trixie]: drgn, the programmable kernel debugger, from
# Debian, for reading the vmcores the harness captures.  Prints the path of
# a wrapper that runs it:
#
#   $(docs/drafts/drgn/drgn.sh) --version
#   $(docs/drafts/drgn/drgn.sh) -c VMCORE -s VMLINUX --main-symbols script.py
#
# unstable (the default): python3-drgn from Debian unstable (0.3.0-1 on
#   2026-12-07), the first Debian version that unwinds Linux >= 7.1 x86_64
#   ORC and arm64 exception frames (>= 6.13; see notes.md).  It needs
#   Python 3.14 and libpcre2 10.47, which trixie lacks, so it gets a root
#   of its own: debootstrap sid (minbase + python3-drgn) into
#   $psh_cache/drgn/unstable/root (2 minutes, 380 MB, once; log in
#   $psh_cache/drgn/unstable/setup.log), wrapper $psh_cache/drgn/unstable/bin/drgn.
# trixie: python3-drgn 0.0.31-1 from Debian 13, installed into the existing
#   trixie root of harness/trixie-cross.sh (wrapper
#   $psh_cache/trixie-cross/bin/drgn).  Fine for kernels without ORC
#   (x86_64 UNWINDER_GUESS/FRAME_POINTER); it cannot unwind x86_64 7.1+
#   ORC ("unrecognized .orc_header").
#
# The root is made once and then left alone: a later run only checks it,
# so the drgn version does not drift when unstable moves on.  Delete
# $psh_cache/drgn/unstable (or set PSH_DRGN_REFRESH=1) to take the version
# unstable has now.  PSH_DRGN_VERSION=V makes the run fail unless V is the
# version installed (after a fresh debootstrap: the one the mirror had).
#
# How drgn runs: the same way as harness/trixie-cross.sh's tools, in a
# private mount namespace with the root's /usr over /usr and its
# /etc/ld.so.cache over the host's; every other path (vmcores, vmlinux,
# /tmp) is the host's own.  Needs root (debootstrap, chroot, unshare -m).
#
# Mirror and keyring: those of harness/apt/apt.sh's trixie config (sid is
# signed with the trixie archive keys too); PSH_DRGN_MIRROR overrides the
# mirror for unstable, e.g. a snapshot.debian.org archive URL when the
# wanted version has left the mirror.  debootstrap: the host's, else the
# one harness/trixie-cross.sh unpacked, else bookworm's through apt.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR/../../../harness source=lib.sh
. "$here/../../../harness/lib.sh"

suite=${1:-unstable}
case $suite in
trixie)
	# Reuse harness/trixie-cross.sh: it adds the package to its root with
	# apt-get (in a chroot) and writes one wrapper per /usr/bin/drgn*.
	"$psh_harness/trixie-cross.sh" python3-drgn drgn >/dev/null
	echo "$psh_cache/trixie-cross/bin/drgn"
	exit 0
	;;
unstable) ;;
*) die "usage: $0 [unstable|trixie]" ;;
esac

dir=$psh_cache/drgn/unstable
root=$dir/root
bin=$dir/bin
setup_log=$dir/setup.log
pkg=python3-drgn

[ "$(id -u)" = 0 ] ||
	die "drgn.sh: drgn comes from a sid root made with debootstrap and run with mount: run as root"
need_cmd unshare util-linux
need_cmd mount mount
need_cmd flock util-linux
need_cmd dpkg-query dpkg
mkdir -p "$dir"
exec 9>"$dir/lock"
flock 9

find_debootstrap() {
	local tmp deb cached=$psh_cache/trixie-cross/debootstrap
	if command -v debootstrap >/dev/null 2>&1; then
		echo debootstrap
		return
	fi
	if [ ! -x "$cached/usr/sbin/debootstrap" ]; then
		cached=$dir/debootstrap
		if [ ! -x "$cached/usr/sbin/debootstrap" ]; then
			log "no debootstrap on the host: fetching Debian package debootstrap (bookworm) into $cached"
			tmp=$(mktemp -d)
			(cd "$tmp" && "$psh_harness/apt/apt.sh" bookworm apt-get -q download debootstrap >&2) ||
				die "downloading Debian package debootstrap failed: install it with apt-get install debootstrap"
			deb=$(ls "$tmp"/debootstrap_*.deb)
			rm -rf "$cached"
			dpkg-deb -x "$deb" "$cached"
			rm -rf "$tmp"
		fi
	fi
	echo "$cached/usr/sbin/debootstrap"
}

make_root() {
	local sources mirror keyring ds start=$SECONDS
	need_cmd wget wget
	"$psh_harness/apt/apt.sh" conf >/dev/null ||
		die "harness/apt/apt.sh found no usable Debian mirror (set PSH_DEBIAN_MIRROR?)"
	sources=$psh_cache/apt/trixie.sources
	mirror=${PSH_DRGN_MIRROR:-$(sed -n 's/^URIs: *//p' "$sources" | head -n1)}
	keyring=$(sed -n 's/^Signed-By: *//p' "$sources" | head -n1)
	{ [ -n "$mirror" ] && [ -r "$keyring" ]; } || die "no mirror or keyring in $sources"
	ds=$(find_debootstrap)
	[ "$ds" = debootstrap ] || export DEBOOTSTRAP_DIR=${ds%/sbin/debootstrap}/share/debootstrap
	log "debootstrap sid (minbase + $pkg) from $mirror into $root (log: $setup_log)"
	rm -rf "$root.new"
	if ! "$ds" --variant=minbase --keyring="$keyring" --include="$pkg" \
		sid "$root.new" "$mirror" >"$setup_log" 2>&1; then
		tail -n 5 "$setup_log" >&2
		die "debootstrap of sid with $pkg from $mirror failed (mirror unreachable, or $pkg gone from unstable? see notes.md): see $setup_log"
	fi
	rm -rf "$root"
	mv "$root.new" "$root"
	log "sid root ready in $((SECONDS - start)) s"
}

installed() {
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}' "$1" 2>/dev/null |
		grep -qx installed
}

[ "${PSH_DRGN_REFRESH:-0}" = 1 ] && rm -rf "$root"
{ [ -d "$root/var/lib/dpkg" ] && installed "$pkg"; } || make_root
installed "$pkg" || die "$pkg is not installed in $root: see $setup_log"
ver=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' "$pkg")
[ -z "${PSH_DRGN_VERSION:-}" ] || [ "$ver" = "$PSH_DRGN_VERSION" ] ||
	die "$root has $pkg $ver, PSH_DRGN_VERSION wants $PSH_DRGN_VERSION (PSH_DRGN_REFRESH=1 to take the mirror's, PSH_DRGN_MIRROR for another mirror)"

# The .deb's SHA256 from the package list debootstrap verified (Release
# signature, then the list's own hash) and left in the root.
sha=$(chroot "$root" apt-cache show "$pkg=$ver" 2>/dev/null | sed -n 's/^SHA256: //p' | head -n1)
printf 'package=%s\nversion=%s\nsha256=%s\nsuite=sid\nroot=%s\n' \
	"$pkg" "$ver" "${sha:-unknown}" "$root" >"$dir/drgn.txt.new"
if cmp -s "$dir/drgn.txt.new" "$dir/drgn.txt"; then rm -f "$dir/drgn.txt.new"; else mv "$dir/drgn.txt.new" "$dir/drgn.txt"; fi

mkdir -p "$bin"
for t in drgn drgn-crash; do
	[ -e "$root/usr/bin/$t" ] || continue
	cat >"$bin/$t.new" <<-EOF
		#!/bin/sh
		# Generated by docs/drafts/drgn/drgn.sh: Debian unstable's $t
		# ($pkg $ver, sha256 ${sha:-unknown}),
		# run with $root/usr over /usr in a private mount namespace.
		exec unshare --mount --propagation private /bin/sh -c \\
		    'mount --bind "\$0/etc/ld.so.cache" /etc/ld.so.cache &&
		     mount --bind "\$0/usr" /usr && exec "\$@"' \\
		    "$root" /usr/bin/$t "\$@"
	EOF
	chmod +x "$bin/$t.new"
	if cmp -s "$bin/$t.new" "$bin/$t"; then rm -f "$bin/$t.new"; else mv "$bin/$t.new" "$bin/$t"; fi
done
"$bin/drgn" --version >/dev/null 2>&1 || die "$bin/drgn does not run: see $setup_log"
echo "$bin/drgn"

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# debroot.sh: Debian roots made with debootstrap in the cache, and wrappers
# that run their tools on the host, for harness/trixie-cross.sh (Debian 13
# compilers) and harness/drgn.sh (drgn from Debian unstable).  Source it
# after lib.sh (it sources lib.sh itself too, which is harmless):
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   . "$psh_harness/debroot.sh"
#
#   debroot_lock DIR          check the commands a root needs, create DIR,
#                             hold DIR/lock (fd 9) until the script exits
#   find_debootstrap          print the debootstrap to run
#   make_root SUITE ROOT PKG LOG [MIRROR]
#                             debootstrap SUITE (minbase + PKG) into ROOT
#   debroot_failure LOG       why a make_root failed, in one word
#   installed ROOT PKG        is PKG installed in ROOT?
#   installed_version ROOT PKG
#   write_wrapper OUT ROOT TOOL WHAT
#                             a wrapper OUT that runs ROOT's /usr/bin/TOOL
#
# All of it needs root (debootstrap, chroot, mount).
#
# Why a debootstrapped root rather than unpacked .debs: apt in debootstrap
# resolves the package's library closure and runs the maintainer scripts
# (ldconfig), so the root is a consistent Debian that just works.
#
# How the tools run: a newer Debian's binaries need its glibc (trixie
# 2.41, sid newer; bookworm has 2.36), and gcc runs cc1 and as itself, so
# wrapping a tool in an explicit loader is not enough, and patching every
# binary (patchelf) would be one more host package and modified package
# files.  Instead each wrapper runs its tool in a private mount namespace
# (unshare -m) with the root's /usr bind-mounted over the host's /usr (both
# are merged-/usr: /lib, /lib64 and /bin point into /usr) and its
# /etc/ld.so.cache over the host's.  The tool and everything it runs then
# use the root's loader and libraries, and every other path -- the kernel
# tree, the output directory, ccache, vmcores, /tmp -- is the host's own,
# whereas a chroot would need each of them (and $PSH_KSRC, wherever it is)
# bind-mounted at the same path inside.  The mounts vanish with the
# process: the host's mount table, /usr and package state are never
# changed.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# debroot_lock DIR: the commands every root and wrapper needs; then create
# DIR and take its lock (fd 9, held until the caller exits).
debroot_lock() {
	need_cmd unshare util-linux
	need_cmd mount mount
	need_cmd flock util-linux
	need_cmd dpkg-query dpkg
	mkdir -p "$1"
	exec 9>"$1/lock"
	flock 9
}

# find_debootstrap: print the debootstrap to run: the host's if installed,
# else bookworm's package, downloaded through harness/apt/apt.sh
# (signature-checked) and unpacked once into $psh_cache/trixie-cross/debootstrap
# (where trixie-cross.sh has always kept it; every root shares it), so no
# host package is installed.  make_root sets DEBOOTSTRAP_DIR for it.
find_debootstrap() {
	local tmp deb ddir=$psh_cache/trixie-cross/debootstrap
	if command -v debootstrap >/dev/null 2>&1; then
		echo debootstrap
		return
	fi
	if [ ! -x "$ddir/usr/sbin/debootstrap" ]; then
		log "no debootstrap on the host: fetching Debian package debootstrap (bookworm) into $ddir"
		tmp=$(mktemp -d)
		(cd "$tmp" && "$psh_harness/apt/apt.sh" bookworm apt-get -q download debootstrap >&2) || {
			rm -rf "$tmp"
			die "downloading Debian package debootstrap failed (mirror unreachable?): install it with apt-get install debootstrap"
		}
		deb=$(ls "$tmp"/debootstrap_*.deb)
		mkdir -p "${ddir%/*}"
		rm -rf "$ddir.new.$$"
		dpkg-deb -x "$deb" "$ddir.new.$$" || die "unpacking $deb failed"
		rm -rf "$tmp"
		# Atomic, and another script's concurrent unpack wins a tie.
		mv -T "$ddir.new.$$" "$ddir" 2>/dev/null || rm -rf "$ddir.new.$$"
	fi
	echo "$ddir/usr/sbin/debootstrap"
}

# make_root SUITE ROOT PKG LOG [MIRROR]: debootstrap SUITE (minbase + PKG)
# into ROOT, atomically (built in ROOT.new, then moved into place, so a
# ROOT that exists is complete), debootstrap's output in LOG.  Mirror and
# keyring: those of harness/apt/apt.sh's trixie config ($PSH_DEBIAN_MIRROR,
# PSH_HOST_KEYRING: see there; the keyring holds the trixie archive keys,
# which also sign sid), or MIRROR if given and not empty.  Dies when apt.sh
# has no usable config; when debootstrap fails, shows the end of LOG and
# returns 1, with the mirror it used in $debroot_mirror (debroot_failure
# LOG says why).
debroot_mirror=
make_root() {
	local suite=$1 root=$2 pkg=$3 setup_log=$4 sources keyring ds start=$SECONDS
	local env=()
	need_cmd wget wget
	need_cmd chroot coreutils
	# apt.sh renders its trixie sources with the mirror and a keyring that
	# holds the trixie keys (fetching one if the host's lacks them).
	"$psh_harness/apt/apt.sh" conf >/dev/null ||
		die "harness/apt/apt.sh found no usable trixie mirror: cannot fetch Debian package $pkg (set PSH_DEBIAN_MIRROR?)"
	sources=$psh_cache/apt/trixie.sources
	debroot_mirror=${5:-$(sed -n 's/^URIs: *//p' "$sources" | head -n1)}
	keyring=$(sed -n 's/^Signed-By: *//p' "$sources" | head -n1)
	{ [ -n "$debroot_mirror" ] && [ -r "$keyring" ]; } || die "no mirror or keyring in $sources"
	ds=$(find_debootstrap) || exit 1
	[ "$ds" = debootstrap ] || env=("DEBOOTSTRAP_DIR=${ds%/sbin/debootstrap}/share/debootstrap")
	log "debootstrap $suite (minbase + $pkg) from $debroot_mirror into $root (log: $setup_log)"
	rm -rf "$root.new"
	if ! env "${env[@]}" "$ds" --variant=minbase --keyring="$keyring" --include="$pkg" \
		"$suite" "$root.new" "$debroot_mirror" >"$setup_log" 2>&1; then
		tail -n 5 "$setup_log" >&2
		return 1
	fi
	rm -rf "$root"
	mv "$root.new" "$root" || die "cannot move $root.new to $root"
	log "$suite root ready in $((SECONDS - start)) s"
}

# debroot_failure LOG: why the debootstrap that wrote LOG failed: "mirror"
# (no Release file from the mirror: unreachable, or no such suite there),
# "package" (a package to install is not on the mirror: the one asked for,
# or one it needs), "signature" (Release not signed by the keyring), else
# "other".
debroot_failure() {
	if grep -q 'Failed getting release' "$1"; then echo mirror
	elif grep -q "Couldn't find these debs" "$1"; then echo package
	elif grep -qE 'Release signed by unknown key|Invalid Release signature' "$1"; then echo signature
	else echo other
	fi
}

# installed ROOT PKG: PKG is installed in ROOT (per ROOT's dpkg database).
installed() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${db:Status-Status}' "$2" 2>/dev/null |
		grep -qx installed
}

# installed_version ROOT PKG: the version of PKG in ROOT.
installed_version() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Version}' "$2"
}

# write_wrapper OUT ROOT TOOL WHAT: write the script OUT that runs
# /usr/bin/TOOL of ROOT in a private mount namespace, as described at the
# top.  Its header names the script that generated it and WHAT (the tool,
# package and version: a new version changes the wrapper, so ccache's
# compiler_check mtime does not reuse objects of an old compiler).  OUT is
# rewritten only when its text changes.
write_wrapper() {
	local out=$1 root=$2 tool=$3 what=$4 gen
	gen=$(realpath -ms --relative-to="$psh_root" "$0")
	cat >"$out.new" <<-EOF
		#!/bin/sh
		# Generated by $gen: $what,
		# run with $root/usr over /usr in a private mount namespace.
		exec unshare --mount --propagation private /bin/sh -c \\
		    'mount --bind "\$0/etc/ld.so.cache" /etc/ld.so.cache &&
		     mount --bind "\$0/usr" /usr && exec "\$@"' \\
		    "$root" /usr/bin/$tool "\$@"
	EOF
	chmod +x "$out.new"
	if cmp -s "$out.new" "$out"; then rm -f "$out.new"; else mv "$out.new" "$out"; fi
}

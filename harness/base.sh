#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# base.sh: print the path of the verified base tarball, finding it in order:
#   1. ../shared/base/linux-source-7.3.tar.xz beside the repo (sha256 checked)
#   2. $psh_cache/base/linux-source-7.3.tar.xz (a earlier download)
#   3. the .deb linux-source-7.3=7.3.4-1~bpo13+1 fetched with the private apt
#      configuration (harness/apt), tarball taken out and checked
# and otherwise stops saying what to install.  (An existing kernel tree named
# with PSH_KSRC bypasses the base altogether; see README.)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=linux-source-7.3.tar.xz
deb_version=7.3.4-1~bpo13+1
want=$(awk '{print $1}' "$psh_root/base/linux-source-7.3.sha256")

# matches FILE: the file exists and has the pinned sha256.
matches() {
	[ -f "$1" ] || return 1
	[ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want" ] && return 0
	log "$1: sha256 differs from base/linux-source-7.3.sha256, not using it"
	return 1
}

for f in "$psh_root/../shared/base/$name" "$psh_cache/base/$name"; do
	matches "$f" && { echo "$f"; exit 0; }
done

log "fetching linux-source-7.3 $deb_version with the private apt configuration"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if (cd "$tmp" && "$psh_harness/apt/apt.sh" apt-get download \
	"linux-source-7.3=$deb_version") >&2; then
	dpkg-deb -x "$tmp"/linux-source-7.3_*.deb "$tmp/x"
	mkdir -p "$psh_cache/base"
	mv "$tmp/x/usr/src/$name" "$psh_cache/base/$name.part"
	mv "$psh_cache/base/$name.part" "$psh_cache/base/$name"
	matches "$psh_cache/base/$name" && { echo "$psh_cache/base/$name"; exit 0; }
fi
die "no verified base tarball: install Debian's linux-source-7.3 ($deb_version, trixie-backports) and copy /usr/src/$name to $psh_cache/base/, or put it at ../shared/base/"

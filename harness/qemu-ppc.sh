#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu-ppc.sh [--force]: QEMU for ppc64le guests, unpacked in the cache.
#
# Debian 12's qemu-system-ppc (7.2) refuses pseries SMT under TCG ("TCG
# cannot support more than 1 thread/core"); SMT needs QEMU >= 8.1.  This
# fetches qemu-system-ppc and qemu-system-data (the firmware: SLOF for
# pseries) from bookworm-backports with the private apt (harness/apt/apt.sh
# bookworm), unpacks them with dpkg-deb -x into $psh_cache/qemu-bpo/root
# and writes $psh_cache/qemu-bpo/bin/qemu-system-ppc64, a wrapper that
# runs that binary with its own firmware directory (-L).  Nothing is
# installed on the host, whose x86 and arm QEMU stay as they are.
#
# Does nothing when the wrapper was written by this version of the script
# (a few milliseconds: harness/qemu.sh calls it for every ppc64le boot);
# --force or PSH_QEMU_PPC_FORCE=1 fetches again.  A library the binary
# needs and the host lacks is named with the Debian package to install.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# The backports build, and the packages unpacked.
version=${PSH_QEMU_PPC_VERSION:-1:10.0.2+ds-2+deb13u1~bpo12+1}
pkgs=(qemu-system-ppc qemu-system-data)

force=${PSH_QEMU_PPC_FORCE:-0}
[ "${1:-}" = --force ] && force=1
out=$psh_cache/qemu-bpo
wrapper=$out/bin/qemu-system-ppc64
generator=$( { sha256sum <"${BASH_SOURCE[0]}"; echo "$version"; } | sha256sum | cut -d' ' -f1)

if [ "$force" != 1 ] && [ -x "$wrapper" ] && grep -qx "# generator $generator" "$wrapper"; then
	exit 0
fi

need_cmd dpkg-deb dpkg
need_cmd ldd libc-bin
need_cmd flock util-linux
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

log "qemu-ppc: fetching ${pkgs[*]} $version from bookworm-backports"
dl=$(mktemp -d "$out/.dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT
(cd "$dl" && "$here/apt/apt.sh" bookworm apt-get -q download "${pkgs[@]/%/=$version}" >&2) ||
	die "downloading ${pkgs[*]} $version from bookworm-backports failed"
rm -rf "${out:?}/root" "${out:?}/bin" "${out:?}/debs"
mkdir -p "$out/root" "$out/bin" "$out/debs"
for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$out/root"
	mv "$deb" "$out/debs/"
done
bin=$out/root/usr/bin/qemu-system-ppc64
firmware=$out/root/usr/share/qemu
[ -x "$bin" ] || die "$bin missing after unpacking ${pkgs[*]}"
[ -e "$firmware/slof.bin" ] || die "$firmware/slof.bin missing (pseries firmware)"
# QEMU finds its modules relative to the binary when that directory exists,
# else in the host's /usr/lib/*/qemu, whose 7.2 modules it refuses noisily.
# The guests need none: an empty directory.
mkdir -p "$out/root/usr/lib/$(uname -m)-linux-gnu/qemu"

# Every library the binary needs must be on the host.  A missing one is
# named with its Debian package: the soname's package (libfoo.so.2:
# libfoo2, libfuse3.so.3: libfuse3-3) as qemu-system-ppc's Depends list it.
deps=$("$here/apt/apt.sh" bookworm apt-cache show "qemu-system-ppc=$version" |
	sed -n 's/^Depends: //p' | tr ',' '\n' | awk '{ print $1 }')
missing=()
for lib in $(ldd "$bin" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found$/\1/p'); do
	name=${lib%%.so*} soversion=${lib#*.so.}
	case $name in *[0-9]) name=$name- ;; esac
	pkg=$(echo "$name${soversion%%.*}" | tr 'A-Z_' 'a-z-')
	grep -qx "$pkg" <<<"$deps" || pkg="(the one of: $(paste -sd' ' <<<"$deps") that has $lib)"
	log "qemu-ppc: $bin needs $lib, missing on the host: install the Debian package $pkg"
	missing+=("$pkg")
done
[ ${#missing[@]} = 0 ] ||
	die "host libraries missing for qemu-system-ppc64 $version (apt-get install ${missing[*]})"

cat >"$wrapper.new" <<EOF
#!/bin/sh
# qemu-system-ppc64 $version (bookworm-backports), unpacked by harness/qemu-ppc.sh
# generator $generator
exec "$bin" -L "$firmware" "\$@"
EOF
chmod 755 "$wrapper.new"
mv "$wrapper.new" "$wrapper"
"$wrapper" --version | head -n1 | sed 's/^/psh: qemu-ppc: /' >&2
log "qemu-ppc: $wrapper ready"

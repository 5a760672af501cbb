#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--suite check|full]: make sure the host has every tool the
# harness uses.  As root, what is missing is installed from Debian
# (apt-get); otherwise the missing packages are named and the script fails.
# --suite full adds what only make check-full and make lint need (the
# mips64el and riscv64 guests).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# command-or-file  Debian package
needs="
gcc gcc
make make
git git
/usr/lib/git-core/git-send-email git-email
/usr/share/perl5/Mail/Address.pm libmailtools-perl
perl perl
flex flex
bison bison
bc bc
ccache ccache
sparse sparse
cpio cpio
xz xz-utils
gzip gzip
dpkg-deb dpkg
readelf binutils
/usr/include/libelf.h libelf-dev
/usr/include/openssl/ssl.h libssl-dev
/usr/lib/python3/dist-packages/ply python3-ply
/usr/lib/python3/dist-packages/git python3-git
aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
/usr/aarch64-linux-gnu/lib/libc.a libc6-dev-arm64-cross
powerpc64le-linux-gnu-gcc gcc-powerpc64le-linux-gnu
/usr/powerpc64le-linux-gnu/lib/libc.a libc6-dev-ppc64el-cross
qemu-system-x86_64 qemu-system-x86
qemu-system-aarch64 qemu-system-arm
timeout coreutils
socat socat
depmod kmod
"
# make check-full only: mips64el (QEMU malta) kexec scenarios, and the
# riscv64 (QEMU virt) guests: kernel and static guest tools from Debian's
# riscv64 gcc, QEMU 7.2 from qemu-system-misc (the OpenSBI firmware is
# Debian 13's, fetched by harness/opensbi.sh)
[ "${1:-}" != --suite ] || [ "${2:-}" != full ] || needs+="
mips64el-linux-gnuabi64-gcc gcc-mips64el-linux-gnuabi64
qemu-system-mips64el qemu-system-mips
riscv64-linux-gnu-gcc gcc-riscv64-linux-gnu
/usr/riscv64-linux-gnu/lib/libc.a libc6-dev-riscv64-cross
qemu-system-riscv64 qemu-system-misc
"

missing=()
while read -r what pkg; do
	[ -n "$what" ] || continue
	case "$what" in
	/*) [ -e "$what" ] ;;
	*) command -v "$what" >/dev/null 2>&1 ;;
	esac || missing+=("$pkg")
done <<<"$needs"

[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	die "missing host packages: ${missing[*]} (as root: apt-get install ${missing[*]})"
fi
log "installing host packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || log "apt-get update failed; trying with the current lists"
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
	die "apt-get install ${missing[*]} failed"

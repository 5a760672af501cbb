#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# prepare.sh ARCH VARIANT: everything a guest of ARCH needs, built or
# brought up to date: the kernel (build.sh), the static guest tools and the
# initramfs.  Prints the paths as shell assignments on stdout:
#   k_image=...  k_core=...  (k_core = core.cpio.gz, the capture initrd)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=${1:?usage: prepare.sh ARCH VARIANT}
variant=${2:?usage: prepare.sh ARCH VARIANT}
kbuild=$psh_cache/build/$arch-$variant
tools=$psh_cache/tools/$arch
initramfs=$psh_cache/initramfs/$arch-$variant

[ "${PSH_NO_BUILD:-0}" = 1 ] && [ -f "$kbuild/IMAGE" ] ||
	"$psh_harness/build.sh" "$arch" "$variant" >&2
make -s -C "$psh_root/tools" guest ARCH="$arch" O="$tools" >&2
"$psh_harness/initramfs.sh" "$arch" "$kbuild/mod-root" \
	"$tools" "$initramfs" >&2
echo "k_image=$kbuild/IMAGE"
echo "k_core=$initramfs/core.cpio.gz"

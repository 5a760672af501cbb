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
kbuild=$psh_cache/build/$arch-$variant$psh_fl
tools=$psh_cache/tools/$arch
initramfs=$psh_cache/initramfs/$arch-$variant$psh_fl

# The host tools: stamp (qemu.sh's console timestamps) and vmcore-notes
# (run.sh decodes kdump results with it).
make -s -C "$psh_root/tools" O="$psh_cache/tools/host" >&2
[ "${PSH_NO_BUILD:-0}" = 1 ] && [ -f "$kbuild/IMAGE" ] ||
	"$psh_harness/build.sh" "$arch" "$variant" >&2
if [ "$arch" = mips64el ]; then
	# MIPS64 R6 has no Debian libc: the agent is built with the kernel's
	# nolibc against this kernel's UAPI headers.
	make -s -C "$kbuild" ARCH=mips headers >&2
	make -s -C "$psh_root/tools" guest ARCH="$arch" O="$tools" \
		NOLIBC="$kbuild/source/tools/include/nolibc" UAPI="$kbuild/usr/include" >&2
else
	make -s -C "$psh_root/tools" guest ARCH="$arch" O="$tools" >&2
fi

# The harness's test modules (tools/kmod), into the kernel's module tree
# (not for mips64el, whose agent loads no modules).  psh_notifiers uses the
# series' notifier lists: built only for a kernel that has them.
# psh_splat: only for the debug flavour.
if [ "$arch" != mips64el ]; then
	kmod=$psh_cache/kmod/$arch-$variant$psh_fl
	rm -rf "$kmod" && mkdir -p "$kmod" && cp "$psh_root"/tools/kmod/* "$kmod/"
	grep -qs panic_hypervisor_list "$kbuild/source/include/linux/panic_notifier.h" ||
		sed -i '/psh_notifiers/d' "$kmod/Makefile"
	# psh_splat makes a lockdep, atomic-sleep or list report on purpose:
	# only the debug flavour's self-tests load it.
	[ "$psh_flavour" = debug ] || sed -i '/psh_splat/d' "$kmod/Makefile"
	case "$arch" in
	arm64) karch=arm64 cross=aarch64-linux-gnu- ;;
	ppc64le) karch=powerpc cross=powerpc64le-linux-gnu- ;;
	riscv64) karch=riscv cross=riscv64-linux-gnu- ;;
	*) karch=$arch cross= ;;
	esac
	make -s -C "$kbuild" ARCH="$karch" CROSS_COMPILE="$cross" M="$kmod" modules >&2
	make -s -C "$kbuild" ARCH="$karch" CROSS_COMPILE="$cross" M="$kmod" \
		INSTALL_MOD_PATH="$kbuild/mod-root" INSTALL_MOD_DIR=extra \
		INSTALL_MOD_STRIP=1 modules_install >&2
fi
"$psh_harness/initramfs.sh" "$arch" "$kbuild/mod-root" \
	"$tools" "$initramfs" >&2
echo "k_image=$kbuild/IMAGE"
echo "k_core=$initramfs/core.cpio.gz"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh ARCH MODULES_DIR TOOLS_DIR OUTDIR
#
# Builds the guest's core initramfs for ARCH (x86_64, arm64, ppc64le,
# riscv64; riscv64's userland has no kexec-tools, its psh-init loads
# kernels with kexec_file_load()):
#
#   OUTDIR/core.cpio.gz  the userland of userland.sh ARCH, TOOLS_DIR/psh-init
#                        as /init, TOOLS_DIR/vmcore-notes as
#                        /usr/bin/psh-vmcore-notes, MODULES_DIR merged in,
#                        empty /proc /sys /dev /tmp /out /etc /mnt /boot /run,
#                        /dev/console and /dev/null.
#
# mips64el (MIPS64 R6, for which Debian has no userland): no userland and
# no modules, TOOLS_DIR/mips-kexec-init (nolibc) as /init.
#
# MODULES_DIR is an INSTALL_MOD_PATH tree (lib/modules/VERSION/...) or "-".
# It is one complete gzip'ed newc archive, so run.sh appends per-run layers
# (/etc/psh.conf; /boot with the kernel and the capture initrd) with cat.
# Nothing is rebuilt when the inputs (this script, the userland MANIFEST,
# tools, module tree) are unchanged.  The userland is built first if it does not exist yet; refresh it
# with userland.sh.  PSH_INITRAMFS_FORCE=1 rebuilds anyway.

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ $# = 4 ] || die "usage: $0 ARCH MODULES_DIR|- TOOLS_DIR OUTDIR"
arch=$1 modules=$2 tools=$3 outdir=$4
if [ "$arch" = mips64el ]; then
	agents=(mips-kexec-init) userland='' modules=-
else
	deb_arch "$arch" >/dev/null
	agents=(psh-init vmcore-notes) userland=$psh_cache/userland/$arch
fi
[ "$modules" = - ] || [ -d "$modules" ] || die "modules dir $modules not found"
for t in "${agents[@]}"; do
	[ -f "$tools/$t" ] || die "$tools/$t not found (make -C tools guest ARCH=$arch O=$tools)"
done
need_cmd cpio cpio
need_cmd gzip gzip
need_cmd sha256sum coreutils

[ -z "$userland" ] || [ -s "$userland/MANIFEST" ] || "$here/userland.sh" "$arch"
mkdir -p "$outdir"

size() { echo "$(stat -c %s "$1") bytes ($(du -h "$1" | cut -f1))"; }
report() {
	log "$outdir/core.cpio.gz: $(size "$outdir/core.cpio.gz")"
}

# Stamp of every input; equal stamp and outputs present: nothing to do.
stamp=$(
	{
		echo "$arch"
		sha256sum "${BASH_SOURCE[0]}" ${userland:+"$userland/MANIFEST"} \
			"${agents[@]/#/$tools/}" | cut -d' ' -f1
		[ "$modules" = - ] || (cd "$modules" && find . -printf '%P %y %m %l\n' | LC_ALL=C sort &&
			find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
	} | sha256sum | cut -d' ' -f1
)
if [ "${PSH_INITRAMFS_FORCE:-0}" != 1 ] && [ -f "$outdir/core.cpio.gz" ] && [ "$(cat "$outdir/.initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
	log "initramfs $arch up to date"
	report
	exit 0
fi
rm -f "$outdir/.initramfs.stamp"

# newc_entry NAME MODE MAJOR MINOR: one newc record without data (a directory
# or device node), so /dev needs neither root nor mknod.
newc_entry() {
	local namesize=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		$((0x7000 + $3 * 256 + $4)) "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$1"
	head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}

# cpio_dir DIR [SKIP]: newc archive of DIR's contents (owned by root, entry
# SKIP left out) on stdout.
cpio_dir() {
	(cd "$1" && find . -mindepth 1 -printf '%P\n' | grep -vxF "${2:-/}" | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet)
}

work=$(mktemp -d "$outdir/.initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/core
mkdir "$root"
if [ -n "$userland" ]; then
	cp -a "$userland/root/." "$root/"
	install -m 755 "$tools/psh-init" "$root/init"
	install -m 755 "$tools/vmcore-notes" "$root/usr/bin/psh-vmcore-notes"
else
	install -m 755 "$tools/${agents[0]}" "$root/init"
fi
if [ "$modules" != - ]; then
	# Merge through the usr-merge links: lib/modules -> usr/lib/modules.
	for e in "$modules"/* "$modules"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		n=$(basename "$e")
		case $n in bin|sbin|lib|lib64) dest=$root/usr/$n ;; *) dest=$root/$n ;; esac
		mkdir -p "$dest"
		cp -a "$e/." "$dest/"
	done
	# build/source point into the host's kernel tree.
	find "$root/usr/lib/modules" -mindepth 2 -maxdepth 2 -type l \
		\( -name build -o -name source \) -delete 2>/dev/null || true
fi
for d in proc sys dev tmp out etc mnt boot run; do mkdir -p "$root/$d"; done
chmod 1777 "$root/tmp"

# /dev and its nodes are written by hand ahead of the rest: one archive.
{
	newc_entry dev $((0040755)) 0 0
	newc_entry dev/console $((0020600)) 5 1
	newc_entry dev/null $((0020666)) 1 3
	cpio_dir "$root" dev
} | gzip -n -6 >"$work/core.cpio.gz"


mv "$work/core.cpio.gz" "$outdir/core.cpio.gz"
rm -f "$outdir/initrd.img"
echo "$stamp" >"$outdir/.initramfs.stamp"
log "initramfs $arch built ($(du -sh "$root" | cut -f1) core root)"
report

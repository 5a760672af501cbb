#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# opensbi.sh: print the path of the OpenSBI firmware the riscv64 guests boot
# (QEMU -bios), the generic fw_dynamic.bin of Debian 13's opensbi package.
# The first call downloads the package through harness/apt/apt.sh (signed
# Release, sha256 checked by apt) into $psh_cache/opensbi and unpacks the
# one file; later calls only print the path.  OPENSBI.txt beside it names
# the package version and the .deb's sha256.
#
# Why not the OpenSBI that QEMU 7.2 ships (Debian 12's qemu-system-data,
# OpenSBI 1.1): it reserves its own region at 0x80000000 in the device tree
# without "no-map", so the kernel counts it as System RAM, kexec_file_load()
# puts it in the vmcore's ELF header, and the capture kernel's makedumpfile
# reads it through /proc/vmcore: the PMP forbids that, and makedumpfile dies
# of a load access fault (SIGSEGV) on the first page.  OpenSBI 1.6 marks the
# region no-map (docs/guests-riscv64.md).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir=$psh_cache/opensbi
fw=$dir/fw_dynamic.bin
if [ ! -s "$fw" ]; then
	mkdir -p "$dir/deb"
	rm -f "$dir"/deb/opensbi_*.deb
	(cd "$dir/deb" && "$psh_harness/apt/apt.sh" apt-get -q download opensbi >&2) ||
		die "downloading Debian 13's opensbi failed (harness/apt/apt.sh); the riscv64 guests need its fw_dynamic.bin"
	deb=$(ls "$dir"/deb/opensbi_*_all.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || die "apt-get download opensbi left no opensbi_*_all.deb in $dir/deb"
	rm -rf "$dir/x"
	dpkg-deb -x "$deb" "$dir/x"
	cp "$dir/x/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" "$fw.new"
	rm -rf "$dir/x"
	ver=$(dpkg-deb -f "$deb" Version)
	printf 'opensbi %s\n%s  %s\n' "$ver" "$(sha256sum <"$deb" | cut -d' ' -f1)" "${deb##*/}" >"$dir/OPENSBI.txt"
	mv "$fw.new" "$fw"
	log "OpenSBI $ver for the riscv64 guests: $fw"
fi
echo "$fw"

# SPDX-License-Identifier: GPL-2.0
# QEMU and kernel settings for x86_64 guests (sourced by harness/qemu.sh).
qemu_bin=qemu-system-x86_64
qemu_pkg=qemu-system-x86
qemu_machine=(-M pc -cpu max)
qemu_disk_dev=virtio-blk-pci
qemu_pvpanic_dev=pvpanic
guest_console="console=ttyS0 earlyprintk=serial,ttyS0,115200"
# Room for the capture kernel, its initramfs and the dump it writes to tmpfs.
guest_crashkernel=crashkernel=256M
guest_mem=1024
# KASLR offset for symbolizing a hung guest's RIPs (harness/qemu.sh): the
# IDT (fixed address, CPU_ENTRY_AREA_RO_IDT) gate of vector 0 points at
# asm_exc_divide_error.
qemu_kaslr_probe="x /2gx 0xfffffe0000000000"
# qemu_kaslr_offset MONITOR_OUTPUT VMLINUX: print the offset in decimal.
qemu_kaslr_offset() {
	local q0 q1 gate linked
	read -r q0 q1 < <(sed -n 's/^fffffe0000000000: *0x\([0-9a-f]*\) *0x\([0-9a-f]*\).*/\1 \2/p' "$1")
	[ -n "$q0" ] && [ -n "$q1" ] || return 1
	gate=$(( (0x$q0 & 0xffff) | (((0x$q0 >> 48) & 0xffff) << 16) |
		((0x$q1 & 0xffffffff) << 32) ))
	linked=$(nm "$2" | sed -n 's/^\([0-9a-f]*\) T asm_exc_divide_error$/\1/p')
	[ -n "$linked" ] || return 1
	echo $((gate - 0x$linked))
}

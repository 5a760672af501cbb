# SPDX-License-Identifier: GPL-2.0
# QEMU and kernel settings for arm64 guests (sourced by harness/qemu.sh).
qemu_bin=qemu-system-aarch64
qemu_pkg=qemu-system-arm
# pauth-impdef: the architected QARMA pointer authentication is very slow
# under TCG; the implementation-defined algorithm behaves the same for us.
qemu_machine=(-M virt,gic-version=3 -cpu max,pauth-impdef=on)
qemu_disk_dev=virtio-blk-pci
qemu_pvpanic_dev=pvpanic-pci
guest_console="console=ttyAMA0 earlycon=pl011,0x9000000"
guest_crashkernel=crashkernel=256M
guest_mem=1024
# kexec -e (trigger=kexec) needs the first kernel to leave the GICv3 LPIs
# off: once enabled they cannot be disabled, and without EFI the LPI
# tables are not reserved for the next kernel, which then hangs at
# "GICv3: Using preallocated redistributor tables" (base and series).
guest_kexec_append=irqchip.gicv3_nolpi=1

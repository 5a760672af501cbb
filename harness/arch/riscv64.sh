# SPDX-License-Identifier: GPL-2.0
# QEMU and kernel settings for riscv64 guests (sourced by harness/qemu.sh).
# -M virt: harts started and stopped through the SBI HSM extension of
# OpenSBI, which runs in M-mode below the kernel.  The firmware is Debian
# 13's OpenSBI 1.6 (fw_dynamic, harness/opensbi.sh fetches it into the
# cache), not the OpenSBI 1.1 of Debian 12's qemu-system-data: 1.1 leaves
# its own PMP-protected region mapped as System RAM, and makedumpfile
# faults on it in the capture kernel.  QEMU loads the kernel (-kernel: the
# Image) and initrd after it and passes the device tree.  No u-boot: QEMU
# starts the kernel directly.  The guest agent loads kernels with
# kexec_file_load() (tools/psh-init.c, kexec_loader=syscall): Debian 13
# has no riscv64 kexec-tools.  docs/guests-riscv64.md.
qemu_bin=qemu-system-riscv64
qemu_pkg=qemu-system-misc
qemu_machine=(-M virt -cpu rv64
	-bios "$("$psh_harness/opensbi.sh")")
# virt has a PCIe host (ECAM, CONFIG_PCI_HOST_GENERIC) as well as
# virtio-mmio: the PCI devices, as on arm64.
qemu_disk_dev=virtio-blk-pci
qemu_pvpanic_dev=pvpanic-pci
# virt's NS16550A at 0x10000000 (CONFIG_SERIAL_8250 + SERIAL_OF_PLATFORM).
guest_console="console=ttyS0 earlycon=uart8250,mmio,0x10000000"
# RAM starts at 0x80000000, so all of it is below 4 GiB, where
# crashkernel= without ",high" reserves.
guest_crashkernel=crashkernel=256M
guest_mem=1024

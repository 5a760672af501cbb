# SPDX-License-Identifier: GPL-2.0
# QEMU and kernel settings for riscv64 guests (sourced by harness/qemu.sh).
# -M virt: harts started and stopped through the SBI HSM extension of
# OpenSBI, which runs in M-mode below the kernel.  The firmware is the
# OpenSBI (fw_dynamic) that Debian 12's qemu-system-data ships for QEMU
# 7.2, the machine's default, named here so that a missing file is an
# error and not a silent fallback; QEMU loads the kernel (-kernel: the
# Image) and initrd after it and passes the device tree.  No u-boot: QEMU
# starts the kernel directly.  The guest agent loads kernels with
# kexec_file_load() (tools/psh-init.c, kexec_loader=syscall): Debian 13
# has no riscv64 kexec-tools.  docs/guests-riscv64.md.
qemu_bin=qemu-system-riscv64
qemu_pkg=qemu-system-misc
qemu_machine=(-M virt -cpu rv64
	-bios /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin)
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

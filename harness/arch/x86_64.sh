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

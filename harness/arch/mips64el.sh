# SPDX-License-Identifier: GPL-2.0
# QEMU and kernel settings for mips64el guests (sourced by harness/qemu.sh).
# -M malta -cpu I6400: MIPS64 R6, one core of up to 4 VPs in a Coherent
# Processing System (CPS SMP, CPU hotplug by CPC power-down), Debian 12's
# QEMU 7.2.  The guest agent is tools/mips-kexec-init (kexec -e and sysrq
# kdump).
qemu_bin=qemu-system-mips64el
qemu_pkg=qemu-system-mips
qemu_machine=(-M malta -cpu I6400)
qemu_disk_dev=virtio-blk-pci
qemu_pvpanic_dev=pvpanic-pci
# memsize=: a kernel started by kexec gets no firmware environment, so
# Malta would assume 32 MiB; the agent passes this word on (keep it equal
# to guest_mem).
guest_console="console=ttyS0,115200 memsize=256M"
# The capture kernel is not relocatable: build.sh mips64el capture links
# it at 128 MiB (kconfig/mips64el-capture.config), inside this range; the
# first kernel sits at 64 MiB (PHYSICAL_START's default) and QEMU puts
# the initrd at the top of the 256 MiB.
guest_crashkernel=crashkernel=64M@128M
guest_capture_variant=capture
guest_mem=256
# A kernel that panics reboots at once (and QEMU, with -no-reboot, exits).
guest_kexec_append=panic=-1

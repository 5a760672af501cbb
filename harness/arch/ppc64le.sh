# SPDX-License-Identifier: GPL-2.0
# QEMU and kernel settings for ppc64le guests (sourced by harness/qemu.sh).
# QEMU 10 from bookworm-backports, unpacked in the cache by
# harness/qemu-ppc.sh (Debian 12's 7.2 refuses SMT threads under TCG);
# qemu.sh runs qemu_provide before the first boot.
qemu_provide=qemu-ppc.sh
qemu_bin=$psh_cache/qemu-bpo/bin/qemu-system-ppc64
qemu_pkg=qemu-system-ppc
# The spectre caps pseries would emulate under KVM are "broken" under TCG;
# -nodefaults: no VGA, USB, NIC or CD-ROM (the console is the spapr vty,
# hvc0, from -serial).  The firmware is SLOF, which takes 5-15 s of TCG
# time before the kernel starts; x-vof=on (QEMU's minimal firmware) boots
# faster but leaves the NVRAM unformatted, and every kernel then warns
# "WARNING: nvram corruption detected: 0-length partition".
qemu_machine=(-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
	-cpu power9 -nodefaults)
# SMT: with T threads per core, --cpus N becomes one socket of N/T cores
# (qemu.sh halves T until it divides N); CPUs 1..T-1 are then secondary
# threads.  Default 1 (no SMT): with threads under MTTCG, QEMU 10.0.2
# deadlocks in the crash IPI, H_SIGNAL_SYS_RESET to all other CPUs: the
# hcall waits in run_on_cpu() for a vCPU that waits in cpu_exec_start()
# for another vCPU's exclusive section (cpu_exec_step_atomic), which waits
# for the hcall's vCPU (gdb, SMT4).  5 of the 6 SMT kdumps tried hung so;
# that cycle needs 3 vCPUs, and on 2 (one core of 2 threads, scenario
# kdump-smt-ppc) kdump with threads passes.
# PSH_PPC_SMT_THREADS=4 gives threads (e.g. for kexec -e scenarios).
qemu_smt_threads=${PSH_PPC_SMT_THREADS:-1}
qemu_disk_dev=virtio-blk-pci
qemu_pvpanic_dev=pvpanic-pci
guest_console="console=hvc0"
# Placed at 512 MiB (min(RMA/2, 512M) with the radix MMU), so memory must
# reach past 512 MiB + its size.
guest_crashkernel=crashkernel=256M
guest_mem=1024

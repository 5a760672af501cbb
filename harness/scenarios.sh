# SPDX-License-Identifier: GPL-2.0
#
# The scenarios, as data.  Each line registers one scenario (or a family of
# them) with run.sh; nothing here runs anything.
#
#   scenario NAME key=value...
#
# Keys (default in brackets):
#   arch=x86_64|arm64|all   [all]   all = one scenario per arch
#   vcpus=N                 [4]
#   cpu=N|each              [0]     CPU the trigger runs on; each = one
#                                   scenario per CPU, named NAME.cpuN
#   trigger=sysrq|lkdtm:X   [sysrq]
#   crash=yes|no            [yes]   load a crash kernel with kexec -p
#   cmdline=...             []      extra first-kernel parameters
#   capture_append=...      []      extra capture-kernel parameters
#   setup=...               []      shell command run before the trigger
#   expect=vmcore|reboot    [vmcore]
#                 vmcore: the capture kernel saved a dump whose dmesg holds
#                         the panic line and whose notes hold one
#                         NT_PRSTATUS per CPU online at the panic
#                 reboot: the guest panicked and QEMU exited (reset) without
#                         a capture kernel
#   fails_with=TEXT         []      a self-test of the harness: the
#                                   scenario passes only if the judge
#                                   rejects the run with a diagnostic
#                                   containing TEXT
#   timeout=S               [150]
#   suite=NAME              [check] which make target runs it (check, full)
#
# Test names are ARCH.NAME[.cpuN]; run one alone with
#   harness/run.sh x86_64.kdump-sysrq.cpu2

# Baseline behaviour that must hold on the unmodified base (issue 2).
scenario kdump-sysrq   cpu=each
scenario panic-reboot  crash=no cmdline=panic=-1 expect=reboot

# The harness must be able to fail: a capture kernel that cannot start its
# init is reported, by scenario name, well within the timeout.
scenario selftest-broken-capture arch=x86_64 "capture_append=rdinit=/bin/false panic=-1" \
	"fails_with=capture kernel never started /init"

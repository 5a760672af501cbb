# SPDX-License-Identifier: GPL-2.0
#
# The scenarios, as data.  Each line registers one scenario (or a family of
# them) with run.sh; nothing here runs anything.
#
#   scenario NAME key=value...
#
# Keys (default in brackets):
#   arch=x86_64|arm64|all|ppc64le|mips64el|riscv64  [all]
#                                   all = one scenario per arch of
#                                   x86_64 and arm64
#   vcpus=N                 [4]
#   cpu=N|each              [0]     CPU the trigger runs on; each = one
#                                   scenario per CPU, named NAME.cpuN
#   init_cpu=N              []      CPU psh-init pins itself (and so the
#                                   setup) to in the first kernel; unset:
#                                   not pinned
#   trigger=sysrq|lkdtm:X|none|reboot|kexec  [sysrq]
#                                   none: the setup panics by itself;
#                                   reboot: no panic at all;
#                                   kexec: no panic, kexec -e into the
#                                   same kernel (expect=kexec)
#   reboot_cpu=N            [0]     written to /sys/kernel/reboot/cpu
#                                   before kexec -e; expect=kexec checks
#                                   the next kernel boots on that CPU
#   hotplug_ops=N           []      expect=kexec: the setup logged at least
#                                   N "psh-hp: " lines (completed hotplug
#                                   operations) in the first kernel
#   crash=yes|no            [yes]   load a crash kernel with kexec -p
#   cmdline=...             []      extra first-kernel parameters
#   capture_append=...      []      extra capture-kernel parameters
#   setup=...               []      shell command run before the trigger
#   expect=vmcore|reboot|kunit|ok|settled|kexec  [vmcore]
#                 vmcore: the capture kernel saved a dump whose dmesg holds
#                         the panic line (trigger=lkdtm:X: or an oops
#                         line, kdump straight from the oops) and whose
#                         notes hold one
#                         NT_PRSTATUS per CPU online at the panic
#                 reboot: the guest panicked and QEMU exited (reset) without
#                         a capture kernel
#                 kunit:  no panic (use trigger=reboot); the KUnit suites
#                         the setup loaded all report ok on the console
#                 ok:     no panic (use trigger=reboot); the setup, whose
#                         shell checks are the test, exited 0
#                 settled: a race with two outcomes: either a vmcore as
#                         above, or the guest rebooted; it did not hang
#                 kexec:  (trigger=kexec) kexec -e started the next kernel,
#                         which booted on the reboot CPU with every CPU
#                         online; no WARNING, BUG, "Unbalanced cpu hotplug
#                         enable" or "Processor N is stuck" anywhere
#   fails_with=TEXT         []      a self-test of the harness: the
#                                   scenario passes only if the judge
#                                   rejects the run with a diagnostic
#                                   containing TEXT
#   lists=a,b,...|none      []      with the test module psh_notifiers
#                                   loaded: exactly these lists ran, in
#                                   order, once each (vmcore's dmesg for
#                                   expect=vmcore, console for reboot)
#   console_has=ERE         []      the console must show a matching line
#   stop=all|ERE            []      the first kernel printed exactly one
#                                   CPU-stop line ("smp: stopped N CPUs
#                                   (...)" or "smp: failed to stop ...",
#                                   kernel/smp_stop.c); all: it stopped
#                                   every other CPU online at the panic;
#                                   ERE: the line matches ERE
#   notes=N|stopped         []      vmcore: expect N NT_PRSTATUS notes
#                                   instead of one per CPU online when the
#                                   scenario armed; stopped: one for the
#                                   panicking CPU plus one per CPU the stop
#                                   line reports stopped
#   console_lacks=ERE       []      no console line may match
#   needs=P[,P...]          []      skipped (reported ok # SKIP) on a
#                                   kernel that lacks posting P
#                                   (patches/postings): the base, or a
#                                   prefix of the stack (run.sh --variant
#                                   POSTING); needs=series: all of them
#   threads=T               []      ppc64le: T SMT threads per core
#                                   (PSH_PPC_SMT_THREADS)
#   tcg=single|multi        []      QEMU TCG threading (PSH_TCG_THREAD);
#                                   unset: QEMU's default (multi)
#   panic_pc=SYMBOL         []      vmcore: the panicking CPU's note holds
#                                   a pc inside SYMBOL (System.map, less
#                                   VMCOREINFO's KERNELOFFSET): the faulting
#                                   context of an oops, not panic()'s
#   trace=CPU:WHAT[,...]    []      vmcore, x86_64 and arm64: drgn
#                                   (judge.sh, check_vmcore.py) unwinds
#                                   every CPU's note to a base frame, the
#                                   panicking CPU's through panic() (or
#                                   panic_pc); and CPU's trace holds a
#                                   frame matching the regex WHAT (idle:
#                                   the idle loop; user: user mode);
#                                   CPU=others: every CPU but the
#                                   panicking one that has a note; no
#                                   comma in WHAT (it separates items)
#   vmcore_selftest=KIND:NOTE[,...]  []  a self-test of the drgn check:
#                                   after the vmcore passed, a copy with
#                                   NT_PRSTATUS note NOTE zeroed (zero),
#                                   shifted by a register (shift) or no
#                                   longer a PRSTATUS (drop) must fail,
#                                   naming the CPU whose note it was
#   timeout=S               [150]
#   suite=NAME              [check] which make target runs it (check, full;
#                                   debug: only run.sh --suite debug or all)
#   debug=yes|no            [no]    also run on the debug flavour
#                                   (PSH_FLAVOUR=debug: lockdep and the
#                                   atomic-context checks) by run.sh
#                                   --suite debug, base and series, in make
#                                   check-full
#   splat_ok=ERE            []      debug flavour: report lines the judge
#                                   allows (judge.sh, check_splats, rejects
#                                   lockdep reports, atomic-context BUGs,
#                                   list corruption, WARNINGs and lockup
#                                   reports): those this scenario provokes
#                                   on purpose
#   needs_flavour=NAME      []      skipped (ok # SKIP) unless PSH_FLAVOUR
#                                   is NAME (the debug flavour's self-tests)
#
# Test names are ARCH.NAME[.cpuN]; run one alone with
#   harness/run.sh x86_64.kdump-sysrq.cpu2

# Baseline behaviour that must hold on the unmodified base (issue 2).
scenario kdump-sysrq debug=yes cpu=each trace=others:idle
scenario panic-reboot debug=yes crash=no cmdline=panic=-1 expect=reboot
# An oops with oops=panic (LKDTM BUG on CPU 3): the panicking CPU's note
# holds the faulting context, lkdtm_BUG (review R1.2; v1 saved panic()'s
# own registers, in __crash_kexec).  With nothing registered on the lists
# the default level puts before kdump (these guests have no hypervisor
# notifier: pvpanic is a module), kdump starts from the oops, without a
# panic, as on the base.  With pvpanic loaded, and at level 4 (where the
# base's crash_kexec_post_notifiers loses them), the die path hands the
# oops registers to panic().
scenario oops-regs cpu=3 trigger=lkdtm:BUG cmdline=oops=panic panic_pc=lkdtm_BUG \
	"console_lacks=Kernel panic - not syncing"
scenario oops-regs-pvpanic needs=panic-notifier-lists cpu=3 trigger=lkdtm:BUG \
	"cmdline=oops=panic panic_notifiers_level=2" \
	panic_pc=lkdtm_BUG "setup=modprobe -a pvpanic-mmio pvpanic-pci" \
	"console_has=Kernel panic - not syncing: (.*: )?Fatal exception"
scenario oops-regs-level4 needs=panic-notifier-lists cpu=3 trigger=lkdtm:BUG \
	"cmdline=oops=panic panic_notifiers_level=4" panic_pc=lkdtm_BUG
# A CPU in user mode when the panic stops it (a shell loop pinned to CPU
# 3): drgn must find user registers in CPU 3's note (issue 18).
scenario kdump-user cpu=1 trace=3:user \
	"setup=(taskset -c 3 sh -c 'while :; do :; done' &); sleep 0.5"
# The drgn check must be able to fail: once this run's vmcore passed, a
# copy with CPU 0's registers zeroed, the panicking CPU 1's shifted by one
# register and CPU 3's note turned into no NT_PRSTATUS must each be
# rejected, naming that CPU.
scenario selftest-vmcore cpu=1 vmcore_selftest=zero:0,shift:1,drop:3
# A setup that takes a CPU offline: the judge expects a note for each CPU
# online when the scenario is armed (after the setup), so 3 here.  With the
# online CPUs read before the setup it expected 4 and failed.
scenario kdump-offline debug=yes "setup=echo 0 >/sys/devices/system/cpu/cpu3/online && test \$(cat /sys/devices/system/cpu/online) = 0-2"

# The harness must be able to fail: a capture kernel that cannot start its
# init is reported, by scenario name, well within the timeout.
scenario selftest-broken-capture arch=x86_64 "capture_append=rdinit=/bin/false panic=-1" \
	"fails_with=capture kernel never started /init"
# The debug flavour's splat check must be able to fail: psh_splat
# (tools/kmod, built for the debug flavour only) makes one report of each
# kind when it loads, and each run passes only if the judge rejects it
# for that report.  Debug flavour only, base and series.
for kind in circular sleep list; do
	scenario selftest-splat-$kind arch=x86_64 suite=debug debug=yes needs_flavour=debug \
		crash=no trigger=reboot expect=ok "setup=modprobe psh_splat kind=$kind" \
		"fails_with=splat in the debug kernel: $(case $kind in
			circular) echo 'WARNING: possible circular locking dependency detected' ;;
			sleep) echo 'BUG: sleeping function called from invalid context' ;;
			list) echo 'list_add corruption' ;;
			esac)"
done

# KUnit runs inside a booted test kernel: the example suite proves the path
# (modprobe, console KTAP, judge) that the series' own suites use.
scenario kunit-example debug=yes crash=no trigger=reboot expect=kunit \
	"setup=modprobe kunit-example-test"

# The kexec lock on a panic during a crash hotplug update (the fixes
# posting, review item R2.8): the panic waits for a holder, takes the lock
# over from an update that only reads, and never keeps it without an
# image.  x86_64: arm64 has no crash hotplug.
scenario kunit-crash-hotplug debug=yes needs=fixes arch=x86_64 crash=no trigger=reboot expect=kunit \
	"setup=modprobe crash_hotplug_kunit"

# --- The panic notifier lists around kdump (issue 3; series only) --------
# psh_notifiers (tools/kmod) puts one notifier on each list; with dumper=1
# it is a kmsg dumper too.  Each level must run exactly its lists before
# kdump, and the capture must still succeed.
notifiers="setup=modprobe psh_notifiers"
scenario kunit-panic-notifiers debug=yes needs=panic-notifier-lists crash=no trigger=reboot expect=kunit \
	"setup=modprobe panic_kunit"
scenario notifiers-level0 debug=yes needs=panic-notifier-lists "$notifiers" cmdline=panic_notifiers_level=0 lists=none
scenario notifiers-level1 debug=yes needs=panic-notifier-lists "$notifiers" cmdline=panic_notifiers_level=1 lists=hypervisor
# Level 2 named on the command line: the lists posting alone defaults to
# 0, the base's order; the removal posting makes 2 the default
# (notifiers-default).
scenario notifiers-level2 debug=yes needs=panic-notifier-lists "$notifiers" cmdline=panic_notifiers_level=2 \
	lists=hypervisor
scenario notifiers-level2-dumper debug=yes needs=panic-notifier-lists "setup=modprobe psh_notifiers dumper=1" \
	cmdline=panic_notifiers_level=2 lists=hypervisor,info,kmsg_dump
scenario notifiers-default debug=yes needs=panic-notifier-removal "$notifiers" lists=hypervisor
scenario notifiers-level3 debug=yes needs=panic-notifier-lists "$notifiers" cmdline=panic_notifiers_level=3 \
	lists=hypervisor,info
scenario notifiers-level4 debug=yes needs=panic-notifier-lists "$notifiers" cmdline=panic_notifiers_level=4 \
	lists=hypervisor,info,pre_reboot
scenario notifiers-post-notifiers debug=yes needs=panic-notifier-lists "$notifiers" \
	cmdline=crash_kexec_post_notifiers=1 lists=hypervisor,info,pre_reboot \
	"console_has=crash_kexec_post_notifiers is deprecated, use panic_notifiers_level=4"
# The bare parameter, as kernel-parameters.txt and distribution guides write
# it (review R1.1): v1 refused it ("invalid for parameter") and stayed at
# level 2.
scenario notifiers-post-notifiers-bare debug=yes needs=panic-notifier-lists arch=x86_64 "$notifiers" \
	cmdline=crash_kexec_post_notifiers lists=hypervisor,info,pre_reboot \
	"console_has=crash_kexec_post_notifiers is deprecated, use panic_notifiers_level=4" \
	"console_lacks=invalid for parameter"
# A panic from a post-reboot notifier (panic=0, review R1.9): the nested
# panic runs no list again, the post-reboot list included, and reaches the
# final loop: its "end Kernel panic" line, then the module's panic_blink
# restarts the machine.  v1 ran the post-reboot list again.
scenario notifiers-post-reboot-nested debug=yes needs=panic-notifier-lists arch=x86_64 crash=no cmdline=panic=0 \
	expect=reboot "setup=modprobe psh_notifiers nested_panic=1" \
	lists=hypervisor,info,pre_reboot,post_reboot "console_has=end Kernel panic - not syncing: psh_notifiers: nested panic"
# No crash kernel and panic=0: all four lists, in order, then the test
# module's post-reboot notifier restarts the machine to end the test.
scenario notifiers-no-kdump debug=yes needs=panic-notifier-lists crash=no cmdline=panic=0 expect=reboot \
	"setup=modprobe psh_notifiers restart=1" lists=hypervisor,info,pre_reboot,post_reboot
# What a kmsg dumper receives (review R1.7): with no crash kernel, the x86
# "Kernel Offset:" line, printed by a notifier that each users patch may
# move, reaches the dump exactly once, as on the base, at every posting of
# the stack.  v1 and the first v2 lists posting ran panic_notifier_list,
# still every user's list, after kmsg_dump(): 0 lines.
scenario notifiers-dump-offset debug=yes needs=panic-notifier-lists arch=x86_64 crash=no cmdline=panic=0 \
	expect=reboot "setup=modprobe psh_notifiers dumper=1 restart=1 dump_grep=Offset:" \
	"console_has=psh_notifiers: kmsg_dump holds 1 lines with 'Offset:'"
# Bad input: refused with a message naming the parameter, old value kept.
level=/sys/module/kernel/parameters/panic_notifiers_level
scenario notifiers-level-invalid debug=yes needs=panic-notifier-removal arch=x86_64 crash=no trigger=reboot expect=ok \
	cmdline=panic_notifiers_level=7 \
	"console_has=panic_notifiers_level: '7' is not a level from 0 to 4, keeping 2" \
	"setup=test \$(cat $level) = 2 && ! echo 9 >$level && ! echo x >$level && test \$(cat $level) = 2 && echo 0 >$level && test \$(cat $level) = 0"
# A forced crash_kexec_post_notifiers wins over the level (review R1.8).
# Hyper-V, fadump and SEV-SNP set it themselves; here the command line
# stands for the platform.  The kernel says at boot that the level has no
# effect, and again when the level is written; sysfs shows the flag; level
# 4 applies.  v1 said nothing.
cknp=/sys/module/kernel/parameters/crash_kexec_post_notifiers
scenario notifiers-forced debug=yes needs=panic-notifier-lists arch=x86_64 lists=hypervisor,info,pre_reboot \
	"cmdline=crash_kexec_post_notifiers=1 panic_notifiers_level=1" \
	"setup=modprobe psh_notifiers && dmesg | grep -q 'panic_notifiers_level=1 has no effect' && echo 0 >$level && test \$(cat $cknp) = Y" \
	"console_has=panic_notifiers_level=0 has no effect: crash_kexec_post_notifiers is set"
# A real hypervisor notifier, end to end: QEMU's pvpanic device (pvpanic on
# x86_64, pvpanic-pci on arm64).  From level 1 up the host sees the guest's
# pvpanic event on QMP before the capture kernel boots; at level 0, as on
# the unmodified base by default, it sees none.  The capture succeeds.
# The pvpanic drivers are modules (kconfig/common.config): the setup loads
# them (pvpanic-mmio on x86_64, pvpanic-pci on arm64; -a loads both).
pvpanic_load="setup=modprobe -a pvpanic-mmio pvpanic-pci"
for lvl in 1 2 3 4; do
	scenario pvpanic-level$lvl needs=panic-notifier-users pvpanic=before \
		cmdline=panic_notifiers_level=$lvl "$pvpanic_load"
done
scenario pvpanic-level0 needs=panic-notifier-lists pvpanic=none cmdline=panic_notifiers_level=0 \
	"$pvpanic_load"

# --- The common CPU-stop layer (issue 4; series only) --------------------
# kdump from every CPU in turn, 4 and 8 vCPUs: exactly one stop line, every
# other CPU stopped, and a note per CPU online at the panic.
scenario stop-kdump needs=smp-stop cpu=each stop=all trace=others:idle
scenario stop-kdump-8 needs=smp-stop vcpus=8 cpu=each stop=all timeout=240 trace=others:idle
# x86 with nonmi_ipi (review R2.2): a crash stop still sends the NMI, as
# nmi_shootdown_cpus() did on the base, which ignored nonmi_ipi; every
# other CPU leaves its note.  v1 sent nothing: "failed to stop secondary
# CPUs 0,2-3 (crash, none)", 1 note of 4.
scenario kdump-nonmi arch=x86_64 cpu=1 cmdline=nonmi_ipi
# KUnit: the state machine with fake CPUs.  It needs 8 possible CPUs and
# skips itself otherwise, so require a case that really ran.
scenario kunit-smp-stop debug=yes needs=smp-stop vcpus=8 crash=no trigger=reboot expect=kunit \
	"setup=modprobe smp_stop_kunit" timeout=240 \
	"console_has=    ok [0-9]+ smp_stop_pair_test$"
# A CPU spinning with interrupts off (LKDTM HARDLOCKUP on CPU 2).  kdump:
# the NMI step stops it and its registers reach the vmcore (x86 NMI, arm64
# pseudo-NMI).  arm64 without pseudo-NMI has no step that reaches it: the
# line names it as failed, kdump still completes, its note is missing.
# Without kdump (panic stop): x86 escalates from the IPI to the NMI.
# The setup, pinned to CPU 0, also triggers the panic itself (trigger=none):
# once CPU 2 spins, any process that needs a TLB-flush IPI answered by CPU 2
# hangs, and the guest agent's own trigger would fork.
# On x86_64 the spin waits (up to 5 s) until the kernel left tsc-early: the
# switch to the refined TSC runs stop_machine(), which never completes
# while CPU 2 spins with interrupts off, and the guest then hangs before
# any panic (seen once in a make check-full run, 2026-12-01).
# The debug flavour's allowlist for these scenarios (splat_ok=): CPU 2
# spins with interrupts off until the panic, about 1 s after it began
# (stop-takeover: its wait for the reboot's stop, then 200 ms).  A panic
# that comes late (a loaded host; the debug kernel is slower) lets the
# watchdog report it: a soft lockup after 2 x watchdog_thresh (20 s), an
# RCU stall after 21 s (RCU_CPU_STALL_TIMEOUT) with CPU 2's NMI backtrace.
# The soft lockup and the NMI backtrace must name CPU 2; the RCU stall's
# own line names no CPU (the next line does), so any stall is allowed in
# these scenarios.  Only stop-takeover of them is in the debug selection
# (debug=yes); the others' allowlists serve hand runs
# (PSH_FLAVOUR=debug harness/run.sh arm64.stop-irqoff-nonmi).
# arm64 kdump after a failed crash stop (no NMI, or the pseudo-NMI came
# late): machine_kexec() warns "Some CPUs may be stale, kdump will be
# unreliable." on purpose, base and series alike.
lockup2='BUG: soft lockup - CPU#2 stuck|INFO: rcu_[a-z_]+ (self-)?detected (expedited )?stalls?|NMI backtrace for cpu 2'
stale_kdump='WARNING: [^ ]*arch/arm64/kernel/machine_kexec\.c:[0-9]+ at machine_kexec\+'
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
tsc_wait="i=0; while [ \$i -lt 50 ] && grep -qx tsc-early $cs; do sleep 0.1; i=\$((i + 1)); done"
spin="setup=$tsc_wait; (taskset -c 2 sh -c 'echo HARDLOCKUP >/sys/kernel/debug/provoke-crash/DIRECT' &); (sleep 1; echo c >/proc/sysrq-trigger) &"
scenario stop-irqoff "splat_ok=$lockup2" needs=smp-stop arch=x86_64 init_cpu=0 trigger=none "$spin" "stop=^smp: stopped 3 CPUs \(crash, NMI\)" \
	trace=2:^lkdtm_HARDLOCKUP$
# arm64 pseudo-NMI: the NMI step waits 10 ms, as the base's arm64 stop does.
# On a loaded TCG host the spinning vCPU can take the NMI later than that:
# the line then names CPU 2 as failed at the NMI step, and its note still
# reaches the vmcore (the capture kernel boots for seconds).  What this
# scenario proves is that the pseudo-NMI reaches a CPU with interrupts off
# and saves its registers: the line must name the NMI step and the vmcore
# must hold all four notes (without the NMI, CPU 2's is missing: see
# stop-irqoff-nonmi).  Whether the 10 ms window sufficed is in the facts.
scenario stop-irqoff-pnmi "splat_ok=$lockup2|$stale_kdump" needs=smp-stop arch=arm64 init_cpu=0 trigger=none "$spin" cmdline=irqchip.gicv3_pseudo_nmi=1 \
	"stop=^smp: (stopped 3 CPUs|failed to stop secondary CPUs 2) \(crash, NMI\)" \
	trace=2:^lkdtm_HARDLOCKUP$
scenario stop-irqoff-nonmi "splat_ok=$lockup2|$stale_kdump" needs=smp-stop arch=arm64 init_cpu=0 trigger=none "$spin" notes=3 \
	"stop=^smp: failed to stop secondary CPUs 2 \(crash, IPI\) after [0-9]+ us; stopped 2"
scenario stop-irqoff-panic "splat_ok=$lockup2" needs=smp-stop arch=x86_64 init_cpu=0 trigger=none "$spin" crash=no cmdline=panic=-1 \
	expect=reboot "stop=^smp: stopped 3 CPUs \(panic, NMI\) in 1[0-9]{6} us"
# A panic while CPU 3 goes offline and online in a loop (sysfs): no CPU is
# lost, every CPU the stop line counts has its note, and one stop line.
cpu3=/sys/devices/system/cpu/cpu3/online
scenario stop-hotplug debug=yes needs=fixes,smp-stop notes=stopped "stop=^smp: stopped [23] CPUs \(crash," \
	"setup=(while :; do echo 0 >$cpu3; echo 1 >$cpu3; done) >/dev/null 2>&1 & sleep 1"
# --- kexec -e and CPU hotplug (issue 5) ------------------------------------
# kexec -e into the same kernel: from the default reboot CPU, from CPU 1
# (/sys/kernel/reboot/cpu), after CPU 3 was taken offline, and while CPU 3
# goes offline and online in a loop.  The next kernel must boot on the
# reboot CPU with every CPU online, and no kernel may warn.  The loop's
# completed operations are logged ("psh-hp: ..."), so a run in which it
# never got to run fails instead of passing unchallenged.
hp_loop="(while :; do echo 0 >$cpu3 && echo 'psh-hp: cpu3 off' >/dev/kmsg; echo 1 >$cpu3 && echo 'psh-hp: cpu3 on' >/dev/kmsg; done) >/dev/null 2>&1 & sleep 1"
scenario kexec-reboot debug=yes crash=no trigger=kexec expect=kexec
# Not on x86_64: a kernel that starts on an AP disables the real BSP
# ("Crash kernel detected. Disabling real BSP to prevent machine INIT",
# arch/x86/kernel/cpu/topology.c), so kexec -e from CPU 1 comes back with
# one CPU fewer by design, on the base as with the series.
scenario kexec-reboot-cpu1 debug=yes arch=arm64 crash=no trigger=kexec expect=kexec reboot_cpu=1
scenario kexec-offline debug=yes crash=no trigger=kexec expect=kexec "setup=echo 0 >$cpu3"
scenario kexec-hotplug debug=yes crash=no trigger=kexec expect=kexec hotplug_ops=4 "setup=$hp_loop"
# A panic on CPU 2 while CPU 1 runs reboot -f: whichever wins, no hang, no
# BUG or WARNING, and a single stop line.  When the panic takes over a
# reboot stop that already stopped some CPUs, those have no crash state
# (the line names them): notes=stopped counts the CPUs that do.
scenario stop-vs-reboot debug=yes needs=smp-stop expect=settled cpu=2 notes=stopped \
	"setup=(taskset -c 1 reboot -f &)" "stop=^smp: stopped [0-9]+ CPUs" \
	"console_lacks=(BUG|WARNING|list_add corruption)"
# No crash kernel, crash_kexec_post_notifiers=1, panic=1: one crash stop
# (the later emergency restart sends nothing), no list_add BUG, a reboot.
scenario stop-post-notifiers-reboot needs=smp-stop crash=no expect=reboot \
	"cmdline=crash_kexec_post_notifiers=1 panic=1" "stop=^smp: stopped 3 CPUs \(crash, (NMI|IPI)\)" \
	"console_lacks=(BUG|list_add corruption|WARNING)"
# x86 emergency restart after a vetoed stop (review R2.3): reboot=force
# vetoes the panic's plain stop (the base's native_stop_other_cpus()
# returned at once then too), and panic=1 then reboots through
# emergency_restart(), whose NMI shootdown must take the other CPUs out of
# VMX/SVM, which blocks INIT.  kvm_amd (-cpu max offers SVM under TCG)
# turns SVM on on every CPU at load.  v1 recorded the vetoed stop as done
# and the shootdown sent nothing: no emergency line.
scenario emergency-after-veto needs=smp-stop arch=x86_64 crash=no expect=reboot \
	"cmdline=reboot=force panic=1" "setup=modprobe kvm_amd && grep -qw svm /proc/cpuinfo" \
	"console_has=smp: stopped 3 CPUs \(emergency, NMI\)" \
	"console_lacks=(BUG|WARNING|list_add corruption)"
# A panic during a running reboot stop, deterministically: reboot -f
# starts 100 ms after the module loads; when it reaches syscore shutdown
# (on CPU 0, the reboot CPU, right before machine_restart()), the module
# sends CPU 2 into a wait with interrupts off, and the reboot's stop waits
# up to 1 s for CPU 2 to take its stop IPI.  CPU 2 panics 200 ms after it
# sees the first stopped CPU go offline (late_panic_on_stop).  (A fixed
# delay from the module's load lost the race on a loaded host; spinning
# from the load on held up the reboot's device shutdown, which waits for
# RCU grace periods, in about one run of three.)
# The panic takes the stop over: one line, "took over from CPU 0
# (reboot)"; CPU 0 stops with its registers saved, by the crash ladder's
# message or by parking itself at its next poll (then the rung is "none");
# CPUs 1 and 3, which the reboot had stopped, have no crash state; kdump
# completes with notes for CPUs 2 and 0.
scenario stop-takeover debug=yes "splat_ok=$lockup2" needs=smp-stop cpu=2 init_cpu=0 trigger=none notes=2 \
	"setup=modprobe psh_notifiers late_panic_cpu=2 late_panic_on_stop=1 late_panic_ms=200 && (sleep 0.1; taskset -c 1 reboot -f) &" \
	"stop=^smp: stopped 3 CPUs \(crash, (NMI|IPI|none)\) in [0-9]+ us; took over from CPU 0 \(reboot\)(; self-stopped: 0)?; no crash state: 1,3\$"
# How long the "one second" stop IPI wait really is, base and series alike
# (suite full): arm64 without pseudo-NMI, CPU 2 spinning with interrupts off,
# no kdump.  Compare the guest time between "SMP: stopping secondary CPUs"
# and "SMP: failed to stop ..." (base) with the series' stop line.
scenario ipi-wait "splat_ok=$lockup2" arch=arm64 init_cpu=0 trigger=none crash=no cmdline=panic=-1 \
	expect=reboot suite=full "$spin"

# --- ppc64le (issue 5; suite full) -----------------------------------------
# QEMU -M pseries (harness/arch/ppc64le.sh; QEMU 10 from bookworm-backports,
# unpacked in the cache by harness/qemu-ppc.sh).  Opt-in: suite full, and
# arch=all stays x86_64 and arm64; harness/run.sh [--variant base] 'ppc64le.*'.
# kdump through sysrq-c from each of 4 CPUs.  No SMT threads by default:
# QEMU 10.0.2 deadlocks in the crash IPI with them on more than 2 vCPUs
# (see arch/ppc64le.sh; kdump-smt-ppc below runs on 2);
# PSH_PPC_SMT_THREADS=4 runs the same lines on one core of 4 threads.
scenario kdump-sysrq-ppc arch=ppc64le suite=full cpu=each timeout=240
# kdump on SMT threads: one core of 2 threads, sysrq-c on each.  Two vCPUs
# cannot close the MTTCG deadlock above (it takes a third vCPU in an
# exclusive section); 2 cores of 2 threads hung in 2 of 4 tries.
scenario kdump-smt-ppc arch=ppc64le suite=full cpu=each vcpus=2 threads=2 timeout=240
# The same after SMT off (thread 1 offline in RTAS stop-self): as in
# kdump-offline-ppc below, the crash IPI resets the offline thread too and
# it leaves a note, so notes=2 for 1 online CPU.
scenario kdump-smt-off-ppc arch=ppc64le suite=full cpu=0 vcpus=2 threads=2 timeout=240 notes=2 \
	"setup=echo off >/sys/devices/system/cpu/smt/control && test \$(cat /sys/devices/system/cpu/online) = 0"
# CPUs 1 and 3 offline (in RTAS stop-self) at the panic still leave a note
# each, with their pc in RTAS: the crash IPI, H_SIGNAL_SYS_RESET to all
# other CPUs, resets them too and they save their state (base kernel,
# QEMU 10.0.2).  Pinned here as notes=4 for 2 online CPUs.
ppc_cpu=/sys/devices/system/cpu
scenario kdump-offline-ppc arch=ppc64le suite=full cpu=0 timeout=240 notes=4 \
	"setup=echo 0 >$ppc_cpu/cpu1/online && echo 0 >$ppc_cpu/cpu3/online && test \$(cat $ppc_cpu/online) = 0,2"
# kexec -e on SMT threads (threads=4: QEMU -smp N,cores=N/4,threads=4),
# the case of 011e4b02f1da ("Processor X is stuck" after kexec from ST
# mode): with SMT off only the primary threads are online, and powerpc's
# kexec must wake every offline thread (wake_offline_cpus(), "kexec:
# Waking offline cpu N.") for the next kernel to bring all 8 back.  With
# CPU hotplug disabled and no arch re-enable, add_cpu() fails after about
# 620 ms of retries per thread and WARNs (the judge rejects any WARNING).
scenario kexec-reboot-ppc arch=ppc64le suite=full crash=no trigger=kexec expect=kexec \
	threads=4 timeout=240
scenario kexec-smt-off-ppc arch=ppc64le suite=full crash=no trigger=kexec expect=kexec \
	threads=4 vcpus=8 timeout=300 \
	"setup=echo off >$ppc_cpu/smt/control && test \$(cat $ppc_cpu/online) = 0,4" \
	"console_has=kexec: Waking offline cpu 7\."
scenario kexec-hotplug-ppc arch=ppc64le suite=full crash=no trigger=kexec expect=kexec \
	threads=4 timeout=240 hotplug_ops=4 "setup=$hp_loop"
# Review R3.4: kexec from ST mode while a CPU hotplug operation lands
# between two wake-ups.  psh_hpdelay (tools/kmod) holds each thread that
# comes online for 300 ms; the first one woken is taken offline again by
# a kthread that calls remove_cpu() for it and, waiting on
# device_hotplug_lock meanwhile, gets that lock when the next bring-up
# ends (the lock's handoff to its first waiter), as an "off" written to
# SMT control or a DLPAR remove can.  When the wake-up reopens CPU hotplug
# (v1 and the base: hotplug enabled around or before the add_cpu() loop),
# remove_cpu() returns 0: the thread goes down again in the middle of the
# kexec (under QEMU the next kernel still starts it from RTAS stop-self;
# with cede offline on PowerVM it would be "Processor N is stuck").  When
# the threads come up under the reboot's hotplug reference
# (smp_online_present_cpus()), remove_cpu() waits for the loop and gets
# -EBUSY: no hotplug operation between the wake-up and the jump.
scenario kexec-smt-race-ppc arch=ppc64le suite=full crash=no trigger=kexec expect=kexec \
	threads=4 vcpus=8 timeout=300 \
	"setup=echo off >$ppc_cpu/smt/control && test \$(cat $ppc_cpu/online) = 0,4 && modprobe psh_hpdelay offline_again=1" \
	"console_has=psh_hpdelay: CPU [0-9]+ came up; taking it offline again" \
	"console_lacks=psh_hpdelay: remove_cpu\([0-9]+\) returned 0"

# --- mips64el (issue 5; suite full) ----------------------------------------
# QEMU -M malta -cpu I6400, 4 VPs in CPS (harness/arch/mips64el.sh).  No
# Debian userland runs on MIPS64 R6: the guest agent is the nolibc
# tools/mips-kexec-init, which does kexec -e (kexec_load() of the same
# vmlinux and initrd, the command line written into the image's
# arcs_cmdline) and sysrq kdump, and runs "echo V >FILE" setups itself.  Opt-in like
# ppc64le: harness/run.sh [--variant base] 'mips64el.*'.
scenario kexec-reboot arch=mips64el suite=full crash=no trigger=kexec expect=kexec timeout=300
# kdump: sysrq-c on each CPU; the capture kernel is a build of its own,
# linked inside crashkernel= (build.sh mips64el capture, from the base),
# and the agent makes the ELF core header kexec-tools would.  The vmcore's
# notes and printk text are decoded on the host (run.sh).
scenario kdump-sysrq arch=mips64el suite=full cpu=each timeout=300
# kexec-offline is in no suite (run it by name): offlining a CPU through
# sysfs hangs this QEMU malta guest before any kexec code runs, on the
# base as on the series ("rcu: Offline CPU 3 blocking current GP"; the
# dying VP keeps taking interrupts after cps_cpu_disable() and never
# reaches play_dead()): 8 of 10 tries with multi-threaded TCG, 3 of 9
# with single-threaded TCG, which it therefore uses.  docs/guests-mips64el.md.
scenario kexec-offline arch=mips64el suite=mips-offline crash=no trigger=kexec expect=kexec timeout=300 \
	tcg=single "setup=echo 0 >$cpu3"

# --- riscv64 (issue 19; suite full) ----------------------------------------
# QEMU -M virt, 4 harts under OpenSBI 1.6 (harness/arch/riscv64.sh).  The
# guest agent loads kernels with kexec_file_load() (psh-init
# kexec_loader=syscall: Debian 13 has no riscv64 kexec-tools); userland
# makedumpfile and busybox from Debian 13.  Opt-in like ppc64le and
# mips64el: harness/run.sh [--variant base] 'riscv64.*'.  A run takes
# about 35 s under TCG (docs/guests-riscv64.md); 240 s leaves room for a
# loaded host.
# kdump through sysrq-c from each hart: a note per hart, the panic in the
# vmcore's dmesg (base and series); on the series also exactly one stop
# line with every other hart stopped (one IPI rung: riscv has no NMI).
scenario kdump-sysrq arch=riscv64 suite=full cpu=each timeout=240
scenario stop-kdump arch=riscv64 suite=full needs=smp-stop cpu=each stop=all timeout=240
# No crash kernel, panic=-1: the panic reboots at once (SBI SRST; QEMU
# exits with -no-reboot).
scenario panic-reboot arch=riscv64 suite=full crash=no cmdline=panic=-1 expect=reboot timeout=240
# kexec -e into the same kernel: the harts go down through CPU hotplug
# (SBI HSM stop) and the next kernel brings every one back (HSM start).
scenario kexec-reboot arch=riscv64 suite=full crash=no trigger=kexec expect=kexec timeout=240
# Hart 2 spinning with interrupts off (LKDTM HARDLOCKUP; the setup, pinned
# to CPU 0, panics itself, as in stop-irqoff above).  No NMI on riscv: the
# crash stop's IPI cannot reach hart 2, the one-second wait runs out,
# kdump completes with 3 notes.  The base says "SMP: failed to stop
# secondary CPUs 1-3" (it prints the whole mask it sent to); the series'
# line names hart 2 alone.
scenario kdump-irqoff arch=riscv64 suite=full init_cpu=0 trigger=none "$spin" notes=3 timeout=240 \
	"console_has=(SMP|smp): failed to stop secondary CPUs"
scenario stop-irqoff-nonmi arch=riscv64 suite=full needs=smp-stop init_cpu=0 trigger=none "$spin" \
	notes=3 timeout=240 \
	"stop=^smp: failed to stop secondary CPUs 2 \(crash, IPI\) after [0-9]+ us; stopped 2"

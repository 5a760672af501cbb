#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# stopprof.sh [--vcpus N] [--nokdump] [--out DIR] VARIANT...: where the instructions of
# the first CPU stop go, per CPU and per function, in the stopbench flavour
# of the x86_64 kernels (build them first: PSH_FLAVOUR=stopbench
# harness/build.sh x86_64 VARIANT).
#
# Boots one kdump run (sysrq-c on CPU 0, idle guest, --icount 0, TCG
# single-threaded, the base kernel as capture kernel; with --nokdump a
# panic without a crash kernel and panic=-1: the plain stop) per VARIANT, turns on
# QEMU's execution trace (HMP "log exec,nochain": one line per translated
# block executed) from the guest's setup step until the stopbench line, and
# hands the trace to stopprof.py, which counts the instructions of each
# block executed from stopbench_begin() to the last stopbench_ack(), by
# function (System.map, objdump of vmlinux).  The trace of one run is 1-3
# GB; it is deleted once counted.  docs/bench.md says how to read it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

vcpus=4 out=$psh_root/out/stopprof nokdump=0
while [ $# -gt 0 ]; do
	case "$1" in
	--vcpus) vcpus=$2; shift 2 ;;
	--nokdump) nokdump=1; shift ;;
	--out) out=$2; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "usage: stopprof.sh [--vcpus N] [--out DIR] VARIANT..."
need_cmd socat socat
need_cmd objdump binutils

for v in "$@"; do
	d=$out/$v-v$vcpus keys="cmdline=nokaslr"
	[ $nokdump = 0 ] || d=$d-nokdump keys="crash=no expect=reboot 'cmdline=nokaslr panic=-1'"
	rm -rf "$d"; mkdir -p "$d"
	build=$psh_cache/build/x86_64-$v-stopbench
	[ -f "$build/vmlinux" ] ||
		die "no $build/vmlinux: run PSH_FLAVOUR=stopbench harness/build.sh x86_64 $v"
	# nokaslr: the trace's addresses are System.map's.  The setup step
	# spins rather than sleeps: under -icount (sleep=off) an idle guest's
	# sleep takes no host time, and the monitor needs some to turn the
	# trace on before the panic.
	printf '%s\n' "scenario prof arch=x86_64 vcpus=$vcpus suite=bench timeout=400 $keys 'setup=echo PSH-PROF-ARM; i=0; while [ \$i -lt 15000 ]; do i=\$((i + 1)); done'" >"$d/table.sh"
	PSH_SCENARIOS=$d/table.sh PSH_FLAVOUR=stopbench PSH_ICOUNT=0 \
		PSH_TCG_THREAD=single PSH_CAPTURE_VARIANT=base \
		"$psh_harness/run.sh" --variant "$v" --out "$d/run" x86_64.prof >"$d/run.log" 2>&1 &
	pid=$!
	con=$d/run/x86_64.prof/console.log sock=$d/run/x86_64.prof/monitor.sock
	armed=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ $armed = 0 ] && grep -qa PSH-PROF-ARM "$con" 2>/dev/null; then
			printf 'logfile %s\nlog exec,nochain\n' "$d/exec.log" |
				socat -t 1 - "UNIX-CONNECT:$sock" >/dev/null
			armed=1
		elif [ $armed = 1 ] && grep -qa 'stopbench:' "$con" 2>/dev/null; then
			printf 'log none\n' | socat -t 1 - "UNIX-CONNECT:$sock" >/dev/null
			armed=2
		fi
		sleep 0.2
	done
	wait "$pid" || die "$v: the run failed: $d/run.log"
	[ -s "$d/exec.log" ] || die "$v: no trace (the monitor never saw the setup step)"
	grep -a -m1 -o 'stopbench: .*' "$con" | tee "$d/stopbench.txt"
	python3 "$psh_harness/bench/stopprof.py" "$d/exec.log" "$build" >"$d/profile.txt"
	rm -f "$d/exec.log"
	log "$v: $d/profile.txt"
	head -n 1 "$d/profile.txt"
done

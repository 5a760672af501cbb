#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [ARCH [VARIANT]]: the main job in one command.  Builds the kernel
# (series by default) and everything the guest needs, boots it in QEMU,
# loads a crash kernel, panics it with sysrq-c on CPU 1, lets the capture
# kernel save the vmcore, and summarises what the vmcore holds, ending
# with each CPU's backtrace as drgn reads it from the vmcore.  A step
# that fails stops the demo with one line saying which.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=${1:-x86_64} variant=${2:-series}
test=$arch.kdump-sysrq.cpu1
out=$psh_root/out/demo

"$psh_harness/deps.sh" || die "demo: installing the host packages failed (see above)"
"$psh_harness/tree.sh" init || die "demo: setting up the kernel work tree failed (see above)"
# As make check does: CI tests patches/, a developer's tree is used as is.
"$psh_harness/tree.sh" sync || die "demo: re-applying patches/ failed (see above)"
log "running $test on the $variant kernel (logs in $out/$test)"
rc=0
rm -rf "${out:?}/$test"	# no verdict of an earlier run can be quoted
PSH_KEEP_VMCORE=1 "$psh_harness/run.sh" --variant "$variant" --out "$out" "$test" || rc=$?

dir=$out/$test
fact() { sed -n "s/^$1=//p" "$dir/facts.txt" 2>/dev/null; }
if [ "$rc" != 0 ] || [ ! -f "$dir/facts.txt" ]; then
	why=$(grep -m1 '^# FAIL' "$dir/judge.txt" 2>/dev/null | sed 's/^# FAIL [^ ]*: //') ||
		why="it stopped before a guest was judged (the psh: error above says where)"
	die "demo: $test failed: ${why:-see $dir/judge.txt} (logs in $dir)"
fi
echo
echo "kdump demo: $arch, $variant kernel, $(sed -n 's/^vcpus=//p' "$dir/scenario.env") vCPUs, sysrq-c on CPU 1"
echo "  panic to capture kernel:   $(fact handoff_s) s (host clock, QEMU TCG)"
dump=$(grep -a -m1 -o 'makedumpfile -l -d [0-9]*' "$dir/console.log" || echo makedumpfile)
echo "  vmcore ($dump): $(fact vmcore_bytes) bytes, $dir/results/vmcore"
echo "  CPUs online at the panic:  $(fact cpus_online)"
echo "  CPUs with saved registers: $(fact prstatus_notes) (NT_PRSTATUS notes)"
echo "  panic line in vmcore dmesg: $(grep -m1 -o 'Kernel panic - not syncing.*' \
	"$dir/results/dmesg.txt" 2>/dev/null || echo '(none)')"
# A user's first look at the vmcore: each CPU's backtrace, from its saved
# registers (drgn, as the judge reads it; x86_64 and arm64).
case "$arch:${PSH_DRGN:-1}" in
x86_64:0 | arm64:0)
	echo "  backtraces in the vmcore:  not read (PSH_DRGN=0)" ;;
x86_64:* | arm64:*)
	drgn=$("$psh_harness/drgn.sh") || die "demo: drgn is not available (harness/drgn.sh failed above)"
	sysmap=$(sed -n 's/^sysmap=//p' "$dir/scenario.env")
	echo "  backtraces in the vmcore ($("$drgn" --version 2>&1 | awk 'NR == 1 { print $1, $2 }'), innermost frame first):"
	"$drgn" -q --no-default-symbols -c "$dir/results/vmcore" "$psh_harness/check_vmcore.py" \
		--vmcore "$dir/results/vmcore" --vmlinux "$(dirname "$sysmap")/vmlinux" \
		--cpus "$(sed -n 's/^vcpus=//p' "$dir/scenario.env")" --summary 7 |
		sed 's/^/    /' || die "demo: drgn could not read the vmcore's backtraces (above)"
	;;
esac

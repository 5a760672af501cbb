#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""stopprof.py EXEC_LOG BUILD_DIR: instructions of the first CPU stop.

EXEC_LOG is QEMU's "-d exec,nochain" trace of an x86_64 guest (one
"Trace CPU: HOST [CS_BASE/PC/FLAGS/CFLAGS]" line per translated block
executed); BUILD_DIR holds the guest's vmlinux and System.map (nokaslr).
The window runs from the first block in stopbench_begin() to the last
block in stopbench_ack().  A block's instructions are counted from its
first instruction to the first one that ends a block in QEMU's x86
translator (a jump, call or return, a string instruction with a rep
prefix, HLT, WRMSR and the like), from objdump; a rep instruction counts
once per iteration, as QEMU executes it.  Prints the totals per CPU, per
function, and each CPU's path as "function:instructions" runs.
"""
import bisect
import collections
import re
import subprocess
import sys

ENDS = re.compile(r'(j[a-z]+|call|ret|iret|lret|hlt|wrmsr|rdmsr|sysret|'
                  r'ud2|int3|sti|popf|mwait|cpuid|out|in|rep[a-z]*)\b')


def main():
    log, build = sys.argv[1], sys.argv[2]
    syms = []
    with open(build + '/System.map') as f:
        for line in f:
            a, t, n = line.split()[:3]
            if t in 'tTWw':
                syms.append((int(a, 16), n))
    syms.sort()
    addrs = [a for a, _ in syms]

    def sym(pc):
        return syms[bisect.bisect_right(addrs, pc) - 1]

    rx = re.compile(r'Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/')
    rows, on = [], False
    with open(log, 'rb') as f:
        for raw in f:
            m = rx.match(raw.decode('latin1'))
            if not m:
                continue
            cpu, pc = int(m.group(1)), int(m.group(2), 16)
            fn = sym(pc)[1] if pc >= 0xffffffff80000000 else '[user]'
            if not on and fn != 'stopbench_begin':
                continue
            on = True
            rows.append((cpu, pc, fn))
            if fn == 'stopbench_end':
                break
    acks = [i for i, r in enumerate(rows) if r[2] == 'stopbench_ack']
    if not acks:
        sys.exit('stopprof: no stopbench_ack() in the trace')
    rows = rows[:acks[-1] + 1]

    need = collections.defaultdict(set)
    for _, pc, fn in rows:
        if fn != '[user]':
            need[sym(pc)].add(pc)
    size = {}
    for (a, _), pcs in need.items():
        i = bisect.bisect_right(addrs, a)
        stop = addrs[i] if i < len(addrs) else a + 0x1000
        out = subprocess.run(['objdump', '-d', '--no-show-raw-insn',
                              '--start-address=%#x' % a,
                              '--stop-address=%#x' % stop,
                              build + '/vmlinux'],
                             capture_output=True, text=True).stdout
        ins = []
        for line in out.splitlines():
            m = re.match(r'\s*([0-9a-f]+):\s+(\S+)', line)
            if m:
                ins.append((int(m.group(1), 16), m.group(2)))
        at = {x: k for k, (x, _) in enumerate(ins)}
        for pc in pcs:
            k, n = at.get(pc), 0
            while k is not None and k < len(ins):
                n += 1
                if ENDS.match(ins[k][1]):
                    break
                k += 1
            size[pc] = max(n, 1)

    per_fn, per_cpu = collections.Counter(), collections.Counter()
    path = collections.defaultdict(list)
    for cpu, pc, fn in rows:
        n = size.get(pc, 1)
        per_fn[fn] += n
        per_cpu[cpu] += n
        if path[cpu] and path[cpu][-1][0] == fn:
            path[cpu][-1][1] += n
        else:
            path[cpu].append([fn, n])
    print('instructions %d in %d blocks; per CPU: %s' % (
        sum(per_cpu.values()), len(rows),
        ', '.join('%d: %d' % (c, per_cpu[c]) for c in sorted(per_cpu))))
    print()
    for fn, n in per_fn.most_common():
        print('%7d  %s' % (n, fn))
    for cpu in sorted(path):
        print('\nCPU %d:' % cpu)
        print(' '.join('%s:%d' % (f, n) for f, n in path[cpu]))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
check_vmcore.py: open a kdump vmcore with drgn and check every CPU's
registers and backtrace (harness/judge.sh, issue 18).  Run through drgn
(the CLI opens the vmcore; the script loads vmlinux and the modules):

    $(harness/drgn.sh) -q --no-default-symbols -c VMCORE harness/check_vmcore.py \
        --vmcore VMCORE --vmlinux VMLINUX --cpus 4 [options]

For each CPU 0..N-1 it finds that CPU's NT_PRSTATUS note by content, not by
position: the kernel keeps each CPU's note in the per-CPU buffer crash_notes
(which the vmcore holds), and the vmcore's own note list (its ELF PT_NOTE or,
for makedumpfile's kdump-compressed format, the note section after the
sub-header) must hold a byte-identical copy.  A missing note therefore
cannot shift the others, and a note whose registers were changed matches no
CPU.  (drgn itself takes a CPU's registers from crash_notes, not from the
note list, so the list is read here.)  It then unwinds each CPU's stack
from the registers of the vmcore's note (as struct pt_regs) and checks that
the trace reaches a known base frame (the bottom of a task, idle or boot
stack) through frames that all resolve to kernel symbols, or that the CPU
was in user mode.  The panicking CPU (panic_cpu) must show a panic frame
(--panic-frame), a stopped CPU what the scenario expects (--expect).

Exit status 0 when every check passes, 1 otherwise; each failure names the
CPU and prints its trace.  --summary prints a short backtrace per CPU
(make demo).

The self-test of the judge uses --corrupt KIND:NOTE --out COPY: it writes a
copy of the vmcore with NT_PRSTATUS note number NOTE (0-based, in the
vmcore's order) damaged, KIND zero (registers zeroed), shift (registers
moved by one slot) or drop (the note's type changed, so it is no
NT_PRSTATUS any more), and exits; the check of the copy must then fail,
naming the CPU whose note it was.  This mode needs no drgn.

Written for drgn 0.3.0 (Debian unstable, harness/drgn.sh); see
docs/drafts/drgn/notes.md for what older versions lack.
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

try:
    import drgn
    from drgn import Architecture, Object, Program
    from drgn.helpers.linux.percpu import per_cpu_ptr
    from drgn.helpers.linux.printk import get_printk_records
    from drgn.helpers.linux.sched import cpu_curr
except ImportError:  # --corrupt needs no drgn
    drgn = None  # type: ignore

NT_PRSTATUS = 1

# Offsets in a 64-bit struct elf_prstatus (include/linux/elfcore.h):
# pr_info (12) + pr_cursig (2) + pad (2) + pr_sigpend (8) + pr_sighold (8),
# then pr_pid; pr_reg after four more ints and four struct timevals.
PRSTATUS_PID_OFFSET = 32
PRSTATUS_REG_OFFSET = 112


class ArchRegs(NamedTuple):
    count: int  # registers in elf_gregset_t
    pc: int  # index of the program counter
    sp: int  # index of the stack pointer
    mode: int  # index of the register telling user mode (cs, pstate, msr)


ARCH_REGS = {
    # struct user_regs_struct: r15 .. di, orig_ax, ip (16), cs (17), flags,
    # sp (19), ss, fs_base, gs_base, ds, es, fs, gs.
    "X86_64": ArchRegs(27, 16, 19, 17),
    # struct user_pt_regs: regs[31], sp (31), pc (32), pstate (33).
    "AARCH64": ArchRegs(34, 32, 31, 33),
    # struct user_pt_regs: gpr[32] (r1 = sp), nip (32), msr (33), ...
    "PPC64": ArchRegs(48, 32, 1, 33),
}


def user_mode(arch: str, mode_reg: int) -> bool:
    if arch == "X86_64":
        return mode_reg & 3 == 3  # CPL of cs
    if arch == "AARCH64":
        return mode_reg & 0xF == 0  # PSTATE.M = EL0t
    if arch == "PPC64":
        return bool(mode_reg & (1 << 14))  # MSR_PR
    return False


# The outermost frames of a kernel stack: a CPU's boot or idle stack, a
# kernel thread, a system call or an exception from user mode.  Frames
# below (older than) the first of these are not checked: without unwind
# information for the entry code the unwinder may add a guessed frame.
BASE_FRAMES: Set[str] = {
    # x86_64
    "start_secondary", "common_startup_64", "secondary_startup_64",
    "x86_64_start_kernel", "x86_64_start_reservations",
    "ret_from_fork", "ret_from_fork_asm",
    "do_syscall_64", "entry_SYSCALL_64", "entry_SYSCALL_64_after_hwframe",
    "do_int80_emulation", "entry_INT80_compat",
    "exc_page_fault", "asm_exc_page_fault",
    # arm64
    "secondary_start_kernel", "__secondary_switched", "__primary_switched",
    "el0t_64_sync", "el0t_64_sync_handler", "el0t_64_irq",
    "el0t_64_irq_handler", "el0t_32_sync", "el0t_32_irq",
    # ppc64
    "start_secondary_prolog", "start_here_common", "start_here_multiplatform",
    "system_call_common", "system_call_exception",
    "ret_from_kernel_user_thread", "ret_from_fork_scv",
    # everywhere: the boot CPU's idle task
    "start_kernel", "rest_init",
}

# Exception entry code.  Without ORC (x86_64 UNWINDER_GUESS or
# FRAME_POINTER kernels) it has no unwind information, so a trace that was
# interrupted (an IRQ, an NMI, a fault in the kernel) ends there; such a
# trace is accepted, as "ends at entry", unless --strict.  On x86_64 the
# C handlers of DEFINE_IDTENTRY* (sysvec_*, common_interrupt, exc_*) count
# too: they run the handler on the IRQ stack from inline assembly that
# .debug_frame does not describe, so the frame below them is garbage (seen:
# a timer interrupt on a stopped CPU unwound to "0xfffffe40").
ENTRY_FRAME = re.compile(
    r"^(asm_(exc|sysvec|common_interrupt|spurious_interrupt)\w*|entry_\w+"
    r"|sysvec_\w+|common_interrupt|spurious_interrupt|exc_\w+"
    r"|el1h_64_\w+|el1_interrupt|interrupt_return\w*|\w*_common_virt|nmi)$"
)

DEFAULT_PANIC_FRAME = r"^(v?panic|nmi_panic)$"
IDLE_FRAME = r"^(do_idle|cpu_idle_poll|default_idle_call|cpuidle_enter_state)$"


class Note(NamedTuple):
    name: bytes
    type: int
    desc: bytes
    type_off: int  # file offsets of n_type and of the contents
    desc_off: int


def parse_notes(buf: bytes, endian: str, base: int = 0) -> List[Note]:
    """ELF notes (4-byte aligned, as the kernel writes them) in buf, which
    starts at file offset base."""
    notes = []
    off = 0
    while off + 12 <= len(buf):
        namesz, descsz, ntype = struct.unpack_from(endian + "III", buf, off)
        if namesz == 0 and descsz == 0 and ntype == 0:
            break  # the kernel's final (empty) note
        type_off = base + off + 8
        off += 12
        name = buf[off : off + namesz].rstrip(b"\0")
        off += (namesz + 3) & ~3
        desc = buf[off : off + descsz]
        desc_off = base + off
        off += (descsz + 3) & ~3
        if len(desc) != descsz:
            break
        notes.append(Note(name, ntype, desc, type_off, desc_off))
    return notes


def vmcore_notes(path: str) -> Tuple[str, str, List[Note]]:
    """The notes of a vmcore: ELF (/proc/vmcore, makedumpfile -E) or
    makedumpfile's kdump-compressed format (-c, -l, -p, -z)."""
    with open(path, "rb") as f:
        head = f.read(4096)
        if head[:4] == b"\x7fELF":
            if head[4] != 2:
                raise ValueError(f"{path}: only 64-bit ELF vmcores are supported")
            endian = "<" if head[5] == 1 else ">"
            phoff, = struct.unpack_from(endian + "Q", head, 32)
            phentsize, phnum = struct.unpack_from(endian + "HH", head, 54)
            notes: List[Note] = []
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                ph = f.read(phentsize)
                p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
                    endian + "IIQQQQ", ph
                )
                if p_type == 4:  # PT_NOTE
                    f.seek(p_offset)
                    notes += parse_notes(f.read(p_filesz), endian, p_offset)
            return "elf", endian, notes
        if head[:8] in (b"KDUMP   ", b"DISKDUMP"):
            # struct disk_dump_header, as makedumpfile writes it on a
            # 64-bit machine: block_size at 428; the kdump_sub_header starts
            # one block in, with offset_note and size_note at 48 and 56.
            endian = "<"
            version, = struct.unpack_from("<i", head, 8)
            if not 0 < version < 100:
                endian = ">"
                version, = struct.unpack_from(">i", head, 8)
            if version < 4:
                raise ValueError(f"{path}: kdump header version {version} has no notes")
            block_size, = struct.unpack_from(endian + "i", head, 428)
            f.seek(block_size)
            sub = f.read(64)
            offset_note, size_note = struct.unpack_from(endian + "qQ", sub, 48)
            f.seek(offset_note)
            return "kdump", endian, parse_notes(f.read(size_note), endian, offset_note)
        if head[:16].startswith(b"makedumpfile"):
            raise ValueError(f"{path}: flattened format: rearrange it with makedumpfile -R first")
    raise ValueError(f"{path}: not a vmcore (neither ELF nor kdump-compressed)")


def prstatus_regs(prog: Program, desc: bytes) -> Tuple[int, List[int]]:
    """pr_pid and pr_reg of an NT_PRSTATUS note's contents."""
    endian = "<" if prog.platform.flags & drgn.PlatformFlags.IS_LITTLE_ENDIAN else ">"
    regs = ARCH_REGS[prog.platform.arch.name]
    pid, = struct.unpack_from(endian + "i", desc, PRSTATUS_PID_OFFSET)
    reg = list(struct.unpack_from(endian + "%dQ" % regs.count, desc, PRSTATUS_REG_OFFSET))
    return pid, reg


def crash_note(prog: Program, cpu: int) -> Optional[bytes]:
    """The NT_PRSTATUS contents this CPU saved in crash_notes, or None."""
    buf = per_cpu_ptr(prog["crash_notes"], cpu)
    data = prog.read(buf.value_(), drgn.sizeof(buf.type_.type))  # note_buf_t
    endian = "<" if prog.platform.flags & drgn.PlatformFlags.IS_LITTLE_ENDIAN else ">"
    for note in parse_notes(data, endian):
        if note.name == b"CORE" and note.type == NT_PRSTATUS:
            return note.desc
    return None


def pt_regs_from_note(prog: Program, desc: bytes) -> Object:
    """A struct pt_regs holding the note's registers.  elf_gregset_t starts
    like struct pt_regs on x86_64 (up to ss), arm64 (user_pt_regs) and
    ppc64 (user_pt_regs); the rest is zero."""
    regs = ARCH_REGS[prog.platform.arch.name]
    size = drgn.sizeof(prog.type("struct pt_regs"))
    raw = desc[PRSTATUS_REG_OFFSET : PRSTATUS_REG_OFFSET + regs.count * 8]
    raw = raw[:size].ljust(size, b"\0")
    return Object.from_bytes_(prog, "struct pt_regs", raw)


def frame_name(frame: drgn.StackFrame) -> Tuple[Optional[str], str]:
    """(name or None if unknown, printable "name+off/size")."""
    try:
        sym = frame.symbol()
    except LookupError:
        sym = None
    name = frame.function_name or (sym.name if sym else None)
    if sym:
        text = f"{sym.name}+{frame.pc - sym.address:#x}/{sym.size:#x}"
        if frame.function_name and frame.function_name != sym.name:
            text = f"{frame.function_name} (in {text})"
    else:
        text = name or "???"
    return name, text


def format_trace(trace: Sequence[drgn.StackFrame]) -> List[str]:
    lines = []
    for i, frame in enumerate(trace):
        _, text = frame_name(frame)
        flags = " (inlined)" if frame.is_inline else ""
        flags += " [interrupted]" if frame.interrupted and i else ""
        lines.append(f"  #{i:<2} {frame.pc:#018x} {text}{flags}")
    return lines


def check_trace(
    trace: Sequence[drgn.StackFrame], want: Sequence[str], strict: bool = False
) -> Tuple[Optional[str], Optional[str]]:
    """(base frame name, None) or (None, why the trace is bad).  Each regex
    in want must match a frame at or above the base frame."""
    names: List[str] = []
    for i, frame in enumerate(trace):
        name, _ = frame_name(frame)
        if name is None:
            return None, f"frame #{i} at {frame.pc:#x} is no kernel symbol"
        names.append(name)
        is_entry = not strict and ENTRY_FRAME.match(name)
        if name in BASE_FRAMES or is_entry:
            for regex in want:
                if not any(re.search(regex, n) for n in names):
                    return None, f"no frame matches {regex!r}"
            return (f"{name} (ends at entry)" if is_entry and name not in BASE_FRAMES
                    else name), None
    return None, f"no known base frame in {len(names)} frames"


def parse_cpu_list(text: str) -> List[int]:
    cpus: List[int] = []
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        cpus += range(int(lo), int(hi or lo) + 1)
    return cpus


_CALLER = re.compile(rb"^(\[ *\d+\.\d+\] )\[ *[TC]\d+\] ")


def normalise_dmesg(lines: Sequence[bytes]) -> List[bytes]:
    """Lines without the caller field (CONFIG_PRINTK_CALLER; its width
    differs between makedumpfile versions), trailing blanks, empty lines or
    the continuation lines' indentation."""
    out = []
    for line in lines:
        line = _CALLER.sub(rb"\1", line).rstrip()
        # A record's continuation lines are indented by the width of the
        # prefix, which the caller field widens: compare them unindented.
        if line.startswith(b" "):
            line = b"    " + line.lstrip()
        if line:
            out.append(line)
    return out


def dmesg_lines(prog: Program) -> List[bytes]:
    """The log as makedumpfile --dump-dmesg prints it (printk.c,
    dump_record()): "[%5lld.%06ld] " and the text, bytes that are neither
    printable nor space as \\xNN, continuation lines indented."""
    lines: List[bytes] = []
    for r in get_printk_records(prog):
        head = b"[%5d.%06d] " % (r.timestamp // 10**9, r.timestamp % 10**9 // 1000)
        text = bytearray()
        for c in r.text:
            if c == 0x0A:
                text += b"\n" + b" " * len(head)
            elif 0x20 <= c < 0x7F or c in b"\t\v\f\r":
                text.append(c)
            else:
                text += b"\\x%02x" % c
        lines += (head + bytes(text)).split(b"\n")
    return lines


def corrupt(path: str, out: str, what: str) -> int:
    """Write a copy of the vmcore with one NT_PRSTATUS note damaged."""
    kind, _, num = what.partition(":")
    if kind not in ("zero", "shift", "drop") or not num.isdigit():
        print(f"FAIL: --corrupt wants zero|shift|drop:NOTE, not {what!r}")
        return 2
    fmt, endian, notes = vmcore_notes(path)
    prstatus = [n for n in notes if n.name == b"CORE" and n.type == NT_PRSTATUS]
    if int(num) >= len(prstatus):
        print(f"FAIL: the vmcore has {len(prstatus)} NT_PRSTATUS notes, no note {num}")
        return 2
    note = prstatus[int(num)]
    with open(path, "rb") as src, open(out, "wb") as dst:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            dst.write(chunk)
    # pr_reg: the 8-byte registers between PRSTATUS_REG_OFFSET and the
    # note's last 8 bytes (pr_fpvalid, an int, and padding): 27 on x86_64,
    # 34 on arm64, 48 on ppc64.
    nregs = (len(note.desc) - PRSTATUS_REG_OFFSET - 8) // 8
    with open(out, "r+b") as f:
        if kind == "drop":
            f.seek(note.type_off)
            f.write(struct.pack(endian + "I", 0x5053480A))  # no NT_* type
        else:
            regs = note.desc[PRSTATUS_REG_OFFSET : PRSTATUS_REG_OFFSET + nregs * 8]
            if kind == "zero":
                new = bytes(len(regs))
            else:  # shift: every register one slot up, the first zeroed
                new = bytes(8) + regs[:-8]
            f.seek(note.desc_off + PRSTATUS_REG_OFFSET)
            f.write(new)
    pid, = struct.unpack_from(endian + "i", note.desc, PRSTATUS_PID_OFFSET)
    print(f"{out}: copy of the {fmt} vmcore with NT_PRSTATUS note {num} "
          f"(pid {pid}) {'dropped' if kind == 'drop' else kind + 'ed'}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Per-CPU backtraces of a kdump vmcore, checked (see the module docstring).")
    ap.add_argument("--vmcore", required=True, help="the vmcore (ELF or kdump-compressed)")
    ap.add_argument("--vmlinux", help="the crashed kernel's vmlinux, with DWARF")
    ap.add_argument("--debug", action="append", default=[], metavar="FILE",
                    help="more debug files, e.g. modules' .ko (repeatable)")
    ap.add_argument("--cpus", type=int, help="CPUs 0..N-1, each must have a note")
    ap.add_argument("--missing", default="", metavar="LIST",
                    help="CPUs that may lack a note, e.g. 1 or 1-3, or 'any' "
                    "(a scenario that counts its notes itself)")
    ap.add_argument("--panic-cpu", type=int, metavar="CPU",
                    help="the CPU the panic must have run on (panic_cpu)")
    ap.add_argument("--panic-frame", default=DEFAULT_PANIC_FRAME, metavar="REGEX",
                    help="a frame the panicking CPU's trace must hold "
                    "(an oops: the faulting function) [%(default)s]")
    ap.add_argument("--expect", action="append", default=[], metavar="CPU:WHAT",
                    help="CPU's trace must hold a frame matching the regex WHAT; "
                    "WHAT = user: user mode; idle: the idle task, in the idle loop "
                    "or an interrupt taken there; CPU = others: every CPU "
                    "but the panicking one that has a note (repeatable)")
    ap.add_argument("--dmesg", metavar="FILE",
                    help="makedumpfile --dump-dmesg output to compare with drgn's")
    ap.add_argument("--debug-locks", action="store_true",
                    help="lockdep must still have been on at the crash (debug_locks=1)")
    ap.add_argument("--strict", action="store_true",
                    help="a trace must reach a base frame, not only exception entry code")
    ap.add_argument("--quiet", action="store_true", help="print traces of failures only")
    ap.add_argument("--summary", type=int, default=0, metavar="N",
                    help="print each CPU's trace as a short backtrace of N frames")
    ap.add_argument("--corrupt", metavar="KIND:NOTE",
                    help="write a damaged copy to --out and exit (the judge's self-test)")
    ap.add_argument("--out", metavar="FILE", help="the copy --corrupt writes")
    args = ap.parse_args()

    if args.corrupt:
        if not args.out:
            ap.error("--corrupt needs --out")
        return corrupt(args.vmcore, args.out, args.corrupt)
    if drgn is None:
        print("FAIL: this Python has no drgn module: run the script with harness/drgn.sh's drgn")
        return 2
    if not args.vmlinux or args.cpus is None:
        ap.error("--vmlinux and --cpus are required")

    prog = globals().get("prog")  # set when run by the drgn CLI (-c VMCORE)
    if not isinstance(prog, Program):
        prog = Program()
        prog.set_core_dump(args.vmcore)
    try:
        prog.load_debug_info([args.vmlinux] + args.debug, main=True)
    except drgn.MissingDebugInfoError as e:
        # Modules' debug info is optional: their frames still resolve to
        # symbols (the vmcore's module kallsyms); vmlinux's is not.
        if "kernel" in str(e).split("\n")[0] or "vmlinux" in str(e):
            print(f"FAIL: {args.vmlinux} does not match the vmcore or has no debug info: {e}")
            return 1
    # A vmlinux that is not the dumped kernel's (build ID) or has no DWARF
    # is ignored by drgn, which then knows no kernel symbol at all.
    try:
        loaded = prog.main_module().debug_file_path is not None
    except (AttributeError, LookupError):  # drgn < 0.0.28: no modules API
        loaded = True
    try:
        prog["panic_cpu"]
    except LookupError:
        loaded = False
    if not loaded:
        print(f"FAIL: {args.vmlinux} does not match the vmcore (another build) "
              "or has no DWARF: drgn loaded no debug info for the kernel")
        return 1
    arch = prog.platform.arch.name
    if arch not in ARCH_REGS:
        print(f"FAIL: architecture {arch} is not supported by this script")
        return 1
    regs_info = ARCH_REGS[arch]
    if not args.summary:
        print(f"drgn {drgn.__version__}; vmcore {args.vmcore}: "
              f"{prog['UTS_RELEASE'].string_().decode()} {arch}")

    failures: List[str] = []

    def fail(msg: str, lines: Sequence[str] = ()) -> None:
        failures.append(msg)
        print("FAIL: " + msg)
        for line in lines:
            print(line)

    fmt, _, notes = vmcore_notes(args.vmcore)
    prstatus = [n for n in notes if n.name == b"CORE" and n.type == NT_PRSTATUS]
    panic_cpu = prog["panic_cpu"].counter.value_()
    if not args.summary:
        print(f"{len(prstatus)} NT_PRSTATUS notes in the {fmt} vmcore; panic_cpu {panic_cpu}")
    if args.panic_cpu is not None and panic_cpu != args.panic_cpu:
        fail(f"panic_cpu is {panic_cpu} in the vmcore, the panic ran on CPU {args.panic_cpu}")

    any_missing = args.missing == "any"
    missing = set() if any_missing else set(parse_cpu_list(args.missing))
    expect: Dict[str, List[str]] = {}
    for item in args.expect:
        cpu_s, _, what = item.partition(":")
        for one in cpu_s.split("+"):
            expect.setdefault(one, []).append(what)

    # Map the vmcore's notes to CPUs by content.
    claimed: Dict[int, int] = {}  # note index -> CPU
    checked: Set[int] = set()  # CPUs whose note was found

    def check_cpu(cpu: int) -> None:
        try:
            mine = crash_note(prog, cpu)
        except drgn.FaultError as e:
            # A CPU that saved nothing may have its crash_notes on an
            # all-zero page, which makedumpfile -d 1 leaves out.
            if cpu in missing or any_missing:
                print(f"cpu {cpu}: no note (allowed; its crash_notes page is not in the dump)")
            else:
                fail(f"CPU {cpu}: its crash_notes page is not in the dump "
                     f"(saved nothing, or the dump level left it out): {e}")
            return
        except LookupError as e:
            fail(f"CPU {cpu}: no crash_notes (debug info?): {e}")
            return
        idx = next((i for i, n in enumerate(prstatus)
                    if n.desc == mine and i not in claimed), None) if mine else None
        if mine is None:
            if cpu in missing or any_missing:
                print(f"cpu {cpu}: no note (allowed)")
            else:
                fail(f"CPU {cpu}: saved no registers (its crash_notes holds no note)")
            return
        if idx is None:
            pid, reg = prstatus_regs(prog, mine)
            fail(f"CPU {cpu}: no note in the vmcore matches its crash_notes "
                 f"(pid {pid}, pc {reg[regs_info.pc]:#x}): missing or altered")
            return
        claimed[idx] = cpu
        checked.add(cpu)

        desc = prstatus[idx].desc
        pid, reg = prstatus_regs(prog, desc)
        head = (f"cpu {cpu}: note #{idx} pid {pid}, "
                f"pc {reg[regs_info.pc]:#x} sp {reg[regs_info.sp]:#x}")
        # The task the runqueue had on the CPU: a user's first "bt" or
        # "ps" reads it, so the dump must hold it (makedumpfile 1.7.6 -d 31
        # on 7.3 left out slab pages with task_structs in them).
        kthread = False
        try:
            task = cpu_curr(prog, cpu)
            comm = task.comm.string_().decode()
            curr_pid = task.pid.value_()
            kthread = bool(task.flags.value_() & 0x00200000)  # PF_KTHREAD
        except (drgn.FaultError, LookupError, ValueError) as e:
            comm, curr_pid = "?", pid
            fail(f"CPU {cpu}: its current task cannot be read from the vmcore: {e}", [head])
        head = head.replace(f"pid {pid},", f"pid {pid} ({comm}),", 1)
        if curr_pid != pid:
            head += f" [cpu_curr is pid {curr_pid}]"
        want = list(expect.get(str(cpu), []))
        if cpu != panic_cpu:
            want += expect.get("others", [])
        wants_user = "user" in want
        wants_idle = "idle" in want
        want = [w for w in want if w not in ("user", "idle")]
        if user_mode(arch, reg[regs_info.mode]):
            if want or wants_idle or cpu == panic_cpu:
                wanted = want + (["the idle loop"] if wants_idle else []) + \
                    ([args.panic_frame] if cpu == panic_cpu else [])
                fail(f"CPU {cpu}: in user mode, expected kernel frames: "
                     f"{', '.join(wanted)}", [head])
            elif args.summary:
                print(f"CPU {cpu} (pid {pid}, {comm}): user mode, "
                      f"pc {reg[regs_info.pc]:#x}")
            elif not args.quiet:
                print(head + ": user mode, as expected" if wants_user else head + ": user mode")
            return
        if cpu == panic_cpu:
            want.append(args.panic_frame)
        try:
            trace = prog.stack_trace(pt_regs_from_note(prog, desc))
            lines = format_trace(trace)
        except Exception as e:  # e.g. "unrecognized .orc_header" (drgn < 0.2.0 on 7.1+)
            fail(f"CPU {cpu}: cannot unwind: {type(e).__name__}: {e}", [head])
            return
        if wants_user:
            fail(f"CPU {cpu}: expected user mode, was in the kernel", [head] + lines)
            return
        base, why = check_trace(trace, want, args.strict)
        # idle: the CPU ran its idle task (pid 0), in the idle loop or in
        # an interrupt taken there (a trace that ends at entry code); or,
        # busy on its own, a kernel thread (a kworker on a TCG vCPU); or
        # the harness's agent (pid 1), which waits for the panic in
        # nanosleep() and can be caught entering or leaving it (seen on
        # the slower debug kernels).
        if base is not None and wants_idle:
            if kthread and pid != 0 and base.startswith("ret_from_fork"):
                print(f"cpu {cpu}: in kernel thread {comm} (pid {pid}), not idle: accepted")
            elif pid == 1 and any(re.search(r"^(do_nanosleep|hrtimer_nanosleep)$",
                                            frame_name(f)[0] or "") for f in trace):
                print(f"cpu {cpu}: the agent {comm} (pid 1) in nanosleep(), not idle: accepted")
            elif pid != 0:
                base, why = None, f"expected the idle task, the note is pid {pid}'s"
            elif not base.endswith("(ends at entry)") and not any(
                    re.search(IDLE_FRAME, frame_name(f)[0] or "") for f in trace):
                base, why = None, "expected the idle loop, no frame of it"
        if base is None:
            fail(f"CPU {cpu}: {why}", [head] + lines)
        elif args.summary:
            names = [frame_name(f)[0] or "???" for f in trace]
            cut = names.index(base.split(" ")[0]) + 1 if base.split(" ")[0] in names else len(names)
            names = names[:cut]
            shown = names if len(names) <= args.summary else \
                names[: args.summary - 1] + ["...", names[-1]]
            what = "panic" if cpu == panic_cpu else "stopped"
            print(f"CPU {cpu} ({what}, pid {pid}, {comm}): "
                  + " <- ".join(shown))
        elif not args.quiet:
            print(f"{head}: ok, base frame {base}")
            print("\n".join(lines))

    for cpu in range(args.cpus):
        try:
            check_cpu(cpu)
        except Exception as e:  # a drgn or script error: name the CPU, go on
            fail(f"CPU {cpu}: the check raised {type(e).__name__}: {e}")

    # An expectation must concern a CPU that was checked.
    for key in expect:
        if key != "others" and (not key.isdigit() or int(key) not in checked):
            fail(f"--expect {key}:...: CPU {key} has no note in the vmcore "
                 f"(or is not one of CPUs 0-{args.cpus - 1})")

    for i, n in enumerate(prstatus):
        if i not in claimed:
            pid, reg = prstatus_regs(prog, n.desc)
            fail(f"note #{i} (pid {pid}, pc {reg[regs_info.pc]:#x}) matches no "
                 f"CPU's crash_notes (CPUs 0-{args.cpus - 1})")

    if args.dmesg:
        with open(args.dmesg, "rb") as f:
            theirs = normalise_dmesg(f.read().split(b"\n"))
        ours = normalise_dmesg(dmesg_lines(prog))
        bad = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
        if bad is not None or len(ours) != len(theirs):
            bad = bad if bad is not None else min(len(ours), len(theirs))
            fail(f"dmesg differs from {args.dmesg} at line {bad + 1} "
                 f"({len(ours)} lines vs {len(theirs)})",
                 [f"  drgn:         {ours[bad] if bad < len(ours) else b'<end>'}",
                  f"  makedumpfile: {theirs[bad] if bad < len(theirs) else b'<end>'}"])
        elif not args.summary:
            print(f"dmesg: {len(ours)} lines, identical to {args.dmesg}")

    # panic() turns lockdep off only after __crash_kexec(): still on in
    # the vmcore means nothing (a lockdep report, an oops, a taint) had
    # turned it off silently, and the panic path up to kdump was checked.
    if args.debug_locks:
        try:
            on = prog["debug_locks"].value_()
        except (LookupError, drgn.FaultError) as e:
            on = f"unreadable: {e}"
        if on != 1:
            fail(f"lockdep was off at the crash (debug_locks={on}): a report, an "
                 "oops or a taint before it turned it off, so the path to kdump "
                 "went unchecked")
        elif not args.summary:
            print("debug_locks=1: lockdep was on up to kdump")

    if not args.summary or failures:
        print(f"{'FAIL' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, drgn.FaultError if drgn else OSError) as e:
        print(f"FAIL: {type(e).__name__}: {e}")
        sys.exit(1)

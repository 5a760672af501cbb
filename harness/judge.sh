#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# judge.sh OUTDIR: decide whether one finished scenario passed.
#
# Reads what the run left in OUTDIR: scenario.env (what was asked),
# qemu.rc, console.log (host-stamped serial console) and results/ (what the
# capture kernel wrote: result.txt, notes.txt, dmesg.txt, vmcore).  Prints
# KTAP diagnostic lines ("# ...") explaining a failure and exits 1, or
# exits 0.  Always writes OUTDIR/facts.txt (KEY=VALUE) for summaries.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir=${1:?usage: judge.sh OUTDIR}
. "$dir/scenario.env"
console=$dir/console.log
res=$dir/results
qemu_rc=$(cat "$dir/qemu.rc" 2>/dev/null || echo missing)
facts=$dir/facts.txt
: >"$facts"
failed=0
# A self-test scenario collects the verdict to compare it at the end.
exec 3>&1
[ -z "${fails_with:-}" ] || exec 1>"$dir/judge.out"

fail() {
	[ "$failed" = 1 ] || echo "# FAIL $name: $1"
	[ "$failed" = 1 ] && echo "#   also: $1"
	failed=1
}

show_context() {
	echo "#   guest's own failure lines:"
	grep -a 'psh: FAIL' "$console" | head -n 5 | sed 's/^/#     /'
	echo "#   last console lines:"
	tail -n 8 "$console" | sed 's/^/#     /'
	if [ -s "$dir/vcpus.txt" ]; then
		echo "#   where the vCPUs were before the timeout:"
		sed 's/^/#     /' "$dir/vcpus.txt"
	fi
	echo "#   full log: $console"
}

# guest_said TEXT: the guest agent printed TEXT on the console, even if a
# kernel line was spliced into the middle of it (both write to the serial
# console): with host stamps and kernel lines removed, the agent's output
# is joined and searched again.
guest_said() {
	grep -aqF -- "$1" "$console" && return 0
	sed -E 's/^\[ *[0-9.]+\] //; s/\[ *[0-9]+\.[0-9]+\] .*$//' "$console" |
		tr -d '\r\n' | grep -aqF -- "$1"
}

# cpu_count LIST: number of CPUs in a cpulist such as 0-3,5.
cpu_count() {
	local n=0 part lo hi
	local IFS=,
	for part in $1; do
		lo=${part%-*} hi=${part#*-}
		n=$((n + hi - lo + 1))
	done
	echo "$n"
}

# expand_cpus LIST: a cpulist such as 0-2,5 as 0,1,2,5.
expand_cpus() {
	local part out=
	local IFS=,
	for part in $1; do
		out+=${out:+,}$(seq -s, "${part%-*}" "${part#*-}")
	done
	echo "$out"
}

# host_time PATTERN: host timestamp (s) of the first console line matching.
host_time() {
	grep -a -m1 -E "$1" "$console" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# Facts both expectations share.
panic_line=$(grep -a -m1 -o 'Kernel panic - not syncing.*' "$console" | tr -d '\r')
# An LKDTM crash may enter kdump straight from the oops (crash_kexec() in
# the arch's die path), with no panic line: its oops line stands for it.
crash_re='Kernel panic - not syncing'
case $trigger in
lkdtm:*)
	crash_re+='|Oops: |kernel BUG at |Internal error: '
	[ -n "$panic_line" ] ||
		panic_line=$(grep -a -m1 -oE '(Oops: |kernel BUG at |Internal error: ).*' "$console" | tr -d '\r') ;;
esac
# A kernel's banner; not SLOF's "Preparing to boot Linux version" (ppc64le).
boots=$(grep -a -c '\] Linux version' "$console")
echo "panic_line=$panic_line" >>"$facts"
echo "boots=$boots" >>"$facts"

if [ "$qemu_rc" = 124 ]; then
	fail "guest timed out after ${timeout}s (expected: $expect)"
	# A lockdep kernel whose panicking CPU spins on lockdep's own graph
	# lock after its NMI stop: a CPU stopped by NMI held it (README, "The
	# debug flavour"; x86_64, where vcpus.txt names the lock).  Only
	# then: a hang before the panic, or on another CPU, is not this.  (No
	# stop line is required: the base's NMI shootdown prints none.  A
	# holder that still ran would have let go of the lock.)
	if [ -n "$panic_line" ] && [ -n "${cpu:-}" ] &&
		grep -q "^CPU $cpu: .* lock=__lock+0x0\$" "$dir/vcpus.txt" 2>/dev/null; then
		fail "CPU $cpu (the panic) spins on lockdep's graph lock (__lock): a CPU that the stop stopped by NMI held it (lockdep's, the base too)"
		echo "lockdep_graph_lock_hang=1" >>"$facts"
	fi
elif [ "$qemu_rc" != 0 ]; then
	fail "QEMU exited with status $qemu_rc (see $dir/qemu.stderr)"
fi
if ! guest_said 'psh: first kernel up'; then
	fail "first kernel never started /init"
	# run.sh boots such a test once more: nothing of it has run yet.
	[ "$qemu_rc" != 124 ] || echo "early_hang=1" >>"$facts"
fi
# The agent's "psh: armed online=..." line, whole: a console that cut it
# ("psh: armed onlin") replays it after "** replaying previous printk
# message **", so take the first complete one.
armed=$(grep -a -m1 -o 'psh: armed online=[0-9,-]* .*' "$console" | tr -d '\r')
[ -n "$armed" ] || armed=$(grep -a -m1 -o 'psh: armed .*' "$console" | tr -d '\r')
[ -n "$armed" ] || fail "first kernel did not arm the scenario"
[ "$expect" = kunit ] || [ "$expect" = ok ] || [ "$expect" = settled ] ||
	[ "$expect" = kexec ] ||
	[ -n "$panic_line" ] ||
	fail "no 'Kernel panic - not syncing' line on the console"

judge_vmcore() {
	local online ncpus notes_file count panic_cpu panic_pid t0 t1 pid want_notes
	guest_said 'psh: capture kernel up' ||
		{ fail "capture kernel never started /init"; return; }
	[ -f "$res/result.txt" ] ||
		{ fail "capture kernel wrote no results (no $res/result.txt)"; return; }
	grep -qx 'capture=ok' "$res/result.txt" ||
		fail "capture failed: $(grep '^capture=' "$res/result.txt")"

	grep -qE "$crash_re" "$res/dmesg.txt" 2>/dev/null ||
		fail "vmcore dmesg lacks the 'Kernel panic - not syncing' line"

	notes_file=$res/notes.txt
	grep -qx 'vmcoreinfo=yes' "$notes_file" || fail "vmcore has no VMCOREINFO note"
	grep -q '^crashtime=' "$notes_file" || fail "VMCOREINFO has no CRASHTIME"
	online=$(sed -n 's/.*online=\([0-9,-]*\).*/\1/p' <<<"$armed")
	ncpus=$(cpu_count "${online:-0}")
	count=$(sed -n 's/^prstatus_count=//p' "$notes_file")
	echo "cpus_online=$ncpus" >>"$facts"
	echo "prstatus_notes=${count:-0}" >>"$facts"
	want_notes=$ncpus
	case "${notes:-}" in
	'') ;;
	stopped)
		# The panicking CPU and every CPU the stop line counts, less
		# those it names with "no crash state" (a reboot's stop had
		# stopped them before the panic took it over).
		local nostate
		nostate=$(grep -aoE -m1 'no crash state: [0-9,-]+' "$res/dmesg.txt" |
			sed 's/.*: //')
		want_notes=$(( $(grep -aoE 'smp: stopped [0-9]+ CPUs' "$res/dmesg.txt" |
			head -n 1 | grep -oE '[0-9]+' || echo -1) + 1 ))
		[ -z "$nostate" ] || want_notes=$((want_notes - $(cpu_count "$nostate"))) ;;
	*) want_notes=$notes ;;
	esac
	[ "${count:-0}" = "$want_notes" ] ||
		fail "vmcore has ${count:-0} NT_PRSTATUS notes, expected $want_notes (CPUs online: $online${notes:+, notes=$notes})"

	# The panicking task's note must sit at its CPU's index.  Its CPU is
	# in the first "CPU: N UID: U PID: P" line after the panic line (the
	# panic's backtrace), or else the last one before it (an oops that
	# ended in a panic); earlier lines, such as a soft lockup's report
	# during a slow boot, name other CPUs.
	read -r panic_cpu panic_pid < <(awk '
		match($0, /CPU: [0-9]+ UID: [0-9]+ PID: [0-9]+ /) {
			split(substr($0, RSTART, RLENGTH), f, " ")
			if (panicked) { print f[2], f[6]; found = 1; exit }
			before = f[2] " " f[6]
		}
		/Kernel panic - not syncing/ { panicked = 1 }
		END { if (!found && before != "") print before }' "$res/dmesg.txt")
	# MIPS cannot have DEBUG_BUGVERBOSE, without which panic() prints no
	# backtrace: with no such line at all in the vmcore's dmesg, take the
	# CPU and task the agent reported the trigger from (it checked the
	# CPU with getcpu()).
	if [ -z "${panic_cpu:-}" ] && ! grep -aq 'CPU: [0-9]* UID: ' "$res/dmesg.txt"; then
		panic_cpu=$(grep -ao -m1 'psh: trigger: running on cpu [0-9]*' "$console" | grep -o '[0-9]*$')
		panic_pid=$(grep -ao -m1 'psh: trigger: pid [0-9]*' "$console" | grep -o '[0-9]*$')
		# The agent's own console lines can be cut by a kernel line
		# printed at the same time (the "armed" marker, seen once);
		# kernel lines stay whole, and the marker carries the pid too.
		[ -n "$panic_pid" ] || panic_pid=$(grep -ao -m1 'psh: armed .* pid=[0-9]*' "$console" | grep -o '[0-9]*$')
		# (The agent triggers only once getcpu() says it runs on the
		# marker's trigger_cpu; otherwise it fails the step itself.)
		[ -n "$panic_cpu" ] || panic_cpu=$(grep -ao -m1 'psh: armed .* trigger_cpu=[0-9]*' "$console" | grep -o '[0-9]*$')
		echo "panic_cpu_from=agent" >>"$facts"
	fi
	echo "panic_cpu=${panic_cpu:-?}" >>"$facts"
	[ "${panic_cpu:-x}" = "$cpu" ] ||
		fail "panic ran on CPU ${panic_cpu:-?}, scenario asked for CPU $cpu"
	pid=$(sed -n "s/^prstatus index=${panic_cpu:-x} pid=\([0-9]*\) .*/\1/p" "$notes_file")
	[ "$count" != "$ncpus" ] || [ "${pid:-x}" = "${panic_pid:-y}" ] ||
		fail "note $panic_cpu has pid ${pid:-?}, the panicking task is pid ${panic_pid:-?}"
	[ -z "${panic_pc:-}" ] || check_panic_pc "$notes_file" "${panic_cpu:-x}"

	# Handoff: host time from the panic line to the capture kernel's first
	# console line, the first line after the panic whose kernel time stamp
	# is 0.000000 (a fresh kernel; on arm64 "Booting Linux on physical
	# CPU" precedes the banner).  Failing that, its "Linux version" banner.
	t0=$(host_time 'Kernel panic - not syncing')
	t1=$(awk '/Kernel panic - not syncing/ { p = 1; next }
		p && /^\[ *[0-9.]+\] \[ *0\.000000\] / {
			sub(/^\[ */, ""); sub(/\].*/, ""); print; exit }' "$console")
	[ -n "$t1" ] || t1=$(grep -a -n '\] Linux version' "$console" | sed -n 2p |
		cut -d: -f2- | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	[ -n "$t0" ] && [ -n "$t1" ] &&
		echo "handoff_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')" >>"$facts"
	sed -n 's/^vmcore_bytes=/vmcore_bytes=/p' "$res/result.txt" >>"$facts"
	check_lists "$res/dmesg.txt" "the vmcore's dmesg"
	check_drgn "$online" "${panic_cpu:-}"
}

# drgn_check VMCORE OUTPUT [ARG...]: harness/check_vmcore.py on VMCORE,
# with the kernel's vmlinux and the harness's test modules; its output in
# OUTPUT.  The exit status is the script's.
drgn_check() {
	local core=$1 log=$2 kdir k ko=()
	shift 2
	kdir=$(dirname "$sysmap")
	# The unstripped test modules, for frames in them (psh_notifiers).
	for k in "$psh_cache/kmod/$(basename "$kdir")"/*.ko; do
		[ -f "$k" ] && ko+=(--debug "$k")
	done
	"$PSH_DRGN_BIN" -q --no-default-symbols -c "$core" "$psh_harness/check_vmcore.py" \
		--vmcore "$core" --vmlinux "$kdir/vmlinux" "${ko[@]}" "$@" >"$log" 2>&1
}

# check_drgn ONLINE PANIC_CPU: open the vmcore with drgn (x86_64, arm64;
# run.sh sets PSH_DRGN_BIN and keeps the vmcore) and check each CPU's note
# and backtrace (harness/check_vmcore.py): every CPU online at the panic has
# its note, mapped by content; each trace unwinds to a base frame; the
# panicking CPU's holds panic() (an oops: the panic_pc function); trace=
# what the other CPUs were doing; drgn's dmesg is makedumpfile's.  With
# vmcore_selftest=KIND:NOTE,..., damaged copies must then each be
# rejected, naming the CPU whose note was damaged.
check_drgn() {
	local online=$1 pcpu=$2 args=() cpus missing c w item kind num victim copy t0
	local -a ws items
	case "$arch" in x86_64 | arm64) ;; *) return 0 ;; esac
	if [ -z "${PSH_DRGN_BIN:-}" ]; then
		echo "drgn=skipped (PSH_DRGN=0)" >>"$facts"
		return 0
	fi
	[ -f "$res/vmcore" ] ||
		{ fail "drgn: no vmcore saved in $res (the capture kernel's save_vmcore?)"; return; }
	cpus=${vcpus:-4}
	# Offline CPUs may lack a note; a scenario that counts its notes
	# itself (notes=) may leave any CPU without one.
	missing=
	for ((c = 0; c < cpus; c++)); do
		[[ ,$(expand_cpus "$online"), == *,$c,* ]] || missing+=${missing:+,}$c
	done
	[ -z "${notes:-}" ] || missing=any
	args=(--cpus "$cpus" --dmesg "$res/dmesg.txt")
	[ -z "$missing" ] || args+=(--missing "$missing")
	[ -z "$pcpu" ] || args+=(--panic-cpu "$pcpu")
	[ -z "${panic_pc:-}" ] || args+=(--panic-frame "^${panic_pc}\$")
	# The debug flavour: lockdep still on at the crash (an oops, an
	# LKDTM trigger's too, turns it off on purpose).
	if [ "${run_flavour:-}" = debug ] && [[ $trigger != lkdtm:* ]]; then
		args+=(--debug-locks)
	fi
	# Split at commas only: WHAT is a regex (no comma in it).
	IFS=, read -ra ws <<<"${trace:-}"
	for w in "${ws[@]}"; do
		args+=(--expect "$w")
	done
	t0=$(date +%s.%N)
	if drgn_check "$res/vmcore" "$dir/drgn.txt" "${args[@]}"; then
		echo "drgn=ok" >>"$facts"
		echo "drgn_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')" >>"$facts"
	else
		echo "drgn=failed" >>"$facts"
		if grep -q '^FAIL' "$dir/drgn.txt"; then
			fail "drgn: $(grep -m1 '^FAIL' "$dir/drgn.txt" | sed 's/^FAIL: //') (full: $dir/drgn.txt)"
			# From the first failure on, with the trace it prints.
			sed -n '/^FAIL/,$p' "$dir/drgn.txt" | head -n 40 | sed 's/^/#     /'
		else
			fail "drgn: check_vmcore.py stopped without a verdict: $(grep -v '^ ' "$dir/drgn.txt" | tail -n 1) (full: $dir/drgn.txt)"
		fi
		return
	fi
	IFS=, read -ra items <<<"${vmcore_selftest:-}"
	for item in "${items[@]}"; do
		kind=${item%%:*} num=${item#*:}
		copy=$res/vmcore.$kind$num
		# The CPU whose note it is, as the check of the real vmcore
		# mapped it (by content).
		victim=$(sed -n "s/^cpu \([0-9]*\): note #$num .*/\1/p" "$dir/drgn.txt")
		"$PSH_DRGN_BIN" -q --no-default-symbols -c "$res/vmcore" "$psh_harness/check_vmcore.py" \
			--vmcore "$res/vmcore" --corrupt "$item" --out "$copy" >>"$dir/drgn-selftest.txt" 2>&1 ||
			{ fail "drgn self-test: cannot make the $item copy (see $dir/drgn-selftest.txt)"; continue; }
		if drgn_check "$copy" "$dir/drgn-$kind$num.txt" "${args[@]}"; then
			fail "drgn self-test: the copy with note $num ${kind}ed passed the check"
		elif [ -z "$victim" ]; then
			fail "drgn self-test: note $num maps to no CPU in the real vmcore's check"
		elif ! grep -q "^FAIL: CPU $victim: no note in the vmcore matches" "$dir/drgn-$kind$num.txt"; then
			fail "drgn self-test: the $item copy was rejected without naming CPU $victim: $(grep -m1 '^FAIL' "$dir/drgn-$kind$num.txt")"
		else
			echo "drgn_selftest_$kind$num=rejected, CPU $victim named" >>"$facts"
		fi
		rm -f "$copy"
	done
}

# KUnit results printed on the console by test modules the setup loaded.
judge_kunit() {
	local ktap=$dir/kunit.ktap bad
	guest_said 'psh: trigger=reboot: no panic wanted, done' ||
		fail "the guest did not finish its setup (no 'trigger=reboot ... done')"
	sed -E 's/^\[[^]]*\] (\[[^]]*\] )?//' "$console" |
		grep -aE '^( *)(KTAP version|# Subtest:|1\.\.|(not )?ok [0-9]+ |# )' >"$ktap"
	echo "kunit_suites_ok=$(grep -cE '^ok [0-9]+ ' "$ktap")" >>"$facts"
	echo "kunit_cases_ok=$(grep -cE '^    ok [0-9]+ ' "$ktap")" >>"$facts"
	grep -qE '^ok [0-9]+ ' "$ktap" || fail "no KUnit suite reported a result"
	bad=$(grep -E '^ *not ok [0-9]+ ' "$ktap" | grep -v '# SKIP')
	[ -z "$bad" ] || fail "KUnit failures: $(echo "$bad" | sed 's/^ *//' | tr '\n' ';')"
}

# check_panic_pc NOTES CPU: CPU's note holds a pc inside the function
# panic_pc names.  The pc is mapped back to the link-time address with
# VMCOREINFO's KERNELOFFSET (KASLR) and looked up in the kernel's
# System.map, whose addresses are 16 hex digits: string order is numeric.
check_panic_pc() {
	local pc off link sym
	pc=$(sed -n "s/^prstatus index=$2 pid=[^ ]* pc=\(0x[0-9a-f]*\)$/\1/p" "$1")
	off=$(sed -n 's/^kerneloffset=\([0-9a-f]*\)$/\1/p' "$1")
	[ -n "$pc" ] || { fail "panic_pc: no pc in note $2"; return; }
	[ -f "${sysmap:-}" ] || { fail "panic_pc: no System.map ($sysmap)"; return; }
	link=$(printf '%016x' $((pc - 0x${off:-0})))
	sym=$(awk -v a="$link" '$2 ~ /^[tTwW]$/ && $1 <= a { s = $3 } $1 > a { exit } END { print s }' \
		"$sysmap")
	echo "panic_pc=$pc panic_pc_sym=${sym:-?}" >>"$facts"
	[ "$sym" = "$panic_pc" ] ||
		fail "note $2 holds pc $pc in ${sym:-?}, expected $panic_pc (the faulting context)"
}

# check_lists FILE WHERE: the test module's lines in FILE are exactly the
# lists the scenario expects (lists=a,b,c or lists=none), in order, once each.
check_lists() {
	local got want
	[ -n "${lists:-}" ] || return 0
	got=$(grep -ao 'psh_notifiers: ran [a-z_]* ([0-9]*)' "$1" 2>/dev/null |
		sed 's/^psh_notifiers: ran //' | paste -sd, -)
	want=
	[ "$lists" = none ] || want=$(echo "$lists" | tr ',' '\n' | sed 's/$/ (1)/' | paste -sd, -)
	echo "lists_seen=$got" >>"$facts"
	[ "$got" = "$want" ] ||
		fail "notifier lists in $2: expected '${want:-none}', got '${got:-none}'"
}

judge_reboot() {
	guest_said 'psh: capture kernel up' &&
		fail "a capture kernel started, expected a plain reboot"
	[ "$boots" = 1 ] || fail "kernel booted $boots times, expected once"
	# Panic to QEMU's exit, as far as the console shows it: the host time
	# of its last line.
	local t0 t1
	t0=$(host_time 'Kernel panic - not syncing')
	t1=$(tail -n 1 "$console" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	[ -n "$t0" ] && [ -n "$t1" ] &&
		echo "panic_to_exit_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')" >>"$facts"
	check_lists "$console" "the console"
}

# No panic wanted: the setup ran and passed (its checks are the test).
judge_ok() {
	guest_said 'psh: trigger=reboot: no panic wanted, done' ||
		fail "the guest's setup did not pass (no 'trigger=reboot ... done')"
}

# kexec -e (trigger=kexec): the first kernel started the next one, which
# came up on the reboot CPU (reboot_cpu, default 0) with every CPU online,
# and neither kernel warned.  hotplug_ops=N: the setup's hotplug loop
# reported at least N completed operations (lines "psh-hp: ..." in the
# first kernel), so the kexec really raced with CPU hotplug.
judge_kexec() {
	local first=$dir/first-kernel.log second=$dir/second-kernel.log
	local want got rcpu=${reboot_cpu:-0} hw_first hw_second ops bad
	# The first kernel's last words are "kexec_core: Starting new kernel"
	# (on arm64 the next kernel's first line precedes its banner).
	awk '{ print } /kexec_core: Starting new kernel/ { exit }' "$console" >"$first"
	awk 'p { print } /kexec_core: Starting new kernel/ { p = 1 }' "$console" >"$second"
	[ -n "$panic_line" ] && fail "a kernel panicked: $panic_line"
	grep -aq 'kexec_core: Starting new kernel' "$first" ||
		{ fail "the first kernel never printed 'kexec_core: Starting new kernel'"; return; }
	guest_said 'psh: kexec kernel up' ||
		{ fail "the kexec'd kernel never started /init (boots: $boots)"; return; }
	[ "$boots" = 2 ] || fail "kernel booted $boots times, expected twice"

	want=0-$((vcpus - 1))
	got=$(grep -ao 'psh: online cpus: [0-9,-]*' "$second" | head -n 1 | sed 's/.*: //')
	echo "kexec_online=$got" >>"$facts"
	[ "$got" = "$want" ] ||
		fail "the kexec'd kernel has CPUs '${got:-?}' online, expected $want (every CPU back)"

	# The physical CPU the kexec'd kernel boots on is the reboot CPU:
	# arm64 names it in "Booting Linux on physical CPU", the guest agent
	# prints x86_64's APIC IDs and riscv64's hart IDs in CPU order.
	case "$arch" in
	arm64)
		if [ "$rcpu" = 0 ]; then
			hw_first=$(grep -aoE -m1 'Booting Linux on physical CPU 0x[0-9a-f]+' "$first")
		else
			hw_first=$(grep -aoE -m1 "CPU$rcpu: Booted secondary processor 0x[0-9a-f]+" "$first")
		fi
		hw_second=$(grep -aoE -m1 'Booting Linux on physical CPU 0x[0-9a-f]+' "$second")
		hw_first=${hw_first##* } hw_second=${hw_second##* } ;;
	x86_64)
		hw_first=$(guest_hwid "$first" apicids $((rcpu + 1)))
		hw_second=$(guest_hwid "$second" apicids 1) ;;
	riscv64)
		hw_first=$(guest_hwid "$first" harts $((rcpu + 1)))
		hw_second=$(guest_hwid "$second" harts 1) ;;
	*)
		hw_first=n/a hw_second=n/a ;;
	esac
	echo "reboot_cpu_hwid=$hw_first" >>"$facts"
	echo "kexec_boot_hwid=$hw_second" >>"$facts"
	[ -n "$hw_first" ] && [ "$hw_first" = "$hw_second" ] ||
		fail "the kexec'd kernel booted on physical CPU ${hw_second:-?}, the reboot CPU $rcpu is ${hw_first:-?}"

	bad=$(grep -aE -m1 'WARNING:|BUG:|Unbalanced cpu hotplug|Processor [0-9]+ is stuck|Failed to offline CPU' "$console" | tr -d '\r')
	[ -z "$bad" ] || fail "a kernel warned: $bad"
	if [ -n "${hotplug_ops:-}" ]; then
		ops=$(grep -ac 'psh-hp: ' "$first")
		echo "hotplug_ops=$ops" >>"$facts"
		[ "$ops" -ge "$hotplug_ops" ] ||
			fail "the hotplug loop completed $ops operations, expected at least $hotplug_ops"
	fi
}

# guest_hwid LOG LABEL N: the Nth ID of the guest agent's first "psh:
# LABEL:" line (apicids on x86_64, harts on riscv64).
guest_hwid() {
	grep -ao "psh: $2: [0-9 ]*" "$1" | head -n 1 | sed "s/^psh: $2: //" |
		awk -v n="$3" '{ print $n }'
}

# A race with two outcomes: the panic won (a vmcore) or the reboot did.
judge_settled() {
	if guest_said 'psh: capture kernel up' || [ -n "$panic_line" ]; then
		echo "settled=panic" >>"$facts"
		judge_vmcore
	else
		echo "settled=reboot" >>"$facts"
		[ "$boots" = 1 ] || fail "kernel booted $boots times, expected once"
	fi
}

case "$expect" in
vmcore) judge_vmcore ;;
settled) judge_settled ;;
reboot) judge_reboot ;;
kunit) judge_kunit ;;
ok) judge_ok ;;
kexec) judge_kexec ;;
*) fail "unknown expectation '$expect'" ;;
esac

# pvpanic=before: the host saw the guest's pvpanic event on QMP before the
# capture kernel printed its banner; pvpanic=none: no event at all.
check_pvpanic() {
	local ev t_ev t_capture
	ev=$(grep -a -m1 -E '"event": *"GUEST_(PANICKED|CRASHLOADED)"' "$dir/qmp.log" 2>/dev/null)
	t_ev=$(sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' <<<"$ev")
	t_capture=$(grep -a '\] Linux version' "$console" | sed -n 2p |
		sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	echo "pvpanic_event=$(grep -ao 'GUEST_[A-Z]*' <<<"$ev")" >>"$facts"
	echo "pvpanic_event_s=$t_ev" >>"$facts"
	case "$pvpanic" in
	none)
		[ -z "$ev" ] || fail "the host saw a pvpanic event, expected none: $ev" ;;
	before)
		if [ -z "$ev" ]; then
			fail "the host saw no pvpanic event on QMP (log: $dir/qmp.log)"
		elif [ -n "$t_capture" ] &&
			awk -v a="$t_ev" -v b="$t_capture" 'BEGIN{exit !(a > b)}'; then
			fail "the pvpanic event ($t_ev s) came after the capture kernel's banner ($t_capture s)"
		fi ;;
	esac
}
[ -z "${pvpanic:-}" ] || check_pvpanic

# stop=all|ERE: the first kernel's CPU-stop lines (kernel/smp_stop.c), in
# the vmcore's dmesg after a capture, else on the console up to the
# second boot.  Exactly one line per stop; all = every other CPU that was
# online when the scenario armed stopped, none failed.
check_stop() {
	local src lines n online want
	if [ "$expect" = vmcore ]; then
		src=$res/dmesg.txt
	else
		src=$dir/first-kernel.log
		awk '/\] Linux version/ && ++n == 2 { exit } { print }' "$console" >"$src"
	fi
	lines=$(grep -aoE 'smp: (stopped [0-9]+ CPUs|failed to stop secondary CPUs).*' "$src" 2>/dev/null | tr -d '\r')
	n=$(grep -c . <<<"$lines")
	echo "stop_lines=$n" >>"$facts"
	echo "stop_line=$(head -n 1 <<<"$lines")" >>"$facts"
	[ "$n" = 1 ] || { fail "expected exactly one CPU-stop line in the first kernel, got $n: $(paste -sd'|' <<<"$lines")"; return; }
	if [ "$stop" = all ]; then
		online=$(sed -n 's/.*online=\([0-9,-]*\).*/\1/p' <<<"$armed")
		want=$(( $(cpu_count "${online:-0}") - 1 ))
		grep -qE "^smp: stopped $want CPUs \(" <<<"$lines" ||
			fail "CPU-stop line '$lines': expected all $want other CPUs stopped"
	elif ! grep -qE -- "$stop" <<<"$lines"; then
		fail "CPU-stop line '$lines' does not match '$stop'"
	fi
}
[ -z "${stop:-}" ] || check_stop

# The debug flavour (lib.sh, run.sh's run_flavour): no splat in the first
# kernel up to the jump into the capture kernel, nor in the kernel kexec -e
# started.  Where: the console, split after "kexec_core: Starting new
# kernel" or at the first line a kernel stamped 0.000000 after the panic or
# oops (the capture kernel; not at any 0.000000 line: x86_64's APs print
# some while they come up); for a kdump also the vmcore's dmesg, which
# holds what never reached the console (the last lines before the jump,
# the stopped CPUs' NMI output).  The capture kernel is the variant's
# plain build: not checked, but it must not be a debug kernel.  splat_ok=ERE
# (scenarios.sh) names the reports a scenario provokes on purpose; an
# LKDTM trigger's own BUG is the scenario's crash, not a splat.
# Oopses too: an oops turns lockdep off (oops_enter()) without a word, so
# a run that oopsed in its setup would check nothing after it.
splat_re='WARNING: |BUG: |kernel BUG at |list_(add|del) corruption|list_add double add'
splat_re+='|INFO: trying to register non-static key|DEBUG_LOCKS_WARN_ON'
splat_re+='|Disabling lock debugging due to kernel taint'
splat_re+='|Oops: |Internal error: |Unable to handle kernel '
splat_re+='|INFO: rcu_[a-z_]+ (self-)?detected (expedited )?stall|Watchdog detected hard LOCKUP|NMI backtrace for cpu'
lockdep_banner='Lock dependency validator: Copyright'
check_splats() {
	local first=$dir/debug-first.log next=$dir/debug-next.log srcs all hits allowed ok
	# The next kernel begins after "Starting new kernel" (kexec -e), at
	# the first line stamped 0.000000 after the crash, or, should the
	# console have lost the panic line, at a second kernel's banner.
	awk -v f="$first" -v n="$next" '
		second { print > n; next }
		crashed && /^\[ *[0-9.]+\] \[ *0\.000000\] / { second = 1; print > n; next }
		banner && /\] (Linux version |Booting Linux on physical CPU)/ { second = 1; print > n; next }
		{ print > f }
		/\] Linux version / { banner = 1 }
		/Kernel panic - not syncing|Oops: |kernel BUG at |Internal error: / { crashed = 1 }
		/kexec_core: Starting new kernel/ { second = 1 }' "$console"
	: >>"$next"
	grep -aq "$lockdep_banner" "$first" ||
		fail "the first kernel is not the debug flavour (no lockdep banner)"
	srcs=("$first")
	if [ "$trigger" = kexec ]; then
		srcs+=("$next")
		grep -aq "$lockdep_banner" "$next" ||
			fail "the kernel kexec -e started is not the debug flavour (no lockdep banner)"
	elif grep -aq "$lockdep_banner" "$next"; then
		fail "the capture kernel has lockdep: it should be the plain build"
	fi
	[ ! -s "$res/dmesg.txt" ] || srcs+=("$res/dmesg.txt")
	# One line per report line, without the host, kernel and caller
	# stamps, each once (the console and the vmcore's dmesg repeat them).
	all=$(grep -ahE -- "$splat_re" "${srcs[@]}" | grep -av 'Kernel panic - not syncing' | tr -d '\r' |
		sed -E 's/^\[ *[0-9.]+\] (\[ *[0-9.]+\] )?(\[ *[TC][0-9]+\] )?//' | awk '!seen[$0]++')
	ok=${splat_ok:-}
	case $trigger in
	# LKDTM's BUG, the only LKDTM crash the table uses: x86_64 prints
	# "kernel BUG at" and "Oops: invalid opcode", arm64 "Internal error".
	lkdtm:*) ok+=${ok:+|}'kernel BUG at [^ ]*drivers/misc/lkdtm/|Oops: invalid opcode: |Internal error: Oops - BUG: ' ;;
	esac
	hits=$all allowed=
	if [ -n "$ok" ] && [ -n "$all" ]; then
		# grep's status 2 (a bad ERE) must not empty the hits.
		hits=$(grep -avE -- "$ok" <<<"$all") || [ $? = 1 ] ||
			{ fail "splat_ok='$ok' is no valid extended regex"; hits=$all; }
		allowed=$(grep -aE -- "$ok" <<<"$all") || true
	fi
	echo "splats=$(grep -c . <<<"$hits")" >>"$facts"
	echo "splats_allowed=$(grep -c . <<<"$allowed")" >>"$facts"
	[ -z "$allowed" ] || sed 's/^/splat_allowed=/' <<<"$allowed" >>"$facts"
	if [ -n "$hits" ]; then
		fail "splat in the debug kernel: $(head -n 1 <<<"$hits")"
		echo "#   splat lines (first 8; full logs: $first, $next):"
		head -n 8 <<<"$hits" | sed 's/^/#     /'
	fi
}
[ "${run_flavour:-}" != debug ] || check_splats

if [ -n "${console_lacks:-}" ] && grep -aqE -- "$console_lacks" "$console"; then
	fail "console has a line matching '$console_lacks': $(grep -aE -m1 -- "$console_lacks" "$console" | tr -d '\r')"
fi
if [ -n "${console_has:-}" ] && ! grep -aqE -- "$console_has" "$console"; then
	fail "console lacks a line matching '$console_has'"
fi
[ "$failed" = 0 ] || show_context
if [ -n "${fails_with:-}" ]; then
	# A self-test: the run is meant to be rejected, for this reason.
	exec 1>&3
	if [ "$failed" = 1 ] && grep -qF -- "$fails_with" "$dir/judge.out"; then
		echo "# expected failure seen: $(grep -m1 -F -- "$fails_with" "$dir/judge.out" | sed 's/^# //')"
		exit 0
	fi
	echo "# FAIL $name: the judge should have rejected this run with '$fails_with'; it said:"
	sed 's/^/#   /' "$dir/judge.out"
	exit 1
fi
[ "$failed" = 0 ]

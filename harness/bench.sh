#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [options]: time the panic -> kdump path of the base and the series
# kernels side by side under QEMU, each point repeated, and report
# min / median / max per point and the ratio of the medians.
#
#   --arch A        x86_64, arm64 or all (default all); repeat or use commas
#   --reps N        repetitions per point (default 5)
#   --budget MIN    stop starting runs once MIN minutes are spent (default 30)
#   --out DIR       where everything goes (default out/bench)
#   --quick         smoke test: 1 repetition, idle only, 4 and 2 vCPUs
#   --only ERE      run only the points ("WORKLOAD VCPUS", e.g. "idle 32",
#                   "level2 4") that match ERE, e.g. 'busy|irqoff|level'
#   --capture K     the capture kernel of every run: base (default: both
#                   variants load the base kernel for kdump, so the
#                   handoff compares the dying kernels only) or own (each
#                   variant its own kernel; docs/bench.md says why not)
#   --stopbench     boot the stopbench flavour of both kernels (PSH_FLAVOUR,
#                   lib.sh): the bench-only instrument in harness/bench/
#                   times the CPU stop the same way in base and series,
#                   from its start to the last CPU's acknowledgment
#   --icount SHIFT  run QEMU with -icount shift=SHIFT (qemu.sh PSH_ICOUNT): the
#                   guest clocks count instructions, not host time, so
#                   TCG's translation and the host's load drop out of the
#                   guest's figures (the handoff, a host figure, keeps them)
#   --tcg MODE      single (default): one host thread runs every vCPU in
#                   turn (QEMU -accel tcg,thread=single); multi: one host
#                   thread per vCPU (MTTCG).  docs/bench.md says why
#   --report        only rebuild bench.md and bench.png from OUT/bench.csv
#                   (give the options of the run that wrote it)
#   --parse DIR...  print what bench would record from finished run
#                   directories (OUT/runs/VARIANT/TEST) and exit
#
# Writes OUT/bench.csv (every raw sample, appended as each run ends),
# OUT/bench.md (the tables, also printed on stdout), OUT/bench.png (gnuplot,
# harness/bench.gp) and OUT/runs/VARIANT/TEST/ (run.sh's logs).  Progress
# goes to stderr.  docs/bench.md explains the measures and their limits.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arches="x86_64 arm64" reps=5 reps_set=0 budget_min=30 out='' quick=0
arch_opt='' parse_only=0 report_only=0 only='' capture=base tcg=single
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch_opt+=" ${2//,/ }"; shift ;;
	--reps) reps=$2 reps_set=1; shift ;;
	--budget) budget_min=$2; shift ;;
	--out) out=$2; shift ;;
	--quick) quick=1 ;;
	--only) only=$2; shift ;;
	--capture) capture=$2; shift ;;
	--tcg) tcg=$2; shift ;;
	--icount) export PSH_ICOUNT=$2; shift ;;
	--stopbench) export PSH_FLAVOUR=stopbench; psh_flavour=stopbench psh_fl=-stopbench ;;
	--parse) parse_only=1; shift; break ;;
	--report) report_only=1 ;;
	-h|--help) sed -n '3,38s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "bench.sh: unknown argument $1 (see --help)" ;;
	esac
	shift
done
# --arch: a list of arches; all (or nothing) means both.
if [ -n "${arch_opt// /}" ] && [[ " $arch_opt " != *" all "* ]]; then
	arches=$(tr ' ' '\n' <<<"$arch_opt" | awk 'NF && !seen[$0]++' | paste -sd' ')
fi
for a in $arches; do deb_arch "$a" >/dev/null; done
case "$capture" in
base|own) ;;
*) die "--capture wants base or own, not '$capture'" ;;
esac
case "$tcg" in
single|multi) ;;
*) die "--tcg wants single or multi, not '$tcg'" ;;
esac
[ -z "${PSH_ICOUNT:-}" ] || [ "$tcg" = single ] || die "--icount needs --tcg single"
[ -z "${PSH_ICOUNT:-}" ] || [[ "$PSH_ICOUNT" =~ ^[0-9]+$ ]] || die "--icount wants a shift (0-10), not '$PSH_ICOUNT'"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps wants a positive number, not '$reps'"
[[ "$budget_min" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--budget wants minutes, not '$budget_min'"
[ "$quick" = 0 ] || [ "$reps_set" = 1 ] || reps=1
out=${out:-$psh_root/out/bench}

# --- The points, in priority order ---------------------------------------
# The idle 4-vCPU point first (the one every comparison needs), then the
# rest of the vCPU sweep, then the workloads at 4 vCPUs.  The budget cuts
# from the end of this list.
points=("idle 4" "idle 2")
[ "$quick" = 1 ] || points+=("idle 8" "idle 16" "idle 32" "busy 4" "irqoff 4"
	"level0 4" "level1 4" "level2 4" "level3 4" "level4 4" "nokdump 4")
if [ -n "$only" ]; then
	mapfile -t points < <(printf '%s\n' "${points[@]}" | grep -E -- "$only" || true)
	[ "${#points[@]}" -gt 0 ] || die "--only '$only' matches no point"
fi

# variants_of WORKLOAD: the kernels a point runs on.  The base has no
# panic_notifiers_level, so levels 1-3 exist on the series only; levels 0
# and 4 have a base comparison point (scenario_keys).
variants_of() {
	case "$1" in
	level[123]) echo series ;;
	*) echo base series ;;
	esac
}

# scenario_keys VARIANT WORKLOAD VCPUS: the run.sh scenario keys of a point.
scenario_keys() {
	local variant=$1 w=$2 v=$3 c others=
	case "$w" in
	idle) ;;
	busy)
		# Every CPU but the panicking one (0) spins in user space,
		# pinned, started in the background so the setup returns.
		for c in $(seq 1 $((v - 1))); do others+=" $c"; done
		echo "setup=for c in$others; do taskset -c \$c sh -c 'while :; do :; done' & done" ;;
	irqoff)
		# CPU 1 spins with interrupts off for good (LKDTM HARDLOCKUP);
		# init stays on CPU 0 so the trigger still runs.  Every IRQ and
		# every task that may move goes to CPU 0 first: x86_64 routes
		# the UART's IRQ to CPU 1, and with it stuck there init's
		# console writes block and the trigger never comes.  An x86
		# IO-APIC moves an IRQ when it next fires, hence the echo and
		# the first sleep.  The second lets CPU 1 enter its loop.
		# (Kernel console output stalls until the panic anyway: the
		# printk on CPU 1 leaves the console thread's wake-up irq_work
		# pending there; the panic prints atomically.)
		echo init_cpu=0
		echo "setup=for f in /proc/irq/*/smp_affinity; do echo 1 >\$f; done 2>/dev/null; for p in /proc/[0-9]*; do taskset -p 1 \${p#/proc/}; done >/dev/null 2>&1; echo 'bench: IRQs and tasks moved to CPU 0'; sleep 1; taskset -c 1 sh -c 'echo HARDLOCKUP >/sys/kernel/debug/provoke-crash/DIRECT' & sleep 1" ;;
	level*)
		if [ "$variant" = series ]; then
			echo "setup=modprobe psh_notifiers"
			echo "cmdline=panic_notifiers_level=${w#level}"
		elif [ "$w" = level4 ]; then
			# The base's way of running every notifier before kdump.
			echo cmdline=crash_kexec_post_notifiers=1
		fi ;; # level0 on the base: its default, nothing before kdump
	nokdump)
		echo crash=no
		echo cmdline=panic=-1
		echo expect=reboot ;;
	*) die "unknown workload $w" ;;
	esac
}

# write_table VARIANT FILE: run.sh's scenario table (PSH_SCENARIOS) with
# every point and repetition of the plan for VARIANT, named
# bench.WORKLOAD.vN.rR.  Guests with many vCPUs boot slowly under TCG,
# hence the longer timeout.
write_table() {
	local variant=$1 p w v r args
	{
		echo "# generated by harness/bench.sh for the $variant kernel"
		for p in "${points[@]}"; do
			read -r w v <<<"$p"
			[[ " $(variants_of "$w") " == *" $variant "* ]] || continue
			mapfile -t args < <(scenario_keys "$variant" "$w" "$v")
			for r in $(seq 1 "$reps"); do
				printf 'scenario %q' "bench.$w.v$v.r$r"
				printf ' %q' "arch=$arches" "vcpus=$v" suite=bench \
					"timeout=$((150 + 10 * v))" "${args[@]}"
				echo
			done
		done
	} >"$2"
}

# --- What one run measured --------------------------------------------------
# fact DIR KEY: a value from DIR/facts.txt (judge.sh).
fact() {
	[ -f "$1/facts.txt" ] || return 0
	sed -n "s/^$2=//p" "$1/facts.txt" | head -n 1
}

# guest_ms FILE CONSOLE: the guest's own figure, in ms: the kernel time
# stamp of the last printk line after "Kernel panic - not syncing" minus
# that line's.  FILE is the vmcore's dmesg ("[ts] [caller] text"), or with
# CONSOLE=1 the host-stamped console ("[host] [ts] text").
guest_ms() {
	[ -f "$1" ] || return 0
	awk -v con="$2" '
		{ line = $0 }
		con && !sub(/^\[ *[0-9.]+\] /, "", line) { next }
		!match(line, /^\[ *[0-9]+\.[0-9]+\]/) { next }
		{ ts = substr(line, 2, RLENGTH - 2) + 0 }
		!p && index(line, "Kernel panic - not syncing") { p = 1; t0 = ts }
		p { last = ts }
		END { if (p) printf "%.3f\n", (last - t0) * 1000 }' "$1"
}

# stop_line FILE: "CPUS MICROSECONDS HOW" from the series' CPU-stop report,
# or nothing.  "smp: stopped N CPUs (crash, NMI) in T us" gives
# "N T crash/NMI"; "smp: failed to stop secondary CPUs 2 (crash, IPI) after
# T us; stopped N" gives "N T crash/IPI/failed:2" (a CPU list's commas
# become '+', the CSV is comma-separated).  The line comes with the common
# CPU-stop layer (issue 4).
stop_line() {
	[ -f "$1" ] || return 0
	grep -a -m1 -oE 'smp: (stopped [0-9]+ CPUs? \([^)]*\) in [0-9.]+ us|failed to stop secondary CPUs [0-9,-]+ \([^)]*\) after [0-9.]+ us; stopped [0-9]+)' "$1" |
		sed -E 's/^smp: stopped ([0-9]+) CPUs? \(([^)]*)\) in ([0-9.]+) us$/\1 \3 \2/;
			s/^smp: failed to stop secondary CPUs ([0-9,-]+) \(([^)]*)\) after ([0-9.]+) us; stopped ([0-9]+)$/\4 \3 \2,failed:\1/' |
		awk '{ how = $3; for (i = 4; i <= NF; i++) how = how $i
			n = index(how, "failed:")
			if (n) { f = substr(how, n); gsub(/,/, "+", f); how = substr(how, 1, n - 1) f }
			gsub(/,/, "/", how); print $1, $2, how }'
}

# stopbench_line FILE: "ACKS ACK_US WAIT_US" from the stopbench flavour's
# line (harness/bench/stopbench-*.patch, the same in base and series):
# "stopbench: crash: 3 acks, last ack 812345 ns, wait ended 813000 ns".
stopbench_line() {
	[ -f "$1" ] || return 0
	grep -a -m1 -oE 'stopbench: [a-z]+: [0-9]+ acks, last ack [0-9]+ ns, wait ended [0-9]+ ns' "$1" |
		awk '{ printf "%d %.1f %.1f\n", $3, $7 / 1000, $11 / 1000 }'
}

# parse_run DIR: set s_handoff s_guest s_stop_us s_stop_cpus s_stop_how
# (and s_sb_acks s_sb_ack_us s_sb_wait_us with --stopbench)
# from a finished run directory.  A kdump is timed from the panic line to
# the capture kernel's first line (judge.sh's handoff_s); the run without
# a crash kernel from the panic line to QEMU's exit (panic_to_exit_s), and
# its guest figure comes from the console, as there is no vmcore.
parse_run() {
	local dir=$1 src con=0
	s_handoff='' s_guest='' s_stop_us='' s_stop_cpus='' s_stop_how=''
	if grep -qx 'expect=reboot' "$dir/scenario.env" 2>/dev/null; then
		s_handoff=$(fact "$dir" panic_to_exit_s)
		src=$dir/console.log con=1
	else
		s_handoff=$(fact "$dir" handoff_s)
		src=$dir/results/dmesg.txt
	fi
	s_guest=$(guest_ms "$src" "$con")
	[ -f "$src" ] || src=$dir/console.log
	read -r s_stop_cpus s_stop_us s_stop_how < <(stop_line "$src"; echo) || true
	s_sb_acks='' s_sb_ack_us='' s_sb_wait_us=''
	read -r s_sb_acks s_sb_ack_us s_sb_wait_us < <(stopbench_line "$src"; echo) || true
}

if [ "$parse_only" = 1 ]; then
	for d in "$@"; do
		parse_run "$d"
		echo "$d: handoff_s=${s_handoff:-n/a} guest_ms=${s_guest:-n/a}" \
			"stop_us=${s_stop_us:-n/a} stop_cpus=${s_stop_cpus:-n/a} stop_how=${s_stop_how:-n/a}" \
			"stopbench_acks=${s_sb_acks:-n/a} stopbench_ack_us=${s_sb_ack_us:-n/a} stopbench_wait_us=${s_sb_wait_us:-n/a}"
	done
	exit 0
fi

# --- Bookkeeping -------------------------------------------------------------
csv=$out/bench.csv
declare -A dur_sum dur_n kernel_of
child='' started=0 interrupted='' total=0 n_run=0 stopped_at='' reported=0
load_start=$(cut -d' ' -f1 /proc/loadavg)

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

# estimate ARCH WORKLOAD VCPUS: expected seconds for one run, from the runs
# done so far: the same point's mean, else the arch's mean scaled by the
# vCPU count (TCG boots slow down with more vCPUs on 2 host cores), else 0
# (nothing known yet: let it run).
estimate() {
	local a=$1 k=$1.$2.$3 s=0 n=0 key
	if [ "${dur_n[$k]:-0}" -gt 0 ]; then
		awk -v s="${dur_sum[$k]}" -v n="${dur_n[$k]}" 'BEGIN { printf "%.0f", s / n }'
		return
	fi
	for key in "${!dur_n[@]}"; do
		[[ "$key" == "$a".* ]] || continue
		s=$(awk -v a="$s" -v b="${dur_sum[$key]}" 'BEGIN { print a + b }')
		n=$((n + dur_n[$key]))
	done
	awk -v s="$s" -v n="$n" -v v="$3" \
		'BEGIN { f = v > 4 ? v / 4 : 1; printf "%.0f", n ? s / n * f : 0 }'
}

# descendants PID: every process below PID, deepest first.
descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		descendants "$p"
		echo "$p"
	done
}

# kill_tree PID: end PID and what it started.  QEMU runs under timeout(1),
# which puts itself in its own process group, so a Ctrl-C on the terminal
# does not reach it: it is found and ended by pid.
kill_tree() {
	local pids
	pids=$(descendants "$1"; echo "$1")
	# shellcheck disable=SC2086 # one pid per word
	kill -TERM $pids 2>/dev/null || true
}

# banner CONSOLE: "7.3.4-psh-series #10", the kernel that ran.
banner() {
	[ -f "$1" ] || return 0
	grep -a -m1 'Linux version' "$1" |
		sed -n 's/.*Linux version \([^ ]*\) .* \(#[0-9]*\) .*/\1 \2/p' || true
}

# first_fail LOG: why run.sh's judge failed a run (its first "# FAIL").
first_fail() {
	{ grep -m1 '^# FAIL' "$1" || tail -n 1 "$1"; } 2>/dev/null | sed 's/^# FAIL [^:]*: //' || true
}

# run_one ARCH VARIANT WORKLOAD VCPUS REP: one run.sh test; appends its
# sample to the CSV and prints a progress line.
run_one() {
	local a=$1 variant=$2 w=$3 v=$4 r=$5 test t0 dt rc=0 status dir log load msg
	test=$a.bench.$w.v$v.r$r
	dir=$out/runs/$variant/$test log=$out/runs/$variant/$test.log
	load=$(cut -d' ' -f1 /proc/loadavg)
	mkdir -p "$out/runs/$variant"
	n_run=$((n_run + 1))
	t0=$(now)
	# In the background, so that a signal reaches the trap at once.
	PSH_SCENARIOS=$out/scenarios-$variant.sh PSH_NO_BUILD=1 \
		PSH_CAPTURE_VARIANT=$capture_variant PSH_TCG_THREAD=$tcg \
		"$psh_harness/run.sh" --variant "$variant" --out "$out/runs/$variant" \
		"$test" >"$log" 2>&1 </dev/null &
	child=$!
	wait "$child" || rc=$?
	child=
	dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	dur_sum[$a.$w.$v]=$(awk -v a="${dur_sum[$a.$w.$v]:-0}" -v b="$dt" 'BEGIN { print a + b }')
	dur_n[$a.$w.$v]=$((${dur_n[$a.$w.$v]:-0} + 1))
	status=ok
	[ "$rc" = 0 ] || status=fail
	grep -q "^ok .* # SKIP" "$log" && status=skip
	parse_run "$dir"
	echo "$a,$variant,$w.v$v,$w,$v,$r,$status,$s_handoff,$s_guest,$s_stop_us,$s_stop_cpus,$s_stop_how,$dt,$load,$test,$s_sb_acks,$s_sb_ack_us,$s_sb_wait_us" >>"$csv"
	msg="handoff ${s_handoff:-n/a} s"
	[ "$w" != nokdump ] || msg="panic to exit ${s_handoff:-n/a} s"
	[ -z "$s_stop_us" ] || msg+=", stop $s_stop_us us"
	[ -z "$s_sb_ack_us" ] || msg+=", stopbench $s_sb_acks acks, last $s_sb_ack_us us"
	[ "$status" = ok ] || msg+=" (judge: $status: $(first_fail "$log"))"
	printf 'bench: [%d/%d] %s %s %s v%s r%s: %s (%s s)\n' "$n_run" "$total" \
		"$a" "$variant" "$w" "$v" "$r" "$msg" "$dt" >&2
}

# --- The report ----------------------------------------------------------------
# stats: "ARCH POINT METRIC VARIANT N MIN MEDIAN MAX" per group of the CSV.
stats() {
	tail -n +2 "$csv" | awk -F, '
		$8 != "" { print $1, $3, "handoff", $2, $8 }
		$9 != "" { print $1, $3, "guest", $2, $9 }
		$10 != "" { print $1, $3, "stop", $2, $10 }
		$17 != "" { print $1, $3, "sback", $2, $17 }
		$18 != "" { print $1, $3, "sbwait", $2, $18 }' |
		sort -k1,4 -k5,5g | awk '
		function flush() {
			if (!n) return
			med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			print key, n, v[1], med, v[n]
			n = 0
		}
		{ k = $1 " " $2 " " $3 " " $4 }
		k != key { flush(); key = k }
		{ v[++n] = $5 }
		END { flush() }'
}

# table METRIC FORMAT TITLE [verdict]: one Markdown table over the plan.
# With "verdict", a last column says whether the series is within noise of
# the base: median ratio <= 1.05, or the series' median inside the base's
# min..max (issue 16's goal for the stop latency).
table() {
	local metric=$1 fmt=$2 verdict=${4:-} a p w v label cell_b cell_s ratio ok
	echo
	echo "### $3"
	echo
	if [ -n "$verdict" ]; then
		echo "| arch | point | base min / median / max (n) | series min / median / max (n) | series/base | within noise |"
		echo "|---|---|---|---|---|---|"
	else
		echo "| arch | point | base min / median / max (n) | series min / median / max (n) | series/base |"
		echo "|---|---|---|---|---|"
	fi
	for a in $arches; do
		for p in "${points[@]}"; do
			read -r w v <<<"$p"
			label="$w v$v"
			case "$w" in
			level0) label+=" (a)" ;;
			level4) label+=" (b)" ;;
			nokdump) label+=" (c)" ;;
			esac
			cell_b=$(cell "$a $w.v$v $metric base" "$fmt" "${nfail[$a $w.v$v base]-}")
			cell_s=$(cell "$a $w.v$v $metric series" "$fmt" "${nfail[$a $w.v$v series]-}")
			[[ " $(variants_of "$w") " == *" base "* ]] || cell_b="- (series only)"
			ratio=n/a
			if [ -n "${st[$a $w.v$v $metric base]-}" ] && [ -n "${st[$a $w.v$v $metric series]-}" ]; then
				ratio=$(awk -v b="$(cut -d' ' -f3 <<<"${st[$a $w.v$v $metric base]}")" \
					-v s="$(cut -d' ' -f3 <<<"${st[$a $w.v$v $metric series]}")" \
					'BEGIN { if (b > 0) printf "%.2f", s / b; else print "n/a" }')
			fi
			if [ -z "$verdict" ]; then
				echo "| $a | $label | $cell_b | $cell_s | $ratio |"
				continue
			fi
			ok=n/a
			if [ "$ratio" != n/a ]; then
				ok=$(awk -v r="$ratio" -v b="${st[$a $w.v$v $metric base]}" \
					-v s="${st[$a $w.v$v $metric series]}" 'BEGIN {
					split(b, B, " "); split(s, S, " ")
					if (r + 0 <= 1.05) print "yes (ratio)"
					else if (S[3] >= B[2] && S[3] <= B[4]) print "yes (in base range)"
					else print "**no**" }')
			fi
			echo "| $a | $label | $cell_b | $cell_s | $ratio | $ok |"
		done
	done
}

# cell KEY FORMAT FAILED: "min / median / max (n)" or n/a, and how many
# runs of the point the judge failed, if any.
cell() {
	local failed=${3:+, judge failed $3}
	[ -n "${st[$1]-}" ] || { echo "n/a${3:+ (judge failed $3)}"; return; }
	read -r n lo med hi <<<"${st[$1]}"
	# shellcheck disable=SC2059 # the format is the caller's number format
	printf "$2 / $2 / $2 (%d%s)\n" "$lo" "$med" "$hi" "$n" "$failed"
}

# skipped: the points the budget (or an interrupt) left short, from the CSV.
skipped() {
	local p w v a variant want got list=
	for p in "${points[@]}"; do
		read -r w v <<<"$p"
		want=0
		for a in $arches; do
			for variant in $(variants_of "$w"); do want=$((want + reps)); done
		done
		got=$(awk -F, -v p="$w.v$v" -v a=" $arches " \
			'$3 == p && index(a, " " $1 " ") { n++ } END { print n + 0 }' "$csv")
		[ "$got" = "$want" ] || list+="${list:+, }$w v$v ($got of $want runs)"
	done
	echo "${list:-none}"
}

# stop_evidence: per arch and point of the series, the steps the stop
# lines name and in how many runs every other CPU was stopped.
stop_evidence() {
	echo
	echo "### CPU stop: step and CPUs stopped (series)"
	echo
	echo "| arch | point | step (runs) | every other CPU stopped |"
	echo "|---|---|---|---|"
	tail -n +2 "$csv" | awk -F, '$2 == "series" {
		k = $1 " | " $4 " v" $5
		if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		if ($11 == "") { none[k]++; next }
		lines[k]++
		step[k, $12]++
		if (!((k, $12) in have)) { have[k, $12] = 1; steps[k] = steps[k] (steps[k] == "" ? "" : ", ") $12 }
		if ($11 == $5 - 1 && index($12, "failed") == 0) all[k]++
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; out = ""
			m = split(steps[k], s, ", ")
			for (j = 1; j <= m; j++)
				out = out (j > 1 ? ", " : "") s[j] " (" step[k, s[j]] ")"
			if (none[k]) out = out (out == "" ? "" : ", ") "no stop line (" none[k] ")"
			printf "| %s | %s | %d of %d |\n", k, out, all[k], lines[k] + none[k]
		}
	}'
}

# notes: what the table's labels mean, for the points of this plan.
notes() {
	local all=" ${points[*]} "
	[[ "$all" != *" level0 "* ]] ||
		echo "- (a) base: its default (no panic_notifiers_level on the base; no notifier runs before kdump); series: panic_notifiers_level=0 with psh_notifiers loaded."
	[[ "$all" != *" level4 "* ]] ||
		echo "- (b) base: crash_kexec_post_notifiers=1 (every notifier before kdump); series: panic_notifiers_level=4 with psh_notifiers loaded. Levels 1-3: series only."
	[[ "$all" != *" nokdump "* ]] ||
		echo "- (c) no crash kernel, panic=-1: the handoff column is the panic line to QEMU's exit (the console's last line); the guest figure comes from the console."
	[[ "$all" != *" busy "* ]] ||
		echo "- busy: every CPU but the panicking one (0) spins in user space; irqoff: CPU 1 spins with interrupts off (LKDTM HARDLOCKUP), IRQs moved to CPU 0."
	[ "${#nfail[@]}" = 0 ] ||
		echo "- judge failed: such a run still counts if it was timed (bench.csv, column status; why: runs/VARIANT/TEST.log). arm64 irqoff always fails: without pseudo-NMI CPU 1 is never stopped and its registers are missing from the vmcore."
	echo "- ratio: series median / base median (below 1: the series is faster). Raw samples: bench.csv; logs: runs/."
}

report() {
	reported=1
	local a variant p w v with_stop=0 arches_plotted='' arches_stop=''
	declare -A st=() nfail=()
	local k1 k2 k3 k4 rest
	while read -r k1 k2 k3 k4 rest; do
		st["$k1 $k2 $k3 $k4"]=$rest
	done < <(stats)
	# Runs the judge failed, per arch, point and kernel.
	while read -r k1 k2 k3 rest; do
		nfail["$k1 $k2 $k3"]=$rest
	done < <(tail -n +2 "$csv" | awk -F, '$7 == "fail" { n[$1 " " $3 " " $2]++ }
		END { for (k in n) print k, n[k] }')
	grep -q ' stop ' < <(stats) && with_stop=1
	{
		echo "# panic -> kdump bench"
		echo
		echo "> Absolute figures are emulated: QEMU TCG on $(nproc) host cores shared"
		echo "> with other jobs. Compare the series/base ratios (of medians), not the times."
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); arches: $arches; repetitions: $reps; budget: $budget_min min"
		if [ "$started" = 0 ]; then
			echo "- runs: $(($(wc -l <"$csv") - 1)) of $total (report rebuilt from bench.csv)"
		else
			echo "- runs: $(($(wc -l <"$csv") - 1)) of $total in $(elapsed) s; load average $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"
		fi
		[ -z "$interrupted" ] || echo "- interrupted by SIG$interrupted: the figures are partial"
		[ -z "$stopped_at" ] || echo "- budget spent: stopped before $stopped_at"
		echo "- short of the plan: $(skipped)"
		if [ "$capture" = base ]; then
			echo "- capture kernel: the base kernel in every run (--capture base), so the handoff compares the dying kernels"
		else
			echo "- capture kernel: each variant's own (--capture own)"
		fi
		echo "- QEMU: TCG thread=$tcg (--tcg $tcg) where TCG is used"
		[ -z "${PSH_ICOUNT:-}" ] || echo "- QEMU: -icount shift=$PSH_ICOUNT,sleep=off (--icount $PSH_ICOUNT): guest clocks count instructions, $((1 << PSH_ICOUNT)) ns each"
		[ -z "$psh_flavour" ] || echo "- kernels: the $psh_flavour flavour of base and series (harness/bench/$psh_flavour-{base,series}.patch); capture kernel: the plain base build"
		for a in $arches; do
			for variant in base series; do
				[ -n "${kernel_of[$a-$variant]-}" ] || kernel_of[$a-$variant]=$(banner \
					"$out/runs/$variant/$(awk -F, -v a="$a" -v v="$variant" \
					'$1 == a && $2 == v { print $15; exit }' "$csv")/console.log")
				[ -z "${kernel_of[$a-$variant]-}" ] || echo "- kernel $a $variant: ${kernel_of[$a-$variant]}"
			done
		done
		table handoff %.3f "handoff (s, host clock): panic line to the capture kernel's first console line"
		table guest %.2f "guest (ms, kernel clock): panic line to the first kernel's last printk, vmcore dmesg"
		if grep -q ' sback ' < <(stats); then
			table sback %.0f "CPU stop, same instrument in both kernels (us, kernel clock): start of the stop to the last CPU's acknowledgment (stopbench)" verdict
			table sbwait %.0f "CPU stop, same instrument (us): start of the stop to the end of the stopping CPU's wait (stopbench; the base's x86 crash wait polls every 1 ms)"
		fi
		if [ "$with_stop" = 1 ]; then
			table stop %.0f "CPU stop (us, kernel): 'smp: stopped N CPUs (...) in T us'"
			stop_evidence
		else
			echo
			echo "### CPU stop: n/a"
			echo
			echo "No vmcore dmesg holds 'smp: stopped N CPUs (...) in T us' (the common CPU-stop layer, issue 4, prints it)."
		fi
		echo
		notes
	} | tee "$out/bench.md"

	# The plot: idle runs against vCPUs, per arch.
	[ "$plot_ok" = 1 ] || { log "no gnuplot: no plot"; return 0; }
	mkdir -p "$out/plot"
	for a in $arches; do
		grep -q "^$a idle[^ ]* handoff " < <(stats) || continue
		arches_plotted+=" $a"
		! grep -q "^$a idle[^ ]* stop " < <(stats) || arches_stop+=" $a"
		for variant in base series; do
			for p in "${points[@]}"; do
				read -r w v <<<"$p"
				[ "$w" = idle ] || continue
				[ -n "${st[$a $w.v$v handoff $variant]-}" ] || continue
				read -r _ lo med hi <<<"${st[$a $w.v$v handoff $variant]}"
				if [ -n "${st[$a $w.v$v stop $variant]-}" ]; then
					read -r _ slo smed shi <<<"${st[$a $w.v$v stop $variant]}"
				else
					slo=NaN smed=NaN shi=NaN
				fi
				echo "$v $lo $med $hi $slo $smed $shi"
			done | sort -n >"$out/plot/$a-$variant.dat"
		done
	done
	if [ -n "$arches_plotted" ]; then
		gnuplot -c "$psh_harness/bench.gp" "$out" "${arches_plotted# }" "${arches_stop# }" \
			2>"$out/plot/gnuplot.log" || log "gnuplot failed: see $out/plot/gnuplot.log"
		[ ! -f "$out/bench.png" ] || log "plot: $out/bench.png"
	fi
}

# On Ctrl-C or SIGTERM: end the running guest, then exit; on_exit writes
# the report from the samples so far.
on_signal() {
	trap - INT TERM
	interrupted=$1
	log "bench: SIG$1: stopping, keeping the partial results"
	[ -z "$child" ] || { kill_tree "$child"; wait "$child" 2>/dev/null || true; }
	[ "$1" = INT ] && exit 130
	exit 143
}

# Whatever ends the bench (done, interrupted, or an error of this script),
# the samples taken so far become the report.
on_exit() {
	local rc=$?
	trap - EXIT
	[ -n "$child" ] && kill_tree "$child"
	[ "$started" = 0 ] || [ "$reported" = 1 ] || report || true
	exit "$rc"
}

# --- Main --------------------------------------------------------------------
# As root the plot's gnuplot is installed when missing, as deps.sh does.
plot_ok=1
(PSH_AUTO_INSTALL=${PSH_AUTO_INSTALL:-1} need_cmd gnuplot gnuplot-nox) || plot_ok=0
for p in "${points[@]}"; do
	read -r w v <<<"$p"
	for variant in $(variants_of "$w"); do
		total=$((total + reps * $(wc -w <<<"$arches")))
	done
done
if [ "$report_only" = 1 ]; then
	[ -f "$csv" ] || die "no $csv to report on"
	rm -rf "$out/plot" "$out/bench.png"
	report
	exit 0
fi
capture_variant=
[ "$capture" = own ] || capture_variant=base
mkdir -p "$out"
rm -rf "$out/runs" "$out/plot" "$out/bench.png"
for variant in base series; do write_table "$variant" "$out/scenarios-$variant.sh"; done

# Prepare every kernel once, before the clock starts: a kernel build must
# not eat the budget, and every run of the bench then boots the same kernel
# (run.sh gets PSH_NO_BUILD=1).
for a in $arches; do
	for variant in base series; do
		log "bench: preparing $a $variant${psh_fl}"
		"$psh_harness/prepare.sh" "$a" "$variant" >"$out/prepare.log" 2>&1 ||
			{ tail -n 20 "$out/prepare.log" >&2; die "prepare.sh $a $variant failed"; }
	done
	# A flavour boots its own builds; the capture kernel is the plain one.
	if [ -n "$psh_flavour" ] && [ -n "$capture_variant" ]; then
		log "bench: preparing $a $capture_variant (the capture kernel)"
		PSH_FLAVOUR='' "$psh_harness/prepare.sh" "$a" "$capture_variant" >"$out/prepare.log" 2>&1 ||
			{ tail -n 20 "$out/prepare.log" >&2; die "prepare.sh $a $capture_variant failed"; }
	fi
done

echo "arch,variant,point,workload,vcpus,rep,status,handoff_s,guest_ms,stop_us,stop_cpus,stop_how,run_s,load1,test,sb_acks,sb_ack_us,sb_wait_us" >"$csv"
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap on_exit EXIT
started=$(now)
log "bench: $total runs planned, budget $budget_min min; progress below, results in $out"
budget_s=$(awk -v m="$budget_min" 'BEGIN { printf "%.0f", m * 60 }')
for p in "${points[@]}"; do
	read -r w v <<<"$p"
	for r in $(seq 1 "$reps"); do
		# One repetition of a point on every arch and kernel, base and
		# series back to back (alternating which goes first), so that
		# load changes on the host hit both alike.
		vs=$(variants_of "$w")
		[ $((r % 2)) = 1 ] || vs=$(echo "$vs" | tr ' ' '\n' | tac | tr '\n' ' ')
		need=0
		for a in $arches; do
			for variant in $vs; do need=$((need + $(estimate "$a" "$w" "$v"))); done
		done
		if [ $(($(elapsed) + need)) -gt "$budget_s" ]; then
			stopped_at="$w v$v r$r: $(elapsed) s spent of $budget_s, the next repetition needs about $need s"
			log "bench: budget of $budget_min min spent: stopping before $w v$v r$r"
			break 2
		fi
		for a in $arches; do
			for variant in $vs; do
				run_one "$a" "$variant" "$w" "$v" "$r"
			done
		done
	done
done
trap - INT TERM
report

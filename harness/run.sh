#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [options] [TEST...]: run scenarios (harness/scenarios.sh) in QEMU
# and report in KTAP.
#
#   --variant V             kernel to boot: series (default; the whole
#                           stack), base, or a posting of patches/postings
#                           (the stack up to and including it), or lint
#                           (lint.sh's tree at the patch it judges, or
#                           PSH_LINT_TREE; PSH_LINT_POSTINGS names what
#                           it holds)
#   --suite check|full|all|debug  which scenarios (default check);
#                           debug: those marked debug=yes (run them with
#                           PSH_FLAVOUR=debug); ignored when TESTs are named
#   --out DIR               where logs go (default out/VARIANT, with a
#                           flavour out/VARIANT-FLAVOUR)
#   --list                  print the test names and exit
#   TEST                    a test name or shell glob, e.g. 'x86_64.*'
#
# The scenario table is harness/scenarios.sh; PSH_SCENARIOS=FILE sources
# FILE instead (bench.sh writes its own table of bench points there).
#
# PSH_CAPTURE_VARIANT=base|series puts that variant's kernel image (built
# beforehand, e.g. by prepare.sh) into the first kernel's /boot instead of
# its own: the kernel it loads for kdump and for kexec -e.  bench.sh uses
# it so that base and series runs boot the same capture kernel.
#
# Per test, OUT/TEST/ keeps console.log, qemu.cmd, scenario.env,
# results/ (what the capture kernel saved; the vmcore itself only with
# PSH_KEEP_VMCORE=1 or, read by drgn, when the judge failed the test),
# drgn.txt and facts.txt.  The last line is
# "N passed, N failed"; the exit status is 1 if anything failed.
#
# The vmcores of the x86_64 and arm64 kdump scenarios are opened with drgn
# (harness/drgn.sh, harness/check_vmcore.py) by judge.sh: they are saved
# for that, and deleted once judged unless PSH_KEEP_VMCORE=1 or the test
# failed.
# PSH_DRGN=0 leaves drgn out (the judge then says so in facts.txt).
# PSH_DUMP_LEVEL=N makes the capture kernel run makedumpfile -d N
# (psh-init's dump_level; default 23, see tools/psh-init.c).
#
# PSH_FLAVOUR=debug (lib.sh) boots the debug flavour of the variant's
# kernel; kexec -e starts that kernel again, a kdump loads the plain build
# of VARIANT as its capture kernel; logs go to out/VARIANT-debug.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

variant=series suite=check out= list=0
while [ $# -gt 0 ]; do
	case "$1" in
	--variant) variant=$2; shift ;;
	--suite) suite=$2; shift ;;
	--out) out=$2; shift ;;
	--list) list=1 ;;
	-*) die "run.sh: unknown option $1" ;;
	*) break ;;
	esac
	shift
done
# The debug suite judges splats only on the debug flavour: on a plain
# kernel it would pass without checking what it is for.
[ "$suite" != debug ] || [ "$psh_flavour" = debug ] ||
	die "--suite debug runs on the debug flavour: PSH_FLAVOUR=debug $0 ..."
out=${out:-$psh_root/out/$variant$psh_fl}

# The postings the variant's kernel carries: none for base, all for
# series (and PSH_KSRC), the stack up to the named one for a posting.
mapfile -t all_postings < <("$psh_harness/tree.sh" postings)
case "$variant" in
base | capture) have_postings=() ;;
series) have_postings=("${all_postings[@]}") ;;
# lint.sh's tree at one patch: the postings it names in PSH_LINT_POSTINGS
# (space separated; the one being judged counts as held).
lint) read -ra have_postings <<<"${PSH_LINT_POSTINGS:-}" ;;
*)
	have_postings=()
	for p in "${all_postings[@]}"; do
		have_postings+=("$p")
		[ "$p" = "$variant" ] && break
	done
	[ "${have_postings[-1]}" = "$variant" ] ||
		die "unknown --variant '$variant' (want base, series or a posting: ${all_postings[*]})" ;;
esac
# variant_lacks NEEDS: print what of NEEDS (comma-separated postings, or
# "series" for all of them) the variant lacks; exit 1 if anything.
variant_lacks() {
	local want=() w h missing=()
	[ -n "$1" ] || return 0
	if [ "$1" = series ]; then want=("${all_postings[@]}"); else IFS=, read -ra want <<<"$1"; fi
	for w in "${want[@]}"; do
		for h in "${have_postings[@]}"; do [ "$h" = "$w" ] && continue 2; done
		missing+=("$w")
	done
	[ "${#missing[@]}" = 0 ] && return 0
	echo "${missing[*]}"
	return 1
}

# --- Load the scenario table --------------------------------------------
tests=() params=()
scenario() {
	local name=$1 kv arches a cpus c
	shift
	declare -A p=([arch]=all [vcpus]=4 [cpu]=0 [trigger]=sysrq [crash]=yes
		[cmdline]= [capture_append]= [setup]= [expect]=vmcore
		[timeout]=150 [suite]=check [fails_with]= [lists]= [console_has]=
		[needs]= [pvpanic]= [init_cpu]= [stop]= [notes]= [console_lacks]=
		[reboot_cpu]= [hotplug_ops]= [threads]= [tcg]= [panic_pc]=
		[trace]= [vmcore_selftest]= [debug]=no [splat_ok]=
		[needs_flavour]=)
	for kv in "$@"; do
		[[ "$kv" == *=* ]] || die "scenario $name: '$kv' is not key=value"
		[ -n "${p[${kv%%=*}]+set}" ] || die "scenario $name: unknown key '${kv%%=*}'"
		p[${kv%%=*}]=${kv#*=}
	done
	# An allowlist names report lines: one the judge cannot apply (a bad
	# ERE) or one that matches any line (empty, '.') is refused here.
	if [ -n "${p[splat_ok]}" ]; then
		local rc=0
		grep -qE -- "${p[splat_ok]}" </dev/null 2>/dev/null || rc=$?
		[ "$rc" = 1 ] || die "scenario $name: splat_ok='${p[splat_ok]}' is no valid extended regex"
		! grep -qE -- "${p[splat_ok]}" <<<$'\npsh: x' ||
			die "scenario $name: splat_ok='${p[splat_ok]}' matches any line: it would allow every report"
	fi
	case ${p[debug]} in yes | no) ;; *) die "scenario $name: debug=${p[debug]} (want yes or no)" ;; esac
	local w
	[ "${p[needs]}" = series ] || for w in ${p[needs]//,/ }; do
		[[ " ${all_postings[*]} " == *" $w "* ]] ||
			die "scenario $name: needs=$w is no posting (patches/postings: ${all_postings[*]})"
	done
	arches=${p[arch]}
	[ "$arches" = all ] && arches="x86_64 arm64"
	for a in $arches; do
		cpus=${p[cpu]}
		[ "$cpus" = each ] && cpus=$(seq 0 $((p[vcpus] - 1)))
		for c in $cpus; do
			local tname=$a.$name
			[ "${p[cpu]}" = each ] && tname+=.cpu$c
			tests+=("$tname")
			params+=("$(for k in "${!p[@]}"; do
				printf '%s=%q\n' "$k" "${p[$k]}"; done
				printf 'arch=%q\ncpu=%q\nname=%q\n' "$a" "$c" "$tname")")
		done
	done
}
. "${PSH_SCENARIOS:-$psh_harness/scenarios.sh}"

# --- Select ----------------------------------------------------------------
sel=()
for i in "${!tests[@]}"; do
	t=${tests[$i]} keep=0
	if [ $# -gt 0 ]; then
		for pat in "$@"; do
			# shellcheck disable=SC2053
			[[ "$t" == $pat ]] && keep=1
		done
	else
		s=$(sed -n 's/^suite=//p' <<<"${params[$i]}")
		d=$(sed -n 's/^debug=//p' <<<"${params[$i]}")
		if [ "$suite" = debug ]; then
			[ "$d" = yes ] && keep=1
		else
			{ [ "$suite" = all ] || [ "$suite" = "$s" ] ||
				{ [ "$suite" = full ] && [ "$s" = check ]; }; } && keep=1
		fi
	fi
	[ "$keep" = 1 ] && sel+=("$i")
done
[ "${#sel[@]}" -gt 0 ] || die "no scenario matches: $*"
if [ "$list" = 1 ]; then
	for i in "${sel[@]}"; do echo "${tests[$i]}"; done
	exit 0
fi

# --- drgn, for the vmcores of x86_64 and arm64 ---------------------------
# Set up only when a selected test can leave such a vmcore (drgn.sh needs
# root, once, to debootstrap its root).
drgn_arches=" x86_64 arm64 "
unset PSH_DRGN_BIN
if [ "${PSH_DRGN:-1}" != 0 ]; then
	for i in "${sel[@]}"; do
		[[ $drgn_arches == *" ${tests[$i]%%.*} "* ]] || continue
		(
			eval "$(grep -E '^(crash|expect|needs)=' <<<"${params[$i]}")"
			[ "$crash" = yes ] && { [ "$expect" = vmcore ] || [ "$expect" = settled ]; } &&
				variant_lacks "$needs" >/dev/null
		) || continue
		PSH_DRGN_BIN=$("$psh_harness/drgn.sh") ||
			die "drgn is needed to judge the x86_64 and arm64 vmcores (harness/drgn.sh failed above; PSH_DRGN=0 runs without it)"
		export PSH_DRGN_BIN
		log "vmcores of x86_64 and arm64 read with $("$psh_harness/drgn.sh" --version-line)"
		break
	done
fi

# --- Prepare each arch once ------------------------------------------------
# An arch whose capture kernel must be a build of its own (arch file:
# guest_capture_variant, mips64el) gets that image as /boot/vmlinuz in
# its kdump scenarios, base and series runs alike.
declare -A kernel core boot_image capture_image
for i in "${sel[@]}"; do
	a=${tests[$i]%%.*}
	[ -n "${kernel[$a]+set}" ] && continue
	prep=$("$psh_harness/prepare.sh" "$a" "$variant") ||
		die "preparing the $a $variant kernel and guest failed (the psh: error above says where)"
	eval "$prep"
	kernel[$a]=$k_image core[$a]=$k_core boot_image[$a]=$k_image
	cv=$(. "$psh_harness/arch/$a.sh" && echo "${guest_capture_variant:-}")
	if [ -n "$cv" ]; then
		capture_image[$a]=$psh_cache/build/$a-$cv/IMAGE
		[ "${PSH_NO_BUILD:-0}" = 1 ] && [ -f "${capture_image[$a]}" ] ||
			"$psh_harness/build.sh" "$a" "$cv" >&2
	fi
	# The debug flavour's kdump capture kernel is the plain (lean) build
	# of the same variant, as a kdump user loads the kernel they run
	# without the debug options.  Not the base build for every variant:
	# after a panic that took over a reboot's stop (stop-takeover) the
	# panicking CPU still has the reboot's stop IPI pending (x86_64 and
	# arm64), and a base capture kernel takes it as soon as it enables
	# interrupts and halts (README, "The debug flavour").  (Any other flavour gets a plain
	# capture kernel only through PSH_CAPTURE_VARIANT, below, which also
	# changes what kexec -e starts.)  The first kernel's initramfs (the
	# flavour's modules) serves it too: it loads none.
	if [ "$psh_flavour" = debug ] && [ -z "${capture_image[$a]:-}" ]; then
		capture_image[$a]=$psh_cache/build/$a-$variant/IMAGE
		[ "${PSH_NO_BUILD:-0}" = 1 ] && [ -f "${capture_image[$a]}" ] ||
			PSH_FLAVOUR='' "$psh_harness/build.sh" "$a" "$variant" >&2
	fi
	# With a flavour (lib.sh) the capture kernel is the plain build.
	if [ -n "${PSH_CAPTURE_VARIANT:-}" ] &&
		{ [ "$PSH_CAPTURE_VARIANT" != "$variant" ] || [ -n "$psh_flavour" ]; }; then
		boot_image[$a]=$psh_cache/build/$a-$PSH_CAPTURE_VARIANT/IMAGE
		[ -f "${boot_image[$a]}" ] ||
			die "PSH_CAPTURE_VARIANT=$PSH_CAPTURE_VARIANT: no ${boot_image[$a]} (harness/prepare.sh $a $PSH_CAPTURE_VARIANT builds it)"
	fi
done

# mkcpio DIR OUT: a gzip'ed newc archive of DIR's contents.  Compressed,
# because the kernel accepts an uncompressed archive after another only at
# a 4-byte aligned offset, and a gzip stream may end anywhere.
mkcpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$2"
}

# judge_one DIR: judge.sh's verdict in DIR/judge.txt; the vmcore it read
# is dropped afterwards unless PSH_KEEP_VMCORE=1 or the judge failed (kept
# for a look at what it rejected; the damaged copies of a self-test go).
judge_one() {
	local rc=0
	"$psh_harness/judge.sh" "$1" >"$1/judge.txt" || rc=$?
	rm -f "$1"/results/vmcore.*
	[ "${PSH_KEEP_VMCORE:-0}" = 1 ] || [ "$rc" != 0 ] || rm -f "$1/results/vmcore"
	return "$rc"
}

# run_one INDEX N: boot test INDEX as KTAP test number N.  A first kernel
# that hangs before it starts /init (judge.sh: early_hang=1) ran nothing of
# the scenario yet: the test is booted once more, and the hang is reported
# with where its vCPUs were ("# retry ..." lines, counted at the end).
# The same, up to twice, for a lockdep kernel hung on lockdep's own graph
# lock after its kdump stop (judge.sh: lockdep_graph_lock_hang=1).
run_one() {
	local i=$1 n=$2 t=${tests[$1]} dir needs needs_flavour
	dir=$out/$t
	# params holds printf %q values: decode, do not just cut.
	eval "$(grep -E '^(needs|needs_flavour)=' <<<"${params[$i]}")"
	if ! lacking=$(variant_lacks "$needs"); then
		echo "ok $n $t # SKIP needs $lacking (the $variant kernel lacks it)"
		return 0
	fi
	if [ -n "$needs_flavour" ] && [ "$needs_flavour" != "$psh_flavour" ]; then
		echo "ok $n $t # SKIP needs PSH_FLAVOUR=$needs_flavour"
		return 0
	fi
	# A self-test of the drgn check tests nothing without drgn.
	if [ -z "${PSH_DRGN_BIN:-}" ] && ! grep -qx "vmcore_selftest=''" <<<"${params[$i]}"; then
		echo "ok $n $t # SKIP needs drgn (PSH_DRGN=0)"
		return 0
	fi
	boot_one "$i"
	if judge_one "$dir"; then
		cat "$dir/judge.txt"
		echo "ok $n $t"
		return 0
	fi
	# A lockdep kernel can hang in a kdump whose NMI stop caught a CPU
	# inside lockdep's graph lock (judge.sh: lockdep_graph_lock_hang=1;
	# the base does too, README "The debug flavour"): up to two more boots.
	local early=0 graph=0 n_hang=0 why what
	while :; do
		if grep -qx 'early_hang=1' "$dir/facts.txt" && [ "$early" -lt 1 ]; then
			early=$((early + 1))
			why="the first kernel hung before /init" what="an early-boot hang"
		elif grep -qx 'lockdep_graph_lock_hang=1' "$dir/facts.txt" && [ "$graph" -lt 2 ]; then
			graph=$((graph + 1))
			why="the panicking CPU spun on lockdep's graph lock, held by a CPU the stop stopped by NMI (lockdep's, base too)"
			what="a hang on lockdep's graph lock"
		else
			break
		fi
		n_hang=$((n_hang + 1)) retries=$((retries + 1))
		echo "# retry $t: $why; last line:"
		grep -a . "$dir/console.log" | tail -n 1 | sed 's/^/#   /'
		sed 's/^/#   /' "$dir/vcpus.txt" 2>/dev/null || true
		local keep=$dir.hang
		[ "$n_hang" = 1 ] || keep+=$n_hang
		rm -rf "$keep" && mv "$dir" "$keep"
		echo "#   (logs kept in $keep)"
		boot_one "$i"
		if judge_one "$dir"; then
			cat "$dir/judge.txt"
			echo "ok $n $t # retried after $what"
			return 0
		fi
	done
	cat "$dir/judge.txt"
	echo "not ok $n $t"
	return 1
}

# decode_raw_capture RESULTS: a capture agent without the guest tools
# (mips-kexec-init) saves the vmcore's headers and notes and the dead
# kernel's printk text ring as they are; make the notes.txt and
# dmesg.txt that psh-vmcore-notes and makedumpfile make in the guest.
# The ring's records are split at the bytes that are not text (their
# block ids and padding), in the ring's order.
decode_raw_capture() {
	local res=$1
	[ -f "$res/vmcore-header.bin" ] && [ ! -f "$res/notes.txt" ] || return 0
	"$psh_cache/tools/host/vmcore-notes" "$res/vmcore-header.bin" \
		>"$res/notes.txt" 2>"$res/notes.err" || true
	[ ! -f "$res/printk-text.bin" ] ||
		LC_ALL=C tr -c '[:print:]\t\n' '\n' <"$res/printk-text.bin" |
		grep -a -v '^$' >"$res/dmesg.txt" || true
}

# boot_one INDEX: stage test INDEX's initrd and boot it; logs in OUT/TEST.
boot_one() {
	local i=$1 t=${tests[$1]} dir rc stage
	dir=$out/$t
	rm -rf "$dir"
	mkdir -p "$dir/results" "$dir/stage/conf/etc" "$dir/stage/boot/boot"
	echo "${params[$i]}" >"$dir/scenario.env"
	# The System.map of the kernel under test, for judge.sh's panic_pc.
	printf 'sysmap=%q\n' "$(dirname "${kernel[${t%%.*}]}")/System.map" >>"$dir/scenario.env"
	# The flavour the first kernel is (judge.sh: debug checks for splats).
	printf 'run_flavour=%q\n' "$psh_flavour" >>"$dir/scenario.env"
	(
		. "$dir/scenario.env"
		{
			echo "# scenario $t"
			echo "crash_kernel=$crash"
			echo "trigger=$trigger"
			echo "trigger_cpu=$cpu"
			[ -z "$init_cpu" ] || echo "init_cpu=$init_cpu"
			[ -z "$reboot_cpu" ] || echo "reboot_cpu=$reboot_cpu"
			[ -z "$setup" ] || echo "setup=$setup"
			[ -z "$capture_append" ] || echo "capture_append=$capture_append"
			# (mips64el's mips-kexec-init has a dump level of its own)
			[ -z "${PSH_DUMP_LEVEL:-}" ] || [ "$arch" = mips64el ] ||
				echo "dump_level=$PSH_DUMP_LEVEL"
			# The dump itself is large (about 25 MB): measured, then
			# dropped in the guest unless PSH_KEEP_VMCORE=1 or drgn
			# is to read it (judge.sh; run_one deletes it then).
			if [ "${PSH_KEEP_VMCORE:-0}" != 1 ] &&
				{ [ -z "${PSH_DRGN_BIN:-}" ] ||
					[[ $drgn_arches != *" $arch "* ]]; }; then
				echo "save_vmcore=no"
			fi
		} >"$dir/stage/conf/etc/psh.conf"
		a=$arch stage=$dir/stage
		# The capture kernel gets core + this run's config; the first
		# kernel gets the same plus /boot with the kernel and that initrd.
		mkcpio "$stage/conf" "$stage/conf.cpio"
		cat "${core[$a]}" "$stage/conf.cpio" >"$stage/boot/boot/initrd.img"
		if [ "$crash" = yes ] && [ -n "${capture_image[$a]:-}" ]; then
			cp "${capture_image[$a]}" "$stage/boot/boot/vmlinuz"
		else
			cp "${boot_image[$a]}" "$stage/boot/boot/vmlinuz"
		fi
		mkcpio "$stage/boot" "$stage/boot.cpio"
		cat "$stage/boot/boot/initrd.img" "$stage/boot.cpio" >"$stage/initrd"
		truncate -s 256M "$dir/disk.img"
		. "$psh_harness/arch/$arch.sh"
		[ "$trigger" != kexec ] || cmdline+=" ${guest_kexec_append:-}"
		[ -z "$threads" ] || export PSH_PPC_SMT_THREADS=$threads
		[ -z "$tcg" ] || export PSH_TCG_THREAD=$tcg
		rc=0
		extra=()
		[ -z "$pvpanic" ] || extra=(--pvpanic --qmp "$dir/qmp.sock")
		"$psh_harness/qemu.sh" "$arch" "$dir" "${kernel[$a]}" "$stage/initrd" \
			--cpus "$vcpus" --disk "$dir/disk.img" --timeout "$timeout" \
			--append "$guest_crashkernel $cmdline" "${extra[@]}" \
			2>"$dir/runner.log" || rc=$?
		echo "$rc" >"$dir/qemu.rc"
		tar -xf "$dir/disk.img" -C "$dir/results" 2>/dev/null || true
		decode_raw_capture "$dir/results"
		rm -rf "$dir/disk.img" "$stage"
	)
}

echo "KTAP version 1"
echo "1..${#sel[@]}"
passed=0 failed=0 n=0 retries=0
for i in "${sel[@]}"; do
	n=$((n + 1))
	if run_one "$i" "$n"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "# logs: $out"
[ "$retries" = 0 ] || echo "# hangs retried (early-boot hangs, lockdep's graph lock): $retries"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

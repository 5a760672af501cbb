#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cross.sh [--list] [NAME...]: compile the files the series touches for
# architectures the QEMU scenarios do not boot, with Debian's cross
# compilers, W=1, and report in KTAP ("N passed, N failed" last).
#
# Each target below is: NAME ARCH CROSS_COMPILE DEFCONFIG OPTIONS OBJECTS.
# OPTIONS are scripts/config arguments applied on top of DEFCONFIG (- for
# none); OBJECTS are built after "make prepare".  A target fails when a
# build fails or gcc warns about an object it builds.  Builds go to
# $psh_cache/build/cross-NAME and use the work tree ($PSH_KSRC if set).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The CPU hotplug / kexec changes of part 3 (issue 5), per arch; MIPS also
# the move onto the common CPU-stop layer (mips_objs).
mips_objs="arch/mips/kernel/smp.o arch/mips/kernel/crash.o arch/mips/kernel/machine_kexec.o arch/mips/kernel/relocate_kernel.o kernel/smp_stop.o kernel/panic.o kernel/crash_core.o kernel/kexec_core.o"
targets=(
	"x86_64 x86_64 - x86_64_defconfig - kernel/cpu.o kernel/kexec_core.o kernel/reboot.o"
	"arm64 arm64 aarch64-linux-gnu- defconfig - kernel/cpu.o arch/arm64/kernel/process.o"
	"arm arm arm-linux-gnueabi- multi_v7_defconfig - kernel/cpu.o arch/arm/kernel/reboot.o"
	"arm-up arm arm-linux-gnueabi- versatile_defconfig -e,KEXEC arch/arm/kernel/reboot.o kernel/kexec_core.o"
	"riscv riscv riscv64-linux-gnu- defconfig -e,KEXEC kernel/cpu.o arch/riscv/kernel/machine_kexec.o"
	"powerpc powerpc powerpc64le-linux-gnu- ppc64le_defconfig - kernel/cpu.o kernel/kexec_core.o arch/powerpc/kexec/core_64.o"
	"loongson64 mips mips64el-linux-gnuabi64- loongson3_defconfig - kernel/cpu.o arch/mips/loongson64/reset.o arch/mips/loongson64/smp.o $mips_objs"
	"loongson64-nohp mips mips64el-linux-gnuabi64- loongson3_defconfig -d,HOTPLUG_CPU,-d,SUSPEND,-d,HIBERNATION kernel/cpu.o kernel/kexec_core.o arch/mips/loongson64/reset.o"
	"octeon mips mips64-linux-gnuabi64- cavium_octeon_defconfig -e,KEXEC,-e,CRASH_DUMP $mips_objs arch/mips/cavium-octeon/setup.o arch/mips/cavium-octeon/smp.o"
	"malta-cps mips mips-linux-gnu- maltasmvp_defconfig -e,KEXEC,-e,CRASH_DUMP $mips_objs arch/mips/kernel/smp-cps.o"
	"malta-cps-nohp mips mips-linux-gnu- maltasmvp_defconfig -e,KEXEC,-e,CRASH_DUMP,-d,HOTPLUG_CPU,-d,SUSPEND,-d,HIBERNATION arch/mips/kernel/smp-cps.o arch/mips/kernel/machine_kexec.o arch/mips/kernel/relocate_kernel.o arch/mips/kernel/crash.o"
	"malta-up mips mips-linux-gnu- malta_defconfig -d,SMP,-d,MIPS_MT_SMP,-d,MIPS_CPS,-d,MIPS_CMP,-e,KEXEC,-e,CRASH_DUMP arch/mips/kernel/machine_kexec.o arch/mips/kernel/crash.o arch/mips/kernel/relocate_kernel.o"
	"bmips mips mips-linux-gnu- bmips_stb_defconfig -e,KEXEC $mips_objs arch/mips/kernel/smp-bmips.o"
	"loongarch loongarch loongarch64-linux-gnu- defconfig -e,KEXEC,-e,CRASH_DUMP kernel/cpu.o kernel/kexec_core.o arch/loongarch/kernel/machine_kexec.o arch/loongarch/kernel/relocate.o"
)

# W=1 warnings the base tree already has in files the series touches; a
# target fails on any other warning.
# (gcc quotes names with ' or, in a UTF-8 locale, with three-byte quotes.)
# (octeon_crash_smp_send_stop: the base's, seen below the conversion,
# which makes it static.)
known_warnings="cavium-octeon/setup.c:[0-9]+:[0-9]+: warning: variable .{1,3}crashk_end.{1,3} set but not used|cavium-octeon/setup.c:[0-9]+:[0-9]+: warning: no previous prototype for .{1,3}octeon_crash_smp_send_stop.{1,3} |cavium-octeon/smp.c:[0-9]+:[0-9]+: warning: no previous prototype for .{1,3}octeon_send_ipi_single.{1,3} "

# Debian package of each cross compiler.
declare -A pkg=(
	[aarch64-linux-gnu-]=gcc-aarch64-linux-gnu
	[arm-linux-gnueabi-]=gcc-arm-linux-gnueabi
	[riscv64-linux-gnu-]=gcc-riscv64-linux-gnu
	[powerpc64le-linux-gnu-]=gcc-powerpc64le-linux-gnu
	[mips64el-linux-gnuabi64-]=gcc-mips64el-linux-gnuabi64
	[mips64-linux-gnuabi64-]=gcc-mips64-linux-gnuabi64
	[mips-linux-gnu-]=gcc-mips-linux-gnu
)
# Cross compilers Debian 12 lacks: when not on PATH, they come from a
# Debian 13 root that harness/trixie-cross.sh sets up once (as root).
declare -A trixie_pkg=(
	[loongarch64-linux-gnu-]=gcc-loongarch64-linux-gnu
)

list=0
[ "${1:-}" = --list ] && { list=1; shift; }
src=${PSH_KSRC:-$psh_cache/linux}
[ -f "$src/Makefile" ] || die "no kernel tree at $src: run 'make tree' first"
export CCACHE_DIR=${CCACHE_DIR:-$psh_cache/ccache} CCACHE_BASEDIR=$psh_cache

sel=()
for t in "${targets[@]}"; do
	name=${t%% *}
	if [ $# -eq 0 ]; then
		sel+=("$t")
	else
		for want in "$@"; do [ "$want" = "$name" ] && sel+=("$t"); done
	fi
done
[ "${#sel[@]}" -gt 0 ] || die "no cross target named: $*"
if [ "$list" = 1 ]; then
	printf '%s\n' "${sel[@]}"
	exit 0
fi

# build_one NAME ARCH CROSS DEFCONFIG OPTIONS OBJECTS...: log in OUT/build.log
build_one() {
	local name=$1 karch=$2 cross=$3 defconfig=$4 opts=$5 out
	shift 5
	[ "$cross" = - ] && cross=
	if [ -n "$cross" ] && [ -n "${trixie_pkg[$cross]:-}" ] &&
		! command -v "${cross}gcc" >/dev/null 2>&1; then
		cross=$("$psh_harness/trixie-cross.sh" "${trixie_pkg[$cross]}" "$cross") ||
			return 1
	elif [ -n "$cross" ]; then
		need_cmd "${cross}gcc" "${pkg[$cross]:-${trixie_pkg[$cross]:-}}"
	fi
	"${cross}gcc" --version | head -n1
	out=$psh_cache/build/cross-$name
	mkdir -p "$out"
	kmake() {
		make -C "$src" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" \
			CC="ccache ${cross}gcc" -j"$(nproc)" "$@"
	}
	kmake -s "$defconfig" || return 1
	if [ "$opts" != - ]; then
		# shellcheck disable=SC2086
		"$src/scripts/config" --file "$out/.config" ${opts//,/ } || return 1
		kmake -s olddefconfig || return 1
	fi
	kmake -s prepare || return 1
	# Only the objects whose source the tree has: a posting below the
	# common stop layer (mips-kexec on the base) lacks kernel/smp_stop.c.
	local o objs=()
	for o in "$@"; do
		if [ -e "$src/${o%.o}.c" ] || [ -e "$src/${o%.o}.S" ]; then
			objs+=("$o")
		else
			echo "cross: $o: no source in $src, skipped"
		fi
	done
	# Rebuild the objects so that their warnings are seen every time.
	(cd "$out" && rm -f "${objs[@]}")
	kmake W=1 "${objs[@]}"
}

echo "KTAP version 1"
echo "1..${#sel[@]}"
n=0 passed=0 failed=0
for t in "${sel[@]}"; do
	n=$((n + 1))
	read -r -a f <<<"$t"
	log=$psh_cache/build/cross-${f[0]}.log
	start=$SECONDS
	# A subshell: a missing compiler (need_cmd) fails this target, not
	# the run.
	if (build_one "${f[@]}") >"$log" 2>&1 &&
		! grep 'warning:' "$log" | grep -qvE "$known_warnings"; then
		echo "ok $n ${f[0]} # ${f[3]} ${f[4]}: ${f[*]:5} ($((SECONDS - start)) s)"
		passed=$((passed + 1))
	else
		echo "not ok $n ${f[0]} # ${f[3]} ${f[4]}: ${f[*]:5}"
		grep -E 'warning:|error:' "$log" | grep -vE "$known_warnings" |
			head -n 10 | sed 's/^/#   /'
		tail -n 3 "$log" | sed 's/^/#   /'
		echo "#   full log: $log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

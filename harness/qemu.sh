#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu.sh: boot one guest, capture its serial console with host timestamps,
# and kill it if it outlives its timeout.
#
#   qemu.sh ARCH OUTDIR KERNEL INITRD [options]
#     --cpus N        vCPUs (default 4)
#     --mem MiB       memory (default: the arch file's guest_mem)
#     --append STR    extra kernel parameters after the arch defaults
#     --disk FILE     raw results disk, attached as virtio-blk
#     --pvpanic       add the arch's pvpanic device
#     --qmp SOCK      QMP server on a unix socket (events are logged by the caller)
#     --timeout S     hard limit (default 180)
#
# Writes OUTDIR/console.log ("[seconds since start] line") and
# OUTDIR/qemu.cmd; exits 0 if QEMU ended by itself, 124 on timeout (after
# printing the last lines of the console), QEMU's status otherwise.  On a
# timeout, OUTDIR/vcpus.txt says where each vCPU was a few seconds before
# the kill (HMP "info registers -a", symbolized with the kernel's vmlinux
# when the arch file says how to find the KASLR offset).
#
# Accelerator: TCG, unless /dev/kvm works.  On the machines this was written
# on /dev/kvm exists but a KVM guest hangs while decompressing the kernel, so
# KVM is probed, not assumed: once per host kernel and QEMU version, the
# kernel is booted under KVM for at most 20 s and must print its banner
# (result cached in $psh_cache/accel).  PSH_ACCEL=tcg|kvm overrides.
# PSH_TCG_THREAD=single|multi sets TCG's threading (-accel tcg,thread=):
# QEMU's default is multi, one host thread per vCPU.
# PSH_ICOUNT=SHIFT (TCG, single-threaded only): -icount shift=SHIFT,sleep=off,
# the guest's clocks count executed instructions (2^SHIFT ns each) instead
# of host time, so a time the guest measures no longer includes TCG's own
# costs (translation, host load); bench.sh --icount.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=${1:?usage: qemu.sh ARCH OUTDIR KERNEL INITRD [options]}
outdir=${2:?} kernel=${3:?} initrd=${4:?}
shift 4
. "$psh_harness/arch/$arch.sh"

cpus=4 mem=$guest_mem append= disk= pvpanic= qmp= timeout=180
while [ $# -gt 0 ]; do
	case "$1" in
	--cpus) cpus=$2; shift ;;
	--mem) mem=$2; shift ;;
	--append) append=$2; shift ;;
	--disk) disk=$2; shift ;;
	--pvpanic) pvpanic=1 ;;
	--qmp) qmp=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	*) die "qemu.sh: unknown option $1" ;;
	esac
	shift
done

# An arch whose QEMU is not the host's names the script that provides it.
[ -z "${qemu_provide:-}" ] || "$psh_harness/$qemu_provide" >&2
need_cmd "$qemu_bin" "$qemu_pkg"
stamp=$psh_cache/tools/host/stamp
[ -x "$stamp" ] || make -s -C "$psh_root/tools" O="$psh_cache/tools/host" >&2 ||
	die "building the host tools (make -C tools) failed"

# kvm_works: boot KERNEL under KVM without an initrd; it must reach its
# banner ("Linux version") within 20 s.  Cached per host kernel and QEMU.
kvm_works() {
	local key cache=$psh_cache/accel log
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	key="$(uname -r) $("$qemu_bin" --version | head -n1)"
	if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ]; then
		[ "$(sed -n 2p "$cache")" = kvm ]
		return
	fi
	log "probing KVM (20 s at most)"
	log=$(mktemp)
	timeout -k 2 20 "$qemu_bin" "${qemu_machine[@]}" -accel kvm -m 256 -kernel "$kernel" \
		-append "$guest_console panic=-1" -display none -monitor none \
		-serial stdio -no-reboot </dev/null >"$log" 2>&1
	if grep -aq 'Linux version' "$log"; then
		printf '%s\nkvm\n' "$key" >"$cache"
	else
		printf '%s\ntcg\n' "$key" >"$cache"
		log "KVM does not boot a guest here; using TCG"
	fi
	rm -f "$log"
	[ "$(sed -n 2p "$cache")" = kvm ]
}

accel=${PSH_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	[ "$arch" = x86_64 ] && kvm_works && accel=kvm
fi
[ "$accel" != tcg ] || [ -z "${PSH_TCG_THREAD:-}" ] || accel+=",thread=$PSH_TCG_THREAD"
icount=()
if [ -n "${PSH_ICOUNT:-}" ]; then
	[[ "$PSH_ICOUNT" =~ ^[0-9]+$ ]] || die "PSH_ICOUNT wants a shift (0-10), not '$PSH_ICOUNT'"
	[ "${accel%%,*}" = tcg ] && [ "${PSH_TCG_THREAD:-}" = single ] ||
		die "PSH_ICOUNT needs TCG with PSH_TCG_THREAD=single (QEMU's icount is single-threaded)"
	icount=(-icount "shift=$PSH_ICOUNT,sleep=off")
fi
# SMT (arch file: qemu_smt_threads=T): one socket of cores with T threads,
# T halved until it divides the vCPU count.
smp=$cpus
if [ -n "${qemu_smt_threads:-}" ]; then
	t=$qemu_smt_threads
	while [ $((cpus % t)) != 0 ]; do t=$((t / 2)); done
	smp="$cpus,sockets=1,cores=$((cpus / t)),threads=$t"
fi
args=("${qemu_machine[@]}" -accel "$accel" "${icount[@]}" -smp "$smp" -m "$mem"
	-kernel "$kernel" -initrd "$initrd"
	-append "$guest_console $append"
	-display none -monitor "unix:$outdir/monitor.sock,server=on,wait=off"
	-serial stdio -no-reboot)
[ -n "$disk" ] && args+=(-drive "file=$disk,if=none,format=raw,id=results"
	-device "$qemu_disk_dev,drive=results")
# pvpanic reports only: the guest must go on into kdump, not pause.
[ -n "$pvpanic" ] && args+=(-device "$qemu_pvpanic_dev" -action panic=none)
[ -n "$qmp" ] && args+=(-qmp "unix:$qmp,server=on,wait=off")

mkdir -p "$outdir"
rm -f "$outdir/qemu.done"
printf '%q ' "$qemu_bin" "${args[@]}" >"$outdir/qemu.cmd"
echo >>"$outdir/qemu.cmd"

# One time axis for the console and the QMP events: seconds since t0.
t0=$(date +%s.%N)
if [ -n "$qmp" ]; then
	need_cmd socat socat
	# Log every QMP event (pvpanic's GUEST_PANICKED/GUEST_CRASHLOADED)
	# with its host time, until QEMU is gone.
	(
		printf '{"execute":"qmp_capabilities"}\n'
		while [ ! -e "$outdir/qemu.done" ]; do sleep 0.2; done
	) | socat -t 2 - "UNIX-CONNECT:$qmp,retry=200,interval=0.05" 2>/dev/null |
		"$stamp" -z "$t0" >"$outdir/qmp.log" &
	qmp_logger=$!
fi

# vcpus_where: ask the monitor for every vCPU's registers and write one
# line per vCPU to OUTDIR/vcpus.txt: "CPU n: PC function+off file:line".
# The kernel is relocated (KASLR): the arch file's qemu_kaslr_probe reads
# an entry point whose link-time address is known (x86_64: the IDT gate
# of vector 0, asm_exc_divide_error), and the difference is the offset.
vcpus_where() {
	local raw=$outdir/monitor.txt vmlinux off=0 cpu pc sym
	{
		echo 'info registers -a'
		[ -z "${qemu_kaslr_probe:-}" ] || echo "$qemu_kaslr_probe"
		sleep 1
	} | socat -t 2 - "UNIX-CONNECT:$outdir/monitor.sock" 2>/dev/null |
		tr -d '\r' >"$raw" || return 0
	vmlinux=$(dirname "$kernel")/vmlinux
	if [ -n "${qemu_kaslr_probe:-}" ] && [ -f "$vmlinux" ]; then
		off=$(qemu_kaslr_offset "$raw" "$vmlinux") || off=0
	fi
	{
		printf 'kaslr_offset=0x%x\n' "$off"
		# x86_64's first argument register too (RDI): a CPU spinning on a
		# lock has the lock's address there.  (Not arm64: the lock's
		# address is in no fixed register there, and its KASLR offset is
		# not probed.)
		awk '/^CPU#[0-9]+/ { sub(/^CPU#/, ""); cpu = $1; arg = "-" }
		     match($0, /RDI=[0-9a-f]+/) { arg = substr($0, RSTART + 4, RLENGTH - 4) }
		     match($0, /^ *(RIP|PC)=[0-9a-f]+/) {
			print cpu, substr($0, RSTART + index(substr($0, RSTART), "="), 16), arg }
		     /^NIP [0-9a-f]+ / { print cpu, $2, "-" }' "$raw" |
		while read -r cpu pc arg; do
			sym= lock=
			[ -f "$vmlinux" ] && command -v addr2line >/dev/null &&
				sym=$(addr2line -f -i -p -e "$vmlinux" \
					"$(printf '%x' $((0x$pc - off)))" 2>/dev/null | head -n 1)
			# Spinning on a lock: name the lock (System.map, the
			# nearest data symbol at or below, none past _end;
			# fixed-width hex compares as strings).
			if [[ $sym == *spin_lock* ]] && [ "$arg" != - ] && [ -f "${vmlinux%/*}/System.map" ]; then
				a=$(printf '%016x' $((0x$arg - off)))
				lock=$(awk -v a="$a" '$3 == "_end" { end = $1 }
					$2 ~ /^[bBdD]$/ && ($1 "") <= (a "") { s = $1; n = $3 }
					END { if (n != "" && end != "" && (a "") < (end "")) print s, n }' \
					"${vmlinux%/*}/System.map")
				[ -z "$lock" ] || lock=$(printf ' lock=%s+0x%x' "${lock#* }" $((0x$a - 0x${lock%% *})))
			fi
			echo "CPU $cpu: $pc ${sym:-?}$lock"
		done
	} >"$outdir/vcpus.txt"
}

rc=0
# A watcher asks where the vCPUs are shortly before the timeout kills QEMU.
# Killed when QEMU ends, it takes its sleep along; it keeps no stdout or
# stderr open, so the caller's pipes end with QEMU.
(
	trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
	sleep "$((timeout > 10 ? timeout - 4 : timeout))" &
	sleeper=$!
	wait "$sleeper"
	[ -e "$outdir/qemu.done" ] || vcpus_where
) </dev/null >/dev/null 2>&1 &
watcher=$!
timeout -k 5 "$timeout" "$qemu_bin" "${args[@]}" </dev/null 2>"$outdir/qemu.stderr" |
	"$stamp" -z "$t0" >"$outdir/console.log" || rc=${PIPESTATUS[0]}
touch "$outdir/qemu.done"
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
rm -f "$outdir/monitor.sock"
[ -z "$qmp" ] || wait "$qmp_logger" 2>/dev/null || true
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	log "guest killed after ${timeout}s timeout; last console lines:"
	tail -n 15 "$outdir/console.log" | sed 's/^/    /' >&2
	[ ! -s "$outdir/vcpus.txt" ] || {
		log "where the vCPUs were:"
		sed 's/^/    /' "$outdir/vcpus.txt" >&2
	}
	exit 124
fi
exit "$rc"

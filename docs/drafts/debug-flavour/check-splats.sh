#!/usr/bin/env bash
# check-splats.sh OUTDIR [SPLAT_OK_ERE]: the splat check design.md proposes
# for judge.sh (check_splats), standalone, for trying it on logs that
# exist (out/VARIANT/TEST).  Prints the regions, the hits, the allowlisted
# hits and the verdict; --no-banner skips the lockdep-banner check (plain
# flavour logs).  Reads only; writes its split logs to $TMPDIR.
set -uo pipefail
banner=1
[ "${1:-}" = --no-banner ] && { banner=0; shift; }
dir=${1:?usage: check-splats.sh [--no-banner] OUTDIR [SPLAT_OK_ERE]}
splat_ok=${2:-}
. "$dir/scenario.env"
console=$dir/console.log res=$dir/results
tmp=$(mktemp -d)
first=$tmp/first-kernel.log next=$tmp/next-kernel.log

# --- the part judge.sh would get -------------------------------------------
splat_re='WARNING: |BUG: |kernel BUG at |list_(add|del) corruption|list_add double add|INFO: trying to register non-static key|DEBUG_LOCKS_WARN_ON|Disabling lock debugging due to kernel taint|INFO: rcu_[a-z_]+ (self-)?detected stall|Watchdog detected hard LOCKUP|NMI backtrace for cpu'
lockdep_banner='Lock dependency validator: Copyright'
# Split the console where the next kernel starts: after the first
# kernel's "kexec_core: Starting new kernel" (kexec -e), or at the first
# line a kernel stamped 0.000000 after the panic or oops line (the capture
# kernel; on arm64 its "Booting Linux on physical CPU" precedes the
# banner).  Not at any 0.000000 line: x86_64 APs print some while they
# come up ("calibrate_delay_direct() failed ...").  Console lines are
# "[host] [kernel] text"; the agent's own are "[host] text".
awk -v f="$first" -v n="$next" '
	second { print > n; next }
	crashed && /^\[ *[0-9.]+\] \[ *0\.000000\] / { second = 1; print > n; next }
	{ print > f }
	/Kernel panic - not syncing|Oops: |kernel BUG at |Internal error: / { crashed = 1 }
	/kexec_core: Starting new kernel/ { second = 1 }' "$console"
: >>"$next"
fails=()
if [ "$banner" = 1 ]; then
	grep -aq "$lockdep_banner" "$first" ||
		fails+=("the first kernel is not the debug flavour (no lockdep banner)")
	if [ "$trigger" = kexec ]; then
		grep -aq "$lockdep_banner" "$next" ||
			fails+=("the kernel kexec -e started is not the debug flavour (no lockdep banner)")
	elif [ -s "$next" ] && grep -aq "$lockdep_banner" "$next"; then
		fails+=("the capture kernel has lockdep: not the plain build")
	fi
fi
srcs=("$first")
[ "$trigger" != kexec ] || srcs+=("$next")
# kdump: the first kernel's whole log from the vmcore, with what never
# reached the console (the last lines before the jump, other CPUs' NMI
# output).
[ ! -s "$res/dmesg.txt" ] || srcs+=("$res/dmesg.txt")
all=$(grep -ahE -- "$splat_re" "${srcs[@]}" | grep -av 'Kernel panic - not syncing' | tr -d '\r' |
	sed -E 's/^\[ *[0-9.]+\] (\[ *[0-9.]+\] )?(\[ *[TC][0-9]+\] )?//' | awk '!seen[$0]++')
# An LKDTM trigger's own BUG is the scenario's crash, not a splat.
case $trigger in
lkdtm:*) splat_ok+=${splat_ok:+|}'kernel BUG at [^ ]*drivers/misc/lkdtm/|Internal error: Oops - BUG: ' ;;
esac
if [ -n "$splat_ok" ] && [ -n "$all" ]; then
	hits=$(grep -avE -- "$splat_ok" <<<"$all")
	allowed=$(grep -aE -- "$splat_ok" <<<"$all")
else
	hits=$all allowed=
fi
echo "splats=$(grep -c . <<<"$hits")"
echo "splats_allowed=$(grep -c . <<<"$allowed")"
[ -z "$allowed" ] || sed 's/^/allowed: /' <<<"$allowed"
[ -z "$hits" ] || fails+=("splat in the debug kernel: $(head -n 1 <<<"$hits")")
# --- end -----------------------------------------------------------------
echo "regions: first=$(wc -l <"$first") lines, next=$(wc -l <"$next") lines, sources: ${srcs[*]##*/}"
for f in "${fails[@]}"; do echo "FAIL: $f"; done
[ -z "$hits" ] || sed 's/^/  hit: /' <<<"$hits" | head -n 5
rm -rf "$tmp"
[ "${#fails[@]}" = 0 ]

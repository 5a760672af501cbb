#!/usr/bin/env bash
# check-config.sh [ARCH...]: resolve the debug flavour's config as build.sh
# would (tinyconfig + common + ARCH [+ series] + debug [+ EXTRA]), for the
# base and series trees, in /tmp/psh-debugcfg/ARCH-VARIANT[-kasan], and
# report every fragment option that did not survive olddefconfig.
# Config resolution only (a few seconds each); the kernel trees are read,
# never written (O=).  EXTRA: PSH_DEBUG_EXTRA=path/to/debug-kasan.config.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cache=${PSH_CACHE:-$HOME/.cache/panic-shutdown}
kc=$root/harness/kconfig
extra=${PSH_DEBUG_EXTRA:-}
[ $# -gt 0 ] || set -- x86_64 arm64
for arch in "$@"; do
	case $arch in
	x86_64) karch=x86_64 cross= ;;
	arm64) karch=arm64 cross=aarch64-linux-gnu- ;;
	esac
	for variant in base series; do
		case $variant in base) src=$cache/linux-base ;; series) src=$cache/linux ;; esac
		out=/tmp/psh-debugcfg/$arch-$variant${extra:+-kasan}
		frags=("$kc/common.config" "$kc/$arch.config")
		[ $variant = base ] || frags+=("$kc/series.config")
		frags+=("$here/debug.config")
		[ -z "$extra" ] || frags+=("$extra")
		mkdir -p "$out"
		km() { nice -n 19 make -s -C "$src" O="$out" ARCH=$karch CROSS_COMPILE=$cross CC=${cross}gcc HOSTCC=gcc "$@"; }
		km tinyconfig >/dev/null
		(cd "$out" && KCONFIG_CONFIG=.config ARCH=$karch \
			nice -n 19 "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" >/dev/null)
		km olddefconfig >/dev/null
		declare -A want=()
		for f in "${frags[@]}"; do
			while read -r w; do want[${w%%=*}]=$w; done < <(grep '^CONFIG_' "$f")
		done
		skip=" $(sed -n 's/^# psh-skip: //p' "${frags[@]}" | tr '\n' ' ')"
		lost=
		for s in "${!want[@]}"; do
			grep -qx "${want[$s]}" "$out/.config" && continue
			[[ $skip == *" $s "* ]] && continue
			lost+=" ${want[$s]}(got: $(grep -E "^(# )?$s[= ]" "$out/.config" || echo absent))"
		done
		# "is not set" lines of the fragments: really off?
		for f in "${frags[@]}"; do
			while read -r s; do
				grep -q "^$s=" "$out/.config" && lost+=" #$s-still-set"
			done < <(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "$f")
		done
		echo "$arch-$variant${extra:+-kasan}: ${lost:-every fragment option survived}"
		unset want
	done
done

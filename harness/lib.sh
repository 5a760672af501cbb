# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Shared helpers for the harness scripts.  Source it from bash:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Each function stands alone; add new ones below, keep them independent.

# Everything downloaded or built lives here, never inside the repo.
psh_cache=${PSH_CACHE:-$HOME/.cache/panic-shutdown}
# The tree of the "lint" variant: lint.sh's scratch work tree, or
# PSH_LINT_TREE (a work tree of $psh_cache/linux checked out at a patch,
# for a hand run of the scenarios that lint.sh runs along a posting).
psh_lint_tree=${PSH_LINT_TREE:-$psh_cache/linux-lint}

# The directory holding this file (harness/).
psh_harness=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The project's root (the repo checkout).
psh_root=$(cd "$psh_harness/.." && pwd)

# PSH_FLAVOUR: a kernel flavour on top of VARIANT (which says which
# patches), with build, module and initramfs directories of its own
# (ARCH-VARIANT-FLAVOUR); the capture kernel of a kdump stays the plain
# build.  Empty: the plain test kernel.  stopbench: the bench-only stop
# instrument, harness/bench/stopbench-{base,series}.patch, applied to a
# copy of the tree (base and series only; docs/bench.md).  debug: lockdep
# and the atomic-context checks, harness/kconfig/debug.config merged after
# the other fragments (x86_64 and arm64, any VARIANT but capture); the
# judge then rejects lockdep reports, atomic-context BUGs, list corruption
# and WARNINGs (judge.sh, check_splats), and the kdump capture kernel is
# the variant's plain build (run.sh).
psh_flavour=${PSH_FLAVOUR:-}
case "$psh_flavour" in
''|stopbench|debug) ;;
*) printf 'psh: error: unknown PSH_FLAVOUR %s (want stopbench, debug or nothing)\n' \
	"$psh_flavour" >&2; exit 1 ;;
esac
psh_fl=${psh_flavour:+-$psh_flavour}

log() {
	printf 'psh: %s\n' "$*" >&2
}

die() {
	printf 'psh: error: %s\n' "$*" >&2
	exit 1
}

# need_cmd CMD PACKAGE: make sure CMD is on PATH.  As root with
# PSH_AUTO_INSTALL=1 the Debian package is installed; otherwise die.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${PSH_AUTO_INSTALL:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
		log "$1 not found: installing Debian package $2"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >&2 ||
			die "apt-get install $2 failed"
		command -v "$1" >/dev/null 2>&1 && return 0
	fi
	die "$1 not found: install the Debian package $2 (apt-get install $2)"
}

# deb_arch ARCH: the Debian architecture name for a harness ARCH.
deb_arch() {
	case "$1" in
	x86_64|amd64) echo amd64 ;;
	arm64|aarch64) echo arm64 ;;
	ppc64le|ppc64el) echo ppc64el ;;
	riscv64) echo riscv64 ;;
	*) die "unknown ARCH '$1' (want x86_64, arm64, ppc64le or riscv64)" ;;
	esac
}

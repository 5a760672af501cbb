#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tree.sh init|reset|export: the kernel work tree in the cache.
#
#   init    create $psh_cache/linux (git, branch "series") if missing: the
#           base tarball as first commit, tagged psh-base, with a fixed
#           identity and date so its hash is the same everywhere; then
#           `git am` every patch listed in patches/series.  Also creates
#           $psh_cache/linux-base, a worktree at psh-base for baseline builds.
#           An existing tree is left alone.
#   reset   recreate the series branch from psh-base + patches/ (the old tip
#           stays reachable as branch series-old).
#   matches exit 0 if the work tree's series branch holds exactly the
#           patches of patches/series (by git patch-id), 1 otherwise
#   export  write the commits psh-base..series back to patches/ as
#           git format-patch files with stable names (no commit hashes, the
#           cover letter dated like the tip commit) and rewrite patches/series.
#           The cover letter's subject and text are kept from the existing
#           patches/0000-cover-letter.patch; edit them there.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tree=$psh_cache/linux
basetree=$psh_cache/linux-base
patches=$psh_root/patches
# The base commit's identity and date are fixed, so its hash is too.
base_ident=(GIT_AUTHOR_NAME="Debian linux-source-7.3"
	GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
	GIT_COMMITTER_NAME="psh harness" GIT_COMMITTER_EMAIL="psh@localhost"
	GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z)

g() { git -C "$tree" "$@"; }

apply_series() {
	local p
	[ -f "$patches/series" ] || return 0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		g am -q --keep-cr "$patches/$p" ||
			die "git am $p failed: fix it in $tree (git am --show-current-patch), then 'make export'"
	done <"$patches/series"
	log "applied $(grep -cv '^\(#\|$\)' "$patches/series") patches"
}

init() {
	local tarball tmp
	if [ -d "$tree/.git" ]; then
		log "work tree exists: $tree ($(g rev-list --count psh-base..HEAD) patches on base)"
	else
		need_cmd git git
		tarball=$("$psh_harness/base.sh")
		log "unpacking $tarball"
		tmp=$tree.tmp
		rm -rf "$tmp" && mkdir -p "$tmp"
		tar -xJf "$tarball" -C "$tmp" --strip-components=1
		git -C "$tmp" init -q -b series
		# Debian's .gitignore ignores everything at the top level: -f.
		git -C "$tmp" add -f -A .
		env "${base_ident[@]}" git -C "$tmp" commit -q \
			-m "Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1)"
		git -C "$tmp" tag psh-base
		mv "$tmp" "$tree"
		log "base commit $(g rev-parse --short psh-base)"
		apply_series
	fi
	if [ ! -f "$basetree/Makefile" ]; then
		rm -rf "$basetree"
		g worktree prune
		g worktree add -q --detach "$basetree" psh-base
	fi
}

reset() {
	[ -d "$tree/.git" ] || { init; return; }
	[ -z "$(g status --porcelain --untracked-files=no)" ] ||
		die "$tree has uncommitted changes: commit or stash them first"
	g branch -f series-old HEAD
	g checkout -q -B series psh-base
	apply_series
}

export_series() {
	local tmp subject body date
	[ -d "$tree/.git" ] || die "no work tree: run 'make tree' first"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	subject="(cover letter subject: edit patches/0000-cover-letter.patch)"
	body="(cover letter text: edit patches/0000-cover-letter.patch)"
	if [ -f "$patches/0000-cover-letter.patch" ]; then
		# The Subject header, unfolded (long ones continue on lines
		# starting with a blank).
		subject=$(awk '/^$/ {exit}
			/^Subject: / {sub(/^Subject: \[PATCH[^]]*\] /, ""); subj=$0; insub=1; next}
			insub && /^[ \t]/ {sub(/^[ \t]+/, " "); subj=subj $0; next}
			{insub=0}
			END {print subj}' "$patches/0000-cover-letter.patch")
		# The blurb: after the header's blank line, up to the shortlog.
		body=$(awk 'NR>1 && hdr_done && /^[^ ].* \([0-9]+\):$/ {exit}
			hdr_done {print}
			/^$/ && !hdr_done {hdr_done=1}' "$patches/0000-cover-letter.patch")
	fi
	g config branch.series.description "$subject

$body"
	g format-patch -q --zero-commit --cover-letter --cover-from-description=subject \
		--base=psh-base -o "$tmp" psh-base..series
	date=$(g log -1 --format='%aD' series)
	sed -i "s/^Date: .*/Date: $date/" "$tmp/0000-cover-letter.patch"
	mkdir -p "$patches"
	rm -f "$patches"/[0-9][0-9][0-9][0-9]-*.patch
	cp "$tmp"/*.patch "$patches/"
	(cd "$patches" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-') >"$patches/series" || true
	log "exported $(wc -l <"$patches/series") patches to $patches"
}

# matches: the series branch carries exactly patches/series, in order.
matches() {
	local want got p
	[ -d "$tree/.git" ] || return 1
	want=$(grep -v '^\(#\|$\)' "$patches/series" 2>/dev/null | while read -r p; do
		git -C "$tree" patch-id --stable <"$patches/$p" | cut -d' ' -f1
	done)
	got=$(g log --reverse --format=%H psh-base..series | while read -r c; do
		g show "$c" | git -C "$tree" patch-id --stable | cut -d' ' -f1
	done)
	[ "$want" = "$got" ]
}

case "${1:-}" in
init) init ;;
matches) matches ;;
reset) reset ;;
export) export_series ;;
*) die "usage: tree.sh init|reset|matches|export" ;;
esac

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tree.sh COMMAND [POSTING]: the kernel work tree in the cache.
#
# The series is a stack of postings (patches/postings: name, kind, needs;
# patches/NAME/ holds each one's patches, its series file and, for a
# posting with a cover letter, 0000-cover-letter.patch).  The work tree
# $psh_cache/linux has one branch per posting, each on top of the one
# before it, and the branch "series" checked out at the top of the stack.
# rebase.updateRefs is on, so `git rebase -i psh-base` moves the posting
# branches along with the commits.
#
#   init      create the work tree if missing: the base tarball as first
#             commit, tagged psh-base, with a fixed identity and date so
#             its hash is the same everywhere; then every posting with
#             `git am`.  Also creates $psh_cache/linux-base, a worktree at
#             psh-base for baseline builds.  An existing tree is left alone.
#   reset [P] recreate the stack from patches/: all of it, or POSTING P
#             and every posting after it (the old tip stays reachable as
#             branch series-old).
#   matches   exit 0 if the branch "series" holds exactly the patches of
#             patches/series (by git patch-id), 1 otherwise.
#   export [P] write the postings (or P alone) back to patches/NAME/ with
#             stable names (no commit hashes, cover letters dated like the
#             posting's tip), their To/Cc from scripts/get_maintainer.pl,
#             and rewrite the series files.  A cover letter keeps the
#             subject and text of the existing patches/NAME/0000-cover-letter.patch
#             (edit them there); shortlog and diffstat are regenerated.
#   worktree P  print the path of a worktree at the top of posting P (the
#             stack up to and including P), created or moved there first;
#             build.sh uses it for VARIANT=P.
#   sync      make the work tree hold patches/ before a test: with CI=true
#             a tree that differs is reset to patches/; otherwise it is
#             tested as it is, with a warning.  Nothing with PSH_KSRC.
#   postings  print the posting names in stack order.
#   needs P   print P's prerequisites, transitively, in stack order.
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
# On the kdump path: every patch gets the kexec list (README, "Working on the series").
kexec_list=kexec@lists.infradead.org

g() { git -C "$tree" "$@"; }

# The postings table, without comments: "name kind needs cc" per line.
declare -a names=()
declare -A kind_of=() needs_of=() cc_of=()
while read -r n k nd cc _; do
	case "$n" in ''|'#'*) continue ;; esac
	names+=("$n") kind_of[$n]=$k needs_of[$n]=${nd//,/ } cc_of[$n]=${cc//,/ }
	[ "${needs_of[$n]}" = - ] && needs_of[$n]=
	[ "${cc_of[$n]}" = - ] && cc_of[$n]=
	case "$k" in cover|single) ;; *) die "patches/postings: $n: kind '$k' is not cover or single" ;; esac
done <"$patches/postings"
[ "${#names[@]}" -gt 0 ] || die "patches/postings lists no posting"

is_posting() { [ -n "${kind_of[$1]+set}" ]; }
index_of() {
	local i
	for i in "${!names[@]}"; do [ "${names[$i]}" = "$1" ] && { echo "$i"; return; }; done
	die "no posting '$1' (patches/postings has: ${names[*]})"
}
# prev_tip P: what P stacks on (the branch before it, or psh-base).
prev_tip() {
	local i
	i=$(index_of "$1")
	if [ "$i" = 0 ]; then echo psh-base; else echo "${names[$((i - 1))]}"; fi
}
# needs_closure P: P's prerequisites and theirs, in stack order.
needs_closure() {
	local -A want=()
	local todo=(${needs_of[$1]}) n
	while [ "${#todo[@]}" -gt 0 ]; do
		n=${todo[0]} todo=("${todo[@]:1}")
		is_posting "$n" || die "patches/postings: $1 needs unknown posting '$n'"
		[ -n "${want[$n]:-}" ] && continue
		want[$n]=1
		todo+=(${needs_of[$n]})
	done
	for n in "${names[@]}"; do [ -n "${want[$n]:-}" ] && echo "$n"; done
	return 0
}
posting_patches() {
	[ -f "$patches/$1/series" ] || return 0
	grep -v '^\(#\|$\)' "$patches/$1/series"
}

# apply_posting P: git am P's patches on HEAD and point branch P there.
apply_posting() {
	local p n=0
	while read -r p; do
		g am -q --keep-cr "$patches/$1/$p" ||
			die "git am $1/$p failed: fix it in $tree (git am --show-current-patch), then 'make export'"
		n=$((n + 1))
	done < <(posting_patches "$1")
	g branch -f "$1" HEAD
	log "applied $1: $n patches"
}

# apply_from I: apply postings I.. on HEAD, then "series" = the top.
apply_from() {
	local i
	for ((i = $1; i < ${#names[@]}; i++)); do
		apply_posting "${names[$i]}"
	done
}

init() {
	local tarball tmp
	if [ -d "$tree/.git" ]; then
		log "work tree exists: $tree ($(g rev-list --count psh-base..series) patches on base)"
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
		g config rebase.updateRefs true
		apply_from 0
	fi
	if [ ! -f "$basetree/Makefile" ]; then
		rm -rf "$basetree"
		g worktree prune
		g worktree add -q --detach "$basetree" psh-base
	fi
}

reset() {
	local from=0
	[ -d "$tree/.git" ] || { init; return; }
	[ -z "$(g status --porcelain --untracked-files=no)" ] ||
		die "$tree has uncommitted changes: commit or stash them first"
	g config rebase.updateRefs true
	g branch -f series-old series 2>/dev/null || true
	if [ -n "${1:-}" ]; then
		from=$(index_of "$1")
		g rev-parse -q --verify "$(prev_tip "$1")" >/dev/null ||
			die "no branch $(prev_tip "$1") in $tree: reset the whole stack (make reset-tree)"
	fi
	g checkout -q -B series "$([ "$from" = 0 ] && echo psh-base || prev_tip "${names[$from]}")"
	apply_from "$from"
}

# check_stack: every posting branch exists and they stack in order up to
# "series"; commits on "series" above the last posting join the last one.
check_stack() {
	local prev=psh-base n last=${names[-1]}
	for n in "${names[@]}"; do
		g rev-parse -q --verify "refs/heads/$n" >/dev/null ||
			die "no branch $n in $tree (a work tree of the flat layout?): make reset-tree"
		g merge-base --is-ancestor "$prev" "$n" ||
			die "branch $n does not stack on $prev: rebase it (git rebase --update-refs) or make reset-tree"
		prev=$n
	done
	g merge-base --is-ancestor "$last" series ||
		die "branch series does not contain $last: move the posting branches (git rebase --update-refs)"
	if [ "$(g rev-parse "$last")" != "$(g rev-parse series)" ]; then
		log "commits on series above $last: they join $last"
		g branch -f "$last" series
	fi
}

# roles FILE: "to ADDRESS" per maintainer and "cc ADDRESS" per list and
# reviewer that scripts/get_maintainer.pl names for one patch.
roles() {
	(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--rolestats --no-s "$1" 2>/dev/null) | awk '
		match($0, / \((maintainer|supporter|odd fixer|reviewer|open list|moderated list|subscriber list|list)[:)]/) {
			addr = substr($0, 1, RSTART - 1); role = substr($0, RSTART + 2)
			if (role ~ /^(maintainer|supporter|odd fixer)/) print "to " addr; else print "cc " addr
		}'
}

# recipients ROLES...: the To/Cc header lines, as git send-email reads
# them, for the union of the roles files given (one for a patch, all of
# them for a cover letter); plus the kexec list and the posting's cc.
recipients() {
	local to cc
	to=$(sed -n 's/^to //p' "$@" | sort -u)
	cc=$( (sed -n 's/^cc //p' "$@"; echo "$kexec_list"
		for a in ${cc_of[$posting]}; do echo "$a"; done) | sort -u)
	# The synthetic base commit's author is nobody to write to.
	to=$(grep -v 'debian-kernel@lists.debian.org' <<<"$to" || true)
	cc=$(grep -v 'debian-kernel@lists.debian.org' <<<"$cc" || true)
	# A maintainer in To is not repeated in Cc.
	[ -n "$to" ] && cc=$(grep -vxF -f <(printf '%s\n' "$to") <<<"$cc" || true)
	[ -n "$to" ] && sed 's/^/To: /' <<<"$to"
	[ -n "$cc" ] && sed 's/^/Cc: /' <<<"$cc"
	return 0
}

# add_headers FILE LINES: insert header LINES before FILE's first blank line.
add_headers() {
	local f=$1 h=$2
	[ -n "$h" ] || return 0
	awk -v h="$h" '!done && /^$/ {print h; done=1} {print}' "$f" >"$f.new" && mv "$f.new" "$f"
}

# keep_prereqs FILE KEEP: format-patch --base names every commit between
# the base and the posting by its patch id, oldest first (one line per
# commit of psh-base..PREV); keep the lines of KEEP's commits, the
# posting's prerequisites, and drop the others.  KEEP: "1"/"0" per commit.
keep_prereqs() {
	local have
	have=$(sed -n '/^base-commit: /,$p' "$1" | grep -c '^prerequisite-patch-id: ' || true)
	[ "$have" = 0 ] && ! grep -q '^base-commit: ' "$1" && return 0
	[ "$have" = "$(wc -w <<<"$2")" ] ||
		die "${1##*/}: $have prerequisite-patch-id lines for $(wc -w <<<"$2") commits below the posting"
	awk -v keep="$2" 'BEGIN {split(keep, k, " ")}
		/^base-commit: / {base = 1}
		base && /^prerequisite-patch-id: / {if (k[++i] != 1) next} {print}' "$1" >"$1.new" &&
		mv "$1.new" "$1"
}

# cover_text FILE: "subject<TAB>" then the blurb of an existing cover letter.
cover_subject() {
	awk '/^$/ {exit}
		/^Subject: / {sub(/^Subject: \[PATCH[^]]*\] /, ""); subj=$0; insub=1; next}
		insub && /^[ \t]/ {sub(/^[ \t]+/, " "); subj=subj $0; next}
		{insub=0}
		END {print subj}' "$1"
}
cover_body() {
	# After the header's blank line, up to the shortlog ("Name (N):").
	awk 'NR>1 && hdr_done && /^[^ ].* \([0-9]+\):$/ {exit}
		hdr_done {print}
		/^$/ && !hdr_done {hdr_done=1}' "$1"
}

export_posting() {
	local posting=$1 dir=$patches/$1 tmp prev tip needed keep c f k=0 date subject body
	prev=$(prev_tip "$posting") tip=$posting
	tmp=$(mktemp -d)
	# Which commits below the posting are its prerequisites: 1 or 0 each.
	needed=" $(for n in $(needs_closure "$posting"); do g rev-list "$(prev_tip "$n")..$n"; done | tr '\n' ' ')"
	# keep_below C: the keep_prereqs list for a patch whose parent is C.
	keep_below() {
		g rev-list --reverse "psh-base..$1" | while read -r c; do
			case "$needed" in *" $c "*) echo 1 ;; *) echo 0 ;; esac
		done | tr '\n' ' '
	}
	if [ "${kind_of[$posting]}" = cover ]; then
		subject="(cover letter subject: edit patches/$posting/0000-cover-letter.patch)"
		body="(cover letter text: edit patches/$posting/0000-cover-letter.patch)"
		if [ -f "$dir/0000-cover-letter.patch" ]; then
			subject=$(cover_subject "$dir/0000-cover-letter.patch")
			body=$(cover_body "$dir/0000-cover-letter.patch")
		fi
		g config "branch.$posting.description" "$subject

$body"
		g format-patch -q --zero-commit --cover-letter --cover-from-description=subject \
			--subject-prefix="PATCH v2" --base=psh-base -o "$tmp" "$prev..$tip"
		date=$(g log -1 --format='%aD' "$tip")
		sed -i "s/^Date: .*/Date: $date/" "$tmp/0000-cover-letter.patch"
	else
		for c in $(g rev-list --reverse "$prev..$tip"); do
			k=$((k + 1))
			g format-patch -q --zero-commit --subject-prefix="PATCH v2" \
				--start-number="$k" --base=psh-base -o "$tmp" -1 "$c"
			# A standalone patch needs none of the ones before it.
			keep_prereqs "$(ls "$tmp"/"$(printf %04d "$k")"-*.patch)" "$(keep_below "$c^")"
		done
	fi
	if [ "${kind_of[$posting]}" = cover ]; then
		# The cover letter carries the base; so may the first patch.
		keep=$(keep_below "$prev")
		for f in "$tmp"/*.patch; do keep_prereqs "$f" "$keep"; done
	fi
	mkdir "$tmp/roles"
	for f in "$tmp"/*.patch; do
		[ "${f##*/}" = 0000-cover-letter.patch ] && continue
		roles "$f" >"$tmp/roles/${f##*/}"
		add_headers "$f" "$(recipients "$tmp/roles/${f##*/}")"
	done
	[ ! -f "$tmp/0000-cover-letter.patch" ] ||
		add_headers "$tmp/0000-cover-letter.patch" "$(recipients "$tmp"/roles/*)"
	mkdir -p "$dir"
	rm -f "$dir"/[0-9][0-9][0-9][0-9]-*.patch
	cp "$tmp"/*.patch "$dir/"
	rm -rf "$tmp"
	(cd "$dir" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '^0000-') >"$dir/series" || true
	log "exported $posting: $(wc -l <"$dir/series") patches"
}

export_series() {
	local n p
	[ -d "$tree/.git" ] || die "no work tree: run 'make tree' first"
	check_stack
	if [ -n "${1:-}" ]; then
		export_posting "$1"
	else
		for n in "${names[@]}"; do export_posting "$n"; done
	fi
	for n in "${names[@]}"; do
		posting_patches "$n" | while read -r p; do echo "$n/$p"; done
	done >"$patches/series"
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

# worktree P: $psh_cache/linux-upto-P, detached at branch P.
worktree() {
	local wt=$psh_cache/linux-upto-$1 want
	is_posting "$1" || die "no posting '$1' (patches/postings has: ${names[*]})"
	want=$(g rev-parse "refs/heads/$1" 2>/dev/null) ||
		die "no branch $1 in $tree: make reset-tree"
	if [ ! -f "$wt/Makefile" ]; then
		rm -rf "$wt"
		g worktree prune
		g worktree add -q --detach "$wt" "$want" >&2
	elif [ "$(git -C "$wt" rev-parse HEAD)" != "$want" ]; then
		git -C "$wt" checkout -q --detach "$want"
	fi
	echo "$wt"
}

sync() {
	[ -z "${PSH_KSRC:-}" ] || return 0
	matches && return 0
	if [ "${CI:-}" = true ]; then
		log "work tree differs from patches/: re-applying patches/ (CI)"
		reset
	else
		log "warning: the work tree differs from patches/; testing the work tree (make export, or make reset-tree)"
	fi
}

case "${1:-}" in
init) init ;;
sync) sync ;;
matches) matches ;;
reset) reset "${2:-}" ;;
export) export_series "${2:-}" ;;
worktree) worktree "${2:?usage: tree.sh worktree POSTING}" ;;
postings) printf '%s\n' "${names[@]}" ;;
needs) needs_closure "${2:?usage: tree.sh needs POSTING}" ;;
*) die "usage: tree.sh init|sync|reset [P]|matches|export [P]|worktree P|postings|needs P" ;;
esac

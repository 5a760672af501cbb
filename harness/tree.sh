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
	# Branch and build-variant names the harness uses already.
	case "$n" in base|series|series-old|lint|capture|psh-base|*/*)
		die "patches/postings: '$n' is a name the harness uses: choose another" ;; esac
	# A posting needs only postings below it in the stack.
	for x in ${needs_of[$n]}; do
		[[ " ${names[*]} " == *" $x "* ]] && [ "$x" != "$n" ] ||
			die "patches/postings: $n needs '$x', which is no posting above it in the file"
	done
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
	grep -v '^\(#\|$\)' "$patches/$1/series" || true
}

# apply_posting P: git am P's patches on HEAD (one git am, so that a
# failed patch can be fixed and the rest applied with git am --continue)
# and point branch P there.
apply_posting() {
	local files=() p
	while read -r p; do files+=("$patches/$1/$p"); done < <(posting_patches "$1")
	[ "${#files[@]}" = 0 ] || g am -q --keep-cr "${files[@]}" ||
		die "git am of $1 failed in $tree: fix the patch there (git am --show-current-patch, then git am --continue), or fix patches/$1 and run 'make reset-tree P=$1'"
	g branch -f "$1" HEAD
	log "applied $1: ${#files[@]} patches"
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
		git -C "$tmp" config rebase.updateRefs true
		log "base commit $(git -C "$tmp" rev-parse --short psh-base)"
		# Applied before the tree moves into place: a failed init
		# leaves no tree that the next one would take as complete.
		tree=$tmp apply_from 0
		mv "$tmp" "$tree"
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
	g am --abort >/dev/null 2>&1 || true
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
	to=$(sed -n 's/^to //p' "$@" | LC_ALL=C sort -u)
	cc=$( (sed -n 's/^cc //p' "$@"; echo "$kexec_list"
		for a in ${cc_of[$posting]}; do echo "$a"; done) | LC_ALL=C sort -u)
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

# set_prereqs FILE IDS: the prerequisite-patch-id lines after FILE's
# base-commit line are IDS, one each.  format-patch --base names every
# commit between the base and the posting, not only its prerequisites, and
# git 2.39 computes those ids without the indent heuristic, so they can
# differ from the id of the patch as posted (git patch-id --stable of the
# mail, what b4 matches): the ids are computed here instead.
set_prereqs() {
	grep -q '^base-commit: ' "$1" || return 0
	awk -v ids="$2" '/^base-commit: / {print; n = split(ids, id, " ")
			for (i = 1; i <= n; i++) print "prerequisite-patch-id: " id[i]
			base = 1; next}
		base && /^prerequisite-patch-id: / {next} {print}' "$1" >"$1.new" &&
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

# The pinned identity and settings of every format-patch run, so that an
# export of unchanged commits gives the same bytes on any machine: no
# user or system git config, 12-digit index hashes, and the cover letter
# from the posting's author at its tip's date.
fp() {
	env GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C \
		GIT_COMMITTER_NAME="$(g log -1 --format=%an "$tip")" \
		GIT_COMMITTER_EMAIL="$(g log -1 --format=%ae "$tip")" \
		git -C "$tree" -c core.abbrev=12 format-patch -q --zero-commit \
		--subject-prefix="PATCH v2" --base=psh-base "$@"
}

export_posting() {
	local posting=$1 dir=$patches/$1 tmp prev tip needed c f k=0 date subject body
	prev=$(prev_tip "$posting") tip=$posting
	tmp=$(mktemp -d)
	# The posting's prerequisites: every commit of the postings it needs.
	needed=" $(for n in $(needs_closure "$posting"); do g rev-list "$(prev_tip "$n")..$n"; done | tr '\n' ' ')"
	# ids_below C: the patch ids of the prerequisites below C, oldest first.
	ids_below() {
		g rev-list --reverse "psh-base..$1" | while read -r c; do
			case "$needed" in *" $c "*) g show "$c" | git -C "$tree" patch-id --stable | cut -d' ' -f1 ;; esac
		done | tr '\n' ' '
	}
	if [ -z "$(g rev-list "$prev..$tip")" ]; then
		log "exported $posting: no patches"
		mkdir -p "$dir" && rm -f "$dir"/[0-9][0-9][0-9][0-9]-*.patch && : >"$dir/series"
		rm -rf "$tmp"
		return 0
	fi
	if [ "${kind_of[$posting]}" = cover ]; then
		subject="(cover letter subject: edit patches/$posting/0000-cover-letter.patch)"
		body="(cover letter text: edit patches/$posting/0000-cover-letter.patch)"
		if [ -f "$dir/0000-cover-letter.patch" ]; then
			subject=$(cover_subject "$dir/0000-cover-letter.patch")
			body=$(cover_body "$dir/0000-cover-letter.patch")
		fi
		g config "branch.$posting.description" "$subject

$body"
		fp --cover-letter --cover-from-description=subject -o "$tmp" "$prev..$tip"
		date=$(g log -1 --format='%aD' "$tip")
		sed -i "s/^Date: .*/Date: $date/" "$tmp/0000-cover-letter.patch"
		set_prereqs "$tmp/0000-cover-letter.patch" "$(ids_below "$prev")"
	else
		for c in $(g rev-list --reverse "$prev..$tip"); do
			k=$((k + 1))
			fp --start-number="$k" -o "$tmp" -1 "$c"
			# A standalone patch needs none of the ones before it.
			set_prereqs "$(ls "$tmp"/"$(printf %04d "$k")"-*.patch)" "$(ids_below "$prev")"
		done
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
		local i later=()
		for ((i = $(index_of "$1") + 1; i < ${#names[@]}; i++)); do later+=("${names[$i]}"); done
		[ "${#later[@]}" = 0 ] ||
			log "note: the postings after $1 (${later[*]}) were not exported: their prerequisite ids and context may have changed (make export)"
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
	# A tree of the old flat layout has no posting branches.
	for p in "${names[@]}"; do g rev-parse -q --verify "refs/heads/$p" >/dev/null || return 1; done
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

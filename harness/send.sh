#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# send.sh [POSTING...]: `git send-email --dry-run` on each posting's
# directory (all of them by default), as its sender would run it: the
# recipients come from the To: and Cc: headers that tree.sh export wrote
# from scripts/get_maintainer.pl; nobody is taken from the trailers
# (--suppress-cc=body, author: the placeholder identity that signs the
# patches is no recipient).
# Nothing is sent.  PSH_FROM sets the sender (default: git's identity).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

patches=$psh_root/patches
mapfile -t postings < <("$psh_harness/tree.sh" postings)
[ $# -gt 0 ] || set -- "${postings[@]}"
from=${PSH_FROM:-$(git var GIT_AUTHOR_IDENT 2>/dev/null | sed 's/>.*/>/')}
[ -n "$from" ] || from="Sender <sender@example.org>"
for p in "$@"; do
	[ -f "$patches/$p/series" ] || die "no posting '$p' (patches/postings: ${postings[*]})"
	files=()
	[ -f "$patches/$p/0000-cover-letter.patch" ] && files+=("$patches/$p/0000-cover-letter.patch")
	while read -r f; do files+=("$patches/$p/$f"); done < <(grep -v '^\(#\|$\)' "$patches/$p/series")
	echo "# $p: ${#files[@]} mails"
	git send-email --dry-run --confirm=never --suppress-cc=body --suppress-cc=author --no-validate \
		--from="$from" "${files[@]}" </dev/null
done

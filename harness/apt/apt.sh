#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Private apt for Debian 13 "trixie" (main, amd64 + arm64 + ppc64el + riscv64), kept
# entirely in $psh_cache/apt; /etc/apt and the host's package state are never
# touched.
#
#   harness/apt/apt.sh apt-get ARGS...   run apt-get with the private config
#   harness/apt/apt.sh apt-cache ARGS... run apt-cache with the private config
#   harness/apt/apt.sh conf              print the path of the rendered apt.conf
#   harness/apt/apt.sh update            force an `apt-get update`
#   harness/apt/apt.sh bookworm apt-get|apt-cache ARGS...
#                                        the same for Debian 12 bookworm{,
#                                        -updates,-backports}, host arch only
#                                        (QEMU from backports: harness/qemu-ppc.sh)
#   harness/apt/apt.sh fallback apt-get|apt-cache ARGS...
#                                        the same for trixie-security (all
#                                        three arches) and bookworm ppc64el:
#                                        where harness/userland.sh finds its
#                                        stand-ins for .debs the mirror lacks
#   harness/apt/apt.sh unstable apt-get|apt-cache ARGS...
#                                        the same for Debian unstable (sid),
#                                        host arch only: drgn for the vmcore
#                                        judge, newer than trixie's
#
# Each call renders the config and refreshes the package lists when they are
# older than PSH_APT_MAX_AGE seconds (default 86400; if the refresh fails and
# old lists exist, they are used with a warning).
#
# Environment:
#   PSH_CACHE          cache root (default ~/.cache/panic-shutdown)
#   PSH_APT_MAX_AGE    list age in seconds before a refresh (default 86400)
#   PSH_DEBIAN_MIRROR  Debian mirror URI (default: the host's, from
#                      /etc/apt/sources.list{,.d}, else http://deb.debian.org/debian)
#   PSH_DEBIAN_SECURITY_MIRROR  the same for debian-security (default: the
#                      host's, else http://deb.debian.org/debian-security)
#   PSH_HOST_KEYRING   keyring trusted to start with (default
#                      /usr/share/keyrings/debian-archive-keyring.gpg)
#
# Signatures: the trixie sources use Signed-By with a keyring holding the
# trixie archive keys.  The host keyring is used when it has them (bookworm's
# debian-archive-keyring >= 2023.3+deb12u2 does).  Otherwise the newest
# debian-archive-keyring package is downloaded from bookworm{,-updates,
# -backports}, whose Release files are verified with the host keyring, and
# its keyring is used instead.

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"

dir=$psh_cache/apt
conf=$dir/apt.conf
host_keyring=${PSH_HOST_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
max_age=${PSH_APT_MAX_AGE:-86400}

# Primary keys of "Debian Archive Automatic Signing Key (13/trixie)" and
# "Debian Stable Release Key (13/trixie)".
trixie_fprs='04B54C3CDCA79751B16BC6B5225629DF75B188BD|41587F7DB8C774BCCF131416762F67A0B2C39DE4'

# host_archive PATH: the host's mirror of Debian archive PATH ("debian" or
# "debian-security"), the first its apt sources name, else deb.debian.org.
host_archive() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -oE "(https?|file)://[^ ]*/$1/?( |\$)" | head -n1 | tr -d ' ') || true
	echo "${m:-http://deb.debian.org/$1}"
}

host_mirror() { echo "${PSH_DEBIAN_MIRROR:-$(host_archive debian)}"; }
host_security_mirror() { echo "${PSH_DEBIAN_SECURITY_MIRROR:-$(host_archive debian-security)}"; }

# render TEMPLATE OUT KEY=VALUE...: fill @KEY@ placeholders; rewrite OUT only
# when its content changes.
render() {
	local in=$1 out=$2 kv sed_args=()
	shift 2
	for kv in "$@"; do
		sed_args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	sed "${sed_args[@]}" "$in" >"$out.new"
	if cmp -s "$out.new" "$out"; then rm -f "$out.new"; else mv "$out.new" "$out"; fi
}

has_trixie_keys() {
	local home rc=0
	home=$(mktemp -d)
	GNUPGHOME=$home gpg --batch --show-keys --with-colons "$1" 2>/dev/null |
		grep -qE "^fpr:+($trixie_fprs):" || rc=1
	rm -rf "$home"
	return $rc
}

# The bookworm apt: same config, bookworm sources (verified with the host's
# own keyring), its own lists and cache.
bw_opts=(-c "$conf" -o "Dir::Etc::SourceList=$dir/bookworm.sources"
	-o "Dir::State::Lists=$dir/lists-bookworm" -o "Dir::Cache=$dir/cache-bookworm")
setup_bookworm() {
	render "$here/bookworm.sources.in" "$dir/bookworm.sources" \
		"MIRROR=$(host_mirror)" "KEYRING=$host_keyring" \
		"NATIVE=$(dpkg --print-architecture)"
	mkdir -p "$dir/lists-bookworm/partial" "$dir/cache-bookworm/archives/partial"
}

# The fallback apt: same config, trixie-security and bookworm ppc64el
# (fallback.sources.in), its own lists and cache.
fb_opts=(-c "$conf" -o "Dir::Etc::SourceList=$dir/fallback.sources"
	-o "Dir::State::Lists=$dir/lists-fallback" -o "Dir::Cache=$dir/cache-fallback")
setup_fallback() {
	render "$here/fallback.sources.in" "$dir/fallback.sources" \
		"MIRROR=$(host_mirror)" "SECURITY=$(host_security_mirror)" \
		"KEYRING=$keyring"
	mkdir -p "$dir/lists-fallback/partial" "$dir/cache-fallback/archives/partial"
}

# The unstable apt: same config, sid (unstable.sources.in, the keyring of
# trixie.sources), its own lists and cache.
us_opts=(-c "$conf" -o "Dir::Etc::SourceList=$dir/unstable.sources"
	-o "Dir::State::Lists=$dir/lists-unstable" -o "Dir::Cache=$dir/cache-unstable")
setup_unstable() {
	render "$here/unstable.sources.in" "$dir/unstable.sources" \
		"MIRROR=$(host_mirror)" "KEYRING=$keyring" \
		"NATIVE=$(dpkg --print-architecture)"
	mkdir -p "$dir/lists-unstable/partial" "$dir/cache-unstable/archives/partial"
}

# Download and unpack bookworm's newest debian-archive-keyring, verified
# through the bookworm Release files signed by keys the host already trusts.
fetch_keyring() {
	local kdir=$dir/keyring tmp deb
	log "host keyring $host_keyring lacks the trixie keys: fetching debian-archive-keyring from bookworm"
	setup_bookworm
	apt-get "${bw_opts[@]}" -q update >&2 || die "bookworm apt-get update failed"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get "${bw_opts[@]}" -q download debian-archive-keyring >&2) ||
		die "downloading debian-archive-keyring failed"
	deb=$(ls "$tmp"/debian-archive-keyring_*.deb)
	rm -rf "$kdir" && mkdir -p "$kdir"
	dpkg-deb -x "$deb" "$tmp/x"
	cp "$tmp/x/usr/share/keyrings/debian-archive-keyring.gpg" "$kdir/"
	basename "$deb" >"$kdir/SOURCE"
	rm -rf "$tmp"
	has_trixie_keys "$kdir/debian-archive-keyring.gpg" ||
		die "$(cat "$kdir/SOURCE") has no trixie keys either"
	log "using keyring from $(cat "$kdir/SOURCE")"
}

pick_keyring() {
	[ -r "$host_keyring" ] || die "$host_keyring missing: install the Debian package debian-archive-keyring"
	if has_trixie_keys "$host_keyring"; then
		echo "$host_keyring"
		return
	fi
	local k=$dir/keyring/debian-archive-keyring.gpg
	if ! { [ -r "$k" ] && has_trixie_keys "$k"; }; then fetch_keyring; fi
	echo "$k"
}

setup() {
	need_cmd apt-get apt
	need_cmd gpg gpg
	need_cmd flock util-linux
	mkdir -p "$dir/state" "$dir/lists/partial" "$dir/cache/archives/partial" \
		"$dir/empty.d" "$dir/log"
	[ -e "$dir/status" ] || : >"$dir/status"
	render "$here/apt.conf.in" "$conf" "DIR=$dir"
	keyring=$(pick_keyring)
	render "$here/trixie.sources.in" "$dir/trixie.sources" \
		"MIRROR=$(host_mirror)" "KEYRING=$keyring"
}

# update FORCE [bookworm|fallback|unstable]: refresh the lists (trixie's,
# bookworm's, the fallback's or unstable's) when stale or when the rendered
# config changed.
update() {
	local force=$1 suite=${2:-trixie} lists=$dir/lists sources=$dir/trixie.sources
	local opts=(-c "$conf") stamp want now
	case $suite in
	bookworm) lists=$dir/lists-bookworm sources=$dir/bookworm.sources opts=("${bw_opts[@]}") ;;
	fallback) lists=$dir/lists-fallback sources=$dir/fallback.sources opts=("${fb_opts[@]}") ;;
	unstable) lists=$dir/lists-unstable sources=$dir/unstable.sources opts=("${us_opts[@]}") ;;
	esac
	stamp=$lists/.psh-stamp
	want=$(cat "$conf" "$sources" | sha256sum | cut -d' ' -f1)
	now=$(date +%s)
	if [ "$force" = 0 ] && [ -e "$stamp" ] && [ "$(head -n1 "$stamp")" = "$want" ] &&
		[ $((now - $(stat -c %Y "$stamp"))) -lt "$max_age" ]; then
		return 0
	fi
	log "apt-get update ($suite, private config $conf)"
	if apt-get "${opts[@]}" -q update >&2 && compgen -G "$lists/*_Packages*" >/dev/null; then
		echo "$want" >"$stamp"
	elif [ -e "$stamp" ]; then
		log "warning: apt-get update failed, using the package lists from $(date -r "$stamp")"
	else
		die "apt-get update failed for the private $suite config ($conf)"
	fi
}

usage="usage: $0 [bookworm|fallback|unstable] apt-get|apt-cache ARGS... | conf | update"
[ $# -ge 1 ] || die "$usage"
mkdir -p "$dir"
exec 9>"$dir/lock"
flock 9
setup
case "$1" in
update) update 1 ;;
conf) update 0; echo "$conf" ;;
apt-get|apt-cache)
	update 0
	flock -u 9
	cmd=$1
	shift
	exec "$cmd" -c "$conf" "$@"
	;;
bookworm|fallback|unstable)
	case "${2:-}" in apt-get|apt-cache) ;; *) die "$usage" ;; esac
	suite=$1 cmd=$2
	shift 2
	"setup_$suite"
	update 0 "$suite"
	flock -u 9
	case $suite in
	bookworm) opts=("${bw_opts[@]}") ;;
	fallback) opts=("${fb_opts[@]}") ;;
	unstable) opts=("${us_opts[@]}") ;;
	esac
	exec "$cmd" "${opts[@]}" "$@"
	;;
*) die "$usage" ;;
esac

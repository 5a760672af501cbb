#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# userland.sh [--force] ARCH    (ARCH: x86_64, arm64, ppc64le or riscv64)
#
# Builds the guest userland from Debian 13 "trixie" packages: kexec-tools,
# makedumpfile and busybox-static for ARCH, plus every shared library they
# reach (recursive DT_NEEDED walk) and the ELF interpreter.  riscv64 has no
# kexec-tools in Debian 13: its guest agent loads kernels with
# kexec_file_load() itself (tools/psh-init.c, kexec_loader=syscall), so
# its root has makedumpfile and busybox only.  Output:
#
#   $psh_cache/userland/ARCH/root/     the tree (usr-merged: bin, sbin, lib,
#                                      lib64 are symlinks into usr/)
#   $psh_cache/userland/ARCH/MANIFEST  package=version of every package that
#                                      contributed a file
#
# In the root: /usr/sbin/kexec, /usr/sbin/vmcore-dmesg, /usr/bin/makedumpfile
# (+ compat link /usr/sbin/makedumpfile), /usr/bin/busybox and its applets
# as symlinks in /usr/bin.
#
# Does nothing when MANIFEST exists, was written by this version of the script
# and the archive still has the same versions; --force or PSH_USERLAND_FORCE=1
# rebuilds anyway.  Package lists come from harness/apt/apt.sh (see there for
# PSH_APT_MAX_AGE etc.); downloaded .debs are kept in $psh_cache/userland/debs.
#
# A package whose .deb the mirror lists but does not serve is replaced by its
# stand-in from the table below, with a log line; the MANIFEST names the
# stand-in and what it replaced ("# substituted ...").

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

force=${PSH_USERLAND_FORCE:-0}
[ "${1:-}" = --force ] && { force=1; shift; }
[ $# = 1 ] || die "usage: $0 [--force] x86_64|arm64|ppc64le|riscv64"
arch=$1
da=$(deb_arch "$arch")
case $da in
amd64) triplet=x86_64-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
ppc64el) triplet=powerpc64le-linux-gnu ;;
riscv64) triplet=riscv64-linux-gnu ;;
esac

need_cmd readelf binutils
need_cmd dpkg-deb dpkg
need_cmd sha256sum coreutils
need_cmd flock util-linux

apt() { "$here/apt/apt.sh" "$@"; }

# The tools wanted in the guest; everything else is found from them.
roots_pkgs=(kexec-tools makedumpfile busybox-static)
roots_files=(usr/sbin/kexec usr/sbin/vmcore-dmesg usr/bin/makedumpfile usr/bin/busybox)
optional_files=" usr/sbin/vmcore-dmesg "
if [ "$da" = riscv64 ]; then
	roots_pkgs=(makedumpfile busybox-static)
	roots_files=(usr/bin/makedumpfile usr/bin/busybox)
fi

# Applets linked when the busybox applet list can be neither asked for
# (foreign ARCH, no binfmt emulation) nor read from the binary.
fallback_applets="[ [[ ash awk basename blkid cat chmod chown chroot cmp cp cpio cut
date dd df dirname dmesg du echo env expr false find free grep gunzip gzip halt
head hexdump hostname id insmod kill killall less ln losetup ls lsmod md5sum mdev
mkdir mknod mktemp modinfo modprobe more mount mv nproc od pidof poweroff printf
ps pwd readlink realpath reboot rm rmdir rmmod sed seq sh sha256sum sleep sort
stat stty switch_root sync sysctl tail tar taskset tee test time timeout touch
tr true umount uname uniq unxz unzstd uptime vi wc xargs xz yes zcat"

# Stand-ins for .debs the mirror lists but does not serve: deb.debian.org
# as reached from here answers 404 for trixie's ppc64el libc6, zlib1g and
# liblzma5 (2026-12-02).  Used only after the archive's own .deb failed to
# download, pinned, and fetched and checked (signed Release, sha256) by apt
# like the rest, from the trixie config or from apt.sh's "fallback" one
# (trixie-security, bookworm ppc64el).  A -DEBARCH-cross package (dpkg-cross
# layout, usr/TRIPLET/lib) is unpacked into the native paths.
#   NAME:DEBARCH     CONFIG    PACKAGE=VERSION                    why it fits
stand_ins="
liblzma5:ppc64el fallback  liblzma5:ppc64el=5.8.1-1+deb13u2  trixie-security's copy of the same build
zlib1g:ppc64el   fallback  zlib1g:ppc64el=1:1.2.13.dfsg-1    bookworm's libz.so.1 (the binaries need ZLIB_1.2.2.3 at most)
libc6:ppc64el    trixie    libc6-ppc64el-cross=2.41-11cross1 trixie's glibc 2.41 for ppc64el, packaged for cross-compiling
"

out=$psh_cache/userland/$arch
debs=$psh_cache/userland/debs
manifest=$out/MANIFEST
generator=$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)
mkdir -p "$out" "$debs"
exec 9>"$out/.lock"
flock 9

# apt_in CONFIG ARGS...: the private apt with the trixie or the fallback config.
apt_in() {
	local c=$1
	shift
	if [ "$c" = trixie ]; then apt "$@"; else apt "$c" "$@"; fi
}

# print_uris CONFIG SPEC...: "pkg version filename size sha256" for each
# SPEC (pkg:arch, pkg:arch=version).
print_uris() {
	apt_in "$1" apt-get -q --print-uris download "${@:2}" |
		awk -v q="'" '$1 ~ "^"q { print $2, $3, $4 }' |
		while read -r file size hash; do
			local name=${file%%_*} ver=${file#*_}
			ver=${ver%_*}
			printf '%s %b %s %s %s\n' "$name" "${ver//%/\\x}" "$file" "$size" "${hash#SHA256:}"
		done
}

# The MANIFEST's packages, a stand-in counted as the package it replaced.
manifest_wants() {
	awk '$2 == "substituted" { s[$5] = $3; next } /^#/ { next }
		{ print ($0 in s) ? s[$0] : $0 }' "$manifest" | sort
}

# Fast path: same script, same package versions as last time.
if [ "$force" != 1 ] && [ -s "$manifest" ] && [ -d "$out/root" ] &&
	grep -qx "# generator $generator" "$manifest"; then
	mapfile -t want < <(manifest_wants)
	mapfile -t have < <(print_uris trixie "${want[@]/%=*/:$da}" | awk '{print $1 "=" $2}' | sort)
	if [ "${want[*]}" = "${have[*]}" ]; then
		log "userland $arch up to date ($out)"
		exit 0
	fi
	log "userland $arch: package versions changed, rebuilding"
fi

# Depends/Pre-Depends closure of the root packages, following only library
# packages (lib*, zlib1g): debconf, dpkg, perl and the like are not needed to
# run the binaries.
resolve_closure() {
	local -A seen=()
	local queue=("${roots_pkgs[@]}") next p
	while [ ${#queue[@]} -gt 0 ]; do
		for p in "${queue[@]}"; do seen[$p]=1; done
		next=()
		while read -r p; do
			[ -n "${seen[$p]:-}" ] && continue
			seen[$p]=1
			next+=("$p")
		done < <(apt apt-cache depends --no-recommends --no-suggests \
			--no-conflicts --no-breaks --no-replaces --no-enhances \
			"${queue[@]/%/:$da}" |
			sed -nE 's/^ [ |](Pre)?Depends: ([^<][^: ]*)(:[a-z0-9]+)?$/\2/p' |
			grep -E '^(lib[a-z0-9]|zlib1g$)' | sort -u)
		queue=("${next[@]}")
	done
	printf '%s\n' "${!seen[@]}" | sort
}

log "userland $arch: resolving Debian 13 packages"
mapfile -t closure < <(resolve_closure)
mapfile -t uris < <(print_uris trixie "${closure[@]/%/:$da}")
[ ${#uris[@]} = ${#closure[@]} ] ||
	die "apt could not locate every package of: ${closure[*]}"

# Download what is missing or corrupt; drop stale .debs of this arch.
# fresh SHA256 FILE: FILE is in $debs with that hash.
fresh() { echo "$1  $debs/$2" | sha256sum -c --status 2>/dev/null; }
missing=() substituted=()
declare -A keep=()
for l in "${uris[@]}"; do
	read -r name ver file size hash <<<"$l"
	fresh "$hash" "$file" || missing+=("$name:$da=$ver")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "downloading ${#missing[@]} packages"
	dl=$(mktemp -d "$debs/.dl-$arch.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	(cd "$dl" && apt apt-get -q download "${missing[@]}" >&2) ||
		log "apt-get download failed for some packages: trying their stand-ins"
	# A package neither cached nor downloaded gets its stand-in.
	for i in "${!uris[@]}"; do
		read -r name ver file size hash <<<"${uris[$i]}"
		[ -e "$dl/$file" ] || fresh "$hash" "$file" && continue
		read -r cfg spec why < <(awk -v p="$name:$da" '$1 == p { $1 = ""; print }' <<<"$stand_ins") ||
			die "$name $ver: the mirror did not serve its .deb, and there is no stand-in for it"
		{ l=$(print_uris "$cfg" "$spec") && [ -n "$l" ]; } ||
			die "$name $ver: its stand-in $spec is not in the $cfg lists (update the table in ${BASH_SOURCE[0]})"
		read -r sname sver sfile _ shash <<<"$l"
		fresh "$shash" "$sfile" || (cd "$dl" && apt_in "$cfg" apt-get -q download "$spec" >&2) ||
			die "$name $ver: downloading its stand-in $spec failed"
		[ "$shash" = "$hash" ] && why+=" (the same file)"
		log "substituted $name $ver (the mirror did not serve its .deb) by $sname $sver ($cfg): $why"
		substituted+=("$name=$ver by $sname=$sver ($cfg): $why")
		uris[i]=$l
	done
	if compgen -G "$dl/*.deb" >/dev/null; then mv "$dl"/*.deb "$debs/"; fi
	rmdir "$dl"
fi
for l in "${uris[@]}"; do
	read -r _ _ file _ <<<"$l"
	keep[$file]=1
done
for f in "$debs"/*_"$da".deb; do
	[ -n "${keep[$(basename "$f")]:-}" ] || rm -f "$f"
done

# Unpack everything into one usr-merged staging tree; remember file owners.
stage=$out/stage
rm -rf "$stage" "$out/root.new"
mkdir -p "$stage"
stage=$(cd "$stage" && pwd -P)
declare -A owner=()
canon_top() { sed -E 's,^\./,,; s,^(bin|sbin|lib|lib64|libx32)/,usr/\1/,'; }
# unpack_cross DEB: a dpkg-cross package (libc6-ppc64el-cross) has its
# libraries in usr/TRIPLET/lib and the ELF interpreter link in
# usr/TRIPLET/lib64; put them where the native package has them,
# usr/lib/TRIPLET and usr/lib64.  Prints the paths it added.
unpack_cross() {
	local x=$out/cross f
	rm -rf "$x"
	dpkg-deb -x "$1" "$x"
	mkdir -p "$stage/usr/lib/$triplet" "$stage/usr/lib64"
	for f in "$x/usr/$triplet/lib"/*; do
		cp -a "$f" "$stage/usr/lib/$triplet/"
		echo "usr/lib/$triplet/${f##*/}"
	done
	for f in "$x/usr/$triplet/lib64"/*; do
		ln -s "../lib/$triplet/$(basename "$(readlink "$f")")" "$stage/usr/lib64/${f##*/}"
		echo "usr/lib64/${f##*/}"
	done
	rm -rf "$x"
}
for l in "${uris[@]}"; do
	read -r name ver file _ <<<"$l"
	if [[ $name == *-$da-cross ]]; then
		unpack_cross "$debs/$file" >"$out/paths"
	else
		dpkg-deb -x "$debs/$file" "$stage"
		dpkg-deb -c "$debs/$file" | awk '$6 !~ /\/$/ {print $6}' | canon_top >"$out/paths"
	fi
	while read -r p; do
		owner[$p]="$name=$ver"
	done <"$out/paths"
done
rm -f "$out/paths"
for d in bin sbin lib lib64 libx32; do
	if [ -d "$stage/$d" ] && [ ! -L "$stage/$d" ]; then
		mkdir -p "$stage/usr/$d"
		cp -a "$stage/$d/." "$stage/usr/$d/"
		rm -rf "${stage:?}/$d"
	fi
	[ -e "$stage/usr/$d" ] && ln -sfn "usr/$d" "$stage/$d"
done

# Library search path of the guest's ld.so (no ld.so.cache there): the
# multiarch and plain lib dirs.  Dirs only reachable via ld.so.conf.d would
# need a cache, so they are an error.
default_dirs=("usr/lib/$triplet" usr/lib)
[ "$da" = amd64 ] && default_dirs+=(usr/lib64)

# canon PATH: stage-relative path with its directory part resolved inside
# the stage (so lib/x and /lib64/x become usr/lib/x, usr/lib64/x).
canon() {
	local d
	d=$(realpath -m "$stage/$(dirname "$1")")
	d=${d#"$stage"}
	d=${d#/}
	echo "${d:+$d/}$(basename "$1")"
}

root=$out/root.new
declare -A copied=() used=()
elves=()
# copy_path PATH: copy a stage path into the root, following symlink chains
# (every link and the final file); ELF files are queued for the NEEDED walk.
copy_path() {
	local p t
	p=$(canon "$1")
	while [ -z "${copied[$p]:-}" ]; do
		copied[$p]=1
		[ -e "$stage/$p" ] || [ -L "$stage/$p" ] || die "$p: not found in the unpacked packages"
		mkdir -p "$root/$(dirname "$p")"
		cp -a "$stage/$p" "$root/$p"
		[ -n "${owner[$p]:-}" ] && used[${owner[$p]}]=1
		if [ -L "$stage/$p" ]; then
			t=$(readlink "$stage/$p")
			case $t in
			/*) p=$(canon "${t#/}") ;;
			*) p=$(canon "$(dirname "$p")/$t") ;;
			esac
			continue
		fi
		[ "$(head -c 4 "$stage/$p" | od -An -c | tr -d ' ')" = '177ELF' ] && elves+=("$p")
	done
}

for f in "${roots_files[@]}"; do
	if [ ! -e "$stage/$f" ] && [[ $optional_files == *" $f "* ]]; then
		continue
	fi
	copy_path "$f"
done

# Recursive NEEDED walk over every ELF file copied so far.
i=0
while [ $i -lt ${#elves[@]} ]; do
	e=${elves[$i]}
	i=$((i + 1))
	dyn=$(readelf -dW "$stage/$e" 2>/dev/null || true)
	interp=$(readelf -lW "$stage/$e" 2>/dev/null |
		sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
	[ -n "$interp" ] && copy_path "${interp#/}"
	dirs=()
	for rp in $(echo "$dyn" | sed -nE 's/.*\((RUNPATH|RPATH)\).*\[(.*)\]$/\2/p' | tr : ' '); do
		rp=${rp//\$ORIGIN/\/$(dirname "$e")}
		rp=${rp//\$\{ORIGIN\}/\/$(dirname "$e")}
		dirs+=("${rp#/}")
	done
	dirs+=("${default_dirs[@]}")
	for lib in $(echo "$dyn" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		found=
		for d in "${dirs[@]}"; do
			if [ -e "$stage/$d/$lib" ]; then found=$d/$lib; break; fi
		done
		[ -n "$found" ] || die "$e needs $lib, which no unpacked package has in ${dirs[*]}"
		copy_path "$found"
	done
done

# usr-merge symlinks and busybox applets.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib"
for d in bin sbin lib lib64; do
	[ -d "$root/usr/$d" ] && ln -sfn "usr/$d" "$root/$d"
done
[ -e "$root/usr/sbin/makedumpfile" ] || ln -s ../bin/makedumpfile "$root/usr/sbin/makedumpfile"
# Applet names: ask busybox when it runs here, else read its sorted
# NUL-separated applet_names table ("[", "[[", "acpid", ...) from the binary.
bb_names() {
	local off
	off=$(grep -aobP '\[\x00\[\[\x00' "$1" | head -n1 | cut -d: -f1)
	[ -n "$off" ] || return 0
	tail -c +$((off + 1)) "$1" | tr '\0' '\n' | head -n 1000 | LC_ALL=C awk \
		'p != "" && !($0 ~ /^[a-z0-9_.[-]+$/ && $0 > p) { exit } { print; p = $0 }'
	return 0 # the early exits above kill the pipeline with SIGPIPE
}
if applets=$(timeout 10 "$stage/usr/bin/busybox" --list 2>/dev/null) && [ -n "$applets" ]; then
	src="busybox --list"
elif applets=$(bb_names "$stage/usr/bin/busybox") && [ "$(echo "$applets" | wc -l)" -gt 50 ]; then
	src="applet table in the $arch busybox binary"
else
	applets=$fallback_applets
	src="built-in list"
fi
n=0
for a in $applets; do
	[ "$a" = busybox ] && continue
	[ -e "$root/usr/bin/$a" ] || [ -e "$root/usr/sbin/$a" ] || [ -L "$root/usr/bin/$a" ] && continue
	ln -s busybox "$root/usr/bin/$a"
	n=$((n + 1))
done
log "linked $n busybox applets from the $src"

# Swap in the new root and write the manifest last.
rm -rf "$out/root" "$stage"
mv "$root" "$out/root"
{
	echo "# psh guest userland for $arch (Debian $da), from Debian 13 trixie"
	echo "# generator $generator"
	for l in "${substituted[@]}"; do echo "# substituted $l"; done
	printf '%s\n' "${!used[@]}" | sort
} >"$manifest.new"
mv "$manifest.new" "$manifest"
log "userland $arch: $(du -sh "$out/root" | cut -f1) in $out/root ($(grep -vc '^#' "$manifest") packages)"

#!/usr/bin/env bash
# Kernel coding style: run the kernel's checkpatch.pl over every C source
# and header of the project. Exit 0 only when it reports nothing.
#
# checkpatch.pl is not in the headers packages; it is taken from Debian's
# newest linux-source-6.12 package once and cached in $KPC_CACHE/checkpatch/ (default ~/.cache/kprobe_core).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kprobe_core}/checkpatch
pkg=linux-source-6.12

candidate() { apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p'; }

# fetch VERSION DIR: checkpatch.pl and its data files into DIR.
fetch() {
	local tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$1" >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; return 1; }
	dpkg-deb --fsys-tarfile "$tmp"/*.deb |
		tar -C "$tmp" -xf - --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$2"
	tar -C "$2" --strip-components=1 -xJf "$tmp"/usr/src/linux-source-*.tar.xz \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	rm -rf "$tmp"
}

ver=$(candidate)
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	echo "checkpatch: $pkg not found in the package lists (run apt-get update)" >&2
	exit 1
fi
cp=$cache/$ver/scripts/checkpatch.pl
if [ ! -x "$cp" ] && ! fetch "$ver" "$cache/$ver"; then
	# The archive drops superseded versions: refresh the lists and retry.
	apt-get update -q >/dev/null 2>&1 || true
	ver=$(candidate)
	cp=$cache/$ver/scripts/checkpatch.pl
	[ -x "$cp" ] || fetch "$ver" "$cache/$ver" ||
		{ echo "checkpatch: cannot download $pkg $ver" >&2; exit 1; }
fi

cd "$top"
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null ||
	find . -path ./.cache -prune -o \( -name '*.c' -o -name '*.h' \) -print)
[ ${#files[@]} -gt 0 ] || { echo "checkpatch: no sources found" >&2; exit 1; }
out=$("$cp" --no-tree --terse --show-types -f "${files[@]}" 2>&1 |
	grep -v '^total: 0 errors, 0 warnings' || true)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "checkpatch ($pkg $ver): ${#files[@]} files clean"

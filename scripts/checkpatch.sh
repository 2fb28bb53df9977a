#!/usr/bin/env bash
# Kernel coding style: run the kernel's checkpatch.pl over every C source
# and header of the project. Exit 0 only when it reports nothing.
#
# checkpatch.pl is not in the headers packages; it is taken from Debian's
# newest linux-source-6.12 package once and cached in .cache/checkpatch/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache/checkpatch
pkg=linux-source-6.12

ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	echo "checkpatch: $pkg not found in the package lists (run apt-get update)" >&2
	exit 1
fi
dir=$cache/$ver
cp=$dir/scripts/checkpatch.pl
if [ ! -x "$cp" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null)
	dpkg-deb --fsys-tarfile "$tmp"/*.deb |
		tar -C "$tmp" -xf - --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$dir"
	tar -C "$dir" --strip-components=1 -xJf "$tmp"/usr/src/linux-source-*.tar.xz \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
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

#!/usr/bin/env bash
# The README's client-module example must be examples/hello_kpc.c, which the
# build compiles: print a diff and fail when the two drift apart.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
example=$top/examples/hello_kpc.c
block=$(awk '/^## Writing your own client module/ { sec = 1 }
	sec && /^```c$/ { inblk = 1; next }
	inblk && /^```$/ { exit }
	inblk { print }' "$top/README.md")
if [ -z "$block" ]; then
	echo "README.md: no C example under 'Writing your own client module'"
	exit 1
fi
if ! diff -u "$example" <(printf '%s\n' "$block"); then
	echo "README.md's example differs from examples/hello_kpc.c"
	exit 1
fi
echo "README example matches examples/hello_kpc.c"

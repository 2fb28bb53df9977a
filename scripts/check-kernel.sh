#!/usr/bin/env bash
# `make check`, part 2, for one kernel of scripts/kernels.conf:
#   1. fetch it (cached in $KPC_CACHE),
#   2. build every module with W=1 (fails on any warning),
#   3. run sparse over every module (make C=2; fails on any warning),
#   4. boot the guests (scripts/run-guests.sh: x86_64 or arm64) and judge them.
#
# Usage: scripts/check-kernel.sh NAME
# Results: results/NAME/ (build logs, and console.log, ktap.log, dmesg.log,
# verdict per guest).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"
k=${1:?usage: check-kernel.sh NAME}
out=$top/results/$k
rm -rf "$out"
mkdir -p "$out"

if ! use_kernel "$k" "$out"; then
	bad "$k: fetch kernel"
	exit 1
fi
build=$top/.cache/build/$k
# Build in a copy: the work tree stays clean, each kernel has its objects.
copy_tree "$build"

# W=1 build: must succeed with no warning at all.
# shellcheck disable=SC2086 # KERNEL_MAKE_ARGS: words for make (cross builds)
make -j"$(nproc)" -C "$build" KDIR="$kdir" KPC_TESTS=1 W=1 $KERNEL_MAKE_ARGS >"$out/build.log" 2>&1
brc=$?
if [ $brc -ne 0 ] || build_problems "$out/build.log" >/dev/null; then
	build_problems "$out/build.log" | head -n 30 | sed 's/^/        /'
	bad "$k: build W=1 (log: $out/build.log)"
else
	ok "$k: build W=1 ($(find "$build" -name '*.ko' | wc -l) modules)"
fi
if [ $brc -ne 0 ]; then
	bad "$k: sparse (not run: the build failed)"
	bad "$k: guest (not run: the build failed)"
	exit 1
fi

# sparse over every source file (C=2 checks without recompiling).
# shellcheck disable=SC2086
make -C "$build" KDIR="$kdir" KPC_TESTS=1 C=2 $KERNEL_MAKE_ARGS >"$out/sparse.log" 2>&1
src=$?
if [ $src -ne 0 ] || sparse_problems "$out/sparse.log" >/dev/null; then
	sparse_problems "$out/sparse.log" | head -n 30 | sed 's/^/        /'
	bad "$k: sparse C=2 (log: $out/sparse.log)"
else
	ok "$k: sparse C=2 ($(grep -c '^  CHECK ' "$out/sparse.log") files)"
fi

# The guests, judged.
scripts/run-guests.sh "$k" "$build" "$out" || nfail=$((nfail + 1))
[ "$nfail" -eq 0 ]

#!/usr/bin/env bash
# `make mutate`: apply each deliberate small bug of tests/mutants.conf to a
# copy of the tree, build it for one kernel (KERNEL, default the first of
# the matrix) and run the guest suite on it. A mutant is killed when the
# build fails (W=1) or the guest run is judged failed; it survives when the
# suite passes. Prints each mutant's fate and the kill ratio; exits non-zero
# if any survived. Not part of `make check` (one guest run per mutant).
#
# tests/mutants.conf: one mutant per line, fields separated by " | ":
#   name | file | exact text (must occur once) | replacement [| only ARCH]
# A mutant marked "only ARCH" (x86_64, arm64) guards code that exists or
# runs on that architecture alone; on the others it is listed as skipped.
# MUTANTS="name ..." runs only those; CASES="case ..." runs only those cases
# of the suite (to see a new mutant killed quickly; the default is all).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
k=${KERNEL:-$(default_kernel)}
out=$top/results/mutate
mkdir -p "$out"
use_kernel "$k" "$out" || exit 1
arch=${KERNEL_ARCH:-x86_64}

# run_suite TREE OUT: the guests make check boots for one kernel
# (scripts/run-guests.sh); sets why to what failed; true when all passed.
run_suite() {
	why=
	scripts/run-guests.sh "$k" "$1" "$2" >"$2.out" 2>&1 && return 0
	why=$(sed -n 's/^  FAIL  [^:]*: //p' "$2.out" | paste -sd';' -)
	why=${why:-run-guests failed}
	return 1
}

# One snapshot of the tree for every mutant: edits made while this runs
# do not leak into the mutants.
base=$top/.cache/mutate/.base
copy_tree "$base"
cp tests/mutants.conf "$out/mutants.conf"

killed=0 survived=0 broken=0 skipped=0
# The tree as it is must pass, or every mutant would look killed.
echo "  baseline: the unmutated tree"
# shellcheck disable=SC2086 # KERNEL_MAKE_ARGS: words for make (cross builds)
if ! make -j"$(nproc)" -C "$base" KDIR="$kdir" KPC_TESTS=1 W=1 $KERNEL_MAKE_ARGS >"$out/baseline-build.log" 2>&1 ||
	! run_suite "$base" "$out/baseline"; then
	echo "mutate: the unmutated tree fails on $k (${why:-build}): fix that first" >&2
	exit 1
fi
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	name=${line%% | *}
	if [ -n "${MUTANTS:-}" ] && ! echo " $MUTANTS " | grep -q " $name "; then
		continue
	fi
	case $line in
	*' | only '*)
		only=${line##* | only }
		if [ "$only" != "$arch" ]; then
			echo "  skipped  $name (only $only)"
			skipped=$((skipped + 1))
			continue
		fi
		line=${line% | only *}
		;;
	esac
	mdir=$out/$name
	build=$top/.cache/mutate/$name
	rm -rf "$mdir" "$build"
	mkdir -p "$mdir"
	cp -a "$base" "$build"
	make -s -C "$build" clean >/dev/null 2>&1
	if ! python3 - "$build" "$line" <<'PY'
import sys
root, line = sys.argv[1], sys.argv[2]
name, path, old, new = [f.strip() for f in line.split(' | ')]
old, new = old.encode().decode('unicode_escape'), new.encode().decode('unicode_escape')
p = f"{root}/{path}"
s = open(p).read()
if s.count(old) != 1:
    sys.exit(f"{name}: '{old}' occurs {s.count(old)} times in {path}")
open(p, 'w').write(s.replace(old, new))
PY
	then
		echo "  BROKEN   $name (the text to mutate is not in the tree once)"
		broken=$((broken + 1))
		continue
	fi
	# shellcheck disable=SC2086 # KERNEL_MAKE_ARGS: words for make
	if ! make -j"$(nproc)" -C "$build" KDIR="$kdir" KPC_TESTS=1 W=1 $KERNEL_MAKE_ARGS >"$mdir/build.log" 2>&1 ||
		build_problems "$mdir/build.log" >/dev/null; then
		echo "  killed   $name (build)"
		killed=$((killed + 1))
	elif run_suite "$build" "$mdir"; then
		echo "  SURVIVED $name"
		survived=$((survived + 1))
	else
		echo "  killed   $name ($why)"
		killed=$((killed + 1))
	fi
	rm -rf "$build"
done <"$out/mutants.conf"
total=$((killed + survived + broken))
echo "mutants on $k${CASES:+ (cases: $CASES)}: $killed of $total killed, $survived survived, $broken broken, $skipped skipped for $arch ($(git rev-parse --short HEAD), $(date -u +%Y-%m-%d))"
[ $survived -eq 0 ] && [ $broken -eq 0 ]

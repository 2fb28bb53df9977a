#!/usr/bin/env bash
# `make bench`: for every kernel of scripts/kernels.conf
#   1. fetch it (cached) and build every module in a copy of the tree (W=1),
#   2. boot a guest that runs tests/bench/run-bench.sh (the kpc_bench module
#      measures kprobe_core next to the bare kprobe API at load time),
#   3. print its table and its "bench: <what> = <ratio>" lines, and how they
#      compare with the goals of BENCHMARKS.md.
# The guest run is judged like a `make check` guest (scripts/boot.sh): no
# sentinel, a kernel splat, a taint or a timeout fails the bench. A missed
# goal does not: the figures come from a TCG guest on a shared host.
#
# Environment: KERNELS="name ..." limits the matrix; BENCH_TIMEOUT (default
# 1800) is the host timeout of one guest; BENCH_ARGS adds words to the guest
# command line, e.g. "kpc_bench.rounds=21 kpc_bench.cp_rounds=3".
# Results: results/bench/<kernel>/ (build.log, console.log, ktap.log,
# bench.txt), results/bench/summary.txt.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"

results=$top/results/bench
timeout_s=${BENCH_TIMEOUT:-1800}
# Kernels built here from source (build: lines) carry sanitizers that
# distort every timing: the bench runs on the packaged kernels only.
kernels=${KERNELS:-$(sed -e 's/#.*//' scripts/kernels.conf | awk 'NF && $2 !~ /^build:/ {print $1}')}
summary=$results/summary.txt
status=0

mkdir -p "$results"
: >"$summary"

# goals FILE: one line per goal of the issue, from the ratio lines.
goals() {
	awk '
	/^bench: / { split($0, a, " = "); v[substr(a[1], 8)] = a[2] }
	function goal(what, key, op, lim,   x, ok) {
		x = v[key]
		if (x == "" || x == "n/a") { printf "  goal  %-44s %-8s no figure\n", what, ""; return }
		ok = (op == "<=") ? (x + 0 <= lim) : (x + 0 >= lim)
		printf "  goal  %-44s %6s  %s %s: %s\n", what, x, op, lim, ok ? "met" : "MISSED"
	}
	END {
		goal("hit overhead core/bare", "hit_overhead core/bare", "<=", 1.05)
		goal("4 clients, one address, core/bare", "shared4 core/bare", "<=", 1.05)
		goal("4 return clients, core/bare added cost", "ret_shared4 core/bare", "<=", 0.5)
		goal("teardown of 1000, one/batch", "teardown_1000 one/batch", ">=", 10)
		goal("per-hit cost, 1000 vs 1 registered", "scale_1000/1", "<=", 1.1)
	}' "$1"
}

for k in $kernels; do
	out=$results/$k
	rm -rf "$out"
	mkdir -p "$out"
	echo "== $k"
	if ! use_kernel "$k" "$out"; then
		echo "  FAIL  $k: fetch kernel"
		echo "$k: could not fetch the kernel" >>"$summary"
		status=1
		continue
	fi
	build=$top/.cache/bench/$k
	copy_tree "$build"
	if ! make -C "$build" KDIR="$kdir" KPC_TESTS=1 W=1 >"$out/build.log" 2>&1 ||
		[ ! -e "$build/tests/bench/kpc_bench.ko" ]; then
		grep -iE 'warning:|error:' "$out/build.log" | head -n 30 | sed 's/^/        /'
		echo "  FAIL  $k: build (log: $out/build.log)"
		echo "$k: build failed" >>"$summary"
		status=1
		continue
	fi

	scripts/initramfs.sh "$out/initramfs.cpio.gz" "$build" tests/bench/run-bench.sh
	echo "   guest running the bench (several minutes under TCG)..."
	scripts/boot.sh "$kenv" "$out/initramfs.cpio.gz" "$out" "$timeout_s" \
		"${BENCH_ARGS:-}" >"$out/report" 2>&1
	brc=$?
	# The guest's output, without the runner's "# " prefix.
	sed -n 's/^# //p' "$out/ktap.log" | grep -aE '^(guest: |# |bench: )' >"$out/bench.txt"
	grep -aE '^(guest: |# )' "$out/bench.txt" | sed 's/^# //; s/^/   /'
	echo
	grep -a '^bench: ' "$out/bench.txt" | sed 's/^/   /'
	goals "$out/bench.txt"
	{
		echo "== $k ($KERNEL_RELEASE)"
		grep -a '^bench: ' "$out/bench.txt"
		goals "$out/bench.txt"
	} >>"$summary"
	if [ $brc -ne 0 ]; then
		sed 's/^/   /' "$out/report"
		echo "  FAIL  $k: guest run: $(sed -n 's/^reasons=//p' "$out/verdict") (log: $out/console.log)"
		echo "$k: FAILED guest run" >>"$summary"
		status=1
	else
		echo "  ok    $k: guest run clean (sentinel, no splat), $(sed -n 's/^seconds=//p' "$out/verdict") s"
	fi
done

echo
echo "== bench summary (results in $results)"
cat "$summary"
exit $status

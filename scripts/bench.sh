#!/usr/bin/env bash
# `make bench`: for every packaged kernel of scripts/kernels.conf
#   1. fetch it (cached) and build every module in a copy of the tree (W=1),
#   2. boot guests that run tests/bench/run-bench.sh (the kpc_bench module
#      measures kprobe_core next to the bare kprobe API at load time) under
#      QEMU's instruction counting: -icount shift=0,sleep=off, one vCPU, no
#      ACPI and no HPET, guest TSC fixed at 1 GHz. The guest clock then
#      advances 1 ns per guest instruction, so every figure is a count of
#      guest instructions, the same in every run whatever the host is doing
#      (-icount with two vCPUs hangs on this QEMU; nothing here needs two):
#        icount     every phase (per-hit, control plane, scaling);
#        icount-64  per-hit again with possible_cpus=64 (one CPU online): a
#                   cost that grows with the number of possible CPUs shows
#                   here (6.12 ignores the parameter when the firmware lists
#                   fewer CPUs; the guest line says how many it got),
#   3. print the tables and the "bench: <what> = <ratio>" lines, compare them
#      with the goals, and write the whole output to
#      tests/bench/results/<kernel>.txt (committed: BENCHMARKS.md quotes it),
#      or, with BENCH_ARGS, to <kernel>-<the args>.txt beside it.
# A guest run is judged like a `make check` guest (scripts/boot.sh): no
# sentinel, a kernel splat, a taint or a timeout fails the bench. A missed
# goal does not.
#
# Environment: KERNELS="name ..." limits the matrix; BENCH_TIMEOUT (default
# 3600) is the host timeout of one guest; BENCH_ARGS adds words to the guest
# command line of the full guest, e.g. "kpc_bench.phases=1"; BENCH_ARGS64 to
# the icount-64 guest's (both, e.g. "kpc_bench.ret_maxactive=2", to compare
# the two guests with the same probes).
# Results: results/bench/<kernel>/<guest>/ (console.log, ktap.log, bench.txt),
# results/bench/summary.txt, tests/bench/results/<kernel>.txt.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"

results=$top/results/bench
saved=$top/tests/bench/results
timeout_s=${BENCH_TIMEOUT:-3600}
# Kernels built here from source (build: lines) carry sanitizers that
# distort every figure: the bench runs on the packaged kernels only.
kernels=${KERNELS:-$(sed -e 's/#.*//' scripts/kernels.conf | awk 'NF && $2 !~ /^build:/ {print $1}')}
summary=$results/summary.txt
status=0
# shellcheck disable=SC2054 # the commas are QEMU's
icount=(--smp 1 --qemu-arg -icount --qemu-arg shift=0,sleep=off
	--qemu-arg -machine --qemu-arg pc,acpi=off,hpet=off)
# No ACPI: the guest cannot power off, it resets (kpc.off=reboot).
icount_append="tsc_early_khz=1000000 tsc=reliable kpc.off=reboot kpc_bench.icount=1"

mkdir -p "$results" "$saved"

# The core's per-hit functions from the bench build of tree $1, disassembled.
hotpath() {
	echo "# objdump -d --no-show-raw-insn of the per-hit functions (scripts/bench.sh, hotpath)"
	echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $k"
	for f in handlers.o:kpc_kprobe_pre handlers.o:kpc_ftrace_posts \
		handlers.o:kpc_kretprobe_entry handlers.o:kpc_kretprobe_ret \
		handlers.o:kpc_call_release handlers.o:kpc_lat_record \
		fentry.o:kpc_fentry_handler; do
		objdump -d --no-show-raw-insn "$1/kprobe_core/${f%%:*}" |
			awk -v fn="<${f#*:}>:" '$2 == fn { on = 1 } on && /^$/ { exit } on'
		echo
	done
}
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
		goal("ret overhead core/bare_lat", "ret_overhead core/bare_lat", "<=", 1.00)
		goal("no-latency return client vs bare counting", "ret_nolat core/bare", "<=", 1.05)
		goal("4 clients, one address, core/bare", "shared4 core/bare", "<=", 1.05)
		goal("4 return clients, core/bare added cost", "ret_shared4 core/bare", "<=", 0.5)
		goal("teardown of 1000, one/batch", "teardown_1000 one/batch", ">=", 10)
		goal("registration of 1000, one/batch", "register_1000 one/batch", ">=", 10)
		goal("per-hit cost, 1000 vs 1 registered", "scale_1000/1", "<=", 1.02)
		goal("the same, KPC_F_FTRACE_OPS", "scale_1000/1 f-ops", "<=", 1.02)
		goal("KPC_F_FTRACE_OPS per hit vs a bare kprobe", "fops_overhead f-ops/bare", "<=", 1.00)
		goal("attach 1000: kprobes one/f-ops batch", "attach_1000 kprobes-one/fops-batch", ">=", 20)
		goal("detach 1000: kprobes one/f-ops batch", "detach_1000 kprobes-one/fops-batch", ">=", 20)
		goal("uprobe per hit core/bare", "uprobe_hit core/bare", "<=", 1.05)
		goal("uretprobe round trip core/bare (counting)", "uprobe_ret core/bare", "<=", 1.05)
		goal("filtered-out process, per call", "uprobe_filtered per call", "<=", 0)
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
	# The instruction-counting guest per architecture. arm64 (-M virt):
	# its generic timer counts QEMU's virtual clock, 1 ns per instruction
	# with shift=0, as the x86 guest's 1 GHz TSC does (read in 16 ns steps
	# of its 62.5 MHz counter: averages over many hits are unaffected).
	# PSCI powers it off. It has no possible_cpus= (CPUs come from the
	# device tree), so no icount-64 guest.
	case ${KERNEL_ARCH:-x86_64} in
	x86_64)
		qargs=("${icount[@]}") append=$icount_append guests="icount icount-64"
		qdesc="$(qemu-system-x86_64 --version | head -n 1 | sed 's/.*version //'): -accel tcg -icount shift=0,sleep=off -smp 1 -machine pc,acpi=off,hpet=off"
		;;
	arm64)
		# shellcheck disable=SC2054 # the commas are QEMU's
		qargs=(--smp 1 --qemu-arg -icount --qemu-arg shift=0,sleep=off)
		append="kpc_bench.icount=1" guests=icount
		qdesc="$(qemu-system-aarch64 --version | head -n 1 | sed 's/.*version //'): -M virt -cpu max,pauth-impdef=on -accel tcg -icount shift=0,sleep=off -smp 1"
		;;
	*)
		echo "  skip  $k: no bench guest for $KERNEL_ARCH kernels"
		continue
		;;
	esac
	build=$top/.cache/bench/$k
	copy_tree "$build"
	# shellcheck disable=SC2086 # words for make (cross builds)
	if ! make -C "$build" KDIR="$kdir" KPC_TESTS=1 W=1 ${KERNEL_MAKE_ARGS:-} >"$out/build.log" 2>&1 ||
		[ ! -e "$build/tests/bench/kpc_bench.ko" ]; then
		grep -iE 'warning:|error:' "$out/build.log" | head -n 30 | sed 's/^/        /'
		echo "  FAIL  $k: build (log: $out/build.log)"
		echo "$k: build failed" >>"$summary"
		status=1
		continue
	fi
	BUSYBOX=$guest_busybox scripts/initramfs.sh "$out/initramfs.cpio.gz" "$build" tests/bench/run-bench.sh
	# The hot path as built, for counting its steps (BENCHMARKS.md).
	if [ "${KERNEL_ARCH:-}" = x86_64 ]; then
		hotpath "$build" >"$saved/$k-hotpath.txt"
	fi
	{
		echo "# make bench, $k ($KERNEL_RELEASE), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%d)"
		echo "# QEMU $qdesc"
		echo "# 1 guest ns = 1 guest instruction: the figures are instruction counts"
	} >"$out/saved.txt"
	for g in $guests; do
		gout=$out/$g
		if [ "$g" = icount ]; then
			args="$append ${BENCH_ARGS:-}"
		else
			args="$append possible_cpus=64 kpc_bench.phases=1 ${BENCH_ARGS64:-}"
		fi
		echo "   guest $g (several minutes)..."
		scripts/boot.sh "${qargs[@]}" "$kenv" "$out/initramfs.cpio.gz" "$gout" \
			"$timeout_s" "$args" >"$gout.report" 2>&1
		brc=$?
		# The guest's output, without the runner's "# " prefix.
		sed -n 's/^# //p' "$gout/ktap.log" | grep -aE '^(guest: |# |bench: )' >"$gout/bench.txt"
		grep -aE '^(guest: |# )' "$gout/bench.txt" | sed 's/^# //; s/^/   /'
		echo
		grep -a '^bench: ' "$gout/bench.txt" | sed 's/^/   /'
		{
			echo
			echo "## guest $g: $args"
			cat "$gout/bench.txt"
		} >>"$out/saved.txt"
		if [ $brc -ne 0 ]; then
			sed 's/^/   /' "$gout.report"
			echo "  FAIL  $k: guest $g: $(sed -n 's/^reasons=//p' "$gout/verdict") (log: $gout/console.log)"
			echo "$k: FAILED guest run $g" >>"$summary"
			status=1
		else
			echo "  ok    $k: guest $g clean (sentinel, no splat), $(sed -n 's/^seconds=//p' "$gout/verdict") s"
		fi
	done
	goals "$out/icount/bench.txt" | tee -a "$out/saved.txt"
	{
		echo "== $k ($KERNEL_RELEASE)"
		grep -a '^bench: ' "$out/icount/bench.txt"
		goals "$out/icount/bench.txt"
	} >>"$summary"
	name=$k
	if [ -n "${BENCH_ARGS:-}" ]; then
		name=$k-$(echo "$BENCH_ARGS" | sed 's/kpc_bench\.//g; s/[^A-Za-z0-9=.,-]/_/g')
	fi
	cp "$out/saved.txt" "$saved/$name.txt"
done

echo
echo "== bench summary (results in $results; saved: $saved)"
cat "$summary"
exit $status

#!/usr/bin/env bash
# Boot the test guests of one kernel and judge them (scripts/boot.sh): all
# tests/cases of TREE in one guest, except that a case with "# isolate" gets
# a guest of its own, with its "# timeout:", "# kernel-args:" and "# accel:"
# headers, and "# needs: stages" (the host's installs, for 71-install).
# Prints one ok/FAIL/skip line per case and per guest
# (scripts/check-lib.sh); used by `make check` and `make mutate`.
#
# Usage: scripts/run-guests.sh NAME TREE OUT
#   NAME  kernel of scripts/kernels.conf (already fetched)
#   TREE  a built copy of the source tree (its modules and its cases)
#   OUT   where each guest's logs go (OUT/all, OUT/<isolated case>)
# Environment: BOOT_TIMEOUT (default 1800), the host timeout of the shared
# guest: the debug kernel's suite alone took 862 s under TCG on a loaded
# host (debug-6.12, 2026-12-04; tests/logs/debug-6.12-suite.txt).
# CASES="20-owner-unload 45-long-symbol": only those cases (make mutate, to
# see a new mutant killed without the whole suite).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"
k=${1:?usage: run-guests.sh NAME TREE OUT}
tree=${2:?}
out=${3:?}
boot_timeout=${BOOT_TIMEOUT:-1800}
mkdir -p "$out"
use_kernel "$k" "$out" >/dev/null || { bad "$k: kernel unavailable"; exit 1; }
kconfig=$kdir/.config

shared=() isolated=()
for c in "$tree"/tests/cases/*.sh; do
	if [ -n "${CASES:-}" ] && ! echo " $CASES " | grep -q " $(basename "$c" .sh) "; then
		continue
	fi
	if grep -q '^# isolate$' "$c"; then isolated+=("$c"); else shared+=("$c"); fi
done
# died_before_init CONSOLE: the first splat came before the kernel ran /init.
died_before_init() {
	local splat init
	splat=$(grep -anE 'Oops|BUG:|Kernel panic|general protection fault' "$1" | head -n 1 | cut -d: -f1)
	init=$(grep -anF 'Run /init as init process' "$1" | head -n 1 | cut -d: -f1)
	[ -n "$splat" ] && { [ -z "$init" ] || [ "$splat" -lt "$init" ]; }
}

runs=("all")
for c in "${isolated[@]}"; do runs+=("$(basename "$c" .sh)"); done
for r in "${runs[@]}"; do
	args='' accel=''
	if [ "$r" = all ]; then
		cases=("${shared[@]}") t=$boot_timeout
	else
		c=$tree/tests/cases/$r.sh
		cases=("$c")
		t=$(header "$c" timeout)
		t=${t:-$boot_timeout}
		args=$(header "$c" kernel-args)
		accel=$(header "$c" accel)
	fi
	[ ${#cases[@]} -gt 0 ] || continue
	# A case that "needs: stages" gets the host's installs of the tree
	# (scripts/install-stages.sh, which prints its own ok/FAIL lines).
	stages=''
	if [ "$r" != all ] && [ "$(header "$c" needs)" = stages ]; then
		scripts/install-stages.sh "$k" "$tree" "$out/$r.install" || nfail=$((nfail + 1))
		stages=$out/$r.install/stages
	fi
	KCONFIG=$kconfig BUSYBOX=$guest_busybox STAGES=$stages SYSROOT=$guest_sysroot \
		scripts/initramfs.sh "$out/$r/initramfs.cpio.gz" "$tree" "${cases[@]}"
	scripts/boot.sh ${accel:+--accel "$accel"} "$kenv" "$out/$r/initramfs.cpio.gz" \
		"$out/$r" "$t" "$args"
	# A kernel that oopsed before it ran /init had no module of the tree
	# loaded: QEMU 7.2's multi-threaded TCG sometimes crashes a kernel
	# patching its own text at boot (seen once: "Oops: int3" in
	# enqueue_timer at 1.8 s, "Modules linked in:" empty; README). Boot
	# once more, and say so; the second boot's verdict stands.
	if died_before_init "$out/$r/console.log"; then
		echo "  boot $r: the kernel oopsed before /init ran (no module loaded yet): booting once more"
		mv "$out/$r/console.log" "$out/$r/console-first-boot.log"
		scripts/boot.sh ${accel:+--accel "$accel"} "$kenv" "$out/$r/initramfs.cpio.gz" \
			"$out/$r" "$t" "$args"
	fi
	# Count from the cases the guest was given: a case the guest never
	# reported (crash, hang) is a failure, not a test that vanished.
	for c in "${cases[@]}"; do
		n=$(basename "$c" .sh)
		l=$(grep -aE "^(not )?ok [0-9]+ $n( |\$)" "$out/$r/ktap.log" | head -n 1)
		case $l in
		"ok "*"# SKIP"*) skp "$k: ${l#ok [0-9]* }" ;;
		ok*) ok "$k: ${l#ok [0-9]* }" ;;
		not*) bad "$k: $n" ;;
		*) bad "$k: $n (no result: the guest did not get to finish it)" ;;
		esac
	done
	# The figures the reliability cases print (stress, bad input).
	grep -aE 'bad inputs tried|s on [0-9]+ CPUs: [0-9]+ calls per target|loaded and unloaded [0-9]+ times|reentry misses' \
		"$out/$r/ktap.log" | sed -e 's/^[# ]*/        figures: /'
	reasons=$(verdict_get "$out/$r" reasons)
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out/$r/ktap.log" | head -n 1)
	if [ -n "$plan" ] && [ "$plan" -ne ${#cases[@]} ]; then
		reasons="$reasons plan-mismatch(${plan}/${#cases[@]})"
	fi
	if [ -z "$(echo "$reasons" | sed -E 's/(not-ok|incomplete| )//g')" ]; then
		ok "$k: guest $r: sentinel, no splat, taint $(verdict_get "$out/$r" tainted)${accel:+, accel $accel}"
	else
		bad "$k: guest $r: $reasons"
	fi
done
[ "$nfail" -eq 0 ]

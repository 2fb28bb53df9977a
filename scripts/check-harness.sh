#!/usr/bin/env bash
# `make check`, part 3: the harness's own tests, on one kernel that
# scripts/check-kernel.sh has built (its .cache/build copy):
#   - the static checks reject code they are for (tests/harness/static: a
#     W=1-only warning, a warning only sparse sees);
#   - guests (tests/harness/cases) that must be judged with exactly the
#     reasons their "# expect:" line names ("pass": clean), whose KTAP must
#     hold every "# expect-ktap:" line, and whose console or final log dump
#     must hold every "# expect-kernel:" line. A case with "# kernel: NAME"
#     runs on that kernel instead (when this run built it).
#
# Usage: scripts/check-harness.sh KERNEL "KERNELS OF THIS RUN"
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"
k=${1:?usage: check-harness.sh KERNEL KERNELS}
kernels=" $(echo "${2:-$k}" | tr -s ' \n' '  ') "
boot_timeout=${BOOT_TIMEOUT:-1200}
results=$top/results/harness
mkdir -p "$results"
use_kernel "$k" "$results" >/dev/null || { bad "harness: kernel $k unavailable"; exit 1; }
build=$top/.cache/build/$k
kbusybox=$guest_busybox

# The static checks catch what they are for.
margs=$KERNEL_MAKE_ARGS
st=$top/.cache/build/static-selftest
out=$results/static
rm -rf "$st" "$out"
mkdir -p "$out"
cp -r tests/harness/static "$st"
# shellcheck disable=SC2086 # words for make
make -C "$kdir" M="$st" W=1 $margs >"$out/build.log" 2>&1
if build_problems "$out/build.log" | grep -q 'kpc_bad_w1\.c'; then
	ok "harness: W=1 build check catches a missing prototype"
else
	bad "harness: W=1 build check missed kpc_bad_w1.c; log: $out/build.log"
fi
# shellcheck disable=SC2086
make -C "$kdir" M="$st" C=2 $margs >"$out/sparse.log" 2>&1
if sparse_problems "$out/sparse.log" | grep -q 'kpc_bad_sparse\.c'; then
	ok "harness: sparse check catches a dropped __user"
else
	bad "harness: sparse check missed kpc_bad_sparse.c; log: $out/sparse.log"
fi

# sorted WORDS...: the words, sorted and unique, on one line.
sorted() { printf '%s\n' "$@" | sed '/^$/d' | sort -u | paste -sd' ' -; }

for c in tests/harness/cases/*.sh; do
	name=$(basename "$c" .sh)
	# shellcheck disable=SC2046 # one word per reason
	expect=$(sorted $(header "$c" expect | sed 's/\bpass\b//'))
	t=$(header "$c" timeout)
	out=$results/$name
	rm -rf "$out"
	mkdir -p "$out"
	# "# kernel: NAME": the case needs that kernel (e.g. its kmemleak).
	ck=$(header "$c" kernel)
	ckenv=$kenv cbuild=$build cbusybox=$kbusybox
	if [ -n "$ck" ]; then
		cbuild=$top/.cache/build/$ck
		case $kernels in *" $ck "*) ;; *)
			skp "harness: $name (needs kernel $ck, not in this run)"
			continue
			;;
		esac
		# Its kenv and busybox, without disturbing this run's kernel's.
		if ! cdesc=$(use_kernel "$ck" "$out" >/dev/null && echo "$kenv|$guest_busybox"); then
			bad "harness: $name: kernel $ck unavailable"
			continue
		fi
		ckenv=${cdesc%%|*} cbusybox=${cdesc#*|}
	fi
	if [ ! -e "$cbuild/tests/harness/kpc_warn.ko" ]; then
		bad "harness: $name (the harness modules did not build)"
		continue
	fi
	if ! grep -q '^# expect-ktap:' "$c"; then
		bad "harness: $name names no KTAP line it expects (# expect-ktap:)"
		continue
	fi
	BUSYBOX=$cbusybox scripts/initramfs.sh "$out/initramfs.cpio.gz" "$cbuild" "$c"
	# One host thread: these guests race nothing, and multi-threaded TCG
	# once left one spinning at boot (a vCPU at a jump-label nop in the
	# crypto self-tests, soft lockups until the 20-minute timeout), which
	# reads as a wrong verdict. A case's "# accel:" header still wins.
	acc=$(header "$c" accel)
	scripts/boot.sh --accel "${acc:-${KPC_ACCEL:-tcg,thread=single}}" \
		"$ckenv" "$out/initramfs.cpio.gz" "$out" "${t:-$boot_timeout}" \
		"$(header "$c" kernel-args)" >"$out/report" 2>&1
	# shellcheck disable=SC2046
	got=$(sorted $(verdict_get "$out" reasons))
	missing=$(
		sed -n 's/^# expect-ktap:[[:space:]]*//p' "$c" | while IFS= read -r re; do
			grep -aqE -- "$re" "$out/ktap.log" || echo "ktap /$re/"
		done
		sed -n 's/^# expect-kernel:[[:space:]]*//p' "$c" | while IFS= read -r re; do
			# Not "cat ... | grep -q" under pipefail: grep quits at the
			# first match, cat may still be writing and die of SIGPIPE,
			# and the pipeline fails (seen once in CI, on a loaded host).
			grep -aqE -- "$re" "$out/console.log" "$out/dmesg.log" || echo "kernel /$re/"
		done
	)
	secs=$(verdict_get "$out" seconds)
	if [ -n "$missing" ]; then
		bad "harness: $name: the logs lack: $(echo "$missing" | paste -sd'|' -); logs: $out"
		# What CI leaves behind is this output only: show what the logs had.
		sed 's/^/        /' "$out/report" | head -n 20
		for f in ktap console dmesg; do
			echo "        $f.log: $(wc -l <"$out/$f.log") lines, its last 5:"
			tail -n 5 "$out/$f.log" | sed 's/^/          /'
		done
		grep -an 'kpc_\|BUG\|WARN' "$out/console.log" "$out/dmesg.log" | head -n 20 | sed 's/^/        /'
	elif [ "$got" != "$expect" ]; then
		bad "harness: $name: judged '${got:-pass}', expected exactly '${expect:-pass}'; logs: $out"
		sed 's/^/        /' "$out/report" | head -n 30
	else
		ok "harness: $name: judged ${got:-clean} as expected (${secs}s)"
	fi
done
[ "$nfail" -eq 0 ]

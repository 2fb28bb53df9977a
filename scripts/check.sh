#!/usr/bin/env bash
# `make check`:
#   0. kernel coding style over the tree (scripts/checkpatch.sh), once;
# for every kernel of scripts/kernels.conf:
#   1. fetch it (cached),
#   2. build every module with W=1 (fails on any warning),
#   3. run sparse over every module (make C=2; fails on any warning),
#   4. boot it under QEMU with all tests/cases in one guest (cases marked
#      "# isolate" get a guest of their own) and judge the run (scripts/boot.sh);
# then, on the first kernel:
#   5. the harness self-tests: code the static checks must reject, and guests
#      (tests/harness/cases) that must read as FAILED for the expected reasons
#      (a case with a "# kernel: NAME" header runs on that kernel instead).
#
# Environment: KERNELS="name ..." limits the matrix; SELFTEST=0 skips step 5;
# BOOT_TIMEOUT (default 1200) is the host timeout of a full-suite guest: the
# debug kernel's suite alone takes 275-400 s under TCG.
# Results: results/<kernel>/ (build logs, console.log, ktap.log per boot).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
results=$top/results
boot_timeout=${BOOT_TIMEOUT:-1200}
kernels=${KERNELS:-$(scripts/kernel.sh --list)}

npass=0 nfail=0 nskip=0
summary=()
t_all=$(date +%s)

ok() { npass=$((npass + 1)); kp=$((kp + 1)); echo "  ok    $*"; }
bad() { nfail=$((nfail + 1)); kf=$((kf + 1)); echo "  FAIL  $*"; }
skp() { nskip=$((nskip + 1)); ks=$((ks + 1)); echo "  skip  $*"; }

# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"

# A case file's "# key: value" header line.
header() { sed -n "s/^# $2:[[:space:]]*//p" "$1" | head -n 1; }

# Kernel coding style over the whole tree (one test, not per kernel).
if [ -x scripts/checkpatch.sh ]; then
	kp=0 kf=0 ks=0
	mkdir -p "$results"
	echo "== style"
	if scripts/checkpatch.sh >"$results/checkpatch.log" 2>&1; then
		ok "checkpatch: $(tail -n 1 "$results/checkpatch.log")"
	else
		sed 's/^/        /' "$results/checkpatch.log" | head -n 40
		bad "checkpatch (log: $results/checkpatch.log)"
	fi
	summary+=("style: $kp passed, $kf failed")
fi

first_kernel=
for k in $kernels; do
	kp=0 kf=0 ks=0
	t_k=$(date +%s)
	out=$results/$k
	rm -rf "$out"
	mkdir -p "$out"
	echo "== $k"
	if ! use_kernel "$k" "$out"; then
		bad "$k: fetch kernel"
		summary+=("$k: could not fetch the kernel: $kp passed, $kf failed")
		continue
	fi
	[ -n "$first_kernel" ] || first_kernel=$k
	build=$top/.cache/build/$k
	# Build in a copy: the work tree stays clean, each kernel has its objects.
	copy_tree "$build"

	# W=1 build: must succeed with no warning at all.
	make -j"$(nproc)" -C "$build" KDIR="$kdir" W=1 >"$out/build.log" 2>&1
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
		summary+=("$k: $kp passed, $kf failed")
		continue
	fi

	# sparse over every source file (C=2 checks without recompiling).
	make -C "$build" KDIR="$kdir" C=2 >"$out/sparse.log" 2>&1
	src=$?
	if [ $src -ne 0 ] || sparse_problems "$out/sparse.log" >/dev/null; then
		sparse_problems "$out/sparse.log" | head -n 30 | sed 's/^/        /'
		bad "$k: sparse C=2 (log: $out/sparse.log)"
	else
		ok "$k: sparse C=2 ($(grep -c '^  CHECK ' "$out/sparse.log") files)"
	fi

	# Guests: one for all shared cases, one per isolated case.
	shared=() isolated=()
	for c in tests/cases/*.sh; do
		[ -f "$c" ] && [ -x "$c" ] || continue
		if grep -q '^# isolate$' "$c"; then isolated+=("$c"); else shared+=("$c"); fi
	done
	runs=("all")
	for c in "${isolated[@]}"; do runs+=("$(basename "$c" .sh)"); done
	for r in "${runs[@]}"; do
		args=
		if [ "$r" = all ]; then cases=("${shared[@]}") t=$boot_timeout; else
			cases=("tests/cases/$r.sh")
			t=$(header "tests/cases/$r.sh" timeout)
			t=${t:-$boot_timeout}
			args=$(header "tests/cases/$r.sh" kernel-args)
		fi
		[ ${#cases[@]} -gt 0 ] || continue
		scripts/initramfs.sh "$out/$r/initramfs.cpio.gz" "$build" "${cases[@]}"
		scripts/boot.sh "$kenv" "$out/$r/initramfs.cpio.gz" "$out/$r" "$t" "$args"
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
		reasons=$(sed -n 's/^reasons=//p' "$out/$r/verdict")
		plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out/$r/ktap.log" | head -n 1)
		if [ -n "$plan" ] && [ "$plan" -ne ${#cases[@]} ]; then
			reasons="$reasons plan-mismatch(${plan}/${#cases[@]})"
		fi
		if [ -z "$(echo "$reasons" | sed -E 's/(not-ok|incomplete| )//g')" ]; then
			ok "$k: guest $r: sentinel, no splat, taint $(sed -n 's/^tainted=//p' "$out/$r/verdict")"
		else
			bad "$k: guest $r: $reasons"
		fi
	done
	summary+=("$k ($KERNEL_RELEASE): $kp passed, $kf failed$([ $ks -gt 0 ] && echo ", $ks skipped") in $(($(date +%s) - t_k))s")
done

# The harness's own tests: each guest must be judged FAILED, for the reasons
# its case names ("# expect: ..."), or clean where it says "# expect: pass".
if [ "${SELFTEST:-1}" != 0 ] && [ -n "$first_kernel" ] && [ -d tests/harness/cases ]; then
	kp=0 kf=0 ks=0
	t_k=$(date +%s)
	k=$first_kernel
	echo "== harness self-tests ($k)"
	kenv=$(scripts/kernel.sh "$k" 2>/dev/null)
	build=$top/.cache/build/$k
	# The static checks catch what they are for: a W=1-only warning, and a
	# warning only sparse sees (tests/harness/static, built on its own).
	kdir=$(dirname "$kenv")/$(sed -n 's/^KERNEL_KDIR=//p' "$kenv")
	st=$top/.cache/build/static-selftest
	out=$results/harness/static
	rm -rf "$st" "$out"
	mkdir -p "$out"
	cp -r tests/harness/static "$st"
	make -C "$kdir" M="$st" W=1 >"$out/build.log" 2>&1
	if build_problems "$out/build.log" | grep -q 'kpc_bad_w1\.c'; then
		ok "harness: W=1 build check catches a missing prototype"
	else
		bad "harness: W=1 build check missed kpc_bad_w1.c; log: $out/build.log"
	fi
	make -C "$kdir" M="$st" C=2 >"$out/sparse.log" 2>&1
	if sparse_problems "$out/sparse.log" | grep -q 'kpc_bad_sparse\.c'; then
		ok "harness: sparse check catches a dropped __user"
	else
		bad "harness: sparse check missed kpc_bad_sparse.c; log: $out/sparse.log"
	fi

	for c in tests/harness/cases/*.sh; do
		name=$(basename "$c" .sh)
		expect=$(header "$c" expect)
		t=$(header "$c" timeout)
		out=$results/harness/$name
		rm -rf "$out"
		mkdir -p "$out"
		# "# kernel: NAME": the case needs that kernel (e.g. its kmemleak)
		# and runs on it, when this run built it.
		ck=$(header "$c" kernel) ck_in=
		ckenv=$kenv cbuild=$build
		if [ -n "$ck" ]; then
			cbuild=$top/.cache/build/$ck
			case " $(echo $kernels) " in *" $ck "*) ;; *) ck_in=no ;; esac
			if [ "${ck_in:-}" = no ] || ! ckenv=$(scripts/kernel.sh "$ck" 2>/dev/null); then
				skp "harness: $name (needs kernel $ck, not in this run)"
				continue
			fi
		fi
		if [ ! -e "$cbuild/tests/harness/kpc_warn.ko" ]; then
			bad "harness: $name (the harness modules did not build)"
			continue
		fi
		scripts/initramfs.sh "$out/initramfs.cpio.gz" "$cbuild" "$c"
		scripts/boot.sh "$ckenv" "$out/initramfs.cpio.gz" "$out" "${t:-$boot_timeout}" \
			"$(header "$c" kernel-args)" >"$out/report" 2>&1
		got=$(sed -n 's/^reasons=//p' "$out/verdict")
		# "# expect-ktap: REGEX": the guest's KTAP must hold a matching line
		# (the case ran, and reported what it should).
		sed -n 's/^# expect-ktap:[[:space:]]*//p' "$c" | while IFS= read -r re; do
			grep -aqE -- "$re" "$out/ktap.log" || echo "$re"
		done >"$out/ktap-missing"
		secs=$(sed -n 's/^seconds=//p' "$out/verdict")
		missing=
		for want in $expect; do
			[ "$want" = pass ] && continue
			case " $got " in *" $want "*) ;; *) missing="$missing $want" ;; esac
		done
		if [ -s "$out/ktap-missing" ]; then
			bad "harness: $name: the guest's KTAP lacks: $(paste -sd'|' "$out/ktap-missing"); log: $out/ktap.log"
		elif [ "$expect" = pass ]; then
			if [ -z "$got" ]; then ok "harness: $name: clean run reads as clean (${secs}s)"; else
				bad "harness: $name: clean run read as failed ($got); log: $out/console.log"
				sed 's/^/        /' "$out/report"
			fi
		elif [ -z "$got" ]; then
			bad "harness: $name: a broken run read as SUCCESS; log: $out/console.log"
		elif [ -n "$missing" ]; then
			bad "harness: $name: detected ($got) but not as expected:$missing; log: $out/console.log"
		else
			ok "harness: $name: detected ($got) (${secs}s)"
		fi
	done
	summary+=("harness self-tests ($k): $kp passed, $kf failed in $(($(date +%s) - t_k))s")
fi

echo
echo "== summary ($(($(date +%s) - t_all))s; results in $results)"
for s in "${summary[@]}"; do echo "$s"; done
echo "$npass passed, $nfail failed$([ $nskip -gt 0 ] && echo ", $nskip skipped")"
[ $nfail -eq 0 ] && [ $npass -gt 0 ]

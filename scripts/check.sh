#!/usr/bin/env bash
# `make check`: every part, then one summary.
#   scripts/check-static.sh           style, shellcheck, README example (once)
#   scripts/check-host.sh             code shared with host programs: tables, fuzzing
#   scripts/check-kernel.sh NAME      build, sparse, guests (per kernel)
#   scripts/check-harness.sh NAME     the harness's own tests (first kernel)
# A test is one "  ok"/"  FAIL"/"  skip" line of a part; a part that exits
# non-zero without printing a FAIL line still fails the run.
#
# Environment: KERNELS="name ..." limits the matrix; SELFTEST=0 skips the
# harness self-tests; BOOT_TIMEOUT (see check-kernel.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
results=$top/results
mkdir -p "$results"
kernels=${KERNELS:-$(scripts/kernel.sh --list)}
t_all=$(date +%s)
npass=0 nfail=0 nskip=0
summary=()

# part TITLE CMD...: run one part, show its lines, count its tests.
part() {
	local title=$1 log t rc p f s
	shift
	log=$results/.part.log
	t=$(date +%s)
	echo "== $title"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^  ok    ' "$log")
	f=$(grep -c '^  FAIL  ' "$log")
	s=$(grep -c '^  skip  ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  FAIL  $title: exited with status $rc without naming a failure"
		f=1
	fi
	npass=$((npass + p)) nfail=$((nfail + f)) nskip=$((nskip + s))
	summary+=("$title: $p passed, $f failed$([ "$s" -gt 0 ] && echo ", $s skipped") in $(($(date +%s) - t))s")
	rm -f "$log"
}

part "static checks" scripts/check-static.sh
part "host tests" scripts/check-host.sh
first='' built=''
for k in $kernels; do
	part "$k" scripts/check-kernel.sh "$k"
	[ -d "$top/.cache/build/$k" ] || continue
	built=$k
	# (the harness guests are x86_64 ones)
	[ -n "$first" ] || [ "$(scripts/kernel.sh --arch "$k")" != x86_64 ] || first=$k
done
if [ "${SELFTEST:-1}" != 0 ]; then
	if [ -n "$first" ]; then
		part "harness self-tests ($first)" scripts/check-harness.sh "$first" "$kernels"
	elif [ -n "$built" ]; then
		echo "  skip  harness self-tests: no x86_64 kernel in this run"
		nskip=$((nskip + 1))
	else
		echo "  FAIL  harness self-tests: no kernel of this run was built"
		nfail=$((nfail + 1))
	fi
fi

echo
echo "== summary ($(($(date +%s) - t_all))s; results in $results)"
for s in "${summary[@]}"; do echo "$s"; done
echo "$npass passed, $nfail failed$([ $nskip -gt 0 ] && echo ", $nskip skipped")"
[ $nfail -eq 0 ] && [ $npass -gt 0 ]

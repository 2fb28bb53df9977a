#!/usr/bin/env bash
# `make check`, part 1: the checks that need no kernel, each one test:
#   - every script the suite runs is executable (a case or a tool that is
#     not would be skipped without a word);
#   - kernel coding style (scripts/checkpatch.sh);
#   - shellcheck over every shell script;
#   - the README's client-module example is examples/hello_kpc.c
#     (scripts/check-readme.sh);
#   - BENCHMARKS.md quotes make bench's committed output faithfully
#     (scripts/check-bench-doc.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"
results=$top/results
mkdir -p "$results"

mapfile -t scripts < <(git ls-files '*.sh' 'scripts/guest/init' '.ci/run' 2>/dev/null ||
	find . -path ./.cache -prune -o -path ./results -prune -o -name '*.sh' -print)
notx=()
for f in "${scripts[@]}"; do
	case $f in scripts/common.sh | scripts/check-lib.sh | tests/lib.sh) continue ;; esac
	[ -x "$f" ] || notx+=("$f")
done
if [ ${#notx[@]} -eq 0 ]; then
	ok "executable: ${#scripts[@]} scripts (the sourced ones aside)"
else
	bad "not executable, so never run: ${notx[*]}"
fi

if scripts/checkpatch.sh >"$results/checkpatch.log" 2>&1; then
	ok "checkpatch: $(tail -n 1 "$results/checkpatch.log")"
else
	sed 's/^/        /' "$results/checkpatch.log" | head -n 40
	bad "checkpatch (log: $results/checkpatch.log)"
fi

if ! command -v shellcheck >/dev/null; then
	bad "shellcheck: not installed (make deps)"
elif shellcheck -x -f gcc "${scripts[@]}" >"$results/shellcheck.log" 2>&1; then
	ok "shellcheck: ${#scripts[@]} scripts clean"
else
	sed 's/^/        /' "$results/shellcheck.log" | head -n 40
	bad "shellcheck (log: $results/shellcheck.log)"
fi

if scripts/check-readme.sh >"$results/readme.log" 2>&1; then
	ok "README: $(tail -n 1 "$results/readme.log")"
else
	sed 's/^/        /' "$results/readme.log" | head -n 40
	bad "README example (log: $results/readme.log)"
fi
if scripts/check-bench-doc.sh >"$results/bench-doc.log" 2>&1; then
	ok "$(tail -n 1 "$results/bench-doc.log")"
else
	sed 's/^/        /' "$results/bench-doc.log" | head -n 40
	bad "BENCHMARKS.md quotes (log: $results/bench-doc.log)"
fi
[ "$nfail" -eq 0 ]

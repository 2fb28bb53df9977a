#!/usr/bin/env bash
# BENCHMARKS.md quotes make bench's committed output: a fenced block right
# after a line that names its source ("From `tests/bench/results/NAME.txt`")
# must consist of lines of that file, in the file's order. Prints what
# differs and fails when a quote drifts from its source or names none.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
doc=$top/BENCHMARKS.md
[ -f "$doc" ] || { echo "no BENCHMARKS.md"; exit 1; }

awk -v top="$top" '
	function check(   i, j, n, line, ok) {
		if (src == "") { printf "BENCHMARKS.md:%d: a quoted block names no source file\n", start; bad++; return }
		n = 0
		while ((getline line < (top "/" src)) > 0) file[++n] = line
		close(top "/" src)
		if (n == 0) { printf "BENCHMARKS.md:%d: %s is missing or empty\n", start, src; bad++; return }
		# Each quoted line must appear in the file after the previous one.
		j = 1
		for (i = 1; i <= nb; i++) {
			while (j <= n && file[j] != blk[i]) j++
			if (j > n) {
				printf "BENCHMARKS.md:%d: not in %s (or out of order): %s\n", start + i, src, blk[i]
				bad++
				return
			}
			j++
		}
		quoted++
	}
	/^```/ {
		if (!inblk) { inblk = 1; nb = 0; start = NR; next }
		inblk = 0
		if (want) check()
		want = 0; src = ""
		next
	}
	inblk { blk[++nb] = $0; next }
	/^From `tests\/bench\/results\/[^`]*`/ {
		want = 1
		src = $0; sub(/^From `/, "", src); sub(/`.*/, "", src)
		next
	}
	END {
		if (bad) exit 1
		if (!quoted) { print "BENCHMARKS.md quotes no committed bench output"; exit 1 }
		printf "BENCHMARKS.md: %d quoted blocks match tests/bench/results/\n", quoted
	}' "$doc"

#!/bin/sh
# Run one of the kernel's ftrace test cases (a .tc file) the way ftracetest
# does, against the directory DIR: a fresh shell under "set -e" (a separate
# process, so no caller's "if" or "||" can switch -e off), the case's
# "requires:" line, a reset, then the case. Prints its verdict last:
# pass, fail, unsupported, unresolved, untested or xfail.
#
# Usage: run-tc.sh DIR CASE.tc
dir=$1 tc=$2
KPC_TC_RESULT=$(mktemp)
export KPC_TC_RESULT
testlog=$(mktemp)
export testlog
# as ftracetest: a scratch directory the case may use
TMPDIR=$(mktemp -d)
export TMPDIR
sh -e -c '
	cd "$1" || exit 1
	. /tests/ftrace/functions
	. /tests/ftrace/kpc_functions
	requires=$(grep "^#[ \t]*requires:" "$2" | cut -f2- -d:)
	eval check_requires "$requires"
	initialize_ftrace
	set -x
	. "$2"
' run-tc "$dir" "$tc" 2>&1
rc=$?
verdict=$(cat "$KPC_TC_RESULT")
rm -f "$KPC_TC_RESULT" "$testlog"
rm -rf "$TMPDIR"
# A case that exits non-zero failed, whatever a subshell said before.
if [ -z "$verdict" ]; then
	if [ $rc -eq 0 ]; then verdict=pass; else verdict=fail; fi
elif [ $rc -ne 0 ]; then
	case $verdict in fail | unresolved | untested) ;; *) verdict=fail ;; esac
fi
echo "verdict: $verdict (status $rc)"

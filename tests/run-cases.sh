#!/bin/sh
# Guest-side KTAP runner (busybox sh), started by /init in /tests.
# Every executable cases/*.sh, sorted by name, is one KTAP test:
#   exit 0 -> ok, exit 77 -> ok # SKIP <last "SKIP:" line>, else -> not ok.
# The case's output is echoed as KTAP diagnostics ("# ..."). Everything goes to
# stdout (the console) and to fd 3 (the host's KTAP file), if open.

if ! { true >&3; } 2>/dev/null; then
	exec 3>/dev/null
fi
out() { printf "%s\n" "$*"; printf "%s\n" "$*" >&3; }

cases=
n=0
for c in /tests/cases/*.sh; do
	[ -f "$c" ] && [ -x "$c" ] || continue
	cases="$cases $c"
	n=$((n + 1))
done

out "KTAP version 1"
out "1..$n"
i=0
failed=0
for c in $cases; do
	i=$((i + 1))
	name=$(basename "$c" .sh)
	out "# ---- $name"
	log=/tmp/case-$name.log
	: >"$log"
	# Mark the kernel log, so the case's kernel lines can be told apart.
	echo "kpc-harness: case $name start" >/dev/kmsg 2>/dev/null
	# Stream the case's output as it comes, so a case that hangs or crashes
	# the guest still leaves its lines in the logs.
	(cd /tests && KPC_CASE=$name sh "$c" </dev/null 2>&1; echo $? >"$log.rc") |
		while IFS= read -r l || [ -n "$l" ]; do
			printf "%s\n" "$l" >>"$log"
			out "# $l"
		done
	rc=$(cat "$log.rc")
	echo "kpc-harness: case $name end rc=$rc" >/dev/kmsg 2>/dev/null
	# Each case starts with no module loaded: unload what a case left
	# behind (clients before the core: /proc/modules lists newest first).
	# A case that passed must clean up after itself.
	left=$(cut -d' ' -f1 /proc/modules)
	if [ -n "$left" ]; then
		out "# $name left modules loaded: $(echo $left)"
		for m in $left; do rmmod "$m" 2>/dev/null; done
		[ "$rc" -eq 0 ] && rc=1
	fi
	case $rc in
	0) out "ok $i $name" ;;
	77)
		reason=$(grep '^SKIP:' "$log" | tail -n 1 | sed 's/^SKIP:[[:space:]]*//')
		out "ok $i $name # SKIP ${reason:-no reason given}"
		;;
	*)
		out "# $name: exit status $rc"
		out "not ok $i $name"
		failed=$((failed + 1))
		;;
	esac
done
[ "$failed" -eq 0 ]

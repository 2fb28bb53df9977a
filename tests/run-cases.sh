#!/bin/sh
# shellcheck shell=dash
# Guest-side KTAP runner (busybox sh), started by /init in /tests.
# Every cases/*.sh, sorted by name, is one KTAP test:
#   exit 0 -> ok, exit 77 -> ok # SKIP <last "SKIP:" line>, else -> not ok.
# The case's output is echoed as KTAP diagnostics ("# ..."). Everything goes to
# stdout: /init points it at the host's KTAP file (ttyS1), never the console.
# Each case runs under "sh -e": a command that fails fails the case, unless
# the case tests it (if, ||, &&, !).

out() { printf "%s\n" "$*"; }

# kmemleak (debug kernels only; a no-op where it is absent): cleared before
# each case, scanned after it. A report whose backtrace names one of our
# modules (every module in /modules is ours), or holds an address in the
# module area (0xffffffffa0000000 up; 0xffffffffc0000000 up with KASLR) that
# no symbol covers any more (a module since unloaded: only ours are ever
# loaded in the guest), fails the case. A backtrace line is
# "[<addr>] symbol" on 6.1 and "symbol" alone on 6.12: an unloaded
# module's address is "[<...>] 0xffffffffa..." there, "0xffffffffa..." here.
KML=/sys/kernel/debug/kmemleak
[ -w $KML ] || KML=
ours=$(for m in /modules/*.ko; do basename "$m" .ko; done | paste -sd'|' -)
kml_reports() {
	awk -v re="[[](${ours:-kprobe_core})[]]\$|([]]|^) +0xffffffff[a-f][0-9a-f]{7}\$" '
		function flush() { if (hit) printf "%s", blk; blk = ""; hit = 0 }
		/^unreferenced object / { flush() }
		{ blk = blk $0 "\n"; if ($0 ~ re) hit = 1 }
		END { flush() }' $KML
}
kml_ours() {
	# kmemleak reports only objects older than 5 s, and a pointer left in a
	# register or on a stack can hide a leak from one scan: scan twice.
	sleep 5
	echo scan >$KML
	echo scan >$KML
	kml_reports
}

cases=
n=0
for c in /tests/cases/*.sh; do
	[ -f "$c" ] || continue
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
	[ -z "$KML" ] || echo clear >$KML
	# Stream the case's output as it comes, so a case that hangs or crashes
	# the guest still leaves its lines in the logs. The case's log is opened
	# once: an open per line would be one more open() in the middle of what
	# the cases count (the probes on do_sys_openat2).
	(cd /tests && KPC_CASE=$name sh -e "$c" </dev/null 2>&1; echo $? >"$log.rc") |
		while IFS= read -r l || [ -n "$l" ]; do
			printf "%s\n" "$l" >&4
			out "# $l"
		done 4>>"$log"
	rc=$(cat "$log.rc")
	echo "kpc-harness: case $name end rc=$rc" >/dev/kmsg 2>/dev/null
	# Its checks of the kernel log read a log that had lost their mark.
	if [ -e "/tmp/.kpc-mark-lost-$name" ]; then
		out "# $name: the kernel log wrapped past the case's mark"
		case $rc in 0 | 77) rc=1 ;; esac
	fi
	# Each case starts with no module loaded: unload what a case left
	# behind (clients before the core: /proc/modules lists newest first).
	# A case that passed must clean up after itself.
	left=$(cut -d' ' -f1 /proc/modules)
	if [ -n "$left" ]; then
		out "# $name left modules loaded: $(echo "$left" | paste -sd' ' -)"
		for m in $left; do rmmod "$m" 2>/dev/null; done
		case $rc in 0 | 77) rc=1 ;; esac
	fi
	if [ -n "$KML" ]; then
		leaks=$(kml_ours)
		if [ -n "$leaks" ]; then
			out "# $name: kmemleak reports naming our modules:"
			printf "%s\n" "$leaks" | while IFS= read -r l; do out "#   $l"; done
			case $rc in 0 | 77) rc=1 ;; esac
		fi
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

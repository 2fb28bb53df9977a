#!/bin/sh
# The kprobe_events front end, end to end: define events, see them listed
# as the kernel lists them, count hits while enabled (and only then),
# refuse a bad line with an error_log entry and its caret, refuse to clear
# while an event is enabled, remove one probe of a multiprobe event, and
# on rmmod of the core remove what is left with summary lines.
# shellcheck disable=SC2016 # $arg1, $retval: kprobe_events syntax, not shell
. /tests/lib.sh

D=/sys/kernel/debug/kprobe_core
load kprobe_core
cd $D || fail "no $D"
for f in kprobe_events kprobe_profile error_log README events; do
	[ -e $f ] || fail "no $D/$f"
done

run sh -c 'echo "p:myopen do_sys_openat2 dfd=\$arg1 comm=\$comm" > kprobe_events'
run sh -c 'echo "r:kprobes/openret do_sys_openat2 ret=\$retval" >> kprobe_events'
run sh -c 'echo "p vfs_read" >> kprobe_events'
cat kprobe_events
# a return probe lists its effective maxactive, the kernel's default
# max(10, 2 * possible CPUs), as register_kretprobe() sets it
cpus=$(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible)
ma=$((2 * cpus > 10 ? 2 * cpus : 10))
want="p:kprobes/myopen do_sys_openat2 dfd=\$arg1 comm=\$comm
r$ma:kprobes/openret do_sys_openat2 ret=\$retval
p:kprobes/p_vfs_read_0 vfs_read"
[ "$(cat kprobe_events)" = "$want" ] || fail "listing differs: want [$want]"
[ "$(cat events/kprobes/myopen/enable)" = 0 ] || fail "an event is defined enabled"
grep -q '^    events/kprobes/myopen disabled' probes || fail "myopen is not listed in probes as events/kprobes/myopen"

# disabled: opens are not counted
for _ in 1 2 3; do cat /proc/version >/dev/null; done
cat kprobe_profile
awk '$1 == "myopen" && $2 == 0 && $3 == 0 { ok = 1 } END { exit !ok }' kprobe_profile ||
	fail "a disabled event counted hits"

echo 1 > events/kprobes/myopen/enable
echo 1 > events/kprobes/openret/enable
h0=$(awk '$1 == "myopen" { print $2 }' kprobe_profile)
for _ in 1 2 3 4 5 6 7 8 9 10; do cat /proc/version >/dev/null; done
h1=$(awk '$1 == "myopen" { print $2 }' kprobe_profile)
r1=$(awk '$1 == "openret" { print $2 }' kprobe_profile)
cat kprobe_profile
echo "myopen hits: $h0 before 10 opens, $h1 after; openret returns $r1"
[ "$h1" -ge $((h0 + 10)) ] || fail "myopen counted $((h1 - h0)) of 10 opens"
[ "$r1" -ge 10 ] || fail "openret counted $r1 returns of at least 10 opens"

# disabled again: no more counts
echo 0 > events/kprobes/openret/enable
r2=$(awk '$1 == "openret" { print $2 }' kprobe_profile)
for _ in 1 2 3 4 5; do cat /proc/version >/dev/null; done
r3=$(awk '$1 == "openret" { print $2 }' kprobe_profile)
[ "$r3" -eq "$r2" ] || fail "openret counted $((r3 - r2)) returns while disabled"
echo 1 > events/kprobes/openret/enable

# clearing is refused while an event is enabled, and changes nothing
if sh -c ': > kprobe_events' 2>/dev/null; then fail "cleared kprobe_events with events enabled"; fi
[ "$(cat kprobe_events)" = "$want" ] || fail "a refused clear changed the events"

# a bad line: refused, one error_log entry with the kernel's caret
: > error_log
if sh -c 'echo "p vfs_read \$retval" >> kprobe_events' 2>/dev/null; then
	fail "accepted \$retval on an entry probe"
fi
cat error_log
grep -q 'trace_kprobe: error: \$retval is not available on probe' error_log ||
	fail "no error_log entry for \$retval on an entry probe"
grep -q '^  Command: p vfs_read \$retval$' error_log || fail "error_log command line wrong"
[ "$(tail -n 1 error_log | wc -c)" -eq $((13 + 11)) ] || fail "caret not at column 11"
[ "$(cat kprobe_events)" = "$want" ] || fail "a refused line changed the events"

# a multiprobe event: append a second place, remove just that one
run sh -c 'echo "p:kprobes/myopen vfs_read dfd=\$arg1 comm=\$comm" >> kprobe_events'
[ "$(grep -c '^p:kprobes/myopen ' kprobe_events)" -eq 2 ] || fail "no second probe of myopen"
# as the kernel: an enabled event may lose one of its probes, not its last
run sh -c 'echo "-:kprobes/myopen vfs_read" >> kprobe_events'
[ "$(cat kprobe_events)" = "$want" ] || fail "removing one probe of myopen left [$(cat kprobe_events)]"
if sh -c 'echo "-:myopen" >> kprobe_events' 2>/dev/null; then fail "removed an enabled event"; fi
echo 0 > events/kprobes/myopen/enable
run sh -c 'echo "-:myopen" >> kprobe_events'
[ -e events/kprobes/myopen ] && fail "events/kprobes/myopen outlived its event"
if sh -c 'echo "-:myopen" >> kprobe_events' 2>/dev/null; then fail "removed a removed event"; fi

mark
cd /
unload kprobe_core
dmesg_since_mark
expect_dmesg 'kprobe_core: events/kprobes/openret.*returns=[1-9]'
expect_dmesg 'kprobe_core: events/kprobes/p_vfs_read_0'
exit 0

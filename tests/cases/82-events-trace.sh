#!/bin/sh
# What kprobe_events' events record, against the kernel as referee:
#  - the same definitions written to the kernel's own kprobe_events and to
#    ours, over one workload (kpc_target_fn(x) for x = 0..N-1, returning
#    x + 1), give the same kprobe_profile lines and the same values in
#    both traces, and those values are the ones the workload passed;
#  - an unreadable argument prints (fault);
#  - trace_pipe blocks while empty, then hands each record over once;
#  - a buffer too small for the run loses the oldest records and says how
#    many: kept + lost = written = hits;
#  - a return event's hist puts 1-2 ms sleeps in the buckets its min and
#    max say, and writing 0 clears it;
#  - events= at load: defined and enabled, each hit in dmesg up to the rate
#    limit, the rest counted, counts and histogram on rmmod; a bad line
#    fails the load with the caret in dmesg and leaves nothing.
# shellcheck disable=SC2016 # $arg1, $retval: kprobe_events syntax, not shell
. /tests/lib.sh

D=/sys/kernel/debug/kprobe_core
T=/sys/kernel/tracing
N=50
calls() { echo "$1" >/sys/module/kpc_target/parameters/calls; }

load kpc_target
load kpc_sleeper
load kprobe_core
[ -d $T/events ] || mount -t tracefs nodev $T || fail "no tracefs at $T"

# ---- the kernel's kprobe_events and ours, side by side ----
# a[]: two words of the caller's frame (past the return address, which a
# kretprobe on the function rewrites)
defs='p:kt kpc_target:kpc_target_fn x=$arg1:s32 h=$arg1:x16 c=$comm b=$arg1:b3@1/32 m=\-7:s32 a=+16($stack):x64[2] y=$arg1:symstr z=$arg1:symbol
r:ktr kpc_target:kpc_target_fn ret=$retval:s32'
for dir in $T $D; do
	echo "$defs" >"$dir"/kprobe_events || fail "$dir/kprobe_events refused the definitions"
	echo >"$dir"/trace
done
for dir in $T $D; do echo 1 >"$dir"/events/kprobes/enable; done
calls $N
for dir in $T $D; do echo 0 >"$dir"/events/kprobes/enable; done
for dir in $T $D; do
	echo "$dir/kprobe_profile:"
	grep -E '^ +ktr? ' "$dir"/kprobe_profile | tee "/tmp/profile.$(basename "$dir")"
	# each line without its timestamp: task, pid, CPU, context flags, event
	grep -E ' ktr?: \(' "$dir"/trace | sed -E 's/^(.*\] [^ ]+) +[0-9]+\.[0-9]+: /\1 /' \
		>"/tmp/trace.$(basename "$dir")"
done
echo "first records, ours:"
head -n 2 /tmp/trace.kprobe_core
cmp /tmp/profile.tracing /tmp/profile.kprobe_core || fail "kprobe_profile differs from the kernel's"
awk -v n=$N '$1 == "kt" && $2 == n && $3 == 0 { k++ } $1 == "ktr" && $2 == n && $3 == 0 { r++ }
	END { exit !(k == 1 && r == 1) }' /tmp/profile.kprobe_core ||
	fail "kprobe_profile does not count $N calls and $N returns"
[ "$(wc -l </tmp/trace.kprobe_core)" -eq $((2 * N)) ] ||
	fail "$(wc -l </tmp/trace.kprobe_core) records of kt and ktr, not $((2 * N))"
# Two kretprobes on one function nest: the kernel's record of the return
# address is then the other one's trampoline, which it prints as
# [unknown/kretprobe'd]. Ours is the real one (rethook hands it over in
# the registers): check it, then compare the rest.
[ "$(grep -c ' ktr: (calls_set+0x[0-9a-f]*/0x[0-9a-f]* \[kpc_target\] <- kpc_target_fn) ' /tmp/trace.kprobe_core)" -eq $N ] ||
	fail "our return records do not all return to calls_set"
# The kernel prints a task's name from its cache of names, which may not
# hold it yet ("<...>"); ours is the name at the hit. Check ours, then
# compare the pid onwards. The need-resched column is not compared: at a
# function entry the handlers run with interrupts on, and a tick between
# the kernel's and ours may set it (seen once on the rt kernel).
[ "$(grep -c '^ *sh-[0-9]* ' /tmp/trace.kprobe_core)" -eq $((2 * N)) ] ||
	fail "our records do not all name the task sh"
for f in /tmp/trace.tracing /tmp/trace.kprobe_core; do
	sed -i -E 's/^ *(sh|<\.\.\.>)-([0-9]+) /\2 /; s/^([0-9]+ +\[[0-9]+\] .)[.nNp]/\1-/' $f
	sed -i "s/ ktr: (\(\[unknown\/kretprobe'd\]\|calls_set+0x[0-9a-f]*\/0x[0-9a-f]* \[kpc_target\]\) <- / ktr: (RET <- /" $f
done
cmp /tmp/trace.tracing /tmp/trace.kprobe_core || {
	diff /tmp/trace.tracing /tmp/trace.kprobe_core | head -n 10
	fail "our records differ from the kernel's"
}
# and the values are the workload's: x, x in hex, bits 1-3 of x, x + 1
awk '/ kt: \(/ {
		x = n++; b = int(x / 2) % 8
		want = sprintf("x=%d h=0x%x c=\"sh\" b=%d m=-7 a={0x", x, x, b)
		if (index($0, want) == 0) { print "record " x ": " $0 ", want " want; bad = 1 }
	}
	/ ktr: \(/ {
		want = sprintf("<- kpc_target_fn) ret=%d", r + 1); r++
		if (index($0, want) == 0) { print "return " r ": " $0 ", want " want; bad = 1 }
	}
	END { exit bad }' /tmp/trace.kprobe_core || fail "a record holds other values than the workload's"
for dir in $T $D; do echo >"$dir"/kprobe_events; done

# $argN on a return event, read at entry (an extension on 6.1, as 6.12)
echo 'r:ktr kpc_target:kpc_target_fn x=$arg1:s32 ret=$retval:s32' >$D/kprobe_events
echo >$D/trace
echo 1 >$D/events/kprobes/ktr/enable
calls 20
echo 0 >$D/events/kprobes/ktr/enable
grep ' ktr: ' $D/trace | tail -n 2
grep ' ktr: ' $D/trace | awk '{ want = sprintf("x=%d ret=%d", n, n + 1); n++
		if (index($0, want) == 0) { print "want " want ": " $0; bad = 1 } }
	END { if (n != 20) { print n " records, not 20"; bad = 1 } exit bad }' ||
	fail "a return event's \$arg1 is not what the call was given"

# ---- an unreadable argument ----
echo 'p:kt kpc_target:kpc_target_fn v=+0($arg1):u32 s=+0($arg1):string' >$D/kprobe_events
echo >$D/trace
echo 1 >$D/events/kprobes/kt/enable
calls 2
echo 0 >$D/events/kprobes/kt/enable
grep ' kt: ' $D/trace
[ "$(grep -c ' kt: (kpc_target_fn+0x[0-9a-f]*/0x[0-9a-f]* \[kpc_target\]) v=(fault) s=(fault)$' $D/trace)" -eq 2 ] ||
	fail "reading address 0 and 1 did not print (fault) twice"

# ---- trace_pipe: blocks while empty, consumes ----
echo >$D/trace
cat $D/trace_pipe >/tmp/pipe.out &
pipe=$!
sleep 1
kill -0 $pipe 2>/dev/null || fail "trace_pipe did not block on an empty buffer"
[ -s /tmp/pipe.out ] && fail "trace_pipe gave lines with nothing recorded"
echo 1 >$D/events/kprobes/kt/enable
calls 5
echo 0 >$D/events/kprobes/kt/enable
sleep 1
kill $pipe
wait $pipe 2>/dev/null || true
cat /tmp/pipe.out
[ "$(grep -c ' kt: ' /tmp/pipe.out)" -eq 5 ] || fail "trace_pipe gave $(grep -c ' kt: ' /tmp/pipe.out) of 5 records"
grep -q ' kt: ' $D/trace && fail "records read from trace_pipe are still in trace"
grep -q '^# entries-in-buffer/entries-written: 0/0 ' $D/trace ||
	fail "after trace_pipe took them, trace says $(grep entries-in-buffer $D/trace)"

# a removed event's records, read after another took its place
echo 'p:ka kpc_target:kpc_target_fn x=$arg1:u8' >$D/kprobe_events
echo 1 >$D/events/kprobes/ka/enable
calls 2
echo 0 >$D/events/kprobes/ka/enable
echo '-:ka' >>$D/kprobe_events
echo 'p:kb kpc_target:kpc_target_fn a=$arg1:u64 b=$arg1:u64 c=$comm' >>$D/kprobe_events
echo 1 >$D/events/kprobes/kb/enable
calls 1
echo 0 >$D/events/kprobes/kb/enable
grep -E ' (ka|kb|\(a removed event\)): ' $D/trace
[ "$(grep -c ' (a removed event): (kpc_target_fn+0x[0-9a-f]*/0x[0-9a-f]* \[kpc_target\])$' $D/trace)" -eq 2 ] ||
	fail "the 2 records of the removed ka are not shown as such"
[ "$(grep -c ' kb: .* a=0 b=0 c="sh"$' $D/trace)" -eq 1 ] || fail "kb's record is not there once"

# a line longer than 1 KiB (64 words of the stack) is whole
echo 'p:kl kpc_target:kpc_target_fn a=+0($stack):x64[64]' >$D/kprobe_events
echo >$D/trace
echo 1 >$D/events/kprobes/kl/enable
calls 3
echo 0 >$D/events/kprobes/kl/enable
[ "$(grep -c ' kl: (kpc_target_fn+0x[0-9a-f]*/0x[0-9a-f]* \[kpc_target\]) a={\(0x[0-9a-f]*,\)\{63\}0x[0-9a-f]*}$' $D/trace)" -eq 3 ] ||
	fail "a 64-word array is not printed whole, three times: $(grep ' kl: ' $D/trace | awk '{ print length($0) }')"
# opened only to write, then a seek (as Python's open(..., 'w') does)
dd if=/dev/null of=$D/trace bs=1 seek=1 conv=notrunc 2>/dev/null || fail "seek on trace opened to write"
echo >$D/kprobe_events
unload kprobe_core

# ---- a small buffer: the oldest go, and are counted ----
load kprobe_core trace_buffer_kb=4
echo 'p:kt kpc_target:kpc_target_fn x=$arg1:s32 c=$comm' >$D/kprobe_events
echo 1 >$D/events/kprobes/kt/enable
calls 2000
echo 0 >$D/events/kprobes/kt/enable
head -n 3 $D/trace | tail -n 1
kept=$(sed -n 's|^# entries-in-buffer/entries-written: \([0-9]*\)/\([0-9]*\) .*|\1|p' $D/trace)
written=$(sed -n 's|^# entries-in-buffer/entries-written: \([0-9]*\)/\([0-9]*\) .*|\2|p' $D/trace)
[ "$written" = 2000 ] || fail "entries-written $written, not the 2000 hits"
[ "$kept" -lt 2000 ] || fail "a 4 KiB buffer kept $kept of 2000 records"
[ "$(grep -c ' kt: ' $D/trace)" -eq "$kept" ] || fail "trace shows $(grep -c ' kt: ' $D/trace) records, its header $kept"
timeout 5 cat $D/trace_pipe >/tmp/pipe.out || true
lines=$(grep -c ' kt: ' /tmp/pipe.out || true)
lost=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' /tmp/pipe.out | awk '{ s += $1 } END { print s + 0 }')
echo "trace_pipe: $lines records, $lost lost, $written written, $kept kept"
[ "$lines" -eq "$kept" ] || fail "trace_pipe gave $lines records, trace kept $kept"
[ $((lines + lost)) -eq 2000 ] || fail "trace_pipe: $lines records + $lost lost is not 2000"
# the last record is the last call's
tail -n 1 /tmp/pipe.out | grep -q ' x=1999 c="sh"$' || fail "the newest record is not x=1999"
echo >$D/kprobe_events
unload kprobe_core

# ---- hist of a return event ----
load kprobe_core
echo 'r:napret kpc_sleeper:kpc_sleeper_nap' >$D/kprobe_events
# the event's hist file, and hist/EVENT linking to it
H=$D/events/kprobes/napret/hist
[ "$(readlink $D/hist/napret)" = ../events/kprobes/napret/hist ] ||
	fail "hist/napret links to [$(readlink $D/hist/napret)]"
echo 1 >$D/events/kprobes/napret/enable
echo 40 >/sys/kernel/debug/kpc_sleeper/nap
cat $D/hist/napret
check_hist 40 <$D/hist/napret || fail "hist of napret"
echo 0 >$H
grep -q 'latency in ns: count 0, min 0, mean 0, max 0$' $H || fail "writing 0 did not clear the hist: $(head -n 1 $H)"
echo 20 >/sys/kernel/debug/kpc_sleeper/nap
check_hist 20 <$H || fail "hist of napret after clearing"
if echo 1 >$H 2>/dev/null; then fail "hist took 1"; fi
echo 0 >$D/events/kprobes/napret/enable
# a namesake in another group links as GRP:EVENT; removed, both go
echo 'r:other/napret kpc_sleeper:kpc_sleeper_nap' >>$D/kprobe_events
[ "$(readlink $D/hist/other:napret)" = ../events/other/napret/hist ] ||
	fail "no hist/other:napret for the second napret"
echo >$D/kprobe_events
[ -e $D/hist/napret ] || [ -L $D/hist/napret ] || [ -L $D/hist/other:napret ] &&
	fail "hist links left after the events went"
unload kprobe_core

# ---- events= at load ----
mark
# the kernel splits module parameters at spaces outside double quotes
load kprobe_core 'events="p:kt kpc_target:kpc_target_fn x=$arg1;r:napret kpc_sleeper:kpc_sleeper_nap ret=$retval"'
[ "$(cat $D/events/kprobes/kt/enable)" = 1 ] || fail "events= did not enable kt"
calls 5
calls 100
echo 12 >/sys/kernel/debug/kpc_sleeper/nap
unload kprobe_core
dmesg_since_mark | grep 'kprobe_core: ' | head -n 30
printed=$(dmesg_since_mark | grep -c 'kprobe_core: sh-[0-9]* \[[0-9]*\] kt: (kpc_target_fn+0x[0-9a-f]*/0x[0-9a-f]* \[kpc_target\]) x=0x[0-9a-f]*$' || true)
held=$(dmesg_since_mark | sed -n 's/.*kprobe_core: kprobes\/kt: \([0-9]*\) hits not printed (rate limit.*/\1/p')
echo "kt: $printed lines printed, ${held:-0} held back by the rate limit"
[ "$printed" -ge 10 ] || fail "only $printed hits of kt printed"
# 105 calls in one write take milliseconds, far below the 5 s window
[ "${held:-0}" -ge 1 ] || fail "all $printed hits of kt printed: no rate limit"
[ $((printed + ${held:-0})) -eq 105 ] || fail "$printed printed + ${held:-0} held back is not the 105 hits"
expect_dmesg 'kprobe_core: sh-[0-9]+ \[[0-9]+\] kt: \(kpc_target_fn\+0x[0-9a-f]+/0x[0-9a-f]+ \[kpc_target\]\) x=0x0$'
expect_dmesg 'kprobe_core: sh-[0-9]+ \[[0-9]+\] napret: \(kpc_sleeper_write\+0x[0-9a-f]+/0x[0-9a-f]+ \[kpc_sleeper\] <- kpc_sleeper_nap\) ret=0x0$'
expect_dmesg 'kprobe_core: events/kprobes/kt kpc_target_fn\+0x[0-9a-f]+ \[kpc_target\]: hits=105 '
dmesg_since_mark | sed -n 's/^\[[ 0-9.]*\] kprobe_core: //p' | sed -n '/^kprobes\/napret latency/,$p' | check_hist 12 ||
	fail "napret's histogram on rmmod"

# a bad line fails the load, says where, and leaves nothing
mark
if insmod "$MODDIR/kprobe_core.ko" 'events="p:kt kpc_target:kpc_target_fn x=$arg1;p:bad vfs_read $retval"' 2>/dev/null; then
	fail "events= with \$retval on an entry probe loaded"
fi
is_loaded kprobe_core && fail "kprobe_core loaded after a bad events= line"
expect_dmesg 'kprobe_core: events=: error: \$retval is not available on probe'
expect_dmesg 'kprobe_core:   Command: p:bad vfs_read \$retval$'
expect_dmesg 'kprobe_core: {27}\^$'
# the first line's probe went with the failed load
grep kpc_target_fn /sys/kernel/debug/kprobes/list && fail "a kprobe on kpc_target_fn outlived the failed load"
calls 1
unload kpc_sleeper
unload kpc_target
exit 0

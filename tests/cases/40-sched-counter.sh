#!/bin/sh
# sched_counter: before/after lines appear while loaded; on rmmod the call
# count is non-zero, equals the core's hit count and the per-CPU split adds
# up to it.
. /tests/lib.sh

load kprobe_core
mark
load sched_counter ratelimit=3
# Load: sleeps and process starts make tasks schedule on both CPUs.
for i in 1 2 3 4 5 6; do sleep 0.1; cat /proc/version >/dev/null; done
unload sched_counter
dmesg_since_mark
expect_dmesg 'sched_counter: current task on CPU#[0-9]+: .*\[[0-9]+\] \(before scheduling\), preempt_count = '
expect_dmesg 'sched_counter: current task on CPU#[0-9]+: .*\[[0-9]+\] \(after scheduling: schedule\(\) returned after [0-9]+ us, entered on CPU#[0-9]+\), preempt_count = '
expect_dmesg 'sched_counter: schedule\(\) was called [1-9][0-9]* times in [0-9]+ ms \([0-9]+ per second\)'
dmesg_since_mark | grep -q 'per-CPU counts add up to' && fail "the sample's per-CPU counts disagree with the core"

n=$(dmesg_since_mark | sed -n 's/.*sched_counter: schedule() was called \([0-9]*\) times.*/\1/p')
hits=$(dmesg_since_mark | sed -n 's/.*kprobe_core: sched_counter\/calls schedule+0x[0-9a-f]*: hits=\([0-9]*\) .*/\1/p')
[ -n "$hits" ] || fail "no core summary line for sched_counter/calls"
[ "$n" -gt 0 ] || fail "schedule() count is 0"
[ "$n" = "$hits" ] || fail "sample says $n calls, the core counted $hits"
sum=0
for c in $(dmesg_since_mark | sed -n 's/.*sched_counter:   CPU#[0-9]*: \([0-9]*\) calls.*/\1/p'); do
	sum=$((sum + c))
done
[ "$sum" = "$n" ] || fail "per-CPU lines add up to $sum, not $n"
echo "schedule() calls: $n, core hits: $hits, per-CPU sum: $sum"

# Every "before" line of a task is followed by its "after" line, unless the
# module went away while the call slept.
before=$(dmesg_since_mark | grep -c '(before scheduling)')
after=$(dmesg_since_mark | grep -c '(after scheduling')
echo "before lines: $before, after lines: $after"
[ "$after" -le "$before" ] || fail "more after lines than before lines"
[ "$after" -gt 0 ] || fail "no after line"

grep -q '^# no probes registered' /sys/kernel/debug/kprobe_core/probes ||
	fail "probes left registered after rmmod"
unload kprobe_core
exit 0

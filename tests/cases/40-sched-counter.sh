#!/bin/sh
# isolate
# accel: tcg,thread=single
# timeout: 300
# sched_counter: before/after lines appear while loaded, no more of them than
# ratelimit= allows; on rmmod the sample's per-CPU counters add up to the
# core's hit count. The counting probe sits where the kernel really probes:
# schedule+0x4 past endbr64 with IBT, schedule+0x0 without.
#
# Its own guest, with QEMU's vCPUs on one host thread: arming or disarming a
# probe on schedule(), which every vCPU runs all the time, crashes guests
# under multi-threaded TCG (QEMU 7.2) with a jump to address 0 just as the
# probed function is entered, and the bare kernel API does the same:
# kpc_bare_churn crashed a debian-6.12 guest 0.2 s in, multi-threaded, and
# ran 90 s (122 register/unregister rounds) clean on one thread. Seen here
# once, on debian-rt, at rmmod sched_counter (README, "Testing").
. /tests/lib.sh

load kprobe_core
if kconfig CONFIG_X86_KERNEL_IBT; then off=0x4; else off=0x0; fi

mark
load sched_counter ratelimit=3
# Load: sleeps and process starts make tasks schedule on both CPUs.
for _ in 1 2 3 4 5 6; do sleep 0.1; cat /proc/version >/dev/null; done
unload sched_counter
dmesg_since_mark
expect_dmesg "sched_counter: counting schedule\(\) calls at schedule\+$off/0x[0-9a-f]+; at most 3 before/after pairs a second per CPU\$"
expect_dmesg 'sched_counter: current task on CPU#[0-9]+: .*\[[0-9]+\] \(before scheduling\), preempt_count = '
expect_dmesg 'sched_counter: current task on CPU#[0-9]+: .*\[[0-9]+\] \(after scheduling: schedule\(\) returned after [0-9]+ us, entered on CPU#[0-9]+\), preempt_count = '
expect_dmesg 'sched_counter: schedule\(\) was called [1-9][0-9]* times in [0-9]+ ms \([0-9]+ per second\)'
if dmesg_since_mark | grep -q 'per-CPU counts add up to'; then
	fail "the sample's per-CPU counts disagree with the core"
fi

# N is the core's count (the sample prints it); the per-CPU lines are the
# sample's own counters: the two must agree.
n=$(dmesg_since_mark | sed -n 's/.*sched_counter: schedule() was called \([0-9]*\) times.*/\1/p')
ms=$(dmesg_since_mark | sed -n 's/.*sched_counter: schedule() was called [0-9]* times in \([0-9]*\) ms.*/\1/p')
hits=$(dmesg_since_mark | sed -n "s/.*kprobe_core: sched_counter\/calls schedule+$off: hits=\([0-9]*\) missed=0\$/\1/p")
[ -n "$hits" ] || fail "no core summary line for sched_counter/calls at schedule+$off"
[ "$n" = "$hits" ] || fail "sample says $n calls, the core counted $hits"
sum=0
for c in $(dmesg_since_mark | sed -n 's/.*sched_counter:   CPU#[0-9]*: \([0-9]*\) calls.*/\1/p'); do
	sum=$((sum + c))
done
[ "$sum" = "$n" ] || fail "per-CPU counters add up to $sum, the core counted $n"
echo "schedule() calls: $n in $ms ms, core hits: $hits, per-CPU sum: $sum"

# ratelimit=3: at most 3 "before" lines a second on each CPU; a run of ms
# milliseconds spans at most ms/1000 + 1 one-second windows per CPU.
ncpu=$(grep -c '^processor' /proc/cpuinfo)
before=$(dmesg_since_mark | grep -c '(before scheduling)' || true)
after=$(dmesg_since_mark | grep -c '(after scheduling' || true)
limit=$((3 * ncpu * (ms / 1000 + 1)))
echo "before lines: $before (at most $limit), after lines: $after"
[ "$before" -le "$limit" ] || fail "$before before lines in $ms ms on $ncpu CPUs with ratelimit=3"
# Every "before" line of a task is followed by its "after" line, unless the
# module went away while the call slept.
[ "$after" -le "$before" ] || fail "more after lines than before lines"
[ "$after" -gt 0 ] || fail "no after line"

# ratelimit=0: counting only, not one line.
mark
load sched_counter ratelimit=0
for _ in 1 2 3; do sleep 0.1; done
unload sched_counter
expect_dmesg 'sched_counter: schedule\(\) was called [1-9][0-9]* times'
if dmesg_since_mark | grep -q 'scheduling'; then
	fail "ratelimit=0 printed before/after lines"
fi

grep -q '^# no probes registered' /sys/kernel/debug/kprobe_core/probes ||
	fail "probes left registered after rmmod"
unload kprobe_core

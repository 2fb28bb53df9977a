#!/bin/sh
# funclatency on a function that sleeps 1-2 ms a call (kpc_sleeper_nap:
# usleep_range(1000, 2000)): every call is counted, none is shorter than
# 1 ms, the buckets add up to the calls, the first non-empty bucket is the
# one that holds the min and the last the one that holds the max (computed
# here, not by the module), and most calls land from 1 ms to 8x the 2 ms
# asked for ([512K, 1M) to [8M, 16M) ns; K and M are powers of 1024): a
# kernel may sleep longer than asked, and the PREEMPT_RT kernel under TCG
# does (there most calls took 4-8 ms). The histogram is in debugfs while
# loaded and in the kernel log on rmmod.
. /tests/lib.sh

N=40
H=/sys/kernel/debug/funclatency/histogram
load kprobe_core
load kpc_sleeper
mark
load funclatency func=kpc_sleeper:kpc_sleeper_nap
expect_dmesg 'funclatency: measuring kpc_sleeper:kpc_sleeper_nap \(kpc_sleeper_nap\+0x[0-9a-f]+/0x[0-9a-f]+ \[kpc_sleeper\]\)'
[ "$(stat -c %a $H)" = 400 ] || fail "$H has mode $(stat -c %a $H), not 400"
echo $N >/sys/kernel/debug/kpc_sleeper/nap
run cat $H
grep -Eq "^func=kpc_sleeper:kpc_sleeper_nap latency in ns: count $N, min [0-9]+" $H ||
	fail "debugfs histogram does not count $N calls"

check_hist $N <$H || fail "debugfs histogram"

unload funclatency
dmesg_since_mark
dmesg_since_mark | sed -n 's/^\[[ 0-9.]*\] funclatency: //p' | check_hist $N ||
	fail "histogram in the kernel log"
expect_dmesg 'kprobe_core: funclatency/latency kpc_sleeper_nap\+0x[0-9a-f]+ \[kpc_sleeper\] \(return\): hits=40 returns=40 missed=0 '
[ -e $H ] && fail "$H still exists after rmmod"
unload kpc_sleeper
grep -q '^# no probes registered' /sys/kernel/debug/kprobe_core/probes ||
	fail "probes left registered after rmmod"
unload kprobe_core
exit 0

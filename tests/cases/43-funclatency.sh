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

# Checks one copy of the histogram (debugfs, or the kernel log with the
# "funclatency: " prefix stripped) read from stdin.
check_hist() {
	awk -v n=$N '
	# The bucket of x: i with 2^i <= x < 2^(i+1), 0 below 2.
	function bucket(x,   i, p) { i = 0; p = 2; while (x >= p) { i++; p *= 2 }; return i }
	# The bucket of a label "[512K," or "[1M," or "[0,".
	function label(s,   v) {
		sub(/^\[/, "", s); sub(/,.*/, "", s)
		v = s + 0
		if (s ~ /K$/) v *= 1024
		if (s ~ /M$/) v *= 1048576
		if (s ~ /G$/) v *= 1073741824
		return bucket(v)
	}
	/^func=/ {
		head = 1
		sub(/,/, "", $6); count = $6
		sub(/,/, "", $8); min = $8 + 0
		max = $12 + 0
	}
	/^\[/ {
		split($0, f, ")")
		range = f[1] ")"
		split(f[2], g, " ")
		c = g[1]; total += c
		if (c > 0) { if (first == "") first = label(range); last = label(range) }
		if (range == "[512K, 1M)" || range == "[1M, 2M)" || range == "[2M, 4M)" ||
		    range == "[4M, 8M)" || range == "[8M, 16M)")
			near += c
		if (!match($0, /\|[@ ]+\|$/) || RLENGTH != 54)
			bad = bad " bar:" range
	}
	END {
		if (!head) { print "no header line"; exit 1 }
		if (count != n) { print "count " count ", want " n; exit 1 }
		if (min < 1000000) { print "min " min " ns is below 1 ms"; exit 1 }
		if (total != n) { print "buckets add up to " total ", want " n; exit 1 }
		if (first != bucket(min)) { print "first bucket " first ", min " min " is in " bucket(min); exit 1 }
		if (last != bucket(max)) { print "last bucket " last ", max " max " is in " bucket(max); exit 1 }
		if (near * 2 <= n) { print near " of " n " calls in [512K, 16M)"; exit 1 }
		if (bad != "") { print "malformed lines:" bad; exit 1 }
		print "count " count ", min " min " ns (bucket " first "), max " max " ns (bucket " last "), " near " of " n " in [512K, 16M)"
	}'
}
check_hist <$H || fail "debugfs histogram"

unload funclatency
dmesg_since_mark
dmesg_since_mark | sed -n 's/^\[[ 0-9.]*\] funclatency: //p' | check_hist ||
	fail "histogram in the kernel log"
expect_dmesg 'kprobe_core: funclatency/latency kpc_sleeper_nap\+0x[0-9a-f]+ \[kpc_sleeper\] \(return\): hits=40 returns=40 missed=0 '
[ -e $H ] && fail "$H still exists after rmmod"
unload kpc_sleeper
grep -q '^# no probes registered' /sys/kernel/debug/kprobe_core/probes ||
	fail "probes left registered after rmmod"
unload kprobe_core
exit 0

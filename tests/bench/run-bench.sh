#!/bin/sh
# Guest side of `make bench` (scripts/bench.sh puts it in the guest's
# /tests/cases; it is not a `make check` case). Loads the core and the
# bench module, which measures at load time and prints its results, then
# prints them here for the host; then times user-space probes (below).
# kpc_bench.<param>=<value> words on the kernel command line become module
# parameters; kpc_ubench.only=1 runs the user-space part alone.
. /tests/lib.sh

params=
uonly=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	kpc_ubench.only=1) uonly=1 ;;
	kpc_bench.*) params="$params ${arg#kpc_bench.}" ;;
	esac
done

echo "guest: $(uname -r), $(nproc) CPUs online, possible $(cat /sys/devices/system/cpu/possible), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "guest: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# Probes inside a function stay int3: no jump optimization that would land
# in the middle of a measurement.
if [ -w /proc/sys/debug/kprobes-optimization ]; then
	echo 0 >/proc/sys/debug/kprobes-optimization
fi
echo "guest: kprobes-optimization $(cat /proc/sys/debug/kprobes-optimization 2>/dev/null || echo n/a)"
# The core prints a line for every probe it removes: keep those (info) off
# the serial console, which would time the emulated UART, not the probes.
# Warnings and worse still reach it, so a splat still fails the run.
echo 5 >/proc/sys/kernel/printk

load kprobe_core
if [ -z "$uonly" ]; then
	# shellcheck disable=SC2086 # one word per parameter
	load kpc_bench $params
	echo 7 >/proc/sys/kernel/printk
	dmesg | sed -n 's/^\[[^]]*\] kpc_bench: //p'
	dmesg | grep -q 'kpc_bench: bench: done err=0$' || fail "the bench did not complete"
	dmesg | grep -q 'kpc_bench: FAIL' && fail "the bench reported failures"
	unload kpc_bench
	echo 5 >/proc/sys/kernel/printk
fi

# User-space probes: utarget calls kpc_ufunc N times, timed by its own
# CLOCK_MONOTONIC reads (guest ns = instructions here), with each of
# kpc_ubench's modes loaded; the median of R runs less the median with no
# probe, per call. kpc_ubench says on rmmod how many hits it saw: every
# call must have been probed (none in mode filtered, where the client is
# for another process, which never traps).
U=/tests/bin/utarget
N=20000
R=5
off=$(sed -n 's/^kpc_ufunc //p' /tests/bin/utarget.offsets)
sleep 100000 &
other=$!
# $1: mode, or "none"; prints the median of R timed runs
utime() {
	_m=$1
	[ "$_m" = none ] || load kpc_ubench mode="$_m" path=$U offset="$off" pid=$other
	_i=0
	while [ $_i -lt $R ]; do
		$U time $N | sed -n 's/^utarget: time: \([0-9]*\) ns$/\1/p'
		_i=$((_i + 1))
	done | sort -n | sed -n "$(((R + 1) / 2))p"
	[ "$_m" = none ] && return
	unload kpc_ubench
	_h=$(dmesg | sed -n "s/.*kpc_ubench: mode=$_m hits=\([0-9]*\) returns=\([0-9]*\)$/\1 \2/p" | tail -n 1)
	case $_m in
	filtered) _want="0 0" ;;
	bare | core) _want="$((N * R)) 0" ;;
	*) _want="$((N * R)) $((N * R))" ;;
	esac
	[ "$_h" = "$_want" ] || fail "uprobe bench, mode $_m: hits and returns '$_h', want '$_want'"
}
# $1 / $2 with three decimals
ratio() {
	echo "$(($1 * 1000 / $2 / 1000)).$(printf %03d $(($1 * 1000 / $2 % 1000)))"
}
# A first pass, not counted: on debian-6.12 the first modes measured
# right after boot cost twice what they cost later in the same guest.
runs=$R
R=1
for m in none bare core filtered bareret coreret corelat; do
	utime $m >/dev/null
done
R=$runs
none=$(utime none)
echo "bench: uprobe: $N calls of a user-space function; guest instructions per call over none ($none for the loop), median of $R runs"
for m in bare core filtered bareret coreret corelat; do
	t=$(utime $m)
	eval "u_$m=$(((t - none) / N))"
	echo "bench: uprobe_$m per call = $(((t - none) / N))"
done
# shellcheck disable=SC2154 # set by the eval above
echo "bench: uprobe_hit core/bare = $(ratio "$u_core" "$u_bare")"
# shellcheck disable=SC2154
echo "bench: uprobe_ret core/bare = $(ratio "$u_coreret" "$u_bareret")"
# shellcheck disable=SC2154
echo "bench: uprobe_ret_lat core/bare = $(ratio "$u_corelat" "$u_bareret")"
kill $other
echo 7 >/proc/sys/kernel/printk
unload kprobe_core
exit 0

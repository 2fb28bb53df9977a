#!/bin/sh
# Guest side of `make bench` (scripts/bench.sh puts it in the guest's
# /tests/cases; it is not a `make check` case). Loads the core and the
# bench module, which measures at load time and prints its results, then
# prints them here for the host. kpc_bench.<param>=<value> words on the
# kernel command line become module parameters.
. /tests/lib.sh

params=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
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
# shellcheck disable=SC2086 # one word per parameter
load kpc_bench $params
echo 7 >/proc/sys/kernel/printk
dmesg | sed -n 's/^\[[^]]*\] kpc_bench: //p'
dmesg | grep -q 'kpc_bench: bench: done err=0$' || fail "the bench did not complete"
dmesg | grep -q 'kpc_bench: FAIL' && fail "the bench reported failures"
unload kpc_bench
unload kprobe_core
exit 0

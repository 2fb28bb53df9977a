#!/bin/sh
# Guest side of `make demo`: load kprobe_core and the sample modules that were
# built, drive some load, show what the kernel logged, unload, show a summary.
# Every command is echoed with "$ " as a user would see it typed.

MOD=/modules

run() {
	echo "\$ $*"
	"$@"
	echo
}

echo "=== kprobe_core demo: Linux $(uname -r), $(nproc) CPUs ==="
echo
run ls $MOD
dmesg -c >/dev/null

# The tour of the sample modules (examples/tour.sh) is the demo.
if [ -f /tour.sh ]; then
	MODDIR=$MOD sh /tour.sh
	exit $?
fi

loaded=
if [ -f $MOD/kprobe_core.ko ]; then
	run insmod $MOD/kprobe_core.ko && loaded="kprobe_core"
else
	echo "(kprobe_core.ko is not built yet: nothing to load)"
	echo
fi
for m in sched_counter open_args open_ret funclatency; do
	[ -f $MOD/$m.ko ] || continue
	run insmod $MOD/$m.ko && loaded="$m $loaded"
done
run cat /proc/modules
[ -f /sys/kernel/debug/kprobes/list ] && run cat /sys/kernel/debug/kprobes/list

echo "--- some load: open files, start processes, sleep ---"
run cat /proc/version
run ls /tests
run sleep 1
for i in 1 2 3 4 5; do cat /proc/cpuinfo /proc/meminfo >/dev/null; done

run dmesg -c
[ -f /sys/kernel/debug/kprobe_core/probes ] && run cat /sys/kernel/debug/kprobe_core/probes

# $loaded lists the samples first and the core last: unload in that order.
for m in $loaded; do
	run rmmod "$m"
done
run dmesg -c
run cat /proc/sys/kernel/tainted
echo "=== summary: modules loaded and unloaded: ${loaded:-none} ==="

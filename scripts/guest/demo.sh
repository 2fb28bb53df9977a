#!/bin/sh
# Guest side of `make demo`: load the core and the sample modules that were
# built, drive some load, show what the kernel logged, unload, show a summary.
# Every command is echoed with "$ " as a user would type it.

run() {
	echo "\$ $*"
	"$@"
	echo
}

MOD=/modules
echo "=== kprobe_core demo on Linux $(uname -r) ==="
echo
run ls /modules

dmesg -c >/dev/null
if [ -f $MOD/kprobe_core.ko ]; then
	run insmod $MOD/kprobe_core.ko
else
	echo "(kprobe_core.ko is not built yet: nothing to demonstrate)"
fi

samples=
for m in sched_counter open_args open_ret funclatency; do
	if [ -f $MOD/$m.ko ]; then
		run insmod $MOD/$m.ko
		samples="$m $samples"
	fi
done
run cat /proc/modules

echo "--- some load: files opened, processes run, a sleep ---"
run ls /bin
run cat /proc/version
run sleep 1
for i in 1 2 3; do cat /proc/cpuinfo /proc/meminfo >/dev/null; done

run dmesg
[ -f /sys/kernel/debug/kprobes/list ] && run cat /sys/kernel/debug/kprobes/list

for m in $samples; do
	run rmmod "$m"
done
grep -q '^kprobe_core ' /proc/modules && run rmmod kprobe_core

echo "--- kernel log after unloading ---"
run dmesg -c
echo "=== summary: loaded and unloaded: ${samples}$(grep -q kprobe_core $MOD/*.ko 2>/dev/null && echo kprobe_core); tainted=$(cat /proc/sys/kernel/tainted) ==="

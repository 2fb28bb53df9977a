#!/bin/sh
# A tour of the sample modules, run inside the demo guest (busybox sh):
# load kprobe_core, then each sample in turn: insmod, drive some load, show
# what it logged, rmmod, show its summary. Every command is echoed with "$ ".
# Exit status: 0 when every step worked.
#
# MODDIR (default /modules) holds the .ko files.

MOD=${MODDIR:-/modules}
status=0

run() {
	echo "\$ $*"
	"$@" || { echo "(exit status $?)"; status=1; }
}

# A command that is meant to fail (opening a missing file).
try() {
	echo "\$ $*"
	"$@" || echo "(exit status $?, as intended)"
}

# The kernel lines logged since the last call, indented.
log() {
	dmesg -c | sed 's/^/    /'
}

title() {
	echo
	echo "=== $*"
}

loaded() {
	grep -q "^$1 " /proc/modules
}

# Kernel lines go to the log only, not to the console, so they show once,
# where the tour prints them.
dmesg -n 1
dmesg -c >/dev/null

title "kprobe_core on Linux $(uname -r), $(nproc) CPUs"
run insmod "$MOD"/kprobe_core.ko
log
if ! loaded kprobe_core; then
	echo "kprobe_core did not load: nothing to show"
	exit 1
fi

title "sched_counter: who enters schedule(), and who comes back out of it"
run insmod "$MOD"/sched_counter.ko ratelimit=2
run sleep 1
log
run rmmod sched_counter
log

title "open_args: the arguments of every open (here only cat's)"
run insmod "$MOD"/open_args.ko comm=cat
run cat /proc/version
try cat /no/such/file
log
run rmmod open_args
log

title "open_ret: failed opens, from a kretprobe with maxactive=1"
run insmod "$MOD"/open_ret.ko
try cat /no/such/file
try ls /no/such/dir
echo "(two loops opening files on both CPUs at once)"
for _ in 1 2; do
	(i=0; while [ $i -lt 500 ]; do : </proc/version; i=$((i + 1)); done) &
done
wait
log
run rmmod open_ret
log

title "funclatency: how long vfs_read() takes, as a log2 histogram"
run insmod "$MOD"/funclatency.ko func=vfs_read
for _ in 1 2 3 4 5; do cat /proc/cpuinfo /proc/meminfo /proc/version >/dev/null; done
dd if=/dev/zero of=/dev/null bs=4k count=200 2>/dev/null
run cat /sys/kernel/debug/funclatency/histogram
log
run rmmod funclatency
log

title "funccount: calls of every function matching vfs_[rw]*, most called first"
run insmod "$MOD"/funccount.ko 'func=vfs_[rw]*' top=5
for _ in 1 2 3; do cat /proc/cpuinfo /proc/version >/dev/null; done
dd if=/dev/zero of=/dev/null bs=1 count=300 2>/dev/null
run cat /sys/kernel/debug/funccount/counts
log
run rmmod funccount
log

# The test program of the uprobe cases, in the guests make builds.
U=/tests/bin/utarget
if [ -x $U ]; then
	title "ucount: calls and returns of a user-space function, kpc_ufunc in $U"
	run insmod "$MOD"/ucount.ko path=$U func=kpc_ufunc ret=1 interval=0
	run $U calls 42
	log
	run rmmod ucount
	log
	title "malloc_sizes: sizes passed to an allocator, kpc_ualloc in $U (NULL above 1000)"
	run insmod "$MOD"/malloc_sizes.ko path=$U func=kpc_ualloc lines=3
	run $U sizes 1100
	run rmmod malloc_sizes
	log
fi

title "probes left registered"
run cat /sys/kernel/debug/kprobe_core/probes
run rmmod kprobe_core
log
dmesg -n 7
echo
echo "=== tour done: $([ $status -eq 0 ] && echo "every step worked" || echo "some steps FAILED")"
exit $status

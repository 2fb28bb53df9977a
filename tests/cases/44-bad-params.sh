#!/bin/sh
# A bad parameter makes insmod fail with the kernel's errno and one kernel
# log line saying what was wrong; nothing stays loaded or registered.
# busybox insmod tries finit_module() and, when that fails, init_module():
# the module's init runs twice, so the one line may appear twice.
. /tests/lib.sh

P=/sys/kernel/debug/kprobe_core/probes
load kprobe_core

# bad_load ERRTEXT LOGREGEX MODULE [PARAMS...]
#   ERRTEXT: what busybox insmod says for the errno (its strerror text)
bad_load() {
	_err=$1 _re=$2 _mod=$3
	shift 3
	mark
	echo "\$ insmod $_mod.ko $*"
	_out=$(insmod "$MODDIR/$_mod.ko" "$@" 2>&1) && { unload "$_mod"; fail "insmod $_mod $* succeeded"; }
	echo "$_out"
	dmesg_since_mark
	echo "$_out" | grep -q "$_err" || fail "insmod $_mod $*: expected \"$_err\""
	expect_dmesg "$_re"
	# Lines of the module and of the core only: the kernel may log
	# something of its own meanwhile (random: crng init done).
	_n=$(dmesg_since_mark | sed 's/^\[[ 0-9.]*\] //' | grep -E "^($_mod|kprobe_core): " |
		sort -u | wc -l)
	[ "$_n" -eq 1 ] || fail "insmod $_mod $*: expected one kernel log line, got $_n"
	is_loaded "$_mod" && fail "$_mod is loaded"
	grep -q '^# no probes registered' $P || { cat $P; fail "insmod $*: probes left registered"; }
	return 0
}

EINVAL='Invalid argument'
# busybox insmod words ENOENT as "unknown symbol in module, or unknown parameter"
ENOENT='unknown symbol\|No such file'

bad_load "$EINVAL" '^\[[ 0-9.]*\] funclatency: func= is required' funclatency
bad_load "$EINVAL" '^\[[ 0-9.]*\] funclatency: func= is required' funclatency func=
bad_load "$ENOENT" '^\[[ 0-9.]*\] kprobe_core: funclatency/latency: cannot probe kpc_no_such_function\+0x0: unknown symbol.* \(-2\)$' \
	funclatency func=kpc_no_such_function
bad_load "$EINVAL" '^\[[ 0-9.]*\] funclatency: maxactive=-1: must be 0' funclatency func=vfs_read maxactive=-1

# A function the kernel refuses to probe: kprobe_fault_handler is NOKPROBE
# (on x86 and arm64, 6.1 and 6.12; kprobe_int3_handler is x86's only).
grep -q '	kprobe_fault_handler$' /sys/kernel/debug/kprobes/blacklist ||
	fail "kprobe_fault_handler is not in the kprobe blacklist"
bad_load "$EINVAL" '^\[[ 0-9.]*\] kprobe_core: funclatency/latency: cannot probe kprobe_fault_handler\+0x0: the kernel refuses to probe there.* \(-22\)$' \
	funclatency func=kprobe_fault_handler

bad_load "$EINVAL" '^\[[ 0-9.]*\] open_ret: maxactive=-1: must be 0' open_ret maxactive=-1
bad_load "$EINVAL" '^\[[ 0-9.]*\] open_args: pid=-5: must be a process id' open_args pid=-5
bad_load "$EINVAL" 'sched_counter: .-1. invalid for parameter .ratelimit.' sched_counter ratelimit=-1

unload kprobe_core
exit 0

#!/bin/sh
# The in-kernel API selftest: every registration path, error, sharing,
# kretprobe data/latency/maxactive and the batch API, with exact counts.
. /tests/lib.sh

load kprobe_core
load kpc_selftest
dmesg_since_mark | sed -n 's/^.*kpc_selftest: //p'
plan=$(dmesg_since_mark | sed -n 's/^.*kpc_selftest: 1\.\.\([0-9]*\)$/\1/p')
oks=$(dmesg_since_mark | grep -c 'kpc_selftest: ok [0-9]' || true)
[ -n "$plan" ] || fail "no KTAP plan from kpc_selftest"
dmesg_since_mark | grep -q 'kpc_selftest: not ok' && fail "kpc_selftest reported failures"
[ "$oks" -eq "$plan" ] || fail "$oks of $plan subtests reported ok"
expect_dmesg "kpc_selftest: # done: $plan passed, 0 failed"
# The post handler joining mid-hit needs an ftrace site: it runs where
# kprobes sit on ftrace (x86), and says SKIP where entries trap (arm64).
if kconfig CONFIG_KPROBES_ON_FTRACE; then
	expect_dmesg 'kpc_selftest: ok [0-9]+ post_handler_joins_in_the_middle_of_a_hit$'
else
	expect_dmesg 'kpc_selftest: ok [0-9]+ post_handler_joins_in_the_middle_of_a_hit # SKIP '
fi
# arm64 cannot probe a function's ftrace call site (func+4): the core says so.
if kconfig CONFIG_ARM64; then
	expect_dmesg 'kprobe_core: kpc_selftest/ftrace_site: cannot probe st_target_a\+0x4: the function.s ftrace call site, which this kernel cannot probe \(no KPROBES_ON_FTRACE\): probe \+0x0 or the next instruction \(-22\)$'
fi
# Every probe the selftest made is gone from ftrace too: no st_target_*
# function left traced, by the kernel's kprobes or by the core's own
# ftrace_ops (whose filter keeps only kpc_fentry_park between probes).
T=/sys/kernel/debug/tracing
[ -r $T/enabled_functions ] || mount -t tracefs nodev $T 2>/dev/null || true
if [ -r $T/enabled_functions ]; then
	if grep st_target $T/enabled_functions; then
		fail "functions of kpc_selftest still traced after every probe was unregistered"
	fi
	if kconfig CONFIG_KPROBES_ON_FTRACE && kconfig CONFIG_DYNAMIC_FTRACE_WITH_REGS; then
		grep -q '^kpc_fentry_park ' $T/enabled_functions ||
			fail "kpc_fentry_park is not in enabled_functions: the ftrace_ops filter could be empty"
	fi
	echo "enabled_functions: $(grep -c . $T/enabled_functions) traced, none of kpc_selftest"
else
	echo "no tracefs: enabled_functions not checked"
fi
unload kpc_selftest
unload kprobe_core
# The selftest unregistered everything it registered: nothing was left
# for the core to clean up at unload.
dmesg_since_mark | grep -q 'unloaded with .* probe(s) registered' &&
	fail "probes were left registered"
exit 0

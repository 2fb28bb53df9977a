#!/bin/sh
# A KPC_F_FTRACE_OPS registration that fails once the core's ftrace filter
# is set, but before its ftrace_ops is registered, fails cleanly: an error
# to the caller, no site left, no function left traced; and the next
# registration works (the filter is reset, not freed: freeing it there
# would be freed again by the next one, a double free KASAN reports).
# The kernel's fail_function makes kpc_fentry_ops_register() fail once.
# Needs CONFIG_FAIL_FUNCTION (debug-6.12) and the ftrace_ops backend (x86).
. /tests/lib.sh

kconfig CONFIG_FAIL_FUNCTION || skip "no CONFIG_FAIL_FUNCTION in this kernel (debug-6.12 has it)"
if ! kconfig CONFIG_KPROBES_ON_FTRACE || ! kconfig CONFIG_DYNAMIC_FTRACE_WITH_REGS; then
	skip "no ftrace_ops backend here (KPC_F_FTRACE_OPS probes are kprobes)"
fi
F=/sys/kernel/debug/fail_function
T=/sys/kernel/debug/tracing
P=/sys/kernel/debug/kprobe_core/probes
TRY=/sys/module/kpc_fentry_fail/parameters/try
load kprobe_core
load kpc_fentry_fail

# The injected error is fail_function's default for an errno: -EINVAL.
echo kpc_fentry_ops_register >$F/inject
echo 100 >$F/probability
echo 1 >$F/interval
echo 1 >$F/times
echo 0 >$F/verbose
mark
echo 1 >$TRY
dmesg_since_mark
expect_dmesg 'kprobe_core: cannot add 1 function\(s\) to the ftrace filter: -22$'
expect_dmesg 'kpc_fentry_fail: try: -22; ftrace-ops site: -2; hits=0$'
[ "$(cat $F/times)" -eq 0 ] || fail "fail_function did not inject (times left: $(cat $F/times))"
echo '!kpc_fentry_ops_register' >$F/inject
grep -q '^# no probes registered' $P || fail "a site was left after the failed registration"
[ -r $T/enabled_functions ] || mount -t tracefs nodev $T
if grep -E 'ff_target|kpc_fentry_park' $T/enabled_functions; then
	fail "functions traced after the failed registration"
fi

# Without the fault: the same registration works, twice.
for _ in 1 2; do
	mark
	echo 1 >$TRY
	dmesg_since_mark
	expect_dmesg 'kpc_fentry_fail: try: 0; ftrace-ops site: 0; hits=10$'
done
grep -q '^kpc_fentry_park ' $T/enabled_functions || fail "kpc_fentry_park is not traced: the filter could be empty"
if grep ff_target $T/enabled_functions; then
	fail "ff_target still traced after unregister"
fi
unload kpc_fentry_fail
unload kprobe_core
exit 0

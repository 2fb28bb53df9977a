#!/bin/sh
# A re-arm that fails leaves the site as it was: its clients keep every
# hit, the failed client is not linked, the site is not counted re-armed,
# and a later join re-arms it. No input makes the kernel refuse a second
# probe where it accepted the first, so the kernel's fail_function makes
# kpc_arm_register() fail once (the core marks it ALLOW_ERROR_INJECTION).
# Needs CONFIG_FAIL_FUNCTION: debug-6.12 has it, Debian's kernels do not.
. /tests/lib.sh

kconfig CONFIG_FAIL_FUNCTION || skip "no CONFIG_FAIL_FUNCTION in this kernel (debug-6.12 has it)"
F=/sys/kernel/debug/fail_function
J=/sys/module/kpc_rearm_fail/parameters/join
load kprobe_core
load kpc_rearm_fail
expect_dmesg 'kpc_rearm_fail: load: 0; site: lookup 0, 1 client\(s\), 0 re-arm\(s\); calls 10; first: hits=10 returns=10 missed=0; second: hits=0 returns=0$'

# The next kpc_arm_register() call fails, quietly (no stack dump).
echo kpc_arm_register >$F/inject
echo 100 >$F/probability
echo 1 >$F/interval
echo 1 >$F/times
echo 0 >$F/verbose
mark
echo 1 >$J
dmesg_since_mark
expect_dmesg 'kprobe_core: cannot re-arm rf_target\+0x[0-9a-f]+ \[kpc_rearm_fail\] for more data or maxactive: -[1-9][0-9]*; it stays as it was$'
expect_dmesg 'kpc_rearm_fail: join: -[1-9][0-9]*; site: lookup 0, 1 client\(s\), 0 re-arm\(s\); calls 20; first: hits=20 returns=20 missed=0; second: hits=0 returns=0$'
[ "$(cat $F/times)" -eq 0 ] || fail "fail_function did not inject (times left: $(cat $F/times))"
echo '!kpc_arm_register' >$F/inject

# Without the fault, the same join re-arms the site.
mark
echo 1 >$J
dmesg_since_mark
expect_dmesg 'kpc_rearm_fail: join: 0; site: lookup 0, 2 client\(s\), 1 re-arm\(s\); calls 30; first: hits=30 returns=30 missed=0; second: hits=10 returns=10$'
unload kpc_rearm_fail
unload kprobe_core
exit 0

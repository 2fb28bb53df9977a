#!/bin/sh
# expect: splat taint
# expect-ktap: ^ok 1 warn-no-panic$
# expect-kernel: WARNING: CPU: [0-9]+ PID: [0-9]+ at .*kpc_warn\.c:[0-9]+ kpc_warn_init
# kernel-args: panic_on_warn=0
# Without panic_on_warn the guest survives a WARN_ON and the case passes:
# the console scan and the taint check must still turn the run red.
. /tests/lib.sh
load kpc_warn
unload kpc_warn

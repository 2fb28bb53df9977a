#!/bin/sh
# kernel: debian-arm64-6.12
# expect: splat taint
# expect-ktap: ^ok 1 warn-arm64$
# expect-kernel: WARNING: CPU: [0-9]+ PID: [0-9]+ at .*kpc_warn\.c:[0-9]+ kpc_warn_init
# expect-kernel: Call trace:$
# kernel-args: panic_on_warn=0
# warn-no-panic on an arm64 guest: a planted WARN_ON, whose report arm64
# spells its own way ("Call trace:"), turns the run red by the console scan
# and the taint check.
. /tests/lib.sh
load kpc_warn
unload kpc_warn

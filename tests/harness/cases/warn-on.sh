#!/bin/sh
# expect: incomplete no-sentinel splat
# expect-ktap: ^# ---- warn-on$
# expect-kernel: WARNING: CPU: [0-9]+ PID: [0-9]+ at .*kpc_warn\.c:[0-9]+ kpc_warn_init
# A WARN_ON in a module's init panics the guest (panic_on_warn=1).
. /tests/lib.sh
load kpc_warn
echo "still alive after WARN_ON: panic_on_warn did not fire"

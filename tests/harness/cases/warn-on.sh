#!/bin/sh
# expect: incomplete no-sentinel splat
# expect-ktap: ^# ---- warn-on$
# A WARN_ON in a module's init panics the guest (panic_on_warn=1).
. /tests/lib.sh
load kpc_warn
echo "still alive after WARN_ON: panic_on_warn did not fire"

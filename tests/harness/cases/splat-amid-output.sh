#!/bin/sh
# expect: splat
# expect-ktap: ^ok 1 splat-amid-output$
# expect-ktap: ^# runner line 200$
# expect-kernel: kpc_splat: BUG: harness self-test, not a real bug$
# A one-line BUG: from a module while the case prints as fast as it can:
# the kernel's line stays whole on its own port, and the run is red.
. /tests/lib.sh
(i=0; while [ $i -lt 400 ]; do echo "runner line $i"; i=$((i + 1)); done) &
load kpc_splat
wait
unload kpc_splat

#!/bin/sh
# expect: splat
# kernel-args: loglevel=1
# expect-ktap: ^ok 1 splat-quiet$
# expect-kernel: kpc_splat: BUG: harness self-test, not a real bug$
# With the console loglevel too low to show it (as the bench sets it), a
# BUG: line still reaches the log buffer, which the guest dumps at the end:
# the run is red.
. /tests/lib.sh
load kpc_splat
unload kpc_splat

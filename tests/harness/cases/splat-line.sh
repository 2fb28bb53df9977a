#!/bin/sh
# expect: splat
# expect-ktap: ^ok 1 splat-line$
# expect-kernel: kpc_splat: BUG: harness self-test, not a real bug$
# A kernel log line shaped like a BUG report, with a clean taint and a
# passing case: the console scan alone must turn the run red.
. /tests/lib.sh
load kpc_splat
unload kpc_splat

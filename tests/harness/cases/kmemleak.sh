#!/bin/sh
# kernel: debug-6.12
# expect: not-ok
# expect-ktap: ^# kmemleak: kmemleak reports naming our modules:$
# expect-ktap: ^not ok 1 kmemleak$
# expect-kernel: kmemleak: [0-9]+ new suspected memory leaks
# A module that leaks a kmalloc in its init: the scan after the case finds
# the leak (its backtrace points into the unloaded module) and fails the case.
. /tests/lib.sh
load kpc_leak
unload kpc_leak

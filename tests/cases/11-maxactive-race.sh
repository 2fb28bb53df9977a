#!/bin/sh
# maxactive is exact: two calls racing on two CPUs for a maxactive=1
# client's only token, 50 rounds in one run. Each round must give exactly
# one tracked call and one miss (and two tracked for a default client).
. /tests/lib.sh

load kprobe_core
load kpc_selftest only=kretprobe_maxactive_misses maxactive_rounds=50
dmesg_since_mark | sed -n 's/^.*kpc_selftest: //p'
expect_dmesg 'kpc_selftest: 1\.\.1$'
expect_dmesg 'kpc_selftest: ok 1 kretprobe_maxactive_misses$'
expect_dmesg 'kpc_selftest: # two calls racing on two CPUs, 50 rounds: .*: every round$'
expect_dmesg 'kpc_selftest: # done: 1 passed, 0 failed'
unload kpc_selftest
unload kprobe_core
exit 0

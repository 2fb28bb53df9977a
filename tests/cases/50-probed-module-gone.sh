#!/bin/sh
# A probe on a function of a module that is then unloaded: the kernel marks
# the probe GONE; the listing says so, the stats stay readable, unregister
# works, and a new registration after the module is back probes it again.
. /tests/lib.sh

P=/sys/kernel/debug/kprobe_core/probes
load kprobe_core
load kpc_target
load kpc_gone_client
echo 100 >/sys/module/kpc_target/parameters/calls
run cat $P
grep -q 'kpc_gone_client/entry enabled hits=100 ' $P || fail "entry probe did not count 100 calls"
grep -q 'kpc_gone_client/return enabled hits=100 missed=0 returns=100 ' $P ||
	fail "return probe did not count 100 calls"
unload kpc_target
run cat $P
[ "$(grep -c '^0x[0-9a-f]* k[a-z]*probe gone kpc_target_fn+0x' $P)" -eq 2 ] ||
	fail "the listing does not show both sites as gone"
grep -q 'kpc_gone_client/entry enabled hits=100 ' $P || fail "stats lost after the module went"
mark
unload kpc_gone_client
dmesg_since_mark
expect_dmesg 'kprobe_core: kpc_gone_client/entry kpc_target_fn\+0x[0-9a-f]+ \[kpc_target\]: hits=100 missed=0'
expect_dmesg 'kprobe_core: kpc_gone_client/return kpc_target_fn\+0x[0-9a-f]+ \[kpc_target\] \(return\): hits=100 returns=100'
grep -q '^# no probes registered' $P || fail "sites left after unregister"

# The module comes back: a fresh registration probes the new text.
load kpc_target
load kpc_gone_client
echo 7 >/sys/module/kpc_target/parameters/calls
grep -q 'kpc_gone_client/entry enabled hits=7 ' $P || fail "re-registered probe did not count"
unload kpc_gone_client
unload kpc_target
unload kprobe_core
exit 0

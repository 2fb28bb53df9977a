#!/bin/sh
# rmmod kprobe_core is refused while a client module is loaded, and the
# refusal changes nothing.
. /tests/lib.sh

P=/sys/kernel/debug/kprobe_core/probes
load kprobe_core
load kpc_orphan
before=$(sed 's/hits=.*//' $P)
run rmmod kprobe_core && fail "rmmod kprobe_core succeeded with a client loaded"
is_loaded kprobe_core || fail "kprobe_core is gone"
after=$(sed 's/hits=.*//' $P)
[ "$before" = "$after" ] || fail "the registry changed: before [$before] after [$after]"
cat /proc/version >/dev/null
grep -q 'orphan_kprobe enabled hits=[1-9]' $P || fail "probes stopped counting"
unload kpc_orphan
unload kprobe_core
exit 0

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
# kpc_orphan probes do_sys_openat2: N opens after the refusal must be counted.
hits() { sed -n 's/.*kpc_orphan\/orphan_kprobe enabled hits=\([0-9]*\).*/\1/p' $P; }
h0=$(hits)
[ -n "$h0" ] || fail "no hits figure for kpc_orphan/orphan_kprobe"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat /proc/version >/dev/null; done
h1=$(hits)
echo "orphan_kprobe hits: $h0 before 10 opens, $h1 after"
[ "$h1" -ge $((h0 + 10)) ] || fail "probes stopped counting: $h0 -> $h1 after 10 opens"
unload kpc_orphan
unload kprobe_core
exit 0

#!/bin/sh
# Registration churn while probes fire on every CPU (kpc_stress, 10 s), and
# at the same time a client module that never unregisters loaded and
# unloaded in a loop. Witness counts must be exact; the harness fails the
# run on any splat. The looping client probes a function nobody calls
# during the run: arming kernel probes on code another vCPU is running
# crashes TCG guests with the bare kernel API too (kpc_bare_churn.c).
. /tests/lib.sh

load kprobe_core
load kpc_target
insmod /modules/kpc_stress.ko seconds=10 &
pid=$!
P=/sys/kernel/debug/kprobe_core/probes
cycles=0
while kill -0 $pid 2>/dev/null; do
	insmod /modules/kpc_orphan.ko func=kpc_target:kpc_target_fn || fail "insmod kpc_orphan failed during the stress run"
	grep -q 'kpc_orphan/orphan_kretprobe' $P || fail "kpc_orphan's probes are not listed"
	mark
	rmmod kpc_orphan || fail "rmmod kpc_orphan failed during the stress run"
	# The core removes them from the module notifier, before rmmod returns,
	# and says so for this unload.
	grep -q 'kpc_orphan/' $P && fail "kpc_orphan's probes outlived its unload"
	expect_dmesg 'kprobe_core: module kpc_orphan unloaded with 2 probe\(s\) registered; removing them$'
	cycles=$((cycles + 1))
done
wait $pid || fail "insmod kpc_stress failed"
echo "kpc_orphan loaded and unloaded $cycles times during the run"
dmesg | sed -n 's/^.*kpc_stress: //p'
[ "$cycles" -gt 0 ] || fail "no insmod/rmmod cycle completed"
dmesg | grep -q 'kpc_stress: ok 1 stress' || fail "kpc_stress did not report ok"
dmesg | grep -q 'kpc_stress: not ok' && fail "kpc_stress reported not ok"
unload kpc_stress

# Re-arms of the witness sites themselves, between bursts of calls (TCG
# does not survive arming a probe on code another vCPU runs, see above).
mark
load kpc_stress seconds=6 burst_ms=40
dmesg_since_mark | sed -n 's/^.*kpc_stress: //p'
expect_dmesg 'kpc_stress: # stats reader: [1-9][0-9]* readings while the sites were re-armed, 0 went backwards$'
expect_dmesg 'kpc_stress: # bursts of 40 ms: [1-9][0-9]* joins and [1-9][0-9]* leaves re-armed the int3 witness site [1-9][0-9]* times and the kretprobe one [1-9][0-9]* times, 0 wrong counts'
expect_dmesg 'kpc_stress: ok 1 stress'
unload kpc_stress
unload kpc_target
unload kprobe_core
exit 0

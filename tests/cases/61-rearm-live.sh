#!/bin/sh
# isolate
# Re-arms while calls run: the witness sites of kpc_stress are re-armed
# every 20 ms (a post handler on and off at the int3 site, more maxactive
# at the kretprobe site) while callers on both CPUs hit them, so hits
# straddle the switch from one kernel probe to the next. Every witness
# count must equal the calls made. (Before the core waited a grace period
# between the switch and unregistering the old probe, the int3 witness was
# one hit short in 3 of 4 such 30 s runs: the kernel skips a probe being
# unregistered, also in the middle of a hit.)
. /tests/lib.sh

load kprobe_core
load kpc_stress seconds=20 burst_ms=20 live=1
dmesg_since_mark | sed -n 's/^.*kpc_stress: //p'
expect_dmesg 'kpc_stress: # witness misses: 0 0 \(kprobe, int3 kprobe\), 0/0 \(kretprobe reentry/pool\), 0 in flight$'
expect_dmesg 'kpc_stress: # re-arms while calls run, every 20 ms: [1-9][0-9]* joins and [1-9][0-9]* leaves re-armed the int3 witness site [1-9][0-9]* times and the kretprobe one [1-9][0-9]* times, 0 wrong counts$'
expect_dmesg 'kpc_stress: # stats reader: [1-9][0-9]* readings while the sites were re-armed, 0 went backwards$'
expect_dmesg 'kpc_stress: ok 1 stress$'
unload kpc_stress
unload kprobe_core
exit 0

#!/bin/sh
# isolate
# accel: tcg,thread=single
# Re-arms while calls run: the witness sites of kpc_stress are re-armed
# every 20 ms (a post handler on and off at the int3 site, more maxactive
# at the kretprobe site) while callers on both CPUs hit them, so hits
# straddle the switch from one kernel probe to the next. Every witness
# count must equal the calls made. Its own guest, with both vCPUs run by
# one host thread: with QEMU's multi-threaded TCG a witness was one hit
# short in one 30 s run of four (not explained yet; see the issue notes).
. /tests/lib.sh

load kprobe_core
load kpc_stress seconds=20 burst_ms=20 live=1
dmesg_since_mark | sed -n 's/^.*kpc_stress: //p'
expect_dmesg 'kpc_stress: # witness misses: 0 0 \(kprobe, int3 kprobe\), 0/0 \(kretprobe reentry/pool\), 0 in flight$'
expect_dmesg 'kpc_stress: # re-arms while calls run, every 20 ms: [1-9][0-9]* joins and [1-9][0-9]* leaves re-armed the int3 witness site [1-9][0-9]* times and the kretprobe one [1-9][0-9]* times, 0 wrong counts$'
expect_dmesg 'kpc_stress: ok 1 stress$'
unload kpc_stress
unload kprobe_core
exit 0

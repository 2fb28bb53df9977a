#!/bin/sh
# A probe on a function of a module that is then unloaded: the kernel marks
# the probe GONE; the listing says so, the stats stay readable, unregister
# works, and a new registration after the module is back probes it again.
# The KPC_F_FTRACE_OPS probe ("fentry") too: its site leaves the core's
# ftrace filter with the module, so the module loaded again (at the same
# address, as it usually is) is not traced by the old site.
. /tests/lib.sh

# The ftrace_ops backend exists on x86 (kprobes on ftrace, ftrace with
# regs); elsewhere "fentry" is a client of the kprobe site.
if kconfig CONFIG_KPROBES_ON_FTRACE && kconfig CONFIG_DYNAMIC_FTRACE_WITH_REGS; then
	sites=3
else
	sites=2
fi

P=/sys/kernel/debug/kprobe_core/probes
load kprobe_core
load kpc_target
load kpc_gone_client
echo 100 >/sys/module/kpc_target/parameters/calls
run cat $P
grep -q 'kpc_gone_client/entry enabled hits=100 ' $P || fail "entry probe did not count 100 calls"
grep -q 'kpc_gone_client/return enabled hits=100 missed=0 returns=100 ' $P ||
	fail "return probe did not count 100 calls"
grep -q 'kpc_gone_client/fentry enabled hits=100 ' $P || fail "fentry probe did not count 100 calls"
if [ $sites -eq 3 ]; then
	grep -q '^0x[0-9a-f]* kprobe ftrace-ops kpc_target_fn+0x' $P || fail "no ftrace-ops site in the listing"
fi
addr=$(grep -m1 ' kpc_target_fn+0x' $P | cut -d' ' -f1)
unload kpc_target
run cat $P
[ "$(grep -c '^0x[0-9a-f]* k[a-z]*probe gone kpc_target_fn+0x' $P)" -eq $sites ] ||
	fail "the listing does not show all $sites sites as gone"
grep -q 'kpc_gone_client/entry enabled hits=100 ' $P || fail "stats lost after the module went"
# Back while the gone sites are still registered: none of them counts it.
# Loaded again until it lands where it was (the case that matters: an
# address left in a filter would trace the new code), at most 6 times.
tries=0
while :; do
	load kpc_target
	tries=$((tries + 1))
	newaddr=0x$(awk '$3 == "kpc_target_fn" { print $1; exit }' /proc/kallsyms)
	if [ "$newaddr" = "$addr" ] || [ $tries -ge 6 ]; then
		break
	fi
	unload kpc_target
done
echo "kpc_target_fn was at $addr, is now at $newaddr (load $tries)"
echo 5 >/sys/module/kpc_target/parameters/calls
run cat $P
for n in entry return fentry; do
	grep -q "kpc_gone_client/$n enabled hits=100 " $P || fail "gone site $n counted calls of the module loaded again"
done
unload kpc_target
mark
unload kpc_gone_client
dmesg_since_mark
expect_dmesg 'kprobe_core: kpc_gone_client/entry kpc_target_fn\+0x[0-9a-f]+ \[kpc_target\]: hits=100 missed=0'
expect_dmesg 'kprobe_core: kpc_gone_client/return kpc_target_fn\+0x[0-9a-f]+ \[kpc_target\] \(return\): hits=100 returns=100'
expect_dmesg 'kprobe_core: kpc_gone_client/fentry kpc_target_fn\+0x[0-9a-f]+ \[kpc_target\]: hits=100 missed=0'
grep -q '^# no probes registered' $P || fail "sites left after unregister"

# The module comes back: a fresh registration probes the new text.
load kpc_target
load kpc_gone_client
echo 7 >/sys/module/kpc_target/parameters/calls
grep -q 'kpc_gone_client/entry enabled hits=7 ' $P || fail "re-registered probe did not count"
grep -q 'kpc_gone_client/fentry enabled hits=7 ' $P || fail "re-registered fentry probe did not count"
unload kpc_gone_client
unload kpc_target
unload kprobe_core
exit 0

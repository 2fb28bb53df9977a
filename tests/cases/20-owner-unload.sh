#!/bin/sh
# A client module that unloads without unregistering: the core removes its
# probes, names the module in one warning line and prints their summaries.
. /tests/lib.sh

P=/sys/kernel/debug/kprobe_core/probes
load kprobe_core
load kpc_orphan
run cat $P
grep -q 'kpc_orphan/orphan_kprobe enabled' $P || fail "kprobe client not listed"
grep -q 'kpc_orphan/orphan_kretprobe enabled' $P || fail "kretprobe client not listed"
grep -Eq '^0x[0-9a-f]+ kprobe (ftrace|int3|brk) do_sys_openat2\+0x' $P || fail "kprobe site not listed"
grep -Eq '^0x[0-9a-f]+ kretprobe (ftrace|int3|brk) do_sys_openat2\+0x' $P || fail "kretprobe site not listed"
# Addresses as kprobes/list gives them: the probed address to a reader with
# CAP_SYSLOG in the initial user namespace (root here), 0 to any other.
listed=$(sed -n 's/^0x\([0-9a-f]*\) kprobe .* do_sys_openat2+0x\([0-9a-f]*\)$/\1 \2/p' $P)
addr=${listed% *} off=${listed#* }
sym=$(sed -n 's/^\([0-9a-f]*\) [tT] do_sys_openat2$/\1/p' /proc/kallsyms)
echo "listed 0x$addr = do_sys_openat2 (0x$sym) + 0x$off"
if [ -z "$sym" ] || [ -z "$listed" ] || [ "$((0x$addr))" -ne "$((0x$sym + 0x$off))" ]; then
	fail "listed address 0x$addr is not do_sys_openat2 (0x$sym) + 0x$off"
fi
if kconfig CONFIG_USER_NS; then
	# Root in a new user namespace owns the file but has no CAP_SYSLOG there.
	unshare -U -r cat $P >/tmp/listing-userns
	sed -n '/ do_sys_openat2/p' /tmp/listing-userns
	[ "$(grep -Ec '^0x0 k(ret)?probe (ftrace|int3|brk) do_sys_openat2\+0x' /tmp/listing-userns)" -eq 2 ] ||
		fail "a reader without CAP_SYSLOG is not shown 0x0 for both sites"
	grep -Eq '^0x[1-9a-f]' /tmp/listing-userns && fail "an address shown to a reader without CAP_SYSLOG"
else
	echo "# no CONFIG_USER_NS: the address rule for other readers is not checked here"
fi
for _ in 1 2 3 4 5; do cat /proc/version >/dev/null; done
mark
unload kpc_orphan
dmesg_since_mark
expect_dmesg 'kprobe_core: module kpc_orphan unloaded with 2 probe\(s\) registered; removing them'
expect_dmesg 'kprobe_core: kpc_orphan/orphan_kprobe do_sys_openat2\+0x[0-9a-f]+: hits=[1-9][0-9]* missed=0'
expect_dmesg 'kprobe_core: kpc_orphan/orphan_kretprobe do_sys_openat2\+0x[0-9a-f]+ \(return\): hits=[1-9][0-9]* returns=[1-9]'
# No open is in flight at the unload: every entry the return probe saw has
# returned, and both probes saw the same opens.
kp=$(dmesg_since_mark | sed -n 's/.*orphan_kprobe do_sys_openat2+0x[0-9a-f]*: hits=\([0-9]*\) .*/\1/p')
rh=$(dmesg_since_mark | sed -n 's/.*orphan_kretprobe .*(return): hits=\([0-9]*\) .*/\1/p')
rr=$(dmesg_since_mark | sed -n 's/.*orphan_kretprobe .*(return): hits=[0-9]* returns=\([0-9]*\) .*/\1/p')
echo "kprobe hits $kp, kretprobe hits $rh, returns $rr"
[ "$rh" = "$rr" ] || fail "kretprobe: $rh entries, $rr returns"
[ "$kp" = "$rh" ] || fail "kprobe counted $kp opens, kretprobe $rh"
[ "$(dmesg_since_mark | grep -c 'unloaded with')" -eq 1 ] || fail "expected exactly one warning line"
run cat $P
grep -q '^# no probes registered' $P || fail "probes still listed after the owner unloaded"
grep -q 'do_sys_openat2' /sys/kernel/debug/kprobes/list && fail "kernel still has a probe on do_sys_openat2"

# A module that is already unloading cannot register.
mark
load kpc_going
unload kpc_going
dmesg_since_mark
expect_dmesg 'kprobe_core: kpc_going/too_late: the module is being unloaded; not registering$'
expect_dmesg 'kpc_going: register from exit: -16$'
dmesg_since_mark | grep -q 'unloaded with' && fail "a probe of the unloading module was registered"
unload kprobe_core
exit 0

#!/bin/sh
# A probed function with a 511-character name (KSYM_NAME_LEN - 1) in a
# module with a 34-character name: the site's "where" text is then longer
# than KSYM_NAME_LEN + 32 bytes, the buffer the core once had (it overflowed
# into the site's next fields; a BUILD_BUG_ON now holds the size). The
# listing must carry the whole name, and the counts be exact.
. /tests/lib.sh

mod=kpc_target_with_a_long_symbol_name
P=/sys/kernel/debug/kprobe_core/probes
load kprobe_core
load $mod
fn=$(dmesg_since_mark | sed -n "s/^.*$mod: # function: //p")
[ ${#fn} -eq 511 ] || fail "the module names a function of ${#fn} characters, not 511"
grep -E " $fn\+0x[0-9a-f]+ \[$mod\]\$" $P || true
for kind in kprobe kretprobe; do
	grep -Eq "^0x[0-9a-f]+ $kind (ftrace|int3|brk) $fn\+0x[0-9a-f]+ \[$mod\]\$" $P ||
		fail "$kind site not listed with its whole name"
done
grep -Eq "^    $mod/long_kprobe enabled hits=5 missed=0\$" $P || fail "kprobe client: not 5 hits"
grep -Eq "^    $mod/long_kretprobe enabled hits=5 missed=0 returns=5 " $P ||
	fail "kretprobe client: not 5 hits and returns"
unload $mod
unload kprobe_core
exit 0

#!/bin/sh
# Globs (kpc_register_glob) through the funccount sample.
# 1. kpc_globtest's five kpc_glob_* functions (six names: one alias): 5
#    matched, 3 attached, the notrace one and the NOKPROBE one skipped and
#    counted; after 10 runs the counts are exact (a 10, b 20, c 30), in
#    that order, in debugfs, in the top list on rmmod and in the core's
#    summaries; the listing shows three sites at +0x0, or +0x4 past an
#    endbr64 (6.12 gives kpc_glob_a one: it has an alias) (ftrace-ops on x86,
#    where the backend exists) and the kernel lists no kprobe for them.
# 2. 'vfs_*': the functions attached are those ftrace's own filter takes
#    for the same glob, less the kprobe blacklist (the kernel decides, not
#    this script); around 2000 one-byte reads and writes by dd, the
#    kernel's own kprobes on vfs_read and vfs_write give an outer count
#    (enabled before the load, disabled after the unload) and an inner one
#    (enabled after the load, disabled before the unload): inner <= ours
#    <= outer, and inner >= 2000.
#    On a kernel with lockdep's RCU checks, a glob over those checks runs
#    and counts, and a client calling its probed function from its handler
#    sees each nested hit as one miss (kpc_glob_nest).
# 3. Bad patterns fail the load with their own errno and reason and leave
#    nothing behind; so does a glob when debugfs (the blacklist) is not
#    mounted.
. /tests/lib.sh

P=/sys/kernel/debug/kprobe_core/probes
C=/sys/kernel/debug/funccount/counts
T=/sys/kernel/tracing
BL=/sys/kernel/debug/kprobes/blacklist
[ -d $T/events ] || mount -t tracefs nodev $T
load kprobe_core
load kpc_globtest

mark
load funccount 'func=kpc_globtest:kpc_glob_*' top=2
dmesg_since_mark
expect_dmesg "kprobe_core: funccount: glob 'kpc_globtest:kpc_glob_\*': 5 functions matched, 3 attached, 2 skipped \(1 blacklisted, 1 not traceable\)$"
mode=ftrace-ops
if ! kconfig CONFIG_KPROBES_ON_FTRACE || ! kconfig CONFIG_DYNAMIC_FTRACE_WITH_REGS; then
	mode=brk	# no ftrace_ops backend: kprobes
fi
run cat $P
for f in a b c; do
	grep -Eq "^0x[0-9a-f]+ kprobe $mode kpc_glob_$f\+0x[04] \[kpc_globtest\]$" $P ||
		fail "no $mode site for kpc_glob_$f in the listing"
done
[ "$(grep -c '^0x' $P)" -eq 3 ] || fail "$(grep -c '^0x' $P) sites listed, not 3"
if [ $mode = ftrace-ops ] && grep kpc_glob_ /sys/kernel/debug/kprobes/list; then
	fail "the kernel has kprobes on the glob's functions: ftrace-ops sites by address need none"
fi
echo 10 >/sys/module/kpc_globtest/parameters/run
run cat $C
printf "%s\n" "FUNC COUNT" "kpc_globtest:kpc_glob_c 30" "kpc_globtest:kpc_glob_b 20" "kpc_globtest:kpc_glob_a 10" >/tmp/want
awk '{ print $1, $2 }' $C >/tmp/got
cmp /tmp/want /tmp/got || fail "counts are not c 30, b 20, a 10 in that order"
mark
unload funccount
dmesg_since_mark
dmesg_since_mark | sed -n 's/^\[[ 0-9.]*\] funccount: //p' >/tmp/top
printf '%s\n' "top 2 of 3 functions matching 'kpc_globtest:kpc_glob_*', by calls (60 calls in all):" \
	'kpc_globtest:kpc_glob_c 30' 'kpc_globtest:kpc_glob_b 20' >/tmp/want
awk 'NR == 1 { print; next } { print $1, $2 }' /tmp/top >/tmp/got
cmp /tmp/want /tmp/got || fail "the top list on rmmod is not c 30, b 20 of 60"
for fn in a:10 b:20 c:30; do
	expect_dmesg "kprobe_core: funccount/kpc_glob_${fn%:*} kpc_glob_${fn%:*}\+0x[0-9a-f]+ \[kpc_globtest\]: hits=${fn#*:} missed=0$"
done
grep -q '^# no probes registered' $P || fail "probes left after rmmod funccount"

# 2. vfs_*: the same functions as ftrace's filter, less the blacklist.
echo 'vfs_*' >$T/set_ftrace_filter
sed 's/ .*//' $T/set_ftrace_filter | sort >/tmp/ftrace
echo >$T/set_ftrace_filter
awk '{ print $2 }' $BL | sort -u >/tmp/bl
want=$(grep -cvxFf /tmp/bl /tmp/ftrace || true)
echo "ftrace's filter takes $(wc -l </tmp/ftrace) functions for vfs_*, $want not blacklisted"
[ "$want" -gt 20 ] || fail "ftrace's filter takes only $want vfs_* functions"
for e in 'p:kpcvr vfs_read' 'p:kpcvw vfs_write' 'p:kpcvri vfs_read' 'p:kpcvwi vfs_write'; do
	echo "$e" >>$T/kprobe_events
done
echo 1 >$T/events/kprobes/kpcvr/enable
echo 1 >$T/events/kprobes/kpcvw/enable
mark
load funccount 'func=vfs_*'
expect_dmesg "kprobe_core: funccount: glob 'vfs_\*': [0-9]+ functions matched, $want attached, "
echo 1 >$T/events/kprobes/kpcvri/enable
echo 1 >$T/events/kprobes/kpcvwi/enable
dd if=/dev/zero of=/dev/null bs=1 count=2000 2>/dev/null
echo 0 >$T/events/kprobes/kpcvwi/enable
echo 0 >$T/events/kprobes/kpcvri/enable
run head -n 6 $C
if [ $mode = ftrace-ops ]; then
	# the kernel's kprobes on vfs_read: the two events', none of ours
	n=$(grep -c ' vfs_read+' /sys/kernel/debug/kprobes/list || true)
	[ "$n" -eq 2 ] || fail "$n kernel kprobes on vfs_read, not the events' 2"
fi
for f in vfs_read vfs_write; do
	got=$(awk -v f=$f '$1 == f { print $2 }' $C)
	echo "$f: $got calls"
	if [ -z "$got" ] || [ "$got" -lt 2000 ]; then
		fail "$f counted ${got:-0} times for 2000 calls by dd"
	fi
done
unload funccount
echo 0 >$T/events/kprobes/kpcvr/enable
echo 0 >$T/events/kprobes/kpcvw/enable
dmesg_since_mark | grep -E 'funccount: |funccount/vfs_(read|write) '

run cat $T/kprobe_profile
for f in vfs_read:kpcvr vfs_write:kpcvw; do
	fn=${f%:*} ev=${f#*:}
	ours=$(dmesg_since_mark | sed -n "s/.* funccount\/$fn $fn+0x[0-9a-f]*: hits=\([0-9]*\) .*/\1/p")
	outer=$(awk -v e="$ev" '$1 == e { print $2 }' $T/kprobe_profile)
	inner=$(awk -v e="${ev}i" '$1 == e { print $2 }' $T/kprobe_profile)
	echo "$fn: the kernel's inner $inner <= ours $ours <= the kernel's outer $outer"
	if [ -z "$ours" ] || [ -z "$inner" ] || [ -z "$outer" ] || [ "$inner" -lt 2000 ] ||
		[ "$ours" -lt "$inner" ] || [ "$ours" -gt "$outer" ]; then
		fail "$fn: not 2000 <= inner ${inner:-none} <= ours ${ours:-none} <= outer ${outer:-none}"
	fi
done
echo >$T/kprobe_events

# 2b. With lockdep's RCU checks (debug kernels), a glob over them runs and
# counts; and a client of rcu_read_lock_sched_held that calls it from its
# handler: each hit nests one, a miss that must end there (the miss path
# once called it again, through rcu_dereference_sched(): no end).
if kconfig CONFIG_PROVE_RCU; then
	load funccount 'func=rcu_read_lock*held*'
	ls -lR /sys/kernel/debug/kprobe_core >/dev/null
	run cat $C
	[ "$(grep -c '^rcu_read_lock' $C || true)" -gt 0 ] || fail "no rcu_read_lock*held* call counted"
	unload funccount
	mark
	load kpc_glob_nest
	line=$(dmesg_since_mark | grep 'kpc_glob_nest/nest:rcu_read_lock_sched_held ' || true)
	echo "$line"
	hits=$(echo "$line" | sed -n 's/.* hits=\([0-9]*\) missed=.*/\1/p')
	missed=$(echo "$line" | sed -n 's/.* missed=\([0-9]*\)$/\1/p')
	if [ -z "$hits" ] || [ -z "$missed" ] || [ "$hits" -eq 0 ] || [ "$missed" -lt "$hits" ]; then
		fail "nested hits: hits=${hits:-none} missed=${missed:-none}, not H > 0 and missed >= H"
	fi
	unload kpc_glob_nest
fi

# 3. Bad patterns: each its errno (as busybox insmod prints it: ENOENT as
# "unknown symbol in module, or unknown parameter") and reason.
while IFS='|' read -r bad errno why; do
	mark
	if insmod "$MODDIR/funccount.ko" "func=$bad" 2>/tmp/err; then
		fail "funccount loaded with func='$bad'"
	fi
	dmesg_since_mark
	grep -q "$errno" /tmp/err || fail "func='$bad': insmod said '$(cat /tmp/err)', not $errno"
	expect_dmesg "$why"
	grep -q '^# no probes registered' $P || fail "probes left after func='$bad'"
done <<'EOF'
|Invalid argument|funccount: func= is required
kpc_globtest:nomatch_*|unknown symbol in module, or unknown parameter|kprobe_core: glob 'kpc_globtest:nomatch_\*': no function to probe \(0 matched
nosuchmodule:*|unknown symbol in module, or unknown parameter|kprobe_core: glob 'nosuchmodule:\*': no function to probe \(0 matched
a:b:c|Invalid argument|kprobe_core: glob 'a:b:c': give "pattern" or "module:pattern"
:x*|Invalid argument|kprobe_core: glob ':x\*': give "pattern" or "module:pattern"
kpc_globtest:|Invalid argument|kprobe_core: glob 'kpc_globtest:': give "pattern" or "module:pattern"
EOF
# Without debugfs the blacklist cannot be read: refused, not ignored.
# (debugfs busy, an earlier case's file still open: that check cannot run.)
if umount /sys/kernel/debug; then
	mark
	if insmod "$MODDIR/funccount.ko" 'func=kpc_globtest:kpc_glob_*' 2>/tmp/err; then
		mount -t debugfs nodev /sys/kernel/debug
		fail "funccount loaded without debugfs"
	fi
	mount -t debugfs nodev /sys/kernel/debug
	expect_dmesg "kprobe_core: glob 'kpc_globtest:kpc_glob_\*': cannot read the kprobe blacklist \(-2\): is debugfs mounted on /sys/kernel/debug\?"
	grep -q '^# no probes registered' $P || fail "probes left after the load without debugfs"
else
	echo "# debugfs is busy: the load without it not tried"
fi
unload kpc_globtest
unload kprobe_core
exit 0

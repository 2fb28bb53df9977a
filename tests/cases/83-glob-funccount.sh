#!/bin/sh
# Globs (kpc_register_glob) through the funccount sample.
# 1. kpc_globtest's five kpc_glob_* functions: 5 matched, 3 attached, the
#    notrace one and the NOKPROBE one skipped and counted; after 10 runs
#    the counts are exact (a 10, b 20, c 30), in that order, in debugfs,
#    in the top list on rmmod and in the core's summaries; the listing
#    shows three sites (ftrace-ops on x86, where the backend exists).
# 2. 'vfs_*': the functions attached are those ftrace's own filter takes
#    for the same glob, less the kprobe blacklist (the kernel decides, not
#    this script); 2000 one-byte reads and writes by dd are all counted,
#    and no more than the kernel's own kprobe on vfs_read and vfs_write,
#    enabled before the glob and disabled after it, counted.
# 3. Bad patterns fail the load with a reason and leave nothing behind.
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
	grep -Eq "^0x[0-9a-f]+ kprobe $mode kpc_glob_$f\+0x[0-9a-f]+ \[kpc_globtest\]$" $P ||
		fail "no $mode site for kpc_glob_$f in the listing"
done
[ "$(grep -c '^0x' $P)" -eq 3 ] || fail "$(grep -c '^0x' $P) sites listed, not 3"
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
want=$(grep -cvxFf /tmp/bl /tmp/ftrace)
echo "ftrace's filter takes $(wc -l </tmp/ftrace) functions for vfs_*, $want not blacklisted"
[ "$want" -gt 20 ] || fail "ftrace's filter takes only $want vfs_* functions"
echo 'p:kpcvr vfs_read' >>$T/kprobe_events
echo 'p:kpcvw vfs_write' >>$T/kprobe_events
echo 1 >$T/events/kprobes/enable
mark
load funccount 'func=vfs_*'
expect_dmesg "kprobe_core: funccount: glob 'vfs_\*': [0-9]+ functions matched, $want attached, "
dd if=/dev/zero of=/dev/null bs=1 count=2000 2>/dev/null
run head -n 6 $C
for f in vfs_read vfs_write; do
	got=$(awk -v f=$f '$1 == f { print $2 }' $C)
	echo "$f: $got calls"
	if [ -z "$got" ] || [ "$got" -lt 2000 ]; then
		fail "$f counted ${got:-0} times for 2000 calls by dd"
	fi
done
unload funccount
echo 0 >$T/events/kprobes/enable
dmesg_since_mark | grep -E 'funccount: |funccount/vfs_(read|write) '

run cat $T/kprobe_profile
for f in vfs_read:kpcvr vfs_write:kpcvw; do
	ours=$(dmesg_since_mark | sed -n "s/.* funccount\/${f%:*} ${f%:*}+0x[0-9a-f]*: hits=\([0-9]*\) .*/\1/p")
	kernel=$(awk -v e="${f#*:}" '$1 == e { print $2 }' $T/kprobe_profile)
	echo "${f%:*}: ours $ours, the kernel's $kernel"
	if [ -z "$ours" ] || [ -z "$kernel" ] || [ "$ours" -lt 2000 ] || [ "$ours" -gt "$kernel" ]; then
		fail "${f%:*}: ours ${ours:-none}, the kernel's ${kernel:-none} (ours must be 2000 <= ours <= kernel's)"
	fi
done
echo >$T/kprobe_events

# 3. Bad patterns.
for bad in '' 'kpc_globtest:nomatch_*' 'nosuchmodule:*' 'a:b:c' ':x*' 'kpc_globtest:'; do
	mark
	if insmod "$MODDIR/funccount.ko" "func=$bad" 2>/dev/null; then
		fail "funccount loaded with func='$bad'"
	fi
	dmesg_since_mark
	expect_dmesg "funccount: func= is required|kprobe_core: glob '.*': (no function to probe|give \"pattern\" or \"module:pattern\")"
	grep -q '^# no probes registered' $P || fail "probes left after func='$bad'"
done
unload kpc_globtest
unload kprobe_core
exit 0

#!/bin/sh
# open_args: an open with known flags and mode prints exactly that line;
# the comm= filter and the rate limit are counted in the rmmod summary.
. /tests/lib.sh

F=/tmp/kpc-open-args-$$.txt
load kprobe_core

# busybox tar -x --overwrite creates each member with
# open(name, O_WRONLY|O_CREAT|O_TRUNC, <member mode>): a member of mode
# 0640 gives an open with exactly that mode (the kernel keeps the
# permission bits; the umask only applies when the inode is created).
# open() and openat() add O_LARGEFILE on 64-bit kernels before
# do_sys_openat2() sees the flags.
echo hello >$F
chmod 0640 $F
(cd /tmp && tar -cf $F.tar "$(basename $F)")
rm -f $F

mark
load open_args comm=tar
(cd /tmp && tar -x --overwrite -f $F.tar)
cat /proc/version >/dev/null
unload open_args
dmesg_since_mark
expect_dmesg "open_args: tar\[[0-9]+\] dfd=AT_FDCWD name=\"$(basename $F)\" flags=O_WRONLY\|O_CREAT\|O_TRUNC\|O_LARGEFILE mode=0640\$"
expect_dmesg "open_args: tar\[[0-9]+\] dfd=AT_FDCWD name=\"$F.tar\" flags=O_RDONLY\|O_LARGEFILE mode=0000\$"
dmesg_since_mark | grep -E 'open_args: [^ ]+\[' | grep -qv 'open_args: tar\[' &&
	fail "comm=tar printed an open by another process"
expect_dmesg 'open_args: opens seen: [0-9]+, printed: [0-9]+, suppressed: [0-9]+ \(filtered out [1-9][0-9]*, rate-limited 0\)'
line=$(dmesg_since_mark | grep 'open_args: opens seen:')
seen=$(echo "$line" | sed 's/.*opens seen: \([0-9]*\),.*/\1/')
printed=$(echo "$line" | sed 's/.*printed: \([0-9]*\),.*/\1/')
supp=$(echo "$line" | sed 's/.*suppressed: \([0-9]*\) .*/\1/')
[ $((printed + supp)) -eq "$seen" ] || fail "printed + suppressed != seen in: $line"
nlines=$(dmesg_since_mark | grep -c 'open_args: tar\[' || true)
[ "$nlines" -eq "$printed" ] || fail "$nlines lines printed, summary says $printed"
hits=$(dmesg_since_mark | sed -n 's/.*kprobe_core: open_args\/open_args do_sys_openat2+0x[0-9a-f]*: hits=\([0-9]*\) .*/\1/p')
[ "$hits" = "$seen" ] || fail "summary saw $seen opens, the core counted ${hits:-nothing}"

# The pid filter: this shell's own redirection (done by the shell itself,
# without a fork; shell redirections pass mode 0666) is printed, the 20
# opens of another process running at the same time are not.
mark
load open_args pid=$$
(i=0; while [ $i -lt 20 ]; do : </proc/version; i=$((i + 1)); done) &
foreign=$!
echo x >$F
wait $foreign
unload open_args
dmesg_since_mark
expect_dmesg "open_args: sh\[$$\] dfd=AT_FDCWD name=\"$F\" flags=O_WRONLY\|O_CREAT\|O_TRUNC\|O_LARGEFILE mode=0666\$"
others=$(dmesg_since_mark | grep -E 'open_args: [^ ]+\[[0-9]+\] ' | grep -vc "\[$$\] " || true)
[ "$others" -eq 0 ] || fail "pid=$$ printed $others opens of other processes"
line=$(dmesg_since_mark | grep 'open_args: opens seen:')
printed=$(echo "$line" | sed -n 's/.*printed: \([0-9]*\),.*/\1/p')
filtered=$(echo "$line" | sed -n 's/.*filtered out \([0-9]*\),.*/\1/p')
echo "pid section: printed $printed, filtered out $filtered (the other process opened 20 times)"
[ "$printed" = 1 ] || fail "printed $printed opens, this shell made 1"
[ "$filtered" -ge 20 ] || fail "filtered out $filtered, the other process opened 20 times"

# Rate limit: 3 lines a second on each CPU; this shell, kept on CPU 0,
# opens 20 times in well under a second (the window starts at the first
# open): exactly 3 printed and 17 rate-limited.
mark
taskset -p 1 $$ >/dev/null || fail "cannot pin the shell to CPU 0"
load open_args pid=$$ ratelimit=3
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do : <$F; done
unload open_args
taskset -p 3 $$ >/dev/null
dmesg_since_mark
expect_dmesg 'open_args: opens seen: [0-9]+, printed: 3, suppressed: [0-9]+ \(filtered out [0-9]+, rate-limited 17\)$'
[ "$(dmesg_since_mark | grep -c "open_args: sh\[$$\] ")" -eq 3 ] || fail "expected 3 lines printed"

rm -f $F $F.tar
grep -q '^# no probes registered' /sys/kernel/debug/kprobe_core/probes ||
	fail "probes left registered after rmmod"
unload kprobe_core
exit 0

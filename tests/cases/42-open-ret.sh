#!/bin/sh
# open_ret: failed opens are printed with the name captured at entry and the
# errno decoded; with maxactive=1 and opens racing on both CPUs some calls
# are missed and the core says a higher maxactive would track them (the
# client's peak in flight is exactly its maxactive);
# with maxactive=64 nothing is missed.
. /tests/lib.sh

load kprobe_core

# Opens in flight on both CPUs at once: loops of redirections (done by the
# shell itself) and of cat, for about the same number of opens each.
race() {
	_pids=
	for _ in 1 2; do
		(i=0; while [ $i -lt 1500 ]; do : </proc/version; i=$((i + 1)); done) &
		_pids="$_pids $!"
		(i=0; while [ $i -lt 60 ]; do cat /proc/version /proc/cpuinfo >/dev/null; i=$((i + 1)); done) &
		_pids="$_pids $!"
	done
	# A plain wait says 0 whatever the loops did: wait for each.
	for _p in $_pids; do
		wait "$_p" || fail "an opening loop failed"
	done
}

mark
load open_ret maxactive=64
# Two opens that fail on purpose.
cat /no/such/file-$$ 2>/dev/null &
pid=$!
if wait $pid; then fail "cat /no/such/file-$$ succeeded"; fi
if (echo x >/tmp) 2>/dev/null; then fail "writing to /tmp (a directory) succeeded"; fi
race
unload open_ret
dmesg_since_mark | grep -v 'open_ret: open(' | sed 's/^/  /'
dmesg_since_mark | grep 'open_ret: open(' | head -n 5
expect_dmesg "open_ret: open\(\"/no/such/file-$$\"\) by cat\[$pid\] returned -2 \(ENOENT\)\$"
expect_dmesg 'open_ret: open\("/tmp"\) by sh\[[0-9]+\] returned -21 \(EISDIR\)$'
expect_dmesg 'open_ret: Missed 0 probe instances \(0 over maxactive=64, 0 re-entered\); tracked [1-9][0-9]* opens, [0-9]+ failed, [0-9]+ printed'
expect_dmesg 'kprobe_core: open_ret/open_ret do_sys_openat2\+0x[0-9a-f]+ \(return\): hits=[1-9][0-9]* returns=[1-9][0-9]* missed=0 '
# Nothing was missed and no open was in flight at the unload: every call
# the core saw returned. The sample's own counters saw exactly the two
# failed opens made here (the race's opens all succeed) and printed both.
hits=$(dmesg_since_mark | sed -n 's/.*open_ret\/open_ret .*(return): hits=\([0-9]*\) .*/\1/p')
rets=$(dmesg_since_mark | sed -n 's/.*open_ret\/open_ret .*(return): hits=[0-9]* returns=\([0-9]*\) .*/\1/p')
failed=$(dmesg_since_mark | sed -n 's/.*open_ret: Missed 0 .*, \([0-9]*\) failed, [0-9]* printed$/\1/p')
printed=$(dmesg_since_mark | sed -n 's/.*open_ret: Missed 0 .*, [0-9]* failed, \([0-9]*\) printed$/\1/p')
echo "maxactive=64: hits $hits, returns $rets, failed $failed, printed $printed"
[ "$hits" = "$rets" ] || fail "$hits calls entered, $rets returned"
[ "$failed" = 2 ] || fail "the sample counted $failed failed opens, 2 were made"
[ "$printed" = 2 ] || fail "the sample printed $printed failed opens, 2 were made"
dmesg_since_mark | grep -q 'a higher maxactive would track more' && fail "advice printed with nothing missed"

mark
load open_ret
race
unload open_ret
dmesg_since_mark | grep -v 'open_ret: open(' | sed 's/^/  /'
expect_dmesg 'open_ret: Missed [1-9][0-9]* probe instances \([1-9][0-9]* over maxactive=1, 0 re-entered\)'
missed=$(dmesg_since_mark | sed -n 's/.*open_ret: Missed [0-9]* probe instances (\([0-9]*\) over maxactive=1.*/\1/p')
expect_dmesg "kprobe_core: open_ret/open_ret do_sys_openat2\+0x[0-9a-f]+ \(return\): .* missed=$missed \(reentry=0 pool=$missed\) peak=1 maxactive=1 "
expect_dmesg "kprobe_core: open_ret/open_ret: $missed calls missed with maxactive=1 calls in flight: a higher maxactive would track more"
[ "$(dmesg_since_mark | grep -c 'a higher maxactive would track more')" -eq 1 ] ||
	fail "expected the advice line exactly once"

grep -q '^# no probes registered' /sys/kernel/debug/kprobe_core/probes ||
	fail "probes left registered after rmmod"
unload kprobe_core
exit 0

#!/bin/sh
# The kernel's own kprobe_events tests (tools/testing/selftests/ftrace,
# test.d/kprobe, from Debian's linux-source-6.1 6.1.192; tests/ftrace/README
# says which and what we changed) run against /sys/kernel/debug/kprobe_core
# as ftracetest runs them (tests/ftrace/run-tc.sh). Every one must pass: on
# the kernels here none is unsupported, and the README lines the cases look
# for before running parts of themselves must be there. First the runner
# shows it can tell: a failing command, exit_fail in a subshell, a missing
# requirement, a failure after a subshell's exit_unsupported.
. /tests/lib.sh

D=/sys/kernel/debug/kprobe_core
load kprobe_core
verdict() { /tests/ftrace/run-tc.sh "$D" "$1" >/tmp/tc.log 2>&1; sed -n 's/^verdict: \([a-z]*\).*/\1/p' /tmp/tc.log; }
for want in fails:fail fails_in_subshell:fail unsupported:unsupported \
	unsupported_then_fails:fail passes:pass; do
	got=$(verdict "/tests/ftrace/selfcheck/${want%%:*}.tc")
	echo "runner self-check ${want%%:*}: $got"
	[ "$got" = "${want#*:}" ] || fail "the runner judged selfcheck/${want%%:*}.tc $got, not ${want#*:}"
done

# what kprobe_syntax_errors, kretprobe_maxactive, kretprobe_return_suffix
# and kprobe_multiprobe check for before running (parts of) themselves
# shellcheck disable=SC2016 # README text, not shell
for line in 'r[maxactive]' '$arg<N>' 'imm-value' 'imm-string' '<type>\[<array-size>\]' \
	'Create/append/' '<symbol>[+<offset>]%return' 'x8/16/32/64'; do
	grep -qF "$line" $D/README || fail "README lacks '$line': the kernel's cases would skip what needs it"
done

bad=0 n=0
for tc in /tests/ftrace/kprobe/*.tc; do
	tcname=$(basename "$tc" .tc)
	n=$((n + 1))
	got=$(verdict "$tc")
	case $tcname:$got in
	*:pass) echo "ftrace kprobe/$tcname: pass" ;;
	kprobe_args_symbol:unresolved)
		# the case needs a data symbol in kallsyms, and says so
		kconfig CONFIG_KALLSYMS_ALL &&
			fail "kprobe_args_symbol unresolved with CONFIG_KALLSYMS_ALL=y"
		echo "ftrace kprobe/$tcname: not run: the kernel is built without CONFIG_KALLSYMS_ALL"
		n=$((n - 1)) ;;
	*)
		echo "ftrace kprobe/$tcname: $got; its last lines:"
		tail -n 25 /tmp/tc.log | sed 's/^/    /'
		bad=$((bad + 1)) ;;
	esac
done
echo "ftrace kprobe tests: $n run, $bad failed"
[ $bad -eq 0 ] || fail "$bad of $n of the kernel's kprobe_events tests failed"
unload kprobe_core
exit 0

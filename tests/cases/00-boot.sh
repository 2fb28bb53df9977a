#!/bin/sh
# The guest is fit for the other cases: kernel with kprobes, debugfs,
# module loading, and the built modules at hand.
. /tests/lib.sh

grep -q '^Linux version' /proc/version || fail "/proc/version unreadable"
echo "kernel: $(uname -r)"
[ -e /sys/kernel/debug/kprobes/list ] || fail "no /sys/kernel/debug/kprobes/list (CONFIG_KPROBES, debugfs)"
[ "$(cat /sys/kernel/debug/kprobes/enabled)" = 1 ] || fail "kprobes are disabled"
grep -q ' register_kprobe$' /proc/kallsyms || fail "register_kprobe not in /proc/kallsyms"
[ -e /proc/modules ] || fail "kernel without module support"
[ "$(cat /proc/sys/kernel/modules_disabled)" = 0 ] || fail "module loading is disabled"

set -- /modules/*.ko
[ -e "$1" ] || fail "no modules in /modules"
echo "modules: $(cd /modules && echo *.ko)"

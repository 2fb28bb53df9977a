#!/bin/sh
# What modinfo tells a user about the modules a user installs (the core and
# the samples): one version for all, the samples depend on kprobe_core, the
# core on nothing, and every parameter has a description. Read from the
# .modinfo strings (busybox's modinfo wants a modules.dep).
. /tests/lib.sh

# field MODULE KEY: the values of KEY in MODULE's .modinfo, one a line
field() {
	strings -n 3 "$MODDIR/$1.ko" | sed -n "s/^$2=//p"
}

v=$(field kprobe_core version)
echo "kprobe_core version: $v"
echo "$v" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' || fail "kprobe_core: version '$v' is not N.N.N"
[ -z "$(field kprobe_core depends)" ] || fail "kprobe_core depends on $(field kprobe_core depends)"
for m in kprobe_core hello_kpc sched_counter open_args open_ret funclatency funccount ucount malloc_sizes; do
	[ "$(field $m version)" = "$v" ] || fail "$m: version '$(field $m version)', not $v"
	[ -n "$(field $m description)" ] || fail "$m: no description"
	[ "$(field $m license)" = GPL ] || fail "$m: license '$(field $m license)'"
	if [ $m != kprobe_core ]; then
		[ "$(field $m depends)" = kprobe_core ] || fail "$m: depends '$(field $m depends)'"
	fi
	# Every parameter (parmtype) has a description (parm).
	for p in $(field $m parmtype | cut -d: -f1); do
		field $m parm | grep -q "^$p:." || fail "$m: parameter $p has no description"
	done
	echo "$m: version $v, depends '$(field $m depends)', parameters: $(field $m parmtype | cut -d: -f1 | paste -sd' ' -)"
done
exit 0

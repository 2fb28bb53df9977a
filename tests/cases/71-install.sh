#!/bin/sh
# isolate
# accel: tcg,thread=single
# timeout: 400
# needs: stages
# Installed the ways a user installs (scripts/install-stages.sh on the host:
# make install, DKMS from the tree and from make dist's tarball, make sign
# then make install), each staging root is this guest's /lib/modules in
# turn, and a real kmod does what a user does with it:
#   depmod                  writes the modules.dep the host wrote;
#   modprobe sched_counter  loads kprobe_core first (its "ready" line comes
#                           before the sample's), and lsmod shows both;
#   modprobe -r sched_counter kprobe_core  removes both;
#   modinfo                 the version, depends and parameter descriptions,
#                           and for the signed root the signer and sha256.
# One vCPU thread: sched_counter probes schedule() (see 40-sched-counter).
. /tests/lib.sh

# By full path: busybox's sh runs its own applets (modprobe, modinfo, lsmod)
# for bare names, whatever PATH says.
modprobe() { /usr/local/kmod/sbin/modprobe "$@"; }
depmod() { /usr/local/kmod/sbin/depmod; }
modinfo() { /usr/local/kmod/sbin/modinfo "$@"; }
lsmod() { /usr/local/kmod/sbin/lsmod; }
[ -d /stages ] || fail "no /stages: the host did not stage the installs (scripts/install-stages.sh)"
[ "$(readlink /usr/local/kmod/sbin/modprobe)" = /bin/kmod ] || fail "no kmod modprobe in this guest"
modprobe --version | head -n 1
kver=$(uname -r)
n=0
for root in /stages/*; do
	way=${root##*/}
	[ -d "$root/lib/modules/$kver" ] || fail "$way: no lib/modules/$kver in the staging root"
	rm -rf /lib/modules
	mkdir -p /lib
	ln -s "$root/lib/modules" /lib/modules
	echo "== $way: $(cd "/lib/modules/$kver" && find . -name '*.ko*' | sort | paste -sd' ' -)"
	# The guest's own depmod makes the same dependency list the host's did.
	cp "/lib/modules/$kver/modules.dep" /tmp/modules.dep.host
	depmod || fail "$way: depmod failed in the guest"
	if ! cmp -s /tmp/modules.dep.host "/lib/modules/$kver/modules.dep"; then
		diff /tmp/modules.dep.host "/lib/modules/$kver/modules.dep" || true
		fail "$way: the guest's depmod wrote another modules.dep than the host's"
	fi

	mark
	run modprobe sched_counter ratelimit=1 || fail "$way: modprobe sched_counter"
	sleep 0.2
	lsmod | grep -E '^(kprobe_core|sched_counter) '
	is_loaded kprobe_core || fail "$way: kprobe_core not loaded by modprobe sched_counter"
	is_loaded sched_counter || fail "$way: sched_counter not loaded"
	grep -q '^kprobe_core .* sched_counter,' /proc/modules ||
		fail "$way: /proc/modules does not show sched_counter using kprobe_core"
	# The core was ready before the sample said anything.
	lines=$(dmesg_since_mark | grep -nE 'kprobe_core: ready$|sched_counter: counting schedule' | cut -d: -f1 | paste -sd' ' -)
	echo "$way: 'ready' and the sample's first line at log lines: $lines"
	# exactly two line numbers, the core's first
	echo "$lines" | grep -Eq '^[0-9]+ [0-9]+$' ||
		fail "$way: want one 'ready' line and one sched_counter line (lines: $lines)"
	[ "${lines% *}" -lt "${lines#* }" ] ||
		fail "$way: want the core's 'ready' line before sched_counter's first (lines: $lines)"
	run modprobe -r sched_counter kprobe_core || fail "$way: modprobe -r"
	if is_loaded sched_counter || is_loaded kprobe_core; then
		fail "$way: still loaded after modprobe -r"
	fi

	v=$(modinfo -F version kprobe_core)
	echo "$v" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' || fail "$way: kprobe_core version '$v'"
	[ "$(modinfo -F version sched_counter)" = "$v" ] || fail "$way: sched_counter version differs from $v"
	[ "$(modinfo -F depends sched_counter)" = kprobe_core ] || fail "$way: sched_counter depends '$(modinfo -F depends sched_counter)'"
	modinfo -F parm sched_counter | grep -q '^ratelimit:.' || fail "$way: sched_counter's ratelimit has no description"
	modinfo sched_counter | grep -E '^(filename|version|depends|parm|signer|sig_hashalgo):'
	if [ "$way" = signed ]; then
		[ "$(modinfo -F signer sched_counter)" = "kprobe_core throwaway test key" ] ||
			fail "signed: signer '$(modinfo -F signer sched_counter)'"
		[ "$(modinfo -F sig_hashalgo sched_counter)" = sha256 ] || fail "signed: not sha256"
	fi
	n=$((n + 1))
done
# The signed root only where the kernel checks signatures (not debug-6.12).
want=3
if kconfig CONFIG_MODULE_SIG; then want=4; fi
[ $n -eq $want ] ||
	fail "want $want staging roots (make-install, dkms-checkout, dkms-tarball, signed where CONFIG_MODULE_SIG), found $n"
echo "$n installs: modprobe loaded and removed both modules, modinfo as expected"
exit 0

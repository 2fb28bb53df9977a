# shellcheck shell=dash
# Helpers for guest test cases (busybox sh). In a case:  . /tests/lib.sh
# The runner runs every case under "sh -e": any command that fails, unless
# the case tests it (if, ||, &&, !), fails the case.
#
#   load MOD [param=value ...]   insmod /modules/MOD.ko, fail the case if it fails
#   unload MOD                   rmmod MOD, fail the case if it fails
#   mark                         write a unique mark line into the kernel log
#   dmesg_since_mark             print kernel log lines since the last mark
#                                (the case fails if the mark is gone)
#   expect_dmesg REGEX           fail unless a line since the mark matches REGEX
#   fail MSG                     print "FAIL: MSG" and exit 1
#   skip REASON                  print "SKIP: REASON" and exit 77
#   run CMD...                   echo "$ CMD" and run it
#   kconfig OPTION               true if the guest kernel's config has OPTION=y

MODDIR=${MODDIR:-/modules}

fail() {
	echo "FAIL: $*"
	_KPC_SAID=1
	exit 1
}

# A case that stops on a failed command (sh -e) says so.
_KPC_SAID=
# shellcheck disable=SC2154 # _rc is set inside the trap
trap '_rc=$?; [ $_rc -eq 0 ] || [ $_rc -eq 77 ] || [ -n "$_KPC_SAID" ] ||
	echo "FAIL: a command failed with status $_rc (the case runs under sh -e)"' EXIT

skip() {
	echo "SKIP: $*"
	_KPC_SAID=1
	exit 77
}

run() {
	echo "\$ $*"
	"$@"
}

load() {
	_mod=$1
	shift
	[ -f "$MODDIR/$_mod.ko" ] || fail "module $MODDIR/$_mod.ko not found"
	insmod "$MODDIR/$_mod.ko" "$@" || fail "insmod $_mod $* failed"
}

unload() {
	rmmod "$1" || fail "rmmod $1 failed"
}

# The kernel's .config, put in the initramfs by the host (scripts/initramfs.sh).
kconfig() {
	[ -f /tests/kernel.config ] || fail "no /tests/kernel.config in this initramfs"
	grep -q "^$1=y\$" /tests/kernel.config
}

is_loaded() {
	grep -q "^$1 " /proc/modules
}

_KPC_MARK=/tmp/.kpc-mark-${KPC_CASE:-case}
# Set when the mark fell out of the kernel's log buffer: the runner fails
# the case, since every "nothing like X since the mark" check would pass.
KPC_MARK_LOST=/tmp/.kpc-mark-lost-${KPC_CASE:-case}

# A mark is a unique line written to the kernel log: counting lines would
# skip new ones once the 128 KiB buffer wraps.
mark() {
	_tok="kpc-mark $(cat /proc/sys/kernel/random/uuid)"
	echo "$_tok" >/dev/kmsg || fail "cannot write a mark to /dev/kmsg"
	echo "$_tok" >"$_KPC_MARK"
}

# Lines after the last occurrence of the mark.
dmesg_since_mark() {
	dmesg | awk -v t="$(cat "$_KPC_MARK")" -v lost="$KPC_MARK_LOST" '
		index($0, t) { n = 0; found = 1; next }
		found { line[n++] = $0 }
		END {
			if (!found) {
				print "mark lost: the kernel log no longer holds \"" t "\"" > "/dev/stderr"
				printf "" > lost
				exit 1
			}
			for (i = 0; i < n; i++) print line[i]
		}'
}

expect_dmesg() {
	if ! dmesg_since_mark | grep -Eq -- "$1"; then
		echo "kernel log since mark:"
		dmesg_since_mark | sed 's/^/  /'
		fail "no kernel log line matches /$1/"
	fi
}

# Start every case with a mark, so dmesg_since_mark works without one.
mark

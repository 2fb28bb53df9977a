# Helpers for guest test cases (busybox sh). In a case:  . /tests/lib.sh
#
#   load MOD [param=value ...]   insmod /modules/MOD.ko, fail the case if it fails
#   unload MOD                   rmmod MOD, fail the case if it fails
#   mark                         remember the current end of the kernel log
#   dmesg_since_mark             print kernel log lines since the last mark
#   expect_dmesg REGEX           fail unless a line since the mark matches REGEX
#   fail MSG                     print "FAIL: MSG" and exit 1
#   skip REASON                  print "SKIP: REASON" and exit 77
#   run CMD...                   echo "$ CMD" and run it

MODDIR=${MODDIR:-/modules}

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
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

is_loaded() {
	grep -q "^$1 " /proc/modules
}

_KPC_MARK=/tmp/.kpc-mark-${KPC_CASE:-case}

mark() {
	dmesg | wc -l >"$_KPC_MARK"
}

dmesg_since_mark() {
	_from=0
	[ -f "$_KPC_MARK" ] && _from=$(cat "$_KPC_MARK")
	dmesg | sed -n "$((_from + 1)),\$p"
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

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

# Checks a latency histogram as the core's samples and hist files draw it,
# read from stdin (debugfs, or the kernel log with its prefix stripped): a
# header "NAME latency in ns: count N, min X, mean Y, max Z" with N = $1,
# then bpftrace-style lines. Every call is counted, none is shorter than
# 1 ms, the buckets add up to the calls, the first non-empty bucket is the
# one that holds the min and the last the one that holds the max (computed
# here), most calls land from 1 ms to 8x 2 ms ([512K, 1M) to [8M, 16M) ns).
check_hist() {
	awk -v n="$1" '
	# The bucket of x: i with 2^i <= x < 2^(i+1), 0 below 2.
	function bucket(x,   i, p) { i = 0; p = 2; while (x >= p) { i++; p *= 2 }; return i }
	# The bucket of a label "[512K," or "[1M," or "[0,".
	function label(s,   v) {
		sub(/^\[/, "", s); sub(/,.*/, "", s)
		v = s + 0
		if (s ~ /K$/) v *= 1024
		if (s ~ /M$/) v *= 1048576
		if (s ~ /G$/) v *= 1073741824
		return bucket(v)
	}
	/ latency in ns: count / {
		head = 1
		sub(/,/, "", $6); count = $6
		sub(/,/, "", $8); min = $8 + 0
		max = $12 + 0
	}
	/^\[/ {
		split($0, f, ")")
		range = f[1] ")"
		split(f[2], g, " ")
		c = g[1]; total += c
		if (c > 0) { if (first == "") first = label(range); last = label(range) }
		if (range == "[512K, 1M)" || range == "[1M, 2M)" || range == "[2M, 4M)" ||
		    range == "[4M, 8M)" || range == "[8M, 16M)")
			near += c
		if (!match($0, /\|[@ ]+\|$/) || RLENGTH != 54)
			bad = bad " bar:" range
	}
	END {
		if (!head) { print "no header line"; exit 1 }
		if (count != n) { print "count " count ", want " n; exit 1 }
		if (min < 1000000) { print "min " min " ns is below 1 ms"; exit 1 }
		if (total != n) { print "buckets add up to " total ", want " n; exit 1 }
		if (first != bucket(min)) { print "first bucket " first ", min " min " is in " bucket(min); exit 1 }
		if (last != bucket(max)) { print "last bucket " last ", max " max " is in " bucket(max); exit 1 }
		if (near * 2 <= n) { print near " of " n " calls in [512K, 16M)"; exit 1 }
		if (bad != "") { print "malformed lines:" bad; exit 1 }
		print "count " count ", min " min " ns (bucket " first "), max " max " ns (bucket " last "), " near " of " n " in [512K, 16M)"
	}'
}
# Start every case with a mark, so dmesg_since_mark works without one.
mark

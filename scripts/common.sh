# shellcheck shell=bash
# Shared by the host-side scripts (sourced); they set $top first.
: "${top:?set top before sourcing common.sh}"

# Kernel log lines (with their printk timestamp) that mean something went
# wrong, x86 and arm64 spellings. Every line of the console (which carries
# only the kernel: the runner has its own port) and of the final log dump is
# scanned.
SPLAT_RE='\[ *[0-9]+\.[0-9]+\](\[ *[CT][0-9]+\])? .*(BUG:|BUG [a-z]|WARNING:|Oops|general protection|KASAN:|UBSAN:|KFENCE:|possible circular locking|suspicious RCU usage|sleeping function called from invalid context|rcu: INFO|detected stalls|INFO: task .* blocked|refcount_t:|list_add corruption|list_del corruption|Call Trace:|Call trace:|Modules linked in:|kernel BUG at|Kernel panic|Unable to handle kernel|Internal error:|ODEBUG:|DEBUG_LOCKS_WARN_ON|cut here|Bad page|soft lockup|hard LOCKUP|double fault|stack guard page|stack-protector|printk messages dropped)'

# Taint bits a run may end with: 12 (O, out-of-tree module), 13 (E, unsigned module).
export TAINT_OK=$(((1 << 12) | (1 << 13)))

# find_splats LOG: print "lineno:line" for every splat line.
find_splats() {
	grep -anE "$SPLAT_RE" "$1"
}

# What every guest has, besides its accelerator and CPUs (scripts/boot.sh:
# -accel tcg -smp 2 unless told otherwise) and its serial ports.
# shellcheck disable=SC2034 # used by the scripts that source this file
qemu_args=(-m 1G -nographic -nodefaults -no-reboot)
# noirqdebug: on the PREEMPT_RT kernel, the 8250's threaded IRQ handler falls
# behind a burst of output (the final log dump) on a loaded host, the kernel
# takes the IRQ for spurious ("irq 3: nobody cared"), disables it, and the
# port stalls until the host's timeout. The guests' serial ports are
# emulated; nothing tested here depends on that detector.
# log_buf_len=8M: the cases read their own lines back with dmesg, and the
# stock kernels keep 128 KiB (LOG_BUF_SHIFT=17). 61-rearm-live alone prints
# about 130 KB (a summary per client leaving, about 850 of them in 20 s):
# one CI run lost its mark to the wrap and failed. 8 MiB of a 1 GiB guest.
export base_append="console=ttyS0 edd=off printk.time=1 panic=-1 panic_on_warn=1 oops=panic noirqdebug log_buf_len=8M"

# copy_tree DIR: copy the source tree (without .git, .cache, results) to DIR,
# so builds for several kernels never share objects or dirty the work tree.
copy_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -C "$top" --exclude=./.git --exclude=./.cache --exclude=./results -cf - . | tar -C "$1" -xf -
	make -s -C "$1" clean >/dev/null 2>&1 || true
}

# default_kernel: the first kernel of scripts/kernels.conf.
default_kernel() {
	"$top/scripts/kernel.sh" --list | head -n 1
}

# Static checks: the lines of a build log that fail them.
# build_problems LOG: any compiler or modpost warning or error (W=1 build).
build_problems() {
	grep -aiE 'warning:|error:' "$1"
}
# sparse_problems LOG: any sparse (make C=2) warning or error line.
sparse_problems() {
	grep -aE ': (warning|error):|^(warning|error):' "$1"
}

# use_kernel NAME OUT: fetch (or build) kernel NAME of the matrix, logging to
# OUT/fetch.log, and load its description: kenv (its env file), KERNEL_*
# from it, kdir (the tree to build modules against), guest_busybox (the
# guest's static busybox: the arm64 one, or empty for the host's) and
# guest_sysroot (where the guest's kmod and its libraries are: / or arm64's). Every
# script that needs a kernel goes through here. Prints the package line; on
# failure prints the log and returns 1.
use_kernel() {
	if ! kenv=$("$top/scripts/kernel.sh" "$1" 2>"$2/fetch.log"); then
		cat "$2/fetch.log"
		return 1
	fi
	unset KERNEL_ARCH KERNEL_MAKE_ARGS KERNEL_BUSYBOX KERNEL_SYSROOT
	# shellcheck disable=SC1090
	. "$kenv"
	# A kernel built from source (scripts/build-kernel.sh, whose text is
	# part of its cache key, so it is left as it is) has no such lines: an
	# x86_64 kernel built with the host's tools.
	KERNEL_ARCH=${KERNEL_ARCH:-x86_64}
	KERNEL_MAKE_ARGS=${KERNEL_MAKE_ARGS:-}
	KERNEL_BUSYBOX=${KERNEL_BUSYBOX:-}
	# shellcheck disable=SC2034 # for the caller
	kdir=$(dirname "$kenv")/$KERNEL_KDIR
	# shellcheck disable=SC2034
	guest_busybox=${KERNEL_BUSYBOX:+$(dirname "$kenv")/$KERNEL_BUSYBOX}
	# shellcheck disable=SC2034 # the guest's kmod and its libraries
	guest_sysroot=${KERNEL_SYSROOT:+$(dirname "$kenv")/$KERNEL_SYSROOT}
	guest_sysroot=${guest_sysroot:-/}
	echo "   $KERNEL_PACKAGE $KERNEL_VERSION ($KERNEL_CC)"
}

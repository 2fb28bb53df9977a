#!/usr/bin/env bash
# `make demo` / `make shell`: build the modules for one kernel (default: the
# first of scripts/kernels.conf, or KERNEL=name) and boot a guest that runs
# the demo (scripts/guest/demo.sh, shown live) or an interactive shell.
# The demo is judged like every `make check` guest (scripts/boot.sh): it
# fails if a step of the tour fails, the guest does not finish, or the
# kernel shows a splat or a taint.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
mode=${1:?usage: guest-run.sh demo|shell}
k=${KERNEL:-$(default_kernel)}
out=$top/results/$mode
mkdir -p "$out"

use_kernel "$k" "$out" >/dev/null || exit 1
# The shell's machine: its first serial port is the console on stdio (the
# last console= on the command line). arm64: QEMU's virt board, its PL011.
case $KERNEL_ARCH in
x86_64)
	shell_qemu=(qemu-system-x86_64) shell_console=
	;;
arm64)
	# shellcheck disable=SC2054 # the commas are QEMU's
	shell_qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on)
	shell_console=console=ttyAMA0
	;;
*)
	echo "$mode: $k is an $KERNEL_ARCH kernel: no guest for it" >&2
	exit 1
	;;
esac
build=$top/.cache/build/$k
copy_tree "$build"
echo "Building the modules for $k ($KERNEL_RELEASE)..."
# shellcheck disable=SC2086 # KERNEL_MAKE_ARGS: words for make (cross builds)
if ! make -j"$(nproc)" -C "$build" KDIR="$kdir" KPC_TESTS=1 $KERNEL_MAKE_ARGS >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "$mode: the build failed; log: $out/build.log" >&2
	exit 1
fi
KCONFIG=$kdir/.config BUSYBOX=$guest_busybox scripts/initramfs.sh "$out/initramfs.cpio.gz" "$build" tests/cases/*.sh

case $mode in
shell)
	echo "Booting $KERNEL_RELEASE; leave with 'exit' (or Ctrl-A X)."
	exec "${shell_qemu[@]}" -accel "${KPC_ACCEL:-tcg}" -smp 2 "${qemu_args[@]}" \
		-kernel "$(dirname "$kenv")/$KERNEL_VMLINUZ" -initrd "$out/initramfs.cpio.gz" \
		-append "$base_append $shell_console loglevel=5 kpc.mode=shell" -serial mon:stdio
	;;
demo)
	echo "Booting $KERNEL_RELEASE under QEMU..."
	exec scripts/boot.sh --mode demo --live "$kenv" "$out/initramfs.cpio.gz" "$out" \
		"${DEMO_TIMEOUT:-300}" loglevel=5
	;;
*)
	echo "usage: guest-run.sh demo|shell" >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# `make demo` / `make shell`: build the modules for one kernel (default: the
# first of scripts/kernels.conf, or KERNEL=name) and boot a guest that runs
# the demo script (scripts/guest/demo.sh) or an interactive shell.
# The demo fails if the guest does not finish or the kernel log shows a splat.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
mode=${1:?usage: guest-run.sh demo|shell}
k=${KERNEL:-$(default_kernel)}
out=$top/results/$mode
mkdir -p "$out"

kenv=$(scripts/kernel.sh "$k")
# shellcheck disable=SC1090
. "$kenv"
kdir=$(dirname "$kenv")/$KERNEL_KDIR
build=$top/.cache/build/$k
copy_tree "$build"
echo "Building the modules for $k ($KERNEL_RELEASE)..."
if ! make -j"$(nproc)" -C "$build" KDIR="$kdir" >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "$mode: the build failed; log: $out/build.log" >&2
	exit 1
fi
scripts/initramfs.sh "$out/initramfs.cpio.gz" "$build" tests/cases/*.sh
vmlinuz=$(dirname "$kenv")/$KERNEL_VMLINUZ

case $mode in
shell)
	echo "Booting $KERNEL_RELEASE; leave with 'exit' (or Ctrl-A X)."
	exec "${qemu_cmd[@]}" -kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" \
		-append "$base_append loglevel=5 kpc.mode=shell" -serial mon:stdio
	;;
demo)
	echo "Booting $KERNEL_RELEASE under QEMU..."
	rm -f "$out/console.log" "$out/end.log"
	# The console goes to the terminal and to console.log; the guest writes
	# its end marker to the second serial port.
	timeout -k 5 "${DEMO_TIMEOUT:-300}" "${qemu_cmd[@]}" -monitor none \
		-kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" \
		-append "$base_append loglevel=5 kpc.mode=demo" \
		-chardev "stdio,id=con,logfile=$out/console.log" -serial chardev:con \
		-serial "file:$out/end.log" </dev/null |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g'
	touch "$out/end.log" "$out/console.log"
	tr -d '\r' <"$out/console.log" >"$out/console" && mv "$out/console" "$out/console.log"
	status=0
	if ! grep -aq '^KPC-DEMO-END' "$out/end.log"; then
		echo "demo: the guest did not finish the demo (crash or hang); log: $out/console.log" >&2
		status=1
	elif ! grep -aq '^KPC-DEMO-END status=0 ' "$out/end.log"; then
		echo "demo: a step of the demo failed ($(head -n 1 "$out/end.log")); log: $out/console.log" >&2
		status=1
	fi
	if find_splats "$out/console.log" >"$out/splats"; then
		echo "demo: kernel splat in the console log; log: $out/console.log" >&2
		sed 's/^/  /' "$out/splats" >&2
		status=1
	fi
	exit $status
	;;
*)
	echo "usage: guest-run.sh demo|shell" >&2
	exit 2
	;;
esac

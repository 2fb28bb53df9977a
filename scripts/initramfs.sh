#!/usr/bin/env bash
# Build a guest initramfs (gzip'd newc cpio): static busybox, /init, every built
# module flat in /modules, the test library and runner in /tests (and the
# kernel's ftrace selftests we run, tests/ftrace), the given
# cases in /tests/cases, the demo script, and the uprobe cases' program
# in /tests/bin with its functions' file offsets as readelf gives them.
#
# Usage: scripts/initramfs.sh OUT.cpio.gz MODULE_TREE [CASE.sh ...]
#   MODULE_TREE: directory searched for *.ko (the build tree)
# Environment: KCONFIG, the kernel's .config, goes to /tests/kernel.config
# (for cases whose expectations depend on it, e.g. IBT); BUSYBOX, the static
# busybox for the guest (default /bin/busybox; kernel.env's KERNEL_BUSYBOX);
# STAGES, a directory of staging roots (scripts/install-stages.sh), goes to
# /stages with a real kmod (modprobe, depmod, modinfo, lsmod) in
# /usr/local/kmod/sbin, taken with its libraries from SYSROOT (default /;
# kernel.env's KERNEL_SYSROOT for arm64).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: initramfs.sh OUT MODULE_TREE [CASE...]}
modtree=${2:?usage: initramfs.sh OUT MODULE_TREE [CASE...]}
shift 2

busybox=${BUSYBOX:-/bin/busybox}
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "initramfs: $busybox is not static (install busybox-static)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,modules,tests/cases}
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$top/scripts/guest/init" "$stage/init"
install -m 0755 "$top/scripts/guest/demo.sh" "$stage/demo.sh"
install -m 0755 "$top/examples/tour.sh" "$stage/tour.sh"
install -m 0644 "$top/tests/lib.sh" "$stage/tests/lib.sh"
cp -r "$top/tests/ftrace" "$stage/tests/ftrace"
install -m 0755 "$top/tests/run-cases.sh" "$stage/tests/run-cases.sh"
if [ -n "${KCONFIG:-}" ]; then
	install -m 0644 "$KCONFIG" "$stage/tests/kernel.config"
fi
for c in "$@"; do
	install -m 0755 "$c" "$stage/tests/cases/$(basename "$c")"
done
find "$modtree" -name '*.ko' -not -path '*/.git/*' -not -path '*/results/*' \
	-exec cp {} "$stage/modules/" \;

# guest_elf FILE: copy SYSROOT's FILE (an absolute path inside it), its ELF
# interpreter and the libraries it needs, recursively, to the same paths.
guest_elf() {
	local f=$1 lib dir found
	[ -e "$stage$f" ] && return 0
	mkdir -p "$stage$(dirname "$f")"
	cp -L "$sysroot$f" "$stage$f"
	lib=$(readelf -lW "$sysroot$f" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$lib" ] || guest_elf "$lib"
	for lib in $(readelf -dW "$sysroot$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for dir in /lib/*-linux-gnu /usr/lib/*-linux-gnu /lib /usr/lib; do
			if [ -e "$sysroot$dir/$lib" ]; then found=$dir/$lib; break; fi
		done
		[ -n "$found" ] || { echo "initramfs: $lib (for $f) not in $sysroot" >&2; exit 1; }
		guest_elf "$found"
	done
}
if [ -n "${STAGES:-}" ]; then
	sysroot=${SYSROOT:-/}
	sysroot=${sysroot%/}
	cp -a "$STAGES" "$stage/stages"
	guest_elf /bin/kmod
	mkdir -p "$stage/usr/local/kmod/sbin"
	for t in modprobe depmod modinfo lsmod insmod rmmod; do
		ln -s /bin/kmod "$stage/usr/local/kmod/sbin/$t"
	done
fi
# "name 0xOFFSET" for each function of ELF file $1, from readelf: where in
# the file the code is (value - vaddr + offset of the executable PT_LOAD
# holding it). The uprobe cases check the core's ELF resolver against it.
file_offsets() {
	local loads name value off vaddr size
	loads=$(readelf -lW "$1" | awk '$1 == "LOAD" && / E 0x/ { print $2, $3, $5 }')
	readelf -sW "$1" | awk '$4 == "FUNC" && $7 != "UND" { print $8, $2 }' | sort -u |
		while read -r name value; do
			while read -r off vaddr size; do
				if (( 0x$value >= vaddr && 0x$value < vaddr + size )); then
					printf '%s 0x%x\n' "$name" $((0x$value - vaddr + off))
				fi
			done <<<"$loads"
		done
}
# The uprobe cases' program (tests/programs, built with the modules).
if [ -x "$modtree/tests/programs/utarget" ]; then
	mkdir -p "$stage/tests/bin"
	cp "$modtree/tests/programs/utarget" "$stage/tests/bin/utarget"
	file_offsets "$stage/tests/bin/utarget" >"$stage/tests/bin/utarget.offsets"
fi
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"

#!/usr/bin/env bash
# Build a kernel of the matrix from a Debian linux-source package and a config
# fragment kept in the repo (a "build:" line of scripts/kernels.conf):
# tinyconfig + the fragment, olddefconfig, then `make bzImage modules` (so
# Module.symvers exists and `make -C <tree> M=...` works against the tree).
#
# The built tree is cached in $KPC_CACHE/kernels/NAME/<source version>-<hash of
# the fragment and this script>/: only the first run pays for the build. kernel.sh calls this under
# its per-kernel lock.
#
# Usage: scripts/build-kernel.sh NAME SOURCE_PACKAGE FRAGMENT
#        -> prints the path of NAME's kernel.env (same variables as kernel.sh's)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: build-kernel.sh NAME SOURCE_PACKAGE FRAGMENT}
pkg=${2:?usage: build-kernel.sh NAME SOURCE_PACKAGE FRAGMENT}
frag=$top/${3:?usage: build-kernel.sh NAME SOURCE_PACKAGE FRAGMENT}
base=${KPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kprobe_core}/kernels/$name
log() { echo "kernel[$name]: $*" >&2; }

[ -f "$frag" ] || { log "no config fragment $frag"; exit 1; }
# The key covers the recipe too: this script and the fragment.
hash=$(cat "$frag" "$0" | sha256sum | cut -c1-12)
version=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	# No package lists: a tree built from the same fragment will do.
	# shellcheck disable=SC2012 # our own directory names, newest first
	env=$(ls -t "$base"/*-"$hash"/kernel.env 2>/dev/null | head -n 1 || true)
	if [ -n "$env" ]; then
		log "cannot resolve $pkg with apt-cache; using the cached kernel"
		echo "$env"
		exit 0
	fi
	log "cannot resolve $pkg (run scripts/deps.sh, or apt-get update)"
	exit 1
fi
dir=$base/$version-$hash
# kernel.env is written last: its presence means a complete build.
if [ -f "$dir/kernel.env" ]; then
	echo "$dir/kernel.env"
	exit 0
fi

t0=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir/deb"
sandbox=(); [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
log "fetching $pkg=$version"
if ! (cd "$dir/deb" && apt-get download -q "${sandbox[@]}" "$pkg=$version") >&2; then
	rm -rf "$dir"
	log "download of $pkg=$version failed (apt-get update may help)"
	exit 1
fi
log "unpacking"
dpkg-deb --fsys-tarfile "$dir"/deb/*.deb | tar -x -O --wildcards './usr/src/linux-source-*.tar.xz' |
	tar -xJ -C "$dir"
rm -rf "$dir/deb"
src=$(cd "$dir" && find . -maxdepth 1 -name 'linux-source-*' -type d -printf '%f\n' | head -n 1)
tree=$dir/$src

log "configuring: tinyconfig + ${frag#"$top"/}"
{
	# ARCH=x86_64: a 64-bit tinyconfig (plain tinyconfig is i386, and its
	# 32-bit defaults, e.g. FRAME_WARN=1024, would outlive CONFIG_64BIT=y).
	make -C "$tree" ARCH=x86_64 tinyconfig
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$frag"
	make -C "$tree" olddefconfig
} >"$dir/config.log" 2>&1 || { tail -n 20 "$dir/config.log" >&2; log "configuration failed"; exit 1; }
# tinyconfig + olddefconfig drop what they cannot satisfy without a word:
# every option the fragment asks for must be in the final .config.
lost=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)$/\1/p' "$frag" | while IFS= read -r want; do
	grep -qxF "$want" "$tree/.config" || echo "  $want (got: $(grep "^${want%%=*}=" "$tree/.config" || echo unset))"
done)
off=$(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$frag" | while IFS= read -r sym; do
	grep -q "^$sym=" "$tree/.config" && echo "  $sym should be off: $(grep "^$sym=" "$tree/.config")"
done || true)
if [ -n "$lost$off" ]; then
	log "the .config does not hold what ${frag#"$top"/} asks for:"
	printf '%s\n' "$lost" "$off" | sed '/^$/d' >&2
	exit 1
fi

log "building bzImage and modules (make -j$(nproc); log: $dir/build.log)"
if ! make -C "$tree" -j"$(nproc)" bzImage modules >"$dir/build.log" 2>&1; then
	tail -n 30 "$dir/build.log" >&2
	log "build failed"
	exit 1
fi
if [ ! -f "$tree/Module.symvers" ] || [ ! -f "$tree/arch/x86/boot/bzImage" ]; then
	log "build left no Module.symvers or bzImage"
	exit 1
fi

release=$(make -s -C "$tree" kernelrelease)
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$tree/.config")
cat >"$dir/kernel.env" <<ENV
# Paths are relative to this file's directory.
KERNEL_NAME=$name
KERNEL_PACKAGE=$pkg
KERNEL_VERSION=$version
KERNEL_RELEASE=$release
KERNEL_KDIR=$src
KERNEL_VMLINUZ=$src/arch/x86/boot/bzImage
KERNEL_CC="$cc"
ENV
# Trees of older source versions or fragments are not needed any more.
for old in "$base"/*/; do
	[ "${old%/}" = "$dir" ] || rm -rf "$old"
done
log "ready: $release ($pkg $version, fragment $hash), built in $(($(date +%s) - t0))s with $cc"
echo "$dir/kernel.env"

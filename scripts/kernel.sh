#!/usr/bin/env bash
# Fetch one kernel of the matrix (scripts/kernels.conf) into $KPC_CACHE/kernels/NAME/:
# the image's /boot (vmlinuz, config, System.map) and its headers, unpacked with
# dpkg-deb and made relocatable so `make -C $KDIR M=...` works from the cache.
# A "build:SOURCE_PACKAGE FRAGMENT" line is built from source instead
# (scripts/build-kernel.sh), with the same kernel.env.
#
# Usage: scripts/kernel.sh NAME      -> prints the path of NAME's kernel.env
#        scripts/kernel.sh --list    -> prints the matrix names, default first
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/scripts/kernels.conf

matrix() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$conf"; }

if [ "${1:-}" = "--list" ]; then
	matrix | awk '{print $1}'
	exit 0
fi
name=${1:?usage: kernel.sh NAME}
line=$(matrix | awk -v n="$name" '$1 == n')
[ -n "$line" ] || { echo "kernel.sh: '$name' is not in $conf" >&2; exit 1; }
read -r _ image_pkg headers_pkg <<<"$line"

# Kernels live outside the clone (KPC_CACHE, default ~/.cache/kprobe_core) so a
# fresh clone on the same machine reuses them; each is keyed by its packages.
cache=${KPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kprobe_core}
dir=$cache/kernels/$name
log() { echo "kernel[$name]: $*" >&2; }

# One fetch of a kernel at a time (parallel runs share the cache).
mkdir -p "$cache/kernels"
exec 9>"$cache/kernels/.$name.lock"
flock 9

case $image_pkg in
build:*) KPC_CACHE=$cache exec "$top/scripts/build-kernel.sh" "$name" "${image_pkg#build:}" "$headers_pkg" ;;
esac

# Follow a meta package down to the concrete one it depends on: the first
# dependency with the same prefix (linux-image-, linux-headers-) that is not
# a -common package. A concrete package has none and resolves to itself.
resolve() {
	local pkg=$1 prefix next
	prefix=$(echo "$pkg" | sed -E 's/^(linux-[a-z]+-).*/\1/')
	for _ in 1 2 3 4; do
		next=$(apt-cache depends "$pkg" 2>/dev/null |
			awk -v p="$prefix" '$1 ~ /^\|?Depends:$/ && index($2, p) == 1 && $2 !~ /-common(-rt)?$/ {print $2; exit}')
		[ -n "$next" ] || break
		pkg=$next
	done
	apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1 || return 1
	echo "$pkg"
}
version_of() { apt-cache show --no-all-versions "$1" | awk '/^Version:/ {print $2; exit}'; }

image=$(resolve "$image_pkg" || true)
headers=$(resolve "$headers_pkg" || true)
if [ -z "$image" ] || [ -z "$headers" ]; then
	if [ -f "$dir/kernel.env" ]; then
		log "cannot resolve $image_pkg/$headers_pkg with apt-cache; using the cached kernel"
		echo "$dir/kernel.env"
		exit 0
	fi
	log "cannot resolve $image_pkg / $headers_pkg (run scripts/deps.sh, or apt-get update)"
	exit 1
fi
version=$(version_of "$image")
key="$image=$version $headers=$(version_of "$headers")"

if [ -f "$dir/kernel.env" ] && [ "$(cat "$dir/key" 2>/dev/null)" = "$key" ]; then
	echo "$dir/kernel.env"
	exit 0
fi

# Headers pull in their -common part and the kbuild tools.
extra=$(apt-cache depends "$headers" |
	awk '$1 ~ /^\|?Depends:$/ && $2 ~ /^linux-(headers|kbuild)-/ {print $2}' | sort -u)
pkgs="$headers $extra"
log "fetching $image $pkgs ($version)"

rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root.tmp"
sandbox=(); [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
# shellcheck disable=SC2086 # $pkgs: one word per package
fetch() { (cd "$dir/debs" && apt-get download -q "${sandbox[@]}" "$image" $pkgs) >&2; }
if ! fetch; then
	# Stale package lists name packages the archive has dropped: refresh
	# them and resolve again, once.
	rm -rf "$dir"
	if [ "$(id -u)" -eq 0 ] && [ -z "${KERNEL_SH_UPDATED:-}" ]; then
		log "download failed; apt-get update, then resolve again"
		apt-get update -qq >&2
		KERNEL_SH_UPDATED=1 exec "$0" "$name"
	fi
	log "download failed (apt-get update may help)"
	exit 1
fi

for deb in "$dir"/debs/*.deb; do
	case $(basename "$deb") in
	"$image"_*)
		# Only /boot: the kernel's modules are not needed (kprobes are built in).
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/root.tmp" --wildcards './boot/*'
		;;
	*) dpkg-deb -x "$deb" "$dir/root.tmp" ;;
	esac
done

root=$dir/root.tmp
kdir=$(find "$root"/usr/src -maxdepth 1 -name 'linux-headers-*-amd64' ! -name '*-common*' | head -n 1)
[ -n "$kdir" ] || { log "no linux-headers-*-amd64 in $headers"; exit 1; }
release=${kdir##*/linux-headers-}

# The arch headers' Makefile includes the -common one by absolute path:
# make it relative to the Makefile itself so the tree works where it lies.
# shellcheck disable=SC2016 # $(...) is make's, not the shell's
sed -i -E 's|^include /usr/src/([^/]+)/Makefile|include $(dir $(lastword $(MAKEFILE_LIST)))../\1/Makefile|' "$kdir/Makefile"
# Absolute symlinks (lib/modules/*/build, source) -> relative within the root.
find "$root" -type l -lname '/*' | while read -r l; do
	t=$(readlink "$l")
	rel=$(realpath -m --relative-to="$(dirname "$l")" "$root$t")
	ln -sfn "$rel" "$l"
done
if grep -rqs '^include /usr/' "$kdir/Makefile"; then
	log "could not relocate $kdir/Makefile"; exit 1
fi

vmlinuz=$(find "$root"/boot -name 'vmlinuz-*' | head -n 1)
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$kdir/.config")
rm -rf "$dir/debs"
mv "$root" "$dir/root"
cat >"$dir/kernel.env" <<ENV
# Paths are relative to this file's directory.
KERNEL_NAME=$name
KERNEL_PACKAGE=$image
KERNEL_VERSION=$version
KERNEL_RELEASE=$release
KERNEL_KDIR=root/usr/src/linux-headers-$release
KERNEL_VMLINUZ=root/boot/${vmlinuz##*/}
KERNEL_CC="$cc"
ENV
echo "$key" >"$dir/key"
log "ready: $release ($version), built with $cc"
echo "$dir/kernel.env"

#!/usr/bin/env bash
# Fetch one kernel of the matrix (scripts/kernels.conf) into $KPC_CACHE/kernels/NAME/:
# the image's /boot (vmlinuz, config, System.map) and its headers, unpacked with
# dpkg-deb and made relocatable so `make -C $KDIR M=...` works from the cache.
# A "build:SOURCE_PACKAGE FRAGMENT" line is built from source instead
# (scripts/build-kernel.sh), with the same kernel.env.
#
# Packages named *-arm64 are Debian's arm64 kernels. They come through a
# private apt state in $KPC_CACHE/apt-arm64 (arm64 package lists plus the
# host's; no dpkg --add-architecture), with the host's build of the headers'
# linux-kbuild (fixdep, modpost... run here) and busybox-static:arm64 for the
# guest; modules for them are cross-built (KERNEL_MAKE_ARGS in kernel.env).
#
# Usage: scripts/kernel.sh NAME         -> prints the path of NAME's kernel.env
#        scripts/kernel.sh --list       -> prints the matrix names, default first
#        scripts/kernel.sh --arch NAME  -> prints NAME's KERNEL_ARCH, fetching nothing
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/scripts/kernels.conf

matrix() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$conf"; }

if [ "${1:-}" = "--list" ]; then
	matrix | awk '{print $1}'
	exit 0
fi
query=''
[ "${1:-}" != "--arch" ] || { query=arch; shift; }
name=${1:?usage: kernel.sh [--arch] NAME}
line=$(matrix | awk -v n="$name" '$1 == n')
[ -n "$line" ] || { echo "kernel.sh: '$name' is not in $conf" >&2; exit 1; }
read -r _ image_pkg headers_pkg <<<"$line"
case $headers_pkg in
*-arm64) arch=arm64 flavour=arm64 ;;
*) arch=x86_64 flavour=amd64 ;;
esac
[ "$query" != arch ] || { echo $arch; exit 0; }

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

host_arch=$(dpkg --print-architecture)
sandbox=(); [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)

# arm64: the private apt state, its lists refreshed when missing or a day old.
apt_update() {
	(flock 8 && apt-get update -qq "${sandbox[@]}") 8>"$apt/.lock" >&2
}
if [ $arch = arm64 ]; then
	apt=$cache/apt-arm64
	# shellcheck source=/dev/null
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	kr=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$apt"/lists/partial "$apt"/cache/archives/partial "$apt"/etc/apt.conf.d \
		"$apt"/etc/sources.list.d "$apt"/etc/preferences.d
	[ -f "$apt/status" ] || : >"$apt/status"
	cat >"$apt/etc/sources.list" <<EOF
deb [signed-by=$kr] http://deb.debian.org/debian $suite main
deb [signed-by=$kr] http://deb.debian.org/debian $suite-updates main
deb [signed-by=$kr] http://deb.debian.org/debian-security $suite-security main
EOF
	cat >"$apt/apt.conf" <<EOF
APT::Architecture "arm64";
APT::Architectures { "arm64"; "$host_arch"; };
Acquire::Languages "none";
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
Dir::Etc::Parts "$apt/etc/apt.conf.d";
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Preferences "$apt/etc/preferences";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
EOF
	export APT_CONFIG=$apt/apt.conf
	if [ -z "$(find "$apt/.updated" -mmin -1440 2>/dev/null)" ]; then
		log "apt-get update (private arm64 package lists in $apt)"
		if apt_update; then touch "$apt/.updated"; else log "apt-get update failed"; fi
	fi
fi

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
hversion=$(version_of "$headers")
key="$image=$version $headers=$hversion"

# Headers pull in their -common part and the kbuild tools. For arm64 the
# kbuild tools are the host's build of the headers' very version (same
# source package), and the guest's busybox comes along.
kbuild=''; [ $arch = x86_64 ] || kbuild=":$host_arch=$hversion"
extra=$(apt-cache depends "$headers" |
	awk -v k="$kbuild" '$1 ~ /^\|?Depends:$/ && $2 ~ /^linux-(headers|kbuild)-/ {
		sub(/:.*/, "", $2); if ($2 ~ /^linux-kbuild-/) $2 = $2 k; print $2 }' | sort -u)
if [ $arch = arm64 ]; then
	# The guest's userland: busybox, and kmod with the libraries it links
	# (the install case runs a real modprobe/depmod, as users do).
	for p in busybox-static kmod libc6 liblzma5 libssl3 libzstd1; do
		v=$(version_of "$p")
		extra="$extra $p=$v"
		key="$key $p=$v"
	done
fi
pkgs="$headers $extra"

# write_env: NAME's kernel.env from the unpacked $dir/root (also brings the
# kernel.env of an older format up to date without fetching again).
write_env() {
	local kdir release vmlinuz cc make_args='' busybox='' sysroot=''
	kdir=$(find "$dir/root"/usr/src -maxdepth 1 -name "linux-headers-*-$flavour" ! -name '*-common*' | head -n 1)
	release=${kdir##*/linux-headers-}
	vmlinuz=$(find "$dir/root"/boot -name 'vmlinuz-*' | head -n 1)
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$kdir/.config")
	if [ $arch = arm64 ]; then
		make_args=ARCH=arm64
		[ "$host_arch" = arm64 ] || make_args="$make_args CROSS_COMPILE=aarch64-linux-gnu-"
		busybox=root/bin/busybox
		sysroot=root
	fi
	cat >"$dir/kernel.env" <<ENV
# Paths are relative to this file's directory.
KERNEL_NAME=$name
KERNEL_ARCH=$arch
KERNEL_PACKAGE=$image
KERNEL_VERSION=$version
KERNEL_RELEASE=$release
KERNEL_KDIR=root/usr/src/linux-headers-$release
KERNEL_VMLINUZ=root/boot/${vmlinuz##*/}
KERNEL_CC="$cc"
# what make needs besides -C KDIR M=... (cross builds)
KERNEL_MAKE_ARGS="$make_args"
# the guest's static busybox; empty: the host's /bin/busybox
KERNEL_BUSYBOX=$busybox
# where the guest's kmod and its libraries are; empty: the host's /
KERNEL_SYSROOT=$sysroot
ENV
}

if [ -f "$dir/kernel.env" ] && [ "$(cat "$dir/key" 2>/dev/null)" = "$key" ]; then
	grep -q '^KERNEL_SYSROOT=' "$dir/kernel.env" || write_env
	echo "$dir/kernel.env"
	exit 0
fi

log "fetching $image $pkgs ($version)"

rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root.tmp"
# shellcheck disable=SC2086 # $pkgs: one word per package
fetch() { (cd "$dir/debs" && apt-get download -q "${sandbox[@]}" "$image" $pkgs) >&2; }
if ! fetch; then
	# Stale package lists name packages the archive has dropped: refresh
	# them and resolve again, once.
	rm -rf "$dir"
	if [ $arch = arm64 ] && [ -z "${KERNEL_SH_UPDATED:-}" ]; then
		log "download failed; apt-get update, then resolve again"
		apt_update && touch "$apt/.updated"
		KERNEL_SH_UPDATED=1 exec "$0" "$name"
	fi
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
kdir=$(find "$root"/usr/src -maxdepth 1 -name "linux-headers-*-$flavour" ! -name '*-common*' | head -n 1)
[ -n "$kdir" ] || { log "no linux-headers-*-$flavour in $headers"; exit 1; }

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
if [ $arch = arm64 ]; then
	# fixdep must be the host's, busybox the guest's.
	rc=0; "$kdir/scripts/basic/fixdep" >/dev/null 2>&1 || rc=$?
	[ $rc -ne 126 ] || { log "$kdir/scripts/basic/fixdep does not run on this host"; exit 1; }
	file -L "$root/bin/busybox" | grep -q 'aarch64.*statically linked' ||
		{ log "$root/bin/busybox is not a static arm64 busybox"; exit 1; }
fi

rm -rf "$dir/debs"
mv "$root" "$dir/root"
write_env
echo "$key" >"$dir/key"
log "ready: $(sed -n 's/^KERNEL_RELEASE=//p' "$dir/kernel.env") ($version, $arch), built with $(sed -n 's/^KERNEL_CC=//p' "$dir/kernel.env")"
echo "$dir/kernel.env"

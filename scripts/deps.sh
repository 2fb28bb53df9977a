#!/usr/bin/env bash
# Install the Debian packages that building and testing need.
# As root: installs what is missing (apt-get update once first).
# Otherwise: prints the command to run and exits 1.
set -euo pipefail

# package : how to tell it is there
checks=(
	"make:cmd make"
	"gcc:cmd gcc"
	"gcc-12:cmd gcc-12"
	"libc6-dev:file /usr/include/stdio.h"
	"bc:cmd bc"
	"flex:cmd flex"
	"bison:cmd bison"
	"libelf-dev:file /usr/include/libelf.h"
	"libssl-dev:file /usr/include/openssl/ssl.h"
	"dwarves:cmd pahole"
	"sparse:cmd sparse"
	"kmod:cmd modinfo"
	"dkms:cmd dkms"
	"openssl:cmd openssl"
	"binutils:cmd readelf"
	"cpio:cmd cpio"
	"gzip:cmd gzip"
	"xz-utils:cmd xz"
	"busybox-static:pkg busybox-static"
	"qemu-system-x86:cmd qemu-system-x86_64"
	"gcc-aarch64-linux-gnu:cmd aarch64-linux-gnu-gcc"
	"qemu-system-arm:cmd qemu-system-aarch64"
	"coreutils:cmd timeout"
	"findutils:cmd xargs"
	"gawk:cmd awk"
	"file:cmd file"
	"perl:cmd perl"
	"shellcheck:cmd shellcheck"
	"clang:cmd clang"
	"libclang-rt-14-dev:file /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a"
)

missing=()
for c in "${checks[@]}"; do
	pkg=${c%%:*}
	read -r kind what <<<"${c#*:}"
	case $kind in
	cmd) command -v "$what" >/dev/null 2>&1 && continue ;;
	file) [ -e "$what" ] && continue ;;
	pkg) [ "$(dpkg-query -W -f='${Status}' "$what" 2>/dev/null)" = "install ok installed" ] && continue ;;
	esac
	missing+=("$pkg")
done

# apt-cache needs package lists to resolve the kernels of the matrix.
need_update=0
if ! apt-cache show linux-headers-amd64 >/dev/null 2>&1; then
	need_update=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $need_update -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]:-(none)}; package lists: $([ $need_update = 1 ] && echo stale || echo ok)" >&2
	echo "deps: run as root (both halves need it):" >&2
	echo "  sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends ${missing[*]}'" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update" >&2
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

#!/usr/bin/env bash
# Host half of case 71-install: install the core and the samples the ways a
# user would, each into a staging root that the guest then uses as its
# /lib/modules (tests/cases/71-install.sh runs modprobe and modinfo there):
#   make-install  make install INSTALL_MOD_PATH=root (depmod -b), after a
#                 make uninstall check: the root is as it was before
#   dkms-checkout dkms add/build/install from a copy of the tree
#   dkms-tarball  the same from what make dist packs
#   signed        make sign with a throwaway key, then make install
# DKMS runs in a private mount namespace with its own /var/lib/dkms (its
# signing key lands there) and an empty /etc/dkms (the defaults, whatever
# the host's settings say), and --dkmstree/--sourcetree/--installtree in
# OUT, so nothing of the host's changes.
#
# Usage: scripts/install-stages.sh NAME TREE OUT
#   NAME  kernel of scripts/kernels.conf; TREE  the source tree (its files,
#   not its build products); OUT  OUT/stages/<way>/lib/modules/<release>
# Prints ok/FAIL lines (scripts/check-lib.sh); exits 1 on any FAIL.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/common.sh
. "$top/scripts/common.sh"
# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"
k=${1:?usage: install-stages.sh NAME TREE OUT}
tree=$(cd "${2:?}" && pwd)
out=${3:?}
rm -rf "$out"
mkdir -p "$out/stages"
out=$(cd "$out" && pwd)
use_kernel "$k" "$out" >/dev/null || { bad "$k: install: kernel unavailable"; exit 1; }
# What uname -r says and modules_install installs for (Debian's 6.1 headers
# say 6.1.192 in include/config/kernel.release): UTS_RELEASE, as the Makefile.
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
# shellcheck disable=SC2086 # KERNEL_MAKE_ARGS: words for make (cross builds)
set -- $KERNEL_MAKE_ARGS
margs=("$@")
# make's ARCH= and CROSS_COMPILE= for DKMS, which runs make itself
for a in "${margs[@]}"; do export "${a?}"; done

# A clean copy of TREE's sources: the builds below must not touch TREE.
src=$out/src
mkdir -p "$src"
tar -C "$tree" --exclude=./.git --exclude=./.cache --exclude=./results -cf - . | tar -C "$src" -xf -
make -s -C "$src" clean >/dev/null 2>&1

# listing ROOT: every file with its checksum, and every directory
listing() {
	(cd "$1" && find . -type f -exec sha256sum {} + | sort -k2 && find . -type d | sort)
}

# A staging root as a machine has it before anything is installed: the
# release's directory with an (empty) module database.
new_root() {
	mkdir -p "$1/lib/modules/$kver"
	depmod -b "$1" "$kver" 2>/dev/null
}

# 1. make install, make uninstall, make install again.
root=$out/stages/make-install
new_root "$root"
listing "$root" >"$out/make-install.before"
if ! make -C "$src" KDIR="$kdir" INSTALL_MOD_PATH="$root" "${margs[@]}" install >"$out/make-install.log" 2>&1; then
	bad "$k: install: make install (log: $out/make-install.log)"
	exit 1
fi
listing "$root" >"$out/make-install.installed"
n=$(find "$root" -name '*.ko*' | wc -l)
if ! grep -q "/sched_counter.ko[.a-z]*: .*/kprobe_core.ko" "$root/lib/modules/$kver/modules.dep"; then
	bad "$k: install: modules.dep has no sched_counter -> kprobe_core line"
fi
make -C "$src" KDIR="$kdir" INSTALL_MOD_PATH="$root" "${margs[@]}" uninstall >>"$out/make-install.log" 2>&1
listing "$root" >"$out/make-install.after"
if diff -u "$out/make-install.before" "$out/make-install.after" >"$out/make-install.diff"; then
	ok "$k: install: make install put $n modules in the staging root, make uninstall left it as before ($(wc -l <"$out/make-install.before") entries, same checksums)"
else
	sed 's/^/        /' "$out/make-install.diff" | head -n 20
	bad "$k: install: make uninstall did not restore the staging root"
fi
make -C "$src" KDIR="$kdir" INSTALL_MOD_PATH="$root" "${margs[@]}" install >>"$out/make-install.log" 2>&1 ||
	bad "$k: install: make install, again"

# 2. DKMS, from the tree and from make dist's tarball.
version=$(sed -n 's/^#define KPC_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' "$src/include/kprobe_core.h")
# dkms_stage WAY DIR: add DIR, build and install into stages/WAY
dkms_stage() {
	local way=$1 dir=$2 d=$out/dkms-$1 root=$out/stages/$1 log=$out/dkms-$1.log
	mkdir -p "$d/tree" "$d/src"
	new_root "$root"
	local common=(--dkmstree "$d/tree" --sourcetree "$d/src")
	# shellcheck disable=SC2016 # the inner script's own $1..$6
	if ! unshare -m bash -euc '
		mount -t tmpfs kpc-dkms /var/lib/dkms
		# the host'"'"'s dkms settings (signing key paths) stay out of it
		mount -t tmpfs kpc-dkms-etc /etc/dkms
		dkms add "$1" "${@:6}"
		dkms build -m kprobe_core -v "$2" -k "$3" --kernelsourcedir "$4" "${@:6}"
		dkms install -m kprobe_core -v "$2" -k "$3" --kernelsourcedir "$4" "${@:6}" \
			--installtree "$5/lib/modules" --no-depmod
	' dkms "$dir" "$version" "$kver" "$kdir" "$root" "${common[@]}" >"$log" 2>&1; then
		tail -n 20 "$log" | sed 's/^/        /'
		bad "$k: install: dkms $way (log: $log)"
		return 1
	fi
	depmod -b "$root" "$kver" 2>/dev/null
	ok "$k: install: dkms add/build/install from the $way: $(find "$root" -name '*.ko*' | wc -l) modules in updates/dkms"
}
command -v dkms >/dev/null || { bad "$k: install: no dkms (make deps)"; exit 1; }
dkms_stage dkms-checkout "$src"
if make -C "$src" dist >"$out/dist.log" 2>&1 &&
	mkdir -p "$out/dist" && tar -C "$out/dist" -xzf "$src/kprobe_core-$version.tar.gz"; then
	ok "$k: install: make dist: kprobe_core-$version.tar.gz, $(tar -tzf "$src/kprobe_core-$version.tar.gz" | grep -vc '/$') files"
	dkms_stage dkms-tarball "$out/dist/kprobe_core-$version"
else
	bad "$k: install: make dist (log: $out/dist.log)"
fi

# 3. make sign with a throwaway key, then make install.
if ! grep -q '^CONFIG_MODULE_SIG=y' "$kdir/.config"; then
	skp "$k: install: make sign (# SKIP the kernel does not check module signatures: no CONFIG_MODULE_SIG)"
	[ "$nfail" -eq 0 ]
	exit
fi
root=$out/stages/signed
new_root "$root"
openssl req -new -nodes -utf8 -sha256 -days 2 -batch -x509 \
	-subj "/CN=kprobe_core throwaway test key/" -outform PEM \
	-keyout "$out/key.pem" -out "$out/cert.pem" >"$out/sign.log" 2>&1
if make -C "$src" KDIR="$kdir" "${margs[@]}" KEY="$out/key.pem" CERT="$out/cert.pem" sign >>"$out/sign.log" 2>&1 &&
	make -C "$src" KDIR="$kdir" INSTALL_MOD_PATH="$root" "${margs[@]}" install >>"$out/sign.log" 2>&1; then
	signer=$(modinfo -F signer "$src/examples/sched_counter.ko")
	if [ "$signer" = "kprobe_core throwaway test key" ] &&
		[ "$(modinfo -F sig_hashalgo "$src/examples/sched_counter.ko")" = sha256 ]; then
		ok "$k: install: make sign: $(grep -c '  SIGN ' "$out/sign.log") modules signed by '$signer' (sha256)"
	else
		bad "$k: install: make sign: the module's signer is '$signer'"
	fi
else
	bad "$k: install: make sign (log: $out/sign.log)"
fi
[ "$nfail" -eq 0 ]

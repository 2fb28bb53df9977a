# SPDX-License-Identifier: GPL-2.0
#
# Front door. `make` builds every module against the running kernel's headers;
# `make check` and `make demo` run them inside QEMU guests (see README.md).

KDIR ?= /lib/modules/$(shell uname -r)/build

# Build products that `clean` removes anywhere in the tree.
CLEAN_FILES := -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '*.mod.o' -o -name '.*.cmd' -o -name '.*.d' -o -name '*.symvers' \
	-o -name '*.order' -o -name '*.dwo' -o -name '*.a' -o -name '.cache.mk' \
	-o -name '*.tmp'

# Installing: one directory under /lib/modules/KVER (6.1's default is extra/,
# 6.12's updates/: name it, so both kernels look the same), a staging root
# with INSTALL_MOD_PATH=/some/root (then depmod -b it). modules_install keeps
# the tree's layout: .../kprobe_core/kprobe_core.ko, .../examples/*.ko.
# It does not sign (Debian's headers have no signing key): make sign first.
INSTALL_MOD_DIR ?= extra/kprobe_core
INSTALL_MOD_PATH ?=
# The release the kernel reports (uname -r) and installs for: UTS_RELEASE.
# Debian's 6.1 headers say 6.1.192 in include/config/kernel.release.
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
VERSION := $(shell sed -n 's/^\#define KPC_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' include/kprobe_core.h)
# What `make install` puts there: the core and the samples, never the test,
# harness or bench modules (those are built only with KPC_TESTS=1).
INSTALL_MODULES := kprobe_core $(patsubst %.o,%,$(shell sed -n 's/^obj-m += \(.*\.o\)$$/\1/p' examples/Kbuild))
DEPMOD_ROOT = $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH))
# A source release for DKMS: what builds the core and the samples.
DIST_FILES := Makefile Kbuild dkms.conf README.md kprobe_core include examples

.PHONY: all modules clean distclean check demo shell deps bench mutate help \
	install uninstall dist sign

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install:
	@test -n "$(KVER)" || { echo "install: no kernel release in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) KPC_TESTS= modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) KPC_TESTS= INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) \
		CONFIG_MODULE_SIG_ALL= modules_install
	depmod $(DEPMOD_ROOT) $(KVER)

uninstall:
	@test -n "$(KVER)" || { echo "uninstall: no kernel release in $(KDIR)" >&2; exit 1; }
	cd $(INSTALL_MOD_PATH)/lib/modules/$(KVER) && \
		rm -f $(foreach m,$(INSTALL_MODULES),$(foreach z,.ko .ko.gz .ko.xz .ko.zst,$(INSTALL_MOD_DIR)/*/$(m)$(z))) && \
		for d in $(INSTALL_MOD_DIR)/*/; do rmdir $$d 2>/dev/null || true; done && \
		{ rmdir -p $(INSTALL_MOD_DIR) 2>/dev/null || true; }
	depmod $(DEPMOD_ROOT) $(KVER)

# kprobe_core-VERSION.tar.gz: the tree DKMS builds (dkms.conf, core, samples).
dist:
	rm -rf .cache/dist && mkdir -p .cache/dist/kprobe_core-$(VERSION)
	cp -a $(DIST_FILES) .cache/dist/kprobe_core-$(VERSION)/
	find .cache/dist \( $(CLEAN_FILES) \) -delete
	tar -C .cache/dist --sort=name --owner=0 --group=0 --numeric-owner \
		-czf kprobe_core-$(VERSION).tar.gz kprobe_core-$(VERSION)
	@echo "dist: kprobe_core-$(VERSION).tar.gz"

# Sign every module built here with KEY and CERT (the kernel's sign-file).
sign:
	@test -n "$(KEY)" -a -n "$(CERT)" || { echo "sign: give KEY=key.pem CERT=cert.pem (or .der)" >&2; exit 1; }
	@grep -q '^CONFIG_MODULE_SIG=y' $(KDIR)/.config || \
		{ echo "sign: $(KDIR)'s kernel does not check module signatures (no CONFIG_MODULE_SIG)" >&2; exit 1; }
	@test -x $(KDIR)/scripts/sign-file || { echo "sign: no $(KDIR)/scripts/sign-file" >&2; exit 1; }
	@mods=$$(find . \( -path ./.git -o -path ./.cache -o -path ./results \) -prune -o \
		-name '*.ko' -print | sort); \
	test -n "$$mods" || { echo "sign: no module built: make first" >&2; exit 1; }; \
	for m in $$mods; do \
		$(KDIR)/scripts/sign-file sha256 $(KEY) $(CERT) $$m || exit 1; \
		echo "  SIGN    $$m"; \
	done

clean:
	find . \( -path ./.git -o -path ./.cache -o -path ./results \) -prune -o \
		-type f \( $(CLEAN_FILES) \) -print0 | xargs -0r rm -f
	find . \( -path ./.git -o -path ./.cache \) -prune -o \
		-type d -name .tmp_versions -print0 | xargs -0r rm -rf
	rm -rf results kprobe_core-*.tar.gz

# Also drops the build copies (the kernels stay in $KPC_CACHE, see README).
distclean: clean
	rm -rf .cache

deps:
	scripts/deps.sh

check: deps
	scripts/check.sh

demo: deps
	scripts/guest-run.sh demo

shell: deps
	scripts/guest-run.sh shell

bench: deps
	scripts/bench.sh

# Deliberate bugs (tests/mutants.conf), each must fail the suite; long.
mutate: deps
	scripts/mutate.sh

help:
	@echo "make            build all modules against KDIR ($(KDIR))"
	@echo "make check      static checks + QEMU tests on every kernel of scripts/kernels.conf"
	@echo "make bench      measure kprobe_core against the bare kprobe API (BENCHMARKS.md)"
	@echo "make mutate     apply each deliberate bug of tests/mutants.conf; the suite must catch all"
	@echo "make install    install the core and samples for KDIR's kernel, depmod (INSTALL_MOD_PATH= stages)"
	@echo "make uninstall  remove what make install put there, depmod"
	@echo "make dist       kprobe_core-VERSION.tar.gz, the source DKMS builds (dkms.conf)"
	@echo "make sign       sign the built modules: KEY=... CERT=... (the kernel's sign-file, sha256)"
	@echo "make demo       boot the default kernel and show the modules at work"
	@echo "make shell      interactive guest shell with the modules in /modules"
	@echo "make deps       install the Debian packages the above need"
	@echo "make clean      remove build products and results (keeps .cache)"
	@echo "make distclean  clean, and drop the build copies (.cache)"

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

.PHONY: all modules clean distclean check demo shell deps bench mutate help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	find . \( -path ./.git -o -path ./.cache -o -path ./results \) -prune -o \
		-type f \( $(CLEAN_FILES) \) -print0 | xargs -0r rm -f
	find . \( -path ./.git -o -path ./.cache \) -prune -o \
		-type d -name .tmp_versions -print0 | xargs -0r rm -rf
	rm -rf results

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
	@echo "make demo       boot the default kernel and show the modules at work"
	@echo "make shell      interactive guest shell with the modules in /modules"
	@echo "make deps       install the Debian packages the above need"
	@echo "make clean      remove build products and results (keeps .cache)"
	@echo "make distclean  clean, and drop the build copies (.cache)"

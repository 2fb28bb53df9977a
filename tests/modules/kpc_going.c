// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_going: registers a probe from its exit function, when the module is
 * already on its way out (state GOING). The core must refuse: the probe's
 * handlers would outlive the module's text.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <kprobe_core.h>

static int going_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static int __init kpc_going_init(void)
{
	return 0;
}

static void __exit kpc_going_exit(void)
{
	struct kpc_desc d = {
		.name = "too_late", .symbol = "do_sys_openat2", .pre = going_pre,
	};
	struct kpc_probe *p = kpc_register_kprobe(&d);

	pr_info("register from exit: %d\n", PTR_ERR_OR_ZERO(p));
	if (!IS_ERR(p))
		kpc_unregister(p);
}

module_init(kpc_going_init);
module_exit(kpc_going_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a module registering while it unloads");

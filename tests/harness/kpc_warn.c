// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a module whose init triggers a kernel WARNING.
 * Loading it must turn the test run red (panic_on_warn=1 panics the guest).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/bug.h>

static int __init kpc_warn_init(void)
{
	pr_info("triggering a WARN_ON on purpose\n");
	WARN_ON(1);
	return 0;
}

static void __exit kpc_warn_exit(void)
{
}

module_init(kpc_warn_init);
module_exit(kpc_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core harness self-test: WARN_ON in init");

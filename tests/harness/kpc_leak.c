// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a module whose init leaks a kmalloc'd buffer.
 * On a kernel with kmemleak, loading it must turn the test run red.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

static int __init kpc_leak_init(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	/* Drop the only reference on purpose. */
	pr_info("leaking 128 bytes on purpose\n");
	return 0;
}

static void __exit kpc_leak_exit(void)
{
}

module_init(kpc_leak_init);
module_exit(kpc_leak_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core harness self-test: a kmalloc leaked in init");

// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a module that prints a line shaped like a kernel BUG
 * report without crashing or tainting, to prove that the host's console
 * scan alone turns the run red.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/printk.h>

static int __init kpc_splat_init(void)
{
	pr_err("BUG: harness self-test, not a real bug\n");
	return 0;
}

static void __exit kpc_splat_exit(void)
{
}

module_init(kpc_splat_init);
module_exit(kpc_splat_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core harness self-test: splat-shaped log line");

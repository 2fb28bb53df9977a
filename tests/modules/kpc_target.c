// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_target: a module whose function other modules probe, so tests can
 * unload the probed code. kpc_target_fn() runs N times for each N written
 * to /sys/module/kpc_target/parameters/calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

static int kpc_target_sink;

static __attribute__((__noipa__)) int kpc_target_fn(int x)
{
	WRITE_ONCE(kpc_target_sink, x);
	return x + 1;
}

static int calls_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	for (i = 0; i < n; i++)
		kpc_target_fn(i);
	return param_set_uint(val, kp);
}

static const struct kernel_param_ops calls_ops = {
	.set = calls_set,
	.get = param_get_uint,
};

static unsigned int calls;
module_param_cb(calls, &calls_ops, &calls, 0600);
MODULE_PARM_DESC(calls, "write N to call kpc_target_fn() N times");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a probed module that can be unloaded");

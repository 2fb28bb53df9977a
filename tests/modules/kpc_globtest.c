// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_globtest: functions for globs to match, each called a known number
 * of times. Writing N to /sys/module/kpc_globtest/parameters/run calls, N
 * times over: kpc_glob_a() once, kpc_glob_b() twice, kpc_glob_c() three
 * times, and kpc_glob_notrace() (ftrace cannot trace it) and
 * kpc_glob_nokprobe() (in the kprobe blacklist) once each. kpc_glob_alias
 * is a second name of kpc_glob_a. A glob "kpc_globtest:kpc_glob_*" matches
 * 5 functions (6 names), attaches 3 and skips 2.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static int kpc_glob_sink;

static __attribute__((__noipa__)) void kpc_glob_a(int x)
{
	WRITE_ONCE(kpc_glob_sink, x);
}

/* a second name for the same function: a glob must count it once */
static void kpc_glob_alias(int x) __used __alias(kpc_glob_a);

static __attribute__((__noipa__)) void kpc_glob_b(int x)
{
	WRITE_ONCE(kpc_glob_sink, x + 1);
}

static __attribute__((__noipa__)) void kpc_glob_c(int x)
{
	WRITE_ONCE(kpc_glob_sink, x + 2);
}

static notrace __attribute__((__noipa__)) void kpc_glob_notrace(int x)
{
	WRITE_ONCE(kpc_glob_sink, x + 3);
}

static __attribute__((__noipa__)) void kpc_glob_nokprobe(int x)
{
	WRITE_ONCE(kpc_glob_sink, x + 4);
}
NOKPROBE_SYMBOL(kpc_glob_nokprobe);

static int run_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	for (i = 0; i < n; i++) {
		kpc_glob_a(i);
		kpc_glob_b(i);
		kpc_glob_b(i);
		kpc_glob_c(i);
		kpc_glob_c(i);
		kpc_glob_c(i);
		kpc_glob_notrace(i);
		kpc_glob_nokprobe(i);
	}
	return param_set_uint(val, kp);
}

static const struct kernel_param_ops run_ops = {
	.set = run_set,
	.get = param_get_uint,
};

static unsigned int run;
module_param_cb(run, &run_ops, &run, 0600);
MODULE_PARM_DESC(run, "write N to call kpc_glob_a, _b, _c 1, 2 and 3 times, N times over");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: functions for a glob, called known numbers of times");

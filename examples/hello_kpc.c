// SPDX-License-Identifier: GPL-2.0
/*
 * hello_kpc: the smallest useful kprobe_core client. It counts the calls
 * of one function and says who made the first few.
 *
 *   insmod kprobe_core.ko && insmod hello_kpc.ko func=vfs_read
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/sched.h>
#include <kprobe_core.h>

static char *func = "do_sys_openat2";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "function to probe (default do_sys_openat2)");

static struct kpc_probe *probe;

/* Runs in probe context: no sleeping, no locks, no allocation. */
static int hello_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	pr_info_ratelimited("%s called by %s[%d]\n", func, current->comm,
			    task_pid_nr(current));
	return 0;
}

static int __init hello_init(void)
{
	struct kpc_desc d = { .name = "hello", .symbol = func, .pre = hello_pre };

	probe = kpc_register_kprobe(&d);
	if (IS_ERR(probe))
		return PTR_ERR(probe);	/* kprobe_core said why in dmesg */
	pr_info("probing %s at %pS\n", func, (void *)kpc_addr(probe));
	return 0;
}

static void __exit hello_exit(void)
{
	struct kpc_stats st;

	kpc_get_stats(probe, &st);
	pr_info("%s was called %llu times\n", func, st.hits);
	kpc_unregister(probe);	/* prints kprobe_core's summary line */
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");	/* the kprobe API is GPL-only */
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core example: count the calls of one function");

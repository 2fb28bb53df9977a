// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_glob_nest: a glob client whose handler calls the function it
 * probes, for the ftrace_ops handler's miss path. On a kernel with lockdep's
 * RCU checks (CONFIG_PROVE_RCU) it globs rcu_read_lock_sched_held, which the
 * kernel calls all the time, and calls it from its pre handler: every hit
 * makes one nested hit, which must be counted as a miss and end there (the
 * miss path once called rcu_read_lock_sched_held() itself, through
 * rcu_dereference_sched(): a recursion without end). Loading it registers
 * the glob for 200 ms; the core's summary line then says "hits=H missed=M",
 * and the case wants H > 0 and M >= H (an interrupt's call in between is a
 * miss too).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <kprobe_core.h>

static int gn_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	/* the probed function, from its own probe: a nested hit */
	return !rcu_read_lock_sched_held();
}

static int __init gn_init(void)
{
	struct kpc_desc d = { .name = "nest", .pre = gn_pre };
	struct kpc_glob *g;

	g = kpc_register_glob("rcu_read_lock_sched_held", &d);
	if (IS_ERR(g))
		return PTR_ERR(g);
	msleep(200);
	kpc_unregister_glob(g);	/* prints the summary, after the last handler */
	return 0;
}
module_init(gn_init);

static void __exit gn_exit(void)
{
}
module_exit(gn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a glob client whose handler calls the probed function");

// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_orphan: a careless client. It registers a kprobe and a kretprobe and
 * never unregisters them, so kprobe_core has to remove them when the
 * module unloads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <kprobe_core.h>

static char *func = "do_sys_openat2";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "function to probe (default do_sys_openat2)");

static int orphan_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void orphan_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		       u64 ns)
{
}

static int __init kpc_orphan_init(void)
{
	struct kpc_desc kd = {
		.name = "orphan_kprobe", .symbol = func, .pre = orphan_pre,
	};
	struct kpc_desc rd = {
		.name = "orphan_kretprobe", .symbol = func, .ret = orphan_ret,
	};
	struct kpc_probe *kp, *rp;

	kp = kpc_register_kprobe(&kd);
	if (IS_ERR(kp))
		return PTR_ERR(kp);
	rp = kpc_register_kretprobe(&rd);
	if (IS_ERR(rp)) {
		kpc_unregister(kp);
		return PTR_ERR(rp);
	}
	pr_info("registered 2 probes on %s and will not unregister them\n", func);
	return 0;
}

static void __exit kpc_orphan_exit(void)
{
	/* Deliberately leaves its probes registered. */
}

module_init(kpc_orphan_init);
module_exit(kpc_orphan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a client that unloads without unregistering");

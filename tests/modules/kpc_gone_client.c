// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_gone_client: probes kpc_target:kpc_target_fn with a kprobe and a
 * kretprobe, and unregisters them on unload, so a test can unload the
 * probed module in between.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <kprobe_core.h>

static struct kpc_probe *probes[2];

static int gone_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void gone_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		     u64 ns)
{
}

static int __init kpc_gone_client_init(void)
{
	const struct kpc_desc kd = {
		.name = "entry", .symbol = "kpc_target:kpc_target_fn", .pre = gone_pre,
	};
	const struct kpc_desc rd = {
		.name = "return", .symbol = "kpc_target:kpc_target_fn", .ret = gone_ret,
	};

	probes[0] = kpc_register_kprobe(&kd);
	if (IS_ERR(probes[0]))
		return PTR_ERR(probes[0]);
	probes[1] = kpc_register_kretprobe(&rd);
	if (IS_ERR(probes[1])) {
		kpc_unregister(probes[0]);
		return PTR_ERR(probes[1]);
	}
	return 0;
}

static void __exit kpc_gone_client_exit(void)
{
	kpc_unregister_batch(probes, ARRAY_SIZE(probes));
}

module_init(kpc_gone_client_init);
module_exit(kpc_gone_client_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: probes a module that is then unloaded");

// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_gone_client: probes kpc_target:kpc_target_fn with a kprobe, a
 * kretprobe and a KPC_F_FTRACE_OPS probe, and unregisters them on unload,
 * so a test can unload the probed module in between.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <kprobe_core.h>

static struct kpc_probe *probes[3];

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
	const struct kpc_desc fd = {
		.name = "fentry", .symbol = "kpc_target:kpc_target_fn", .pre = gone_pre,
		.flags = KPC_F_FTRACE_OPS,
	};
	int err;

	probes[0] = kpc_register_kprobe(&kd);
	probes[1] = kpc_register_kretprobe(&rd);
	probes[2] = kpc_register_kprobe(&fd);
	err = PTR_ERR_OR_ZERO(probes[0]) ?: PTR_ERR_OR_ZERO(probes[1]) ?:
	      PTR_ERR_OR_ZERO(probes[2]);
	if (err)
		kpc_unregister_batch(probes, ARRAY_SIZE(probes));
	return err;
}

static void __exit kpc_gone_client_exit(void)
{
	kpc_unregister_batch(probes, ARRAY_SIZE(probes));
}

module_init(kpc_gone_client_init);
module_exit(kpc_gone_client_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: probes a module that is then unloaded");

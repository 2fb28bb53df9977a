// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_uclient: a second client of a user-space function, beside ucount,
 * for the cases that need two clients on one site: a uprobe "entry" and,
 * with ret=1, a uretprobe "return" at @func (+@offset) in @path, for @pid
 * or every process, timing its calls unless @nolat. It counts nothing
 * itself: the core's summaries on rmmod say what each client saw.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <kprobe_core.h>

static char *path;
module_param(path, charp, 0444);
MODULE_PARM_DESC(path, "the file (required)");

static char *func;
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the function's symbol (required)");

static uint offset;
module_param(offset, uint, 0444);
MODULE_PARM_DESC(offset, "bytes past the function's start (default 0)");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "only this process (default 0: every process)");

static bool ret;
module_param(ret, bool, 0444);
MODULE_PARM_DESC(ret, "also a return probe (default 0)");

static bool nolat;
module_param(nolat, bool, 0444);
MODULE_PARM_DESC(nolat, "the return probe counts only (KPC_F_NO_LATENCY; default 0)");

static bool keep;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "leave the probes registered on unload, for the core to remove (default 0)");

static struct kpc_probe *kuc_probes[2];

static int kuc_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void kuc_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		    u64 latency_ns)
{
}

static int __init kuc_init(void)
{
	struct kpc_desc d[2] = {
		{ .name = "entry", .path = path, .symbol = func, .offset = offset,
		  .pid = pid, .pre = kuc_pre },
		{ .name = "return", .path = path, .symbol = func, .offset = offset,
		  .pid = pid, .ret = kuc_ret,
		  .flags = nolat ? KPC_F_NO_LATENCY : 0 },
	};

	/* The return probe first: one the core refuses leaves nothing behind. */
	if (ret) {
		kuc_probes[1] = kpc_register_uretprobe(&d[1]);
		if (IS_ERR(kuc_probes[1]))
			return PTR_ERR(kuc_probes[1]);
	}
	kuc_probes[0] = kpc_register_uprobe(&d[0]);
	if (IS_ERR(kuc_probes[0])) {
		kpc_unregister(kuc_probes[1]);
		return PTR_ERR(kuc_probes[0]);
	}
	return 0;
}

static void __exit kuc_exit(void)
{
	if (!keep)
		kpc_unregister_batch(kuc_probes, ARRAY_SIZE(kuc_probes));
}

module_init(kuc_init);
module_exit(kuc_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core test: a second client of a user-space function");

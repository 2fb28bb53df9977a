// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_ubench: the probes of the user-space bench (make bench;
 * tests/bench/run-bench.sh times /tests/bin/utarget's calls of @func with
 * each @mode loaded, in the instruction-counting guest):
 *   bare      a uprobe_consumer of its own, counting hits per CPU
 *   bareret   the same with a return handler counting returns
 *   core      a kprobe_core uprobe client (the core counts)
 *   coreret   a kprobe_core uretprobe client with KPC_F_NO_LATENCY (counts)
 *   corelat   a kprobe_core uretprobe client timing each call
 *   filtered  a kprobe_core uprobe client for @pid, another process
 * On rmmod it prints the hits (and returns) it saw, so the bench can check
 * that every call was probed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/percpu.h>
#include <linux/uprobes.h>
#include <kprobe_core.h>
#include "../../kprobe_core/kpc_compat.h"

static char *mode = "core";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "bare, bareret, core, coreret, corelat or filtered");

static char *path;
module_param(path, charp, 0444);
MODULE_PARM_DESC(path, "the program (required)");

static char *func = "kpc_ufunc";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the function (default kpc_ufunc)");

static ulong offset;
module_param(offset, ulong, 0444);
MODULE_PARM_DESC(offset, "its file offset, for the bare consumer (required for bare modes)");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "mode filtered: the process the client is for");

static DEFINE_PER_CPU(u64, kub_hits);
static DEFINE_PER_CPU(u64, kub_returns);
static struct kpc_probe *kub_probe;
static struct uprobe_consumer kub_uc;
static struct uprobe *kub_handle;
static struct path kub_path;

static int kub_bare_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	this_cpu_inc(kub_hits);
	return 0;
}

static int kub_bare_ret(struct uprobe_consumer *uc, unsigned long func,
			struct pt_regs *regs)
{
	this_cpu_inc(kub_returns);
	return 0;
}

static int kub_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void kub_ret(struct kpc_probe *p, struct pt_regs *regs, void *data, u64 ns)
{
}

static int kub_bare(bool ret)
{
	int err;

	if (!offset)
		return -EINVAL;
	err = kern_path(path, LOOKUP_FOLLOW, &kub_path);
	if (err)
		return err;
	kub_uc.handler = kub_bare_hit;
	if (ret)
		kub_uc.ret_handler = kub_bare_ret;
	err = kpc_uprobe_register(d_real_inode(kub_path.dentry), offset, &kub_uc,
				  &kub_handle);
	if (err)
		path_put(&kub_path);
	return err;
}

static int __init kub_init(void)
{
	struct kpc_desc d = { .name = "bench", .path = path, .symbol = func };

	if (!path)
		return -EINVAL;
	if (!strcmp(mode, "bare"))
		return kub_bare(false);
	if (!strcmp(mode, "bareret"))
		return kub_bare(true);
	if (!strcmp(mode, "core") || !strcmp(mode, "filtered")) {
		d.pre = kub_pre;
		d.pid = !strcmp(mode, "filtered") ? pid : 0;
		kub_probe = kpc_register_uprobe(&d);
	} else if (!strcmp(mode, "coreret") || !strcmp(mode, "corelat")) {
		d.ret = kub_ret;
		d.flags = !strcmp(mode, "coreret") ? KPC_F_NO_LATENCY : 0;
		kub_probe = kpc_register_uretprobe(&d);
	} else {
		return -EINVAL;
	}
	return PTR_ERR_OR_ZERO(kub_probe);
}

static void __exit kub_exit(void)
{
	struct kpc_stats st = { };
	u64 hits = 0, returns = 0;
	int cpu;

	if (kub_probe) {
		kpc_get_stats(kub_probe, &st);
		hits = st.hits;
		returns = st.returns;
		kpc_unregister(kub_probe);
	} else {
		kpc_uprobe_unregister_nosync(d_real_inode(kub_path.dentry), offset,
					     &kub_uc, kub_handle);
		kpc_uprobe_unregister_sync();
		path_put(&kub_path);
		for_each_possible_cpu(cpu) {
			hits += per_cpu(kub_hits, cpu);
			returns += per_cpu(kub_returns, cpu);
		}
	}
	pr_info("mode=%s hits=%llu returns=%llu\n", mode, hits, returns);
}

module_init(kub_init);
module_exit(kub_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core bench: a user-space function's probes, bare and through the core");

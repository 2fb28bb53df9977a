// SPDX-License-Identifier: GPL-2.0
/*
 * malloc_sizes: a log2 histogram of the sizes passed to malloc() (its
 * first argument), in every process or one, and how many calls returned
 * NULL; printed on rmmod.
 *
 *	insmod malloc_sizes.ko path=/usr/lib/x86_64-linux-gnu/libc.so.6
 *	insmod malloc_sizes.ko path=/usr/lib/x86_64-linux-gnu/libc.so.6 pid=1234 lines=5
 *	rmmod malloc_sizes
 *
 * A uprobe at the function's entry reads the size from the first argument
 * register; a uretprobe reads the return value. Both count per CPU. There
 * is no default path: a machine may have several libcs (and a static
 * program has its own malloc), so the user names the file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <kprobe_core.h>
#include "ex_common.h"
#include "ex_hist.h"

static char *path;
module_param(path, charp, 0444);
MODULE_PARM_DESC(path, "the libc (or program) whose malloc to watch, an absolute path (required)");

static char *func = "malloc";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the allocation function, its size the first argument (default malloc)");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "only this process (0, the default: every process)");

static unsigned int lines;
module_param(lines, uint, 0444);
MODULE_PARM_DESC(lines, "print at most this many calls a second per CPU (default 0)");

struct ms_counts {
	u64 calls;
	u64 nulls;
	u64 hist[KPC_HIST_BUCKETS];
};

static DEFINE_PER_CPU(struct ms_counts, ms_counts);
static struct ex_ratelimit __percpu *ms_rl;
static struct kpc_probe *ms_probes[2];

static int ms_entry(struct kpc_probe *p, struct pt_regs *regs)
{
	unsigned long size = kpc_arg(regs, 1);

	this_cpu_inc(ms_counts.calls);
	this_cpu_inc(ms_counts.hist[kpc_hist_bucket(size)]);
	if (lines && ex_ratelimit_ok(ms_rl, lines))
		pr_info("%s(%lu) by %s[%d]\n", func, size, current->comm,
			task_tgid_nr(current));
	return 0;
}

static void ms_return(struct kpc_probe *p, struct pt_regs *regs, void *data,
		      u64 latency_ns)
{
	if (!regs_return_value(regs))
		this_cpu_inc(ms_counts.nulls);
}

static int __init ms_init(void)
{
	struct kpc_desc d[2] = {
		{ .name = "sizes", .path = path, .symbol = func, .pid = pid,
		  .pre = ms_entry },
		{ .name = "nulls", .path = path, .symbol = func, .pid = pid,
		  .ret = ms_return, .flags = KPC_F_NO_LATENCY },
	};

	if (!path || !path[0]) {
		pr_err("path= is required: the libc whose %s to watch, e.g. path=/usr/lib/x86_64-linux-gnu/libc.so.6\n",
		       func ?: "malloc");
		return -EINVAL;
	}
	if (!func || !func[0] || pid < 0) {
		pr_err("func= must name a function, pid= be 0 or a process id\n");
		return -EINVAL;
	}
	ms_rl = alloc_percpu(struct ex_ratelimit);
	if (!ms_rl)
		return -ENOMEM;
	/* On failure the core logs what was wrong with path=, func= or pid=. */
	ms_probes[0] = kpc_register_uprobe(&d[0]);
	if (IS_ERR(ms_probes[0])) {
		free_percpu(ms_rl);
		return PTR_ERR(ms_probes[0]);
	}
	ms_probes[1] = kpc_register_uretprobe(&d[1]);
	if (IS_ERR(ms_probes[1])) {
		kpc_unregister(ms_probes[0]);
		free_percpu(ms_rl);
		return PTR_ERR(ms_probes[1]);
	}
	pr_info("sizes passed to %s in %s (file offset 0x%lx), %s\n", func, path,
		kpc_addr(ms_probes[0]), pid ? "one process" : "every process");
	return 0;
}

static void __exit ms_exit(void)
{
	struct ms_counts sum = { };
	int cpu, i;

	/* After it no handler runs: the counts are final. */
	kpc_unregister_batch(ms_probes, ARRAY_SIZE(ms_probes));
	for_each_possible_cpu(cpu) {
		const struct ms_counts *c = per_cpu_ptr(&ms_counts, cpu);

		sum.calls += c->calls;
		sum.nulls += c->nulls;
		for (i = 0; i < KPC_HIST_BUCKETS; i++)
			sum.hist[i] += c->hist[i];
	}
	pr_info("%llu calls of %s, %llu returned NULL; sizes in bytes:\n",
		sum.calls, func, sum.nulls);
	ex_print_hist(NULL, sum.hist, KPC_HIST_BUCKETS);
	free_percpu(ms_rl);
}

module_init(ms_init);
module_exit(ms_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: histogram of malloc() sizes in user space");

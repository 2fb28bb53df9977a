// SPDX-License-Identifier: GPL-2.0
/*
 * ucount: count the calls of one user-space function, in every process
 * or in one.
 *
 *	insmod ucount.ko path=/lib/x86_64-linux-gnu/libc.so.6 func=malloc
 *	insmod ucount.ko path=/usr/bin/bash func=0x5c3a0 pid=1234 ret=1
 *	rmmod ucount			(prints the counts to the kernel log)
 *
 * A uprobe at @func in @path (a symbol of its .symtab or .dynsym, or a
 * file offset as uprobe_events takes it); with ret=1 also a uretprobe,
 * which counts the returns and keeps a log2 histogram of the function's
 * latency in ns. Every @interval seconds a line says how many calls came
 * since the last one, if any did; rmmod prints the totals.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/workqueue.h>
#include <kprobe_core.h>
#include "ex_hist.h"

static char *path;
module_param(path, charp, 0444);
MODULE_PARM_DESC(path, "the executable or library, an absolute path (required)");

static char *func;
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the function: a symbol, or a file offset as 0x... (required)");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "count only this process (0, the default: every process)");

static bool ret;
module_param(ret, bool, 0444);
MODULE_PARM_DESC(ret, "also count returns and keep a latency histogram (default 0)");

static unsigned int interval = 5;
module_param(interval, uint, 0444);
MODULE_PARM_DESC(interval, "seconds between progress lines, 0 for none (default 5)");

static struct kpc_probe *uc_calls, *uc_returns;
static u64 uc_last;
static struct delayed_work uc_work;

/* The core counts the calls: nothing to add. */
static int uc_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void uc_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		   u64 latency_ns)
{
}

static void uc_progress(struct work_struct *w)
{
	struct kpc_stats st;

	kpc_get_stats(uc_calls, &st);
	if (st.hits != uc_last)
		pr_info("%s: %llu calls (+%llu in %us)\n", func, st.hits,
			st.hits - uc_last, interval);
	uc_last = st.hits;
	schedule_delayed_work(&uc_work, interval * HZ);
}

static int __init uc_init(void)
{
	struct kpc_desc d = {
		.name = "calls",
		.path = path,
		.pid = pid,
		.pre = uc_pre,
	};
	struct kpc_desc r;
	int err;

	if (!path || !path[0] || !func || !func[0]) {
		pr_err("path= and func= are required, e.g. path=/usr/lib/x86_64-linux-gnu/libc.so.6 func=malloc\n");
		return -EINVAL;
	}
	if (pid < 0) {
		pr_err("pid=%d: a process id, or 0 for every process\n", pid);
		return -EINVAL;
	}
	if (!strncmp(func, "0x", 2)) {
		err = kstrtoull(func, 16, &d.file_offset);
		if (err || !d.file_offset) {
			pr_err("func=%s: not a file offset (0x followed by hex digits, not 0)\n",
			       func);
			return -EINVAL;
		}
	} else {
		d.symbol = func;
	}
	r = d;
	r.name = "returns";
	r.pre = NULL;
	r.ret = uc_ret;
	/* On failure the core logs what was wrong with path=, func= or pid=. */
	uc_calls = kpc_register_uprobe(&d);
	if (IS_ERR(uc_calls))
		return PTR_ERR(uc_calls);
	if (ret) {
		uc_returns = kpc_register_uretprobe(&r);
		if (IS_ERR(uc_returns)) {
			kpc_unregister(uc_calls);
			return PTR_ERR(uc_returns);
		}
	}
	if (pid)
		pr_info("counting calls of %s in %s (file offset 0x%lx), process %d only%s\n",
			func, path, kpc_addr(uc_calls), pid, ret ? ", and their returns" : "");
	else
		pr_info("counting calls of %s in %s (file offset 0x%lx), every process%s\n",
			func, path, kpc_addr(uc_calls), ret ? ", and their returns" : "");
	INIT_DELAYED_WORK(&uc_work, uc_progress);
	if (interval)
		schedule_delayed_work(&uc_work, interval * HZ);
	return 0;
}

static void __exit uc_exit(void)
{
	struct kpc_stats st, rs;

	cancel_delayed_work_sync(&uc_work);
	/* Returns first: a call counted by one is then counted by both. */
	if (uc_returns)
		kpc_disable(uc_returns);
	kpc_disable(uc_calls);
	synchronize_rcu();
	kpc_get_stats(uc_calls, &st);
	pr_info("%s in %s: %llu calls\n", func, path, st.hits);
	if (st.filtered)
		pr_info("%llu hits in other processes than %d were turned away (each traps once at most)\n",
			st.filtered, pid);
	if (uc_returns) {
		kpc_get_stats(uc_returns, &rs);
		pr_info("%s: %llu returns\n", func, rs.returns);
		if (rs.missed_pool)
			pr_info("%llu calls not timed: more than %d in flight\n",
				rs.missed_pool, KPC_UCALLS_MAX);
		pr_info("%s latency in ns: count %llu, min %llu, mean %llu, max %llu\n",
			func, rs.lat_count, rs.lat_min_ns,
			rs.lat_count ? div64_u64(rs.lat_sum_ns, rs.lat_count) : 0,
			rs.lat_max_ns);
		ex_print_hist(NULL, rs.lat_hist, KPC_HIST_BUCKETS);
		kpc_unregister(uc_returns);
	}
	kpc_unregister(uc_calls);
}

module_init(uc_init);
module_exit(uc_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: count calls of a user-space function");

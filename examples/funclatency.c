// SPDX-License-Identifier: GPL-2.0
/*
 * funclatency: a log2 histogram of how long a function takes, in ns.
 *
 *	insmod funclatency.ko func=vfs_read
 *	cat /sys/kernel/debug/funclatency/histogram
 *	rmmod funclatency		(prints the histogram to the kernel log)
 *
 * A kretprobe on @func; the core times each call from entry to return and
 * keeps the histogram, per CPU: bucket i holds calls of [2^i, 2^(i+1)) ns.
 * It is drawn like bpftrace's hist() (ex_hist.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <kprobe_core.h>
#include "ex_hist.h"

static char *func;
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "function to measure, \"name\" or \"module:name\" (required)");

static int maxactive = 64;
module_param(maxactive, int, 0444);
MODULE_PARM_DESC(maxactive,
		 "calls measured at once (default 64; 0 for the kernel's default, max(10, 2 * CPUs))");

static struct kpc_probe *fl_probe;
static struct dentry *fl_dir;

/* The core measures the latency; the return handler has nothing to add. */
static void fl_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		   u64 latency_ns)
{
}

static void fl_show_hist(struct seq_file *m, const struct kpc_stats *st)
{
	ex_out(m, "func=%s latency in ns: count %llu, min %llu, mean %llu, max %llu\n",
	       func, st->lat_count, st->lat_min_ns,
	       st->lat_count ? div64_u64(st->lat_sum_ns, st->lat_count) : 0,
	       st->lat_max_ns);
	if (st->missed_pool || st->missed_reentry)
		ex_out(m, "calls not measured: %llu over maxactive=%d, %llu re-entered\n",
		       st->missed_pool, st->maxactive, st->missed_reentry);
	ex_print_hist(m, st->lat_hist, KPC_HIST_BUCKETS);
}

static int fl_histogram_show(struct seq_file *m, void *v)
{
	struct kpc_stats st;

	kpc_get_stats(fl_probe, &st);
	fl_show_hist(m, &st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fl_histogram);

static int __init fl_init(void)
{
	struct kpc_desc d = {
		.name = "latency",
		.symbol = func,
		.ret = fl_ret,
		.maxactive = maxactive,
	};
	struct kpc_probe *p;

	if (!func || !func[0]) {
		pr_err("func= is required: the function to measure, e.g. func=vfs_read\n");
		return -EINVAL;
	}
	if (maxactive < 0) {
		pr_err("maxactive=%d: must be 0 (the kernel's default) or more\n",
		       maxactive);
		return -EINVAL;
	}
	/* On failure the core logs what was wrong with func=. */
	p = kpc_register_kretprobe(&d);
	if (IS_ERR(p))
		return PTR_ERR(p);
	fl_probe = p;
	fl_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("histogram", 0400, fl_dir, NULL, &fl_histogram_fops);
	pr_info("measuring %s (%pS), maxactive=%d; histogram in /sys/kernel/debug/%s/histogram\n",
		func, (void *)kpc_addr(p), maxactive, KBUILD_MODNAME);
	return 0;
}

static void __exit fl_exit(void)
{
	struct kpc_stats st;

	/* Readers of the histogram are gone once this returns. */
	debugfs_remove_recursive(fl_dir);
	kpc_disable(fl_probe);
	synchronize_rcu();
	kpc_get_stats(fl_probe, &st);
	fl_show_hist(NULL, &st);
	kpc_unregister(fl_probe);
}

module_init(fl_init);
module_exit(fl_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: log2 latency histogram of any function");

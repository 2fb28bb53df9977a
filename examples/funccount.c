// SPDX-License-Identifier: GPL-2.0
/*
 * funccount: count the calls of every function matching a pattern, as
 * bcc's funccount does.
 *
 *	insmod funccount.ko func='vfs_*' [top=10]
 *	cat /sys/kernel/debug/funccount/counts	(every function called so far)
 *	rmmod funccount				(the top functions, in the kernel log)
 *
 * One kprobe_core glob (kpc_register_glob()): a client at the entry of
 * each function, through the core's ftrace_ops, armed with one ftrace
 * update. The core counts each client's hits per CPU, so the handler has
 * nothing to do. On rmmod:
 *
 *	funccount: top 3 of 52 functions matching 'vfs_*', by calls (2712 calls in all):
 *	funccount:   FUNC                                     COUNT
 *	funccount:   vfs_read                                  1371
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <kprobe_core.h>

static char *func;
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "functions to count: a glob, \"vfs_*\", or \"module:glob\" (required)");

static unsigned int top = 10;
module_param(top, uint, 0444);
MODULE_PARM_DESC(top, "how many functions the summary on rmmod lists (default 10; 0: all called)");

struct fc_row {
	u64 calls;
	unsigned int i;
};

static struct kpc_glob *fc_glob;
static DEFINE_MUTEX(fc_lock);
static struct dentry *fc_dir;

/* The core counts the hit; nothing else to do. */
static int fc_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static int fc_cmp(const void *a, const void *b)
{
	const struct fc_row *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;	/* name order */
}

/* The functions called so far, most called first; NULL without memory. */
static struct fc_row *fc_rows(unsigned int *n, u64 *total)
{
	struct fc_row *rows = kvmalloc_array(fc_glob->attached, sizeof(*rows), GFP_KERNEL);
	struct kpc_stats st;
	unsigned int i;

	*n = 0;
	*total = 0;
	if (!rows)
		return NULL;
	for (i = 0; i < fc_glob->attached; i++) {
		kpc_get_stats(fc_glob->probes[i], &st);
		*total += st.hits;
		if (!st.hits)
			continue;
		rows[*n].calls = st.hits;
		rows[*n].i = i;
		(*n)++;
	}
	sort(rows, *n, sizeof(*rows), fc_cmp, NULL);
	return rows;
}

/* "func", or "module:func" (how func= names it), of the function at @addr */
static void fc_name(char *buf, size_t size, unsigned long addr)
{
	static char sym[KSYM_SYMBOL_LEN];	/* callers are serialized by fc_lock */
	char *mod, *end;

	sprint_symbol_no_offset(sym, addr);	/* "func [mod]" */
	mod = strstr(sym, " [");
	end = mod ? strchr(mod, ']') : NULL;
	if (!end) {
		strscpy(buf, sym, size);
		return;
	}
	*end = '\0';
	*mod = '\0';
	snprintf(buf, size, "%s:%s", mod + 2, sym);
}

/* The table, to @m or to the kernel log (@m NULL), at most @max rows (0: all). */
static void fc_show(struct seq_file *m, unsigned int max)
{
	static char name[KSYM_SYMBOL_LEN + MODULE_NAME_LEN];	/* under fc_lock */
	unsigned int i, n;
	struct fc_row *rows;
	u64 total;

	rows = fc_rows(&n, &total);
	if (!rows) {
		pr_err("no memory to sort %u functions\n", fc_glob->attached);
		return;
	}
	if (max && max < n)
		n = max;
	if (m)
		seq_printf(m, "%-40s %12s\n", "FUNC", "COUNT");
	else
		pr_info("top %u of %u functions matching '%s', by calls (%llu calls in all):\n",
			n, fc_glob->attached, func, total);
	for (i = 0; i < n; i++) {
		fc_name(name, sizeof(name), kpc_addr(fc_glob->probes[rows[i].i]));
		if (m)
			seq_printf(m, "%-40s %12llu\n", name, rows[i].calls);
		else
			pr_info("  %-40s %12llu\n", name, rows[i].calls);
	}
	kvfree(rows);
}

static int fc_counts_show(struct seq_file *m, void *v)
{
	mutex_lock(&fc_lock);
	fc_show(m, 0);
	mutex_unlock(&fc_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fc_counts);

static int __init fc_init(void)
{
	struct kpc_desc d = { .pre = fc_pre };
	struct kpc_glob *g;

	if (!func || !func[0]) {
		pr_err("func= is required: a glob of functions to count, e.g. func='vfs_*'\n");
		return -EINVAL;
	}
	/* On failure the core logs what was wrong with func=. */
	g = kpc_register_glob(func, &d);
	if (IS_ERR(g))
		return PTR_ERR(g);
	fc_glob = g;
	fc_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("counts", 0400, fc_dir, NULL, &fc_counts_fops);
	pr_info("counting %u functions matching '%s'; counts in /sys/kernel/debug/%s/counts\n",
		g->attached, func, KBUILD_MODNAME);
	return 0;
}

static void __exit fc_exit(void)
{
	unsigned int i;

	/* Readers of the counts are gone once this returns. */
	debugfs_remove_recursive(fc_dir);
	for (i = 0; i < fc_glob->attached; i++)
		kpc_disable(fc_glob->probes[i]);
	synchronize_rcu();
	mutex_lock(&fc_lock);
	fc_show(NULL, top);
	mutex_unlock(&fc_lock);
	kpc_unregister_glob(fc_glob);
}

module_init(fc_init);
module_exit(fc_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: count the calls of every function matching a glob");

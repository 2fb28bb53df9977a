// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_rearm_fail: a re-arm that fails must leave the site as it was.
 *
 * At load, client "first" (a kretprobe) probes rf_target() and the module
 * calls it RF_CALLS times. Each write to "join" registers client "second"
 * on the same function with a maxactive the site's kernel kretprobe cannot
 * give, so the core re-arms the site. tests/cases/62-rearm-failure.sh makes
 * the first such re-arm fail with the kernel's fail_function
 * (kpc_arm_register is marked ALLOW_ERROR_INJECTION) and checks, after
 * each join, what this module prints: the join's result, the site's kernel
 * probe replacements, and that "first" still took every call exactly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <kprobe_core.h>

#define RF_CALLS	10

static int rf_sink;

static __attribute__((__noipa__)) int rf_target(int x)
{
	WRITE_ONCE(rf_sink, x);
	return x + 1;
}

static struct kpc_probe *rf_first, *rf_second;

/* Return clients need a handler; the counts are the core's. */
static void rf_ret(struct kpc_probe *p, struct pt_regs *regs, void *data, u64 ns)
{
}
static unsigned int rf_calls;

static void rf_call(void)
{
	int i;

	for (i = 0; i < RF_CALLS; i++)
		rf_target(i);
	rf_calls += RF_CALLS;
}

static void rf_report(const char *what, long err)
{
	struct kpc_site_info info = {};
	struct kpc_stats first, second = {};
	int lookup;

	rf_call();
	kpc_get_stats(rf_first, &first);
	if (rf_second)
		kpc_get_stats(rf_second, &second);
	lookup = kpc_lookup_addr(kpc_addr(rf_first), KPC_KRETPROBE, &info);
	pr_info("%s: %ld; site: lookup %d, %u client(s), %llu re-arm(s); calls %u; first: hits=%llu returns=%llu missed=%llu; second: hits=%llu returns=%llu\n",
		what, err, lookup, info.nclients, info.rearms, rf_calls, first.hits,
		first.returns, first.missed_reentry + first.missed_pool,
		second.hits, second.returns);
}

static int rf_join(const char *val, const struct kernel_param *kp)
{
	struct kpc_desc d = {
		.name = "second", .symbol = "rf_target", .ret = rf_ret,
		.maxactive = KPC_MAXACTIVE_MAX / 2,
	};
	struct kpc_probe *p;

	if (rf_second)
		return -EBUSY;
	p = kpc_register_kretprobe(&d);
	if (!IS_ERR(p))
		rf_second = p;
	rf_report("join", IS_ERR(p) ? PTR_ERR(p) : 0);
	return 0;
}

static const struct kernel_param_ops rf_join_ops = { .set = rf_join };
module_param_cb(join, &rf_join_ops, NULL, 0200);
MODULE_PARM_DESC(join, "write 1: register client \"second\" (a re-arm of the site)");

static int __init rf_init(void)
{
	struct kpc_desc d = { .name = "first", .symbol = "rf_target", .ret = rf_ret };

	rf_first = kpc_register_kretprobe(&d);
	if (IS_ERR(rf_first))
		return PTR_ERR(rf_first);
	rf_report("load", 0);
	return 0;
}

static void __exit rf_exit(void)
{
	if (rf_second)
		kpc_unregister(rf_second);
	kpc_unregister(rf_first);
}

module_init(rf_init);
module_exit(rf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a failed re-arm leaves the site as it was");

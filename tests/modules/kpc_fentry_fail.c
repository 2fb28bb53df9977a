// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_fentry_fail: a KPC_F_FTRACE_OPS registration whose ftrace_ops cannot
 * be registered must fail cleanly, and the next one must work.
 *
 * Each write to "try" registers a KPC_F_FTRACE_OPS probe on ff_target(),
 * calls the function FF_CALLS times, prints the registration's result and
 * the probe's hits, and unregisters it. tests/cases/63-fentry-failure.sh
 * makes the first try fail with the kernel's fail_function (the core marks
 * kpc_fentry_ops_register ALLOW_ERROR_INJECTION): the core's filter is set
 * by then, and the ftrace_ops is not registered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <kprobe_core.h>

#define FF_CALLS	10

static int ff_sink;

static __attribute__((__noipa__)) int ff_target(int x)
{
	WRITE_ONCE(ff_sink, x);
	return x + 1;
}

static int ff_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static int ff_try_set(const char *val, const struct kernel_param *kp)
{
	const struct kpc_desc d = {
		.name = "ff", .symbol = KBUILD_MODNAME ":ff_target", .pre = ff_pre,
		.flags = KPC_F_FTRACE_OPS,
	};
	struct kpc_site_info info = {};
	struct kpc_probe *p = kpc_register_kprobe(&d);
	struct kpc_stats st = {};
	int i, fentry = -ENOENT;

	for (i = 0; i < FF_CALLS; i++)
		ff_target(i);
	if (!IS_ERR(p)) {
		kpc_get_stats(p, &st);
		fentry = kpc_lookup_addr(kpc_addr(p), KPC_FENTRY, &info);
		kpc_unregister(p);
	}
	pr_info("try: %d; ftrace-ops site: %d; hits=%llu\n", PTR_ERR_OR_ZERO(p),
		fentry, st.hits);
	return 0;
}

static const struct kernel_param_ops ff_try_ops = {
	.set = ff_try_set,
};
module_param_cb(try, &ff_try_ops, NULL, 0200);
MODULE_PARM_DESC(try, "write anything: register, call, report, unregister");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a KPC_F_FTRACE_OPS registration that fails");

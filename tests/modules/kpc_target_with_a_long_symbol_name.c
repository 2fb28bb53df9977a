// SPDX-License-Identifier: GPL-2.0
/*
 * A probed function whose name is as long as kallsyms keeps (KSYM_NAME_LEN
 * - 1 = 511 characters) in a module with a 34-character name: the site's
 * "where" text (name+0xoff [module]) is then longer than KSYM_NAME_LEN +
 * 32, the size the core once gave it, and the listing must still show the
 * whole name. tests/cases/45-long-symbol.sh reads it. (The old overflow ran
 * into the site's own later fields, which KASAN does not see: the size is
 * held by a BUILD_BUG_ON in the core; this checks nothing is cut.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <kprobe_core.h>

/* Its assembler name: 31 + 32 * 15 = 511 characters */
#define LONG_NAME \
	"kpc_the_probed_function_name____abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn_abcdefghijklmn"

static int long_sink;

/* The name by an asm label: sparse does not take 511-character identifiers. */
static __attribute__((__noipa__)) int long_fn(int x) __asm__(LONG_NAME);
static int long_fn(int x)
{
	WRITE_ONCE(long_sink, x);
	return x + 1;
}

static struct kpc_probe *long_kp, *long_rp;

static int long_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void long_ret(struct kpc_probe *p, struct pt_regs *regs, void *data, u64 ns)
{
}

static int __init long_init(void)
{
	struct kpc_desc kd = {
		.name = "long_kprobe", .addr = (unsigned long)long_fn, .pre = long_pre,
	};
	struct kpc_desc rd = {
		.name = "long_kretprobe", .addr = (unsigned long)long_fn, .ret = long_ret,
	};
	int i;

	BUILD_BUG_ON(sizeof(LONG_NAME) != KSYM_NAME_LEN);
	pr_info("# function: %s\n", LONG_NAME);
	long_kp = kpc_register_kprobe(&kd);
	if (IS_ERR(long_kp))
		return PTR_ERR(long_kp);
	long_rp = kpc_register_kretprobe(&rd);
	if (IS_ERR(long_rp)) {
		kpc_unregister(long_kp);
		return PTR_ERR(long_rp);
	}
	for (i = 0; i < 5; i++)
		long_fn(i);
	return 0;
}

static void __exit long_exit(void)
{
	kpc_unregister(long_rp);
	kpc_unregister(long_kp);
}

module_init(long_init);
module_exit(long_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a probed function with a 511-character name");

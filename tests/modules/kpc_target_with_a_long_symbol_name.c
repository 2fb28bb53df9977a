// SPDX-License-Identifier: GPL-2.0
/*
 * A probed function whose name is as long as kallsyms keeps (KSYM_NAME_LEN
 * - 1 = 511 characters) in a module with a long name: the site's "where"
 * text (name+0xoff [module]) is then longer than KSYM_NAME_LEN + 32, the
 * size the core once gave it. Under KASAN (debug-6.1) a buffer too small
 * for sprint_symbol() is an out-of-bounds write; everywhere, the listing
 * must show the whole name. tests/cases/45-long-symbol.sh reads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <kprobe_core.h>

#define PASTE(a, b)	a##b
#define XPASTE(a, b)	PASTE(a, b)
#define TWICE(x)	XPASTE(x, x)
#define TIMES32(x)	TWICE(TWICE(TWICE(TWICE(TWICE(x)))))

/* 31 + 32 * 15 = 511 characters */
#define LONG_FN XPASTE(kpc_the_probed_function_name___, TIMES32(_abcdefghijklmn))

static int long_sink;

static __attribute__((__noipa__)) int LONG_FN(int x)
{
	WRITE_ONCE(long_sink, x);
	return x + 1;
}

static struct kpc_probe *long_kp, *long_rp;

static int __init long_init(void)
{
	struct kpc_desc kd = { .name = "long_kprobe", .addr = (unsigned long)LONG_FN };
	struct kpc_desc rd = { .name = "long_kretprobe", .addr = (unsigned long)LONG_FN };
	int i;

	BUILD_BUG_ON(sizeof(__stringify(LONG_FN)) != KSYM_NAME_LEN);
	pr_info("# function: %s\n", __stringify(LONG_FN));
	long_kp = kpc_register_kprobe(&kd);
	if (IS_ERR(long_kp))
		return PTR_ERR(long_kp);
	long_rp = kpc_register_kretprobe(&rd);
	if (IS_ERR(long_rp)) {
		kpc_unregister(long_kp);
		return PTR_ERR(long_rp);
	}
	for (i = 0; i < 5; i++)
		LONG_FN(i);
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

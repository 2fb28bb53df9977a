// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: clean at the default warning level, not with W=1. */
#include <linux/module.h>

/* No prototype and not static: -Wmissing-prototypes (W=1). */
int kpc_bad_w1_helper(int x)
{
	return x + 1;
}

static int __init kpc_bad_w1_init(void)
{
	return kpc_bad_w1_helper(-1);
}
module_init(kpc_bad_w1_init);

MODULE_LICENSE("GPL");

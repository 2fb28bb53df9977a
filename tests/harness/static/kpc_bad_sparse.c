// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: gcc is happy even with W=1, sparse is not. */
#include <linux/module.h>
#include <linux/uaccess.h>

static int kpc_bad_sparse_read(int __user *p)
{
	return *(int *)p;	/* drops the __user address space */
}

static int __init kpc_bad_sparse_init(void)
{
	int __user *p = NULL;

	return p ? kpc_bad_sparse_read(p) : 0;
}
module_init(kpc_bad_sparse_init);

MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * Registers by name, for clients and fetch arguments: the architecture's
 * table lives in kpc_compat.h (kpc_arch_regs()).
 */
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <kprobe_core.h>
#include "kpc_compat.h"

int kpc_reg_offset(const char *name)
{
	const struct kpc_reg_name *regs;
	unsigned int i, n;

	if (!name)
		return -EINVAL;
	regs = kpc_arch_regs(&n);
	for (i = 0; i < n; i++)
		if (!strcmp(name, regs[i].name))
			return regs[i].offset;
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(kpc_reg_offset);

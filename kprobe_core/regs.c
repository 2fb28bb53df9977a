// SPDX-License-Identifier: GPL-2.0
/*
 * Registers by name, for clients and fetch arguments: the architecture's
 * table lives in kpc_compat.h (KPC_ARCH_REGS).
 */
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <kprobe_core.h>
#include "kpc_compat.h"

struct kpc_reg_name {
	const char *name;
	unsigned int offset;
};

#define KPC_REG(n, field) { .name = n, .offset = offsetof(struct pt_regs, field) }
static const struct kpc_reg_name kpc_regs[] = { KPC_ARCH_REGS };

int kpc_reg_offset(const char *name)
{
	unsigned int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(kpc_regs); i++)
		if (!strcmp(name, kpc_regs[i].name))
			return kpc_regs[i].offset;
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(kpc_reg_offset);

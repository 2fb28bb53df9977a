// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kprobe_core/uprobe_elf.c (scripts/check-host.sh):
 * the input is the file. Any crash, out-of-bounds read (ASan), undefined
 * behaviour (UBSan) or an offset outside the file fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "uprobe_elf.h"

struct mem {
	const uint8_t *p;
};

static int mem_read(void *ctx, void *buf, size_t len, u64 off)
{
	memcpy(buf, ((struct mem *)ctx)->p + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char * const names[] = { "func", "main", "malloc", "" };
	/* a copy of exactly @size bytes: ASan sees any read past the end */
	uint8_t *copy = malloc(size ? size : 1);
	struct mem m = { copy };
	struct kpu_elf_file f = { .ctx = &m, .size = size, .read = mem_read };
	unsigned int i;
	u64 off;

	memcpy(copy, data, size);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		off = 0;
		if (kpu_elf_func_offset(&f, names[i], &off, NULL) == KPU_ELF_OK && off >= size)
			abort();
	}
	free(copy);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A function's file offset in an ELF file, by name: what a uprobe needs
 * (uprobe_register() takes an inode and an offset), from what users know
 * (a symbol). Plain C with no kernel state: the file is read through a
 * callback, so the same code builds into the module and into host tests
 * and a fuzz target (tests/host/). The file is untrusted: every offset and
 * size is checked against the file's size before it is read, and loops
 * are bounded.
 */
#ifndef _KPC_UPROBE_ELF_H
#define _KPC_UPROBE_ELF_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#include <stddef.h>
typedef uint64_t u64;
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

enum kpu_elf_error {
	KPU_ELF_OK,
	KPU_ELF_NOT_ELF,	/* no ELF magic, or cut short before its headers */
	KPU_ELF_UNSUPPORTED,	/* not 64-bit little-endian */
	KPU_ELF_BAD,		/* headers or tables point outside the file */
	KPU_ELF_NO_SYMBOL,	/* no symbol of that name */
	KPU_ELF_NOT_FUNCTION,	/* a symbol of that name, but not a function */
	KPU_ELF_IFUNC,		/* an ifunc: its value is the resolver, not the code */
	KPU_ELF_TOO_BIG,	/* more symbols than KPU_MAX_SYMBOLS to look through */
	KPU_ELF_NOT_LOADED,	/* the function lies in no executable loadable segment */
	KPU_ELF_PAST_END,	/* its offset is past the end of the file */
	KPU_ELF_READ,		/* the file could not be read */
};

struct kpu_elf_file {
	void *ctx;
	u64 size;
	/* exactly @len bytes at @off into @buf: 0, or a negative errno */
	int (*read)(void *ctx, void *buf, size_t len, u64 off);
};

/*
 * kpu_elf_func_offset() - the file offset of function @name
 * @f: the file
 * @name: the symbol, as .symtab or .dynsym spell it (no @version)
 * @offset: set on success
 * @size: if not NULL, set on success to the symbol's size (st_size; 0 when
 *        the file does not say)
 *
 * Looks in the first .symtab, then the first .dynsym: the first defined
 * symbol of that name that is a function (STT_FUNC) wins. Its address
 * maps to a file offset through the executable PT_LOAD segment holding it:
 * st_value - p_vaddr + p_offset. At most KPU_MAX_SYMBOLS symbols are
 * looked at, one read each: the work is bounded whatever the file.
 *
 * Return: KPU_ELF_OK or the reason it has none (kpu_elf_error_text()).
 */
int kpu_elf_func_offset(const struct kpu_elf_file *f, const char *name, u64 *offset,
			u64 *size);
const char *kpu_elf_error_text(int err);

#endif /* _KPC_UPROBE_ELF_H */

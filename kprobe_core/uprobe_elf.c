// SPDX-License-Identifier: GPL-2.0
/*
 * A function's file offset in a 64-bit little-endian ELF file (see
 * uprobe_elf.h). Headers are decoded byte by byte from what was read, so
 * nothing depends on the host's or the file's alignment.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif
#include "uprobe_elf.h"

#define KPU_EHDR_SIZE		64
#define KPU_PHDR_SIZE		56
#define KPU_SHDR_SIZE		64
#define KPU_SYM_SIZE		24
#define KPU_PT_LOAD		1
#define KPU_SHT_SYMTAB		2
#define KPU_SHT_DYNSYM		11
#define KPU_SHT_GNU_VERSYM	0x6fffffff
#define KPU_VERSYM_HIDDEN	0x8000	/* an old version: name@V, not name@@V */
#define KPU_STB_LOCAL		0
#define KPU_PN_XNUM		0xffff	/* e_phnum: the count is in section 0 */
#define KPU_STT_FUNC		2
#define KPU_STT_GNU_IFUNC	10
#define KPU_SHN_UNDEF		0
#define KPU_NAME_MAX		512	/* longest name compared, with its NUL */
#define KPU_MAX_SECTIONS	65535
#define KPU_MAX_SEGMENTS	65535
#define KPU_SYMS_PER_READ	16	/* 384 bytes on the stack */
#define KPU_MAX_SYMBOLS		(1U << 20)	/* libc has about 3,000 in .dynsym */
#define KPU_PF_X		1

static const char * const kpu_elf_errors[] = {
	[KPU_ELF_OK] = "ok",
	[KPU_ELF_NOT_ELF] = "not an ELF file",
	[KPU_ELF_UNSUPPORTED] = "not a 64-bit little-endian ELF file",
	[KPU_ELF_BAD] = "malformed ELF file (a table points outside it)",
	[KPU_ELF_NO_SYMBOL] = "no such symbol",
	[KPU_ELF_NOT_FUNCTION] = "the symbol is not a function",
	[KPU_ELF_IFUNC] = "the symbol is an ifunc (its value is the resolver): probe the implementation",
	[KPU_ELF_TOO_BIG] = "too many symbols to look through",
	[KPU_ELF_NOT_LOADED] = "the function is in no executable loadable segment",
	[KPU_ELF_PAST_END] = "the function's offset is past the end of the file",
	[KPU_ELF_READ] = "the file could not be read",
};

const char *kpu_elf_error_text(int err)
{
	if (err < 0 || err >= (int)ARRAY_SIZE(kpu_elf_errors))
		return "?";
	return kpu_elf_errors[err];
}

static u64 kpu_le(const unsigned char *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* @len bytes at @off, if they lie wholly inside the file */
static int kpu_read(const struct kpu_elf_file *f, void *buf, size_t len, u64 off)
{
	if (off > f->size || len > f->size - off)
		return KPU_ELF_BAD;
	return f->read(f->ctx, buf, len, off) ? KPU_ELF_READ : KPU_ELF_OK;
}

struct kpu_table {		/* an array of fixed-size entries in the file */
	u64 off, num, entsize;
};

static int kpu_table_ok(const struct kpu_elf_file *f, const struct kpu_table *t)
{
	if (!t->num)
		return KPU_ELF_OK;
	if (t->off > f->size || t->num > (f->size - t->off) / t->entsize)
		return KPU_ELF_BAD;
	return KPU_ELF_OK;
}

/* Is the NUL-terminated string at @off of @strtab equal to @name? */
static int kpu_name_is(const struct kpu_elf_file *f, u64 str_off, u64 str_size, u64 off,
		       const char *name, size_t len, int *equal)
{
	char buf[KPU_NAME_MAX];
	int err;

	*equal = 0;
	/* the name and its NUL must lie in the string table */
	if (off >= str_size || len + 1 > str_size - off)
		return KPU_ELF_OK;
	err = kpu_read(f, buf, len + 1, str_off + off);
	if (err)
		return err;
	*equal = !memcmp(buf, name, len) && buf[len] == '\0';
	return KPU_ELF_OK;
}

/*
 * Which of several functions of one name wins, lower first: a global (or
 * weak) one before a local one (a static function of a library's own), and
 * in .dynsym the default version (name@@V, or no version) before an old
 * one (name@V, marked hidden in .gnu.version): what a program linking
 * against the file, or a debugger, means by the name.
 */
static int kpu_rank(const unsigned char *sym, unsigned int versym)
{
	return 2 * ((sym[4] >> 4) == KPU_STB_LOCAL) + !!(versym & KPU_VERSYM_HIDDEN);
}

/*
 * The value of function @name in the symbol table section @sh, the best
 * ranked of that name: *found 1, 2 for a symbol of that name that is not a
 * function, 3 for an ifunc, 0 for none. @versym: the table's .gnu.version
 * (num 0: none). *budget: symbols left to look at.
 */
static int kpu_find_in(const struct kpu_elf_file *f, const struct kpu_table *shdrs,
		       const unsigned char *sh, const struct kpu_table *versym,
		       const char *name, u64 *value, u64 *size, int *found, u64 *budget)
{
	unsigned char syms[KPU_SYMS_PER_READ * KPU_SYM_SIZE], link_sh[KPU_SHDR_SIZE], v[2];
	size_t len = strlen(name);
	struct kpu_table t;
	u64 link, str_off, str_size, i, n, j;
	int err, equal, type, rank, best = 4;

	t.off = kpu_le(sh + 24, 8);
	t.entsize = kpu_le(sh + 56, 8);
	link = kpu_le(sh + 40, 4);
	if (t.entsize != KPU_SYM_SIZE || link >= shdrs->num)
		return KPU_ELF_BAD;
	t.num = kpu_le(sh + 32, 8) / KPU_SYM_SIZE;
	err = kpu_table_ok(f, &t);
	if (err)
		return err;
	err = kpu_read(f, link_sh, KPU_SHDR_SIZE, shdrs->off + link * shdrs->entsize);
	if (err)
		return err;
	str_off = kpu_le(link_sh + 24, 8);
	str_size = kpu_le(link_sh + 32, 8);
	if (str_off > f->size || str_size > f->size - str_off)
		return KPU_ELF_BAD;
	if (t.num > *budget)
		return KPU_ELF_TOO_BIG;
	*budget -= t.num;
	for (i = 0; i < t.num && best; i += n) {
		n = t.num - i < KPU_SYMS_PER_READ ? t.num - i : KPU_SYMS_PER_READ;
		err = kpu_read(f, syms, n * KPU_SYM_SIZE, t.off + i * KPU_SYM_SIZE);
		if (err)
			return err;
		for (j = 0; j < n && best; j++) {
			const unsigned char *s = syms + j * KPU_SYM_SIZE;

			if (kpu_le(s + 6, 2) == KPU_SHN_UNDEF)
				continue;	/* not defined here */
			err = kpu_name_is(f, str_off, str_size, kpu_le(s, 4), name, len, &equal);
			if (err)
				return err;
			if (!equal)
				continue;
			type = s[4] & 0xf;
			if (type == KPU_STT_GNU_IFUNC) {
				if (*found != 1)
					*found = 3;
				continue;
			}
			if (type != KPU_STT_FUNC) {
				if (!*found)
					*found = 2;
				continue;
			}
			/* its version, if the table has them (a short table: none) */
			v[0] = v[1] = 0;
			if (i + j < versym->num) {
				err = kpu_read(f, v, 2, versym->off + (i + j) * 2);
				if (err)
					return err;
			}
			rank = kpu_rank(s, kpu_le(v, 2));
			if (rank < best) {
				best = rank;
				*value = kpu_le(s + 8, 8);
				*size = kpu_le(s + 16, 8);
				*found = 1;
			}
		}
	}
	return KPU_ELF_OK;
}

/* The .gnu.version table of symbol table section @symidx, or an empty one */
static int kpu_versym(const struct kpu_elf_file *f, const struct kpu_table *shdrs,
		      u64 symidx, struct kpu_table *versym)
{
	unsigned char sh[KPU_SHDR_SIZE];
	u64 i;
	int err;

	versym->num = 0;
	versym->entsize = 2;
	for (i = 0; i < shdrs->num; i++) {
		err = kpu_read(f, sh, KPU_SHDR_SIZE, shdrs->off + i * shdrs->entsize);
		if (err)
			return err;
		if (kpu_le(sh + 4, 4) != KPU_SHT_GNU_VERSYM || kpu_le(sh + 40, 4) != symidx)
			continue;
		versym->off = kpu_le(sh + 24, 8);
		versym->num = kpu_le(sh + 32, 8) / 2;
		/* a table pointing outside the file: no versions, not a bad file */
		if (kpu_table_ok(f, versym))
			versym->num = 0;
		return KPU_ELF_OK;
	}
	return KPU_ELF_OK;
}

/* The file offset of address @value: the PT_LOAD segment whose file part holds it */
static int kpu_addr_to_offset(const struct kpu_elf_file *f, const struct kpu_table *phdrs,
			      u64 value, u64 *offset)
{
	unsigned char ph[KPU_PHDR_SIZE];
	u64 i, vaddr, poff, filesz;
	int err;

	for (i = 0; i < phdrs->num; i++) {
		err = kpu_read(f, ph, KPU_PHDR_SIZE, phdrs->off + i * phdrs->entsize);
		if (err)
			return err;
		if (kpu_le(ph, 4) != KPU_PT_LOAD || !(kpu_le(ph + 4, 4) & KPU_PF_X))
			continue;
		poff = kpu_le(ph + 8, 8);
		vaddr = kpu_le(ph + 16, 8);
		filesz = kpu_le(ph + 32, 8);
		if (value < vaddr || value - vaddr >= filesz)
			continue;
		if (poff > f->size || value - vaddr >= f->size - poff)
			return KPU_ELF_PAST_END;
		*offset = value - vaddr + poff;
		return KPU_ELF_OK;
	}
	return KPU_ELF_NOT_LOADED;
}

/*
 * Extended numbering: with 65,535 or more sections (or segments), the ELF
 * header says 0 (or PN_XNUM) and section 0 holds the count.
 */
static int kpu_counts(const struct kpu_elf_file *f, struct kpu_table *phdrs,
		      struct kpu_table *shdrs)
{
	int need_sh = !shdrs->num && shdrs->off, need_ph = phdrs->num == KPU_PN_XNUM;
	unsigned char sh0[KPU_SHDR_SIZE];
	int err;

	if (!need_sh && !need_ph)
		return KPU_ELF_OK;
	if (!shdrs->off || shdrs->entsize < KPU_SHDR_SIZE)
		return KPU_ELF_BAD;	/* the count is nowhere */
	err = kpu_read(f, sh0, KPU_SHDR_SIZE, shdrs->off);
	if (err)
		return err;
	if (need_sh)
		shdrs->num = kpu_le(sh0 + 32, 8);	/* sh_size */
	if (need_ph)
		phdrs->num = kpu_le(sh0 + 44, 4);	/* sh_info */
	return KPU_ELF_OK;
}

int kpu_elf_func_offset(const struct kpu_elf_file *f, const char *name, u64 *offset,
			u64 *size)
{
	static const unsigned int kinds[] = { KPU_SHT_SYMTAB, KPU_SHT_DYNSYM };
	unsigned char eh[KPU_EHDR_SIZE], sh[KPU_SHDR_SIZE];
	u64 i, value = 0, symsize = 0, budget = KPU_MAX_SYMBOLS;
	struct kpu_table phdrs, shdrs, versym;
	int err, bad = 0, found = 0, k;

	if (!name[0] || strlen(name) >= KPU_NAME_MAX)
		return KPU_ELF_NO_SYMBOL;
	if (f->size < KPU_EHDR_SIZE)
		return KPU_ELF_NOT_ELF;
	err = kpu_read(f, eh, KPU_EHDR_SIZE, 0);
	if (err)
		return err;
	if (memcmp(eh, "\177ELF", 4))
		return KPU_ELF_NOT_ELF;
	if (eh[4] != 2 || eh[5] != 1)	/* ELFCLASS64, ELFDATA2LSB */
		return KPU_ELF_UNSUPPORTED;
	phdrs.off = kpu_le(eh + 32, 8);
	phdrs.entsize = kpu_le(eh + 54, 2);
	phdrs.num = kpu_le(eh + 56, 2);
	shdrs.off = kpu_le(eh + 40, 8);
	shdrs.entsize = kpu_le(eh + 58, 2);
	shdrs.num = kpu_le(eh + 60, 2);
	err = kpu_counts(f, &phdrs, &shdrs);
	if (err)
		return err;
	if ((phdrs.num && phdrs.entsize < KPU_PHDR_SIZE) ||
	    (shdrs.num && shdrs.entsize < KPU_SHDR_SIZE) ||
	    phdrs.num > KPU_MAX_SEGMENTS || shdrs.num > KPU_MAX_SECTIONS)
		return KPU_ELF_BAD;
	err = kpu_table_ok(f, &phdrs);
	if (!err)
		err = kpu_table_ok(f, &shdrs);
	if (err)
		return err;
	for (k = 0; k < 2 && found != 1; k++) {
		for (i = 0; i < shdrs.num; i++) {
			err = kpu_read(f, sh, KPU_SHDR_SIZE, shdrs.off + i * shdrs.entsize);
			if (err)
				return err;
			if (kpu_le(sh + 4, 4) != kinds[k])
				continue;
			err = kpu_versym(f, &shdrs, i, &versym);
			if (!err)
				err = kpu_find_in(f, &shdrs, sh, &versym, name, &value, &symsize,
						  &found, &budget);
			/* a broken .symtab does not hide a good .dynsym */
			if (err == KPU_ELF_BAD)
				bad = 1;
			else if (err)
				return err;
			break;	/* one table of each kind, as the gABI has it */
		}
	}
	if (found != 1 && bad)
		return KPU_ELF_BAD;
	if (!found)
		return KPU_ELF_NO_SYMBOL;
	if (found == 2)
		return KPU_ELF_NOT_FUNCTION;
	if (found == 3)
		return KPU_ELF_IFUNC;
	if (size)
		*size = symsize;
	return kpu_addr_to_offset(f, &phdrs, value, offset);
}

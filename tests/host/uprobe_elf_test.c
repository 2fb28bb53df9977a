// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of kprobe_core/uprobe_elf.c (scripts/check-host.sh).
 *
 *   uprobe_elf_test              a table over a small ELF file built here
 *                                and hostile variants of it: each line's
 *                                answer (an offset, or which error)
 *   uprobe_elf_test FILE LIST    every "name offset" line of LIST (what
 *                                readelf says, see check-host.sh) must
 *                                resolve to that offset in FILE
 *   uprobe_elf_test --seed FILE  write the small ELF file (a fuzz seed)
 *
 * TAP output; the exit status is the number of failures (at most 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uprobe_elf.h"

struct mem {
	const unsigned char *p;
};

static int mem_read(void *ctx, void *buf, size_t len, u64 off)
{
	memcpy(buf, ((struct mem *)ctx)->p + off, len);
	return 0;
}

static void put(unsigned char *p, u64 v, int n)
{
	while (n--) {
		*p++ = v & 0xff;
		v >>= 8;
	}
}

/*
 * The file: ELF header, one PT_LOAD (vaddr 0x400000 = offset 0, the whole
 * file), .text-like bytes, a symbol table (section 1, .dynsym), its
 * strings (section 2), its versions (section 3, .gnu.version), section 4
 * (SHT_NULL; a row makes it a .symtab over the same symbols), section
 * headers last. Symbols: func, obj, undef, far, ifunc; "both" local then
 * global; "ver" an old version (hidden) then the default one.
 */
enum {
	F_PH = 64, F_SYMS = 256, F_NSYMS = 10, F_STR = 512, F_VER = 560, F_SH = 640,
	F_SIZE = 640 + 5 * 64
};
static const char strtab[] = "\0func\0obj\0undef\0far\0ifunc\0both\0ver\0";

/* symbol @i: name offset, st_info, st_shndx, value */
static void sym(unsigned char *f, int i, unsigned int name, int info, int shndx, u64 value)
{
	unsigned char *s = f + F_SYMS + 24 * i;

	put(s, name, 4);
	s[4] = info;
	put(s + 6, shndx, 2);
	put(s + 8, value, 8);
}

/* section header @i */
static void shdr(unsigned char *f, int i, int type, u64 off, u64 size, int link, u64 entsize)
{
	unsigned char *h = f + F_SH + 64 * i;

	put(h + 4, type, 4);
	put(h + 24, off, 8);
	put(h + 32, size, 8);
	put(h + 40, link, 4);
	put(h + 56, entsize, 8);
}

static void build(unsigned char *f)
{
	memset(f, 0, F_SIZE);
	memcpy(f, "\177ELF\2\1\1", 7);
	put(f + 16, 3, 2);		/* ET_DYN */
	put(f + 18, 62, 2);		/* x86-64 */
	put(f + 32, F_PH, 8);		/* e_phoff */
	put(f + 40, F_SH, 8);		/* e_shoff */
	put(f + 52, 64, 2);
	put(f + 54, 56, 2);		/* e_phentsize */
	put(f + 56, 1, 2);		/* e_phnum */
	put(f + 58, 64, 2);		/* e_shentsize */
	put(f + 60, 5, 2);		/* e_shnum */
	/* PT_LOAD */
	put(f + F_PH, 1, 4);
	put(f + F_PH + 4, 5, 4);	/* PF_R | PF_X */
	put(f + F_PH + 8, 0, 8);	/* p_offset */
	put(f + F_PH + 16, 0x400000, 8);	/* p_vaddr */
	put(f + F_PH + 32, F_SIZE, 8);	/* p_filesz */
	put(f + F_PH + 40, F_SIZE, 8);
	/* 0x12 global function, 0x11 global object, 0x1a global ifunc, 0x02 local function */
	sym(f, 1, 1, 0x12, 1, 0x400100);	/* func */
	sym(f, 2, 6, 0x11, 1, 0x400104);	/* obj */
	sym(f, 3, 10, 0x12, 0, 0);		/* undef */
	sym(f, 4, 16, 0x12, 1, 0x900000);	/* far */
	sym(f, 5, 20, 0x1a, 1, 0x400180);	/* ifunc */
	sym(f, 6, 26, 0x02, 1, 0x400110);	/* both, local */
	sym(f, 7, 26, 0x12, 1, 0x400120);	/* both, global */
	sym(f, 8, 31, 0x12, 1, 0x400130);	/* ver@V1 (hidden) */
	sym(f, 9, 31, 0x12, 1, 0x400140);	/* ver@@V2 */
	memcpy(f + F_STR, strtab, sizeof(strtab));
	/* versions: 1 (global) but for the two "ver": 0x8002 hidden, 3 */
	put(f + F_VER + 2 * 1, 1, 2);
	put(f + F_VER + 2 * 8, 0x8002, 2);
	put(f + F_VER + 2 * 9, 3, 2);
	shdr(f, 1, 11, F_SYMS, F_NSYMS * 24, 2, 24);		/* SHT_DYNSYM */
	shdr(f, 2, 3, F_STR, sizeof(strtab), 0, 0);		/* SHT_STRTAB */
	shdr(f, 3, 0x6fffffff, F_VER, F_NSYMS * 2, 1, 2);	/* SHT_GNU_versym */
	shdr(f, 4, 0, F_SYMS, F_NSYMS * 24, 2, 24);		/* SHT_NULL, see above */
}

struct row {
	const char *what;
	unsigned int at;	/* a byte to change (0: none) ... */
	u64 val;		/* ... to this */
	int width;
	u64 size;		/* the file's size, 0: whole */
	const char *name;
	int err;
	u64 offset;
	unsigned int at2;	/* a second change (0: none) */
	u64 val2;
	int width2;
};

static const struct row rows[] = {
	{ "a function", 0, 0, 0, 0, "func", KPU_ELF_OK, 0x100 },
	{ "an ifunc (the resolver's address)", 0, 0, 0, 0, "ifunc", KPU_ELF_IFUNC },
	{ "an object", 0, 0, 0, 0, "obj", KPU_ELF_NOT_FUNCTION },
	{ "undefined here", 0, 0, 0, 0, "undef", KPU_ELF_NO_SYMBOL },
	{ "unknown", 0, 0, 0, 0, "nosuch", KPU_ELF_NO_SYMBOL },
	{ "a prefix of a name", 0, 0, 0, 0, "fun", KPU_ELF_NO_SYMBOL },
	{ "empty name", 0, 0, 0, 0, "", KPU_ELF_NO_SYMBOL },
	{ "outside every segment", 0, 0, 0, 0, "far", KPU_ELF_NOT_LOADED },
	{ "empty file", 0, 0, 0, 1, "func", KPU_ELF_NOT_ELF },	/* size 1 means 0 */
	{ "cut in the ELF header", 0, 0, 0, 63, "func", KPU_ELF_NOT_ELF },
	{ "cut in the section headers", 0, 0, 0, F_SIZE - 1, "func", KPU_ELF_BAD },
	{ "cut in the string table", 0, 0, 0, F_STR + 3, "func", KPU_ELF_BAD },
	{ "no magic", 1, 'X', 1, 0, "func", KPU_ELF_NOT_ELF },
	{ "32-bit", 4, 1, 1, 0, "func", KPU_ELF_UNSUPPORTED },
	{ "big-endian", 5, 2, 1, 0, "func", KPU_ELF_UNSUPPORTED },
	{ "section headers past the end", 40, F_SIZE, 8, 0, "func", KPU_ELF_BAD },
	{ "section headers at 2^64 - 1", 40, ~0ULL, 8, 0, "func", KPU_ELF_BAD },
	{ "65535 sections", 60, 65535, 2, 0, "func", KPU_ELF_BAD },
	{ "section entries too small", 58, 40, 2, 0, "func", KPU_ELF_BAD },
	{ "segment entries too small", 54, 20, 2, 0, "func", KPU_ELF_BAD },
	{ "segments past the end", 32, ~0ULL - 8, 8, 0, "func", KPU_ELF_BAD },
	{ "symbols past the end", F_SH + 64 + 32, 1 << 20, 8, 0, "func", KPU_ELF_BAD },
	{ "symbol entries of 16", F_SH + 64 + 56, 16, 8, 0, "func", KPU_ELF_BAD },
	{ "string table link out of range", F_SH + 64 + 40, 9, 4, 0, "func", KPU_ELF_BAD },
	{ "string table past the end", F_SH + 128 + 24, F_SIZE - 4, 8, 0, "func", KPU_ELF_BAD },
	{ "string table huge", F_SH + 128 + 32, ~0ULL, 8, 0, "func", KPU_ELF_BAD },
	{ "name offset past the strings", F_SYMS + 24, 4096, 4, 0, "func", KPU_ELF_NO_SYMBOL },
	{ "name runs past the strings", F_SH + 128 + 32, 4, 8, 0, "func", KPU_ELF_NO_SYMBOL },
	{ "segment shorter than the function", F_PH + 32, 0x100, 8, 0, "func", KPU_ELF_NOT_LOADED },
	{ "segment offset past the end", F_PH + 8, 1 << 20, 8, 0, "func", KPU_ELF_PAST_END },
	{ "no loadable segment", F_PH, 6, 4, 0, "func", KPU_ELF_NOT_LOADED },
	{ "segment not executable", F_PH + 4, 4, 4, 0, "func", KPU_ELF_NOT_LOADED },
	{ "e_shnum 0 and section 0 says 0: no sections", 60, 0, 2, 0, "func", KPU_ELF_NO_SYMBOL },
	{ "e_shnum 0: the count in section 0", 60, 0, 2, 0, "func", KPU_ELF_OK, 0x100,
	  F_SH + 32, 5, 8 },
	{ "e_shnum 0, section 0 says 2^30", 60, 0, 2, 0, "func", KPU_ELF_BAD, 0,
	  F_SH + 32, 1 << 30, 8 },
	{ "PN_XNUM: the segment count in section 0", 56, 0xffff, 2, 0, "func", KPU_ELF_OK, 0x100,
	  F_SH + 44, 1, 4 },
	{ "PN_XNUM, section 0 says no segment", 56, 0xffff, 2, 0, "func", KPU_ELF_NOT_LOADED },
	{ "PN_XNUM and no section headers", 56, 0xffff, 2, 0, "func", KPU_ELF_BAD, 0, 40, 0, 8 },
	{ "a local and a global of one name: the global", 0, 0, 0, 0, "both", KPU_ELF_OK, 0x120 },
	{ "the local alone", F_SYMS + 7 * 24 + 4, 0x11, 1, 0, "both", KPU_ELF_OK, 0x110 },
	{ "two versions: the default, name@@V", 0, 0, 0, 0, "ver", KPU_ELF_OK, 0x140 },
	{ "the old version alone", F_SYMS + 9 * 24 + 6, 0, 2, 0, "ver", KPU_ELF_OK, 0x130 },
	{ "versions past the end: none, the first", F_SH + 3 * 64 + 24, 1 << 20, 8, 0, "ver",
	  KPU_ELF_OK, 0x130 },
	{ "a .symtab (no versions) before .dynsym", F_SH + 4 * 64 + 4, 2, 4, 0, "ver",
	  KPU_ELF_OK, 0x130 },
	{ "a broken .symtab does not hide .dynsym", F_SH + 4 * 64 + 4, 2, 4, 0, "func",
	  KPU_ELF_OK, 0x100, F_SH + 4 * 64 + 24, 1 << 20, 8 },
	{ "a broken .symtab and no such symbol", F_SH + 4 * 64 + 4, 2, 4, 0, "nosuch",
	  KPU_ELF_BAD, 0, F_SH + 4 * 64 + 24, 1 << 20, 8 },
};

static int table(void)
{
	unsigned char f[F_SIZE];
	struct mem m = { f };
	struct kpu_elf_file file = { .ctx = &m, .read = mem_read };
	unsigned int i, bad = 0;
	u64 off;
	int err;

	printf("1..%zu\n", ARRAY_SIZE(rows));
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];

		build(f);
		if (r->width)
			put(f + r->at, r->val, r->width);
		if (r->width2)
			put(f + r->at2, r->val2, r->width2);
		file.size = r->size ? r->size - (r->size == 1) : F_SIZE;
		off = 0;
		err = kpu_elf_func_offset(&file, r->name, &off, NULL);
		if (err != r->err || (!err && off != r->offset)) {
			printf("not ok %u - %s: \"%s\": %s 0x%llx, want %s 0x%llx\n", i + 1, r->what,
			       r->name, kpu_elf_error_text(err), (unsigned long long)off,
			       kpu_elf_error_text(r->err), (unsigned long long)r->offset);
			bad++;
		} else {
			printf("ok %u - %s: %s\n", i + 1, r->what, kpu_elf_error_text(err));
		}
	}
	printf("# %zu lines, %u wrong\n", ARRAY_SIZE(rows), bad);
	return !!bad;
}

static int real_file(const char *path, const char *list)
{
	struct mem m;
	struct kpu_elf_file file = { .ctx = &m, .read = mem_read };
	unsigned long long want;
	unsigned char *data;
	unsigned int n = 0, bad = 0;
	char name[600];
	FILE *fp;
	long size;
	u64 off;
	int err;

	fp = fopen(path, "rb");
	if (!fp || fseek(fp, 0, SEEK_END))
		return printf("not ok 1 - cannot read %s\n", path), 1;
	size = ftell(fp);
	if (size < 0)
		return printf("not ok 1 - cannot read %s\n", path), 1;
	data = malloc(size ? size : 1);
	rewind(fp);
	if (!data || fread(data, 1, size, fp) != (size_t)size)
		return printf("not ok 1 - cannot read %s\n", path), 1;
	fclose(fp);
	m.p = data;
	file.size = size;
	fp = fopen(list, "r");
	if (!fp)
		return printf("not ok 1 - no list %s\n", list), 1;
	while (fscanf(fp, "%599s %llx ", name, &want) == 2) {
		n++;
		err = kpu_elf_func_offset(&file, name, &off, NULL);
		if (err || off != want) {
			if (bad++ < 10)
				printf("# %s: %s 0x%llx, readelf says 0x%llx\n", name,
				       kpu_elf_error_text(err), (unsigned long long)off, want);
		}
	}
	/* a line it could not read stops the loop: the list must be read whole */
	if (!feof(fp))
		bad++, printf("# %s: the list is not read to its end\n", list);
	fclose(fp);
	free(data);
	printf("%s 1 - %s: %u functions, %u differ from readelf\n", bad || !n ? "not ok" : "ok",
	       path, n, bad);
	return bad || !n;
}

int main(int argc, char **argv)
{
	unsigned char f[F_SIZE];
	FILE *fp;

	if (argc == 3 && !strcmp(argv[1], "--seed")) {
		build(f);
		fp = fopen(argv[2], "wb");
		return !fp || fwrite(f, 1, F_SIZE, fp) != F_SIZE || fclose(fp);
	}
	if (argc == 3)
		return real_file(argv[1], argv[2]);
	return table();
}

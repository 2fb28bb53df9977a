// SPDX-License-Identifier: GPL-2.0
/*
 * Reading an event's arguments in its handler: the fetch steps
 * events_parse.c compiled (the kernel's process_fetch_insn(), with the
 * same stages) run against the probe's registers into a record.
 *
 * Handler context: nothing here sleeps, locks or allocates, and memory is
 * only read through copy_from_{kernel,user}_nofault(). An argument any of
 * whose reads fails is marked in the record's fault bits and prints as
 * "(fault)"; a user page that is not resident is such a fault, since a
 * handler may not wait for it.
 */
#include <linux/kallsyms.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "events.h"

static bool kpe_read(void *dst, unsigned long addr, unsigned int size, bool user)
{
	if (user)
		return !copy_from_user_nofault(dst, (const void __user *)addr, size);
	return !copy_from_kernel_nofault(dst, (const void *)addr, size);
}

/*
 * A NUL-terminated string into @dst, at most @room bytes with its NUL (a
 * longer one is cut). Reads stay within the page the next byte is on, so
 * a string ending just before an unmapped page reads whole.
 *
 * Return: bytes stored with the NUL, 0 if a read faulted.
 */
static unsigned int kpe_read_string(char *dst, unsigned long addr, unsigned int room,
				    bool user)
{
	unsigned int len = 0, chunk;
	char *nul;

	if (!room)
		return 0;
	while (len < room) {
		chunk = min3(room - len, 64U,
			     (unsigned int)(PAGE_SIZE - offset_in_page(addr + len)));
		if (!kpe_read(dst + len, addr + len, chunk, user))
			return 0;
		nul = memchr(dst + len, '\0', chunk);
		if (nul)
			return nul - dst + 1;
		len += chunk;
	}
	dst[room - 1] = '\0';
	return room;
}

/*
 * $stackN: regs_get_kernel_stack_nth() is not exported on arm64. As it
 * does, 0 past the end of the stack the probe ran on.
 */
static unsigned long kpe_stack_nth(struct pt_regs *regs, unsigned int n)
{
	unsigned long sp = kernel_stack_pointer(regs), addr = sp + n * sizeof(long);
	unsigned long val = 0;

	if ((addr & ~(THREAD_SIZE - 1)) != (sp & ~(THREAD_SIZE - 1)))
		return 0;
	kpe_read(&val, addr, sizeof(val), false);
	return val;
}

/* fetch_apply_bitfield(): the value's container is the type's size */
static u64 kpe_bitfield(u64 v, const struct kpe_insn *bf, unsigned int size)
{
	switch (size) {
	case 1:
		return (u8)((u8)v << bf->lshift) >> bf->rshift;
	case 2:
		return (u16)((u16)v << bf->lshift) >> bf->rshift;
	case 4:
		return (u32)((u32)v << bf->lshift) >> bf->rshift;
	default:
		return (v << bf->lshift) >> bf->rshift;
	}
}

/*
 * The low @size bytes of @v, at any alignment (fields follow each other
 * unpadded, as the kernel's records do; both architectures here are
 * little-endian, as events_trace.c's loads assume too).
 */
static void kpe_put(u8 *dest, u64 v, unsigned int size)
{
	u8 v8 = v;
	u16 v16 = v;
	u32 v32 = v;

	switch (size) {
	case 1:
		memcpy(dest, &v8, 1);
		break;
	case 2:
		memcpy(dest, &v16, 2);
		break;
	case 4:
		memcpy(dest, &v32, 4);
		break;
	default:
		memcpy(dest, &v, 8);
		break;
	}
}

/* The stage-1 value: a register, a variable, an immediate */
static unsigned long kpe_base(const struct kpe_arg *a, const struct kpe_insn **pcode,
			      struct pt_regs *regs, const unsigned long *edata)
{
	const struct kpe_insn *code = *pcode;
	unsigned long val = 0;

	switch (code->op) {
	case KPE_OP_REG:
		val = regs_get_register(regs, code->param);
		break;
	case KPE_OP_STACKP:
		val = kernel_stack_pointer(regs);
		break;
	case KPE_OP_STACK:
		val = kpe_stack_nth(regs, code->param);
		break;
	case KPE_OP_RETVAL:
		val = regs_return_value(regs);
		break;
	case KPE_OP_ARG:
		val = regs_get_kernel_argument(regs, code->param);
		break;
	case KPE_OP_EDATA:
		val = edata ? edata[code->imm] : 0;
		break;
	case KPE_OP_COMM:
		val = (unsigned long)current->comm;
		break;
	case KPE_OP_DATA:
		val = (unsigned long)a->text;
		break;
	case KPE_OP_SYMBOL:	/* resolved at registration into the IMM after it */
		code++;
		fallthrough;
	case KPE_OP_IMM:
		val = code->imm;
		break;
	}
	*pcode = code + 1;
	return val;
}

struct kpe_dyn {
	u8 *data;		/* the record's data[] */
	unsigned int used;	/* where the next string goes */
	unsigned int room;	/* end of data[] */
};

/* One string of a string field (or array element) at @dest */
static bool kpe_store_string(const struct kpe_insn *st, unsigned long val, u8 *dest,
			     struct kpe_dyn *dyn)
{
	char *to = (char *)dyn->data + dyn->used;
	unsigned int room = dyn->room - dyn->used, len;

	if (st->op == KPE_OP_ST_SYMSTR) {
		if (room < KSYM_SYMBOL_LEN)
			return false;
		len = sprint_symbol(to, val) + 1;
	} else {
		len = kpe_read_string(to, val + st->offset, min(room, 0xffffU),
				      st->op == KPE_OP_ST_USTRING);
		if (!len)
			return false;
	}
	kpe_put(dest, len << 16 | dyn->used, sizeof(u32));
	dyn->used += len;
	return true;
}

/* One scalar (or array element) at @dest */
static bool kpe_store_value(const struct kpe_insn *st, unsigned long val, u8 *dest)
{
	u64 v = 0;

	switch (st->op) {
	case KPE_OP_ST_RAW:
		v = val;
		break;
	case KPE_OP_ST_MEM:
	case KPE_OP_ST_UMEM:
		if (!kpe_read(&v, val + st->offset, st->size, st->op == KPE_OP_ST_UMEM))
			return false;
		break;
	}
	if (st[1].op == KPE_OP_MOD_BF)
		v = kpe_bitfield(v, &st[1], st->size);
	kpe_put(dest, v, st->size);
	return true;
}

static bool kpe_is_string_store(unsigned char op)
{
	return op == KPE_OP_ST_STRING || op == KPE_OP_ST_USTRING || op == KPE_OP_ST_SYMSTR;
}

static bool kpe_fetch_one(const struct kpe_arg *a, struct pt_regs *regs,
			  const unsigned long *edata, struct kpe_dyn *dyn)
{
	const struct kpe_insn *code = a->code, *deref = NULL;
	unsigned int i, count = a->count ?: 1;
	unsigned long val, lval = 0;
	u8 *dest = dyn->data + a->offset;

	val = kpe_base(a, &code, regs, edata);
	/* stage 2: dereferences */
	while (code->op == KPE_OP_DEREF || code->op == KPE_OP_UDEREF) {
		deref = code;
		lval = val;
		if (!kpe_read(&val, lval + code->offset, sizeof(val), code->op == KPE_OP_UDEREF))
			return false;
		code++;
	}
	/* stage 3: store, element by element for an array */
	for (i = 0; i < count; i++) {
		if (!kpe_is_string_store(code->op)) {
			/* an array of scalars lies in memory one after the other */
			if (!kpe_store_value(code, val + i * code->size, dest + i * code->size))
				return false;
			continue;
		}
		/* an array of strings is an array of pointers: read the next one */
		if (i) {
			if (!deref || !kpe_read(&val, lval + i * sizeof(char *) + deref->offset,
						sizeof(val), deref->op == KPE_OP_UDEREF))
				return false;
		}
		if (!kpe_store_string(code, val, dest + i * sizeof(u32), dyn))
			return false;
	}
	return true;
}

/*
 * kpe_fetch_args() - an event's arguments into @rec->data
 * @pr: the probe; its args' fixed parts take pr->size bytes
 * @regs: the handler's registers
 * @edata: a return event's arguments saved at entry, or NULL
 * @rec: the record being filled
 * @room: bytes data[] may take
 *
 * Return: bytes of data[] used.
 */
unsigned int kpe_fetch_args(const struct kpe_probe *pr, struct pt_regs *regs,
			    const unsigned long *edata, struct kpe_rec *rec,
			    unsigned int room)
{
	struct kpe_dyn dyn = { .data = rec->data, .used = pr->size, .room = room };
	unsigned int i;

	memset(rec->data, 0, pr->size);
	bitmap_zero(rec->faults, KPE_MAX_ARGS);
	for (i = 0; i < pr->nargs; i++)
		if (!kpe_fetch_one(&pr->args[i], regs, edata, &dyn))
			__set_bit(i, rec->faults);
	return dyn.used;
}

/* A return event's $argN, at entry: slot n is what the n-th EDATA step reads */
void kpe_fetch_edata(const struct kpe_probe *pr, struct pt_regs *regs, unsigned long *edata)
{
	const struct kpe_insn *code;
	unsigned int i;

	for (i = 0; i < pr->nargs; i++)
		for (code = pr->args[i].code; code->op != KPE_OP_END; code++)
			if (code->op == KPE_OP_EDATA)
				edata[code->imm] = regs_get_kernel_argument(regs, code->param);
}

/*
 * Number the EDATA steps (their imm is the slot) and size the fixed part.
 * Return: 0, or -E2BIG when the arguments cannot fit one record.
 */
int kpe_fetch_prepare(struct kpe_probe *pr)
{
	struct kpe_insn *code;
	unsigned int i, size = 0, end;

	pr->nedata = 0;
	for (i = 0; i < pr->nargs; i++) {
		for (code = pr->args[i].code; code->op != KPE_OP_END; code++)
			if (code->op == KPE_OP_EDATA)
				code->imm = pr->nedata++;
		end = pr->args[i].offset + pr->args[i].size * (pr->args[i].count ?: 1);
		size = max(size, end);
	}
	pr->size = size;
	return sizeof(struct kpe_rec) + size > KPE_REC_MAX ? -E2BIG : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The kprobe_events parser (events_parse.h). It follows the kernel's
 * __trace_kprobe_create() and traceprobe_parse_probe_arg() step by step:
 * the same checks in the same order, so that a line fails with the error
 * the kernel gives, at the column it gives (tools and the kernel's own
 * selftests look at both). Symbols are only named here; events.c resolves
 * them when it registers, as the kernel does.
 *
 * The same file builds into the module and into tests/host/ (a table of
 * lines, a fuzz target): outside the kernel, host_kernel.h supplies the
 * kstrto*() family, simple_strtoul(), the ctype tables and the allocator
 * with the kernel's semantics.
 */
#ifdef __KERNEL__
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/string.h>
#else
#include "host_kernel.h"
#endif
#include "events_parse.h"

static const char * const kpe_err_texts[KPE_E_COUNT] = {
	[KPE_E_MAXACT_NO_KPROBE] = "Maxactive is not for kprobe",
	[KPE_E_BAD_MAXACT_TYPE] = "Maxactive is only for function exit",
	[KPE_E_BAD_MAXACT] = "Invalid maxactive number",
	[KPE_E_MAXACT_TOO_BIG] = "Maxactive is too big",
	[KPE_E_BAD_PROBE_ADDR] = "Invalid probed address or symbol",
	[KPE_E_NON_UNIQ_SYMBOL] = "The symbol is not unique",
	[KPE_E_BAD_RETPROBE] = "Retprobe address must be an function entry",
	[KPE_E_BAD_ADDR_SUFFIX] = "Invalid probed address suffix",
	[KPE_E_NO_GROUP_NAME] = "Group name is not specified",
	[KPE_E_GROUP_TOO_LONG] = "Group name is too long",
	[KPE_E_BAD_GROUP_NAME] = "Group name must follow the same rules as C identifiers",
	[KPE_E_NO_EVENT_NAME] = "Event name is not specified",
	[KPE_E_EVENT_TOO_LONG] = "Event name is too long",
	[KPE_E_BAD_EVENT_NAME] = "Event name must follow the same rules as C identifiers",
	[KPE_E_EVENT_EXIST] = "Given group/event name is already used by another event",
	[KPE_E_RETVAL_ON_PROBE] = "$retval is not available on probe",
	[KPE_E_BAD_STACK_NUM] = "Invalid stack number",
	[KPE_E_BAD_ARG_NUM] = "Invalid argument number",
	[KPE_E_BAD_VAR] = "Invalid $-variable specified",
	[KPE_E_BAD_REG_NAME] = "Invalid register name",
	[KPE_E_BAD_MEM_ADDR] = "Invalid memory address",
	[KPE_E_BAD_IMM] = "Invalid immediate value",
	[KPE_E_IMMSTR_NO_CLOSE] = "String is not closed with '\"'",
	[KPE_E_FILE_ON_KPROBE] = "File offset is not available with kprobe",
	[KPE_E_TOO_MANY_OPS] = "Dereference is too much nested",
	[KPE_E_DEREF_NEED_BRACE] = "Dereference needs a brace",
	[KPE_E_BAD_DEREF_OFFS] = "Invalid dereference offset",
	[KPE_E_DEREF_OPEN_BRACE] = "Dereference brace is not closed",
	[KPE_E_COMM_CANT_DEREF] = "$comm can not be dereferenced",
	[KPE_E_BAD_FETCH_ARG] = "Invalid fetch argument",
	[KPE_E_ARRAY_NO_CLOSE] = "Array is not closed",
	[KPE_E_BAD_ARRAY_SUFFIX] = "Array has wrong suffix",
	[KPE_E_BAD_ARRAY_NUM] = "Invalid array size",
	[KPE_E_ARRAY_TOO_BIG] = "Array number is too big",
	[KPE_E_BAD_TYPE] = "Unknown type is specified",
	[KPE_E_BAD_STRING] = "String accepts only memory argument",
	[KPE_E_BAD_SYMSTRING] = "Symbol String doesn't accept data/userdata",
	[KPE_E_BAD_BITFIELD] = "Invalid bitfield",
	[KPE_E_ARG_NAME_TOO_LONG] = "Argument name is too long",
	[KPE_E_NO_ARG_NAME] = "Argument name is not specified",
	[KPE_E_BAD_ARG_NAME] = "Argument name must follow the same rules as C identifiers",
	[KPE_E_USED_ARG_NAME] = "This argument name is already used",
	[KPE_E_ARG_TOO_LONG] = "Argument expression is too long",
	[KPE_E_NO_ARG_BODY] = "No argument expression",
	[KPE_E_BAD_INSN_BNDRY] = "Probe point is not an instruction boundary",
	[KPE_E_FAIL_REG_PROBE] = "Failed to register probe event",
	[KPE_E_DIFF_PROBE_TYPE] = "Probe type is different from existing probe",
	[KPE_E_DIFF_ARG_TYPE] = "Argument type or name is different from existing probe",
	[KPE_E_SAME_PROBE] = "There is already the exact same probe event",
	[KPE_E_EVENT_TOO_BIG] = "Event too big (too many fields?)",
	[KPE_E_NOSUP_BTFARG] = "BTF is not available or not supported",
	[KPE_E_NOFENTRY_ARGS] = "$arg* can be used only on function entry or exit",
	[KPE_E_NEED_STRING_TYPE] = "$comm and immediate-string only accepts string type",
};

const char *kpe_err_text(int err)
{
	return err >= 0 && err < KPE_E_COUNT ? kpe_err_texts[err] : "";
}

struct kpe_type_info {
	const char *name;
	unsigned char size;
	unsigned char v612;	/* only in the 6.12 grammar */
};

static const struct kpe_type_info kpe_types[] = {
	[KPE_T_U8] = { "u8", 1 },	[KPE_T_U16] = { "u16", 2 },
	[KPE_T_U32] = { "u32", 4 },	[KPE_T_U64] = { "u64", 8 },
	[KPE_T_S8] = { "s8", 1 },	[KPE_T_S16] = { "s16", 2 },
	[KPE_T_S32] = { "s32", 4 },	[KPE_T_S64] = { "s64", 8 },
	[KPE_T_X8] = { "x8", 1 },	[KPE_T_X16] = { "x16", 2 },
	[KPE_T_X32] = { "x32", 4 },	[KPE_T_X64] = { "x64", 8 },
	[KPE_T_SYMBOL] = { "symbol", 8 },
	[KPE_T_CHAR] = { "char", 1, 1 },
	/* a string field is a u32 locating the text in the record */
	[KPE_T_STRING] = { "string", 4 },
	[KPE_T_USTRING] = { "ustring", 4 },
	[KPE_T_SYMSTR] = { "symstr", 4 },
};

const char *kpe_type_name(unsigned int type)
{
	return type < ARRAY_SIZE(kpe_types) ? kpe_types[type].name : "";
}

static bool kpe_is_string(unsigned int type)
{
	return type >= KPE_T_STRING;
}

/* Argument names the kernel's events reserve for their common fields */
static const char * const kpe_reserved[] = {
	"common_type", "common_flags", "common_preempt_count", "common_pid",
	"common_tgid", "__probe_ip", "__probe_ret_ip", "__probe_func",
};

struct kpe_state {
	const struct kpe_env *env;
	struct kpe_cmd *cmd;
	int index;		/* the token error offsets count from */
	bool is_return;
	bool fentry;
};

void kpe_set_error(struct kpe_cmd *cmd, int index, int offset, int err)
{
	int i, pos = 0, len = 0;

	if (cmd->err >= 0)	/* the first error is the one to report */
		return;
	for (i = 0; i < cmd->argc; i++) {
		if (i == index)
			pos = len;
		len += strlen(cmd->argv[i]) + 1;
	}
	/* Past the last token: the kernel puts the caret after it. */
	if (index >= cmd->argc) {
		pos = len;
		offset = 0;
	}
	cmd->err = err;
	cmd->err_pos = pos + offset;
}

static void kpe_log(struct kpe_state *st, int offset, int err)
{
	kpe_set_error(st->cmd, st->index, offset, err);
}

int kpe_err_command(const struct kpe_cmd *cmd, char *buf, int size)
{
	int i, n = 0;

	if (size <= 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < cmd->argc && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? " " : "", cmd->argv[i]);
	return n < size ? n : size - 1;
}

/* is_good_name() and is_good_system_name() of kernel/trace/trace.h */
static bool kpe_good_name(const char *name, bool hyphen_ok)
{
	if (!isalpha(*name) && *name != '_' && (!hyphen_ok || *name != '-'))
		return false;
	while (*++name != '\0') {
		if (!isalpha(*name) && !isdigit(*name) && *name != '_' &&
		    (!hyphen_ok || *name != '-'))
			return false;
	}
	return true;
}

/* traceprobe_parse_event_name(): "[GRP/]EVENT" or "GRP.EVENT" */
static int kpe_parse_event_name(struct kpe_state *st, const char *event, int offset)
{
	struct kpe_cmd *cmd = st->cmd;
	const char *slash;
	size_t len;

	slash = strchr(event, '/');
	if (!slash)
		slash = strchr(event, '.');
	if (slash) {
		if (slash == event) {
			kpe_log(st, offset, KPE_E_NO_GROUP_NAME);
			return -EINVAL;
		}
		if (slash - event + 1 > KPE_NAME_MAX) {
			kpe_log(st, offset, KPE_E_GROUP_TOO_LONG);
			return -EINVAL;
		}
		memcpy(cmd->group, event, slash - event);
		cmd->group[slash - event] = '\0';
		if (!kpe_good_name(cmd->group, true)) {
			kpe_log(st, offset, KPE_E_BAD_GROUP_NAME);
			return -EINVAL;
		}
		offset += slash - event + 1;
		event = slash + 1;
	}
	len = strlen(event);
	if (len == 0) {
		if (slash)	/* "GRP/": a default name in GRP */
			return 0;
		kpe_log(st, offset, KPE_E_NO_EVENT_NAME);
		return -EINVAL;
	} else if (len >= KPE_NAME_MAX) {
		kpe_log(st, offset, KPE_E_EVENT_TOO_LONG);
		return -EINVAL;
	}
	if (!kpe_good_name(event, false)) {
		kpe_log(st, offset, KPE_E_BAD_EVENT_NAME);
		return -EINVAL;
	}
	memcpy(cmd->event, event, len + 1);
	return 0;
}

/* parse_probe_vars(): what follows '$' */
static int kpe_parse_var(struct kpe_state *st, const char *var,
			 struct kpe_insn *code, int offs)
{
	const struct kpe_env *env = st->env;
	unsigned long param;
	size_t len;

	if (!strcmp(var, "retval")) {
		if (st->is_return) {
			code->op = KPE_OP_RETVAL;
			return 0;
		}
		kpe_log(st, offs, KPE_E_RETVAL_ON_PROBE);
		return -EINVAL;
	}
	if (!strncmp(var, "stack", 5)) {
		len = 5;
		if (var[len] == '\0') {
			code->op = KPE_OP_STACKP;
			return 0;
		}
		if (!isdigit(var[len]) || kstrtoul(var + len, 10, &param))
			goto bad_var;
		if (param > env->max_stack) {
			kpe_log(st, offs, KPE_E_BAD_STACK_NUM);
			return -EINVAL;
		}
		code->op = KPE_OP_STACK;
		code->param = param;
		return 0;
	}
	if (!strcmp(var, "comm") || !strcmp(var, "COMM")) {
		code->op = KPE_OP_COMM;
		return 0;
	}
	if (!strncmp(var, "arg", 3)) {
		if (env->v612 && !strcmp(var, "arg*")) {
			/* every argument by BTF: not offered (README says so) */
			kpe_log(st, offs, KPE_E_NOSUP_BTFARG);
			return -EINVAL;
		}
		/* 6.1 knows $argN at a function entry only */
		if (!env->v612 && !st->is_return && !st->fentry)
			goto bad_var;
		if (kstrtoul(var + 3, 10, &param))
			goto bad_var;
		if (!param || param > env->max_stack) {
			kpe_log(st, offs, KPE_E_BAD_ARG_NUM);
			return -EINVAL;
		}
		if (st->is_return) {
			/* saved at entry, as 6.12 does (an extension on 6.1) */
			code->op = KPE_OP_EDATA;
		} else if (st->fentry) {
			code->op = KPE_OP_ARG;
		} else {
			kpe_log(st, offs, KPE_E_NOFENTRY_ARGS);
			return -EINVAL;
		}
		code->param = param - 1;
		return 0;
	}
bad_var:
	kpe_log(st, offs, KPE_E_BAD_VAR);
	return -EINVAL;
}

/* str_to_immediate() */
static int kpe_immediate(const char *str, unsigned long *imm)
{
	if (isdigit(str[0]))
		return kstrtoul(str, 0, imm);
	if (str[0] == '-')
		return kstrtol(str, 0, (long *)imm);
	if (str[0] == '+')
		return kstrtol(str + 1, 0, (long *)imm);
	return -EINVAL;
}

/*
 * parse_probe_arg(): one fetch expression, recursively for dereferences.
 * @arg is a writable copy; *@pcode is where the base value goes, and on
 * return the last step written.
 */
static int kpe_parse_fetch(struct kpe_state *st, struct kpe_arg *parg, char *arg,
			   struct kpe_insn **pcode, struct kpe_insn *end, int offs)
{
	struct kpe_insn *code = *pcode;
	unsigned char deref = KPE_OP_DEREF;
	unsigned long param;
	long offset = 0;
	size_t len;
	char *tmp;
	int ret = 0;

	switch (arg[0]) {
	case '$':
		ret = kpe_parse_var(st, arg + 1, code, offs);
		break;

	case '%':	/* a register by name */
		ret = st->env->reg_offset(arg + 1);
		if (ret >= 0) {
			code->op = KPE_OP_REG;
			code->param = ret;
			ret = 0;
		} else {
			kpe_log(st, offs, KPE_E_BAD_REG_NAME);
		}
		break;

	case '@':	/* memory at an address or a data symbol */
		if (arg[1] == '+') {
			kpe_log(st, offs, KPE_E_FILE_ON_KPROBE);
			return -EINVAL;
		}
		if (isdigit(arg[1])) {
			ret = kstrtoul(arg + 1, 0, &param);
			if (ret) {
				kpe_log(st, offs, KPE_E_BAD_MEM_ADDR);
				break;
			}
			code->op = KPE_OP_IMM;
			code->imm = param;
		} else {
			/* resolved when the event is registered */
			code->op = KPE_OP_SYMBOL;
			strscpy(parg->text, arg + 1, sizeof(parg->text));
			if (++code == end) {
				kpe_log(st, offs, KPE_E_TOO_MANY_OPS);
				return -EINVAL;
			}
			code->op = KPE_OP_IMM;
			code->imm = 0;
		}
		if (++code == end) {
			kpe_log(st, offs, KPE_E_TOO_MANY_OPS);
			return -EINVAL;
		}
		*pcode = code;
		code->op = KPE_OP_DEREF;
		code->offset = offset;
		break;

	case '+':	/* dereference: [+|-][u]OFFS(FETCHARG) */
	case '-':
		if (arg[1] == 'u') {
			deref = KPE_OP_UDEREF;
			arg[1] = arg[0];
			arg++;
		}
		if (arg[0] == '+')
			arg++;	/* kstrtol() takes no '+' here */
		tmp = strchr(arg, '(');
		if (!tmp) {
			kpe_log(st, offs, KPE_E_DEREF_NEED_BRACE);
			return -EINVAL;
		}
		*tmp = '\0';
		ret = kstrtol(arg, 0, &offset);
		if (ret) {
			kpe_log(st, offs, KPE_E_BAD_DEREF_OFFS);
			break;
		}
		offs += (tmp + 1 - arg) + (arg[0] != '-' ? 1 : 0);
		arg = tmp + 1;
		tmp = strrchr(arg, ')');
		if (!tmp) {
			kpe_log(st, offs + strlen(arg), KPE_E_DEREF_OPEN_BRACE);
			return -EINVAL;
		}
		/*
		 * Stricter than the kernel, which ignores what follows the
		 * brace: "+0(%ax)+10" would read +0, not what was asked.
		 */
		if (tmp[1]) {
			kpe_log(st, offs + (tmp + 1 - arg), KPE_E_BAD_FETCH_ARG);
			return -EINVAL;
		}
		*tmp = '\0';
		ret = kpe_parse_fetch(st, parg, arg, &code, end, offs);
		if (ret)
			break;
		if (code->op == KPE_OP_COMM || code->op == KPE_OP_DATA) {
			kpe_log(st, offs, KPE_E_COMM_CANT_DEREF);
			return -EINVAL;
		}
		if (++code == end) {
			kpe_log(st, offs, KPE_E_TOO_MANY_OPS);
			return -EINVAL;
		}
		*pcode = code;
		code->op = deref;
		code->offset = offset;
		break;

	case '\\':	/* an immediate value or string */
		if (arg[1] == '"') {
			len = strlen(arg + 2);
			if (!len || arg[2 + len - 1] != '"') {
				kpe_log(st, offs + 2 + len, KPE_E_IMMSTR_NO_CLOSE);
				return -EINVAL;
			}
			arg[2 + len - 1] = '\0';
			strscpy(parg->text, arg + 2, sizeof(parg->text));
			code->op = KPE_OP_DATA;
		} else {
			ret = kpe_immediate(arg + 1, &code->imm);
			if (ret)
				kpe_log(st, offs + 1, KPE_E_BAD_IMM);
			else
				code->op = KPE_OP_IMM;
		}
		break;

	default:
		/* 6.12 reads a bare name as a BTF argument: not offered here */
		if (st->env->v612 && (isalpha(arg[0]) || arg[0] == '_')) {
			kpe_log(st, offs, KPE_E_NOSUP_BTFARG);
			return -EINVAL;
		}
		break;
	}
	if (!ret && code->op == KPE_OP_NOP) {
		kpe_log(st, offs, KPE_E_BAD_FETCH_ARG);
		ret = -EINVAL;
	}
	return ret;
}

/* find_fetch_type(); NULL means the default, x64 */
static int kpe_find_type(const struct kpe_env *env, const char *type)
{
	unsigned long bits;
	unsigned int i;

	if (!type)
		return KPE_T_X64;
	if (*type == 'b') {	/* a bitfield: its container type */
		type = strchr(type, '/');
		if (!type || kstrtoul(type + 1, 0, &bits))
			return -1;
		switch (bits) {
		case 8:
			return KPE_T_U8;
		case 16:
			return KPE_T_U16;
		case 32:
			return KPE_T_U32;
		case 64:
			return KPE_T_U64;
		default:
			return -1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(kpe_types); i++)
		if (!strcmp(type, kpe_types[i].name) &&
		    (!kpe_types[i].v612 || env->v612))
			return i;
	return -1;
}

/*
 * The number @s starts with, as simple_strtoul(s, end, 0) reads it (0x
 * hex, 0 octal), but saturating where that one wraps around.
 */
static unsigned long kpe_leading_ulong(const char *s, const char **end)
{
	unsigned long v = 0, d, base = 10;

	if (s[0] == '0') {
		base = 8;
		if ((s[1] | 0x20) == 'x' && isxdigit(s[2])) {
			base = 16;
			s += 2;
		}
	}
	for (;; s++) {
		if (isdigit(*s))
			d = *s - '0';
		else if (isxdigit(*s))
			d = (*s | 0x20) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v > (ULONG_MAX - d) / base ? ULONG_MAX : v * base + d;
	}
	*end = s;
	return v;
}

/* __parse_bitfield_probe_arg(): "b<width>@<offset>/<container>" */
static int kpe_parse_bitfield(const char *bf, unsigned int size,
			      struct kpe_insn **pcode)
{
	struct kpe_insn *code = *pcode;
	unsigned long bw, bo;
	const char *tail;

	if (*bf != 'b')
		return 0;
	bw = kpe_leading_ulong(bf + 1, &tail);
	if (bw == 0 || *tail != '@')
		return -EINVAL;
	bf = tail + 1;
	bo = kpe_leading_ulong(bf, &tail);
	if (tail == bf || *tail != '/')
		return -EINVAL;
	if (bw > size * 8 || bo > size * 8)	/* keeps the shifts in range */
		return -EINVAL;
	code++;
	if (code->op != KPE_OP_NOP)
		return -EINVAL;
	*pcode = code;
	code->op = KPE_OP_MOD_BF;
	code->lshift = size * 8 - (bw + bo);
	code->rshift = size * 8 - bw;
	code->size = size;
	return size * 8 < bw + bo ? -EINVAL : 0;
}

/* Base steps a string type may start from */
static bool kpe_string_base(unsigned int type, unsigned char op)
{
	if (type == KPE_T_SYMSTR)
		return op == KPE_OP_REG || op == KPE_OP_STACK ||
		       op == KPE_OP_RETVAL || op == KPE_OP_ARG ||
		       op == KPE_OP_EDATA || op == KPE_OP_DEREF;
	return op == KPE_OP_DEREF || op == KPE_OP_UDEREF || op == KPE_OP_IMM ||
	       op == KPE_OP_COMM || op == KPE_OP_DATA;
}

/* traceprobe_parse_probe_arg_body(): "FETCHARG[:TYPE[[N]]]" */
static int kpe_parse_arg_body(struct kpe_state *st, struct kpe_arg *parg,
			      const char *body, int offset)
{
	struct kpe_insn *code, *scode;
	char arg[KPE_ARGSTR_MAX + 1];
	char *t = NULL, *t2, *t3;
	int type, tpos;
	size_t len;

	len = strlen(body);
	if (len > KPE_ARGSTR_MAX) {
		kpe_log(st, offset, KPE_E_ARG_TOO_LONG);
		return -EINVAL;
	}
	if (len == 0) {
		kpe_log(st, offset, KPE_E_NO_ARG_BODY);
		return -EINVAL;
	}
	memcpy(arg, body, len + 1);
	memcpy(parg->comm, body, len + 1);

	t = strchr(arg, ':');
	if (t) {
		*t++ = '\0';
		t2 = strchr(t, '[');
		if (t2) {
			*t2++ = '\0';
			t3 = strchr(t2, ']');
			if (!t3) {
				kpe_log(st, offset + (t2 + strlen(t2) - arg),
					KPE_E_ARRAY_NO_CLOSE);
				return -EINVAL;
			} else if (t3[1] != '\0') {
				kpe_log(st, offset + (t3 + 1 - arg), KPE_E_BAD_ARRAY_SUFFIX);
				return -EINVAL;
			}
			*t3 = '\0';
			if (kstrtouint(t2, 0, &parg->count) || !parg->count) {
				kpe_log(st, offset + (t2 - arg), KPE_E_BAD_ARRAY_NUM);
				return -EINVAL;
			}
			if (parg->count > KPE_ARRAY_MAX) {
				kpe_log(st, offset + (t2 - arg), KPE_E_ARRAY_TOO_BIG);
				return -EINVAL;
			}
		}
	}
	tpos = offset + (t ? t - arg : 0);

	/* $comm and immediate strings are strings, never arrays */
	if (!strcmp(arg, "$comm") || !strcmp(arg, "$COMM") || !strncmp(arg, "\\\"", 2)) {
		if (parg->count || (t && strcmp(t, "string"))) {
			/* 6.1 refuses these without an error_log entry */
			if (st->env->v612)
				kpe_log(st, tpos, KPE_E_NEED_STRING_TYPE);
			return -EINVAL;
		}
		type = KPE_T_STRING;
	} else {
		type = kpe_find_type(st->env, t);
	}
	if (type < 0) {
		kpe_log(st, tpos, KPE_E_BAD_TYPE);
		return -EINVAL;
	}
	parg->type = type;
	parg->size = kpe_types[type].size;
	parg->offset = st->cmd->size;
	st->cmd->size += parg->size * (parg->count ?: 1);
	if (st->cmd->size > KPE_EVENT_SIZE_MAX) {
		kpe_log(st, offset, KPE_E_EVENT_TOO_BIG);
		return -E2BIG;
	}

	code = parg->code;
	code[KPE_INSN_MAX - 1].op = KPE_OP_END;
	if (kpe_parse_fetch(st, parg, arg, &code, &parg->code[KPE_INSN_MAX - 1], offset))
		return -EINVAL;

	/* The store step */
	if (kpe_is_string(type)) {
		if (!kpe_string_base(type, code->op)) {
			kpe_log(st, tpos, type == KPE_T_SYMSTR ? KPE_E_BAD_SYMSTRING :
				KPE_E_BAD_STRING);
			return -EINVAL;
		}
		/* These values are the string's address: keep the step. */
		if (type == KPE_T_SYMSTR || code->op == KPE_OP_IMM ||
		    code->op == KPE_OP_COMM || code->op == KPE_OP_DATA || parg->count) {
			code++;
			if (code->op != KPE_OP_NOP) {
				kpe_log(st, offset, KPE_E_TOO_MANY_OPS);
				return -EINVAL;
			}
		}
		if (type == KPE_T_USTRING || code->op == KPE_OP_UDEREF)
			code->op = KPE_OP_ST_USTRING;
		else if (type == KPE_T_SYMSTR)
			code->op = KPE_OP_ST_SYMSTR;
		else
			code->op = KPE_OP_ST_STRING;
		code->size = parg->size;
	} else if (code->op == KPE_OP_DEREF) {
		code->op = KPE_OP_ST_MEM;
		code->size = parg->size;
	} else if (code->op == KPE_OP_UDEREF) {
		code->op = KPE_OP_ST_UMEM;
		code->size = parg->size;
	} else {
		code++;
		if (code->op != KPE_OP_NOP) {
			kpe_log(st, offset, KPE_E_TOO_MANY_OPS);
			return -EINVAL;
		}
		code->op = KPE_OP_ST_RAW;
		code->size = parg->size;
	}
	scode = code;
	if (t && kpe_parse_bitfield(t, parg->size, &code)) {
		kpe_log(st, offset + (t - arg), KPE_E_BAD_BITFIELD);
		return -EINVAL;
	}
	if (parg->count) {
		if (scode->op != KPE_OP_ST_MEM && scode->op != KPE_OP_ST_STRING &&
		    scode->op != KPE_OP_ST_USTRING) {
			kpe_log(st, tpos, KPE_E_BAD_STRING);
			return -EINVAL;
		}
		code++;
		if (code->op != KPE_OP_NOP) {
			kpe_log(st, offset, KPE_E_TOO_MANY_OPS);
			return -EINVAL;
		}
		code->op = KPE_OP_LP_ARRAY;
		code->param = parg->count;
	}
	code++;
	code->op = KPE_OP_END;
	return 0;
}

/* traceprobe_parse_probe_arg(): "[NAME=]FETCHARG[:TYPE]" */
static int kpe_parse_arg(struct kpe_state *st, unsigned int i, const char *arg)
{
	struct kpe_arg *parg = &st->cmd->args[i];
	const char *body;
	unsigned int j;

	body = strchr(arg, '=');
	if (body) {
		if (body - arg > KPE_ARG_NAME_MAX) {
			kpe_log(st, 0, KPE_E_ARG_NAME_TOO_LONG);
			return -EINVAL;
		} else if (body == arg) {
			kpe_log(st, 0, KPE_E_NO_ARG_NAME);
			return -EINVAL;
		}
		memcpy(parg->name, arg, body - arg);
		parg->name[body - arg] = '\0';
		body++;
	} else {
		snprintf(parg->name, sizeof(parg->name), "arg%u", i + 1);
		body = arg;
	}
	if (!kpe_good_name(parg->name, false)) {
		kpe_log(st, 0, KPE_E_BAD_ARG_NAME);
		return -EINVAL;
	}
	for (j = 0; j < ARRAY_SIZE(kpe_reserved); j++)
		if (!strcmp(kpe_reserved[j], parg->name))
			goto used;
	for (j = 0; j < i; j++)
		if (!strcmp(st->cmd->args[j].name, parg->name))
			goto used;
	return kpe_parse_arg_body(st, parg, body, body - arg);
used:
	kpe_log(st, 0, KPE_E_USED_ARG_NAME);
	return -EINVAL;
}

/* The kernel's default event name: "p_vfs_read_0", "r_0x<hashed>" */
static void kpe_default_name(struct kpe_cmd *cmd, bool is_return)
{
	char *c;
	int n;

	if (cmd->symbol[0])
		n = snprintf(cmd->event, sizeof(cmd->event), "%c_%s_%ld",
			     is_return ? 'r' : 'p', cmd->symbol, (long)cmd->offset);
	else
#ifdef __KERNEL__
		n = snprintf(cmd->event, sizeof(cmd->event), "%c_0x%p",
			     is_return ? 'r' : 'p', (void *)cmd->addr);
#else
		n = snprintf(cmd->event, sizeof(cmd->event), "%c_0x%lx",
			     is_return ? 'r' : 'p', cmd->addr);
#endif
	/* A long symbol makes a name cut at 63 characters, as in the kernel. */
	if (n >= (int)sizeof(cmd->event))
		cmd->event[sizeof(cmd->event) - 1] = '\0';
	/* sanitize_event_name() */
	for (c = cmd->event + 1; *c; c++)
		if (*c == ':' || *c == '.')
			*c = '_';
}

/* The place: "[MOD:]SYM[+OFFS][%return]" or an address */
static int kpe_parse_place(struct kpe_state *st, const char *place)
{
	const struct kpe_env *env = st->env;
	struct kpe_cmd *cmd = st->cmd;
	char *sym = cmd->symbol, *tmp;
	unsigned int count;
	long offset;
	int ret;

	if (!kstrtoul(place, 0, &cmd->addr))
		return 0;
	st->index = 1;
	/* "path:offset" is a uprobe: not for this file */
	if (strchr(place, '/') && strchr(place, ':'))
		return -EINVAL;
	if (strlen(place) >= KPE_SYM_MAX) {	/* longer than any symbol */
		kpe_log(st, 0, KPE_E_BAD_PROBE_ADDR);
		return -ENOENT;
	}
	strscpy(sym, place, KPE_SYM_MAX);
	tmp = strchr(sym, '%');
	if (tmp) {
		if (strcmp(tmp, "%return")) {
			kpe_log(st, tmp - sym, KPE_E_BAD_ADDR_SUFFIX);
			return -EINVAL;
		}
		*tmp = '\0';
		st->is_return = true;
	}
	/* traceprobe_split_symbol_offset() */
	tmp = strpbrk(sym, "+-");
	offset = 0;
	if (tmp) {
		ret = kstrtol(tmp, 0, &offset);
		*tmp = '\0';
		if (ret || offset < 0 || offset > UINT_MAX) {
			kpe_log(st, 0, KPE_E_BAD_PROBE_ADDR);
			return -EINVAL;
		}
	}
	cmd->offset = offset;
	ret = env->func_entry(env->ctx, sym, cmd->offset);
	if (!ret)
		st->fentry = true;
	/* an unknown symbol is found out below */
	if (ret == -EINVAL && st->is_return) {
		kpe_log(st, 0, KPE_E_BAD_RETPROBE);
		return -EINVAL;
	}
	if (env->v612 || !strchr(sym, ':')) {
		count = env->symbol_count(env->ctx, sym);
		if (count > 1) {
			kpe_log(st, 0, KPE_E_NON_UNIQ_SYMBOL);
			return -EADDRNOTAVAIL;
		} else if (count == 0) {
			kpe_log(st, 0, KPE_E_BAD_PROBE_ADDR);
			return -ENOENT;
		}
	}
	return 0;
}

/* "-:[GRP/]EVENT [PLACE [ARGS]]" (dyn_event_release()) */
static int kpe_parse_remove(struct kpe_cmd *cmd)
{
	const char *event = cmd->argv[0] + 2, *slash;

	if (cmd->argv[0][1] != ':')
		return -EINVAL;
	slash = strchr(event, '/');
	if (slash) {
		/* no group has an empty or over-long name */
		if (slash == event || slash - event >= KPE_NAME_MAX)
			return -ENOENT;
		memcpy(cmd->group, event, slash - event);
		cmd->group[slash - event] = '\0';
		event = slash + 1;
	} else if (!*event) {
		return -EINVAL;
	}
	if (strlen(event) >= KPE_NAME_MAX)
		return -ENOENT;
	strscpy(cmd->event, event, sizeof(cmd->event));
	cmd->kind = '-';
	return 0;
}

/* argv_split(): runs of white space separate tokens */
static int kpe_split(struct kpe_cmd *cmd, const char *line)
{
	size_t len = strlen(line);
	int n = 0, i = 0;
	char *p;

	cmd->buf = kmalloc(len + 1, GFP_KERNEL);
	if (!cmd->buf)
		return -ENOMEM;
	memcpy(cmd->buf, line, len + 1);
	for (p = cmd->buf; *p; ) {
		while (isspace(*p))
			p++;
		if (!*p)
			break;
		n++;
		while (*p && !isspace(*p))
			p++;
	}
	cmd->argv = kcalloc(n + 1, sizeof(*cmd->argv), GFP_KERNEL);
	if (!cmd->argv)
		return -ENOMEM;
	for (p = cmd->buf; *p; ) {
		while (isspace(*p))
			*p++ = '\0';
		if (!*p)
			break;
		cmd->argv[i++] = p;
		while (*p && !isspace(*p))
			p++;
	}
	cmd->argc = n;
	return 0;
}

int kpe_parse(const struct kpe_env *env, const char *line, struct kpe_cmd *cmd)
{
	struct kpe_state st = { .env = env, .cmd = cmd };
	const char *head, *event;
	char buf[KPE_NAME_MAX];
	unsigned int i;
	size_t len;
	int ret;

	cmd->err = -1;
	if (strlen(line) > KPE_LINE_MAX)
		return -EINVAL;
	ret = kpe_split(cmd, line);
	if (ret)
		return ret;
	if (!cmd->argc)
		return -ENOENT;
	head = cmd->argv[0];
	if (head[0] == '-')
		return kpe_parse_remove(cmd);
	if ((head[0] != 'p' && head[0] != 'r') || cmd->argc < 2)
		return -EINVAL;
	st.is_return = head[0] == 'r';

	event = strchr(head + 1, ':');
	if (event)
		event++;
	if (isdigit(head[1])) {
		if (!st.is_return) {
			kpe_log(&st, 1, env->v612 ? KPE_E_BAD_MAXACT_TYPE :
				KPE_E_MAXACT_NO_KPROBE);
			return -EINVAL;
		}
		len = event ? (size_t)(event - head - 2) : strlen(head + 1);
		if (len > KPE_NAME_MAX - 1) {
			kpe_log(&st, 1, KPE_E_BAD_MAXACT);
			return -EINVAL;
		}
		memcpy(buf, head + 1, len);
		buf[len] = '\0';
		if (kstrtouint(buf, 0, &cmd->maxactive) || !cmd->maxactive) {
			kpe_log(&st, 1, KPE_E_BAD_MAXACT);
			return -EINVAL;
		}
		if (cmd->maxactive > KPE_MAXACTIVE_MAX) {
			kpe_log(&st, 1, KPE_E_MAXACT_TOO_BIG);
			return -EINVAL;
		}
	}

	ret = kpe_parse_place(&st, cmd->argv[1]);
	if (ret)
		return ret;

	st.index = 0;
	strscpy(cmd->group, "kprobes", sizeof(cmd->group));
	if (event) {
		ret = kpe_parse_event_name(&st, event, event - head);
		if (ret)
			return ret;
	}
	if (!cmd->event[0])
		kpe_default_name(cmd, st.is_return);
	cmd->kind = st.is_return ? 'r' : 'p';
	cmd->fentry = st.fentry;

	/* Arguments past the 128th are ignored, as the kernel does. */
	cmd->nargs = min(cmd->argc - 2, KPE_MAX_ARGS);
	if (cmd->nargs) {
		cmd->args = kcalloc(cmd->nargs, sizeof(*cmd->args), GFP_KERNEL);
		if (!cmd->args)
			return -ENOMEM;
	}
	for (i = 0; i < cmd->nargs; i++) {
		st.index = i + 2;
		ret = kpe_parse_arg(&st, i, cmd->argv[i + 2]);
		if (ret)
			return ret;
	}
	return 0;
}

void kpe_cmd_free(struct kpe_cmd *cmd)
{
	kfree(cmd->args);
	kfree(cmd->argv);
	kfree(cmd->buf);
	cmd->args = NULL;
	cmd->argv = NULL;
	cmd->buf = NULL;
	cmd->nargs = 0;
	cmd->argc = 0;
}

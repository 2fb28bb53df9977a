/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe_events grammar: one command line in, one event definition
 * (or one error with its caret position) out. Plain C with no kernel
 * state, so the same file builds into the module and into a host test
 * program and fuzz target (tests/host/). What the parser cannot know
 * (registers, symbols, function entries) it asks through struct kpe_env.
 *
 * Errors, limits, carets and default names follow the kernel's own
 * parser (kernel/trace/trace_kprobe.c, trace_probe.c) on Debian's 6.1
 * and 6.12; the few places the two differ are chosen by kpe_env.v612.
 */
#ifndef _KPC_EVENTS_PARSE_H
#define _KPC_EVENTS_PARSE_H

/* Limits of the kernel's trace_probe.h */
#define KPE_MAX_ARGS		128
#define KPE_ARGSTR_MAX		63	/* an argument's expression */
#define KPE_ARG_NAME_MAX	32
#define KPE_NAME_MAX		64	/* group and event names, with the NUL */
#define KPE_ARRAY_MAX		64
#define KPE_EVENT_SIZE_MAX	3072	/* bytes of one record's fields */
#define KPE_INSN_MAX		16	/* fetch steps of one argument */
#define KPE_MAXACTIVE_MAX	4096
#define KPE_LINE_MAX		4094	/* one command, as tracefs takes it */
#define KPE_SYM_MAX		600	/* "module:symbol", with the NUL */

/* The kernel's error_log entries (trace_probe.h ERRORS); kpe_err_text() */
enum kpe_error {
	KPE_E_MAXACT_NO_KPROBE,
	KPE_E_BAD_MAXACT_TYPE,
	KPE_E_BAD_MAXACT,
	KPE_E_MAXACT_TOO_BIG,
	KPE_E_BAD_PROBE_ADDR,
	KPE_E_NON_UNIQ_SYMBOL,
	KPE_E_BAD_RETPROBE,
	KPE_E_BAD_ADDR_SUFFIX,
	KPE_E_NO_GROUP_NAME,
	KPE_E_GROUP_TOO_LONG,
	KPE_E_BAD_GROUP_NAME,
	KPE_E_NO_EVENT_NAME,
	KPE_E_EVENT_TOO_LONG,
	KPE_E_BAD_EVENT_NAME,
	KPE_E_EVENT_EXIST,
	KPE_E_RETVAL_ON_PROBE,
	KPE_E_BAD_STACK_NUM,
	KPE_E_BAD_ARG_NUM,
	KPE_E_BAD_VAR,
	KPE_E_BAD_REG_NAME,
	KPE_E_BAD_MEM_ADDR,
	KPE_E_BAD_IMM,
	KPE_E_IMMSTR_NO_CLOSE,
	KPE_E_FILE_ON_KPROBE,
	KPE_E_TOO_MANY_OPS,
	KPE_E_DEREF_NEED_BRACE,
	KPE_E_BAD_DEREF_OFFS,
	KPE_E_DEREF_OPEN_BRACE,
	KPE_E_COMM_CANT_DEREF,
	KPE_E_BAD_FETCH_ARG,
	KPE_E_ARRAY_NO_CLOSE,
	KPE_E_BAD_ARRAY_SUFFIX,
	KPE_E_BAD_ARRAY_NUM,
	KPE_E_ARRAY_TOO_BIG,
	KPE_E_BAD_TYPE,
	KPE_E_BAD_STRING,
	KPE_E_BAD_SYMSTRING,
	KPE_E_BAD_BITFIELD,
	KPE_E_ARG_NAME_TOO_LONG,
	KPE_E_NO_ARG_NAME,
	KPE_E_BAD_ARG_NAME,
	KPE_E_USED_ARG_NAME,
	KPE_E_ARG_TOO_LONG,
	KPE_E_NO_ARG_BODY,
	KPE_E_BAD_INSN_BNDRY,
	KPE_E_FAIL_REG_PROBE,
	KPE_E_DIFF_PROBE_TYPE,
	KPE_E_DIFF_ARG_TYPE,
	KPE_E_SAME_PROBE,
	KPE_E_EVENT_TOO_BIG,
	KPE_E_NOSUP_BTFARG,
	KPE_E_NOFENTRY_ARGS,
	KPE_E_NEED_STRING_TYPE,
	KPE_E_COUNT
};

/* Fetch steps, the kernel's FETCH_OP_* */
enum kpe_op {
	KPE_OP_NOP,
	/* a base value */
	KPE_OP_REG,		/* param: pt_regs offset */
	KPE_OP_STACKP,
	KPE_OP_STACK,		/* param: entry index */
	KPE_OP_RETVAL,
	KPE_OP_ARG,		/* param: argument index from 0 */
	KPE_OP_EDATA,		/* param: argument index, saved at entry */
	KPE_OP_COMM,
	KPE_OP_IMM,		/* imm */
	KPE_OP_DATA,		/* the argument's text: an immediate string */
	KPE_OP_SYMBOL,		/* the argument's text: symbol[+-off]; fills imm */
	/* dereferences */
	KPE_OP_DEREF,		/* offset */
	KPE_OP_UDEREF,		/* offset, user memory */
	/* stores: size */
	KPE_OP_ST_RAW,
	KPE_OP_ST_MEM,		/* offset */
	KPE_OP_ST_UMEM,		/* offset */
	KPE_OP_ST_STRING,	/* offset */
	KPE_OP_ST_USTRING,	/* offset */
	KPE_OP_ST_SYMSTR,
	/* modifiers */
	KPE_OP_MOD_BF,		/* lshift, rshift */
	KPE_OP_LP_ARRAY,	/* param: elements */
	KPE_OP_END,
};

struct kpe_insn {
	unsigned char op;
	unsigned char size;
	unsigned char lshift, rshift;
	unsigned int param;
	long offset;
	unsigned long imm;
};

enum kpe_type {
	KPE_T_U8, KPE_T_U16, KPE_T_U32, KPE_T_U64,
	KPE_T_S8, KPE_T_S16, KPE_T_S32, KPE_T_S64,
	KPE_T_X8, KPE_T_X16, KPE_T_X32, KPE_T_X64,
	KPE_T_SYMBOL, KPE_T_CHAR,
	KPE_T_STRING, KPE_T_USTRING, KPE_T_SYMSTR,
};

struct kpe_arg {
	char name[KPE_ARG_NAME_MAX + 1];
	char comm[KPE_ARGSTR_MAX + 1];	/* the expression as written */
	char text[KPE_ARGSTR_MAX + 1];	/* KPE_OP_SYMBOL's or KPE_OP_DATA's */
	struct kpe_insn code[KPE_INSN_MAX];
	unsigned char type;		/* enum kpe_type */
	unsigned char size;		/* bytes of one value */
	unsigned int count;		/* array elements, 0: not an array */
	unsigned int offset;		/* in the record */
};

struct kpe_cmd {
	char kind;			/* 'p', 'r' or '-' (remove) */
	unsigned int maxactive;
	char group[KPE_NAME_MAX];	/* "" with '-': any group */
	char event[KPE_NAME_MAX];	/* "" with '-': every event of group */
	char symbol[KPE_SYM_MAX];	/* "[MOD:]SYM", "" for an address */
	unsigned long offset;
	unsigned long addr;
	int fentry;			/* the place is a function entry */
	unsigned int nargs;
	struct kpe_arg *args;
	unsigned int size;		/* record bytes the arguments take */
	/*
	 * The tokens: for the error log, and with '-' argv[1..] is what must
	 * match a probe of the event (one probe of a multiprobe event)
	 */
	char *buf;
	int argc;
	const char **argv;
	/* the error: KPE_E_* or -1 (an errno with no error_log entry) */
	int err;
	int err_pos;
};

struct kpe_env {
	int v612;		/* Debian 6.12's grammar, else 6.1's */
	unsigned long max_stack;	/* $stackN limit: THREAD_SIZE / sizeof(long) */
	void *ctx;
	/* pt_regs offset of a register name, or negative */
	int (*reg_offset)(const char *name);
	/*
	 * Is SYMBOL+OFFSET a function entry: 0 yes, -EINVAL no, -ENOENT no
	 * such symbol (kprobe_on_func_entry()).
	 */
	int (*func_entry)(void *ctx, const char *symbol, unsigned long offset);
	/* How many symbols of this name (number_of_same_symbols()) */
	unsigned int (*symbol_count)(void *ctx, const char *symbol);
};

/*
 * kpe_parse() - parse one command (no '\n', comments already cut)
 * @env: what the parser asks about
 * @line: the command
 * @cmd: zeroed by the caller; kpe_cmd_free() afterwards in any case
 *
 * Return: 0, -ENOENT for an empty line, or a negative errno; then
 * cmd->err is the error_log entry to add (KPE_E_*), -1 for none, and
 * kpe_err_caret() where its caret goes.
 */
int kpe_parse(const struct kpe_env *env, const char *line, struct kpe_cmd *cmd);
void kpe_cmd_free(struct kpe_cmd *cmd);

/* For errors found after parsing (registration): log at token @index. */
void kpe_set_error(struct kpe_cmd *cmd, int index, int offset, int err);

/* The command as the error log shows it: tokens joined by one space. */
int kpe_err_command(const struct kpe_cmd *cmd, char *buf, int size);
const char *kpe_err_text(int err);

/* The type's name and whether it is a string type */
const char *kpe_type_name(unsigned int type);

#endif /* _KPC_EVENTS_PARSE_H */

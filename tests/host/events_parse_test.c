// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of kprobe_core/events_parse.c: every line of a table goes
 * through the parser with the 6.1 and/or the 6.12 grammar, and the result
 * must be exactly the expected one: the errno, the error_log message, the
 * caret column (as the kernel's ftrace selftests measure it: the last
 * error_log line is 13 + column characters long), and for good lines what
 * was parsed. The bad lines are the kernel's own
 * tools/testing/selftests/ftrace/test.d/kprobe/kprobe_syntax_errors.tc
 * (rows numbered as in shared notes 02), kprobe_args_syntax.tc,
 * kretprobe_maxactive.tc and kprobe_eventname.tc.
 *
 * Prints TAP; exits 1 if any line is wrong.
 */
#include "host_kernel.h"
#include "../../kprobe_core/events_parse.h"

/* A few x86_64 registers, the names regs_query_register_offset() takes */
static int host_reg_offset(const char *name)
{
	static const char * const regs[] = {
		"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
		"ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs); i++)
		if (!strcmp(name, regs[i]))
			return i * 8;
	return -EINVAL;
}

/* A small kallsyms: name, how many symbols carry it */
static const struct { const char *name; unsigned int count; } host_syms[] = {
	{ "vfs_read", 1 }, { "kernel_clone", 1 }, { "do_exit", 1 },
	{ "inet_csk_accept", 1 }, { "name_show", 2 }, { "_sdata", 1 },
	{ "foo.isra.0", 1 }, { "trace_printk:trace_printk_irq_work", 1 },
	{ "kfree", 1 },
};

static unsigned int host_symbol_count(void *ctx, const char *sym)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(host_syms); i++)
		if (!strcmp(sym, host_syms[i].name))
			return host_syms[i].count;
	return 0;
}

/* Function entries are offset 0 (x86 without IBT, as these tests assume) */
static int host_func_entry(void *ctx, const char *sym, unsigned long offset)
{
	if (!host_symbol_count(ctx, sym))
		return -ENOENT;
	return offset ? -EINVAL : 0;
}

#define V61	1
#define V612	2
#define BOTH	(V61 | V612)
#define NOLOG	(-1)
#define OK	(-2)	/* parses */

struct row {
	int kernels;
	const char *line;
	int err;	/* KPE_E_*, NOLOG or OK */
	int pos;	/* caret column */
	int ret;	/* errno; 0 for OK */
	const char *event;	/* OK: "group/event" */
	const char *sig;	/* OK, if given: each argument, as kpe_sig() writes it */
};

#define BAD(k, line, e, pos) { k, line, KPE_E_##e, pos, -EINVAL }
#define BADR(k, line, e, pos, ret) { k, line, KPE_E_##e, pos, ret }
#define GOOD(k, line, ev) { k, line, OK, 0, 0, ev }
#define GOODS(k, line, ev, sig) { k, line, OK, 0, 0, ev, sig }

static const struct row rows[] = {
	/* kprobe_syntax_errors.tc, rows 1-41, 48, 49 */
	BAD(V61, "p100 vfs_read", MAXACT_NO_KPROBE, 1),
	BAD(V612, "p100 vfs_read", BAD_MAXACT_TYPE, 1),
	BAD(BOTH, "r1a111 vfs_read", BAD_MAXACT, 1),
	BAD(BOTH, "r100000 vfs_read", MAXACT_TOO_BIG, 1),
	BADR(BOTH, "p non_exist_func", BAD_PROBE_ADDR, 2, -ENOENT),
	BAD(BOTH, "p hoge-fuga", BAD_PROBE_ADDR, 2),
	BAD(BOTH, "p hoge+1000-1000", BAD_PROBE_ADDR, 2),
	BAD(BOTH, "r vfs_read+10", BAD_RETPROBE, 2),
	BAD(BOTH, "p:/bar vfs_read", NO_GROUP_NAME, 2),
	BAD(BOTH, "p:12345678901234567890123456789012345678901234567890123456789012345/bar vfs_read",
	    GROUP_TOO_LONG, 2),
	BAD(BOTH, "p:foo.1/bar vfs_read", BAD_GROUP_NAME, 2),
	BAD(BOTH, "p: vfs_read", NO_EVENT_NAME, 2),
	BAD(BOTH, "p:foo/12345678901234567890123456789012345678901234567890123456789012345 vfs_read",
	    EVENT_TOO_LONG, 6),
	BAD(BOTH, "p:foo/bar.1 vfs_read", BAD_EVENT_NAME, 6),
	BAD(BOTH, "p vfs_read $retval", RETVAL_ON_PROBE, 11),
	BAD(BOTH, "p vfs_read $stack10000", BAD_STACK_NUM, 11),
	BAD(BOTH, "p vfs_read $arg10000", BAD_ARG_NUM, 11),
	BAD(BOTH, "p vfs_read $none_var", BAD_VAR, 11),
	BAD(BOTH, "p vfs_read %none_reg", BAD_REG_NAME, 11),
	BAD(BOTH, "p vfs_read @12345678abcde", BAD_MEM_ADDR, 11),
	BAD(BOTH, "p vfs_read @+10", FILE_ON_KPROBE, 11),
	BAD(BOTH, "p vfs_read arg1=\\x", BAD_IMM, 17),
	BAD(BOTH, "p vfs_read arg1=\\\"abcd", IMMSTR_NO_CLOSE, 22),
	BAD(BOTH, "p vfs_read +0@0)", DEREF_NEED_BRACE, 11),
	BAD(BOTH, "p vfs_read +0ab1(@0)", BAD_DEREF_OFFS, 11),
	BAD(BOTH, "p vfs_read +0(+0(@0)", DEREF_OPEN_BRACE, 19),
	BAD(BOTH, "p vfs_read +0($comm)", COMM_CANT_DEREF, 14),
	BAD(BOTH, "p vfs_read &1", BAD_FETCH_ARG, 11),
	BAD(BOTH, "p vfs_read +0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(@0))))))))))))))",
	    TOO_MANY_OPS, 14),
	BAD(BOTH, "p vfs_read +0(@11):u8[10", ARRAY_NO_CLOSE, 24),
	BAD(BOTH, "p vfs_read +0(@11):u8[10]a", BAD_ARRAY_SUFFIX, 25),
	BAD(BOTH, "p vfs_read +0(@11):u8[10a]", BAD_ARRAY_NUM, 22),
	BAD(BOTH, "p vfs_read +0(@11):u8[256]", ARRAY_TOO_BIG, 22),
	BAD(BOTH, "p vfs_read @11:unknown_type", BAD_TYPE, 15),
	BAD(BOTH, "p vfs_read $stack0:string", BAD_STRING, 19),
	BAD(BOTH, "p vfs_read @11:b10@a/16", BAD_BITFIELD, 15),
	BAD(BOTH, "p vfs_read arg123456789012345678901234567890=@11", ARG_NAME_TOO_LONG, 11),
	BAD(BOTH, "p vfs_read =@11", NO_ARG_NAME, 11),
	BAD(BOTH, "p vfs_read var.1=@11", BAD_ARG_NAME, 11),
	BAD(BOTH, "p vfs_read var1=@11 var1=@12", USED_ARG_NAME, 20),
	BAD(BOTH, "p vfs_read +1234567(+1234567(+1234567(+1234567(+1234567(+1234567(@1234))))))",
	    ARG_TOO_LONG, 11),
	BAD(BOTH, "p vfs_read arg1=", NO_ARG_BODY, 16),
	BAD(BOTH, "p vfs_read%hoge", BAD_ADDR_SUFFIX, 10),
	BAD(BOTH, "p vfs_read+10%return", BAD_RETPROBE, 2),
	/* 6.12 without BTF arguments (its README does not offer <argname>) */
	BAD(V612, "p vfs_read $arg*", NOSUP_BTFARG, 11),
	BAD(V612, "p vfs_read hoge", NOSUP_BTFARG, 11),
	BAD(V61, "p vfs_read hoge", BAD_FETCH_ARG, 11),
	/* non-unique symbols, uprobes, errors with no error_log entry */
	BADR(BOTH, "p:test_non_unique name_show", NON_UNIQ_SYMBOL, 18, -EADDRNOTAVAIL),
	{ BOTH, "p /bin/sh:0x10", NOLOG, 0, -EINVAL },
	{ BOTH, "a:foo vfs_read", NOLOG, 0, -EINVAL },
	{ BOTH, "p", NOLOG, 0, -EINVAL },
	{ BOTH, "-:", NOLOG, 0, -EINVAL },
	{ BOTH, "", NOLOG, 0, -ENOENT },
	{ BOTH, "   \t ", NOLOG, 0, -ENOENT },
	{ V61, "p vfs_read $comm:x64", NOLOG, 0, -EINVAL },
	BAD(V612, "p vfs_read $comm:x64", NEED_STRING_TYPE, 17),
	BAD(V612, "p vfs_read \\\"abc\":u8[2]", NEED_STRING_TYPE, 18),
	/* kprobe_args_syntax.tc, the bad ones the parser itself refuses */
	BAD(BOTH, "p vfs_read %ex", BAD_REG_NAME, 11),
	BAD(BOTH, "p vfs_read $stackp", BAD_VAR, 11),
	BAD(BOTH, "p vfs_read $stack0+10", BAD_VAR, 11),
	BAD(BOTH, "p vfs_read $stack1-10", BAD_VAR, 11),
	BAD(BOTH, "p vfs_read +(%ax)", BAD_DEREF_OFFS, 11),
	BAD(BOTH, "p vfs_read (%ax+10)", BAD_FETCH_ARG, 11),
	BAD(BOTH, "p vfs_read -(%ax)", BAD_DEREF_OFFS, 11),
	BAD(BOTH, "p vfs_read (%ax)", BAD_FETCH_ARG, 11),
	BAD(BOTH, "p vfs_read +10($comm)", COMM_CANT_DEREF, 15),
	/* stricter than the kernel, which reads +0(%ax) and drops "+10" */
	BAD(BOTH, "p vfs_read +0(%ax)+10", BAD_FETCH_ARG, 18),
	BAD(V61, "p vfs_read varname=varname2=%ax", BAD_FETCH_ARG, 19),
	BAD(BOTH, "p vfs_read %ax::x16", BAD_TYPE, 15),
	BAD(BOTH, "p vfs_read %ax:y16", BAD_TYPE, 15),
	BAD(BOTH, "p vfs_read x16:%ax", BAD_TYPE, 15),
	BAD(BOTH, "p vfs_read $stack:string", BAD_STRING, 18),
	BAD(BOTH, "p vfs_read %ax:string", BAD_STRING, 15),
	/* $argN: 6.1 only at a function entry, 6.12 says why not */
	BAD(V61, "p vfs_read+4 $arg1", BAD_VAR, 13),
	BAD(V612, "p vfs_read+4 $arg1", NOFENTRY_ARGS, 13),
	BAD(BOTH, "p vfs_read $arg0", BAD_ARG_NUM, 11),
	/* limits, on both sides */
	GOOD(BOTH, "p vfs_read $stack2048", "kprobes/p_vfs_read_0"),
	BAD(BOTH, "p vfs_read $stack2049", BAD_STACK_NUM, 11),
	GOOD(BOTH, "p vfs_read $arg2048", "kprobes/p_vfs_read_0"),
	BAD(BOTH, "p vfs_read $arg2049", BAD_ARG_NUM, 11),
	BAD(BOTH, "r4097 vfs_read", MAXACT_TOO_BIG, 1),
	GOOD(BOTH, "p vfs_read +0(%si):u8[64]", "kprobes/p_vfs_read_0"),
	BAD(BOTH, "p vfs_read +0(%si):u8[65]", ARRAY_TOO_BIG, 22),
	BAD(BOTH, "p vfs_read +0(%si):u8[0]", BAD_ARRAY_NUM, 22),
	GOOD(BOTH, "p vfs_read a2345678901234567890123456789012=%si", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p:e23456789012345678901234567890123456789012345678901234567890123 vfs_read",
	     "kprobes/e23456789012345678901234567890123456789012345678901234567890123"),
	BAD(BOTH, "p:e234567890123456789012345678901234567890123456789012345678901234 vfs_read",
	    EVENT_TOO_LONG, 2),
	GOOD(BOTH, "p vfs_read +1234567(+1234567(+1234567(+1234567(+1234567(+12345(@1234))))))",
	     "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read +0(%si):b1@31/32 +0(%si):b32@0/32", "kprobes/p_vfs_read_0"),
	BAD(BOTH, "p vfs_read +0(%si):b2@31/32", BAD_BITFIELD, 19),
	BAD(BOTH, "p vfs_read +0(%si):b0@0/32", BAD_BITFIELD, 19),
	BAD(BOTH, "p vfs_read +0(%si):b1@0/12", BAD_TYPE, 19),
	BAD(BOTH, "p vfs_read common_pid=%si", USED_ARG_NAME, 11),
	BAD(BOTH, "p vfs_read %si:symstr:u8", BAD_TYPE, 15),
	BAD(BOTH, "p vfs_read \\1:symstr", BAD_SYMSTRING, 14),
	GOOD(BOTH, "p vfs_read @1:symstr", "kprobes/p_vfs_read_0"),
	/* kretprobe_maxactive.tc */
	BAD(BOTH, "r1000000:myprobe inet_csk_accept", MAXACT_TOO_BIG, 1),
	BAD(BOTH, "r10fuzz:myprobe inet_csk_accept", BAD_MAXACT, 1),
	BAD(BOTH, "r0 vfs_read", BAD_MAXACT, 1),
	/* good lines: kprobe_args_syntax.tc, eventname, maxactive, return suffix */
	GOOD(BOTH, "p vfs_read %ax", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read @_sdata @0x1000 @_sdata+10 @_sdata-10", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read $stack $stack0 $stack1", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "r vfs_read $retval", "kprobes/r_vfs_read_0"),
	GOOD(BOTH, "p vfs_read $comm $COMM", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read +0(%ax) -0(%ax) +10($stack) +0($stack1) +10(@_sdata-10)",
	     "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read +0(+10(+20($stack)))", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read varname=%ax %ax:x16", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read $comm:string +0($stack):string +u0(%di):ustring",
	     "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read %di:symstr %ax:symbol +0(%si):b4@4/32 +0(%si):x8[4]",
	     "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read a=\\1 b=\\-1 c=\\0x10 d=\\\"str\"", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p vfs_read $arg1 $arg2:u32", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "r vfs_read $arg1 $retval", "kprobes/r_vfs_read_0"),
	GOOD(V612, "p vfs_read +0(%si):char +0(%si):char[4]", "kprobes/p_vfs_read_0"),
	GOOD(BOTH, "p foo.isra.0", "kprobes/p_foo_isra_0_0"),
	GOOD(BOTH, "p foo.isra.0+4", "kprobes/p_foo_isra_0_4"),
	GOOD(BOTH, "p trace_printk:trace_printk_irq_work",
	     "kprobes/p_trace_printk_trace_printk_irq_work_0"),
	GOOD(BOTH, "p:event1 vfs_read", "kprobes/event1"),
	GOOD(BOTH, "p:kprobes2/event2 vfs_read", "kprobes2/event2"),
	GOOD(BOTH, "p:grp-1.ev vfs_read", "grp-1/ev"),
	GOOD(BOTH, "p:grp/ vfs_read", "grp/p_vfs_read_0"),
	GOOD(BOTH, "r:myprobeaccept inet_csk_accept", "kprobes/myprobeaccept"),
	GOOD(BOTH, "r10:myprobe2 inet_csk_accept", "kprobes/myprobe2"),
	GOOD(BOTH, "r inet_csk_accept", "kprobes/r_inet_csk_accept_0"),
	GOOD(BOTH, "r10 inet_csk_accept", "kprobes/r_inet_csk_accept_0"),
	GOOD(BOTH, "r4096 vfs_read", "kprobes/r_vfs_read_0"),
	GOOD(BOTH, "p:myprobeaccept vfs_read%return", "kprobes/myprobeaccept"),
	GOOD(BOTH, "p vfs_read+0%return", "kprobes/r_vfs_read_0"),
	GOOD(BOTH, "p 0x1000", "kprobes/p_0x1000"),
	GOOD(BOTH, "  p:a   vfs_read\t x=%ax  ", "kprobes/a"),
	/* what the good lines compile to: name:type[count] and the fetch steps */
	GOODS(BOTH, "p vfs_read %si +8(%di):u32 x=$stack2:s16", "kprobes/p_vfs_read_0",
	      "arg1:x64{reg104,raw8} arg2:u32{reg112,mem+8/4} x:s16{stack2,raw2}"),
	GOODS(BOTH, "p vfs_read +0(%si):u8[4] $comm \\\"hi\"", "kprobes/p_vfs_read_0",
	      "arg1:u8[4]{reg104,mem+0/1,loop4} arg2:string{comm,str4} arg3:string{data,str4}"),
	GOODS(BOTH, "p vfs_read @_sdata+8:x32 +u16(%di):ustring -8(+0($stack)):b3@2/8",
	      "kprobes/p_vfs_read_0",
	      "arg1:x32{sym,imm0,mem+0/4} arg2:ustring{reg112,ustr4} arg3:u8{stackp,deref+0,mem-8/1,bf3@2}"),
	GOODS(BOTH, "r vfs_read $retval:s32 $arg2 $stack", "kprobes/r_vfs_read_0",
	      "arg1:s32{retval,raw4} arg2:x64{edata1,raw8} arg3:x64{stackp,raw8}"),
	GOODS(BOTH, "p vfs_read %si:symstr @0x10:symbol", "kprobes/p_vfs_read_0",
	      "arg1:symstr{reg104,symstr4} arg2:symbol{imm16,mem+0/8}"),
	/* removal */
	GOOD(BOTH, "-:myevent", "/myevent"),
	GOOD(BOTH, "-:grp/ev vfs_read x=%ax", "grp/ev"),
	GOOD(BOTH, "-:grp/", "grp/"),
	{ BOTH, "-:/ev", NOLOG, 0, -ENOENT },
	{ BOTH, "-myevent", NOLOG, 0, -EINVAL },
};

static const char * const op_names[KPE_OP_END + 1] = {
	[KPE_OP_REG] = "reg", [KPE_OP_STACKP] = "stackp", [KPE_OP_STACK] = "stack",
	[KPE_OP_RETVAL] = "retval", [KPE_OP_ARG] = "arg", [KPE_OP_EDATA] = "edata",
	[KPE_OP_COMM] = "comm", [KPE_OP_IMM] = "imm", [KPE_OP_DATA] = "data",
	[KPE_OP_SYMBOL] = "sym", [KPE_OP_DEREF] = "deref", [KPE_OP_UDEREF] = "uderef",
	[KPE_OP_ST_RAW] = "raw", [KPE_OP_ST_MEM] = "mem", [KPE_OP_ST_UMEM] = "umem",
	[KPE_OP_ST_STRING] = "str", [KPE_OP_ST_USTRING] = "ustr",
	[KPE_OP_ST_SYMSTR] = "symstr", [KPE_OP_MOD_BF] = "bf", [KPE_OP_LP_ARRAY] = "loop",
};

/* "name:type[count]{steps}" for each argument */
static void kpe_sig(const struct kpe_cmd *cmd, char *buf, size_t size)
{
	const struct kpe_insn *c;
	unsigned int i;
	size_t n = 0;

#define P(...) (n += snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
	buf[0] = '\0';
	for (i = 0; i < cmd->nargs; i++) {
		const struct kpe_arg *a = &cmd->args[i];

		P("%s%s:%s", i ? " " : "", a->name, kpe_type_name(a->type));
		if (a->count)
			P("[%u]", a->count);
		P("{");
		for (c = a->code; c < a->code + KPE_INSN_MAX && c->op != KPE_OP_END; c++) {
			if (c != a->code)
				P(",");
			P("%s", op_names[c->op] ? op_names[c->op] : "op?");
			if (c->op == KPE_OP_REG || c->op == KPE_OP_STACK || c->op == KPE_OP_ARG ||
			    c->op == KPE_OP_EDATA || c->op == KPE_OP_LP_ARRAY)
				P("%u", c->param);
			else if (c->op == KPE_OP_IMM)
				P("%lu", c->imm);
			else if (c->op == KPE_OP_DEREF || c->op == KPE_OP_UDEREF)
				P("%+ld", c->offset);
			else if (c->op == KPE_OP_ST_MEM || c->op == KPE_OP_ST_UMEM)
				P("%+ld/%u", c->offset, c->size);
			else if (c->op == KPE_OP_ST_RAW || c->op == KPE_OP_ST_STRING ||
				 c->op == KPE_OP_ST_USTRING || c->op == KPE_OP_ST_SYMSTR)
				P("%u", c->size);
			else if (c->op == KPE_OP_MOD_BF)
				P("%u@%u", c->size * 8 - c->rshift, c->rshift - c->lshift);
		}
		P("}");
	}
#undef P
}

static int check(const struct row *r, int v612)
{
	struct kpe_env env = {
		.v612 = v612, .max_stack = 16384 / 8,
		.reg_offset = host_reg_offset, .func_entry = host_func_entry,
		.symbol_count = host_symbol_count,
	};
	struct kpe_cmd cmd = { 0 };
	char joined[KPE_LINE_MAX + 2], got[160], want[160];
	int ret, ok, caret;

	ret = kpe_parse(&env, r->line, &cmd);
	kpe_err_command(&cmd, joined, sizeof(joined));
	/* the error_log's last line: 11 spaces of "  Command: ", pos more, "^\n" */
	caret = cmd.err >= 0 ? 13 + cmd.err_pos : 0;
	if (r->err == OK) {
		snprintf(want, sizeof(want), "0 %s", r->event);
		snprintf(got, sizeof(got), "%d %s/%s", ret, cmd.group, cmd.event);
		if (r->sig && !ret) {
			char sig[400];

			kpe_sig(&cmd, sig, sizeof(sig));
			if (strcmp(sig, r->sig)) {
				printf("#   signature want: %s\n#   signature got:  %s\n", r->sig, sig);
				snprintf(got, sizeof(got), "wrong steps");
			}
		}
	} else {
		snprintf(want, sizeof(want), "%d %s@%d", r->ret,
			 r->err >= 0 ? kpe_err_text(r->err) : "(no error_log entry)",
			 r->err >= 0 ? 13 + r->pos : 0);
		snprintf(got, sizeof(got), "%d %s@%d", ret,
			 cmd.err >= 0 ? kpe_err_text(cmd.err) : "(no error_log entry)", caret);
	}
	ok = !strcmp(got, want);
	printf("%s - %s: %s\n", ok ? "ok" : "not ok", v612 ? "6.12" : "6.1", r->line);
	if (!ok) {
		printf("#   want: %s\n#   got:  %s\n", want, got);
		if (cmd.err >= 0)
			printf("#   Command: %s\n#   %*s^\n", joined, cmd.err_pos, "");
	}
	kpe_cmd_free(&cmd);
	return ok;
}

int main(void)
{
	unsigned int i, n = 0, bad = 0;
	int v;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		for (v = 0; v < 2; v++)
			if (rows[i].kernels & (v ? V612 : V61)) {
				n++;
				bad += !check(&rows[i], v);
			}
	printf("1..%u\n# %u lines, %u wrong\n", n, n, bad);
	return bad ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kprobe_core/events_parse.c (scripts/check-host.sh
 * runs it for a fixed time from tests/host/corpus/, with AddressSanitizer
 * and UBSan). Any bytes go in, with both grammars; besides memory errors,
 * leaks and undefined behaviour it traps when a result breaks what the
 * module relies on: a caret inside the command (or just past it), a
 * known error text, names within their buffers, every argument's fetch
 * program ending within KPE_INSN_MAX steps.
 */
#include <stdint.h>
#include "host_kernel.h"
#include "../../kprobe_core/events_parse.h"

static int fz_reg_offset(const char *name)
{
	return !strcmp(name, "ax") ? 80 : !strcmp(name, "di") ? 112 : -EINVAL;
}

static int fz_func_entry(void *ctx, const char *sym, unsigned long offset)
{
	if (!*sym || strchr(sym, '!'))
		return -ENOENT;
	return offset ? -EINVAL : 0;
}

static unsigned int fz_symbol_count(void *ctx, const char *sym)
{
	return !*sym || strchr(sym, '!') ? 0 : strchr(sym, '~') ? 2 : 1;
}

static void fz_check(const struct kpe_cmd *cmd, int ret)
{
	char joined[KPE_LINE_MAX + 2];
	unsigned int i, j;
	int len;

	len = kpe_err_command(cmd, joined, sizeof(joined));
	if (ret) {
		if (cmd->err >= KPE_E_COUNT || (cmd->err >= 0 &&
		    (cmd->err_pos < 0 || cmd->err_pos > len + 1 || !*kpe_err_text(cmd->err))))
			__builtin_trap();
		return;
	}
	if (cmd->kind != 'p' && cmd->kind != 'r' && cmd->kind != '-')
		__builtin_trap();
	if (strlen(cmd->group) >= KPE_NAME_MAX || strlen(cmd->event) >= KPE_NAME_MAX ||
	    cmd->nargs > KPE_MAX_ARGS || cmd->size > KPE_EVENT_SIZE_MAX ||
	    cmd->maxactive > KPE_MAXACTIVE_MAX)
		__builtin_trap();
	for (i = 0; i < cmd->nargs; i++) {
		for (j = 0; j < KPE_INSN_MAX && cmd->args[i].code[j].op != KPE_OP_END; j++)
			if (cmd->args[i].code[j].op > KPE_OP_END)
				__builtin_trap();
		if (j == KPE_INSN_MAX || cmd->args[i].count > KPE_ARRAY_MAX)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kpe_env env = {
		.max_stack = 2048, .reg_offset = fz_reg_offset,
		.func_entry = fz_func_entry, .symbol_count = fz_symbol_count,
	};
	struct kpe_cmd cmd;
	char *line;
	int ret;

	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	for (env.v612 = 0; env.v612 < 2; env.v612++) {
		memset(&cmd, 0, sizeof(cmd));
		ret = kpe_parse(&env, line, &cmd);
		fz_check(&cmd, ret);
		kpe_cmd_free(&cmd);
	}
	free(line);
	return 0;
}

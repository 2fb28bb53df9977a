/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels and architectures kprobe_core builds
 * for, behind small inline wrappers, so the .c files carry no #ifdefs.
 */
#ifndef _KPC_COMPAT_H
#define _KPC_COMPAT_H

#include <linux/kprobes.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/uprobes.h>
#ifdef CONFIG_KPROBES_ON_FTRACE
#include <linux/ftrace.h>
#endif
#ifdef CONFIG_KRETPROBE_ON_RETHOOK
#include <linux/rethook.h>
#endif
#ifdef CONFIG_X86_KERNEL_IBT
#include <asm/ibt.h>
#endif

/*
 * On an ftrace-based kprobe the probed "instruction" is the fentry call:
 * the kernel shows a post handler the address right after it. The core
 * runs its clients' post handlers itself there (see handlers.c), so it
 * never gives the kernel a post handler at an ftrace site.
 */
static inline unsigned long kpc_ftrace_post_ip(unsigned long addr)
{
#ifdef CONFIG_KPROBES_ON_FTRACE
	return addr + MCOUNT_INSN_SIZE;
#else
	return addr;
#endif
}

/*
 * The core's ftrace_ops entry backend (fentry.c) needs what x86 kernels
 * have: kprobes at function entries that ride on ftrace (so a kprobe
 * names the ftrace site of a function) and ftrace handlers given full
 * registers. Elsewhere (arm64) KPC_F_FTRACE_OPS probes are kprobes.
 */
#define KPC_HAVE_FENTRY	(IS_ENABLED(CONFIG_KPROBES_ON_FTRACE) && \
			 IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_REGS))

/*
 * What the listing calls a probe that traps rather than rides on ftrace:
 * the breakpoint instruction of the architecture.
 */
#ifdef CONFIG_ARM64
#define KPC_TRAP_MODE	"brk"
#else
#define KPC_TRAP_MODE	"int3"
#endif

/*
 * Whether @addr, where the kernel refused a probe with -EINVAL, lies inside
 * an instruction. x86 checks instruction boundaries itself and says -EILSEQ;
 * arm64 refuses an address that is not a multiple of the instruction size
 * (one kprobe_opcode_t, 4 bytes) with -EINVAL. The core says -EILSEQ on both.
 */
static inline bool kpc_insn_misaligned(const void *addr)
{
#ifdef CONFIG_ARM64
	return addr && !IS_ALIGNED((unsigned long)addr, sizeof(kprobe_opcode_t));
#else
	return false;
#endif
}

/*
 * Whether @addr, where the kernel refused a probe with -EINVAL, is a
 * function's ftrace call site, which a kernel without KPROBES_ON_FTRACE
 * cannot probe. On arm64 (6.1 and 6.12 alike) a traceable function starts
 * with "mov x9, x30" and then the call site, a nop or, while traced, a bl:
 * so func+4. x86 probes its call sites through ftrace.
 */
static inline bool kpc_insn_ftrace_site(const void *addr)
{
#ifdef CONFIG_ARM64
	__le32 insn[2];

	if (!addr || !IS_ALIGNED((unsigned long)addr, sizeof(u32)) ||
	    copy_from_kernel_nofault(insn, addr - sizeof(u32), sizeof(insn)))
		return false;
	return le32_to_cpu(insn[0]) == 0xaa1e03e9 &&		/* mov x9, x30 */
	       (le32_to_cpu(insn[1]) == 0xd503201f ||		/* nop */
		(le32_to_cpu(insn[1]) & 0xfc000000) == 0x94000000);	/* bl */
#else
	return false;
#endif
}

/*
 * The registers kpc_reg_offset() knows, by the names kprobe_events uses
 * (the kernel's regs_query_register_offset() tables, which are not
 * exported), and where struct pt_regs keeps each.
 */
struct kpc_reg_name {
	const char *name;
	unsigned int offset;
};

#define KPC_REG(n, field) { .name = n, .offset = offsetof(struct pt_regs, field) }
#define KPC_GPR(n)	KPC_REG("x" #n, regs[n])

static inline const struct kpc_reg_name *kpc_arch_regs(unsigned int *n)
{
	static const struct kpc_reg_name regs[] = {
#ifdef CONFIG_ARM64
		KPC_GPR(0), KPC_GPR(1), KPC_GPR(2), KPC_GPR(3), KPC_GPR(4),
		KPC_GPR(5), KPC_GPR(6), KPC_GPR(7), KPC_GPR(8), KPC_GPR(9),
		KPC_GPR(10), KPC_GPR(11), KPC_GPR(12), KPC_GPR(13), KPC_GPR(14),
		KPC_GPR(15), KPC_GPR(16), KPC_GPR(17), KPC_GPR(18), KPC_GPR(19),
		KPC_GPR(20), KPC_GPR(21), KPC_GPR(22), KPC_GPR(23), KPC_GPR(24),
		KPC_GPR(25), KPC_GPR(26), KPC_GPR(27), KPC_GPR(28), KPC_GPR(29),
		KPC_GPR(30), KPC_REG("lr", regs[30]), KPC_REG("sp", sp),
		KPC_REG("pc", pc), KPC_REG("pstate", pstate),
#elif defined(CONFIG_X86_64)
		KPC_REG("r15", r15), KPC_REG("r14", r14), KPC_REG("r13", r13),
		KPC_REG("r12", r12), KPC_REG("r11", r11), KPC_REG("r10", r10),
		KPC_REG("r9", r9), KPC_REG("r8", r8), KPC_REG("bx", bx),
		KPC_REG("cx", cx), KPC_REG("dx", dx), KPC_REG("si", si),
		KPC_REG("di", di), KPC_REG("bp", bp), KPC_REG("ax", ax),
		KPC_REG("orig_ax", orig_ax), KPC_REG("ip", ip), KPC_REG("cs", cs),
		KPC_REG("flags", flags), KPC_REG("sp", sp), KPC_REG("ss", ss),
#else
#error "kprobe_core: no register names for this architecture (kpc_compat.h)"
#endif
	};

	*n = ARRAY_SIZE(regs);
	return regs;
}

/*
 * kpc_task_calls_fn - called for each kretprobe call @t has in flight
 * @rp: the kretprobe the call entered through
 * @data: the call's data (ri->data)
 */
typedef void (*kpc_task_calls_fn)(struct kretprobe *rp, void *data);

/*
 * Visit the kretprobe calls a task has entered and not returned from.
 * Called by the task itself (it is the only writer of its list) from the
 * sched_process_exit tracepoint, where none of them can return any more.
 * Kretprobes already unregistered are skipped.
 */
static inline void kpc_task_calls(struct task_struct *t, kpc_task_calls_fn fn)
{
#ifdef CONFIG_KRETPROBE_ON_RETHOOK
	struct rethook_node *node;

	/* rethook nodes of fprobes are on this list too: the caller checks rp */
	llist_for_each_entry(node, t->rethooks.first, llist) {
		if (!rcu_access_pointer(node->rethook->handler))
			continue;
		fn(node->rethook->data,
		   container_of(node, struct kretprobe_instance, node)->data);
	}
#else
	struct kretprobe_instance *ri;
	struct kretprobe *rp;

	llist_for_each_entry(ri, t->kretprobe_instances.first, llist) {
		rp = get_kretprobe(ri);
		if (rp)
			fn(rp, ri->data);
	}
#endif
}

/*
 * The kprobe_events grammar of this kernel where Debian's 6.1 and 6.12
 * differ (events_parse.h: error names, $comm's type, the char type). The
 * changes came with BTF arguments, which Debian's 6.12 kernels enable.
 */
#define KPC_EVENTS_V612	IS_ENABLED(CONFIG_PROBE_EVENTS_BTF_ARGS)

/*
 * Whether the 4 bytes at @addr are an endbr64 (x86 IBT), or what the
 * kernel seals one into at boot when the function's address is never
 * taken (a 4-byte nop); the kernel's own is_endbr() decides, as for its
 * kprobes (arch_adjust_kprobe_addr()).
 */
static inline bool kpc_endbr_at(unsigned long addr)
{
#ifdef CONFIG_X86_KERNEL_IBT
	u32 insn;

	return !copy_from_kernel_nofault(&insn, (void *)addr, sizeof(insn)) &&
	       is_endbr(insn);
#else
	return false;
#endif
}

/*
 * Where symbol @kp was registered on (kp->offset 0), as kallsyms has it:
 * x86 with IBT puts a probe on a function past its endbr64, which
 * kprobe_events' @SYM must not read from.
 */
static inline unsigned long kpc_kprobe_symbol_addr(const struct kprobe *kp)
{
	unsigned long addr = (unsigned long)kp->addr;

	if (addr && kpc_endbr_at(addr - 4))
		addr -= 4;
	return addr;
}

/*
 * The ftrace call site of the function that starts at @addr: the address
 * ftrace hands an ftrace_ops handler. x86 with IBT puts it past the
 * function's endbr64; elsewhere it is the function's first instruction
 * (x86) or is never asked for (arm64 has no ftrace_ops backend here).
 */
static inline unsigned long kpc_entry_ftrace_site(unsigned long addr)
{
	return kpc_endbr_at(addr) ? addr + 4 : addr;
}

/* Most address ranges kpc_module_text() gives for one module. */
#define KPC_MODULE_RANGES	2

/*
 * The address ranges of @mod's text, all of it or (@init_only) what is
 * freed once it is live; [start[i], end[i]) for i < the count returned.
 * Modules keep their memory in one struct module_memory per type since
 * 6.4 (6.12; for_each_mod_mem_type() came with it), in a core and an init
 * layout before (6.1), text first in each.
 */
static inline unsigned int kpc_module_text(const struct module *mod, bool init_only,
					   unsigned long *start, unsigned long *end)
{
	unsigned int n = 0;
#ifdef for_each_mod_mem_type
	if (!init_only && mod->mem[MOD_TEXT].size) {
		start[n] = (unsigned long)mod->mem[MOD_TEXT].base;
		end[n] = start[n] + mod->mem[MOD_TEXT].size;
		n++;
	}
	if (mod->mem[MOD_INIT_TEXT].size) {
		start[n] = (unsigned long)mod->mem[MOD_INIT_TEXT].base;
		end[n] = start[n] + mod->mem[MOD_INIT_TEXT].size;
		n++;
	}
#else
	if (!init_only && mod->core_layout.text_size) {
		start[n] = (unsigned long)mod->core_layout.base;
		end[n] = start[n] + mod->core_layout.text_size;
		n++;
	}
	if (mod->init_layout.text_size) {
		start[n] = (unsigned long)mod->init_layout.base;
		end[n] = start[n] + mod->init_layout.text_size;
		n++;
	}
#endif
	return n;
}

/*
 * PREEMPT_RT's lazy preemption (Debian's rt kernel): ftrace shows two more
 * columns, the lazy need-resched flag and the lazy preempt depth.
 */
#ifdef CONFIG_PREEMPT_LAZY
#define KPC_PREEMPT_LAZY	1
static inline unsigned int kpc_preempt_lazy_count(void)
{
	return preempt_lazy_count();
}

static inline bool kpc_need_resched_lazy(void)
{
	return tif_need_resched_lazy();
}
#else
#define KPC_PREEMPT_LAZY	0
static inline unsigned int kpc_preempt_lazy_count(void)
{
	return 0;
}

static inline bool kpc_need_resched_lazy(void)
{
	return false;
}
#endif

/* A task's migrate_disable() depth, as ftrace shows it */
static inline unsigned int kpc_migration_disabled(void)
{
#ifdef CONFIG_SMP
	return current->migration_disabled;
#else
	return 0;
#endif
}

/*
 * uprobes: 6.12 returns a handle from uprobe_register() and splits the
 * unregistering into a nosync step per consumer and one sync (a tasks
 * trace RCU grace period: handlers no longer run under register_rwsem)
 * before any consumer memory is freed; 6.1 looks the uprobe up by inode
 * and offset and unregisters synchronously. The filter lost its context
 * argument on the way. UPROBE_NO_TRAMPOLINE_VADDR (6.11's uretprobe
 * syscall) marks the newer API on the kernels of the matrix, 6.1 and 6.12;
 * a 6.11 kernel would need another test.
 */
#ifdef UPROBE_NO_TRAMPOLINE_VADDR
#define KPC_UFILTER_ARGS	struct uprobe_consumer *uc, struct mm_struct *mm
static inline int kpc_uprobe_register(struct inode *inode, loff_t offset,
				      struct uprobe_consumer *uc,
				      struct uprobe **handle)
{
	*handle = uprobe_register(inode, offset, 0, uc);
	return PTR_ERR_OR_ZERO(*handle);
}

static inline void kpc_uprobe_unregister_nosync(struct inode *inode, loff_t offset,
						struct uprobe_consumer *uc,
						struct uprobe *handle)
{
	uprobe_unregister_nosync(handle, uc);
}

/* After it, no handler of a consumer unregistered before it runs. */
static inline void kpc_uprobe_unregister_sync(void)
{
	uprobe_unregister_sync();
}
#else
#define KPC_UFILTER_ARGS	struct uprobe_consumer *uc, \
				enum uprobe_filter_ctx ctx, struct mm_struct *mm
static inline int kpc_uprobe_register(struct inode *inode, loff_t offset,
				      struct uprobe_consumer *uc,
				      struct uprobe **handle)
{
	*handle = NULL;
	return uprobe_register(inode, offset, uc);
}

/* 6.1's unregister waits for the consumer's running handlers itself. */
static inline void kpc_uprobe_unregister_nosync(struct inode *inode, loff_t offset,
						struct uprobe_consumer *uc,
						struct uprobe *handle)
{
	uprobe_unregister(inode, offset, uc);
}

static inline void kpc_uprobe_unregister_sync(void)
{
}
#endif

/*
 * A user-space return handler finds its call by the stack pointer at
 * entry: x86's return popped the return address the call pushed, so the
 * stack pointer is one word higher at return (4 bytes for a 32-bit task);
 * arm64 returns through x30 and leaves it as it was.
 */
static inline unsigned long kpc_uret_sp_skew(struct pt_regs *regs)
{
#ifdef CONFIG_X86
	return user_64bit_mode(regs) ? 8 : 4;
#else
	return 0;
#endif
}

#endif /* _KPC_COMPAT_H */

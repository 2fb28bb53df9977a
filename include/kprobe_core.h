/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe_core: a registry of kprobes and kretprobes keyed by probe address.
 *
 * Client modules describe a probe with struct kpc_desc and get back an
 * opaque handle. Several clients probing one address share one kernel
 * probe: the core fans each hit out to every enabled client, in the order
 * they registered. Each client keeps its own per-CPU statistics.
 *
 * Handlers run in probe context: interrupts or preemption off, no sleeping,
 * no locks that may sleep, no GFP_KERNEL allocation, no faulting user access.
 *
 * Every probe records the module that registered it (its owner). If the
 * owner unloads without unregistering, the core removes its probes and says
 * so in dmesg. When a probe goes away the core prints its summary line.
 */
#ifndef _KPROBE_CORE_H
#define _KPROBE_CORE_H

#include <linux/bitops.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/types.h>

struct kpc_probe;

/*
 * The version of kprobe_core and its samples: the one place it is written.
 * Every module of the tree carries it (MODULE_VERSION, modinfo's "version").
 */
#define KPC_VERSION		"0.5.0"

/* Longest client name, not counting the terminating NUL. */
#define KPC_NAME_MAX		63
/* Highest kretprobe maxactive, as tracefs allows: each call tracked costs memory. */
#define KPC_MAXACTIVE_MAX	4096
/*
 * Most kretprobe per-call data for one client: the kernel's 4096 bytes per
 * call less the core's own 16-byte record of the call. The clients of one
 * function share that room.
 */
#define KPC_DATA_MAX		4080
/* Latency histogram: bucket i counts latencies in [2^i, 2^(i+1)) ns, bucket 0 [0, 2). */
#define KPC_HIST_BUCKETS	64

/* kpc_desc.flags */
#define KPC_F_DISABLED		0x1	/* register disabled; kpc_enable() arms it */
/*
 * A kprobe at a function's entry (offset 0) through the core's own
 * ftrace_ops rather than a kernel kprobe: one ftrace_ops for every such
 * probe, the registry's address hash as its dispatcher, so a batch of N
 * functions is armed and disarmed with one ftrace update, and a hit skips
 * the kprobe layer. Same handlers, stats and listing (mode "ftrace-ops").
 * Where that cannot be (an offset, a function ftrace cannot trace, arm64,
 * whose kprobes do not use ftrace), the probe is an ordinary kprobe and
 * the listing shows its mode.
 */
#define KPC_F_FTRACE_OPS	0x2
/*
 * A kretprobe client that wants no latency: its calls and returns are
 * counted, but no time is taken for it and no histogram kept; its return
 * handler gets latency_ns 0 and its stats' lat_* fields stay 0. A call
 * that only such clients track takes no timestamp at all.
 *
 * With no entry handler and no per-call data it is a counting client, the
 * cheapest kind: it takes no token, and the core keeps no record of which
 * of its calls are in flight. It counts each entry the site tracks while
 * it is enabled, and each return of a call the site tracks while it is
 * enabled, so also returns of calls that entered before it joined (another
 * client tracked them) or while it was disabled; a counting uretprobe
 * client counts the same way. A call that only counting clients track
 * holds a place under their shared cap, their maxactive added up (a client
 * that leaves keeps its share until the site is next re-armed, for the
 * calls it may have left in flight): over the cap a call is missed by
 * the enabled counting clients (missed_pool), so the calls the other
 * clients are owed keep their room in the kernel's pool. Its inflight and
 * peak_inflight stay 0. Its return handler gets data NULL. A kretprobe
 * site has room for 63 clients.
 */
#define KPC_F_NO_LATENCY	0x4

/**
 * typedef kpc_pre_handler_t - called before the probed instruction
 * @p: the client's probe handle
 * @regs: registers at the probe point
 *
 * Return: 0. A non-zero value is counted in the client's stats as
 * pre_nonzero and otherwise ignored: the core never lets one client change
 * the execution path of the others.
 */
typedef int (*kpc_pre_handler_t)(struct kpc_probe *p, struct pt_regs *regs);

/**
 * typedef kpc_post_handler_t - called after the probed instruction ran
 * @p: the client's probe handle
 * @regs: registers after the single-stepped instruction
 * @flags: the kernel's post_handler flags
 *
 * This runs after the one probed instruction, not after the function
 * returns; use a kretprobe for that. At an int3 site a post handler keeps
 * the kernel from optimizing the probe into a jump. At an ftrace site (a
 * function entry on x86) the probed instruction is the fentry call: the
 * core runs post handlers right after the pre handlers, with the
 * instruction pointer past that call and @flags 0.
 */
typedef void (*kpc_post_handler_t)(struct kpc_probe *p, struct pt_regs *regs,
				   unsigned long flags);

/**
 * typedef kpc_entry_handler_t - called at function entry for a kretprobe
 * @p: the client's probe handle
 * @regs: registers at function entry (arguments readable)
 * @data: this call's slice of per-call data (kpc_desc.data_size bytes),
 *        zeroed before the call
 *
 * Return: 0 to have the return handler called for this call, non-zero to
 * skip it.
 */
typedef int (*kpc_entry_handler_t)(struct kpc_probe *p, struct pt_regs *regs,
				   void *data);

/**
 * typedef kpc_ret_handler_t - called when the probed function returns
 * @p: the client's probe handle
 * @regs: registers at return (regs_return_value() is the return value)
 * @data: the slice the entry handler filled for this call
 * @latency_ns: time from entry to return
 */
typedef void (*kpc_ret_handler_t)(struct kpc_probe *p, struct pt_regs *regs,
				  void *data, u64 latency_ns);

/**
 * struct kpc_desc - what a client asks to probe
 * @name: client-chosen name, unique among its owner's probes, printable,
 *        no spaces, at most KPC_NAME_MAX characters
 * @symbol: "func", "module:func" or NULL when @addr is given
 * @offset: byte offset from @symbol (kprobes only)
 * @addr: probe address, when @symbol is NULL
 * @pre: kprobe pre handler (a kprobe needs @pre or @post)
 * @post: optional kprobe post handler
 * @entry: optional kretprobe entry handler
 * @ret: kretprobe return handler (a kretprobe needs @entry or @ret)
 * @data_size: kretprobe per-call data for this client, at most KPC_DATA_MAX
 *             (4080) bytes, and the clients of one function together too
 * @maxactive: kretprobe calls this client tracks at once (a counting
 *             client: its share of a cap, KPC_F_NO_LATENCY); 0 means the
 *             kernel's default, max(10, 2 * possible CPUs); at most
 *             KPC_MAXACTIVE_MAX
 * @priv: client's pointer, returned by kpc_priv()
 * @flags: KPC_F_* flags
 * @path: user-space probes only: the file probed, an executable or a
 *        shared library, an absolute path; the function is @symbol, plus
 *        @offset (inside it), or @file_offset when @symbol is NULL
 * @file_offset: user-space probes only: where to probe, as a byte offset
 *               into @path (what uprobe_events takes), when @symbol is NULL
 * @pid: user-space probes only: trap only in this process (thread group);
 *       other processes do not even hit the breakpoint. 0: every process
 */
struct kpc_desc {
	const char *name;
	const char *symbol;
	unsigned int offset;
	unsigned long addr;
	kpc_pre_handler_t pre;
	kpc_post_handler_t post;
	kpc_entry_handler_t entry;
	kpc_ret_handler_t ret;
	size_t data_size;
	int maxactive;
	void *priv;
	unsigned int flags;
	const char *path;
	u64 file_offset;
	pid_t pid;
};

/**
 * struct kpc_stats - one client's statistics, summed over CPUs
 * @hits: times the client's handler ran (kretprobes: calls it entered)
 * @pre_nonzero: times a pre handler returned non-zero
 * @missed_reentry: hits lost because a probe fired inside a probe handler
 * @missed_pool: kretprobe calls not tracked because @maxactive were already
 *               in flight (a counting client: its site's counting cap),
 *               or the kernel had no free instance
 * @returns: kretprobe returns seen (while the client was enabled)
 * @inflight: the client's calls in flight now (entered, not yet returned);
 *            0 for a counting client (KPC_F_NO_LATENCY), which keeps none
 * @peak_inflight: most of the client's calls in flight at once; at most
 *                 @maxactive (calls beyond it are counted in @missed_pool);
 *                 0 for a counting client
 * @maxactive: the client's effective maxactive
 * @lat_count: returns measured (0 for a KPC_F_NO_LATENCY client)
 * @lat_min_ns: shortest entry-to-return time
 * @lat_max_ns: longest entry-to-return time
 * @lat_sum_ns: sum of entry-to-return times (mean = sum / count)
 * @lat_hist: log2 histogram of entry-to-return times in ns
 * @filtered: user-space probes: hits in other processes than the client's
 *            @pid, which reached the handler and were turned away. A
 *            process no client of the place wants traps once, then its
 *            breakpoint is removed; one that another consumer of the same
 *            place wants (a uprobe client beside a uretprobe one, perf)
 *            keeps trapping and is counted each time.
 */
struct kpc_stats {
	u64 hits;
	u64 pre_nonzero;
	u64 missed_reentry;
	u64 missed_pool;
	u64 returns;
	u64 inflight;
	u64 peak_inflight;
	int maxactive;
	u64 lat_count;
	u64 lat_min_ns;
	u64 lat_max_ns;
	u64 lat_sum_ns;
	u64 lat_hist[KPC_HIST_BUCKETS];
	u64 filtered;
};

/**
 * enum kpc_kind - probe kinds in the registry
 * @KPC_KPROBE: a kprobe (pre/post handlers)
 * @KPC_KRETPROBE: a kretprobe (entry/return handlers)
 * @KPC_FENTRY: a kprobe client at a function entry through the core's
 *              ftrace_ops (KPC_F_FTRACE_OPS)
 * @KPC_UPROBE: a user-space probe (pre handler)
 * @KPC_URETPROBE: a user-space return probe (return handler)
 */
enum kpc_kind {
	KPC_KPROBE,
	KPC_KRETPROBE,
	KPC_FENTRY,
	KPC_UPROBE,
	KPC_URETPROBE,
};

/**
 * struct kpc_site_info - what the registry holds at one address
 * @addr: the address the kernel probes (sym+4 past endbr64 with IBT)
 * @kind: kprobe or kretprobe
 * @nclients: clients sharing the site
 * @gone: the probed code was unloaded (the kernel marked the probe GONE)
 * @ftrace: the kernel uses ftrace for this probe rather than int3
 * @post: the kernel probe has a post handler (int3 sites with a client
 *        that has one; at ftrace sites the core runs post handlers itself)
 * @rearms: times the core replaced the site's kernel probe
 * @pool: kretprobe only: the kernel probe's instances (maxactive); every
 *        call in flight holds one. At least the clients' maxactive added
 *        up plus one per possible CPU, up to KPC_MAXACTIVE_MAX.
 */
struct kpc_site_info {
	unsigned long addr;
	enum kpc_kind kind;
	unsigned int nclients;
	bool gone;
	bool ftrace;
	bool post;
	u64 rearms;
	int pool;
};

struct kpc_probe *__kpc_register(const struct kpc_desc *d, enum kpc_kind kind,
				 struct module *owner);
int __kpc_register_batch(const struct kpc_desc *d, enum kpc_kind kind,
			 struct kpc_probe **out, unsigned int n,
			 struct module *owner);
struct kpc_probe *__kpc_lookup_name(const char *name, struct module *owner);

/**
 * kpc_register_kprobe() - register a kprobe client
 * @d: description; @d->name, @d->symbol and the handlers are copied or
 *     referenced as documented in struct kpc_desc
 *
 * Return: the client handle, or ERR_PTR: -EINVAL for a bad description or
 * an address the kernel refuses to probe (blacklisted, NOKPROBE, not text),
 * -ENOENT for an unknown symbol, -EILSEQ for an offset inside an
 * instruction, -EEXIST if the caller already has a probe of that name,
 * -ENOMEM; any other error from register_kprobe() as it is.
 */
#define kpc_register_kprobe(d)		__kpc_register(d, KPC_KPROBE, THIS_MODULE)

/**
 * kpc_register_kretprobe() - register a kretprobe client
 * @d: description; @d->offset must be 0
 *
 * Clients on one function share one kernel kretprobe, each with its own
 * slice of per-call data. Return: as kpc_register_kprobe(), and -E2BIG for
 * @d->data_size over KPC_DATA_MAX, or when the function's clients together
 * would need more.
 */
#define kpc_register_kretprobe(d)	__kpc_register(d, KPC_KRETPROBE, THIS_MODULE)

/**
 * kpc_register_kprobes() - register @n kprobe clients, all or none
 * @d: array of @n descriptions
 * @out: array of @n handles, filled on success
 * @n: number of probes
 *
 * Return: 0, or the first error; then nothing stays registered and every
 * entry of @out is NULL.
 */
#define kpc_register_kprobes(d, out, n) \
	__kpc_register_batch(d, KPC_KPROBE, out, n, THIS_MODULE)

/**
 * kpc_register_kretprobes() - register @n kretprobe clients, all or none
 * @d: array of @n descriptions
 * @out: array of @n handles, filled on success
 * @n: number of probes
 *
 * Return: 0, or the first error; then nothing stays registered and every
 * entry of @out is NULL.
 */
#define kpc_register_kretprobes(d, out, n) \
	__kpc_register_batch(d, KPC_KRETPROBE, out, n, THIS_MODULE)

/**
 * kpc_register_uprobe() - register a user-space probe client
 * @d: description: @d->path, and @d->symbol (plus @d->offset) or
 *     @d->file_offset; @d->pre; optionally @d->pid
 *
 * The function is looked up by name in the file's .symtab, else .dynsym
 * (64-bit little-endian ELF); @d->offset must lie inside it. Clients of
 * one place in one file (same inode and offset) share one kernel uprobe
 * consumer. The handler runs in the probed task with preemption disabled,
 * as a kprobe handler: no sleeping, no sleeping locks; RCU readers use
 * rcu_dereference_sched(); read user memory with copy_from_user_nofault().
 * Sleeps.
 *
 * Return: the client handle, or ERR_PTR: -ENOENT for no such file or no
 * such symbol, -EISDIR for a directory, -ENOEXEC for a file that is not a
 * 64-bit little-endian ELF file, -EINVAL for a symbol that is not a
 * function or lies in no executable segment, an offset past the end of the
 * file or one the kernel refuses, -ESRCH for a @d->pid with no process,
 * -EEXIST, -ENOMEM; errors from uprobe_register() as they are. Each is
 * explained in dmesg.
 */
#define kpc_register_uprobe(d)		__kpc_register(d, KPC_UPROBE, THIS_MODULE)

/**
 * kpc_register_uretprobe() - register a user-space return probe client
 * @d: as kpc_register_uprobe(), with @d->ret instead of @d->pre; no
 *     @d->entry, no per-call data; at a function's entry: @d->offset 0,
 *     and a @d->file_offset must be where a function starts (the kernel
 *     replaces the return address found there, as for uprobe_events)
 *
 * The return handler gets @data NULL and the call's latency. A site keeps
 * the entry time of at most KPC_UCALLS_MAX calls in flight at once (all
 * tasks together); calls beyond them are counted in missed_pool and not
 * reported at return. A KPC_F_NO_LATENCY client only counts: its handler
 * gets latency 0 for every return in a process it wants while it is
 * enabled, including a fork's child returning from its parent's call and
 * calls that entered before it joined.
 */
#define kpc_register_uretprobe(d)	__kpc_register(d, KPC_URETPROBE, THIS_MODULE)

/* Calls in flight a user-space return probe site keeps, all tasks together. */
#define KPC_UCALLS_MAX		1024

/**
 * kpc_lookup_name() - find one of the caller's probes by name
 * @name: the name it was registered with
 *
 * Only the caller's own probes are found, so the handle stays valid for as
 * long as the caller does not unregister it. Return: the handle or NULL.
 */
#define kpc_lookup_name(name)		__kpc_lookup_name(name, THIS_MODULE)

/**
 * kpc_unregister() - remove a client; prints its summary line
 * @p: handle from a register call; NULL and ERR_PTR values are ignored
 *
 * Sleeps (waits for an RCU grace period). After it returns no handler of
 * @p runs and @p is freed.
 */
void kpc_unregister(struct kpc_probe *p);

/**
 * kpc_unregister_batch() - remove @n clients, for about one grace period
 * @p: array of handles; NULL and ERR_PTR entries are skipped, and a
 *     handle given twice is removed once
 * @n: number of handles
 */
void kpc_unregister_batch(struct kpc_probe **p, unsigned int n);

/* Most functions one glob may match (kpc_register_glob()). */
#define KPC_GLOB_MAX		10000
/**
 * struct kpc_glob - the probes kpc_register_glob() attached
 * @matched: functions whose name matched (aliases of one address once)
 * @attached: functions probed: one client each, in @probes
 * @skipped_blacklist: matches in the kernel's kprobe blacklist
 * @skipped_notrace: matches ftrace cannot trace (notrace, no ftrace call)
 * @probes: the @attached client handles, in name order; each is named
 *          "prefix:function" ("function" without a prefix), namesakes
 *          ".2", ".3"... in address order. Read their stats with
 *          kpc_get_stats(), their function with kpc_addr(); remove them
 *          only with kpc_unregister_glob().
 */
struct kpc_glob {
	unsigned int matched;
	unsigned int attached;
	unsigned int skipped_blacklist;
	unsigned int skipped_notrace;
	struct kpc_probe *probes[];
};
struct kpc_glob *__kpc_register_glob(const char *pattern, const struct kpc_desc *tmpl,
				     struct module *owner);
/**
 * kpc_register_glob() - a kprobe client on every function matching @pattern
 * @pattern: a glob over function names ("vfs_*", "*_read", "tcp_[rs]*"), or
 *           "module:glob" for one module's functions only
 * @tmpl: the clients' description: handlers, @priv, flags; no symbol,
 *        address or offset; @name, if set, prefixes each client's name
 *        (at most KPC_NAME_MAX / 2 characters)
 *
 * Every function matched (text symbols of /proc/kallsyms) is probed at
 * its entry through the core's ftrace_ops (KPC_F_FTRACE_OPS), armed with
 * one ftrace update; functions in the kprobe blacklist or that ftrace
 * cannot trace are skipped and counted, and the kprobe_core module's own
 * code is never matched. All or nothing. On arm64, where the core has no
 * ftrace_ops backend, each function is a kprobe of its own. Sleeps; reads
 * /proc/kallsyms (seconds on a slow machine) and the kprobe blacklist from
 * debugfs, through the calling process's memory: call it from a process
 * (a module's init, a write to a file), not from a kernel thread.
 *
 * Return: the glob, or ERR_PTR: -EINVAL for a bad pattern or description,
 * -ENOENT when no function is left to probe or debugfs is not mounted on
 * /sys/kernel/debug (the blacklist cannot be read), -E2BIG for more than
 * KPC_GLOB_MAX matches, -EPERM when /proc/kallsyms hides addresses from the
 * caller, -EOPNOTSUPP from a kernel thread, -ENOMEM, or what registering
 * the batch returned.
 */
#define kpc_register_glob(pattern, tmpl) \
	__kpc_register_glob(pattern, tmpl, THIS_MODULE)
/**
 * kpc_unregister_glob() - remove every probe of a glob, for about one
 * grace period; prints their summaries and frees @g
 * @g: from kpc_register_glob(); NULL and ERR_PTR values are ignored
 */
void kpc_unregister_glob(struct kpc_glob *g);
/**
 * kpc_enable() - let a disabled client's handlers run again
 * @p: client handle
 */
void kpc_enable(struct kpc_probe *p);

/**
 * kpc_disable() - stop calling a client's handlers; others on the address
 * keep running
 * @p: client handle
 *
 * Does not wait: a handler already running on another CPU may finish.
 * A kretprobe call entered while enabled is not reported at its return
 * while disabled.
 */
void kpc_disable(struct kpc_probe *p);

/**
 * kpc_enabled() - whether a client's handlers are called
 * @p: client handle
 */
bool kpc_enabled(const struct kpc_probe *p);

/**
 * kpc_priv() - the client's private pointer from its description
 * @p: client handle; may be called from a handler
 */
void *kpc_priv(const struct kpc_probe *p);

/**
 * kpc_addr() - the address the kernel probes for this client; for a
 * user-space probe, the offset into its file
 * @p: client handle
 */
unsigned long kpc_addr(const struct kpc_probe *p);

/**
 * kpc_get_stats() - read a client's statistics, summed over CPUs
 * @p: client handle
 * @st: filled in
 */
void kpc_get_stats(const struct kpc_probe *p, struct kpc_stats *st);

/**
 * kpc_lookup_addr() - what the registry holds at an address
 * @addr: probed address, as kpc_addr() reports it
 * @kind: which kind of site
 * @info: filled in when found
 *
 * Return: 0, or -ENOENT when no such site is registered.
 */
int kpc_lookup_addr(unsigned long addr, enum kpc_kind kind,
		    struct kpc_site_info *info);

/**
 * kpc_reg_offset() - find a register by the name kprobe_events gives it
 * @name: without the '%': on x86_64 ax bx cx dx si di bp sp r8..r15 ip
 *        flags cs ss orig_ax; on arm64 x0..x30 lr sp pc pstate
 *
 * Return: where struct pt_regs keeps the register, for kpc_reg(); -EINVAL
 * for a name this architecture has no register of.
 */
int kpc_reg_offset(const char *name);

/**
 * kpc_reg() - a register's value in a handler
 * @regs: the handler's registers
 * @offset: from kpc_reg_offset(); an error from it reads as 0
 */
static inline unsigned long kpc_reg(struct pt_regs *regs, int offset)
{
	return offset < 0 ? 0 : regs_get_register(regs, offset);
}

/**
 * kpc_arg() - argument @n of the probed function, counted from 1 as $argN
 * @regs: registers at function entry (a pre or entry handler at +0)
 * @n: 1 for the first argument
 *
 * Reads the register (or stack slot) the calling convention puts argument
 * @n in: x86_64 di, si, dx, cx, r8, r9, then the stack; arm64 x0..x7, then
 * 0. Only at function entry: inside the function the registers are reused.
 */
static inline unsigned long kpc_arg(struct pt_regs *regs, unsigned int n)
{
	return n ? regs_get_kernel_argument(regs, n - 1) : 0;
}

/*
 * In a pre handler instruction_pointer(regs) is the probed address plus
 * KPC_PRE_IP_SKEW: x86 reports a hit as its int3 trap would, one byte past
 * the address (int3, jump-optimized and ftrace probes alike); arm64 reports
 * the address of the brk itself.
 */
#ifdef CONFIG_X86
#define KPC_PRE_IP_SKEW		1
#else
#define KPC_PRE_IP_SKEW		0
#endif

/**
 * kpc_hist_bucket() - histogram bucket of a latency
 * @ns: latency in nanoseconds
 *
 * Return: i such that @ns lies in [2^i, 2^(i+1)), 0 for @ns < 2.
 */
static inline unsigned int kpc_hist_bucket(u64 ns)
{
	return ns < 2 ? 0 : fls64(ns) - 1;
}

/**
 * kpc_elapsed_ns() - time from @t0 to @now, two ktime_get_mono_fast_ns() reads
 * @t0: the earlier read
 * @now: the later read, possibly on another CPU
 *
 * The fast clock is monotonic per CPU only: a read on another CPU may come
 * out a little below an earlier one. Such an interval counts as 0 rather
 * than as a wrapped value near 2^64.
 *
 * Return: @now - @t0, or 0 when @now < @t0.
 */
static inline u64 kpc_elapsed_ns(u64 t0, u64 now)
{
	return now > t0 ? now - t0 : 0;
}

#endif /* _KPROBE_CORE_H */

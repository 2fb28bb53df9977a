// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace_ops backend for function-entry probes (KPC_F_FTRACE_OPS): one
 * ftrace_ops owned by the core, whose filter holds the entry of every such
 * site, and whose handler finds the site by the ip ftrace passes, in an
 * RCU hash, then fans out to its clients as a kprobe's handler does.
 *
 * Why: the kernel arms and disarms each ftrace-based kprobe with an ftrace
 * code update of its own; here a batch of N functions is one update, and a
 * hit skips the kprobe layer (its hash, its busy flag, its aggregate).
 *
 * A site given by name registers a kernel kprobe, disabled: it resolves
 * the name the way every other probe does (with IBT, past endbr64, which
 * is where the ftrace call is), says whether the function is an ftrace
 * site and applies the kprobe blacklist. A disabled kprobe costs nothing
 * on the function's path, but registering one costs as much as an armed
 * one (the kernel's checks of the address), 97 % of attaching a batch.
 * A site given by address (what globs register) needs no name: the core
 * finds its ftrace site itself (kpc_fentry_name()), asks ftrace whether
 * it can trace it, and registers no kprobe. As for fprobe, ftrace's rules
 * decide then, not the kprobe blacklist; globs apply that list themselves.
 *
 * The filter is never empty while the ftrace_ops is registered (an
 * ftrace_ops with an empty filter traces every function): it always holds
 * kpc_fentry_park(), a function of ours nobody calls. The ftrace_ops is
 * registered with the first site and unregistered when the core unloads,
 * and its filter is freed only then: ftrace_free_filter() frees the hash
 * and leaves the ops pointing at it (6.1), so a filter set after it frees
 * it again (seen as a crash in ftrace_shutdown() on 6.12).
 *
 * ftrace calls the handler also where RCU is not watching (idle: the
 * cpuidle drivers' enter functions are traceable), where synchronize_rcu()
 * does not wait for it. So whenever a client of a site here is removed,
 * the caller also waits for synchronize_rcu_tasks_rude() (kpc_fentry_sync),
 * which has every CPU schedule: a handler, preemption off, has returned.
 *
 * Everything but the handler runs under kpc_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/error-injection.h>
#include <linux/ftrace.h>
#include <linux/slab.h>
#include "kpc_internal.h"

/*
 * Every hit looks its site up here, so chains must stay short where globs
 * attach thousands of functions: 4,096 buckets (32 KiB). With 1,024, a
 * site among 1,000 cost 8 instructions a hit more than alone (make bench,
 * scale_1000/1 f-ops).
 */
#define KPC_FENTRY_HASH_BITS	12

static DEFINE_HASHTABLE(kpc_fentry_sites, KPC_FENTRY_HASH_BITS);
static bool kpc_fentry_registered;

/*
 * Preemption is off (the handler's own section). Lockdep's RCU checks are
 * not asked: on a kernel with CONFIG_PROVE_RCU they are traceable
 * functions, and a glob over them would call this again from the miss
 * path, forever.
 */
static notrace struct kpc_site *kpc_fentry_find(unsigned long ip)
{
	struct kpc_site *site;

	hash_for_each_possible_rcu(kpc_fentry_sites, site, by_ip, ip, true)
		if (site->addr == ip)
			return site;
	return NULL;
}
NOKPROBE_SYMBOL(kpc_fentry_find);

/* This CPU is running clients' handlers for a hit (preemption is off). */
static DEFINE_PER_CPU(bool, kpc_fentry_busy);

/* A hit of the site at @ip that no client sees (preemption is off). */
static notrace void kpc_fentry_miss(unsigned long ip)
{
	struct kpc_site *site = kpc_fentry_find(ip);

	if (site)
		this_cpu_inc(rcu_dereference_raw(site->arm)->pcpu->missed);
}
NOKPROBE_SYMBOL(kpc_fentry_miss);

/*
 * Called by ftrace at the entry of every function in the filter, with
 * regs saved. The clients see the instruction pointer a kprobe shows
 * them: KPC_PRE_IP_SKEW past the address in pre handlers, past the fentry
 * call in post handlers; ftrace gets its own back.
 *
 * Recursion: a hit while this CPU runs handlers for another (a client's
 * handler calling a probed function, an interrupt or NMI in between) is
 * the site's miss, as kprobes count theirs. The per-CPU busy flag, read
 * and set with preemption off before anything traceable is called, is
 * the whole guard: nothing runs twice on a CPU, and the miss path calls
 * nothing traceable (not even lockdep's RCU checks). An interrupt or NMI
 * that hits a probed function while this CPU runs clients is a miss too,
 * where ftrace's guard would have let it through in its own context. So ftrace_test_recursion_trylock(), which would let
 * one nested call through anyway, is not needed (it cost 29 instructions
 * a hit: BENCHMARKS.md).
 */
static void notrace kpc_fentry_handler(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *op,
				       struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct kpc_site *site;
	unsigned long orig;

	preempt_disable_notrace();
	if (unlikely(__this_cpu_read(kpc_fentry_busy))) {
		kpc_fentry_miss(ip);
		goto out;
	}
	site = kpc_fentry_find(ip);
	if (likely(site && regs)) {
		__this_cpu_write(kpc_fentry_busy, true);
		orig = instruction_pointer(regs);
		instruction_pointer_set(regs, ip + KPC_PRE_IP_SKEW);
		kpc_run_pres(site, regs);
		smp_rmb();	/* as in kpc_kprobe_pre(): the walk, then the count */
		if (READ_ONCE(site->nposts)) {
			instruction_pointer_set(regs, kpc_ftrace_post_ip(ip));
			kpc_run_posts(site, regs, 0);
		}
		instruction_pointer_set(regs, orig);
		__this_cpu_write(kpc_fentry_busy, false);
	}
out:
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(kpc_fentry_handler);

static struct ftrace_ops kpc_fentry_ops = {
	.func = kpc_fentry_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

/* Never registered: its filter only asks ftrace whether it knows an address. */
static struct ftrace_ops kpc_fentry_probe_ops;
static bool kpc_fentry_probe_used;

/**
 * kpc_fentry_traceable() - whether ftrace can trace the function at @addr
 * @addr: a function's first instruction, or its ftrace call site
 *
 * ftrace maps a function's start to its call site itself. With no
 * dynamic ftrace nothing can be told, and the answer is yes.
 */
bool kpc_fentry_traceable(unsigned long addr)
{
	lockdep_assert_held(&kpc_lock);
	if (!IS_ENABLED(CONFIG_DYNAMIC_FTRACE))
		return true;
	kpc_fentry_probe_used = true;
	if (ftrace_set_filter_ip(&kpc_fentry_probe_ops, addr, 0, 0))
		return false;
	ftrace_set_filter_ip(&kpc_fentry_probe_ops, addr, 1, 0);
	return true;
}

/* sprint_symbol()'s offset of @addr in its function; false if none */
static bool kpc_symbol_offset(unsigned long addr, unsigned long *off)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long size;
	const char *plus;

	sprint_symbol(buf, addr);	/* "func+0x10/0x40 [mod]" */
	plus = strrchr(buf, '+');
	return plus && sscanf(plus, "+%lx/%lx", off, &size) == 2;
}

/*
 * Memory of modules on their way out, and init code about to be freed:
 * from the module notifier until ftrace drops their records, ftrace still
 * says their functions can be traced, and an address put in the filter
 * then would stay there for whatever code is loaded at it next. A site
 * named by a kprobe is safe (the kernel refuses a going module); a site
 * given by address is refused in these ranges. A module coming to an
 * address drops the ranges it overlaps: that memory was freed and reused.
 * Text only, up to 128 ranges (2 a module); when full, the oldest make
 * room (their modules are long gone).
 */
#define KPC_DEAD_MAX	128

static struct {
	unsigned long start, end;
} kpc_dead[KPC_DEAD_MAX];
static unsigned int kpc_dead_next;

bool kpc_fentry_dead(unsigned long addr)
{
	unsigned int i;

	lockdep_assert_held(&kpc_lock);
	for (i = 0; i < KPC_DEAD_MAX; i++)
		if (addr >= kpc_dead[i].start && addr < kpc_dead[i].end)
			return true;
	return false;
}

/* kpc_lock held: @mod's text (or its init text) goes away. */
static void kpc_fentry_bury(struct module *mod, bool init_only)
{
	unsigned long start[KPC_MODULE_RANGES], end[KPC_MODULE_RANGES];
	unsigned int i, j, n = kpc_module_text(mod, init_only, start, end);

	for (i = 0; i < n; i++) {
		/* a free slot if there is one, else the oldest */
		for (j = 0; j < KPC_DEAD_MAX && kpc_dead[j].end; j++)
			;
		if (j == KPC_DEAD_MAX) {
			j = kpc_dead_next;
			kpc_dead_next = (kpc_dead_next + 1) % KPC_DEAD_MAX;
		}
		kpc_dead[j].start = start[i];
		kpc_dead[j].end = end[i];
	}
}

/* kpc_lock held: @mod is coming, into memory that may have been a dead module's. */
void kpc_fentry_module_coming(struct module *mod)
{
	unsigned long start[KPC_MODULE_RANGES], end[KPC_MODULE_RANGES];
	unsigned int i, j, n = kpc_module_text(mod, false, start, end);

	lockdep_assert_held(&kpc_lock);
	for (i = 0; i < KPC_DEAD_MAX; i++)
		for (j = 0; j < n; j++)
			if (kpc_dead[i].start < end[j] && start[j] < kpc_dead[i].end)
				kpc_dead[i].start = kpc_dead[i].end = 0;
}

/**
 * kpc_fentry_name() - the ftrace site of the function entry at @req
 * @req: a function's first instruction or, with IBT, the one past endbr64
 * @site: set to the address ftrace will call the handler with
 *
 * Return: 0, or -EOPNOTSUPP when @req is not an entry ftrace can trace or
 * lies in a module going away (the caller falls back to a kprobe, which
 * says what else is wrong).
 */
int kpc_fentry_name(unsigned long req, unsigned long *site)
{
	unsigned long off, addr = kpc_entry_ftrace_site(req);

	lockdep_assert_held(&kpc_lock);
	if (!KPC_HAVE_FENTRY || !kpc_symbol_offset(req, &off) || kpc_fentry_dead(req))
		return -EOPNOTSUPP;
	/* the function's start, or its call site past endbr64 */
	if (off && !(addr == req && kpc_entry_ftrace_site(req - off) == req))
		return -EOPNOTSUPP;
	if (!kpc_fentry_traceable(addr))
		return -EOPNOTSUPP;
	*site = addr;
	return 0;
}

unsigned long kpc_fentry_missed(const struct kpc_arm *arm)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(arm->pcpu, cpu)->missed);
	return n;
}

/* A new site: the handler can find it; kpc_fentry_commit() arms it. */
void kpc_fentry_add(struct kpc_site *site)
{
	hash_add_rcu(kpc_fentry_sites, &site->by_ip, site->addr);
}

/* Keeps the filter from being empty: traced, never called. */
static noinline void kpc_fentry_park(void)
{
	barrier();
}

/*
 * The kernel's fail_function can make this fail (CONFIG_FUNCTION_ERROR_INJECTION):
 * how case 63-fentry-failure reaches the path where the filter is set and
 * the ftrace_ops is not registered.
 */
static noinline int kpc_fentry_ops_register(void)
{
	return register_ftrace_function(&kpc_fentry_ops);
}
ALLOW_ERROR_INJECTION(kpc_fentry_ops_register, ERRNO);

static int kpc_fentry_filter_add(unsigned long *ips, unsigned int n)
{
	int err;

	if (!KPC_HAVE_FENTRY)
		return -EOPNOTSUPP;
	if (kpc_fentry_registered)
		return ftrace_set_filter_ips(&kpc_fentry_ops, ips, n, 0, 0);
	/* reset: whatever a failed attempt left, the filter is the park and @ips */
	err = ftrace_set_filter_ip(&kpc_fentry_ops, (unsigned long)kpc_fentry_park, 0, 1);
	if (!err)
		err = ftrace_set_filter_ips(&kpc_fentry_ops, ips, n, 0, 0);
	if (!err)
		err = kpc_fentry_ops_register();
	if (!err)
		kpc_fentry_registered = true;
	return err;
}

static void kpc_fentry_filter_del(unsigned long *ips, unsigned int n)
{
	unsigned int i;
	int err;

	if (!KPC_HAVE_FENTRY)
		return;
	/* All or nothing: when one of them fails, remove the others one by one. */
	err = ftrace_set_filter_ips(&kpc_fentry_ops, ips, n, 1, 0);
	for (i = 0; err && i < n; i++)
		if (ftrace_set_filter_ip(&kpc_fentry_ops, ips[i], 1, 0))
			pr_warn("cannot remove %ps from the ftrace filter: it stays, costing a lookup per call\n",
				(void *)ips[i]);
}

/* See the top of the file: after a client of a site here is removed. */
void kpc_fentry_sync(void)
{
	if (KPC_HAVE_FENTRY && IS_ENABLED(CONFIG_TASKS_RUDE_RCU))
		synchronize_rcu_tasks_rude();
}

/* Module exit, after every probe is gone. */
void kpc_fentry_exit(void)
{
	if (kpc_fentry_probe_used)
		ftrace_free_filter(&kpc_fentry_probe_ops);
	if (!kpc_fentry_registered)
		return;
	unregister_ftrace_function(&kpc_fentry_ops);
	ftrace_free_filter(&kpc_fentry_ops);
	kpc_fentry_registered = false;
}

/*
 * Arm every site not armed yet, with one filter update. On failure none
 * of them is armed and the caller removes their clients.
 */
int kpc_fentry_commit(void)
{
	struct kpc_site *site;
	unsigned long *ips;
	unsigned int n = 0, bkt;
	int err;

	lockdep_assert_held(&kpc_lock);
	hash_for_each(kpc_fentry_sites, bkt, site, by_ip)
		n += !site->armed && !site->gone;
	if (!n)
		return 0;
	ips = kvcalloc(n, sizeof(*ips), GFP_KERNEL);
	if (!ips)
		return -ENOMEM;
	n = 0;
	hash_for_each(kpc_fentry_sites, bkt, site, by_ip)
		if (!site->armed && !site->gone)
			ips[n++] = site->addr;
	err = kpc_fentry_filter_add(ips, n);
	if (!err) {
		hash_for_each(kpc_fentry_sites, bkt, site, by_ip)
			site->armed = !site->gone;
	} else {
		pr_err("cannot add %u function(s) to the ftrace filter: %d\n", n, err);
	}
	kvfree(ips);
	return err;
}

/*
 * @sites lost their last client: out of the filter with one update and
 * out of the hash. The caller waits for a grace period before freeing
 * them (unregister_kprobes() of their kprobes, or synchronize_rcu() when
 * none has one): a handler that found one just before may still run its
 * clients.
 */
void kpc_fentry_disarm(struct kpc_site **sites, unsigned int n)
{
	unsigned long *ips = kvcalloc(n, sizeof(*ips), GFP_KERNEL);
	unsigned int i, nips = 0;

	lockdep_assert_held(&kpc_lock);
	for (i = 0; i < n; i++) {
		hash_del_rcu(&sites[i]->by_ip);
		if (!sites[i]->armed)
			continue;
		sites[i]->armed = false;
		if (ips)
			ips[nips++] = sites[i]->addr;
		else
			kpc_fentry_filter_del(&sites[i]->addr, 1);
	}
	if (nips)
		kpc_fentry_filter_del(ips, nips);
	kvfree(ips);
}

/*
 * Code of @mod goes away: all of it (@init false: the module is unloading)
 * or its init sections (@init: it is live, and they are freed next). Their
 * ftrace records go with them, and an address left in the filter would
 * trace whatever code is loaded there next. The sites stay, gone, until
 * their clients leave.
 */
void kpc_fentry_module_going(struct module *mod, bool init)
{
	struct kpc_site *site;
	struct hlist_node *tmp;
	unsigned int bkt;

	lockdep_assert_held(&kpc_lock);
	kpc_fentry_bury(mod, init);
	hash_for_each_safe(kpc_fentry_sites, bkt, tmp, site, by_ip) {
		if (init ? !within_module_init(site->addr, mod) :
			   !within_module(site->addr, mod))
			continue;
		kpc_fentry_disarm(&site, 1);
		site->gone = true;
	}
}

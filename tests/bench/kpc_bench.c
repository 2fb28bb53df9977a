// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_bench: what kprobe_core costs next to the bare kprobe API, measured in
 * one guest, in one run.
 *
 * Per-hit cost: every configuration probes a target function of its own
 * (all targets have the same body), so they all stay registered while a
 * round measures each of them once, in rotating order. A measurement is a
 * tight loop of direct calls with interrupts off, timed with ktime_get_ns();
 * loop counts are calibrated so that each one lasts about seg_ms. The
 * figure of a configuration is the median over the rounds.
 *
 * Control plane: 1,000 probes on 1,000 distinct generated functions,
 * registered and unregistered one at a time, then with the batch API.
 *
 * Scaling: per-hit cost of one probe with 1, 100 and 1,000 probes
 * registered, only that one hit.
 *
 * Results are printed at the end (the core's per-probe summary lines may
 * have wrapped the log buffer by then): a table and "bench: <what> = <ratio>"
 * lines, then "bench: done". tests/bench/run-bench.sh collects them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fprobe.h>
#include <linux/irqflags.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <kprobe_core.h>

/*
 * How the kernel probes: a trap instruction (int3, arm64's brk), and at a
 * function's entry ftrace where the kernel has ftrace-based kprobes.
 */
#ifdef CONFIG_ARM64
#define KB_TRAP		"brk"
#else
#define KB_TRAP		"int3"
#endif
#ifdef CONFIG_KPROBES_ON_FTRACE
#define KB_ENTRY_MODE	"entry (ftrace)"
#else
#define KB_ENTRY_MODE	"entry (" KB_TRAP ")"
#endif

#if !IS_ENABLED(CONFIG_KPROBES) || !IS_ENABLED(CONFIG_KRETPROBES)
#error "kpc_bench needs CONFIG_KPROBES and CONFIG_KRETPROBES"
#endif

/*
 * fprobe rows: the kernel's other return hook, what a return backend on it
 * would start from. Debian's 6.1 builds no fprobe (nor do its arm64 6.12
 * and rt kernels); the handlers here have the form 6.12's has (from 6.5:
 * the entry handler returns int and gets the return address).
 */
#if IS_ENABLED(CONFIG_FPROBE)
#define KB_FPROBE_OK	1
#else
#define KB_FPROBE_OK	0
#endif

#define KB_MAX_ROUNDS	31
#define KB_NFUNCS	1000
#define KB_SCALE_MID	100

static unsigned int rounds = 21;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "per-hit rounds (odd, at least 7)");
static unsigned int seg_ms = 20;
module_param(seg_ms, uint, 0444);
MODULE_PARM_DESC(seg_ms, "target duration of one measurement, ms");
static unsigned int cp_rounds = 1;
module_param(cp_rounds, uint, 0444);
MODULE_PARM_DESC(cp_rounds, "control-plane rounds, entry (ftrace) probes (odd)");
static unsigned int cp3_rounds = 1;
module_param(cp3_rounds, uint, 0444);
MODULE_PARM_DESC(cp3_rounds, "control-plane rounds, int3 probes (odd)");
static unsigned int scale_rounds = 3;
module_param(scale_rounds, uint, 0444);
MODULE_PARM_DESC(scale_rounds, "scaling rounds (odd)");
static unsigned int phases = 31;
module_param(phases, uint, 0444);
MODULE_PARM_DESC(phases, "bit 0: per-hit, 1: control plane (entry), 2: scaling, 3: control plane (int3), 4: control plane (entry, KPC_F_FTRACE_OPS)");

static uint ret_maxactive;
module_param(ret_maxactive, uint, 0444);
MODULE_PARM_DESC(ret_maxactive, "maxactive of the core's return clients (default 0: the core's own, 2 x possible CPUs)");
/*
 * Under QEMU's -icount shift=0 the guest clock advances 1 ns per guest
 * instruction: every figure is then a count of instructions, and the
 * tables say so.
 */
static bool icount;
module_param(icount, bool, 0444);
MODULE_PARM_DESC(icount, "the guest clock counts instructions (QEMU -icount shift=0): label figures so");

/* ---- targets: not inlined, not cloned, so probes see every call ---- */

static int kb_sink;

/* A hit target and the loop that calls it directly n times. */
#define KB_HIT_TARGET(t)						\
static int __attribute__((__noipa__)) __used t(int x)			\
{									\
	WRITE_ONCE(kb_sink, READ_ONCE(kb_sink) + x);			\
	return x + 1;							\
}									\
static noinline void t##_loop(unsigned long n)				\
{									\
	unsigned long i;						\
									\
	for (i = 0; i < n; i++)						\
		t(i);							\
}

KB_HIT_TARGET(kb_hit_none)
KB_HIT_TARGET(kb_hit_bare)
KB_HIT_TARGET(kb_hit_core)
KB_HIT_TARGET(kb_hit_bare4)
KB_HIT_TARGET(kb_hit_core4)
KB_HIT_TARGET(kb_hit_rbare)
KB_HIT_TARGET(kb_hit_rbare_lat)
KB_HIT_TARGET(kb_hit_rbare_ent)
KB_HIT_TARGET(kb_hit_rbare_call)
KB_HIT_TARGET(kb_hit_bare_call)
KB_HIT_TARGET(kb_hit_fp_ret)
KB_HIT_TARGET(kb_hit_fp_ent)
KB_HIT_TARGET(kb_hit_fp_lat)
KB_HIT_TARGET(kb_hit_rcore)
KB_HIT_TARGET(kb_hit_rcore_nolat)
KB_HIT_TARGET(kb_hit_rbare4)
KB_HIT_TARGET(kb_hit_rcore4)
KB_HIT_TARGET(kb_hit_in_bare)
KB_HIT_TARGET(kb_hit_in_core)
KB_HIT_TARGET(kb_hit_fops)
KB_HIT_TARGET(kb_hit_fops4)
KB_HIT_TARGET(kb_scale_none)
KB_HIT_TARGET(kb_scale_bare)
KB_HIT_TARGET(kb_scale_core)
KB_HIT_TARGET(kb_scale_fops)

/*
 * 1,000 distinct functions for the control plane, generated by nested
 * macro expansion: kb_fn_000 ... kb_fn_999, each a symbol of its own (the
 * bodies differ, so nothing can fold them together).
 */
struct kb_fn_ent {
	int (*fn)(int x);
	const char *name;
};

#define KB_FN(n)							\
static int __attribute__((__noipa__)) __used kb_fn_##n(int x)		\
{									\
	WRITE_ONCE(kb_sink, READ_ONCE(kb_sink) + x + 1##n);		\
	return x;							\
}
#define KB_ENT(n)	{ kb_fn_##n, "kb_fn_" #n }
/* ten functions and their table */
#define KB_FN10(p)							\
	KB_FN(p##0) KB_FN(p##1) KB_FN(p##2) KB_FN(p##3) KB_FN(p##4)	\
	KB_FN(p##5) KB_FN(p##6) KB_FN(p##7) KB_FN(p##8) KB_FN(p##9)	\
	static const struct kb_fn_ent kb_tab10_##p[10] = {		\
		KB_ENT(p##0), KB_ENT(p##1), KB_ENT(p##2), KB_ENT(p##3),	\
		KB_ENT(p##4), KB_ENT(p##5), KB_ENT(p##6), KB_ENT(p##7),	\
		KB_ENT(p##8), KB_ENT(p##9),				\
	}
/* a hundred, and the table of their ten tables */
#define KB_FN100(p)							\
	KB_FN10(p##0); KB_FN10(p##1); KB_FN10(p##2); KB_FN10(p##3);	\
	KB_FN10(p##4); KB_FN10(p##5); KB_FN10(p##6); KB_FN10(p##7);	\
	KB_FN10(p##8); KB_FN10(p##9);					\
	static const struct kb_fn_ent *const kb_tab100_##p[10] = {	\
		kb_tab10_##p##0, kb_tab10_##p##1, kb_tab10_##p##2,	\
		kb_tab10_##p##3, kb_tab10_##p##4, kb_tab10_##p##5,	\
		kb_tab10_##p##6, kb_tab10_##p##7, kb_tab10_##p##8,	\
		kb_tab10_##p##9,					\
	}

KB_FN100(0);
KB_FN100(1);
KB_FN100(2);
KB_FN100(3);
KB_FN100(4);
KB_FN100(5);
KB_FN100(6);
KB_FN100(7);
KB_FN100(8);
KB_FN100(9);

static const struct kb_fn_ent *const *const kb_tab[10] = {
	kb_tab100_0, kb_tab100_1, kb_tab100_2, kb_tab100_3, kb_tab100_4,
	kb_tab100_5, kb_tab100_6, kb_tab100_7, kb_tab100_8, kb_tab100_9,
};

/* Generated function @i, 0 <= i < KB_NFUNCS. */
static const struct kb_fn_ent *kb_fn(unsigned int i)
{
	return &kb_tab[i / 100][(i / 10) % 10][i % 10];
}

/* ---- handlers: the same per-CPU count in every configuration ---- */

static DEFINE_PER_CPU(u64, kb_hits);
static DEFINE_PER_CPU(u64, kb_entries);	/* entries counted apart from kb_hits */
static DEFINE_PER_CPU(u64, kb_lat_hist[KPC_HIST_BUCKETS]);

static int kb_bare_pre(struct kprobe *kp, struct pt_regs *regs)
{
	this_cpu_inc(kb_hits);
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_pre);

static int kb_bare_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_inc(kb_hits);
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_ret);

/* A bare kretprobe doing what the core's does for its histogram. */
static int kb_bare_lat_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(u64 *)ri->data = ktime_get_mono_fast_ns();
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_lat_entry);

static int kb_bare_lat_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	u64 ns = ktime_get_mono_fast_ns() - *(u64 *)ri->data;

	this_cpu_inc(kb_lat_hist[kpc_hist_bucket(ns)]);
	this_cpu_inc(kb_hits);
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_lat_ret);

/* A bare kretprobe counting entries too, as a core client's stats do. */
static int kb_bare_ent_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_inc(kb_entries);
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_ent_entry);

/*
 * The least any fan-out adds: the handler calls the client's (kb_core_pre,
 * kb_core_ret) through a pointer, as the core does.
 */
static void (*kb_client_ret)(struct kpc_probe *p, struct pt_regs *regs,
			     void *data, u64 latency_ns);
static int (*kb_client_pre)(struct kpc_probe *p, struct pt_regs *regs);

static int kb_bare_call_pre(struct kprobe *kp, struct pt_regs *regs)
{
	READ_ONCE(kb_client_pre)(NULL, regs);
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_call_pre);

static int kb_bare_call_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	READ_ONCE(kb_client_ret)(NULL, regs, NULL, 0);
	return 0;
}
NOKPROBE_SYMBOL(kb_bare_call_ret);

#if KB_FPROBE_OK
static int kb_fp_entry(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
		       struct pt_regs *regs, void *data)
{
	this_cpu_inc(kb_entries);
	return 0;
}
NOKPROBE_SYMBOL(kb_fp_entry);

static void kb_fp_exit(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
		       struct pt_regs *regs, void *data)
{
	this_cpu_inc(kb_hits);
}
NOKPROBE_SYMBOL(kb_fp_exit);

static int kb_fp_lat_entry(struct fprobe *fp, unsigned long ip,
			   unsigned long ret_ip, struct pt_regs *regs, void *data)
{
	*(u64 *)data = ktime_get_mono_fast_ns();
	return 0;
}
NOKPROBE_SYMBOL(kb_fp_lat_entry);

static void kb_fp_lat_exit(struct fprobe *fp, unsigned long ip,
			   unsigned long ret_ip, struct pt_regs *regs, void *data)
{
	u64 ns = ktime_get_mono_fast_ns() - *(u64 *)data;

	this_cpu_inc(kb_lat_hist[kpc_hist_bucket(ns)]);
	this_cpu_inc(kb_hits);
}
NOKPROBE_SYMBOL(kb_fp_lat_exit);
#endif

static int kb_core_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	this_cpu_inc(kb_hits);
	return 0;
}
NOKPROBE_SYMBOL(kb_core_pre);

static void kb_core_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
			u64 latency_ns)
{
	this_cpu_inc(kb_hits);
}
NOKPROBE_SYMBOL(kb_core_ret);

static u64 kb_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

static u64 kb_hits_sum(void)
{
	return kb_sum(&kb_hits);
}

/* ---- configurations ---- */

enum kb_kind {
	KB_NONE, KB_BARE, KB_BARE_CALL, KB_CORE, KB_RBARE, KB_RBARE_LAT, KB_RBARE_ENT, KB_RBARE_CALL, KB_RCORE,
	KB_RCORE_NOLAT, KB_FOPS, KB_FP_RET, KB_FP_ENT, KB_FP_LAT
};

struct kb_cfg {
	const char *name;
	const char *what;
	void (*loop)(unsigned long n);
	int (*fn)(int x);
	enum kb_kind kind;
	unsigned int nprobes;
	bool inside;		/* probe at the first instruction after the entry */
	/* set up at run time */
	unsigned int offset;
	bool ftrace;
	bool fops;		/* the core's ftrace_ops backend took it */
	unsigned long n;	/* calls per measurement */
	struct kprobe kp[4];
	struct kretprobe rp[4];
	struct kpc_probe *cp[4];
#if KB_FPROBE_OK
	struct fprobe fp;
#endif
	bool absent;		/* this kernel cannot do it: not measured */
	u64 ps[KB_MAX_ROUNDS];	/* picoseconds per call, per round */
	u64 median;
	bool bad;
};

#define KB_CFG(t, k, np, in, desc)					\
	{ .name = #t, .what = desc, .loop = kb_##t##_loop, .fn = kb_##t,	\
	  .kind = k, .nprobes = np, .inside = in }

enum {
	HIT_NONE, HIT_BARE, HIT_CORE, HIT_BARE4, HIT_CORE4, HIT_RBARE,
	HIT_RBARE_LAT, HIT_RCORE, HIT_RCORE_NOLAT, HIT_RBARE4, HIT_RCORE4, HIT_IN_BARE,
	HIT_IN_CORE, HIT_FOPS, HIT_FOPS4, HIT_BARE_CALL, HIT_RBARE_ENT, HIT_RBARE_CALL, HIT_FP_RET, HIT_FP_ENT,
	HIT_FP_LAT, HIT_NCFG
};

static struct kb_cfg kb_hit[HIT_NCFG] = {
	[HIT_NONE]	= KB_CFG(hit_none, KB_NONE, 0, false, "no probe"),
	[HIT_BARE]	= KB_CFG(hit_bare, KB_BARE, 1, false, "bare kprobe, entry"),
	[HIT_CORE]	= KB_CFG(hit_core, KB_CORE, 1, false, "kprobe_core kprobe, entry"),
	[HIT_BARE4]	= KB_CFG(hit_bare4, KB_BARE, 4, false, "4 bare kprobes, one address"),
	[HIT_CORE4]	= KB_CFG(hit_core4, KB_CORE, 4, false, "4 kprobe_core clients, one address"),
	[HIT_RBARE]	= KB_CFG(hit_rbare, KB_RBARE, 1, false, "bare kretprobe, count"),
	[HIT_RBARE_LAT]	= KB_CFG(hit_rbare_lat, KB_RBARE_LAT, 1, false, "bare kretprobe, count+latency hist"),
	[HIT_RCORE]	= KB_CFG(hit_rcore, KB_RCORE, 1, false, "kprobe_core kretprobe (hist on)"),
	[HIT_RCORE_NOLAT] = KB_CFG(hit_rcore_nolat, KB_RCORE_NOLAT, 1, false,
				   "kprobe_core kretprobe, KPC_F_NO_LATENCY"),
	[HIT_RBARE4]	= KB_CFG(hit_rbare4, KB_RBARE, 4, false, "4 bare kretprobes, one function"),
	[HIT_RCORE4]	= KB_CFG(hit_rcore4, KB_RCORE, 4, false, "4 kprobe_core return clients"),
	[HIT_IN_BARE]	= KB_CFG(hit_in_bare, KB_BARE, 1, true, "bare kprobe, inside (" KB_TRAP ")"),
	[HIT_IN_CORE]	= KB_CFG(hit_in_core, KB_CORE, 1, true, "kprobe_core kprobe, inside (" KB_TRAP ")"),
	[HIT_FOPS]	= KB_CFG(hit_fops, KB_FOPS, 1, false, "kprobe_core KPC_F_FTRACE_OPS, entry"),
	[HIT_FOPS4]	= KB_CFG(hit_fops4, KB_FOPS, 4, false, "4 KPC_F_FTRACE_OPS clients, one address"),
	/* the floor of any fan-out, at an entry and at a return; fprobe */
	[HIT_BARE_CALL]	= KB_CFG(hit_bare_call, KB_BARE_CALL, 1, false, "bare kprobe, entry, 2nd call"),
	[HIT_RBARE_ENT]	= KB_CFG(hit_rbare_ent, KB_RBARE_ENT, 1, false, "bare kretprobe, count entries+returns"),
	[HIT_RBARE_CALL] = KB_CFG(hit_rbare_call, KB_RBARE_CALL, 1, false,
				  "bare kretprobe, entries+returns, 2nd call"),
	[HIT_FP_RET]	= KB_CFG(hit_fp_ret, KB_FP_RET, 1, false, "bare fprobe, count returns"),
	[HIT_FP_ENT]	= KB_CFG(hit_fp_ent, KB_FP_ENT, 1, false, "bare fprobe, count entries+returns"),
	[HIT_FP_LAT]	= KB_CFG(hit_fp_lat, KB_FP_LAT, 1, false, "bare fprobe, count+latency hist"),
};

enum { SC_NONE, SC_BARE, SC_CORE, SC_FOPS, SC_NCFG };

static struct kb_cfg kb_sc[SC_NCFG] = {
	[SC_NONE] = KB_CFG(scale_none, KB_NONE, 0, false, "no probe"),
	[SC_BARE] = KB_CFG(scale_bare, KB_BARE, 1, false, "bare kprobe, entry"),
	[SC_CORE] = KB_CFG(scale_core, KB_CORE, 1, false, "kprobe_core kprobe, entry"),
	[SC_FOPS] = KB_CFG(scale_fops, KB_FOPS, 1, false, "kprobe_core KPC_F_FTRACE_OPS, entry"),
};

/* Hits one call of a configuration's target adds to kb_hits. */
static unsigned int kb_hits_per_call(const struct kb_cfg *c)
{
	return c->nprobes;
}

static void kb_cfg_unregister(struct kb_cfg *c)
{
	unsigned int i;

	for (i = 0; i < c->nprobes; i++) {
		switch (c->kind) {
		case KB_BARE:
		case KB_BARE_CALL:
			if (c->kp[i].addr)
				unregister_kprobe(&c->kp[i]);
			c->kp[i].addr = NULL;
			break;
		case KB_RBARE:
		case KB_RBARE_LAT:
		case KB_RBARE_ENT:
		case KB_RBARE_CALL:
			if (c->rp[i].kp.addr)
				unregister_kretprobe(&c->rp[i]);
			c->rp[i].kp.addr = NULL;
			break;
		case KB_FP_RET:
		case KB_FP_ENT:
		case KB_FP_LAT:
#if KB_FPROBE_OK
			if (c->fp.exit_handler)
				unregister_fprobe(&c->fp);
			c->fp.exit_handler = NULL;
#endif
			break;
		case KB_CORE:
		case KB_RCORE:
		case KB_RCORE_NOLAT:
		case KB_FOPS:
			kpc_unregister(c->cp[i]);
			c->cp[i] = NULL;
			break;
		case KB_NONE:
			break;
		}
	}
}

static int kb_bare_register(struct kb_cfg *c, unsigned int i, unsigned int off)
{
	struct kprobe *kp = &c->kp[i];
	int err;

	memset(kp, 0, sizeof(*kp));
	kp->addr = (kprobe_opcode_t *)c->fn;
	kp->offset = off;
	kp->pre_handler = kb_bare_pre;
	if (c->kind == KB_BARE_CALL) {
		WRITE_ONCE(kb_client_pre, kb_core_pre);
		kp->pre_handler = kb_bare_call_pre;
	}
	err = register_kprobe(kp);
	if (err)
		kp->addr = NULL;
	return err;
}

static struct kpc_probe *kb_core_register(struct kb_cfg *c, unsigned int i,
					  unsigned int off)
{
	char name[32];
	struct kpc_desc d = {
		.name = name, .addr = (unsigned long)c->fn, .offset = off,
		.pre = kb_core_pre,
		.flags = c->kind == KB_FOPS ? KPC_F_FTRACE_OPS : 0,
	};

	snprintf(name, sizeof(name), "%s_%u", c->name, i);
	return kpc_register_kprobe(&d);
}

static bool kb_core_ftrace(struct kpc_probe *p)
{
	struct kpc_site_info info;

	return !kpc_lookup_addr(kpc_addr(p), KPC_KPROBE, &info) && info.ftrace;
}

/*
 * An offset to skip while looking for the first probeable one past the
 * entry: inside an instruction (-EILSEQ; from the bare API on arm64, an
 * address that is not a multiple of 4: -EINVAL), or arm64's ftrace call
 * site, which it cannot probe without KPROBES_ON_FTRACE (-EINVAL).
 */
static bool kb_skip_offset(int err)
{
	return err == -EILSEQ || err == -EINVAL;
}

/*
 * First offset past the entry that is an instruction boundary and not the
 * ftrace site: try offsets until register returns something other than
 * -EILSEQ (the selftest's method), skipping the ftrace call.
 */
static int kb_register_inside(struct kb_cfg *c)
{
	unsigned int off;
	int err = -EILSEQ;

	for (off = 1; off < 32; off++) {
		if (c->kind == KB_BARE) {
			err = kb_bare_register(c, 0, off);
			if (kb_skip_offset(err))
				continue;
			if (err)
				return err;
			if (kprobe_ftrace(&c->kp[0])) {
				unregister_kprobe(&c->kp[0]);
				c->kp[0].addr = NULL;
				continue;
			}
		} else {
			struct kpc_probe *p = kb_core_register(c, 0, off);

			err = PTR_ERR_OR_ZERO(p);
			if (kb_skip_offset(err))
				continue;
			if (err)
				return err;
			if (kb_core_ftrace(p)) {
				kpc_unregister(p);
				continue;
			}
			c->cp[0] = p;
		}
		c->offset = off;
		c->ftrace = false;
		return 0;
	}
	return err;
}

/* A bare fprobe on @c's target; absent where the kernel has none. */
static int kb_fp_register(struct kb_cfg *c)
{
#if KB_FPROBE_OK
	unsigned long addr = (unsigned long)c->fn;
	int err;

	memset(&c->fp, 0, sizeof(c->fp));
	c->fp.exit_handler = c->kind == KB_FP_LAT ? kb_fp_lat_exit : kb_fp_exit;
	if (c->kind == KB_FP_ENT)
		c->fp.entry_handler = kb_fp_entry;
	if (c->kind == KB_FP_LAT) {
		c->fp.entry_handler = kb_fp_lat_entry;
		c->fp.entry_data_size = sizeof(u64);
	}
	err = register_fprobe_ips(&c->fp, &addr, 1);
	if (err)
		c->fp.exit_handler = NULL;
	c->ftrace = !err;
	return err;
#else
	c->absent = true;
	return 0;
#endif
}

static int kb_cfg_register(struct kb_cfg *c)
{
	unsigned int i;
	int err = 0;

	if (c->inside)
		return kb_register_inside(c);
	for (i = 0; i < c->nprobes && !err; i++) {
		switch (c->kind) {
		case KB_BARE:
		case KB_BARE_CALL:
			err = kb_bare_register(c, i, 0);
			if (!err)
				c->ftrace = kprobe_ftrace(&c->kp[i]);
			break;
		case KB_RBARE:
		case KB_RBARE_LAT:
		case KB_RBARE_ENT:
		case KB_RBARE_CALL:
			memset(&c->rp[i], 0, sizeof(c->rp[i]));
			c->rp[i].kp.addr = (kprobe_opcode_t *)c->fn;
			if (c->kind != KB_RBARE_LAT) {
				c->rp[i].handler = kb_bare_ret;
				if (c->kind != KB_RBARE)
					c->rp[i].entry_handler = kb_bare_ent_entry;
				if (c->kind == KB_RBARE_CALL) {
					WRITE_ONCE(kb_client_ret, kb_core_ret);
					c->rp[i].handler = kb_bare_call_ret;
				}
			} else {
				c->rp[i].entry_handler = kb_bare_lat_entry;
				c->rp[i].handler = kb_bare_lat_ret;
				c->rp[i].data_size = sizeof(u64);
			}
			err = register_kretprobe(&c->rp[i]);
			if (err)
				c->rp[i].kp.addr = NULL;
			else
				c->ftrace = kprobe_ftrace(&c->rp[i].kp);
			break;
		case KB_CORE:
		case KB_FOPS: {
			struct kpc_site_info info;

			c->cp[i] = kb_core_register(c, i, 0);
			err = PTR_ERR_OR_ZERO(c->cp[i]);
			if (err)
				break;
			c->ftrace = kb_core_ftrace(c->cp[i]);
			c->fops = !kpc_lookup_addr(kpc_addr(c->cp[i]), KPC_FENTRY, &info);
			break;
		}
		case KB_RCORE:
		case KB_RCORE_NOLAT: {
			char name[32];
			struct kpc_desc d = {
				.name = name, .addr = (unsigned long)c->fn,
				.ret = kb_core_ret, .maxactive = ret_maxactive,
				.flags = c->kind == KB_RCORE_NOLAT ? KPC_F_NO_LATENCY : 0,
			};
			struct kpc_site_info info;

			snprintf(name, sizeof(name), "%s_%u", c->name, i);
			c->cp[i] = kpc_register_kretprobe(&d);
			err = PTR_ERR_OR_ZERO(c->cp[i]);
			if (!err)
				c->ftrace = !kpc_lookup_addr(kpc_addr(c->cp[i]),
							     KPC_KRETPROBE, &info) &&
					    info.ftrace;
			/* A re-arm leaves the kernel an aggregate kprobe there. */
			if (!err && i == c->nprobes - 1)
				pr_info("bench: %s: the site re-armed %llu time(s) while %u return client(s) joined, pool %llu\n",
					c->name, (u64)info.rearms, c->nprobes, (u64)info.pool);
			break;
		}
		case KB_FP_RET:
		case KB_FP_ENT:
		case KB_FP_LAT:
			err = kb_fp_register(c);
			break;
		case KB_NONE:
			break;
		}
	}
	if (err)
		kb_cfg_unregister(c);	/* skips the failed one */
	return err;
}

/* ---- measuring ---- */

/* One measurement: n calls, interrupts off. Returns ns. */
static u64 kb_time(const struct kb_cfg *c, unsigned long n)
{
	unsigned long flags;
	u64 t0, t1;

	local_irq_save(flags);
	t0 = ktime_get_ns();
	c->loop(n);
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	return t1 - t0;
}

static bool kb_is_core(const struct kb_cfg *c)
{
	return c->kind == KB_CORE || c->kind == KB_RCORE || c->kind == KB_RCORE_NOLAT ||
	       c->kind == KB_FOPS;
}

/* The core's own counts of @c's clients, summed: hits and returns. */
static void kb_core_counts(const struct kb_cfg *c, u64 *hits, u64 *returns)
{
	static struct kpc_stats st;	/* measurements run one at a time */
	unsigned int i;

	*hits = 0;
	*returns = 0;
	if (!kb_is_core(c))
		return;
	for (i = 0; i < c->nprobes; i++) {
		kpc_get_stats(c->cp[i], &st);
		*hits += st.hits;
		*returns += st.returns;
	}
}

/* Measure @c once into slot @r; check every probe saw every call. */
static void kb_measure(struct kb_cfg *c, unsigned int r)
{
	u64 before = kb_hits_sum(), entries = kb_sum(&kb_entries), got, want, ns;
	bool counts_entries = c->kind == KB_RBARE_ENT || c->kind == KB_RBARE_CALL ||
			      c->kind == KB_FP_ENT;
	bool returns = c->kind == KB_RCORE || c->kind == KB_RCORE_NOLAT;
	u64 hits0, rets0, hits1, rets1;

	if (c->absent)
		return;
	kb_core_counts(c, &hits0, &rets0);
	ns = kb_time(c, c->n);
	kb_core_counts(c, &hits1, &rets1);
	got = kb_hits_sum() - before;
	want = (u64)c->n * kb_hits_per_call(c);
	if (got != want && !c->bad) {
		pr_err("FAIL: %s: %llu hits for %lu calls, want %llu\n",
		       c->name, got, c->n, want);
		c->bad = true;
	}
	entries = kb_sum(&kb_entries) - entries;
	if (entries != (counts_entries ? c->n : 0) && !c->bad) {
		pr_err("FAIL: %s: %llu entries counted for %lu calls\n",
		       c->name, entries, c->n);
		c->bad = true;
	}
	/* the core's statistics, as its clients read them, must agree */
	if (kb_is_core(c) && !c->bad &&
	    (hits1 - hits0 != want || (returns && rets1 - rets0 != want))) {
		pr_err("FAIL: %s: the core counted %llu hits and %llu returns for %llu calls, want %llu\n",
		       c->name, hits1 - hits0, rets1 - rets0, (u64)c->n, want);
		c->bad = true;
	}
	c->ps[r] = div64_u64(ns * 1000, c->n);
	cond_resched();
}

/* Pick a loop count that makes one measurement last about seg_ms. */
static void kb_calibrate(struct kb_cfg *c)
{
	unsigned long n = 1000;
	u64 ns;
	int i;

	if (c->absent)
		return;
	for (;;) {
		ns = kb_time(c, n);
		cond_resched();
		if (ns >= 2 * NSEC_PER_MSEC || n >= (1UL << 26))
			break;
		n *= 4;
	}
	/* the host may have stolen time from one trial: keep the fastest */
	for (i = 0; i < 2; i++) {
		ns = min(ns, kb_time(c, n));
		cond_resched();
	}
	c->n = max_t(u64, 1000, div64_u64((u64)seg_ms * NSEC_PER_MSEC * n, max_t(u64, ns, 1)));
}

static int kb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 kb_median(const u64 *v, unsigned int n)
{
	u64 tmp[KB_MAX_ROUNDS];

	memcpy(tmp, v, n * sizeof(*v));
	sort(tmp, n, sizeof(*tmp), kb_cmp_u64, NULL);
	return tmp[n / 2];
}

/* A round: every configuration once into slot @r, starting at index @rot. */
static void kb_round(struct kb_cfg *cfg, unsigned int ncfg, unsigned int rot,
		     unsigned int r)
{
	unsigned int i;

	for (i = 0; i < ncfg; i++)
		kb_measure(&cfg[(rot + i) % ncfg], r);
}

static void kb_medians(struct kb_cfg *cfg, unsigned int ncfg, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < ncfg; i++)
		cfg[i].median = kb_median(cfg[i].ps, nr);
}

/* ---- ratios, printed as x.yy ---- */

/* (a - base) / (b - base), times 100, rounded; -1 when undefined. */
static s64 kb_ratio100(u64 a, u64 b, u64 base)
{
	s64 num = (s64)a - (s64)base, den = (s64)b - (s64)base;

	if (den <= 0)
		return -1;
	if (num < 0)
		num = 0;
	return div64_s64(num * 100 + den / 2, den);
}

/* Median and range over rounds of the per-round ratio. */
static void kb_ratio_range(const struct kb_cfg *a, const struct kb_cfg *b,
			   const struct kb_cfg *base, unsigned int nr,
			   s64 *lo, s64 *hi)
{
	unsigned int r;

	*lo = S64_MAX;
	*hi = S64_MIN;
	for (r = 0; r < nr; r++) {
		s64 v = kb_ratio100(a->ps[r], b->ps[r], base ? base->ps[r] : 0);

		*lo = min(*lo, max_t(s64, v, 0));
		*hi = max(*hi, v);
	}
}

static void kb_print_ratio(const char *what, const struct kb_cfg *a,
			   const struct kb_cfg *b, const struct kb_cfg *base,
			   unsigned int nr)
{
	s64 v = kb_ratio100(a->median, b->median, base ? base->median : 0);
	s64 lo, hi;

	kb_ratio_range(a, b, base, nr, &lo, &hi);
	if (v < 0 || a->absent || b->absent) {
		pr_info("bench: %s = n/a\n", what);
		return;
	}
	pr_info("bench: %s = %lld.%02lld\n", what, v / 100, v % 100);
	pr_info("# %s: per-round range %lld.%02lld .. %lld.%02lld\n", what,
		lo / 100, lo % 100, hi / 100, hi % 100);
}


static void kb_print_table(const char *title, const struct kb_cfg *cfg,
			   unsigned int ncfg, const struct kb_cfg *base)
{
	unsigned int i;

	pr_info("# %s\n", title);
	pr_info("# %-36s %6s %12s %12s %10s  %s\n", "configuration", "mode",
		icount ? "insn/call" : "ns/call", icount ? "added insn" : "added ns",
		"calls", "spread");
	for (i = 0; i < ncfg; i++) {
		const struct kb_cfg *c = &cfg[i];
		u64 lo = U64_MAX, hi = 0, added;
		unsigned int r;
		char mode[16];

		for (r = 0; r < KB_MAX_ROUNDS && c->ps[r]; r++) {
			lo = min(lo, c->ps[r]);
			hi = max(hi, c->ps[r]);
		}
		if (c->absent) {
			pr_info("# %-36s not on this kernel (no fprobe)\n", c->what);
			continue;
		}
		if (c->kind == KB_NONE)
			snprintf(mode, sizeof(mode), "-");
		else if (c->kind == KB_FP_RET || c->kind == KB_FP_ENT || c->kind == KB_FP_LAT)
			snprintf(mode, sizeof(mode), "fprobe");
		else if (c->inside)
			snprintf(mode, sizeof(mode), "+%u", c->offset);
		else
			snprintf(mode, sizeof(mode), "%s", c->fops ? "f-ops" :
				 c->ftrace ? "ftrace" : KB_TRAP);
		added = c->median > base->median ? c->median - base->median : 0;
		pr_info("# %-36s %6s %8llu.%03llu %8llu.%03llu %10lu  %llu%%\n",
			c->what, mode, c->median / 1000, c->median % 1000,
			added / 1000, added % 1000, c->n,
			c->median ? div64_u64((hi - lo) * 100, c->median) : 0);
	}
}

/* ---- phase 1: per-hit cost ---- */

static int kb_phase_hit(void)
{
	unsigned int i, r;
	int err = 0;

	for (i = 0; i < HIT_NCFG; i++) {
		err = kb_cfg_register(&kb_hit[i]);
		if (err) {
			pr_err("FAIL: %s: register: %d\n", kb_hit[i].name, err);
			goto out;
		}
	}
	for (i = 0; i < HIT_NCFG; i++)
		kb_calibrate(&kb_hit[i]);
	for (i = 0; i < HIT_NCFG; i++)	/* warm-up round, not counted */
		kb_measure(&kb_hit[i], 0);
	for (r = 0; r < rounds; r++)
		kb_round(kb_hit, HIT_NCFG, r, r);
	kb_medians(kb_hit, HIT_NCFG, rounds);
	for (i = 0; i < HIT_NCFG; i++)
		if (kb_hit[i].bad)
			err = -EIO;
out:
	for (i = 0; i < HIT_NCFG; i++)
		kb_cfg_unregister(&kb_hit[i]);
	return err;
}

static void kb_report_hit(void)
{
	const struct kb_cfg *none = &kb_hit[HIT_NONE];

	kb_print_table("per-hit cost (median of rounds)", kb_hit, HIT_NCFG, none);
	kb_print_ratio("hit_overhead core/bare", &kb_hit[HIT_CORE], &kb_hit[HIT_BARE], none, rounds);
	kb_print_ratio("shared4 core/bare", &kb_hit[HIT_CORE4], &kb_hit[HIT_BARE4], none, rounds);
	kb_print_ratio("ret_overhead core/bare", &kb_hit[HIT_RCORE], &kb_hit[HIT_RBARE], none, rounds);
	kb_print_ratio("ret_overhead core/bare_lat", &kb_hit[HIT_RCORE], &kb_hit[HIT_RBARE_LAT], none, rounds);
	kb_print_ratio("ret_nolat core/bare", &kb_hit[HIT_RCORE_NOLAT], &kb_hit[HIT_RBARE], none, rounds);
	kb_print_ratio("ret_shared4 core/bare", &kb_hit[HIT_RCORE4], &kb_hit[HIT_RBARE4], none, rounds);
	kb_print_ratio("entry_vs_inside ftrace/int3", &kb_hit[HIT_CORE], &kb_hit[HIT_IN_CORE], none, rounds);
	kb_print_ratio("inside_overhead core/bare", &kb_hit[HIT_IN_CORE], &kb_hit[HIT_IN_BARE], none, rounds);
	kb_print_ratio("hit4_vs_hit1 core", &kb_hit[HIT_CORE4], &kb_hit[HIT_CORE], none, rounds);
	kb_print_ratio("hit4_vs_hit1 bare", &kb_hit[HIT_BARE4], &kb_hit[HIT_BARE], none, rounds);
	kb_print_ratio("fops_overhead f-ops/bare", &kb_hit[HIT_FOPS], &kb_hit[HIT_BARE], none, rounds);
	kb_print_ratio("fops_vs_kprobe f-ops/core", &kb_hit[HIT_FOPS], &kb_hit[HIT_CORE], none, rounds);
	kb_print_ratio("fops_shared4 f-ops/bare", &kb_hit[HIT_FOPS4], &kb_hit[HIT_BARE4], none, rounds);
	kb_print_ratio("ret_nolat core/bare_entries", &kb_hit[HIT_RCORE_NOLAT], &kb_hit[HIT_RBARE_ENT], none, rounds);
	kb_print_ratio("ret_entries bare_entries/bare", &kb_hit[HIT_RBARE_ENT], &kb_hit[HIT_RBARE], none, rounds);
	kb_print_ratio("hit_fanout_floor bare_2nd_call/bare", &kb_hit[HIT_BARE_CALL], &kb_hit[HIT_BARE], none, rounds);
	kb_print_ratio("hit_overhead core/bare_2nd_call", &kb_hit[HIT_CORE], &kb_hit[HIT_BARE_CALL], none, rounds);
	kb_print_ratio("ret_fanout_floor bare_2nd_call/bare", &kb_hit[HIT_RBARE_CALL], &kb_hit[HIT_RBARE], none, rounds);
	kb_print_ratio("ret_nolat core/bare_2nd_call", &kb_hit[HIT_RCORE_NOLAT], &kb_hit[HIT_RBARE_CALL], none, rounds);
	kb_print_ratio("fprobe_ret fprobe/kretprobe", &kb_hit[HIT_FP_RET], &kb_hit[HIT_RBARE], none, rounds);
	kb_print_ratio("fprobe_entries fprobe/kretprobe", &kb_hit[HIT_FP_ENT], &kb_hit[HIT_RBARE_ENT], none, rounds);
	kb_print_ratio("fprobe_lat fprobe/kretprobe", &kb_hit[HIT_FP_LAT], &kb_hit[HIT_RBARE_LAT], none, rounds);
}

/* ---- phase 2: control plane ---- */

static struct kpc_desc *kb_desc;
static struct kpc_probe **kb_probes;
static char (*kb_names)[16];

enum { CP_REG_ONE, CP_TD_ONE, CP_REG_BATCH, CP_TD_BATCH, CP_N };
/*
 * variants: probes at the entry (kernel kprobes, ftrace-based on x86),
 * inside the functions (int3), at the entry through the core's ftrace_ops
 */
enum { CPV_ENTRY, CPV_INT3, CPV_FOPS, CPV_N };
static u64 kb_cp_all[CPV_N][CP_N][KB_MAX_ROUNDS];
static u64 kb_cp_med_all[CPV_N][CP_N];
static unsigned int kb_cp_off;		/* offset of the int3 variant's probes */
#define kb_cp_ns	kb_cp_all[kb_cpv]
static unsigned int kb_cpv;

/*
 * The generated functions' first instruction boundary past the ftrace
 * call: they all start the same way, so the first one tells.
 */
static int kb_cp_find_offset(void)
{
	struct kprobe kp;
	unsigned int off;
	int err = -EILSEQ;

	for (off = 1; off < 32; off++) {
		memset(&kp, 0, sizeof(kp));
		kp.addr = (kprobe_opcode_t *)kb_fn(0)->fn;
		kp.offset = off;
		kp.pre_handler = kb_bare_pre;
		err = register_kprobe(&kp);
		if (kb_skip_offset(err))
			continue;
		if (err)
			return err;
		unregister_kprobe(&kp);
		if (kprobe_ftrace(&kp))
			continue;
		kb_cp_off = off;
		return 0;
	}
	return err;
}

/* Descriptions of probes on the 1,000 generated functions, at @off. */
static int kb_cp_alloc(unsigned int off, unsigned int flags)
{
	unsigned int i;

	kb_desc = kvcalloc(KB_NFUNCS, sizeof(*kb_desc), GFP_KERNEL);
	kb_probes = kvcalloc(KB_NFUNCS, sizeof(*kb_probes), GFP_KERNEL);
	kb_names = kvcalloc(KB_NFUNCS, sizeof(*kb_names), GFP_KERNEL);
	if (!kb_desc || !kb_probes || !kb_names)
		return -ENOMEM;
	for (i = 0; i < KB_NFUNCS; i++) {
		snprintf(kb_names[i], sizeof(kb_names[i]), "cp%u", i);
		kb_desc[i].name = kb_names[i];
		kb_desc[i].addr = (unsigned long)kb_fn(i)->fn;
		kb_desc[i].offset = off;
		kb_desc[i].pre = kb_core_pre;
		kb_desc[i].flags = flags;
	}
	return 0;
}

static void kb_cp_free(void)
{
	kvfree(kb_desc);
	kvfree(kb_probes);
	kvfree(kb_names);
}

static int kb_cp_one(unsigned int r)
{
	unsigned int i;
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < KB_NFUNCS; i++) {
		kb_probes[i] = kpc_register_kprobe(&kb_desc[i]);
		if (IS_ERR(kb_probes[i])) {
			int err = PTR_ERR(kb_probes[i]);

			pr_err("FAIL: register %s: %d\n", kb_fn(i)->name, err);
			kb_probes[i] = NULL;
			kpc_unregister_batch(kb_probes, i);
			return err;
		}
	}
	kb_cp_ns[CP_REG_ONE][r] = ktime_get_ns() - t;
	t = ktime_get_ns();
	for (i = 0; i < KB_NFUNCS; i++)
		kpc_unregister(kb_probes[i]);
	kb_cp_ns[CP_TD_ONE][r] = ktime_get_ns() - t;
	return 0;
}

static int kb_cp_batch(unsigned int r)
{
	int err;
	u64 t;

	t = ktime_get_ns();
	err = kpc_register_kprobes(kb_desc, kb_probes, KB_NFUNCS);
	if (err) {
		pr_err("FAIL: batch register: %d\n", err);
		return err;
	}
	kb_cp_ns[CP_REG_BATCH][r] = ktime_get_ns() - t;
	t = ktime_get_ns();
	kpc_unregister_batch(kb_probes, KB_NFUNCS);
	kb_cp_ns[CP_TD_BATCH][r] = ktime_get_ns() - t;
	return 0;
}

/* Check the 1,000 probes all fire once each, as registered by the batch API. */
static int kb_cp_verify(void)
{
	u64 before;
	unsigned int i;
	int err;

	err = kpc_register_kprobes(kb_desc, kb_probes, KB_NFUNCS);
	if (err) {
		pr_err("FAIL: batch register: %d\n", err);
		return err;
	}
	before = kb_hits_sum();
	for (i = 0; i < KB_NFUNCS; i++)
		kb_fn(i)->fn(i);
	if (kb_hits_sum() - before != KB_NFUNCS) {
		pr_err("FAIL: %llu hits on %u probed functions called once each\n",
		       kb_hits_sum() - before, KB_NFUNCS);
		err = -EIO;
	}
	kpc_unregister_batch(kb_probes, KB_NFUNCS);
	return err;
}

/*
 * What a KPC_F_FTRACE_OPS batch cost the kernel while each site registered
 * a disabled kprobe to name itself (before 0.5.0; now only sites given by
 * name do, fentry.c): 1,000 of those, bare, registered one by one and
 * removed with one unregister_kprobes().
 */
static u64 kb_cp_disabled_reg, kb_cp_disabled_unreg;

static int kb_cp_disabled_kprobes(void)
{
	struct kprobe *kps = kvcalloc(KB_NFUNCS, sizeof(*kps), GFP_KERNEL);
	struct kprobe **pp = kvcalloc(KB_NFUNCS, sizeof(*pp), GFP_KERNEL);
	unsigned int i, n = 0;
	int err = -ENOMEM;
	u64 t;

	if (!kps || !pp)
		goto out;
	t = ktime_get_ns();
	for (i = 0; i < KB_NFUNCS; i++) {
		kps[i].addr = (kprobe_opcode_t *)kb_fn(i)->fn;
		kps[i].flags = KPROBE_FLAG_DISABLED;
		kps[i].pre_handler = kb_bare_pre;
		err = register_kprobe(&kps[i]);
		if (err)
			break;
		pp[n++] = &kps[i];
	}
	kb_cp_disabled_reg = ktime_get_ns() - t;
	t = ktime_get_ns();
	if (n)
		unregister_kprobes(pp, n);
	kb_cp_disabled_unreg = ktime_get_ns() - t;
out:
	kvfree(kps);
	kvfree(pp);
	return err;
}

/*
 * The same 1,000 functions through a glob, as a user attaches them
 * ("kpc_bench:kb_fn_*"): reading /proc/kallsyms and the kprobe blacklist,
 * the ftrace test of each match, one batch. Checked to attach exactly the
 * 1,000 and to fire once on each.
 */
static u64 kb_cp_glob_reg, kb_cp_glob_unreg;

static int kb_cp_glob(void)
{
	struct kpc_desc d = { .pre = kb_core_pre };
	struct kpc_glob *g;
	unsigned int i;
	u64 t, before;
	int err = 0;

	t = ktime_get_ns();
	g = kpc_register_glob(KBUILD_MODNAME ":kb_fn_*", &d);
	kb_cp_glob_reg = ktime_get_ns() - t;
	if (IS_ERR(g)) {
		pr_err("FAIL: glob: %ld\n", PTR_ERR(g));
		return PTR_ERR(g);
	}
	before = kb_hits_sum();
	for (i = 0; i < KB_NFUNCS; i++)
		kb_fn(i)->fn(i);
	if (g->attached != KB_NFUNCS || kb_hits_sum() - before != KB_NFUNCS) {
		pr_err("FAIL: glob attached %u of %u functions, %llu hits for one call each\n",
		       g->attached, KB_NFUNCS, kb_hits_sum() - before);
		err = -EIO;
	}
	t = ktime_get_ns();
	kpc_unregister_glob(g);
	kb_cp_glob_unreg = ktime_get_ns() - t;
	return err;
}

static int kb_phase_cp(unsigned int v, unsigned int nr)
{
	unsigned int r, i;
	int err;

	kb_cpv = v;
	err = kb_cp_alloc(v == CPV_INT3 ? kb_cp_off : 0,
			  v == CPV_FOPS ? KPC_F_FTRACE_OPS : 0);
	if (err)
		goto out;
	err = kb_cp_verify();
	/* Rotating order: one-at-a-time first in even rounds, batch first in odd. */
	for (r = 0; r < nr && !err; r++) {
		err = (r & 1) ? kb_cp_batch(r) : kb_cp_one(r);
		if (!err)
			err = (r & 1) ? kb_cp_one(r) : kb_cp_batch(r);
	}
	for (i = 0; i < CP_N && !err; i++)
		kb_cp_med_all[v][i] = kb_median(kb_cp_ns[i], nr);
	if (v == CPV_FOPS && !err)
		err = kb_cp_disabled_kprobes();
	if (v == CPV_FOPS && !err)
		err = kb_cp_glob();
out:
	kb_cp_free();
	return err;
}

/* ns in tenths of a millisecond */
static u64 kb_ms10(u64 ns)
{
	return div64_u64(ns, 100 * NSEC_PER_USEC);
}

static void kb_print_cp_ratio(const char *what, u64 a, u64 b)
{
	u64 v = b ? div64_u64(a * 100 + b / 2, b) : 0;

	pr_info("bench: %s = %llu.%02llu\n", what, v / 100, v % 100);
}

static void kb_report_cp(unsigned int v, unsigned int nr)
{
	const u64 *med = kb_cp_med_all[v];
	static const char * const what[CP_N] = {
		[CP_REG_ONE] = "register, one at a time",
		[CP_TD_ONE] = "unregister, one at a time",
		[CP_REG_BATCH] = "register, kpc_register_kprobes()",
		[CP_TD_BATCH] = "unregister, kpc_unregister_batch()",
	};
	unsigned int i, r;

	pr_info("# control plane: %u kprobes on %u functions, %s, median of %u round(s)\n",
		KB_NFUNCS, KB_NFUNCS, v == CPV_INT3 ? "inside (" KB_TRAP ")" :
		v == CPV_FOPS ? "entry, KPC_F_FTRACE_OPS" : KB_ENTRY_MODE, nr);
	for (i = 0; i < CP_N; i++) {
		u64 lo = U64_MAX, hi = 0;

		for (r = 0; r < nr; r++) {
			lo = min(lo, kb_cp_all[v][i][r]);
			hi = max(hi, kb_cp_all[v][i][r]);
		}
		pr_info("# %-36s %8llu.%llu %s (%llu.%llu .. %llu.%llu)\n", what[i],
			kb_ms10(med[i]) / 10, kb_ms10(med[i]) % 10,
			icount ? "M insn" : "ms", kb_ms10(lo) / 10,
			kb_ms10(lo) % 10, kb_ms10(hi) / 10, kb_ms10(hi) % 10);
	}
	if (v == CPV_INT3) {
		kb_print_cp_ratio("teardown_1000_int3 one/batch", med[CP_TD_ONE], med[CP_TD_BATCH]);
		kb_print_cp_ratio("register_1000_int3 one/batch", med[CP_REG_ONE], med[CP_REG_BATCH]);
		return;
	}
	if (v == CPV_FOPS) {
		const u64 *kp = kb_cp_med_all[CPV_ENTRY];

		pr_info("# %-36s %8llu.%llu %s\n", "1000 bare disabled kprobes, register",
			kb_ms10(kb_cp_disabled_reg) / 10, kb_ms10(kb_cp_disabled_reg) % 10,
			icount ? "M insn" : "ms");
		pr_info("# %-36s %8llu.%llu %s\n", "their unregister_kprobes()",
			kb_ms10(kb_cp_disabled_unreg) / 10, kb_ms10(kb_cp_disabled_unreg) % 10,
			icount ? "M insn" : "ms");
		pr_info("# %-36s %8llu.%llu %s\n", "register, kpc_register_glob()",
			kb_ms10(kb_cp_glob_reg) / 10, kb_ms10(kb_cp_glob_reg) % 10,
			icount ? "M insn" : "ms");
		pr_info("# %-36s %8llu.%llu %s\n", "unregister, kpc_unregister_glob()",
			kb_ms10(kb_cp_glob_unreg) / 10, kb_ms10(kb_cp_glob_unreg) % 10,
			icount ? "M insn" : "ms");

		kb_print_cp_ratio("teardown_1000_fops one/batch", med[CP_TD_ONE], med[CP_TD_BATCH]);
		kb_print_cp_ratio("register_1000_fops one/batch", med[CP_REG_ONE], med[CP_REG_BATCH]);
		/* against kernel kprobes one at a time: the entry variant's */
		if (kp[CP_REG_ONE]) {
			kb_print_cp_ratio("attach_1000 kprobes-one/fops-batch",
					  kp[CP_REG_ONE], med[CP_REG_BATCH]);
			kb_print_cp_ratio("detach_1000 kprobes-one/fops-batch",
					  kp[CP_TD_ONE], med[CP_TD_BATCH]);
		}
		return;
	}
	kb_print_cp_ratio("teardown_1000 one/batch", med[CP_TD_ONE], med[CP_TD_BATCH]);
	kb_print_cp_ratio("register_1000 one/batch", med[CP_REG_ONE], med[CP_REG_BATCH]);
}

/* ---- phase 3: scaling ---- */

enum { SCALE_1, SCALE_100, SCALE_1000, SCALE_N };
/* [state][config][round] */
static u64 kb_scale_ps[SCALE_N][SC_NCFG][KB_MAX_ROUNDS];
static struct kb_cfg kb_scale_res[SCALE_N][SC_NCFG];

static void kb_scale_measure(unsigned int state, unsigned int r)
{
	unsigned int i;

	kb_round(kb_sc, SC_NCFG, r + state, r);
	for (i = 0; i < SC_NCFG; i++)
		kb_scale_ps[state][i][r] = kb_sc[i].ps[r];
}

/*
 * The scaling phase's KPC_F_FTRACE_OPS sites, at the entries of the
 * generated functions, beside the int3 probes inside them (kb_desc): the
 * ftrace_ops backend finds a hit's site in the core's own hash, the
 * kprobes in the kernel's.
 */
static struct kpc_desc *kb_fdesc;
static struct kpc_probe **kb_fprobes;
static char (*kb_fnames)[16];

static int kb_scale_alloc(void)
{
	unsigned int i;
	int err = kb_cp_alloc(kb_cp_off, 0);

	if (err)
		return err;
	kb_fdesc = kvcalloc(KB_NFUNCS, sizeof(*kb_fdesc), GFP_KERNEL);
	kb_fprobes = kvcalloc(KB_NFUNCS, sizeof(*kb_fprobes), GFP_KERNEL);
	kb_fnames = kvcalloc(KB_NFUNCS, sizeof(*kb_fnames), GFP_KERNEL);
	if (!kb_fdesc || !kb_fprobes || !kb_fnames)
		return -ENOMEM;
	for (i = 0; i < KB_NFUNCS; i++) {
		snprintf(kb_fnames[i], sizeof(kb_fnames[i]), "sf%u", i);
		kb_fdesc[i] = kb_desc[i];
		kb_fdesc[i].name = kb_fnames[i];
		kb_fdesc[i].offset = 0;
		kb_fdesc[i].flags = KPC_F_FTRACE_OPS;
	}
	return 0;
}

static void kb_scale_free(void)
{
	kvfree(kb_fdesc);
	kvfree(kb_fprobes);
	kvfree(kb_fnames);
	kb_cp_free();
}

/*
 * Where KPC_F_FTRACE_OPS falls back to a kprobe (arm64), its site is one
 * more kprobe: no such sites are added, and its scaling is not reported.
 */
static bool kb_scale_has_fops(void)
{
	return kb_sc[SC_FOPS].fops;
}

/* Register the extra probes of generated functions [from, to). */
static int kb_scale_add(unsigned int from, unsigned int to)
{
	int err = kpc_register_kprobes(&kb_desc[from], &kb_probes[from], to - from);

	if (err) {
		pr_err("FAIL: scaling: batch register %u..%u: %d\n", from, to, err);
		return err;
	}
	if (!kb_scale_has_fops())
		return 0;
	err = kpc_register_kprobes(&kb_fdesc[from], &kb_fprobes[from], to - from);
	if (err) {
		pr_err("FAIL: scaling: KPC_F_FTRACE_OPS batch register %u..%u: %d\n",
		       from, to, err);
		kpc_unregister_batch(&kb_probes[from], to - from);
	}
	return err;
}

/* Unregister what kb_scale_add(from, to) registered. */
static void kb_scale_del(unsigned int from, unsigned int to)
{
	kpc_unregister_batch(&kb_probes[from], to - from);
	if (kb_scale_has_fops())
		kpc_unregister_batch(&kb_fprobes[from], to - from);
}

static int kb_phase_scale(void)
{
	/* the hit probe counts as one: 99 and 999 more */
	const unsigned int mid = KB_SCALE_MID - 1, all = KB_NFUNCS - 1;
	unsigned int i, r, s;
	int err;

	err = kb_scale_alloc();
	if (err)
		goto out_free;
	for (i = 0; i < SC_NCFG; i++) {
		err = kb_cfg_register(&kb_sc[i]);
		if (err) {
			pr_err("FAIL: %s: register: %d\n", kb_sc[i].name, err);
			goto out;
		}
	}
	for (i = 0; i < SC_NCFG; i++)
		kb_calibrate(&kb_sc[i]);
	for (i = 0; i < SC_NCFG; i++)
		kb_measure(&kb_sc[i], 0);
	for (r = 0; r < scale_rounds && !err; r++) {
		if (!(r & 1)) {		/* 1, 100, 1000 */
			kb_scale_measure(SCALE_1, r);
			err = kb_scale_add(0, mid);
			if (err)
				break;
			kb_scale_measure(SCALE_100, r);
			err = kb_scale_add(mid, all);
			if (err) {
				kb_scale_del(0, mid);
				break;
			}
			kb_scale_measure(SCALE_1000, r);
			kb_scale_del(0, all);
		} else {		/* 1000, 100, 1 */
			err = kb_scale_add(0, all);
			if (err)
				break;
			kb_scale_measure(SCALE_1000, r);
			kb_scale_del(mid, all);
			kb_scale_measure(SCALE_100, r);
			kb_scale_del(0, mid);
			kb_scale_measure(SCALE_1, r);
		}
	}
	for (s = 0; s < SCALE_N; s++) {
		for (i = 0; i < SC_NCFG; i++) {
			struct kb_cfg *c = &kb_scale_res[s][i];

			*c = kb_sc[i];
			memset(c->ps, 0, sizeof(c->ps));
			memcpy(c->ps, kb_scale_ps[s][i], scale_rounds * sizeof(u64));
		}
		kb_medians(kb_scale_res[s], SC_NCFG, scale_rounds);
	}
	for (i = 0; i < SC_NCFG; i++)
		if (kb_sc[i].bad)
			err = -EIO;
out:
	for (i = 0; i < SC_NCFG; i++)
		kb_cfg_unregister(&kb_sc[i]);
out_free:
	kb_scale_free();
	return err;
}

/*
 * Added cost of configuration @i with the probes of @state registered, over
 * its added cost with one registered; each against the unprobed target
 * measured in the same state.
 */
static s64 kb_scale_ratio100(unsigned int state, unsigned int i, int r)
{
	const struct kb_cfg *a = kb_scale_res[state], *b = kb_scale_res[SCALE_1];

	if (r < 0)
		return kb_ratio100(a[i].median - a[SC_NONE].median + b[SC_NONE].median,
				   b[i].median, b[SC_NONE].median);
	return kb_ratio100(a[i].ps[r] - a[SC_NONE].ps[r] + b[SC_NONE].ps[r],
			   b[i].ps[r], b[SC_NONE].ps[r]);
}

static void kb_print_scale(const char *what, unsigned int state, unsigned int i)
{
	s64 v = kb_scale_ratio100(state, i, -1), lo = S64_MAX, hi = S64_MIN, x;
	unsigned int r;

	if (v < 0) {
		pr_info("bench: %s = n/a\n", what);
		return;
	}
	for (r = 0; r < scale_rounds; r++) {
		x = kb_scale_ratio100(state, i, r);
		lo = min(lo, max_t(s64, x, 0));
		hi = max(hi, x);
	}
	pr_info("bench: %s = %lld.%02lld\n", what, v / 100, v % 100);
	pr_info("# %s: per-round range %lld.%02lld .. %lld.%02lld\n", what,
		lo / 100, lo % 100, hi / 100, hi % 100);
}

static void kb_report_scale(void)
{
	static const char * const title[SCALE_N] = {
		"scaling: 1 probe registered",
		"scaling: 100 probes of each kind registered (1 hit; the others not hit: int3 inside, KPC_F_FTRACE_OPS at the entry)",
		"scaling: 1000 probes of each kind registered (1 hit; the others not hit: int3 inside, KPC_F_FTRACE_OPS at the entry)",
	};
	unsigned int s;

	for (s = 0; s < SCALE_N; s++)
		kb_print_table(title[s], kb_scale_res[s], SC_NCFG,
			       &kb_scale_res[s][SC_NONE]);
	kb_print_scale("scale_100/1", SCALE_100, SC_CORE);
	kb_print_scale("scale_1000/1", SCALE_1000, SC_CORE);
	kb_print_scale("scale_100/1 bare", SCALE_100, SC_BARE);
	kb_print_scale("scale_1000/1 bare", SCALE_1000, SC_BARE);
	if (kb_scale_has_fops()) {
		kb_print_scale("scale_100/1 f-ops", SCALE_100, SC_FOPS);
		kb_print_scale("scale_1000/1 f-ops", SCALE_1000, SC_FOPS);
	} else {
		pr_info("# scaling: KPC_F_FTRACE_OPS falls back to a kprobe on this kernel: no such sites added, its row is a kprobe's\n");
	}
	kb_print_ratio("scale_1000 core/bare", &kb_scale_res[SCALE_1000][SC_CORE],
		       &kb_scale_res[SCALE_1000][SC_BARE], &kb_scale_res[SCALE_1000][SC_NONE],
		       scale_rounds);
}

static int __init kpc_bench_init(void)
{
	u64 t0 = ktime_get_ns(), t, secs[4] = { 0 };
	int err = 0, e = 0;

	rounds = clamp(rounds | 1, 7U, (unsigned int)KB_MAX_ROUNDS - 2);
	cp_rounds = clamp(cp_rounds | 1, 1U, (unsigned int)KB_MAX_ROUNDS);
	cp3_rounds = clamp(cp3_rounds | 1, 1U, (unsigned int)KB_MAX_ROUNDS);
	scale_rounds = clamp(scale_rounds | 1, 1U, (unsigned int)KB_MAX_ROUNDS - 2);
	seg_ms = clamp(seg_ms, 1U, 1000U);

	if (phases & 1) {
		t = ktime_get_ns();
		e = kb_phase_hit();
		err = err ?: e;
		secs[0] = ktime_get_ns() - t;
	}
	if (phases & 2) {
		t = ktime_get_ns();
		e = kb_phase_cp(CPV_ENTRY, cp_rounds);
		err = err ?: e;
		secs[1] = ktime_get_ns() - t;
	}
	if (phases & 16) {
		t = ktime_get_ns();
		e = kb_phase_cp(CPV_FOPS, cp_rounds);
		err = err ?: e;
		secs[1] += ktime_get_ns() - t;
	}
	if (phases & 12) {
		e = kb_cp_find_offset();
		if (e)
			pr_err("FAIL: no int3 offset in %s: %d\n", kb_fn(0)->name, e);
		err = err ?: e;
	}
	if ((phases & 8) && !e) {
		t = ktime_get_ns();
		e = kb_phase_cp(CPV_INT3, cp3_rounds);
		err = err ?: e;
		secs[3] = ktime_get_ns() - t;
	}
	if ((phases & 4) && kb_cp_off) {
		t = ktime_get_ns();
		e = kb_phase_scale();
		err = err ?: e;
		secs[2] = ktime_get_ns() - t;
	}

	pr_info("# kpc_bench: rounds=%u seg_ms=%u cp_rounds=%u cp3_rounds=%u scale_rounds=%u\n",
		rounds, seg_ms, cp_rounds, cp3_rounds, scale_rounds);
	pr_info("# kpc_bench: %llu %s: per-hit %llu, control plane %llu + %llu (int3), scaling %llu\n",
		div64_u64(ktime_get_ns() - t0, NSEC_PER_SEC), icount ? "G insn" : "s",
		div64_u64(secs[0], NSEC_PER_SEC), div64_u64(secs[1], NSEC_PER_SEC),
		div64_u64(secs[3], NSEC_PER_SEC), div64_u64(secs[2], NSEC_PER_SEC));
	if (phases & 1)
		kb_report_hit();
	if (phases & 2)
		kb_report_cp(CPV_ENTRY, cp_rounds);
	if (phases & 16)
		kb_report_cp(CPV_FOPS, cp_rounds);
	if (phases & 8)
		kb_report_cp(CPV_INT3, cp3_rounds);
	if (phases & 4)
		kb_report_scale();
	pr_info("bench: done err=%d\n", err);
	return 0;
}

static void __exit kpc_bench_exit(void)
{
}

module_init(kpc_bench_init);
module_exit(kpc_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core benchmark: per-hit cost, control plane, scaling");

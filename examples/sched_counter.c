// SPDX-License-Identifier: GPL-2.0
/*
 * sched_counter: count calls of schedule() and show, rate-limited, which
 * task enters it on which CPU and which CPU it comes back on.
 *
 * Two probes on schedule():
 *  - a kprobe whose pre handler counts every call, per CPU;
 *  - a kretprobe that prints the "before scheduling" line at entry and the
 *    "after scheduling" line when that same call returns. A kprobe post
 *    handler would run right after schedule()'s first instruction, long
 *    before the task is switched out: "after" would be false.
 * On rmmod: "schedule() was called N times in M ms" with the per-CPU split;
 * N is the core's hit count for the counting probe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <kprobe_core.h>
#include "ex_common.h"

static unsigned int ratelimit = 5;
module_param(ratelimit, uint, 0444);
MODULE_PARM_DESC(ratelimit,
		 "before/after line pairs per second on each CPU (default 5, 0 for none)");

/* Calls whose return the kretprobe may track at once: sleepers hold one. */
#define SC_MAXACTIVE	128

static DEFINE_PER_CPU(u64, sc_calls);
static DEFINE_PER_CPU(struct ex_ratelimit, sc_rl);
static struct kpc_probe *sc_probes[2];
static u64 sc_start_ns;

/* Per-call data of the kretprobe: where the call entered. */
struct sc_call {
	int cpu;
};

static int sc_count_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	this_cpu_inc(sc_calls);
	return 0;
}

static int sc_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	struct sc_call *call = data;

	/* Track only the calls we print: the others need no return. */
	if (!ex_ratelimit_ok(&sc_rl, READ_ONCE(ratelimit)))
		return 1;
	call->cpu = smp_processor_id();
	pr_info("current task on CPU#%d: %s[%d] (before scheduling), preempt_count = %#x\n",
		call->cpu, current->comm, task_pid_nr(current), preempt_count());
	return 0;
}

static void sc_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		   u64 latency_ns)
{
	struct sc_call *call = data;

	pr_info("current task on CPU#%d: %s[%d] (after scheduling: schedule() returned after %llu us, entered on CPU#%d), preempt_count = %#x\n",
		smp_processor_id(), current->comm, task_pid_nr(current),
		div_u64(latency_ns, NSEC_PER_USEC), call->cpu, preempt_count());
}

static const struct kpc_desc sc_count_desc = {
	.name = "calls",
	.symbol = "schedule",
	.pre = sc_count_pre,
};

static const struct kpc_desc sc_ret_desc = {
	.name = "before_after",
	.symbol = "schedule",
	.entry = sc_entry,
	.ret = sc_ret,
	.data_size = sizeof(struct sc_call),
	.maxactive = SC_MAXACTIVE,
};

static int __init sc_init(void)
{
	struct kpc_probe *p;

	sc_start_ns = ktime_get_ns();
	p = kpc_register_kprobe(&sc_count_desc);
	if (IS_ERR(p))
		return PTR_ERR(p);
	sc_probes[0] = p;
	p = kpc_register_kretprobe(&sc_ret_desc);
	if (IS_ERR(p)) {
		kpc_unregister(sc_probes[0]);
		return PTR_ERR(p);
	}
	sc_probes[1] = p;
	pr_info("counting schedule() calls at %pS; at most %u before/after pairs a second per CPU\n",
		(void *)kpc_addr(sc_probes[0]), ratelimit);
	return 0;
}

static void __exit sc_exit(void)
{
	u64 ms, n = 0, rate;
	struct kpc_stats st;
	int cpu;

	/*
	 * Stop counting and wait for handlers still running: handlers run
	 * inside RCU read-side sections, so after the grace period the core's
	 * count and ours are final.
	 */
	kpc_disable(sc_probes[0]);
	kpc_disable(sc_probes[1]);
	synchronize_rcu();
	ms = div_u64(ktime_get_ns() - sc_start_ns, NSEC_PER_MSEC);
	kpc_get_stats(sc_probes[0], &st);
	for_each_possible_cpu(cpu)
		n += per_cpu(sc_calls, cpu);
	rate = ms ? div64_u64(st.hits * MSEC_PER_SEC, ms) : 0;
	pr_info("schedule() was called %llu times in %llu ms (%llu per second)\n",
		st.hits, ms, rate);
	for_each_possible_cpu(cpu) {
		u64 c = per_cpu(sc_calls, cpu);

		if (!c && !cpu_online(cpu))
			continue;
		pr_info("  CPU#%d: %llu calls (%llu%%)\n", cpu, c,
			n ? div64_u64(c * 100, n) : 0);
	}
	if (n != st.hits)
		pr_warn("per-CPU counts add up to %llu, the core counted %llu\n",
			n, st.hits);
	kpc_unregister_batch(sc_probes, ARRAY_SIZE(sc_probes));
}

module_init(sc_init);
module_exit(sc_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: count schedule() calls, show tasks before and after");

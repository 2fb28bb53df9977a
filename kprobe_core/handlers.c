// SPDX-License-Identifier: GPL-2.0
/*
 * The hot path: the kernel calls these for every hit, in probe context.
 * No locks, no allocation, no sleeping; per-CPU counters only. Each arm's
 * handlers fan out to the site's clients in registration order.
 *
 * Kprobe handlers run with interrupts or preemption disabled, which is an
 * RCU read-side critical section for synchronize_rcu(): the client lists
 * are walked without rcu_read_lock(), an out-of-line call on PREEMPT_RCU
 * kernels.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include "kpc_internal.h"

#define kpc_for_each_client(c, site) \
	list_for_each_entry_rcu(c, &(site)->clients, site_node, \
				rcu_read_lock_any_held())

static bool kpc_arm_current(const struct kpc_arm *arm)
{
	return rcu_access_pointer(arm->site->arm) == arm;
}

static int kpc_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct kpc_arm *arm = container_of(kp, struct kpc_arm, kp);
	struct kpc_probe *c;

	if (!kpc_arm_current(arm))
		return 0;
	kpc_for_each_client(c, arm->site) {
		if (!READ_ONCE(c->enabled))
			continue;
		this_cpu_inc(c->pcpu->hits);
		if (c->pre && c->pre(c, regs))
			this_cpu_inc(c->pcpu->pre_nonzero);
	}
	return 0;
}
NOKPROBE_SYMBOL(kpc_kprobe_pre);

static void kpc_kprobe_post(struct kprobe *kp, struct pt_regs *regs,
			    unsigned long flags)
{
	struct kpc_arm *arm = container_of(kp, struct kpc_arm, kp);
	struct kpc_probe *c;

	if (!kpc_arm_current(arm))
		return;
	kpc_for_each_client(c, arm->site) {
		if (c->post && READ_ONCE(c->enabled))
			c->post(c, regs, flags);
	}
}
NOKPROBE_SYMBOL(kpc_kprobe_post);

/*
 * Calls in flight, summed over CPUs: a call may return on another CPU than
 * it entered on, so only the sum means anything. Reads other CPUs' lines,
 * writes only this CPU's.
 */
static long kpc_inflight_enter(struct kpc_arm *arm)
{
	long sum = 0;
	int cpu;

	this_cpu_inc(arm->pcpu->inflight);
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(arm->pcpu, cpu)->inflight);
	if (sum > this_cpu_read(arm->pcpu->peak))
		this_cpu_write(arm->pcpu->peak, sum);
	return sum;
}
NOKPROBE_SYMBOL(kpc_inflight_enter);

/*
 * While a kretprobe site is re-armed both kernel kretprobes fire on every
 * call, the new one first (the kernel puts a new probe at the head of the
 * address's list), and the switch to the new one can fall between the two
 * handlers of one call. So: an arm newer than the current one takes
 * nothing; the current one takes every call and notes it on this CPU; an
 * older one takes every call the current one did not. The two handlers of
 * one call run back to back on one CPU, so the note is about this call.
 */
static bool kpc_arm_takes_call(struct kpc_arm *arm, struct pt_regs *regs)
{
	struct kpc_arm *cur = rcu_dereference_check(arm->site->arm,
						    rcu_read_lock_any_held());

	if (cur == arm) {
		this_cpu_write(arm->pcpu->took, regs);
		return true;
	}
	/* A new site's arm fires before it is published: NULL until then. */
	if (!cur || arm->gen > cur->gen)
		return false;
	if (this_cpu_read(cur->pcpu->took) == regs) {
		this_cpu_write(cur->pcpu->took, NULL);
		return false;
	}
	return true;
}
NOKPROBE_SYMBOL(kpc_arm_takes_call);

static int kpc_kretprobe_entry(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	struct kpc_arm *arm = container_of(get_kretprobe(ri), struct kpc_arm, rp);
	struct kpc_call *call = (struct kpc_call *)ri->data;
	struct kpc_probe *c;
	long inflight;
	u64 ran = 0;

	if (!kpc_arm_takes_call(arm, regs))
		return 1;
	inflight = kpc_inflight_enter(arm);
	kpc_for_each_client(c, arm->site) {
		if (!READ_ONCE(c->enabled))
			continue;
		if (inflight > c->maxactive) {
			this_cpu_inc(c->pcpu->missed_pool);
			continue;
		}
		this_cpu_inc(c->pcpu->hits);
		if (c->entry && c->entry(c, regs, ri->data + arm->off[c->slot]))
			continue;
		ran |= BIT_ULL(c->slot);
	}
	if (!ran) {
		this_cpu_dec(arm->pcpu->inflight);
		return 1;
	}
	/*
	 * Read the epoch after the walk: a client seen in the list joined at
	 * an epoch no later than this one (the writer bumps the epoch before
	 * publishing the client). See kpc_kretprobe_ret().
	 */
	smp_rmb();
	call->epoch = READ_ONCE(arm->site->epoch);
	call->ran = ran;
	call->t0 = ktime_get_mono_fast_ns();
	return 0;
}
NOKPROBE_SYMBOL(kpc_kretprobe_entry);

static void kpc_lat_record(struct kpc_pcpu __percpu *pcpu, u64 ns)
{
	this_cpu_inc(pcpu->lat_count);
	this_cpu_add(pcpu->lat_sum, ns);
	if (ns < this_cpu_read(pcpu->lat_min))
		this_cpu_write(pcpu->lat_min, ns);
	if (ns > this_cpu_read(pcpu->lat_max))
		this_cpu_write(pcpu->lat_max, ns);
	this_cpu_inc(pcpu->lat_hist[kpc_hist_bucket(ns)]);
}
NOKPROBE_SYMBOL(kpc_lat_record);

static int kpc_kretprobe_ret(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct kpc_arm *arm = container_of(get_kretprobe(ri), struct kpc_arm, rp);
	struct kpc_call *call = (struct kpc_call *)ri->data;
	u64 ns = ktime_get_mono_fast_ns() - call->t0;
	struct kpc_probe *c;

	/* Calls an old arm took still return through it: handle them. */
	this_cpu_dec(arm->pcpu->inflight);
	kpc_for_each_client(c, arm->site) {
		/*
		 * A slot is reused only a grace period after its last client
		 * left, so a later client in the same slot has a later epoch
		 * than any call its predecessor entered.
		 */
		if (!(call->ran & BIT_ULL(c->slot)) ||
		    c->join_epoch > call->epoch)
			continue;
		kpc_lat_record(c->pcpu, ns);
		if (c->ret)
			c->ret(c, regs, ri->data + arm->off[c->slot], ns);
	}
	return 0;
}
NOKPROBE_SYMBOL(kpc_kretprobe_ret);

void kpc_arm_set_handlers(struct kpc_arm *arm, enum kpc_kind kind)
{
	if (kind == KPC_KPROBE) {
		arm->kp.pre_handler = kpc_kprobe_pre;
		if (arm->has_post)
			arm->kp.post_handler = kpc_kprobe_post;
	} else {
		arm->rp.entry_handler = kpc_kretprobe_entry;
		arm->rp.handler = kpc_kretprobe_ret;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The hot path: the kernel calls these for every hit, in probe context.
 * No locks, no allocation, no sleeping; per-CPU counters only. Each arm's
 * handlers fan out to the site's clients in registration order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include "kpc_internal.h"

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
	rcu_read_lock();
	list_for_each_entry_rcu(c, &arm->site->clients, site_node) {
		if (!READ_ONCE(c->enabled))
			continue;
		this_cpu_inc(c->pcpu->hits);
		if (c->pre && c->pre(c, regs))
			this_cpu_inc(c->pcpu->pre_nonzero);
	}
	rcu_read_unlock();
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
	rcu_read_lock();
	list_for_each_entry_rcu(c, &arm->site->clients, site_node) {
		if (c->post && READ_ONCE(c->enabled))
			c->post(c, regs, flags);
	}
	rcu_read_unlock();
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

static int kpc_kretprobe_entry(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	struct kpc_arm *arm = container_of(get_kretprobe(ri), struct kpc_arm, rp);
	struct kpc_call *call = (struct kpc_call *)ri->data;
	struct kpc_probe *c;
	long inflight;
	u64 ran = 0;

	if (!kpc_arm_current(arm))
		return 1;
	inflight = kpc_inflight_enter(arm);
	rcu_read_lock();
	list_for_each_entry_rcu(c, &arm->site->clients, site_node) {
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
	rcu_read_unlock();
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

	this_cpu_dec(arm->pcpu->inflight);
	if (!kpc_arm_current(arm))
		return 0;
	rcu_read_lock();
	list_for_each_entry_rcu(c, &arm->site->clients, site_node) {
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
	rcu_read_unlock();
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

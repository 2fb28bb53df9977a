// SPDX-License-Identifier: GPL-2.0
/*
 * The hot path: the kernel calls these for every hit, in probe context.
 * No locks, no allocation, no sleeping; per-CPU counters, and one atomic
 * per return-probe client for its exact in-flight limit (none for a
 * counting client: KPC_F_NO_LATENCY, no entry handler, no data). Each arm's
 * handlers fan out to the site's clients in registration order.
 *
 * Kprobe handlers run with interrupts or preemption disabled, which is an
 * RCU read-side critical section for synchronize_rcu(): the client lists
 * are walked without rcu_read_lock(), an out-of-line call on PREEMPT_RCU
 * kernels. The handlers are notrace: no fentry call of their own on each
 * hit (they are NOKPROBE_SYMBOL too).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include "kpc_internal.h"

/*
 * While a site is re-armed both kernel probes fire on every hit, the new
 * one first (the kernel puts a new probe at the head of the address's
 * list), and the switch to the new one can fall between the two handlers
 * of one hit. So: an arm newer than the current one takes nothing; the
 * current one takes every hit and notes it on this CPU; an older one takes
 * every hit the current one did not. The handlers of one hit run back to
 * back on one CPU with kprobes busy (a nested hit is a miss), so the note
 * is about this hit.
 */
static notrace bool kpc_arm_takes_hit(struct kpc_arm *arm, struct pt_regs *regs)
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
NOKPROBE_SYMBOL(kpc_arm_takes_hit);

notrace void kpc_run_posts(struct kpc_site *site, struct pt_regs *regs,
			   unsigned long flags)
{
	struct kpc_probe *c;

	kpc_for_each_client(c, site) {
		if (c->post && READ_ONCE(c->enabled))
			c->post(c, regs, flags);
	}
}
NOKPROBE_SYMBOL(kpc_run_posts);

/*
 * At an ftrace site the kernel has no post handler from us: the clients'
 * post handlers run after the pre handlers, with the instruction pointer
 * where the kernel would put it, after the fentry call. Out of line, so
 * that the common path's frame stays small.
 */
static noinline notrace void kpc_ftrace_posts(struct kpc_site *site,
					      struct pt_regs *regs)
{
	unsigned long ip = instruction_pointer(regs);

	instruction_pointer_set(regs, kpc_ftrace_post_ip(site->addr));
	kpc_run_posts(site, regs, 0);
	instruction_pointer_set(regs, ip);
}
NOKPROBE_SYMBOL(kpc_ftrace_posts);

static notrace int kpc_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct kpc_arm *arm = container_of(kp, struct kpc_arm, kp);
	struct kpc_site *site = arm->site;
	/* Read once: to the compiler, each per-CPU write might change it. */
	struct kpc_arm_pcpu __percpu *pcpu = arm->pcpu;
	bool took = kpc_arm_takes_hit(arm, regs);

	this_cpu_write(pcpu->ran_pre, took);
	if (!took)
		return 0;
	kpc_run_pres(site, regs);
	/* No ftrace-based kprobes (arm64): the kernel runs post handlers. */
	if (!IS_ENABLED(CONFIG_KPROBES_ON_FTRACE))
		return 0;
	/*
	 * The count is read after the walk: a client is counted before it
	 * is published (kpc_site_link()), so a hit that ran its pre handler
	 * runs its post handler too. It is 0 at most sites, so it is tested
	 * first; the site's flag, not the arm's, leaves the walk one
	 * register less to keep.
	 */
	smp_rmb();	/* the walk's reads, then the count */
	if (unlikely(READ_ONCE(site->nposts)) && site->ftrace)
		kpc_ftrace_posts(site, regs);
	return 0;
}
NOKPROBE_SYMBOL(kpc_kprobe_pre);

/* Only int3 arms have this: the hit's pre handler ran on this CPU. */
static notrace void kpc_kprobe_post(struct kprobe *kp, struct pt_regs *regs,
				    unsigned long flags)
{
	struct kpc_arm *arm = container_of(kp, struct kpc_arm, kp);

	if (this_cpu_read(arm->pcpu->ran_pre))
		kpc_run_posts(arm->site, regs, flags);
}
NOKPROBE_SYMBOL(kpc_kprobe_post);

/*
 * A token of @c: 0 when @c already has maxactive calls in flight, else
 * the number it holds with this one. A call holds its token from here on,
 * also while the client's entry handler decides whether to track it.
 */
static __always_inline int kpc_token_get(struct kpc_probe *c)
{
	int held = atomic_fetch_add_unless(&c->held, 1, c->maxactive);

	if (held >= c->maxactive) {
		if (held > c->maxactive)	/* cannot happen: undo, stay exact */
			atomic_dec(&c->held);
		return 0;
	}
	return held + 1;
}

/*
 * A place under @cap for a call only counting clients track. Compared,
 * not tested for equality as atomic_add_unless() would: a full cap must
 * stay full whatever the count.
 */
static __always_inline bool kpc_cap_get(atomic_t *v, int cap)
{
	int n = atomic_read(v);

	do {
		if (n >= cap)
			return false;
	} while (!atomic_try_cmpxchg(v, &n, n + 1));
	return true;
}

/* Peak of tracked calls: raised only for calls the client kept. */
static notrace void kpc_peak_raise(struct kpc_probe *c, int held)
{
	int peak = atomic_read(&c->peak);

	while (unlikely(held > peak) &&
	       !atomic_try_cmpxchg_relaxed(&c->peak, &peak, held))
		;
}
NOKPROBE_SYMBOL(kpc_peak_raise);

/*
 * A call is over (returned, or its task exited inside it): give back the
 * tokens it holds, or its place under the counting clients' cap when no
 * client holds a token for it. @clients is false when the caller handles
 * the clients itself (the return handler) and only the arm's counts are
 * left.
 */
notrace void kpc_call_release(struct kpc_arm *arm,
			      const struct kpc_call *call, bool clients)
{
	u64 ran = call->ran;
	struct kpc_probe *c;

	if (ran == KPC_CALL_CAPPED) {
		atomic_dec(&arm->counting);
		return;
	}
	if (clients) {
		/* A slot is reused only when no call of it is in flight. */
		kpc_for_each_client(c, arm->site) {
			if (ran & BIT_ULL(c->slot))
				atomic_dec(&c->held);
		}
	}
	while (ran) {
		this_cpu_dec(arm->held->n[__ffs64(ran)]);
		ran &= ran - 1;
	}
}
NOKPROBE_SYMBOL(kpc_call_release);

/*
 * The arm a kretprobe call belongs to, or NULL. Where kretprobes do not
 * run on rethook (arm64) unregister_kretprobe() clears the holder's
 * pointer to the kretprobe while a hit on another CPU may already be in
 * the kernel's handler, between its list walk and ours (seen as an oops
 * when a re-arm unregistered the old arm); the kernel's own kprobe_events
 * handlers check for it too.
 */
static notrace struct kpc_arm *kpc_ri_arm(struct kretprobe_instance *ri)
{
	struct kretprobe *rp = get_kretprobe(ri);

	return rp ? container_of(rp, struct kpc_arm, rp) : NULL;
}
NOKPROBE_SYMBOL(kpc_ri_arm);

/* The counting clients in @counted counted a call they cannot track. */
static notrace void kpc_counting_missed(struct kpc_site *site, u64 counted)
{
	struct kpc_probe *c;

	kpc_for_each_client(c, site) {
		if (c->counting && (counted & BIT_ULL(c->slot))) {
			this_cpu_dec(c->pcpu->hits);
			this_cpu_inc(c->pcpu->missed_pool);
		}
	}
}
NOKPROBE_SYMBOL(kpc_counting_missed);

static notrace int kpc_kretprobe_entry(struct kretprobe_instance *ri,
				       struct pt_regs *regs)
{
	struct kpc_arm *arm = kpc_ri_arm(ri);
	struct kpc_call *call = (struct kpc_call *)ri->data;
	struct kpc_probe *c;
	u64 ran = 0, counted = 0;
	void *slice;
	int held;

	if (unlikely(!arm))
		return 1;

	/*
	 * A task that has exited (a zombie on its way to its last schedule:
	 * do_task_dead(), __schedule()) makes calls that never return, after
	 * the exit hook that gives back tokens (exit.c): the kernel recycles
	 * them with no handler. Not tracked, not counted: their tokens would
	 * be gone for good.
	 */
	if (unlikely(READ_ONCE(current->exit_state)))
		return 1;
	if (!kpc_arm_takes_hit(arm, regs))
		return 1;
	kpc_for_each_client(c, arm->site) {
		if (!READ_ONCE(c->enabled))
			continue;
		/*
		 * A counting client takes no token and keeps no record of the
		 * call: it counts the entry here and any return of a call the
		 * site tracks while it is enabled (the return handler).
		 */
		if (c->counting) {
			this_cpu_inc(c->pcpu->hits);
			counted |= BIT_ULL(c->slot);
			continue;
		}
		held = kpc_token_get(c);
		if (!held) {
			this_cpu_inc(c->pcpu->missed_pool);
			continue;
		}
		this_cpu_inc(c->pcpu->hits);
		slice = ri->data + arm->off[c->slot];
		/* a call to memset() even for 0 bytes: most clients keep no data */
		if (arm->len[c->slot])
			memset(slice, 0, arm->len[c->slot]);
		if (c->entry && c->entry(c, regs, slice)) {
			atomic_dec(&c->held);	/* declined: not tracked */
			continue;
		}
		kpc_peak_raise(c, held);
		this_cpu_inc(arm->held->n[c->slot]);
		ran |= BIT_ULL(c->slot);
	}
	if (!ran && !counted)
		return 1;
	/*
	 * A call no client holds a token for: the counting clients' maxactive
	 * added up caps how many such calls are in flight, so that they leave
	 * the pool's instances the token holders are owed (arm.c). Over the
	 * cap the call is theirs to miss, as a token client misses one.
	 */
	if (!ran) {
		if (!kpc_cap_get(&arm->counting, READ_ONCE(arm->count_cap))) {
			kpc_counting_missed(arm->site, counted);
			return 1;
		}
		ran = KPC_CALL_CAPPED;
	}
	call->ran = ran;
	/*
	 * 0: no client of the site wants latency (KPC_F_NO_LATENCY), no clock
	 * read. Checked per site, not per call: nothing added to the loop.
	 */
	call->t0 = READ_ONCE(arm->site->ntimed) ? ktime_get_mono_fast_ns() : 0;
	return 0;
}
NOKPROBE_SYMBOL(kpc_kretprobe_entry);

notrace void kpc_lat_record(struct kpc_pcpu __percpu *pcpu, u64 ns)
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

static notrace int kpc_kretprobe_ret(struct kretprobe_instance *ri,
				     struct pt_regs *regs)
{
	struct kpc_arm *arm = kpc_ri_arm(ri);
	struct kpc_call *call = (struct kpc_call *)ri->data;
	u64 now = call->t0 ? ktime_get_mono_fast_ns() : 0;
	struct kpc_probe *c;
	u64 ns;

	/* Its tokens are still counted in arm->held: kpc_arm_retire() gives them back. */
	if (unlikely(!arm))
		return 0;
	/* A call returning on another CPU may read less than its entry did. */
	ns = kpc_elapsed_ns(call->t0, now);
	/* Calls an old arm took still return through it: handle them. */
	kpc_for_each_client(c, arm->site) {
		if (c->counting) {
			if (READ_ONCE(c->enabled)) {
				this_cpu_inc(c->pcpu->lat_count);
				if (c->ret)
					c->ret(c, regs, NULL, 0);
			}
			continue;
		}
		if (!(call->ran & BIT_ULL(c->slot)))
			continue;
		if (READ_ONCE(c->enabled)) {
			if (unlikely(c->no_latency))	/* the return, counted; no time */
				this_cpu_inc(c->pcpu->lat_count);
			else
				kpc_lat_record(c->pcpu, ns);
			if (c->ret)
				c->ret(c, regs, ri->data + arm->off[c->slot],
				       c->no_latency ? 0 : ns);
		}
		atomic_dec(&c->held);
	}
	kpc_call_release(arm, call, false);
	return 0;
}
NOKPROBE_SYMBOL(kpc_kretprobe_ret);

void kpc_arm_set_handlers(struct kpc_arm *arm, enum kpc_kind kind)
{
	/* An ftrace-ops site's kprobe is never enabled: fentry.c handles its hits. */
	if (kind == KPC_FENTRY)
		return;
	if (kind == KPC_KPROBE) {
		arm->kp.pre_handler = kpc_kprobe_pre;
		arm->kp.post_handler = arm->has_post ? kpc_kprobe_post : NULL;
	} else {
		arm->rp.entry_handler = kpc_kretprobe_entry;
		arm->rp.handler = kpc_kretprobe_ret;
	}
}

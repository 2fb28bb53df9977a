// SPDX-License-Identifier: GPL-2.0
/*
 * Arms: the kernel kprobe or kretprobe behind a site, and replacing it
 * ("re-arming") when the site's clients need something it cannot give.
 *
 * Rules that keep the kernel consistent:
 * - At an ftrace site the kernel never gets a post handler from us. It arms
 *   an ftrace aggregate with one ftrace_ops when no member has a post
 *   handler and with another when one has, and it cannot disarm an
 *   aggregate whose members changed their minds in between (a WARN, then a
 *   probe left linked after unregister_kprobe() returned). The core runs
 *   post handlers itself there (handlers.c). Every first arm of a site is
 *   registered without one, so the kernel tells us what the site is before
 *   any post handler is involved.
 * - A replacement is registered before the arm it replaces is removed, and
 *   the handlers let exactly one of the two take each hit (handlers.c):
 *   no hit is lost or counted twice, and a failed replacement leaves the
 *   old arm as it was.
 *
 * Everything here runs under kpc_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/error-injection.h>
#include <linux/slab.h>
#include "kpc_internal.h"

/*
 * Why the kernel refused the registration under way, when the core can say
 * it better than the errno does; NULL otherwise. Under kpc_lock.
 */
const char *kpc_refusal;

struct kpc_arm *kpc_site_arm(struct kpc_site *site)
{
	return rcu_dereference_protected(site->arm, lockdep_is_held(&kpc_lock));
}

void kpc_arm_free(struct kpc_arm *arm)
{
	if (!arm)
		return;
	free_percpu(arm->held);
	free_percpu(arm->pcpu);
	kfree(arm);
}

/*
 * The kernel instances a kretprobe needs for clients whose maxactive add
 * up to @active. Every call in flight holds one: a call some client tracks
 * holds a token of that client (handlers.c), a call only counting clients
 * track a place under their cap (their maxactive added up), and a call in
 * the entry handlers holds one for a moment, at most one per CPU. With that many no
 * client misses a call for want of an instance while it holds fewer than
 * its maxactive; twice as many (up to 1024) lets clients join without a
 * re-arm. The kernel allows at most KPC_MAXACTIVE_MAX: clients that add up
 * to more share that many and may miss calls before their own limit.
 */
int kpc_pool_size(int active)
{
	int need = active + nr_cpu_ids;

	return min(max(need, clamp(2 * need, KPC_RET_ACTIVE_MIN, KPC_RET_ACTIVE_CAP)),
		   KPC_MAXACTIVE_MAX);
}

/*
 * An arm able to carry the site's clients plus @extra (may be NULL), laid
 * out afresh. @cur is the arm it will replace, NULL for a site's first.
 */
struct kpc_arm *kpc_arm_alloc(struct kpc_site *site, const struct kpc_arm *cur,
			      const struct kpc_probe *extra)
{
	struct kpc_arm *arm = kzalloc(sizeof(*arm), GFP_KERNEL);
	size_t used = ALIGN(sizeof(struct kpc_call), 8);
	const struct kpc_probe *c;
	int active = 0;

	if (!arm)
		return ERR_PTR(-ENOMEM);
	arm->site = site;
	arm->pcpu = alloc_percpu(struct kpc_arm_pcpu);
	if (!arm->pcpu)
		goto err_nomem;
	if (site->kind != KPC_KRETPROBE) {
		/* A first arm never has a post handler: see the top of the file. */
		arm->has_post = cur && !cur->ftrace &&
				(site->nposts || (extra && extra->post));
		goto out;
	}

	arm->held = alloc_percpu(struct kpc_arm_held);
	if (!arm->held)
		goto err_nomem;
	list_for_each_entry(c, &site->clients, site_node) {
		arm->off[c->slot] = used;
		arm->len[c->slot] = ALIGN(c->data_size, 8);
		used += arm->len[c->slot];
		active += c->maxactive;
		if (c->counting)
			arm->count_cap += c->maxactive;
	}
	if (extra) {
		arm->off[extra->slot] = used;
		arm->len[extra->slot] = ALIGN(extra->data_size, 8);
		used += arm->len[extra->slot];
		active += extra->maxactive;	/* its cap share: kpc_site_join() */
	}
	if (used > KPC_RET_DATA_MAX) {
		kpc_arm_free(arm);
		return ERR_PTR(-E2BIG);
	}
	arm->data_used = used;
	arm->rp.data_size = clamp_t(size_t, 2 * used, KPC_RET_DATA_MIN, KPC_RET_DATA_MAX);
	arm->rp.maxactive = kpc_pool_size(active);
out:
	arm->gen = ++site->arm_gen;
	kpc_arm_set_handlers(arm, site->kind);
	return arm;

err_nomem:
	kpc_arm_free(arm);
	return ERR_PTR(-ENOMEM);
}

/* Register @arm as the site asks; the handlers do nothing until it is current. */
int kpc_arm_register(struct kpc_site *site, struct kpc_arm *arm)
{
	struct kprobe *kp = kpc_arm_kprobe(arm);
	unsigned long addr;
	int err;

	/* An ftrace-ops site given by address needs no kprobe (fentry.c). */
	if (site->kind == KPC_FENTRY && !site->req_symbol) {
		err = kpc_fentry_name(site->req_addr, &addr);
		if (err)
			return err;
		kp->addr = (kprobe_opcode_t *)addr;
		kp->flags = KPROBE_FLAG_DISABLED;
		site->no_kprobe = true;
		arm->ftrace = true;
		return 0;
	}
	kp->symbol_name = site->req_symbol;
	kp->offset = site->req_offset;
	kp->addr = site->req_symbol ? NULL : (kprobe_opcode_t *)site->req_addr;
	/* An ftrace-ops site's kprobe only names the site: never armed (fentry.c) */
	kp->flags = site->kind == KPC_FENTRY ? KPROBE_FLAG_DISABLED : 0;
	if (site->kind != KPC_KRETPROBE)
		err = register_kprobe(kp);
	else
		err = register_kretprobe(&arm->rp);
	/* register_kprobe() has set kp->addr by the time it refuses it */
	if (err == -EINVAL && kpc_insn_misaligned(kp->addr))
		err = -EILSEQ;
	else if (err == -EINVAL && kpc_insn_ftrace_site(kp->addr))
		kpc_refusal = "the function's ftrace call site, which this kernel cannot probe (no KPROBES_ON_FTRACE): probe +0x0 or the next instruction";
	if (err)
		return err;
	arm->ftrace = kprobe_ftrace(kp);
	if (site->kind == KPC_KRETPROBE)
		kpc_arm_track(arm);
	return 0;
}
/*
 * The kernel's fail_function can make this return an error (kernels with
 * CONFIG_FUNCTION_ERROR_INJECTION; nothing otherwise): how the suite makes
 * a re-arm fail, which no input does on demand.
 */
ALLOW_ERROR_INJECTION(kpc_arm_register, ERRNO);

/* For an arm that is not, or is no longer, replaced by another. */
void kpc_arm_unregister(struct kpc_site *site, struct kpc_arm *arm)
{
	if (site->no_kprobe)
		return;
	if (site->kind != KPC_KRETPROBE) {
		unregister_kprobe(&arm->kp);
		return;
	}
	kpc_arm_untrack(arm);
	unregister_kretprobe(&arm->rp);
}

int kpc_arm_held_sum(const struct kpc_arm *arm, unsigned int slot)
{
	int cpu, n = 0;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(arm->held, cpu)->n[slot]);
	return n;
}

/*
 * Give the calls in flight on a replaced kretprobe a moment to return
 * through it: once it is unregistered the kernel drops their returns.
 * Bounded, because a call may sleep for as long as it likes; the tokens
 * of the calls left over are given back in kpc_arm_retire(). Calls only
 * counting clients track hold no token, and are waited for too.
 */
static void kpc_arm_drain(struct kpc_arm *arm)
{
	u64 slots = arm->site->slots;
	int i, s;

	for (i = 0; i < 50; i++) {
		for (s = 0; s < KPC_RET_SLOTS; s++)
			if ((slots & BIT_ULL(s)) && kpc_arm_held_sum(arm, s) > 0)
				break;
		if (s == KPC_RET_SLOTS && atomic_read(&arm->counting) <= 0)
			return;
		usleep_range(1000, 2000);
	}
}

/*
 * Make @arm the site's current arm in place of @old, and keep @old's
 * misses. While both are registered the kernel counts a reentry miss on
 * both (every member of the address's aggregate), and each kretprobe
 * counts its own pool misses, also for calls the other one tracked. So
 * the misses that count are @old's up to now, less those @arm already
 * shares; from now on only @arm's (a hit @old still takes after this is a
 * rare straddle, see handlers.c).
 */
static void kpc_site_publish(struct kpc_site *site, struct kpc_arm *old,
			     struct kpc_arm *arm)
{
	preempt_disable();
	write_seqcount_begin(&site->stats_seq);
	WRITE_ONCE(site->retired_reentry, site->retired_reentry +
		   kpc_arm_kprobe(old)->nmissed - kpc_arm_kprobe(arm)->nmissed);
	if (site->kind == KPC_KRETPROBE)
		WRITE_ONCE(site->retired_pool, site->retired_pool +
			   old->rp.nmissed - arm->rp.nmissed);
	rcu_assign_pointer(site->arm, arm);
	write_seqcount_end(&site->stats_seq);
	preempt_enable();
	WRITE_ONCE(site->rearms, site->rearms + 1);
}

/*
 * @old is unregistered: give back the tokens of its calls still in
 * flight, which will never be seen returning.
 */
static void kpc_arm_retire(struct kpc_site *site, struct kpc_arm *old)
{
	struct kpc_probe *c;
	int left;

	if (site->kind != KPC_KRETPROBE)
		return;
	list_for_each_entry(c, &site->clients, site_node) {
		left = kpc_arm_held_sum(old, c->slot);
		if (left > 0)
			atomic_sub(left, &c->held);
	}
}

/*
 * Replace the site's arm with one that suits its clients plus @c (NULL:
 * only the clients it has, e.g. after its last post client left).
 */
int kpc_site_rearm(struct kpc_site *site, const struct kpc_probe *c)
{
	struct kpc_arm *old = kpc_site_arm(site), *arm;
	int err;

	arm = kpc_arm_alloc(site, old, c);
	if (IS_ERR(arm))
		return PTR_ERR(arm);
	err = kpc_arm_register(site, arm);
	if (!err && (unsigned long)kpc_arm_kprobe(arm)->addr != site->addr) {
		kpc_arm_unregister(site, arm);
		err = -EBUSY;
	}
	if (err) {
		pr_err("cannot re-arm %s for %s: %d; it stays as it was\n",
		       site->where, site->kind == KPC_KPROBE ?
		       "a post handler" : "more data or maxactive", err);
		kpc_arm_free(arm);
		return err;
	}
	kpc_site_publish(site, old, arm);
	/*
	 * A hit whose @arm handler ran before the switch is @old's to take,
	 * and its @old handler may not have run yet: unregistering @old
	 * disables it at once, and the kernel would skip that handler, losing
	 * the hit. Wait until every such hit is through. For a kretprobe this
	 * also means the drain sees every call @old will ever hold.
	 */
	synchronize_rcu();
	if (site->kind == KPC_KRETPROBE) {
		kpc_arm_drain(old);
		kpc_arm_untrack(old);
		unregister_kretprobe(&old->rp);
	} else {
		unregister_kprobe(&old->kp);
	}
	/* No handler runs on @old now, and no reader holds it (a grace period). */
	kpc_arm_retire(site, old);
	kpc_arm_free(old);
	return 0;
}

/*
 * Where @c's slice goes in @arm's call data: the area its slot had before,
 * if big enough (a slot is reused only when no call of it is in flight),
 * or fresh space at the end. -1: no room.
 */
int kpc_slice_fit(const struct kpc_arm *arm, const struct kpc_probe *c)
{
	size_t need = ALIGN(c->data_size, 8);

	if (need && arm->len[c->slot] >= need)
		return arm->off[c->slot];
	if (arm->data_used + need <= arm->rp.data_size)
		return arm->data_used;
	return -1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: sites keyed by the address the kernel probes, clients
 * keyed by owner and name. Writers hold kpc_lock; the handlers read the
 * client lists under RCU. Teardown unlinks, waits for one grace period for
 * the whole batch (unregister_kprobes() does that for arrays), prints the
 * summaries, then frees.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kpc_internal.h"

#define KPC_HASH_BITS	12

DEFINE_MUTEX(kpc_lock);
LIST_HEAD(kpc_clients);
LIST_HEAD(kpc_sites);
static DEFINE_HASHTABLE(kpc_sites_by_addr, KPC_HASH_BITS);
static DEFINE_HASHTABLE(kpc_sites_by_req, KPC_HASH_BITS);
static DEFINE_HASHTABLE(kpc_by_name, KPC_HASH_BITS);

static struct kpc_arm *kpc_site_arm(struct kpc_site *site)
{
	return rcu_dereference_protected(site->arm, lockdep_is_held(&kpc_lock));
}

static bool kpc_site_gone(struct kpc_site *site)
{
	return kprobe_gone(kpc_arm_kprobe(kpc_site_arm(site)));
}

static int kpc_default_maxactive(void)
{
	return max_t(int, 10, 2 * num_possible_cpus());
}

/* ---- validation ---- */

static int kpc_check_name(const char *name)
{
	size_t len, i;

	if (!name)
		return -EINVAL;
	len = strnlen(name, KPC_NAME_MAX + 1);
	if (!len || len > KPC_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isgraph(name[i]))
			return -EINVAL;
	return 0;
}

static int kpc_check_desc(const struct kpc_desc *d, enum kpc_kind kind)
{
	const char *what = NULL;
	int err = -EINVAL;

	if (!d)
		return -EINVAL;
	if (kpc_check_name(d->name))
		what = "name must be 1-63 printable characters without spaces";
	else if (d->symbol && d->addr)
		what = "give a symbol or an address, not both";
	else if (!d->symbol && !d->addr)
		what = "no symbol and no address";
	else if (d->symbol && (!d->symbol[0] ||
			       strnlen(d->symbol, KSYM_NAME_LEN + MODULE_NAME_LEN + 1) >
			       KSYM_NAME_LEN + MODULE_NAME_LEN))
		what = "empty or over-long symbol";
	else if (d->flags & ~KPC_F_DISABLED)
		what = "unknown flags";
	else if (kind == KPC_KPROBE && !d->pre && !d->post)
		what = "a kprobe needs a pre or post handler";
	else if (kind == KPC_KPROBE && (d->entry || d->ret || d->data_size || d->maxactive))
		what = "kretprobe fields set on a kprobe";
	else if (kind == KPC_KRETPROBE && !d->entry && !d->ret)
		what = "a kretprobe needs an entry or return handler";
	else if (kind == KPC_KRETPROBE && (d->pre || d->post))
		what = "kprobe handlers set on a kretprobe";
	else if (kind == KPC_KRETPROBE && d->offset)
		what = "a kretprobe must be at function entry (offset 0)";
	else if (kind == KPC_KRETPROBE && d->maxactive < 0)
		what = "negative maxactive";
	else if (kind == KPC_KRETPROBE && d->maxactive > KPC_MAXACTIVE_MAX)
		what = "maxactive over 4096";
	else if (kind == KPC_KRETPROBE && d->data_size > KPC_RET_DATA_MAX) {
		what = "data_size over 4096";
		err = -E2BIG;
	}
	if (!what)
		return 0;
	pr_err("%s: %s\n", d->name && !kpc_check_name(d->name) ? d->name : "(bad name)",
	       what);
	return err;
}

/* ---- lookups (kpc_lock held) ---- */

static u32 kpc_req_hash(const char *symbol, unsigned int offset, unsigned long addr)
{
	if (symbol)
		return jhash(symbol, strlen(symbol), offset);
	return hash_long(addr + offset, 32);
}

static struct kpc_site *kpc_find_site_by_req(const struct kpc_desc *d,
					     enum kpc_kind kind)
{
	struct kpc_site *site;

	hash_for_each_possible(kpc_sites_by_req, site, by_req,
			       kpc_req_hash(d->symbol, d->offset, d->addr)) {
		if (site->kind != kind || site->req_offset != d->offset ||
		    kpc_site_gone(site))
			continue;
		if (d->symbol ? site->req_symbol && !strcmp(site->req_symbol, d->symbol)
			      : !site->req_symbol && site->req_addr == d->addr)
			return site;
	}
	return NULL;
}

static struct kpc_site *kpc_find_site(unsigned long addr, enum kpc_kind kind)
{
	struct kpc_site *site;

	hash_for_each_possible(kpc_sites_by_addr, site, by_addr, addr)
		if (site->addr == addr && site->kind == kind && !kpc_site_gone(site))
			return site;
	return NULL;
}

static u32 kpc_name_hash(const char *name, const struct module *owner)
{
	return jhash(name, strlen(name), hash_ptr(owner, 32));
}

static struct kpc_probe *kpc_find_client(const char *name,
					 const struct module *owner)
{
	struct kpc_probe *c;

	hash_for_each_possible(kpc_by_name, c, by_name, kpc_name_hash(name, owner))
		if (c->owner == owner && !strcmp(c->name, name))
			return c;
	return NULL;
}

/* ---- arms ---- */

static void kpc_arm_free(struct kpc_arm *arm)
{
	if (!arm)
		return;
	free_percpu(arm->pcpu);
	kfree(arm);
}

/*
 * Allocate an arm able to carry the site's clients plus @extra, laid out
 * afresh. @extra may be NULL.
 */
static struct kpc_arm *kpc_arm_alloc(struct kpc_site *site, enum kpc_kind kind,
				     const struct kpc_probe *extra)
{
	struct kpc_arm *arm = kzalloc(sizeof(*arm), GFP_KERNEL);
	const struct kpc_probe *c;
	size_t used = ALIGN(sizeof(struct kpc_call), 8);
	int maxactive = 0;

	if (!arm)
		return ERR_PTR(-ENOMEM);
	arm->site = site;
	arm->gen = ++site->arm_gen;
	if (kind == KPC_KPROBE) {
		arm->has_post = extra && extra->post;
		list_for_each_entry(c, &site->clients, site_node)
			arm->has_post |= !!c->post;
		kpc_arm_set_handlers(arm, kind);
		return arm;
	}

	list_for_each_entry(c, &site->clients, site_node) {
		arm->off[c->slot] = used;
		arm->len[c->slot] = ALIGN(c->data_size, 8);
		used += arm->len[c->slot];
		maxactive = max(maxactive, c->maxactive);
	}
	if (extra) {
		arm->off[extra->slot] = used;
		arm->len[extra->slot] = ALIGN(extra->data_size, 8);
		used += arm->len[extra->slot];
		maxactive = max(maxactive, extra->maxactive);
	}
	if (used > KPC_RET_DATA_MAX) {
		kfree(arm);
		return ERR_PTR(-E2BIG);
	}
	arm->data_used = used;
	arm->rp.data_size = clamp_t(size_t, 2 * used, KPC_RET_DATA_MIN, KPC_RET_DATA_MAX);
	/* Room above the clients' maxactive, so peak_inflight can show demand. */
	arm->rp.maxactive = max(maxactive, clamp(4 * maxactive, KPC_RET_ACTIVE_MIN,
						 KPC_RET_ACTIVE_CAP));
	arm->pcpu = alloc_percpu(struct kpc_arm_pcpu);
	if (!arm->pcpu) {
		kfree(arm);
		return ERR_PTR(-ENOMEM);
	}
	kpc_arm_set_handlers(arm, kind);
	return arm;
}

static int kpc_arm_register(struct kpc_arm *arm, enum kpc_kind kind,
			    const char *symbol, unsigned int offset,
			    unsigned long addr)
{
	struct kprobe *kp = kpc_arm_kprobe(arm);

	kp->symbol_name = symbol;
	kp->offset = offset;
	kp->addr = symbol ? NULL : (kprobe_opcode_t *)addr;
	if (kind == KPC_KPROBE)
		return register_kprobe(kp);
	return register_kretprobe(&arm->rp);
}

static void kpc_arm_unregister(struct kpc_arm *arm, enum kpc_kind kind)
{
	if (kind == KPC_KPROBE)
		unregister_kprobe(&arm->kp);
	else
		unregister_kretprobe(&arm->rp);
}

/*
 * Where @c's slice goes in @arm's call data: the area its slot had before,
 * if big enough (a slot is reused only after its last client's calls are
 * done, see kpc_kretprobe_ret()), or fresh space at the end. -1: no room.
 */
static int kpc_slice_fit(const struct kpc_arm *arm, const struct kpc_probe *c)
{
	size_t need = ALIGN(c->data_size, 8);

	if (need && arm->len[c->slot] >= need)
		return arm->off[c->slot];
	if (arm->data_used + need <= arm->rp.data_size)
		return arm->data_used;
	return -1;
}

static bool kpc_needs_rearm(struct kpc_site *site, const struct kpc_probe *c)
{
	struct kpc_arm *arm = kpc_site_arm(site);

	if (site->kind == KPC_KPROBE)
		return c->post && !arm->has_post;
	return kpc_slice_fit(arm, c) < 0 || c->maxactive > arm->rp.maxactive;
}

static void kpc_arm_retire(struct kpc_site *site, struct kpc_arm *old)
{
	site->retired_reentry += kpc_arm_kprobe(old)->nmissed;
	if (site->kind == KPC_KRETPROBE) {
		site->retired_pool += old->rp.nmissed;
		site->retired_peak = max(site->retired_peak, kpc_arm_peak(old));
	}
}

/*
 * Give the calls in flight on a replaced kretprobe a moment to return
 * through it: once it is unregistered the kernel drops their returns.
 * Bounded, because a call may sleep for as long as it likes.
 */
static void kpc_arm_drain(struct kpc_arm *arm)
{
	int i, cpu;
	long n;

	for (i = 0; i < 50; i++) {
		n = 0;
		for_each_possible_cpu(cpu)
			n += READ_ONCE(per_cpu_ptr(arm->pcpu, cpu)->inflight);
		if (n <= 0)
			return;
		usleep_range(1000, 2000);
	}
}

static int kpc_site_register_arm(struct kpc_site *site, struct kpc_arm *arm)
{
	int err = kpc_arm_register(arm, site->kind, site->req_symbol,
				   site->req_offset, site->req_addr);

	if (!err && (unsigned long)kpc_arm_kprobe(arm)->addr != site->addr) {
		kpc_arm_unregister(arm, site->kind);
		err = -EBUSY;
	}
	return err;
}

/*
 * Replace the site's kernel probe with one that also suits @c.
 *
 * A kretprobe's new arm is registered first (its handlers do nothing until
 * it is current), then made current, then the old one is unregistered: no
 * call is lost, but calls in flight on the old arm are not seen returning.
 *
 * A kprobe's old arm goes first: on an ftrace site the kernel cannot
 * disarm an aggregate of probes with and without a post handler (it arms
 * with one ftrace_ops and disarms with the other), so the two never
 * coexist. Hits during the one grace period between are not seen.
 */
static int kpc_site_rearm(struct kpc_site *site, const struct kpc_probe *c)
{
	struct kpc_arm *old = kpc_site_arm(site), *arm, *back;
	int err;

	arm = kpc_arm_alloc(site, site->kind, c);
	if (IS_ERR(arm))
		return PTR_ERR(arm);
	if (site->kind == KPC_KRETPROBE) {
		err = kpc_site_register_arm(site, arm);
		if (err)
			goto err_free;
		rcu_assign_pointer(site->arm, arm);
		kpc_arm_drain(old);
		kpc_arm_unregister(old, site->kind);
		kpc_arm_retire(site, old);
		kpc_arm_free(old);
		return 0;
	}

	kpc_arm_unregister(old, site->kind);
	kpc_arm_retire(site, old);
	err = kpc_site_register_arm(site, arm);
	if (!err) {
		rcu_assign_pointer(site->arm, arm);
		kpc_arm_free(old);
		return 0;
	}
	/* Put back what was there; the old struct kprobe cannot be reused. */
	back = kpc_arm_alloc(site, site->kind, NULL);
	if (IS_ERR(back) || kpc_site_register_arm(site, back)) {
		pr_err("%s: lost the probe on %s while re-arming it; its clients see no more hits\n",
		       c->name, site->where);
		if (!IS_ERR(back))
			kpc_arm_free(back);
		/* keep the old, unregistered arm so the site stays consistent */
		goto err_free;
	}
	rcu_assign_pointer(site->arm, back);
	/* No reader can hold @old: it was unregistered (a grace period) above. */
	kpc_arm_free(old);
err_free:
	pr_err("%s: cannot re-arm %s for %s: %d\n", c->name, site->where,
	       site->kind == KPC_KPROBE ? "a post handler" : "more data or maxactive",
	       err);
	kpc_arm_free(arm);
	return err;
}

/* ---- clients ---- */

static struct kpc_probe *kpc_client_alloc(const struct kpc_desc *d,
					  enum kpc_kind kind,
					  struct module *owner)
{
	struct kpc_probe *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int cpu;

	if (!c)
		return NULL;
	c->pcpu = alloc_percpu(struct kpc_pcpu);
	if (!c->pcpu) {
		kfree(c);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		per_cpu_ptr(c->pcpu, cpu)->lat_min = U64_MAX;
	strscpy(c->name, d->name, sizeof(c->name));
	c->owner = owner;
	c->pre = d->pre;
	c->post = d->post;
	c->entry = d->entry;
	c->ret = d->ret;
	c->priv = d->priv;
	c->enabled = !(d->flags & KPC_F_DISABLED);
	if (kind == KPC_KRETPROBE) {
		c->maxactive = d->maxactive ? d->maxactive : kpc_default_maxactive();
		c->data_size = d->data_size;
	}
	return c;
}

static void kpc_client_free(struct kpc_probe *c)
{
	free_percpu(c->pcpu);
	kfree(c);
}

/* Publish @c on @site: after this its handlers run. */
static void kpc_site_link(struct kpc_site *site, struct kpc_probe *c)
{
	c->site = site;
	c->base_reentry = kpc_site_reentry(site);
	c->base_pool = kpc_site_pool(site);
	if (site->kind == KPC_KRETPROBE) {
		site->slots |= BIT_ULL(c->slot);
		WRITE_ONCE(site->epoch, site->epoch + 1);
		c->join_epoch = site->epoch;
	}
	/* list_add_tail_rcu() orders the epoch before the client is seen */
	list_add_tail_rcu(&c->site_node, &site->clients);
	site->nclients++;
}

static int kpc_site_join(struct kpc_site *site, struct kpc_probe *c)
{
	struct kpc_arm *arm = kpc_site_arm(site);
	int err;

	if (site->kind == KPC_KRETPROBE) {
		if (site->slots == U64_MAX) {
			pr_err("%s: %s already has %d return-probe clients\n",
			       c->name, site->where, KPC_RET_SLOTS);
			return -ENOSPC;
		}
		c->slot = __ffs64(~site->slots);
	}
	if (kpc_needs_rearm(site, c)) {
		err = kpc_site_rearm(site, c);
		if (err)
			return err;
	} else if (site->kind == KPC_KRETPROBE) {
		int off = kpc_slice_fit(arm, c);

		if (off == arm->data_used) {
			arm->off[c->slot] = off;
			arm->len[c->slot] = ALIGN(c->data_size, 8);
			arm->data_used += arm->len[c->slot];
		}
	}
	kpc_site_link(site, c);
	return 0;
}

static void kpc_site_free(struct kpc_site *site)
{
	kfree(site->req_symbol);
	kfree(site);
}

/* "func+0x4 [module]": sprint_symbol()'s text without the function size. */
static void kpc_site_where(struct kpc_site *site)
{
	char *size, *end;

	sprint_symbol(site->where, site->addr);
	size = strchr(site->where, '/');
	if (!size)
		return;
	end = strchr(size, ' ');
	if (end)
		memmove(size, end, strlen(end) + 1);
	else
		*size = '\0';
}

static int kpc_site_create(const struct kpc_desc *d, enum kpc_kind kind,
			   struct kpc_probe *c)
{
	struct kpc_site *site, *other;
	struct kpc_arm *arm;
	int err;

	site = kzalloc(sizeof(*site), GFP_KERNEL);
	if (!site)
		return -ENOMEM;
	INIT_LIST_HEAD(&site->clients);
	site->kind = kind;
	site->req_offset = d->offset;
	site->req_addr = d->addr;
	if (d->symbol) {
		site->req_symbol = kstrdup(d->symbol, GFP_KERNEL);
		if (!site->req_symbol) {
			err = -ENOMEM;
			goto err_free_site;
		}
	}
	c->slot = 0;
	arm = kpc_arm_alloc(site, kind, c);
	if (IS_ERR(arm)) {
		err = PTR_ERR(arm);
		goto err_free_site;
	}
	/* Registered but not current: its handlers do nothing yet. */
	err = kpc_arm_register(arm, kind, site->req_symbol, d->offset, d->addr);
	if (err)
		goto err_free_arm;
	site->addr = (unsigned long)kpc_arm_kprobe(arm)->addr;

	/* Another name for an address we already probe: join that site. */
	other = kpc_find_site(site->addr, kind);
	if (other) {
		kpc_arm_unregister(arm, kind);
		kpc_arm_free(arm);
		kpc_site_free(site);
		return kpc_site_join(other, c);
	}

	kpc_site_where(site);
	list_add_tail(&site->all_node, &kpc_sites);
	hash_add(kpc_sites_by_addr, &site->by_addr, site->addr);
	hash_add(kpc_sites_by_req, &site->by_req,
		 kpc_req_hash(d->symbol, d->offset, d->addr));
	kpc_site_link(site, c);
	rcu_assign_pointer(site->arm, arm);
	return 0;

err_free_arm:
	kpc_arm_free(arm);
err_free_site:
	kpc_site_free(site);
	return err;
}

static const char *kpc_errname(int err)
{
	switch (err) {
	case -ENOENT:	return "unknown symbol, or offset past its end";
	case -EINVAL:	return "the kernel refuses to probe there (blacklisted, NOKPROBE, not text, or not a function entry)";
	case -EILSEQ:	return "offset is not on an instruction boundary";
	case -EEXIST:	return "already registered";
	case -E2BIG:	return "too much per-call data";
	case -EBUSY:	return "address is busy";
	case -ENOMEM:	return "out of memory";
	default:	return "error";
	}
}

static struct kpc_probe *kpc_register_locked(const struct kpc_desc *d,
					     enum kpc_kind kind,
					     struct module *owner)
{
	struct kpc_site *site;
	struct kpc_probe *c;
	int err;

	lockdep_assert_held(&kpc_lock);
	err = kpc_check_desc(d, kind);
	if (err)
		return ERR_PTR(err);
	if (kpc_find_client(d->name, owner)) {
		pr_err("%s/%s: a probe of that name is already registered\n",
		       kpc_owner_name(owner), d->name);
		return ERR_PTR(-EEXIST);
	}
	c = kpc_client_alloc(d, kind, owner);
	if (!c)
		return ERR_PTR(-ENOMEM);

	site = kpc_find_site_by_req(d, kind);
	err = site ? kpc_site_join(site, c) : kpc_site_create(d, kind, c);
	if (err) {
		if (d->symbol)
			pr_err("%s/%s: cannot probe %s+0x%x: %s (%d)\n",
			       kpc_owner_name(owner), d->name, d->symbol,
			       d->offset, kpc_errname(err), err);
		else
			pr_err("%s/%s: cannot probe address 0x%lx+0x%x: %s (%d)\n",
			       kpc_owner_name(owner), d->name, d->addr,
			       d->offset, kpc_errname(err), err);
		kpc_client_free(c);
		return ERR_PTR(err);
	}
	hash_add(kpc_by_name, &c->by_name, kpc_name_hash(c->name, owner));
	list_add_tail(&c->all_node, &kpc_clients);
	return c;
}

/*
 * Remove @n clients: unlink them, unregister the kernel probes of sites
 * left empty in one batch per kind (one grace period each), or wait for
 * one grace period if no site went away, then print and free.
 */
static void kpc_remove_locked(struct kpc_probe **cs, unsigned int n)
{
	struct kprobe **kps = kcalloc(n, sizeof(*kps), GFP_KERNEL);
	struct kretprobe **rps = kcalloc(n, sizeof(*rps), GFP_KERNEL);
	unsigned int i, nkp = 0, nrp = 0;
	LIST_HEAD(dead);

	lockdep_assert_held(&kpc_lock);
	for (i = 0; i < n; i++) {
		struct kpc_probe *c = cs[i];
		struct kpc_site *site = c->site;
		struct kpc_arm *arm = kpc_site_arm(site);

		list_del_rcu(&c->site_node);
		hash_del(&c->by_name);
		list_move_tail(&c->all_node, &dead);
		site->ndying++;
		if (--site->nclients)
			continue;
		list_del(&site->all_node);
		hash_del(&site->by_addr);
		hash_del(&site->by_req);
		if (site->kind == KPC_KPROBE && kps)
			kps[nkp++] = &arm->kp;
		else if (site->kind == KPC_KRETPROBE && rps)
			rps[nrp++] = &arm->rp;
		else
			kpc_arm_unregister(arm, site->kind);	/* no memory for the batch */
	}
	if (nkp)
		unregister_kprobes(kps, nkp);
	if (nrp)
		unregister_kretprobes(rps, nrp);
	if (!nkp && !nrp)
		synchronize_rcu();

	/* No handler of these clients can run now. */
	while (!list_empty(&dead)) {
		struct kpc_probe *c = list_first_entry(&dead, struct kpc_probe, all_node);
		struct kpc_site *site = c->site;

		list_del(&c->all_node);
		kpc_print_summary(c);
		if (site->kind == KPC_KRETPROBE)
			site->slots &= ~BIT_ULL(c->slot);
		kpc_client_free(c);
		if (!--site->ndying && !site->nclients) {
			kpc_arm_free(kpc_site_arm(site));
			kpc_site_free(site);
		}
	}
	kfree(kps);
	kfree(rps);
}

struct kpc_probe *__kpc_register(const struct kpc_desc *d, enum kpc_kind kind,
				 struct module *owner)
{
	struct kpc_probe *c;

	mutex_lock(&kpc_lock);
	c = kpc_register_locked(d, kind, owner);
	mutex_unlock(&kpc_lock);
	return c;
}
EXPORT_SYMBOL_GPL(__kpc_register);

int __kpc_register_batch(const struct kpc_desc *d, enum kpc_kind kind,
			 struct kpc_probe **out, unsigned int n,
			 struct module *owner)
{
	unsigned int i;
	int err = 0;

	if (!d || !out)
		return -EINVAL;
	mutex_lock(&kpc_lock);
	for (i = 0; i < n; i++) {
		out[i] = kpc_register_locked(&d[i], kind, owner);
		if (IS_ERR(out[i])) {
			err = PTR_ERR(out[i]);
			out[i] = NULL;
			if (i)
				kpc_remove_locked(out, i);
			break;
		}
	}
	mutex_unlock(&kpc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(__kpc_register_batch);

void kpc_unregister_batch(struct kpc_probe **p, unsigned int n)
{
	struct kpc_probe **live;
	unsigned int i, nlive = 0;

	if (!p || !n)
		return;
	live = kcalloc(n, sizeof(*live), GFP_KERNEL);
	mutex_lock(&kpc_lock);
	for (i = 0; i < n; i++) {
		if (IS_ERR_OR_NULL(p[i]))
			continue;
		if (live)
			live[nlive++] = p[i];
		else
			kpc_remove_locked(&p[i], 1);
	}
	if (nlive)
		kpc_remove_locked(live, nlive);
	mutex_unlock(&kpc_lock);
	kfree(live);
}
EXPORT_SYMBOL_GPL(kpc_unregister_batch);

void kpc_unregister(struct kpc_probe *p)
{
	if (IS_ERR_OR_NULL(p))
		return;
	mutex_lock(&kpc_lock);
	kpc_remove_locked(&p, 1);
	mutex_unlock(&kpc_lock);
}
EXPORT_SYMBOL_GPL(kpc_unregister);

void kpc_enable(struct kpc_probe *p)
{
	WRITE_ONCE(p->enabled, true);
}
EXPORT_SYMBOL_GPL(kpc_enable);

void kpc_disable(struct kpc_probe *p)
{
	WRITE_ONCE(p->enabled, false);
}
EXPORT_SYMBOL_GPL(kpc_disable);

bool kpc_enabled(const struct kpc_probe *p)
{
	return READ_ONCE(p->enabled);
}
EXPORT_SYMBOL_GPL(kpc_enabled);

void *kpc_priv(const struct kpc_probe *p)
{
	return p->priv;
}
EXPORT_SYMBOL_GPL(kpc_priv);

unsigned long kpc_addr(const struct kpc_probe *p)
{
	return p->site->addr;
}
EXPORT_SYMBOL_GPL(kpc_addr);

struct kpc_probe *__kpc_lookup_name(const char *name, struct module *owner)
{
	struct kpc_probe *c;

	if (!name)
		return NULL;
	mutex_lock(&kpc_lock);
	c = kpc_find_client(name, owner);
	mutex_unlock(&kpc_lock);
	return c;
}
EXPORT_SYMBOL_GPL(__kpc_lookup_name);

int kpc_lookup_addr(unsigned long addr, enum kpc_kind kind,
		    struct kpc_site_info *info)
{
	struct kpc_site *site;
	struct kprobe *kp;
	int err = -ENOENT;

	mutex_lock(&kpc_lock);
	hash_for_each_possible(kpc_sites_by_addr, site, by_addr, addr) {
		if (site->addr != addr || site->kind != kind)
			continue;
		kp = kpc_arm_kprobe(kpc_site_arm(site));
		info->addr = site->addr;
		info->kind = site->kind;
		info->nclients = site->nclients;
		info->gone = kprobe_gone(kp);
		info->ftrace = kprobe_ftrace(kp);
		err = 0;
		if (!info->gone)
			break;
	}
	mutex_unlock(&kpc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kpc_lookup_addr);

/* ---- owners going away ---- */

static bool kpc_owned_by(const struct kpc_probe *c, const struct module *owner,
			 bool all)
{
	return all || c->owner == owner;
}

/* Remove the probes of @owner, or every probe when @all. */
static void kpc_remove_owner(const struct module *owner, bool all)
{
	struct kpc_probe **cs, *c, *tmp;
	unsigned int n = 0, i = 0;

	mutex_lock(&kpc_lock);
	list_for_each_entry(c, &kpc_clients, all_node)
		n += kpc_owned_by(c, owner, all);
	if (!n)
		goto out;
	if (!all)
		pr_warn("module %s unloaded with %u probe(s) registered; removing them\n",
			kpc_owner_name(owner), n);
	cs = kcalloc(n, sizeof(*cs), GFP_KERNEL);
	if (cs) {
		list_for_each_entry(c, &kpc_clients, all_node)
			if (kpc_owned_by(c, owner, all))
				cs[i++] = c;
		kpc_remove_locked(cs, n);
		kfree(cs);
	} else {
		list_for_each_entry_safe(c, tmp, &kpc_clients, all_node)
			if (kpc_owned_by(c, owner, all))
				kpc_remove_locked(&c, 1);
	}
out:
	mutex_unlock(&kpc_lock);
}

static int kpc_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	if (action == MODULE_STATE_GOING)
		kpc_remove_owner(data, false);
	return NOTIFY_DONE;
}

static struct notifier_block kpc_module_nb = {
	.notifier_call = kpc_module_notify,
};

static int __init kpc_init(void)
{
	int err;

	err = register_module_notifier(&kpc_module_nb);
	if (err)
		return err;
	kpc_debugfs_init();
	pr_info("ready\n");
	return 0;
}

static void __exit kpc_exit(void)
{
	kpc_debugfs_exit();
	unregister_module_notifier(&kpc_module_nb);
	kpc_remove_owner(NULL, true);
}

module_init(kpc_init);
module_exit(kpc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core: shared kprobes and kretprobes with a registry keyed by address");

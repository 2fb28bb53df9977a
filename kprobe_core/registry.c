// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: sites keyed by the address the kernel probes, clients
 * keyed by owner and name. Writers hold kpc_lock; the handlers read the
 * client lists under RCU. Teardown unlinks, waits for one grace period for
 * the whole batch (unregister_kprobes() does that for arrays), prints the
 * summaries, then frees.
 *
 * kpc_lock is held across register_kprobe(), the grace periods of
 * unregistering and a kretprobe re-arm's drain (at most about 100 ms), so
 * one slow registration delays the others. That is deliberate: these are
 * slow paths by nature (the kernel's own kprobe_mutex serializes them
 * too), and a registry that never shows a half-made site to another
 * registration is far simpler to get right. Handlers never take it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
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

static bool kpc_site_gone(struct kpc_site *site)
{
	if (kpc_kind_user(site->kind))
		return false;
	return site->gone || kprobe_gone(kpc_arm_kprobe(kpc_site_arm(site)));
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

/* A user-space probe's description: kpc_check_desc() does the name. */
static const char *kpc_check_udesc(const struct kpc_desc *d, enum kpc_kind kind)
{
	if (!d->path || d->path[0] != '/' || strnlen(d->path, PATH_MAX) == PATH_MAX)
		return "a user-space probe needs an absolute path, shorter than PATH_MAX";
	if (d->symbol && d->file_offset)
		return "give a symbol or a file offset, not both";
	if (!d->symbol && !d->file_offset)
		return "no symbol and no file offset";
	if (d->symbol && (!d->symbol[0] || strnlen(d->symbol, KSYM_NAME_LEN) == KSYM_NAME_LEN))
		return "empty or over-long symbol";
	if (!d->symbol && d->offset)
		return "offset is relative to a symbol: use file_offset alone";
	/* the kernel hijacks the return address where the function starts */
	if (kind == KPC_URETPROBE && d->offset)
		return "a uretprobe must be at function entry (offset 0)";
	if (d->addr)
		return "a user-space probe takes no address";
	if (d->pid < 0)
		return "negative pid";
	if (d->flags & ~(KPC_F_DISABLED | KPC_F_NO_LATENCY))
		return "unknown flags, or flags not for user-space probes";
	if (kind == KPC_UPROBE && (d->flags & KPC_F_NO_LATENCY))
		return "KPC_F_NO_LATENCY is for return probes";
	if (kind == KPC_UPROBE && !d->pre)
		return "a uprobe needs a pre handler";
	if (kind == KPC_UPROBE && (d->post || d->entry || d->ret))
		return "a uprobe takes a pre handler only";
	if (kind == KPC_URETPROBE && !d->ret)
		return "a uretprobe needs a return handler";
	if (kind == KPC_URETPROBE && (d->pre || d->post || d->entry))
		return "a uretprobe takes a return handler only (a uprobe beside it sees the entry)";
	if (d->data_size || d->maxactive)
		return "no per-call data or maxactive for user-space probes";
	return NULL;
}

static int kpc_check_desc(const struct kpc_desc *d, enum kpc_kind kind)
{
	const char *what = NULL;
	int err = -EINVAL;

	if (!d)
		return -EINVAL;
	if (kpc_check_name(d->name))
		what = "name must be 1-63 printable characters without spaces";
	else if (kpc_kind_user(kind))
		what = kpc_check_udesc(d, kind);
	else if (d->path || d->file_offset || d->pid)
		what = "path, file_offset and pid are for user-space probes";
	else if (d->symbol && d->addr)
		what = "give a symbol or an address, not both";
	else if (!d->symbol && !d->addr)
		what = "no symbol and no address";
	else if (d->symbol && (!d->symbol[0] ||
			       strnlen(d->symbol, KSYM_NAME_LEN + MODULE_NAME_LEN + 1) >
			       KSYM_NAME_LEN + MODULE_NAME_LEN))
		what = "empty or over-long symbol";
	else if (d->flags & ~(KPC_F_DISABLED | KPC_F_FTRACE_OPS | KPC_F_NO_LATENCY))
		what = "unknown flags";
	else if (kind != KPC_KRETPROBE && (d->flags & KPC_F_NO_LATENCY))
		what = "KPC_F_NO_LATENCY is for kretprobes";
	else if (kind == KPC_KRETPROBE && (d->flags & KPC_F_FTRACE_OPS))
		what = "KPC_F_FTRACE_OPS is for kprobes";
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
	else if (kind == KPC_KRETPROBE && d->data_size > KPC_DATA_MAX) {
		what = "data_size over 4080 (KPC_DATA_MAX)";
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
	if (kind == KPC_URETPROBE)
		c->no_latency = d->flags & KPC_F_NO_LATENCY;
	if (kind == KPC_KRETPROBE) {
		c->maxactive = d->maxactive ? d->maxactive : kpc_default_maxactive();
		c->data_size = d->data_size;
		c->no_latency = d->flags & KPC_F_NO_LATENCY;
		/* handlers.c: no token, no call record, no slice */
		c->counting = c->no_latency && !d->entry && !d->data_size;
	}
	return c;
}

static void kpc_client_free(struct kpc_probe *c)
{
	put_pid(c->utgid);
	free_percpu(c->pcpu);
	kfree(c);
}

/* Publish @c on @site: after this its handlers run. */
static void kpc_site_link(struct kpc_site *site, struct kpc_probe *c)
{
	c->site = site;
	c->base_reentry = kpc_site_reentry(site);
	c->base_pool = kpc_site_pool(site);
	if (site->kind == KPC_KRETPROBE)
		site->slots |= BIT_ULL(c->slot);
	if (c->post)
		WRITE_ONCE(site->nposts, site->nposts + 1);
	if (site->kind == KPC_KRETPROBE && !c->no_latency)
		WRITE_ONCE(site->ntimed, site->ntimed + 1);
	list_add_tail_rcu(&c->site_node, &site->clients);
	site->nclients++;
}

/*
 * A free return-probe slot for a new client: one no client holds and no
 * call of a client that left is still in flight on (those calls return
 * through the slot's bit; a newcomer must not be given their tokens).
 */
static int kpc_site_free_slot(struct kpc_site *site)
{
	struct kpc_arm *arm = kpc_site_arm(site);
	unsigned int s;

	for (s = 0; s < KPC_KRET_SLOTS; s++)
		if (!(site->slots & BIT_ULL(s)) && kpc_arm_held_sum(arm, s) <= 0)
			return s;
	return -1;
}

static bool kpc_needs_rearm(struct kpc_site *site, const struct kpc_probe *c)
{
	struct kpc_arm *arm = kpc_site_arm(site);

	if (site->kind != KPC_KRETPROBE)
		return c->post && !arm->ftrace && !arm->has_post;
	const struct kpc_probe *o;
	int active = c->maxactive, counting = 0;

	if (kpc_slice_fit(arm, c) < 0)
		return true;
	list_for_each_entry(o, &site->clients, site_node) {
		active += o->maxactive;
		if (o->counting)
			counting += o->maxactive;
	}
	/* the shares of counting clients that left, kept under the arm's cap */
	active += arm->count_cap - counting;
	/* Too small for them all, unless already as large as the kernel allows. */
	return active + (int)nr_cpu_ids > arm->rp.maxactive &&
	       arm->rp.maxactive < KPC_MAXACTIVE_MAX;
}

static int kpc_site_join(struct kpc_site *site, struct kpc_probe *c)
{
	struct kpc_arm *arm = kpc_site_arm(site);
	int err, slot;

	if (site->kind == KPC_KRETPROBE) {
		slot = kpc_site_free_slot(site);
		if (slot < 0) {
			pr_err("%s: %s already has %d return-probe clients or calls of them in flight\n",
			       c->name, site->where, KPC_KRET_SLOTS);
			return -ENOSPC;
		}
		c->slot = slot;
	}
	if (kpc_needs_rearm(site, c)) {
		err = kpc_site_rearm(site, c);
		if (err)
			return err;
	} else if (site->kind == KPC_KRETPROBE) {
		int off = kpc_slice_fit(arm, c);

		/* The slot's old slice is free: no call of it is in flight. */
		if (off == arm->data_used) {
			arm->off[c->slot] = off;
			arm->len[c->slot] = ALIGN(c->data_size, 8);
			arm->data_used += arm->len[c->slot];
		}
	}
	/* The arm's cap (a new arm's too) before the client is published. */
	if (c->counting) {
		arm = kpc_site_arm(site);
		WRITE_ONCE(arm->count_cap, arm->count_cap + c->maxactive);
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

	/* What sprint_symbol() may write: a 511-character name, module, build id */
	BUILD_BUG_ON(sizeof(site->where) < KSYM_SYMBOL_LEN);
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

/*
 * Whether @addr lies in @symbol ("func" or "mod:func"): the kernel adds an
 * offset past the end of a function without complaint, landing in the
 * next one.
 */
static bool kpc_addr_in_symbol(unsigned long addr, const char *symbol)
{
	char buf[KSYM_SYMBOL_LEN];
	const char *func = strchr(symbol, ':');
	size_t len;

	func = func ? func + 1 : symbol;
	sprint_symbol_no_offset(buf, addr);
	len = strlen(func);
	return !strncmp(buf, func, len) && (buf[len] == '\0' || buf[len] == ' ');
}

/*
 * Whether @addr + @offset still lies in the function @addr is in, the same
 * rule for an address as kpc_addr_in_symbol() is for a name. An address
 * kallsyms cannot place is left to the kernel.
 */
static bool kpc_offset_in_function(unsigned long addr, unsigned int offset)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long off, size;
	const char *plus;

	sprint_symbol(buf, addr);	/* "func+0x10/0x40 [mod]" */
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, &size) != 2)
		return true;
	return off + offset < size;
}

/*
 * A new site for @d, published with a first arm and no client; -EEXIST
 * with *@other set when another name of the address is already a site.
 */
static struct kpc_site *kpc_site_create(const struct kpc_desc *d,
					enum kpc_kind kind,
					const struct kpc_probe *c,
					struct kpc_site **other)
{
	struct kpc_site *site;
	struct kpc_arm *arm;
	int err = -ENOMEM;

	site = kzalloc(sizeof(*site), GFP_KERNEL);
	if (!site)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&site->clients);
	seqcount_init(&site->stats_seq);
	site->kind = kind;
	site->req_offset = d->offset;
	site->req_addr = d->addr;
	if (d->symbol) {
		site->req_symbol = kstrdup(d->symbol, GFP_KERNEL);
		if (!site->req_symbol)
			goto err_free_site;
	}
	arm = kpc_arm_alloc(site, NULL, c);
	if (IS_ERR(arm)) {
		err = PTR_ERR(arm);
		goto err_free_site;
	}
	/* Registered but not current: its handlers do nothing yet. */
	err = kpc_arm_register(site, arm);
	if (err)
		goto err_free_arm;
	site->addr = (unsigned long)kpc_arm_kprobe(arm)->addr;
	site->ftrace = arm->ftrace;	/* before the arm is published, below */
	if (d->offset && (d->symbol ? !kpc_addr_in_symbol(site->addr, d->symbol) :
			  !kpc_offset_in_function(d->addr, d->offset))) {
		err = -ENOENT;
		goto err_unregister;
	}
	/* Not an ftrace site (notrace, or not a function entry): a kprobe, then. */
	if (kind == KPC_FENTRY && !arm->ftrace) {
		err = -EOPNOTSUPP;
		goto err_unregister;
	}
	/* Another name for an address we already probe: join that site. */
	*other = kpc_find_site(site->addr, kind);
	if (*other) {
		err = -EEXIST;
		goto err_unregister;
	}

	kpc_site_where(site);
	list_add_tail(&site->all_node, &kpc_sites);
	hash_add(kpc_sites_by_addr, &site->by_addr, site->addr);
	hash_add(kpc_sites_by_req, &site->by_req,
		 kpc_req_hash(d->symbol, d->offset, d->addr));
	rcu_assign_pointer(site->arm, arm);
	if (kind == KPC_FENTRY)
		kpc_fentry_add(site);
	return site;

err_unregister:
	kpc_arm_unregister(site, arm);
err_free_arm:
	kpc_arm_free(arm);
err_free_site:
	kpc_site_free(site);
	return ERR_PTR(err);
}

/* Unlink a site from the lookups: no new client can find it. */
static void kpc_site_unlink(struct kpc_site *site)
{
	list_del(&site->all_node);
	hash_del(&site->by_addr);
	hash_del(&site->by_req);
}

/* A site that never got a client: its arm never ran a handler. */
static void kpc_site_destroy(struct kpc_site *site)
{
	struct kpc_arm *arm = kpc_site_arm(site);

	if (site->kind == KPC_FENTRY)
		kpc_fentry_disarm(&site, 1);	/* never armed: out of the hash */
	kpc_site_unlink(site);
	kpc_arm_unregister(site, arm);
	/* The handler may have found it in the hash: a grace period, as for removals. */
	if (site->kind == KPC_FENTRY) {
		synchronize_rcu();
		kpc_fentry_sync();
	}
	kpc_arm_free(arm);
	kpc_site_free(site);
}

/*
 * The backend a kprobe client gets: the core's ftrace_ops when it asks
 * and the probe is at a function entry on a kernel that has one.
 */
static enum kpc_kind kpc_backend(const struct kpc_desc *d, enum kpc_kind kind)
{
	if (kind == KPC_KPROBE && (d->flags & KPC_F_FTRACE_OPS) && !d->offset &&
	    KPC_HAVE_FENTRY)
		return KPC_FENTRY;
	return kind;
}

static int kpc_client_place(const struct kpc_desc *d, enum kpc_kind kind,
			    struct kpc_probe *c)
{
	struct kpc_site *site, *other = NULL;
	int err;

	if (kpc_kind_user(kind))
		return kpc_uprobe_place(d, kind, c);
	site = kpc_find_site_by_req(d, kind);
	if (site)
		return kpc_site_join(site, c);
	c->slot = 0;
	site = kpc_site_create(d, kind, c, &other);
	if (IS_ERR(site) && PTR_ERR(site) == -EOPNOTSUPP && kind == KPC_FENTRY) {
		pr_info("%s/%s: %s is not an ftrace site: a kprobe instead of the ftrace_ops\n",
			kpc_owner_name(c->owner), c->name, d->symbol ?: "the address");
		return kpc_client_place(d, KPC_KPROBE, c);
	}
	if (IS_ERR(site))
		return PTR_ERR(site) == -EEXIST ? kpc_site_join(other, c) : PTR_ERR(site);
	err = kpc_site_join(site, c);
	if (err)
		kpc_site_destroy(site);
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
	case -ENOSPC:	return "too many return-probe clients on one function";
	default:	return "error";
	}
}

static struct kpc_probe *kpc_register_locked(const struct kpc_desc *d,
					     enum kpc_kind kind,
					     struct module *owner)
{
	struct kpc_probe *c;
	int err;

	lockdep_assert_held(&kpc_lock);
	err = kpc_check_desc(d, kind);
	if (err)
		return ERR_PTR(err);
	/*
	 * A module on its way out has had (or is having) its probes removed
	 * by the notifier: a probe registered now would outlive its handlers.
	 */
	if (owner && owner->state == MODULE_STATE_GOING) {
		pr_err("%s/%s: the module is being unloaded; not registering\n",
		       kpc_owner_name(owner), d->name);
		return ERR_PTR(-EBUSY);
	}
	if (kpc_find_client(d->name, owner)) {
		pr_err("%s/%s: a probe of that name is already registered\n",
		       kpc_owner_name(owner), d->name);
		return ERR_PTR(-EEXIST);
	}
	c = kpc_client_alloc(d, kind, owner);
	if (!c)
		return ERR_PTR(-ENOMEM);

	kpc_refusal = NULL;
	err = kpc_client_place(d, kpc_backend(d, kind), c);
	if (err) {
		if (kpc_kind_user(kind))	/* uprobe.c said why */
			pr_err("%s/%s: cannot probe %s in %s (%d)\n",
			       kpc_owner_name(owner), d->name, d->symbol ?: "an offset",
			       d->path, err);
		else if (d->symbol)
			pr_err("%s/%s: cannot probe %s+0x%x: %s (%d)\n",
			       kpc_owner_name(owner), d->name, d->symbol,
			       d->offset, kpc_refusal ?: kpc_errname(err), err);
		else
			pr_err("%s/%s: cannot probe address 0x%lx+0x%x: %s (%d)\n",
			       kpc_owner_name(owner), d->name, d->addr,
			       d->offset, kpc_refusal ?: kpc_errname(err), err);
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
 * one grace period if no site went away, then print and free. Sites that
 * keep clients but lost their last post client are re-armed without the
 * post handler, so the kernel may optimize them again.
 */
void kpc_remove_locked(struct kpc_probe **cs, unsigned int n)
{
	struct kprobe **kps = kvcalloc(n, sizeof(*kps), GFP_KERNEL);
	struct kretprobe **rps = kvcalloc(n, sizeof(*rps), GFP_KERNEL);
	struct kpc_site **fes = kvcalloc(n, sizeof(*fes), GFP_KERNEL);
	unsigned int i, nkp = 0, nrp = 0, nfe = 0;
	struct kpc_probe *c, *tmp;
	bool fentry = false, user = false;
	LIST_HEAD(dead);

	lockdep_assert_held(&kpc_lock);
	for (i = 0; i < n; i++) {
		struct kpc_site *site;
		struct kpc_arm *arm;

		c = cs[i];
		site = c->site;
		arm = kpc_site_arm(site);
		list_del_rcu(&c->site_node);
		hash_del(&c->by_name);
		list_move_tail(&c->all_node, &dead);
		if (c->post)
			WRITE_ONCE(site->nposts, site->nposts - 1);
		if (site->kind == KPC_KRETPROBE && !c->no_latency)
			WRITE_ONCE(site->ntimed, site->ntimed - 1);
		fentry |= site->kind == KPC_FENTRY;
		site->ndying++;
		if (kpc_kind_user(site->kind)) {
			kpc_uclient_leave(c);
			if (!--site->nclients) {
				kpc_usite_disarm(site);
				user = true;
			}
			continue;
		}
		if (--site->nclients)
			continue;
		kpc_site_unlink(site);
		if (site->kind == KPC_KRETPROBE)
			kpc_arm_untrack(arm);
		/* Out of the ftrace filter before the grace period below. */
		if (site->kind == KPC_FENTRY && fes)
			fes[nfe++] = site;
		else if (site->kind == KPC_FENTRY)
			kpc_fentry_disarm(&site, 1);
		if (site->no_kprobe)
			continue;
		if (site->kind != KPC_KRETPROBE && kps)
			kps[nkp++] = &arm->kp;
		else if (site->kind == KPC_KRETPROBE && rps)
			rps[nrp++] = &arm->rp;
		else if (site->kind != KPC_KRETPROBE)	/* no memory for the batch */
			unregister_kprobe(&arm->kp);
		else
			unregister_kretprobe(&arm->rp);
	}
	if (nfe)
		kpc_fentry_disarm(fes, nfe);
	if (nkp)
		unregister_kprobes(kps, nkp);
	if (nrp)
		unregister_kretprobes(rps, nrp);
	/* 6.12: one wait for every uprobe consumer unregistered above */
	if (user)
		kpc_uprobe_unregister_sync();
	if (!nkp && !nrp)
		synchronize_rcu();
	/* ftrace-ops handlers run where RCU may not be watching: fentry.c */
	if (fentry)
		kpc_fentry_sync();

	/* No handler of these clients can run now. */
	list_for_each_entry(c, &dead, all_node) {
		struct kpc_site *site = c->site;
		struct kpc_arm *arm = kpc_site_arm(site);

		if (site->kind == KPC_KPROBE && site->nclients && arm->has_post &&
		    !site->nposts)
			kpc_site_rearm(site, NULL);	/* keeps the old arm on failure */
	}
	list_for_each_entry_safe(c, tmp, &dead, all_node) {
		struct kpc_site *site = c->site;

		list_del(&c->all_node);
		kpc_print_summary(c);
		if (site->kind == KPC_KRETPROBE || site->kind == KPC_URETPROBE)
			site->slots &= ~BIT_ULL(c->slot);
		kpc_client_free(c);
		if (!--site->ndying && !site->nclients && kpc_kind_user(site->kind)) {
			kpc_usite_free(site);
		} else if (!site->ndying && !site->nclients) {
			kpc_arm_free(kpc_site_arm(site));
			kpc_site_free(site);
		}
	}
	kvfree(kps);
	kvfree(rps);
	kvfree(fes);
}

struct kpc_probe *__kpc_register(const struct kpc_desc *d, enum kpc_kind kind,
				 struct module *owner)
{
	struct kpc_probe *c;
	int err;

	mutex_lock(&kpc_lock);
	c = kpc_register_locked(d, kind, owner);
	err = IS_ERR(c) ? 0 : kpc_fentry_commit();
	if (err) {
		kpc_remove_locked(&c, 1);
		c = ERR_PTR(err);
	}
	mutex_unlock(&kpc_lock);
	return c;
}
EXPORT_SYMBOL_GPL(__kpc_register);

/* kpc_lock held: __kpc_register_batch(), and globs (glob.c) */
int kpc_register_batch_locked(const struct kpc_desc *d, enum kpc_kind kind,
			      struct kpc_probe **out, unsigned int n,
			      struct module *owner)
{
	unsigned int i;
	int err = 0;

	lockdep_assert_held(&kpc_lock);
	for (i = 0; i < n; i++) {
		out[i] = kpc_register_locked(&d[i], kind, owner);
		if (IS_ERR(out[i])) {
			err = PTR_ERR(out[i]);
			out[i] = NULL;
			if (i)
				kpc_remove_locked(out, i);
			/* Nothing stays registered: no handle is left to misuse. */
			memset(out, 0, n * sizeof(*out));
			return err;
		}
	}
	/* One ftrace update arms every ftrace-ops probe of the batch. */
	if (n) {
		err = kpc_fentry_commit();
		if (err) {
			kpc_remove_locked(out, n);
			memset(out, 0, n * sizeof(*out));
		}
	}
	return err;
}

int __kpc_register_batch(const struct kpc_desc *d, enum kpc_kind kind,
			 struct kpc_probe **out, unsigned int n,
			 struct module *owner)
{
	int err;

	if (!d || !out)
		return -EINVAL;
	mutex_lock(&kpc_lock);
	err = kpc_register_batch_locked(d, kind, out, n, owner);
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
	live = kvcalloc(n, sizeof(*live), GFP_KERNEL);
	mutex_lock(&kpc_lock);
	/* A handle given twice is removed once: mark them all first. */
	for (i = 0; i < n; i++) {
		if (IS_ERR_OR_NULL(p[i]) || p[i]->removing)
			continue;
		p[i]->removing = true;
		if (live)
			live[nlive++] = p[i];
	}
	/* No memory for one batch: one at a time, skipping copies. */
	for (i = 0; !live && i < n; i++) {
		unsigned int j;

		if (IS_ERR_OR_NULL(p[i]))
			continue;
		for (j = 0; j < i && p[j] != p[i]; j++)
			;
		if (j == i)
			kpc_remove_locked(&p[i], 1);
	}
	if (nlive)
		kpc_remove_locked(live, nlive);
	mutex_unlock(&kpc_lock);
	kvfree(live);
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
		info->ftrace = kpc_site_arm(site)->ftrace;
		info->post = !!kp->post_handler;
		info->rearms = site->rearms;
		info->pool = site->kind == KPC_KRETPROBE ?
			     kpc_site_arm(site)->rp.maxactive : 0;
		info->gone |= site->gone;
		err = 0;
		if (!info->gone)
			break;
	}
	mutex_unlock(&kpc_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kpc_lookup_addr);

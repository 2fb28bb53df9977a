// SPDX-License-Identifier: GPL-2.0
/*
 * User-space probes in the registry: a site is one place in one file
 * (inode and file offset) and one kind; its clients share one kernel
 * uprobe consumer, as kprobe clients share one kernel kprobe.
 *
 * A client's pid is the consumer's filter: the kernel asks the filter
 * before it puts the breakpoint into a process (at registration and at
 * every mmap of the file), so another process does not trap at all. A
 * process that has the breakpoint and no client wants (a fork of the
 * target, or one that mapped the file while a client without a pid was
 * there) traps once: the handler counts it as filtered and asks the kernel
 * to take the breakpoint out of that process.
 *
 * A filter only widens through a new consumer, whose registration puts
 * the breakpoint where the wider filter wants it: the site is re-armed
 * (new consumer registered, made current, old one unregistered), and
 * handlers of a consumer that is not the site's current one do nothing.
 *
 * Return probes time their calls in a table per site: the entry handler
 * takes a slot keyed by the task and its stack pointer at entry, the
 * return handler finds it by the same key (the stack pointer at return
 * less what the return popped), so recursion and threads keep apart. A
 * task that exits inside a probed call never returns: the exit hook
 * (exit.c) gives back its slots. A frame left by longjmp() is taken over
 * by the next call at the same stack pointer of the same task.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/uprobes.h>
#include <linux/vmalloc.h>
#include "kpc_internal.h"
#include "uprobe_elf.h"

#define KPC_UCALLS_BITS		10
#define KPC_UCALLS_PROBE	32	/* slots looked at from a call's hash */

static_assert(KPC_UCALLS_MAX == 1 << KPC_UCALLS_BITS);

/* One call in flight of a return-probe site. */
struct kpc_ucall {
	unsigned long task;	/* the task that took it; 0 when free */
	unsigned long sp;	/* its stack pointer at entry */
	u64 t0;			/* entry time, 0 if no client times it */
	u64 ran;		/* slots of the clients that saw the entry */
	u64 gen;		/* the site's joins as of the entry */
};

/* A kernel consumer of a site: one at a time, two while re-arming. */
struct kpc_ucons {
	struct uprobe_consumer uc;
	struct kpc_site *site;
	struct uprobe *handle;	/* 6.12's, for unregistering */
};

struct kpc_usite {
	struct hlist_node by_key;	/* kpc_usites_by_key, kpc_lock */
	struct list_head ret_node;	/* kpc_uret_sites, RCU: the exit hook */
	struct path path;		/* held until the consumer is gone */
	struct inode *inode;
	loff_t offset;
	struct kpc_ucons *cur;
	unsigned int nall;		/* clients without a pid */
	u64 gen;			/* joins so far */
	u64 __percpu *orphans;		/* returns of calls not in the table */
	atomic_t pending;		/* slots taken in calls[] */
	struct kpc_ucall *calls;	/* return probes: KPC_UCALLS_MAX */
};

static DEFINE_HASHTABLE(kpc_usites_by_key, 8);
static LIST_HEAD(kpc_uret_sites);
/* Slots taken in every table: the exit hook has nothing to do at 0. */
static atomic_t kpc_ucalls_pending = ATOMIC_INIT(0);

static u32 kpc_ukey(const struct inode *inode, loff_t offset)
{
	return hash_ptr(inode, 32) ^ hash_64(offset, 32);
}

/* In a handler: whether @c wants hits of the current process. */
static bool kpc_uclient_wants(const struct kpc_probe *c)
{
	return !c->utgid || c->utgid == task_tgid(current);
}

/*
 * In the filter: whether @mm is @c's process's. The process is followed
 * by its pid, not its mm, so an exec() in it keeps it probed: the mmap of
 * the new image asks the filter once the process runs on its new mm.
 */
static bool kpc_uclient_wants_mm(const struct kpc_probe *c, const struct mm_struct *mm)
{
	struct task_struct *t;

	if (!c->utgid)
		return true;
	t = pid_task(c->utgid, PIDTYPE_TGID);
	return t && READ_ONCE(t->mm) == mm;
}

static bool kpc_ufilter(KPC_UFILTER_ARGS)
{
	struct kpc_site *site = container_of(uc, struct kpc_ucons, uc)->site;
	struct kpc_probe *c;
	bool want = false;

	if (READ_ONCE(site->u->nall))
		return true;
	rcu_read_lock();
	kpc_for_each_client(c, site) {
		if (kpc_uclient_wants_mm(c, mm)) {
			want = true;
			break;
		}
	}
	rcu_read_unlock();
	return want;
}

/* ---- hits (the probed task, preemption off while the core counts) ---- */

static struct kpc_site *kpc_ucons_site(struct uprobe_consumer *uc)
{
	struct kpc_ucons *cons = container_of(uc, struct kpc_ucons, uc);

	return READ_ONCE(cons->site->u->cur) == cons ? cons->site : NULL;
}

static int kpc_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct kpc_site *site;
	struct kpc_probe *c;
	bool wanted = false;

	site = kpc_ucons_site(uc);
	if (!site)
		return 0;
	rcu_read_lock();
	preempt_disable();
	kpc_for_each_client(c, site) {
		if (!kpc_uclient_wants(c)) {
			this_cpu_inc(c->pcpu->filtered);
			continue;
		}
		wanted = true;
		if (!READ_ONCE(c->enabled))
			continue;
		this_cpu_inc(c->pcpu->hits);
		if (c->pre && c->pre(c, regs))
			this_cpu_inc(c->pcpu->pre_nonzero);
	}
	preempt_enable();
	rcu_read_unlock();
	/* Nobody wants this process: the kernel takes the breakpoint out of it. */
	return wanted ? 0 : UPROBE_HANDLER_REMOVE;
}

static struct kpc_ucall *kpc_ucall_at(struct kpc_usite *u, unsigned long sp,
				      unsigned int i)
{
	unsigned long key = (unsigned long)current ^ sp;

	return &u->calls[(hash_long(key, KPC_UCALLS_BITS) + i) & (KPC_UCALLS_MAX - 1)];
}

/* This task's call at @sp; only the task itself writes a slot it took. */
static struct kpc_ucall *kpc_ucall_find(struct kpc_usite *u, unsigned long sp)
{
	struct kpc_ucall *call;
	unsigned int i;

	for (i = 0; i < KPC_UCALLS_PROBE; i++) {
		call = kpc_ucall_at(u, sp, i);
		if (READ_ONCE(call->task) == (unsigned long)current && call->sp == sp)
			return call;
	}
	return NULL;
}

static struct kpc_ucall *kpc_ucall_take(struct kpc_usite *u, unsigned long sp)
{
	struct kpc_ucall *call = kpc_ucall_find(u, sp);
	unsigned int i;

	if (call)	/* a frame abandoned by longjmp(): this call replaces it */
		return call;
	for (i = 0; i < KPC_UCALLS_PROBE; i++) {
		call = kpc_ucall_at(u, sp, i);
		if (!READ_ONCE(call->task) &&
		    !cmpxchg(&call->task, 0, (unsigned long)current)) {
			call->sp = sp;
			atomic_inc(&u->pending);
			atomic_inc(&kpc_ucalls_pending);
			return call;
		}
	}
	return NULL;
}

static void kpc_ucall_put(struct kpc_usite *u, struct kpc_ucall *call)
{
	atomic_dec(&kpc_ucalls_pending);
	atomic_dec(&u->pending);
	/* The slot's fields are done with before another task may take it. */
	smp_store_release(&call->task, 0);
}

static int kpc_uret_entry(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	bool wanted = false, timed = false;
	struct kpc_ucall *call;
	struct kpc_site *site;
	struct kpc_probe *c;
	u64 ran = 0, gen;

	site = kpc_ucons_site(uc);
	if (!site)
		return 0;
	rcu_read_lock();
	preempt_disable();
	/* Clients that join after this read are not told of this call's return. */
	gen = READ_ONCE(site->u->gen);
	/* Read before the list: pairs with list_add_tail_rcu() after gen++. */
	smp_rmb();
	kpc_for_each_client(c, site) {
		if (!kpc_uclient_wants(c)) {
			this_cpu_inc(c->pcpu->filtered);
			continue;
		}
		wanted = true;
		if (!READ_ONCE(c->enabled) || c->ugen > gen)
			continue;
		this_cpu_inc(c->pcpu->hits);
		ran |= BIT_ULL(c->slot);
		timed |= !c->no_latency;
	}
	if (ran) {
		call = kpc_ucall_take(site->u, user_stack_pointer(regs));
		if (call) {
			call->ran = ran;
			call->gen = gen;
			call->t0 = timed ? ktime_get_mono_fast_ns() : 0;
		} else {
			kpc_for_each_client(c, site)
				if (ran & BIT_ULL(c->slot))
					this_cpu_inc(c->pcpu->missed_pool);
		}
	}
	preempt_enable();
	rcu_read_unlock();
	return wanted ? 0 : UPROBE_HANDLER_REMOVE;
}

static int kpc_uret_return(struct uprobe_consumer *uc, unsigned long func,
			   struct pt_regs *regs)
{
	struct kpc_ucall *call;
	struct kpc_site *site;
	struct kpc_probe *c;
	u64 ns;

	site = kpc_ucons_site(uc);
	if (!site)
		return 0;
	call = kpc_ucall_find(site->u, user_stack_pointer(regs) - KPC_URET_SP_SKEW);
	rcu_read_lock();
	preempt_disable();
	if (!call) {
		/* a fork's child returning from its parent's call, or a table full */
		this_cpu_inc(*site->u->orphans);
		goto out;
	}
	ns = call->t0 ? kpc_elapsed_ns(call->t0, ktime_get_mono_fast_ns()) : 0;
	kpc_for_each_client(c, site) {
		if (!(call->ran & BIT_ULL(c->slot)) || c->ugen > call->gen ||
		    !READ_ONCE(c->enabled))
			continue;
		if (c->no_latency)	/* the return, counted; no time */
			this_cpu_inc(c->pcpu->lat_count);
		else
			kpc_lat_record(c->pcpu, ns);
		if (c->ret)
			c->ret(c, regs, NULL, c->no_latency ? 0 : ns);
	}
	kpc_ucall_put(site->u, call);
out:
	preempt_enable();
	rcu_read_unlock();
	return 0;
}

/* The exit hook (exit.c), in the exiting task: its calls will not return. */
void kpc_uprobe_task_exit(void)
{
	struct kpc_usite *u;
	unsigned int i;

	if (!atomic_read(&kpc_ucalls_pending))
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(u, &kpc_uret_sites, ret_node) {
		for (i = 0; atomic_read(&u->pending) && i < KPC_UCALLS_MAX; i++)
			if (READ_ONCE(u->calls[i].task) == (unsigned long)current)
				kpc_ucall_put(u, &u->calls[i]);
	}
	rcu_read_unlock();
}

int kpc_usite_pending(const struct kpc_site *site)
{
	return atomic_read(&site->u->pending);
}

u64 kpc_usite_orphans(const struct kpc_site *site)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(*per_cpu_ptr(site->u->orphans, cpu));
	return n;
}

/* ---- registering (kpc_lock held) ---- */

static const char *kpc_elf_errno(int err, int *errno)
{
	switch (err) {
	case KPU_ELF_NOT_ELF:
	case KPU_ELF_UNSUPPORTED:
	case KPU_ELF_BAD:
		*errno = -ENOEXEC;
		break;
	case KPU_ELF_NO_SYMBOL:
		*errno = -ENOENT;
		break;
	case KPU_ELF_TOO_BIG:
		*errno = -E2BIG;
		break;
	case KPU_ELF_READ:
		*errno = -EIO;
		break;
	default:
		*errno = -EINVAL;
	}
	return kpu_elf_error_text(err);
}

static int kpc_file_read(void *ctx, void *buf, size_t len, u64 off)
{
	loff_t pos = off;
	ssize_t n = kernel_read(ctx, buf, len, &pos);

	if (n < 0)
		return n;
	return n == len ? 0 : -EIO;
}

/* @d's symbol as a file offset, through the ELF resolver (uprobe_elf.c). */
static int kpc_usymbol_offset(const struct kpc_desc *d, const struct path *path,
			      struct kpc_probe *c, u64 *offset)
{
	struct kpu_elf_file f = { .read = kpc_file_read };
	struct file *file;
	int err, errno;

	file = dentry_open(path, O_RDONLY, current_cred());
	if (IS_ERR(file)) {
		pr_err("%s/%s: cannot open %s: %ld\n", kpc_owner_name(c->owner),
		       c->name, d->path, PTR_ERR(file));
		return PTR_ERR(file);
	}
	f.ctx = file;
	f.size = i_size_read(file_inode(file));
	err = kpu_elf_func_offset(&f, d->symbol, offset);
	fput(file);
	if (err == KPU_ELF_OK)
		return 0;
	pr_err("%s/%s: %s in %s: %s\n", kpc_owner_name(c->owner), c->name,
	       d->symbol, d->path, kpc_elf_errno(err, &errno));
	return errno;
}

/*
 * The process (thread group) thread @nr of the caller's pid namespace is
 * in, referenced by its pid; -ESRCH for none, or a kernel thread.
 */
static int kpc_uclient_target(struct kpc_probe *c, pid_t nr)
{
	struct task_struct *t;
	struct pid *pid;

	pid = find_get_pid(nr);
	t = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (t && !(t->flags & PF_KTHREAD))
		c->utgid = get_pid(task_tgid(t));
	if (t)
		put_task_struct(t);
	if (!c->utgid) {
		pr_err("%s/%s: pid %d: no such process (or a kernel thread)\n",
		       kpc_owner_name(c->owner), c->name, nr);
		return -ESRCH;
	}
	return 0;
}

static struct kpc_site *kpc_usite_find(struct inode *inode, loff_t offset,
				       enum kpc_kind kind)
{
	struct kpc_usite *u;

	hash_for_each_possible(kpc_usites_by_key, u, by_key, kpc_ukey(inode, offset)) {
		struct kpc_site *site = u->cur->site;

		if (u->inode == inode && u->offset == offset && site->kind == kind)
			return site;
	}
	return NULL;
}

static struct kpc_ucons *kpc_ucons_arm(struct kpc_site *site)
{
	struct kpc_ucons *cons = kzalloc(sizeof(*cons), GFP_KERNEL);
	int err;

	if (!cons)
		return ERR_PTR(-ENOMEM);
	cons->site = site;
	cons->uc.filter = kpc_ufilter;
	if (site->kind == KPC_UPROBE) {
		cons->uc.handler = kpc_uprobe_hit;
	} else {
		cons->uc.handler = kpc_uret_entry;
		cons->uc.ret_handler = kpc_uret_return;
	}
	err = kpc_uprobe_register(site->u->inode, site->u->offset, &cons->uc,
				  &cons->handle);
	if (err) {
		kfree(cons);
		return ERR_PTR(err);
	}
	return cons;
}

static void kpc_ucons_disarm(struct kpc_site *site, struct kpc_ucons *cons)
{
	kpc_uprobe_unregister_nosync(site->u->inode, site->u->offset, &cons->uc,
				     cons->handle);
}

/* The site's consumer is gone from the kernel: unlinks it (kpc_lock). */
void kpc_usite_disarm(struct kpc_site *site)
{
	list_del(&site->all_node);
	hash_del(&site->u->by_key);
	if (site->kind == KPC_URETPROBE)
		list_del_rcu(&site->u->ret_node);
	kpc_ucons_disarm(site, site->u->cur);
}

/* After kpc_uprobe_unregister_sync() and an RCU grace period. */
void kpc_usite_free(struct kpc_site *site)
{
	struct kpc_usite *u = site->u;

	if (u) {
		atomic_sub(atomic_read(&u->pending), &kpc_ucalls_pending);
		kfree(u->cur);
		vfree(u->calls);
		free_percpu(u->orphans);
		path_put(&u->path);
		kfree(u);
	}
	kfree(site->req_symbol);
	kfree(site);
}

static struct kpc_site *kpc_usite_alloc(const struct kpc_desc *d, enum kpc_kind kind,
					struct path *path, loff_t offset)
{
	struct kpc_site *site = kzalloc(sizeof(*site), GFP_KERNEL);
	struct kpc_usite *u = kzalloc(sizeof(*u), GFP_KERNEL);

	if (site)
		site->u = u;
	if (!site || !u)
		goto err;
	INIT_LIST_HEAD(&site->clients);
	seqcount_init(&site->stats_seq);
	site->kind = kind;
	site->addr = offset;
	u->offset = offset;
	u->orphans = alloc_percpu(u64);
	if (!u->orphans)
		goto err;
	if (kind == KPC_URETPROBE) {
		u->calls = vzalloc(array_size(KPC_UCALLS_MAX, sizeof(*u->calls)));
		if (!u->calls)
			goto err;
	}
	if (d->symbol && d->offset)
		snprintf(site->where, sizeof(site->where), "%s:0x%llx (%s+0x%x)",
			 d->path, offset, d->symbol, d->offset);
	else if (d->symbol)
		snprintf(site->where, sizeof(site->where), "%s:0x%llx (%s)",
			 d->path, offset, d->symbol);
	else
		snprintf(site->where, sizeof(site->where), "%s:0x%llx", d->path, offset);
	u->path = *path;
	u->inode = d_real_inode(path->dentry);
	return site;
err:
	if (u)
		free_percpu(u->orphans);
	kfree(u);
	kfree(site);
	return NULL;
}

/* Whether @c's process already traps at @site (no new consumer needed). */
static bool kpc_usite_covers(struct kpc_site *site, const struct kpc_probe *c)
{
	struct kpc_probe *o;

	if (site->u->nall)
		return true;
	if (!c->utgid)
		return false;
	list_for_each_entry(o, &site->clients, site_node)
		if (o->utgid == c->utgid)
			return true;
	return false;
}

static int kpc_usite_join(struct kpc_site *site, struct kpc_probe *c, bool fresh)
{
	struct kpc_ucons *old = site->u->cur, *cons;
	bool covered = !fresh && kpc_usite_covers(site, c);
	int slot = 0;

	if (site->kind == KPC_URETPROBE) {
		slot = ffz(site->slots);
		if (site->slots == ~0ULL) {
			pr_err("%s/%s: %s already has %d return-probe clients\n",
			       kpc_owner_name(c->owner), c->name, site->where,
			       KPC_RET_SLOTS);
			return -ENOSPC;
		}
	}
	c->slot = slot;
	c->site = site;
	c->base_reentry = 0;
	c->base_pool = 0;
	WRITE_ONCE(site->u->gen, site->u->gen + 1);
	c->ugen = site->u->gen;
	/* Seen by the filter from here: a new consumer puts the breakpoint there. */
	list_add_tail_rcu(&c->site_node, &site->clients);
	if (!c->utgid)
		WRITE_ONCE(site->u->nall, site->u->nall + 1);
	if (!covered) {
		cons = kpc_ucons_arm(site);
		if (IS_ERR(cons)) {
			if (!c->utgid)
				WRITE_ONCE(site->u->nall, site->u->nall - 1);
			list_del_rcu(&c->site_node);
			synchronize_rcu();
			return PTR_ERR(cons);
		}
		WRITE_ONCE(site->u->cur, cons);
		if (old) {
			kpc_ucons_disarm(site, old);
			kpc_uprobe_unregister_sync();
			kfree(old);
			site->rearms++;
		}
	}
	site->slots |= BIT_ULL(slot);
	site->nclients++;
	return 0;
}

static int kpc_upath(const struct kpc_desc *d, struct kpc_probe *c, struct path *path)
{
	int err = kern_path(d->path, LOOKUP_FOLLOW, path);

	if (err) {
		pr_err("%s/%s: %s: %s (%d)\n", kpc_owner_name(c->owner), c->name,
		       d->path, err == -ENOENT ? "no such file" : "cannot look it up", err);
		return err;
	}
	if (d_is_reg(path->dentry))
		return 0;
	err = d_is_dir(path->dentry) ? -EISDIR : -EINVAL;
	pr_err("%s/%s: %s: %s\n", kpc_owner_name(c->owner), c->name, d->path,
	       err == -EISDIR ? "a directory" : "not a regular file");
	path_put(path);
	return err;
}

int kpc_uprobe_place(const struct kpc_desc *d, enum kpc_kind kind,
		     struct kpc_probe *c)
{
	struct kpc_site *site;
	struct inode *inode;
	struct path path;
	u64 offset = d->file_offset;
	int err;

	lockdep_assert_held(&kpc_lock);
	err = kpc_upath(d, c, &path);
	if (err)
		return err;
	if (d->symbol) {
		err = kpc_usymbol_offset(d, &path, c, &offset);
		if (err)
			goto err_put;
		offset += d->offset;
	}
	inode = d_real_inode(path.dentry);
	if (offset >= i_size_read(inode)) {
		pr_err("%s/%s: offset 0x%llx is past the end of %s (%lld bytes)\n",
		       kpc_owner_name(c->owner), c->name, offset, d->path,
		       i_size_read(inode));
		err = -EINVAL;
		goto err_put;
	}
	if (d->pid) {
		err = kpc_uclient_target(c, d->pid);
		if (err)
			goto err_put;
	}
	site = kpc_usite_find(inode, offset, kind);
	if (site) {
		path_put(&path);
		return kpc_usite_join(site, c, false);
	}
	site = kpc_usite_alloc(d, kind, &path, offset);
	if (!site) {
		err = -ENOMEM;
		goto err_put;
	}
	err = kpc_usite_join(site, c, true);
	/*
	 * The kernel decodes the instruction as it puts the breakpoint into a
	 * process: x86 says -ENOTSUPP (no errno of user space) for one it will
	 * not single-step, or -ENOEXEC for bytes that are no instruction.
	 */
	if (err == -ENOTSUPP || err == -ENOEXEC) {
		pr_err("%s/%s: the kernel refuses a uprobe at %s: an instruction uprobes cannot probe (%d)\n",
		       kpc_owner_name(c->owner), c->name, site->where, err);
		err = -EINVAL;
	} else if (err) {
		pr_err("%s/%s: the kernel refuses a uprobe at %s: %d\n",
		       kpc_owner_name(c->owner), c->name, site->where, err);
	}
	if (err) {
		kpc_usite_free(site);	/* puts the path */
		return err;
	}
	list_add_tail(&site->all_node, &kpc_sites);
	hash_add(kpc_usites_by_key, &site->u->by_key, kpc_ukey(inode, offset));
	if (kind == KPC_URETPROBE)
		list_add_rcu(&site->u->ret_node, &kpc_uret_sites);
	return 0;
err_put:
	path_put(&path);
	return err;
}

/* @c leaves its site (kpc_lock): the filter stops counting it. */
void kpc_uclient_leave(struct kpc_probe *c)
{
	if (!c->utgid)
		WRITE_ONCE(c->site->u->nall, c->site->u->nall - 1);
}

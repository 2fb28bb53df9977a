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
 * The kernel asks a consumer's filter when the consumer registers and at
 * each mmap, so a filter that widens (a client with another pid, or none,
 * joins) needs a registration to put the breakpoint into processes that
 * already map the file: the core registers a second consumer with the
 * same filter whose handler is neutral (it asks for removal, which the
 * kernel ANDs over consumers) and unregisters it at once. The site's own
 * consumer stays, so no hit is lost or taken twice meanwhile.
 *
 * A return probe's timed clients find their calls again in a table per
 * site, made when the first of them joins (clients that only count need
 * none: a site that never had a timed client has no table): the entry handler
 * takes a slot keyed by the task and its stack pointer at entry, the
 * return handler finds it by the same key (the stack pointer at return
 * less what the return popped), so recursion and threads keep apart. A
 * task that exits or exec()s inside a probed call never returns there:
 * the exit and exec hooks (exit.c) give back its slots. A frame left by
 * longjmp() is taken over by the next call at the same stack pointer of
 * the same task unless a free slot comes first in its window; else, or
 * for another stack pointer, it holds its slot until the task exits or
 * execs (each longjmp() out of a timed call may leave one). A tail call
 * into the function (the kernel chains its return to the caller's, at the
 * same stack pointer) may take over the caller's slot: one return is then
 * timed, the other counted as an orphan.
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
#define KPC_UCALLS_PROBE	8	/* slots looked at from a call's hash */

static_assert(KPC_UCALLS_MAX == 1 << KPC_UCALLS_BITS);

/* One call in flight of a return-probe site. */
struct kpc_ucall {
	unsigned long task;	/* the task that took it; 0 when free */
	unsigned long sp;	/* its stack pointer at entry */
	u64 t0;			/* entry time, 0 if no timed client saw it */
	u64 ran;		/* slots of the clients that saw the entry */
	u64 gen;		/* the site's joins as of the entry */
};

/* A kernel consumer of a site: its own, or a widening one for a moment. */
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
	struct kpc_ucons cons;		/* registered while the site lives */
	bool armed;
	unsigned int nall;		/* clients without a pid */
	u64 gen;			/* joins so far */
	u64 __percpu *orphans;		/* returns a timed client wants, not in the table */
	atomic_t pending;		/* slots taken in calls[] */
	struct kpc_ucall *calls;	/* KPC_UCALLS_MAX, from the first timed client on */
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
	struct task_struct *leader, *t;

	if (!c->utgid)
		return true;
	leader = pid_task(c->utgid, PIDTYPE_TGID);
	if (!leader)
		return false;
	if (READ_ONCE(leader->mm) == mm)
		return true;
	/* A leader that ended before its threads has no mm: ask them. */
	for_each_thread(leader, t)
		if (READ_ONCE(t->mm) == mm)
			return true;
	return false;
}

/* Whether a client of @site wants the process of @mm (RCU or kpc_lock). */
static bool kpc_usite_wants_mm(struct kpc_site *site, const struct mm_struct *mm)
{
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

static bool kpc_ufilter(KPC_UFILTER_ARGS)
{
	return kpc_usite_wants_mm(container_of(uc, struct kpc_ucons, uc)->site, mm);
}

/*
 * What a handler returns when no client wanted the hit: the kernel takes
 * the breakpoint out of this process, unless a client wants its mm after
 * all (a vfork() child of the target runs on the target's mm, and 6.1
 * removes without asking the filter again).
 */
static int kpc_uhandler_rc(struct kpc_site *site, bool wanted)
{
	if (wanted || kpc_usite_wants_mm(site, current->mm))
		return 0;
	return UPROBE_HANDLER_REMOVE;
}

/*
 * ---- hits (the probed task) ----
 * Preemption is off while the core counts: a read-side critical section
 * for the clients list, as synchronize_rcu() waits for those too, at
 * less cost than rcu_read_lock() on a preemptible-RCU kernel.
 */

static struct kpc_site *kpc_ucons_site(struct uprobe_consumer *uc)
{
	return container_of(uc, struct kpc_ucons, uc)->site;
}

/* A widening consumer's hit: neutral (removal is ANDed over consumers). */
static int kpc_uwiden_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	return UPROBE_HANDLER_REMOVE;
}

static int kpc_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct kpc_site *site;
	struct kpc_probe *c;
	bool wanted = false;

	site = kpc_ucons_site(uc);
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
	/* Nobody wants this process: the kernel takes the breakpoint out of it. */
	return kpc_uhandler_rc(site, wanted);
}

/* Where a call of this task at @sp is looked for: KPC_UCALLS_PROBE slots from here. */
static unsigned int kpc_ucall_hash(unsigned long sp)
{
	return hash_long((unsigned long)current ^ sp, KPC_UCALLS_BITS);
}

static struct kpc_ucall *kpc_ucall_slot(struct kpc_ucall *calls, unsigned int h, unsigned int i)
{
	return &calls[(h + i) & (KPC_UCALLS_MAX - 1)];
}

/* This task's call at @sp; only the task itself writes a slot it took. */
static struct kpc_ucall *kpc_ucall_find(struct kpc_ucall *calls, unsigned long sp)
{
	unsigned int h = kpc_ucall_hash(sp), i;
	struct kpc_ucall *call;

	for (i = 0; i < KPC_UCALLS_PROBE; i++) {
		call = kpc_ucall_slot(calls, h, i);
		if (READ_ONCE(call->task) == (unsigned long)current && call->sp == sp)
			return call;
	}
	return NULL;
}

/*
 * A slot for this task's call at @sp, in one pass over the window that
 * stops at the first free slot, taken with a cmpxchg (another task may
 * take it first: then the next). A slot of this task at this @sp before
 * it, left by a longjmp(), is taken over; one left after it stays until
 * the task exits or execs, and is never found first: kpc_ucall_find()
 * looks from the start of the window too.
 */
static struct kpc_ucall *kpc_ucall_take(struct kpc_usite *u, struct kpc_ucall *calls,
					 unsigned long sp)
{
	unsigned int h = kpc_ucall_hash(sp), i;
	unsigned long me = (unsigned long)current, t;
	struct kpc_ucall *call;

	for (i = 0; i < KPC_UCALLS_PROBE; i++) {
		call = kpc_ucall_slot(calls, h, i);
		t = READ_ONCE(call->task);
		if (t == me && call->sp == sp)
			return call;
		if (!t && !cmpxchg(&call->task, 0, me)) {
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
	struct kpc_site *site;
	struct kpc_probe *c;
	struct kpc_ucall *call, *calls;
	bool wanted = false;
	u64 ran = 0, timed = 0, gen;

	site = kpc_ucons_site(uc);
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
		if (!c->no_latency)
			timed |= BIT_ULL(c->slot);
	}
	/*
	 * The call is recorded where a table exists (a timed client is or
	 * was there), so that a timed client that did not see it enter is
	 * not told of its return; a site of counting clients has none.
	 */
	if (!ran)
		goto out;
	/* A timed client seen above implies its table: pairs with list_add_tail_rcu(). */
	smp_rmb();
	calls = READ_ONCE(site->u->calls);
	call = calls ? kpc_ucall_take(site->u, calls, user_stack_pointer(regs)) : NULL;
	if (call) {
		call->ran = ran;
		call->gen = gen;
		call->t0 = timed ? ktime_get_mono_fast_ns() : 0;
	} else if (timed) {
		kpc_for_each_client(c, site)
			if (timed & BIT_ULL(c->slot))
				this_cpu_inc(c->pcpu->missed_pool);
	}
out:
	preempt_enable();
	return kpc_uhandler_rc(site, wanted);
}

/*
 * A client that only counts (KPC_F_NO_LATENCY) counts every return the
 * kernel reports in a process it wants, as a counting uretprobe of the
 * kernel's or bpftrace's does: one that joins while calls are in flight
 * counts their returns too. A timed client is told only of the returns of
 * calls it saw enter, found in the table.
 */
static int kpc_uret_return(struct uprobe_consumer *uc, unsigned long func,
			   struct pt_regs *regs)
{
	struct kpc_ucall *call = NULL, *calls;
	bool orphan = false;
	struct kpc_site *site;
	struct kpc_probe *c;
	u64 ns = 0;

	site = kpc_ucons_site(uc);
	/* No table, no call recorded: a site that never had a timed client. */
	calls = READ_ONCE(site->u->calls);
	if (calls)
		call = kpc_ucall_find(calls, user_stack_pointer(regs) -
					     kpc_uret_sp_skew(regs));
	preempt_disable();
	if (call && call->t0)
		ns = kpc_elapsed_ns(call->t0, ktime_get_mono_fast_ns());
	kpc_for_each_client(c, site) {
		if (!READ_ONCE(c->enabled))
			continue;
		if (c->no_latency) {	/* the return, counted; no time */
			if (!kpc_uclient_wants(c))
				continue;
			this_cpu_inc(c->pcpu->lat_count);
			if (c->ret)
				c->ret(c, regs, NULL, 0);
			continue;
		}
		if (!call) {
			/*
			 * A fork's child returning from its parent's call, a
			 * call not recorded (table full, a tail call, a call
			 * in flight when the site's first timed client came):
			 * an orphan, if a timed client wants this process
			 * (another consumer of the same place may have kept
			 * the breakpoint in one none of ours wants).
			 */
			orphan |= kpc_uclient_wants(c);
			continue;
		}
		if (!(call->ran & BIT_ULL(c->slot)) || c->ugen > call->gen)
			continue;
		kpc_lat_record(c->pcpu, ns);
		if (c->ret)
			c->ret(c, regs, NULL, ns);
	}
	if (call)
		kpc_ucall_put(site->u, call);
	else if (orphan)
		this_cpu_inc(*site->u->orphans);
	preempt_enable();
	return 0;
}

/* The exit and exec hooks (exit.c), in the task: its calls will not return. */
void kpc_uprobe_task_gone(void)
{
	struct kpc_usite *u;
	unsigned int i;

	if (!atomic_read(&kpc_ucalls_pending))
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(u, &kpc_uret_sites, ret_node) {
		/* A task holding a slot of this table has seen it: no later than us. */
		struct kpc_ucall *calls = READ_ONCE(u->calls);

		for (i = 0; calls && atomic_read(&u->pending) && i < KPC_UCALLS_MAX; i++)
			if (READ_ONCE(calls[i].task) == (unsigned long)current)
				kpc_ucall_put(u, &calls[i]);
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

struct kpc_ufile {
	struct file *file;
	int err;	/* the read's error, the resolver says only KPU_ELF_READ */
};

static int kpc_file_read(void *ctx, void *buf, size_t len, u64 off)
{
	struct kpc_ufile *uf = ctx;
	loff_t pos = off;
	ssize_t n;

	/* A hostile file may take long to look through: kill -9 stops it. */
	if (fatal_signal_pending(current))
		n = -EINTR;
	else
		n = kernel_read(uf->file, buf, len, &pos);
	if (n >= 0 && n != len)
		n = -EIO;
	if (n < 0) {
		uf->err = n;
		return n;
	}
	return 0;
}

/*
 * @d's symbol (plus @d->offset, inside the function when the file gives
 * its size) as a file offset, through the ELF resolver (uprobe_elf.c).
 */
static int kpc_usymbol_offset(const struct kpc_desc *d, const struct path *path,
			      struct kpc_probe *c, u64 *offset)
{
	struct kpu_elf_file f = { .read = kpc_file_read };
	struct kpc_ufile uf = { };
	int err, errno;
	u64 size;

	uf.file = dentry_open(path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(uf.file)) {
		pr_err("%s/%s: cannot open %s: %ld\n", kpc_owner_name(c->owner),
		       c->name, d->path, PTR_ERR(uf.file));
		return PTR_ERR(uf.file);
	}
	f.ctx = &uf;
	f.size = i_size_read(file_inode(uf.file));
	err = kpu_elf_func_offset(&f, d->symbol, offset, &size);
	fput(uf.file);
	if (err == KPU_ELF_OK && size && d->offset >= size) {
		pr_err("%s/%s: %s+0x%x in %s: past the function's end (its size is %llu)\n",
		       kpc_owner_name(c->owner), c->name, d->symbol, d->offset,
		       d->path, size);
		return -EINVAL;
	}
	if (err == KPU_ELF_OK) {
		*offset += d->offset;
		return 0;
	}
	pr_err("%s/%s: %s in %s: %s\n", kpc_owner_name(c->owner), c->name,
	       d->symbol, d->path, kpc_elf_errno(err, &errno));
	return err == KPU_ELF_READ && uf.err ? uf.err : errno;
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

	hash_for_each_possible(kpc_usites_by_key, u, by_key, kpc_ukey(inode, offset))
		if (u->inode == inode && u->offset == offset && u->cons.site->kind == kind)
			return u->cons.site;
	return NULL;
}

/*
 * Register @cons at its site's place. The kernel decodes the instruction
 * as it puts the breakpoint into a process mapping the file: x86 says
 * -ENOTSUPP (no errno of user space) for one it will not single-step, or
 * -ENOEXEC for bytes that are no instruction. Both become -EINVAL.
 */
static int kpc_ucons_register(struct kpc_ucons *cons, struct kpc_probe *c)
{
	struct kpc_site *site = cons->site;
	int err;

	err = kpc_uprobe_register(site->u->inode, site->u->offset, &cons->uc,
				  &cons->handle);
	if (err == -ENOTSUPP || err == -ENOEXEC) {
		pr_err("%s/%s: the kernel refuses a uprobe at %s: an instruction uprobes cannot probe (%d)\n",
		       kpc_owner_name(c->owner), c->name, site->where, err);
		err = -EINVAL;
	} else if (err) {
		pr_err("%s/%s: the kernel refuses a uprobe at %s: %d\n",
		       kpc_owner_name(c->owner), c->name, site->where, err);
	}
	return err;
}

/* The site's consumer is gone from the kernel: unlinks it (kpc_lock). */
void kpc_usite_disarm(struct kpc_site *site)
{
	struct kpc_usite *u = site->u;

	list_del(&site->all_node);
	hash_del(&u->by_key);
	if (site->kind == KPC_URETPROBE)
		list_del_rcu(&u->ret_node);
	kpc_uprobe_unregister_nosync(u->inode, u->offset, &u->cons.uc, u->cons.handle);
	u->armed = false;
}

/*
 * After kpc_uprobe_unregister_sync() and an RCU grace period, or for a
 * site whose consumer never registered.
 */
void kpc_usite_free(struct kpc_site *site)
{
	struct kpc_usite *u = site->u;

	if (u) {
		atomic_sub(atomic_read(&u->pending), &kpc_ucalls_pending);
		vfree(u->calls);
		free_percpu(u->orphans);
		path_put(&u->path);
		kfree(u);
	}
	kfree(site->req_symbol);
	kfree(site);
}

/* "path:0xOFF (sym+0x4)", the path's head cut ("...") so the rest fits */
static void kpc_usite_where(struct kpc_site *site, const struct kpc_desc *d, u64 offset)
{
	char tail[KSYM_NAME_LEN + 48];
	size_t room, len = strlen(d->path);

	if (d->symbol && d->offset)
		snprintf(tail, sizeof(tail), ":0x%llx (%s+0x%x)", offset, d->symbol, d->offset);
	else if (d->symbol)
		snprintf(tail, sizeof(tail), ":0x%llx (%s)", offset, d->symbol);
	else
		snprintf(tail, sizeof(tail), ":0x%llx", offset);
	BUILD_BUG_ON(sizeof(site->where) < sizeof(tail) + 16);
	room = sizeof(site->where) - strlen(tail) - 1;
	if (len <= room)
		snprintf(site->where, sizeof(site->where), "%s%s", d->path, tail);
	else
		snprintf(site->where, sizeof(site->where), "...%s%s",
			 d->path + len - (room - 3), tail);
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
	u->cons.site = site;
	u->cons.uc.filter = kpc_ufilter;
	if (kind == KPC_UPROBE) {
		u->cons.uc.handler = kpc_uprobe_hit;
	} else {
		u->cons.uc.handler = kpc_uret_entry;
		u->cons.uc.ret_handler = kpc_uret_return;
	}
	u->orphans = alloc_percpu(u64);
	if (!u->orphans)
		goto err;
	kpc_usite_where(site, d, offset);
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

/* Whether @c's process already traps at @site (no new registration needed). */
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

/*
 * Put the breakpoint into the processes the wider filter (with @c in the
 * list) wants: a second consumer, registered and gone again. Its handler
 * is neutral, and the site's own consumer counts every hit meanwhile.
 */
static int kpc_usite_widen(struct kpc_site *site, struct kpc_probe *c)
{
	struct kpc_ucons *w = kzalloc(sizeof(*w), GFP_KERNEL);
	int err;

	if (!w)
		return -ENOMEM;
	w->site = site;
	w->uc.filter = kpc_ufilter;
	w->uc.handler = kpc_uwiden_hit;
	err = kpc_ucons_register(w, c);
	if (!err) {
		kpc_uprobe_unregister_nosync(site->u->inode, site->u->offset, &w->uc,
					     w->handle);
		kpc_uprobe_unregister_sync();
		site->rearms++;
	}
	kfree(w);
	return err;
}

static int kpc_usite_join(struct kpc_site *site, struct kpc_probe *c)
{
	bool covered = site->u->armed && kpc_usite_covers(site, c);
	int slot = 0, err = 0;

	if (site->kind == KPC_URETPROBE) {
		slot = ffz(site->slots);
		if (site->slots == ~0ULL) {
			pr_err("%s/%s: %s already has %d return-probe clients\n",
			       kpc_owner_name(c->owner), c->name, site->where,
			       KPC_RET_SLOTS);
			return -ENOSPC;
		}
	}
	/* A timed client's calls are matched in a table, made with the first. */
	if (site->kind == KPC_URETPROBE && !c->no_latency && !site->u->calls) {
		struct kpc_ucall *calls = vzalloc(array_size(KPC_UCALLS_MAX,
							     sizeof(*calls)));

		if (!calls)
			return -ENOMEM;
		/* Before the client is seen (list_add_tail_rcu() releases it again). */
		smp_store_release(&site->u->calls, calls);
	}
	c->slot = slot;
	c->site = site;
	c->base_reentry = 0;
	c->base_pool = 0;
	WRITE_ONCE(site->u->gen, site->u->gen + 1);
	c->ugen = site->u->gen;
	/* Seen by the filter from here: a registration puts the breakpoint there. */
	list_add_tail_rcu(&c->site_node, &site->clients);
	if (!c->utgid)
		WRITE_ONCE(site->u->nall, site->u->nall + 1);
	if (!site->u->armed)
		err = kpc_ucons_register(&site->u->cons, c);
	else if (!covered)
		err = kpc_usite_widen(site, c);
	if (err) {
		if (!c->utgid)
			WRITE_ONCE(site->u->nall, site->u->nall - 1);
		list_del_rcu(&c->site_node);
		synchronize_rcu();
		return err;
	}
	site->u->armed = true;
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
		return kpc_usite_join(site, c);
	}
	site = kpc_usite_alloc(d, kind, &path, offset);
	if (!site) {
		err = -ENOMEM;
		goto err_put;
	}
	/* Found by the exit hook before a task can take a slot. */
	if (kind == KPC_URETPROBE)
		list_add_rcu(&site->u->ret_node, &kpc_uret_sites);
	err = kpc_usite_join(site, c);
	if (err) {
		if (kind == KPC_URETPROBE) {
			list_del_rcu(&site->u->ret_node);
			synchronize_rcu();
		}
		kpc_usite_free(site);	/* puts the path */
		return err;
	}
	list_add_tail(&site->all_node, &kpc_sites);
	hash_add(kpc_usites_by_key, &site->u->by_key, kpc_ukey(inode, offset));
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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe_core internals: sites (one kernel probe per address and kind),
 * arms (the kernel probe itself) and clients (struct kpc_probe).
 *
 * A site's kernel probe can be replaced ("re-armed") when a new client
 * needs more than the current one offers: a post handler, more per-call
 * data or a higher maxactive. Handlers of an arm that is no longer the
 * site's current one do nothing, so a hit is handled by one arm only.
 */
#ifndef _KPC_INTERNAL_H
#define _KPC_INTERNAL_H

#include <linux/hashtable.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <kprobe_core.h>
#include "kpc_compat.h"

#if !IS_ENABLED(CONFIG_KPROBES) || !IS_ENABLED(CONFIG_KRETPROBES)
#error "kprobe_core needs CONFIG_KPROBES and CONFIG_KRETPROBES"
#endif

/* Return-probe clients of one function: one bit each in a call's record. */
#define KPC_RET_SLOTS		64
/*
 * A kretprobe call's record (struct kpc_call) keeps its top bit for a call
 * that holds a place under its site's counting-client cap instead of
 * tokens (handlers.c): a kretprobe site has one client slot fewer.
 */
#define KPC_CALL_CAPPED		BIT_ULL(63)
#define KPC_KRET_SLOTS		63
/* The kernel refuses more per-call data than this (KRETPROBE_MAX_DATA_SIZE). */
#define KPC_RET_DATA_MAX	4096
/* Room to grow before a kretprobe site must be re-armed. */
#define KPC_RET_DATA_MIN	256
#define KPC_RET_ACTIVE_MIN	64
#define KPC_RET_ACTIVE_CAP	1024

static_assert(KPC_RET_ACTIVE_CAP <= KPC_MAXACTIVE_MAX);

/* Per client, per CPU. */
struct kpc_pcpu {
	u64 hits;
	u64 pre_nonzero;
	u64 missed_pool;
	u64 lat_count;
	u64 lat_sum;
	u64 lat_min;
	u64 lat_max;
	u64 lat_hist[KPC_HIST_BUCKETS];
	u64 filtered;		/* user-space probes: another process's hit */
};

/*
 * Per arm, per CPU: which hit or call this arm handled last (handlers.c);
 * for an ftrace-ops site, the hits lost to recursion (fentry.c).
 */
struct kpc_arm_pcpu {
	struct pt_regs *took;
	bool ran_pre;
	unsigned long missed;
};

/*
 * Per kretprobe arm, per CPU: calls in flight that hold a token of the
 * client in slot i. A call may return on another CPU than it entered on,
 * so only the sum over CPUs means anything; it is read when the arm is
 * retired (its leftover calls will never return through it) and before a
 * slot is given to a new client.
 */
struct kpc_arm_held {
	int n[KPC_RET_SLOTS];
};

/* Header of a kretprobe call's data; client slices follow at off[slot]. */
struct kpc_call {
	u64 t0;
	u64 ran;	/* slots whose client holds a token, or KPC_CALL_CAPPED */
};
/* A call's record comes first in its data, then the clients' slices. */
static_assert(KPC_DATA_MAX + ALIGN(sizeof(struct kpc_call), 8) == KPC_RET_DATA_MAX);

struct kpc_site;
struct kpc_usite;

struct kpc_arm {
	union {
		struct kprobe kp;
		struct kretprobe rp;
	};
	struct kpc_site *site;
	u64 gen;			/* the site's arms are numbered from 1 */
	bool has_post;			/* the kernel probe has a post handler */
	bool ftrace;			/* ftrace-based: the core runs post handlers */
	struct hlist_node by_rp;	/* kpc_arms, kretprobe arms only */
	/* kretprobe only: slot i's slice is len[i] bytes at off[i] */
	size_t data_used;
	u16 off[KPC_RET_SLOTS];
	u16 len[KPC_RET_SLOTS];
	struct kpc_arm_pcpu __percpu *pcpu;
	struct kpc_arm_held __percpu *held;
	/*
	 * kretprobe only: its calls that only counting clients track, and
	 * their cap: the maxactive of every counting client this arm has
	 * carried, added up. A client that leaves keeps its share here until
	 * the next arm, for the calls it may have left in flight, and the
	 * pool keeps room for it (kpc_needs_rearm()).
	 */
	atomic_t counting;
	int count_cap;
};

struct kpc_site {
	/*
	 * First, so that a hit's walk of the clients holds one register for
	 * the site and the list's head (kpc_kprobe_pre()).
	 */
	struct list_head clients;	/* RCU readers, kpc_lock writers */
	struct list_head all_node;	/* kpc_sites, for the listing */
	struct hlist_node by_addr;
	struct hlist_node by_req;
	/* KPC_FENTRY only (fentry.c) */
	struct hlist_node by_ip;	/* the ftrace_ops handler's RCU hash */
	bool armed;			/* its address is in the ftrace_ops filter */
	bool gone;			/* its module unloaded */
	bool no_kprobe;			/* given by address: no kprobe names it */
	/*
	 * Its first arm's kpc_arm.ftrace: every arm of a site is at its
	 * address (a re-arm cannot move it), so ftrace-based alike. Here too
	 * so that a hit's test after the walk needs the site alone.
	 */
	bool ftrace;
	struct kpc_usite *u;		/* KPC_UPROBE, KPC_URETPROBE (uprobe.c) */
	unsigned long addr;
	enum kpc_kind kind;
	struct kpc_arm __rcu *arm;
	unsigned int nclients;
	unsigned int ndying;		/* unlinked clients not yet freed */
	unsigned int nposts;		/* clients with a post handler */
	unsigned int ntimed;		/* kretprobe clients without KPC_F_NO_LATENCY */
	/* what registered it, to re-arm it the same way */
	char *req_symbol;
	unsigned int req_offset;
	unsigned long req_addr;
	char where[KSYM_SYMBOL_LEN];	/* "func+0x4 [mod]" at registration time */
	u64 arm_gen;			/* number of the newest arm */
	/* kretprobe only */
	u64 slots;			/* bitmap of slots taken */
	/*
	 * Misses of the arms that were replaced, as of their replacement;
	 * stats_seq makes them and the current arm one consistent reading.
	 */
	seqcount_t stats_seq;
	u64 retired_reentry;
	u64 retired_pool;
	u64 rearms;			/* kernel probes replaced so far */
};

struct kpc_probe {
	struct list_head site_node;	/* site->clients */
	struct list_head all_node;	/* kpc_clients */
	struct hlist_node by_name;
	struct kpc_site *site;
	struct module *owner;
	char name[KPC_NAME_MAX + 1];
	kpc_pre_handler_t pre;
	kpc_post_handler_t post;
	kpc_entry_handler_t entry;
	kpc_ret_handler_t ret;
	void *priv;
	bool enabled;
	bool removing;			/* collected for removal (kpc_lock) */
	/* kretprobe only */
	bool no_latency;		/* KPC_F_NO_LATENCY */
	bool counting;			/* no_latency, no entry handler, no data */
	int maxactive;
	atomic_t held;			/* calls in flight holding a token */
	atomic_t peak;			/* most tokens held at once */
	size_t data_size;
	unsigned int slot;
	/* user-space probes: the process it is for (NULL: every process) */
	struct pid *utgid;
	u64 ugen;			/* when it joined its site: uprobe.c */
	/* site counters when the client joined: its misses are the growth */
	u64 base_reentry;
	u64 base_pool;
	struct kpc_pcpu __percpu *pcpu;
};

/* The kernel probe of an arm: struct kretprobe starts with its kprobe. */
static inline struct kprobe *kpc_arm_kprobe(struct kpc_arm *arm)
{
	return &arm->kp;
}

#define kpc_for_each_client(c, site) \
	list_for_each_entry_rcu(c, &(site)->clients, site_node, \
				rcu_read_lock_any_held())

/* A hit of @site: every enabled client counts it and runs its pre handler. */
static __always_inline void kpc_run_pres(struct kpc_site *site,
					 struct pt_regs *regs)
{
	struct kpc_probe *c;

	kpc_for_each_client(c, site) {
		if (!READ_ONCE(c->enabled))
			continue;
		this_cpu_inc(c->pcpu->hits);
		if (c->pre && c->pre(c, regs))
			this_cpu_inc(c->pcpu->pre_nonzero);
	}
}

static inline bool kpc_kind_user(enum kpc_kind kind)
{
	return kind == KPC_UPROBE || kind == KPC_URETPROBE;
}

/* handlers.c */
void kpc_lat_record(struct kpc_pcpu __percpu *pcpu, u64 ns);
void kpc_arm_set_handlers(struct kpc_arm *arm, enum kpc_kind kind);
void kpc_run_posts(struct kpc_site *site, struct pt_regs *regs,
		   unsigned long flags);
void kpc_call_release(struct kpc_arm *arm, const struct kpc_call *call,
		      bool clients);

/* exit.c */
int kpc_exit_init(void);
void kpc_exit_exit(void);
void kpc_arm_track(struct kpc_arm *arm);
void kpc_arm_untrack(struct kpc_arm *arm);

/* stats.c */
u64 kpc_site_reentry(const struct kpc_site *site);
u64 kpc_site_pool(const struct kpc_site *site);
void kpc_print_summary(const struct kpc_probe *p);
const char *kpc_owner_name(const struct module *owner);
const char *kpc_site_mode(const struct kpc_site *site);
const char *kpc_kind_name(enum kpc_kind kind);

/* arm.c (kpc_lock held) */
extern const char *kpc_refusal;
struct kpc_arm *kpc_site_arm(struct kpc_site *site);
int kpc_pool_size(int active);
struct kpc_arm *kpc_arm_alloc(struct kpc_site *site, const struct kpc_arm *cur,
			      const struct kpc_probe *extra);
void kpc_arm_free(struct kpc_arm *arm);
int kpc_arm_register(struct kpc_site *site, struct kpc_arm *arm);
void kpc_arm_unregister(struct kpc_site *site, struct kpc_arm *arm);
int kpc_slice_fit(const struct kpc_arm *arm, const struct kpc_probe *c);
int kpc_arm_held_sum(const struct kpc_arm *arm, unsigned int slot);
int kpc_site_rearm(struct kpc_site *site, const struct kpc_probe *c);

/* registry.c */
void kpc_remove_locked(struct kpc_probe **cs, unsigned int n);
int kpc_register_batch_locked(const struct kpc_desc *d, enum kpc_kind kind,
			      struct kpc_probe **out, unsigned int n,
			      struct module *owner);
extern struct mutex kpc_lock;
extern struct list_head kpc_clients;
extern struct list_head kpc_sites;

/* fentry.c (kpc_lock held) */
void kpc_fentry_add(struct kpc_site *site);
int kpc_fentry_commit(void);
void kpc_fentry_disarm(struct kpc_site **sites, unsigned int n);
void kpc_fentry_module_going(struct module *mod, bool init);
void kpc_fentry_module_coming(struct module *mod);
void kpc_fentry_sync(void);
unsigned long kpc_fentry_missed(const struct kpc_arm *arm);
void kpc_fentry_exit(void);
bool kpc_fentry_traceable(unsigned long addr);
bool kpc_fentry_dead(unsigned long addr);
int kpc_fentry_name(unsigned long req, unsigned long *site);

/* uprobe.c (kpc_lock held, but for the exit hook) */
int kpc_uprobe_place(const struct kpc_desc *d, enum kpc_kind kind,
		     struct kpc_probe *c);
void kpc_usite_disarm(struct kpc_site *site);
void kpc_uclient_leave(struct kpc_probe *c);
void kpc_usite_free(struct kpc_site *site);
void kpc_uprobe_task_gone(void);
u64 kpc_usite_orphans(const struct kpc_site *site);
int kpc_usite_pending(const struct kpc_site *site);

/* glob.c (kpc_lock held) */
void kpc_glob_forget(const struct module *owner, bool all);

/* readlines.c (no lock held) */
int kpc_read_lines(const char *path, int (*fn)(void *ctx, char *line), void *ctx);

/* debugfs.c */
int kpc_debugfs_init(void);
void kpc_debugfs_exit(void);

#endif /* _KPC_INTERNAL_H */

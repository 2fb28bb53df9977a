// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: per-CPU counters summed on read, the summary line printed
 * when a probe goes away, and the names the listing shows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include "kpc_internal.h"

/* Misses of the site's arms, past and current: see kpc_site_publish(). */
static u64 kpc_site_misses(const struct kpc_site *site, bool pool)
{
	struct kpc_arm *arm;
	unsigned int seq;
	u64 n;

	rcu_read_lock();
	do {
		seq = read_seqcount_begin(&site->stats_seq);
		arm = rcu_dereference(site->arm);
		if (pool)
			n = READ_ONCE(site->retired_pool) +
			    (arm ? READ_ONCE(arm->rp.nmissed) : 0);
		else if (site->kind == KPC_FENTRY)
			n = arm ? kpc_fentry_missed(arm) : 0;
		else
			n = READ_ONCE(site->retired_reentry) +
			    (arm ? READ_ONCE(kpc_arm_kprobe(arm)->nmissed) : 0);
	} while (read_seqcount_retry(&site->stats_seq, seq));
	rcu_read_unlock();
	return n;
}

u64 kpc_site_reentry(const struct kpc_site *site)
{
	return kpc_site_misses(site, false);
}

u64 kpc_site_pool(const struct kpc_site *site)
{
	return site->kind == KPC_KRETPROBE ? kpc_site_misses(site, true) : 0;
}

const char *kpc_owner_name(const struct module *owner)
{
	/* the core's own clients are kprobe_events' probes (events.c) */
	if (owner == THIS_MODULE)
		return "events";
	return owner ? owner->name : "kernel";
}

const char *kpc_site_mode(const struct kpc_site *site)
{
	const struct kprobe *kp;
	const char *mode;

	if (kpc_kind_user(site->kind))
		return "uprobe";
	rcu_read_lock();
	kp = kpc_arm_kprobe(rcu_dereference(site->arm));
	if (site->gone || kprobe_gone((struct kprobe *)kp))
		mode = "gone";
	else if (site->kind == KPC_FENTRY)
		mode = "ftrace-ops";
	else if (kprobe_ftrace((struct kprobe *)kp))
		mode = "ftrace";
	else
		mode = KPC_TRAP_MODE;
	rcu_read_unlock();
	return mode;
}

void kpc_get_stats(const struct kpc_probe *p, struct kpc_stats *st)
{
	const struct kpc_site *site = p->site;
	int cpu, i;

	memset(st, 0, sizeof(*st));
	st->lat_min_ns = U64_MAX;
	for_each_possible_cpu(cpu) {
		const struct kpc_pcpu *pc = per_cpu_ptr(p->pcpu, cpu);

		st->hits += READ_ONCE(pc->hits);
		st->pre_nonzero += READ_ONCE(pc->pre_nonzero);
		st->missed_pool += READ_ONCE(pc->missed_pool);
		st->lat_count += READ_ONCE(pc->lat_count);
		st->lat_sum_ns += READ_ONCE(pc->lat_sum);
		st->lat_min_ns = min(st->lat_min_ns, READ_ONCE(pc->lat_min));
		st->lat_max_ns = max(st->lat_max_ns, READ_ONCE(pc->lat_max));
		for (i = 0; i < KPC_HIST_BUCKETS; i++)
			st->lat_hist[i] += READ_ONCE(pc->lat_hist[i]);
		st->filtered += READ_ONCE(pc->filtered);
	}
	st->returns = st->lat_count;
	/* a KPC_F_NO_LATENCY client counts its returns in lat_count alone */
	if (p->no_latency)
		st->lat_count = 0;
	if (!st->lat_count)
		st->lat_min_ns = 0;
	st->missed_reentry = kpc_site_reentry(site) - p->base_reentry;
	if (site->kind == KPC_KRETPROBE) {
		st->missed_pool += kpc_site_pool(site) - p->base_pool;
		st->inflight = atomic_read(&p->held);
		st->peak_inflight = atomic_read(&p->peak);
		st->maxactive = p->maxactive;
	}
}
EXPORT_SYMBOL_GPL(kpc_get_stats);

const char *kpc_kind_name(enum kpc_kind kind)
{
	switch (kind) {
	case KPC_KRETPROBE:	return "kretprobe";
	case KPC_UPROBE:	return "uprobe";
	case KPC_URETPROBE:	return "uretprobe";
	default:		return "kprobe";
	}
}

/* A user-space probe's summary: the filter's count only when it turned any away. */
static void kpc_print_usummary(const struct kpc_probe *p, const struct kpc_stats *st)
{
	const char *owner = kpc_owner_name(p->owner);
	char filtered[48] = "";

	if (st->filtered)
		snprintf(filtered, sizeof(filtered), " filtered=%llu", st->filtered);
	if (p->site->kind == KPC_UPROBE)
		pr_info("%s/%s %s: hits=%llu%s\n", owner, p->name, p->site->where,
			st->hits, filtered);
	else if (p->no_latency)
		pr_info("%s/%s %s (return): hits=%llu returns=%llu missed=%llu%s latency not measured\n",
			owner, p->name, p->site->where, st->hits, st->returns,
			st->missed_pool, filtered);
	else
		pr_info("%s/%s %s (return): hits=%llu returns=%llu missed=%llu%s latency_ns min=%llu mean=%llu max=%llu\n",
			owner, p->name, p->site->where, st->hits, st->returns,
			st->missed_pool, filtered, st->lat_min_ns,
			st->lat_count ? div64_u64(st->lat_sum_ns, st->lat_count) : 0,
			st->lat_max_ns);
}

void kpc_print_summary(const struct kpc_probe *p)
{
	const char *owner = kpc_owner_name(p->owner);
	const struct kpc_site *site = p->site;
	struct kpc_stats st;

	kpc_get_stats(p, &st);
	if (kpc_kind_user(site->kind)) {
		kpc_print_usummary(p, &st);
		return;
	}
	if (site->kind != KPC_KRETPROBE) {
		pr_info("%s/%s %s: hits=%llu missed=%llu\n", owner, p->name,
			site->where, st.hits, st.missed_reentry);
		return;
	}
	/* a counting client keeps no calls in flight: no peak to show */
	if (p->counting) {
		pr_info("%s/%s %s (return): hits=%llu returns=%llu missed=%llu (reentry=%llu pool=%llu) maxactive=%d counting, latency not measured\n",
			owner, p->name, site->where, st.hits, st.returns,
			st.missed_reentry + st.missed_pool, st.missed_reentry,
			st.missed_pool, st.maxactive);
		goto pool;
	}
	if (p->no_latency) {
		pr_info("%s/%s %s (return): hits=%llu returns=%llu missed=%llu (reentry=%llu pool=%llu) peak=%llu maxactive=%d latency not measured\n",
			owner, p->name, site->where, st.hits, st.returns,
			st.missed_reentry + st.missed_pool, st.missed_reentry,
			st.missed_pool, st.peak_inflight, st.maxactive);
		goto pool;
	}
	pr_info("%s/%s %s (return): hits=%llu returns=%llu missed=%llu (reentry=%llu pool=%llu) peak=%llu maxactive=%d latency_ns min=%llu mean=%llu max=%llu\n",
		owner, p->name, site->where, st.hits, st.returns,
		st.missed_reentry + st.missed_pool, st.missed_reentry,
		st.missed_pool, st.peak_inflight, st.maxactive, st.lat_min_ns,
		st.lat_count ? div64_u64(st.lat_sum_ns, st.lat_count) : 0,
		st.lat_max_ns);
pool:
	if (st.missed_pool)
		pr_info("%s/%s: %llu calls missed with maxactive=%d calls in flight: a higher maxactive would track more\n",
			owner, p->name, st.missed_pool, st.maxactive);
}

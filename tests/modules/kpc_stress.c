// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_stress: for `seconds`, callers on every CPU hit two targets at full
 * rate while a churn thread registers and unregisters clients on the same
 * addresses (one at a time and in batches) and forces re-arms of a third
 * site. Witness clients stay registered throughout: their counts must
 * equal the calls made, exactly. Prints the figures and one KTAP line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kprobe_core.h>

static unsigned int seconds = 10;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long to run (default 10)");

/*
 * Re-arms register and unregister kernel probes on a function the callers
 * hammer. Under TCG the kernel itself does not survive that for long: the
 * bare kprobe API crashes the same way (see kpc_bare_churn.c). Off by
 * default, so the default run stresses the registry, not the emulator.
 */
static unsigned int rearm_every;
module_param(rearm_every, uint, 0444);
MODULE_PARM_DESC(rearm_every, "force re-arms every N rounds of churn, 0: never (default 0)");

/*
 * What TCG does survive: callers hammer the targets in bursts of this many
 * ms and park between bursts, and the witnesses' own sites are re-armed
 * while they are parked. Each re-arming client stays for one burst, and
 * its counts must equal the calls made while it was registered.
 */
static unsigned int burst_ms;
module_param(burst_ms, uint, 0444);
MODULE_PARM_DESC(burst_ms, "re-arm the witness sites between bursts of this many ms, 0: never (default 0)");

/*
 * With live=1 the same re-arms happen while the callers run: hits straddle
 * the switch from one kernel probe to the next, and the witnesses' counts
 * must still be exact. Only the re-arming clients' own counts are not
 * checked (calls made while they register are theirs or not).
 */
static bool live;
/* Join and leave cycles a burst run does at least. */
#define BURST_CYCLES	4
module_param(live, bool, 0444);
MODULE_PARM_DESC(live, "with burst_ms: re-arm while the callers run (default 0)");

#define NOIPA __attribute__((__noipa__))
static int stress_sink;

static NOIPA int stress_kp_target(int x) { WRITE_ONCE(stress_sink, x); return x; }
static NOIPA int stress_rp_target(int x) { WRITE_ONCE(stress_sink, x); return x; }
static NOIPA int stress_rearm_target(int x) { WRITE_ONCE(stress_sink, x); return x; }

static int count_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static void count_post(struct kpc_probe *p, struct pt_regs *regs,
		       unsigned long flags)
{
}

static int fill_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	*(unsigned long *)data = (unsigned long)p;
	return 0;
}

static atomic_t bad_slices = ATOMIC_INIT(0);

/* Each client's slice must hold what its own entry handler wrote. */
static void check_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		      u64 ns)
{
	if (*(unsigned long *)data != (unsigned long)p)
		atomic_inc(&bad_slices);
}

/* A counting client's return handler gets no data and no latency. */
static void counting_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
			 u64 ns)
{
	if (data || ns)
		atomic_inc(&bad_slices);
}

struct caller {
	struct task_struct *task;
	unsigned long calls;
};

static bool callers_paused;
static atomic_t callers_parked = ATOMIC_INIT(0);
static struct caller *callers;
static int ncallers;

static int caller_fn(void *arg)
{
	struct caller *c = arg;

	while (!kthread_should_stop()) {
		if (READ_ONCE(callers_paused)) {
			smp_mb__before_atomic();	/* calls counted before parked */
			atomic_inc(&callers_parked);
			while (READ_ONCE(callers_paused) && !kthread_should_stop())
				usleep_range(100, 200);
			atomic_dec(&callers_parked);
			continue;
		}
		stress_kp_target(1);
		stress_rp_target(1);
		stress_rearm_target(1);
		c->calls++;
		/*
		 * Sleep now and then: an RCU Tasks grace period (the kprobe
		 * optimizer waits for one) needs a voluntary context switch,
		 * which cond_resched() on an idle runqueue is not.
		 */
		if (!(c->calls & 1023))
			usleep_range(50, 100);
	}
	return 0;
}

static unsigned long n_reg, n_unreg, n_fail, n_joins, n_leaves, n_bad;

static struct kpc_probe *reg(const struct kpc_desc *d, bool ret)
{
	struct kpc_probe *p = ret ? kpc_register_kretprobe(d) : kpc_register_kprobe(d);

	if (IS_ERR(p)) {
		n_fail++;
		return NULL;
	}
	n_reg++;
	return p;
}

static void unreg(struct kpc_probe *p)
{
	if (!p)
		return;
	kpc_unregister(p);
	n_unreg++;
}

/* Park every caller; returns the calls made so far (exact: none running). */
static unsigned long callers_pause(void)
{
	unsigned long calls = 0;
	int i;

	/* Callers are stopped only after the churn thread is: they all park. */
	WRITE_ONCE(callers_paused, true);
	while (atomic_read_acquire(&callers_parked) < ncallers)
		usleep_range(100, 200);
	for (i = 0; i < ncallers; i++)
		calls += READ_ONCE(callers[i].calls);
	return calls;
}

static void callers_resume(void)
{
	WRITE_ONCE(callers_paused, false);
}

static atomic_t burst_posts = ATOMIC_INIT(0);

static void burst_post(struct kpc_probe *p, struct pt_regs *regs,
		       unsigned long flags)
{
	atomic_inc(&burst_posts);
}

/* The first instruction boundary of stress_kp_target past its ftrace call. */
static unsigned int int3_offset;

/*
 * One pause: clients that joined at the last pause leave (checked against
 * the calls made since), the others join. Joining re-arms: a post handler
 * at the int3 witness site, more data and a higher maxactive at the
 * kretprobe witness site; leaving the int3 site re-arms it back.
 */
static void burst_rearm(bool last)
{
	static struct kpc_probe *post_i, *post_f, *big, *wide;
	static unsigned long since;
	struct kpc_desc di = {
		.name = "burst_post_int3", .symbol = "stress_kp_target",
		.offset = int3_offset, .post = burst_post,
	};
	struct kpc_desc df = {
		.name = "burst_post_ftrace", .symbol = "stress_kp_target",
		.pre = count_pre, .post = burst_post,
	};
	struct kpc_desc db = {
		.name = "burst_big", .symbol = "stress_rp_target", .entry = fill_entry,
		.ret = check_ret, .data_size = 512,
	};
	/*
	 * One more each time, above the 1024 instances the core sizes a
	 * kretprobe for on its own: more than the kretprobe has, a real re-arm.
	 */
	struct kpc_desc dw = {
		.name = "burst_wide", .symbol = "stress_rp_target", .entry = fill_entry,
		.ret = check_ret, .data_size = 8,
		.maxactive = min(1025 + n_joins, KPC_MAXACTIVE_MAX),
	};
	unsigned long calls = live ? 0 : callers_pause(), n = calls - since;
	struct kpc_stats st;
	int posts;

	if (big && !live) {
		posts = atomic_read(&burst_posts);
		if (posts != 2 * n) {
			pr_err("# %lu calls in a burst, %d post handler runs, expected %lu\n",
			       n, posts, 2 * n);
			n_bad++;
		}
		kpc_get_stats(big, &st);
		if (st.hits != n || st.returns != n) {
			pr_err("# %lu calls in a burst, burst_big saw %llu/%llu\n", n,
			       st.hits, st.returns);
			n_bad++;
		}
		kpc_get_stats(wide, &st);
		if (st.hits != n || st.returns != n) {
			pr_err("# %lu calls in a burst, burst_wide saw %llu/%llu\n", n,
			       st.hits, st.returns);
			n_bad++;
		}
	}
	if (big) {
		kpc_unregister_batch((struct kpc_probe *[]){ post_i, post_f, big, wide }, 4);
		n_unreg += 4;
		post_i = post_f = big = wide = NULL;
		n_leaves++;
	} else if (!last) {
		atomic_set(&burst_posts, 0);
		post_i = reg(&di, false);
		post_f = reg(&df, false);
		big = reg(&db, true);
		wide = reg(&dw, true);
		n_joins++;
		if (!post_i || !post_f || !big || !wide) {
			kpc_unregister_batch((struct kpc_probe *[]){ post_i, post_f, big, wide }, 4);
			post_i = post_f = big = wide = NULL;
			n_bad++;
		}
	}
	since = calls;
	if (!live)
		callers_resume();
}

static int churn_fn(void *arg)
{
	unsigned long next_burst = jiffies + msecs_to_jiffies(burst_ms);
	struct kpc_desc kd = { .symbol = "stress_kp_target", .pre = count_pre };
	struct kpc_desc rd = {
		.symbol = "stress_rp_target", .entry = fill_entry, .ret = check_ret,
		.data_size = sizeof(unsigned long),
	};
	struct kpc_desc post = { .name = "post", .symbol = "stress_rearm_target",
				 .post = count_post };
	struct kpc_desc big = {
		.name = "big", .symbol = "stress_rearm_target", .entry = fill_entry,
		.ret = check_ret, .data_size = 1024 + 8 * (n_reg & 7),
	};
	struct kpc_desc batch[4];
	struct kpc_probe *bp[4];
	char names[4][16];
	unsigned long round = 0;
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(names[i], sizeof(names[i]), "batch%d", i);
		batch[i] = kd;
		batch[i].name = names[i];
	}
	while (!kthread_should_stop()) {
		struct kpc_probe *k, *r, *p1, *p2;

		kd.name = "churn_k";
		rd.name = "churn_r";
		k = reg(&kd, false);
		r = reg(&rd, true);
		if (!kpc_register_kprobes(batch, bp, 4))
			n_reg += 4;
		else
			n_fail++;
		unreg(k);
		if (bp[0]) {
			kpc_unregister_batch(bp, 4);
			n_unreg += 4;
			memset(bp, 0, sizeof(bp));
		}
		unreg(r);
		/* Re-arms: a post handler joins a plain kprobe, more data joins a kretprobe. */
		if (rearm_every && !(round++ % rearm_every)) {
			kd.name = "plain";
			kd.symbol = "stress_rearm_target";
			p1 = reg(&kd, false);
			p2 = reg(&post, false);
			unreg(p2);
			unreg(p1);
			rd.name = "small";
			rd.symbol = "stress_rearm_target";
			p1 = reg(&rd, true);
			big.data_size = 1024 + 8 * (round & 7);
			p2 = reg(&big, true);
			unreg(p2);
			unreg(p1);
			kd.symbol = "stress_kp_target";
			rd.symbol = "stress_rp_target";
		}
		if (burst_ms && time_after(jiffies, next_burst)) {
			burst_rearm(false);
			next_burst = jiffies + msecs_to_jiffies(burst_ms);
		}
		cond_resched();
	}
	if (burst_ms)
		burst_rearm(true);
	return 0;
}

/*
 * While the witnesses' sites are re-armed, a reader takes their statistics
 * over and over: kpc_get_stats() reads a site's current kernel probe, the
 * one a re-arm replaces and then frees (KASAN, on debug-6.12, reports a
 * read of a freed one). Each reading must be at least the one before.
 */
static struct kpc_probe *read_of[2];
static unsigned long n_reads, n_backwards;

static int reader_fn(void *unused)
{
	static struct kpc_stats last[2], now;	/* one reader; too big for the stack */
	int i;

	while (!kthread_should_stop()) {
		for (i = 0; i < 2; i++) {
			kpc_get_stats(read_of[i], &now);
			if (now.hits < last[i].hits || now.returns < last[i].returns ||
			    now.missed_reentry < last[i].missed_reentry ||
			    now.missed_pool < last[i].missed_pool)
				n_backwards++;
			last[i] = now;
		}
		n_reads++;
		/*
		 * A sleep, not cond_resched(): unregistering a kprobe waits for
		 * RCU Tasks, which needs every task to switch out voluntarily
		 * (a reader spinning on cond_resched() stalled it for good).
		 */
		usleep_range(20, 50);
	}
	return 0;
}

/* A witness at stress_kp_target's first int3 site (past the ftrace call). */
static struct kpc_probe *witness_int3(void)
{
	struct kpc_desc d = { .name = "witness_i", .symbol = "stress_kp_target",
			      .pre = count_pre };
	struct kpc_site_info info;
	struct kpc_probe *p;

	for (d.offset = 1; d.offset < 32; d.offset++) {
		p = kpc_register_kprobe(&d);
		/* -EINVAL: arm64's ftrace call site (func+4), not probeable */
		if (PTR_ERR(p) == -EILSEQ || PTR_ERR(p) == -EINVAL)
			continue;
		if (IS_ERR(p))
			return p;
		if (!kpc_lookup_addr(kpc_addr(p), KPC_KPROBE, &info) && !info.ftrace) {
			int3_offset = d.offset;
			return p;
		}
		kpc_unregister(p);
	}
	return ERR_PTR(-ENOENT);
}

static int __init kpc_stress_init(void)
{
	const struct kpc_desc wk = {
		.name = "witness_k", .symbol = "stress_kp_target", .pre = count_pre,
	};
	const struct kpc_desc wr = {
		.name = "witness_r", .symbol = "stress_rp_target", .entry = fill_entry,
		.ret = check_ret, .data_size = sizeof(unsigned long),
	};
	/* counting: no token, no record of its calls, the same exact counts */
	const struct kpc_desc wc = {
		.name = "witness_c", .symbol = "stress_rp_target", .ret = counting_ret,
		.flags = KPC_F_NO_LATENCY,
	};
	struct task_struct *churn, *reader = NULL;
	static struct kpc_stats sk, sr, si, sc;	/* too big for the stack together */
	struct kpc_site_info ii = {}, ir = {};
	struct kpc_probe *pk, *pr, *pi, *pc;
	u64 base_i = 0, base_r = 0;
	unsigned long calls = 0;
	int i, err = 0;
	bool ok;

	ncallers = num_online_cpus();
	callers = kcalloc(ncallers, sizeof(*callers), GFP_KERNEL);
	if (!callers)
		return -ENOMEM;
	pk = kpc_register_kprobe(&wk);
	pr = kpc_register_kretprobe(&wr);
	pi = witness_int3();
	pc = kpc_register_kretprobe(&wc);
	if (IS_ERR(pk) || IS_ERR(pr) || IS_ERR(pi) || IS_ERR(pc)) {
		err = IS_ERR(pk) ? PTR_ERR(pk) : IS_ERR(pr) ? PTR_ERR(pr) :
		      IS_ERR(pi) ? PTR_ERR(pi) : PTR_ERR(pc);
		goto out;
	}
	if (!kpc_lookup_addr(kpc_addr(pi), KPC_KPROBE, &ii) &&
	    !kpc_lookup_addr(kpc_addr(pr), KPC_KRETPROBE, &ir)) {
		base_i = ii.rearms;
		base_r = ir.rearms;
	}
	for (i = 0; i < ncallers; i++) {
		callers[i].task = kthread_create(caller_fn, &callers[i], "kpc_stress/%d", i);
		if (IS_ERR(callers[i].task)) {
			err = PTR_ERR(callers[i].task);
			while (--i >= 0)
				kthread_stop(callers[i].task);
			goto out;
		}
		kthread_bind(callers[i].task, i);
		wake_up_process(callers[i].task);
	}
	if (burst_ms) {
		read_of[0] = pi;
		read_of[1] = pr;
		reader = kthread_run(reader_fn, NULL, "kpc_stress_reader");
		if (IS_ERR(reader)) {
			err = PTR_ERR(reader);
			reader = NULL;
		}
	}
	churn = err ? ERR_PTR(err) : kthread_run(churn_fn, NULL, "kpc_stress_churn");
	if (IS_ERR(churn)) {
		err = PTR_ERR(churn);
	} else {
		msleep(seconds * 1000);
		/*
		 * A slow kernel (KASAN under TCG, on a loaded host) may not get
		 * through enough re-arm cycles in time: wait for them, up to a
		 * minute more, rather than judge a run by the host's speed.
		 */
		for (i = 0; burst_ms && READ_ONCE(n_leaves) < BURST_CYCLES && i < 600; i++)
			msleep(100);
	}
	if (!IS_ERR(churn))
		kthread_stop(churn);
	if (reader)
		kthread_stop(reader);
	for (i = 0; i < ncallers; i++) {
		kthread_stop(callers[i].task);
		calls += callers[i].calls;
	}
	if (err)
		goto out;

	kpc_get_stats(pk, &sk);
	kpc_get_stats(pr, &sr);
	kpc_get_stats(pi, &si);
	kpc_get_stats(pc, &sc);
	pr_info("# %u s on %d CPUs: %lu calls per target, witness hits %llu (kprobe) %llu (int3 kprobe +%u) %llu/%llu (kretprobe entry/return), %lu registrations, %lu unregistrations, %lu failed, %d bad slices\n",
		seconds, ncallers, calls, sk.hits, si.hits, int3_offset, sr.hits,
		sr.returns, n_reg, n_unreg, n_fail, atomic_read(&bad_slices));
	pr_info("# witness misses: %llu %llu (kprobe, int3 kprobe), %llu/%llu (kretprobe reentry/pool), %llu in flight\n",
		sk.missed_reentry, si.missed_reentry, sr.missed_reentry, sr.missed_pool,
		sr.inflight);
	pr_info("# counting witness (KPC_F_NO_LATENCY): %llu/%llu (kretprobe entry/return), %llu/%llu missed (reentry/pool)\n",
		sc.hits, sc.returns, sc.missed_reentry, sc.missed_pool);
	if (kpc_lookup_addr(kpc_addr(pi), KPC_KPROBE, &ii) ||
	    kpc_lookup_addr(kpc_addr(pr), KPC_KRETPROBE, &ir))
		n_bad++;
	ii.rearms -= base_i;
	ir.rearms -= base_r;
	if (burst_ms) {
		pr_info("# %s %u ms: %lu joins and %lu leaves re-armed the int3 witness site %llu times and the kretprobe one %llu times, %lu wrong counts\n",
			live ? "re-arms while calls run, every" : "bursts of", burst_ms,
			n_joins, n_leaves, ii.rearms, ir.rearms, n_bad);
		pr_info("# stats reader: %lu readings while the sites were re-armed, %lu went backwards\n",
			n_reads, n_backwards);
		if (!n_reads || n_backwards)
			n_bad++;
		/* each join and leave re-arms the int3 site, each join the kretprobe one */
		if (ii.rearms != n_joins + n_leaves || ir.rearms < n_joins ||
		    n_leaves < BURST_CYCLES)
			n_bad++;
	} else if (ii.rearms || ir.rearms) {
		pr_err("# clients coming and going re-armed the witness sites: %llu %llu\n",
		       ii.rearms, ir.rearms);
		n_bad++;
	}
	ok = calls > 0 && sk.hits == calls && sr.hits == calls && si.hits == calls &&
	     sr.returns == calls && !sk.missed_reentry && !si.missed_reentry &&
	     !sr.missed_reentry && !sr.missed_pool && !sr.inflight &&
	     sc.hits == calls && sc.returns == calls && !sc.missed_reentry &&
	     !sc.missed_pool &&
	     !n_fail && n_reg == n_unreg && !atomic_read(&bad_slices) && !n_bad;
	pr_info("%s 1 stress\n", ok ? "ok" : "not ok");
out:
	if (!IS_ERR(pk))
		kpc_unregister(pk);
	if (!IS_ERR(pr))
		kpc_unregister(pr);
	if (!IS_ERR(pi))
		kpc_unregister(pi);
	if (!IS_ERR(pc))
		kpc_unregister(pc);
	kfree(callers);
	return err;
}

static void __exit kpc_stress_exit(void)
{
}

module_init(kpc_stress_init);
module_exit(kpc_stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core stress test: registration churn while probes fire");

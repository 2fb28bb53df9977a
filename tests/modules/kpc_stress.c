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

struct caller {
	struct task_struct *task;
	unsigned long calls;
};

static int caller_fn(void *arg)
{
	struct caller *c = arg;

	while (!kthread_should_stop()) {
		stress_kp_target(1);
		stress_rp_target(1);
		stress_rearm_target(1);
		c->calls++;
		if (!(c->calls & 255))
			cond_resched();
	}
	return 0;
}

static unsigned long n_reg, n_unreg, n_fail;

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

static int churn_fn(void *arg)
{
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
		cond_resched();
	}
	return 0;
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
	struct caller *callers;
	struct task_struct *churn;
	struct kpc_probe *pk, *pr;
	struct kpc_stats sk, sr;
	unsigned long calls = 0;
	int cpus = num_online_cpus(), i, err = 0;
	bool ok;

	callers = kcalloc(cpus, sizeof(*callers), GFP_KERNEL);
	if (!callers)
		return -ENOMEM;
	pk = kpc_register_kprobe(&wk);
	pr = kpc_register_kretprobe(&wr);
	if (IS_ERR(pk) || IS_ERR(pr)) {
		err = IS_ERR(pk) ? PTR_ERR(pk) : PTR_ERR(pr);
		goto out;
	}
	for (i = 0; i < cpus; i++) {
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
	churn = kthread_run(churn_fn, NULL, "kpc_stress_churn");
	if (IS_ERR(churn))
		err = PTR_ERR(churn);
	else
		msleep(seconds * 1000);
	if (!IS_ERR(churn))
		kthread_stop(churn);
	for (i = 0; i < cpus; i++) {
		kthread_stop(callers[i].task);
		calls += callers[i].calls;
	}
	if (err)
		goto out;

	kpc_get_stats(pk, &sk);
	kpc_get_stats(pr, &sr);
	pr_info("# %u s on %d CPUs: %lu calls per target, witness hits %llu (kprobe) %llu/%llu (kretprobe entry/return), %lu registrations, %lu unregistrations, %lu failed, %d bad slices\n",
		seconds, cpus, calls, sk.hits, sr.hits, sr.returns, n_reg, n_unreg,
		n_fail, atomic_read(&bad_slices));
	ok = calls > 0 && sk.hits == calls && sr.hits == calls &&
	     sr.returns == calls && !sk.missed_reentry && !sr.missed_pool &&
	     !n_fail && n_reg == n_unreg && !atomic_read(&bad_slices);
	pr_info("%s 1 stress\n", ok ? "ok" : "not ok");
out:
	if (!IS_ERR(pk))
		kpc_unregister(pk);
	if (!IS_ERR(pr))
		kpc_unregister(pr);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_bare_churn: the bare kernel API under the load kpc_stress applies
 * with re-arms: callers on every CPU hammer a function while a thread
 * registers and unregisters a plain kprobe and a kretprobe on it. No
 * kprobe_core involved. Not run by make check. Under QEMU 7.2's
 * multi-threaded TCG it crashes the guest (RIP 0 as a caller enters the
 * probed function): a debian-6.12 guest went down 0.2 s in. With
 * -accel tcg,thread=single it ran 90 s (122 rounds) clean: the emulator,
 * not the kernel, fails at cross-modifying code (README, "Tests"). Run
 * it by hand in `make shell`: insmod /modules/kpc_bare_churn.ko seconds=60
 * (KPC_ACCEL=tcg,thread=single make shell for the one-thread guest).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int seconds = 60;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long to run (default 60)");

static int bare_sink;
static __attribute__((__noipa__)) int bare_target(int x)
{
	WRITE_ONCE(bare_sink, x);
	return x;
}

static int bare_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

static int bare_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;
}

static unsigned long rounds;

static int churn_fn(void *arg)
{
	while (!kthread_should_stop()) {
		struct kprobe kp = { .symbol_name = "bare_target", .pre_handler = bare_pre };
		struct kretprobe rp = { .kp.symbol_name = "bare_target", .handler = bare_ret };

		if (!register_kprobe(&kp))
			unregister_kprobe(&kp);
		if (!register_kretprobe(&rp))
			unregister_kretprobe(&rp);
		rounds++;
		cond_resched();
	}
	return 0;
}

static int caller_fn(void *arg)
{
	unsigned long n = 0;

	while (!kthread_should_stop()) {
		bare_target(1);
		if (!(++n & 255))
			cond_resched();
	}
	return 0;
}

static int __init bare_init(void)
{
	struct task_struct *t[3];
	int i;

	for (i = 0; i < 3; i++) {
		t[i] = i < 2 ? kthread_create(caller_fn, NULL, "bare/%d", i) :
			       kthread_create(churn_fn, NULL, "bare_churn");
		if (IS_ERR(t[i])) {
			while (--i >= 0)
				kthread_stop(t[i]);
			return -ENOMEM;
		}
		if (i < 2)
			kthread_bind(t[i], i % num_online_cpus());
		wake_up_process(t[i]);
	}
	msleep(seconds * 1000);
	for (i = 2; i >= 0; i--)
		kthread_stop(t[i]);
	pr_info("%u s, %lu register/unregister rounds, no crash\n", seconds, rounds);
	return 0;
}

static void __exit bare_exit(void)
{
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe churn on a hot function with the bare kernel API");

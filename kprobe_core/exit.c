// SPDX-License-Identifier: GPL-2.0
/*
 * Calls that never return. A task that exits inside a probed function
 * (do_exit() does not return) leaves its kretprobe calls pending; the
 * kernel recycles them later without calling any handler, so the tokens
 * those calls hold would never come back and a client with a small
 * maxactive would miss every later call. The sched_process_exit
 * tracepoint runs in the exiting task before that: there the core gives
 * back the tokens of every call of its own the task still has pending.
 *
 * The core's kretprobe arms are kept in a hash keyed by their struct
 * kretprobe, so a pending call is recognised as ours without reading
 * through pointers that may belong to someone else (fprobe nodes share
 * the task's list).
 *
 * User-space return probes (uprobe.c) keep their calls in tables of their
 * own; an exit, and an exec() (which drops the pending returns with the old
 * address space), give back the task's slots there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/hashtable.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include "kpc_internal.h"

#define KPC_ARM_HASH_BITS	10

static DEFINE_HASHTABLE(kpc_arms, KPC_ARM_HASH_BITS);
static struct tracepoint *kpc_exit_tp, *kpc_exec_tp;

/* kpc_lock held: @arm's calls may now be found by the exit hook. */
void kpc_arm_track(struct kpc_arm *arm)
{
	lockdep_assert_held(&kpc_lock);
	hash_add_rcu(kpc_arms, &arm->by_rp, (unsigned long)&arm->rp);
}

/*
 * kpc_lock held: the exit hook stops finding @arm's calls once a grace
 * period has passed (unregistering the kretprobe waits for one).
 */
void kpc_arm_untrack(struct kpc_arm *arm)
{
	lockdep_assert_held(&kpc_lock);
	hash_del_rcu(&arm->by_rp);
}

static struct kpc_arm *kpc_arm_of(struct kretprobe *rp)
{
	struct kpc_arm *arm;

	hash_for_each_possible_rcu(kpc_arms, arm, by_rp, (unsigned long)rp)
		if (&arm->rp == rp)
			return arm;
	return NULL;
}

static void kpc_exit_call(struct kretprobe *rp, void *data)
{
	struct kpc_arm *arm = kpc_arm_of(rp);
	struct kpc_call *call = data;

	if (!arm)
		return;
	kpc_call_release(arm, call, true);
	call->ran = 0;
}

static void kpc_task_exit(void *unused, struct task_struct *t)
{
	if (t != current)
		return;
	rcu_read_lock();
	kpc_task_calls(t, kpc_exit_call);
	rcu_read_unlock();
	kpc_uprobe_task_gone();
}

/* An exec() drops the task's pending user-space returns with its old mm. */
static void kpc_task_exec(void *unused, struct task_struct *t, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	if (t == current)
		kpc_uprobe_task_gone();
}

static void kpc_find_exit_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		kpc_exit_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		kpc_exec_tp = tp;
}

int kpc_exit_init(void)
{
	int err;

	for_each_kernel_tracepoint(kpc_find_exit_tp, NULL);
	if (!kpc_exit_tp || !kpc_exec_tp) {
		pr_err("no sched_process_exit or sched_process_exec tracepoint: cannot release the calls of exiting tasks\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(kpc_exit_tp, kpc_task_exit, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_exit: %d\n", err);
		return err;
	}
	err = tracepoint_probe_register(kpc_exec_tp, kpc_task_exec, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_exec: %d\n", err);
		tracepoint_probe_unregister(kpc_exit_tp, kpc_task_exit, NULL);
		tracepoint_synchronize_unregister();
	}
	return err;
}

void kpc_exit_exit(void)
{
	tracepoint_probe_unregister(kpc_exec_tp, kpc_task_exec, NULL);
	tracepoint_probe_unregister(kpc_exit_tp, kpc_task_exit, NULL);
	tracepoint_synchronize_unregister();
}

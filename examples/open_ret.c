// SPDX-License-Identifier: GPL-2.0
/*
 * open_ret: the classic kretprobe sample. A return probe on the open path
 * (do_sys_openat2) prints every failed open:
 *
 *	open("/no/such/file") by cat[123] returned -2 (ENOENT)
 *
 * The file name is captured at entry, into this call's per-call data: by
 * the time the function returns, the argument registers are gone.
 *
 * maxactive defaults to 1, as in the classic example: with opens running
 * on two CPUs at once some calls are not tracked. On rmmod the sample says
 * how many, and the core's summary says that a higher maxactive would
 * have tracked them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <kprobe_core.h>
#include "ex_common.h"

static int maxactive = 1;
module_param(maxactive, int, 0444);
MODULE_PARM_DESC(maxactive,
		 "opens tracked at once (default 1; 0 for the kernel's default, max(10, 2 * CPUs))");

static unsigned int ratelimit = 10;
module_param(ratelimit, uint, 0444);
MODULE_PARM_DESC(ratelimit, "lines per second on each CPU (default 10, 0 for none)");

static DEFINE_PER_CPU(u64, or_failed);
static DEFINE_PER_CPU(u64, or_printed);
static DEFINE_PER_CPU(struct ex_ratelimit, or_rl);
static struct kpc_probe *or_probe;

/* Per-call data: the file name as it was at entry. */
struct or_call {
	long len;			/* ex_read_user_str() result */
	char name[EX_NAME_LEN];
};

static int or_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	const char __user *uname =
		(const char __user *)regs_get_kernel_argument(regs, 1);
	struct or_call *call = data;

	call->len = ex_read_user_str(call->name, sizeof(call->name), uname);
	return 0;
}

static const char *or_errname(long err)
{
	switch (err) {
	case -EPERM:		return "EPERM";
	case -ENOENT:		return "ENOENT";
	case -EINTR:		return "EINTR";
	case -ENXIO:		return "ENXIO";
	case -EBADF:		return "EBADF";
	case -EAGAIN:		return "EAGAIN";
	case -ENOMEM:		return "ENOMEM";
	case -EACCES:		return "EACCES";
	case -EFAULT:		return "EFAULT";
	case -EBUSY:		return "EBUSY";
	case -EEXIST:		return "EEXIST";
	case -EXDEV:		return "EXDEV";
	case -ENODEV:		return "ENODEV";
	case -ENOTDIR:		return "ENOTDIR";
	case -EISDIR:		return "EISDIR";
	case -EINVAL:		return "EINVAL";
	case -ENFILE:		return "ENFILE";
	case -EMFILE:		return "EMFILE";
	case -ETXTBSY:		return "ETXTBSY";
	case -EFBIG:		return "EFBIG";
	case -ENOSPC:		return "ENOSPC";
	case -EROFS:		return "EROFS";
	case -ENAMETOOLONG:	return "ENAMETOOLONG";
	case -ELOOP:		return "ELOOP";
	case -EOPNOTSUPP:	return "EOPNOTSUPP";
	case -EOVERFLOW:	return "EOVERFLOW";
	case -EDQUOT:		return "EDQUOT";
	case -ESTALE:		return "ESTALE";
	default:		return NULL;
	}
}

static void or_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		   u64 latency_ns)
{
	long ret = (long)regs_return_value(regs);
	struct or_call *call = data;
	const char *ename;

	if (ret >= 0)
		return;
	this_cpu_inc(or_failed);
	if (!ex_ratelimit_ok(&or_rl, READ_ONCE(ratelimit)))
		return;
	this_cpu_inc(or_printed);
	ename = or_errname(ret);
	if (call->len == -EFAULT)
		pr_info("open(<name not readable: user page not resident>) by %s[%d] returned %ld%s%s%s\n",
			current->comm, task_tgid_nr(current), ret,
			ename ? " (" : "", ename ?: "", ename ? ")" : "");
	else
		pr_info("open(\"%s\"%s) by %s[%d] returned %ld%s%s%s\n",
			call->name, call->len < 0 ? "..." : "",
			current->comm, task_tgid_nr(current), ret,
			ename ? " (" : "", ename ?: "", ename ? ")" : "");
}

static u64 or_sum(u64 __percpu *v)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += *per_cpu_ptr(v, cpu);
	return n;
}

static int __init or_init(void)
{
	struct kpc_desc d = {
		.name = "open_ret",
		.symbol = "do_sys_openat2",
		.entry = or_entry,
		.ret = or_ret,
		.data_size = sizeof(struct or_call),
		.maxactive = maxactive,
	};
	struct kpc_probe *p;

	if (maxactive < 0) {
		pr_err("maxactive=%d: must be 0 (the kernel's default) or more\n",
		       maxactive);
		return -EINVAL;
	}
	p = kpc_register_kretprobe(&d);
	if (IS_ERR(p))
		return PTR_ERR(p);
	or_probe = p;
	pr_info("probing returns of %pS with maxactive=%d\n",
		(void *)kpc_addr(p), maxactive);
	return 0;
}

static void __exit or_exit(void)
{
	struct kpc_stats st;

	/* No new calls tracked once the grace period is over. */
	kpc_disable(or_probe);
	synchronize_rcu();
	kpc_get_stats(or_probe, &st);
	pr_info("Missed %llu probe instances (%llu over maxactive=%d, %llu re-entered); tracked %llu opens, %llu failed, %llu printed\n",
		st.missed_pool + st.missed_reentry, st.missed_pool,
		st.maxactive, st.missed_reentry, st.hits, or_sum(&or_failed),
		or_sum(&or_printed));
	/* The core's summary follows, with the maxactive advice on misses. */
	kpc_unregister(or_probe);
}

module_init(or_init);
module_exit(or_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: print failed opens from a kretprobe with a small maxactive");

// SPDX-License-Identifier: GPL-2.0
/*
 * open_args: the classic "open arguments" sample (once a jprobe) on a
 * kprobe. For every open(), openat() and openat2() it prints who opened
 * what: process name and pid, dfd, the file name, the flags decoded and
 * the mode. Every path reaches do_sys_openat2(dfd, filename, how), where
 * @filename is still a user pointer and @how a kernel copy of the flags
 * and mode.
 *
 * The file name is read with copy_from_user_nofault(): a probe handler may
 * not sleep, so a page that is not resident cannot be faulted in, and the
 * line says the name could not be read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/module.h>
#include <linux/openat2.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <kprobe_core.h>
#include "ex_common.h"

static char *comm;
module_param(comm, charp, 0444);
MODULE_PARM_DESC(comm, "only opens by processes of this name (default: all)");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "only opens by this process id (default 0: all)");

static unsigned int ratelimit = 10;
module_param(ratelimit, uint, 0444);
MODULE_PARM_DESC(ratelimit, "lines per second on each CPU (default 10, 0 for none)");

static DEFINE_PER_CPU(u64, oa_seen);
static DEFINE_PER_CPU(u64, oa_filtered);
static DEFINE_PER_CPU(u64, oa_limited);
static DEFINE_PER_CPU(u64, oa_printed);
static DEFINE_PER_CPU(struct ex_ratelimit, oa_rl);
static struct kpc_probe *oa_probe;

static const struct {
	unsigned int mask, val;
	const char *name;
} oa_flag_names[] = {
	{ O_CREAT, O_CREAT, "O_CREAT" },
	{ O_EXCL, O_EXCL, "O_EXCL" },
	{ O_NOCTTY, O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, O_TRUNC, "O_TRUNC" },
	{ O_APPEND, O_APPEND, "O_APPEND" },
	{ O_NONBLOCK, O_NONBLOCK, "O_NONBLOCK" },
	{ __O_SYNC | O_DSYNC, __O_SYNC | O_DSYNC, "O_SYNC" },
	{ __O_SYNC | O_DSYNC, O_DSYNC, "O_DSYNC" },
	{ FASYNC, FASYNC, "FASYNC" },
	{ O_DIRECT, O_DIRECT, "O_DIRECT" },
	{ O_LARGEFILE, O_LARGEFILE, "O_LARGEFILE" },
	{ __O_TMPFILE | O_DIRECTORY, __O_TMPFILE | O_DIRECTORY, "O_TMPFILE" },
	{ __O_TMPFILE | O_DIRECTORY, O_DIRECTORY, "O_DIRECTORY" },
	{ O_NOFOLLOW, O_NOFOLLOW, "O_NOFOLLOW" },
	{ O_NOATIME, O_NOATIME, "O_NOATIME" },
	{ O_CLOEXEC, O_CLOEXEC, "O_CLOEXEC" },
	{ O_PATH, O_PATH, "O_PATH" },
};

/* "O_WRONLY|O_CREAT|O_TRUNC", unknown bits as a trailing "|0x..." */
static void oa_decode_flags(char *buf, size_t size, u64 flags)
{
	static const char * const acc[] = {
		"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"
	};
	size_t len;
	u64 left;
	int i;

	len = scnprintf(buf, size, "%s", acc[flags & O_ACCMODE]);
	left = flags & ~(u64)O_ACCMODE;
	for (i = 0; i < ARRAY_SIZE(oa_flag_names); i++) {
		if ((left & oa_flag_names[i].mask) != oa_flag_names[i].val)
			continue;
		len += scnprintf(buf + len, size - len, "|%s",
				 oa_flag_names[i].name);
		left &= ~(u64)oa_flag_names[i].val;
	}
	if (left)
		scnprintf(buf + len, size - len, "|%#llx", left);
}

static bool oa_wanted(void)
{
	if (pid && task_tgid_nr(current) != pid)
		return false;
	if (comm && strcmp(current->comm, comm))
		return false;
	return true;
}

static int oa_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	int dfd = (int)regs_get_kernel_argument(regs, 0);
	const char __user *uname =
		(const char __user *)regs_get_kernel_argument(regs, 1);
	const struct open_how *khow =
		(const struct open_how *)regs_get_kernel_argument(regs, 2);
	char name[EX_NAME_LEN], flags[192], dfdbuf[16];
	struct open_how how;
	long len;

	this_cpu_inc(oa_seen);
	if (!oa_wanted()) {
		this_cpu_inc(oa_filtered);
		return 0;
	}
	if (!ex_ratelimit_ok(&oa_rl, READ_ONCE(ratelimit))) {
		this_cpu_inc(oa_limited);
		return 0;
	}
	this_cpu_inc(oa_printed);

	if (dfd == AT_FDCWD)
		strscpy(dfdbuf, "AT_FDCWD", sizeof(dfdbuf));
	else
		snprintf(dfdbuf, sizeof(dfdbuf), "%d", dfd);
	/* @how lives in the kernel (the caller's stack): read it without faulting all the same */
	if (copy_from_kernel_nofault(&how, khow, sizeof(how))) {
		strscpy(flags, "(unreadable)", sizeof(flags));
		how.mode = 0;
	} else {
		oa_decode_flags(flags, sizeof(flags), how.flags);
	}
	len = ex_read_user_str(name, sizeof(name), uname);
	if (len == -EFAULT)
		pr_info("%s[%d] dfd=%s name=(not readable: user page not resident) flags=%s mode=%04llo\n",
			current->comm, task_tgid_nr(current), dfdbuf, flags,
			how.mode);
	else
		pr_info("%s[%d] dfd=%s name=\"%s\"%s flags=%s mode=%04llo\n",
			current->comm, task_tgid_nr(current), dfdbuf, name,
			len < 0 ? "..." : "", flags, how.mode);
	return 0;
}

static const struct kpc_desc oa_desc = {
	.name = "open_args",
	.symbol = "do_sys_openat2",
	.pre = oa_pre,
};

static u64 oa_sum(u64 __percpu *v)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += *per_cpu_ptr(v, cpu);
	return n;
}

static int __init oa_init(void)
{
	struct kpc_probe *p;

	if (pid < 0) {
		pr_err("pid=%d: must be a process id, or 0 for all\n", pid);
		return -EINVAL;
	}
	p = kpc_register_kprobe(&oa_desc);
	if (IS_ERR(p))
		return PTR_ERR(p);
	oa_probe = p;
	pr_info("probing %pS: comm=%s pid=%d, at most %u lines a second per CPU\n",
		(void *)kpc_addr(p), comm ?: "(any)", pid, ratelimit);
	return 0;
}

static void __exit oa_exit(void)
{
	u64 seen, filtered, limited, printed;
	struct kpc_stats st;

	/* Stop, let running handlers finish: the counts are then final. */
	kpc_disable(oa_probe);
	synchronize_rcu();
	kpc_get_stats(oa_probe, &st);
	seen = oa_sum(&oa_seen);
	filtered = oa_sum(&oa_filtered);
	limited = oa_sum(&oa_limited);
	printed = oa_sum(&oa_printed);
	pr_info("opens seen: %llu, printed: %llu, suppressed: %llu (filtered out %llu, rate-limited %llu)\n",
		seen, printed, filtered + limited, filtered, limited);
	if (seen != st.hits)
		pr_warn("counted %llu opens, the core counted %llu hits\n",
			seen, st.hits);
	kpc_unregister(oa_probe);
}

module_init(oa_init);
module_exit(oa_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core sample: print the arguments of every open");

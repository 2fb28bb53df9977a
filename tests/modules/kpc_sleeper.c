// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_sleeper: a function that takes a known time, for latency tests.
 * Writing N to /sys/kernel/debug/kpc_sleeper/nap calls kpc_sleeper_nap()
 * N times; each call sleeps with usleep_range(1000, 2000), so it takes at
 * least 1 ms (1000000 ns).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>

#define KPC_SLEEPER_MAX	10000

static struct dentry *kpc_sleeper_dir;

/* Not inlined, not cloned: a probe on it sees every call. */
static __attribute__((__noipa__)) __used int kpc_sleeper_nap(int i)
{
	usleep_range(1000, 2000);
	return i;
}

static ssize_t kpc_sleeper_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	unsigned int n, i;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &n);
	if (err)
		return err;
	if (n > KPC_SLEEPER_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		kpc_sleeper_nap(i);
	return count;
}

static const struct file_operations kpc_sleeper_fops = {
	.owner = THIS_MODULE,
	.write = kpc_sleeper_write,
	.llseek = noop_llseek,
};

static int __init kpc_sleeper_init(void)
{
	kpc_sleeper_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("nap", 0200, kpc_sleeper_dir, NULL,
			    &kpc_sleeper_fops);
	return 0;
}

static void __exit kpc_sleeper_exit(void)
{
	debugfs_remove_recursive(kpc_sleeper_dir);
}

module_init(kpc_sleeper_init);
module_exit(kpc_sleeper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core test: a function that sleeps 1-2 ms per call");

// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a kernel text file (/proc/kallsyms, the kprobe blacklist in
 * debugfs) line by line from the core, for kprobe_events' symbol counts
 * and for globs.
 *
 * Those files have a read and no read_iter, so kernel_read() refuses them:
 * they are read into a scratch anonymous mapping of the calling process
 * (insmod, or the writer of a control file) and copied from there. The
 * caller holds none of the core's locks: reading takes the file's
 * seq_file lock, which must never nest inside ours.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kpc_internal.h"

#define KPC_READ_CHUNK	(PAGE_SIZE * 16)

/* Read from @f into @buf, through the user mapping @ubuf when there is one */
static ssize_t kpc_read_chunk(struct file *f, char *buf, size_t len, loff_t *pos,
			      unsigned long ubuf)
{
	ssize_t n;

	if (!ubuf)
		return kernel_read(f, buf, len, pos);
	n = f->f_op->read(f, (char __user *)ubuf, len, pos);
	if (n > 0 && copy_from_user(buf, (const char __user *)ubuf, n))
		return -EFAULT;
	return n;
}

/**
 * kpc_read_lines() - call @fn on each line of the file at @path
 * @path: absolute path
 * @fn: gets each line without its newline, may modify it; non-zero stops
 * @ctx: passed to @fn
 *
 * Return: 0, the first non-zero @fn returned, -E2BIG for a line longer
 * than 64 KiB (no such line in the files read), or an error opening or
 * reading the file (-EOPNOTSUPP: it needs a process's memory, and a
 * kernel thread has none).
 */
int kpc_read_lines(const char *path, int (*fn)(void *ctx, char *line), void *ctx)
{
	size_t have = 0, chunk = KPC_READ_CHUNK;
	unsigned long ubuf = 0;
	char *buf, *line, *nl;
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	int err = 0;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (!f->f_op->read_iter) {
		if (!f->f_op->read || !current->mm) {
			filp_close(f, NULL);
			return -EOPNOTSUPP;
		}
		ubuf = vm_mmap(NULL, 0, chunk, PROT_READ | PROT_WRITE,
			       MAP_ANONYMOUS | MAP_PRIVATE, 0);
		if (IS_ERR_VALUE(ubuf)) {
			filp_close(f, NULL);
			return (int)ubuf;
		}
	}
	buf = kvmalloc(chunk + 1, GFP_KERNEL);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = kpc_read_chunk(f, buf + have, chunk - have, &pos, ubuf);
		if (n < 0) {
			err = n;
			break;
		}
		have += n;
		buf[have] = '\0';
		line = buf;
		while (!err && (nl = strchr(line, '\n'))) {
			*nl = '\0';
			err = fn(ctx, line);
			line = nl + 1;
		}
		if (err)
			break;
		have -= line - buf;
		memmove(buf, line, have);
		if (have == chunk) {	/* a line longer than chunk */
			err = -E2BIG;
			break;
		}
		if (!n)
			break;
	}
	kvfree(buf);
out:
	if (ubuf)
		vm_munmap(ubuf, chunk);
	filp_close(f, NULL);
	return err;
}

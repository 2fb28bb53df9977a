/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the sample modules, all safe in probe context:
 * no locks, no allocation, no sleeping, no faulting user access.
 */
#ifndef _EX_COMMON_H
#define _EX_COMMON_H

#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

/*
 * Per-CPU rate limit: at most @per_sec events a second on each CPU.
 * Handlers run with preemption off, so this CPU's state is ours alone;
 * a handler never nests inside another one (the kernel skips such hits).
 */
struct ex_ratelimit {
	u64 start_ns;
	unsigned int n;
};

static inline bool ex_ratelimit_ok(struct ex_ratelimit __percpu *rl,
				   unsigned int per_sec)
{
	struct ex_ratelimit *r = this_cpu_ptr(rl);
	u64 now = ktime_get_mono_fast_ns();

	if (!per_sec)
		return false;
	if (now - r->start_ns >= NSEC_PER_SEC) {
		r->start_ns = now;
		r->n = 0;
	}
	if (r->n >= per_sec)
		return false;
	r->n++;
	return true;
}

/* Longest file name the samples print, with its NUL. */
#define EX_NAME_LEN	200

/**
 * ex_read_user_str() - copy a user string without sleeping or faulting
 * @buf: destination, always NUL-terminated
 * @size: size of @buf, at least 1
 * @src: user pointer
 *
 * Copies page by page with copy_from_user_nofault(), so a string that
 * ends before a page that is not resident is still read whole.
 *
 * Return: the string's length; -E2BIG when @buf holds only a prefix (the
 * string is longer, or its tail is not resident); -EFAULT when nothing
 * could be read (@buf is then "").
 */
static inline long ex_read_user_str(char *buf, size_t size,
				    const char __user *src)
{
	size_t done = 0;

	buf[0] = '\0';
	while (done < size - 1) {
		unsigned long addr = (unsigned long)src + done;
		size_t chunk = min_t(size_t, size - 1 - done,
				     PAGE_SIZE - offset_in_page(addr));
		char *nul;

		if (copy_from_user_nofault(buf + done, src + done, chunk)) {
			buf[done] = '\0';
			return done ? -E2BIG : -EFAULT;
		}
		nul = memchr(buf + done, '\0', chunk);
		if (nul)
			return nul - buf;
		done += chunk;
	}
	buf[done] = '\0';
	return -E2BIG;
}

#endif /* _EX_COMMON_H */

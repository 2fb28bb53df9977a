/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log2 histograms as the samples print them, like bpftrace's hist():
 *
 *	[1M, 2M)              38 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 *
 * where K, M, G are powers of 1024, as in bpftrace. Bucket i holds values
 * in [2^i, 2^(i+1)), bucket 0 [0, 2) (kpc_hist_bucket()). Not for probe
 * context: it prints. Include it after defining pr_fmt.
 */
#ifndef _EX_HIST_H
#define _EX_HIST_H

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#define EX_BAR_WIDTH	52

/* One line to the seq_file, or to the kernel log when @m is NULL. */
static inline __printf(2, 3) void ex_out(struct seq_file *m, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	if (m) {
		seq_vprintf(m, fmt, args);
	} else {
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_info("%pV", &vaf);
	}
	va_end(args);
}

/* 2^@e as bpftrace writes it: 512, 1K, 2K, ..., 1M, ..., 16E. */
static inline void ex_pow2(char *buf, size_t size, unsigned int e)
{
	static const char * const suffix[] = { "", "K", "M", "G", "T", "P", "E" };
	unsigned int k = min(e / 10, 6U);

	snprintf(buf, size, "%u%s", 1U << (e - 10 * k), suffix[k]);
}

/* The @n buckets of @hist from the first to the last that is not empty. */
static inline void ex_print_hist(struct seq_file *m, const u64 *hist, unsigned int n)
{
	char lo[16], hi[16], range[40], bar[EX_BAR_WIDTH + 1];
	int i, first = -1, last = -1;
	u64 max = 0;

	for (i = 0; i < n; i++) {
		if (!hist[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		max = max(max, hist[i]);
	}
	for (i = first; first >= 0 && i <= last; i++) {
		unsigned int w = div64_u64(hist[i] * EX_BAR_WIDTH, max);

		if (i)
			ex_pow2(lo, sizeof(lo), i);
		else
			strscpy(lo, "0", sizeof(lo));
		ex_pow2(hi, sizeof(hi), i + 1);
		snprintf(range, sizeof(range), "[%s, %s)", lo, hi);
		memset(bar, '@', w);
		memset(bar + w, ' ', EX_BAR_WIDTH - w);
		bar[EX_BAR_WIDTH] = '\0';
		ex_out(m, "%-16s%8llu |%s|\n", range, hist[i], bar);
	}
}

#endif /* _EX_HIST_H */

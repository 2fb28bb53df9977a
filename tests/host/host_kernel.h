/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kprobe_core/events_parse.c takes from the kernel, for building it
 * into host programs: the kstrto*() family with the
 * kernel's rules (lib/kstrtox.c: base 0 reads 0x as hex and a leading 0
 * as octal, one trailing newline is allowed, overflow is -ERANGE), the
 * kernel's ctype (Latin-1 letters are letters), strscpy() and kmalloc().
 */
#ifndef _KPC_HOST_KERNEL_H
#define _KPC_HOST_KERNEL_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define GFP_KERNEL	0

static inline void *kmalloc(size_t n, int flags)
{
	return malloc(n);
}

static inline void *kcalloc(size_t n, size_t size, int flags)
{
	return calloc(n, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

/* lib/ctype.c: 0xc0-0xde (not 0xd7) upper, 0xdf-0xff (not 0xf7) lower */
static inline bool kpe_host_isalpha(int c)
{
	c &= 0xff;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 0xc0 && c != 0xd7 && c != 0xf7);
}

static inline bool kpe_host_isspace(int c)
{
	c &= 0xff;
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

#undef isalpha
#undef isdigit
#undef isspace
#undef isxdigit
#define isalpha(c)	kpe_host_isalpha(c)
#define isdigit(c)	((unsigned char)(c) >= '0' && (unsigned char)(c) <= '9')
#define isspace(c)	kpe_host_isspace(c)
#define isxdigit(c)	(isdigit(c) || (unsigned int)(((unsigned char)(c) | 0x20) - 'a') < 6u)

static inline unsigned int kpe_host_radix(const char **s, unsigned int base)
{
	if (base == 0) {
		if ((*s)[0] == '0') {
			if (((*s)[1] | 0x20) == 'x' && isxdigit((*s)[2]))
				base = 16;
			else
				base = 8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && (*s)[0] == '0' && ((*s)[1] | 0x20) == 'x')
		*s += 2;
	return base;
}

/* Digits parsed; *overflow set past ULLONG_MAX */
static inline unsigned int kpe_host_digits(const char *s, unsigned int base,
					   unsigned long long *res, bool *overflow)
{
	unsigned long long v = 0;
	unsigned int n = 0, d;

	*overflow = false;
	for (;; s++, n++) {
		unsigned int c = (unsigned char)*s;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (ULLONG_MAX - d) / base)
			*overflow = true;
		v = v * base + d;
	}
	*res = v;
	return n;
}

static inline int kpe_host_kstrtoull(const char *s, unsigned int base,
				     unsigned long long *res)
{
	unsigned long long v;
	unsigned int n;
	bool over;

	if (s[0] == '+')
		s++;
	base = kpe_host_radix(&s, base);
	n = kpe_host_digits(s, base, &v, &over);
	if (over)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

static inline int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	int ret = kpe_host_kstrtoull(s, base, &v);

	if (!ret)
		*res = v;
	return ret;
}

static inline int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int ret = kpe_host_kstrtoull(s, base, &v);

	if (ret)
		return ret;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = v;
	return 0;
}

static inline int kstrtol(const char *s, unsigned int base, long *res)
{
	unsigned long long v;
	int ret;

	if (s[0] == '-') {
		ret = kpe_host_kstrtoull(s + 1, base, &v);
		if (ret)
			return ret;
		if (v > (unsigned long long)LONG_MAX + 1)
			return -ERANGE;
		*res = v == (unsigned long long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
		return 0;
	}
	ret = kpe_host_kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > LONG_MAX)
		return -ERANGE;
	*res = v;
	return 0;
}

static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

#endif /* _KPC_HOST_KERNEL_H */

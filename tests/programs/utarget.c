// SPDX-License-Identifier: GPL-2.0
/*
 * utarget: a user-space program for the uprobe cases, with functions
 * called a known number of times with known arguments. Freestanding (no
 * libc: the kernel's cross compiler is all an arm64 guest build has), so
 * the syscalls are made here, for x86_64 and arm64.
 *
 *   utarget calls N        kpc_ufunc(i) for i = 0..N-1
 *   utarget sizes N        kpc_ualloc(s) for s = 1..N (a malloc-like argument)
 *   utarget sleep N MS     kpc_usleep(MS) N times (each sleeps MS ms)
 *   utarget recurse D      kpc_urecurse(D): D + 1 nested calls
 *   utarget fork N         fork; parent and child each do "calls N"
 *   utarget forkin N       kpc_uforkin() N times: it forks, and the parent
 *                          and the child both return from it (the child
 *                          then exits)
 *   utarget exec N M       "calls N", then exec itself as "calls M"
 *   utarget loop MS        kpc_ufunc() every MS ms, forever
 *   utarget time N         "calls N", timed: prints the loop's CLOCK_MONOTONIC
 *                          ns (make bench: 1 ns is 1 instruction there)
 *
 *   utarget -w ...         read one byte from stdin first (a fifo: the
 *                          case registers its probe for this process, then
 *                          lets it go)
 *
 * Each prints one line saying what it did when done. kpc_ubad is an
 * instruction uprobes refuse to probe (x86: 0x06, not an instruction in
 * 64-bit mode; arm64: brk), never run.
 */

#if defined(__x86_64__)
#define SYS_read	0
#define SYS_write	1
#define SYS_nanosleep	35
#define SYS_clone	56
#define SYS_execve	59
#define SYS_exit_group	231
#define SYS_wait4	61
#define SYS_clock_gettime	228
__asm__(".text\n.global _start\n_start:\n"
	"\txor %ebp, %ebp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n"
	"\tcall utarget_main\n\thlt\n"
	".global kpc_ubad\n.type kpc_ubad, @function\nkpc_ubad:\n\t.byte 0x06\n"
	".size kpc_ubad, 1\n");

static long sys3(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long sys5(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define SYS_read	63
#define SYS_write	64
#define SYS_nanosleep	101
#define SYS_clone	220
#define SYS_execve	221
#define SYS_exit_group	94
#define SYS_wait4	260
#define SYS_clock_gettime	113
__asm__(".text\n.global _start\n_start:\n"
	"\tmov x0, sp\n\tbl utarget_main\n\tbrk #0\n"
	".global kpc_ubad\n.type kpc_ubad, %function\nkpc_ubad:\n\tbrk #1\n"
	".size kpc_ubad, 4\n");

static long sys5(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc #0" : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
	return x0;
}

static long sys3(long n, long a, long b, long c)
{
	return sys5(n, a, b, c, 0, 0);
}
#else
#error "utarget: x86_64 or arm64"
#endif

#define SIGCHLD		17

#include "utarget.h"

/* The probed functions: not inlined, not merged, not seen through (noipa). */
__attribute__((__noipa__)) long kpc_ufunc(long x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

__attribute__((__noipa__)) long kpc_ualloc(long size)
{
	__asm__ volatile("" : "+r"(size));
	return size > 1000 ? 0 : 4096 + size;	/* "NULL" above 1000 */
}

__attribute__((__noipa__)) long kpc_usleep(long ms)
{
	long ts[2] = { ms / 1000, (ms % 1000) * 1000000 };

	return sys3(SYS_nanosleep, (long)ts, 0, 0);
}

/* Forks inside: the parent and the child both return from it. */
__attribute__((__noipa__)) long kpc_uforkin(long x)
{
	long pid = sys5(SYS_clone, SIGCHLD, 0, 0, 0, 0);

	__asm__ volatile("" : "+r"(pid), "+r"(x));
	return pid;
}

/* Real recursion: the barrier keeps the compiler from making it a loop. */
__attribute__((__noipa__)) long kpc_urecurse(long depth)
{
	long r;

	__asm__ volatile("" : "+r"(depth));
	if (depth <= 0)
		return 0;
	r = kpc_urecurse(depth - 1);
	__asm__ volatile("" : "+r"(r));
	return r + 1;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *a, long n, const char *b)
{
	char buf[96], num[24];
	unsigned long i = 0, j, k = 0;
	unsigned long v = n < 0 ? -n : n;

	do
		num[k++] = '0' + v % 10;
	while ((v /= 10) && k < sizeof(num));
	for (j = 0; a[j] && i < 40; j++)
		buf[i++] = a[j];
	if (n < 0)
		buf[i++] = '-';
	while (k)
		buf[i++] = num[--k];
	for (j = 0; b[j] && i < sizeof(buf) - 1; j++)
		buf[i++] = b[j];
	buf[i++] = '\n';
	sys3(SYS_write, 1, (long)buf, i);
}

static long num(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + *s++ - '0';
	return v;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static long calls(long n)
{
	long i, sum = 0;

	for (i = 0; i < n; i++)
		sum += kpc_ufunc(i);
	return sum;
}

static long now_ns(void)
{
	long ts[2];

	sys3(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)ts, 0);
	return ts[0] * 1000000000 + ts[1];
}

static void print_usage(void)
{
	const char *u = "usage: utarget [-w] calls N | sizes N | sleep N MS | recurse D | fork N | forkin N | exec N M | loop MS | time N\n";

	sys3(SYS_write, 2, (long)u, len(u));
	sys3(SYS_exit_group, 2, 0, 0);
}

long utarget_main(long *sp)
{
	long argc = sp[0], i, n, status = 0;
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char *self = argv[0];

	if (argc > 1 && same(argv[1], "-w")) {
		char c;

		sys3(SYS_read, 0, (long)&c, 1);
		argc--;
		argv++;
		argv[0] = self;
	}
	if (argc < 3)
		print_usage();
	n = num(argv[2]);
	if (same(argv[1], "calls")) {
		calls(n);
		say("utarget: ", n, " calls of kpc_ufunc");
	} else if (same(argv[1], "sizes")) {
		for (i = 1; i <= n; i++)
			kpc_ualloc(i);
		say("utarget: ", n, " calls of kpc_ualloc");
	} else if (same(argv[1], "sleep") && argc > 3) {
		for (i = 0; i < n; i++)
			kpc_usleep(num(argv[3]));
		say("utarget: ", n, " calls of kpc_usleep");
	} else if (same(argv[1], "recurse")) {
		say("utarget: kpc_urecurse returned ", kpc_urecurse(n), "");
	} else if (same(argv[1], "fork")) {
		long pid = sys5(SYS_clone, SIGCHLD, 0, 0, 0, 0);

		calls(n);
		if (pid == 0) {
			say("utarget: child: ", n, " calls of kpc_ufunc");
			sys3(SYS_exit_group, 0, 0, 0);
		}
		sys5(SYS_wait4, pid, (long)&status, 0, 0, 0);
		say("utarget: parent: ", n, " calls of kpc_ufunc");
	} else if (same(argv[1], "forkin")) {
		for (i = 0; i < n; i++) {
			long pid = kpc_uforkin(i);

			if (pid == 0)
				sys3(SYS_exit_group, 0, 0, 0);
			sys5(SYS_wait4, pid, (long)&status, 0, 0, 0);
		}
		say("utarget: ", n, " calls of kpc_uforkin, each forked");
	} else if (same(argv[1], "exec") && argc > 3) {
		char *args[4];

		args[0] = self;
		args[1] = "calls";
		args[2] = argv[3];
		args[3] = 0;
		calls(n);
		say("utarget: ", n, " calls of kpc_ufunc before exec");
		sys3(SYS_execve, (long)self, (long)args, (long)envp);
		say("utarget: exec failed: ", 0, "");
		sys3(SYS_exit_group, 1, 0, 0);
	} else if (same(argv[1], "time")) {
		long t0 = now_ns();

		calls(n);
		say("utarget: time: ", now_ns() - t0, " ns");
	} else if (same(argv[1], "loop")) {
		for (;;) {
			kpc_ufunc(0);
			kpc_usleep(n);
		}
	} else {
		print_usage();
	}
	sys3(SYS_exit_group, 0, 0, 0);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kpc_selftest: drives the kprobe_core API against functions this module
 * owns and calls a known number of times, so every count is exact.
 * Results go to the kernel log as KTAP lines prefixed with the module name;
 * tests/cases/10-selftest.sh reads them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kprobe_core.h>

#define K	1000	/* calls per counting test */

static unsigned int st_passed, st_failed, st_num;
/* Set by a test that does not apply to this kernel: KTAP's "# SKIP" */
static const char *st_skip;

#define CHECK(cond, fmt, ...) ({					\
	bool __ok = (cond);						\
	if (!__ok)							\
		pr_err("# %s:%d: check failed: %s: " fmt "\n", __func__,	\
		       __LINE__, #cond, ##__VA_ARGS__);			\
	__ok;								\
})

/* ---- targets: not inlined, not cloned, so probes see every call ---- */

#define TARGET __attribute__((__noipa__))
static int st_sink;

static TARGET int st_target_a(int x) { WRITE_ONCE(st_sink, x); return x * 2 + 1; }
static TARGET int st_target_b(int x) { WRITE_ONCE(st_sink, x); return x * 2 + 1; }
static TARGET int st_target_c(int x) { WRITE_ONCE(st_sink, x); return x * 2 + 1; }
static TARGET int st_target_d(int x) { WRITE_ONCE(st_sink, x); return x * 2 + 1; }
static TARGET int st_target_nokprobe(int x) { WRITE_ONCE(st_sink, x); return x; }
/* Not an ftrace site: a KPC_F_FTRACE_OPS probe here is a kprobe. */
static TARGET notrace int st_target_notrace(int x) { WRITE_ONCE(st_sink, x); return x * 2 + 1; }
NOKPROBE_SYMBOL(st_target_nokprobe);

static TARGET int st_target_sleep(int us)
{
	usleep_range(us, us + 100);
	return us * 2 + 1;
}

static DECLARE_COMPLETION(st_hold_release);
static atomic_t st_hold_inside = ATOMIC_INIT(0);

static TARGET int st_target_hold(int x)
{
	atomic_inc(&st_hold_inside);
	wait_for_completion(&st_hold_release);
	return x;
}

static TARGET long st_target_args(long a, long b, long c, long d, long e,
				  long f, long g, long h)
{
	WRITE_ONCE(st_sink, a);
	return a + b + c + d + e + f + g + h;
}

static void call_n(int (*fn)(int), int n)
{
	int i;

	for (i = 0; i < n; i++)
		fn(i);
}

/* ---- handlers ---- */

static int count_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 0;
}

static int nonzero_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	return 1;
}

static atomic_t post_calls = ATOMIC_INIT(0);

static void count_post(struct kpc_probe *p, struct pt_regs *regs,
		       unsigned long flags)
{
	atomic_inc(&post_calls);
}

/* Per-call data check: entry saves the argument, return checks the result. */
struct ret_check {
	atomic_t good, bad, stale;
	u8 pattern;
};

static int arg_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	struct ret_check *rc = kpc_priv(p);
	unsigned long *slot = data;

	/* The core zeroes a call's slice: a stale one is a bug. */
	if (memchr_inv(data, 0, 16))
		atomic_inc(&rc->stale);
	slot[0] = regs_get_kernel_argument(regs, 0);
	memset(&slot[1], rc->pattern, 8);
	return 0;
}

static void arg_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		    u64 ns)
{
	struct ret_check *rc = kpc_priv(p);
	unsigned long *slot = data;
	u8 expect[8];

	memset(expect, rc->pattern, sizeof(expect));
	if (regs_return_value(regs) == slot[0] * 2 + 1 &&
	    !memcmp(&slot[1], expect, sizeof(expect)))
		atomic_inc(&rc->good);
	else
		atomic_inc(&rc->bad);
}

static u64 hits(struct kpc_probe *p)
{
	struct kpc_stats st;

	kpc_get_stats(p, &st);
	return st.hits;
}

static struct kpc_probe *kp_sym(const char *name, const char *sym,
				unsigned int off)
{
	struct kpc_desc d = {
		.name = name, .symbol = sym, .offset = off, .pre = count_pre,
	};

	return kpc_register_kprobe(&d);
}

/* ---- tests: each returns true on success ---- */

static bool t_by_symbol(void)
{
	struct kpc_probe *p = kp_sym("by_symbol", "st_target_a", 0);
	bool ok;

	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	call_n(st_target_a, K);
	ok = CHECK(hits(p) == K, "hits %llu", hits(p));
	kpc_unregister(p);
	return ok;
}

static bool t_by_offset(void)
{
	struct kpc_probe *p = ERR_PTR(-EILSEQ);
	unsigned int off;
	bool ok = true;

	/*
	 * Offset 1 is inside the first instruction (endbr64 or the fentry
	 * call; on arm64 the first 4-byte one).
	 */
	p = kp_sym("by_offset", "st_target_a", 1);
	ok &= CHECK(PTR_ERR(p) == -EILSEQ, "offset 1 gave %ld", PTR_ERR(p));
	if (!IS_ERR(p))
		kpc_unregister(p);
	/*
	 * arm64's ftrace call site (func+4) cannot be probed: the kernel's
	 * -EINVAL, and kprobe_core says why (tests/cases/10-selftest.sh).
	 */
	if (IS_ENABLED(CONFIG_ARM64)) {
		p = kp_sym("ftrace_site", "st_target_a", 4);
		ok &= CHECK(PTR_ERR(p) == -EINVAL, "offset 4 gave %ld", PTR_ERR(p));
		if (!IS_ERR(p))
			kpc_unregister(p);
	}
	for (off = 2; off < 32; off++) {
		p = kp_sym("by_offset", "st_target_a", off);
		if (PTR_ERR(p) != -EILSEQ && PTR_ERR(p) != -EINVAL)
			break;
	}
	if (!CHECK(!IS_ERR(p), "no offset below 32 registered: %ld", PTR_ERR(p)))
		return false;
	pr_info("# first instruction boundary: st_target_a+%u\n", off);
	call_n(st_target_a, K);
	ok &= CHECK(hits(p) == K, "hits %llu", hits(p));
	kpc_unregister(p);
	return ok;
}

static bool t_by_module_symbol(void)
{
	struct kpc_probe *p = kp_sym("by_modsym", KBUILD_MODNAME ":st_target_b", 0);
	bool ok;

	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	call_n(st_target_b, K);
	ok = CHECK(hits(p) == K, "hits %llu", hits(p));
	kpc_unregister(p);
	return ok;
}

/* An address and a symbol naming the same function share one site. */
static bool t_by_address(void)
{
	struct kpc_desc d = {
		.name = "by_addr", .addr = (unsigned long)st_target_c,
		.pre = count_pre,
	};
	struct kpc_site_info info;
	struct kpc_probe *a, *s;
	unsigned long addr;
	bool ok = true;

	a = kpc_register_kprobe(&d);
	if (!CHECK(!IS_ERR(a), "err %ld", PTR_ERR(a)))
		return false;
	s = kp_sym("by_sym_same", "st_target_c", 0);
	if (!CHECK(!IS_ERR(s), "err %ld", PTR_ERR(s))) {
		kpc_unregister(a);
		return false;
	}
	ok &= CHECK(kpc_addr(a) == kpc_addr(s), "0x%lx vs 0x%lx", kpc_addr(a), kpc_addr(s));
	ok &= CHECK(!kpc_lookup_addr(kpc_addr(a), KPC_KPROBE, &info) &&
		    info.nclients == 2, "nclients %u", info.nclients);
	pr_info("# st_target_c is probed at +0x%lx, mode %s\n",
		kpc_addr(a) - (unsigned long)st_target_c,
		info.ftrace ? "ftrace" : "int3");
	call_n(st_target_c, K);
	ok &= CHECK(hits(a) == K && hits(s) == K, "hits %llu %llu", hits(a), hits(s));
	addr = kpc_addr(a);
	kpc_unregister(a);
	ok &= CHECK(!kpc_lookup_addr(addr, KPC_KPROBE, &info) && info.nclients == 1,
		    "after one left: nclients %u", info.nclients);
	kpc_unregister(s);
	ok &= CHECK(kpc_lookup_addr(addr, KPC_KPROBE, &info) == -ENOENT,
		    "site still registered");
	return ok;
}

static bool expect_err(const char *what, const struct kpc_desc *d,
		       enum kpc_kind kind, long err)
{
	struct kpc_probe *p = kind == KPC_KPROBE ? kpc_register_kprobe(d) :
						   kpc_register_kretprobe(d);

	if (!IS_ERR(p)) {
		pr_err("# %s: registered, expected %ld\n", what, err);
		kpc_unregister(p);
		return false;
	}
	if (PTR_ERR(p) != err) {
		pr_err("# %s: got %ld, expected %ld\n", what, PTR_ERR(p), err);
		return false;
	}
	/* Nothing of it stays behind. */
	if (d->name && kpc_lookup_name(d->name)) {
		pr_err("# %s: name still registered\n", what);
		return false;
	}
	return true;
}

static const char st_long_name[KPC_NAME_MAX + 2] = {
	[0 ... KPC_NAME_MAX] = 'x',
};

#define BAD_KP(what, err, ...) \
	{ what, KPC_KPROBE, err, { .pre = count_pre, __VA_ARGS__ } }
#define BAD_RP(what, err, ...) \
	{ what, KPC_KRETPROBE, err, { .ret = arg_ret, __VA_ARGS__ } }

static const struct bad_input {
	const char *what;
	enum kpc_kind kind;
	long err;
	struct kpc_desc d;
} bad_inputs[] = {
	BAD_KP("unknown symbol", -ENOENT, .name = "bad", .symbol = "kpc_no_such_function"),
	BAD_KP("unknown module", -ENOENT, .name = "bad", .symbol = "kpc_no_such_module:foo"),
	BAD_KP("NOKPROBE symbol", -EINVAL, .name = "bad", .symbol = "st_target_nokprobe"),
	BAD_KP("non-text address", -EINVAL, .name = "bad", .addr = (unsigned long)&st_sink),
	BAD_KP("address 0", -EINVAL, .name = "bad"),
	BAD_KP("empty symbol", -EINVAL, .name = "bad", .symbol = ""),
	BAD_KP("symbol and address", -EINVAL, .name = "bad", .symbol = "st_target_a",
	       .addr = (unsigned long)st_target_a),
	BAD_KP("offset past the end", -ENOENT, .name = "bad", .symbol = "st_target_a",
	       .offset = 0x100000),
	BAD_KP("NULL name", -EINVAL, .symbol = "st_target_a"),
	BAD_KP("empty name", -EINVAL, .name = "", .symbol = "st_target_a"),
	BAD_KP("name with space", -EINVAL, .name = "a b", .symbol = "st_target_a"),
	BAD_KP("name with control char", -EINVAL, .name = "a\tb", .symbol = "st_target_a"),
	BAD_KP("over-long name", -EINVAL, .name = st_long_name, .symbol = "st_target_a"),
	BAD_KP("unknown flag", -EINVAL, .name = "bad", .symbol = "st_target_a", .flags = 0x100),
	BAD_KP("kretprobe field on kprobe", -EINVAL, .name = "bad", .symbol = "st_target_a",
	       .maxactive = 3),
	{ "no handlers", KPC_KPROBE, -EINVAL, { .name = "bad", .symbol = "st_target_a" } },
	BAD_RP("kretprobe not at entry", -EINVAL, .name = "bad", .symbol = "st_target_a",
	       .offset = 4),
	BAD_RP("kretprobe negative maxactive", -EINVAL, .name = "bad",
	       .symbol = "st_target_a", .maxactive = -1),
	BAD_RP("kretprobe huge maxactive", -EINVAL, .name = "bad",
	       .symbol = "st_target_a", .maxactive = 1000000),
	BAD_RP("kretprobe data_size over KPC_DATA_MAX", -E2BIG, .name = "bad",
	       .symbol = "st_target_a", .data_size = KPC_DATA_MAX + 1),
	BAD_RP("kretprobe unknown symbol", -ENOENT, .name = "bad",
	       .symbol = "kpc_no_such_function"),
	BAD_RP("kretprobe on NOKPROBE symbol", -EINVAL, .name = "bad",
	       .symbol = "st_target_nokprobe"),
	{ "kretprobe no handlers", KPC_KRETPROBE, -EINVAL,
	  { .name = "bad", .symbol = "st_target_a" } },
	BAD_KP("KPC_F_NO_LATENCY on a kprobe", -EINVAL, .name = "bad",
	       .symbol = "st_target_a", .flags = KPC_F_NO_LATENCY),
	BAD_RP("kretprobe with KPC_F_FTRACE_OPS", -EINVAL, .name = "bad",
	       .symbol = "st_target_a", .flags = KPC_F_FTRACE_OPS),
	BAD_KP("KPC_F_FTRACE_OPS on an unknown symbol", -ENOENT, .name = "bad",
	       .symbol = "kpc_no_such_function", .flags = KPC_F_FTRACE_OPS),
	BAD_KP("KPC_F_FTRACE_OPS on a NOKPROBE symbol", -EINVAL, .name = "bad",
	       .symbol = "st_target_nokprobe", .flags = KPC_F_FTRACE_OPS),
};

static bool t_errors(void)
{
	struct kpc_desc dup = {
		.name = "dup", .symbol = "st_target_b", .pre = count_pre,
	};
	struct kpc_site_info info;
	struct kpc_probe *first;
	unsigned long addr = 0;
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_inputs); i++)
		ok &= expect_err(bad_inputs[i].what, &bad_inputs[i].d,
				 bad_inputs[i].kind, bad_inputs[i].err);

	/* Duplicate name from the same owner. */
	first = kp_sym("dup", "st_target_a", 0);
	if (CHECK(!IS_ERR(first), "err %ld", PTR_ERR(first))) {
		ok &= CHECK(PTR_ERR(kpc_register_kprobe(&dup)) == -EEXIST, "duplicate");
		ok &= CHECK(kpc_lookup_name("dup") == first, "lookup by name");
		addr = kpc_addr(first);
		kpc_unregister(first);
	} else {
		ok = false;
	}
	/* Nothing registered on the targets afterwards. */
	ok &= CHECK(kpc_lookup_addr(addr, KPC_KPROBE, &info) == -ENOENT, "site left behind");
	ok &= CHECK(!kpc_lookup_name("bad") && !kpc_lookup_name("dup"), "name left behind");
	pr_info("# %zu bad inputs tried\n", ARRAY_SIZE(bad_inputs) + 1);
	return ok;
}

static bool t_shared(int nclients)
{
	static const char * const names[] = { "shared0", "shared1", "shared2" };
	struct kpc_probe *p[3];
	struct kpc_site_info info;
	bool ok = true;
	int i;

	for (i = 0; i < nclients; i++) {
		p[i] = kp_sym(names[i], "st_target_d", 0);
		if (!CHECK(!IS_ERR(p[i]), "client %d: %ld", i, PTR_ERR(p[i]))) {
			kpc_unregister_batch(p, i);
			return false;
		}
	}
	/* Clients coming and going on an address do not re-arm it. */
	ok &= CHECK(!kpc_lookup_addr(kpc_addr(p[0]), KPC_KPROBE, &info) &&
		    info.nclients == nclients && !info.rearms, "nclients %u rearms %llu",
		    info.nclients, info.rearms);
	call_n(st_target_d, K);
	for (i = 0; i < nclients; i++)
		ok &= CHECK(hits(p[i]) == K, "client %d hits %llu", i, hits(p[i]));
	kpc_unregister_batch(p, nclients);
	return ok;
}

/* Callers on every CPU, counting their own calls. */
struct caller {
	struct task_struct *task;
	int (*fn)(int x);
	unsigned long calls;
};

static int caller_fn(void *arg)
{
	struct caller *c = arg;

	while (!kthread_should_stop()) {
		c->fn(1);
		c->calls++;
		cond_resched();
	}
	return 0;
}

static int callers_start(struct caller *cs, int n, int (*fn)(int))
{
	int i;

	for (i = 0; i < n; i++) {
		cs[i].fn = fn;
		cs[i].calls = 0;
		cs[i].task = kthread_create(caller_fn, &cs[i], "kpc_st/%d", i);
		if (IS_ERR(cs[i].task)) {
			int err = PTR_ERR(cs[i].task);

			while (--i >= 0)
				kthread_stop(cs[i].task);
			return err;
		}
		kthread_bind(cs[i].task, i % num_online_cpus());
		wake_up_process(cs[i].task);
	}
	return 0;
}

static unsigned long callers_stop(struct caller *cs, int n)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i < n; i++) {
		kthread_stop(cs[i].task);
		total += cs[i].calls;
	}
	return total;
}

static bool t_unregister_while_hit(void)
{
	struct kpc_probe *a, *b, *c;
	struct caller cs[2];
	unsigned long total;
	u64 hb;
	bool ok = true;

	a = kp_sym("live_a", "st_target_d", 0);
	b = kp_sym("live_b", "st_target_d", 0);
	c = kp_sym("live_c", "st_target_d", 0);
	if (!CHECK(!IS_ERR(a) && !IS_ERR(b) && !IS_ERR(c), "register")) {
		ok = false;
		goto out;
	}
	if (!CHECK(!callers_start(cs, 2, st_target_d), "kthreads")) {
		ok = false;
		goto out;
	}
	msleep(200);
	kpc_unregister(b);
	b = NULL;
	msleep(200);
	total = callers_stop(cs, 2);
	pr_info("# %lu calls on %u CPUs while a client was removed\n", total,
		num_online_cpus());
	ok &= CHECK(total > 0, "no calls");
	ok &= CHECK(hits(a) == total, "a: hits %llu calls %lu", hits(a), total);
	ok &= CHECK(hits(c) == total, "c: hits %llu calls %lu", hits(c), total);
	hb = hits(a);
	call_n(st_target_d, K);
	ok &= CHECK(hits(a) == hb + K && hits(c) == hb + K, "after");
out:
	if (!IS_ERR_OR_NULL(b))
		kpc_unregister(b);
	if (!IS_ERR(a))
		kpc_unregister(a);
	if (!IS_ERR(c))
		kpc_unregister(c);
	return ok;
}

static bool t_disable_enable(void)
{
	struct kpc_probe *a = kp_sym("toggle_a", "st_target_d", 0);
	struct kpc_probe *b = kp_sym("toggle_b", "st_target_d", 0);
	bool ok = true;

	if (!CHECK(!IS_ERR(a) && !IS_ERR(b), "register")) {
		ok = false;
		goto out;
	}
	kpc_disable(a);
	ok &= CHECK(!kpc_enabled(a), "still enabled");
	call_n(st_target_d, K);
	ok &= CHECK(hits(a) == 0 && hits(b) == K, "disabled: %llu %llu", hits(a), hits(b));
	kpc_enable(a);
	call_n(st_target_d, K);
	ok &= CHECK(hits(a) == K && hits(b) == 2 * K, "enabled: %llu %llu", hits(a), hits(b));
out:
	if (!IS_ERR(a))
		kpc_unregister(a);
	if (!IS_ERR(b))
		kpc_unregister(b);
	return ok;
}

static bool t_registered_disabled(void)
{
	struct kpc_desc d = {
		.name = "starts_off", .symbol = "st_target_a", .pre = count_pre,
		.flags = KPC_F_DISABLED,
	};
	struct kpc_probe *p = kpc_register_kprobe(&d);
	bool ok = true;

	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	call_n(st_target_a, K);
	ok &= CHECK(hits(p) == 0, "hits %llu", hits(p));
	kpc_enable(p);
	call_n(st_target_a, K);
	ok &= CHECK(hits(p) == K, "hits %llu", hits(p));
	kpc_unregister(p);
	return ok;
}

static bool t_pre_nonzero(void)
{
	struct kpc_desc d = {
		.name = "nonzero", .symbol = "st_target_a", .pre = nonzero_pre,
	};
	struct kpc_probe *p = kpc_register_kprobe(&d);
	struct kpc_stats st;
	int i, bad = 0;

	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	for (i = 0; i < K; i++)
		bad += st_target_a(i) != i * 2 + 1;
	kpc_get_stats(p, &st);
	kpc_unregister(p);
	return CHECK(!bad && st.hits == K && st.pre_nonzero == K,
		     "bad %d hits %llu nonzero %llu", bad, st.hits, st.pre_nonzero);
}

/* A client with a post handler joins a site armed without one. */
static bool t_post_rearm(void)
{
	struct kpc_desc d = {
		.name = "with_post", .symbol = "st_target_b", .post = count_post,
	};
	struct kpc_probe *a, *b;
	bool ok = true;

	a = kp_sym("no_post", "st_target_b", 0);
	if (!CHECK(!IS_ERR(a), "err %ld", PTR_ERR(a)))
		return false;
	call_n(st_target_b, K);
	atomic_set(&post_calls, 0);
	b = kpc_register_kprobe(&d);
	if (!CHECK(!IS_ERR(b), "err %ld", PTR_ERR(b))) {
		kpc_unregister(a);
		return false;
	}
	call_n(st_target_b, K);
	ok &= CHECK(hits(a) == 2 * K, "a hits %llu", hits(a));
	ok &= CHECK(hits(b) == K, "b hits %llu", hits(b));
	ok &= CHECK(atomic_read(&post_calls) == K, "post calls %d", atomic_read(&post_calls));
	kpc_unregister(b);
	kpc_unregister(a);
	return ok;
}

static bool t_kretprobe_data(void)
{
	struct ret_check ra = { .pattern = 0xaa }, rb = { .pattern = 0xbb };
	struct kpc_desc da = {
		.name = "ret_a", .symbol = "st_target_c", .entry = arg_entry,
		.ret = arg_ret, .data_size = 16, .priv = &ra,
	};
	struct kpc_desc db = da;
	struct kpc_probe *a, *b;
	struct kpc_stats st;
	bool ok = true;

	db.name = "ret_b";
	db.priv = &rb;
	db.data_size = 2048;	/* more than the site was sized for: re-arms it */
	a = kpc_register_kretprobe(&da);
	if (!CHECK(!IS_ERR(a), "err %ld", PTR_ERR(a)))
		return false;
	call_n(st_target_c, K);
	b = kpc_register_kretprobe(&db);
	if (!CHECK(!IS_ERR(b), "err %ld", PTR_ERR(b))) {
		kpc_unregister(a);
		return false;
	}
	call_n(st_target_c, K);
	ok &= CHECK(atomic_read(&ra.good) == 2 * K && !atomic_read(&ra.bad),
		    "a good %d bad %d", atomic_read(&ra.good), atomic_read(&ra.bad));
	ok &= CHECK(atomic_read(&rb.good) == K && !atomic_read(&rb.bad),
		    "b good %d bad %d", atomic_read(&rb.good), atomic_read(&rb.bad));
	ok &= CHECK(!atomic_read(&ra.stale) && !atomic_read(&rb.stale),
		    "slices not zeroed: a %d b %d", atomic_read(&ra.stale),
		    atomic_read(&rb.stale));
	kpc_get_stats(a, &st);
	ok &= CHECK(st.hits == 2 * K && st.returns == 2 * K && !st.missed_pool &&
		    !st.missed_reentry, "a hits %llu returns %llu", st.hits, st.returns);
	kpc_unregister_batch((struct kpc_probe *[]){ a, b }, 2);
	return ok;
}

/* The bucket of @ns worked out here, not with kpc_hist_bucket(). */
static unsigned int ref_bucket(u64 ns)
{
	unsigned int i = 0;

	while (i < KPC_HIST_BUCKETS - 1 && ns >= 2ULL << i)
		i++;
	return i;
}

/* The most per-call data a client may ask for is all usable, and all there is. */
static atomic_t full_good = ATOMIC_INIT(0), full_bad = ATOMIC_INIT(0);

static int full_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	memset(data, 0x5c, KPC_DATA_MAX);
	return 0;
}

static void full_ret(struct kpc_probe *p, struct pt_regs *regs, void *data, u64 ns)
{
	atomic_inc(memchr_inv(data, 0x5c, KPC_DATA_MAX) ? &full_bad : &full_good);
}

static bool t_kretprobe_data_max(void)
{
	struct kpc_desc d = {
		.name = "data_max", .symbol = "st_target_d", .entry = full_entry,
		.ret = full_ret, .data_size = KPC_DATA_MAX,
	};
	struct kpc_desc more = {
		.name = "one_more", .symbol = "st_target_d", .ret = full_ret,
		.data_size = 8,
	};
	struct kpc_probe *p, *q;
	bool ok = true;

	atomic_set(&full_good, 0);
	atomic_set(&full_bad, 0);
	p = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(p), "data_size %d: err %ld", KPC_DATA_MAX, PTR_ERR(p)))
		return false;
	call_n(st_target_d, K);
	/* The function's clients share the room: none is left. */
	q = kpc_register_kretprobe(&more);
	ok &= CHECK(PTR_ERR(q) == -E2BIG, "8 more bytes: %ld", PTR_ERR(q));
	if (!IS_ERR(q))
		kpc_unregister(q);
	kpc_unregister(p);
	ok &= CHECK(atomic_read(&full_good) == K && !atomic_read(&full_bad),
		    "good %d bad %d", atomic_read(&full_good), atomic_read(&full_bad));
	return ok;
}

static atomic_t nolat_calls, nolat_timed;

static void nolat_ret(struct kpc_probe *p, struct pt_regs *regs, void *data, u64 ns)
{
	atomic_inc(&nolat_calls);
	if (ns)
		atomic_inc(&nolat_timed);
}

/*
 * KPC_F_NO_LATENCY: returns counted, no time taken for the client, beside
 * a client of the same function that is timed as before.
 */
static bool t_kretprobe_no_latency(void)
{
	struct kpc_desc dn = {
		.name = "nolat", .symbol = "st_target_sleep", .ret = nolat_ret,
		.flags = KPC_F_NO_LATENCY,
	};
	struct kpc_desc dt = {
		.name = "timed", .symbol = "st_target_sleep", .ret = nolat_ret,
	};
	const unsigned int calls = 10, us = 1000;
	struct kpc_stats sn, stt;
	struct kpc_probe *n, *t;
	u64 hist = 0;
	unsigned int i;
	bool ok = true;

	atomic_set(&nolat_calls, 0);
	atomic_set(&nolat_timed, 0);
	n = kpc_register_kretprobe(&dn);
	if (!CHECK(!IS_ERR(n), "err %ld", PTR_ERR(n)))
		return false;
	/* alone: every call counted, none timed */
	for (i = 0; i < calls; i++)
		st_target_sleep(us);
	ok &= CHECK(atomic_read(&nolat_calls) == calls && !atomic_read(&nolat_timed),
		    "alone: %d returns, %d with a latency", atomic_read(&nolat_calls),
		    atomic_read(&nolat_timed));
	t = kpc_register_kretprobe(&dt);
	if (!CHECK(!IS_ERR(t), "err %ld", PTR_ERR(t))) {
		kpc_unregister(n);
		return false;
	}
	/* beside a timed client: the call is timed for it only */
	for (i = 0; i < calls; i++)
		st_target_sleep(us);
	kpc_get_stats(n, &sn);
	kpc_get_stats(t, &stt);
	kpc_unregister(t);
	kpc_unregister(n);
	for (i = 0; i < KPC_HIST_BUCKETS; i++)
		hist += sn.lat_hist[i];
	ok &= CHECK(sn.hits == 2 * calls && sn.returns == 2 * calls,
		    "nolat: hits %llu returns %llu", sn.hits, sn.returns);
	ok &= CHECK(!sn.lat_count && !sn.lat_sum_ns && !sn.lat_min_ns && !sn.lat_max_ns && !hist,
		    "nolat: count %llu sum %llu min %llu max %llu hist %llu", sn.lat_count,
		    sn.lat_sum_ns, sn.lat_min_ns, sn.lat_max_ns, hist);
	ok &= CHECK(stt.returns == calls && stt.lat_count == calls &&
		    stt.lat_min_ns >= us * 1000ULL,
		    "timed: returns %llu count %llu min %llu", stt.returns, stt.lat_count,
		    stt.lat_min_ns);
	/* 3 * calls: nolat twice, timed once; only timed's have a latency */
	ok &= CHECK(atomic_read(&nolat_calls) == 3 * calls &&
		    atomic_read(&nolat_timed) == calls,
		    "%d returns, %d with a latency", atomic_read(&nolat_calls),
		    atomic_read(&nolat_timed));
	return ok;
}

static bool t_kretprobe_latency(void)
{
	struct kpc_desc d = {
		.name = "latency", .symbol = "st_target_sleep", .ret = arg_ret,
		.entry = arg_entry, .data_size = 16,
	};
	struct ret_check rc = { .pattern = 0x5a };
	const unsigned int calls = 20, us = 2000;
	u64 near = 0, sum = 0, lo = ref_bucket(us * 1000ULL);
	int first = -1, last = -1;
	struct kpc_probe *p;
	struct kpc_stats st;
	unsigned int i;
	bool ok = true;

	d.priv = &rc;
	p = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	for (i = 0; i < calls; i++)
		st_target_sleep(us);
	kpc_get_stats(p, &st);
	kpc_unregister(p);
	/* usleep_range(2000, 2100) sleeps at least 2 ms: bucket [1M, 2M) ns or later. */
	for (i = lo; i <= lo + 3 && i < KPC_HIST_BUCKETS; i++)
		near += st.lat_hist[i];
	for (i = 0; i < KPC_HIST_BUCKETS; i++) {
		sum += st.lat_hist[i];
		if (st.lat_hist[i] && first < 0)
			first = i;
		if (st.lat_hist[i])
			last = i;
	}
	pr_info("# %u sleeps of %u us: min %llu mean %llu max %llu ns, %llu in buckets %llu-%llu\n",
		calls, us, st.lat_min_ns, st.lat_count ? st.lat_sum_ns / st.lat_count : 0,
		st.lat_max_ns, near, lo, lo + 3);
	ok &= CHECK(st.returns == calls && atomic_read(&rc.good) == calls, "returns %llu",
		    st.returns);
	ok &= CHECK(st.lat_min_ns >= us * 1000ULL, "min %llu", st.lat_min_ns);
	ok &= CHECK(near * 10 >= calls * 8, "%llu of %u near %u us", near, calls, us);
	/* Exact: the histogram's ends are the buckets of the min and the max. */
	ok &= CHECK(sum == calls, "buckets add up to %llu", sum);
	ok &= CHECK(first == ref_bucket(st.lat_min_ns) && last == ref_bucket(st.lat_max_ns),
		    "buckets %d-%d, min %llu max %llu are in %u-%u", first, last,
		    st.lat_min_ns, st.lat_max_ns, ref_bucket(st.lat_min_ns),
		    ref_bucket(st.lat_max_ns));
	return ok;
}

/*
 * The latency of a call that returns on another CPU: the fast clock is
 * monotonic per CPU only, so the return may read less than the entry did.
 * Such a call must count as 0 ns (bucket 0), not as ~1.8e19 ns (bucket 63).
 * The clock cannot be made to go backwards on demand: check the rule itself.
 */
static bool t_elapsed_backwards(void)
{
	bool ok = true;

	ok &= CHECK(kpc_elapsed_ns(1000, 1500) == 500, "%llu", kpc_elapsed_ns(1000, 1500));
	ok &= CHECK(kpc_elapsed_ns(1000, 1000) == 0, "%llu", kpc_elapsed_ns(1000, 1000));
	ok &= CHECK(kpc_elapsed_ns(1000, 999) == 0, "%llu", kpc_elapsed_ns(1000, 999));
	ok &= CHECK(kpc_elapsed_ns(U64_MAX, 0) == 0, "%llu", kpc_elapsed_ns(U64_MAX, 0));
	ok &= CHECK(kpc_elapsed_ns(0, U64_MAX) == U64_MAX, "%llu",
		    kpc_elapsed_ns(0, U64_MAX));
	ok &= CHECK(kpc_hist_bucket(kpc_elapsed_ns(1000, 999)) == 0, "bucket %u",
		    kpc_hist_bucket(kpc_elapsed_ns(1000, 999)));
	return ok;
}

/*
 * Held calls: threads that enter st_target_hold together (one per CPU,
 * released at once so they race for the first token) and stay inside
 * until st_hold_release is completed.
 */
static atomic_t st_hold_go = ATOMIC_INIT(0);

static int hold_thread(void *arg)
{
	while (!atomic_read(&st_hold_go))
		cpu_relax();
	st_target_hold(0);
	return 0;
}

struct holders {
	struct task_struct *t[2];
	int n;
};

/* Start @n held calls; false if they did not all get inside. */
static bool hold_start(struct holders *h, int n)
{
	int i;

	reinit_completion(&st_hold_release);
	atomic_set(&st_hold_inside, 0);
	atomic_set(&st_hold_go, 0);
	h->n = 0;
	for (i = 0; i < n; i++) {
		h->t[i] = kthread_create(hold_thread, NULL, "kpc_hold/%d", i);
		if (IS_ERR(h->t[i]))
			break;
		kthread_bind(h->t[i], i % num_online_cpus());
		get_task_struct(h->t[i]);
		wake_up_process(h->t[i]);
		h->n++;
	}
	atomic_set(&st_hold_go, 1);
	for (i = 0; i < 500 && atomic_read(&st_hold_inside) < h->n; i++)
		usleep_range(1000, 2000);
	return CHECK(h->n == n && atomic_read(&st_hold_inside) == n, "inside %d of %d",
		     atomic_read(&st_hold_inside), n);
}

static void hold_stop(struct holders *h)
{
	int i;

	complete_all(&st_hold_release);
	for (i = 0; i < h->n; i++) {
		kthread_stop(h->t[i]);
		put_task_struct(h->t[i]);
	}
	h->n = 0;
}

static unsigned int maxactive_rounds = 1;
module_param(maxactive_rounds, uint, 0444);
MODULE_PARM_DESC(maxactive_rounds, "times kretprobe_maxactive_misses races two calls (default 1)");

/*
 * Two calls entering at once on two CPUs: a client with maxactive=1 tracks
 * exactly one and misses the other; one with the default tracks both.
 */
/* The figures of a client the maxactive tests look at. */
struct flight {
	u64 hits, missed_pool, inflight, peak_inflight;
};

static void flight(struct kpc_probe *p, struct flight *f)
{
	static struct kpc_stats st;	/* tests run one at a time */

	kpc_get_stats(p, &st);
	f->hits = st.hits;
	f->missed_pool = st.missed_pool;
	f->inflight = st.inflight;
	f->peak_inflight = st.peak_inflight;
}

static bool maxactive_round(struct kpc_probe *p1, struct kpc_probe *pd,
			    unsigned int round)
{
	struct flight b1, bd, s1, sd;
	struct holders h;
	bool ok = true;

	flight(p1, &b1);
	flight(pd, &bd);
	ok &= hold_start(&h, 2);
	flight(p1, &s1);
	flight(pd, &sd);
	hold_stop(&h);
	ok &= CHECK(s1.hits - b1.hits == 1 && s1.missed_pool - b1.missed_pool == 1 &&
		    s1.inflight == 1 && s1.peak_inflight == 1,
		    "round %u: max1 hits +%llu missed +%llu inflight %llu peak %llu", round,
		    s1.hits - b1.hits, s1.missed_pool - b1.missed_pool, s1.inflight,
		    s1.peak_inflight);
	ok &= CHECK(sd.hits - bd.hits == 2 && sd.missed_pool == bd.missed_pool &&
		    sd.inflight == 2 && sd.peak_inflight == 2,
		    "round %u: default hits +%llu missed +%llu inflight %llu peak %llu", round,
		    sd.hits - bd.hits, sd.missed_pool - bd.missed_pool, sd.inflight,
		    sd.peak_inflight);
	flight(p1, &s1);
	flight(pd, &sd);
	ok &= CHECK(s1.inflight == 0 && sd.inflight == 0, "round %u: after: inflight %llu %llu",
		    round, s1.inflight, sd.inflight);
	return ok;
}

static bool t_kretprobe_maxactive(void)
{
	struct kpc_desc d1 = {
		.name = "max1", .symbol = "st_target_hold", .entry = arg_entry,
		.data_size = 16, .maxactive = 1,
	};
	struct kpc_desc dd = d1;
	struct kpc_probe *p1, *pd = ERR_PTR(-EINVAL), *pb;
	struct ret_check rc = {};
	struct kpc_stats s1;
	struct holders h;
	unsigned int r;
	bool ok = true;

	if (num_online_cpus() < 2) {
		pr_info("# needs two CPUs\n");
		return false;
	}
	dd.name = "max_default";
	dd.maxactive = 0;
	d1.priv = &rc;
	dd.priv = &rc;
	p1 = kpc_register_kretprobe(&d1);
	if (!IS_ERR(p1))
		pd = kpc_register_kretprobe(&dd);
	if (!CHECK(!IS_ERR(p1) && !IS_ERR(pd), "register")) {
		ok = false;
		goto out;
	}
	for (r = 0; r < maxactive_rounds && ok; r++)
		ok &= maxactive_round(p1, pd, r);
	pr_info("# two calls racing on two CPUs, %u rounds: maxactive=1 took one, the default both: %s\n",
		r, ok ? "every round" : "FAILED");

	/*
	 * A client needing more per-call data re-arms the site while max1
	 * holds a call that outlasts the drain: the token comes back when
	 * the old kretprobe goes, so max1's next call is tracked.
	 */
	if (!hold_start(&h, 1)) {
		hold_stop(&h);
		ok = false;
		goto out;
	}
	dd.name = "max_big";
	dd.data_size = 2048;
	pb = kpc_register_kretprobe(&dd);
	hold_stop(&h);
	if (!CHECK(!IS_ERR(pb), "err %ld", PTR_ERR(pb))) {
		ok = false;
		goto out;
	}
	kpc_get_stats(p1, &s1);
	ok &= CHECK(s1.inflight == 0, "after re-arm with a call held: inflight %llu",
		    s1.inflight);
	st_target_hold(0);
	kpc_get_stats(p1, &s1);
	ok &= CHECK(s1.hits == r + 2 && s1.missed_pool == r && s1.inflight == 0,
		    "after re-arm: hits %llu missed %llu inflight %llu", s1.hits,
		    s1.missed_pool, s1.inflight);
	kpc_unregister(pb);
out:
	if (!IS_ERR(pd))
		kpc_unregister(pd);
	if (!IS_ERR(p1))
		kpc_unregister(p1);
	return ok;
}

/*
 * A counting client (KPC_F_NO_LATENCY, no entry handler, no data) takes no
 * token. Calls only counting clients track share their cap (maxactive
 * added up): maxactive=1 alone tracks one of two calls in flight and
 * misses the other. A newcomer counts the return of a call already
 * tracked, a disabled one counts nothing, neither keeps calls in flight,
 * and beside a timed client their handlers still get no latency.
 */
static atomic_t counting_bad = ATOMIC_INIT(0);

static void counting_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
			 u64 latency_ns)
{
	if (data || latency_ns)
		atomic_inc(&counting_bad);
}

static void timed_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		      u64 latency_ns)
{
}

/* One call of st_target_sleep() lasting @arg microseconds. */
static int sleep_thread(void *arg)
{
	st_target_sleep((long)arg);
	while (!kthread_should_stop())
		usleep_range(1000, 2000);
	return 0;
}

/*
 * A thread sleeping @us in st_target_sleep(), once @p counted its entry
 * (or after about 0.1 s); NULL if it could not start. Held: kthread_stop()
 * and put_task_struct() when done.
 */
static struct task_struct *sleeper_start(struct kpc_probe *p, long us)
{
	struct task_struct *t;
	struct kpc_stats st;
	int i;

	t = kthread_run(sleep_thread, (void *)us, "kpc_sleep");
	if (!CHECK(!IS_ERR(t), "kthread %ld", PTR_ERR(t)))
		return NULL;
	get_task_struct(t);
	for (i = 0; i < 1000; i++) {
		kpc_get_stats(p, &st);
		if (st.hits)
			break;
		usleep_range(50, 100);
	}
	return t;
}

/*
 * A re-arm while a call only a counting client tracks sleeps in the
 * function: the re-arm waits for it to return through the old kretprobe
 * (up to 50 x 1-2 ms after a grace period; the call sleeps 40 ms), so the
 * return is counted.
 */
static bool counting_rearm(void)
{
	struct kpc_desc dc = {
		.name = "count_rearm", .symbol = "st_target_sleep", .ret = counting_ret,
		.flags = KPC_F_NO_LATENCY,
	};
	struct kpc_desc db = {
		.name = "count_rearm_big", .symbol = "st_target_sleep", .ret = timed_ret,
		.data_size = 2048,
	};
	struct kpc_site_info before = {}, after = {};
	struct task_struct *t;
	struct kpc_probe *c, *b;
	struct kpc_stats st;
	bool ok = true;

	c = kpc_register_kretprobe(&dc);
	if (!CHECK(!IS_ERR(c), "err %ld", PTR_ERR(c)))
		return false;
	t = sleeper_start(c, 40000);
	if (!t) {
		kpc_unregister(c);
		return false;
	}
	kpc_lookup_addr(kpc_addr(c), KPC_KRETPROBE, &before);
	b = kpc_register_kretprobe(&db);
	kpc_lookup_addr(kpc_addr(c), KPC_KRETPROBE, &after);
	kthread_stop(t);
	put_task_struct(t);
	kpc_get_stats(c, &st);
	ok &= CHECK(!IS_ERR(b) && after.rearms == before.rearms + 1,
		    "the big client re-armed the site: err %d, re-arms %llu -> %llu",
		    PTR_ERR_OR_ZERO(b), (u64)before.rearms, (u64)after.rearms);
	ok &= CHECK(st.hits == 1 && st.returns == 1 && !st.missed_pool,
		    "a call sleeping through a re-arm: hits %llu returns %llu missed %llu",
		    st.hits, st.returns, st.missed_pool);
	if (!IS_ERR(b))
		kpc_unregister(b);
	kpc_unregister(c);
	return ok;
}

/*
 * Two counting clients with maxactive=1 each, a call of theirs asleep in
 * the function; one leaves. Its share of the cap stays with the arm while
 * that call may still be in flight: the one that stays tracks its next
 * call instead of missing it (before, the cap fell to 1 with 1 in flight).
 */
static bool counting_leaver(void)
{
	struct kpc_desc d = {
		.name = "count_leaver", .symbol = "st_target_sleep", .ret = counting_ret,
		.flags = KPC_F_NO_LATENCY, .maxactive = 1,
	};
	struct kpc_probe *leaver, *stayer;
	struct task_struct *t;
	struct kpc_stats st;
	bool ok = true;

	leaver = kpc_register_kretprobe(&d);
	d.name = "count_stayer";
	stayer = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(leaver) && !IS_ERR(stayer), "register")) {
		if (!IS_ERR(leaver))
			kpc_unregister(leaver);
		if (!IS_ERR(stayer))
			kpc_unregister(stayer);
		return false;
	}
	/* long enough to be in flight through an unregistration's grace period */
	t = sleeper_start(stayer, 300000);
	if (!t) {
		kpc_unregister(stayer);
		kpc_unregister(leaver);
		return false;
	}
	kpc_unregister(leaver);
	st_target_sleep(10);
	kpc_get_stats(stayer, &st);
	ok &= CHECK(st.hits == 2 && !st.missed_pool,
		    "a call in flight, its other client gone: hits %llu missed %llu",
		    st.hits, st.missed_pool);
	kthread_stop(t);
	put_task_struct(t);
	kpc_get_stats(stayer, &st);
	kpc_unregister(stayer);
	ok &= CHECK(st.returns == 2, "returns %llu", st.returns);
	return ok;
}

static bool t_kretprobe_counting(void)
{
	struct kpc_desc d = {
		.name = "count_max1", .symbol = "st_target_hold", .ret = counting_ret,
		.flags = KPC_F_NO_LATENCY, .maxactive = 1,
	};
	struct kpc_desc dt = {
		.name = "count_timed", .symbol = "st_target_hold", .ret = timed_ret,
	};
	struct kpc_probe *c1, *c2, *t;
	struct kpc_stats s1, s2;
	struct holders h;
	bool ok = true;

	if (num_online_cpus() < 2) {
		pr_info("# needs two CPUs\n");
		return false;
	}
	atomic_set(&counting_bad, 0);
	c1 = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(c1), "err %ld", PTR_ERR(c1)))
		return false;
	ok &= hold_start(&h, 2);
	/* maxactive=1 beside it: no re-arm, however many CPUs (arm.c) */
	d.name = "count_new";
	c2 = kpc_register_kretprobe(&d);
	kpc_get_stats(c1, &s1);
	hold_stop(&h);
	ok &= CHECK(s1.hits == 1 && s1.missed_pool == 1 && !s1.inflight && !s1.peak_inflight,
		    "two held calls, cap 1: hits %llu missed %llu inflight %llu peak %llu",
		    s1.hits, s1.missed_pool, s1.inflight, s1.peak_inflight);
	if (!CHECK(!IS_ERR(c2), "err %ld", PTR_ERR(c2))) {
		kpc_unregister(c1);
		return false;
	}
	kpc_get_stats(c1, &s1);
	kpc_get_stats(c2, &s2);
	ok &= CHECK(s1.returns == 1 && !s2.hits && s2.returns == 1 && !s2.missed_pool,
		    "after: max1 returns %llu, newcomer hits %llu returns %llu missed %llu",
		    s1.returns, s2.hits, s2.returns, s2.missed_pool);
	kpc_disable(c2);
	st_target_hold(0);
	kpc_enable(c2);
	st_target_hold(0);
	/* a timed client: the call has an entry time, the counting ones get 0 */
	t = kpc_register_kretprobe(&dt);
	ok &= CHECK(!IS_ERR(t), "timed: err %ld", PTR_ERR(t));
	st_target_hold(0);
	if (!IS_ERR(t)) {
		kpc_get_stats(t, &s2);
		ok &= CHECK(s2.returns == 1 && s2.lat_count == 1, "timed: returns %llu timed %llu",
			    s2.returns, s2.lat_count);
		kpc_unregister(t);
	}
	kpc_get_stats(c1, &s1);
	kpc_get_stats(c2, &s2);
	kpc_unregister(c2);
	kpc_unregister(c1);
	ok &= CHECK(s1.hits == 4 && s1.returns == 4 && s2.hits == 2 && s2.returns == 3 &&
		    !s2.inflight && !s2.peak_inflight,
		    "one call disabled, two enabled: max1 %llu/%llu, newcomer %llu/%llu inflight %llu peak %llu",
		    s1.hits, s1.returns, s2.hits, s2.returns, s2.inflight, s2.peak_inflight);
	ok &= CHECK(!atomic_read(&counting_bad), "%d returns with data or a latency",
		    atomic_read(&counting_bad));
	return ok && counting_rearm() && counting_leaver();
}

/*
 * Calls that never return: threads that exit inside the probed function
 * hold no token afterwards, so maxactive=1 keeps tracking later calls.
 */
static DECLARE_COMPLETION(st_die_done);

static TARGET int st_target_die(int x)
{
	if (x)
		kthread_complete_and_exit(&st_die_done, 0);
	WRITE_ONCE(st_sink, x);
	return x * 2 + 1;
}

static int die_thread(void *arg)
{
	st_target_die(1);
	return 0;
}

static bool t_exit_inside(void)
{
	struct ret_check rc = {};
	struct kpc_desc d = {
		.name = "dies_inside", .symbol = "st_target_die", .entry = arg_entry,
		.ret = arg_ret, .data_size = 16, .maxactive = 1, .priv = &rc,
	};
	const int deaths = 3;
	struct task_struct *t;
	struct kpc_probe *p;
	struct kpc_stats st;
	int i, j;
	bool ok = true;

	p = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	for (i = 0; i < deaths; i++) {
		reinit_completion(&st_die_done);
		t = kthread_run(die_thread, NULL, "kpc_die/%d", i);
		if (!CHECK(!IS_ERR(t), "kthread %ld", PTR_ERR(t))) {
			ok = false;
			break;
		}
		wait_for_completion(&st_die_done);
		/* The token comes back when the thread reaches do_exit()'s tracepoint. */
		for (j = 0; j < 1000; j++) {
			kpc_get_stats(p, &st);
			if (!st.inflight)
				break;
			usleep_range(1000, 2000);
		}
		ok &= CHECK(!st.inflight, "death %d: inflight %llu after 1 s", i, st.inflight);
		st_target_die(0);
	}
	kpc_get_stats(p, &st);
	pr_info("# %d threads exited inside a probed function: hits %llu returns %llu missed %llu\n",
		deaths, st.hits, st.returns, st.missed_pool);
	ok &= CHECK(st.hits == 2 * deaths && st.returns == deaths && !st.missed_pool &&
		    !st.inflight, "hits %llu returns %llu missed %llu inflight %llu",
		    st.hits, st.returns, st.missed_pool, st.inflight);
	kpc_unregister(p);
	return ok;
}

/*
 * A client disabled while its call is in flight does not see the return:
 * its handlers run only while it is enabled. The token still comes back.
 */
static atomic_t ret_calls = ATOMIC_INIT(0);

static void count_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		      u64 ns)
{
	atomic_inc(&ret_calls);
}

static bool t_disabled_return(void)
{
	struct kpc_desc d = {
		.name = "off_at_return", .symbol = "st_target_hold", .ret = count_ret,
		.maxactive = 1,
	};
	struct kpc_probe *p = kpc_register_kretprobe(&d);
	struct kpc_stats st;
	struct holders h;
	bool ok = true;

	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	atomic_set(&ret_calls, 0);
	ok &= hold_start(&h, 1);
	kpc_disable(p);
	hold_stop(&h);
	kpc_get_stats(p, &st);
	ok &= CHECK(st.hits == 1 && st.returns == 0 && !st.inflight &&
		    !atomic_read(&ret_calls), "hits %llu returns %llu inflight %llu ret calls %d",
		    st.hits, st.returns, st.inflight, atomic_read(&ret_calls));
	kpc_enable(p);
	st_target_hold(0);
	kpc_get_stats(p, &st);
	ok &= CHECK(st.hits == 2 && st.returns == 1 && atomic_read(&ret_calls) == 1,
		    "enabled again: hits %llu returns %llu", st.hits, st.returns);
	kpc_unregister(p);
	return ok;
}

/*
 * After the exit hook a dying task still calls do_task_dead() and its last
 * __schedule(), which never return and which the kernel recycles without
 * a handler: a return client there must not lose a token per exit. Four
 * threads exit under a maxactive=2 client of do_task_dead(); a bare kprobe
 * on it tells when they got there.
 */
static atomic_t dead_seen = ATOMIC_INIT(0);

static int dead_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (!strncmp(current->comm, "kpc_dead/", 9))
		atomic_inc(&dead_seen);
	return 0;
}

static int dead_thread(void *arg)
{
	return 0;
}

static bool t_exit_final_calls(void)
{
	struct kpc_desc d = {
		.name = "task_dead", .symbol = "do_task_dead", .ret = count_ret,
		.maxactive = 2,
	};
	struct kprobe bare = { .symbol_name = "do_task_dead", .pre_handler = dead_pre };
	const int threads = 4;
	struct task_struct *t;
	struct kpc_probe *p;
	struct kpc_stats st;
	int i, err;
	bool ok = true;

	atomic_set(&dead_seen, 0);
	err = register_kprobe(&bare);
	if (!CHECK(!err, "bare kprobe on do_task_dead: %d", err))
		return false;
	p = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p))) {
		unregister_kprobe(&bare);
		return false;
	}
	for (i = 0; i < threads; i++) {
		t = kthread_run(dead_thread, NULL, "kpc_dead/%d", i);
		ok &= CHECK(!IS_ERR(t), "kthread %ld", PTR_ERR(t));
	}
	/* Up to 10 s: exits are slow on the debug kernel under TCG. */
	for (i = 0; i < 5000 && atomic_read(&dead_seen) < threads; i++)
		usleep_range(1000, 2000);
	kpc_get_stats(p, &st);
	pr_info("# %d threads reached do_task_dead(): client hits %llu inflight %llu missed %llu\n",
		atomic_read(&dead_seen), st.hits, st.inflight, st.missed_pool);
	ok &= CHECK(atomic_read(&dead_seen) == threads, "%d of %d threads seen",
		    atomic_read(&dead_seen), threads);
	ok &= CHECK(!st.inflight && !st.missed_pool, "inflight %llu missed %llu",
		    st.inflight, st.missed_pool);
	kpc_unregister(p);
	unregister_kprobe(&bare);
	return ok;
}

/*
 * Clients of one function share the kernel's pool of instances: it must
 * hold every client's maxactive at once (plus one per CPU for calls still
 * in the entry handlers), or a client could miss a call while it holds
 * fewer than its own limit. Clients joining grow the pool up to the
 * kernel's 4096.
 */
static bool t_kretprobe_pool(void)
{
	static const int limits[] = { 1024, 1024, 2000, 100 };
	struct kpc_desc d = { .symbol = "st_target_d", .ret = count_ret };
	struct kpc_probe *p[ARRAY_SIZE(limits)] = {};
	struct kpc_site_info info = {};
	char names[ARRAY_SIZE(limits)][16];
	int i, sum = 0, want;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		snprintf(names[i], sizeof(names[i]), "pool%d", i);
		d.name = names[i];
		d.maxactive = limits[i];
		p[i] = kpc_register_kretprobe(&d);
		if (!CHECK(!IS_ERR(p[i]), "%s: err %ld", names[i], PTR_ERR(p[i]))) {
			ok = false;
			break;
		}
		sum += limits[i];
		want = min_t(int, sum + nr_cpu_ids, KPC_MAXACTIVE_MAX);
		ok &= CHECK(!kpc_lookup_addr(kpc_addr(p[i]), KPC_KRETPROBE, &info) &&
			    info.pool >= want, "%d clients, maxactive adding up to %d: pool %d, want %d",
			    i + 1, sum, info.pool, want);
	}
	pr_info("# return clients with maxactive adding up to %d: a pool of %d instances\n",
		sum, info.pool);
	call_n(st_target_d, K);
	for (i = 0; i < ARRAY_SIZE(limits) && !IS_ERR_OR_NULL(p[i]); i++) {
		ok &= CHECK(hits(p[i]) == K, "%s: hits %llu", names[i], hits(p[i]));
		kpc_unregister(p[i]);
	}
	return ok;
}

/*
 * A return client that leaves while a call it tracks is in flight: the
 * call keeps its slot's bit until it returns, so a client joining meanwhile
 * must get another slot, or that return would count for it (a return it
 * never saw enter, and a token it never took).
 */
static bool t_slot_after_leave(void)
{
	struct kpc_desc d = { .symbol = "st_target_hold", .ret = count_ret };
	struct kpc_probe *keep, *gone, *late = NULL;
	struct kpc_stats sk, sl = {};
	struct holders h;
	bool ok = true;

	d.name = "slot_keep";
	keep = kpc_register_kretprobe(&d);
	d.name = "slot_gone";
	gone = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(keep) && !IS_ERR(gone), "err %ld %ld", PTR_ERR(keep),
		   PTR_ERR(gone))) {
		ok = false;
		goto out;
	}
	ok &= hold_start(&h, 1);
	kpc_unregister(gone);
	gone = NULL;
	d.name = "slot_late";
	late = kpc_register_kretprobe(&d);
	ok &= CHECK(!IS_ERR(late), "err %ld", PTR_ERR(late));
	hold_stop(&h);			/* the held call returns */
	call_n(st_target_hold, 10);	/* released: these return at once */
	kpc_get_stats(keep, &sk);
	if (!IS_ERR(late))
		kpc_get_stats(late, &sl);
	pr_info("# a client left with a call in flight, another joined: keep %llu/%llu, late %llu/%llu (hits/returns), late in flight %llu\n",
		sk.hits, sk.returns, sl.hits, sl.returns, sl.inflight);
	ok &= CHECK(sk.hits == 11 && sk.returns == 11 && !sk.inflight,
		    "keep: hits %llu returns %llu inflight %llu", sk.hits, sk.returns, sk.inflight);
	ok &= CHECK(IS_ERR(late) || (sl.hits == 10 && sl.returns == 10 && !sl.inflight),
		    "late: hits %llu returns %llu inflight %llu", sl.hits, sl.returns, sl.inflight);
out:
	if (!IS_ERR_OR_NULL(late))
		kpc_unregister(late);
	if (!IS_ERR_OR_NULL(gone))
		kpc_unregister(gone);
	if (!IS_ERR(keep))
		kpc_unregister(keep);
	return ok;
}

/* Calls a client's entry handler declines hold none of its maxactive. */
static int odd_only_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	return !(regs_get_kernel_argument(regs, 0) & 1);
}

static bool t_declined_calls(void)
{
	struct kpc_desc d = {
		.name = "odd_only", .symbol = "st_target_a", .entry = odd_only_entry,
		.ret = count_ret, .maxactive = 1,
	};
	struct kpc_probe *p = kpc_register_kretprobe(&d);
	struct kpc_stats st;

	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	call_n(st_target_a, K);
	kpc_get_stats(p, &st);
	kpc_unregister(p);
	return CHECK(st.hits == K && st.returns == K / 2 && !st.missed_pool &&
		     !st.inflight, "hits %llu returns %llu missed %llu inflight %llu",
		     st.hits, st.returns, st.missed_pool, st.inflight);
}

/*
 * Every pair and order of {kprobe pre, kprobe pre+post, kretprobe} on one
 * function, each by every name of its address, unregistered in both
 * orders. Mixed post handlers at one ftrace address made the kernel WARN
 * and keep a freed probe linked; tests run with panic_on_warn.
 */
enum mix_kind { MIX_PRE, MIX_POST, MIX_RET, MIX_KINDS };
static const char * const mix_kind_name[] = { "pre", "pre+post", "kretprobe" };

struct mix_name {
	const char *what;
	const char *symbol;
	unsigned int offset;
	unsigned long addr;
};

static atomic_t mix_posts = ATOMIC_INIT(0);
static atomic_t mix_bad_ip = ATOMIC_INIT(0);
static unsigned long mix_addr;
static bool mix_ftrace;

/*
 * The instruction pointer a post handler sees: right after the fentry
 * call at an ftrace site, after the single-stepped instruction at an int3.
 */
static void mix_post(struct kpc_probe *p, struct pt_regs *regs,
		     unsigned long flags)
{
	unsigned long ip = instruction_pointer(regs);

	atomic_inc(&mix_posts);
	if (mix_ftrace ? ip != mix_addr + MCOUNT_INSN_SIZE :
			 ip <= mix_addr || ip > mix_addr + 15)
		atomic_inc(&mix_bad_ip);
}

static void mix_expect(unsigned long addr)
{
	struct kpc_site_info info;

	mix_addr = addr;
	mix_ftrace = !kpc_lookup_addr(addr, KPC_KPROBE, &info) && info.ftrace;
	atomic_set(&mix_posts, 0);
	atomic_set(&mix_bad_ip, 0);
}

static struct kpc_probe *mix_register(enum mix_kind kind,
				      const struct mix_name *n, const char *name)
{
	struct kpc_desc d = {
		.name = name, .symbol = n->symbol, .offset = n->offset,
		.addr = n->addr,
	};

	if (kind == MIX_RET) {
		d.ret = count_ret;
		return kpc_register_kretprobe(&d);
	}
	d.pre = count_pre;
	if (kind == MIX_POST)
		d.post = mix_post;
	return kpc_register_kprobe(&d);
}

#define MIX_CALLS 20

/* Registered clients' calls seen so far, for one of the pair. */
static bool mix_check(struct kpc_probe *p, enum mix_kind kind, u64 calls,
		      const char *what)
{
	struct kpc_stats st;

	kpc_get_stats(p, &st);
	if (kind == MIX_RET)
		return CHECK(st.hits == calls && st.returns == calls,
			     "%s: hits %llu returns %llu, expected %llu", what,
			     st.hits, st.returns, calls);
	return CHECK(st.hits == calls, "%s: hits %llu, expected %llu", what,
		     st.hits, calls);
}

static bool mix_pair(enum mix_kind ka, const struct mix_name *na,
		     enum mix_kind kb, const struct mix_name *nb, bool a_first)
{
	struct kpc_probe *a, *b, *first, *second;
	enum mix_kind ksecond;
	struct kpc_site_info info;
	unsigned long addr;
	bool ok = true;
	int posts;

	a = mix_register(ka, na, "mix_a");
	if (!CHECK(!IS_ERR(a), "%s by %s: %ld", mix_kind_name[ka], na->what, PTR_ERR(a)))
		return false;
	b = mix_register(kb, nb, "mix_b");
	if (!CHECK(!IS_ERR(b), "%s by %s after %s by %s: %ld", mix_kind_name[kb],
		   nb->what, mix_kind_name[ka], na->what, PTR_ERR(b))) {
		kpc_unregister(a);
		return false;
	}
	addr = kpc_addr(a);
	ok &= CHECK(kpc_addr(b) == addr, "addresses 0x%lx 0x%lx", addr, kpc_addr(b));
	mix_expect(addr);
	call_n(st_target_d, MIX_CALLS);
	ok &= mix_check(a, ka, MIX_CALLS, "a");
	ok &= mix_check(b, kb, MIX_CALLS, "b");
	posts = MIX_CALLS * ((ka == MIX_POST) + (kb == MIX_POST));

	first = a_first ? a : b;
	second = a_first ? b : a;
	ksecond = a_first ? kb : ka;
	kpc_unregister(first);
	call_n(st_target_d, MIX_CALLS);
	ok &= mix_check(second, ksecond, 2 * MIX_CALLS, "the one left");
	posts += MIX_CALLS * (ksecond == MIX_POST);
	ok &= CHECK(atomic_read(&mix_posts) == posts && !atomic_read(&mix_bad_ip),
		    "post handlers ran %d times, expected %d; %d at a wrong ip",
		    atomic_read(&mix_posts), posts, atomic_read(&mix_bad_ip));
	kpc_unregister(second);
	ok &= CHECK(kpc_lookup_addr(addr, KPC_KPROBE, &info) == -ENOENT &&
		    kpc_lookup_addr(addr, KPC_KRETPROBE, &info) == -ENOENT,
		    "a site is left at 0x%lx", addr);
	if (!ok)
		pr_err("# failed: %s by %s, then %s by %s, %s unregistered first\n",
		       mix_kind_name[ka], na->what, mix_kind_name[kb], nb->what,
		       a_first ? "the first" : "the second");
	return ok;
}

static bool t_mixed_handlers(void)
{
	struct mix_name names[4] = {
		{ "symbol", "st_target_d" },
		{ "module:symbol", KBUILD_MODNAME ":st_target_d" },
		{ "address", NULL, 0, (unsigned long)st_target_d },
		{ "symbol+4", "st_target_d", 4 },
	};
	unsigned long base = (unsigned long)st_target_d;
	unsigned int nnames = 3, ia, ib, i, pairs = 0;
	struct kpc_probe *p;
	enum mix_kind ka, kb;
	bool ok = true;

	/* With IBT the kernel probes past endbr64: func+4 is another name. */
	p = kp_sym("mix_where", "st_target_d", 0);
	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	OPTIMIZER_HIDE_VAR(base);
	if (kpc_addr(p) - base == 4)
		nnames = 4;
	kpc_unregister(p);
	/* every (kind, name) of a, every (kind, name) of b, both orders */
	for (i = 0; i < MIX_KINDS * MIX_KINDS * nnames * nnames * 2; i++) {
		ka = i % MIX_KINDS;
		kb = i / MIX_KINDS % MIX_KINDS;
		ia = i / (MIX_KINDS * MIX_KINDS) % nnames;
		ib = i / (MIX_KINDS * MIX_KINDS * nnames) % nnames;
		/* a kretprobe sits at offset 0 */
		if ((ka == MIX_RET && names[ia].offset) ||
		    (kb == MIX_RET && names[ib].offset))
			continue;
		ok &= mix_pair(ka, &names[ia], kb, &names[ib],
			       i < MIX_KINDS * MIX_KINDS * nnames * nnames);
		pairs++;
	}
	pr_info("# %u pairs of clients on st_target_d (%u names of its address)\n",
		pairs, nnames);
	return ok;
}

/*
 * At an int3 site a post client makes the core re-arm the kernel probe
 * with a post handler, and its leaving re-arms it without one (so the
 * kernel may optimize it again); no hit is lost or doubled on the way.
 */
static bool t_post_int3(void)
{
	struct kpc_desc d = {
		.name = "int3_post", .symbol = "st_target_a", .pre = count_pre,
		.post = mix_post,
	};
	struct kpc_site_info info;
	struct kpc_probe *a, *b;
	unsigned int off;
	bool ok = true;

	/*
	 * The first instruction boundary past the fentry call: an int3 site
	 * (arm64 refuses its ftrace call site, func+4, with -EINVAL).
	 */
	for (off = 1; off < 32; off++) {
		a = kp_sym("int3_pre", "st_target_a", off);
		if (IS_ERR(a) && PTR_ERR(a) != -EILSEQ && PTR_ERR(a) != -EINVAL)
			break;
		if (IS_ERR(a))
			continue;
		if (!kpc_lookup_addr(kpc_addr(a), KPC_KPROBE, &info) && !info.ftrace)
			break;
		kpc_unregister(a);
		a = ERR_PTR(-ENOENT);
	}
	if (!CHECK(!IS_ERR(a), "no int3 offset below 32: %ld", PTR_ERR(a)))
		return false;
	pr_info("# int3 site: st_target_a+%u\n", off);
	ok &= CHECK(!info.post, "a site without post clients has a post handler");
	call_n(st_target_a, K);
	d.offset = off;
	b = kpc_register_kprobe(&d);
	if (!CHECK(!IS_ERR(b), "err %ld", PTR_ERR(b))) {
		kpc_unregister(a);
		return false;
	}
	ok &= CHECK(!kpc_lookup_addr(kpc_addr(a), KPC_KPROBE, &info) && info.post,
		    "post client joined: post %d", info.post);
	mix_expect(kpc_addr(a));
	call_n(st_target_a, K);
	ok &= CHECK(hits(a) == 2 * K && hits(b) == K && atomic_read(&mix_posts) == K &&
		    !atomic_read(&mix_bad_ip), "a %llu b %llu posts %d, %d at a wrong ip",
		    hits(a), hits(b), atomic_read(&mix_posts), atomic_read(&mix_bad_ip));
	kpc_unregister(b);
	ok &= CHECK(!kpc_lookup_addr(kpc_addr(a), KPC_KPROBE, &info) && !info.post,
		    "post client left: post %d", info.post);
	call_n(st_target_a, K);
	ok &= CHECK(hits(a) == 3 * K, "a %llu", hits(a));
	kpc_unregister(a);
	return ok;
}

/*
 * A client with a post handler joins an ftrace site in the middle of a
 * hit, after the pre handler of the client before it: the hit then runs
 * the newcomer's pre handler, and must run its post handler too. The core
 * reads the site's count of post handlers after the walk (a client is
 * counted before it is published). The first client's pre handler holds
 * the hit, on another CPU, until the newcomer is registered.
 */
/* 1: a hit is held; 2: the newcomer joined; 3: the hold timed out */
static atomic_t mid_state = ATOMIC_INIT(0);
static atomic_t mid_pres = ATOMIC_INIT(0);
static atomic_t mid_posts = ATOMIC_INIT(0);

static int mid_hold_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	u64 end = ktime_get_mono_fast_ns() + 2 * NSEC_PER_SEC;

	if (atomic_cmpxchg(&mid_state, 0, 1))
		return 0;
	while (atomic_read(&mid_state) == 1 && ktime_get_mono_fast_ns() < end)
		cpu_relax();
	atomic_cmpxchg(&mid_state, 1, 3);
	return 0;
}

static int mid_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	atomic_inc(&mid_pres);
	return 0;
}

static void mid_post(struct kpc_probe *p, struct pt_regs *regs,
		     unsigned long flags)
{
	atomic_inc(&mid_posts);
}

static int mid_call_thread(void *arg)
{
	st_target_d(1);
	while (!kthread_should_stop())
		usleep_range(1000, 2000);
	return 0;
}

static bool t_post_joins_mid_hit(void)
{
	struct kpc_desc dh = {
		.name = "mid_hold", .symbol = "st_target_d", .pre = mid_hold_pre,
	};
	struct kpc_desc dn = {
		.name = "mid_new", .symbol = "st_target_d", .pre = mid_pre,
		.post = mid_post,
	};
	struct kpc_probe *hold, *newc = ERR_PTR(-EINVAL);
	struct kpc_site_info info;
	cpumask_var_t saved;
	struct task_struct *t;
	unsigned int here;
	bool ok = true;
	int i;

	if (num_online_cpus() < 2) {
		pr_info("# needs two CPUs\n");
		return false;
	}
	hold = kpc_register_kprobe(&dh);
	if (!CHECK(!IS_ERR(hold), "register: %ld", PTR_ERR(hold)))
		return false;
	if (!CHECK(!kpc_lookup_addr(kpc_addr(hold), KPC_KPROBE, &info), "lookup")) {
		kpc_unregister(hold);
		return false;
	}
	if (!info.ftrace) {
		st_skip = "a trap site here: the kernel runs post handlers";
		kpc_unregister(hold);
		return true;
	}
	if (!CHECK(alloc_cpumask_var(&saved, GFP_KERNEL), "cpumask")) {
		kpc_unregister(hold);
		return false;
	}
	/*
	 * This thread stays on one CPU and the held call runs on another:
	 * here, it could wait behind the hold it is meant to end.
	 */
	cpumask_copy(saved, current->cpus_ptr);
	here = get_cpu();
	put_cpu();
	if (!CHECK(!set_cpus_allowed_ptr(current, cpumask_of(here)), "pin to CPU %u", here)) {
		free_cpumask_var(saved);
		kpc_unregister(hold);
		return false;
	}
	atomic_set(&mid_state, 0);
	atomic_set(&mid_pres, 0);
	atomic_set(&mid_posts, 0);
	t = kthread_create(mid_call_thread, NULL, "kpc_mid");
	if (!CHECK(!IS_ERR(t), "kthread %ld", PTR_ERR(t))) {
		set_cpus_allowed_ptr(current, saved);
		free_cpumask_var(saved);
		kpc_unregister(hold);
		return false;
	}
	get_task_struct(t);
	kthread_bind(t, cpumask_any_but(cpu_online_mask, here));
	wake_up_process(t);
	for (i = 0; i < 4000 && atomic_read(&mid_state) != 1; i++)
		usleep_range(50, 100);
	if (CHECK(atomic_read(&mid_state) == 1, "the call was not held")) {
		newc = kpc_register_kprobe(&dn);
		ok &= CHECK(!IS_ERR(newc), "register: %ld", PTR_ERR(newc));
		ok &= CHECK(atomic_cmpxchg(&mid_state, 1, 2) == 1,
			    "the hit was let go before the newcomer joined");
	} else {
		ok = false;
	}
	kthread_stop(t);
	put_task_struct(t);
	set_cpus_allowed_ptr(current, saved);
	free_cpumask_var(saved);
	ok &= CHECK(atomic_read(&mid_pres) == 1 && atomic_read(&mid_posts) == 1,
		    "the held hit ran the newcomer's pre handler %d time(s), its post handler %d",
		    atomic_read(&mid_pres), atomic_read(&mid_posts));
	if (!IS_ERR(newc)) {
		ok &= CHECK(hits(newc) == 1, "newcomer hits %llu", hits(newc));
		kpc_unregister(newc);
	}
	kpc_unregister(hold);
	return ok;
}

/* An offset that lands in the next function is refused, as documented. */
static bool t_offset_past_end(void)
{
	long gap = (long)st_target_b - (long)st_target_a;
	struct kpc_desc d = {
		.name = "past_end_addr", .addr = (unsigned long)st_target_a,
		.offset = gap, .pre = count_pre,
	};
	struct kpc_probe *p;
	bool ok = true;

	if (gap <= 0 || gap > 256) {
		pr_info("# st_target_b is not right after st_target_a (%ld): nothing to try\n",
			gap);
		return false;
	}

	p = kp_sym("past_end", "st_target_a", gap);
	if (!IS_ERR(p)) {
		pr_err("# st_target_a+%ld registered at %pS\n", gap, (void *)kpc_addr(p));
		kpc_unregister(p);
		return false;
	}
	ok &= CHECK(PTR_ERR(p) == -ENOENT, "by name: err %ld", PTR_ERR(p));
	/* The same offset from the function's address. */
	p = kpc_register_kprobe(&d);
	if (!IS_ERR(p)) {
		pr_err("# address of st_target_a + %ld registered at %pS\n", gap,
		       (void *)kpc_addr(p));
		kpc_unregister(p);
		return false;
	}
	return ok & CHECK(PTR_ERR(p) == -ENOENT, "by address: err %ld", PTR_ERR(p));
}

static bool t_batch(void)
{
	static const char * const syms[] = {
		"st_target_a", "st_target_b", "st_target_c", "st_target_d",
	};
	struct kpc_desc d[8];
	struct kpc_probe *p[8];
	char names[8][16];
	bool ok = true;
	int i, err;

	memset(d, 0, sizeof(d));
	for (i = 0; i < 8; i++) {
		snprintf(names[i], sizeof(names[i]), "batch%d", i);
		d[i].name = names[i];
		d[i].symbol = syms[i % 4];
		d[i].pre = count_pre;
	}
	err = kpc_register_kprobes(d, p, 8);
	if (!CHECK(!err, "err %d", err))
		return false;
	call_n(st_target_a, K);
	call_n(st_target_d, 2 * K);
	ok &= CHECK(hits(p[0]) == K && hits(p[4]) == K, "a: %llu %llu", hits(p[0]), hits(p[4]));
	ok &= CHECK(hits(p[3]) == 2 * K && hits(p[7]) == 2 * K, "d");
	ok &= CHECK(hits(p[1]) == 0, "b");
	kpc_unregister_batch(p, 8);
	ok &= CHECK(!kpc_lookup_name("batch0") && !kpc_lookup_name("batch7"), "left behind");

	/* A handle given twice is removed once. */
	err = kpc_register_kprobes(d, p, 2);
	if (CHECK(!err, "err %d", err)) {
		kpc_unregister_batch((struct kpc_probe *[]){ p[0], p[1], p[0], p[1] }, 4);
		ok &= CHECK(!kpc_lookup_name("batch0") && !kpc_lookup_name("batch1"),
			    "left behind");
	} else {
		ok = false;
	}

	/*
	 * All or nothing: a bad entry in the middle leaves nothing registered,
	 * and no handle in @out.
	 */
	d[5].symbol = "kpc_no_such_function";
	memset(p, 0x5a, sizeof(p));
	err = kpc_register_kprobes(d, p, 8);
	ok &= CHECK(err == -ENOENT, "err %d", err);
	for (i = 0; i < 8; i++) {
		ok &= CHECK(!kpc_lookup_name(names[i]), "%s left behind", names[i]);
		ok &= CHECK(!p[i], "out[%d] set after a failed batch", i);
	}
	return ok;
}

/* A handler calls a probed function: that hit is a reentry miss, no hang. */
static int calls_b_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	st_target_b(0);
	return 0;
}

/*
 * A handler of a probe on st_target_a calls st_target_b, probed too: each
 * such nested hit is b's reentry miss. @flags: both probes' (0, or
 * KPC_F_FTRACE_OPS for the core's ftrace_ops backend).
 */
static bool recursion_is_a_miss(const char *na, const char *nb, unsigned int flags)
{
	struct kpc_desc da = {
		.name = na, .symbol = "st_target_a", .pre = calls_b_pre, .flags = flags,
	};
	struct kpc_desc db = {
		.name = nb, .symbol = "st_target_b", .pre = count_pre, .flags = flags,
	};
	struct kpc_probe *a, *b;
	struct kpc_stats sa, sb;
	bool ok = true;

	a = kpc_register_kprobe(&da);
	b = kpc_register_kprobe(&db);
	if (!CHECK(!IS_ERR(a) && !IS_ERR(b), "register")) {
		ok = false;
		goto out;
	}
	call_n(st_target_a, K);
	call_n(st_target_b, K);
	kpc_get_stats(a, &sa);
	kpc_get_stats(b, &sb);
	if (!flags)
		pr_info("# handler calling a probed function: %llu hits, %llu reentry misses\n",
			sb.hits, sb.missed_reentry);
	ok &= CHECK(sa.hits == K && !sa.missed_reentry, "a hits %llu missed %llu",
		    sa.hits, sa.missed_reentry);
	ok &= CHECK(sb.hits == K && sb.missed_reentry == K, "b hits %llu missed %llu",
		    sb.hits, sb.missed_reentry);
out:
	if (!IS_ERR(a))
		kpc_unregister(a);
	if (!IS_ERR(b))
		kpc_unregister(b);
	return ok;
}

static bool t_recursion(void)
{
	return recursion_is_a_miss("calls_b", "probed_b", 0);
}

/*
 * Registers by name, as kprobe_events spells them: this architecture's
 * names read the arguments and the return value, the other's are refused,
 * and the pre handler's instruction pointer is the address plus the skew
 * the header documents.
 */
#ifdef CONFIG_ARM64
static const char * const regs_native[] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
	"x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20",
	"x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
	"lr", "sp", "pc", "pstate",
};
static const char * const regs_args[] = { "x0", "x1", "x2" };
static const char * const regs_foreign[] = { "di", "ax", "ip", "flags", "r8", "x31" };
#define REG_RET "x0"
#define REG_IP "pc"
#define REG_FLAGS "pstate"
#define regs_flags(regs) ((regs)->pstate)
#else
static const char * const regs_native[] = {
	"r15", "r14", "r13", "r12", "r11", "r10", "r9", "r8", "bx", "cx",
	"dx", "si", "di", "bp", "ax", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};
static const char * const regs_args[] = { "di", "si", "dx" };
static const char * const regs_foreign[] = { "x0", "x1", "lr", "pc", "pstate", "r16" };
#define REG_RET "ax"
#define REG_IP "ip"
#define REG_FLAGS "flags"
#define regs_flags(regs) ((regs)->flags)
#endif

struct regs_seen {
	unsigned long by_name[3], by_arg[8], ip_skew, ret, ret_by_name;
	unsigned long ip[2], sp[2], flags[2];	/* by name, and as the kernel has it */
	int off[3], off_ret, off_ip, off_sp, off_flags;
	atomic_t pre, rets;
};

static int regs_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	struct regs_seen *rs = kpc_priv(p);
	int i;

	for (i = 0; i < 3; i++)
		rs->by_name[i] = kpc_reg(regs, rs->off[i]);
	for (i = 0; i < 8; i++)
		rs->by_arg[i] = kpc_arg(regs, i + 1);
	rs->ip_skew = instruction_pointer(regs) - kpc_addr(p);
	rs->ip[0] = kpc_reg(regs, rs->off_ip);
	rs->ip[1] = instruction_pointer(regs);
	rs->sp[0] = kpc_reg(regs, rs->off_sp);
	rs->sp[1] = kernel_stack_pointer(regs);
	rs->flags[0] = kpc_reg(regs, rs->off_flags);
	rs->flags[1] = regs_flags(regs);
	atomic_inc(&rs->pre);
	return 0;
}

static void regs_ret(struct kpc_probe *p, struct pt_regs *regs, void *data,
		     u64 ns)
{
	struct regs_seen *rs = kpc_priv(p);

	rs->ret = regs_return_value(regs);
	rs->ret_by_name = kpc_reg(regs, rs->off_ret);
	atomic_inc(&rs->rets);
}

static bool t_regs_by_name(void)
{
	static const char * const bad[] = { "", "%di", "%x0", "X0", "DI", "sp ", "x00" };
	struct regs_seen rs = { };
	struct kpc_desc dk = {
		.name = "regs_pre", .symbol = "st_target_args", .pre = regs_pre,
		.priv = &rs,
	};
	struct kpc_desc dr = {
		.name = "regs_ret", .symbol = "st_target_args", .ret = regs_ret,
		.priv = &rs,
	};
	struct kpc_probe *pk, *pr;
	bool ok = true;
	long sum;
	int i, off;

	for (i = 0; i < ARRAY_SIZE(regs_native); i++) {
		off = kpc_reg_offset(regs_native[i]);
		ok &= CHECK(off >= 0 && off + sizeof(long) <= sizeof(struct pt_regs),
			    "%s: %d", regs_native[i], off);
	}
	for (i = 0; i < ARRAY_SIZE(regs_foreign); i++)
		ok &= CHECK(kpc_reg_offset(regs_foreign[i]) == -EINVAL, "%s",
			    regs_foreign[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ok &= CHECK(kpc_reg_offset(bad[i]) == -EINVAL, "'%s'", bad[i]);
	ok &= CHECK(kpc_reg_offset(NULL) == -EINVAL, "NULL");
	for (i = 0; i < 3; i++)
		rs.off[i] = kpc_reg_offset(regs_args[i]);
	rs.off_ret = kpc_reg_offset(REG_RET);
	rs.off_ip = kpc_reg_offset(REG_IP);
	rs.off_sp = kpc_reg_offset("sp");
	rs.off_flags = kpc_reg_offset(REG_FLAGS);
	if (!ok)
		return false;

	pk = kpc_register_kprobe(&dk);
	pr = kpc_register_kretprobe(&dr);
	if (!CHECK(!IS_ERR(pk) && !IS_ERR(pr), "%d %d", PTR_ERR_OR_ZERO(pk),
		   PTR_ERR_OR_ZERO(pr)))
		goto out;
	/* eight arguments: on x86_64 the last two are on the stack */
	sum = st_target_args(0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666,
			     0x7777, 0x8888);
	ok &= CHECK(atomic_read(&rs.pre) == 1 && atomic_read(&rs.rets) == 1,
		    "%d pre, %d returns", atomic_read(&rs.pre), atomic_read(&rs.rets));
	for (i = 0; i < 3; i++)
		ok &= CHECK(rs.by_name[i] == 0x1111 * (i + 1), "%%%s = 0x%lx",
			    regs_args[i], rs.by_name[i]);
	for (i = 0; i < 8; i++)
		ok &= CHECK(rs.by_arg[i] == 0x1111 * (i + 1), "$arg%d = 0x%lx",
			    i + 1, rs.by_arg[i]);
	ok &= CHECK(rs.ip[0] == rs.ip[1], "%%%s 0x%lx, ip 0x%lx", REG_IP, rs.ip[0], rs.ip[1]);
	ok &= CHECK(rs.sp[0] == rs.sp[1], "%%sp 0x%lx, sp 0x%lx", rs.sp[0], rs.sp[1]);
	ok &= CHECK(rs.flags[0] == rs.flags[1], "%%%s 0x%lx, 0x%lx", REG_FLAGS,
		    rs.flags[0], rs.flags[1]);
	ok &= CHECK(rs.ip_skew == KPC_PRE_IP_SKEW, "ip - addr = %ld",
		    (long)rs.ip_skew);
	ok &= CHECK(rs.ret == sum && rs.ret_by_name == sum,
		    "retval 0x%lx, %%%s 0x%lx, returned 0x%lx", rs.ret, REG_RET,
		    rs.ret_by_name, sum);
out:
	if (!IS_ERR(pk))
		kpc_unregister(pk);
	if (!IS_ERR(pr))
		kpc_unregister(pr);
	return ok;
}

/*
 * KPC_F_FTRACE_OPS: on x86 (kprobes on ftrace, ftrace with regs) a
 * function-entry probe goes through the core's ftrace_ops and its site is
 * a KPC_FENTRY one; elsewhere, and where ftrace cannot trace, a kprobe.
 */
static bool fentry_here(void)
{
	return IS_ENABLED(CONFIG_KPROBES_ON_FTRACE) &&
	       IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_REGS);
}

struct fe_seen {
	atomic_t pre, post;
	long pre_skew, post_skew;
	unsigned long arg1;
};

static int fe_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	struct fe_seen *fs = kpc_priv(p);

	fs->pre_skew = instruction_pointer(regs) - kpc_addr(p);
	fs->arg1 = kpc_arg(regs, 1);
	atomic_inc(&fs->pre);
	return 0;
}

static void fe_post(struct kpc_probe *p, struct pt_regs *regs,
		    unsigned long flags)
{
	struct fe_seen *fs = kpc_priv(p);

	fs->post_skew = instruction_pointer(regs) - kpc_addr(p);
	atomic_inc(&fs->post);
}

static bool fe_site_is(struct kpc_probe *p, enum kpc_kind kind,
		       unsigned int nclients)
{
	struct kpc_site_info info;
	int err = kpc_lookup_addr(kpc_addr(p), kind, &info);

	return CHECK(!err && info.nclients == nclients && !info.gone,
		     "site kind %d: err %d, %u clients", kind, err,
		     err ? 0 : info.nclients);
}

/* Counts, handlers' view, and a plain kprobe on the same function. */
static bool t_ftrace_ops_entry(void)
{
	struct fe_seen fs = { };
	struct kpc_desc d = {
		.name = "fops_a", .symbol = "st_target_a", .pre = fe_pre,
		.post = fe_post, .priv = &fs, .flags = KPC_F_FTRACE_OPS,
	};
	enum kpc_kind kind = fentry_here() ? KPC_FENTRY : KPC_KPROBE;
	struct kpc_probe *p, *side;
	bool ok = true;

	p = kpc_register_kprobe(&d);
	side = kp_sym("fops_side", "st_target_a", 0);
	if (!CHECK(!IS_ERR(p) && !IS_ERR(side), "%d %d", PTR_ERR_OR_ZERO(p),
		   PTR_ERR_OR_ZERO(side))) {
		ok = false;
		goto out;
	}
	ok &= fe_site_is(p, kind, fentry_here() ? 1 : 2);
	call_n(st_target_a, K);
	ok &= CHECK(hits(p) == K && atomic_read(&fs.pre) == K &&
		    atomic_read(&fs.post) == K, "hits %llu, pre %d, post %d",
		    hits(p), atomic_read(&fs.pre), atomic_read(&fs.post));
	ok &= CHECK(hits(side) == K, "the kprobe beside it: hits %llu", hits(side));
	ok &= CHECK(fs.arg1 == K - 1, "$arg1 = %lu", fs.arg1);
	ok &= CHECK(fs.pre_skew == KPC_PRE_IP_SKEW, "pre ip - addr = %ld", fs.pre_skew);
	ok &= CHECK(fs.post_skew == MCOUNT_INSN_SIZE, "post ip - addr = %ld",
		    fs.post_skew);
	pr_info("# KPC_F_FTRACE_OPS at st_target_a: %s site, %llu hits\n",
		kind == KPC_FENTRY ? "ftrace-ops" : "kprobe (no ftrace_ops backend here)",
		hits(p));
out:
	if (!IS_ERR(p))
		kpc_unregister(p);
	if (!IS_ERR(side))
		kpc_unregister(side);
	return ok;
}

/* A notrace function is no ftrace site: the probe is a kprobe, and works. */
static bool t_ftrace_ops_notrace(void)
{
	struct fe_seen fs = { };
	struct kpc_desc d = {
		.name = "fops_notrace", .symbol = "st_target_notrace",
		.pre = fe_pre, .priv = &fs, .flags = KPC_F_FTRACE_OPS,
	};
	struct kpc_probe *p = kpc_register_kprobe(&d);
	bool ok;

	if (!CHECK(!IS_ERR(p), "err %d", PTR_ERR_OR_ZERO(p)))
		return false;
	ok = fe_site_is(p, KPC_KPROBE, 1);
	call_n(st_target_notrace, K);
	ok &= CHECK(hits(p) == K && atomic_read(&fs.pre) == K, "hits %llu",
		    hits(p));
	kpc_unregister(p);
	return ok;
}

/*
 * A batch on four functions, two of them with two clients: exact counts,
 * and after the batch is unregistered no handler runs.
 */
static bool t_ftrace_ops_batch(void)
{
	static const char * const names[] = { "fb_a", "fb_b", "fb_c", "fb_d", "fb_a2", "fb_c2" };
	static const char * const syms[] = { "st_target_a", "st_target_b", "st_target_c",
					     "st_target_d", "st_target_a", "st_target_c" };
	int (* const fns[])(int) = { st_target_a, st_target_b, st_target_c, st_target_d };
	struct fe_seen fs[ARRAY_SIZE(names)] = { };
	struct kpc_desc d[ARRAY_SIZE(names)];
	struct kpc_probe *out[ARRAY_SIZE(names)];
	enum kpc_kind kind = fentry_here() ? KPC_FENTRY : KPC_KPROBE;
	bool ok = true;
	int i, err;

	memset(d, 0, sizeof(d));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		d[i].name = names[i];
		d[i].symbol = syms[i];
		d[i].pre = fe_pre;
		d[i].priv = &fs[i];
		d[i].flags = KPC_F_FTRACE_OPS;
	}
	err = kpc_register_kprobes(d, out, ARRAY_SIZE(d));
	if (!CHECK(!err, "err %d", err))
		return false;
	ok &= fe_site_is(out[0], kind, 2) && fe_site_is(out[1], kind, 1);
	for (i = 0; i < ARRAY_SIZE(fns); i++)
		call_n(fns[i], K);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		ok &= CHECK(atomic_read(&fs[i].pre) == K && hits(out[i]) == K,
			    "%s: pre %d, hits %llu", names[i],
			    atomic_read(&fs[i].pre), hits(out[i]));
	kpc_unregister_batch(out, ARRAY_SIZE(out));
	for (i = 0; i < ARRAY_SIZE(fns); i++)
		call_n(fns[i], K);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		ok &= CHECK(atomic_read(&fs[i].pre) == K,
			    "%s ran after unregister: pre %d", names[i],
			    atomic_read(&fs[i].pre));
	return ok;
}

/* The same through the ftrace_ops backend. */
static bool t_ftrace_ops_recursion(void)
{
	return recursion_is_a_miss("fops_calls_b", "fops_b", KPC_F_FTRACE_OPS);
}

/*
 * Where kretprobes do not run on rethook (arm64), unregister_kretprobe()
 * clears the holder's pointer to the kretprobe while a hit on another CPU
 * may be inside the kernel's handler, before ours: get_kretprobe() reads
 * NULL there (an oops in make check once, when a re-arm retired an arm).
 * The window is a few instructions wide, so this test hands the core's
 * handlers such a call itself. The core's kretprobe is found through a
 * kprobe of ours at the same address: the kernel lists the probes of one
 * address after the aggregate's head, newest first.
 */
static int nop_pre(struct kprobe *kp, struct pt_regs *regs)
{
	return 0;
}

static bool t_kretprobe_dropped(void)
{
	struct kpc_desc d = {
		.name = "dropped", .symbol = "st_target_c", .ret = count_ret,
	};
	struct kprobe near = {
		.symbol_name = "st_target_c", .pre_handler = nop_pre,
		.flags = KPROBE_FLAG_DISABLED,
	};
	struct kpc_desc d_more = {
		.name = "dropped_more", .symbol = "st_target_c", .ret = count_ret,
		.maxactive = 64,
	};
	struct kretprobe_instance *ri = NULL;
	struct kpc_probe *p, *more;
	struct kpc_site_info info;
	struct pt_regs regs = {};
	struct kretprobe *rp;
	u64 rearms;
	struct kpc_stats st;
	struct kprobe *kp;
	int entry, ret, err;
	void *holder;
	bool ok = true;

	p = kpc_register_kretprobe(&d);
	if (!CHECK(!IS_ERR(p), "err %ld", PTR_ERR(p)))
		return false;
	err = register_kprobe(&near);
	ok = CHECK(!err, "register_kprobe: %d", err);
	if (!ok)
		goto out;
	/* [head, near, the core's] and nothing else */
	kp = list_entry(near.list.next, struct kprobe, list);
	ok = CHECK(near.list.next != near.list.prev && kp->list.next == near.list.prev,
		   "the address has other probes");
	if (!ok)
		goto out_near;
	rp = container_of(kp, struct kretprobe, kp);
	ok = CHECK(rp->entry_handler && rp->handler, "not a kretprobe: %ps", kp->pre_handler);
	if (!ok)
		goto out_near;
	ri = kzalloc(sizeof(*ri) + rp->data_size, GFP_KERNEL);
#ifdef CONFIG_KRETPROBE_ON_RETHOOK
	static_assert(offsetof(struct rethook, data) == 0);
	holder = kzalloc(sizeof(struct rethook), GFP_KERNEL);	/* ->data NULL */
	if (ri)
		ri->node.rethook = holder;
#else
	static_assert(offsetof(struct kretprobe_holder, rp) == 0);
	holder = kzalloc(sizeof(struct kretprobe_holder), GFP_KERNEL);	/* ->rp NULL */
	if (ri)
		ri->rph = holder;
#endif
	ok = CHECK(ri && holder, "no memory");
	if (!ok)
		goto out_free;
	atomic_set(&ret_calls, 0);
	preempt_disable();
	entry = rp->entry_handler(ri, &regs);
	ret = rp->handler(ri, &regs);
	preempt_enable();
	kpc_get_stats(p, &st);
	ok &= CHECK(entry == 1 && ret == 0 && !st.hits && !st.returns && !st.inflight &&
		    !atomic_read(&ret_calls),
		    "entry %d ret %d hits %llu returns %llu inflight %llu ret calls %d",
		    entry, ret, st.hits, st.returns, st.inflight, atomic_read(&ret_calls));
	call_n(st_target_c, K);
	kpc_get_stats(p, &st);
	ok &= CHECK(st.hits == K && st.returns == K && !st.inflight,
		    "then %d calls: hits %llu returns %llu inflight %llu", K,
		    st.hits, st.returns, st.inflight);

	/*
	 * A call that entered while the kretprobe was there and returns after
	 * it was dropped keeps its token (the return handler cannot find the
	 * arm) until the arm is retired: a re-arm (a client asking for more
	 * maxactive) must give it back. The holder's first field is the
	 * kretprobe in every layout (rethook->data, kretprobe_holder->rp).
	 */
	memcpy(holder, &rp, sizeof(rp));
	memset(ri->data, 0, rp->data_size);
	preempt_disable();
	entry = rp->entry_handler(ri, &regs);
	preempt_enable();
	memset(holder, 0, sizeof(rp));
	preempt_disable();
	ret = rp->handler(ri, &regs);
	preempt_enable();
	kpc_get_stats(p, &st);
	ok &= CHECK(entry == 0 && ret == 0 && st.hits == K + 1 && st.returns == K &&
		    st.inflight == 1, "dropped at return: entry %d ret %d hits %llu returns %llu inflight %llu",
		    entry, ret, st.hits, st.returns, st.inflight);
	/* rp is the old arm's: not to be used after this */
	ok &= CHECK(!kpc_lookup_addr(kpc_addr(p), KPC_KRETPROBE, &info), "no site");
	rearms = info.rearms;
	more = kpc_register_kretprobe(&d_more);
	ok &= CHECK(!IS_ERR(more), "err %ld", PTR_ERR(more));
	ok &= CHECK(!kpc_lookup_addr(kpc_addr(p), KPC_KRETPROBE, &info) &&
		    info.rearms == rearms + 1, "no re-arm: rearms %llu, %llu before",
		    info.rearms, rearms);
	kpc_get_stats(p, &st);
	ok &= CHECK(!st.inflight, "the retired arm's call still holds its token: inflight %llu",
		    st.inflight);
	if (!IS_ERR(more))
		kpc_unregister(more);
	kfree(holder);
	kfree(ri);
	unregister_kprobe(&near);
	kpc_unregister(p);
	return ok;
out_free:
	kfree(holder);
	kfree(ri);
out_near:
	unregister_kprobe(&near);
out:
	kpc_unregister(p);
	return ok;
}

static bool t_two_clients(void) { return t_shared(2); }
static bool t_three_clients(void) { return t_shared(3); }

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	{ "by_symbol", t_by_symbol },
	{ "by_symbol_offset_and_eilseq", t_by_offset },
	{ "by_module_symbol", t_by_module_symbol },
	{ "by_address_shares_site", t_by_address },
	{ "bad_input_errors", t_errors },
	{ "disable_enable", t_disable_enable },
	{ "registered_disabled", t_registered_disabled },
	{ "pre_handler_nonzero", t_pre_nonzero },
	{ "recursion_is_a_miss", t_recursion },
	{ "post_handler_rearm", t_post_rearm },
	{ "unregister_one_while_hit_on_all_cpus", t_unregister_while_hit },
	{ "kretprobe_shared_per_call_data", t_kretprobe_data },
	{ "kretprobe_per_call_data_max", t_kretprobe_data_max },
	{ "kretprobe_latency_histogram", t_kretprobe_latency },
	{ "kretprobe_no_latency", t_kretprobe_no_latency },
	{ "latency_of_a_backwards_clock_is_zero", t_elapsed_backwards },
	{ "kretprobe_maxactive_misses", t_kretprobe_maxactive },
	{ "kretprobe_counting_client", t_kretprobe_counting },
	{ "two_clients_one_address", t_two_clients },
	{ "three_clients_one_address", t_three_clients },
	{ "batch_register_unregister", t_batch },
	{ "mixed_handlers_every_name_and_order", t_mixed_handlers },
	{ "post_handler_int3_rearm_and_back", t_post_int3 },
	{ "post_handler_joins_in_the_middle_of_a_hit", t_post_joins_mid_hit },
	{ "offset_into_next_function", t_offset_past_end },
	{ "kretprobe_exit_inside", t_exit_inside },
	{ "kretprobe_calls_after_exit", t_exit_final_calls },
	{ "kretprobe_pool_holds_every_client", t_kretprobe_pool },
	{ "kretprobe_slot_kept_while_its_call_runs", t_slot_after_leave },
	{ "kretprobe_disabled_at_return", t_disabled_return },
	{ "kretprobe_declined_calls_hold_no_token", t_declined_calls },
	{ "kretprobe_handlers_when_the_kernel_dropped_it", t_kretprobe_dropped },
	{ "registers_by_name_and_arguments", t_regs_by_name },
	{ "ftrace_ops_entry_beside_a_kprobe", t_ftrace_ops_entry },
	{ "ftrace_ops_notrace_is_a_kprobe", t_ftrace_ops_notrace },
	{ "ftrace_ops_batch", t_ftrace_ops_batch },
	{ "ftrace_ops_recursion_is_a_miss", t_ftrace_ops_recursion },
};

static char *only;
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "run only the test of this name (default: all)");

static void run(const char *name, bool (*fn)(void))
{
	bool ok = fn();

	st_num++;
	if (ok)
		st_passed++;
	else
		st_failed++;
	if (ok && st_skip)
		pr_info("ok %u %s # SKIP %s\n", st_num, name, st_skip);
	else
		pr_info("%s %u %s\n", ok ? "ok" : "not ok", st_num, name);
	st_skip = NULL;
}

static int __init kpc_selftest_init(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(tests); i++)
		n += !only || !strcmp(only, tests[i].name);
	if (!n) {
		pr_err("no test named %s\n", only);
		return -EINVAL;
	}
	pr_info("KTAP version 1\n");
	pr_info("1..%u\n", n);
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		if (!only || !strcmp(only, tests[i].name))
			run(tests[i].name, tests[i].fn);
	pr_info("# done: %u passed, %u failed\n", st_passed, st_failed);
	return 0;
}

static void __exit kpc_selftest_exit(void)
{
}

module_init(kpc_selftest_init);
module_exit(kpc_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kprobe_core in-kernel selftest");

// SPDX-License-Identifier: GPL-2.0
/*
 * Globs: one kprobe client on every function whose name matches a
 * pattern ("vfs_*", "ext4:ext4_*"), attached with one ftrace update.
 *
 * The kernel gives modules no symbol iterator (kallsyms_on_each_symbol()
 * is not exported), so the names and addresses come from /proc/kallsyms.
 * A match is skipped, and counted, when it sits in the kernel's kprobe
 * blacklist (read from debugfs) or when ftrace cannot trace it (notrace,
 * or no ftrace call: what `available_filter_functions` leaves out). The
 * rest is registered by address as KPC_F_FTRACE_OPS probes in one batch,
 * all or nothing; aliases (two names of one address) count once.
 *
 * Files are read with no lock held (readlines.c); the traceability test
 * and the registration run under kpc_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/glob.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "kpc_internal.h"

struct kpc_glob_fn {
	unsigned long addr;
	char *name;
	const char *mod;		/* in the same allocation as name; NULL: vmlinux */
};

struct kpc_glob_range {
	unsigned long start, end;
};

struct kpc_glob_scan {
	const char *mod;		/* "ext4" of "ext4:ext4_*", or NULL */
	const char *pat;
	struct kpc_glob_fn *fns;
	unsigned int nfns;
	bool hidden;			/* kallsyms showed a zero address */
	int err;
};

struct kpc_glob_bl {
	struct kpc_glob_range *r;
	unsigned int n, cap;
};

/* A registered glob; the client sees the struct kpc_glob at its end. */
struct kpc_glob_priv {
	struct list_head node;		/* kpc_globs */
	struct module *owner;
	struct kpc_glob g;
};

static LIST_HEAD(kpc_globs);

/* "ffffffff81234560 T vfs_read" or "... t name\t[mod]" */
static int kpc_glob_line(void *ctx, char *line)
{
	struct kpc_glob_scan *s = ctx;
	char type, *name, *mod = NULL, *end;
	struct kpc_glob_fn *fn;
	unsigned long addr;

	if (sscanf(line, "%lx %c ", &addr, &type) != 2)
		return 0;
	if (type != 't' && type != 'T' && type != 'W')
		return 0;
	name = strchr(line, ' ');
	name = name ? strchr(name + 1, ' ') : NULL;
	if (!name)
		return 0;
	name++;
	end = strchr(name, '\t');
	if (end) {
		*end = '\0';
		mod = strchr(end + 1, '[');
		mod = mod ? mod + 1 : NULL;
		end = mod ? strchr(mod, ']') : NULL;
		if (end)
			*end = '\0';
		else
			mod = NULL;
	}
	if (s->mod && (!mod || strcmp(mod, s->mod)))
		return 0;
	/* the core's own code, and 6.12's padding and CFI stubs, are not probed */
	if ((mod && !strcmp(mod, KBUILD_MODNAME)) || str_has_prefix(name, "__pfx_") ||
	    str_has_prefix(name, "__cfi_") || !glob_match(s->pat, name))
		return 0;
	if (!addr) {
		s->hidden = true;
		return 0;
	}
	if (s->nfns == KPC_GLOB_MAX)
		return -EOVERFLOW;	/* readlines.c says -E2BIG for a line too long */
	fn = &s->fns[s->nfns];
	fn->name = kasprintf(GFP_KERNEL, "%s%c%s", name, '\0', mod ?: "");
	if (!fn->name)
		return -ENOMEM;
	fn->mod = mod ? fn->name + strlen(name) + 1 : NULL;
	fn->addr = addr;
	s->nfns++;
	return 0;
}

/*
 * kpc_lock held: the function at @fns[0].addr (its names that matched:
 * @fns[0..n-1]) is still there, and can be probed at its entry. The lock
 * keeps a module from going meanwhile (the core's module notifier takes
 * it); one that went since /proc/kallsyms was read may have left its
 * address to another, whose code there must not be probed: kallsyms must
 * still name one of them there, at offset 0, in the same module.
 */
static bool kpc_glob_attachable(const struct kpc_glob_fn *fns, unsigned int n)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long addr = fns[0].addr, site;
	const char *mod, *want = fns[0].mod;
	unsigned int i;
	size_t len;

	if (kpc_fentry_dead(addr))
		return false;
	sprint_symbol(buf, addr);	/* "func+0x0/0x40 [mod]" */
	mod = strstr(buf, " [");
	if (want ? !mod || strncmp(mod + 2, want, strlen(want)) ||
		   mod[2 + strlen(want)] != ']' : !!mod)
		return false;
	for (i = 0; i < n; i++) {
		len = strlen(fns[i].name);
		if (!strncmp(buf, fns[i].name, len) && !strncmp(buf + len, "+0x0/", 5))
			break;
	}
	if (i == n)
		return false;
	if (KPC_HAVE_FENTRY)
		return !kpc_fentry_name(addr, &site);
	/* kprobes (arm64): the kernel checks the rest when registering */
	return kpc_fentry_traceable(addr);
}

/* "0xffffffff81000000-0xffffffff81000010\tsym" */
static int kpc_glob_bl_line(void *ctx, char *line)
{
	struct kpc_glob_bl *bl = ctx;
	struct kpc_glob_range *r;
	unsigned long start, end;

	if (sscanf(line, "0x%lx-0x%lx", &start, &end) != 2 || !start)
		return 0;
	if (bl->n == bl->cap) {
		bl->cap = bl->cap ? 2 * bl->cap : 1024;
		r = kvmalloc_array(bl->cap, sizeof(*r), GFP_KERNEL);
		if (!r)
			return -ENOMEM;
		if (bl->n)
			memcpy(r, bl->r, bl->n * sizeof(*r));
		kvfree(bl->r);
		bl->r = r;
	}
	bl->r[bl->n].start = start;
	bl->r[bl->n].end = end;
	bl->n++;
	return 0;
}

static int kpc_glob_cmp_addr(const void *a, const void *b)
{
	const struct kpc_glob_fn *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);	/* an alias: the first name counts */
}

static int kpc_glob_cmp_name(const void *a, const void *b)
{
	const struct kpc_glob_fn *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	if (d)
		return d;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int kpc_glob_cmp_range(const void *a, const void *b)
{
	const struct kpc_glob_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Whether @addr lies in a range of @bl (sorted by start; ranges may nest). */
static bool kpc_glob_blacklisted(const struct kpc_glob_bl *bl, unsigned long addr)
{
	unsigned int lo = 0, hi = bl->n, mid;

	/* the last range starting at or before @addr, then back over the others */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bl->r[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo--)
		if (addr < bl->r[lo].end)
			return true;
	return false;
}

/*
 * The client name of function @i: "prefix:func", or "func" without a
 * prefix; "~N" (N its index) replaces the end of a name too long, and a
 * name the glob already gave gets ".2", ".3", ...
 */
static void kpc_glob_name(char *buf, const char *prefix, const char *func,
			 unsigned int i, unsigned int dup)
{
	char tail[16] = "";
	int len;

	if (dup)
		snprintf(tail, sizeof(tail), ".%u", dup + 1);
	len = snprintf(buf, KPC_NAME_MAX + 1, "%s%s%s%s", prefix ?: "",
		       prefix ? ":" : "", func, tail);
	if (len > KPC_NAME_MAX) {
		snprintf(tail, sizeof(tail), "~%u", i);
		strscpy(buf + KPC_NAME_MAX - strlen(tail), tail, strlen(tail) + 1);
	}
}

static void kpc_glob_free_fns(struct kpc_glob_fn *fns, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kfree(fns[i].name);
	kvfree(fns);
}

struct kpc_glob *__kpc_register_glob(const char *pattern, const struct kpc_desc *tmpl,
				     struct module *owner)
{
	struct kpc_glob_scan s = { };
	struct kpc_glob_bl bl = { };
	struct kpc_glob_priv *gp = NULL;
	struct kpc_desc *ds = NULL;
	char *pat = NULL, *colon, (*names)[KPC_NAME_MAX + 1] = NULL;
	unsigned int i, run, n = 0, dup = 0, skipped_bl = 0, skipped_nt = 0;
	unsigned long prev = 0;
	int err;

	if (!pattern || !*pattern || strlen(pattern) > KSYM_NAME_LEN + MODULE_NAME_LEN ||
	    !tmpl || tmpl->symbol || tmpl->addr || tmpl->offset ||
	    (tmpl->name && (!*tmpl->name || strlen(tmpl->name) > KPC_NAME_MAX / 2))) {
		pr_err("glob: needs a pattern and a kprobe description without symbol, address, offset (name prefix up to %d characters)\n",
		       KPC_NAME_MAX / 2);
		return ERR_PTR(-EINVAL);
	}
	pat = kstrdup(pattern, GFP_KERNEL);
	s.fns = kvmalloc_array(KPC_GLOB_MAX, sizeof(*s.fns), GFP_KERNEL);
	if (!pat || !s.fns) {
		err = -ENOMEM;
		goto out;
	}
	s.pat = pat;
	colon = strchr(pat, ':');
	if (colon) {
		*colon = '\0';
		s.mod = pat;
		s.pat = colon + 1;
	}
	err = -EINVAL;
	if (!*s.pat || (s.mod && !*s.mod) || strchr(s.pat, ':')) {
		pr_err("glob '%s': give \"pattern\" or \"module:pattern\"\n", pattern);
		goto out;
	}
	err = kpc_read_lines("/proc/kallsyms", kpc_glob_line, &s);
	if (err == -EOVERFLOW) {
		pr_err("glob '%s': more than %d functions match\n", pattern, KPC_GLOB_MAX);
		err = -E2BIG;
	} else if (err) {
		pr_err("glob '%s': cannot read /proc/kallsyms: %d\n", pattern, err);
	}
	if (err)
		goto out;
	if (s.hidden && !s.nfns) {
		pr_err("glob '%s': /proc/kallsyms hides addresses from this process (kptr_restrict)\n",
		       pattern);
		err = -EPERM;
		goto out;
	}
	err = kpc_read_lines("/sys/kernel/debug/kprobes/blacklist", kpc_glob_bl_line, &bl);
	if (err) {
		pr_err("glob '%s': cannot read the kprobe blacklist (%d): is debugfs mounted on /sys/kernel/debug?\n",
		       pattern, err);
		goto out;
	}
	sort(bl.r, bl.n, sizeof(*bl.r), kpc_glob_cmp_range, NULL);
	sort(s.fns, s.nfns, sizeof(*s.fns), kpc_glob_cmp_addr, NULL);

	err = -ENOMEM;
	ds = kvcalloc(s.nfns, sizeof(*ds), GFP_KERNEL);
	names = kvcalloc(s.nfns, sizeof(*names), GFP_KERNEL);
	gp = kvzalloc(struct_size(gp, g.probes, s.nfns), GFP_KERNEL);
	if (!ds || !names || !gp)
		goto out;
	/*
	 * One kpc_lock hold from the checks to the glob's place in kpc_globs:
	 * no module goes meanwhile, and its owner's cleanup finds the glob.
	 */
	mutex_lock(&kpc_lock);
	/* what to attach, compacted in place: neither an alias nor skipped */
	for (i = 0; i < s.nfns; i++) {
		if (i && s.fns[i].addr == prev)
			continue;	/* an alias */
		prev = s.fns[i].addr;
		for (run = 1; i + run < s.nfns && s.fns[i + run].addr == prev; run++)
			;
		if (kpc_glob_blacklisted(&bl, s.fns[i].addr)) {
			skipped_bl++;
			continue;
		}
		/* notrace, no ftrace call, or (rarely) gone since it was read */
		if (!kpc_glob_attachable(&s.fns[i], run)) {
			skipped_nt++;
			continue;
		}
		/* swap() is a macro: no n++ inside it */
		swap(s.fns[n], s.fns[i]);
		n++;
	}
	/* in name order: namesakes are numbered by address, the same each time */
	sort(s.fns, n, sizeof(*s.fns), kpc_glob_cmp_name, NULL);
	for (i = 0; i < n; i++) {
		dup = i && !strcmp(s.fns[i].name, s.fns[i - 1].name) ? dup + 1 : 0;
		kpc_glob_name(names[i], tmpl->name, s.fns[i].name, i, dup);
		ds[i] = *tmpl;
		ds[i].addr = s.fns[i].addr;
		ds[i].flags |= KPC_F_FTRACE_OPS;
		ds[i].name = names[i];
	}
	err = -ENOENT;
	if (!n)
		pr_err("glob '%s': no function to probe (%u matched, %u blacklisted, %u not traceable)\n",
		       pattern, skipped_bl + skipped_nt, skipped_bl, skipped_nt);
	else
		err = kpc_register_batch_locked(ds, KPC_KPROBE, gp->g.probes, n, owner);
	if (n && err)
		pr_err("glob '%s': cannot attach %u functions: %d\n", pattern, n, err);
	if (!err) {
		gp->owner = owner;
		gp->g.matched = n + skipped_bl + skipped_nt;
		gp->g.attached = n;
		gp->g.skipped_blacklist = skipped_bl;
		gp->g.skipped_notrace = skipped_nt;
		list_add_tail(&gp->node, &kpc_globs);
		pr_info("%s: glob '%s': %u functions matched, %u attached, %u skipped (%u blacklisted, %u not traceable)\n",
			kpc_owner_name(owner), pattern, gp->g.matched, n,
			skipped_bl + skipped_nt, skipped_bl, skipped_nt);
	}
	mutex_unlock(&kpc_lock);
out:
	if (err) {
		kvfree(gp);
		gp = NULL;
	}
	kvfree(names);
	kvfree(ds);
	kvfree(bl.r);
	kpc_glob_free_fns(s.fns, s.nfns);
	kfree(pat);
	return gp ? &gp->g : ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(__kpc_register_glob);

void kpc_unregister_glob(struct kpc_glob *g)
{
	struct kpc_glob_priv *gp;

	if (IS_ERR_OR_NULL(g))
		return;
	gp = container_of(g, struct kpc_glob_priv, g);
	kpc_unregister_batch(g->probes, g->attached);
	mutex_lock(&kpc_lock);
	list_del(&gp->node);
	mutex_unlock(&kpc_lock);
	kvfree(gp);
}
EXPORT_SYMBOL_GPL(kpc_unregister_glob);

/*
 * kpc_lock held: @owner's probes are removed (it unloaded without
 * kpc_unregister_glob()), or every probe (@all, the core unloads): free
 * what is left of its globs.
 */
void kpc_glob_forget(const struct module *owner, bool all)
{
	struct kpc_glob_priv *gp, *tmp;

	lockdep_assert_held(&kpc_lock);
	list_for_each_entry_safe(gp, tmp, &kpc_globs, node) {
		if (!all && gp->owner != owner)
			continue;
		list_del(&gp->node);
		kvfree(gp);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * How many kernel symbols carry a name: what kprobe_events asks to refuse
 * an ambiguous "p name_show" (the kernel counts with
 * kallsyms_on_each_match_symbol(), which modules cannot call). The names
 * come from /proc/kallsyms, read once into a sorted array of 64-bit name
 * hashes (a module symbol counts under "name" and under "module:name"),
 * and read again after a module comes or goes.
 * The file is read with kpc_read_lines() (readlines.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "kpc_internal.h"
#include "events.h"

static DEFINE_MUTEX(kpe_syms_lock);
static u64 *kpe_syms;		/* sorted name hashes */
static size_t kpe_nsyms;
static bool kpe_syms_stale = true;

/* FNV-1a over @len bytes, continuing from @h */
static u64 kpe_hash(u64 h, const char *s, size_t len)
{
	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define KPE_HASH_INIT	0xcbf29ce484222325ULL

static int kpe_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

struct kpe_syms_build {
	u64 *v;
	size_t n, cap;
};

static int kpe_syms_add(struct kpe_syms_build *b, u64 h)
{
	u64 *v;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 65536;
		v = kvmalloc_array(b->cap, sizeof(*v), GFP_KERNEL);
		if (!v)
			return -ENOMEM;
		if (b->n)
			memcpy(v, b->v, b->n * sizeof(*v));
		kvfree(b->v);
		b->v = v;
	}
	b->v[b->n++] = h;
	return 0;
}

/* One line of /proc/kallsyms: "addr type name" or "addr type name\t[mod]" */
static int kpe_syms_line(struct kpe_syms_build *b, char *line)
{
	char *name, *mod, *end;
	u64 h;
	int err;

	name = strchr(line, ' ');
	if (!name)
		return 0;
	name = strchr(name + 1, ' ');
	if (!name)
		return 0;
	name++;
	mod = strchr(name, '\t');
	end = mod ? mod : name + strlen(name);
	err = kpe_syms_add(b, kpe_hash(KPE_HASH_INIT, name, end - name));
	if (err || !mod || mod[1] != '[')
		return err;
	mod += 2;
	end = strchr(mod, ']');
	if (!end)
		return 0;
	h = kpe_hash(KPE_HASH_INIT, mod, end - mod);
	h = kpe_hash(h, ":", 1);
	name[strcspn(name, "\t")] = '\0';
	return kpe_syms_add(b, kpe_hash(h, name, strlen(name)));
}

static int kpe_syms_line_cb(void *ctx, char *line)
{
	return kpe_syms_line(ctx, line);
}

static int kpe_syms_read(void)
{
	struct kpe_syms_build b = { };
	int err;

	err = kpc_read_lines("/proc/kallsyms", kpe_syms_line_cb, &b);
	if (err) {
		kvfree(b.v);
		return err;
	}
	sort(b.v, b.n, sizeof(*b.v), kpe_cmp_u64, NULL);
	mutex_lock(&kpe_syms_lock);
	swap(kpe_syms, b.v);
	kpe_nsyms = b.n;
	mutex_unlock(&kpe_syms_lock);
	kvfree(b.v);
	return 0;
}

/* Entries equal to @h in the sorted table */
static unsigned int kpe_syms_find(u64 h)
{
	size_t lo = 0, hi = kpe_nsyms, mid;
	unsigned int n = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kpe_syms[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < kpe_nsyms && kpe_syms[lo + n] == h)
		n++;
	return n;
}

/*
 * kpe_syms_refresh() - read the names again if a module came or went
 * Called with no lock held: reading /proc/kallsyms takes its seq_file's
 * lock, which must never nest inside ours (kprobe_events' own reads take
 * them the other way round).
 */
void kpe_syms_refresh(void)
{
	if (!READ_ONCE(kpe_syms_stale))
		return;
	/* a module event during the read makes it stale again */
	WRITE_ONCE(kpe_syms_stale, false);
	if (kpe_syms_read()) {
		WRITE_ONCE(kpe_syms_stale, true);
		pr_warn_once("cannot read /proc/kallsyms: kprobe_events cannot tell ambiguous symbols\n");
	}
}

/*
 * kpe_symbol_count() - kernel symbols named @name ("sym" or "mod:sym"), as
 * of the last kpe_syms_refresh()
 * Return: the count; when the names could never be read, 1 (the kernel's
 * kprobe then decides whether the symbol exists).
 */
unsigned int kpe_symbol_count(void *ctx, const char *name)
{
	unsigned int n = 1;

	mutex_lock(&kpe_syms_lock);
	if (kpe_syms)
		n = kpe_syms_find(kpe_hash(KPE_HASH_INIT, name, strlen(name)));
	mutex_unlock(&kpe_syms_lock);
	return n;
}

static int kpe_syms_module_notify(struct notifier_block *nb, unsigned long state,
				  void *data)
{
	if (state == MODULE_STATE_COMING || state == MODULE_STATE_GOING)
		WRITE_ONCE(kpe_syms_stale, true);
	return NOTIFY_DONE;
}

static struct notifier_block kpe_syms_nb = {
	.notifier_call = kpe_syms_module_notify,
};

int kpe_syms_init(void)
{
	return register_module_notifier(&kpe_syms_nb);
}

void kpe_syms_exit(void)
{
	unregister_module_notifier(&kpe_syms_nb);
	kvfree(kpe_syms);
	kpe_syms = NULL;
}

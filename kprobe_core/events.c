// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe_events without tracefs: the kernel's file names and formats under
 * /sys/kernel/debug/kprobe_core/, so that a user's habits, scripts and the
 * kernel's own ftrace selftests work with that directory as the tracing
 * directory:
 *
 *   kprobe_events    define (p, r, %return), append, remove (-:) and list
 *                    events; opening it with O_TRUNC removes them all
 *   events/GRP/EVENT/enable
 *                    events are defined disabled: 1 arms, 0 disarms;
 *                    events/GRP/enable does it for a group
 *   kprobe_profile   "EVENT HITS MISSES" per probe
 *   error_log        the last 8 errors, the caret under the bad token
 *   README           the syntax lines tools look for
 *
 * Each probe of an event is a registry client of owner "events" (this
 * module), so it shares addresses with client modules, shows in "probes",
 * and goes away with its summary line when the core unloads. Writers hold
 * kpe_lock; the probes' handlers take nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/kprobes.h>
#include <linux/sched/clock.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "kpc_compat.h"
#include "events.h"

#define KPE_WRITE_BUFSIZE	4096	/* tracefs' WRITE_BUFSIZE */
#define KPE_ERR_LOG_MAX		8	/* TRACING_LOG_ERRS_MAX */
#define KPE_CMD_PREFIX		"  Command: "

struct kpe_err {
	struct list_head node;
	u64 ts;
	int type;
	int pos;
	char cmd[];			/* the command, tokens joined by a space */
};

/*
 * Removing a debugfs file waits for the operations running on it, and the
 * enable files take kpe_lock: so an event or group leaves its list under
 * kpe_lock, onto kpe_dead_*, and its directory goes in kpe_bury() once
 * kpe_lock is dropped. kpe_write_lock serializes the writers (definitions,
 * clearing, unload) across both steps, so a name is never made again
 * before its old directory is gone.
 */
static DEFINE_MUTEX(kpe_write_lock);
DEFINE_MUTEX(kpe_lock);
static DEFINE_IDR(kpe_ids);		/* kpe_probe.id: what records name */
static LIST_HEAD(kpe_events);
static LIST_HEAD(kpe_groups);
static LIST_HEAD(kpe_dead_events);
static LIST_HEAD(kpe_dead_groups);
static LIST_HEAD(kpe_errs);
static unsigned int kpe_nerrs;
static struct dentry *kpe_events_dir;
static atomic_t kpe_names = ATOMIC_INIT(0);

/* ---- the parser's questions ---- */

/*
 * kprobe_on_func_entry() is not exported: a known symbol at offset 0 is a
 * function entry (not +4 past an x86 endbr64, which the kernel counts too).
 */
static int kpe_func_entry(void *ctx, const char *symbol, unsigned long offset)
{
	if (!kpe_symbol_count(ctx, symbol))
		return -ENOENT;
	return offset ? -EINVAL : 0;
}

static const struct kpe_env kpe_env = {
	.v612 = KPC_EVENTS_V612,
	.max_stack = THREAD_SIZE / sizeof(unsigned long),
	.reg_offset = kpc_reg_offset,
	.func_entry = kpe_func_entry,
	.symbol_count = kpe_symbol_count,
};

/* ---- error_log ---- */

static void kpe_log_error(const struct kpe_cmd *cmd)
{
	struct kpe_err *e, *old;
	int len = 0, i;

	if (cmd->err < 0)
		return;
	for (i = 0; i < cmd->argc; i++)
		len += strlen(cmd->argv[i]) + 1;
	e = kmalloc(struct_size(e, cmd, len + 1), GFP_KERNEL);
	if (!e)
		return;
	kpe_err_command(cmd, e->cmd, len + 1);
	e->type = cmd->err;
	e->pos = cmd->err_pos;
	e->ts = local_clock();
	list_add_tail(&e->node, &kpe_errs);
	if (++kpe_nerrs > KPE_ERR_LOG_MAX) {
		old = list_first_entry(&kpe_errs, struct kpe_err, node);
		list_del(&old->node);
		kfree(old);
		kpe_nerrs--;
	}
}

/* An events= line that failed, for dmesg: error_log's three lines */
static void kpe_report_error(const struct kpe_cmd *cmd, const char *line, int err)
{
	char *buf;
	int len = 0, i;

	if (cmd->err < 0) {
		pr_err("events=: \"%s\": error %d\n", line, err);
		return;
	}
	for (i = 0; i < cmd->argc; i++)
		len += strlen(cmd->argv[i]) + 1;
	buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return;
	kpe_err_command(cmd, buf, len + 1);
	pr_err("events=: error: %s (%d)\n", kpe_err_text(cmd->err), err);
	pr_err(KPE_CMD_PREFIX "%s\n", buf);
	pr_err("%*s^\n", (int)strlen(KPE_CMD_PREFIX) + cmd->err_pos, "");
	kfree(buf);
}

static void kpe_clear_errors(void)
{
	struct kpe_err *e, *n;

	list_for_each_entry_safe(e, n, &kpe_errs, node) {
		list_del(&e->node);
		kfree(e);
	}
	kpe_nerrs = 0;
}

/* ---- events ---- */

static struct kpe_event *kpe_find_event(const char *group, const char *name)
{
	struct kpe_event *ev;

	list_for_each_entry(ev, &kpe_events, node)
		if (!strcmp(ev->group->name, group) && !strcmp(ev->name, name))
			return ev;
	return NULL;
}

/* The place as the listing and "-:" spell it */
static void kpe_place(const struct kpe_probe *pr, char *buf, size_t size)
{
	if (!pr->symbol[0])
		snprintf(buf, size, "0x%p", (void *)pr->addr);
	else if (pr->offset)
		snprintf(buf, size, "%s+%lu", pr->symbol, pr->offset);
	else
		snprintf(buf, size, "%s", pr->symbol);
}

/*
 * trace_probe_compare_arg_type(): 0 when @a and @b have the same argument
 * names and types, else the (1-based) first that differs.
 */
static unsigned int kpe_diff_args(const struct kpe_probe *a, const struct kpe_cmd *b)
{
	unsigned int i;

	if (a->nargs != b->nargs)
		return min(a->nargs, b->nargs) + 1;
	for (i = 0; i < a->nargs; i++)
		if (a->args[i].type != b->args[i].type ||
		    a->args[i].count != b->args[i].count ||
		    strcmp(a->args[i].name, b->args[i].name))
			return i + 1;
	return 0;
}

/* trace_kprobe_has_same_kprobe(): the same place with the same expressions */
static bool kpe_same_probe(const struct kpe_event *ev, const struct kpe_cmd *cmd)
{
	const struct kpe_probe *pr;
	unsigned int i;

	list_for_each_entry(pr, &ev->probes, node) {
		if (strcmp(pr->symbol, cmd->symbol) || pr->offset != cmd->offset ||
		    (!pr->symbol[0] && pr->addr != cmd->addr))
			continue;
		for (i = 0; i < pr->nargs; i++)
			if (strcmp(pr->args[i].comm, cmd->args[i].comm))
				break;
		if (i == pr->nargs)
			return true;
	}
	return false;
}

/*
 * The address of data symbol "SYM[+|-OFFS]" (@SYM). kallsyms_lookup_name()
 * is not exported; register_kprobe() resolves the name, and fills kp.addr
 * before it refuses an address that is not code.
 */
static int kpe_data_symbol(const char *text, unsigned long *addr)
{
	char sym[KPE_ARGSTR_MAX + 1], *tmp;
	struct kprobe kp = { .flags = KPROBE_FLAG_DISABLED };
	long offset = 0;

	strscpy(sym, text, sizeof(sym));
	tmp = strpbrk(sym, "+-");
	if (tmp) {
		if (kstrtol(tmp, 0, &offset))
			return -EINVAL;
		*tmp = '\0';
	}
	if (!sym[0])
		return -ENOENT;
	kp.symbol_name = sym;
	if (!register_kprobe(&kp))
		unregister_kprobe(&kp);
	if (!kp.addr)
		return -ENOENT;
	*addr = kpc_kprobe_symbol_addr(&kp) + offset;
	return 0;
}

static int kpe_resolve_args(struct kpe_probe *pr)
{
	struct kpe_insn *code;
	unsigned int i;
	int err;

	for (i = 0; i < pr->nargs; i++)
		for (code = pr->args[i].code; code->op != KPE_OP_END; code++)
			if (code->op == KPE_OP_SYMBOL) {
				err = kpe_data_symbol(pr->args[i].text, &code[1].imm);
				if (err)
					return err;
			}
	return 0;
}

/* The probe a record names, or NULL once it is gone (kpe_lock held) */
struct kpe_probe *kpe_probe_by_id(u32 id)
{
	lockdep_assert_held(&kpe_lock);
	return idr_find(&kpe_ids, id);
}

static int kpe_pre(struct kpc_probe *p, struct pt_regs *regs)
{
	kpe_trace_hit(kpc_priv(p), regs, NULL, 0);
	return 0;
}

/* A return event's $argN are read at entry, into the call's data */
static int kpe_entry(struct kpc_probe *p, struct pt_regs *regs, void *data)
{
	kpe_fetch_edata(kpc_priv(p), regs, data);
	return 0;
}

static void kpe_ret(struct kpc_probe *p, struct pt_regs *regs, void *data, u64 ns)
{
	kpe_trace_hit(kpc_priv(p), regs, data, ns);
}

static int kpe_register(struct kpe_probe *pr, const struct kpe_event *ev)
{
	char name[KPC_NAME_MAX + 1];
	struct kpc_desc d = {
		.name = name, .symbol = pr->symbol[0] ? pr->symbol : NULL,
		.offset = pr->offset, .addr = pr->addr, .priv = pr,
		.maxactive = pr->maxactive, .flags = KPC_F_DISABLED,
	};
	int err, n;

	err = security_locked_down(LOCKDOWN_KPROBES);
	if (err)
		return err;
	err = kpe_resolve_args(pr);
	if (err)
		return err;
	err = kpe_fetch_prepare(pr);
	if (err)
		return err;
	/* "GRP/EVENT", unique among the events' clients; else numbered */
	n = snprintf(name, sizeof(name), "%s/%s", ev->group->name, ev->name);
	if (n >= (int)sizeof(name) || !list_empty(&ev->probes)) {
		n = min(n, 40);
		snprintf(name + n, sizeof(name) - n, "#%d", atomic_inc_return(&kpe_names));
	}
	if (ev->kind == 'r') {
		d.ret = kpe_ret;
		if (pr->nedata) {
			d.entry = kpe_entry;
			d.data_size = pr->nedata * sizeof(unsigned long);
		}
	} else {
		d.pre = kpe_pre;
	}
	/*
	 * The id first: a record may be read as soon as the probe is armed.
	 * Cyclic: records of a removed probe may still be in the buffer, and
	 * must not be read with another probe's layout.
	 */
	err = idr_alloc_cyclic(&kpe_ids, pr, 0, INT_MAX, GFP_KERNEL);
	if (err < 0)
		return err;
	pr->id = err;
	pr->p = __kpc_register(&d, ev->kind == 'r' ? KPC_KRETPROBE : KPC_KPROBE, THIS_MODULE);
	if (IS_ERR(pr->p)) {
		err = PTR_ERR(pr->p);
		pr->p = NULL;
		idr_remove(&kpe_ids, pr->id);
		return err;
	}
	if (ev->enabled)
		kpc_enable(pr->p);
	return 0;
}

static void kpe_probe_free(struct kpe_probe *pr)
{
	if (pr->p) {
		kpc_unregister(pr->p);
		idr_remove(&kpe_ids, pr->id);
	}
	kfree(pr->args);
	kfree(pr);
}

/* Arm or disarm every probe of @ev (kpe_lock held) */
static void kpe_event_enable(struct kpe_event *ev, bool on)
{
	struct kpe_probe *pr;

	if (ev->enabled == on)
		return;
	ev->enabled = on;
	list_for_each_entry(pr, &ev->probes, node) {
		if (on)
			kpc_enable(pr->p);
		else
			kpc_disable(pr->p);
	}
}

/*
 * events/GRP/EVENT/enable (private: the event) and events/GRP/enable
 * (private: the group, every event of it): "0", "1", or for a group
 * whose events differ "X", as tracefs shows them.
 */
struct kpe_enable_file {
	struct kpe_event *ev;
	struct kpe_group *group;
};

static int kpe_enable_show(struct seq_file *m, void *v)
{
	const struct kpe_enable_file *f = m->private;
	const struct kpe_event *ev;
	int on = 0, off = 0;

	mutex_lock(&kpe_lock);
	list_for_each_entry(ev, &kpe_events, node)
		if (f->ev ? ev == f->ev : ev->group == f->group) {
			on += ev->enabled;
			off += !ev->enabled;
		}
	mutex_unlock(&kpe_lock);
	seq_puts(m, on && off ? "X\n" : on ? "1\n" : "0\n");
	return 0;
}

static int kpe_enable_open(struct inode *inode, struct file *file)
{
	return single_open(file, kpe_enable_show, inode->i_private);
}

static ssize_t kpe_enable_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	const struct kpe_enable_file *f = ((struct seq_file *)file->private_data)->private;
	struct kpe_event *ev;
	unsigned long val;
	int err;

	err = kstrtoul_from_user(ubuf, count, 10, &val);
	if (err)
		return err;
	if (val > 1)
		return -EINVAL;
	mutex_lock(&kpe_lock);
	list_for_each_entry(ev, &kpe_events, node)
		if (f->ev ? ev == f->ev : ev->group == f->group)
			kpe_event_enable(ev, val);
	mutex_unlock(&kpe_lock);
	return count;
}

static const struct file_operations kpe_enable_fops = {
	.owner = THIS_MODULE,
	.open = kpe_enable_open,
	.read = seq_read,
	.write = kpe_enable_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static struct kpe_group *kpe_group_get(const char *name)
{
	struct kpe_group *g;

	list_for_each_entry(g, &kpe_groups, node)
		if (!strcmp(g->name, name))
			goto found;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	g->enable = kzalloc(sizeof(*g->enable), GFP_KERNEL);
	if (!g->enable) {
		kfree(g);
		return NULL;
	}
	g->enable->group = g;
	strscpy(g->name, name, sizeof(g->name));
	g->dir = debugfs_create_dir(g->name, kpe_events_dir);
	debugfs_create_file("enable", 0600, g->dir, g->enable, &kpe_enable_fops);
	list_add_tail(&g->node, &kpe_groups);
found:
	g->nevents++;
	return g;
}

static void kpe_group_put(struct kpe_group *g)
{
	if (--g->nevents)
		return;
	list_move_tail(&g->node, &kpe_dead_groups);
}

static struct kpe_event *kpe_event_new(const struct kpe_cmd *cmd)
{
	struct kpe_event *ev = kzalloc(sizeof(*ev), GFP_KERNEL);

	if (!ev)
		return NULL;
	ev->enable = kzalloc(sizeof(*ev->enable), GFP_KERNEL);
	ev->group = ev->enable ? kpe_group_get(cmd->group) : NULL;
	if (!ev->group) {
		kfree(ev->enable);
		kfree(ev);
		return NULL;
	}
	if (cmd->kind == 'r') {
		ev->hist = alloc_percpu(struct kpe_hist);
		if (!ev->hist) {
			kpe_group_put(ev->group);
			kfree(ev->enable);
			kfree(ev);
			return NULL;
		}
	}
	ev->enable->ev = ev;
	strscpy(ev->name, cmd->event, sizeof(ev->name));
	ev->kind = cmd->kind;
	INIT_LIST_HEAD(&ev->probes);
	return ev;
}

/* An event whose last probe went: its directory goes in kpe_bury() */
static void kpe_event_free(struct kpe_event *ev)
{
	kpe_trace_print_summary(ev);
	list_move_tail(&ev->node, &kpe_dead_events);
	kpe_group_put(ev->group);
}

/* The directories of removed events and groups (kpe_write_lock held) */
static void kpe_bury(void)
{
	struct kpe_event *ev, *nev;
	struct kpe_group *g, *ng;

	lockdep_assert_held(&kpe_write_lock);
	list_for_each_entry_safe(ev, nev, &kpe_dead_events, node) {
		debugfs_remove(ev->hist_link);
		debugfs_remove_recursive(ev->dir);
		list_del(&ev->node);
		free_percpu(ev->hist);
		kfree(ev->enable);
		kfree(ev);
	}
	list_for_each_entry_safe(g, ng, &kpe_dead_groups, node) {
		debugfs_remove_recursive(g->dir);
		list_del(&g->node);
		kfree(g->enable);
		kfree(g);
	}
}

/* A writer is done: drop kpe_lock, then remove what it unlinked */
static void kpe_writer_done(void)
{
	mutex_unlock(&kpe_lock);
	kpe_bury();
	mutex_unlock(&kpe_write_lock);
}

/* Define a probe, of a new event or appended to the event of its name */
static int kpe_create(struct kpe_cmd *cmd)
{
	struct kpe_event *ev = kpe_find_event(cmd->group, cmd->event), *new = NULL;
	struct kpe_probe *pr;
	unsigned int diff;
	int err;

	if (ev) {
		if (ev->kind != cmd->kind) {
			kpe_set_error(cmd, 0, 0, KPE_E_DIFF_PROBE_TYPE);
			return -EEXIST;
		}
		diff = kpe_diff_args(list_first_entry(&ev->probes, struct kpe_probe, node), cmd);
		if (diff) {
			kpe_set_error(cmd, diff + 1, 0, KPE_E_DIFF_ARG_TYPE);
			return -EEXIST;
		}
		if (kpe_same_probe(ev, cmd)) {
			kpe_set_error(cmd, 0, 0, KPE_E_SAME_PROBE);
			return -EEXIST;
		}
	}
	pr = kzalloc(sizeof(*pr), GFP_KERNEL);
	if (!pr)
		return -ENOMEM;
	strscpy(pr->symbol, cmd->symbol, sizeof(pr->symbol));
	pr->offset = cmd->offset;
	pr->addr = cmd->addr;
	pr->maxactive = cmd->maxactive;
	/* the parsed arguments move to the probe */
	pr->nargs = cmd->nargs;
	pr->args = cmd->args;
	cmd->args = NULL;
	cmd->nargs = 0;
	if (!ev) {
		new = kpe_event_new(cmd);
		if (!new) {
			kpe_probe_free(pr);
			return -ENOMEM;
		}
		ev = new;
	}
	pr->ev = ev;
	err = kpe_register(pr, ev);
	if (err) {
		/* as __trace_kprobe_create() reports it, at the place */
		if (err == -EILSEQ)
			kpe_set_error(cmd, 1, 0, KPE_E_BAD_INSN_BNDRY);
		else if (err == -ENOENT)
			kpe_set_error(cmd, 1, 0, KPE_E_BAD_PROBE_ADDR);
		else if (err != -ENOMEM && err != -EEXIST)
			kpe_set_error(cmd, 1, 0, KPE_E_FAIL_REG_PROBE);
		kpe_probe_free(pr);
		if (new) {
			kpe_group_put(new->group);
			free_percpu(new->hist);
			kfree(new->enable);
			kfree(new);
		}
		return err;
	}
	list_add_tail(&pr->node, &ev->probes);
	if (new) {
		list_add_tail(&new->node, &kpe_events);
		new->dir = debugfs_create_dir(new->name, new->group->dir);
		debugfs_create_file("enable", 0600, new->dir, new->enable, &kpe_enable_fops);
		kpe_hist_files(new);
	}
	return 0;
}

/* trace_kprobe_match_command_head() and _args(): "-:EV PLACE ARGS" */
static bool kpe_match_probe(const struct kpe_probe *pr, int argc, const char **argv)
{
	char buf[KPE_SYM_MAX + 24];
	int i;

	if (!argc)
		return true;
	kpe_place(pr, buf, sizeof(buf));
	if (strcmp(buf, argv[0]))
		return false;
	if ((int)pr->nargs < argc - 1)
		return false;
	for (i = 1; i < argc; i++) {
		snprintf(buf, sizeof(buf), "%s=%s", pr->args[i - 1].name, pr->args[i - 1].comm);
		if (strcmp(buf, argv[i]))
			return false;
	}
	return true;
}

/* dyn_event_release(): "-:[GRP/]EVENT [PLACE [ARGS]]" */
static int kpe_remove(const struct kpe_cmd *cmd)
{
	struct kpe_event *ev, *nev;
	struct kpe_probe *pr, *npr;
	int err = -ENOENT;

	list_for_each_entry_safe(ev, nev, &kpe_events, node) {
		if ((cmd->event[0] && strcmp(ev->name, cmd->event)) ||
		    (cmd->group[0] && strcmp(ev->group->name, cmd->group)))
			continue;
		list_for_each_entry_safe(pr, npr, &ev->probes, node) {
			if (!kpe_match_probe(pr, cmd->argc - 1, cmd->argv + 1))
				continue;
			/* an enabled event may lose a probe, not its last one */
			if (ev->enabled && list_is_singular(&ev->probes))
				return -EBUSY;
			list_del(&pr->node);
			kpe_probe_free(pr);
			err = 0;
		}
		if (list_empty(&ev->probes))
			kpe_event_free(ev);
	}
	return err;
}

static int kpe_remove_all(void)
{
	struct kpe_event *ev, *nev;
	struct kpe_probe *pr, *npr;

	list_for_each_entry(ev, &kpe_events, node)
		if (ev->enabled)
			return -EBUSY;
	list_for_each_entry_safe(ev, nev, &kpe_events, node) {
		list_for_each_entry_safe(pr, npr, &ev->probes, node) {
			list_del(&pr->node);
			kpe_probe_free(pr);
		}
		kpe_event_free(ev);
	}
	return 0;
}

/*
 * One line of kprobe_events (comment cut). @at_load: a line of events=,
 * whose event is enabled at once and prints its hits to dmesg, and whose
 * error goes to dmesg as error_log would show it.
 */
static int kpe_run(const char *line, bool at_load)
{
	struct kpe_event *ev;
	struct kpe_cmd *cmd;
	int err;

	cmd = kzalloc(sizeof(*cmd), GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	mutex_lock(&kpe_write_lock);
	kpe_syms_refresh();	/* before kpe_lock: it reads /proc/kallsyms */
	mutex_lock(&kpe_lock);
	err = kpe_parse(&kpe_env, line, cmd);
	if (err == -ENOENT && !cmd->argc)
		err = 0;		/* an empty line */
	else if (!err)
		err = cmd->kind == '-' ? kpe_remove(cmd) : kpe_create(cmd);
	if (err)
		kpe_log_error(cmd);
	if (at_load && err)
		kpe_report_error(cmd, line, err);
	if (at_load && !err && cmd->argc && cmd->kind != '-') {
		ev = kpe_find_event(cmd->group, cmd->event);
		ev->printk = true;
		kpe_event_enable(ev, true);
	}
	kpe_writer_done();
	kpe_cmd_free(cmd);
	kfree(cmd);
	return err;
}

/* trace_parse_run_command(): lines of at most 4094 characters, '#' comments */
static ssize_t kpe_events_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char *kbuf, *buf, *tmp;
	size_t done = 0, size;
	ssize_t ret = 0;

	kbuf = kmalloc(KPE_WRITE_BUFSIZE, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	while (done < count) {
		size = min_t(size_t, count - done, KPE_WRITE_BUFSIZE - 1);
		if (copy_from_user(kbuf, ubuf + done, size)) {
			ret = -EFAULT;
			goto out;
		}
		kbuf[size] = '\0';
		buf = kbuf;
		do {
			tmp = strchr(buf, '\n');
			if (tmp) {
				*tmp = '\0';
				size = tmp - buf + 1;
			} else {
				size = strlen(buf);
				if (done + size < count) {
					if (buf != kbuf)
						break;
					pr_warn("kprobe_events: a line is longer than %d characters\n",
						KPE_WRITE_BUFSIZE - 2);
					ret = -EINVAL;
					goto out;
				}
			}
			done += size;
			tmp = strchr(buf, '#');
			if (tmp)
				*tmp = '\0';
			ret = kpe_run(buf, false);
			if (ret)
				goto out;
			buf += size;
		} while (done < count);
	}
	ret = done;
out:
	kfree(kbuf);
	return ret;
}

static int kpe_events_show(struct seq_file *m, void *v)
{
	char place[KPE_SYM_MAX + 24];
	const struct kpe_event *ev;
	const struct kpe_probe *pr;
	struct kpc_stats st;
	unsigned int i;

	mutex_lock(&kpe_lock);
	list_for_each_entry(ev, &kpe_events, node)
		list_for_each_entry(pr, &ev->probes, node) {
			seq_putc(m, ev->kind);
			/* the effective maxactive, as the kernel's register_kretprobe() sets it */
			if (ev->kind == 'r') {
				kpc_get_stats(pr->p, &st);
				seq_printf(m, "%d", st.maxactive);
			}
			kpe_place(pr, place, sizeof(place));
			seq_printf(m, ":%s/%s %s", ev->group->name, ev->name, place);
			for (i = 0; i < pr->nargs; i++)
				seq_printf(m, " %s=%s", pr->args[i].name, pr->args[i].comm);
			seq_putc(m, '\n');
		}
	mutex_unlock(&kpe_lock);
	return 0;
}

static int kpe_events_open(struct inode *inode, struct file *file)
{
	int err;

	if ((file->f_mode & FMODE_WRITE) && (file->f_flags & O_TRUNC)) {
		mutex_lock(&kpe_write_lock);
		mutex_lock(&kpe_lock);
		err = kpe_remove_all();
		kpe_writer_done();
		if (err)
			return err;
	}
	return single_open(file, kpe_events_show, NULL);
}

static const struct file_operations kpe_events_fops = {
	.owner = THIS_MODULE,
	.open = kpe_events_open,
	.read = seq_read,
	.write = kpe_events_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* probes_profile_seq_show(): per probe, the event's name, hits, misses */
static int kpe_profile_show(struct seq_file *m, void *v)
{
	const struct kpe_event *ev;
	const struct kpe_probe *pr;
	struct kpc_stats st;

	mutex_lock(&kpe_lock);
	list_for_each_entry(ev, &kpe_events, node)
		list_for_each_entry(pr, &ev->probes, node) {
			kpc_get_stats(pr->p, &st);
			/* a return event's hits are its returns, as the kernel counts */
			seq_printf(m, "  %-44s %15llu %15llu\n", ev->name,
				   ev->kind == 'r' ? st.returns : st.hits,
				   st.missed_reentry + st.missed_pool);
		}
	mutex_unlock(&kpe_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kpe_profile);

/* tracing_err_log_seq_show() */
static int kpe_error_log_show(struct seq_file *m, void *v)
{
	const struct kpe_err *e;
	u64 sec;
	u32 nsec;

	mutex_lock(&kpe_lock);
	list_for_each_entry(e, &kpe_errs, node) {
		sec = e->ts;
		nsec = do_div(sec, NSEC_PER_SEC);
		seq_printf(m, "[%5llu.%06u] trace_kprobe: error: %s\n" KPE_CMD_PREFIX "%s\n",
			   sec, nsec / 1000, kpe_err_text(e->type), e->cmd);
		seq_printf(m, "%*s^\n", (int)strlen(KPE_CMD_PREFIX) + e->pos, "");
	}
	mutex_unlock(&kpe_lock);
	return 0;
}

static int kpe_error_log_open(struct inode *inode, struct file *file)
{
	if ((file->f_mode & FMODE_WRITE) && (file->f_flags & O_TRUNC)) {
		mutex_lock(&kpe_lock);
		kpe_clear_errors();
		mutex_unlock(&kpe_lock);
	}
	return single_open(file, kpe_error_log_show, NULL);
}

static ssize_t kpe_error_log_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	return count;	/* as tracefs: only opening with O_TRUNC clears */
}

static const struct file_operations kpe_error_log_fops = {
	.owner = THIS_MODULE,
	.open = kpe_error_log_open,
	.read = seq_read,
	.write = kpe_error_log_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* The kernel's README lines for kprobe_events, which tools grep for */
static int kpe_readme_show(struct seq_file *m, void *v)
{
	seq_puts(m,
		 "kprobe_core: kprobe_events without tracefs (debugfs)\n\n"
		 "  kprobe_events\t\t- Create/append/remove/show the kernel dynamic events\n"
		 "\t\t\t  Write into this file to define/undefine new trace events.\n"
		 "\t  accepts: event-definitions (one definition per line)\n"
		 "\t   Format: p[:[<group>/][<event>]] <place> [<args>]\n"
		 "\t           r[maxactive][:[<group>/][<event>]] <place> [<args>]\n"
		 "\t           -:[<group>/][<event>]\n"
		 "\t    place: [<module>:]<symbol>[+<offset>]|<memaddr>\n"
		 "place (kretprobe): [<module>:]<symbol>[+<offset>]%return|<memaddr>\n"
		 "\t     args: <name>=fetcharg[:type]\n"
		 "\t fetcharg: %<register>, @<address>, @<symbol>[+|-<offset>],\n"
		 "\t           $stack<index>, $stack, $retval, $comm, $arg<N>,\n"
		 "\t           +|-[u]<offset>(<fetcharg>), \\imm-value, \\\"imm-string\"\n"
		 "\t     kernel return probes support: $retval, $arg<N>, $comm\n");
	seq_printf(m,
		   "\t     type: s8/16/32/64, u8/16/32/64, x8/16/32/64, string, symbol,\n"
		   "\t           b<bit-width>@<bit-offset>/<container-size>, ustring,\n"
		   "\t           symstr,%s <type>\\[<array-size>\\]\n", kpe_env.v612 ? " char," : "");
	seq_puts(m,
		 "  events/<group>/<event>/enable\t- Write 0/1 to disable/enable <event>\n"
		 "  kprobe_profile\t- <event> <hits> <misses>\n"
		 "  trace\t\t\t- the records of enabled events; open with O_TRUNC to clear\n"
		 "  trace_pipe\t\t- the same, consumed as read; blocks while empty\n"
		 "  events/<group>/<event>/hist\t- a return event's latency, log2 ns; write 0 to clear\n"
		 "  hist/<event>\t\t- a link to it\n"
		 "  error_log\t\t- the last 8 errors; open with O_TRUNC to clear\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kpe_readme);

static char *events;
module_param(events, charp, 0400);
MODULE_PARM_DESC(events,
		 "kprobe_events lines separated by ';': defined and enabled at load, each hit printed to dmesg (rate-limited), counts and latency histograms printed at unload");

/*
 * The events= lines, each defined and enabled ('#' starts a comment, as
 * in kprobe_events; a ';' always ends a line, even in a \"string\").
 * Return: 0, or the first bad line's error (in dmesg, with its caret).
 */
static int kpe_define_at_load(const char *lines)
{
	char *buf, *cur, *line, *tmp;
	int err = 0;

	buf = kstrdup(lines, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = buf;
	while (!err && (line = strsep(&cur, ";"))) {
		tmp = strchr(line, '#');
		if (tmp)
			*tmp = '\0';
		err = kpe_run(line, true);
	}
	kfree(buf);
	return err;
}

/*
 * The files go in last: a failed events= line unwinds everything before
 * any reader can hold one of them open.
 */
int kpe_init(struct dentry *dir)
{
	int err = kpe_syms_init();

	if (err)
		return err;
	err = kpe_trace_init();
	if (err) {
		kpe_syms_exit();
		return err;
	}
	kpe_events_dir = debugfs_create_dir("events", dir);
	kpe_hist_dir(dir);
	if (events && events[0]) {
		err = kpe_define_at_load(events);
		if (err) {
			kpe_exit();
			return err;
		}
	}
	kpe_trace_files(dir);
	debugfs_create_file("kprobe_events", 0600, dir, NULL, &kpe_events_fops);
	debugfs_create_file("kprobe_profile", 0400, dir, NULL, &kpe_profile_fops);
	debugfs_create_file("error_log", 0600, dir, NULL, &kpe_error_log_fops);
	debugfs_create_file("README", 0400, dir, NULL, &kpe_readme_fops);
	return 0;
}

void kpe_exit(void)
{
	struct kpe_event *ev;

	mutex_lock(&kpe_write_lock);
	mutex_lock(&kpe_lock);
	/* disabled first: the removal below must not find them busy */
	list_for_each_entry(ev, &kpe_events, node)
		ev->enabled = false;
	kpe_remove_all();
	kpe_clear_errors();
	kpe_writer_done();
	kpe_trace_exit();
	kpe_syms_exit();
}

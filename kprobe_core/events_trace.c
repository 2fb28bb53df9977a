// SPDX-License-Identifier: GPL-2.0
/*
 * What enabled events record, and how it is read back:
 *
 *   trace        every record, oldest first across CPUs, shaped like
 *                ftrace's; opening it with O_TRUNC empties the buffer
 *   trace_pipe   the same lines, consumed as read; blocks while empty
 *   events/GRP/EVENT/hist
 *                a return event's entry-to-return latency, log2 buckets;
 *                writing 0 clears it
 *   dmesg        events defined at load (events=) print each hit,
 *                rate-limited, and a summary when the core unloads
 *
 * Records go to one kernel ring buffer (ring_buffer_*), per CPU, in
 * overwrite mode as ftrace's: when it is full the oldest records go, and
 * the files say how many. A handler builds its record in a per-CPU
 * scratch area and copies it in with ring_buffer_write(): no lock, no
 * allocation. Readers find a record's event by the probe id it carries,
 * under kpe_lock; a record whose event was removed says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/hardirq.h>
#include <linux/kallsyms.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/ring_buffer.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "kpc_compat.h"
#include "events.h"

static unsigned int trace_buffer_kb = 128;
module_param(trace_buffer_kb, uint, 0400);
MODULE_PARM_DESC(trace_buffer_kb,
		 "KiB of records kept per CPU for trace and trace_pipe (default 128)");

/*
 * One printed record: a record holds at most KPE_REC_MAX bytes, and an
 * argument's text is at most about four times its bytes (a u8 array:
 * "255,") plus its name. A line cut short ends in " ...".
 */
#define KPE_TEXT_MAX		(4 * KPE_REC_MAX + KPE_MAX_ARGS * (KPE_ARG_NAME_MAX + 2))
#define KPE_CUT			" ...\n"
#define KPE_PRINTK_MAX		1024	/* a dmesg line: printk keeps about that */
#define KPE_BAR_WIDTH		52	/* bpftrace's hist() bars */
#define KPE_PRINTK_BURST	10	/* dmesg lines per event ... */
#define KPE_PRINTK_WINDOW	(5 * HZ) /* ... per window */

struct kpe_scratch {
	int busy;			/* a handler of this CPU is building */
	u8 rec[KPE_REC_MAX];
	char text[KPE_PRINTK_MAX];	/* a dmesg line */
};

static struct trace_buffer *kpe_buffer;
static struct kpe_scratch __percpu *kpe_scratch;
static DEFINE_PER_CPU(unsigned long, kpe_nested);	/* hits not recorded */
static DEFINE_MUTEX(kpe_pipe_lock);			/* one consumer at a time */

/* ---- text ---- */

struct kpe_out {
	char *buf;
	size_t size, len;
};

/* Appends; the last sizeof(KPE_CUT) bytes stay free for kpe_end_line() */
static __printf(2, 3) void kpe_printf(struct kpe_out *o, const char *fmt, ...)
{
	size_t room = o->size - sizeof(KPE_CUT);
	va_list args;

	if (o->len >= room)
		return;
	va_start(args, fmt);
	o->len += vscnprintf(o->buf + o->len, room - o->len, fmt, args);
	va_end(args);
}

/* A line ends with a newline, and says so when it was cut */
static void kpe_end_line(struct kpe_out *o)
{
	if (o->len + 1 >= o->size - sizeof(KPE_CUT))
		o->len += scnprintf(o->buf + o->len, o->size - o->len, KPE_CUT);
	else
		o->len += scnprintf(o->buf + o->len, o->size - o->len, "\n");
}

/* The string of a string field; NULL for a fault */
static const char *kpe_rec_string(const struct kpe_rec *rec, const u8 *field)
{
	u32 loc, len, offs;

	memcpy(&loc, field, sizeof(loc));
	len = loc >> 16;
	offs = loc & 0xffff;
	if (!len || offs + len > rec->len || rec->data[offs + len - 1])
		return NULL;
	return (const char *)rec->data + offs;
}

static void kpe_print_value(struct kpe_out *o, const struct kpe_rec *rec,
			    const struct kpe_arg *a, const u8 *p)
{
	const char *str;
	u64 v = 0;

	/* the low bytes of v: little-endian, as events_fetch.c stored them */
	memcpy(&v, p, min_t(unsigned int, a->size, sizeof(v)));
	switch (a->type) {
	case KPE_T_U8: case KPE_T_U16: case KPE_T_U32: case KPE_T_U64:
		kpe_printf(o, "%llu", v);
		break;
	case KPE_T_S8:
		kpe_printf(o, "%d", (s8)v);
		break;
	case KPE_T_S16:
		kpe_printf(o, "%d", (s16)v);
		break;
	case KPE_T_S32:
		kpe_printf(o, "%d", (s32)v);
		break;
	case KPE_T_S64:
		kpe_printf(o, "%lld", (s64)v);
		break;
	case KPE_T_X8: case KPE_T_X16: case KPE_T_X32: case KPE_T_X64:
		kpe_printf(o, "0x%llx", v);
		break;
	case KPE_T_SYMBOL:
		kpe_printf(o, "%pS", (void *)(unsigned long)v);
		break;
	case KPE_T_CHAR:
		kpe_printf(o, "'%c'", (char)v);
		break;
	default:
		str = kpe_rec_string(rec, p);
		if (str)
			kpe_printf(o, "\"%s\"", str);
		else
			kpe_printf(o, "(fault)");
		break;
	}
}

/* "EVENT: (place) name=value ...", as print_kprobe_event() and print_kretprobe_event() */
static void kpe_print_event(struct kpe_out *o, const struct kpe_rec *rec,
			    const struct kpe_probe *pr)
{
	const struct kpe_arg *a;
	unsigned int i, j;
	size_t at;
	const u8 *p;

	/* the probe of that id is gone (ids are not reused until they wrap) */
	if (!pr || rec->len < pr->size) {
		kpe_printf(o, "(a removed event): (%pS)", (void *)rec->ip);
		kpe_end_line(o);
		return;
	}
	if (pr->ev->kind == 'r') {
		kpe_printf(o, "%s: (%pS <- ", pr->ev->name, (void *)rec->ret_ip);
		/* the function by name alone, as seq_print_sym() without offset */
		at = o->len;
		kpe_printf(o, "%ps", (void *)rec->ip);
		o->len = at + strcspn(o->buf + at, " ");
		kpe_printf(o, ")");
	} else
		kpe_printf(o, "%s: (%pS)", pr->ev->name, (void *)rec->ip);
	for (i = 0; i < pr->nargs; i++) {
		a = &pr->args[i];
		kpe_printf(o, " %s=", a->name);
		if (test_bit(i, rec->faults)) {
			kpe_printf(o, "(fault)");
			continue;
		}
		p = rec->data + a->offset;
		if (!a->count) {
			kpe_print_value(o, rec, a, p);
			continue;
		}
		kpe_printf(o, "{");
		for (j = 0; j < a->count; j++, p += a->size) {
			if (j)
				kpe_printf(o, ",");
			kpe_print_value(o, rec, a, p);
		}
		kpe_printf(o, "}");
	}
	kpe_end_line(o);
}

/* "           TASK-PID     [CPU] FLAGS  SECONDS.USECS: ", trace_print_context() */
static void kpe_print_context(struct kpe_out *o, const struct kpe_rec *rec, int cpu, u64 ts)
{
	bool nmi = rec->flags & KPE_RF_NMI, hard = rec->flags & KPE_RF_HARDIRQ;
	bool soft = rec->flags & KPE_RF_SOFTIRQ;
	char flags[8] = ".......";
	char *f = flags;
	u32 usec;

	/* trace_print_lat_fmt() */
	switch (rec->flags & (KPE_RF_IRQS_OFF | KPE_RF_BH_OFF)) {
	case KPE_RF_IRQS_OFF | KPE_RF_BH_OFF:
		f[0] = 'D';
		break;
	case KPE_RF_IRQS_OFF:
		f[0] = 'd';
		break;
	case KPE_RF_BH_OFF:
		f[0] = 'b';
		break;
	}
	switch (rec->flags & (KPE_RF_NEED_RESCHED | KPE_RF_PREEMPT_RESCHED)) {
	case KPE_RF_NEED_RESCHED | KPE_RF_PREEMPT_RESCHED:
		f[1] = 'N';
		break;
	case KPE_RF_NEED_RESCHED:
		f[1] = 'n';
		break;
	case KPE_RF_PREEMPT_RESCHED:
		f[1] = 'p';
		break;
	}
	/* PREEMPT_RT: need-resched-lazy after need-resched */
	if (KPC_PREEMPT_LAZY && (rec->flags & KPE_RF_NEED_RESCHED_LAZY))
		f[2] = 'L';
	f += KPC_PREEMPT_LAZY;
	f[2] = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' :
	       soft ? 's' : '.';
	if (rec->preempt & 0xf)
		f[3] = hex_asc[rec->preempt & 0xf];
	/* PREEMPT_RT: the lazy preempt depth after the preempt depth */
	if (KPC_PREEMPT_LAZY && rec->lazy)
		f[4] = hex_asc[rec->lazy & 0xf];
	f += KPC_PREEMPT_LAZY;
	if (rec->preempt & 0xf0)
		f[4] = hex_asc[rec->preempt >> 4];
	f[5] = '\0';
	/* ns2usecs() rounds */
	ts += 500;
	do_div(ts, NSEC_PER_USEC);
	usec = do_div(ts, USEC_PER_SEC);
	kpe_printf(o, "%16.16s-%-7u [%03d] %s %5llu.%06u: ", rec->comm, rec->pid, cpu, flags,
		   ts, usec);
}

/* A whole line, the record's event found by id (kpe_lock held) */
static void kpe_print_record(struct kpe_out *o, const struct kpe_rec *rec, int cpu, u64 ts)
{
	lockdep_assert_held(&kpe_lock);
	kpe_print_context(o, rec, cpu, ts);
	kpe_print_event(o, rec, kpe_probe_by_id(rec->id));
}

/* ---- handlers ---- */

/* tracing_gen_ctx_irq_test() */
static u8 kpe_context_flags(void)
{
	unsigned int pc = preempt_count();
	u8 f = 0;

	if (irqs_disabled())
		f |= KPE_RF_IRQS_OFF;
	if (softirq_count() >> (SOFTIRQ_SHIFT + 1))
		f |= KPE_RF_BH_OFF;
	if (tif_need_resched())
		f |= KPE_RF_NEED_RESCHED;
	if (test_preempt_need_resched())
		f |= KPE_RF_PREEMPT_RESCHED;
	if (pc & NMI_MASK)
		f |= KPE_RF_NMI;
	if (pc & HARDIRQ_MASK)
		f |= KPE_RF_HARDIRQ;
	if (pc & SOFTIRQ_OFFSET)
		f |= KPE_RF_SOFTIRQ;
	if (kpc_need_resched_lazy())
		f |= KPE_RF_NEED_RESCHED_LAZY;
	return f;
}

/*
 * The preempt depth (at most 15) and migrate-disable depth (at most 15,
 * << 4), less the one the probe's own preempt_disable() adds on a
 * preemptible kernel, as trace_event_buffer_reserve() does for the
 * kernel's kprobe events (tracing_gen_ctx_dec())
 */
static u8 kpe_context_depth(void)
{
	u8 d = min_t(unsigned int, preempt_count() & 0xff, 0xf) |
	       min(kpc_migration_disabled(), 0xfU) << 4;

	return IS_ENABLED(CONFIG_PREEMPTION) && (d & 0xf) ? d - 1 : d;
}

/*
 * printk_deferred(): the record goes to the log buffer and the console is
 * written later, from irq_work, as the scheduler's own messages are; a
 * probe may sit where driving the console would deadlock (under a
 * runqueue lock). Its _printk_deferred() is not exported; vprintk_emit()
 * at LOGLEVEL_SCHED is what it does.
 */
static __printf(1, 2) void kpe_printk_deferred(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprintk_emit(0, LOGLEVEL_SCHED, NULL, fmt, args);
	va_end(args);
}

/* events= lines: KPE_PRINTK_BURST per window, the rest counted */
static void kpe_printk(struct kpe_event *ev, struct kpe_scratch *s,
		       const struct kpe_rec *rec, const struct kpe_probe *pr)
{
	unsigned long now = jiffies, start = READ_ONCE(ev->printk_window);
	struct kpe_out o = { .buf = s->text, .size = sizeof(s->text) };
	int held;

	if (time_after(now, start + KPE_PRINTK_WINDOW) &&
	    cmpxchg(&ev->printk_window, start, now) == start) {
		atomic_set(&ev->printk_lines, 0);
		held = atomic_xchg(&ev->printk_held, 0);
		if (held)
			kpe_printk_deferred(KERN_INFO pr_fmt("%s: %d hits not printed (rate limit)\n"),
					    ev->name, held);
	}
	if (atomic_inc_return(&ev->printk_lines) > KPE_PRINTK_BURST) {
		atomic_inc(&ev->printk_held);
		atomic64_inc(&ev->printk_dropped);
		return;
	}
	kpe_printf(&o, "%s-%u [%03d] ", rec->comm, rec->pid, smp_processor_id());
	kpe_print_event(&o, rec, pr);
	kpe_printk_deferred(KERN_INFO pr_fmt("%s"), s->text);
}

/*
 * kpe_trace_hit() - record one hit of an enabled event (its handler)
 * @pr: the probe
 * @regs: the handler's registers
 * @edata: a return event's entry-saved arguments, or NULL
 * @latency_ns: a return event's entry-to-return time
 */
void kpe_trace_hit(const struct kpe_probe *pr, struct pt_regs *regs,
		   const unsigned long *edata, u64 latency_ns)
{
	struct kpe_event *ev = pr->ev;
	struct kpe_scratch *s;
	struct kpe_hist *h;
	struct kpe_rec *rec;

	if (ev->kind == 'r') {
		unsigned int gen = READ_ONCE(ev->hist_gen);

		h = this_cpu_ptr(ev->hist);
		if (h->gen != gen) {
			memset(h, 0, sizeof(*h));
			h->gen = gen;
		}
		if (!h->count || latency_ns < h->min_ns)
			h->min_ns = latency_ns;
		h->max_ns = max(h->max_ns, latency_ns);
		h->sum_ns += latency_ns;
		h->bucket[kpc_hist_bucket(latency_ns)]++;
		h->count++;
	}
	s = this_cpu_ptr(kpe_scratch);
	if (s->busy++) {
		/* a hit inside a hit of this CPU (an NMI): the scratch is in use */
		this_cpu_inc(kpe_nested);
		goto out;
	}
	rec = (struct kpe_rec *)s->rec;
	rec->id = pr->id;
	rec->pid = current->pid;
	rec->flags = kpe_context_flags();
	rec->preempt = kpe_context_depth();
	rec->lazy = kpc_preempt_lazy_count();
	memcpy(rec->comm, current->comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = '\0';
	rec->ip = kpc_addr(pr->p);
	rec->ret_ip = ev->kind == 'r' ? instruction_pointer(regs) : 0;
	rec->len = kpe_fetch_args(pr, regs, edata, rec, KPE_REC_MAX - sizeof(*rec));
	if (ring_buffer_write(kpe_buffer, sizeof(*rec) + rec->len, rec))
		this_cpu_inc(kpe_nested);
	if (ev->printk)
		kpe_printk(ev, s, rec, pr);
out:
	s->busy--;
}

/* ---- trace: every record, oldest first, not consumed ---- */

struct kpe_trace_iter {
	struct ring_buffer_iter **iter;	/* per possible CPU, NULL if none */
	loff_t pos;			/* of the record in rec */
	int cpu;			/* rec's, -1 when at the end */
	u64 ts;
	unsigned int len;		/* bytes of rec the buffer held */
	bool lost;			/* the reader fell behind the writer */
	char text[KPE_TEXT_MAX];
	u8 rec[KPE_REC_MAX];
};

/* Copy the oldest record of all CPUs into it->rec; -1 when none */
static int kpe_iter_peek(struct kpe_trace_iter *it)
{
	struct ring_buffer_event *event;
	u64 ts, best = U64_MAX;
	int cpu;

	it->cpu = -1;
	for_each_possible_cpu(cpu) {
		if (!it->iter[cpu])
			continue;
		event = ring_buffer_iter_peek(it->iter[cpu], &ts);
		if (event && ts < best) {
			best = ts;
			it->cpu = cpu;
		}
	}
	if (it->cpu < 0)
		return -1;
	event = ring_buffer_iter_peek(it->iter[it->cpu], &it->ts);
	if (!event) {
		it->cpu = -1;
		return -1;
	}
	it->len = min_t(unsigned int, ring_buffer_event_length(event), KPE_REC_MAX);
	memcpy(it->rec, ring_buffer_event_data(event), it->len);
	it->lost = ring_buffer_iter_dropped(it->iter[it->cpu]);
	return 0;
}

static void kpe_iter_advance(struct kpe_trace_iter *it)
{
	if (it->cpu >= 0)
		ring_buffer_iter_advance(it->iter[it->cpu]);
	it->pos++;
	kpe_iter_peek(it);
}

/* Back to the oldest record, for a reader that seeks backwards */
static void kpe_iter_rewind(struct kpe_trace_iter *it)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (it->iter[cpu])
			ring_buffer_iter_reset(it->iter[cpu]);
	it->pos = 0;
	kpe_iter_peek(it);
}

static void *kpe_trace_start(struct seq_file *m, loff_t *pos)
{
	struct kpe_trace_iter *it = m->private;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	/* the header is position 0, record n is position n + 1 */
	if (*pos - 1 < it->pos)
		kpe_iter_rewind(it);
	while (it->pos < *pos - 1 && it->cpu >= 0)
		kpe_iter_advance(it);
	return it->pos == *pos - 1 && it->cpu >= 0 ? it : NULL;
}

static void *kpe_trace_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kpe_trace_iter *it = m->private;

	if (v != SEQ_START_TOKEN)
		kpe_iter_advance(it);
	++*pos;
	return it->cpu >= 0 ? it : NULL;
}

static void kpe_trace_stop(struct seq_file *m, void *v)
{
}

static void kpe_trace_header(struct seq_file *m)
{
	unsigned long entries = ring_buffer_entries(kpe_buffer);
	unsigned long overruns = ring_buffer_overruns(kpe_buffer);
	unsigned long nested = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		nested += per_cpu(kpe_nested, cpu);
	seq_puts(m, "# tracer: nop\n#\n");
	seq_printf(m, "# entries-in-buffer/entries-written: %lu/%lu   #P:%u\n",
		   entries, entries + overruns, num_online_cpus());
	if (nested)
		seq_printf(m, "# not recorded (a hit inside a hit, or the buffer refused): %lu\n",
			   nested);
	if (KPC_PREEMPT_LAZY) {
		seq_puts(m,
			 "#\n"
			 "#                                _-------=> irqs-off/BH-disabled\n"
			 "#                               / _------=> need-resched\n"
			 "#                              | / _-----=> need-resched-lazy\n"
			 "#                              || / _----=> hardirq/softirq\n"
			 "#                              ||| / _---=> preempt-depth\n"
			 "#                              |||| / _--=> preempt-lazy-depth\n"
			 "#                              ||||| / _-=> migrate-disable\n"
			 "#                              |||||| /     delay\n"
			 "#           TASK-PID     CPU#  |||||||  TIMESTAMP  FUNCTION\n"
			 "#              | |         |   |||||||     |         |\n");
		return;
	}
	seq_puts(m,
		 "#\n"
		 "#                                _-----=> irqs-off/BH-disabled\n"
		 "#                               / _----=> need-resched\n"
		 "#                              | / _---=> hardirq/softirq\n"
		 "#                              || / _--=> preempt-depth\n"
		 "#                              ||| / _-=> migrate-disable\n"
		 "#                              |||| /     delay\n"
		 "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
		 "#              | |         |   |||||     |         |\n");
}

static int kpe_trace_show(struct seq_file *m, void *v)
{
	struct kpe_trace_iter *it = m->private;
	struct kpe_out o = { .buf = it->text, .size = sizeof(it->text) };
	const struct kpe_rec *rec = (const struct kpe_rec *)it->rec;

	if (v == SEQ_START_TOKEN) {
		kpe_trace_header(m);
		return 0;
	}
	if (it->lost)
		kpe_printf(&o, "CPU:%d [LOST EVENTS]\n", it->cpu);
	mutex_lock(&kpe_lock);
	if (it->len < sizeof(*rec) + rec->len)
		kpe_printf(&o, "CPU:%d [a record of %u bytes, too short]\n", it->cpu, it->len);
	else
		kpe_print_record(&o, rec, it->cpu, it->ts);
	mutex_unlock(&kpe_lock);
	seq_write(m, o.buf, o.len);
	return 0;
}

static const struct seq_operations kpe_trace_sops = {
	.start = kpe_trace_start,
	.next = kpe_trace_next,
	.stop = kpe_trace_stop,
	.show = kpe_trace_show,
};

static void kpe_trace_iter_free(struct kpe_trace_iter *it)
{
	int cpu;

	if (it->iter)
		for_each_possible_cpu(cpu)
			if (it->iter[cpu])
				ring_buffer_read_finish(it->iter[cpu]);
	kfree(it->iter);
}

static int kpe_trace_open(struct inode *inode, struct file *file)
{
	struct kpe_trace_iter *it;
	int cpu;

	if ((file->f_mode & FMODE_WRITE) && (file->f_flags & O_TRUNC)) {
		ring_buffer_reset(kpe_buffer);
		for_each_possible_cpu(cpu)
			per_cpu(kpe_nested, cpu) = 0;
	}
	if (!(file->f_mode & FMODE_READ))
		return 0;
	it = __seq_open_private(file, &kpe_trace_sops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->iter = kcalloc(nr_cpu_ids, sizeof(*it->iter), GFP_KERNEL);
	if (!it->iter)
		goto nomem;
	/* NULL for a CPU the buffer has no part for */
	for_each_possible_cpu(cpu)
		it->iter[cpu] = ring_buffer_read_start(kpe_buffer, cpu, GFP_KERNEL);
	kpe_iter_peek(it);
	return 0;
nomem:
	seq_release_private(inode, file);
	return -ENOMEM;
}

static int kpe_trace_release(struct inode *inode, struct file *file)
{
	if (!(file->f_mode & FMODE_READ))
		return 0;
	kpe_trace_iter_free(((struct seq_file *)file->private_data)->private);
	return seq_release_private(inode, file);
}

/* Writing is how "echo > trace" clears it: the opening did that */
static ssize_t kpe_trace_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	return count;
}

/* tracing_lseek(): a file opened only to write has no seq_file */
static loff_t kpe_trace_lseek(struct file *file, loff_t offset, int whence)
{
	if (file->f_mode & FMODE_READ)
		return seq_lseek(file, offset, whence);
	file->f_pos = 0;
	return 0;
}

static const struct file_operations kpe_trace_fops = {
	.owner = THIS_MODULE,
	.open = kpe_trace_open,
	.read = seq_read,
	.write = kpe_trace_write,
	.llseek = kpe_trace_lseek,
	.release = kpe_trace_release,
};

/* ---- trace_pipe: consumed as read ---- */

struct kpe_pipe {
	struct mutex lock;		/* readers of this open file */
	char text[KPE_TEXT_MAX + 64];
	size_t len, pos;
};

/* Consume the oldest record into p->text; false when the buffer is empty */
static bool kpe_pipe_fill(struct kpe_pipe *p)
{
	struct kpe_out o = { .buf = p->text, .size = sizeof(p->text) };
	struct ring_buffer_event *event;
	const struct kpe_rec *rec;
	unsigned long lost = 0;
	u64 ts, best = U64_MAX;
	int cpu, first = -1;

	for_each_possible_cpu(cpu) {
		event = ring_buffer_peek(kpe_buffer, cpu, &ts, NULL);
		if (event && ts < best) {
			best = ts;
			first = cpu;
		}
	}
	if (first < 0)
		return false;
	event = ring_buffer_consume(kpe_buffer, first, &ts, &lost);
	if (!event)
		return false;
	if (lost)
		kpe_printf(&o, "CPU:%d [LOST %lu EVENTS]\n", first, lost);
	rec = ring_buffer_event_data(event);
	mutex_lock(&kpe_lock);
	if (ring_buffer_event_length(event) < sizeof(*rec) + rec->len)
		kpe_printf(&o, "CPU:%d [a record of %u bytes, too short]\n", first,
			   ring_buffer_event_length(event));
	else
		kpe_print_record(&o, rec, first, ts);
	mutex_unlock(&kpe_lock);
	p->len = o.len;
	p->pos = 0;
	return true;
}

static int kpe_pipe_open(struct inode *inode, struct file *file)
{
	struct kpe_pipe *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	mutex_init(&p->lock);
	file->private_data = p;
	return stream_open(inode, file);
}

static int kpe_pipe_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/*
 * Blocks while the buffer is empty and nothing was read yet, as
 * tracing_read_pipe(); returns what it has once the buffer is empty.
 * Waiting is a poll every 50 ms: a wake-up from the handlers would need
 * an irq_work per hit, and ring_buffer_wait() is not exported.
 */
static ssize_t kpe_pipe_read_locked(struct file *file, struct kpe_pipe *p,
				    char __user *ubuf, size_t count)
{
	size_t done = 0, n;
	bool more;

	while (done < count) {
		if (p->pos == p->len) {
			mutex_lock(&kpe_pipe_lock);
			more = kpe_pipe_fill(p);
			mutex_unlock(&kpe_pipe_lock);
			if (!more) {
				if (done)
					break;
				if (file->f_flags & O_NONBLOCK)
					return -EAGAIN;
				if (schedule_timeout_interruptible(HZ / 20) ||
				    signal_pending(current))
					return -ERESTARTSYS;
				continue;
			}
		}
		n = min(count - done, p->len - p->pos);
		if (copy_to_user(ubuf + done, p->text + p->pos, n))
			return done ? done : -EFAULT;
		p->pos += n;
		done += n;
	}
	return done;
}

static ssize_t kpe_pipe_read(struct file *file, char __user *ubuf, size_t count,
			     loff_t *ppos)
{
	struct kpe_pipe *p = file->private_data;
	ssize_t ret;

	if (mutex_lock_interruptible(&p->lock))
		return -ERESTARTSYS;
	ret = kpe_pipe_read_locked(file, p, ubuf, count);
	mutex_unlock(&p->lock);
	return ret;
}

static const struct file_operations kpe_pipe_fops = {
	.owner = THIS_MODULE,
	.open = kpe_pipe_open,
	.read = kpe_pipe_read,
	.llseek = noop_llseek,
	.release = kpe_pipe_release,
};

/* ---- hist ---- */

/* 2^@e as bpftrace writes it: 512, 1K, 2K, ..., 1M, ..., 16E */
static void kpe_pow2(char *buf, size_t size, unsigned int e)
{
	static const char * const suffix[] = { "", "K", "M", "G", "T", "P", "E" };
	unsigned int k = min(e / 10, 6U);

	snprintf(buf, size, "%u%s", 1U << (e - 10 * k), suffix[k]);
}

/* The event's histogram, summed over CPUs of the current generation */
static void kpe_hist_sum(const struct kpe_event *ev, struct kpe_hist *sum)
{
	unsigned int gen = READ_ONCE(ev->hist_gen), i;
	const struct kpe_hist *h;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		h = per_cpu_ptr(ev->hist, cpu);
		if (READ_ONCE(h->gen) != gen || !READ_ONCE(h->count))
			continue;
		if (!sum->count || h->min_ns < sum->min_ns)
			sum->min_ns = h->min_ns;
		sum->max_ns = max(sum->max_ns, h->max_ns);
		sum->sum_ns += h->sum_ns;
		sum->count += h->count;
		for (i = 0; i < KPC_HIST_BUCKETS; i++)
			sum->bucket[i] += h->bucket[i];
	}
}

/* One line to the seq_file, or to the kernel log when @m is NULL */
static __printf(2, 3) void kpe_out(struct seq_file *m, const char *fmt, ...)
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

static void kpe_hist_print(struct seq_file *m, const struct kpe_event *ev)
{
	char lo[16], hi[16], range[40], bar[KPE_BAR_WIDTH + 1];
	int i, first = -1, last = -1;
	struct kpe_hist *h;
	unsigned int n;
	u64 most = 0;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return;
	kpe_hist_sum(ev, h);
	kpe_out(m, "%s/%s latency in ns: count %llu, min %llu, mean %llu, max %llu\n",
		ev->group->name, ev->name, h->count, h->min_ns,
		h->count ? div64_u64(h->sum_ns, h->count) : 0, h->max_ns);
	for (i = 0; i < KPC_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		most = max(most, h->bucket[i]);
	}
	for (i = first; first >= 0 && i <= last; i++) {
		n = div64_u64(h->bucket[i] * KPE_BAR_WIDTH, most);
		if (i)
			kpe_pow2(lo, sizeof(lo), i);
		else
			strscpy(lo, "0", sizeof(lo));
		kpe_pow2(hi, sizeof(hi), i + 1);
		snprintf(range, sizeof(range), "[%s, %s)", lo, hi);
		memset(bar, '@', n);
		memset(bar + n, ' ', KPE_BAR_WIDTH - n);
		bar[KPE_BAR_WIDTH] = '\0';
		kpe_out(m, "%-16s%8llu |%s|\n", range, h->bucket[i], bar);
	}
	kfree(h);
}

static int kpe_hist_show(struct seq_file *m, void *v)
{
	kpe_hist_print(m, m->private);
	return 0;
}

static int kpe_hist_open(struct inode *inode, struct file *file)
{
	return single_open(file, kpe_hist_show, inode->i_private);
}

static ssize_t kpe_hist_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct kpe_event *ev = ((struct seq_file *)file->private_data)->private;
	unsigned long val;
	int err;

	err = kstrtoul_from_user(ubuf, count, 10, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;
	/* each CPU's slot restarts at its next return; readers skip old ones */
	WRITE_ONCE(ev->hist_gen, ev->hist_gen + 1);
	return count;
}

static const struct file_operations kpe_hist_fops = {
	.owner = THIS_MODULE,
	.open = kpe_hist_open,
	.read = seq_read,
	.write = kpe_hist_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static struct dentry *kpe_hist_top;

/* hist/, beside kprobe_events */
void kpe_hist_dir(struct dentry *dir)
{
	kpe_hist_top = debugfs_create_dir("hist", dir);
}

/*
 * A return event's histogram: events/GRP/EVENT/hist, where tracefs keeps
 * an event's, and hist/EVENT linking to it. Event names are unique within
 * a group only: the link of a second EVENT in another group is
 * hist/GRP:EVENT.
 */
void kpe_hist_files(struct kpe_event *ev)
{
	char name[2 * KPE_NAME_MAX], target[2 * KPE_NAME_MAX + 24];

	if (ev->kind != 'r')
		return;
	debugfs_create_file("hist", 0600, ev->dir, ev, &kpe_hist_fops);
	snprintf(target, sizeof(target), "../events/%s/%s/hist", ev->group->name, ev->name);
	ev->hist_link = debugfs_lookup(ev->name, kpe_hist_top);
	if (ev->hist_link) {
		dput(ev->hist_link);
		snprintf(name, sizeof(name), "%s:%s", ev->group->name, ev->name);
	} else {
		strscpy(name, ev->name, sizeof(name));
	}
	ev->hist_link = debugfs_create_symlink(name, kpe_hist_top, target);
}

/*
 * At the removal of an events= event: what dmesg did not show, and a
 * return event's histogram
 */
void kpe_trace_print_summary(const struct kpe_event *ev)
{
	s64 dropped = atomic64_read(&ev->printk_dropped);

	/* events defined in kprobe_events have their hist file instead */
	if (!ev->printk)
		return;
	if (dropped)
		pr_info("%s/%s: %lld hits not printed (rate limit: %d lines every %d s)\n",
			ev->group->name, ev->name, dropped, KPE_PRINTK_BURST,
			KPE_PRINTK_WINDOW / HZ);
	if (ev->kind == 'r')
		kpe_hist_print(NULL, ev);
}

/* The buffer, before any event can write to it */
int kpe_trace_init(void)
{
	if (!trace_buffer_kb || trace_buffer_kb > 65536) {
		pr_err("trace_buffer_kb=%u: from 1 to 65536\n", trace_buffer_kb);
		return -EINVAL;
	}
	kpe_scratch = alloc_percpu(struct kpe_scratch);
	if (!kpe_scratch)
		return -ENOMEM;
	kpe_buffer = ring_buffer_alloc(trace_buffer_kb * 1024UL, RB_FL_OVERWRITE);
	if (!kpe_buffer) {
		free_percpu(kpe_scratch);
		return -ENOMEM;
	}
	return 0;
}

void kpe_trace_files(struct dentry *dir)
{
	debugfs_create_file("trace", 0600, dir, NULL, &kpe_trace_fops);
	debugfs_create_file("trace_pipe", 0400, dir, NULL, &kpe_pipe_fops);
}

/* After every event is gone: no handler writes any more */
void kpe_trace_exit(void)
{
	ring_buffer_free(kpe_buffer);
	free_percpu(kpe_scratch);
}

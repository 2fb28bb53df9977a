/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe_events front end: tracefs' files under
 * /sys/kernel/debug/kprobe_core/, whose events are registry clients
 * (owner "events"). events.c keeps the definitions and files,
 * events_parse.c reads the grammar, events_syms.c counts symbols,
 * events_fetch.c reads an event's arguments in its handler,
 * events_trace.c keeps and prints the records (trace, trace_pipe, hist,
 * dmesg).
 */
#ifndef _KPC_EVENTS_H
#define _KPC_EVENTS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <kprobe_core.h>
#include "events_parse.h"

struct dentry;
struct seq_buf;
struct kpe_enable_file;

struct kpe_group {
	struct list_head node;		/* kpe_groups */
	char name[KPE_NAME_MAX];
	struct dentry *dir;
	unsigned int nevents;
	struct kpe_enable_file *enable;
};

/*
 * A return event's latency histogram, per CPU. Clearing bumps the event's
 * generation; a CPU's slot counts from zero again at its next return and
 * readers skip slots of an older generation, so no handler is raced.
 */
struct kpe_hist {
	unsigned int gen;
	u64 count, sum_ns, min_ns, max_ns;
	u64 bucket[KPC_HIST_BUCKETS];
};

struct kpe_event {
	struct list_head node;		/* kpe_events, in definition order */
	struct kpe_group *group;
	char name[KPE_NAME_MAX];
	char kind;			/* 'p' or 'r' */
	bool enabled;
	bool printk;			/* each hit to dmesg (events= at load) */
	struct list_head probes;	/* one per place: a multiprobe event has more */
	struct dentry *dir;
	struct kpe_enable_file *enable;
	struct kpe_hist __percpu *hist;	/* return events */
	unsigned int hist_gen;
	struct dentry *hist_link;	/* hist/EVENT, a symlink to it */
	/* dmesg lines: at most KPE_PRINTK_BURST a window, the rest counted */
	unsigned long printk_window;
	atomic_t printk_lines;
	atomic_t printk_held;		/* not printed in this window */
	atomic64_t printk_dropped;	/* not printed in all */
};

struct kpe_probe {
	struct list_head node;		/* event->probes */
	struct kpe_event *ev;
	struct kpc_probe *p;
	char symbol[KPE_SYM_MAX];	/* "[MOD:]SYM", "" for an address */
	unsigned long offset;
	unsigned long addr;		/* the address given */
	unsigned int maxactive;
	unsigned int nargs;
	struct kpe_arg *args;
	unsigned int size;		/* bytes the arguments' fixed part takes */
	unsigned int nedata;		/* $argN of a return event, saved at entry */
	u32 id;				/* names the probe in its records */
};

/*
 * One record in the ring buffer: who, where, and the arguments' fixed part
 * (kpe_arg.offset) followed by the strings it points at. A string field
 * is a u32, length << 16 | offset from data[]; length 0 is a fault.
 */
struct kpe_rec {
	u32 id;				/* kpe_probe.id */
	u32 pid;
	u16 len;			/* bytes of data[] */
	u8 flags;			/* KPE_RF_* */
	u8 preempt;			/* preempt depth, migrate-disable << 4 */
	u8 lazy;			/* PREEMPT_RT's lazy preempt depth */
	char comm[TASK_COMM_LEN];
	unsigned long ip;		/* p: the probed address; r: the function */
	unsigned long ret_ip;		/* r: where it returned to */
	unsigned long faults[BITS_TO_LONGS(KPE_MAX_ARGS)];	/* unreadable args */
	u8 data[];
};

/* The context of a hit, as ftrace's TRACE_FLAG_* */
#define KPE_RF_IRQS_OFF		0x01
#define KPE_RF_NEED_RESCHED	0x02
#define KPE_RF_PREEMPT_RESCHED	0x04
#define KPE_RF_HARDIRQ		0x08
#define KPE_RF_SOFTIRQ		0x10
#define KPE_RF_NMI		0x20
#define KPE_RF_BH_OFF		0x40
#define KPE_RF_NEED_RESCHED_LAZY 0x80

/*
 * A record's most bytes: what one ring buffer page holds, less its
 * headers (the kernel's BUF_MAX_DATA_SIZE is 4056 with 4 KiB pages).
 */
#define KPE_REC_MAX		4000

/* events.c: kpe_lock guards the event lists; readers of records take it */
extern struct mutex kpe_lock;
struct kpe_probe *kpe_probe_by_id(u32 id);

int kpe_init(struct dentry *dir);
/* Remove every event (their summaries go to dmesg), then the files. */
void kpe_exit(void);

/* events_fetch.c */
unsigned int kpe_fetch_args(const struct kpe_probe *pr, struct pt_regs *regs,
			    const unsigned long *edata, struct kpe_rec *rec,
			    unsigned int room);
void kpe_fetch_edata(const struct kpe_probe *pr, struct pt_regs *regs,
		     unsigned long *edata);
int kpe_fetch_prepare(struct kpe_probe *pr);

/* events_trace.c */
int kpe_trace_init(void);
void kpe_trace_files(struct dentry *dir);
void kpe_trace_exit(void);
void kpe_trace_hit(const struct kpe_probe *pr, struct pt_regs *regs,
		   const unsigned long *edata, u64 latency_ns);
void kpe_trace_print_summary(const struct kpe_event *ev);
void kpe_hist_files(struct kpe_event *ev);
void kpe_hist_dir(struct dentry *dir);

int kpe_syms_init(void);
void kpe_syms_exit(void);
void kpe_syms_refresh(void);
unsigned int kpe_symbol_count(void *ctx, const char *name);

#endif /* _KPC_EVENTS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe_events front end: tracefs' files under
 * /sys/kernel/debug/kprobe_core/, whose events are registry clients
 * (owner "events"). events.c keeps the definitions and files,
 * events_parse.c reads the grammar, events_syms.c counts symbols.
 */
#ifndef _KPC_EVENTS_H
#define _KPC_EVENTS_H

struct dentry;

int kpe_init(struct dentry *dir);
/* Remove every event (their summaries go to dmesg), then the files. */
void kpe_exit(void);

int kpe_syms_init(void);
void kpe_syms_exit(void);
void kpe_syms_refresh(void);
unsigned int kpe_symbol_count(void *ctx, const char *name);

#endif /* _KPC_EVENTS_H */

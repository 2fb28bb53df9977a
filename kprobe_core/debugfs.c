// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kprobe_core/probes: every site and its clients; the
 * kprobe_events files beside it are events.c's.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "kpc_internal.h"
#include "events.h"

static struct dentry *kpc_dir;

static void kpc_show_client(struct seq_file *m, const struct kpc_probe *c)
{
	struct kpc_stats st;

	kpc_get_stats(c, &st);
	seq_printf(m, "    %s/%s %s hits=%llu missed=%llu", kpc_owner_name(c->owner),
		   c->name, READ_ONCE(c->enabled) ? "enabled" : "disabled",
		   st.hits, st.missed_reentry + st.missed_pool);
	if (kpc_kind_user(c->site->kind) && c->utgid)
		seq_printf(m, " filtered=%llu", st.filtered);
	if (c->site->kind == KPC_URETPROBE && c->no_latency)
		seq_printf(m, " returns=%llu lat_ns off", st.returns);
	else if (c->site->kind == KPC_URETPROBE)
		seq_printf(m, " returns=%llu lat_ns min=%llu mean=%llu max=%llu", st.returns,
			   st.lat_min_ns,
			   st.lat_count ? div64_u64(st.lat_sum_ns, st.lat_count) : 0,
			   st.lat_max_ns);
	else if (c->site->kind == KPC_KRETPROBE && c->counting)
		seq_printf(m, " returns=%llu maxactive=%d counting lat_ns off", st.returns,
			   st.maxactive);
	else if (c->site->kind == KPC_KRETPROBE && c->no_latency)
		seq_printf(m, " returns=%llu peak=%llu maxactive=%d lat_ns off", st.returns,
			   st.peak_inflight, st.maxactive);
	else if (c->site->kind == KPC_KRETPROBE)
		seq_printf(m, " returns=%llu peak=%llu maxactive=%d lat_ns min=%llu mean=%llu max=%llu",
			   st.returns, st.peak_inflight, st.maxactive,
			   st.lat_min_ns,
			   st.lat_count ? div64_u64(st.lat_sum_ns, st.lat_count) : 0,
			   st.lat_max_ns);
	seq_putc(m, '\n');
}

static int kpc_probes_show(struct seq_file *m, void *v)
{
	/*
	 * As kprobes/list does: kernel addresses only for a reader allowed to
	 * see them (CAP_SYSLOG when the file was opened), zero otherwise.
	 */
	bool show_addr = file_ns_capable(m->file, &init_user_ns, CAP_SYSLOG);
	const struct kpc_probe *c;
	struct kpc_site *site;

	mutex_lock(&kpc_lock);
	if (list_empty(&kpc_sites))
		seq_puts(m, "# no probes registered\n");
	else
		seq_puts(m, "# address kind mode where, then one line per client: owner/name state stats\n");
	list_for_each_entry(site, &kpc_sites, all_node) {
		/* a user-space site's address is a file offset, no secret */
		if (site->kind == KPC_URETPROBE)
			seq_printf(m, "0x%lx %s %s %s in_flight=%d orphan_returns=%llu\n",
				   site->addr, kpc_kind_name(site->kind), kpc_site_mode(site),
				   site->where, kpc_usite_pending(site), kpc_usite_orphans(site));
		else if (site->kind == KPC_UPROBE)
			seq_printf(m, "0x%lx %s %s %s\n", site->addr,
				   kpc_kind_name(site->kind), kpc_site_mode(site),
				   site->where);
		else
			seq_printf(m, "0x%lx %s %s %s\n", show_addr ? site->addr : 0,
				   kpc_kind_name(site->kind), kpc_site_mode(site),
				   site->where);
		list_for_each_entry(c, &site->clients, site_node)
			kpc_show_client(m, c);
	}
	mutex_unlock(&kpc_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kpc_probes);

int kpc_debugfs_init(void)
{
	kpc_dir = debugfs_create_dir("kprobe_core", NULL);
	debugfs_create_file("probes", 0400, kpc_dir, NULL, &kpc_probes_fops);
	return kpe_init(kpc_dir);
}

void kpc_debugfs_exit(void)
{
	debugfs_remove_recursive(kpc_dir);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Module init and exit, and removing the probes of a client module that
 * unloads without unregistering them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include "kpc_internal.h"
#include "events.h"

static bool kpc_owned_by(const struct kpc_probe *c, const struct module *owner,
			 bool all)
{
	return all || c->owner == owner;
}

/* Remove the probes of @owner, or every probe when @all. */
static void kpc_remove_owner(const struct module *owner, bool all)
{
	struct kpc_probe **cs, *c, *tmp;
	unsigned int n = 0, i = 0;

	mutex_lock(&kpc_lock);
	list_for_each_entry(c, &kpc_clients, all_node)
		n += kpc_owned_by(c, owner, all);
	if (!n)
		goto out;
	if (!all)
		pr_warn("module %s unloaded with %u probe(s) registered; removing them\n",
			kpc_owner_name(owner), n);
	cs = kcalloc(n, sizeof(*cs), GFP_KERNEL);
	if (cs) {
		list_for_each_entry(c, &kpc_clients, all_node)
			if (kpc_owned_by(c, owner, all))
				cs[i++] = c;
		kpc_remove_locked(cs, n);
		kfree(cs);
	} else {
		list_for_each_entry_safe(c, tmp, &kpc_clients, all_node)
			if (kpc_owned_by(c, owner, all))
				kpc_remove_locked(&c, 1);
	}
out:
	kpc_glob_forget(owner, all);
	mutex_unlock(&kpc_lock);
}

static int kpc_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	if (action == MODULE_STATE_COMING) {
		mutex_lock(&kpc_lock);
		kpc_fentry_module_coming(data);
		mutex_unlock(&kpc_lock);
		return NOTIFY_DONE;
	}
	if (action != MODULE_STATE_GOING && action != MODULE_STATE_LIVE)
		return NOTIFY_DONE;
	if (action == MODULE_STATE_GOING)
		kpc_remove_owner(data, false);
	/*
	 * ftrace-ops probes on its code that goes away (all of it, or its init
	 * sections once it is live): out of the filter.
	 */
	mutex_lock(&kpc_lock);
	kpc_fentry_module_going(data, action == MODULE_STATE_LIVE);
	mutex_unlock(&kpc_lock);
	return NOTIFY_DONE;
}

static struct notifier_block kpc_module_nb = {
	.notifier_call = kpc_module_notify,
};

static void kpc_teardown(void)
{
	/* no file is open (each holds the module): events go, then the files */
	kpe_exit();
	kpc_debugfs_exit();
	unregister_module_notifier(&kpc_module_nb);
	kpc_remove_owner(NULL, true);
	kpc_fentry_exit();
	kpc_exit_exit();
}

static int __init kpc_init(void)
{
	int err;

	err = kpc_exit_init();
	if (err)
		return err;
	err = register_module_notifier(&kpc_module_nb);
	if (err) {
		kpc_exit_exit();
		return err;
	}
	err = kpc_debugfs_init();
	if (err) {
		kpc_debugfs_exit();
		unregister_module_notifier(&kpc_module_nb);
		kpc_exit_exit();
		return err;
	}
	pr_info("ready\n");
	return 0;
}

static void __exit kpc_exit(void)
{
	kpc_teardown();
}

module_init(kpc_init);
module_exit(kpc_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(KPC_VERSION);
MODULE_DESCRIPTION("kprobe_core: shared kprobes and kretprobes with a registry keyed by address");

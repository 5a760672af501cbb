// SPDX-License-Identifier: GPL-2.0
/*
 * psh_splat: the harness's self-test of the debug flavour's splat check.
 *
 * Loading it makes one report of the kind asked for, and the module stays
 * loaded (a failed load would make busybox's modprobe try again, and a
 * second report could follow the first; every test boots afresh):
 *
 *	kind=circular	takes psh_a then psh_b, later psh_b then psh_a, one
 *			after the other on one task (no deadlock): lockdep's
 *			"WARNING: possible circular locking dependency
 *			detected" (PROVE_LOCKING)
 *	kind=sleep	might_sleep() under a spinlock (no real sleep): "BUG:
 *			sleeping function called from invalid context"
 *			(DEBUG_ATOMIC_SLEEP)
 *	kind=list	list_add() of an entry between two that do not link
 *			to each other: "list_add corruption. ..." and a
 *			WARNING (DEBUG_LIST); the add is refused
 *
 * On a kernel without the checks nothing is reported; the scenarios that
 * load it need the debug flavour (needs_flavour=debug), the only one it is
 * built for (prepare.sh).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *kind = "";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind, "circular, sleep or list");

static DEFINE_MUTEX(psh_a);
static DEFINE_MUTEX(psh_b);
static DEFINE_SPINLOCK(psh_lock);

static int __init psh_splat_init(void)
{
	if (!strcmp(kind, "circular")) {
		mutex_lock(&psh_a);
		mutex_lock(&psh_b);
		mutex_unlock(&psh_b);
		mutex_unlock(&psh_a);
		mutex_lock(&psh_b);
		mutex_lock(&psh_a);
		mutex_unlock(&psh_a);
		mutex_unlock(&psh_b);
	} else if (!strcmp(kind, "sleep")) {
		spin_lock(&psh_lock);
		might_sleep();
		spin_unlock(&psh_lock);
	} else if (!strcmp(kind, "list")) {
		LIST_HEAD(head);
		struct list_head a, b, c;

		list_add(&a, &head);
		/* b claims to be followed by a, but a->prev is head, not b */
		b.next = &a;
		b.prev = &a;
		list_add(&c, &b);
	} else {
		pr_err("kind=%s: want circular, sleep or list\n", kind);
		return -EINVAL;
	}
	pr_info("kind=%s done\n", kind);
	return 0;
}

module_init(psh_splat_init);
MODULE_DESCRIPTION("panic-shutdown harness: one lockdep, atomic-sleep or list report");
MODULE_LICENSE("GPL");

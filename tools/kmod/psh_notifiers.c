// SPDX-License-Identifier: GPL-2.0
/*
 * psh_notifiers: the harness's test module for the panic notifier lists.
 *
 * Registers one notifier on each of the four panic notifier lists of the
 * series, and optionally a kmsg dumper.  Each prints one line when it runs,
 *
 *	psh_notifiers: ran <list> (<n>)
 *
 * where <list> is hypervisor, info, pre_reboot, post_reboot or kmsg_dump and
 * <n> counts how often that callback ran, so the harness can check from the
 * console or the vmcore's dmesg which lists ran, in which order, and that
 * each ran once.
 *
 * Parameters:
 *	dumper=1	also register a kmsg dumper (panic_notifiers_level=2
 *			runs the info list before kdump only if one exists)
 *	dump_grep=S	with dumper=1: the dumper also counts the lines of
 *			the log it receives that contain S and prints
 *			"psh_notifiers: kmsg_dump holds <n> lines with 'S'",
 *			so a test sees whether a notifier's report reached
 *			the dumper once, not at all, or twice
 *	restart=1	the post-reboot notifier restarts the machine after
 *			printing, so a test of the final panic loop ends
 *	nested_panic=1	the post-reboot notifier panics again the first time
 *			it runs (and restarts the machine if it runs again);
 *			the nested panic's final loop calls the module's
 *			panic_blink, which restarts the machine, so the
 *			test ends either way
 *	late_panic_cpu=N, late_panic_ms=M
 *			a thread on CPU N disables interrupts, waits M ms
 *			and panics: a panic that no stop IPI can prevent,
 *			e.g. while another CPU's reboot waits for N to stop
 *	late_panic_on_stop=1
 *			with late_panic_cpu: CPU N disables interrupts only
 *			when a reboot reaches its shutdown kmsg_dump(), the
 *			last step before machine_restart() stops the other
 *			CPUs, and the M ms start when another CPU goes
 *			offline (that stop has begun: stopped CPUs mark
 *			themselves offline); after 30 s without one, it
 *			panics anyway and says so.  Until then CPU N runs
 *			normally, so the reboot's earlier steps (device
 *			shutdown waits for RCU grace periods) are not held
 *			up by it (nor syscore shutdown, whose steps may
 *			call every CPU).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kmsg_dump.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/string.h>

static bool dumper;
module_param(dumper, bool, 0444);
MODULE_PARM_DESC(dumper, "also register a kmsg dumper");

static bool restart;
module_param(restart, bool, 0444);
MODULE_PARM_DESC(restart, "restart the machine from the post-reboot list");

static bool nested_panic;
module_param(nested_panic, bool, 0444);
MODULE_PARM_DESC(nested_panic, "panic again from the post-reboot list");

static int late_panic_cpu = -1;
module_param(late_panic_cpu, int, 0444);
MODULE_PARM_DESC(late_panic_cpu, "CPU that panics late with interrupts off (-1: none)");

static unsigned int late_panic_ms = 300;
module_param(late_panic_ms, uint, 0444);
MODULE_PARM_DESC(late_panic_ms, "how long it spins with interrupts off first");

static bool late_panic_on_stop;
module_param(late_panic_on_stop, bool, 0444);
MODULE_PARM_DESC(late_panic_on_stop, "start the late panic's wait when another CPU goes offline");

/* With interrupts off: wait until fewer CPUs are online, 30 s at most. */
static void psh_wait_for_stop(void)
{
	unsigned int online = num_online_cpus();
	unsigned int ms;

	for (ms = 0; ms < 30000; ms++) {
		if (num_online_cpus() < online)
			return;
		mdelay(1);
	}
	pr_emerg("no CPU went offline in 30 s; panicking anyway\n");
}

static void __noreturn psh_late_panic_now(void)
{
	mdelay(late_panic_ms);
	panic("psh_notifiers: late panic on CPU %d after %u ms with interrupts off",
	      raw_smp_processor_id(), late_panic_ms);
}

static int psh_late_panic(void *unused)
{
	local_irq_disable();
	psh_late_panic_now();
}

static atomic_t psh_late_armed;

/* On late_panic_cpu, from the reboot CPU's IPI: interrupts are off. */
static void psh_late_panic_ipi(void *unused)
{
	atomic_set(&psh_late_armed, 1);
	psh_wait_for_stop();
	psh_late_panic_now();
}

/*
 * kmsg_dump(KMSG_DUMP_SHUTDOWN), on the reboot CPU right before
 * machine_restart(): send late_panic_cpu into its interrupts-off wait and
 * return once it is there, so that the reboot's stop finds it not
 * answering.
 */
static void psh_late_panic_arm(struct kmsg_dumper *dumper,
			       struct kmsg_dump_detail *detail)
{
	unsigned int ms;

	if (detail->reason != KMSG_DUMP_SHUTDOWN || atomic_read(&psh_late_armed))
		return;
	if (late_panic_cpu == raw_smp_processor_id()) {
		pr_err("late_panic_cpu=%d is the reboot CPU: not armed\n",
		       late_panic_cpu);
		return;
	}
	pr_info("reboot: CPU %d waits for the stop with interrupts off\n",
		late_panic_cpu);
	smp_call_function_single(late_panic_cpu, psh_late_panic_ipi, NULL, 0);
	for (ms = 0; ms < 1000 && !atomic_read(&psh_late_armed); ms++)
		mdelay(1);
	if (!atomic_read(&psh_late_armed))
		pr_err("CPU %d did not take the arming IPI in 1 s\n",
		       late_panic_cpu);
}

static struct kmsg_dumper psh_late_dumper = {
	.dump = psh_late_panic_arm,
	.max_reason = KMSG_DUMP_SHUTDOWN,
};

/*
 * The shutdown dumper is registered when a restart begins, not at load:
 * a registered dumper changes what a panic runs before kdump
 * (kmsg_has_dumpers()).
 */
static int psh_late_reboot(struct notifier_block *nb, unsigned long action,
			   void *unused)
{
	if (action == SYS_RESTART)
		kmsg_dump_register(&psh_late_dumper);
	return NOTIFY_DONE;
}

static struct notifier_block psh_late_reboot_nb = {
	.notifier_call = psh_late_reboot,
};

static int psh_start_late_panic(void)
{
	struct task_struct *t;

	if (late_panic_cpu < 0)
		return 0;
	if (late_panic_on_stop) {
		register_reboot_notifier(&psh_late_reboot_nb);
		pr_info("CPU %d panics %u ms after another CPU goes offline in a reboot\n",
			late_panic_cpu, late_panic_ms);
		return 0;
	}
	t = kthread_create_on_cpu(psh_late_panic, NULL, late_panic_cpu,
				  "psh_late_panic/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	pr_info("CPU %d panics %u ms from now\n", late_panic_cpu, late_panic_ms);
	wake_up_process(t);
	return 0;
}

struct psh_notifier {
	struct notifier_block nb;
	struct atomic_notifier_head *list;
	const char *name;
	atomic_t runs;
};

/*
 * The final loop of the nested panic (nested_panic=1): end the test.  The
 * loop runs with printk suppressed, so the "---[ end Kernel panic" line
 * of the nested panic is the last word of the kernel.
 */
static long psh_blink_restart(int state)
{
	emergency_restart();
	return 0;
}

static int psh_notify(struct notifier_block *nb, unsigned long event, void *msg)
{
	struct psh_notifier *p = container_of(nb, struct psh_notifier, nb);
	int runs = atomic_inc_return(&p->runs);

	pr_emerg("ran %s (%d)\n", p->name, runs);
	if (p->list != &panic_post_reboot_list)
		return NOTIFY_DONE;
	if (nested_panic && runs == 1) {
		panic_blink = psh_blink_restart;
		panic("psh_notifiers: nested panic from the post-reboot list");
	}
	if (restart || nested_panic)
		emergency_restart();
	return NOTIFY_DONE;
}

static struct psh_notifier psh_lists[] = {
	{ .list = &panic_hypervisor_list, .name = "hypervisor" },
	{ .list = &panic_info_list, .name = "info" },
	{ .list = &panic_pre_reboot_list, .name = "pre_reboot" },
	{ .list = &panic_post_reboot_list, .name = "post_reboot" },
};

static atomic_t psh_dumps;

static char *dump_grep;
module_param(dump_grep, charp, 0444);
MODULE_PARM_DESC(dump_grep, "count the dumped lines that contain this string");

/* One dump at a time: a panic runs kmsg_dump() on one CPU. */
static char psh_dump_line[1024];

static void psh_dump_count(const char *what)
{
	struct kmsg_dump_iter iter;
	unsigned int n = 0;
	size_t len;

	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, false, psh_dump_line,
				  sizeof(psh_dump_line) - 1, &len)) {
		psh_dump_line[len] = '\0';
		if (strstr(psh_dump_line, what))
			n++;
	}
	pr_emerg("kmsg_dump holds %u lines with '%s'\n", n, what);
}

static void psh_dump(struct kmsg_dumper *dumper, struct kmsg_dump_detail *detail)
{
	if (detail->reason != KMSG_DUMP_PANIC)
		return;
	pr_emerg("ran kmsg_dump (%d)\n", atomic_inc_return(&psh_dumps));
	if (dump_grep && *dump_grep)
		psh_dump_count(dump_grep);
}

static struct kmsg_dumper psh_dumper = {
	.dump = psh_dump,
	.max_reason = KMSG_DUMP_PANIC,
};

static void psh_unregister(void)
{
	int i;

	if (dumper)
		kmsg_dump_unregister(&psh_dumper);
	for (i = 0; i < ARRAY_SIZE(psh_lists); i++)
		atomic_notifier_chain_unregister(psh_lists[i].list, &psh_lists[i].nb);
}

static int __init psh_notifiers_init(void)
{
	int i, ret;

	if (late_panic_cpu >= (int)nr_cpu_ids ||
	    (late_panic_cpu >= 0 && !cpu_online(late_panic_cpu))) {
		pr_err("late_panic_cpu=%d is not an online CPU\n", late_panic_cpu);
		return -EINVAL;
	}

	for (i = 0; i < ARRAY_SIZE(psh_lists); i++) {
		psh_lists[i].nb.notifier_call = psh_notify;
		atomic_notifier_chain_register(psh_lists[i].list, &psh_lists[i].nb);
	}
	if (dumper) {
		ret = kmsg_dump_register(&psh_dumper);
		if (ret) {
			while (i--)
				atomic_notifier_chain_unregister(psh_lists[i].list,
								 &psh_lists[i].nb);
			return ret;
		}
	}
	pr_info("registered on 4 panic notifier lists%s\n",
		dumper ? " and as a kmsg dumper" : "");
	ret = psh_start_late_panic();
	if (ret)
		psh_unregister();
	return ret;
}

static void __exit psh_notifiers_exit(void)
{
	if (late_panic_cpu >= 0 && late_panic_on_stop) {
		unregister_reboot_notifier(&psh_late_reboot_nb);
		kmsg_dump_unregister(&psh_late_dumper);
	}
	psh_unregister();
}

module_init(psh_notifiers_init);
module_exit(psh_notifiers_exit);
MODULE_DESCRIPTION("panic-shutdown harness: one notifier on each panic list");
MODULE_LICENSE("GPL");

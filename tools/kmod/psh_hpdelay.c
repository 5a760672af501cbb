// SPDX-License-Identifier: GPL-2.0
/*
 * psh_hpdelay: the harness's test module for CPU hotplug during kexec.
 *
 * Holds every CPU that comes online after the module is loaded in an
 * online callback (CPUHP_AP_ONLINE_DYN, on that CPU) for delay_ms, so a
 * test can act while a CPU is on its way up, e.g. while powerpc's kexec
 * wakes offline threads.  Prints, for each CPU,
 *
 *	psh_hpdelay: holding CPU <n> for <m> ms
 *
 * Parameters:
 *	delay_ms=M	how long each CPU is held (default 300)
 *	offline_again=1	the first CPU that comes up is taken offline again
 *			by a kthread that calls remove_cpu() for it while it
 *			is still held, so the kthread waits for
 *			device_hotplug_lock while the CPU's bring-up holds
 *			it, and is that lock's first waiter when the
 *			bring-up ends: a CPU hotplug operation that lands
 *			deterministically between two bring-ups of a
 *			wake-up loop, as an "off" written to SMT control or
 *			a DLPAR remove can.  Prints
 *			"psh_hpdelay: CPU <n> came up; taking it offline
 *			again" and then "psh_hpdelay: remove_cpu(<n>)
 *			returned <err>".
 *
 * Built for every kernel (no API of the series): base and series alike.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>

static unsigned int delay_ms = 300;
module_param(delay_ms, uint, 0444);
MODULE_PARM_DESC(delay_ms, "how long each CPU coming online is held, in ms");

static bool offline_again;
module_param(offline_again, bool, 0444);
MODULE_PARM_DESC(offline_again, "take the first CPU that comes up offline again");

static int state;
static atomic_t armed = ATOMIC_INIT(1);

static int psh_hpdelay_remove(void *data)
{
	unsigned int cpu = (unsigned long)data;

	pr_info("remove_cpu(%u) returned %d\n", cpu, remove_cpu(cpu));
	return 0;
}

static int psh_hpdelay_online(unsigned int cpu)
{
	struct task_struct *t;

	if (offline_again && atomic_xchg(&armed, 0)) {
		pr_info("CPU %u came up; taking it offline again\n", cpu);
		t = kthread_run(psh_hpdelay_remove, (void *)(unsigned long)cpu,
				"psh_hpdelay");
		if (IS_ERR(t))
			pr_err("no kthread: %ld\n", PTR_ERR(t));
	}
	pr_info("holding CPU %u for %u ms\n", cpu, delay_ms);
	msleep(delay_ms);
	return 0;
}

static int __init psh_hpdelay_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "psh_hpdelay:online",
					psh_hpdelay_online, NULL);
	if (ret < 0)
		return ret;
	state = ret;
	pr_info("loaded: delay_ms=%u offline_again=%d\n", delay_ms, offline_again);
	return 0;
}

static void __exit psh_hpdelay_exit(void)
{
	cpuhp_remove_state_nocalls(state);
}

module_init(psh_hpdelay_init);
module_exit(psh_hpdelay_exit);
MODULE_DESCRIPTION("panic-shutdown harness: hold CPUs coming online");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware virtualization on every CPU, for as long as okvm is loaded.
 *
 * okvm turns virtualization on at load on every online CPU and on each CPU
 * that comes online later (a dynamic cpuhp state), and turns it off on unload,
 * CPU offline, suspend, reboot and, through the kernel's emergency callback,
 * on crash/kexec: a CPU left with virtualization on may not come back from
 * INIT. A per-CPU flag records what okvm itself turned on, so okvm never
 * turns off what another hypervisor owns and never turns anything off twice.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <asm/reboot.h>

#include <okvm/hw.h>

static DEFINE_PER_CPU(bool, okvm_virt_on);
static int okvm_cpuhp_state;

/* Set once a reboot (or kexec, halt, power-off) began; see okvm_virt_reboot(). */
bool okvm_rebooting;

/* Runs on the CPU with interrupts off. */
static int okvm_virt_enable_this_cpu(void)
{
	int r;

	if (__this_cpu_read(okvm_virt_on))
		return 0;
	r = okvm_hw->enable_cpu();
	if (!r)
		__this_cpu_write(okvm_virt_on, true);
	return r;
}

/* Runs on the CPU with interrupts off (an IPI, or a caller that disabled them). */
static void okvm_virt_disable_this_cpu(void *unused)
{
	if (!__this_cpu_read(okvm_virt_on))
		return;
	okvm_hw->disable_cpu();
	__this_cpu_write(okvm_virt_on, false);
}

static int okvm_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int r;

	if (READ_ONCE(okvm_rebooting))
		return -EBUSY;
	r = okvm_hw->prepare_cpu(cpu);
	if (r)
		return r;
	local_irq_save(flags);
	r = okvm_virt_enable_this_cpu();
	local_irq_restore(flags);
	return r;
}

static int okvm_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	okvm_virt_disable_this_cpu(NULL);
	local_irq_restore(flags);
	return 0;
}

static void okvm_virt_emergency_disable(void)
{
	if (this_cpu_read(okvm_virt_on))
		okvm_hw->emergency_disable_cpu();
}

/*
 * A reboot, kexec, halt or power-off. vCPU threads still run until the CPUs
 * stop: the flag, visible before the IPIs land, keeps them from entering
 * again, and KVM_RUN fails with -EIO from then on.
 */
static int okvm_virt_reboot(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	WRITE_ONCE(okvm_rebooting, true);
	on_each_cpu(okvm_virt_disable_this_cpu, NULL, 1);
	return NOTIFY_OK;
}

/**
 * okvm_virt_can_enter() - may a vCPU enter the guest on this CPU now?
 *
 * The run loop asks with interrupts off, right before the entry. Whatever
 * turns virtualization off on a CPU does it on that CPU with interrupts off
 * (an IPI, a hotplug or syscore callback), so it cannot happen between this
 * check and the entry; a reboot also says so before its IPIs go out.
 *
 * Return: false once a reboot began, or if virtualization is off here (a
 * resume that could not turn it back on).
 */
bool okvm_virt_can_enter(void)
{
	lockdep_assert_irqs_disabled();
	return !READ_ONCE(okvm_rebooting) && __this_cpu_read(okvm_virt_on);
}

static struct notifier_block okvm_virt_reboot_nb = {
	.notifier_call = okvm_virt_reboot,
	/* Run before other notifiers that might stop CPUs. */
	.priority = INT_MAX,
};

/* Syscore callbacks run on the last online CPU with interrupts off. */
static int okvm_virt_suspend(void *unused)
{
	okvm_virt_disable_this_cpu(NULL);
	return 0;
}

static void okvm_virt_resume(void *unused)
{
	if (okvm_virt_enable_this_cpu())
		pr_warn("could not re-enable %s on CPU %u after resume\n",
			okvm_hw->name, smp_processor_id());
}

static const struct syscore_ops okvm_virt_syscore_ops = {
	.suspend = okvm_virt_suspend,
	.resume = okvm_virt_resume,
};

static struct syscore okvm_virt_syscore = {
	.ops = &okvm_virt_syscore_ops,
};

static void okvm_virt_check_owner(void *busy)
{
	if (okvm_hw->owned_elsewhere_cpu())
		WRITE_ONCE(*(bool *)busy, true);
}

/**
 * okvm_virt_enable() - turn virtualization on everywhere, now and on hotplug
 *
 * Return: 0; -EBUSY if another hypervisor already has virtualization on
 * (checked before okvm registers anything, so it takes no shared hook that
 * the other hypervisor holds); or the error of a CPU that failed to enable.
 */
int okvm_virt_enable(void)
{
	bool busy = false;
	int r;

	okvm_rebooting = false;

	cpus_read_lock();
	on_each_cpu(okvm_virt_check_owner, &busy, 1);
	if (busy) {
		r = -EBUSY;
		goto out_unlock;
	}
	cpu_emergency_register_virt_callback(okvm_virt_emergency_disable);
	register_syscore(&okvm_virt_syscore);
	r = __cpuhp_setup_state_cpuslocked(CPUHP_AP_ONLINE_DYN, "okvm:online",
					   true, okvm_cpu_online,
					   okvm_cpu_offline, false);
	if (r < 0)
		goto out_unregister;
	okvm_cpuhp_state = r;
	cpus_read_unlock();

	register_reboot_notifier(&okvm_virt_reboot_nb);
	return 0;

out_unregister:
	unregister_syscore(&okvm_virt_syscore);
	cpu_emergency_unregister_virt_callback(okvm_virt_emergency_disable);
out_unlock:
	cpus_read_unlock();
	return r;
}

/**
 * okvm_virt_disable() - undo okvm_virt_enable() on every CPU
 */
void okvm_virt_disable(void)
{
	unregister_reboot_notifier(&okvm_virt_reboot_nb);
	__cpuhp_remove_state(okvm_cpuhp_state, true);
	unregister_syscore(&okvm_virt_syscore);
	cpu_emergency_unregister_virt_callback(okvm_virt_emergency_disable);
}

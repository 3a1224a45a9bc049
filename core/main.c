// SPDX-License-Identifier: GPL-2.0
/*
 * okvm: module load and unload.
 *
 * Load picks the hardware backend for this CPU vendor, enables virtualization
 * on every CPU and creates the device node; unload undoes it in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/moduleparam.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include <okvm/cpuid.h>
#include <okvm/dev.h>
#include <okvm/hw.h>
#include <okvm/irqfd.h>
#include <okvm/xsave.h>

static char *devname = "okvm";
module_param(devname, charp, 0444);
MODULE_PARM_DESC(devname,
		 "name of the device node under /dev (default okvm, mode 0600); kvm makes okvm a drop-in /dev/kvm with KVM's minor and mode 0660");

const struct okvm_hw_ops *okvm_hw;

static int okvm_pick_backend(void)
{
	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		return okvm_svm_init(&okvm_hw);
	default:
		if (boot_cpu_has(X86_FEATURE_VMX))
			return okvm_vmx_init(&okvm_hw);
		pr_err("no hardware virtualization: the CPU reports neither SVM nor VMX\n");
		return -ENODEV;
	}
}

static int __init okvm_init(void)
{
	int r;

	okvm_xsave_init();
	r = okvm_pick_backend();
	if (r)
		return r;
	r = okvm_cpuid_init();
	if (r)
		goto out_hw;
	r = okvm_irqfd_init();
	if (r)
		goto out_hw;

	r = okvm_virt_enable();
	if (r == -EBUSY)
		pr_err("%s is already in use by another hypervisor (%s, VirtualBox, ...): unload it (rmmod %s kvm) and load okvm again\n",
		       okvm_hw->name, okvm_hw->kvm_module, okvm_hw->kvm_module);
	if (r)
		goto out_irqfd;

	r = okvm_dev_register(devname);
	if (r == -EBUSY)
		pr_err("/dev/%s is taken: its misc minor belongs to another driver (kvm_amd or kvm_intel, maybe loaded with kvm.enable_virt_at_load=0); unload it or pick another devname\n",
		       devname);
	else if (r)
		pr_err("cannot register /dev/%s: %d\n", devname, r);
	if (r)
		goto out_virt;
	pr_info("%s backend ready, /dev/%s\n", okvm_hw->name, devname);
	return 0;

out_virt:
	okvm_virt_disable();
out_irqfd:
	okvm_irqfd_exit();
out_hw:
	okvm_hw->exit();
	return r;
}

static void __exit okvm_exit(void)
{
	okvm_dev_unregister();
	okvm_virt_disable();
	okvm_irqfd_exit();
	okvm_hw->exit();
	/* Page tables freed after a grace period call back into this module. */
	rcu_barrier();
}

module_init(okvm_init);
module_exit(okvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("okvm: a KVM-compatible x86 hypervisor");
MODULE_VERSION(OKVM_VERSION);

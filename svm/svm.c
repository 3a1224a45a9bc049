// SPDX-License-Identifier: GPL-2.0
/*
 * The SVM backend: detection at load, the I/O and MSR permission maps, and
 * the ops table core/ calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/svm.h>

#include <okvm/hw.h>
#include <okvm/spte.h>

#include "svm.h"

/*
 * Every bit set: every port and every MSR access exits. okvm emulates the
 * MSRs it knows; a guest may touch no other host MSR.
 */
#define OKVM_IOPM_ORDER		2	/* 12K used */
#define OKVM_MSRPM_ORDER	1	/* 8K */

static struct page *okvm_svm_iopm;
static struct page *okvm_svm_msrpm;
u64 okvm_svm_iopm_pa;
u64 okvm_svm_msrpm_pa;

static void okvm_svm_exit(void)
{
	okvm_svm_tcg_quirk_exit();
	okvm_svm_free_cpus();
	if (okvm_svm_iopm)
		__free_pages(okvm_svm_iopm, OKVM_IOPM_ORDER);
	if (okvm_svm_msrpm)
		__free_pages(okvm_svm_msrpm, OKVM_MSRPM_ORDER);
	okvm_svm_iopm = NULL;
	okvm_svm_msrpm = NULL;
}

static struct page *okvm_svm_alloc_permission_map(unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL, order);

	if (page)
		memset(page_address(page), 0xff, PAGE_SIZE << order);
	return page;
}

/*
 * For tests only: map the APIC-access page while APICv is active although
 * nothing accelerates it, so that guest writes land in the page, where a
 * test sees them, instead of reaching the in-kernel APIC. Guests that use
 * their APIC break with it. Fixed at load.
 */
static bool apicv_test_access_page;
module_param(apicv_test_access_page, bool, 0444);
MODULE_PARM_DESC(apicv_test_access_page,
		 "tests only: map the APIC-access page without AVIC (guests lose their xAPIC MMIO)");

/* No AVIC in okvm yet: QEMU's TCG, where okvm is tested, has none. */
static bool okvm_svm_maps_apic_access_page(void)
{
	return apicv_test_access_page;
}

static const struct okvm_hw_ops okvm_svm_ops = {
	.name = "SVM",
	.kvm_module = "kvm_amd",
	.exit = okvm_svm_exit,
	.prepare_cpu = okvm_svm_prepare_cpu,
	.owned_elsewhere_cpu = okvm_svm_owned_elsewhere_cpu,
	.enable_cpu = okvm_svm_enable_cpu,
	.disable_cpu = okvm_svm_disable_cpu,
	.emergency_disable_cpu = okvm_svm_emergency_disable_cpu,
	.spte_format = okvm_npt_format,
	.maps_apic_access_page = okvm_svm_maps_apic_access_page,
	.vcpu_create = okvm_svm_vcpu_create,
	.vcpu_free = okvm_svm_vcpu_free,
	.get_sregs = okvm_svm_get_sregs,
	.set_sregs = okvm_svm_set_sregs,
	.get_msr = okvm_svm_get_msr,
	.set_msr = okvm_svm_set_msr,
	.set_tsc_offset = okvm_svm_set_tsc_offset,
	.get_cr4 = okvm_svm_get_cr4,
	.get_debugregs = okvm_svm_get_debugregs,
	.set_debugregs = okvm_svm_set_debugregs,
	.reset = okvm_svm_reset,
	.get_data_view = okvm_svm_get_data_view,
	.inject_fault = okvm_svm_inject_fault,
	.interrupt_allowed = okvm_svm_interrupt_allowed,
	.inject_irq = okvm_svm_inject_irq,
	.set_irq_window = okvm_svm_set_irq_window,
	.nmi_masked = okvm_svm_nmi_masked,
	.set_nmi_masked = okvm_svm_set_nmi_masked,
	.nmi_allowed = okvm_svm_nmi_allowed,
	.inject_nmi = okvm_svm_inject_nmi,
	.set_nmi_window = okvm_svm_set_nmi_window,
	.get_events = okvm_svm_get_events,
	.set_events = okvm_svm_set_events,
	.load_root = okvm_svm_load_root,
	.flush_tlb = okvm_svm_flush_tlb,
	.run = okvm_svm_run,
	.handle_exit = okvm_svm_handle_exit,
	.get_exit_info = okvm_svm_get_exit_info,
};

/**
 * okvm_svm_init() - check that this CPU can run okvm's SVM backend
 * @ops: set to the SVM ops table on success
 *
 * Return: 0; -ENODEV with one line in the log saying what is missing;
 * -ENOMEM.
 */
int okvm_svm_init(const struct okvm_hw_ops **ops)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("this AMD CPU does not report SVM (CPUID 0x80000001 ECX bit 2)\n");
		return -ENODEV;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK) {
		pr_err("SVM is disabled by the firmware (MSR_VM_CR.SVMDIS); enable it in the BIOS setup\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("SVM without nested paging (NPT) is not supported\n");
		return -ENODEV;
	}
	okvm_svm_tcg_quirk_init();
	okvm_svm_iopm = okvm_svm_alloc_permission_map(OKVM_IOPM_ORDER);
	okvm_svm_msrpm = okvm_svm_alloc_permission_map(OKVM_MSRPM_ORDER);
	if (!okvm_svm_iopm || !okvm_svm_msrpm) {
		okvm_svm_exit();
		return -ENOMEM;
	}
	okvm_svm_iopm_pa = okvm_svm_page_pa(okvm_svm_iopm);
	okvm_svm_msrpm_pa = okvm_svm_page_pa(okvm_svm_msrpm);
	okvm_npt_format();
	*ops = &okvm_svm_ops;
	return 0;
}

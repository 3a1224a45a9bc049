// SPDX-License-Identifier: GPL-2.0
/*
 * SVM detection and per-CPU enabling: EFER.SVME and the host save area.
 *
 * The host save area (MSR_VM_HSAVE_PA) is where VMRUN stores the host state
 * it restores on #VMEXIT; the CPU references it by physical address, so each
 * CPU gets its own page, allocated on the CPU's node and kept until unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/svm.h>

#include <okvm/hw.h>

static DEFINE_PER_CPU(struct page *, okvm_svm_hsave);

static int okvm_svm_prepare_cpu(unsigned int cpu)
{
	struct page *page;

	if (per_cpu(okvm_svm_hsave, cpu))
		return 0;
	page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!page)
		return -ENOMEM;
	per_cpu(okvm_svm_hsave, cpu) = page;
	return 0;
}

static bool okvm_svm_owned_elsewhere_cpu(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

static int okvm_svm_enable_cpu(void)
{
	struct page *hsave = this_cpu_read(okvm_svm_hsave);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/* With SME the CPU needs the encryption bit in the address. */
	wrmsrl(MSR_VM_HSAVE_PA, __sme_set(page_to_phys(hsave)));
	return 0;
}

static void okvm_svm_disable_cpu(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/*
 * A crash may have stopped this CPU between CLGI and STGI. With GIF clear the
 * CPU would ignore the INIT that restarts it, so set GIF before leaving SVM;
 * STGI is only legal while EFER.SVME is set.
 */
static void okvm_svm_emergency_disable_cpu(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

static void okvm_svm_exit(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(okvm_svm_hsave, cpu))
			__free_page(per_cpu(okvm_svm_hsave, cpu));
		per_cpu(okvm_svm_hsave, cpu) = NULL;
	}
}

static const struct okvm_hw_ops okvm_svm_ops = {
	.name = "SVM",
	.exit = okvm_svm_exit,
	.prepare_cpu = okvm_svm_prepare_cpu,
	.owned_elsewhere_cpu = okvm_svm_owned_elsewhere_cpu,
	.enable_cpu = okvm_svm_enable_cpu,
	.disable_cpu = okvm_svm_disable_cpu,
	.emergency_disable_cpu = okvm_svm_emergency_disable_cpu,
};

/**
 * okvm_svm_init() - check that this CPU can run okvm's SVM backend
 * @ops: set to the SVM ops table on success
 *
 * Return: 0, or -ENODEV with one line in the log saying what is missing.
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
	*ops = &okvm_svm_ops;
	return 0;
}

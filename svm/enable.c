// SPDX-License-Identifier: GPL-2.0
/*
 * SVM on one CPU: EFER.SVME, the host save areas, the ASID allocator's reset.
 *
 * Both save areas are referenced by physical address, so each CPU gets its
 * own pages, allocated on the CPU's node and kept until unload.
 */
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/svm.h>

#include "svm.h"

DEFINE_PER_CPU(struct okvm_svm_cpu, okvm_svm_cpu);

/**
 * okvm_svm_prepare_cpu() - allocate a CPU's save areas, once
 * @cpu: the CPU
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_svm_prepare_cpu(unsigned int cpu)
{
	struct okvm_svm_cpu *sd = per_cpu_ptr(&okvm_svm_cpu, cpu);
	int node = cpu_to_node(cpu);

	if (!sd->hsave)
		sd->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
	if (!sd->host_save)
		sd->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
	if (!sd->hsave || !sd->host_save)
		return -ENOMEM;
	sd->host_save_pa = okvm_svm_page_pa(sd->host_save);
	return 0;
}

/**
 * okvm_svm_free_cpus() - free every CPU's save areas at unload
 */
void okvm_svm_free_cpus(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct okvm_svm_cpu *sd = per_cpu_ptr(&okvm_svm_cpu, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_save)
			__free_page(sd->host_save);
		sd->hsave = NULL;
		sd->host_save = NULL;
	}
}

/**
 * okvm_svm_owned_elsewhere_cpu() - has someone else turned SVM on here?
 *
 * Return: true if EFER.SVME is set on this CPU.
 */
bool okvm_svm_owned_elsewhere_cpu(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

/**
 * okvm_svm_enable_cpu() - turn SVM on for this CPU
 *
 * Runs with interrupts off. The ASID allocator starts exhausted, so the
 * first vCPU to run here starts a new generation and flushes every ASID:
 * nothing cached under an earlier owner's ASIDs survives.
 *
 * Return: 0, or -EBUSY if EFER.SVME is already set.
 */
int okvm_svm_enable_cpu(void)
{
	struct okvm_svm_cpu *sd = this_cpu_ptr(&okvm_svm_cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	sd->max_asid = cpuid_ebx(SVM_CPUID_FUNC) - 1;
	sd->next_asid = sd->max_asid + 1;
	sd->asid_generation++;
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, okvm_svm_page_pa(sd->hsave));
	return 0;
}

/**
 * okvm_svm_disable_cpu() - turn SVM off for this CPU
 */
void okvm_svm_disable_cpu(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/**
 * okvm_svm_emergency_disable_cpu() - turn SVM off on the crash/kexec path
 *
 * A crash may have stopped this CPU between CLGI and STGI. With GIF clear
 * the CPU would ignore the INIT that restarts it, so set GIF before leaving
 * SVM; STGI is only legal while EFER.SVME is set.
 */
void okvm_svm_emergency_disable_cpu(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

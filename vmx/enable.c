// SPDX-License-Identifier: GPL-2.0
/*
 * VMX on one CPU: CR4.VMXE, the VMXON region, VMXON and VMXOFF.
 *
 * Once a CPU is in VMX root operation it blocks INIT, so every way out of
 * the kernel (unload, CPU offline, suspend, reboot, crash) must leave VMX
 * operation first: core/virt.c calls these on each of them. The VMXON
 * region is referenced by physical address, so each CPU gets its own
 * page, allocated on the CPU's node and kept until unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/perf_event.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"

DEFINE_PER_CPU(struct okvm_vmx_cpu, okvm_vmx_cpu);

/**
 * okvm_vmx_prepare_cpu() - allocate a CPU's VMXON region, once
 * @cpu: the CPU
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_vmx_prepare_cpu(unsigned int cpu)
{
	struct okvm_vmx_cpu *vc = per_cpu_ptr(&okvm_vmx_cpu, cpu);

	if (!vc->vmxon_region) {
		vc->vmxon_region = alloc_pages_node(cpu_to_node(cpu),
						    GFP_KERNEL | __GFP_ZERO, 0);
		if (!vc->vmxon_region)
			return -ENOMEM;
		/* Bits 30:0 the revision, bit 31 clear: not a shadow VMCS. */
		*(u32 *)page_address(vc->vmxon_region) = okvm_vmcs_revision;
	}
	return 0;
}

/**
 * okvm_vmx_free_cpus() - free every CPU's VMXON region at unload
 */
void okvm_vmx_free_cpus(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct okvm_vmx_cpu *vc = per_cpu_ptr(&okvm_vmx_cpu, cpu);

		if (vc->vmxon_region)
			__free_page(vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
}

/**
 * okvm_vmx_owned_elsewhere_cpu() - has someone else turned VMX on here?
 *
 * Return: true if CR4.VMXE is set on this CPU (kvm_intel sets it while it
 * holds VMX, and so does every hypervisor that executes VMXON).
 */
bool okvm_vmx_owned_elsewhere_cpu(void)
{
	return cr4_read_shadow() & X86_CR4_VMXE;
}

/* A control register fits VMX operation: FIXED0's bits set, none outside FIXED1. */
static bool okvm_vmx_cr_fits(unsigned long cr, u32 fixed0_msr, u32 fixed1_msr)
{
	u64 fixed0, fixed1;

	rdmsrl(fixed0_msr, fixed0);
	rdmsrl(fixed1_msr, fixed1);
	return (cr & fixed0) == fixed0 && !(cr & ~fixed1);
}

/*
 * VMXON and VMXOFF set neither CF nor ZF when they succeed. CF is set
 * before each, and a fault (#UD outside VMX operation, #GP) skips the
 * instruction with the flags as they were, so one test of "below or
 * equal" catches a fault and a VMfail alike.
 */

/* VMXON. Return: 0, or -EIO if it faulted or failed. */
static int okvm_vmxon(u64 region_pa)
{
	bool failed;

	asm volatile("stc\n\t"
		     "1: vmxon %[region]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "=@ccbe" (failed) : [region] "m" (region_pa) : "memory");
	return failed ? -EIO : 0;
}

/* VMXOFF. Return: 0, or -EIO if the CPU was not in VMX operation. */
static int okvm_vmxoff(void)
{
	bool failed;

	asm volatile("stc\n\t"
		     "1: vmxoff\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "=@ccbe" (failed) : : "memory");
	return failed ? -EIO : 0;
}

/**
 * okvm_vmx_enable_cpu() - enter VMX root operation on this CPU
 *
 * Runs with interrupts off. IA32_FEATURE_CONTROL must allow VMXON (the
 * kernel locks it at boot and clears this CPU's VMX feature where it does
 * not), and the host's CR0 and CR4 (with VMXE) must fit the fixed bits of
 * VMX operation; otherwise VMXON would raise #GP. Intel PT is told first,
 * since VMXON may stop its tracing.
 *
 * Return: 0; -EBUSY if CR4.VMXE is already set; -EIO if this CPU cannot
 * enter VMX operation (with one line saying why).
 */
int okvm_vmx_enable_cpu(void)
{
	struct okvm_vmx_cpu *vc = this_cpu_ptr(&okvm_vmx_cpu);
	int r;

	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;
	if (!this_cpu_has(X86_FEATURE_VMX)) {
		pr_err("CPU %d: VMX is disabled (IA32_FEATURE_CONTROL)\n", smp_processor_id());
		return -EIO;
	}
	if (!okvm_vmx_cr_fits(read_cr0(), MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1) ||
	    !okvm_vmx_cr_fits(__read_cr4() | X86_CR4_VMXE,
			      MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1)) {
		pr_err("CPU %d: CR0 0x%lx or CR4 0x%lx does not fit VMX operation\n",
		       smp_processor_id(), read_cr0(), __read_cr4());
		return -EIO;
	}

	intel_pt_handle_vmx(1);
	cr4_set_bits(X86_CR4_VMXE);
	r = okvm_vmxon(page_to_phys(vc->vmxon_region));
	if (r) {
		cr4_clear_bits(X86_CR4_VMXE);
		intel_pt_handle_vmx(0);
		pr_err("CPU %d: VMXON failed\n", smp_processor_id());
	}
	return r;
}

/**
 * okvm_vmx_disable_cpu() - leave VMX operation on this CPU
 *
 * Runs with interrupts off. VMXOFF can only fault here if something else
 * left VMX operation under okvm, which would be a bug.
 */
void okvm_vmx_disable_cpu(void)
{
	WARN_ONCE(okvm_vmxoff(), "okvm: VMXOFF faulted on CPU %d\n", smp_processor_id());
	cr4_clear_bits(X86_CR4_VMXE);
	intel_pt_handle_vmx(0);
}

/**
 * okvm_vmx_emergency_disable_cpu() - leave VMX operation on the crash path
 *
 * From NMI context, whatever state the CPU is in: in VMX operation or not
 * (a fault of VMXOFF is the answer "not"), so that INIT can restart it.
 */
void okvm_vmx_emergency_disable_cpu(void)
{
	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	okvm_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
}

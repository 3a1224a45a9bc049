// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX backend: detection at load and the ops table core/ calls.
 *
 * Built so far: VMX operation on every CPU (vmx/enable.c) and the EPT
 * format (vmx/ept.c). A vCPU is not: until it is, the backend loads only
 * with vmx_enable_only=1, for the tests of enabling, and refuses vCPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

#include <okvm/hw.h>
#include <okvm/spte.h>

#include "vmx.h"

u32 okvm_vmcs_revision;
struct okvm_vmx_controls okvm_vmx_controls;

static bool vmx_enable_only;
module_param(vmx_enable_only, bool, 0444);
MODULE_PARM_DESC(vmx_enable_only,
		 "tests only: load the VMX backend, which has no vCPUs yet (KVM_CREATE_VCPU fails with EOPNOTSUPP)");

static void okvm_vmx_exit(void)
{
	okvm_vmx_free_cpus();
}

/* No APIC virtualization yet: APICv stays inhibited. */
static bool okvm_vmx_maps_apic_access_page(void)
{
	return false;
}

static struct okvm_vcpu *okvm_vmx_vcpu_create(struct okvm_vm *vm)
{
	pr_info_once("the VMX backend runs no vCPU yet\n");
	return ERR_PTR(-EOPNOTSUPP);
}

static const struct okvm_hw_ops okvm_vmx_ops = {
	.name = "VMX",
	.kvm_module = "kvm_intel",
	.exit = okvm_vmx_exit,
	.prepare_cpu = okvm_vmx_prepare_cpu,
	.owned_elsewhere_cpu = okvm_vmx_owned_elsewhere_cpu,
	.enable_cpu = okvm_vmx_enable_cpu,
	.disable_cpu = okvm_vmx_disable_cpu,
	.emergency_disable_cpu = okvm_vmx_emergency_disable_cpu,
	.spte_format = okvm_ept_format,
	.maps_apic_access_page = okvm_vmx_maps_apic_access_page,
	.vcpu_create = okvm_vmx_vcpu_create,
};

/* Whether a VMX control can be 1: bits 63:32 of its capability MSR. */
static bool okvm_vmx_control_allowed(u32 msr, u32 control)
{
	u64 caps;

	rdmsrl(msr, caps);
	return (upper_32_bits(caps) & control) == control;
}

/* VMCS regions okvm can use: one page, write-back, any physical address. */
static int okvm_vmx_check_basic(u64 basic)
{
	if (vmx_basic_vmcs_size(basic) > PAGE_SIZE ||
	    vmx_basic_vmcs_mem_type(basic) != X86_MEMTYPE_WB ||
	    (basic & VMX_BASIC_32BIT_PHYS_ADDR_ONLY)) {
		pr_err("VMCS regions of this CPU are unusable (IA32_VMX_BASIC 0x%llx)\n", basic);
		return -ENODEV;
	}
	return 0;
}

/**
 * okvm_vmx_init() - check that this CPU can run okvm's VMX backend
 * @ops: set to the VMX ops table on success
 *
 * okvm needs EPT (the shadow MMU is not built), unrestricted guest
 * (guests start in real mode, which okvm does not emulate), and the other
 * controls of vmx/controls.c.
 *
 * Return: 0; -ENODEV with one line in the log saying what is missing.
 */
int okvm_vmx_init(const struct okvm_hw_ops **ops)
{
	struct okvm_vmx_caps caps;
	const char *lacking;
	u64 basic;
	int r;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	r = okvm_vmx_check_basic(basic);
	if (r)
		return r;
	if (!okvm_vmx_control_allowed(MSR_IA32_VMX_PROCBASED_CTLS,
				      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ||
	    !okvm_vmx_control_allowed(MSR_IA32_VMX_PROCBASED_CTLS2,
				      SECONDARY_EXEC_ENABLE_EPT)) {
		pr_err("VMX without EPT is not supported (the shadow MMU is not built)\n");
		return -ENODEV;
	}
	if (!okvm_vmx_control_allowed(MSR_IA32_VMX_PROCBASED_CTLS2,
				      SECONDARY_EXEC_UNRESTRICTED_GUEST)) {
		pr_err("VMX without unrestricted guest is not supported\n");
		return -ENODEV;
	}
	okvm_vmx_read_caps(basic, &caps);
	lacking = okvm_vmx_build_controls(&caps, &okvm_vmx_controls);
	if (lacking) {
		pr_err("this CPU lacks %s VMX controls okvm needs\n", lacking);
		return -ENODEV;
	}
	r = okvm_ept_init();
	if (r) {
		pr_err("EPT of this CPU is unusable: no 4-level walk or no write-back tables\n");
		return r;
	}
	if (!vmx_enable_only) {
		pr_err("VMX backend not available yet: it enables VMX but runs no vCPU (vmx_enable_only=1 loads it for tests)\n");
		return -ENODEV;
	}
	okvm_vmcs_revision = vmx_basic_vmcs_revision_id(basic);
	pr_info("VMX controls: pin 0x%x, processor 0x%x, secondary 0x%x, exit 0x%x, entry 0x%x\n",
		okvm_vmx_controls.pin, okvm_vmx_controls.proc, okvm_vmx_controls.proc2,
		okvm_vmx_controls.exit, okvm_vmx_controls.entry);
	*ops = &okvm_vmx_ops;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX controls okvm runs every vCPU with, from the capability MSRs.
 *
 * Each control field has a capability MSR: bits 31:0 are the controls that
 * must be 1, bits 63:32 those that may be 1. With IA32_VMX_BASIC's "true
 * controls" the TRUE_ MSRs tell which default-1 controls may be 0, so okvm
 * need not take exits it does not want (CR3 loads and stores under EPT).
 * A control okvm cannot run without missing from the CPU fails the load; an
 * optional one is used where the CPU has it.
 */
#include <linux/errno.h>
#include <linux/wordpart.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

#include "vmx.h"

/* External interrupts and NMIs are the host's; virtual NMIs give the NMI window. */
#define OKVM_VMX_PIN_REQUIRED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING | \
				 PIN_BASED_VIRTUAL_NMIS)

/*
 * HLT, the debug registers, RDPMC and MONITOR/MWAIT exit as on SVM; every
 * port and MSR exits unless a bitmap lets it through; the guest's TSC is
 * the host's plus an offset.
 */
#define OKVM_VMX_PROC_REQUIRED	(CPU_BASED_HLT_EXITING | CPU_BASED_MOV_DR_EXITING | \
				 CPU_BASED_RDPMC_EXITING | CPU_BASED_MWAIT_EXITING | \
				 CPU_BASED_MONITOR_EXITING | CPU_BASED_USE_IO_BITMAPS | \
				 CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_TSC_OFFSETTING | \
				 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
#define OKVM_VMX_PROC_OPTIONAL	CPU_BASED_TPR_SHADOW

/* EPT, and real mode run by the CPU rather than emulated. */
#define OKVM_VMX_PROC2_REQUIRED	(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST)
#define OKVM_VMX_PROC2_OPTIONAL	(SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_ENABLE_RDTSCP | \
				 SECONDARY_EXEC_ENABLE_INVPCID)

/* A 64-bit host; EFER and PAT switched by the CPU on every entry and exit. */
#define OKVM_VMX_EXIT_REQUIRED	(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER | \
				 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT | \
				 VM_EXIT_LOAD_IA32_PAT)
#define OKVM_VMX_ENTRY_REQUIRED	(VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT)

/**
 * okvm_vmx_adjust_control() - a control field's value
 * @caps: its capability MSR (must-be-1 bits 31:0, may-be-1 bits 63:32)
 * @required: the controls okvm cannot run without
 * @optional: the controls okvm uses where the CPU has them
 * @value: set to @required, the allowed part of @optional, and what the
 *	CPU requires
 *
 * Return: 0, or -EIO if a required control cannot be 1.
 */
int okvm_vmx_adjust_control(u64 caps, u32 required, u32 optional, u32 *value)
{
	u32 may = upper_32_bits(caps);

	if ((required & may) != required)
		return -EIO;
	*value = required | (optional & may) | lower_32_bits(caps);
	return 0;
}

/**
 * okvm_vmx_build_controls() - every control field okvm runs vCPUs with
 * @caps: the CPU's capability MSRs
 * @controls: filled in
 *
 * Return: NULL, or the name of the first field that lacks a control okvm
 * needs (@controls is then incomplete).
 */
const char *okvm_vmx_build_controls(const struct okvm_vmx_caps *caps,
				    struct okvm_vmx_controls *controls)
{
	if (okvm_vmx_adjust_control(caps->pin, OKVM_VMX_PIN_REQUIRED, 0, &controls->pin))
		return "pin-based";
	if (okvm_vmx_adjust_control(caps->proc, OKVM_VMX_PROC_REQUIRED, OKVM_VMX_PROC_OPTIONAL,
				    &controls->proc))
		return "processor-based";
	if (okvm_vmx_adjust_control(caps->proc2, OKVM_VMX_PROC2_REQUIRED,
				    OKVM_VMX_PROC2_OPTIONAL, &controls->proc2))
		return "secondary processor-based";
	if (okvm_vmx_adjust_control(caps->exit, OKVM_VMX_EXIT_REQUIRED, 0, &controls->exit))
		return "VM-exit";
	if (okvm_vmx_adjust_control(caps->entry, OKVM_VMX_ENTRY_REQUIRED, 0, &controls->entry))
		return "VM-entry";
	return NULL;
}

/**
 * okvm_vmx_read_caps() - the capability MSRs of the control fields
 * @basic: IA32_VMX_BASIC
 * @caps: filled in, from the TRUE_ MSRs where @basic says they exist
 */
void okvm_vmx_read_caps(u64 basic, struct okvm_vmx_caps *caps)
{
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;

	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
	       caps->pin);
	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
	       caps->proc);
	rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, caps->proc2);
	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS, caps->exit);
	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS, caps->entry);
}

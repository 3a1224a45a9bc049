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
 * the host's plus an offset. MOV to and from CR8 exit, or a 64-bit guest
 * would read and write the host's TPR: a vCPU whose TPR is shadowed (TPR
 * shadow, where the CPU has it) drops the two exits for itself.
 */
#define OKVM_VMX_PROC_REQUIRED	(CPU_BASED_HLT_EXITING | CPU_BASED_MOV_DR_EXITING | \
				 CPU_BASED_RDPMC_EXITING | CPU_BASED_MWAIT_EXITING | \
				 CPU_BASED_MONITOR_EXITING | CPU_BASED_USE_IO_BITMAPS | \
				 CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_TSC_OFFSETTING | \
				 CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING | \
				 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
#define OKVM_VMX_PROC_OPTIONAL	CPU_BASED_TPR_SHADOW
/* Set per vCPU while it waits for an interrupt or NMI window. */
#define OKVM_VMX_PROC_LATER	(CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING)

/*
 * EPT, and real mode run by the CPU rather than emulated. RDTSCP and
 * INVPCID are not here: enabled for all, they would let a guest whose
 * CPUID lacks them run them (and read the host's TSC_AUX); they wait for a
 * vCPU that enables them from its CPUID.
 */
#define OKVM_VMX_PROC2_REQUIRED	(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST)
#define OKVM_VMX_PROC2_OPTIONAL	SECONDARY_EXEC_ENABLE_VPID

/*
 * A 64-bit host; EFER, PAT and the debug controls (DR7, DEBUGCTL)
 * switched by the CPU on every entry and exit.
 */
#define OKVM_VMX_EXIT_REQUIRED	(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER | \
				 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT | \
				 VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS)
#define OKVM_VMX_ENTRY_REQUIRED	(VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT | \
				 VM_ENTRY_LOAD_DEBUG_CONTROLS)
/* Set per entry while the guest is in long mode. */
#define OKVM_VMX_ENTRY_LATER	VM_ENTRY_IA32E_MODE

/**
 * okvm_vmx_adjust_control() - a control field's value
 * @caps: its capability MSR (must-be-1 bits 31:0, may-be-1 bits 63:32)
 * @required: the controls okvm cannot run without
 * @optional: the controls okvm uses where the CPU has them
 * @later: controls okvm sets and clears as it runs a vCPU: not in @value,
 *	but the CPU must allow them
 * @value: set to @required, the allowed part of @optional, and what the
 *	CPU requires
 *
 * Return: 0, or -EIO if a required or later control cannot be 1.
 */
int okvm_vmx_adjust_control(u64 caps, u32 required, u32 optional, u32 later, u32 *value)
{
	u32 may = upper_32_bits(caps);

	if (((required | later) & may) != (required | later))
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
	if (okvm_vmx_adjust_control(caps->pin, OKVM_VMX_PIN_REQUIRED, 0, 0, &controls->pin))
		return "pin-based";
	if (okvm_vmx_adjust_control(caps->proc, OKVM_VMX_PROC_REQUIRED, OKVM_VMX_PROC_OPTIONAL,
				    OKVM_VMX_PROC_LATER, &controls->proc))
		return "processor-based";
	if (okvm_vmx_adjust_control(caps->proc2, OKVM_VMX_PROC2_REQUIRED,
				    OKVM_VMX_PROC2_OPTIONAL, 0, &controls->proc2))
		return "secondary processor-based";
	if (okvm_vmx_adjust_control(caps->exit, OKVM_VMX_EXIT_REQUIRED, 0, 0, &controls->exit))
		return "VM-exit";
	if (okvm_vmx_adjust_control(caps->entry, OKVM_VMX_ENTRY_REQUIRED, 0,
				    OKVM_VMX_ENTRY_LATER, &controls->entry))
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

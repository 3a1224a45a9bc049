/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX backend's internal interface.
 */
#ifndef _OKVM_VMX_H
#define _OKVM_VMX_H

#include <linux/percpu.h>
#include <linux/types.h>

struct okvm_spte_format;

/**
 * struct okvm_vmx_cpu - VMX state of one physical CPU
 * @vmxon_region: the page VMXON names, tagged with the VMCS revision; the
 *	CPU owns it while in VMX operation
 */
struct okvm_vmx_cpu {
	struct page *vmxon_region;
};

DECLARE_PER_CPU(struct okvm_vmx_cpu, okvm_vmx_cpu);

/**
 * struct okvm_vmx_caps - the capability MSRs of the VMX control fields
 * @pin: pin-based execution controls
 * @proc: primary processor-based execution controls
 * @proc2: secondary processor-based execution controls
 * @exit: VM-exit controls
 * @entry: VM-entry controls
 *
 * Each holds the must-be-1 controls in bits 31:0 and the may-be-1 ones in
 * bits 63:32 (the TRUE_ MSRs where the CPU has them).
 */
struct okvm_vmx_caps {
	u64 pin;
	u64 proc;
	u64 proc2;
	u64 exit;
	u64 entry;
};

/**
 * struct okvm_vmx_controls - the control fields every vCPU starts with
 * @pin: pin-based execution controls
 * @proc: primary processor-based execution controls (the window exits
 *	are added per vCPU while it waits for one)
 * @proc2: secondary processor-based execution controls
 * @exit: VM-exit controls
 * @entry: VM-entry controls (IA32e mode follows the guest's EFER.LMA)
 */
struct okvm_vmx_controls {
	u32 pin;
	u32 proc;
	u32 proc2;
	u32 exit;
	u32 entry;
};

extern struct okvm_vmx_controls okvm_vmx_controls;

/* The revision identifier of IA32_VMX_BASIC, which VMXON and VMCS regions carry. */
extern u32 okvm_vmcs_revision;

int okvm_vmx_prepare_cpu(unsigned int cpu);
void okvm_vmx_free_cpus(void);
bool okvm_vmx_owned_elsewhere_cpu(void);
int okvm_vmx_enable_cpu(void);
void okvm_vmx_disable_cpu(void);
void okvm_vmx_emergency_disable_cpu(void);

int okvm_vmx_adjust_control(u64 caps, u32 required, u32 optional, u32 later, u32 *value);
const char *okvm_vmx_build_controls(const struct okvm_vmx_caps *caps,
				    struct okvm_vmx_controls *controls);
void okvm_vmx_read_caps(u64 basic, struct okvm_vmx_caps *caps);

int okvm_ept_format_from_caps(u64 caps, unsigned int phys_bits,
			      struct okvm_spte_format *fmt);
int okvm_ept_init(void);
const struct okvm_spte_format *okvm_ept_format(void);

#endif /* _OKVM_VMX_H */

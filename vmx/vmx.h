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

/* The revision identifier of IA32_VMX_BASIC, which VMXON and VMCS regions carry. */
extern u32 okvm_vmcs_revision;

int okvm_vmx_prepare_cpu(unsigned int cpu);
void okvm_vmx_free_cpus(void);
bool okvm_vmx_owned_elsewhere_cpu(void);
int okvm_vmx_enable_cpu(void);
void okvm_vmx_disable_cpu(void);
void okvm_vmx_emergency_disable_cpu(void);

int okvm_ept_format_from_caps(u64 caps, unsigned int phys_bits,
			      struct okvm_spte_format *fmt);
int okvm_ept_init(void);
const struct okvm_spte_format *okvm_ept_format(void);

#endif /* _OKVM_VMX_H */

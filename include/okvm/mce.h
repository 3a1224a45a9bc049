/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine-check architecture registers of a vCPU (core/mce.c): the global
 * MCG registers and the banks, as KVM keeps them for a VMM to set up
 * (KVM_X86_SETUP_MCE) and restore, and for a guest to program. okvm
 * injects no machine check (no KVM_X86_SET_MCE).
 */
#ifndef _OKVM_MCE_H
#define _OKVM_MCE_H

#include <linux/types.h>

struct okvm_vcpu;

/* Banks a vCPU may have, and has until KVM_X86_SETUP_MCE: KVM's number. */
#define OKVM_MCE_MAX_BANKS	32
/* MCi_CTL, MCi_STATUS, MCi_ADDR and MCi_MISC. */
#define OKVM_MCE_BANK_MSRS	4

/**
 * struct okvm_mce - a vCPU's machine-check registers
 * @mcg_cap: IA32_MCG_CAP: the bank count in 7:0, MCG_CTL_P, MCG_SER_P
 * @mcg_status: IA32_MCG_STATUS
 * @mcg_ctl: IA32_MCG_CTL, there with MCG_CTL_P
 * @banks: each bank's four registers, in MSR order
 */
struct okvm_mce {
	u64 mcg_cap;
	u64 mcg_status;
	u64 mcg_ctl;
	u64 banks[OKVM_MCE_MAX_BANKS * OKVM_MCE_BANK_MSRS];
};

void okvm_mce_vcpu_init(struct okvm_vcpu *vcpu);
long okvm_mce_cap(void);
int okvm_mce_get_cap_supported(u64 __user *ucap);
int okvm_mce_setup(struct okvm_vcpu *vcpu, u64 __user *ucap);
bool okvm_mce_msr(const struct okvm_vcpu *vcpu, u32 index);
int okvm_mce_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_mce_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);

#endif /* _OKVM_MCE_H */

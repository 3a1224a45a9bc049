/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPUID: what okvm can offer guests, and the table each vCPU answers from.
 */
#ifndef _OKVM_CPUID_H
#define _OKVM_CPUID_H

#include <linux/types.h>

struct kvm_cpuid2;
struct kvm_cpuid_entry2;
struct okvm_vcpu;

int okvm_cpuid_init(void);
void okvm_vcpu_init_cpuid(struct okvm_vcpu *vcpu);
u64 okvm_cr4_reserved_by(const struct kvm_cpuid_entry2 *entries, u32 nr);
bool okvm_vcpu_cr4_valid(struct okvm_vcpu *vcpu, u64 cr4);
u64 okvm_guest_xfeatures(void);
u32 okvm_xsave_size(u64 xfeatures);
u64 okvm_guest_supported_xcr0(struct okvm_vcpu *vcpu);
bool okvm_mwait_is_undefined(const struct okvm_vcpu *vcpu);
bool okvm_cpuid_may_change_mwait(const struct okvm_vcpu *vcpu);
void okvm_cpuid_update_mwait(struct okvm_vcpu *vcpu);
bool okvm_guest_xcr0_valid(struct okvm_vcpu *vcpu, u64 xcr0);
long okvm_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid);
int okvm_vcpu_set_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid);
int okvm_vcpu_get_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid);
const struct kvm_cpuid_entry2 *okvm_cpuid_find(const struct kvm_cpuid_entry2 *entries,
					       u32 nr, u32 function, u32 index);

#endif /* _OKVM_CPUID_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSRs a guest may access; every other MSR is refused (#GP in the guest,
 * a short count for KVM_GET/SET_MSRS).
 */
#ifndef _OKVM_MSR_H
#define _OKVM_MSR_H

#include <linux/types.h>

struct kvm_msr_list;
struct kvm_msrs;
struct okvm_vcpu;

int okvm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
bool okvm_cpuid_fault_enabled(const struct okvm_vcpu *vcpu);
int okvm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
void okvm_vcpu_init_msrs(struct okvm_vcpu *vcpu);
int okvm_get_feature_msr(u32 index, u64 *data);
long okvm_get_msr_index_list(struct kvm_msr_list __user *ulist);
long okvm_get_msr_feature_index_list(struct kvm_msr_list __user *ulist);
long okvm_vcpu_msrs_ioctl(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs,
			  bool set);
long okvm_get_feature_msrs(struct kvm_msrs __user *umsrs);

#endif /* _OKVM_MSR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSRs a guest may access; every other MSR is refused (#GP in the guest
 * or an exit to userspace, a short count for KVM_GET/SET_MSRS).
 */
#ifndef _OKVM_MSR_H
#define _OKVM_MSR_H

#include <linux/types.h>

struct kvm_msr_list;
struct kvm_msrs;
struct okvm_vcpu;
struct okvm_vm;

/**
 * struct okvm_msr_ops - the MSRs one part of okvm keeps, for core/msr.c
 * @owns: whether the MSR @index is one of them, for this vCPU
 * @get: RDMSR, or KVM_GET_MSRS with @host: 0, or -EINVAL (a #GP)
 * @set: WRMSR, or KVM_SET_MSRS with @host: 0, or -EINVAL (a #GP)
 */
struct okvm_msr_ops {
	bool (*owns)(const struct okvm_vcpu *vcpu, u32 index);
	int (*get)(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
	int (*set)(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
};

extern const struct okvm_msr_ops okvm_lapic_msr_ops;
extern const struct okvm_msr_ops okvm_kvmclock_msr_ops;
extern const struct okvm_msr_ops okvm_steal_time_msr_ops;
extern const struct okvm_msr_ops okvm_mtrr_msr_ops;
extern const struct okvm_msr_ops okvm_mce_msr_ops;

int okvm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
bool okvm_cpuid_fault_enabled(const struct okvm_vcpu *vcpu);
int okvm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
void okvm_vcpu_init_msrs(struct okvm_vcpu *vcpu);
int okvm_get_feature_msr(u32 index, u64 *data);
long okvm_get_msr_index_list(struct kvm_msr_list __user *ulist);
long okvm_get_msr_feature_index_list(struct kvm_msr_list __user *ulist);
long okvm_vcpu_get_msrs(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs);
long okvm_vcpu_set_msrs(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs);
long okvm_get_feature_msrs(struct kvm_msrs __user *umsrs);

/* Guest RDMSR and WRMSR, and their exits to userspace (core/msr_exit.c). */
int okvm_enable_user_space_msr(struct okvm_vm *vm, u64 reasons);
int okvm_emulate_rdmsr(struct okvm_vcpu *vcpu, u64 next_rip);
int okvm_emulate_wrmsr(struct okvm_vcpu *vcpu, u64 next_rip);
void okvm_complete_msr_exit(struct okvm_vcpu *vcpu);

#endif /* _OKVM_MSR_H */

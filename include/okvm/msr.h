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

int okvm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data);
int okvm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
long okvm_get_msr_index_list(struct kvm_msr_list __user *ulist);
long okvm_vcpu_msrs_ioctl(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs,
			  bool set);

#endif /* _OKVM_MSR_H */

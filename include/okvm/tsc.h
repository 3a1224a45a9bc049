/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's TSC: an offset from the host's, per vCPU, as KVM keeps it
 * (IA32_TSC, IA32_TSC_ADJUST and the KVM_VCPU_TSC_OFFSET attribute).
 */
#ifndef _OKVM_TSC_H
#define _OKVM_TSC_H

#include <linux/types.h>

struct kvm_device_attr;
struct okvm_vcpu;

void okvm_vcpu_init_tsc(struct okvm_vcpu *vcpu);
u64 okvm_guest_tsc(struct okvm_vcpu *vcpu);
int okvm_tsc_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
int okvm_vcpu_tsc_attr(struct okvm_vcpu *vcpu, unsigned int ioctl,
		       struct kvm_device_attr __user *argp);

#endif /* _OKVM_TSC_H */

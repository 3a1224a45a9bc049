/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmclock: the paravirtual clock of KVM's ABI (MSR_KVM_SYSTEM_TIME_NEW,
 * MSR_KVM_WALL_CLOCK_NEW and their old numbers, KVM_GET/SET_CLOCK). Each
 * vCPU's pvclock record is written through a gfn-to-pfn cache
 * (Documentation/gpc.rst, gpc/kvmclock.c).
 */
#ifndef _OKVM_KVMCLOCK_H
#define _OKVM_KVMCLOCK_H

#include <linux/types.h>

struct kvm_clock_data;
struct okvm_vm;
struct okvm_vcpu;

void okvm_kvmclock_vm_init(struct okvm_vm *vm);
void okvm_kvmclock_vcpu_init(struct okvm_vcpu *vcpu);
void okvm_kvmclock_vcpu_free(struct okvm_vcpu *vcpu);
void okvm_kvmclock_reset(struct okvm_vcpu *vcpu);
bool okvm_kvmclock_msr(const struct okvm_vcpu *vcpu, u32 index);
int okvm_kvmclock_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_kvmclock_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
void okvm_kvmclock_update(struct okvm_vcpu *vcpu);
void okvm_kvmclock_vcpu_moved(struct okvm_vcpu *vcpu);
void okvm_kvmclock_request_all(struct okvm_vm *vm);
long okvm_kvmclock_cap(void);
void okvm_kvmclock_get_clock(struct okvm_vm *vm, struct kvm_clock_data *data);
int okvm_kvmclock_set_clock(struct okvm_vm *vm, const struct kvm_clock_data *data);

#endif /* _OKVM_KVMCLOCK_H */

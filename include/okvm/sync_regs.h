/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_CAP_SYNC_REGS: register sets in struct kvm_run (core/sync_regs.c).
 */
#ifndef _OKVM_SYNC_REGS_H
#define _OKVM_SYNC_REGS_H

struct okvm_vcpu;

int okvm_sync_regs_load(struct okvm_vcpu *vcpu);
void okvm_sync_regs_store(struct okvm_vcpu *vcpu);

#endif /* _OKVM_SYNC_REGS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Steal time: KVM's MSR_KVM_STEAL_TIME, the record written through a
 * gfn-to-pfn cache (gpc/steal_time.c, Documentation/gpc.rst).
 */
#ifndef _OKVM_STEAL_TIME_H
#define _OKVM_STEAL_TIME_H

#include <linux/types.h>

struct okvm_vcpu;

void okvm_steal_time_vcpu_init(struct okvm_vcpu *vcpu);
void okvm_steal_time_vcpu_free(struct okvm_vcpu *vcpu);
void okvm_steal_time_reset(struct okvm_vcpu *vcpu);
bool okvm_steal_time_msr(const struct okvm_vcpu *vcpu, u32 index);
int okvm_steal_time_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_steal_time_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
void okvm_steal_time_update(struct okvm_vcpu *vcpu);
void okvm_steal_time_run_begin(struct okvm_vcpu *vcpu);
void okvm_steal_time_run_end(struct okvm_vcpu *vcpu);

#endif /* _OKVM_STEAL_TIME_H */

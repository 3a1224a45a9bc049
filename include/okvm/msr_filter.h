/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_X86_SET_MSR_FILTER: which guest RDMSR and WRMSR okvm may handle
 * itself (core/msr_filter.c).
 */
#ifndef _OKVM_MSR_FILTER_H
#define _OKVM_MSR_FILTER_H

#include <linux/types.h>

struct kvm_msr_filter;
struct okvm_vm;

int okvm_set_msr_filter(struct okvm_vm *vm, const struct kvm_msr_filter *filter);
void okvm_msr_filter_free(struct okvm_vm *vm);
bool okvm_msr_allowed(struct okvm_vm *vm, u32 index, u32 type);

#endif /* _OKVM_MSR_FILTER_H */

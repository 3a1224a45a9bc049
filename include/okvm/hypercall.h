/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM hypercalls: what a guest's hypercall instruction asks of okvm.
 */
#ifndef _OKVM_HYPERCALL_H
#define _OKVM_HYPERCALL_H

#include <linux/types.h>

struct okvm_vcpu;

long okvm_hypercall_result(unsigned long nr, u8 cpl, u32 allowed);
void okvm_emulate_hypercall(struct okvm_vcpu *vcpu, bool op_64_bit, u8 cpl);

#endif /* _OKVM_HYPERCALL_H */

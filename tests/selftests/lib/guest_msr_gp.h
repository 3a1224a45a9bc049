/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's refused RDMSR or WRMSR, counted: the #GP handler that MSR
 * tests install (okvm_vm_create_msr_guest()) counts the fault in
 * okvm_guest_msr_gp_count and returns past the 2-byte instruction (0f 32
 * or 0f 30), so the guest goes on and compares the count.
 */
#ifndef _OKVM_SELFTEST_GUEST_MSR_GP_H
#define _OKVM_SELFTEST_GUEST_MSR_GP_H

#include "kernel_types.h"

struct okvm_vcpu;
struct okvm_vm;

extern u64 okvm_guest_msr_gp_count;

/* Guest code, an interrupt gate's entry: not to be called. */
void okvm_guest_msr_gp_skip(void);

/*
 * A 64-bit VM of one vCPU (*@vcpu) that runs @guest_code with this #GP
 * handler installed.
 */
struct okvm_vm *okvm_vm_create_msr_guest(void *guest_code, struct okvm_vcpu **vcpu);

/* The #GPs so far, read by the guest. */
static inline u64 okvm_guest_msr_gps(void)
{
	return READ_ONCE(okvm_guest_msr_gp_count);
}

#endif /* _OKVM_SELFTEST_GUEST_MSR_GP_H */

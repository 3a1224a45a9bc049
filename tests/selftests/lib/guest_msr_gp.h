/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's refused RDMSR or WRMSR, counted: the #GP handler that MSR
 * tests install (okvm_guest_set_handler(vm, X86_VEC_GP, ...)) counts the
 * fault in okvm_guest_msr_gp_count and returns past the 2-byte instruction
 * (0f 32 or 0f 30), so the guest goes on and compares the count.
 */
#ifndef _OKVM_SELFTEST_GUEST_MSR_GP_H
#define _OKVM_SELFTEST_GUEST_MSR_GP_H

#include "kernel_types.h"

extern u64 okvm_guest_msr_gp_count;

/* Guest code, an interrupt gate's entry: not to be called. */
void okvm_guest_msr_gp_skip(void);

/* The #GPs so far, read by the guest. */
static inline u64 okvm_guest_msr_gps(void)
{
	return READ_ONCE(okvm_guest_msr_gp_count);
}

#endif /* _OKVM_SELFTEST_GUEST_MSR_GP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's XSAVE state and XCRs for userspace, its XSETBV, and the
 * switch of XCR0 and PKRU around each entry (core/xsave.c).
 */
#ifndef _OKVM_XSAVE_H
#define _OKVM_XSAVE_H

#include <linux/types.h>

struct okvm_vcpu;

extern u64 okvm_host_xcr0;

void okvm_xsave_init(void);
u32 okvm_guest_xstate_enter(struct okvm_vcpu *vcpu);
void okvm_guest_xstate_exit(struct okvm_vcpu *vcpu, u32 host_pkru);
int okvm_emulate_xsetbv(struct okvm_vcpu *vcpu, int cpl);
long okvm_xsave2_size(void);
long okvm_cap_xcrs(void);
long okvm_vcpu_xsave_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);

#endif /* _OKVM_XSAVE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's XSAVE state and XCRs for userspace, and its XSETBV
 * (core/xsave.c).
 */
#ifndef _OKVM_XSAVE_H
#define _OKVM_XSAVE_H

#include <linux/types.h>

struct okvm_vcpu;

int okvm_emulate_xsetbv(struct okvm_vcpu *vcpu, int cpl);
long okvm_xsave2_size(void);
long okvm_cap_xcrs(void);
long okvm_vcpu_xsave_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);

#endif /* _OKVM_XSAVE_H */

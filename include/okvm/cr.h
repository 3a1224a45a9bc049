/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control registers: the architecture's rules for CR0, CR4 and EFER, one
 * copy for both backends. A backend reads the guest's registers into
 * struct okvm_cr_state, lets core/ check and change them, and writes back
 * what changed; core/ never sees a VMCB or a VMCS.
 */
#ifndef _OKVM_CR_H
#define _OKVM_CR_H

#include <linux/types.h>

struct kvm_sregs;
struct okvm_vcpu;

/**
 * struct okvm_cr_state - the registers a control-register write depends on
 * @cr0: CR0 as the guest sees it (not the value the CPU runs it with)
 * @cr3: CR3
 * @cr4: CR4
 * @efer: EFER as the guest sees it (without SVM's EFER.SVME)
 * @cs_l: CS.L, so that with EFER.LMA the guest runs 64-bit code
 */
struct okvm_cr_state {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	bool cs_l;
};

int okvm_cr0_write(struct okvm_vcpu *vcpu, struct okvm_cr_state *cr, u64 cr0);
int okvm_cr4_write(struct okvm_vcpu *vcpu, struct okvm_cr_state *cr, u64 cr4);
bool okvm_efer_valid(u64 efer);
bool okvm_sregs_valid(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs);

#endif /* _OKVM_CR_H */

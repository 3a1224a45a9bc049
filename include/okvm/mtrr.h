/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's memory type range registers (core/mtrr.c): kept, checked and
 * read back as the architecture says, and otherwise without effect, as in
 * KVM on SVM (nested paging takes the host's memory types).
 */
#ifndef _OKVM_MTRR_H
#define _OKVM_MTRR_H

#include <linux/types.h>

struct okvm_vcpu;

/* Variable ranges a vCPU has (IA32_MTRRCAP.VCNT), as in KVM. */
#define OKVM_MTRR_NR_VAR	8
/* IA32_MTRR_FIX64K_00000, FIX16K_80000 and _A0000, FIX4K_C0000 to _F8000. */
#define OKVM_MTRR_NR_FIXED	11

/**
 * struct okvm_mtrr - a vCPU's MTRRs, all 0 (memory uncached) at creation
 * @def_type: IA32_MTRR_DEF_TYPE
 * @fixed: the fixed-range MTRRs, in the order of the comment above
 * @var: IA32_MTRR_PHYSBASEn and IA32_MTRR_PHYSMASKn, interleaved as their
 *	MSR numbers are
 */
struct okvm_mtrr {
	u64 def_type;
	u64 fixed[OKVM_MTRR_NR_FIXED];
	u64 var[2 * OKVM_MTRR_NR_VAR];
};

bool okvm_mtrr_msr(const struct okvm_vcpu *vcpu, u32 index);
int okvm_mtrr_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_mtrr_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);

#endif /* _OKVM_MTRR_H */

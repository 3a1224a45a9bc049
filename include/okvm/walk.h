/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest page-table walker: guest virtual (linear) to guest physical.
 */
#ifndef _OKVM_WALK_H
#define _OKVM_WALK_H

#include <linux/kvm_types.h>
#include <linux/types.h>

#include <okvm/insn.h>

/**
 * struct okvm_paging - the guest registers that select its paging mode
 * @cr0: CR0 (PG, WP)
 * @cr3: CR3 (the root table)
 * @cr4: CR4 (PSE, PAE, LA57, SMEP)
 * @efer: EFER (LMA, NX)
 */
struct okvm_paging {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
};

/**
 * struct okvm_data_view - what a data access of the guest goes through now
 * @pg: its paging registers
 * @cpl: its current privilege level (3: accesses are user accesses)
 * @mode: its code size; in 64-bit mode a linear address must be canonical
 * @seg_base: the base of the segment asked for (0 for ES, CS, SS and DS
 *	in 64-bit mode)
 */
struct okvm_data_view {
	struct okvm_paging pg;
	u8 cpl;
	enum okvm_cpu_mode mode;
	u64 seg_base;
};

/* Reads @len bytes of guest physical memory at @gpa; 0 or -errno. */
typedef int (*okvm_read_gpa_t)(void *ctx, gpa_t gpa, void *buf, unsigned int len);

int okvm_walk(const struct okvm_paging *pg, okvm_read_gpa_t read, void *ctx,
	      u64 gva, u32 access, gpa_t *gpa, u32 *error_code);

#endif /* _OKVM_WALK_H */

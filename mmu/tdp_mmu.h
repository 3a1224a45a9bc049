/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TDP MMU internals shared by the files of mmu/.
 */
#ifndef _OKVM_TDP_MMU_H
#define _OKVM_TDP_MMU_H

#include <okvm/gfn_range.h>
#include <okvm/mmu.h>

struct okvm_memslot;
struct okvm_vm;

int okvm_tdp_map(struct okvm_vm *vm, struct okvm_mmu_page_cache *cache,
		 gfn_t gfn, kvm_pfn_t pfn, int level, bool writable);
u64 okvm_tdp_zap_leafs(struct okvm_vm *vm, struct okvm_gfn_range range,
		       struct okvm_gfn_range *flush, bool can_yield);
u64 okvm_tdp_write_protect(struct okvm_vm *vm, struct okvm_gfn_range range,
			   struct okvm_gfn_range *flush, bool can_yield);
u64 okvm_tdp_write_protect_masked(struct okvm_vm *vm, gfn_t base, unsigned long mask,
				  struct okvm_gfn_range *flush);
u64 okvm_tdp_free_empty_tables(struct okvm_vm *vm, struct okvm_gfn_range range);
bool okvm_mmu_fast_write_fault(struct okvm_vm *vm, const struct okvm_memslot *slot,
			       gfn_t gfn);

#endif /* _OKVM_TDP_MMU_H */

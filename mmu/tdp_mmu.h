/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TDP MMU internals shared by the files of mmu/.
 */
#ifndef _OKVM_TDP_MMU_H
#define _OKVM_TDP_MMU_H

#include <okvm/gfn_range.h>
#include <okvm/mmu.h>

struct okvm_vm;

int okvm_tdp_map(struct okvm_vm *vm, struct okvm_mmu_page_cache *cache,
		 gfn_t gfn, kvm_pfn_t pfn, int level, bool writable);
u64 okvm_tdp_zap_leafs(struct okvm_vm *vm, struct okvm_gfn_range range,
		       struct okvm_gfn_range *flush, bool can_yield);
u64 okvm_tdp_write_protect(struct okvm_vm *vm, struct okvm_gfn_range range,
			   struct okvm_gfn_range *flush);
u64 okvm_tdp_free_empty_tables(struct okvm_vm *vm, struct okvm_gfn_range range);

#endif /* _OKVM_TDP_MMU_H */

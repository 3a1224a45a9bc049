// SPDX-License-Identifier: GPL-2.0
/*
 * The NPT format of SPTEs, as data the MMU reads (include/okvm/spte.h),
 * built once from the CPU. NPT uses the host's own page-table format,
 * and the CPU treats every guest access as a user access, so U/S is set at
 * every level. The CPU sets the accessed bit (5) of an entry it walks
 * through, as in the host's own tables; aging clears it in leaves
 * (mmu/age.c). Leaves are created dirty (dirty logging write-protects
 * instead of reading that bit), so the CPU never has to set it itself.
 * The hardware ignores bit 9 (the first "available" bit); okvm keeps
 * may_write there.
 */
#include <linux/mem_encrypt.h>
#include <asm/cpufeature.h>
#include <asm/pgtable_types.h>

#include <okvm/spte.h>

static struct okvm_spte_format okvm_npt;

/**
 * okvm_npt_format() - the NPT (AMD nested paging) SPTE format
 *
 * NPT walks in the host's paging mode, so the root has the host's depth;
 * 1G leaves need the CPU's GBPAGES.
 *
 * Return: the format; the physical-address and SME masks, the root's level
 * and the largest leaf are read from the running kernel on first use.
 */
const struct okvm_spte_format *okvm_npt_format(void)
{
	if (!okvm_npt.present_mask) {
		okvm_npt = (struct okvm_spte_format){
			.present_mask = _PAGE_PRESENT,
			.writable_mask = _PAGE_RW,
			.may_write_mask = _PAGE_SOFTW1,
			.accessed_mask = _PAGE_ACCESSED,
			.huge_mask = _PAGE_PSE,
			.table_bits = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED,
			.leaf_bits = _PAGE_PRESENT | _PAGE_USER | _PAGE_DIRTY,
			.addr_mask = PTE_PFN_MASK & ~sme_me_mask,
			.me_mask = sme_me_mask,
			.root_level = pgtable_l5_enabled() ? 5 : 4,
			.max_leaf_level = boot_cpu_has(X86_FEATURE_GBPAGES) ? 3 : 2,
		};
	}
	return &okvm_npt;
}

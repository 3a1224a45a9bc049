/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPTEs: entries of the TDP page tables, in a format the backend names.
 *
 * NPT uses ordinary x86 page-table entries; EPT has its own bits. The MMU
 * never tests "which format": it reads the masks of struct okvm_spte_format.
 */
#ifndef _OKVM_SPTE_H
#define _OKVM_SPTE_H

#include <linux/bits.h>
#include <linux/kvm_types.h>
#include <linux/types.h>

/**
 * struct okvm_spte_format - how one TDP format encodes entries
 * @present_mask: an entry with any of these bits set is present
 * @writable_mask: set in a leaf the guest may write through
 * @may_write_mask: a software bit, set in every leaf made writable. It
 *	stays when dirty logging write-protects the leaf, and tells the next
 *	write fault that the host and the memslot still allow the write, so
 *	the writable bit may come back without mmu_lock (mmu/fast_fault.c)
 * @accessed_mask: set by the CPU in a leaf it translates through, cleared
 *	by aging (mmu/age.c); 0 for a format that has no such bit
 * @huge_mask: marks a leaf above level 1
 * @table_bits: every bit of a non-leaf entry besides the address
 * @leaf_bits: the bits of every leaf besides the address, writability and
 *	the accessed bit
 * @addr_mask: the physical-address bits of an entry
 * @me_mask: memory-encryption bit added to every address (SME), or 0
 * @root_level: the level of the root table the CPU walks from (4 or 5)
 * @max_leaf_level: the largest leaf the CPU takes (2: 2M, 3: 1G)
 *
 * The backend builds its format once from the CPU's capabilities (NPT:
 * svm/npt.c); the MMU uses it as it is.
 */
struct okvm_spte_format {
	u64 present_mask;
	u64 writable_mask;
	u64 may_write_mask;
	u64 accessed_mask;
	u64 huge_mask;
	u64 table_bits;
	u64 leaf_bits;
	u64 addr_mask;
	u64 me_mask;
	int root_level;
	int max_leaf_level;
};

const struct okvm_spte_format *okvm_npt_format(void);

/*
 * What every entry of a table unlinked by a fault holds once that fault has
 * taken it over (mmu/tdp_mmu.c): not present in NPT or EPT (bits 0-2 clear)
 * and never 0, so a walker still inside the unlinked table fails the
 * cmpxchg that would fill an empty entry there, and retries.
 */
#define OKVM_SPTE_FROZEN	BIT_ULL(11)

static inline bool okvm_spte_present(const struct okvm_spte_format *fmt, u64 spte)
{
	return spte & fmt->present_mask;
}

/* A present entry maps memory (rather than pointing at a table). */
static inline bool okvm_spte_leaf(const struct okvm_spte_format *fmt, u64 spte,
				  int level)
{
	return level == 1 || (spte & fmt->huge_mask);
}

static inline bool okvm_spte_writable(const struct okvm_spte_format *fmt, u64 spte)
{
	return spte & fmt->writable_mask;
}

/*
 * Has the guest used this leaf since its accessed bit was last cleared? A
 * format without an accessed bit cannot tell, and says yes: the host then
 * keeps the page as in use rather than reclaim memory the guest may be
 * using.
 */
static inline bool okvm_spte_accessed(const struct okvm_spte_format *fmt, u64 spte)
{
	return !fmt->accessed_mask || (spte & fmt->accessed_mask);
}

static inline phys_addr_t okvm_spte_addr(const struct okvm_spte_format *fmt, u64 spte)
{
	return spte & fmt->addr_mask;
}

static inline kvm_pfn_t okvm_spte_pfn(const struct okvm_spte_format *fmt, u64 spte)
{
	return okvm_spte_addr(fmt, spte) >> PAGE_SHIFT;
}

/* Write-protected for dirty logging only: a write may restore it locklessly. */
static inline bool okvm_spte_write_restorable(const struct okvm_spte_format *fmt,
					      u64 spte)
{
	return (spte & (fmt->writable_mask | fmt->may_write_mask)) == fmt->may_write_mask;
}

static inline u64 okvm_spte_make_table(const struct okvm_spte_format *fmt,
				       phys_addr_t table)
{
	return fmt->table_bits | table | fmt->me_mask;
}

/*
 * A leaf is made for the access that faulted on it, so it starts accessed:
 * aging then sees the page as used until it clears the bit, and the CPU
 * does not have to write the entry on that first access.
 */
static inline u64 okvm_spte_make_leaf(const struct okvm_spte_format *fmt,
				      kvm_pfn_t pfn, int level, bool writable)
{
	return fmt->leaf_bits | fmt->accessed_mask | ((u64)pfn << PAGE_SHIFT) |
	       fmt->me_mask |
	       (level > 1 ? fmt->huge_mask : 0) |
	       (writable ? fmt->writable_mask | fmt->may_write_mask : 0);
}

#endif /* _OKVM_SPTE_H */

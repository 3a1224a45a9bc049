/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one walker of TDP page tables: faults, zaps and teardown all go
 * through okvm_tdp_iter over a half-open gfn range.
 */
#ifndef _OKVM_TDP_ITER_H
#define _OKVM_TDP_ITER_H

#include <okvm/gfn_range.h>
#include <okvm/mmu.h>
#include <okvm/spte.h>

#define OKVM_TDP_LEVEL_BITS	9
#define OKVM_TDP_ENTRIES	BIT(OKVM_TDP_LEVEL_BITS)

/* Number of 4K pages one entry at @level maps. */
static inline u64 okvm_tdp_level_pages(int level)
{
	return 1ULL << ((level - 1) * OKVM_TDP_LEVEL_BITS);
}

static inline unsigned int okvm_tdp_index(gfn_t gfn, int level)
{
	return (gfn >> ((level - 1) * OKVM_TDP_LEVEL_BITS)) & (OKVM_TDP_ENTRIES - 1);
}

/**
 * struct okvm_tdp_iter - position of a pre-order walk over [start, end)
 * @fmt: the SPTE format
 * @tables: the table being walked at each level
 * @sptep: the current entry
 * @old_spte: its value when the walk read it (or last wrote it)
 * @gfn: first gfn the current entry maps
 * @next_gfn: where the walk continues; inside the current entry
 * @end: end of the range
 * @level: level of the current entry
 * @min_level: the walk does not descend below this level
 * @root_level: level of the root table
 * @valid: false once the walk is over
 *
 * Visits every entry whose gfns overlap the range, at every level from the
 * root down to @min_level, parents before children. It descends only into
 * present non-leaf entries, so its cost follows what is mapped, not the
 * size of the range.
 */
struct okvm_tdp_iter {
	const struct okvm_spte_format *fmt;
	u64 *tables[OKVM_MAX_LEVEL + 1];
	u64 *sptep;
	u64 old_spte;
	gfn_t gfn;
	gfn_t next_gfn;
	gfn_t end;
	int level;
	int min_level;
	int root_level;
	bool valid;
};

void okvm_tdp_iter_start(struct okvm_tdp_iter *iter, const struct okvm_mmu *mmu,
			 int min_level, struct okvm_gfn_range range);
void okvm_tdp_iter_next(struct okvm_tdp_iter *iter);

#endif /* _OKVM_TDP_ITER_H */

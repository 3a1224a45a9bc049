// SPDX-License-Identifier: GPL-2.0
/*
 * okvm_tdp_iter: one place to get range edges and level boundaries right.
 */
#include <linux/compiler.h>
#include <asm/page.h>

#include "tdp_iter.h"

static void okvm_tdp_iter_load(struct okvm_tdp_iter *iter)
{
	iter->gfn = iter->next_gfn & ~(okvm_tdp_level_pages(iter->level) - 1);
	iter->sptep = &iter->tables[iter->level][okvm_tdp_index(iter->gfn, iter->level)];
	/* Faults change entries under the read lock: read each exactly once. */
	iter->old_spte = READ_ONCE(*iter->sptep);
}

/**
 * okvm_tdp_iter_start() - begin a walk at the entry of the root holding start
 * @iter: the iterator
 * @mmu: the tables: format, root and root level
 * @min_level: lowest level to visit
 * @range: [start, end); an empty range visits nothing
 */
void okvm_tdp_iter_start(struct okvm_tdp_iter *iter, const struct okvm_mmu *mmu,
			 int min_level, struct okvm_gfn_range range)
{
	int root_level = mmu->root_level;

	iter->fmt = mmu->fmt;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->end = range.end;
	iter->valid = !okvm_gfn_range_empty(range) &&
		      range.start < okvm_tdp_level_pages(root_level + 1);
	if (!iter->valid)
		return;
	iter->tables[root_level] = mmu->root;
	iter->level = root_level;
	iter->next_gfn = range.start;
	okvm_tdp_iter_load(iter);
}

/**
 * okvm_tdp_iter_next() - move to the next entry in pre-order
 * @iter: the iterator, positioned on an entry
 *
 * Descends if the current entry (as last read or written through @iter) is
 * a present table and the walk may go lower; otherwise moves to the next
 * entry of the same table, climbing while a table is finished.
 */
void okvm_tdp_iter_next(struct okvm_tdp_iter *iter)
{
	const struct okvm_spte_format *fmt = iter->fmt;
	u64 spte = iter->old_spte;

	if (iter->level > iter->min_level && okvm_spte_present(fmt, spte) &&
	    !okvm_spte_leaf(fmt, spte, iter->level)) {
		iter->level--;
		iter->tables[iter->level] = __va(okvm_spte_addr(fmt, spte));
		okvm_tdp_iter_load(iter);
		return;
	}

	for (;;) {
		iter->next_gfn = iter->gfn + okvm_tdp_level_pages(iter->level);
		if (iter->next_gfn >= iter->end) {
			iter->valid = false;
			return;
		}
		if (okvm_tdp_index(iter->next_gfn, iter->level))
			break;
		/* This table is done: its parent's next sibling comes next. */
		if (iter->level == iter->root_level) {
			iter->valid = false;
			return;
		}
		iter->level++;
		iter->gfn = iter->next_gfn - okvm_tdp_level_pages(iter->level);
	}
	okvm_tdp_iter_load(iter);
}

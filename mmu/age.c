// SPDX-License-Identifier: GPL-2.0
/*
 * Access tracking: the accessed bits of TDP leaves, read and cleared for
 * the host's page aging (the mmu_notifier's young callbacks, mmu/notifier.c).
 *
 * The CPU sets a leaf's accessed bit when the guest translates through it;
 * aging clears it, and the next access sets it again (once the guest's TLB
 * no longer holds the translation). A guest page whose leaf stays clear is
 * one the guest has not used, and the host may reclaim it.
 *
 * Locking: mmu_lock held for read. Aging runs from reclaim and from
 * /sys/kernel/mm/page_idle, often and over many pages; holding the write
 * side would stall every vCPU's faults for it. Under the read side, faults
 * install and upgrade leaves at the same time, and the CPU sets accessed
 * and dirty bits at any time, so the accessed bit is cleared with a cmpxchg
 * against the value read, retried on a change: a concurrent hardware update
 * or a fault's cmpxchg is never overwritten, and only an entry that is a
 * present leaf when the exchange succeeds loses its bit. Testing the bit
 * only reads.
 */
#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_iter.h"

static bool okvm_tdp_iter_young_leaf(const struct okvm_tdp_iter *iter, u64 spte)
{
	const struct okvm_spte_format *fmt = iter->fmt;

	return okvm_spte_present(fmt, spte) && okvm_spte_leaf(fmt, spte, iter->level) &&
	       okvm_spte_accessed(fmt, spte);
}

/*
 * Clear the accessed bit of the leaf at @iter if it is set. Returns whether
 * it was. On a lost race old_spte takes the entry's new value, so the walk
 * goes on from what the entry holds now.
 */
static bool okvm_tdp_iter_clear_accessed(struct okvm_tdp_iter *iter)
{
	u64 mask = iter->fmt->accessed_mask;

	/* Without an accessed bit there is nothing to clear: report it used. */
	if (!mask)
		return okvm_tdp_iter_young_leaf(iter, iter->old_spte);

	while (okvm_tdp_iter_young_leaf(iter, iter->old_spte)) {
		if (try_cmpxchg64(iter->sptep, &iter->old_spte,
				  iter->old_spte & ~mask)) {
			iter->old_spte &= ~mask;
			return true;
		}
	}
	return false;
}

/**
 * okvm_tdp_age_gfn_range() - test and clear the accessed bit of every leaf
 *	mapping a gfn of @range
 * @vm: the VM, mmu_lock held for read
 * @range: [start, end); a leaf larger than 4K that overlaps it is aged whole
 *
 * The caller flushes guest TLBs if it wants the next access to be seen
 * for sure: until then the CPU may use a cached translation and not set
 * the bit again.
 *
 * Return: true if any of those leaves had been accessed since it was last
 * aged (or if the SPTE format has no accessed bit and anything is mapped).
 */
bool okvm_tdp_age_gfn_range(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	struct okvm_tdp_iter iter;
	bool young = false;

	lockdep_assert_held_read(&vm->mmu_lock);

	/*
	 * A fault may unlink a table under the read lock while this walks
	 * it; the table is freed only after a grace period.
	 */
	rcu_read_lock();
	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1, range); iter.valid;
	     okvm_tdp_iter_next(&iter))
		young |= okvm_tdp_iter_clear_accessed(&iter);
	rcu_read_unlock();
	return young;
}

/**
 * okvm_tdp_test_age_gfn_range() - is any leaf mapping a gfn of @range
 *	accessed?
 * @vm: the VM, mmu_lock held for read
 * @range: [start, end)
 *
 * Changes nothing.
 *
 * Return: true if a leaf has been accessed since it was last aged (or if
 * the SPTE format has no accessed bit and anything is mapped).
 */
bool okvm_tdp_test_age_gfn_range(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	struct okvm_tdp_iter iter;
	bool young = false;

	lockdep_assert_held_read(&vm->mmu_lock);

	rcu_read_lock();
	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1, range); iter.valid && !young;
	     okvm_tdp_iter_next(&iter))
		young = okvm_tdp_iter_young_leaf(&iter, iter.old_spte);
	rcu_read_unlock();
	return young;
}

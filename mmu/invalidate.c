// SPDX-License-Identifier: GPL-2.0
/*
 * The invalidation state that makes a racing page fault retry.
 *
 * A fault reads the sequence count, translates gfn -> hva -> pfn (which may
 * sleep and sees the host page tables at some instant), then takes mmu_lock
 * for read. If meanwhile an invalidation began that covers its gfn, or one
 * ended, the pfn may be stale and the fault must not install it. Zaps that
 * the mmu_notifier does not drive (memslot changes, and later APICv) bump
 * the same state, so a fault that looked before such a zap retries too.
 */
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <okvm/mmu.h>
#include <okvm/vm.h>

/**
 * okvm_mmu_invalidate_retry() - must a fault retry instead of mapping?
 * @inv: the VM's invalidation state, read under mmu_lock
 * @seq: @inv->seq as the fault read it before translating
 * @gfn: the faulting gfn
 *
 * Return: OKVM_FAULT_RETRY_INVALIDATING if an invalidation covering @gfn is
 * in progress, OKVM_FAULT_RETRY_SEQ_CHANGED if one ended since the fault
 * read @seq, else OKVM_FAULT_NO_RETRY (zero).
 */
enum okvm_fault_retry okvm_mmu_invalidate_retry(const struct okvm_mmu_invalidate *inv,
						unsigned long seq, gfn_t gfn)
{
	if (inv->in_progress && okvm_gfn_range_contains(inv->range, gfn))
		return OKVM_FAULT_RETRY_INVALIDATING;
	return inv->seq != seq ? OKVM_FAULT_RETRY_SEQ_CHANGED : OKVM_FAULT_NO_RETRY;
}

/**
 * okvm_mmu_invalidate_begin() - an invalidation of @range starts
 * @vm: the VM, mmu_lock held for write
 * @range: gfns about to lose their mapping; may be empty
 *
 * While several are in progress the range is their union's hull.
 */
void okvm_mmu_invalidate_begin(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	struct okvm_mmu_invalidate *inv = &vm->mmu_invalidate;

	lockdep_assert_held_write(&vm->mmu_lock);
	inv->range = inv->in_progress++ ? okvm_gfn_range_hull(inv->range, range) : range;
}

/**
 * okvm_mmu_invalidate_end() - an invalidation is over
 * @vm: the VM, mmu_lock held for write
 *
 * Bumps the sequence so that faults that read the old one retry.
 */
void okvm_mmu_invalidate_end(struct okvm_vm *vm)
{
	struct okvm_mmu_invalidate *inv = &vm->mmu_invalidate;

	lockdep_assert_held_write(&vm->mmu_lock);
	inv->seq++;
	/* A notifier registered mid-invalidation may see an end without a start. */
	if (!inv->in_progress)
		return;
	if (!--inv->in_progress) {
		inv->range = (struct okvm_gfn_range){};
		wake_up_all(&vm->invalidate_done);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The fast write fault: a write to a page that dirty logging write-protected
 * gets its writable bit back without mmu_lock, the host's page tables or
 * the invalidation sequence.
 *
 * Why that is enough: a leaf with may_write set was made writable by a
 * fault that went through the full retry protocol, and every host change
 * to the page since would have zapped the leaf (okvm never changes a
 * leaf's page in place). So a present leaf that has may_write still maps a
 * page the guest may write; only dirty logging took the bit away. The
 * change is one cmpxchg against the value read: if anything changed the
 * entry meanwhile (a zap, aging, another vCPU), the fault takes the slow
 * path or finds the work done.
 *
 * Ordering against KVM_GET_DIRTY_LOG, which takes the slot's dirty bits and
 * then write-protects the pages they name under the write lock: the bit is
 * set after the writable bit, never before. Set before, a harvest could
 * take the bit and find the leaf still read-only, leaving it writable with
 * no bit: writes lost to the log. Set after, the worst case is that a
 * harvest protects the leaf between the two steps, and the bit then
 * reports the page once more in the next round, which a write the guest
 * made through the short-lived writable leaf may need anyway.
 *
 * Why RCU suffices for the walk: tables are freed only after a grace
 * period (Documentation/locking.rst), and the root lives as long as the VM.
 */
#include <linux/atomic.h>
#include <linux/rcupdate.h>

#include <okvm/memslot.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_iter.h"
#include "tdp_mmu.h"

/**
 * okvm_mmu_fast_write_fault() - restore write access that dirty logging
 *	took, without mmu_lock
 * @vm: the VM
 * @slot: the logging memslot of @gfn, under the caller's SRCU read lock
 * @gfn: the gfn the guest wrote
 *
 * Return: true if a leaf maps @gfn writable now (made so here, or by
 * another vCPU first) and the guest may retry the write; false if the
 * fault needs the slow path (no leaf, or one the host never let the guest
 * write).
 */
bool okvm_mmu_fast_write_fault(struct okvm_vm *vm, const struct okvm_memslot *slot,
			       gfn_t gfn)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_tdp_iter iter;
	bool fixed = false;

	rcu_read_lock();
	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1, (struct okvm_gfn_range){ gfn, gfn + 1 });
	     iter.valid; okvm_tdp_iter_next(&iter)) {
		if (!okvm_spte_present(fmt, iter.old_spte))
			break;
		if (!okvm_spte_leaf(fmt, iter.old_spte, iter.level))
			continue;
		if (okvm_spte_writable(fmt, iter.old_spte)) {
			fixed = true;
		} else if (okvm_spte_write_restorable(fmt, iter.old_spte) &&
			   try_cmpxchg64(iter.sptep, &iter.old_spte,
					 iter.old_spte | fmt->writable_mask)) {
			okvm_memslot_mark_dirty(slot, gfn);
			fixed = true;
		}
		break;
	}
	rcu_read_unlock();
	return fixed;
}

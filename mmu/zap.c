// SPDX-License-Identifier: GPL-2.0
/*
 * okvm_mmu_zap_gfn_range(): the one zap of gfns that the mmu_notifier does
 * not drive (memslot delete and move, VM teardown; APICv inhibit later).
 */
#include <linux/spinlock.h>

#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_mmu.h"
#include "trace/okvm_trace.h"

/**
 * okvm_mmu_zap_gfn_range() - unmap [start, end) from the guest
 * @vm: the VM
 * @range: half-open; empty touches nothing; [0, okvm_max_gfn()) is all
 *
 * Takes mmu_lock for write and bumps the invalidation state around the
 * zap (rule 3 of ../shared/ARCHITECTURE.md), so a fault that translated
 * before it retries, even while the zap yields the lock over a large range.
 * Leaves only; a hugepage overlapping the range goes whole. One flush, of
 * (start, nr_pages) of the leaves removed, and only if there were any (a
 * yield flushes what was removed before it).
 */
void okvm_mmu_zap_gfn_range(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	struct okvm_gfn_range flush;
	u64 zapped;

	if (okvm_gfn_range_empty(range))
		return;
	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_ZAPS, 1);

	write_lock(&vm->mmu_lock);
	okvm_mmu_invalidate_begin(vm, range);
	zapped = okvm_tdp_zap_leafs(vm, range, &flush, true);
	trace_okvm_zap_range(range.start, range.end, zapped);
	if (!okvm_gfn_range_empty(flush))
		okvm_flush_remote_tlbs_range(vm, flush.start,
					     okvm_gfn_range_nr_pages(flush));
	okvm_mmu_invalidate_end(vm);
	write_unlock(&vm->mmu_lock);
}

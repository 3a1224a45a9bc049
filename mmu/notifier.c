// SPDX-License-Identifier: GPL-2.0
/*
 * The mmu_notifier that keeps guest mappings coherent with the VM's mm.
 *
 * okvm holds no reference on guest pages once they are mapped: when the
 * host changes or frees a page behind a memslot, invalidate_range_start
 * zaps the gfns that map it before the host page goes, and the retry state
 * (mmu/invalidate.c) keeps a racing fault from mapping the old page again.
 * The young callbacks let the host's page aging see the guest's accesses
 * through the accessed bits of the TDP leaves (mmu/age.c).
 */
#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

#include <okvm/gpc.h>
#include <okvm/memslot.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_mmu.h"
#include "trace/okvm_trace.h"

static struct okvm_vm *okvm_mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct okvm_vm, mmu_notifier);
}

/* The gfns of @slot whose hva lies in [start, end). */
static struct okvm_gfn_range okvm_memslot_hva_gfns(const struct okvm_memslot *slot,
						   unsigned long start,
						   unsigned long end)
{
	unsigned long base = slot->userspace_addr;
	unsigned long limit = base + (slot->npages << PAGE_SHIFT);
	unsigned long s = max(start, base), e = min(end, limit);

	if (s >= e)
		return (struct okvm_gfn_range){};
	return (struct okvm_gfn_range){
		.start = slot->base_gfn + ((s - base) >> PAGE_SHIFT),
		.end = slot->base_gfn + DIV_ROUND_UP(e - base, PAGE_SIZE),
	};
}

static int okvm_mn_invalidate_range_start(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = okvm_mn_vm(mn);
	struct okvm_gfn_range hull = {}, flush = {};
	const struct okvm_memslots *slots;
	u32 i;
	int idx;

	trace_okvm_notifier_invalidate(range->start, range->end, OKVM_TRACE_INVALIDATE_START);
	/* First: a cache's refresh may wait for what this one waits for. */
	okvm_gpc_invalidate_start(vm, range->start, range->end);
	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu_lock);
	/*
	 * Read the memslots under the lock: a slot is added only under it
	 * while no invalidation is in progress, so this one sees every slot a
	 * fault could use until it ends; and a slot being deleted or moved is
	 * still here, marked invalid, until its old gfns are zapped
	 * (core/memslot.c), so zap those too, whether valid or not.
	 */
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	for (i = 0; i < slots->nr; i++) {
		struct okvm_gfn_range gfns, zapped;

		gfns = okvm_memslot_hva_gfns(&slots->slots[i], range->start, range->end);
		if (okvm_gfn_range_empty(gfns))
			continue;
		hull = okvm_gfn_range_hull(hull, gfns);
		/* No yield: faults must not map gfns before begin is recorded. */
		okvm_tdp_zap_leafs(vm, gfns, &zapped, false);
		flush = okvm_gfn_range_hull(flush, zapped);
	}
	if (!okvm_gfn_range_empty(hull))
		okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_NOTIFIER_INVALIDATIONS, 1);
	/* Under the write lock the order of begin and zap is invisible. */
	okvm_mmu_invalidate_begin(vm, hull);
	if (!okvm_gfn_range_empty(flush))
		okvm_flush_remote_tlbs_range(vm, flush.start,
					     okvm_gfn_range_nr_pages(flush));
	write_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return 0;
}

static void okvm_mn_invalidate_range_end(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = okvm_mn_vm(mn);

	trace_okvm_notifier_invalidate(range->start, range->end, OKVM_TRACE_INVALIDATE_END);
	write_lock(&vm->mmu_lock);
	okvm_mmu_invalidate_end(vm);
	write_unlock(&vm->mmu_lock);
	okvm_gpc_invalidate_end(vm);
}

/* The mm is going away: nothing the guest maps stays valid. */
static void okvm_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct okvm_vm *vm = okvm_mn_vm(mn);
	struct okvm_gfn_range all = { 0, okvm_max_gfn() }, flush;

	okvm_gpc_invalidate_start(vm, 0, ULONG_MAX);
	okvm_gpc_invalidate_end(vm);
	write_lock(&vm->mmu_lock);
	okvm_tdp_zap_leafs(vm, all, &flush, false);
	if (!okvm_gfn_range_empty(flush))
		okvm_flush_remote_tlbs_range(vm, flush.start,
					     okvm_gfn_range_nr_pages(flush));
	write_unlock(&vm->mmu_lock);
}

/*
 * Age with @age the gfns of every memslot that maps a page of [start, end).
 * Returns the hull of the slot ranges that held a young leaf, empty if none.
 * Reclaim calls the young callbacks under the host's page-table lock, so
 * nothing here may sleep; mmu_lock for read lets vCPU faults go on meanwhile
 * (locking in mmu/age.c).
 */
static struct okvm_gfn_range
okvm_mn_age_hva(struct okvm_vm *vm, unsigned long start, unsigned long end,
		bool (*age)(struct okvm_vm *vm, struct okvm_gfn_range range))
{
	struct okvm_gfn_range young = {};
	const struct okvm_memslots *slots;
	u32 i;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	read_lock(&vm->mmu_lock);
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	for (i = 0; i < slots->nr; i++) {
		struct okvm_gfn_range gfns;

		gfns = okvm_memslot_hva_gfns(&slots->slots[i], start, end);
		if (!okvm_gfn_range_empty(gfns) && age(vm, gfns))
			young = okvm_gfn_range_hull(young, gfns);
	}
	read_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return young;
}

/*
 * Reclaim's test-and-clear: flush what was cleared, so that a guest access
 * walks the tables and sets the bit again instead of using a cached
 * translation, and the next aging pass sees it. The flush needs no
 * mmu_lock: it only makes vCPUs drop translations, and nothing waits for
 * it but this caller.
 */
static int okvm_mn_clear_flush_young(struct mmu_notifier *mn, struct mm_struct *mm,
				     unsigned long start, unsigned long end)
{
	struct okvm_vm *vm = okvm_mn_vm(mn);
	struct okvm_gfn_range young;

	young = okvm_mn_age_hva(vm, start, end, okvm_tdp_age_gfn_range);
	if (okvm_gfn_range_empty(young))
		return 0;
	okvm_flush_remote_tlbs_range(vm, young.start, okvm_gfn_range_nr_pages(young));
	return 1;
}

/*
 * The same without the flush (page_idle, MGLRU): cheaper, and an access the
 * guest makes through a translation it still caches goes unseen until the
 * next flush.
 */
static int okvm_mn_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long start, unsigned long end)
{
	struct okvm_vm *vm = okvm_mn_vm(mn);

	return !okvm_gfn_range_empty(okvm_mn_age_hva(vm, start, end,
						     okvm_tdp_age_gfn_range));
}

static int okvm_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			      unsigned long address)
{
	struct okvm_vm *vm = okvm_mn_vm(mn);

	return !okvm_gfn_range_empty(okvm_mn_age_hva(vm, address, address + 1,
						     okvm_tdp_test_age_gfn_range));
}

static const struct mmu_notifier_ops okvm_mn_ops = {
	.invalidate_range_start = okvm_mn_invalidate_range_start,
	.invalidate_range_end = okvm_mn_invalidate_range_end,
	.clear_flush_young = okvm_mn_clear_flush_young,
	.clear_young = okvm_mn_clear_young,
	.test_young = okvm_mn_test_young,
	.release = okvm_mn_release,
};

/**
 * okvm_mmu_notifier_register() - follow the creating mm
 * @vm: a new VM; current->mm is vm->mm
 *
 * Return: 0 or the error of mmu_notifier_register().
 */
int okvm_mmu_notifier_register(struct okvm_vm *vm)
{
	vm->mmu_notifier.ops = &okvm_mn_ops;
	return mmu_notifier_register(&vm->mmu_notifier, vm->mm);
}

/**
 * okvm_mmu_notifier_unregister() - stop following the mm
 * @vm: a dying VM
 *
 * Runs release if the mm is still alive, and waits for running callbacks.
 */
void okvm_mmu_notifier_unregister(struct okvm_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}

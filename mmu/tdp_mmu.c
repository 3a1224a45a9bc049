// SPDX-License-Identifier: GPL-2.0
/*
 * The TDP MMU: one root per VM, leaves installed by faults under mmu_lock
 * held for read, removed by zaps under it held for write.
 *
 * Why atomics under the read lock: faults on several vCPUs walk and fill
 * the same tables at once, so every change they make is a cmpxchg against
 * the value they read; losing one means another vCPU got there first, and
 * the fault is retried from the guest. A zap holds the write lock, so no
 * fault runs; it still exchanges atomically because the CPU may set
 * accessed/dirty bits in a leaf at any time (okvm creates leaves with both
 * set today, but access tracking will clear them).
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/spinlock.h>

#include <okvm/hw.h>
#include <okvm/vm.h>

#include "tdp_iter.h"
#include "tdp_mmu.h"

static u64 *okvm_mmu_page_cache_pop(struct okvm_mmu_page_cache *cache)
{
	return cache->nr ? cache->pages[--cache->nr] : NULL;
}

/* A table that lost its install race is still zeroed: keep it. */
static void okvm_mmu_page_cache_push(struct okvm_mmu_page_cache *cache, u64 *table)
{
	cache->pages[cache->nr++] = table;
}

static int okvm_mmu_page_cache_topup(struct okvm_mmu_page_cache *cache, int nr)
{
	while (cache->nr < nr) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = page;
	}
	return 0;
}

/**
 * okvm_mmu_page_cache_free() - free the pages a vCPU kept for faults
 * @cache: the cache
 */
void okvm_mmu_page_cache_free(struct okvm_mmu_page_cache *cache)
{
	while (cache->nr)
		free_page((unsigned long)cache->pages[--cache->nr]);
}

/**
 * okvm_mmu_page_cache_fill() - make sure a fault at 4K can allocate tables
 * @vcpu: the faulting vCPU
 *
 * Return: 0 or -ENOMEM. Runs before mmu_lock is taken: it may sleep.
 */
int okvm_mmu_page_cache_fill(struct okvm_vcpu *vcpu)
{
	return okvm_mmu_page_cache_topup(&vcpu->page_cache,
					 vcpu->vm->mmu.root_level - 1);
}

/* Under the read lock: replace the entry if nobody changed it meanwhile. */
static bool okvm_tdp_iter_cmpxchg(struct okvm_tdp_iter *iter, u64 new)
{
	if (!try_cmpxchg64(iter->sptep, &iter->old_spte, new))
		return false;
	iter->old_spte = new;
	return true;
}

/* Under the write lock: clear the entry, returning what it held. */
static u64 okvm_tdp_iter_zap(struct okvm_tdp_iter *iter)
{
	u64 old = xchg(iter->sptep, 0);

	iter->old_spte = 0;
	return old;
}

/**
 * okvm_tdp_map() - install a 4K leaf for a fault
 * @vm: the VM, mmu_lock held for read
 * @cache: zeroed pages for missing tables
 * @gfn: the faulting gfn
 * @pfn: the host page backing it
 * @writable: map it writable
 *
 * Return: 0 when the leaf maps @pfn; -EAGAIN when another vCPU changed an
 * entry first (the guest retries the access).
 */
int okvm_tdp_map(struct okvm_vm *vm, struct okvm_mmu_page_cache *cache,
		 gfn_t gfn, kvm_pfn_t pfn, bool writable)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_gfn_range range = { gfn, gfn + 1 };
	struct okvm_tdp_iter iter;
	u64 *table;

	lockdep_assert_held_read(&vm->mmu_lock);

	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1, range); iter.valid;
	     okvm_tdp_iter_next(&iter)) {
		if (iter.level == 1) {
			u64 new = okvm_spte_make_leaf(fmt, pfn, 1, writable);

			if (iter.old_spte == new)
				return 0;
			/* Upgrade a read-only leaf of the same page only. */
			if (okvm_spte_present(fmt, iter.old_spte) &&
			    okvm_spte_pfn(fmt, iter.old_spte) != pfn)
				return -EAGAIN;
			return okvm_tdp_iter_cmpxchg(&iter, new) ? 0 : -EAGAIN;
		}
		if (okvm_spte_present(fmt, iter.old_spte)) {
			if (okvm_spte_leaf(fmt, iter.old_spte, iter.level))
				return -EAGAIN;
			continue;
		}
		table = okvm_mmu_page_cache_pop(cache);
		if (WARN_ON_ONCE(!table))
			return -EAGAIN;
		/* On failure old_spte holds the winner's table: descend into it. */
		if (!okvm_tdp_iter_cmpxchg(&iter, okvm_spte_make_table(fmt, __pa(table))))
			okvm_mmu_page_cache_push(cache, table);
	}
	return -EAGAIN;
}

/**
 * okvm_tdp_zap_leafs() - remove every leaf mapping a gfn of @range
 * @vm: the VM, mmu_lock held for write
 * @range: [start, end)
 *
 * Tables stay for reuse. A leaf larger than 4K that overlaps the range is
 * removed whole.
 *
 * Return: true if a leaf was removed and TLBs need a flush.
 */
bool okvm_tdp_zap_leafs(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_tdp_iter iter;
	bool zapped = false;

	lockdep_assert_held_write(&vm->mmu_lock);

	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1, range); iter.valid;
	     okvm_tdp_iter_next(&iter)) {
		if (!okvm_spte_present(fmt, iter.old_spte) ||
		    !okvm_spte_leaf(fmt, iter.old_spte, iter.level))
			continue;
		okvm_tdp_iter_zap(&iter);
		zapped = true;
	}
	return zapped;
}

/**
 * okvm_mmu_init() - give a new VM an empty root
 * @vm: the VM
 *
 * The root has the host's paging depth: NPT walks with the host's mode.
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_mmu_init(struct okvm_vm *vm)
{
	vm->mmu.fmt = okvm_hw->spte_format();
	vm->mmu.root_level = pgtable_l5_enabled() ? 5 : 4;
	vm->mmu.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return vm->mmu.root ? 0 : -ENOMEM;
}

/**
 * okvm_mmu_root_pa() - physical address of the VM's root table
 * @vm: the VM
 *
 * Return: the address (without any memory-encryption bit).
 */
phys_addr_t okvm_mmu_root_pa(struct okvm_vm *vm)
{
	return __pa(vm->mmu.root);
}

static void okvm_tdp_free_table(const struct okvm_spte_format *fmt, u64 *table,
				int level)
{
	int i;

	for (i = 0; level > 1 && i < OKVM_TDP_ENTRIES; i++) {
		u64 spte = table[i];

		if (okvm_spte_present(fmt, spte) && !okvm_spte_leaf(fmt, spte, level))
			okvm_tdp_free_table(fmt, __va(okvm_spte_addr(fmt, spte)),
					    level - 1);
	}
	free_page((unsigned long)table);
}

/**
 * okvm_mmu_destroy() - free every table of a dying VM
 * @vm: the VM; no vCPU, notifier or fault can reach the tables any more
 */
void okvm_mmu_destroy(struct okvm_vm *vm)
{
	if (vm->mmu.root)
		okvm_tdp_free_table(vm->mmu.fmt, vm->mmu.root, vm->mmu.root_level);
	vm->mmu.root = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The TDP MMU: one root per VM, leaves installed by faults under mmu_lock
 * held for read, removed by zaps under it held for write.
 *
 * Why atomics under the read lock: faults on several vCPUs walk and fill
 * the same tables at once, so every change they make is a cmpxchg against
 * the value they read; losing one means another vCPU got there first, and
 * the fault is retried from the guest. A zap holds the write lock, so no
 * fault runs; it still exchanges atomically because the CPU sets the
 * accessed bit of a leaf at any time (aging clears it).
 *
 * A fault may unlink a table, to put a huge leaf where it was. Walkers that
 * entered the table before (other faults, aging, the fast write fault) may
 * still be inside: they hold rcu_read_lock(), the table is freed only after
 * a grace period, and the fault first freezes every entry of it, so that
 * their cmpxchg fails and they retry from the root.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
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

/* Leaves mapped at each level, for the stats fd. */
static void okvm_tdp_account_leaf(struct okvm_vm *vm, int level, s64 n)
{
	static const enum okvm_vm_stat gauge[] = {
		[1] = OKVM_VM_STAT_PAGES_4K,
		[2] = OKVM_VM_STAT_PAGES_2M,
		[3] = OKVM_VM_STAT_PAGES_1G,
	};

	if (!WARN_ON_ONCE(level < 1 || level >= ARRAY_SIZE(gauge)))
		okvm_vm_stat_add(&vm->stats, gauge[level], n);
}

/*
 * A leaf larger than the fault wants already maps the gfn. If it allows
 * the access, another vCPU mapped it first: done. If not (a read-only
 * hugepage and a write, or a smaller max_huge_level since), remove it, so
 * that the retried fault maps at its own size instead of finding it again.
 */
static int okvm_tdp_map_over_leaf(struct okvm_vm *vm, struct okvm_tdp_iter *iter,
				  bool writable)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	u64 pages = okvm_tdp_level_pages(iter->level);

	if (!writable || okvm_spte_writable(fmt, iter->old_spte))
		return 0;
	if (!okvm_tdp_iter_cmpxchg(iter, 0))
		return -EAGAIN;
	okvm_tdp_account_leaf(vm, iter->level, -1);
	okvm_flush_remote_tlbs_range(vm, iter->gfn, pages);
	return -EAGAIN;
}

static void okvm_tdp_free_table_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

/*
 * Take over @table (at @level), which a fault has just unlinked: exchange
 * every entry for OKVM_SPTE_FROZEN, so that a walker still inside it (one
 * that read the parent before the unlink) fails its cmpxchg and retries
 * instead of changing an entry nobody will read again; account the leaves
 * it held, do the same for the tables below it, and free each table after
 * an RCU grace period, when no walker can hold a pointer into it any more.
 */
static void okvm_tdp_freeze_table(struct okvm_vm *vm, u64 *table, int level)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	int i;

	for (i = 0; i < OKVM_TDP_ENTRIES; i++) {
		u64 old = xchg(&table[i], OKVM_SPTE_FROZEN);

		if (!okvm_spte_present(fmt, old))
			continue;
		if (okvm_spte_leaf(fmt, old, level))
			okvm_tdp_account_leaf(vm, level, -1);
		else
			okvm_tdp_freeze_table(vm, __va(okvm_spte_addr(fmt, old)), level - 1);
	}
	call_rcu(&virt_to_page(table)->rcu_head, okvm_tdp_free_table_rcu);
}

/*
 * A table sits where the fault may map a huge leaf: the host maps the
 * range huge now (khugepaged or MADV_COLLAPSE replaced its 4K pages, which
 * zapped the leaves that mapped them), or max_huge_level went up. Any leaf
 * still in the table maps a part of the same host page, since a change of
 * the host's mapping would have zapped it. Swap the table for @leaf in one
 * cmpxchg, take the table over, and flush: the CPU may still hold
 * translations and paging-structure entries through the table.
 */
static int okvm_tdp_replace_table(struct okvm_vm *vm, struct okvm_tdp_iter *iter, u64 leaf)
{
	u64 *table = __va(okvm_spte_addr(iter->fmt, iter->old_spte));

	if (!okvm_tdp_iter_cmpxchg(iter, leaf))
		return -EAGAIN;
	okvm_tdp_account_leaf(vm, iter->level, 1);
	okvm_tdp_freeze_table(vm, table, iter->level - 1);
	okvm_flush_remote_tlbs_range(vm, iter->gfn, okvm_tdp_level_pages(iter->level));
	return 0;
}

/* okvm_tdp_map() inside rcu_read_lock(). */
static int okvm_tdp_walk_and_map(struct okvm_vm *vm, struct okvm_mmu_page_cache *cache,
				 gfn_t gfn, kvm_pfn_t pfn, int level, bool writable)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_gfn_range range = { gfn, gfn + 1 };
	struct okvm_tdp_iter iter;
	u64 *table;

	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1, range); iter.valid;
	     okvm_tdp_iter_next(&iter)) {
		bool present = okvm_spte_present(fmt, iter.old_spte);

		/* Inside a table another fault unlinked: start again. */
		if (iter.old_spte == OKVM_SPTE_FROZEN)
			return -EAGAIN;
		if (iter.level == level) {
			kvm_pfn_t base = pfn - (gfn & (okvm_tdp_level_pages(level) - 1));
			u64 new = okvm_spte_make_leaf(fmt, base, level, writable);

			if (present && !okvm_spte_leaf(fmt, iter.old_spte, level))
				return okvm_tdp_replace_table(vm, &iter, new);
			if (present) {
				if (okvm_spte_pfn(fmt, iter.old_spte) != base)
					return -EAGAIN;
				/*
				 * Another vCPU mapped it first: keep its leaf
				 * unless this is a write it does not allow
				 * (a read must not take write access away).
				 */
				if (!writable || okvm_spte_writable(fmt, iter.old_spte))
					return 0;
			}
			if (!okvm_tdp_iter_cmpxchg(&iter, new))
				return -EAGAIN;
			if (!present)
				okvm_tdp_account_leaf(vm, level, 1);
			return 0;
		}
		if (present && okvm_spte_leaf(fmt, iter.old_spte, iter.level))
			return okvm_tdp_map_over_leaf(vm, &iter, writable);
		if (present)
			continue;
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
 * okvm_tdp_map() - install a leaf for a fault
 * @vm: the VM, mmu_lock held for read
 * @cache: zeroed pages for missing tables
 * @gfn: the faulting gfn
 * @pfn: the host page backing @gfn (4K granule)
 * @level: the largest leaf the memslot and the host mapping allow
 * @writable: map it writable
 *
 * A table present where a leaf of @level goes is replaced by the leaf (and
 * freed after an RCU grace period), so that memory the host now maps huge
 * is mapped huge again; the guest's TLB entries through it are flushed
 * before this returns.
 *
 * Return: 0 when a leaf maps @pfn; -EAGAIN when another vCPU changed an
 * entry first (the guest retries the access).
 */
int okvm_tdp_map(struct okvm_vm *vm, struct okvm_mmu_page_cache *cache,
		 gfn_t gfn, kvm_pfn_t pfn, int level, bool writable)
{
	int r;

	lockdep_assert_held_read(&vm->mmu_lock);

	/* Tables that faults unlink are freed after a grace period. */
	rcu_read_lock();
	r = okvm_tdp_walk_and_map(vm, cache, gfn, pfn, level, writable);
	rcu_read_unlock();
	return r;
}

/* Entries a write-locked walk visits between checks for a reschedule. */
#define OKVM_WALK_BATCH		64

/*
 * Let waiters on mmu_lock and the scheduler in, from a walk that zaps or
 * write-protects. What it changed so far is flushed first: with the lock
 * dropped, nothing else may rely on it. The walk then restarts from the
 * root at the next gfn, because the tables it held may have changed while
 * the lock was free.
 */
static void okvm_tdp_walk_yield(struct okvm_vm *vm, struct okvm_tdp_iter *iter,
				struct okvm_gfn_range *pending)
{
	if (!need_resched() && !rwlock_needbreak(&vm->mmu_lock))
		return;
	if (!okvm_gfn_range_empty(*pending)) {
		okvm_flush_remote_tlbs_range(vm, pending->start,
					     okvm_gfn_range_nr_pages(*pending));
		*pending = (struct okvm_gfn_range){};
	}
	cond_resched_rwlock_write(&vm->mmu_lock);
	okvm_tdp_iter_start(iter, &vm->mmu, 1,
			    (struct okvm_gfn_range){ iter->next_gfn, iter->end });
}

/**
 * okvm_tdp_zap_leafs() - remove every leaf mapping a gfn of @range
 * @vm: the VM, mmu_lock held for write
 * @range: [start, end)
 * @flush: out: the gfns whose TLB entries the caller must flush (the hull
 *	of the leaves removed and not yet flushed), empty if none
 * @can_yield: the caller allows mmu_lock to be dropped in between
 *
 * Tables stay for reuse. A leaf larger than 4K that overlaps the range is
 * removed whole, so @flush may extend past @range.
 *
 * Return: the number of leaves removed.
 */
u64 okvm_tdp_zap_leafs(struct okvm_vm *vm, struct okvm_gfn_range range,
		       struct okvm_gfn_range *flush, bool can_yield)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_tdp_iter iter;
	unsigned int visited = 0;
	u64 zapped = 0;

	lockdep_assert_held_write(&vm->mmu_lock);

	*flush = (struct okvm_gfn_range){};
	okvm_tdp_iter_start(&iter, &vm->mmu, 1, range);
	while (iter.valid) {
		if (okvm_spte_present(fmt, iter.old_spte) &&
		    okvm_spte_leaf(fmt, iter.old_spte, iter.level)) {
			struct okvm_gfn_range leaf = {
				iter.gfn, iter.gfn + okvm_tdp_level_pages(iter.level)
			};

			okvm_tdp_iter_zap(&iter);
			okvm_tdp_account_leaf(vm, iter.level, -1);
			*flush = okvm_gfn_range_hull(*flush, leaf);
			zapped++;
		}
		okvm_tdp_iter_next(&iter);
		if (can_yield && iter.valid && !(++visited % OKVM_WALK_BATCH))
			okvm_tdp_walk_yield(vm, &iter, flush);
	}
	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_SPTES_ZAPPED, zapped);
	return zapped;
}

/*
 * Clear the writable bit of the 4K leaf at @iter. The CPU may set the
 * accessed and dirty bits of a present leaf at any time, even with
 * mmu_lock held for write, so the bit goes with a cmpxchg against the value
 * read, retried on a change: a plain store could lose the hardware's update.
 */
static bool okvm_tdp_iter_clear_writable(struct okvm_tdp_iter *iter)
{
	u64 mask = iter->fmt->writable_mask;

	while (okvm_spte_writable(iter->fmt, iter->old_spte)) {
		if (try_cmpxchg64(iter->sptep, &iter->old_spte,
				  iter->old_spte & ~mask)) {
			iter->old_spte &= ~mask;
			return true;
		}
	}
	return false;
}

/*
 * Write-protect the leaves mapping [range.start, range.end): all of them if
 * @mask is NULL, else only the 4K leaves whose bit (gfn - @mask_base) is
 * set in *@mask, a range of at most BITS_PER_LONG pages from @mask_base.
 * Widens *@flush by what changed.
 */
static u64 okvm_tdp_protect_leafs(struct okvm_vm *vm, struct okvm_gfn_range range,
				  gfn_t mask_base, const unsigned long *mask,
				  struct okvm_gfn_range *flush, bool can_yield)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	u64 changed = 0, zapped = 0;
	struct okvm_tdp_iter iter;
	unsigned int visited = 0;

	lockdep_assert_held_write(&vm->mmu_lock);

	okvm_tdp_iter_start(&iter, &vm->mmu, 1, range);
	while (iter.valid) {
		struct okvm_gfn_range leaf = {
			iter.gfn, iter.gfn + okvm_tdp_level_pages(iter.level)
		};
		bool present_leaf = okvm_spte_present(fmt, iter.old_spte) &&
				    okvm_spte_leaf(fmt, iter.old_spte, iter.level);

		if (present_leaf && iter.level > 1) {
			okvm_tdp_iter_zap(&iter);
			okvm_tdp_account_leaf(vm, iter.level, -1);
			*flush = okvm_gfn_range_hull(*flush, leaf);
			zapped++;
			changed++;
		} else if (present_leaf && (!mask || test_bit(iter.gfn - mask_base, mask)) &&
			   okvm_tdp_iter_clear_writable(&iter)) {
			*flush = okvm_gfn_range_hull(*flush, leaf);
			changed++;
		}
		okvm_tdp_iter_next(&iter);
		if (can_yield && iter.valid && !(++visited % OKVM_WALK_BATCH))
			okvm_tdp_walk_yield(vm, &iter, flush);
	}
	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_SPTES_ZAPPED, zapped);
	return changed;
}

/**
 * okvm_tdp_write_protect() - make every gfn of @range fault on a write, and
 *	map it at 4K only
 * @vm: the VM, mmu_lock held for write
 * @range: [start, end)
 * @flush: out: the hull of the leaves changed, for the caller to flush
 *	before it drops mmu_lock; empty if none changed
 * @can_yield: the caller allows mmu_lock to be dropped in between
 *
 * Dirty logging tracks writes per 4K page, so a leaf larger than 4K that
 * overlaps @range is removed whole (the guest faults it back at 4K, which
 * the fault path chooses for a logging memslot), and a writable 4K leaf
 * loses its writable bit. Read-only leaves stay as they are.
 *
 * Why the write lock: removing a huge leaf is a zap, and zaps hold the
 * write side in okvm; it also makes "take the dirty bits, then protect"
 * one step against faults, which set a page's dirty bit and map it writable
 * under the read side (see mmu/dirty_log.c).
 *
 * With @can_yield, over large ranges it yields mmu_lock as a zap does
 * (flushing what it changed so far, which @flush then no longer holds). A fault that runs
 * meanwhile may map a page of @range writable and set its dirty bit; if
 * the walk has not passed it yet, it protects it again, and the bit
 * reports it next time, as for any write after the bits were taken.
 *
 * Return: the number of leaves changed (removed or protected).
 */
u64 okvm_tdp_write_protect(struct okvm_vm *vm, struct okvm_gfn_range range,
			   struct okvm_gfn_range *flush, bool can_yield)
{
	*flush = (struct okvm_gfn_range){};
	return okvm_tdp_protect_leafs(vm, range, 0, NULL, flush, can_yield);
}

/**
 * okvm_tdp_write_protect_masked() - okvm_tdp_write_protect() for the 4K
 *	pages a bitmap word names
 * @vm: the VM, mmu_lock held for write
 * @base: the gfn of bit 0 of @mask
 * @mask: one bit per page from @base; not 0
 * @flush: widened by the hull of the leaves changed (not reset: callers
 *	go word by word and flush once)
 *
 * A leaf larger than 4K that maps a page of @mask is removed whole, as by
 * okvm_tdp_write_protect(); 4K leaves whose bit is clear stay as they are.
 *
 * Return: the number of leaves changed.
 */
u64 okvm_tdp_write_protect_masked(struct okvm_vm *vm, gfn_t base, unsigned long mask,
				  struct okvm_gfn_range *flush)
{
	struct okvm_gfn_range range = { base + __ffs(mask), base + __fls(mask) + 1 };

	/* At most BITS_PER_LONG pages: never long enough to yield. */
	return okvm_tdp_protect_leafs(vm, range, base, &mask, flush, false);
}

/*
 * Unlink the empty tables below @table (at @level, mapping from @base) that
 * lie in @range, and queue their pages on @free. Returns true if @table has
 * no present entry left. A table whose gfns stick out of @range is kept, even
 * if empty: its neighbours may be in use by another memslot's faults later,
 * and it is not this caller's business.
 */
static bool okvm_tdp_prune(const struct okvm_spte_format *fmt, u64 *table, int level,
			   gfn_t base, struct okvm_gfn_range range,
			   struct okvm_gfn_range *flush, struct list_head *free)
{
	u64 pages = okvm_tdp_level_pages(level);
	bool empty = true;
	int i;

	for (i = 0; i < OKVM_TDP_ENTRIES; i++) {
		struct okvm_gfn_range entry = { base + i * pages, base + (i + 1) * pages };
		u64 spte = READ_ONCE(table[i]);
		u64 *child;

		if (!okvm_spte_present(fmt, spte))
			continue;
		if (okvm_spte_leaf(fmt, spte, level) ||
		    entry.start < range.start || entry.end > range.end) {
			if (okvm_gfn_ranges_overlap(entry, range) &&
			    !okvm_spte_leaf(fmt, spte, level))
				okvm_tdp_prune(fmt, __va(okvm_spte_addr(fmt, spte)),
					       level - 1, entry.start, range, flush, free);
			empty = false;
			continue;
		}
		child = __va(okvm_spte_addr(fmt, spte));
		if (!okvm_tdp_prune(fmt, child, level - 1, entry.start, range, flush,
				    free)) {
			empty = false;
			continue;
		}
		WRITE_ONCE(table[i], 0);
		list_add(&virt_to_page(child)->lru, free);
		*flush = okvm_gfn_range_hull(*flush, entry);
	}
	return empty;
}

/**
 * okvm_tdp_free_empty_tables() - unlink and free the tables inside @range
 *	that map nothing
 * @vm: the VM, mmu_lock held for write
 * @range: [start, end); only tables whose whole gfn span lies inside go
 *
 * When dirty logging stops, the memslot's leaves are zapped first and then
 * this frees the tables they leave empty: the memory is not needed, and the
 * next faults map huge leaves without first unlinking a table each.
 *
 * Why this is safe while the VM lives: every software walker of the tables
 * (faults, aging, zaps) holds mmu_lock, which this holds for write; the
 * CPU's own walker may have cached the tables, so the range is flushed
 * before the pages go. They go after an RCU grace period all the same:
 * walkers that hold only rcu_read_lock() (aging already does) may then
 * come without revisiting this. The root is never freed.
 *
 * Return: the number of tables freed.
 */
u64 okvm_tdp_free_empty_tables(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	struct okvm_gfn_range flush = {};
	struct page *page, *next;
	LIST_HEAD(free);
	u64 n = 0;

	lockdep_assert_held_write(&vm->mmu_lock);

	if (okvm_gfn_range_empty(range))
		return 0;
	okvm_tdp_prune(vm->mmu.fmt, vm->mmu.root, vm->mmu.root_level, 0, range,
		       &flush, &free);
	if (okvm_gfn_range_empty(flush))
		return 0;
	okvm_flush_remote_tlbs_range(vm, flush.start, okvm_gfn_range_nr_pages(flush));
	list_for_each_entry_safe(page, next, &free, lru) {
		list_del(&page->lru);
		call_rcu(&page->rcu_head, okvm_tdp_free_table_rcu);
		n++;
	}
	return n;
}

/**
 * okvm_mmu_init() - give a new VM an empty root
 * @vm: the VM
 *
 * The root has the depth the format's CPU walks (NPT: the host's).
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_mmu_init(struct okvm_vm *vm)
{
	vm->mmu.fmt = okvm_hw->spte_format();
	vm->mmu.root_level = vm->mmu.fmt->root_level;
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

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the walks of dirty logging on a VM of their own:
 * okvm_tdp_write_protect() (4K leaves lose their writable bit, larger ones
 * go whole, half-open range, the flush hull), its masked form, and
 * okvm_tdp_free_empty_tables() (only empty tables wholly inside the range
 * go, after which a huge leaf can be mapped there again); and the lockless
 * write fault that undoes the first for a page the guest may write.
 *
 * The leaves point at made-up pfns: nothing here ever reads through them.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <okvm/vm.h>

#include "../../mmu/tdp_iter.h"
#include "../../mmu/tdp_mmu.h"
#include "tdp_vm_fixture.h"

#define PAGES_2M	512

/* The leaf mapping @gfn: its level (0 if none) and its value. */
static int okvm_wrprot_test_leaf(struct okvm_vm *vm, gfn_t gfn, u64 *spte)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_tdp_iter iter;

	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1,
				 (struct okvm_gfn_range){ gfn, gfn + 1 });
	     iter.valid; okvm_tdp_iter_next(&iter)) {
		if (okvm_spte_present(fmt, iter.old_spte) &&
		    okvm_spte_leaf(fmt, iter.old_spte, iter.level)) {
			*spte = iter.old_spte;
			return iter.level;
		}
	}
	*spte = 0;
	return 0;
}

static bool okvm_wrprot_test_writable(struct okvm_vm *vm, gfn_t gfn)
{
	u64 spte;

	return okvm_wrprot_test_leaf(vm, gfn, &spte) &&
	       okvm_spte_writable(vm->mmu.fmt, spte);
}

static u64 okvm_wrprot_test_protect(struct okvm_vm *vm, gfn_t start, gfn_t end,
				    struct okvm_gfn_range *flush)
{
	u64 n;

	write_lock(&vm->mmu_lock);
	n = okvm_tdp_write_protect(vm, (struct okvm_gfn_range){ start, end }, flush, false);
	write_unlock(&vm->mmu_lock);
	return n;
}

static void okvm_wrprot_4k_and_huge(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush;
	u64 spte;

	okvm_test_map(test, vm, &cache, 10, 1, true);
	okvm_test_map(test, vm, &cache, 11, 1, true);
	okvm_test_map(test, vm, &cache, 12, 1, true);
	okvm_test_map(test, vm, &cache, 13, 1, false);
	okvm_test_map(test, vm, &cache, 2 * PAGES_2M + 3, 2, true);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_2M]), 1);

	/* [11, 2M + 1): 11 and 12 protected, 13 already was, the 2M leaf goes. */
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_protect(vm, 11, 2 * PAGES_2M + 1,
						       &flush), 3);
	KUNIT_EXPECT_EQ(test, flush.start, 11);
	KUNIT_EXPECT_EQ(test, flush.end, 3 * PAGES_2M);
	KUNIT_EXPECT_TRUE(test, okvm_wrprot_test_writable(vm, 10));
	KUNIT_EXPECT_FALSE(test, okvm_wrprot_test_writable(vm, 11));
	KUNIT_EXPECT_FALSE(test, okvm_wrprot_test_writable(vm, 12));
	/* Still mapped, same page: only the writable bit went. */
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_leaf(vm, 12, &spte), 1);
	KUNIT_EXPECT_EQ(test, okvm_spte_pfn(vm->mmu.fmt, spte), 0x100000 + 12);
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_leaf(vm, 2 * PAGES_2M + 3, &spte), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_2M]), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_4K]), 4);

	/* Nothing left to change: no flush. */
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_protect(vm, 0, 4 * PAGES_2M, &flush), 1);
	KUNIT_EXPECT_EQ(test, flush.start, 10);
	KUNIT_EXPECT_EQ(test, flush.end, 11);
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_protect(vm, 0, 4 * PAGES_2M, &flush), 0);
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(flush));
	okvm_test_vm_free(vm, &cache);
}

/* Zap [0, @zap_end), then free the empty tables of [0, @free_end). */
static u64 okvm_wrprot_test_free(struct okvm_vm *vm, gfn_t zap_end, gfn_t free_end)
{
	struct okvm_gfn_range flush;
	u64 n;

	write_lock(&vm->mmu_lock);
	okvm_tdp_zap_leafs(vm, (struct okvm_gfn_range){ 0, zap_end }, &flush, false);
	n = okvm_tdp_free_empty_tables(vm, (struct okvm_gfn_range){ 0, free_end });
	write_unlock(&vm->mmu_lock);
	return n;
}

static void okvm_free_empty_tables_lets_huge_back(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	u64 spte;

	okvm_test_map(test, vm, &cache, 5, 1, true);
	okvm_test_map(test, vm, &cache, PAGES_2M + 5, 1, true);

	/* A range that misses one gfn of the 4K table frees nothing. */
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_free(vm, PAGES_2M - 1, PAGES_2M - 1), 0);
	/* Two 4K tables in range, one still holds a leaf: only the other goes. */
	okvm_test_map(test, vm, &cache, 5, 1, true);
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_free(vm, PAGES_2M, 2 * PAGES_2M), 1);
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_leaf(vm, PAGES_2M + 5, &spte), 1);

	/* Where the table was, a 2M leaf fits again. */
	okvm_test_map(test, vm, &cache, 7, 2, true);
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_leaf(vm, 0, &spte), 2);
	okvm_test_vm_free(vm, &cache);
}

/*
 * After write protection, a write gets the writable bit back without
 * mmu_lock, and its dirty bit, only where the leaf was made writable; a
 * leaf mapped read-only (the host's page may not be written) and a gfn
 * with no leaf take the slow path. A read fault never takes write access
 * back from a leaf another vCPU made writable.
 */
static void okvm_fast_write_fault_only_where_writable_before(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_memslot slot = { .base_gfn = 8, .npages = 16 };
	struct okvm_gfn_range flush;

	slot.dirty_bitmap = kunit_kzalloc(test, 2 * sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slot.dirty_bitmap);
	okvm_test_map(test, vm, &cache, 10, 1, true);
	okvm_test_map(test, vm, &cache, 11, 1, false);
	okvm_test_map(test, vm, &cache, 10, 1, false);
	KUNIT_EXPECT_TRUE(test, okvm_wrprot_test_writable(vm, 10));
	KUNIT_EXPECT_EQ(test, okvm_wrprot_test_protect(vm, 8, 24, &flush), 1);

	KUNIT_EXPECT_TRUE(test, okvm_mmu_fast_write_fault(vm, &slot, 10));
	KUNIT_EXPECT_TRUE(test, okvm_wrprot_test_writable(vm, 10));
	KUNIT_EXPECT_EQ(test, slot.dirty_bitmap[0], BIT(10 - 8));
	/* Already writable (another vCPU won): done, nothing more to log. */
	slot.dirty_bitmap[0] = 0;
	KUNIT_EXPECT_TRUE(test, okvm_mmu_fast_write_fault(vm, &slot, 10));
	KUNIT_EXPECT_EQ(test, slot.dirty_bitmap[0], 0);

	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_write_fault(vm, &slot, 11));
	KUNIT_EXPECT_FALSE(test, okvm_wrprot_test_writable(vm, 11));
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_write_fault(vm, &slot, 12));
	KUNIT_EXPECT_EQ(test, slot.dirty_bitmap[0], 0);

	/* A zap takes the right away: the next write is a slow one again. */
	write_lock(&vm->mmu_lock);
	okvm_tdp_zap_leafs(vm, (struct okvm_gfn_range){ 10, 11 }, &flush, false);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_write_fault(vm, &slot, 10));
	okvm_test_vm_free(vm, &cache);
}

/*
 * The masked form (KVM_CLEAR_DIRTY_LOG): only the 4K leaves whose bits are
 * set lose write access, a huge leaf over any of them goes whole, and the
 * flush hull grows across calls instead of starting again.
 */
static void okvm_wrprot_masked(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush = {};
	u64 n;

	okvm_test_map_4k(test, vm, &cache, 64, 68);
	okvm_test_map(test, vm, &cache, 2 * PAGES_2M, 2, true);

	write_lock(&vm->mmu_lock);
	n = okvm_tdp_write_protect_masked(vm, 64, BIT(0) | BIT(2), &flush);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_FALSE(test, okvm_wrprot_test_writable(vm, 64));
	KUNIT_EXPECT_TRUE(test, okvm_wrprot_test_writable(vm, 65));
	KUNIT_EXPECT_FALSE(test, okvm_wrprot_test_writable(vm, 66));
	KUNIT_EXPECT_TRUE(test, okvm_wrprot_test_writable(vm, 67));
	KUNIT_EXPECT_EQ(test, flush.start, 64);
	KUNIT_EXPECT_EQ(test, flush.end, 67);

	/* One page of the 2M leaf: the leaf goes, and the hull takes it in. */
	write_lock(&vm->mmu_lock);
	n = okvm_tdp_write_protect_masked(vm, 2 * PAGES_2M + 64, BIT(3), &flush);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_2M]), 0);
	KUNIT_EXPECT_EQ(test, flush.start, 64);
	KUNIT_EXPECT_EQ(test, flush.end, 3 * PAGES_2M);
	okvm_test_vm_free(vm, &cache);
}

/* As okvm_zap_yields_and_resumes() (tdp_zap_test.c), for write protection. */
static void okvm_wrprot_yields_and_resumes(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush;
	gfn_t gfn;
	u64 n;

	okvm_test_map_4k(test, vm, &cache, 0, 200);
	write_lock(&vm->mmu_lock);
	okvm_test_ask_resched();
	n = okvm_tdp_write_protect(vm, (struct okvm_gfn_range){ 0, 200 }, &flush, true);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, n, 200);
	for (gfn = 0; gfn < 200; gfn++)
		KUNIT_EXPECT_FALSE(test, okvm_wrprot_test_writable(vm, gfn));
	KUNIT_EXPECT_GT(test, flush.start, 0);
	KUNIT_EXPECT_EQ(test, flush.end, 200);
	okvm_test_vm_free(vm, &cache);
}

static struct kunit_case okvm_tdp_write_protect_cases[] = {
	OKVM_CASE_PER_FORMAT(okvm_wrprot_4k_and_huge),
	OKVM_CASE_PER_FORMAT(okvm_free_empty_tables_lets_huge_back),
	OKVM_CASE_PER_FORMAT(okvm_fast_write_fault_only_where_writable_before),
	OKVM_CASE_PER_FORMAT(okvm_wrprot_masked),
	OKVM_CASE_PER_FORMAT(okvm_wrprot_yields_and_resumes),
	{}
};

static struct kunit_suite okvm_tdp_write_protect_suite = {
	.name = "okvm_tdp_write_protect",
	.test_cases = okvm_tdp_write_protect_cases,
};

kunit_test_suite(okvm_tdp_write_protect_suite);

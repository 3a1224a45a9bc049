// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: okvm_tdp_map() and okvm_tdp_zap_leafs() on a VM of their own,
 * with leaves of every size: leaves only, half-open ranges, a hugepage
 * that overlaps the range at all goes whole, a huge fault replaces the
 * table in its way, and the gauges follow.
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
#define PAGES_1G	(512 * 512)

static s64 okvm_zap_test_stat(struct okvm_vm *vm, enum okvm_vm_stat id)
{
	return atomic64_read(&vm->stats.v[id]);
}

static u64 okvm_zap_test_zap(struct okvm_vm *vm, gfn_t start, gfn_t end,
			     struct okvm_gfn_range *flush)
{
	u64 n;

	write_lock(&vm->mmu_lock);
	n = okvm_tdp_zap_leafs(vm, (struct okvm_gfn_range){ start, end }, flush,
			       false);
	write_unlock(&vm->mmu_lock);
	return n;
}

/* The leaf level mapping @gfn now, 0 if none. */
static int okvm_zap_test_level(struct okvm_vm *vm, gfn_t gfn)
{
	const struct okvm_spte_format *fmt = vm->mmu.fmt;
	struct okvm_tdp_iter iter;

	for (okvm_tdp_iter_start(&iter, &vm->mmu, 1,
				 (struct okvm_gfn_range){ gfn, gfn + 1 });
	     iter.valid; okvm_tdp_iter_next(&iter))
		if (okvm_spte_present(fmt, iter.old_spte) &&
		    okvm_spte_leaf(fmt, iter.old_spte, iter.level))
			return iter.level;
	return 0;
}

static void okvm_zap_hugepage_overlap_goes_whole(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush;

	okvm_test_map(test, vm, &cache, PAGES_2M + 7, 2, true);
	okvm_test_map(test, vm, &cache, 2 * PAGES_2M, 1, true);
	okvm_test_map(test, vm, &cache, 2 * PAGES_2M + 1, 1, true);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, PAGES_2M), 2);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_2M), 1);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_4K), 2);

	/* One 4K page in the middle of the 2M leaf: all of it goes. */
	KUNIT_EXPECT_EQ(test, okvm_zap_test_zap(vm, PAGES_2M + 100, PAGES_2M + 101,
						&flush), 1);
	KUNIT_EXPECT_EQ(test, flush.start, PAGES_2M);
	KUNIT_EXPECT_EQ(test, flush.end, 2 * PAGES_2M);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, PAGES_2M + 511), 0);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, 2 * PAGES_2M), 1);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_2M), 0);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_SPTES_ZAPPED), 1);
	okvm_test_vm_free(vm, &cache);
}

static void okvm_zap_half_open_edges(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush;

	okvm_test_map(test, vm, &cache, PAGES_2M, 2, true);
	okvm_test_map(test, vm, &cache, PAGES_2M - 1, 1, true);

	/* Ending exactly where the hugepage starts leaves it mapped. */
	KUNIT_EXPECT_EQ(test, okvm_zap_test_zap(vm, 0, PAGES_2M, &flush), 1);
	KUNIT_EXPECT_EQ(test, flush.start, PAGES_2M - 1);
	KUNIT_EXPECT_EQ(test, flush.end, PAGES_2M);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, PAGES_2M), 2);

	/* Starting where it ends misses it too. */
	KUNIT_EXPECT_EQ(test, okvm_zap_test_zap(vm, 2 * PAGES_2M, 3 * PAGES_2M,
						&flush), 0);
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(flush));
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, PAGES_2M), 2);

	/* An empty range zaps nothing and asks for no flush. */
	KUNIT_EXPECT_EQ(test, okvm_zap_test_zap(vm, PAGES_2M + 5, PAGES_2M + 5,
						&flush), 0);
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(flush));
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_2M), 1);
	okvm_test_vm_free(vm, &cache);
}

static void okvm_zap_keeps_tables(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush;
	int tables;

	okvm_test_map(test, vm, &cache, 3, 1, true);
	tables = OKVM_MAX_LEVEL - cache.nr;
	KUNIT_EXPECT_EQ(test, okvm_zap_test_zap(vm, 0, okvm_max_gfn(), &flush), 1);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_4K), 0);

	/* The tables are still there: mapping again allocates none. */
	okvm_test_map(test, vm, &cache, 4, 1, true);
	KUNIT_EXPECT_EQ(test, OKVM_MAX_LEVEL - cache.nr, 0);
	KUNIT_EXPECT_GT(test, tables, 0);
	okvm_test_vm_free(vm, &cache);
}

/* The table at @level on the way to @gfn, NULL if there is none. */
static u64 *okvm_zap_test_table(struct okvm_vm *vm, gfn_t gfn, int level)
{
	struct okvm_tdp_iter iter;

	for (okvm_tdp_iter_start(&iter, &vm->mmu, level,
				 (struct okvm_gfn_range){ gfn, gfn + 1 });
	     iter.valid; okvm_tdp_iter_next(&iter))
		if (iter.level == level)
			return iter.tables[level];
	return NULL;
}

/*
 * A huge fault where a table is (the host maps the range huge now) puts
 * the huge leaf in its place; the leaves the table held leave the stats,
 * and every entry of the unlinked table is frozen for walkers still inside
 * it. For 1G the tables two levels down go too.
 */
static void okvm_map_huge_replaces_table(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	u64 *old;
	int i;

	okvm_test_map(test, vm, &cache, PAGES_2M + 1, 1, true);
	okvm_test_map(test, vm, &cache, PAGES_2M + 2, 1, false);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_4K), 2);

	/*
	 * The unlinked table is freed after a grace period: hold one. (The
	 * page cache is full, so okvm_test_map() does not allocate in it.)
	 */
	rcu_read_lock();
	old = okvm_zap_test_table(vm, PAGES_2M + 1, 1);
	KUNIT_ASSERT_NOT_NULL(test, old);
	okvm_test_map(test, vm, &cache, PAGES_2M + 9, 2, true);
	for (i = 0; i < OKVM_TDP_ENTRIES; i++)
		KUNIT_EXPECT_EQ(test, READ_ONCE(old[i]), OKVM_SPTE_FROZEN);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, PAGES_2M + 1), 2);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_2M), 1);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_4K), 0);

	/* 1G over a 4K table and a 2M leaf. */
	okvm_test_map(test, vm, &cache, 3 * PAGES_1G + 5, 1, true);
	okvm_test_map(test, vm, &cache, 3 * PAGES_1G + 7 * PAGES_2M, 2, true);
	okvm_test_map(test, vm, &cache, 3 * PAGES_1G + 12345, 3, true);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_level(vm, 3 * PAGES_1G + 5), 3);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_1G), 1);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_2M), 1);
	KUNIT_EXPECT_EQ(test, okvm_zap_test_stat(vm, OKVM_VM_STAT_PAGES_4K), 0);
	okvm_test_vm_free(vm, &cache);
}

/*
 * A zap that yields mid-walk (here at its first check, after 64 entries)
 * flushes what it removed so far, restarts from the root at the next gfn,
 * and still removes every leaf exactly once: the flush left to the caller
 * covers only what came after the yield.
 */
static void okvm_zap_yields_and_resumes(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	struct okvm_gfn_range flush;
	u64 n;

	okvm_test_map_4k(test, vm, &cache, 0, 200);
	write_lock(&vm->mmu_lock);
	okvm_test_ask_resched();
	n = okvm_tdp_zap_leafs(vm, (struct okvm_gfn_range){ 0, 200 }, &flush, true);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, n, 200);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_4K]), 0);
	KUNIT_EXPECT_GT(test, flush.start, 0);
	KUNIT_EXPECT_EQ(test, flush.end, 200);
	okvm_test_vm_free(vm, &cache);
}

static struct kunit_case okvm_tdp_zap_cases[] = {
	OKVM_CASE_PER_FORMAT(okvm_zap_hugepage_overlap_goes_whole),
	OKVM_CASE_PER_FORMAT(okvm_zap_half_open_edges),
	OKVM_CASE_PER_FORMAT(okvm_zap_keeps_tables),
	OKVM_CASE_PER_FORMAT(okvm_map_huge_replaces_table),
	OKVM_CASE_PER_FORMAT(okvm_zap_yields_and_resumes),
	{}
};

static struct kunit_suite okvm_tdp_zap_suite = {
	.name = "okvm_tdp_zap",
	.test_cases = okvm_tdp_zap_cases,
};

kunit_test_suite(okvm_tdp_zap_suite);

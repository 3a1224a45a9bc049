// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: mmu/tdp_iter.c on synthetic tables built from real pages.
 */
#include <kunit/test.h>
#include <linux/gfp.h>

#include "../../mmu/tdp_iter.h"

struct okvm_tdp_fixture {
	struct okvm_mmu mmu;
	u64 *pages[16];
	int nr_pages;
};

static u64 *okvm_fixture_table(struct kunit *test, struct okvm_tdp_fixture *f)
{
	u64 *t = (u64 *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_LT(test, f->nr_pages, (int)ARRAY_SIZE(f->pages));
	f->pages[f->nr_pages++] = t;
	return t;
}

/* Map @gfn with a leaf at @level, creating tables on the way. */
static void okvm_fixture_map(struct kunit *test, struct okvm_tdp_fixture *f,
			     gfn_t gfn, int level)
{
	const struct okvm_spte_format *fmt = f->mmu.fmt;
	u64 *table = f->mmu.root;
	int l;

	for (l = f->mmu.root_level; l > level; l--) {
		u64 *e = &table[okvm_tdp_index(gfn, l)];

		if (!okvm_spte_present(fmt, *e))
			*e = okvm_spte_make_table(fmt, __pa(okvm_fixture_table(test, f)));
		table = __va(okvm_spte_addr(fmt, *e));
	}
	table[okvm_tdp_index(gfn, level)] = okvm_spte_make_leaf(fmt, gfn, level, true);
}

static struct okvm_tdp_fixture *okvm_fixture(struct kunit *test, int root_level)
{
	struct okvm_tdp_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->mmu.fmt = okvm_npt_format();
	f->mmu.root_level = root_level;
	f->mmu.root = okvm_fixture_table(test, f);
	return f;
}

static void okvm_fixture_free(struct okvm_tdp_fixture *f)
{
	while (f->nr_pages)
		free_page((unsigned long)f->pages[--f->nr_pages]);
}

struct okvm_walk_result {
	gfn_t leaves[8];
	int nr_leaves;
	int visited;
};

static struct okvm_walk_result okvm_walk_leaves(struct okvm_tdp_fixture *f,
						gfn_t start, gfn_t end)
{
	struct okvm_gfn_range range = { start, end };
	struct okvm_walk_result res = {};
	struct okvm_tdp_iter iter;

	for (okvm_tdp_iter_start(&iter, &f->mmu, 1, range); iter.valid;
	     okvm_tdp_iter_next(&iter)) {
		res.visited++;
		if (okvm_spte_present(f->mmu.fmt, iter.old_spte) &&
		    okvm_spte_leaf(f->mmu.fmt, iter.old_spte, iter.level) &&
		    res.nr_leaves < ARRAY_SIZE(res.leaves))
			res.leaves[res.nr_leaves++] = iter.gfn;
	}
	return res;
}

/* Leaves at both sides of a 4K table boundary and a 2M leaf. */
static struct okvm_tdp_fixture *okvm_fixture_standard(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture(test, 4);

	okvm_fixture_map(test, f, 0x1ff, 1);	/* last entry of a PT */
	okvm_fixture_map(test, f, 0x200, 1);	/* first entry of the next */
	okvm_fixture_map(test, f, 0x400, 2);	/* 2M: [0x400, 0x600) */
	return f;
}

static void okvm_tdp_iter_half_open_edges(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture_standard(test);
	struct okvm_walk_result r;

	r = okvm_walk_leaves(f, 0x1ff, 0x200);
	KUNIT_EXPECT_EQ(test, r.nr_leaves, 1);
	KUNIT_EXPECT_EQ(test, r.leaves[0], 0x1ffULL);

	r = okvm_walk_leaves(f, 0x200, 0x201);
	KUNIT_EXPECT_EQ(test, r.nr_leaves, 1);
	KUNIT_EXPECT_EQ(test, r.leaves[0], 0x200ULL);

	/* End is exclusive: [0x100, 0x1ff) holds no leaf. */
	r = okvm_walk_leaves(f, 0x100, 0x1ff);
	KUNIT_EXPECT_EQ(test, r.nr_leaves, 0);
	okvm_fixture_free(f);
}

static void okvm_tdp_iter_crosses_table_boundary(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture_standard(test);
	struct okvm_walk_result r = okvm_walk_leaves(f, 0x1f0, 0x210);

	KUNIT_EXPECT_EQ(test, r.nr_leaves, 2);
	KUNIT_EXPECT_EQ(test, r.leaves[0], 0x1ffULL);
	KUNIT_EXPECT_EQ(test, r.leaves[1], 0x200ULL);
	okvm_fixture_free(f);
}

/* A 2M leaf overlapping the range at all is visited once, at level 2. */
static void okvm_tdp_iter_huge_leaf_overlap(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture_standard(test);
	struct okvm_walk_result r;

	r = okvm_walk_leaves(f, 0x5ff, 0x600);
	KUNIT_EXPECT_EQ(test, r.nr_leaves, 1);
	KUNIT_EXPECT_EQ(test, r.leaves[0], 0x400ULL);

	r = okvm_walk_leaves(f, 0x600, 0x700);
	KUNIT_EXPECT_EQ(test, r.nr_leaves, 0);
	okvm_fixture_free(f);
}

static void okvm_tdp_iter_empty_range(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture_standard(test);

	KUNIT_EXPECT_EQ(test, okvm_walk_leaves(f, 0x200, 0x200).visited, 0);
	KUNIT_EXPECT_EQ(test, okvm_walk_leaves(f, 0x300, 0x200).visited, 0);
	okvm_fixture_free(f);
}

/*
 * All of memory with three leaves: every leaf found in order, and the walk
 * visits only the tables that exist (root, one PDPT, one PD, two PTs),
 * never the 2^36 gfns of the range.
 */
static void okvm_tdp_iter_cost_follows_mapping(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture_standard(test);
	struct okvm_walk_result r = okvm_walk_leaves(f, 0, 1ULL << 36);

	KUNIT_EXPECT_EQ(test, r.nr_leaves, 3);
	KUNIT_EXPECT_EQ(test, r.leaves[0], 0x1ffULL);
	KUNIT_EXPECT_EQ(test, r.leaves[1], 0x200ULL);
	KUNIT_EXPECT_EQ(test, r.leaves[2], 0x400ULL);
	KUNIT_EXPECT_EQ(test, r.visited, 5 * OKVM_TDP_ENTRIES);
	okvm_fixture_free(f);
}

/* min_level stops descent: at level 2 the PT leaves are not visited. */
static void okvm_tdp_iter_min_level(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture_standard(test);
	struct okvm_gfn_range range = { 0, 0x1000 };
	struct okvm_tdp_iter iter;
	int below = 0, at2 = 0;

	for (okvm_tdp_iter_start(&iter, &f->mmu, 2, range); iter.valid;
	     okvm_tdp_iter_next(&iter)) {
		below += iter.level < 2;
		at2 += iter.level == 2;
	}
	KUNIT_EXPECT_EQ(test, below, 0);
	/* [0, 0x1000) spans the first 8 entries of the PD. */
	KUNIT_EXPECT_EQ(test, at2, 8);
	okvm_fixture_free(f);
}

/* Five levels, and a leaf at the top of the 57-bit space. */
static void okvm_tdp_iter_five_levels(struct kunit *test)
{
	struct okvm_tdp_fixture *f = okvm_fixture(test, 5);
	gfn_t top = okvm_tdp_level_pages(6) - 1;
	struct okvm_walk_result r;

	okvm_fixture_map(test, f, top, 1);
	okvm_fixture_map(test, f, 0x3, 1);
	r = okvm_walk_leaves(f, 0, top + 1);
	KUNIT_EXPECT_EQ(test, r.nr_leaves, 2);
	KUNIT_EXPECT_EQ(test, r.leaves[0], 0x3ULL);
	KUNIT_EXPECT_EQ(test, r.leaves[1], top);
	/* Beyond what the root maps: nothing, and no wrap to gfn 0. */
	KUNIT_EXPECT_EQ(test, okvm_walk_leaves(f, top + 1, top + 100).visited, 0);
	okvm_fixture_free(f);
}

static struct kunit_case okvm_tdp_iter_cases[] = {
	KUNIT_CASE(okvm_tdp_iter_half_open_edges),
	KUNIT_CASE(okvm_tdp_iter_crosses_table_boundary),
	KUNIT_CASE(okvm_tdp_iter_huge_leaf_overlap),
	KUNIT_CASE(okvm_tdp_iter_empty_range),
	KUNIT_CASE(okvm_tdp_iter_cost_follows_mapping),
	KUNIT_CASE(okvm_tdp_iter_min_level),
	KUNIT_CASE(okvm_tdp_iter_five_levels),
	{}
};

static struct kunit_suite okvm_tdp_iter_suite = {
	.name = "okvm_tdp_iter",
	.test_cases = okvm_tdp_iter_cases,
};

kunit_test_suite(okvm_tdp_iter_suite);

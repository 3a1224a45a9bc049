// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: access tracking (mmu/age.c) on a synthetic NPT table.
 *
 * Aging must clear the accessed bit of exactly the leaves that map a gfn of
 * [start, end), leave every other bit and every other entry alone, and say
 * "young" exactly when one of those leaves had the bit set.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/slab.h>

#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "../../mmu/tdp_iter.h"
#include "tdp_vm_fixture.h"

#define R(s, e) ((struct okvm_gfn_range){ .start = (s), .end = (e) })

struct okvm_age_fixture {
	struct okvm_vm *vm;
	u64 *tables[8];
	int nr_tables;
};

static u64 *okvm_age_table(struct kunit *test, struct okvm_age_fixture *f)
{
	u64 *t = (u64 *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_LT(test, f->nr_tables, (int)ARRAY_SIZE(f->tables));
	f->tables[f->nr_tables++] = t;
	return t;
}

/* The entry mapping @gfn at @level, creating tables on the way. */
static u64 *okvm_age_entry(struct kunit *test, struct okvm_age_fixture *f,
			   gfn_t gfn, int level)
{
	const struct okvm_spte_format *fmt = f->vm->mmu.fmt;
	u64 *table = f->vm->mmu.root;
	int l;

	for (l = f->vm->mmu.root_level; l > level; l--) {
		u64 *e = &table[okvm_tdp_index(gfn, l)];

		if (!okvm_spte_present(fmt, *e))
			*e = okvm_spte_make_table(fmt, __pa(okvm_age_table(test, f)));
		table = __va(okvm_spte_addr(fmt, *e));
	}
	return &table[okvm_tdp_index(gfn, level)];
}

/* Map @gfn by a leaf at @level as a fault would: accessed. */
static u64 *okvm_age_map(struct kunit *test, struct okvm_age_fixture *f,
			 gfn_t gfn, int level)
{
	u64 *sptep = okvm_age_entry(test, f, gfn, level);

	*sptep = okvm_spte_make_leaf(f->vm->mmu.fmt, gfn, level, true);
	return sptep;
}

static struct okvm_age_fixture *okvm_age_fixture(struct kunit *test,
						 const struct okvm_spte_format *fmt)
{
	struct okvm_age_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->vm = kunit_kzalloc(test, sizeof(*f->vm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->vm);
	rwlock_init(&f->vm->mmu_lock);
	f->vm->mmu.fmt = fmt;
	f->vm->mmu.root_level = 4;
	f->vm->mmu.root = okvm_age_table(test, f);
	return f;
}

static void okvm_age_fixture_free(struct okvm_age_fixture *f)
{
	while (f->nr_tables)
		free_page((unsigned long)f->tables[--f->nr_tables]);
}

static bool age(struct okvm_age_fixture *f, struct okvm_gfn_range range)
{
	bool young;

	read_lock(&f->vm->mmu_lock);
	young = okvm_tdp_age_gfn_range(f->vm, range);
	read_unlock(&f->vm->mmu_lock);
	return young;
}

static bool test_age(struct okvm_age_fixture *f, struct okvm_gfn_range range)
{
	bool young;

	read_lock(&f->vm->mmu_lock);
	young = okvm_tdp_test_age_gfn_range(f->vm, range);
	read_unlock(&f->vm->mmu_lock);
	return young;
}

static bool accessed(struct okvm_age_fixture *f, u64 *sptep)
{
	return *sptep & f->vm->mmu.fmt->accessed_mask;
}

/* Leaves at both sides of a 4K table boundary, and a 2M leaf. */
struct okvm_age_standard {
	struct okvm_age_fixture *f;
	u64 *last_of_pt;	/* gfn 0x1ff */
	u64 *first_of_next;	/* gfn 0x200 */
	u64 *huge;		/* gfns [0x400, 0x600) */
};

static struct okvm_age_standard okvm_age_standard(struct kunit *test)
{
	struct okvm_age_fixture *f = okvm_age_fixture(test, okvm_test_format(test));

	return (struct okvm_age_standard){
		.f = f,
		.last_of_pt = okvm_age_map(test, f, 0x1ff, 1),
		.first_of_next = okvm_age_map(test, f, 0x200, 1),
		.huge = okvm_age_map(test, f, 0x400, 2),
	};
}

/* The NPT format: bit 5, as in x86 page tables, and new leaves have it. */
static void okvm_age_npt_accessed_bit(struct kunit *test)
{
	const struct okvm_spte_format *fmt = okvm_npt_format();

	KUNIT_EXPECT_EQ(test, fmt->accessed_mask, BIT_ULL(5));
	KUNIT_EXPECT_TRUE(test, okvm_spte_accessed(fmt, okvm_spte_make_leaf(fmt, 1, 1, false)));
	KUNIT_EXPECT_TRUE(test, okvm_spte_accessed(fmt, okvm_spte_make_leaf(fmt, 1, 2, true)));
}

/* [start, end) is half-open: only the leaf at start is aged. */
static void okvm_age_clears_inside_range_only(struct kunit *test)
{
	struct okvm_age_standard s = okvm_age_standard(test);
	u64 before = *s.last_of_pt;

	KUNIT_EXPECT_TRUE(test, age(s.f, R(0x1ff, 0x200)));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.last_of_pt));
	/* Only the accessed bit changed. */
	KUNIT_EXPECT_EQ(test, before ^ *s.last_of_pt, s.f->vm->mmu.fmt->accessed_mask);
	KUNIT_EXPECT_TRUE(test, accessed(s.f, s.first_of_next));
	KUNIT_EXPECT_TRUE(test, accessed(s.f, s.huge));

	/* A range that ends where a leaf starts holds none of it. */
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x100, 0x1ff)));
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x201, 0x400)));
	KUNIT_EXPECT_TRUE(test, accessed(s.f, s.first_of_next));
	KUNIT_EXPECT_TRUE(test, accessed(s.f, s.huge));
	okvm_age_fixture_free(s.f);
}

/* Once aged, a leaf is old until the CPU sets the bit again. */
static void okvm_age_second_pass_is_old(struct kunit *test)
{
	struct okvm_age_standard s = okvm_age_standard(test);

	KUNIT_EXPECT_TRUE(test, age(s.f, R(0x1f0, 0x210)));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.last_of_pt));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.first_of_next));
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x1f0, 0x210)));
	KUNIT_EXPECT_FALSE(test, test_age(s.f, R(0x1f0, 0x210)));

	/* What the CPU does on the guest's next access through the leaf. */
	*s.first_of_next |= s.f->vm->mmu.fmt->accessed_mask;
	KUNIT_EXPECT_TRUE(test, test_age(s.f, R(0x1f0, 0x210)));
	KUNIT_EXPECT_FALSE(test, test_age(s.f, R(0x1f0, 0x200)));
	KUNIT_EXPECT_TRUE(test, age(s.f, R(0x1f0, 0x210)));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.first_of_next));
	okvm_age_fixture_free(s.f);
}

/* Testing reports young and clears nothing. */
static void okvm_age_test_changes_nothing(struct kunit *test)
{
	struct okvm_age_standard s = okvm_age_standard(test);
	u64 before = *s.last_of_pt;

	KUNIT_EXPECT_TRUE(test, test_age(s.f, R(0x1ff, 0x200)));
	KUNIT_EXPECT_EQ(test, *s.last_of_pt, before);
	KUNIT_EXPECT_FALSE(test, test_age(s.f, R(0x100, 0x1ff)));
	okvm_age_fixture_free(s.f);
}

/* A 2M leaf that overlaps the range at all is aged whole, once. */
static void okvm_age_huge_leaf(struct kunit *test)
{
	struct okvm_age_standard s = okvm_age_standard(test);

	KUNIT_EXPECT_TRUE(test, test_age(s.f, R(0x5ff, 0x600)));
	KUNIT_EXPECT_TRUE(test, age(s.f, R(0x5ff, 0x600)));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.huge));
	KUNIT_EXPECT_TRUE(test, okvm_spte_present(s.f->vm->mmu.fmt, *s.huge));
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x400, 0x401)));
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x600, 0x800)));
	okvm_age_fixture_free(s.f);
}

/* Table entries keep their accessed bit: aging is about leaves only. */
static void okvm_age_leaves_tables_alone(struct kunit *test)
{
	struct okvm_age_standard s = okvm_age_standard(test);
	const struct okvm_spte_format *fmt = s.f->vm->mmu.fmt;
	u64 *root_entry = &s.f->vm->mmu.root[0];
	u64 before = *root_entry;

	KUNIT_ASSERT_TRUE(test, okvm_spte_present(fmt, before));
	KUNIT_EXPECT_TRUE(test, age(s.f, R(0, okvm_max_gfn())));
	KUNIT_EXPECT_EQ(test, *root_entry, before);
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.last_of_pt));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.first_of_next));
	KUNIT_EXPECT_FALSE(test, accessed(s.f, s.huge));
	okvm_age_fixture_free(s.f);
}

/* Nothing mapped, or an empty range: never young. */
static void okvm_age_empty(struct kunit *test)
{
	struct okvm_age_standard s = okvm_age_standard(test);

	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x1ff, 0x1ff)));
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x200, 0x1ff)));
	KUNIT_EXPECT_FALSE(test, test_age(s.f, R(0x1ff, 0x1ff)));
	KUNIT_EXPECT_FALSE(test, age(s.f, R(0x1000, 0x2000)));
	KUNIT_EXPECT_TRUE(test, accessed(s.f, s.last_of_pt));
	okvm_age_fixture_free(s.f);
}

/*
 * A format without an accessed bit cannot tell: every mapped leaf reports
 * young, so the host never takes a page the guest may be using, and no
 * entry changes.
 */
static void okvm_age_format_without_accessed_bit(struct kunit *test)
{
	struct okvm_spte_format *fmt = kunit_kzalloc(test, sizeof(*fmt), GFP_KERNEL);
	struct okvm_age_fixture *f;
	u64 *leaf, before;

	KUNIT_ASSERT_NOT_NULL(test, fmt);
	*fmt = *okvm_npt_format();
	fmt->leaf_bits |= fmt->accessed_mask;
	fmt->accessed_mask = 0;
	f = okvm_age_fixture(test, fmt);
	leaf = okvm_age_map(test, f, 0x10, 1);
	before = *leaf;

	KUNIT_EXPECT_TRUE(test, age(f, R(0, 0x100)));
	KUNIT_EXPECT_TRUE(test, age(f, R(0, 0x100)));
	KUNIT_EXPECT_TRUE(test, test_age(f, R(0x10, 0x11)));
	KUNIT_EXPECT_EQ(test, *leaf, before);
	KUNIT_EXPECT_FALSE(test, age(f, R(0x11, 0x100)));
	okvm_age_fixture_free(f);
}

static struct kunit_case okvm_age_cases[] = {
	KUNIT_CASE(okvm_age_npt_accessed_bit),
	OKVM_CASE_PER_FORMAT(okvm_age_clears_inside_range_only),
	OKVM_CASE_PER_FORMAT(okvm_age_second_pass_is_old),
	OKVM_CASE_PER_FORMAT(okvm_age_test_changes_nothing),
	OKVM_CASE_PER_FORMAT(okvm_age_huge_leaf),
	OKVM_CASE_PER_FORMAT(okvm_age_leaves_tables_alone),
	OKVM_CASE_PER_FORMAT(okvm_age_empty),
	KUNIT_CASE(okvm_age_format_without_accessed_bit),
	{}
};

static struct kunit_suite okvm_age_suite = {
	.name = "okvm_age",
	.test_cases = okvm_age_cases,
};

kunit_test_suite(okvm_age_suite);

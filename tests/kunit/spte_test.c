// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the NPT SPTE format (include/okvm/spte.h, svm/npt.c).
 */
#include <kunit/test.h>
#include <asm/cpufeature.h>
#include <asm/pgtable_types.h>

#include <okvm/spte.h>

static void okvm_spte_leaf_encoding(struct kunit *test)
{
	const struct okvm_spte_format *fmt = okvm_npt_format();
	u64 ro = okvm_spte_make_leaf(fmt, 0x12345, 1, false);
	u64 rw = okvm_spte_make_leaf(fmt, 0x12345, 1, true);

	KUNIT_EXPECT_TRUE(test, okvm_spte_present(fmt, ro));
	KUNIT_EXPECT_TRUE(test, okvm_spte_leaf(fmt, ro, 1));
	KUNIT_EXPECT_FALSE(test, okvm_spte_writable(fmt, ro));
	KUNIT_EXPECT_TRUE(test, okvm_spte_writable(fmt, rw));
	KUNIT_EXPECT_EQ(test, okvm_spte_pfn(fmt, ro), 0x12345ULL);
	KUNIT_EXPECT_EQ(test, okvm_spte_pfn(fmt, rw), 0x12345ULL);
	/* NPT walks as a user access: U/S on every entry. */
	KUNIT_EXPECT_TRUE(test, ro & _PAGE_USER);
	/* Accessed and dirty from the start; executable (no NX); not huge. */
	KUNIT_EXPECT_EQ(test, ro & (_PAGE_ACCESSED | _PAGE_DIRTY),
			(u64)(_PAGE_ACCESSED | _PAGE_DIRTY));
	KUNIT_EXPECT_EQ(test, ro & _PAGE_NX, 0ULL);
	KUNIT_EXPECT_EQ(test, ro & _PAGE_PSE, 0ULL);
	/* Writable, and may_write (a software bit) with it. */
	KUNIT_EXPECT_EQ(test, rw ^ ro, (u64)(_PAGE_RW | _PAGE_SOFTW1));
	KUNIT_EXPECT_FALSE(test, okvm_spte_write_restorable(fmt, ro));
	KUNIT_EXPECT_FALSE(test, okvm_spte_write_restorable(fmt, rw));
	KUNIT_EXPECT_TRUE(test, okvm_spte_write_restorable(fmt, rw & ~_PAGE_RW));
}

static void okvm_spte_huge_and_table(struct kunit *test)
{
	const struct okvm_spte_format *fmt = okvm_npt_format();
	u64 huge = okvm_spte_make_leaf(fmt, 0x200, 2, true);
	u64 table = okvm_spte_make_table(fmt, 0xabcd000);

	KUNIT_EXPECT_TRUE(test, huge & _PAGE_PSE);
	KUNIT_EXPECT_TRUE(test, okvm_spte_leaf(fmt, huge, 2));
	KUNIT_EXPECT_TRUE(test, okvm_spte_present(fmt, table));
	KUNIT_EXPECT_FALSE(test, okvm_spte_leaf(fmt, table, 2));
	KUNIT_EXPECT_FALSE(test, okvm_spte_leaf(fmt, table, 4));
	KUNIT_EXPECT_EQ(test, okvm_spte_addr(fmt, table), 0xabcd000ULL);
	/* A table entry lets every access through; the leaf decides. */
	KUNIT_EXPECT_EQ(test, table & (_PAGE_RW | _PAGE_USER),
			(u64)(_PAGE_RW | _PAGE_USER));
}

static void okvm_spte_not_present(struct kunit *test)
{
	const struct okvm_spte_format *fmt = okvm_npt_format();

	KUNIT_EXPECT_FALSE(test, okvm_spte_present(fmt, 0));
	/* Stray software bits without P are still not present. */
	KUNIT_EXPECT_FALSE(test, okvm_spte_present(fmt, _PAGE_RW | _PAGE_USER));
}

/* The address round-trips for the highest pfn the host can address. */
static void okvm_spte_high_pfn(struct kunit *test)
{
	const struct okvm_spte_format *fmt = okvm_npt_format();
	kvm_pfn_t pfn = (1ULL << (boot_cpu_data.x86_phys_bits - PAGE_SHIFT)) - 1;
	u64 spte = okvm_spte_make_leaf(fmt, pfn, 1, true);

	KUNIT_EXPECT_EQ(test, okvm_spte_pfn(fmt, spte), pfn);
	KUNIT_EXPECT_EQ(test, spte & _PAGE_NX, 0ULL);
}

/* NPT walks in the host's mode: its depth; 1G leaves only with GBPAGES. */
static void okvm_spte_npt_shape(struct kunit *test)
{
	const struct okvm_spte_format *fmt = okvm_npt_format();

	KUNIT_EXPECT_EQ(test, fmt->root_level, pgtable_l5_enabled() ? 5 : 4);
	KUNIT_EXPECT_EQ(test, fmt->max_leaf_level, boot_cpu_has(X86_FEATURE_GBPAGES) ? 3 : 2);
}

static struct kunit_case okvm_spte_cases[] = {
	KUNIT_CASE(okvm_spte_leaf_encoding),
	KUNIT_CASE(okvm_spte_npt_shape),
	KUNIT_CASE(okvm_spte_huge_and_table),
	KUNIT_CASE(okvm_spte_not_present),
	KUNIT_CASE(okvm_spte_high_pfn),
	{}
};

static struct kunit_suite okvm_spte_suite = {
	.name = "okvm_spte",
	.test_cases = okvm_spte_cases,
};

kunit_test_suite(okvm_spte_suite);

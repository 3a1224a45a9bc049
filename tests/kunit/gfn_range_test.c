// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: include/okvm/gfn_range.h and core/gfn_range.c.
 *
 * The seed thread 000 found a zap that treated its end as inclusive, a flush
 * that took an end where it wanted a count, and "everything" written as ~0;
 * these cases pin down the half-open convention every MMU path relies on.
 */
#include <kunit/test.h>
#include <asm/processor.h>

#include <okvm/gfn_range.h>
#include <okvm/hw.h>
#include <okvm/spte.h>

#define R(s, e) ((struct okvm_gfn_range){ .start = (s), .end = (e) })

static void okvm_gfn_range_half_open(struct kunit *test)
{
	struct okvm_gfn_range r = R(0x100, 0x200);

	KUNIT_EXPECT_FALSE(test, okvm_gfn_range_contains(r, 0xff));
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_contains(r, 0x100));
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_contains(r, 0x1ff));
	KUNIT_EXPECT_FALSE(test, okvm_gfn_range_contains(r, 0x200));
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_nr_pages(r), 0x100ULL);
}

static void okvm_gfn_range_empty_touches_nothing(struct kunit *test)
{
	struct okvm_gfn_range empty = R(0x100, 0x100);

	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(empty));
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_nr_pages(empty), 0ULL);
	KUNIT_EXPECT_FALSE(test, okvm_gfn_range_contains(empty, 0x100));
	KUNIT_EXPECT_FALSE(test, okvm_gfn_ranges_overlap(empty, R(0, 0x1000)));
	/* A reversed range is empty too, not a huge unsigned count. */
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(R(0x200, 0x100)));
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_nr_pages(R(0x200, 0x100)), 0ULL);
}

/* Adjacent ranges share no gfn: [a, b) and [b, c) do not overlap. */
static void okvm_gfn_range_adjacent_disjoint(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, okvm_gfn_ranges_overlap(R(0, 0x10), R(0x10, 0x20)));
	KUNIT_EXPECT_FALSE(test, okvm_gfn_ranges_overlap(R(0x10, 0x20), R(0, 0x10)));
	KUNIT_EXPECT_TRUE(test, okvm_gfn_ranges_overlap(R(0, 0x11), R(0x10, 0x20)));
	KUNIT_EXPECT_TRUE(test, okvm_gfn_ranges_overlap(R(0x10, 0x20), R(0x1f, 0x21)));
	/* The APIC page's single gfn: [0xfee00, 0xfee01). */
	KUNIT_EXPECT_TRUE(test, okvm_gfn_ranges_overlap(R(0xfee00, 0xfee01),
							R(0xfee00, 0xfee01)));
}

static void okvm_gfn_range_intersection(struct kunit *test)
{
	struct okvm_gfn_range r;

	r = okvm_gfn_range_intersect(R(0, 0x100), R(0x80, 0x180));
	KUNIT_EXPECT_EQ(test, r.start, 0x80ULL);
	KUNIT_EXPECT_EQ(test, r.end, 0x100ULL);

	r = okvm_gfn_range_intersect(R(0, 0x100), R(0x100, 0x180));
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(r));
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_nr_pages(r), 0ULL);

	r = okvm_gfn_range_intersect(R(0x500, 0x600), R(0, 0x100));
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(r));
}

static void okvm_gfn_range_max_gfn_from_phys_bits(struct kunit *test)
{
	gfn_t max = okvm_max_gfn();

	/* Within the host's width and the backend's root's reach, 9 bits a level. */
	KUNIT_EXPECT_LE(test, max,
			1ULL << (boot_cpu_data.x86_phys_bits - PAGE_SHIFT));
	KUNIT_EXPECT_LE(test, max, 1ULL << (9 * okvm_hw->spte_format()->root_level));
	/* Never ~0: "all of memory" must be a real, finite range. */
	KUNIT_EXPECT_NE(test, max, ~0ULL);
	KUNIT_EXPECT_GE(test, boot_cpu_data.x86_phys_bits, 32);
	KUNIT_EXPECT_LE(test, boot_cpu_data.x86_phys_bits, 52);
}

/* The smaller of the host's width and the root's reach, 9 bits a level. */
static void okvm_gfn_range_max_gfn_capped_at_root_reach(struct kunit *test)
{
	struct okvm_spte_format four = { .root_level = 4 }, five = { .root_level = 5 };

	KUNIT_EXPECT_EQ(test, okvm_max_gfn_of(40, &four), 1ULL << 28);
	KUNIT_EXPECT_EQ(test, okvm_max_gfn_of(48, &four), 1ULL << 36);
	KUNIT_EXPECT_EQ(test, okvm_max_gfn_of(52, &four), 1ULL << 36);
	KUNIT_EXPECT_EQ(test, okvm_max_gfn_of(52, &five), 1ULL << 40);
	KUNIT_EXPECT_EQ(test, okvm_max_gfn_of(46, &five), 1ULL << 34);
}

static void okvm_gfn_range_from_count_checks(struct kunit *test)
{
	struct okvm_gfn_range r = R(7, 7);
	gfn_t max = okvm_max_gfn();

	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(0x10, 0x20, &r), 0);
	KUNIT_EXPECT_EQ(test, r.start, 0x10ULL);
	KUNIT_EXPECT_EQ(test, r.end, 0x30ULL);

	/* All of guest memory is exactly [0, max_gfn). */
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(0, max, &r), 0);
	KUNIT_EXPECT_EQ(test, r.end, max);
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(1, max, &r), -EINVAL);

	/* The last gfn, and no wrap at the top of the u64 space. */
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(max - 1, 1, &r), 0);
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_nr_pages(r), 1ULL);
	r = R(7, 7);
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(~0ULL, 2, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(2, ~0ULL, &r), -EINVAL);
	/* A failed call leaves the output alone. */
	KUNIT_EXPECT_EQ(test, r.start, 7ULL);

	/* Zero pages is a valid, empty range. */
	KUNIT_EXPECT_EQ(test, okvm_gfn_range_from_count(0x40, 0, &r), 0);
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(r));
}

static struct kunit_case okvm_gfn_range_cases[] = {
	KUNIT_CASE(okvm_gfn_range_half_open),
	KUNIT_CASE(okvm_gfn_range_empty_touches_nothing),
	KUNIT_CASE(okvm_gfn_range_adjacent_disjoint),
	KUNIT_CASE(okvm_gfn_range_intersection),
	KUNIT_CASE(okvm_gfn_range_max_gfn_from_phys_bits),
	KUNIT_CASE(okvm_gfn_range_max_gfn_capped_at_root_reach),
	KUNIT_CASE(okvm_gfn_range_from_count_checks),
	{}
};

static struct kunit_suite okvm_gfn_range_suite = {
	.name = "okvm_gfn_range",
	.test_cases = okvm_gfn_range_cases,
};

kunit_test_suite(okvm_gfn_range_suite);

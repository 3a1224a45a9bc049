// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the EPT SPTE format (vmx/ept.c), built from capability values,
 * so that it runs on any host, and read through include/okvm/spte.h as the
 * MMU reads it.
 */
#include <kunit/test.h>
#include <asm/vmx.h>

#include <okvm/spte.h>

#include "../../vmx/vmx.h"
#include "tdp_vm_fixture.h"	/* OKVM_TEST_EPT_CAPS */

static void okvm_ept_leaf_encoding(struct kunit *test)
{
	struct okvm_spte_format fmt;
	u64 ro, rw;

	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS, 46, &fmt), 0);
	ro = okvm_spte_make_leaf(&fmt, 0x12345, 1, false);
	rw = okvm_spte_make_leaf(&fmt, 0x12345, 1, true);

	KUNIT_EXPECT_TRUE(test, okvm_spte_present(&fmt, ro));
	KUNIT_EXPECT_FALSE(test, okvm_spte_writable(&fmt, ro));
	KUNIT_EXPECT_TRUE(test, okvm_spte_writable(&fmt, rw));
	KUNIT_EXPECT_EQ(test, okvm_spte_pfn(&fmt, rw), 0x12345ULL);
	/* Readable and executable, write-back, the guest's PAT ignored. */
	KUNIT_EXPECT_EQ(test, ro & VMX_EPT_RWX_MASK,
			VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK);
	KUNIT_EXPECT_EQ(test, ro & VMX_EPT_MT_MASK, X86_MEMTYPE_WB << VMX_EPT_MT_EPTE_SHIFT);
	KUNIT_EXPECT_TRUE(test, ro & VMX_EPT_IPAT_BIT);
	/* Accessed and dirty from the start, as NPT leaves are. */
	KUNIT_EXPECT_EQ(test, ro & (VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT),
			VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT);
	/* Writable and may_write, in a bit of 62:52 (ignored, as okvm runs EPT). */
	KUNIT_EXPECT_EQ(test, hweight64(rw ^ ro), 2);
	KUNIT_EXPECT_TRUE(test, (rw ^ ro) & VMX_EPT_WRITABLE_MASK);
	KUNIT_EXPECT_TRUE(test, (rw ^ ro) & GENMASK_ULL(62, 52));
	KUNIT_EXPECT_TRUE(test, okvm_spte_write_restorable(&fmt, rw & ~VMX_EPT_WRITABLE_MASK));
	/* Nothing the entry means may overlap the address. */
	KUNIT_EXPECT_EQ(test, fmt.addr_mask & (fmt.leaf_bits | fmt.table_bits |
					       fmt.may_write_mask | fmt.huge_mask), 0ULL);
}

static void okvm_ept_huge_and_table(struct kunit *test)
{
	struct okvm_spte_format fmt;
	u64 huge, table;

	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS, 46, &fmt), 0);
	huge = okvm_spte_make_leaf(&fmt, 0x200, 2, true);
	table = okvm_spte_make_table(&fmt, 0xabcd000);

	/* Bit 7 of an entry above level 1 makes it a leaf. */
	KUNIT_EXPECT_TRUE(test, huge & BIT_ULL(7));
	KUNIT_EXPECT_TRUE(test, okvm_spte_leaf(&fmt, huge, 2));
	KUNIT_EXPECT_FALSE(test, okvm_spte_leaf(&fmt, table, 2));
	KUNIT_EXPECT_EQ(test, okvm_spte_addr(&fmt, table), 0xabcd000ULL);
	/* A table entry allows every access; the leaf decides. */
	KUNIT_EXPECT_EQ(test, table & VMX_EPT_RWX_MASK, VMX_EPT_RWX_MASK);
	/* Not present: no R, W or X, whatever else is set; not frozen either. */
	KUNIT_EXPECT_FALSE(test, okvm_spte_present(&fmt, VMX_EPT_IPAT_BIT | BIT_ULL(57)));
	KUNIT_EXPECT_FALSE(test, okvm_spte_present(&fmt, OKVM_SPTE_FROZEN));
}

/* The root, the largest leaf and the accessed bit follow the capabilities. */
static void okvm_ept_shape_from_caps(struct kunit *test)
{
	struct okvm_spte_format fmt;

	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS, 46, &fmt), 0);
	KUNIT_EXPECT_EQ(test, fmt.root_level, 4);
	KUNIT_EXPECT_EQ(test, fmt.max_leaf_level, 3);
	KUNIT_EXPECT_EQ(test, fmt.accessed_mask, VMX_EPT_ACCESS_BIT);

	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS &
			~(VMX_EPT_1GB_PAGE_BIT | VMX_EPT_AD_BIT), 46, &fmt), 0);
	KUNIT_EXPECT_EQ(test, fmt.max_leaf_level, 2);
	/* No A/D: aging cannot tell, and leaves carry neither bit. */
	KUNIT_EXPECT_EQ(test, fmt.accessed_mask, 0ULL);
	KUNIT_EXPECT_EQ(test, okvm_spte_make_leaf(&fmt, 1, 1, true) &
			(VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT), 0ULL);

	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS &
			~(VMX_EPT_1GB_PAGE_BIT | VMX_EPT_2MB_PAGE_BIT), 46, &fmt), 0);
	KUNIT_EXPECT_EQ(test, fmt.max_leaf_level, 1);

	/* 5 levels only where the host's width needs them and the CPU walks them. */
	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS |
			VMX_EPT_PAGE_WALK_5_BIT, 46, &fmt), 0);
	KUNIT_EXPECT_EQ(test, fmt.root_level, 4);
	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS |
			VMX_EPT_PAGE_WALK_5_BIT, 52, &fmt), 0);
	KUNIT_EXPECT_EQ(test, fmt.root_level, 5);
	KUNIT_ASSERT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS, 52, &fmt), 0);
	KUNIT_EXPECT_EQ(test, fmt.root_level, 4);
}

/* No walk length okvm supports, or no write-back tables: unusable. */
static void okvm_ept_refuses_caps(struct kunit *test)
{
	struct okvm_spte_format fmt = {};

	KUNIT_EXPECT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS &
			~VMX_EPT_PAGE_WALK_4_BIT, 46, &fmt), -ENODEV);
	KUNIT_EXPECT_EQ(test, okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS &
			~VMX_EPTP_WB_BIT, 46, &fmt), -ENODEV);
	KUNIT_EXPECT_EQ(test, fmt.present_mask, 0ULL);
}

static struct kunit_case okvm_ept_cases[] = {
	KUNIT_CASE(okvm_ept_leaf_encoding),
	KUNIT_CASE(okvm_ept_huge_and_table),
	KUNIT_CASE(okvm_ept_shape_from_caps),
	KUNIT_CASE(okvm_ept_refuses_caps),
	{}
};

static struct kunit_suite okvm_ept_suite = {
	.name = "okvm_ept",
	.test_cases = okvm_ept_cases,
};

kunit_test_suite(okvm_ept_suite);

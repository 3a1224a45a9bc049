// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: core/caps.c, the KVM_CHECK_EXTENSION table.
 */
#include <kunit/test.h>
#include <uapi/linux/kvm.h>

#include <okvm/caps.h>
#include <uapi/okvm.h>

static void okvm_caps_abi_revision(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, okvm_check_extension(OKVM_CAP_ABI),
			(long)OKVM_ABI_REVISION);
}

/* Capabilities okvm does not implement yet must answer 0, like KVM. */
static void okvm_caps_unimplemented_answer_zero(struct kunit *test)
{
	static const long absent[] = {
		KVM_CAP_DIRTY_LOG_RING, KVM_CAP_X86_GUEST_MODE,
		-1, 1000000, OKVM_CAP_BASE + 0xffff,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(absent); i++)
		KUNIT_EXPECT_EQ_MSG(test, okvm_check_extension(absent[i]), 0L,
				    "cap %ld", absent[i]);
}

/*
 * Every entry answers with its own value, is positive (or 0, from a
 * value_fn, for what the host lacks), and appears once.
 */
static void okvm_caps_table_consistent(struct kunit *test)
{
	const struct okvm_cap *caps;
	size_t nr, i, j;

	caps = okvm_caps(&nr);
	KUNIT_ASSERT_GT(test, nr, 0);
	for (i = 0; i < nr; i++) {
		if (caps[i].value_fn)
			KUNIT_EXPECT_GE_MSG(test, okvm_cap_get(&caps[i]), 0L, "cap %u",
					    caps[i].cap);
		else
			KUNIT_EXPECT_GT_MSG(test, okvm_cap_get(&caps[i]), 0L, "cap %u",
					    caps[i].cap);
		KUNIT_EXPECT_EQ(test, okvm_check_extension(caps[i].cap),
				okvm_cap_get(&caps[i]));
		for (j = i + 1; j < nr; j++)
			KUNIT_EXPECT_NE_MSG(test, caps[i].cap, caps[j].cap,
					    "cap %u listed twice", caps[i].cap);
	}
}

/* A capability number beyond 32 bits must not alias a real one. */
static void okvm_caps_no_truncation(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, okvm_check_extension(OKVM_CAP_ABI + (1L << 32)), 0L);
}

static struct kunit_case okvm_caps_cases[] = {
	KUNIT_CASE(okvm_caps_abi_revision),
	KUNIT_CASE(okvm_caps_unimplemented_answer_zero),
	KUNIT_CASE(okvm_caps_table_consistent),
	KUNIT_CASE(okvm_caps_no_truncation),
	{}
};

static struct kunit_suite okvm_caps_suite = {
	.name = "okvm_caps",
	.test_cases = okvm_caps_cases,
};

kunit_test_suite(okvm_caps_suite);

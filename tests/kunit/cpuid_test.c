// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: core/cpuid.c, what a guest's CPUID table lets it do: the XCR0
 * values XSETBV may load.
 */
#include <kunit/test.h>
#include <asm/fpu/xstate.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/vm.h>

#define OKVM_TEST_FPSSE_YMM	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)

/* A vCPU with only a CPUID table: all these functions look at. */
static struct okvm_vcpu *okvm_test_cpuid_vcpu(struct kunit *test,
					      struct kvm_cpuid_entry2 *entries, u32 nr)
{
	struct okvm_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->cpuid = entries;
	vcpu->nr_cpuid = nr;
	return vcpu;
}

/* A table of leaf 0xd.0 alone, offering @xcr0. */
static struct okvm_vcpu *okvm_test_xsave_vcpu(struct kunit *test, u64 xcr0)
{
	struct kvm_cpuid_entry2 *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->function = 0xd;
	e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	e->eax = lower_32_bits(xcr0);
	e->edx = upper_32_bits(xcr0);
	return okvm_test_cpuid_vcpu(test, e, 1);
}

/* Without leaf 0xd the guest has x87 state only, which XCR0 must hold. */
static void okvm_cpuid_xcr0_without_leaf_d(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cpuid_vcpu(test, NULL, 0);

	KUNIT_EXPECT_EQ(test, okvm_guest_supported_xcr0(vcpu), XFEATURE_MASK_FP);
	KUNIT_EXPECT_TRUE(test, okvm_guest_xcr0_valid(vcpu, XFEATURE_MASK_FP));
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, XFEATURE_MASK_FPSSE));
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, 0));
}

/* What leaf 0xd offers, of what okvm can switch, and no more. */
static void okvm_cpuid_xcr0_follows_leaf_d(struct kunit *test)
{
	u64 host = okvm_guest_xfeatures();
	struct okvm_vcpu *vcpu;

	if ((host & OKVM_TEST_FPSSE_YMM) != OKVM_TEST_FPSSE_YMM)
		kunit_skip(test, "host XCR0 0x%llx lacks AVX", host);

	vcpu = okvm_test_xsave_vcpu(test, XFEATURE_MASK_FPSSE);
	KUNIT_EXPECT_EQ(test, okvm_guest_supported_xcr0(vcpu), XFEATURE_MASK_FPSSE);
	KUNIT_EXPECT_TRUE(test, okvm_guest_xcr0_valid(vcpu, XFEATURE_MASK_FPSSE));
	KUNIT_EXPECT_TRUE(test, okvm_guest_xcr0_valid(vcpu, XFEATURE_MASK_FP));
	/* The host has AVX; this guest's CPUID does not. */
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, OKVM_TEST_FPSSE_YMM));

	vcpu = okvm_test_xsave_vcpu(test, OKVM_TEST_FPSSE_YMM);
	KUNIT_EXPECT_TRUE(test, okvm_guest_xcr0_valid(vcpu, OKVM_TEST_FPSSE_YMM));
	/* AVX needs SSE; x87 is mandatory. */
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, XFEATURE_MASK_FP |
						       XFEATURE_MASK_YMM));
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, XFEATURE_MASK_SSE));

	/* A table offering everything gets what okvm switches, no more. */
	vcpu = okvm_test_xsave_vcpu(test, ~0ULL);
	KUNIT_EXPECT_EQ(test, okvm_guest_supported_xcr0(vcpu), host);
	KUNIT_EXPECT_TRUE(test, okvm_guest_xcr0_valid(vcpu, host));
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, host | XFEATURE_MASK_BNDREGS |
						       XFEATURE_MASK_BNDCSR));
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, host | XFEATURE_MASK_AVX512));
	KUNIT_EXPECT_FALSE(test, okvm_guest_xcr0_valid(vcpu, host | BIT_ULL(63)));
}

static struct kunit_case okvm_cpuid_cases[] = {
	KUNIT_CASE(okvm_cpuid_xcr0_without_leaf_d),
	KUNIT_CASE(okvm_cpuid_xcr0_follows_leaf_d),
	{}
};

static struct kunit_suite okvm_cpuid_suite = {
	.name = "okvm_cpuid",
	.test_cases = okvm_cpuid_cases,
};

kunit_test_suite(okvm_cpuid_suite);

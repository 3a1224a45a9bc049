// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: core/cpuid.c, what a guest's CPUID table lets it do: the XCR0
 * values XSETBV may load, and the CR4 bits it may set.
 */
#include <kunit/test.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>
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

/* CR4 bits every x86-64 CPU has. */
#define OKVM_TEST_CR4_BASE	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
				 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
				 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/* An empty table leaves every CR4 bit reserved but the base ones. */
static void okvm_cpuid_cr4_empty_table(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, okvm_cr4_reserved_by(NULL, 0), ~(u64)OKVM_TEST_CR4_BASE);
}

/* Each feature grants its bit, from subleaf 0 only; the rest stay reserved. */
static void okvm_cpuid_cr4_follows_features(struct kunit *test)
{
	struct kvm_cpuid_entry2 t[3] = {
		{ .function = 1, .ecx = BIT(26) },			/* XSAVE */
		{ .function = 7, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .ebx = ~0U, .ecx = ~0U },				/* not subleaf 0 */
		{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .ebx = BIT(7), .ecx = BIT(3) },			/* SMEP, PKU */
	};
	u64 reserved = okvm_cr4_reserved_by(t, ARRAY_SIZE(t));

	KUNIT_EXPECT_EQ(test, reserved & (OKVM_TEST_CR4_BASE | X86_CR4_OSXSAVE | X86_CR4_SMEP |
					  X86_CR4_PKE), 0);
	KUNIT_EXPECT_EQ(test, reserved & (X86_CR4_SMAP | X86_CR4_FSGSBASE | X86_CR4_LA57 |
					  X86_CR4_UMIP | X86_CR4_PCIDE | X86_CR4_VMXE),
			(u64)(X86_CR4_SMAP | X86_CR4_FSGSBASE | X86_CR4_LA57 | X86_CR4_UMIP |
			      X86_CR4_PCIDE | X86_CR4_VMXE));
	/* No CPUID bit makes bits 63:32 or CET valid. */
	KUNIT_EXPECT_TRUE(test, reserved & BIT_ULL(63));
	KUNIT_EXPECT_TRUE(test, reserved & X86_CR4_CET);
	t[0].ecx = 0;
	KUNIT_EXPECT_TRUE(test, okvm_cr4_reserved_by(t, ARRAY_SIZE(t)) & X86_CR4_OSXSAVE);
}

/*
 * Before KVM_SET_CPUID2 a vCPU takes what okvm offers: the base bits,
 * never VMX, SMX or PCID (okvm offers none of them), nor a reserved bit.
 */
static void okvm_cpuid_cr4_before_set_cpuid(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cpuid_vcpu(test, NULL, 0);

	okvm_vcpu_init_cpuid(vcpu);
	KUNIT_EXPECT_TRUE(test, okvm_vcpu_cr4_valid(vcpu, OKVM_TEST_CR4_BASE));
	KUNIT_EXPECT_FALSE(test, okvm_vcpu_cr4_valid(vcpu, X86_CR4_VMXE));
	KUNIT_EXPECT_FALSE(test, okvm_vcpu_cr4_valid(vcpu, X86_CR4_SMXE));
	KUNIT_EXPECT_FALSE(test, okvm_vcpu_cr4_valid(vcpu, X86_CR4_PCIDE));
	KUNIT_EXPECT_FALSE(test, okvm_vcpu_cr4_valid(vcpu, BIT_ULL(15)));
	KUNIT_EXPECT_FALSE(test, okvm_vcpu_cr4_valid(vcpu, X86_CR4_PAE | BIT_ULL(32)));
}

static struct kunit_case okvm_cpuid_cases[] = {
	KUNIT_CASE(okvm_cpuid_xcr0_without_leaf_d),
	KUNIT_CASE(okvm_cpuid_xcr0_follows_leaf_d),
	KUNIT_CASE(okvm_cpuid_cr4_empty_table),
	KUNIT_CASE(okvm_cpuid_cr4_follows_features),
	KUNIT_CASE(okvm_cpuid_cr4_before_set_cpuid),
	{}
};

static struct kunit_suite okvm_cpuid_suite = {
	.name = "okvm_cpuid",
	.test_cases = okvm_cpuid_cases,
};

kunit_test_suite(okvm_cpuid_suite);

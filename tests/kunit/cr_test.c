// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: core/cr.c, the architecture's rules for CR0, CR4 and EFER writes
 * and for KVM_SET_SREGS, which both backends share.
 */
#include <kunit/test.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <uapi/linux/kvm.h>

#include <okvm/cr.h>
#include <okvm/vm.h>

/* CR0 of a guest in protected mode with paging, as Linux runs. */
#define OKVM_TEST_CR0_PG	(X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG)
#define OKVM_TEST_EFER_LONG	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* A vCPU whose CPUID offers every CR4 bit but VMXE and PKE. */
static struct okvm_vcpu *okvm_test_cr_vcpu(struct kunit *test)
{
	struct okvm_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->cr4_reserved = X86_CR4_VMXE | X86_CR4_PKE | ~0xffffffffULL;
	return vcpu;
}

/* A 64-bit guest: long mode active, in a 64-bit code segment. */
static struct okvm_cr_state okvm_test_long_mode(void)
{
	return (struct okvm_cr_state){
		.cr0 = OKVM_TEST_CR0_PG,
		.cr4 = X86_CR4_PAE | X86_CR4_PGE,
		.efer = OKVM_TEST_EFER_LONG,
		.cs_l = true,
	};
}

static bool okvm_test_take_flush(struct okvm_vcpu *vcpu)
{
	return test_and_clear_bit(OKVM_REQ_TLB_FLUSH, &vcpu->requests);
}

/* #GP cases leave the registers and the requests alone. */
static void okvm_cr_cr0_refused(struct kunit *test)
{
	static const u64 bad[] = {
		BIT_ULL(32) | X86_CR0_PE,
		X86_CR0_NW | X86_CR0_PE,
		X86_CR0_PG,
	};
	struct okvm_vcpu *vcpu = okvm_test_cr_vcpu(test);
	struct okvm_cr_state cr = { .cr0 = X86_CR0_ET | X86_CR0_PE };
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, okvm_cr0_write(vcpu, &cr, bad[i]), -EINVAL,
				    "cr0 0x%llx", bad[i]);
		KUNIT_EXPECT_EQ(test, cr.cr0, (u64)(X86_CR0_ET | X86_CR0_PE));
	}
	KUNIT_EXPECT_EQ(test, vcpu->requests, 0UL);
}

/* Bits outside the writable set read as zero; ET always reads as one. */
static void okvm_cr_cr0_keeps_writable_bits(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cr_vcpu(test);
	struct okvm_cr_state cr = { .cr0 = X86_CR0_ET | X86_CR0_PE };

	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, X86_CR0_PE | X86_CR0_TS | BIT_ULL(6)), 0);
	KUNIT_EXPECT_EQ(test, cr.cr0, (u64)(X86_CR0_PE | X86_CR0_TS | X86_CR0_ET));
	/* TS is no paging bit: no flush. */
	KUNIT_EXPECT_FALSE(test, okvm_test_take_flush(vcpu));

	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 | X86_CR0_WP), 0);
	KUNIT_EXPECT_TRUE(test, okvm_test_take_flush(vcpu));
}

/* Paging on with LME activates long mode, if PAE is on and CS is not 64-bit. */
static void okvm_cr_cr0_enters_long_mode(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cr_vcpu(test);
	struct okvm_cr_state cr = {
		.cr0 = X86_CR0_ET | X86_CR0_PE,
		.efer = EFER_LME,
	};

	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 | X86_CR0_PG), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr.efer, (u64)EFER_LME);

	cr.cr4 = X86_CR4_PAE;
	cr.cs_l = true;
	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 | X86_CR0_PG), -EINVAL);

	cr.cs_l = false;
	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 | X86_CR0_PG), 0);
	KUNIT_EXPECT_EQ(test, cr.efer, (u64)(EFER_LME | EFER_LMA));
	KUNIT_EXPECT_TRUE(test, cr.cr0 & X86_CR0_PG);
	KUNIT_EXPECT_TRUE(test, okvm_test_take_flush(vcpu));

	/* Without LME paging is legacy paging: LMA stays clear. */
	cr = (struct okvm_cr_state){ .cr0 = X86_CR0_ET | X86_CR0_PE };
	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 | X86_CR0_PG), 0);
	KUNIT_EXPECT_EQ(test, cr.efer, 0ULL);
}

/* Paging off leaves long mode, but not from 64-bit code nor with PCIDs. */
static void okvm_cr_cr0_leaves_long_mode(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cr_vcpu(test);
	struct okvm_cr_state cr = okvm_test_long_mode();

	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 & ~X86_CR0_PG), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr.efer, (u64)OKVM_TEST_EFER_LONG);

	cr.cs_l = false;
	cr.cr4 |= X86_CR4_PCIDE;
	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 & ~X86_CR0_PG), -EINVAL);

	cr.cr4 &= ~X86_CR4_PCIDE;
	KUNIT_EXPECT_EQ(test, okvm_cr0_write(vcpu, &cr, cr.cr0 & ~X86_CR0_PG), 0);
	KUNIT_EXPECT_EQ(test, cr.efer, (u64)(OKVM_TEST_EFER_LONG & ~EFER_LMA));
	KUNIT_EXPECT_FALSE(test, cr.cr0 & X86_CR0_PG);
}

static void okvm_cr_cr4_rules(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cr_vcpu(test);
	struct okvm_cr_state cr = okvm_test_long_mode();
	u64 cr4 = cr.cr4;

	/* A bit the guest's CPUID lacks. */
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, cr4 | X86_CR4_PKE), -EINVAL);
	/* Long mode keeps PAE and its paging depth. */
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, cr4 & ~X86_CR4_PAE), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, cr4 | X86_CR4_LA57), -EINVAL);
	/* PCIDE on only with CR3's PCID zero. */
	cr.cr3 = 0x1000 | 5;
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, cr4 | X86_CR4_PCIDE), -EINVAL);
	KUNIT_EXPECT_EQ(test, cr.cr4, cr4);
	KUNIT_EXPECT_FALSE(test, okvm_test_take_flush(vcpu));

	cr.cr3 = 0x1000;
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, cr4 | X86_CR4_PCIDE), 0);
	KUNIT_EXPECT_EQ(test, cr.cr4, cr4 | X86_CR4_PCIDE);
	KUNIT_EXPECT_TRUE(test, okvm_test_take_flush(vcpu));

	/* OSFXSR changes no translation: no flush. */
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, cr.cr4 | X86_CR4_OSFXSR), 0);
	KUNIT_EXPECT_FALSE(test, okvm_test_take_flush(vcpu));

	/* Outside long mode PCIDE cannot go on, and PAE may go off. */
	cr = (struct okvm_cr_state){ .cr0 = X86_CR0_ET | X86_CR0_PE, .cr4 = X86_CR4_PAE };
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, X86_CR4_PAE | X86_CR4_PCIDE), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_cr4_write(vcpu, &cr, 0), 0);
	KUNIT_EXPECT_EQ(test, cr.cr4, 0ULL);
}

static void okvm_cr_efer_bits(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, okvm_efer_valid(OKVM_TEST_EFER_LONG));
	KUNIT_EXPECT_TRUE(test, okvm_efer_valid(0));
	KUNIT_EXPECT_FALSE(test, okvm_efer_valid(EFER_SVME));
	KUNIT_EXPECT_FALSE(test, okvm_efer_valid(EFER_FFXSR));
	KUNIT_EXPECT_FALSE(test, okvm_efer_valid(BIT_ULL(63)));
}

static void okvm_cr_sregs(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_test_cr_vcpu(test);
	struct kvm_sregs s = {
		.cr0 = OKVM_TEST_CR0_PG,
		.cr4 = X86_CR4_PAE,
		.efer = OKVM_TEST_EFER_LONG,
	};
	struct kvm_sregs t;

	s.cs.l = 1;
	KUNIT_EXPECT_TRUE(test, okvm_sregs_valid(vcpu, &s));

	t = s;
	t.cr0 |= BIT_ULL(15);
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t = s;
	t.cr0 = (t.cr0 | X86_CR0_NW) & ~X86_CR0_CD;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t = s;
	t.cr0 &= ~X86_CR0_PE;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t = s;
	t.cr4 |= X86_CR4_VMXE;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t = s;
	t.efer |= EFER_SVME;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	/* Long mode without PAE, or paging with LME but without LMA. */
	t = s;
	t.cr4 = 0;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t = s;
	t.efer &= ~EFER_LMA;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	/* LMA, or a 64-bit CS, without paging. */
	t = s;
	t.cr0 &= ~X86_CR0_PG;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t.efer &= ~EFER_LMA;
	KUNIT_EXPECT_FALSE(test, okvm_sregs_valid(vcpu, &t));
	t.cs.l = 0;
	KUNIT_EXPECT_TRUE(test, okvm_sregs_valid(vcpu, &t));
}

static struct kunit_case okvm_cr_cases[] = {
	KUNIT_CASE(okvm_cr_cr0_refused),
	KUNIT_CASE(okvm_cr_cr0_keeps_writable_bits),
	KUNIT_CASE(okvm_cr_cr0_enters_long_mode),
	KUNIT_CASE(okvm_cr_cr0_leaves_long_mode),
	KUNIT_CASE(okvm_cr_cr4_rules),
	KUNIT_CASE(okvm_cr_efer_bits),
	KUNIT_CASE(okvm_cr_sregs),
	{}
};

static struct kunit_suite okvm_cr_suite = {
	.name = "okvm_cr",
	.test_cases = okvm_cr_cases,
};

kunit_test_suite(okvm_cr_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the VMCB of a new SVM vCPU (svm/vcpu.c), on a VM that has only its
 * TDP root: which exceptions exit to okvm, and the CR0 the CPU runs the
 * guest with against the CR0 the guest and userspace see.
 */
#include <kunit/test.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>
#include <asm/trapnr.h>

#include <okvm/spte.h>

#include "../../svm/svm.h"
#include "tdp_vm_fixture.h"

#define OKVM_TEST_CR0_RESET	(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)

struct okvm_svm_vcpu_fixture {
	struct okvm_vm *vm;
	struct okvm_vcpu *vcpu;
	struct okvm_mmu_page_cache cache;
};

static int okvm_svm_vcpu_test_init(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->vm = okvm_test_vm(test);
	f->vcpu = okvm_svm_vcpu_create(f->vm);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->vcpu);
	test->priv = f;
	return 0;
}

static void okvm_svm_vcpu_test_exit(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;

	okvm_svm_vcpu_free(f->vcpu);
	okvm_test_vm_free(f->vm, &f->cache);
}

static struct vmcb *okvm_test_vmcb(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;

	return to_svm(f->vcpu)->vmcb;
}

static bool okvm_test_intercepted(const struct vmcb *vmcb, int bit)
{
	return vmcb->control.intercepts[bit / 32] & BIT(bit % 32);
}

/*
 * #AC and #DB must exit, or a guest can make the CPU deliver them in a
 * loop that no host interrupt ends (CVE-2015-5307, CVE-2015-8104); #MC must
 * exit so the host's machine-check handler sees it; #UD so that okvm can
 * rewrite VMCALL to VMMCALL. HLT exits unless the VM disabled that exit.
 */
static void okvm_svm_vcpu_intercepts_exceptions(struct kunit *test)
{
	static const int vectors[] = { X86_TRAP_AC, X86_TRAP_DB, X86_TRAP_MC, X86_TRAP_UD };
	const struct vmcb *vmcb = okvm_test_vmcb(test);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		int bit = INTERCEPT_EXCEPTION_OFFSET + vectors[i];

		KUNIT_EXPECT_TRUE_MSG(test, okvm_test_intercepted(vmcb, bit),
				      "vector %d", vectors[i]);
	}
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_HLT));
}

/*
 * Every debug-register access exits until okvm hands them to the guest:
 * it never reads the host's DR0-DR3. KVM_GET_DEBUGREGS shows reset values.
 */
static void okvm_svm_vcpu_debugregs(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;
	const struct vmcb *vmcb = okvm_test_vmcb(test);
	struct kvm_debugregs dbg, bad;
	int i;

	for (i = INTERCEPT_DR0_READ; i <= INTERCEPT_DR7_WRITE; i++)
		KUNIT_EXPECT_TRUE_MSG(test, okvm_test_intercepted(vmcb, i), "bit %d", i);
	okvm_svm_get_debugregs(f->vcpu, &dbg);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, dbg.db[i], 0ULL);
	KUNIT_EXPECT_EQ(test, dbg.dr6, 0xffff0ff0ULL);
	KUNIT_EXPECT_EQ(test, dbg.dr7, 0x400ULL);
	KUNIT_EXPECT_EQ(test, vmcb->save.dr7, 0x400ULL);
	KUNIT_EXPECT_EQ(test, dbg.flags, 0ULL);

	dbg.db[2] = 0x1234;
	dbg.dr7 = 0x400 | BIT(4) | (1 << 24);
	KUNIT_EXPECT_EQ(test, okvm_svm_set_debugregs(f->vcpu, &dbg), 0);
	KUNIT_EXPECT_EQ(test, vmcb->save.dr7, dbg.dr7);
	bad = dbg;
	bad.flags = 1;
	KUNIT_EXPECT_EQ(test, okvm_svm_set_debugregs(f->vcpu, &bad), -EINVAL);
	bad = dbg;
	bad.dr6 |= BIT_ULL(32);
	KUNIT_EXPECT_EQ(test, okvm_svm_set_debugregs(f->vcpu, &bad), -EINVAL);
	bad = dbg;
	bad.dr7 |= BIT_ULL(40);
	KUNIT_EXPECT_EQ(test, okvm_svm_set_debugregs(f->vcpu, &bad), -EINVAL);
	okvm_svm_get_debugregs(f->vcpu, &bad);
	KUNIT_EXPECT_EQ(test, bad.db[2], 0x1234ULL);
	KUNIT_EXPECT_EQ(test, bad.dr7, dbg.dr7);
}

/* The reset CR0 has CD and NW; the CPU must not run the guest with them. */
static void okvm_svm_vcpu_reset_cr0(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;
	const struct vmcb *vmcb = okvm_test_vmcb(test);
	struct kvm_sregs sregs;

	KUNIT_EXPECT_EQ(test, vmcb->save.cr0 & (X86_CR0_CD | X86_CR0_NW), 0ULL);
	KUNIT_EXPECT_EQ(test, vmcb->save.cr0, (u64)X86_CR0_ET);
	okvm_svm_get_sregs(f->vcpu, &sregs);
	KUNIT_EXPECT_EQ(test, sregs.cr0, (u64)OKVM_TEST_CR0_RESET);
	/* The guest would read the CPU's CR0: its reads and writes must exit. */
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR0_READ));
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR0_WRITE));
	/* A write that would set CD again exits even without them. */
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_SELECTIVE_CR0));
}

/* KVM_SET_SREGS: CD off, then on again; the CPU's CR0 never has it. */
static void okvm_svm_vcpu_set_sregs_cd(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;
	const struct vmcb *vmcb = okvm_test_vmcb(test);
	u64 cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	struct kvm_sregs sregs;

	okvm_svm_get_sregs(f->vcpu, &sregs);
	sregs.cr0 = cr0;
	KUNIT_ASSERT_EQ(test, okvm_svm_set_sregs(f->vcpu, &sregs), 0);
	KUNIT_EXPECT_EQ(test, vmcb->save.cr0, cr0);
	/* Guest and CPU agree: a normal guest pays no CR0 exit. */
	KUNIT_EXPECT_FALSE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR0_READ));
	KUNIT_EXPECT_FALSE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR0_WRITE));

	sregs.cr0 = cr0 | X86_CR0_CD;
	KUNIT_ASSERT_EQ(test, okvm_svm_set_sregs(f->vcpu, &sregs), 0);
	KUNIT_EXPECT_EQ(test, vmcb->save.cr0, cr0);
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR0_READ));
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR0_WRITE));
	okvm_svm_get_sregs(f->vcpu, &sregs);
	KUNIT_EXPECT_EQ(test, sregs.cr0, cr0 | X86_CR0_CD);

	sregs.cr0 = cr0 | X86_CR0_CD | X86_CR0_NW;
	KUNIT_ASSERT_EQ(test, okvm_svm_set_sregs(f->vcpu, &sregs), 0);
	KUNIT_EXPECT_EQ(test, vmcb->save.cr0, cr0);
	okvm_svm_get_sregs(f->vcpu, &sregs);
	KUNIT_EXPECT_EQ(test, sregs.cr0, cr0 | X86_CR0_CD | X86_CR0_NW);
}

/*
 * CR4 bits are the guest's CPUID's to allow (vcpu->cr4_reserved): a MOV to
 * CR4 exits for okvm to check it, and KVM_SET_SREGS refuses a reserved
 * bit, changing nothing.
 */
static void okvm_svm_vcpu_cr4_checked(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;
	const struct vmcb *vmcb = okvm_test_vmcb(test);
	struct kvm_sregs sregs;

	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR4_WRITE));
	KUNIT_EXPECT_FALSE(test, okvm_test_intercepted(vmcb, INTERCEPT_CR4_READ));

	f->vcpu->cr4_reserved = X86_CR4_OSXSAVE;
	okvm_svm_get_sregs(f->vcpu, &sregs);
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSXSAVE;
	KUNIT_EXPECT_EQ(test, okvm_svm_set_sregs(f->vcpu, &sregs), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmcb->save.cr4, 0ULL);
	sregs.cr4 = X86_CR4_PAE;
	KUNIT_EXPECT_EQ(test, okvm_svm_set_sregs(f->vcpu, &sregs), 0);
	KUNIT_EXPECT_EQ(test, vmcb->save.cr4, (u64)X86_CR4_PAE);
}

/* KVM_X86_DISABLE_EXITS_HLT: a vCPU created after it lets the guest halt. */
static void okvm_svm_vcpu_hlt_in_guest(struct kunit *test)
{
	struct okvm_svm_vcpu_fixture *f = test->priv;
	struct okvm_vcpu *vcpu;

	f->vm->hlt_in_guest = true;
	vcpu = okvm_svm_vcpu_create(f->vm);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	KUNIT_EXPECT_FALSE(test, okvm_test_intercepted(to_svm(vcpu)->vmcb, INTERCEPT_HLT));
	KUNIT_EXPECT_TRUE(test, okvm_test_intercepted(to_svm(vcpu)->vmcb,
						      INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_UD));
	okvm_svm_vcpu_free(vcpu);
}

static struct kunit_case okvm_svm_vcpu_cases[] = {
	KUNIT_CASE(okvm_svm_vcpu_intercepts_exceptions),
	KUNIT_CASE(okvm_svm_vcpu_debugregs),
	KUNIT_CASE(okvm_svm_vcpu_reset_cr0),
	KUNIT_CASE(okvm_svm_vcpu_set_sregs_cd),
	KUNIT_CASE(okvm_svm_vcpu_cr4_checked),
	KUNIT_CASE(okvm_svm_vcpu_hlt_in_guest),
	{}
};

static struct kunit_suite okvm_svm_vcpu_suite = {
	.name = "okvm_svm_vcpu",
	.init = okvm_svm_vcpu_test_init,
	.exit = okvm_svm_vcpu_test_exit,
	.test_cases = okvm_svm_vcpu_cases,
};

kunit_test_suite(okvm_svm_vcpu_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: svm/run.c, the entry path: the IBPB when a CPU goes from one VM's
 * vCPU to another VM's, and entries on a CPU whose SVM a reboot turned off.
 *
 * The suites run when okvm.ko loads, once every CPU has SVM enabled and before
 * any vCPU exists. The cases that turn SVM off do it on their own CPU with
 * interrupts off, and turn it back on before anything else can run there.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/svm.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/spte.h>
#include <okvm/xsave.h>

#include "../../svm/svm.h"
#include "tdp_vm_fixture.h"

/* What okvm_svm_switch_vmcb() looks at: the vCPU's VM and its VMCB's address. */
static struct okvm_svm_vcpu *fake_vcpu(struct kunit *test, struct okvm_vm *vm,
				       struct vmcb *vmcb)
{
	struct okvm_svm_vcpu *svm = kunit_kzalloc(test, sizeof(*svm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, svm);
	svm->vcpu.vm = vm;
	svm->vmcb = vmcb;
	return svm;
}

/* An address nothing else uses; never read through. */
static void *fake_addr(struct kunit *test)
{
	void *p = kunit_kzalloc(test, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static u64 ibpb_count(const struct okvm_svm_vcpu *svm)
{
	return svm->vcpu.stats.v[OKVM_VCPU_STAT_IBPB];
}

/* A CPU that issues an IBPB on every #VMEXIT needs none from okvm. */
static bool ibpb_expected(void)
{
	return !cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT);
}

/*
 * Any other VMCB gets a barrier, another VM's or the same VM's, counted on
 * the vCPU that enters; the same VMCB again gets none.
 */
static void okvm_svm_run_ibpb_between_vmcbs(struct kunit *test)
{
	struct okvm_svm_cpu *sd = kunit_kzalloc(test, sizeof(*sd), GFP_KERNEL);
	struct okvm_vm *vm1 = fake_addr(test), *vm2 = fake_addr(test);
	struct okvm_svm_vcpu *a1 = fake_vcpu(test, vm1, fake_addr(test));
	struct okvm_svm_vcpu *a2 = fake_vcpu(test, vm1, fake_addr(test));
	struct okvm_svm_vcpu *b = fake_vcpu(test, vm2, fake_addr(test));
	bool want = ibpb_expected();

	KUNIT_ASSERT_NOT_NULL(test, sd);
	/* Nothing is known about what the CPU ran before. */
	KUNIT_EXPECT_EQ(test, okvm_svm_switch_vmcb(sd, a1), want);
	KUNIT_EXPECT_PTR_EQ(test, sd->last_vmcb, a1->vmcb);
	/* The same vCPU again, then another vCPU of the same VM. */
	KUNIT_EXPECT_FALSE(test, okvm_svm_switch_vmcb(sd, a1));
	KUNIT_EXPECT_EQ(test, okvm_svm_switch_vmcb(sd, a2), want);
	KUNIT_EXPECT_PTR_EQ(test, sd->last_vmcb, a2->vmcb);
	/* Another VM's vCPU, and back. */
	KUNIT_EXPECT_EQ(test, okvm_svm_switch_vmcb(sd, b), want);
	KUNIT_EXPECT_PTR_EQ(test, sd->last_vmcb, b->vmcb);
	KUNIT_EXPECT_FALSE(test, okvm_svm_switch_vmcb(sd, b));
	KUNIT_EXPECT_EQ(test, okvm_svm_switch_vmcb(sd, a1), want);

	KUNIT_EXPECT_EQ(test, ibpb_count(a1), want ? 2ULL : 0ULL);
	KUNIT_EXPECT_EQ(test, ibpb_count(a2), want ? 1ULL : 0ULL);
	KUNIT_EXPECT_EQ(test, ibpb_count(b), want ? 1ULL : 0ULL);
}

/* A freed VMCB leaves no CPU's slot, and only that VMCB does. */
static void okvm_svm_run_forget_clears_every_cpu(struct kunit *test)
{
	struct vmcb *gone = fake_addr(test), *kept = fake_addr(test);
	struct vmcb **saved, **after;
	unsigned int cpu, keeper = cpumask_first(cpu_possible_mask);

	saved = kunit_kcalloc(test, nr_cpu_ids, sizeof(*saved), GFP_KERNEL);
	after = kunit_kcalloc(test, nr_cpu_ids, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	KUNIT_ASSERT_NOT_NULL(test, after);

	/* No vCPU exists while the suites run: the real slots are free to use. */
	for_each_possible_cpu(cpu) {
		struct okvm_svm_cpu *sd = per_cpu_ptr(&okvm_svm_cpu, cpu);

		saved[cpu] = sd->last_vmcb;
		WRITE_ONCE(sd->last_vmcb, cpu == keeper ? kept : gone);
	}
	okvm_svm_forget_vmcb(gone);
	for_each_possible_cpu(cpu) {
		struct okvm_svm_cpu *sd = per_cpu_ptr(&okvm_svm_cpu, cpu);

		after[cpu] = READ_ONCE(sd->last_vmcb);
		WRITE_ONCE(sd->last_vmcb, saved[cpu]);
	}

	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_PTR_EQ_MSG(test, after[cpu], cpu == keeper ? kept : NULL,
					"CPU %u", cpu);
}

/*
 * The freed VMCB's page comes back as a new vCPU's VMCB at the same address:
 * the CPU last ran the old one, but that was another vCPU, so the new one
 * still gets its barrier.
 */
static void okvm_svm_run_reused_vmcb_gets_barrier(struct kunit *test)
{
	struct okvm_vm *vm = fake_addr(test);
	struct vmcb *vmcb = fake_addr(test);
	struct okvm_svm_vcpu *old = fake_vcpu(test, vm, vmcb);
	struct okvm_svm_vcpu *new = fake_vcpu(test, vm, vmcb);
	struct okvm_svm_cpu *sd, saved;
	bool cleared, barrier;

	preempt_disable();
	sd = this_cpu_ptr(&okvm_svm_cpu);
	saved = *sd;
	okvm_svm_switch_vmcb(sd, old);
	/* What okvm_svm_vcpu_free() does before it frees the page. */
	okvm_svm_forget_vmcb(old->vmcb);
	cleared = !READ_ONCE(sd->last_vmcb);
	barrier = okvm_svm_switch_vmcb(sd, new);
	WRITE_ONCE(sd->last_vmcb, saved.last_vmcb);
	preempt_enable();

	KUNIT_EXPECT_TRUE(test, cleared);
	KUNIT_EXPECT_EQ(test, barrier, ibpb_expected());
	KUNIT_EXPECT_EQ(test, ibpb_count(new), ibpb_expected() ? 1ULL : 0ULL);
}

/*
 * What the reboot notifier's IPI does to this CPU, with the rebooting flag
 * set as the notifier sets it first. Interrupts stay off throughout, so
 * nothing else runs here while SVM is off. Return: EFER before.
 */
static u64 svm_off_for_reboot(void)
{
	u64 efer;

	lockdep_assert_irqs_disabled();
	WRITE_ONCE(okvm_rebooting, true);
	rdmsrl(MSR_EFER, efer);
	okvm_svm_disable_cpu();
	return efer;
}

static void svm_back_on(u64 efer)
{
	struct okvm_svm_cpu *sd = this_cpu_ptr(&okvm_svm_cpu);

	wrmsrl(MSR_EFER, efer);
	wrmsrl(MSR_VM_HSAVE_PA, okvm_svm_page_pa(sd->hsave));
	WRITE_ONCE(okvm_rebooting, false);
}

static bool svm_on_here(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

/* VMSAVE, VMLOAD and VMRUN with EFER.SVME clear return through the fixups. */
static void okvm_svm_run_vmrun_faults_while_rebooting(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	unsigned long regs[OKVM_NR_REGS], expect[OKVM_NR_REGS];
	unsigned long flags;
	bool was_on, faulted = false;
	unsigned int i;
	u64 efer;

	KUNIT_ASSERT_NOT_NULL(test, page);
	for (i = 0; i < OKVM_NR_REGS; i++) {
		expect[i] = 0x0101010101010101UL * (i + 1);
		regs[i] = expect[i];
	}

	local_irq_save(flags);
	was_on = svm_on_here();
	if (was_on) {
		efer = svm_off_for_reboot();
		faulted = okvm_svm_vmrun(okvm_svm_page_pa(page),
					 this_cpu_ptr(&okvm_svm_cpu)->host_save_pa, regs);
		svm_back_on(efer);
	}
	local_irq_restore(flags);
	__free_page(page);

	KUNIT_ASSERT_TRUE_MSG(test, was_on, "okvm has not enabled SVM on this CPU");
	KUNIT_EXPECT_TRUE(test, faulted);
	/* Nothing ran: the registers come back as they went in. */
	for (i = 0; i < OKVM_NR_REGS; i++)
		KUNIT_EXPECT_EQ_MSG(test, regs[i], expect[i], "register %u", i);
}

/*
 * A whole entry (CLGI, VMRUN, STGI) on a CPU a reboot turned SVM off on
 * comes back as a failed entry, which the exit handler reports to userspace
 * as KVM_EXIT_FAIL_ENTRY.
 */
static void okvm_svm_run_entry_while_rebooting_exits_cleanly(struct kunit *test)
{
	struct okvm_mmu_page_cache cache = {};
	struct okvm_vm *vm = okvm_test_vm(test);
	struct okvm_vcpu *vcpu = okvm_svm_vcpu_create(vm);
	struct kvm_run *run = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long flags;
	bool was_on;
	u32 exit_code = 0;
	int r = -1;
	u64 efer;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	KUNIT_ASSERT_NOT_NULL(test, run);
	vcpu->run = run;
	vcpu->xcr0 = okvm_host_xcr0;
	to_svm(vcpu)->vmcb->control.exit_code = SVM_EXIT_HLT;

	local_irq_save(flags);
	was_on = svm_on_here();
	if (was_on) {
		efer = svm_off_for_reboot();
		okvm_svm_run(vcpu);
		svm_back_on(efer);
	}
	local_irq_restore(flags);
	if (was_on) {
		exit_code = to_svm(vcpu)->vmcb->control.exit_code;
		r = okvm_svm_handle_exit(vcpu);
	}
	okvm_svm_vcpu_free(vcpu);
	okvm_test_vm_free(vm, &cache);

	KUNIT_ASSERT_TRUE_MSG(test, was_on, "okvm has not enabled SVM on this CPU");
	KUNIT_EXPECT_EQ(test, exit_code, (u32)SVM_EXIT_ERR);
	KUNIT_EXPECT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, run->exit_reason, (u32)KVM_EXIT_FAIL_ENTRY);
}

static struct kunit_case okvm_svm_run_cases[] = {
	KUNIT_CASE(okvm_svm_run_ibpb_between_vmcbs),
	KUNIT_CASE(okvm_svm_run_forget_clears_every_cpu),
	KUNIT_CASE(okvm_svm_run_reused_vmcb_gets_barrier),
	KUNIT_CASE(okvm_svm_run_vmrun_faults_while_rebooting),
	KUNIT_CASE(okvm_svm_run_entry_while_rebooting_exits_cleanly),
	{}
};

static struct kunit_suite okvm_svm_run_suite = {
	.name = "okvm_svm_run",
	.test_cases = okvm_svm_run_cases,
};

kunit_test_suite(okvm_svm_run_suite);

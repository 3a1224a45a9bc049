// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that cannot go on ends its KVM_RUN with an exit reason, never with
 * a host problem: a triple fault is KVM_EXIT_SHUTDOWN, a register state the
 * CPU refuses to enter is KVM_EXIT_FAIL_ENTRY, and states KVM_SET_SREGS can
 * tell are impossible are refused with EINVAL. The host, and other VMs, go
 * on afterwards.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

static void guest_sync_once(void)
{
	GUEST_SYNC(0x600d);
}

/* A new VM runs a guest to completion: the host is still fine. */
static void expect_new_vm_works(void)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_sync_once, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 0x600d);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/*
 * With an IDT of limit 0 no exception can be delivered: #UD becomes #GP,
 * #GP becomes #DF, and a fault delivering #DF is a triple fault.
 */
static void guest_triple_fault(void)
{
	struct x86_table_register empty_idt = { .limit = 0, .base = 0 };

	GUEST_SYNC(1);
	guest_lidt(&empty_idt);
	asm volatile("ud2");
	GUEST_SYNC(2);
}

TEST(triple_fault_is_shutdown)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_triple_fault, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (vcpu->run->exit_reason != KVM_EXIT_SHUTDOWN)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for SHUTDOWN");
	okvm_vm_free(vm);
	expect_new_vm_works();
}

/*
 * CS.L and CS.D both set in long mode is reserved; the AMD APM lists it among
 * the VMRUN consistency checks that fail the entry (VMEXIT_INVALID), and
 * KVM_SET_SREGS does not check segments, so it reaches the entry.
 */
TEST(long_mode_cs_l_and_d_fails_entry)
{
	struct kvm_sregs sregs, good_sregs;
	struct kvm_regs good_regs;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_sync_once, &vcpu);
	okvm_vcpu_get_regs(vcpu, &good_regs);
	okvm_vcpu_get_sregs(vcpu, &good_sregs);
	sregs = good_sregs;
	sregs.cs.db = 1;
	okvm_vcpu_set_sregs(vcpu, &sregs);

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (vcpu->run->exit_reason != KVM_EXIT_FAIL_ENTRY)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for FAIL_ENTRY");
	TH_LOG("hardware entry failure reason 0x%llx",
	       vcpu->run->fail_entry.hardware_entry_failure_reason);

	/*
	 * The same vCPU runs again once given a whole valid state. A failed
	 * VMRUN may leave anything in the VMCB's save area, and kvm_amd reads
	 * RIP, RSP and RAX back from it (under QEMU, the guest then resumed
	 * in the middle of the program image), so restoring only CS is not
	 * enough: both register sets go back.
	 */
	okvm_vcpu_set_sregs(vcpu, &good_sregs);
	okvm_vcpu_set_regs(vcpu, &good_regs);
	okvm_vcpu_expect_sync(vcpu, 0x600d);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	expect_new_vm_works();
}

static void expect_sregs_rejected(struct __test_metadata *_metadata,
				  struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs,
				  const char *what)
{
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, sregs)) TH_LOG("%s was accepted", what);
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s: %s", what, strerror(errno));
}

TEST(impossible_paging_state_is_einval)
{
	struct kvm_sregs good, bad;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_sync_once, &vcpu);
	okvm_vcpu_get_sregs(vcpu, &good);

	bad = good;
	bad.cr0 &= ~X86_CR0_PE;
	expect_sregs_rejected(_metadata, vcpu, &bad, "CR0.PG without CR0.PE");

	bad = good;
	bad.cr4 &= ~X86_CR4_PAE;
	expect_sregs_rejected(_metadata, vcpu, &bad, "long mode without CR4.PAE");

	bad = good;
	bad.efer &= ~EFER_LMA;
	expect_sregs_rejected(_metadata, vcpu, &bad, "EFER.LME and CR0.PG without EFER.LMA");

	bad = good;
	bad.cr0 &= ~X86_CR0_PG;
	bad.efer &= ~(EFER_LME | EFER_LMA);
	expect_sregs_rejected(_metadata, vcpu, &bad, "a 64-bit CS outside long mode");

	/* Nothing was half applied: the vCPU still runs from the good state. */
	okvm_vcpu_expect_sync(vcpu, 0x600d);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

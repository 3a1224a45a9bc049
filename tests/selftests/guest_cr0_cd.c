// SPDX-License-Identifier: GPL-2.0
/*
 * CR0.CD and CR0.NW belong to the guest's view of CR0: a guest sets them
 * with MOV to CR0 and reads them back (MOV from CR0, SMSW), CLTS and LMSW
 * keep them, KVM_GET_SREGS shows them, and the checks of a CR0 write (#GP
 * for NW without CD, PG without PE, bits 63:32) still apply. The CPU itself
 * never runs the guest with caches disabled, which no test in a guest can
 * see; the okvm_svm_vcpu KUnit suite checks the VMCB.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

u64 guest_gp_count;

/*
 * Whether a MOV to CR0 with bits 63:32 set must raise #GP. It must, and
 * does on okvm; KVM's instruction emulator, which kvm_amd uses on a CPU
 * without decode assists (QEMU's), keeps only bits 31:0 of the source.
 */
static bool check_cr0_high_bits;

/*
 * #GP handler for the 3-byte "mov %rax, %cr0" (0f 22 c0) below: count and
 * return past the instruction. The frame is the error code, then RIP.
 */
static __naked void guest_gp_skip_mov_cr0(void)
{
	asm("incq guest_gp_count(%rip)\n\t"
	    "addq $3, 8(%rsp)\n\t"
	    "add $8, %rsp\n\t"
	    "iretq");
}

static void write_cr0_rax(u64 cr0)
{
	asm volatile("mov %0, %%cr0" : : "a"(cr0) : "memory");
}

static u64 smsw64(void)
{
	u64 v;

	asm volatile("smsw %0" : "=r"(v));
	return v;
}

/* A write that must raise #GP and change nothing. */
static void expect_cr0_write_gp(u64 bad, u64 now)
{
	u64 before = READ_ONCE(guest_gp_count);

	write_cr0_rax(bad);
	barrier();
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), before + 1);
	GUEST_ASSERT_EQ(guest_read_cr0(), now);
}

static void guest_cd_roundtrip(void)
{
	u64 cr0 = guest_read_cr0();
	u64 cd = cr0 | X86_CR0_CD;

	GUEST_ASSERT_EQ(cr0 & (X86_CR0_CD | X86_CR0_NW), 0);
	write_cr0_rax(cd);
	GUEST_ASSERT_EQ(guest_read_cr0(), cd);
	GUEST_SYNC(1);

	/* SMSW of a 64-bit register stores all of CR0. */
	GUEST_ASSERT_EQ(smsw64(), cd);
	/* CLTS and LMSW change only their bits. */
	guest_write_cr0(cd | X86_CR0_TS);
	GUEST_ASSERT_EQ(guest_read_cr0(), cd | X86_CR0_TS);
	asm volatile("clts" ::: "memory");
	GUEST_ASSERT_EQ(guest_read_cr0(), cd);
	asm volatile("lmsw %w0" : : "r"((u16)(cd | X86_CR0_TS)) : "memory");
	GUEST_ASSERT_EQ(guest_read_cr0(), cd | X86_CR0_TS);
	asm volatile("clts" ::: "memory");

	/* What a CR0 write may not do, with the writes intercepted. */
	expect_cr0_write_gp(cr0 | X86_CR0_NW, cd);
	expect_cr0_write_gp(cd & ~X86_CR0_PE, cd);
	if (READ_ONCE(check_cr0_high_bits))
		expect_cr0_write_gp(cd | BIT_ULL(32), cd);

	write_cr0_rax(cd | X86_CR0_NW);
	GUEST_ASSERT_EQ(guest_read_cr0(), cd | X86_CR0_NW);
	GUEST_SYNC(2);

	write_cr0_rax(cr0);
	GUEST_ASSERT_EQ(guest_read_cr0(), cr0);
	GUEST_SYNC(3);

	/* And with CR0 back to what the CPU runs: still #GP. */
	expect_cr0_write_gp(cr0 | X86_CR0_NW, cr0);
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), READ_ONCE(check_cr0_high_bits) ? 4 : 3);
}

TEST(guest_sets_and_clears_cd)
{
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct okvm_vm *vm;
	u64 cr0;

	vm = okvm_vm_create_long_mode(1, guest_cd_roundtrip, &vcpu);
	okvm_guest_set_handler(vm, X86_VEC_GP, guest_gp_skip_mov_cr0);
	check_cr0_high_bits = okvm_dev_is_okvm(vm->dev_fd);
	okvm_sync_global_to_guest(vm, check_cr0_high_bits);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	cr0 = sregs.cr0;

	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0 | X86_CR0_CD, sregs.cr0);
	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0 | X86_CR0_CD | X86_CR0_NW, sregs.cr0);
	okvm_vcpu_expect_sync(vcpu, 3);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0, sregs.cr0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_clear_cd(void)
{
	u64 cr0 = guest_read_cr0();

	GUEST_SYNC(cr0);
	guest_write_cr0(cr0 & ~(X86_CR0_CD | X86_CR0_NW));
	GUEST_SYNC(guest_read_cr0());
}

/* CD and NW from KVM_SET_SREGS reach the guest, and its write comes back. */
TEST(host_sets_cd_guest_clears_it)
{
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct okvm_vm *vm;
	u64 cr0;

	vm = okvm_vm_create_long_mode(1, guest_clear_cd, &vcpu);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	cr0 = sregs.cr0;
	sregs.cr0 |= X86_CR0_CD | X86_CR0_NW;
	okvm_vcpu_set_sregs(vcpu, &sregs);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0 | X86_CR0_CD | X86_CR0_NW, sregs.cr0);

	okvm_vcpu_expect_sync(vcpu, cr0 | X86_CR0_CD | X86_CR0_NW);
	okvm_vcpu_expect_sync(vcpu, cr0);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0, sregs.cr0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

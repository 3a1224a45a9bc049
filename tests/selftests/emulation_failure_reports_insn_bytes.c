// SPDX-License-Identifier: GPL-2.0
/*
 * An instruction the hypervisor cannot emulate ends KVM_RUN with
 * KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_EMULATION, in the layout that
 * is ABI for that suberror (kvm_run's emulation_failure): the flags word
 * says the instruction's bytes follow, and they are the bytes at RIP, which
 * is still at the instruction. The VMM may step over it and go on.
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE asks for this exit (KVM would inject
 * #UD at CPL 3 otherwise); it takes 0 or 1.
 *
 * FLDS from an MMIO address is the instruction: neither okvm's MMIO
 * emulator nor KVM's instruction emulator knows it.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* 1G, no memslot: identity mapped in the guest, MMIO for the hypervisor. */
#define MMIO_GPA	0x40000000ULL
#define FLDS_LEN	2

static void guest_flds_from_mmio(u64 mmio)
{
	/* d9 00: flds (%rax) */
	asm volatile(".byte 0xd9, 0x00" : : "a"(mmio) : "memory");
	GUEST_SYNC(1);
}

static int enable_cap(struct okvm_vm *vm, u32 flags, u64 arg)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_ON_EMULATION_FAILURE,
		.flags = flags,
		.args[0] = arg,
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

TEST(capability_takes_0_and_1)
{
	struct okvm_vm *vm = okvm_vm_create();

	EXPECT_GT(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_ON_EMULATION_FAILURE), 0);
	EXPECT_EQ(0, enable_cap(vm, 0, 1)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, enable_cap(vm, 0, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, enable_cap(vm, 0, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, enable_cap(vm, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_free(vm);
}

TEST(flds_from_mmio_reports_its_bytes)
{
	struct okvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct kvm_run *run;
	struct okvm_vm *vm;
	u8 mem[15];
	unsigned int i, size;

	vm = okvm_vm_create_long_mode(1, guest_flds_from_mmio, &vcpu);
	okvm_guest_identity_map(vm, MMIO_GPA, PAGE_SIZE_2M);
	okvm_vcpu_set_args(vcpu, 1, MMIO_GPA);
	ASSERT_EQ(0, enable_cap(vm, 0, 1)) TH_LOG("%s", strerror(errno));
	run = vcpu->run;

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason)
		TH_LOG("exit %s", okvm_exit_reason_name(run->exit_reason));
	ASSERT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->emulation_failure.suberror);
	ASSERT_TRUE(run->emulation_failure.flags &
		    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)
		TH_LOG("flags 0x%llx", run->emulation_failure.flags);
	EXPECT_GE(run->emulation_failure.ndata, 3);
	size = run->emulation_failure.insn_size;
	ASSERT_GE(size, FLDS_LEN);
	ASSERT_LE(size, sizeof(run->emulation_failure.insn_bytes));

	/* The bytes are those at RIP, which did not move; NOPs pad them. */
	okvm_vcpu_get_regs(vcpu, &regs);
	okvm_read_guest(vm, regs.rip, mem, size);
	EXPECT_EQ(0xd9, run->emulation_failure.insn_bytes[0]);
	EXPECT_EQ(0x00, run->emulation_failure.insn_bytes[1]);
	EXPECT_EQ(0, memcmp(mem, run->emulation_failure.insn_bytes, size))
		TH_LOG("%u bytes reported differ from the guest's at 0x%llx", size, regs.rip);
	for (i = size; i < sizeof(run->emulation_failure.insn_bytes); i++)
		EXPECT_EQ(0x90, run->emulation_failure.insn_bytes[i]) TH_LOG("byte %u", i);

	regs.rip += FLDS_LEN;
	okvm_vcpu_set_regs(vcpu, &regs);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

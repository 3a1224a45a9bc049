// SPDX-License-Identifier: GPL-2.0
/*
 * KVM hypercalls from a 64-bit guest at CPL 0: VAPIC_POLL_IRQ and
 * SCHED_YIELD answer 0 and an unknown number -KVM_ENOSYS, in RAX. With
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID, SCHED_YIELD needs its CPUID bit
 * (KVM_FEATURE_PV_SCHED_YIELD in 0x40000001 EAX). The other vendor's
 * hypercall instruction (Intel's VMCALL on AMD, AMD's VMMCALL on Intel)
 * is rewritten in guest memory to the host's and then made, while
 * KVM_X86_QUIRK_FIX_HYPERCALL_INSN is on; with the quirk disabled it
 * raises #UD and the bytes stay.
 */
#include <cpuid.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define UNKNOWN_HYPERCALL	0x7fff0001UL

enum guest_part { CALL_ANSWERS, CALL_FOREIGN, CALL_SCHED_YIELD };

static u64 guest_vmmcall(u64 nr)
{
	u64 ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(0UL), "c"(0UL), "d"(0UL), "S"(0UL)
		     : "memory");
	return ret;
}

extern const u8 guest_vmcall_insn[3], guest_vmmcall_insn[3];
u64 guest_ud_count;

/*
 * VMCALL with @nr in RAX and zero arguments; naked, so never inlined and
 * its label exists once. RBX is the caller's to keep.
 */
static __naked u64 guest_vmcall(u64 nr)
{
	asm("mov %rdi, %rax\n\t"
	    "push %rbx\n\t"
	    "xor %ebx, %ebx\n\t"
	    "xor %ecx, %ecx\n\t"
	    "xor %edx, %edx\n\t"
	    "xor %esi, %esi\n\t"
	    "guest_vmcall_insn: vmcall\n\t"
	    "pop %rbx\n\t"
	    "ret");
}

/* The same with VMMCALL, at a label of its own. */
static __naked u64 guest_vmmcall_at_label(u64 nr)
{
	asm("mov %rdi, %rax\n\t"
	    "push %rbx\n\t"
	    "xor %ebx, %ebx\n\t"
	    "xor %ecx, %ecx\n\t"
	    "xor %edx, %edx\n\t"
	    "xor %esi, %esi\n\t"
	    "guest_vmmcall_insn: vmmcall\n\t"
	    "pop %rbx\n\t"
	    "ret");
}

/* #UD handler for a 3-byte hypercall instruction: count it and step over it. */
static __naked void guest_ud_skip_vmcall(void)
{
	asm("incq guest_ud_count(%rip)\n\t"
	    "addq $3, (%rsp)\n\t"
	    "iretq");
}

static u64 guest_insn_bytes(const u8 *insn)
{
	return insn[0] | insn[1] << 8 | insn[2] << 16;
}

/* @intel: the host is Intel's, so VMMCALL is the other vendor's instruction. */
static void guest_code(u64 part, u64 intel)
{
	u64 ret;

	switch (part) {
	case CALL_ANSWERS:
		GUEST_SYNC(guest_vmmcall(KVM_HC_VAPIC_POLL_IRQ));
		GUEST_SYNC(guest_vmmcall(KVM_HC_SCHED_YIELD));
		GUEST_SYNC(guest_vmmcall(UNKNOWN_HYPERCALL));
		break;
	case CALL_FOREIGN:
		ret = intel ? guest_vmmcall_at_label(KVM_HC_VAPIC_POLL_IRQ) :
			      guest_vmcall(KVM_HC_VAPIC_POLL_IRQ);
		GUEST_SYNC(READ_ONCE(guest_ud_count));
		/* Without a #UD, the call was made and answered. */
		if (!READ_ONCE(guest_ud_count))
			GUEST_SYNC(ret);
		GUEST_SYNC(guest_insn_bytes(intel ? guest_vmmcall_insn : guest_vmcall_insn));
		break;
	case CALL_SCHED_YIELD:
		GUEST_SYNC(guest_vmmcall(KVM_HC_SCHED_YIELD));
		GUEST_SYNC(guest_vmmcall(KVM_HC_VAPIC_POLL_IRQ));
		break;
	}
}

/* GenuineIntel, as CPUID leaf 0 spells it in EBX, EDX, ECX. */
static bool host_is_intel(void)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid(0, eax, ebx, ecx, edx);
	return ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e;
}

static struct okvm_vm *start(enum guest_part part, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_code, vcpu);

	okvm_guest_set_handler(vm, X86_VEC_UD, guest_ud_skip_vmcall);
	okvm_vcpu_set_args(*vcpu, 2, part, host_is_intel());
	return vm;
}

TEST(vmmcall_answers)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = start(CALL_ANSWERS, &vcpu);

	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_sync(vcpu, (u64)-KVM_ENOSYS);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

#define VMCALL_BYTES	0xc1010fULL	/* 0f 01 c1, as the guest reads them */
#define VMMCALL_BYTES	0xd9010fULL	/* 0f 01 d9 */

/* The host vendor's hypercall instruction, and the other one. */
static u64 native_bytes(void)
{
	return host_is_intel() ? VMCALL_BYTES : VMMCALL_BYTES;
}

static u64 foreign_bytes(void)
{
	return host_is_intel() ? VMMCALL_BYTES : VMCALL_BYTES;
}

TEST(foreign_hypercall_is_rewritten_while_the_quirk_is_on)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = start(CALL_FOREIGN, &vcpu);

	okvm_vcpu_expect_sync(vcpu, 0);		/* no #UD */
	okvm_vcpu_expect_sync(vcpu, 0);		/* VAPIC_POLL_IRQ answered */
	okvm_vcpu_expect_sync(vcpu, native_bytes());
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(foreign_hypercall_raises_ud_without_the_quirk)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.args[0] = KVM_X86_QUIRK_FIX_HYPERCALL_INSN,
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = start(CALL_FOREIGN, &vcpu);

	ASSERT_TRUE(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2) &
		    KVM_X86_QUIRK_FIX_HYPERCALL_INSN);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	okvm_vcpu_expect_sync(vcpu, 1);		/* one #UD */
	okvm_vcpu_expect_sync(vcpu, foreign_bytes());
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* The vCPU's CPUID with KVM_FEATURE_PV_SCHED_YIELD set or clear. */
static void set_pv_sched_yield(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			       bool on)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vcpu->vm->dev_fd);
	bool found = false;
	unsigned int i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != KVM_CPUID_FEATURES)
			continue;
		e->eax &= ~BIT_ULL(KVM_FEATURE_PV_SCHED_YIELD);
		e->eax |= on ? BIT_ULL(KVM_FEATURE_PV_SCHED_YIELD) : 0;
		found = true;
	}
	ASSERT_TRUE(found);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
	free(cpuid);
}

static void sched_yield_with_enforced_cpuid(struct __test_metadata *_metadata, bool cpuid_bit)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args[0] = 1 };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = start(CALL_SCHED_YIELD, &vcpu);

	set_pv_sched_yield(_metadata, vcpu, cpuid_bit);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap));
	okvm_vcpu_expect_sync(vcpu, cpuid_bit ? 0 : (u64)-KVM_ENOSYS);
	/* VAPIC_POLL_IRQ has no feature bit: always there. */
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(enforced_cpuid_hides_sched_yield_without_its_bit)
{
	sched_yield_with_enforced_cpuid(_metadata, false);
}

TEST(enforced_cpuid_allows_sched_yield_with_its_bit)
{
	sched_yield_with_enforced_cpuid(_metadata, true);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * MONITOR and MWAIT in a guest, as KVM has them: NOPs while
 * KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS is on, whatever CPUID says; without
 * that quirk, #UD unless CPUID.1:ECX has MWAIT. With
 * KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT off, that CPUID bit follows
 * MISC_ENABLE's ENABLE_MONITOR (bit 18), which only a guest with SSE3 may
 * change, in the vCPU's table and in any table given later (after KVM_RUN
 * too, where a table must be the one the vCPU has); with it on, the MSR
 * keeps the bit and CPUID stays.
 */
#include <cpuid.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/guest_msr_gp.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define CPUID_1_ECX_SSE3	BIT_ULL(0)
#define CPUID_1_ECX_MWAIT	BIT_ULL(3)
#define MSR_MISC_ENABLE		0x1a0
#define MISC_ENABLE_FAST_STRING	BIT_ULL(0)
#define MISC_ENABLE_MWAIT	BIT_ULL(18)
#define BOTH_QUIRKS		(KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS | \
				 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT)

u64 guest_ud_count;

/* #UD handler for MONITOR and MWAIT (3 bytes each): count and step over. */
static __naked void guest_ud_skip(void)
{
	asm("incq guest_ud_count(%rip)\n\t"
	    "addq $3, (%rsp)\n\t"
	    "iretq");
}

/*
 * Round after round: what CPUID.1 says of MWAIT, then how many of MONITOR
 * and MWAIT raised #UD (0, or 2).
 */
static void guest_code(void)
{
	u32 eax, ebx, ecx, edx;
	u64 before;

	for (;;) {
		guest_cpuid(1, 0, &eax, &ebx, &ecx, &edx);
		GUEST_SYNC(!!(ecx & CPUID_1_ECX_MWAIT));
		before = READ_ONCE(guest_ud_count);
		/* Valid operands: SVM checks them before the intercept. */
		asm volatile("monitor" : : "a"(&guest_ud_count), "c"(0), "d"(0) : "memory");
		asm volatile("mwait" : : "a"(0), "c"(0) : "memory");
		GUEST_SYNC(READ_ONCE(guest_ud_count) - before);
	}
}

static void require_host_monitor(struct __test_metadata *_metadata)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid(1, eax, ebx, ecx, edx);
	if (!(ecx & CPUID_1_ECX_MWAIT))
		SKIP(return, "the host CPU has no MONITOR/MWAIT");
}

/*
 * Gives the vCPU the supported CPUID with @set added to CPUID.1:ECX and
 * @clear taken away; the ioctl's result.
 */
static int change_cpuid_1_ecx(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			      u32 set, u32 clear)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vcpu->vm->dev_fd);
	bool found = false;
	unsigned int i;
	int r;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 1)
			continue;
		e->ecx = (e->ecx & ~clear) | set;
		found = true;
	}
	EXPECT_TRUE(found);
	r = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return r;
}

/* CPUID.1:ECX of the vCPU's table, as KVM_GET_CPUID2 gives it. */
static u32 vcpu_cpuid_1_ecx(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vcpu->vm->dev_fd);
	u32 ecx = 0;
	unsigned int i;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_CPUID2, cpuid));
	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			ecx = cpuid->entries[i].ecx;
	free(cpuid);
	return ecx;
}

static void disable_quirks(struct __test_metadata *_metadata, struct okvm_vm *vm, u64 quirks)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DISABLE_QUIRKS2, .args[0] = quirks };

	ASSERT_EQ(quirks, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2) & quirks);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
}

static struct okvm_vm *start(struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_code, vcpu);

	okvm_guest_set_handler(vm, X86_VEC_UD, guest_ud_skip);
	return vm;
}

/* A vCPU whose CPUID has no MWAIT (and none of @clear), in a VM without @quirks. */
static struct okvm_vm *start_without_mwait(struct __test_metadata *_metadata,
					   struct okvm_vcpu **vcpu, u32 clear, u64 quirks)
{
	struct okvm_vm *vm = start(vcpu);

	EXPECT_EQ(0, change_cpuid_1_ecx(_metadata, *vcpu, 0, CPUID_1_ECX_MWAIT | clear));
	if (quirks)
		disable_quirks(_metadata, vm, quirks);
	return vm;
}

/* One round of the guest: its CPUID bit, then its #UD count. */
static void expect_round(struct okvm_vcpu *vcpu, u64 cpuid_mwait, u64 uds)
{
	okvm_vcpu_expect_sync(vcpu, cpuid_mwait);
	okvm_vcpu_expect_sync(vcpu, uds);
}

TEST(nops_with_the_quirk_even_without_cpuid)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	require_host_monitor(_metadata);
	vm = start_without_mwait(_metadata, &vcpu, 0, 0);
	expect_round(vcpu, 0, 0);
	okvm_vm_free(vm);
}

TEST(without_the_quirk_ud_unless_cpuid_has_mwait)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	require_host_monitor(_metadata);
	vm = start_without_mwait(_metadata, &vcpu, 0, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS);
	expect_round(vcpu, 0, 2);
	okvm_vm_free(vm);

	vm = start(&vcpu);
	EXPECT_EQ(0, change_cpuid_1_ecx(_metadata, vcpu, CPUID_1_ECX_MWAIT, 0));
	disable_quirks(_metadata, vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS);
	expect_round(vcpu, 1, 0);
	okvm_vm_free(vm);
}

TEST(misc_enable_sets_cpuid_mwait_without_its_quirk)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 misc;

	require_host_monitor(_metadata);
	vm = start_without_mwait(_metadata, &vcpu, 0, BOTH_QUIRKS);
	expect_round(vcpu, 0, 2);
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, MISC_ENABLE_MWAIT));
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MISC_ENABLE, &misc));
	EXPECT_EQ(MISC_ENABLE_MWAIT, misc & MISC_ENABLE_MWAIT);
	EXPECT_EQ(CPUID_1_ECX_MWAIT, vcpu_cpuid_1_ecx(_metadata, vcpu) & CPUID_1_ECX_MWAIT);
	expect_round(vcpu, 1, 0);
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, 0));
	EXPECT_EQ(0, vcpu_cpuid_1_ecx(_metadata, vcpu) & CPUID_1_ECX_MWAIT);
	expect_round(vcpu, 0, 2);
	okvm_vm_free(vm);
}

TEST(a_table_given_later_takes_mwait_from_misc_enable)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	require_host_monitor(_metadata);
	vm = start_without_mwait(_metadata, &vcpu, 0, BOTH_QUIRKS);
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, MISC_ENABLE_MWAIT));
	/* Before KVM_RUN: a new table, its MWAIT bit set from the MSR. */
	EXPECT_EQ(0, change_cpuid_1_ecx(_metadata, vcpu, 0, CPUID_1_ECX_MWAIT));
	EXPECT_EQ(CPUID_1_ECX_MWAIT, vcpu_cpuid_1_ecx(_metadata, vcpu) & CPUID_1_ECX_MWAIT);
	expect_round(vcpu, 1, 0);
	/*
	 * After KVM_RUN a table must be the vCPU's own: the same one without
	 * the bit is, once the bit is set from the MSR; one without SSE3 is not.
	 */
	EXPECT_EQ(0, change_cpuid_1_ecx(_metadata, vcpu, 0, CPUID_1_ECX_MWAIT));
	EXPECT_NE(0, change_cpuid_1_ecx(_metadata, vcpu, 0, CPUID_1_ECX_SSE3));
	EXPECT_EQ(CPUID_1_ECX_MWAIT, vcpu_cpuid_1_ecx(_metadata, vcpu) & CPUID_1_ECX_MWAIT);
	expect_round(vcpu, 1, 0);
	okvm_vm_free(vm);
}

TEST(misc_enable_keeps_the_bit_alone_with_its_quirk)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 misc;

	require_host_monitor(_metadata);
	vm = start_without_mwait(_metadata, &vcpu, 0, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS);
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, MISC_ENABLE_MWAIT));
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MISC_ENABLE, &misc));
	EXPECT_EQ(MISC_ENABLE_MWAIT, misc & MISC_ENABLE_MWAIT);
	EXPECT_EQ(0, vcpu_cpuid_1_ecx(_metadata, vcpu) & CPUID_1_ECX_MWAIT);
	expect_round(vcpu, 0, 2);
	okvm_vm_free(vm);
}

TEST(misc_enable_mwait_needs_sse3_without_its_quirk)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 misc;

	vm = start_without_mwait(_metadata, &vcpu, CPUID_1_ECX_SSE3,
				 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT);
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, MISC_ENABLE_MWAIT));
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MISC_ENABLE, &misc));
	EXPECT_EQ(0, misc & MISC_ENABLE_MWAIT);
	/* Bits that drive no CPUID are written as before. */
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, misc | MISC_ENABLE_FAST_STRING));
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MISC_ENABLE, &misc));
	EXPECT_EQ(MISC_ENABLE_FAST_STRING, misc & MISC_ENABLE_FAST_STRING);
	okvm_vm_free(vm);
}

/* Sets ENABLE_MONITOR; syncs the #GPs it took and whether the bit is set. */
static void guest_enable_monitor(void)
{
	guest_wrmsr(MSR_MISC_ENABLE, guest_rdmsr(MSR_MISC_ENABLE) | MISC_ENABLE_MWAIT);
	GUEST_SYNC(okvm_guest_msr_gps());
	GUEST_SYNC(!!(guest_rdmsr(MSR_MISC_ENABLE) & MISC_ENABLE_MWAIT));
	GUEST_DONE();
}

TEST(guest_without_sse3_gets_gp_for_enable_monitor)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_enable_monitor, &vcpu);
	EXPECT_EQ(0, change_cpuid_1_ecx(_metadata, vcpu, 0, CPUID_1_ECX_MWAIT | CPUID_1_ECX_SSE3));
	disable_quirks(_metadata, vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);

	/* With SSE3 the same write is taken. */
	vm = okvm_vm_create_msr_guest(guest_enable_monitor, &vcpu);
	EXPECT_EQ(0, change_cpuid_1_ecx(_metadata, vcpu, CPUID_1_ECX_SSE3, CPUID_1_ECX_MWAIT));
	disable_quirks(_metadata, vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT);
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	EXPECT_EQ(CPUID_1_ECX_MWAIT, vcpu_cpuid_1_ecx(_metadata, vcpu) & CPUID_1_ECX_MWAIT);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

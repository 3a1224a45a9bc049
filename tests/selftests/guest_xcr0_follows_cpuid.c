// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's XCR0: x87 state after reset; XSETBV loads any value its CPUID
 * leaf 0xd offers and raises #GP for a bit it does not offer, for a value
 * without x87 state, for AVX without SSE and for an XCR other than 0; and
 * what XSETBV loaded is still there after exits to the host. The supported
 * table offers PKRU state exactly when it offers PKU.
 *
 * QEMU 7.2's TCG, where these tests run, ignores the XSETBV intercept: the
 * CPU checks the value against what it supports and loads it without an
 * exit. okvm then takes the guest's XCR0 from the CPU after the next exit;
 * kvm_amd, which never saw the XSETBV, loads its own idea of the guest's
 * XCR0 (x87 only) at the next entry. So XCR0 is read back only on okvm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define XFEATURE_FP		BIT_ULL(0)
#define XFEATURE_SSE		BIT_ULL(1)
#define XFEATURE_YMM		BIT_ULL(2)
#define XFEATURE_PKRU		BIT_ULL(9)
#define CPUID_1_ECX_XSAVE	BIT_ULL(26)
#define CPUID_7_ECX_PKU		BIT_ULL(3)

u64 guest_gp_count;
static bool check_xcr0;

/* #GP handler for the 3-byte XSETBV (0f 01 d1): count, return past it. */
static __naked void guest_gp_skip_xsetbv(void)
{
	asm("incq guest_gp_count(%rip)\n\t"
	    "addq $3, 8(%rsp)\n\t"
	    "add $8, %rsp\n\t"
	    "iretq");
}

static u64 guest_xgetbv(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (u64)hi << 32;
}

static void guest_xsetbv(u32 index, u64 value)
{
	asm volatile("xsetbv" : : "c"(index), "a"((u32)value), "d"((u32)(value >> 32))
		     : "memory");
}

static void guest_expect_xcr0(u64 xcr0)
{
	if (READ_ONCE(check_xcr0))
		GUEST_ASSERT_EQ(guest_xgetbv(), xcr0);
}

/* XSETBV that must raise #GP and leave XCR0 at @now. */
static void guest_xsetbv_fails(u32 index, u64 value, u64 now)
{
	u64 before = READ_ONCE(guest_gp_count);

	guest_xsetbv(index, value);
	barrier();
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), before + 1);
	guest_expect_xcr0(now);
}

static void guest_code(void)
{
	u32 eax, ebx, ecx, edx;
	u64 supported, gps = 0;
	int i;

	GUEST_ASSERT_EQ(guest_xgetbv(), XFEATURE_FP);
	guest_cpuid(0xd, 0, &eax, &ebx, &ecx, &edx);
	supported = eax | (u64)edx << 32;
	GUEST_ASSERT_EQ(supported & XFEATURE_FP, XFEATURE_FP);

	guest_xsetbv(0, supported);
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), 0);
	guest_expect_xcr0(supported);
	/* An exit to the host and back keeps it. */
	GUEST_SYNC(1);
	guest_expect_xcr0(supported);

	for (i = 0; i < 64; i++) {
		if (!(supported & BIT_ULL(i))) {
			guest_xsetbv_fails(0, supported | BIT_ULL(i), supported);
			gps++;
		}
	}
	guest_xsetbv_fails(0, 0, supported);
	guest_xsetbv_fails(1, supported, supported);
	gps += 2;
	if (supported & XFEATURE_YMM) {
		guest_xsetbv_fails(0, XFEATURE_FP | XFEATURE_YMM, supported);
		gps++;
	}

	guest_xsetbv(0, XFEATURE_FP | XFEATURE_SSE);
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), gps);
	GUEST_SYNC(2);
	guest_expect_xcr0(XFEATURE_FP | XFEATURE_SSE);
}

static const struct kvm_cpuid_entry2 *find_leaf(const struct kvm_cpuid2 *cpuid, u32 function,
						u32 index)
{
	unsigned int i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == function && cpuid->entries[i].index == index)
			return &cpuid->entries[i];
	return NULL;
}

TEST(pkru_state_comes_with_pku)
{
	const struct kvm_cpuid_entry2 *leaf7, *leafd;
	struct kvm_cpuid2 *cpuid;
	struct okvm_vm *vm = okvm_vm_create();

	cpuid = okvm_get_supported_cpuid(vm->dev_fd);
	leaf7 = find_leaf(cpuid, 7, 0);
	leafd = find_leaf(cpuid, 0xd, 0);
	if (!leafd)
		SKIP(goto out, "no XSAVE");
	ASSERT_NE(NULL, leaf7);
	EXPECT_EQ(!!(leafd->eax & XFEATURE_PKRU), !!(leaf7->ecx & CPUID_7_ECX_PKU))
		TH_LOG("leaf 0xd.0 eax 0x%x, leaf 7.0 ecx 0x%x", leafd->eax, leaf7->ecx);
out:
	free(cpuid);
	okvm_vm_free(vm);
}

TEST(xsetbv_takes_what_cpuid_offers)
{
	const struct kvm_cpuid_entry2 *leaf1, *leafd;
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_cpuid2 *cpuid;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_code, &vcpu);
	cpuid = okvm_get_supported_cpuid(vm->dev_fd);
	leaf1 = find_leaf(cpuid, 1, 0);
	leafd = find_leaf(cpuid, 0xd, 0);
	if (!leaf1 || !(leaf1->ecx & CPUID_1_ECX_XSAVE) || !leafd) {
		free(cpuid);
		okvm_vm_free(vm);
		SKIP(return, "no XSAVE");
	}
	free(cpuid);

	okvm_guest_set_handler(vm, X86_VEC_GP, guest_gp_skip_xsetbv);
	check_xcr0 = okvm_dev_is_okvm(vm->dev_fd);
	okvm_sync_global_to_guest(vm, check_xcr0);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.cr4 |= X86_CR4_OSXSAVE;
	okvm_vcpu_set_sregs(vcpu, &sregs);

	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A relocated xAPIC takes the APIC gfn with it: with guest memory under
 * both the old and the new base, the APIC's registers are at the new base
 * once the guest moves IA32_APIC_BASE there, and the old page is memory
 * again; moving back swaps them back. The inhibit reasons stay clear of
 * APIC_BASE, as the one vCPU's xAPIC is where the gfn is.
 *
 * okvm-only, and only with okvm loaded with apicv_test_access_page=1 (see
 * apicv_access_page_race.c), APICv inhibited by userspace so that every
 * access is emulated. Skips elsewhere.
 */
#include <okvm.h>

#include "kselftest_harness.h"
#include "lib/apicv.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MEM_SLOT	2
#define MEM_GPA		0xfec00000ULL	/* 4M: 0xfed00000 and 0xfee00000 in it */
#define MEM_SIZE	0x400000ULL
#define OLD_BASE	0xfee00000ULL
#define NEW_BASE	0xfed00000ULL
#define LVR		0x30
#define OLD_MARKER	0x5a5a5a5aU
#define NEW_MARKER	0x6b6b6b6bU
#define APIC_EN_BSP	(APICBASE_ENABLE | APICBASE_BSP)

static u32 read32(u64 gpa)
{
	return READ_ONCE(*(u32 *)gpa);
}

static void guest_relocate_and_back(void)
{
	GUEST_SYNC(read32(OLD_BASE + LVR));
	guest_wrmsr(MSR_IA32_APICBASE, NEW_BASE | APIC_EN_BSP);
	GUEST_SYNC(read32(NEW_BASE + LVR));
	GUEST_SYNC(read32(OLD_BASE + LVR));
	guest_wrmsr(MSR_IA32_APICBASE, OLD_BASE | APIC_EN_BSP);
	GUEST_SYNC(read32(OLD_BASE + LVR));
	GUEST_SYNC(read32(NEW_BASE + LVR));
	GUEST_DONE();
}

TEST(the_apic_gfn_follows_the_base)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 lvr, v;
	char *mem;

	if (!okvm_apicv_test_page_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	vm = okvm_vm_create_long_mode_irqchip(1, guest_relocate_and_back, &vcpu);
	mem = okvm_vm_add_anon_region(vm, MEM_SLOT, MEM_GPA, MEM_SIZE);
	okvm_guest_identity_map(vm, MEM_GPA, MEM_SIZE);
	*(u32 *)(mem + OLD_BASE - MEM_GPA + LVR) = OLD_MARKER;
	*(u32 *)(mem + NEW_BASE - MEM_GPA + LVR) = NEW_MARKER;
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));

	lvr = okvm_vcpu_next_sync(vcpu);
	EXPECT_NE(OLD_MARKER, lvr);
	EXPECT_NE(0, lvr & 0xff) TH_LOG("LVR 0x%llx has no version", lvr);
	/* Moved: the APIC at the new base, memory at the old. */
	EXPECT_EQ(lvr, okvm_vcpu_next_sync(vcpu));
	EXPECT_EQ(OLD_MARKER, okvm_vcpu_next_sync(vcpu));
	EXPECT_EQ(0, okvm_stat(vm->fd, "apicv_inhibit_reasons") &
		  (1ULL << OKVM_APICV_INHIBIT_APIC_BASE));
	/* And back. */
	EXPECT_EQ(lvr, okvm_vcpu_next_sync(vcpu));
	v = okvm_vcpu_next_sync(vcpu);
	EXPECT_EQ(NEW_MARKER, v);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

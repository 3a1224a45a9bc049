// SPDX-License-Identifier: GPL-2.0
/*
 * APICv toggles touch the APIC gfn and nothing else: a thousand inhibits
 * and re-enables with 64 MiB of guest memory mapped leave every leaf in
 * place (each inhibit zaps one gfn, which nothing mapped here), and no
 * memslot is involved: one that userspace puts over the APIC gfn is
 * accepted, and is shadowed there by the APIC (inhibited: the APIC's
 * registers; active: the access page), while the rest of it is memory;
 * and while the vCPU's APIC is disabled, the APIC gfn is memory too.
 *
 * KVM does otherwise: it keeps a private memslot for the access page, so
 * a user memslot over the APIC gfn fails with EEXIST, and before 5.16 an
 * inhibit deleted that memslot, zapping every leaf of the VM.
 *
 * okvm-only, and only with okvm loaded with apicv_test_access_page=1 (see
 * apicv_access_page_race.c). Skips elsewhere.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <okvm.h>

#include "kselftest_harness.h"
#include "lib/apicv.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define TOGGLES		1000
#define PAGE		0x1000ULL
#define REGION_SLOT	1
#define REGION_GPA	0x40000000ULL
#define REGION_SIZE	(64ULL << 20)
#define APIC_SLOT	2
#define APIC_GPA	0xfee00000ULL
#define APIC_SLOT_SIZE	0x200000ULL
#define APIC_LVR_OFFSET	0x30
#define MARKER		0x5a5a5a5aU
#define MARKER_NEXT	0x6b6b6b6b6b6b6b6bULL

static void guest_spin(void)
{
	for (;;)
		GUEST_SYNC(0);
}

/*
 * The APIC disabled in IA32_APIC_BASE, as the guest may: a load and a
 * store at the APIC gfn, then the APIC enabled again.
 */
static void guest_disable_apic_and_touch_its_page(void)
{
	u64 base = guest_rdmsr(MSR_IA32_APICBASE);
	u32 *lvr = (u32 *)(APIC_GPA + APIC_LVR_OFFSET);

	guest_wrmsr(MSR_IA32_APICBASE, base & ~APICBASE_ENABLE);
	GUEST_SYNC(READ_ONCE(*lvr));
	WRITE_ONCE(*lvr, MARKER + 1);
	guest_wrmsr(MSR_IA32_APICBASE, base);
	GUEST_SYNC(READ_ONCE(*lvr));
}

/* The APIC's version register, then the word at the start of the next page. */
static void guest_read_apic_page_and_next(void)
{
	for (;;) {
		GUEST_SYNC(READ_ONCE(*(u32 *)(APIC_GPA + APIC_LVR_OFFSET)));
		GUEST_SYNC(READ_ONCE(*(u64 *)(APIC_GPA + PAGE)));
	}
}

TEST(a_thousand_toggles_zap_no_leaf_of_guest_memory)
{
	struct kvm_pre_fault_memory range = { .gpa = REGION_GPA, .size = REGION_SIZE };
	struct okvm_leaf_counts before, after;
	u64 zaps, zapped, i;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	if (!okvm_apicv_test_page_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	/* No khugepaged collapse may change the leaves under the count. */
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	vm = okvm_vm_create_long_mode_irqchip(1, guest_spin, &vcpu);
	okvm_vm_add_anon_region(vm, REGION_SLOT, REGION_GPA, REGION_SIZE);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_PRE_FAULT_MEMORY, &range)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, range.size);
	before = okvm_stats_leaf_counts(vm->fd);
	ASSERT_GE(before.pages_4k + 512 * before.pages_2m, REGION_SIZE / PAGE);
	zaps = okvm_stat(vm->fd, "zaps");
	zapped = okvm_stat(vm->fd, "sptes_zapped");

	for (i = 0; i < TOGGLES; i++) {
		ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));
		ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 0));
	}
	after = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(before.pages_4k, after.pages_4k);
	EXPECT_EQ(before.pages_2m, after.pages_2m);
	EXPECT_EQ(before.pages_1g, after.pages_1g);
	/* One zap of one gfn per inhibit, and nothing mapped there to remove. */
	EXPECT_EQ(zaps + TOGGLES, okvm_stat(vm->fd, "zaps"));
	EXPECT_EQ(zapped, okvm_stat(vm->fd, "sptes_zapped"));
	okvm_vm_free(vm);
}

/* A VM running @guest with a memslot of its own over the APIC gfn. */
static struct okvm_vm *vm_with_memslot_over_apic(void *guest, struct okvm_vcpu **vcpu,
						 char **mem)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode_irqchip(1, guest, vcpu);

	/* No hidden memslot is in the way. */
	*mem = okvm_vm_add_anon_region(vm, APIC_SLOT, APIC_GPA, APIC_SLOT_SIZE);
	okvm_guest_identity_map(vm, APIC_GPA, APIC_SLOT_SIZE);
	return vm;
}

TEST(a_memslot_over_the_apic_gfn_is_shadowed_by_the_apic)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;
	u64 lvr;

	if (!okvm_apicv_test_page_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	vm = vm_with_memslot_over_apic(guest_read_apic_page_and_next, &vcpu, &mem);
	*(u32 *)(mem + APIC_LVR_OFFSET) = MARKER;
	*(u64 *)(mem + PAGE) = MARKER_NEXT;

	/* Inhibited: the APIC's own register, emulated. */
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));
	lvr = okvm_vcpu_next_sync(vcpu);
	EXPECT_NE(MARKER, lvr);
	EXPECT_NE(0, lvr & 0xff) TH_LOG("LVR 0x%llx has no version", lvr);
	EXPECT_EQ(MARKER_NEXT, okvm_vcpu_next_sync(vcpu));

	/* Active: the access page, which is not the memslot's page either. */
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 0));
	EXPECT_EQ(0, okvm_vcpu_next_sync(vcpu));
	EXPECT_EQ(MARKER_NEXT, okvm_vcpu_next_sync(vcpu));
	okvm_vm_free(vm);
}

/*
 * Shadowed only while the vCPU's APIC claims the page: with the APIC
 * disabled the accesses are emulated (the inhibit APIC_BASE is set) and
 * reach the memslot's memory, as on hardware, instead of userspace.
 */
TEST(a_disabled_apic_leaves_its_gfn_to_the_memslot)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;
	u64 lvr;

	if (!okvm_apicv_test_page_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	vm = vm_with_memslot_over_apic(guest_disable_apic_and_touch_its_page, &vcpu, &mem);
	*(u32 *)(mem + APIC_LVR_OFFSET) = MARKER;
	/* Inhibited throughout, so that the enabled APIC answers for itself. */
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));

	EXPECT_EQ(MARKER, okvm_vcpu_next_sync(vcpu));
	EXPECT_NE(0, okvm_stat(vm->fd, "apicv_inhibit_reasons") &
		  (1ULL << OKVM_APICV_INHIBIT_APIC_BASE));
	/* Enabled again: the APIC's register; the store went to the memslot. */
	lvr = okvm_vcpu_next_sync(vcpu);
	EXPECT_NE(MARKER + 1, lvr);
	EXPECT_NE(0, lvr & 0xff) TH_LOG("LVR 0x%llx has no version", lvr);
	EXPECT_EQ(MARKER + 1, *(u32 *)(mem + APIC_LVR_OFFSET));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN

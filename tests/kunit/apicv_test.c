// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the APICv state machine (apicv/apicv.c) on a VM with only its TDP
 * tables: active only while no reason is set, whatever the order reasons
 * come and go in; the inhibit that ends "active" moves the invalidation
 * sequence, so a fault that read it before retries; it zaps the APIC gfn
 * alone; and no huge leaf may cover that gfn.
 */
#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/sizes.h>

#include <okvm/apicv.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_vm_fixture.h"

/* A VM whose APICv is active: every reason the host would set is cleared. */
static struct okvm_vm *okvm_apicv_test_vm(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);

	okvm_apicv_init(vm);
	vm->apicv.inhibits = 0;
	return vm;
}

static bool okvm_apicv_test_active(struct okvm_vm *vm)
{
	return okvm_apicv_inhibits_active(READ_ONCE(vm->apicv.inhibits));
}

static void okvm_apicv_init_inhibits_until_irqchip(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);

	okvm_apicv_init(vm);
	KUNIT_EXPECT_TRUE(test, vm->apicv.inhibits & BIT(OKVM_APICV_INHIBIT_NO_IRQCHIP));
	KUNIT_EXPECT_EQ(test, vm->apicv.apic_gfn, 0xfee00);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_APICV_INHIBITS]),
			vm->apicv.inhibits);
	okvm_test_vm_free(vm, &(struct okvm_mmu_page_cache){});
}

static void okvm_apicv_active_only_without_reasons(struct kunit *test)
{
	struct okvm_vm *vm = okvm_apicv_test_vm(test);

	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_TEST);
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_USER);
	KUNIT_EXPECT_FALSE(test, okvm_apicv_test_active(vm));
	/* Set twice, cleared once: a bit, not a count. */
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_TEST);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_TEST);
	KUNIT_EXPECT_FALSE(test, okvm_apicv_test_active(vm));
	KUNIT_EXPECT_EQ(test, vm->apicv.inhibits, BIT(OKVM_APICV_INHIBIT_USER));
	/* Clearing what is not set changes nothing. */
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_X2APIC);
	KUNIT_EXPECT_EQ(test, vm->apicv.inhibits, BIT(OKVM_APICV_INHIBIT_USER));
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_USER);
	KUNIT_EXPECT_TRUE(test, okvm_apicv_test_active(vm));

	/* The other order. */
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_USER);
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_TEST);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_USER);
	KUNIT_EXPECT_FALSE(test, okvm_apicv_test_active(vm));
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_TEST);
	KUNIT_EXPECT_TRUE(test, okvm_apicv_test_active(vm));
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_APICV_INHIBITS]), 0);
	/* Eight changes of the mask; the no-ops are not counted. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_APICV_CHANGES]), 8);
	okvm_test_vm_free(vm, &(struct okvm_mmu_page_cache){});
}

/*
 * The race of seed 001: a fault read the sequence while APICv was active,
 * then an inhibit ran; the fault must retry. Only the change that ends
 * "active" zaps: a second reason, or clearing one, leaves the MMU alone.
 */
static void okvm_apicv_inhibit_makes_a_racing_fault_retry(struct kunit *test)
{
	struct okvm_vm *vm = okvm_apicv_test_vm(test);
	gfn_t gfn = vm->apicv.apic_gfn;
	unsigned long seq = READ_ONCE(vm->mmu_invalidate.seq);
	s64 zaps;

	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, gfn),
			OKVM_FAULT_NO_RETRY);
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_TEST);
	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, gfn),
			OKVM_FAULT_RETRY_SEQ_CHANGED);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.in_progress, 0);

	zaps = atomic64_read(&vm->stats.v[OKVM_VM_STAT_ZAPS]);
	seq = READ_ONCE(vm->mmu_invalidate.seq);
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_USER);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_USER);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_TEST);
	KUNIT_EXPECT_EQ(test, READ_ONCE(vm->mmu_invalidate.seq), seq);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_ZAPS]), zaps);
	okvm_test_vm_free(vm, &(struct okvm_mmu_page_cache){});
}

/* The inhibit zaps [apic_gfn, apic_gfn + 1) and nothing around it. */
static void okvm_apicv_inhibit_zaps_the_apic_gfn_alone(struct kunit *test)
{
	struct okvm_vm *vm = okvm_apicv_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	gfn_t gfn = vm->apicv.apic_gfn;

	okvm_test_map_4k(test, vm, &cache, gfn - 1, gfn + 2);
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_TEST);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_4K]), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_SPTES_ZAPPED]), 1);
	okvm_test_vm_free(vm, &cache);
}

/*
 * No huge leaf over the APIC gfn where it is special; elsewhere, and where
 * the backend maps no access page, leaves are not held back.
 */
static void okvm_apicv_no_huge_leaf_over_the_apic_gfn(struct kunit *test)
{
	struct okvm_vm *vm = okvm_apicv_test_vm(test);
	gfn_t gfn = vm->apicv.apic_gfn;
	struct okvm_gfn_range leaf_2m = { gfn & ~511ULL, (gfn & ~511ULL) + 512 };
	struct okvm_gfn_range leaf_1g = { gfn & ~(SZ_256K - 1), (gfn & ~(SZ_256K - 1)) + SZ_256K };
	struct okvm_gfn_range next_2m = { leaf_2m.end, leaf_2m.end + 512 };

	KUNIT_EXPECT_TRUE(test, okvm_apicv_leaf_covers_apic_gfn(vm, leaf_2m));
	KUNIT_EXPECT_TRUE(test, okvm_apicv_leaf_covers_apic_gfn(vm, leaf_1g));
	KUNIT_EXPECT_FALSE(test, okvm_apicv_leaf_covers_apic_gfn(vm, next_2m));
	/* Inhibited for now is still special: the gfn must stay emulated. */
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_USER);
	KUNIT_EXPECT_TRUE(test, okvm_apicv_leaf_covers_apic_gfn(vm, leaf_2m));
	/* Without an access page ever, the APIC gfn is a gfn like any other. */
	okvm_apicv_inhibit(vm, OKVM_APICV_INHIBIT_NO_HARDWARE);
	KUNIT_EXPECT_FALSE(test, okvm_apicv_leaf_covers_apic_gfn(vm, leaf_2m));
	okvm_test_vm_free(vm, &(struct okvm_mmu_page_cache){});
}

/*
 * KVM_CREATE_IRQCHIP clears NO_IRQCHIP after it let go of the VM's lock,
 * so a vCPU made and run in between may have mapped memslot pages over
 * the APIC gfn, 4K or huge. When the gfn becomes special they must go,
 * and a fault that read the sequence before must retry.
 */
static void okvm_apicv_gfn_becoming_special_zaps_it(struct kunit *test)
{
	struct okvm_vm *vm = okvm_apicv_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	gfn_t gfn = vm->apicv.apic_gfn;
	unsigned long seq;

	vm->apicv.inhibits = BIT(OKVM_APICV_INHIBIT_NO_IRQCHIP) | BIT(OKVM_APICV_INHIBIT_USER);
	okvm_test_map_4k(test, vm, &cache, gfn - 1, gfn + 2);
	seq = READ_ONCE(vm->mmu_invalidate.seq);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_NO_IRQCHIP);
	KUNIT_EXPECT_TRUE(test, okvm_apicv_gfn_special(vm));
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_4K]), 2);
	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, gfn),
			OKVM_FAULT_RETRY_SEQ_CHANGED);
	okvm_test_vm_free(vm, &cache);
}

/*
 * A huge leaf over it goes whole. APICv becoming active then maps nothing
 * and zaps nothing: the next fault does the mapping.
 */
static void okvm_apicv_gfn_becoming_special_zaps_a_huge_leaf(struct kunit *test)
{
	struct okvm_vm *vm = okvm_apicv_test_vm(test);
	struct okvm_mmu_page_cache cache = {};
	gfn_t gfn = vm->apicv.apic_gfn;
	s64 zaps;

	vm->apicv.inhibits = BIT(OKVM_APICV_INHIBIT_NO_IRQCHIP) | BIT(OKVM_APICV_INHIBIT_USER);
	okvm_test_map(test, vm, &cache, gfn & ~511ULL, 2, true);
	KUNIT_ASSERT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_2M]), 1);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_NO_IRQCHIP);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_PAGES_2M]), 0);

	zaps = atomic64_read(&vm->stats.v[OKVM_VM_STAT_ZAPS]);
	okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_USER);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->stats.v[OKVM_VM_STAT_ZAPS]), zaps);
	okvm_test_vm_free(vm, &cache);
}

static struct kunit_case okvm_apicv_cases[] = {
	KUNIT_CASE(okvm_apicv_init_inhibits_until_irqchip),
	KUNIT_CASE(okvm_apicv_active_only_without_reasons),
	KUNIT_CASE(okvm_apicv_inhibit_makes_a_racing_fault_retry),
	KUNIT_CASE(okvm_apicv_inhibit_zaps_the_apic_gfn_alone),
	KUNIT_CASE(okvm_apicv_no_huge_leaf_over_the_apic_gfn),
	KUNIT_CASE(okvm_apicv_gfn_becoming_special_zaps_it),
	KUNIT_CASE(okvm_apicv_gfn_becoming_special_zaps_a_huge_leaf),
	{}
};

static struct kunit_suite okvm_apicv_suite = {
	.name = "okvm_apicv",
	.test_cases = okvm_apicv_cases,
};

kunit_test_suite(okvm_apicv_suite);

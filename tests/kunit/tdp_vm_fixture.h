/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit fixture: a VM with only its TDP tables, for the suites that map and
 * zap through mmu/tdp_mmu.c. Leaves point at made-up pfns (0x100000 + gfn,
 * aligned for every leaf size): nothing ever reads through them. A case
 * listed as OKVM_CASE_PER_FORMAT(case) runs once for each TDP format (NPT,
 * EPT), since no CPU walks these tables.
 */
#ifndef _OKVM_KUNIT_TDP_VM_FIXTURE_H
#define _OKVM_KUNIT_TDP_VM_FIXTURE_H

#include <kunit/test.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>

#include <asm/vmx.h>

#include <okvm/spte.h>
#include <okvm/vm.h>

#include "../../mmu/tdp_mmu.h"
#include "../../vmx/vmx.h"

/* EPT as most Intel CPUs since Haswell offer it, Bochs' Skylake model too. */
#define OKVM_TEST_EPT_CAPS	(VMX_EPT_EXECUTE_ONLY_BIT | VMX_EPT_PAGE_WALK_4_BIT | \
				 VMX_EPTP_WB_BIT | VMX_EPT_2MB_PAGE_BIT | \
				 VMX_EPT_1GB_PAGE_BIT | VMX_EPT_INVEPT_BIT | \
				 VMX_EPT_AD_BIT | VMX_EPT_EXTENT_CONTEXT_BIT)

/* The parameters of a case run per format: NPT as this host builds it, then EPT. */
static inline const void *okvm_test_format_gen_params(const void *prev, char *desc)
{
	static struct okvm_spte_format ept;

	if (!prev) {
		strscpy(desc, "npt", KUNIT_PARAM_DESC_SIZE);
		return okvm_npt_format();
	}
	if (prev != okvm_npt_format() || okvm_ept_format_from_caps(OKVM_TEST_EPT_CAPS, 46, &ept))
		return NULL;
	strscpy(desc, "ept", KUNIT_PARAM_DESC_SIZE);
	return &ept;
}

#define OKVM_CASE_PER_FORMAT(test_case) \
	KUNIT_CASE_PARAM(test_case, okvm_test_format_gen_params)

/* The case's format: its parameter, or NPT for a case run once. */
static inline const struct okvm_spte_format *okvm_test_format(struct kunit *test)
{
	return test->param_value ?: okvm_npt_format();
}

static inline struct okvm_vm *okvm_test_vm(struct kunit *test)
{
	struct okvm_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	rwlock_init(&vm->mmu_lock);
	/* okvm_mmu_zap_gfn_range() wakes it when its invalidation ends. */
	init_waitqueue_head(&vm->invalidate_done);
	vm->mmu.fmt = okvm_test_format(test);
	vm->mmu.root_level = 4;
	vm->mmu.root = (u64 *)get_zeroed_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vm->mmu.root);
	return vm;
}

static inline void okvm_test_vm_free(struct okvm_vm *vm,
				     struct okvm_mmu_page_cache *cache)
{
	okvm_mmu_destroy(vm);
	okvm_mmu_page_cache_free(cache);
}

/* Map @gfn as the fault path would, at most at @level. */
static inline void okvm_test_map(struct kunit *test, struct okvm_vm *vm,
				 struct okvm_mmu_page_cache *cache, gfn_t gfn,
				 int level, bool writable)
{
	int r;

	while (cache->nr < OKVM_MAX_LEVEL) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, page);
		cache->pages[cache->nr++] = page;
	}
	read_lock(&vm->mmu_lock);
	r = okvm_tdp_map(vm, cache, gfn, 0x100000 + gfn, level, writable);
	read_unlock(&vm->mmu_lock);
	KUNIT_ASSERT_EQ(test, r, 0);
}

/* Map every gfn of [@start, @end) at 4K, writable. */
static inline void okvm_test_map_4k(struct kunit *test, struct okvm_vm *vm,
				    struct okvm_mmu_page_cache *cache, gfn_t start,
				    gfn_t end)
{
	gfn_t gfn;

	for (gfn = start; gfn < end; gfn++)
		okvm_test_map(test, vm, cache, gfn, 1, true);
}

/*
 * Ask for a reschedule, as the tick would: a walk that may yield mmu_lock
 * then does so at its first check.
 */
static inline void okvm_test_ask_resched(void)
{
	set_tsk_need_resched(current);
	set_preempt_need_resched();
}

#endif /* _OKVM_KUNIT_TDP_VM_FIXTURE_H */

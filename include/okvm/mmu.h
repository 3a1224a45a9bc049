/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MMU's interface to the rest of okvm: one TDP root per VM, the page
 * fault handler, gfn-range zaps, access tracking, and the mmu_notifier
 * retry state.
 */
#ifndef _OKVM_MMU_H
#define _OKVM_MMU_H

#include <linux/kvm_types.h>
#include <linux/types.h>

#include <okvm/gfn_range.h>

struct okvm_vm;
struct okvm_vcpu;
struct okvm_spte_format;

/* Page-table levels: 1 maps 4K, 2 maps 2M, 3 maps 1G; 4 or 5 is the root. */
#define OKVM_MAX_LEVEL		5

/**
 * struct okvm_mmu_invalidate - what a page fault must check before it maps
 * @in_progress: invalidations started and not yet ended
 * @seq: bumped when an invalidation ends; a fault that saw another value
 *	raced with one and retries
 * @range: union of the gfns being invalidated while @in_progress > 0
 *
 * Changed only under mmu_lock held for write; read by faults under the read
 * lock, so a fault sees a consistent triple.
 */
struct okvm_mmu_invalidate {
	unsigned long in_progress;
	unsigned long seq;
	struct okvm_gfn_range range;
};

/**
 * enum okvm_fault_retry - why a page fault maps nothing and lets the guest
 *	retry the access
 * @OKVM_FAULT_NO_RETRY: it does not retry (zero, so the enum tests as a bool)
 * @OKVM_FAULT_RETRY_INVALIDATING: an invalidation covering the gfn is in
 *	progress
 * @OKVM_FAULT_RETRY_SEQ_CHANGED: an invalidation ended after the fault read
 *	the sequence, so the page it translated may be stale
 * @OKVM_FAULT_RETRY_LOST_RACE: another vCPU changed the entry first
 * @OKVM_FAULT_RETRY_INTERRUPTED: a signal interrupted the host's fault
 * @OKVM_FAULT_RETRY_SLOT_INVALID: the gfn's memslot is being deleted or
 *	moved; the guest retries until the new memslot array is out
 */
enum okvm_fault_retry {
	OKVM_FAULT_NO_RETRY,
	OKVM_FAULT_RETRY_INVALIDATING,
	OKVM_FAULT_RETRY_SEQ_CHANGED,
	OKVM_FAULT_RETRY_LOST_RACE,
	OKVM_FAULT_RETRY_INTERRUPTED,
	OKVM_FAULT_RETRY_SLOT_INVALID,
};

enum okvm_fault_retry okvm_mmu_invalidate_retry(const struct okvm_mmu_invalidate *inv,
						unsigned long seq, gfn_t gfn);
void okvm_mmu_invalidate_begin(struct okvm_vm *vm, struct okvm_gfn_range range);
void okvm_mmu_invalidate_end(struct okvm_vm *vm);

/**
 * struct okvm_mmu_page_cache - table pages a fault may need, allocated
 *	before it takes mmu_lock, where it cannot sleep
 * @nr: pages in the cache
 * @pages: zeroed pages, each the size of one table
 */
struct okvm_mmu_page_cache {
	int nr;
	void *pages[OKVM_MAX_LEVEL];
};

/**
 * struct okvm_mmu - a VM's TDP page tables
 * @fmt: SPTE format of the backend (NPT or EPT)
 * @root: kernel address of the root table
 * @root_level: the level of @root, the format's (@fmt->root_level)
 */
struct okvm_mmu {
	const struct okvm_spte_format *fmt;
	u64 *root;
	int root_level;
};

int okvm_mmu_init(struct okvm_vm *vm);
void okvm_mmu_destroy(struct okvm_vm *vm);
phys_addr_t okvm_mmu_root_pa(struct okvm_vm *vm);

/* okvm_mmu_page_fault(): no memory serves the access; emulate it as MMIO. */
#define OKVM_PF_EMULATE		2

/*
 * A fault's @access is what the guest tried, in the bits of a #PF error
 * code as the guest page walk has them (X86_PF_WRITE, X86_PF_INSTR; a
 * read if neither), decoded by the backend from its exit (NPT's error
 * code is in that format already; EPT's exit qualification is not).
 * Every leaf okvm maps is executable, so a fetch maps as a read does.
 */
int okvm_mmu_page_fault(struct okvm_vcpu *vcpu, gpa_t gpa, u32 access);
int okvm_mmu_map_gpa(struct okvm_vcpu *vcpu, gpa_t gpa, u32 access, int *level);

struct kvm_pre_fault_memory;
int okvm_mmu_pre_fault_memory(struct okvm_vcpu *vcpu, struct kvm_pre_fault_memory *range);
void okvm_mmu_page_cache_free(struct okvm_mmu_page_cache *cache);
int okvm_mmu_page_cache_fill(struct okvm_vcpu *vcpu);

void okvm_mmu_zap_gfn_range(struct okvm_vm *vm, struct okvm_gfn_range range);

/* Access tracking (mmu/age.c), under mmu_lock held for read. */
bool okvm_tdp_age_gfn_range(struct okvm_vm *vm, struct okvm_gfn_range range);
bool okvm_tdp_test_age_gfn_range(struct okvm_vm *vm, struct okvm_gfn_range range);

int okvm_mmu_notifier_register(struct okvm_vm *vm);
void okvm_mmu_notifier_unregister(struct okvm_vm *vm);

#endif /* _OKVM_MMU_H */

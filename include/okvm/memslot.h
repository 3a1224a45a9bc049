/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memslots: guest physical ranges backed by userspace memory.
 *
 * The set of memslots is an immutable, gfn-sorted array replaced as a whole
 * by writers (under vm->slots_lock) and read under vm->srcu, so a vCPU never
 * takes a lock to translate a gfn.
 */
#ifndef _OKVM_MEMSLOT_H
#define _OKVM_MEMSLOT_H

#include <linux/bitops.h>
#include <linux/kvm_types.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include <okvm/gfn_range.h>

/*
 * okvm's own memslot flag, above the KVM_MEM_* flags of the ABI: the slot
 * is being deleted or moved (core/memslot.c). Faults on it retry; the
 * mmu_notifier still zaps its gfns.
 */
#define OKVM_MEMSLOT_INVALID	BIT(16)

/* Slot ids userspace may use: 0 .. OKVM_NR_MEMSLOTS - 1, address space 0. */
#define OKVM_NR_MEMSLOTS	512

struct kvm_clear_dirty_log;
struct kvm_dirty_log;
struct kvm_userspace_memory_region2;
struct okvm_vm;

/**
 * struct okvm_memslot - one memory region
 * @id: the slot number userspace chose
 * @flags: KVM_MEM_* flags, and OKVM_MEMSLOT_INVALID
 * @base_gfn: first gfn of the slot
 * @npages: number of pages
 * @userspace_addr: host virtual address backing @base_gfn
 * @dirty_bitmap: with KVM_MEM_LOG_DIRTY_PAGES, one bit per page set by
 *	write faults, then as many longs again that KVM_GET_DIRTY_LOG copies
 *	out from; NULL without the flag. Copies of the slot in successive
 *	memslot arrays share it; it is freed when the flag goes or the slot does
 */
struct okvm_memslot {
	u32 id;
	u32 flags;
	gfn_t base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	unsigned long *dirty_bitmap;
};

/**
 * struct okvm_memslots - every slot of a VM, sorted by base_gfn
 * @nr: number of slots
 * @slots: the slots
 */
struct okvm_memslots {
	u32 nr;
	struct okvm_memslot slots[];
};

static inline struct okvm_gfn_range okvm_memslot_gfns(const struct okvm_memslot *slot)
{
	return (struct okvm_gfn_range){ slot->base_gfn, slot->base_gfn + slot->npages };
}

static inline unsigned long okvm_memslot_hva(const struct okvm_memslot *slot, gfn_t gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

/* Longs in each half of a logging slot's dirty bitmap. */
static inline unsigned long okvm_memslot_bitmap_longs(const struct okvm_memslot *slot)
{
	return BITS_TO_LONGS(slot->npages);
}

/*
 * A write fault maps @gfn writable in a logging slot: note it. Atomic,
 * since vCPUs fault on neighbouring pages of one word at once.
 */
static inline void okvm_memslot_mark_dirty(const struct okvm_memslot *slot, gfn_t gfn)
{
	if (slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}

const struct okvm_memslot *okvm_memslot_find(const struct okvm_memslots *slots,
					     gfn_t gfn);
const struct okvm_memslot *okvm_memslot_by_id(const struct okvm_memslots *slots,
					      u32 id);
int okvm_set_memory_region(struct okvm_vm *vm,
			   const struct kvm_userspace_memory_region2 *mem);
int okvm_read_guest(struct okvm_vm *vm, gpa_t gpa, void *buf, unsigned int len);
int okvm_write_guest(struct okvm_vm *vm, gpa_t gpa, const void *buf, unsigned int len);
int okvm_memslots_init(struct okvm_vm *vm);
void okvm_memslots_free(struct okvm_vm *vm);

/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: the flags okvm implements. */
#define OKVM_DIRTY_LOG_MANUAL_CAPS \
	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET)

/* Dirty logging (mmu/dirty_log.c). */
void okvm_mmu_dirty_logging_start(struct okvm_vm *vm, struct okvm_gfn_range range);
void okvm_mmu_dirty_logging_stop(struct okvm_vm *vm, struct okvm_gfn_range range);
int okvm_get_dirty_log(struct okvm_vm *vm, const struct kvm_dirty_log *log);
int okvm_clear_dirty_log(struct okvm_vm *vm, const struct kvm_clear_dirty_log *log);
int okvm_enable_manual_dirty_log(struct okvm_vm *vm, u64 flags);
bool okvm_dirty_log_initially_set(struct okvm_vm *vm);

#endif /* _OKVM_MEMSLOT_H */

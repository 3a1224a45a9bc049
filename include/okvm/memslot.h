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

#include <linux/kvm_types.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include <okvm/gfn_range.h>

/* Slot ids userspace may use: 0 .. OKVM_NR_MEMSLOTS - 1, address space 0. */
#define OKVM_NR_MEMSLOTS	512

struct kvm_userspace_memory_region2;
struct okvm_vm;

/**
 * struct okvm_memslot - one memory region
 * @id: the slot number userspace chose
 * @flags: KVM_MEM_* flags
 * @base_gfn: first gfn of the slot
 * @npages: number of pages
 * @userspace_addr: host virtual address backing @base_gfn
 */
struct okvm_memslot {
	u32 id;
	u32 flags;
	gfn_t base_gfn;
	u64 npages;
	unsigned long userspace_addr;
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

const struct okvm_memslot *okvm_memslot_find(const struct okvm_memslots *slots,
					     gfn_t gfn);
int okvm_set_memory_region(struct okvm_vm *vm,
			   const struct kvm_userspace_memory_region2 *mem);
int okvm_read_guest(struct okvm_vm *vm, gpa_t gpa, void *buf, unsigned int len);
int okvm_memslots_init(struct okvm_vm *vm);
void okvm_memslots_free(struct okvm_vm *vm);

#endif /* _OKVM_MEMSLOT_H */

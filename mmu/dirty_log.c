// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging by write protection: KVM_MEM_LOG_DIRTY_PAGES,
 * KVM_GET_DIRTY_LOG, and with KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
 * KVM_CLEAR_DIRTY_LOG.
 *
 * A logging memslot is mapped at 4K, and a page is writable in the TDP
 * tables only if its bit in the slot's dirty bitmap is set: turning logging
 * on write-protects the slot (and removes its huge leaves); a read fault
 * maps read-only; a write fault sets the bit and maps the page writable,
 * both under mmu_lock held for read. KVM_GET_DIRTY_LOG takes the bits and
 * then write-protects the pages they name under the write lock, and
 * flushes before it returns: a write the guest makes after the ioctl
 * faults and is in the next round.
 *
 * Why the write lock rather than the read side with cmpxchg (as aging does):
 * removing the huge leaves is a zap, which okvm does under the write lock;
 * and with faults shut out while the bits are taken, "every writable leaf
 * of a logging slot has its bit set" holds whenever a harvester looks, so a
 * harvest need protect only the pages it reports. Over a large slot the
 * protecting walk yields the lock now and then; a fault that maps a page
 * writable meanwhile sets its bit after the bits were taken, so the page
 * is reported next time whether or not the walk protects it again. The
 * cost is that faults wait for the walk, once per KVM_GET_DIRTY_LOG, and
 * the walk's cost follows the pages that were dirty, not the slot's size.
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <uapi/linux/kvm.h>

#include <okvm/memslot.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_mmu.h"

/**
 * okvm_mmu_dirty_logging_start() - a memslot in use starts logging
 * @vm: the VM; the slot with the flag is published and no SRCU reader
 *	still sees it without
 * @range: the slot's gfns
 *
 * Write-protects every 4K leaf of the slot and removes its huge leaves,
 * then flushes, so that every later write faults and is logged. Bumps the
 * invalidation state around it like every zap (rule 3 of
 * ../shared/ARCHITECTURE.md).
 */
void okvm_mmu_dirty_logging_start(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	struct okvm_gfn_range flush;

	write_lock(&vm->mmu_lock);
	okvm_mmu_invalidate_begin(vm, range);
	okvm_tdp_write_protect(vm, range, &flush, true);
	if (!okvm_gfn_range_empty(flush))
		okvm_flush_remote_tlbs_range(vm, flush.start,
					     okvm_gfn_range_nr_pages(flush));
	okvm_mmu_invalidate_end(vm);
	write_unlock(&vm->mmu_lock);
}

/**
 * okvm_mmu_dirty_logging_stop() - a memslot in use stops logging
 * @vm: the VM; the slot without the flag is published
 * @range: the slot's gfns
 *
 * Zaps the slot and frees the page tables that leaves empty, so that
 * faults map it writable and as large as the host and the slot allow
 * again, without unlinking a table each first.
 */
void okvm_mmu_dirty_logging_stop(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	okvm_mmu_zap_gfn_range(vm, range);
	write_lock(&vm->mmu_lock);
	okvm_tdp_free_empty_tables(vm, range);
	write_unlock(&vm->mmu_lock);
}

/*
 * Move the dirty bits of @slot to the second half of its bitmap and
 * write-protect the pages they name. Returns the hull of those pages' gfns,
 * relative to the slot, or an empty range.
 */
static struct okvm_gfn_range okvm_dirty_log_harvest(struct okvm_vm *vm,
						    const struct okvm_memslot *slot)
{
	unsigned long nr = okvm_memslot_bitmap_longs(slot), i;
	unsigned long *bits = slot->dirty_bitmap, *copy = bits + nr;
	struct okvm_gfn_range dirty = {}, flush;

	lockdep_assert_held_write(&vm->mmu_lock);

	for (i = 0; i < nr; i++) {
		unsigned long mask;

		copy[i] = 0;
		if (!READ_ONCE(bits[i]))
			continue;
		/* Faults are shut out, but set_bit() is atomic: so is this. */
		mask = xchg(&bits[i], 0);
		copy[i] = mask;
		dirty = okvm_gfn_range_hull(dirty, (struct okvm_gfn_range){
			i * BITS_PER_LONG + __ffs(mask),
			i * BITS_PER_LONG + __fls(mask) + 1 });
	}
	if (okvm_gfn_range_empty(dirty))
		return dirty;
	/*
	 * The pages between two dirty ones are read-only already (only a
	 * write fault makes a leaf writable, and it sets the bit): one walk
	 * over the hull protects exactly the dirty ones.
	 */
	okvm_tdp_write_protect(vm, (struct okvm_gfn_range){
		slot->base_gfn + dirty.start, slot->base_gfn + dirty.end }, &flush, true);
	if (!okvm_gfn_range_empty(flush))
		okvm_flush_remote_tlbs_range(vm, flush.start,
					     okvm_gfn_range_nr_pages(flush));
	return dirty;
}

/*
 * The slot of a dirty-log ioctl, slots_lock held: ERR_PTR(-EINVAL) for an
 * id outside address space 0 or the slot range, ERR_PTR(-ENOENT) for a
 * slot that does not exist or does not log.
 */
static const struct okvm_memslot *okvm_logging_slot(struct okvm_vm *vm, u32 id)
{
	const struct okvm_memslots *slots;
	const struct okvm_memslot *slot;

	lockdep_assert_held(&vm->slots_lock);
	if ((id >> 16) != 0 || (u16)id >= OKVM_NR_MEMSLOTS)
		return ERR_PTR(-EINVAL);
	slots = rcu_dereference_protected(vm->memslots, lockdep_is_held(&vm->slots_lock));
	slot = okvm_memslot_by_id(slots, (u16)id);
	return slot && slot->dirty_bitmap ? slot : ERR_PTR(-ENOENT);
}

/**
 * okvm_get_dirty_log() - KVM_GET_DIRTY_LOG
 * @vm: the VM
 * @log: userspace's request: slot, and where to copy the bitmap
 *
 * Copies one bit per page of the slot, set for each page written since
 * logging began or since the last call, and clears them; the pages are
 * write-protected again (and TLBs flushed) before it returns. With
 * KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE it only copies: the bits stay until
 * KVM_CLEAR_DIRTY_LOG. The bitmap userspace gets is rounded up to a
 * multiple of 64 bits, as in KVM.
 *
 * Return: 0; -EINVAL for a slot number outside address space 0 or the slot
 * range; -ENOENT if the slot does not exist or does not log; -EFAULT if
 * the bitmap cannot be written (the bits taken are then lost, as in KVM).
 */
int okvm_get_dirty_log(struct okvm_vm *vm, const struct kvm_dirty_log *log)
{
	const struct okvm_memslot *slot;
	unsigned long nr;
	int r;

	/* Keeps the slot and its bitmap from going while it is read. */
	mutex_lock(&vm->slots_lock);
	slot = okvm_logging_slot(vm, log->slot);
	if (IS_ERR(slot)) {
		r = PTR_ERR(slot);
		goto out;
	}

	nr = okvm_memslot_bitmap_longs(slot);
	if (vm->dirty_log_manual & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) {
		/* Userspace cleans and protects with KVM_CLEAR_DIRTY_LOG. */
		unsigned long i;

		for (i = 0; i < nr; i++)
			slot->dirty_bitmap[nr + i] = READ_ONCE(slot->dirty_bitmap[i]);
	} else {
		write_lock(&vm->mmu_lock);
		okvm_dirty_log_harvest(vm, slot);
		write_unlock(&vm->mmu_lock);
	}

	r = 0;
	if (copy_to_user(log->dirty_bitmap, slot->dirty_bitmap + nr, nr * sizeof(long)))
		r = -EFAULT;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * okvm_clear_dirty_log() - KVM_CLEAR_DIRTY_LOG
 * @vm: the VM
 * @log: userspace's request: slot, first page (a multiple of 64), number of
 *	pages (a multiple of 64 unless the range ends with the slot), and a
 *	bitmap of the pages to clean
 *
 * For every page whose bit is set both in the request and in the slot's
 * log, clears the log's bit and write-protects the page again, so that the
 * guest's next write to it is logged; TLBs are flushed before it returns.
 * Each word of the log loses its bits atomically (the fast write fault sets
 * bits without mmu_lock), and only the pages whose bits this call cleared
 * are protected: a page written meanwhile keeps its bit, and its leaf.
 *
 * Return: 0; -EINVAL for a slot number outside address space 0 or the slot
 * range, or a page range KVM would refuse; -ENOENT if the slot does not
 * exist or does not log; -EFAULT if the bitmap cannot be read.
 */
int okvm_clear_dirty_log(struct okvm_vm *vm, const struct kvm_clear_dirty_log *log)
{
	const struct okvm_memslot *slot;
	struct okvm_gfn_range flush = {};
	unsigned long *bits, *request, i;
	int r;

	if (log->first_page & (BITS_PER_LONG - 1))
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	slot = okvm_logging_slot(vm, log->slot);
	if (IS_ERR(slot)) {
		r = PTR_ERR(slot);
		goto out;
	}
	r = -EINVAL;
	if (log->first_page > slot->npages ||
	    log->num_pages > slot->npages - log->first_page ||
	    (log->num_pages < slot->npages - log->first_page &&
	     (log->num_pages & (BITS_PER_LONG - 1))))
		goto out;

	/* The second half of the bitmap is free between ioctls. */
	bits = slot->dirty_bitmap + log->first_page / BITS_PER_LONG;
	request = slot->dirty_bitmap + okvm_memslot_bitmap_longs(slot);
	r = -EFAULT;
	if (copy_from_user(request, log->dirty_bitmap,
			   BITS_TO_LONGS(log->num_pages) * sizeof(long)))
		goto out;

	write_lock(&vm->mmu_lock);
	for (i = 0; i < BITS_TO_LONGS(log->num_pages); i++) {
		unsigned long mask = request[i];

		if (!mask)
			continue;
		/* Bits past the slot's end are never set in the log. */
		mask &= atomic_long_fetch_andnot(mask, (atomic_long_t *)&bits[i]);
		if (mask)
			okvm_tdp_write_protect_masked(vm, slot->base_gfn + log->first_page +
						      i * BITS_PER_LONG, mask, &flush);
	}
	if (!okvm_gfn_range_empty(flush))
		okvm_flush_remote_tlbs_range(vm, flush.start,
					     okvm_gfn_range_nr_pages(flush));
	write_unlock(&vm->mmu_lock);
	r = 0;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * okvm_enable_manual_dirty_log() - KVM_ENABLE_CAP of
 *	KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2
 * @vm: the VM
 * @flags: KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, with or without
 *	KVM_DIRTY_LOG_INITIALLY_SET; 0 turns both off
 *
 * Takes effect for the next KVM_GET_DIRTY_LOG, and for the bitmaps of
 * slots that start logging from now on (INITIALLY_SET), as in KVM.
 *
 * Return: 0; -EINVAL for an unknown flag, or INITIALLY_SET alone.
 */
int okvm_enable_manual_dirty_log(struct okvm_vm *vm, u64 flags)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	if (flags & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed = OKVM_DIRTY_LOG_MANUAL_CAPS;
	if (flags & ~allowed)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->dirty_log_manual = flags;
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/**
 * okvm_dirty_log_initially_set() - do new logging slots start all dirty?
 * @vm: the VM, slots_lock held
 *
 * Return: true with KVM_DIRTY_LOG_INITIALLY_SET enabled.
 */
bool okvm_dirty_log_initially_set(struct okvm_vm *vm)
{
	lockdep_assert_held(&vm->slots_lock);
	return vm->dirty_log_manual & KVM_DIRTY_LOG_INITIALLY_SET;
}

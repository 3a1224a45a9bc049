// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION(2): create, delete, move and re-flag memslots.
 *
 * Writers build a new sorted array under slots_lock and publish it; vCPUs
 * read the array under SRCU. Removing gfns (delete, move) takes two arrays:
 * first one where the old slot is still there but marked invalid, so that
 * the mmu_notifier goes on zapping its gfns while faults on it retry; then,
 * after SRCU readers of the valid slot are gone and its gfns are zapped,
 * the final one (Documentation/locking.rst).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/kvm.h>

#include <okvm/memslot.h>
#include <okvm/vm.h>

/* Flags okvm implements. */
#define OKVM_MEM_FLAGS		(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

/* KVM's limit: a slot's page count fits in 31 bits. */
#define OKVM_MEM_MAX_NR_PAGES	((1ULL << 31) - 1)

/**
 * okvm_memslot_find() - the slot holding a gfn
 * @slots: the VM's memslots (under SRCU or slots_lock)
 * @gfn: the guest frame
 *
 * Return: the slot, or NULL if no slot holds @gfn.
 */
const struct okvm_memslot *okvm_memslot_find(const struct okvm_memslots *slots,
					     gfn_t gfn)
{
	u32 lo = 0, hi = slots->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct okvm_memslot *slot = &slots->slots[mid];

		if (gfn < slot->base_gfn)
			hi = mid;
		else if (gfn >= slot->base_gfn + slot->npages)
			lo = mid + 1;
		else
			return slot;
	}
	return NULL;
}

/**
 * okvm_memslot_by_id() - the slot userspace numbered @id
 * @slots: the VM's memslots (under SRCU or slots_lock)
 * @id: the slot number (address space 0)
 *
 * Return: the slot, or NULL if there is none.
 */
const struct okvm_memslot *okvm_memslot_by_id(const struct okvm_memslots *slots,
					      u32 id)
{
	u32 i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slots[i].id == id)
			return &slots->slots[i];
	return NULL;
}

static struct okvm_memslots *okvm_memslots_alloc(u32 nr)
{
	struct okvm_memslots *slots;

	slots = kvzalloc(struct_size(slots, slots, nr), GFP_KERNEL_ACCOUNT);
	if (slots)
		slots->nr = nr;
	return slots;
}

/* A copy of @old without slot @remove (if given) and with @add (if given). */
static struct okvm_memslots *okvm_memslots_edit(const struct okvm_memslots *old,
						const struct okvm_memslot *remove,
						const struct okvm_memslot *add)
{
	struct okvm_memslots *slots;
	u32 i, n = 0;
	bool added = !add;

	slots = okvm_memslots_alloc(old->nr - !!remove + !!add);
	if (!slots)
		return NULL;
	for (i = 0; i < old->nr; i++) {
		const struct okvm_memslot *slot = &old->slots[i];

		if (slot == remove)
			continue;
		if (!added && add->base_gfn < slot->base_gfn) {
			slots->slots[n++] = *add;
			added = true;
		}
		slots->slots[n++] = *slot;
	}
	if (!added)
		slots->slots[n++] = *add;
	return slots;
}

static bool okvm_memslot_overlaps(const struct okvm_memslots *slots,
				  const struct okvm_memslot *new, u32 ignore_id)
{
	u32 i;

	for (i = 0; i < slots->nr; i++) {
		const struct okvm_memslot *slot = &slots->slots[i];

		if (slot->id != ignore_id &&
		    okvm_gfn_ranges_overlap(okvm_memslot_gfns(slot),
					    okvm_memslot_gfns(new)))
			return true;
	}
	return false;
}

/*
 * Make @slots the VM's memslot array; return the one it replaces, which SRCU
 * readers may still use. An invalidation in progress computed its gfns from
 * the old array: a slot that appears now (a create, or a move's new gfns)
 * would hold none of them, and a fault there could map a page that
 * invalidation is about to take away. So wait until none is in progress,
 * and swap under the write lock, which the notifier holds while it reads
 * the array: an invalidation that starts later sees the new one.
 */
static struct okvm_memslots *okvm_memslots_swap(struct okvm_vm *vm,
						struct okvm_memslots *slots)
{
	struct okvm_memslots *old = rcu_dereference_protected(vm->memslots,
					lockdep_is_held(&vm->slots_lock));

	for (;;) {
		write_lock(&vm->mmu_lock);
		if (!vm->mmu_invalidate.in_progress)
			break;
		write_unlock(&vm->mmu_lock);
		wait_event(vm->invalidate_done,
			   !READ_ONCE(vm->mmu_invalidate.in_progress));
	}
	rcu_assign_pointer(vm->memslots, slots);
	/*
	 * The array before the generation: a cache that reads the new
	 * generation translates in the new array (the smp_rmb() of
	 * __okvm_gpc_refresh()).
	 */
	smp_wmb();
	WRITE_ONCE(vm->memslots_generation, vm->memslots_generation + 1);
	write_unlock(&vm->mmu_lock);
	return old;
}

/* Publish @slots; when it returns, no SRCU reader uses the old array. */
static void okvm_memslots_publish(struct okvm_vm *vm, struct okvm_memslots *slots)
{
	struct okvm_memslots *old = okvm_memslots_swap(vm, slots);

	/*
	 * Readers are short (a fault, a notifier callback): an expedited
	 * grace period makes memslot updates cheap, as VMMs do many.
	 */
	synchronize_srcu_expedited(&vm->srcu);
	kvfree(old);
	kvfree(vm->retired_memslots);
	vm->retired_memslots = NULL;
}

/*
 * Take the gfns of @old, a slot of the current array, away from the guest
 * before the array without them goes out; @invalid is a copy of the
 * current array, which replaces (and frees) it. In between, the notifier must
 * still find @old by its hva: an invalidation that started after the final
 * array was out would find no slot there, zap nothing, and the host would
 * free pages the guest still maps. So first publish a copy of @old marked
 * invalid, which faults do not map (they retry) and the notifier zaps as
 * before; once the SRCU readers that may have seen the valid slot are gone
 * (publish waits for them), zap what they mapped.
 */
static void okvm_memslot_invalidate(struct okvm_vm *vm, struct okvm_memslots *invalid,
				    const struct okvm_memslot *old)
{
	struct okvm_gfn_range gfns = okvm_memslot_gfns(old);
	u32 i;

	for (i = 0; i < invalid->nr; i++)
		if (invalid->slots[i].id == old->id)
			invalid->slots[i].flags |= OKVM_MEMSLOT_INVALID;
	okvm_memslots_publish(vm, invalid);
	okvm_mmu_zap_gfn_range(vm, gfns);
}

/*
 * A logging slot's bitmap: one bit per page that write faults set, then as
 * many again, where KVM_GET_DIRTY_LOG gathers what it copies out and
 * KVM_CLEAR_DIRTY_LOG what it copies in (so neither allocates). Every page
 * starts dirty if userspace asked for KVM_DIRTY_LOG_INITIALLY_SET.
 * Accounted to the VM's creator like the slot.
 */
static int okvm_memslot_alloc_bitmap(struct okvm_vm *vm, struct okvm_memslot *slot)
{
	if (!(slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		return 0;
	slot->dirty_bitmap = kvcalloc(2 * okvm_memslot_bitmap_longs(slot), sizeof(long),
				      GFP_KERNEL_ACCOUNT);
	if (!slot->dirty_bitmap)
		return -ENOMEM;
	if (okvm_dirty_log_initially_set(vm))
		bitmap_set(slot->dirty_bitmap, 0, slot->npages);
	return 0;
}

static int okvm_memslot_check(const struct kvm_userspace_memory_region2 *mem)
{
	u64 npages = mem->memory_size >> PAGE_SHIFT;

	if (mem->flags & ~OKVM_MEM_FLAGS)
		return -EINVAL;
	if ((mem->slot >> 16) != 0 || (u16)mem->slot >= OKVM_NR_MEMSLOTS)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size) || !PAGE_ALIGNED(mem->guest_phys_addr) ||
	    !PAGE_ALIGNED(mem->userspace_addr))
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr ||
	    npages > OKVM_MEM_MAX_NR_PAGES)
		return -EINVAL;
	if (mem->memory_size &&
	    (mem->userspace_addr + mem->memory_size < mem->userspace_addr ||
	     !access_ok((void __user *)(unsigned long)mem->userspace_addr,
			mem->memory_size)))
		return -EINVAL;
	/* Beyond the host's physical-address width no NPT can map it. */
	if (npages && (mem->guest_phys_addr >> PAGE_SHIFT) + npages > okvm_max_gfn())
		return -EINVAL;
	return 0;
}

/*
 * Replace @old (NULL for a create) by @new (NULL for a delete) in @cur, the
 * current array. When @old's gfns go, in a delete or a move, they are zapped
 * before the final array goes out (okvm_memslot_invalidate()). Every array
 * is allocated before anything is published: once the slot is invalid,
 * nothing may fail.
 *
 * When it returns, no SRCU reader uses @old as a valid slot any more.
 *
 * Return: 0, and @cur (with @old) is freed; -ENOMEM, and nothing changed.
 */
static int okvm_memslots_replace(struct okvm_vm *vm, const struct okvm_memslots *cur,
				 const struct okvm_memslot *old,
				 const struct okvm_memslot *new)
{
	bool gfns_go = old && (!new || new->base_gfn != old->base_gfn);
	struct okvm_memslots *slots, *invalid = NULL;

	slots = okvm_memslots_edit(cur, old, new);
	if (slots && gfns_go) {
		invalid = okvm_memslots_edit(cur, NULL, NULL);
		if (!invalid) {
			kvfree(slots);
			slots = NULL;
		}
	}
	if (!slots)
		return -ENOMEM;
	if (!invalid) {
		okvm_memslots_publish(vm, slots);
		return 0;
	}
	okvm_memslot_invalidate(vm, invalid, old);
	/*
	 * A reader still on @invalid only retries, or ages gfns that map
	 * nothing now: no need to wait for it, only to free after it. The
	 * next update's grace period covers it (a grace period of its own,
	 * even through call_srcu(), would make the next expedited one wait).
	 */
	WARN_ON_ONCE(vm->retired_memslots);
	vm->retired_memslots = okvm_memslots_swap(vm, slots);
	return 0;
}

static int okvm_memslot_delete(struct okvm_vm *vm, const struct okvm_memslots *cur,
			       const struct okvm_memslot *old)
{
	unsigned long *bitmap = old->dirty_bitmap;
	int r;

	r = okvm_memslots_replace(vm, cur, old, NULL);
	/* No SRCU reader sees the old slot as valid, so none uses its bitmap. */
	if (!r)
		kvfree(bitmap);
	return r;
}

static int okvm_memslot_create(struct okvm_vm *vm, const struct okvm_memslots *cur,
			       struct okvm_memslot *new)
{
	int r;

	if (okvm_memslot_overlaps(cur, new, U32_MAX))
		return -EEXIST;
	r = okvm_memslot_alloc_bitmap(vm, new);
	if (r)
		return r;
	r = okvm_memslots_replace(vm, cur, NULL, new);
	if (r)
		kvfree(new->dirty_bitmap);
	return r;
}

/*
 * Move or re-flag: size and backing must stay, and so must KVM_MEM_READONLY,
 * as in KVM (mappings would need rewriting). KVM_MEM_LOG_DIRTY_PAGES may
 * change, with or without a move.
 */
static int okvm_memslot_change(struct okvm_vm *vm, const struct okvm_memslots *cur,
			       const struct okvm_memslot *old, struct okvm_memslot *new)
{
	bool moved = old->base_gfn != new->base_gfn;
	unsigned long *old_bitmap = NULL;
	bool start_logging = false, stop_logging;
	int r;

	if (old->npages != new->npages || old->userspace_addr != new->userspace_addr ||
	    ((old->flags ^ new->flags) & KVM_MEM_READONLY))
		return -EINVAL;
	if (!moved && old->flags == new->flags)
		return 0;
	if (okvm_memslot_overlaps(cur, new, new->id))
		return -EEXIST;
	if (!(new->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		old_bitmap = old->dirty_bitmap;
	} else if (old->dirty_bitmap) {
		/* Still logging: what was logged is still to be read. */
		new->dirty_bitmap = old->dirty_bitmap;
	} else {
		/*
		 * A move has nothing mapped at its new gfns yet, and pages
		 * that all start dirty need no protection yet:
		 * KVM_CLEAR_DIRTY_LOG protects them as it cleans them.
		 */
		start_logging = !moved && !okvm_dirty_log_initially_set(vm);
		r = okvm_memslot_alloc_bitmap(vm, new);
		if (r)
			return r;
	}
	/* A move zaps everything anyway. */
	stop_logging = old_bitmap && !moved;

	r = okvm_memslots_replace(vm, cur, old, new);
	if (r) {
		if (new->dirty_bitmap != old->dirty_bitmap)
			kvfree(new->dirty_bitmap);
		return r;
	}
	/* No reader uses the old slot's bitmap; every fault sees the flag. */
	kvfree(old_bitmap);
	if (start_logging)
		okvm_mmu_dirty_logging_start(vm, okvm_memslot_gfns(new));
	else if (stop_logging)
		okvm_mmu_dirty_logging_stop(vm, okvm_memslot_gfns(new));
	return 0;
}

/**
 * okvm_set_memory_region() - create, delete, move or change a memslot
 * @vm: the VM
 * @mem: userspace's request (KVM_SET_USER_MEMORY_REGION2's layout)
 *
 * A slot with KVM_MEM_LOG_DIRTY_PAGES gets a dirty bitmap. Turning the flag
 * on for a slot already in use write-protects its pages (and removes its
 * huge leaves) once the new array is published; turning it off frees the
 * bitmap and zaps the slot, so that faults map it writable and huge again.
 *
 * Return: 0; -EINVAL for a malformed request or a change KVM does not allow
 * (size or address of an existing slot, KVM_MEM_READONLY); -EEXIST if the
 * new gfns overlap another slot; -ENOMEM.
 */
int okvm_set_memory_region(struct okvm_vm *vm,
			   const struct kvm_userspace_memory_region2 *mem)
{
	struct okvm_memslot new = {
		.id = (u16)mem->slot,
		.flags = mem->flags,
		.base_gfn = mem->guest_phys_addr >> PAGE_SHIFT,
		.npages = mem->memory_size >> PAGE_SHIFT,
		.userspace_addr = mem->userspace_addr,
	};
	const struct okvm_memslots *cur;
	const struct okvm_memslot *old;
	int r;

	r = okvm_memslot_check(mem);
	if (r)
		return r;

	mutex_lock(&vm->slots_lock);
	cur = rcu_dereference_protected(vm->memslots, lockdep_is_held(&vm->slots_lock));
	old = okvm_memslot_by_id(cur, new.id);
	if (!new.npages)
		r = old ? okvm_memslot_delete(vm, cur, old) : -EINVAL;
	else if (old)
		r = okvm_memslot_change(vm, cur, old, &new);
	else
		r = okvm_memslot_create(vm, cur, &new);
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * One page at a time, because each page may lie in another memslot: the
 * copy both okvm_read_guest() and okvm_write_guest() make. A write is what
 * a guest write would do, so it refuses what a guest write may not reach
 * and marks the page dirty; a read may still read a slot on its way out
 * (OKVM_MEMSLOT_INVALID): it maps nothing, it reads the hva as it is now.
 */
static int okvm_copy_guest(struct okvm_vm *vm, gpa_t gpa, void *buf,
			   unsigned int len, bool write)
{
	int idx, r = 0;

	idx = srcu_read_lock(&vm->srcu);
	while (len) {
		const struct okvm_memslot *slot;
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		gfn_t gfn = gpa >> PAGE_SHIFT;
		void __user *hva;

		slot = okvm_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
		if (!slot || (write && (slot->flags & (KVM_MEM_READONLY | OKVM_MEMSLOT_INVALID)))) {
			r = -EFAULT;
			break;
		}
		hva = (void __user *)okvm_memslot_hva(slot, gfn) + offset_in_page(gpa);
		if (write ? copy_to_user(hva, buf, chunk) : copy_from_user(buf, hva, chunk)) {
			r = -EFAULT;
			break;
		}
		if (write)
			okvm_memslot_mark_dirty(slot, gfn);
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

/**
 * okvm_read_guest() - copy guest physical memory into the kernel
 * @vm: the VM; current->mm must be its mm
 * @gpa: where to start
 * @buf: destination
 * @len: bytes, which may span pages and memslots
 *
 * Return: 0, or -EFAULT if a byte lies outside every memslot or its host
 * memory cannot be read.
 */
int okvm_read_guest(struct okvm_vm *vm, gpa_t gpa, void *buf, unsigned int len)
{
	return okvm_copy_guest(vm, gpa, buf, len, false);
}

/**
 * okvm_write_guest() - copy kernel data into guest physical memory
 * @vm: the VM; current->mm must be its mm
 * @gpa: where to start
 * @buf: source
 * @len: bytes, which may span pages and memslots
 *
 * What a guest write would do: the pages are marked dirty in a logging
 * slot. Pages before the one that fails are written.
 *
 * Return: 0, or -EFAULT if a byte lies outside every memslot, in a
 * read-only one or one on its way out, or its host memory cannot be written.
 */
int okvm_write_guest(struct okvm_vm *vm, gpa_t gpa, const void *buf, unsigned int len)
{
	/* okvm_copy_guest() only reads @buf when it writes the guest. */
	return okvm_copy_guest(vm, gpa, (void *)buf, len, true);
}

/**
 * okvm_memslots_init() - give a new VM an empty memslot array
 * @vm: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_memslots_init(struct okvm_vm *vm)
{
	struct okvm_memslots *slots = okvm_memslots_alloc(0);

	if (!slots)
		return -ENOMEM;
	RCU_INIT_POINTER(vm->memslots, slots);
	return 0;
}

/**
 * okvm_memslots_free() - free the memslot array of a dying VM
 * @vm: the VM, with no readers left
 */
void okvm_memslots_free(struct okvm_vm *vm)
{
	struct okvm_memslots *slots = rcu_dereference_protected(vm->memslots, true);
	u32 i;

	for (i = 0; i < slots->nr; i++)
		kvfree(slots->slots[i].dirty_bitmap);
	kvfree(slots);
	kvfree(vm->retired_memslots);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The TDP page fault: gfn -> memslot -> hva -> host page -> SPTE.
 *
 * Rule 4 of ../shared/ARCHITECTURE.md in order: snapshot the invalidation
 * sequence, translate (may sleep), take mmu_lock for read, retry if an
 * invalidation covers the gfn or the sequence moved, and only then map.
 * okvm keeps no reference on the page once it is mapped.
 */
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <uapi/linux/kvm.h>

#include <okvm/memslot.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_mmu.h"

/*
 * The host page behind @hva, and whether the guest may write it. A read
 * fault maps the page writable if the host already has it mapped writable,
 * without breaking copy-on-write sharing for a read.
 */
static int okvm_hva_to_page(unsigned long hva, bool write, struct page **page,
			    bool *writable)
{
	struct page *wpage;
	long n;

	if (!write && get_user_pages_fast_only(hva, 1, FOLL_WRITE, page) == 1) {
		*writable = true;
		return 0;
	}
	n = get_user_pages_unlocked(hva, 1, page, write ? FOLL_WRITE : 0);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	*writable = write;
	if (!write && get_user_pages_fast_only(hva, 1, FOLL_WRITE, &wpage) == 1) {
		put_page(*page);
		*page = wpage;
		*writable = true;
	}
	return 0;
}

/**
 * okvm_mmu_page_fault() - handle a nested page fault of the guest
 * @vcpu: the faulting vCPU
 * @gpa: the guest physical address
 * @write: the access was a write
 *
 * Return: 1 to re-enter the guest (mapped, or retry after a race);
 * OKVM_PF_EMULATE for a gpa outside every memslot or a write to a read-only
 * memslot, which the caller emulates as MMIO (nothing is mapped for it);
 * -EFAULT if the memslot's memory is gone or cannot be written; -ENOMEM.
 */
int okvm_mmu_page_fault(struct okvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	struct okvm_vm *vm = vcpu->vm;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	const struct okvm_memslot *slot;
	unsigned long seq;
	struct page *page;
	bool writable;
	int idx, r;

	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_FAULTS, 1);
	r = okvm_mmu_page_cache_fill(vcpu);
	if (r)
		return r;

	idx = srcu_read_lock(&vm->srcu);
	slot = okvm_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		r = OKVM_PF_EMULATE;
		goto out;
	}

	seq = READ_ONCE(vm->mmu_invalidate.seq);
	/* Read the sequence before the host page tables; pairs with mmu_lock. */
	smp_rmb();
	r = okvm_hva_to_page(okvm_memslot_hva(slot, gfn), write, &page, &writable);
	if (r) {
		/* A signal interrupted the host fault: the run loop reports it. */
		r = (r == -EINTR || r == -ERESTARTSYS || r == -EAGAIN) ? 1 : -EFAULT;
		goto out;
	}

	/* A read-only slot is mapped read-only, whatever the host allows. */
	if (slot->flags & KVM_MEM_READONLY)
		writable = false;

	read_lock(&vm->mmu_lock);
	if (okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, gfn) ||
	    okvm_tdp_map(vm, &vcpu->page_cache, gfn, page_to_pfn(page), writable))
		okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_FAULT_RETRIES, 1);
	read_unlock(&vm->mmu_lock);
	put_page(page);
	r = 1;
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

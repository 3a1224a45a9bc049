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
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <asm/trap_pf.h>
#include <uapi/linux/kvm.h>

#include <okvm/apicv.h>
#include <okvm/memslot.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_iter.h"
#include "tdp_mmu.h"
#include "trace/okvm_trace.h"

/* 1 maps 4K only, 2 allows 2M, 3 allows 1G as well (where the CPU can). */
static int max_huge_level = 3;
module_param(max_huge_level, int, 0644);
MODULE_PARM_DESC(max_huge_level, "largest guest mapping: 1 = 4K, 2 = 2M, 3 = 1G");

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

/*
 * The size at which the host maps @hva right now: 1 (4K), 2 (2M) or 3 (1G).
 * The same lockless walk as GUP-fast: with interrupts off, the host cannot
 * finish freeing a page table under us (its TLB-flush IPI or the RCU grace
 * period of the table waits for this CPU), and every entry is read once.
 * The answer may be stale as soon as interrupts are back on; the fault's
 * invalidation sequence check catches that, as for the pfn itself.
 */
static int okvm_host_mapping_level(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	int level = 1;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d) || p4d_bad(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		level = 3;
		goto out;
	}
	pmd = pmdp_get_lockless(pmd_offset(&pud, hva));
	if (pmd_present(pmd) && pmd_leaf(pmd))
		level = 2;
out:
	local_irq_restore(flags);
	return level;
}

/**
 * struct okvm_page_fault - one fault as it goes through its steps
 * @gpa: the guest physical address
 * @gfn: its frame
 * @write: the access is a write
 * @slot: the memslot of @gfn; NULL for the APIC-access page
 * @seq: the invalidation sequence, read before @page was looked up
 * @hva: the host address of @gfn
 * @page: the host page, referenced until the fault ends
 * @pfn: what the leaf maps: @page's frame, or the APIC-access page's
 * @writable: the leaf may map @pfn writable
 * @level: the leaf mapped (1 = 4K, 2 = 2M, 3 = 1G), 0 until one is
 * @why: why nothing was mapped, if something was expected to be
 */
struct okvm_page_fault {
	gpa_t gpa;
	gfn_t gfn;
	bool write;
	const struct okvm_memslot *slot;
	unsigned long seq;
	unsigned long hva;
	struct page *page;
	kvm_pfn_t pfn;
	bool writable;
	int level;
	enum okvm_fault_retry why;
};

/*
 * The largest leaf that may map the fault's gfn: no larger than the host's
 * mapping of its hva, than max_huge_level and than the format's largest;
 * gfn and hva congruent modulo the leaf size (so one host huge page backs
 * it), the whole leaf inside the memslot, and no part of it being
 * invalidated (the fault's retry check covers its gfn only), and not over
 * the APIC gfn where that is special (apicv/access_page.c). A logging
 * memslot maps 4K only.
 */
static int okvm_fault_level(struct okvm_vm *vm, const struct okvm_page_fault *fault)
{
	const struct okvm_mmu_invalidate *inv = &vm->mmu_invalidate;
	const struct okvm_memslot *slot = fault->slot;
	int level = clamp(READ_ONCE(max_huge_level), 1, 3);
	gfn_t gfn = fault->gfn;

	lockdep_assert_held(&vm->mmu_lock);

	/* Dirty logging tracks 4K pages: one bit per leaf (mmu/dirty_log.c). */
	if (slot->flags & KVM_MEM_LOG_DIRTY_PAGES)
		return 1;
	level = min(level, vm->mmu.fmt->max_leaf_level);
	/* Walk the host's page tables only when a huge leaf is possible. */
	if (level > 1)
		level = min(level, okvm_host_mapping_level(vm->mm, fault->hva));
	for (; level > 1; level--) {
		u64 pages = okvm_tdp_level_pages(level);
		struct okvm_gfn_range leaf = { gfn & ~(pages - 1), (gfn & ~(pages - 1)) + pages };

		if (((fault->hva >> PAGE_SHIFT) ^ gfn) & (pages - 1))
			continue;
		if (leaf.start < slot->base_gfn || leaf.end > slot->base_gfn + slot->npages)
			continue;
		if (inv->in_progress && okvm_gfn_ranges_overlap(inv->range, leaf))
			continue;
		if (okvm_apicv_leaf_covers_apic_gfn(vm, leaf))
			continue;
		break;
	}
	return level;
}

/*
 * The fault's memslot: OKVM_PF_EMULATE where none is, or for a write to a
 * read-only one; 1 (retry) while it is being deleted or moved, since a
 * leaf mapped now would outlive the zap of its removal; 0 to go on.
 */
static int okvm_fault_find_slot(struct okvm_vm *vm, struct okvm_page_fault *fault)
{
	fault->slot = okvm_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), fault->gfn);
	if (!fault->slot || (fault->write && (fault->slot->flags & KVM_MEM_READONLY)))
		return OKVM_PF_EMULATE;
	if (fault->slot->flags & OKVM_MEMSLOT_INVALID) {
		fault->why = OKVM_FAULT_RETRY_SLOT_INVALID;
		return 1;
	}
	return 0;
}

/*
 * The host page behind the fault's gfn: 0, 1 if a signal interrupted the
 * host's fault (the run loop reports it), or -EFAULT.
 */
static int okvm_fault_translate(struct okvm_page_fault *fault)
{
	const struct okvm_memslot *slot = fault->slot;
	int r;

	fault->hva = okvm_memslot_hva(slot, fault->gfn);
	r = okvm_hva_to_page(fault->hva, fault->write, &fault->page, &fault->writable);
	if (r) {
		if (r != -EINTR && r != -ERESTARTSYS && r != -EAGAIN)
			return -EFAULT;
		fault->why = OKVM_FAULT_RETRY_INTERRUPTED;
		return 1;
	}
	/*
	 * A read-only slot is mapped read-only, whatever the host allows; so
	 * is a read in a logging slot, so that the first write faults and is
	 * logged.
	 */
	if ((slot->flags & KVM_MEM_READONLY) ||
	    ((slot->flags & KVM_MEM_LOG_DIRTY_PAGES) && !fault->write))
		fault->writable = false;
	return 0;
}

/*
 * Map fault->pfn under mmu_lock held for read, unless an invalidation
 * raced with the fault or another vCPU won. A memslot page is mapped as
 * large as okvm_fault_level() allows, and marked dirty in the slot's log;
 * a page outside memslots (the APIC-access page) is mapped at 4K.
 */
static void okvm_fault_install(struct okvm_vcpu *vcpu, struct okvm_page_fault *fault)
{
	struct okvm_vm *vm = vcpu->vm;

	read_lock(&vm->mmu_lock);
	fault->why = okvm_mmu_invalidate_retry(&vm->mmu_invalidate, fault->seq, fault->gfn);
	if (!fault->why) {
		/*
		 * Under the lock, no invalidation can start changing the host
		 * page tables: the size seen now belongs with the page.
		 */
		fault->level = fault->slot ? okvm_fault_level(vm, fault) : 1;
		if (okvm_tdp_map(vm, &vcpu->page_cache, fault->gfn, fault->pfn, fault->level,
				 fault->writable))
			fault->why = OKVM_FAULT_RETRY_LOST_RACE;
		else if (fault->slot && fault->writable)
			/*
			 * Under the read lock, so KVM_GET_DIRTY_LOG (write
			 * lock) sees the bit and the writable leaf together.
			 */
			okvm_memslot_mark_dirty(fault->slot, fault->gfn);
	}
	if (fault->why)
		fault->level = 0;
	read_unlock(&vm->mmu_lock);
}

/*
 * Install the translated memslot page, then let go of it: okvm keeps no
 * reference on a page it maps.
 */
static void okvm_fault_install_page(struct okvm_vcpu *vcpu, struct okvm_page_fault *fault)
{
	fault->pfn = page_to_pfn(fault->page);
	okvm_fault_install(vcpu, fault);
	/*
	 * The guest's writes do not set the dirty bit of the host's PTE, so
	 * the host would take the page as clean (and could drop it for its
	 * copy in swap or on disk). Marking it once here is enough: anything
	 * that cleans the page goes through the notifier first, which zaps
	 * the leaf, and the next write faults here again.
	 */
	if (!fault->why && fault->writable)
		set_page_dirty_lock(fault->page);
	put_page(fault->page);
}

/*
 * The APIC gfn where it is special: OKVM_PF_EMULATE while APICv is
 * inhibited, with nothing installed; the APIC-access page mapped at 4K
 * while it is active (1), unless an inhibit raced with the fault; 0 for
 * any other gfn.
 */
static int okvm_fault_apic_gfn(struct okvm_vcpu *vcpu, struct okvm_page_fault *fault)
{
	struct page *page;
	int r;

	r = okvm_apicv_fault(vcpu, fault->gfn, &page);
	if (r == OKVM_APIC_FAULT_NONE)
		return 0;
	if (r == OKVM_APIC_FAULT_EMULATE)
		return OKVM_PF_EMULATE;
	if (r < 0)
		return r;
	r = okvm_mmu_page_cache_fill(vcpu);
	if (r)
		return r;
	fault->pfn = page_to_pfn(page);
	fault->writable = true;
	okvm_fault_install(vcpu, fault);
	return 1;
}

/*
 * The APIC gfn, else find the memslot, translate, install:
 * okvm_mmu_map_gpa() inside SRCU.
 */
static int okvm_fault_map(struct okvm_vcpu *vcpu, struct okvm_page_fault *fault)
{
	struct okvm_vm *vm = vcpu->vm;
	int r;

	fault->seq = READ_ONCE(vm->mmu_invalidate.seq);
	/*
	 * Read the sequence before the APICv state and the host page tables;
	 * pairs with mmu_lock, which invalidations and inhibits write under.
	 */
	smp_rmb();
	r = okvm_fault_apic_gfn(vcpu, fault);
	if (r)
		return r;
	r = okvm_fault_find_slot(vm, fault);
	if (r)
		return r;
	/* A write after KVM_GET_DIRTY_LOG: usually the leaf only lost its W bit. */
	if (fault->write && fault->slot->dirty_bitmap &&
	    okvm_mmu_fast_write_fault(vm, fault->slot, fault->gfn)) {
		okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_PF_FAST);
		fault->level = 1;
		return 1;
	}
	r = okvm_mmu_page_cache_fill(vcpu);
	if (r)
		return r;
	r = okvm_fault_translate(fault);
	if (r)
		return r;
	okvm_fault_install_page(vcpu, fault);
	return 1;
}

/**
 * okvm_mmu_map_gpa() - map the leaf that covers a guest physical address
 * @vcpu: the vCPU whose fault (or KVM_PRE_FAULT_MEMORY) it is
 * @gpa: the guest physical address
 * @access: X86_PF_WRITE to map it for a write (include/okvm/mmu.h)
 * @level: set to the level of the leaf mapped (1 = 4K, 2 = 2M, 3 = 1G),
 *	or 0 when the fault lost a race and nothing was mapped
 *
 * Return: as okvm_mmu_page_fault().
 */
int okvm_mmu_map_gpa(struct okvm_vcpu *vcpu, gpa_t gpa, u32 access, int *level)
{
	struct okvm_page_fault fault = {
		.gpa = gpa,
		.gfn = gpa >> PAGE_SHIFT,
		.write = access & X86_PF_WRITE,
	};
	struct okvm_vm *vm = vcpu->vm;
	int idx, r;

	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_FAULTS, 1);
	idx = srcu_read_lock(&vm->srcu);
	r = okvm_fault_map(vcpu, &fault);
	srcu_read_unlock(&vm->srcu, idx);
	/* fault_retries counts races; a signal is none. */
	if (fault.why && fault.why != OKVM_FAULT_RETRY_INTERRUPTED)
		okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_FAULT_RETRIES, 1);
	*level = fault.level;
	trace_okvm_fault_retry(vcpu->id, fault.gfn, fault.why);
	trace_okvm_page_fault(vcpu->id, gpa, fault.write, r, fault.why);
	return r;
}

/**
 * okvm_mmu_page_fault() - handle a nested page fault of the guest
 * @vcpu: the faulting vCPU
 * @gpa: the guest physical address
 * @access: what the access tried: X86_PF_WRITE, X86_PF_INSTR
 *
 * Return: 1 to re-enter the guest (mapped, or retry after a race);
 * OKVM_PF_EMULATE for a gpa outside every memslot or a write to a read-only
 * memslot, which the caller emulates as MMIO (nothing is mapped for it);
 * -EFAULT if the memslot's memory is gone or cannot be written; -ENOMEM.
 */
int okvm_mmu_page_fault(struct okvm_vcpu *vcpu, gpa_t gpa, u32 access)
{
	int level;

	return okvm_mmu_map_gpa(vcpu, gpa, access, &level);
}

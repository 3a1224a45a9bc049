// SPDX-License-Identifier: GPL-2.0
/*
 * The APIC-access page: one kernel page per VM, mapped at the APIC gfn
 * while APICv is active, so that the CPU can take the guest's xAPIC
 * accesses itself. It is in no memslot and in no process's memory, so no
 * memslot ioctl sees it and no mmu_notifier event can move or free it; it
 * lives as long as the VM (rule 6 of the seed threads).
 *
 * The page fault asks okvm_apicv_fault() what to do with a gfn, after it
 * read the invalidation sequence: map the page, emulate the access (APICv
 * inhibited: nothing is installed and nothing cached), or go on as for
 * any gfn. Documentation/apicv.rst says why that order closes the race.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>

#include <okvm/apicv.h>
#include <okvm/hw.h>
#include <okvm/vm.h>

/* The page, allocated by the first fault that maps it. */
static struct page *okvm_apic_access_page(struct okvm_vm *vm)
{
	struct okvm_apicv *av = &vm->apicv;
	struct page *page;

	/* Pairs with the release below: the page is zeroed before it is seen. */
	page = smp_load_acquire(&av->access_page);
	if (page)
		return page;
	mutex_lock(&av->lock);
	page = av->access_page;
	if (page)
		goto out;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto out;
	/* Pairs with the acquire above. */
	smp_store_release(&av->access_page, page);
out:
	mutex_unlock(&av->lock);
	return page;
}

/**
 * okvm_apicv_gfn_special() - the APIC gfn is handled apart from memslots
 * @vm: the VM
 *
 * Only where APICv can ever be active, the backend mapping the access page:
 * elsewhere the APIC gfn is any other gfn, as it was before APICv, and the
 * in-kernel APIC takes the accesses that no memslot serves (core/mmio.c).
 * When the answer turns to true, the APIC gfn is zapped of what memslot
 * leaves a vCPU mapped there before (okvm_apicv_change_locked()).
 *
 * Return: true if faults on the APIC gfn go through okvm_apicv_fault().
 */
bool okvm_apicv_gfn_special(struct okvm_vm *vm)
{
	return okvm_apicv_inhibits_special(READ_ONCE(vm->apicv.inhibits));
}

/**
 * okvm_apicv_leaf_covers_apic_gfn() - a leaf would map over the APIC gfn
 * @vm: the VM
 * @leaf: the gfns a leaf of some size would map
 *
 * A memslot page must never be mapped at the special APIC gfn, not even
 * as part of a huge leaf: the fault maps smaller there.
 *
 * Return: true if the APIC gfn is special and in @leaf.
 */
bool okvm_apicv_leaf_covers_apic_gfn(struct okvm_vm *vm, struct okvm_gfn_range leaf)
{
	return okvm_apicv_gfn_special(vm) &&
	       okvm_gfn_range_contains(leaf, READ_ONCE(vm->apicv.apic_gfn));
}

/**
 * okvm_apicv_fault() - what a page fault on @gfn does about the APIC
 * @vcpu: the faulting vCPU
 * @gfn: the gfn; the fault has read the invalidation sequence already
 * @page: set to the APIC-access page for OKVM_APIC_FAULT_MAP
 *
 * Return: OKVM_APIC_FAULT_NONE for any gfn but the APIC's;
 * OKVM_APIC_FAULT_EMULATE while APICv is inhibited; OKVM_APIC_FAULT_MAP
 * while it is active; -ENOMEM if the page cannot be had.
 */
int okvm_apicv_fault(struct okvm_vcpu *vcpu, gfn_t gfn, struct page **page)
{
	struct okvm_vm *vm = vcpu->vm;
	/* One read: "special" and "active" of the same state. */
	unsigned long inhibits = READ_ONCE(vm->apicv.inhibits);

	if (gfn != READ_ONCE(vm->apicv.apic_gfn) || !okvm_apicv_inhibits_special(inhibits))
		return OKVM_APIC_FAULT_NONE;
	if (!okvm_apicv_inhibits_active(inhibits))
		return OKVM_APIC_FAULT_EMULATE;
	*page = okvm_apic_access_page(vm);
	return *page ? OKVM_APIC_FAULT_MAP : -ENOMEM;
}

/**
 * okvm_apicv_destroy() - free the APIC-access page of a dying VM
 * @vm: the VM, its TDP tables already gone
 */
void okvm_apicv_destroy(struct okvm_vm *vm)
{
	if (vm->apicv.access_page)
		__free_page(vm->apicv.access_page);
}

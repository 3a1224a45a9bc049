/* SPDX-License-Identifier: GPL-2.0 */
/*
 * APICv state of a VM: why hardware APIC virtualization is off (a bitmask
 * of the inhibit reasons of <uapi/okvm.h>), and the gfn of the APIC-access
 * page. Active means no reason is set. Documentation/apicv.rst tells the
 * whole story.
 */
#ifndef _OKVM_APICV_H
#define _OKVM_APICV_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/kvm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <okvm/gfn_range.h>
#include <uapi/okvm.h>

struct okvm_vm;
struct okvm_vcpu;

/**
 * struct okvm_apicv - a VM's APICv state
 * @lock: serializes changes of @inhibits and what follows from them (the
 *	vCPUs' requests, the zap); taken before mmu_lock
 * @inhibits: BIT(enum okvm_apicv_inhibit) of the reasons set; written
 *	under @lock, read locklessly (READ_ONCE) by faults and vCPUs
 * @apic_gfn: where the APIC-access page is mapped while APICv is active
 * @access_page: the APIC-access page, allocated by the first fault that
 *	maps it (under @lock, published with release) and freed with the VM
 */
struct okvm_apicv {
	struct mutex lock;		/* see @lock above */
	unsigned long inhibits;
	gfn_t apic_gfn;
	struct page *access_page;
};

/* What a page fault does about the APIC: okvm_apicv_fault(). */
enum okvm_apic_fault {
	OKVM_APIC_FAULT_NONE,
	OKVM_APIC_FAULT_EMULATE,
	OKVM_APIC_FAULT_MAP,
};

void okvm_apicv_init(struct okvm_vm *vm);
void okvm_apicv_inhibit(struct okvm_vm *vm, enum okvm_apicv_inhibit reason);
void okvm_apicv_uninhibit(struct okvm_vm *vm, enum okvm_apicv_inhibit reason);
void okvm_apicv_vcpu_refresh(struct okvm_vcpu *vcpu);
void okvm_apicv_apics_changed(struct okvm_vm *vm);
int okvm_apicv_enable_user_inhibit(struct okvm_vm *vm, u64 inhibit);
bool okvm_apicv_gfn_special(struct okvm_vm *vm);
bool okvm_apicv_leaf_covers_apic_gfn(struct okvm_vm *vm, struct okvm_gfn_range leaf);
int okvm_apicv_fault(struct okvm_vcpu *vcpu, gfn_t gfn, struct page **page);
void okvm_apicv_destroy(struct okvm_vm *vm);

/* No reason keeps APICv off. */
static inline bool okvm_apicv_inhibits_active(unsigned long inhibits)
{
	return !inhibits;
}

/*
 * APICv may become active some day: the APIC gfn is then handled apart
 * from memslots (okvm_apicv_gfn_special()).
 */
static inline bool okvm_apicv_inhibits_special(unsigned long inhibits)
{
	return !(inhibits & (BIT(OKVM_APICV_INHIBIT_DISABLED) |
			     BIT(OKVM_APICV_INHIBIT_NO_HARDWARE) |
			     BIT(OKVM_APICV_INHIBIT_NO_IRQCHIP)));
}

#endif /* _OKVM_APICV_H */

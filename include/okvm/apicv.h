/* SPDX-License-Identifier: GPL-2.0 */
/*
 * APICv state of a VM: why hardware APIC virtualization is off (a bitmask
 * of the inhibit reasons of <uapi/okvm.h>), and the gfn of the APIC-access
 * page. Active means no reason is set. Documentation/apicv.rst tells the
 * whole story.
 */
#ifndef _OKVM_APICV_H
#define _OKVM_APICV_H

#include <linux/compiler.h>
#include <linux/kvm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
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
 */
struct okvm_apicv {
	struct mutex lock;		/* see @lock above */
	unsigned long inhibits;
	gfn_t apic_gfn;
};

void okvm_apicv_init(struct okvm_vm *vm);
void okvm_apicv_inhibit(struct okvm_vm *vm, enum okvm_apicv_inhibit reason);
void okvm_apicv_uninhibit(struct okvm_vm *vm, enum okvm_apicv_inhibit reason);
void okvm_apicv_vcpu_refresh(struct okvm_vcpu *vcpu);
int okvm_apicv_enable_user_inhibit(struct okvm_vm *vm, u64 inhibit);

/* No reason keeps APICv off. */
static inline bool okvm_apicv_inhibits_active(unsigned long inhibits)
{
	return !inhibits;
}

#endif /* _OKVM_APICV_H */

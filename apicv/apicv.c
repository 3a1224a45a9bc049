// SPDX-License-Identifier: GPL-2.0
/*
 * APICv state: the reasons that keep hardware APIC virtualization off for a
 * VM, changed under one lock and published to every vCPU by a request.
 *
 * When the first reason is set, every vCPU is asked to refresh before its
 * next entry and the APIC gfn is zapped through okvm_mmu_zap_gfn_range(),
 * which raises the invalidation count and sequence around the zap: a fault
 * that saw "active" before the reason was set then retries instead of
 * mapping the APIC-access page (Documentation/apicv.rst, seed 001). When
 * the last reason is cleared, nothing is mapped: the next fault does it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <uapi/okvm.h>

#include <okvm/apicv.h>
#include <okvm/hw.h>
#include <okvm/lapic.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

static bool apicv = true;
module_param(apicv, bool, 0444);
MODULE_PARM_DESC(apicv, "use APIC virtualization where the hardware accelerates it (default on)");

/**
 * okvm_apicv_init() - a new VM's APICv state
 * @vm: the VM, not yet visible to anyone
 *
 * Inhibited until it has an in-kernel APIC, and for good where the module
 * parameter or the hardware says no.
 */
void okvm_apicv_init(struct okvm_vm *vm)
{
	struct okvm_apicv *av = &vm->apicv;

	mutex_init(&av->lock);
	av->apic_gfn = APIC_DEFAULT_PHYS_BASE >> PAGE_SHIFT;
	av->inhibits = BIT(OKVM_APICV_INHIBIT_NO_IRQCHIP);
	if (!apicv)
		av->inhibits |= BIT(OKVM_APICV_INHIBIT_DISABLED);
	if (!okvm_hw->maps_apic_access_page())
		av->inhibits |= BIT(OKVM_APICV_INHIBIT_NO_HARDWARE);
	okvm_vm_stat_set(&vm->stats, OKVM_VM_STAT_APICV_INHIBITS, av->inhibits);
}

/* Every vCPU refreshes its view before it enters the guest again. */
static void okvm_apicv_request_all(struct okvm_vm *vm)
{
	/* Pairs with the release in okvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, nr = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < nr; i++) {
		okvm_make_request(vm->vcpus[i], OKVM_REQ_APICV_UPDATE);
		/* Pairs with the barrier after the vCPU sets IN_GUEST_MODE. */
		smp_mb__after_atomic();
		okvm_vcpu_kick(vm->vcpus[i]);
	}
}

/*
 * What the APIC gfn may have mapped goes when the new state forbids it:
 * the access page when APICv stops being active, a memslot page when the
 * gfn becomes special (NO_IRQCHIP is cleared once vCPUs may run, see
 * okvm_create_irqchip()). Either way a fault that read the old state
 * retries, since it read the sequence first.
 */
static bool okvm_apicv_change_zaps(unsigned long old, unsigned long new)
{
	return (okvm_apicv_inhibits_active(old) && !okvm_apicv_inhibits_active(new)) ||
	       (!okvm_apicv_inhibits_special(old) && okvm_apicv_inhibits_special(new));
}

static void okvm_apicv_change_locked(struct okvm_vm *vm, enum okvm_apicv_inhibit reason,
				     bool set)
{
	struct okvm_apicv *av = &vm->apicv;
	unsigned long old, new;

	lockdep_assert_held(&av->lock);
	old = av->inhibits;
	new = set ? old | BIT(reason) : old & ~BIT(reason);
	if (new == old)
		return;
	WRITE_ONCE(av->inhibits, new);
	okvm_vm_stat_set(&vm->stats, OKVM_VM_STAT_APICV_INHIBITS, new);
	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_APICV_CHANGES, 1);
	trace_okvm_apicv_inhibit(reason, set, new);
	if (okvm_apicv_inhibits_active(old) != okvm_apicv_inhibits_active(new))
		okvm_apicv_request_all(vm);
	if (!okvm_apicv_change_zaps(old, new))
		return;
	/*
	 * The state before the sequence the zap bumps; pairs with the
	 * smp_rmb() of okvm_fault_map(), which reads them the other way.
	 */
	smp_wmb();
	okvm_mmu_zap_gfn_range(vm, okvm_gfn_range_one(av->apic_gfn));
}

static void okvm_apicv_change(struct okvm_vm *vm, enum okvm_apicv_inhibit reason, bool set)
{
	mutex_lock(&vm->apicv.lock);
	okvm_apicv_change_locked(vm, reason, set);
	mutex_unlock(&vm->apicv.lock);
}

/**
 * okvm_apicv_inhibit() - set an inhibit reason
 * @vm: the VM
 * @reason: the reason
 *
 * Returns once no vCPU can reach the APIC-access page through a mapping:
 * from then on every guest access to the APIC gfn is emulated.
 */
void okvm_apicv_inhibit(struct okvm_vm *vm, enum okvm_apicv_inhibit reason)
{
	okvm_apicv_change(vm, reason, true);
}

/**
 * okvm_apicv_uninhibit() - clear an inhibit reason
 * @vm: the VM
 * @reason: the reason
 */
void okvm_apicv_uninhibit(struct okvm_vm *vm, enum okvm_apicv_inhibit reason)
{
	okvm_apicv_change(vm, reason, false);
}

/*
 * The APIC gfn moves to @gfn. Written before the zaps, as the inhibits are:
 * the old gfn loses the access page (and becomes memory again), the new
 * one any memslot leaf, huge or not, that covers it; a fault that read the
 * old gfn before retries.
 */
static void okvm_apicv_move_locked(struct okvm_vm *vm, gfn_t gfn)
{
	struct okvm_apicv *av = &vm->apicv;
	gfn_t old = av->apic_gfn;

	lockdep_assert_held(&av->lock);
	WRITE_ONCE(av->apic_gfn, gfn);
	if (!okvm_apicv_gfn_special(vm))
		return;
	/* As in okvm_apicv_change_locked(): the gfn before the sequence. */
	smp_wmb();
	okvm_mmu_zap_gfn_range(vm, okvm_gfn_range_one(old));
	okvm_mmu_zap_gfn_range(vm, okvm_gfn_range_one(gfn));
}

/**
 * okvm_apicv_apics_changed() - a local APIC's mode, base or ID changed
 * @vm: the VM, with an in-kernel irqchip
 *
 * Sets or clears X2APIC (an APIC in x2APIC mode), APIC_ID (an xAPIC ID
 * other than its vCPU's id) and APIC_BASE (an APIC disabled, or xAPICs at
 * different bases), from every vCPU's APIC as it is now; and when all
 * enabled xAPICs share a base, the APIC gfn moves there. The vCPUs are
 * read under the lock, so the last change to take it sees every write
 * made before it, whatever order the callers ran in.
 */
void okvm_apicv_apics_changed(struct okvm_vm *vm)
{
	/* Pairs with the release in okvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, nr = smp_load_acquire(&vm->nr_vcpus);
	bool x2apic = false, other_id = false, other_base = false, any_xapic = false;
	gfn_t gfn = 0;

	mutex_lock(&vm->apicv.lock);
	for (i = 0; i < nr; i++) {
		struct okvm_vcpu *vcpu = vm->vcpus[i];
		u64 base = READ_ONCE(vcpu->apic_base);

		if (!vcpu->apic)
			continue;
		if (!(base & MSR_IA32_APICBASE_ENABLE)) {
			other_base = true;
			continue;
		}
		if (base & X2APIC_ENABLE) {
			x2apic = true;
			continue;
		}
		if (any_xapic && (base & MSR_IA32_APICBASE_BASE) >> PAGE_SHIFT != gfn)
			other_base = true;
		gfn = (base & MSR_IA32_APICBASE_BASE) >> PAGE_SHIFT;
		any_xapic = true;
		other_id |= okvm_lapic_id(vcpu->apic) != vcpu->id;
	}
	/* The gfn first: APICv never becomes active at the old one. */
	if (any_xapic && !other_base && gfn != vm->apicv.apic_gfn)
		okvm_apicv_move_locked(vm, gfn);
	okvm_apicv_change_locked(vm, OKVM_APICV_INHIBIT_X2APIC, x2apic);
	okvm_apicv_change_locked(vm, OKVM_APICV_INHIBIT_APIC_ID, other_id);
	okvm_apicv_change_locked(vm, OKVM_APICV_INHIBIT_APIC_BASE, other_base);
	mutex_unlock(&vm->apicv.lock);
}

/**
 * okvm_apicv_vcpu_refresh() - OKVM_REQ_APICV_UPDATE: take the VM's state
 * @vcpu: the vCPU, on its own thread before it enters the guest
 */
void okvm_apicv_vcpu_refresh(struct okvm_vcpu *vcpu)
{
	bool active = okvm_apicv_inhibits_active(READ_ONCE(vcpu->vm->apicv.inhibits));

	okvm_vcpu_stat_set(&vcpu->stats, OKVM_VCPU_STAT_APICV_ACTIVE, active);
}

/**
 * okvm_apicv_enable_user_inhibit() - KVM_ENABLE_CAP(OKVM_CAP_APICV_USER_INHIBIT)
 * @vm: the VM
 * @inhibit: 1 sets userspace's inhibit reason, 0 clears it
 *
 * Return: 0, or -EINVAL for another value.
 */
int okvm_apicv_enable_user_inhibit(struct okvm_vm *vm, u64 inhibit)
{
	if (inhibit > 1)
		return -EINVAL;
	okvm_apicv_change(vm, OKVM_APICV_INHIBIT_USER, inhibit);
	return 0;
}
